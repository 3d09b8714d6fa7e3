"""Benchmark: distance_to on dask-geopandas (1 and 2 workers) against the in-memory path.

For each border line (China-Tajikistan and Afghanistan-Tajikistan: the shipped
lines from ``borderkit.data.border`` when they are built, otherwise synthetic
lines of the same length and detail, and the table says which) and each size
(1e6 points; 1e7 too with ``--full`` or ``BORDERKIT_BENCH_FULL=1``) it times

* in-memory: generate the points (the same generator, partition by partition,
  concatenated into one GeoDataFrame), ``measure.distance_to(frame, line)``,
  then the count within 50 km and the sum of distances;
* in-memory x2: two such processes at once, each on half of the points: the
  two-way scaling the machine itself offers during the run (other jobs share it);
* dask, 1 and 2 workers: a ``LocalCluster`` of single-threaded worker
  *processes*; the points are generated inside the tasks (``dd.from_map``, 250k
  points per partition, never one frame of all points), then the same call and
  the same two reductions (only numbers come back).

Each configuration runs in a fresh Python process, so its peak memory is its
own: ``ru_maxrss`` of that process for the in-memory path, and of every worker
process (``client.run``) plus the client/scheduler process for dask. Times
exclude interpreter and cluster start-up (the workers import borderkit before
the clock starts). Both paths must agree: the count within 50 km exactly, the
distance sum up to summation order.

Workers start with ``MALLOC_MMAP_THRESHOLD_=32MiB`` on top of dask's own
``MALLOC_TRIM_THRESHOLD_=65536`` (``--malloc dask`` leaves dask's defaults): with
dask's setting alone every large numpy temporary of the kernel is a fresh mmap,
which costs about 40% more CPU (see docs/dask.md).

Targets: 2 workers <= 0.6x the time of 1 worker; dask (1 worker) <= 1.3x the
in-memory time at 1e6; worker peak memory at 1e7 well under 10x that at 1e6.

Run: ``make bench``, or ``python -m bench.bench_dask [--full] [--lines CHN-TJK]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

PART_ROWS = 250_000
LIMIT_M = 50_000.0
LINES = ("CHN-TJK", "AFG-TJK")
# (label, path, workers); "in-memory x2" is two in-memory processes on halves of the
# points at once: the two-way scaling this machine offers right now, for reference
RUNS = (("in-memory", "memory", 0), ("in-memory x2", "memory", 0),
        ("dask 1 wkr", "dask", 1), ("dask 2 wkr", "dask", 2))
TARGET_SCALING, TARGET_OVERHEAD, TARGET_MEMORY = 0.6, 1.3, 10.0
# dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536, which also stops glibc
# from raising its mmap threshold: every large numpy temporary of the kernel is then a
# fresh mmap with page faults (measured: +40% CPU). A 32 MiB mmap threshold undoes that.
MMAP_THRESHOLD = 32 * 1024 * 1024
ROOT = Path(__file__).resolve().parents[1]

# rough course of the two borders (lon, lat), for the synthetic stand-ins
_WAYPOINTS = {
    "CHN-TJK": [(73.55, 39.45), (73.9, 38.9), (74.5, 38.5), (74.85, 38.0), (74.9, 37.25)],
    "AFG-TJK": [(67.78, 37.19), (68.4, 37.1), (69.3, 37.2), (69.9, 37.6), (70.6, 38.3),
                (71.4, 38.1), (71.6, 37.5), (71.5, 37.0), (72.3, 37.0), (73.4, 37.45),
                (74.2, 37.4), (74.9, 37.23)],
}


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _synthetic_line(name: str, vertices: int = 4000, seed: int = 7) -> Any:
    """A wiggly polyline through the border's waypoints (random walk pinned at each one)."""
    import shapely

    rng = np.random.default_rng(seed)
    way = np.array(_WAYPOINTS[name])
    per = max(vertices // (len(way) - 1), 2)
    pieces = []
    for a, b in zip(way[:-1], way[1:], strict=True):
        t = np.linspace(0.0, 1.0, per, endpoint=False)[:, None]
        walk = np.cumsum(rng.normal(0.0, 0.003, (per, 2)), axis=0)
        walk -= t * walk[-1]
        pieces.append(a + t * (b - a) + walk)
    pieces.append(way[-1:])
    return shapely.LineString(np.concatenate(pieces))


def border(name: str) -> tuple[Any, str]:
    """The border line and where it came from ("shipped" or "synthetic")."""
    a, b = name.split("-")
    try:
        from borderkit import data

        frame = data.border(a, b)
        return frame.to_crs("EPSG:4326").geometry.union_all(), "shipped"
    except Exception:  # noqa: BLE001 - not built yet: fall back, and say so in the table
        return _synthetic_line(name), "synthetic"


def partition(spec: tuple[tuple[float, float, float, float], int, int, int]) -> Any:
    """One partition of points in *bounds*: ``(bounds, seed, start, size)``."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    (x0, y0, x1, y1), seed, start, size = spec
    rng = np.random.default_rng(seed)
    return gpd.GeoDataFrame(
        {"event_id": np.arange(start, start + size, dtype="int64")},
        geometry=shapely.points(rng.uniform(x0, x1, size), rng.uniform(y0, y1, size)),
        index=pd.RangeIndex(start, start + size),
        crs="EPSG:4326",
    )


def specs(line: Any, n: int) -> list[tuple]:
    """Partition specs: points within about a degree of the line's bounding box."""
    x0, y0, x1, y1 = line.bounds
    bounds = (x0 - 1.0, y0 - 1.0, x1 + 1.0, y1 + 1.0)
    out = []
    for i, start in enumerate(range(0, n, PART_ROWS)):
        out.append((bounds, 1000 + i, start, min(PART_ROWS, n - start)))
    return out


def _summary(distance_m: Any) -> tuple[int, float]:
    return int((distance_m <= LIMIT_M).sum()), float(distance_m.sum())


def run_memory(name: str, n: int, part: int = 0, parts: int = 1) -> dict[str, Any]:
    """The in-memory path on partitions ``part::parts`` of the points."""
    import pandas as pd

    from borderkit import measure

    line, _ = border(name)
    cpu, load = _cpu_s(), os.getloadavg()[0]
    start = time.perf_counter()
    frame = pd.concat([partition(s) for s in specs(line, n)[part::parts]])
    generated = time.perf_counter() - start
    within, total = _summary(measure.distance_to(frame, line))
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "cpu_s": _cpu_s() - cpu, "generate_s": generated,
            "within": within, "sum_m": total, "peak_mb": [_maxrss_mb()],
            "load": (load + os.getloadavg()[0]) / 2}


def _worker_warmup() -> None:
    import borderkit.measure  # noqa: F401


def run_dask(name: str, n: int, workers: int, malloc: str) -> dict[str, Any]:
    import dask
    import dask.dataframe as dd
    import dask_geopandas  # noqa: F401 - the geopandas backend of dask
    import distributed

    from borderkit import measure

    line, _ = border(name)
    environ = {} if malloc == "dask" else {
        "distributed.nanny.pre-spawn-environ.MALLOC_MMAP_THRESHOLD_": MMAP_THRESHOLD
    }
    with dask.config.set(environ):
        cluster = distributed.LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
            silence_logs=40,
        )
    with distributed.Client(cluster) as client:
        client.run(_worker_warmup)
        cpu = sum(client.run(_cpu_s).values()) + _cpu_s()
        load = os.getloadavg()[0]
        start = time.perf_counter()
        points = dd.from_map(partition, specs(line, n), meta=partition(((0, 0, 1, 1), 0, 0, 0)))
        distance_m = measure.distance_to(points, line)
        within, total = client.compute(
            [(distance_m <= LIMIT_M).sum(), distance_m.sum()], sync=True
        )
        seconds = time.perf_counter() - start
        cpu = sum(client.run(_cpu_s).values()) + _cpu_s() - cpu
        peaks = sorted(v / 1024.0 for v in client.run(
            lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss).values())
    cluster.close()
    return {"seconds": seconds, "cpu_s": cpu, "within": int(within), "sum_m": float(total),
            "peak_mb": peaks, "client_peak_mb": _maxrss_mb(),
            "partitions": len(specs(line, n)), "load": (load + os.getloadavg()[0]) / 2}


def _child(config: dict[str, Any]) -> None:
    if config["path"] == "memory":
        result = run_memory(config["line"], config["n"], config["part"], config["parts"])
    else:
        result = run_dask(config["line"], config["n"], config["workers"], config["malloc"])
    print(json.dumps(result))


def _run(*configs: dict[str, Any]) -> dict[str, Any]:
    """Configurations run at once, each in a fresh interpreter (its peak memory is its own).

    Several configurations are combined: the longest time, the summed CPU time and
    counts, every process's peak memory.
    """
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.bench_dask", "--child", json.dumps(config)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for config in configs
    ]
    results = []
    for config, proc in zip(configs, procs, strict=True):
        out, err = proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"{config} failed:\n{err[-3000:]}")
        results.append(json.loads(out.strip().splitlines()[-1]))
    if len(results) == 1:
        return results[0]
    return {
        "seconds": max(r["seconds"] for r in results),
        "cpu_s": sum(r["cpu_s"] for r in results),
        "within": sum(r["within"] for r in results),
        "sum_m": sum(r["sum_m"] for r in results),
        "peak_mb": [p for r in results for p in r["peak_mb"]],
        "load": max(r["load"] for r in results),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", action="store_true",
                    help="also 1e7 points (or BORDERKIT_BENCH_FULL=1); ~20 min on 2 cores")
    ap.add_argument("--lines", nargs="+", default=list(LINES), choices=LINES)
    ap.add_argument("--malloc", choices=("tuned", "dask"), default="tuned",
                    help="worker malloc settings: dask's defaults, or with "
                         "MALLOC_MMAP_THRESHOLD_=32MiB (default)")
    ap.add_argument("--points", type=float, nargs="+", help="sizes to run instead (e.g. 2e5)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        _child(json.loads(args.child))
        return 0
    try:
        import dask_geopandas  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as err:
        print(f"bench_dask: skipped, the dask extra is not installed ({err}); "
              'pip install "borderkit[dask]"')
        return 0
    full = args.full or os.environ.get("BORDERKIT_BENCH_FULL", "") not in ("", "0")
    sizes = (1_000_000, 10_000_000) if full else (1_000_000,)
    if args.points:
        sizes = tuple(int(p) for p in args.points)
    print(f"distance_to on dask-geopandas vs in memory ({os.cpu_count()} CPUs; "
          f"{PART_ROWS:,} points per partition; peak = ru_maxrss of each process; worker "
          f"malloc: {args.malloc})")
    print("ratio: time over the single-process time of the same path (in-memory, dask 1 wkr); "
          "cpu s: CPU time of every process involved\n(workers + client/scheduler); load: the "
          "1-min load average during the run (other jobs share the machine)")
    header = (f"{'line':<8} {'source':<9} {'points':>6} {'path':<12} {'seconds':>8} "
              f"{'ratio':>8} {'cpu s':>7} {'load':>5} {'peak MB per process':<28} "
              f"{'within 50 km':>12}")
    print(header)
    print("-" * len(header))
    results: dict[tuple[str, int, str], dict[str, Any]] = {}
    for name in args.lines:
        _, source = border(name)
        for n in sizes:
            for label, path, workers in RUNS:
                config = {"path": path, "line": name, "n": n, "workers": workers,
                          "malloc": args.malloc, "part": 0, "parts": 1}
                if label == "in-memory x2":
                    res = _run(*({**config, "part": k, "parts": 2} for k in range(2)))
                else:
                    res = _run(config)
                results[(name, n, label)] = res
                base = results.get((name, n, "in-memory" if path == "memory" else "dask 1 wkr"))
                rel = f"{res['seconds'] / base['seconds']:.2f}" if base and label != (
                    "in-memory") else ""
                peaks = "/".join(f"{p:.0f}" for p in res["peak_mb"])
                if path == "dask":
                    peaks = f"wkr {peaks}, client {res['client_peak_mb']:.0f}"
                print(f"{name:<8} {source:<9} {n:>6.0e} {label:<12} {res['seconds']:>8.1f} "
                      f"{rel:>8} {res['cpu_s']:>7.1f} {res['load']:>5.1f} {peaks:<28} "
                      f"{res['within']:>12,}", flush=True)
            mem, one = results[(name, n, "in-memory")], results[(name, n, "dask 1 wkr")]
            two = results[(name, n, "dask 2 wkr")]
            ceiling = results[(name, n, "in-memory x2")]["seconds"] / mem["seconds"]
            same = (mem["within"] == one["within"] == two["within"]
                    and np.isclose(mem["sum_m"], one["sum_m"], rtol=1e-12)
                    and np.isclose(mem["sum_m"], two["sum_m"], rtol=1e-12))
            print(f"  {name} {n:.0e}: 2 workers / 1 worker = {two['seconds'] / one['seconds']:.2f}x"
                  f" (target <= {TARGET_SCALING}; two plain processes on halves of the data "
                  f"reach {ceiling:.2f}x on this machine now); dask 1 worker / in-memory = "
                  f"{one['seconds'] / mem['seconds']:.2f}x (target <= {TARGET_OVERHEAD}; "
                  f"in CPU time {one['cpu_s'] / mem['cpu_s']:.2f}x); "
                  f"results agree: {'yes' if same else 'NO'}", flush=True)
        if full:
            for label in ("dask 1 wkr", "dask 2 wkr", "in-memory"):
                small = max(results[(name, sizes[0], label)]["peak_mb"])
                big = max(results[(name, sizes[-1], label)]["peak_mb"])
                print(f"  {name} {label}: peak memory 1e7 / 1e6 = {big / small:.2f}x"
                      + (f" (target < {TARGET_MEMORY:.0f}x)" if label != "in-memory" else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
