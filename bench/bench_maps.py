"""Benchmark: brief-map HTML build + save against plain folium, measured in the same run.

For 1e4, 1e5 and 1e6 vertices (ten border-like polygons with full-precision
coordinates over the Pamirs) it times

* borderkit: ``brief_map(BriefSpec(layers=[Layer(frame)])).save(path)`` (resolve,
  clean, round to 6 decimals, GEOS GeoJSON, inlined Leaflet, atomic write), and
* folium: ``folium.GeoJson(frame).add_to(folium.Map(tiles=None)); map.save(path)``,

and prints seconds, bytes per vertex and the ratios (targets: time <= 0.2x,
bytes <= 0.55x). borderkit's time is split: the page build + save (what folium
does) and, separately, resolving the spec (loading, cleaning and validating every
geometry with GEOS, which folium does not do at all). "data x" subtracts each
tool's page for a tiny layer from its bytes, so it compares the cost of the
geometry itself (borderkit's page carries the ~165 KB Leaflet that folium loads
from CDNs). A last column shows ``simplify="auto"``.

Run: ``make bench`` or ``python -m bench.bench_maps [--max 1e5]``.
"""

from __future__ import annotations

import argparse
import gc
import os
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

SIZES = (10_000, 100_000, 1_000_000)
TARGET_TIME, TARGET_BYTES = 0.2, 0.55


def frame(n_vertices: int, *, parts: int = 10, seed: int = 1):
    """*parts* valid polygons with *n_vertices* in total, EPSG:4326.

    Each outline is star-shaped with a random-walk radius, like a surveyed border:
    neighbouring vertices are close and the line wanders. (White noise on every
    vertex instead is a pathological input for GEOS's validity check, which then
    takes quadratic time.)
    """
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(seed)
    per = max(n_vertices // parts, 4)
    polys = []
    for i in range(parts):
        angle = np.linspace(0, 2 * np.pi, per, endpoint=False)
        walk = np.cumsum(rng.normal(0.0, 1.0, per))
        walk -= np.linspace(0.0, 1.0, per) * walk[-1]
        radius = 0.3 * (1.1 + 0.15 * walk / max(np.abs(walk).max(), 1e-9))
        cx, cy = 70.0 + (i % 5) * 1.0, 37.0 + (i // 5) * 1.0
        ring = np.c_[cx + radius * np.cos(angle) / 0.8, cy + radius * np.sin(angle)]
        polys.append(shapely.Polygon(ring))
    return gpd.GeoDataFrame({"name": [f"p{i}" for i in range(parts)]}, geometry=polys,
                            crs="EPSG:4326")


def run_borderkit(gdf, path: Path, simplify=None) -> tuple[float, float]:
    """(seconds to resolve the spec, seconds to build the page and save it)."""
    import borderkit as bk

    t0 = time.perf_counter()
    spec = bk.BriefSpec(title="bench", layers=[bk.Layer(gdf, kind="user_polygon")],
                        inset=False, uncertainty=False)
    resolved = spec.resolve()
    t1 = time.perf_counter()
    bk.brief_map(resolved, simplify=simplify).save(path)
    return t1 - t0, time.perf_counter() - t1


def run_folium(gdf, path: Path) -> float:
    import folium

    t0 = time.perf_counter()
    fmap = folium.Map(tiles=None)
    folium.GeoJson(gdf).add_to(fmap)
    fmap.save(str(path))
    return time.perf_counter() - t0


def best(fn, repeat: int):
    """The fastest of *repeat* runs (by total time)."""
    results = []
    for _ in range(repeat):
        gc.collect()
        results.append(fn())
    return min(results, key=lambda r: sum(r) if isinstance(r, tuple) else r)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max", type=float, default=max(SIZES), help="largest vertex count")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    sizes = [n for n in SIZES if n <= args.max]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        ours_p, theirs_p, auto_p = out / "bk.html", out / "folium.html", out / "auto.html"
        tiny = frame(40, parts=10)
        run_borderkit(tiny, ours_p)
        run_folium(tiny, theirs_p)
        ours_0, theirs_0 = os.path.getsize(ours_p), os.path.getsize(theirs_p)
        for n in sizes:
            gdf = frame(n)
            vertices = int(sum(len(g.exterior.coords) for g in gdf.geometry))
            repeat = 3 if n <= 100_000 else 1
            (t_res, t_ours) = best(lambda g=gdf: run_borderkit(g, ours_p), repeat)
            t_theirs = best(lambda g=gdf: run_folium(g, theirs_p), repeat)
            t_auto = sum(best(lambda g=gdf: run_borderkit(g, auto_p, "auto"), repeat))
            b_ours, b_theirs = os.path.getsize(ours_p), os.path.getsize(theirs_p)
            rows.append((vertices, t_ours, t_theirs, b_ours, b_theirs, ours_0, theirs_0,
                         t_res, t_auto, os.path.getsize(auto_p)))
    header = (f"{'vertices':>9} {'folium s':>9} {'bk s':>7} {'time x':>7} {'+resolve':>8} "
              f"{'total x':>8} {'fol B/vtx':>9} {'bk B/vtx':>9} {'bytes x':>8} {'data x':>7} "
              f"{'auto s':>7} {'auto KB':>8}")
    print("brief map HTML build + save: borderkit vs folium.GeoJson (same run)")
    print("  bk s: page from the resolved spec + atomic save; +resolve: load, clean, validate")
    print(header)
    print("-" * len(header))
    for v, to, tt, bo, bt, o0, t0, tr, ta, ba in rows:
        print(f"{v:>9} {tt:>9.3f} {to:>7.3f} {to / tt:>7.3f} {tr:>8.3f} {(to + tr) / tt:>8.3f} "
              f"{bt / v:>9.1f} {bo / v:>9.1f} {bo / bt:>8.3f} {(bo - o0) / (bt - t0):>7.3f} "
              f"{ta:>7.3f} {ba / 1000:>8.1f}")
    v, to, tt, bo, bt, o0, t0, tr, *_ = rows[-1]
    verdict = {True: "met", False: "NOT met"}
    print(f"at {v} vertices: page time {to / tt:.3f}x and with resolve {(to + tr) / tt:.3f}x "
          f"(target <= {TARGET_TIME}x: {verdict[to / tt <= TARGET_TIME]}); bytes {bo / bt:.3f}x "
          f"(target <= {TARGET_BYTES}x: {verdict[bo / bt <= TARGET_BYTES]})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
