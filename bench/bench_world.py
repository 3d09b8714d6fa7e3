"""Benchmark: distance to the nearest land border of the world, and which one, for many points.

borderkit's exact ``distance_to(points, borders, nearest="id")`` against the common
way in geopandas, ``sjoin_nearest`` in an equal-area CRS (EPSG:6933, the EASE-Grid
2.0 global projection; geopandas has no geodesic nearest join), in the same run:

* both times and their ratio, and the peak memory of each (``ru_maxrss`` of a
  child process per method, so that neither pays for the other's leftovers);
* the common way's error against the exact distances (median, 99th percentile
  and maximum, in km) and how often it names another border as the nearest;
* borderkit's own error against a brute-force geographiclib minimisation on a
  sample of points.

The borders are the world base's (``borderkit.world.borders()``) when it is
installed, else synthetic lines of the same size (``borderkit._testing.world_lines``:
350 lines, about 250,000 km, 315,000 vertices); the output says which. The points
are spread evenly over rough boxes around the continents (seeded).

Run: ``make bench`` or ``python -m bench world`` (2e5 points; ``python -m
bench.bench_world --points 1000000`` for 1e6,
``--quick`` for 2e4).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
EQUAL_AREA = "EPSG:6933"
TARGET_MEMORY_MB = 2048.0

_CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
import numpy as np
from bench.bench_world import borders, points
frame, source = borders()
lon, lat = points({n})
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
start, cpu = time.perf_counter(), time.process_time()
if {method!r} == "borderkit":
    from borderkit.measure import distance_to
    res = distance_to((lon, lat), frame, nearest="id")
    d, ids = res["distance_m"].to_numpy(), res["nearest_id"].to_numpy()
else:
    import geopandas as gpd
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    joined = gpd.sjoin_nearest(pts.to_crs({crs!r}), frame[["id", "geometry"]].to_crs({crs!r}),
                               how="left", distance_col="distance_m")
    joined = joined[~joined.index.duplicated(keep="first")]  # ties come as extra rows
    d, ids = joined["distance_m"].to_numpy(), joined["id"].to_numpy()
elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
np.savez({out!r}, d=d, ids=ids.astype(str))
print(json.dumps({{"t": elapsed, "cpu": cpu, "before_mb": before, "peak_mb": peak,
                  "source": source}}))
"""


def borders():
    """The world's land borders (GeoDataFrame with ``id``) and a word on where they come from."""
    import geopandas as gpd

    try:
        from borderkit import world

        frame = world.borders()
        return frame[["id", "geometry"]].reset_index(drop=True), "world base (borderkit.world)"
    except Exception:  # noqa: BLE001 - the world base is not built here: synthetic lines
        from borderkit._testing import world_lines

        lines = world_lines()
        ids = [f"S{i:03d}" for i in range(len(lines))]
        frame = gpd.GeoDataFrame({"id": ids}, geometry=lines, crs="EPSG:4326")
        return frame, "synthetic world_lines() (the world base is not installed)"


def points(n: int) -> tuple[np.ndarray, np.ndarray]:
    from borderkit._testing import land_points

    return land_points(n, seed=2026)


def run_child(method: str, n: int, out: str) -> dict:
    code = _CHILD.format(root=str(ROOT), n=n, method=method, crs=EQUAL_AREA, out=out)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    if done.returncode:
        raise RuntimeError(f"{method} child failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def reference(lon: float, lat: float, frame) -> float:
    """Brute force: pyproj vertex bounds, then a geographiclib golden section per segment."""
    import shapely

    from borderkit._ellipsoid import GEOD
    from borderkit._testing import segment_distance

    xy, part = shapely.get_coordinates(
        shapely.get_parts(frame.geometry.values), return_index=True)
    same = part[:-1] == part[1:]
    a, b = xy[:-1][same], xy[1:][same]
    _, _, da = GEOD.inv(np.full(len(a), lon), np.full(len(a), lat), a[:, 0], a[:, 1])
    _, _, db = GEOD.inv(np.full(len(b), lon), np.full(len(b), lat), b[:, 0], b[:, 1])
    _, _, seg = GEOD.inv(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
    found = float(min(da.min(), db.min()))
    lower = (da + db - seg) / 2
    for i in np.argsort(lower):
        if lower[i] > found + 1e-3:
            break
        found = min(found, segment_distance(lon, lat, a[i], b[i]))
    return found


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=200_000, help="number of points")
    ap.add_argument("--quick", action="store_true", help="20,000 points")
    ap.add_argument("--sample", type=int, default=8, help="points checked by brute force")
    args = ap.parse_args(argv)
    n = 20_000 if args.quick else args.points
    with tempfile.TemporaryDirectory() as tmp:
        ours = run_child("borderkit", n, f"{tmp}/bk.npz")
        base = run_child("sjoin", n, f"{tmp}/sj.npz")
        exact, approx = np.load(f"{tmp}/bk.npz"), np.load(f"{tmp}/sj.npz")
    frame, source = borders()
    print(f"nearest land border of {n:,} points, borders: {source}, {len(frame)} features")
    err = np.abs(approx["d"] - exact["d"]) / 1000.0
    differs = float((approx["ids"] != exact["ids"]).mean())
    ratio = ours["t"] / base["t"]
    verdict = "met" if ours["peak_mb"] < TARGET_MEMORY_MB else "NOT met"
    print(f"  sjoin_nearest in {EQUAL_AREA}: {base['t']:.1f} s (CPU {base['cpu']:.1f} s), "
          f"peak RSS {base['peak_mb']:.0f} MB (after inputs {base['before_mb']:.0f} MB)")
    print(f"  borderkit.distance_to(nearest='id'), exact: {ours['t']:.1f} s (CPU "
          f"{ours['cpu']:.1f} s), peak RSS "
          f"{ours['peak_mb']:.0f} MB (after inputs {ours['before_mb']:.0f} MB; target < "
          f"{TARGET_MEMORY_MB:.0f} MB: {verdict})")
    print(f"  time ratio borderkit / sjoin_nearest: {ratio:.2f}x (CPU time "
          f"{ours['cpu'] / base['cpu']:.2f}x; load average {os.getloadavg()[0]:.1f})")
    print(f"  sjoin_nearest error vs exact: median {np.median(err):.2f} km, p99 "
          f"{np.percentile(err, 99):.2f} km, max {err.max():.2f} km; another border named "
          f"for {differs:.2%} of the points")
    lon, lat = points(n)
    pick = np.random.default_rng(1).choice(n, min(args.sample, n), replace=False)
    worst = max(abs(reference(lon[i], lat[i], frame) - exact["d"][i]) for i in pick)
    print(f"  borderkit vs geographiclib brute force ({len(pick)} points): max error "
          f"{worst:.1e} m")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
