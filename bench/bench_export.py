"""Benchmark: time to a PNG of the brief, via Chromium and via the static renderer.

Measured in the same run, against a common baseline: a cold Python subprocess
that imports matplotlib and writes one trivial 10 x 7 in figure at the same dpi
(the least any matplotlib-based tool pays for one picture from the shell).

Rows (seconds, median of ``--repeat`` runs, and the ratio to the baseline):

* ``static warm``: ``render_static(resolved, "x.png", dpi=300)`` in this process
  (spec already resolved, matplotlib and fonts loaded);
* ``static cold``: a fresh ``python -c`` that imports borderkit, resolves the spec
  and renders it (what ``borderkit`` on the command line pays);
* ``chromium warm``: ``to_png(brief_map, scale=2)`` with a running browser;
* ``chromium cold``: ``to_png`` that starts and stops Chromium itself;
* ``resolve``: ``spec.resolve()`` alone (shared by both paths, not in the rows above
  except the cold static one).

Uses the ``tajikistan-2020-05`` preset; if it cannot load (no shipped data), a
synthetic brief of the same shape is used and the output says so. Reports only;
no gate. Run: ``python -m bench.bench_export [--repeat 3] [--dpi 300] [--scale 2]``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

PRESET = "tajikistan-2020-05"


def synthetic_spec() -> Any:
    """A brief like the preset: border, ceded area, places, a distance line, rings."""
    import geopandas as gpd
    import shapely

    import borderkit as bk

    border = shapely.LineString([(73.5, 39.4), (74.9, 38.6), (74.8, 38.0), (74.9, 37.2)])
    places = gpd.GeoDataFrame(
        {"name": ["Dushanbe", "Хоруғ", "Murghab", "Kulma 阔勒买", "Karasu", "Facility"],
         "kind": ["capital", "city", "town", "checkpoint", "checkpoint", "facility"],
         "precision_m": [0, 0, 0, 0, 0, 8000]},
        geometry=[shapely.Point(p) for p in [(68.78, 38.56), (71.55, 37.49), (73.97, 38.17),
                                             (75.03, 38.22), (75.07, 38.58), (74.6, 37.6)]],
        crs="EPSG:4326")
    return bk.BriefSpec(
        title="Chinese security assistance to Tajikistan (synthetic)",
        subtitle="Benchmark brief",
        notes=["Synthetic layers standing in for the preset."],
        sources=["Asia Plus, 14 May 2020"],
        layers=[
            bk.Layer(gpd.GeoDataFrame(geometry=[shapely.box(74.4, 37.4, 74.9, 37.9)],
                                      crs="EPSG:4326"), kind="ceded_area", name="Ceded area"),
            bk.Layer(gpd.GeoDataFrame(geometry=[border], crs="EPSG:4326"), kind="border",
                     name="China–Tajikistan border"),
            bk.Layer(places, labels=True),
        ],
        distance_lines=[bk.DistanceLine((68.78, 38.56), (74.6, 37.6))],
        rings=[bk.RangeRings((74.6, 37.6), [50_000, 100_000])],
        inset=False,
    )


def load_spec() -> tuple[Any, str, str]:
    """(spec, label, python expression that rebuilds it in a subprocess)."""
    import borderkit as bk

    try:
        spec = bk.preset(PRESET)
        spec.resolve()
        return spec, f"preset {PRESET!r}", f"bk.preset({PRESET!r})"
    except (ImportError, bk.BorderkitError) as err:
        expr = "__import__('bench.bench_export', fromlist=['x']).synthetic_spec()"
        return synthetic_spec(), f"synthetic brief (preset unavailable: {err})", expr


def timed(fn: Any, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def subprocess_seconds(code: str, repeat: int) -> float:
    root = Path(__file__).resolve().parent.parent
    return timed(lambda: subprocess.run([sys.executable, "-c", code], check=True, cwd=root,
                                        capture_output=True), repeat)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dpi", type=float, default=300)
    parser.add_argument("--scale", type=float, default=2)
    args = parser.parse_args(argv)

    import borderkit as bk
    from borderkit import export

    spec, label, expr = load_spec()
    rows: dict[str, float] = {}
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bk-bench-") as tmp:
        out = Path(tmp)
        baseline = textwrap.dedent(f"""
            from matplotlib.figure import Figure
            from matplotlib.backends.backend_agg import FigureCanvasAgg
            fig = Figure(figsize=(10, 7)); FigureCanvasAgg(fig)
            fig.add_subplot().plot([0, 1], [0, 1]); fig.savefig({str(out / 'base.png')!r},
            dpi={args.dpi})
        """)
        base = subprocess_seconds(baseline, args.repeat)
        rows["resolve"] = timed(spec.resolve, args.repeat)
        resolved = spec.resolve()
        bk.render_static(resolved, out / "warmup.png", dpi=72)  # fonts, caches
        rows["static warm"] = timed(
            lambda: bk.render_static(resolved, out / "print.png", dpi=args.dpi), args.repeat)
        rows["static cold"] = subprocess_seconds(
            f"import borderkit as bk; bk.render_static({expr}, {str(out / 'cold.png')!r}, "
            f"dpi={args.dpi})", args.repeat)
        try:
            bmap = bk.brief_map(resolved)
            with export.browser() as b:
                export.to_png(bmap, out / "warmup-browser.png", scale=1, browser=b)
                rows["chromium warm"] = timed(
                    lambda: export.to_png(bmap, out / "shot.png", scale=args.scale, browser=b),
                    args.repeat)
            rows["chromium cold"] = timed(
                lambda: export.to_png(bmap, out / "shot-cold.png", scale=args.scale),
                args.repeat)
        except bk.BorderkitError as err:
            notes.append(f"Chromium rows left out: {err}")
        from PIL import Image

        sizes = {name: Image.open(out / f).size for name, f in
                 (("static", "print.png"), ("chromium", "shot.png")) if (out / f).exists()}

    print(f"bench_export: {label}; dpi {args.dpi:g}, scale {args.scale:g}, "
          f"median of {args.repeat}")
    print(f"  {'baseline: cold matplotlib subprocess':40s} {base:7.2f} s   1.00x")
    for name, secs in rows.items():
        print(f"  {name:40s} {secs:7.2f} s   {secs / base:4.2f}x")
    for name, (w, h) in sizes.items():
        print(f"  {name} PNG: {w} x {h} px")
    for note in notes:
        print(f"  note: {note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
