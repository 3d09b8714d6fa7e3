"""Run every ``bench/bench_*.py`` module's ``main()`` in turn (``make bench``).

Usage: ``python -m bench [NAME ...]`` where NAME selects modules by the part after
``bench_`` (for example ``python -m bench measure maps``); ``--list`` lists them.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import pathlib
import sys
import time
import traceback

HERE = pathlib.Path(__file__).parent


def discover() -> list[str]:
    """Names of the benchmark modules (``bench_*.py``), sorted."""
    return sorted(p.stem for p in HERE.glob("bench_*.py"))


def run(name: str) -> int:
    module = importlib.import_module(f"bench.{name}")
    entry = getattr(module, "main", None)
    if entry is None:
        print(f"{name}: no main(); skipped", file=sys.stderr)
        return 1
    takes_argv = len(inspect.signature(entry).parameters) > 0
    result = entry([]) if takes_argv else entry()
    return int(result or 0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help="modules to run (default: all)")
    ap.add_argument("--list", action="store_true", help="list the benchmark modules")
    args = ap.parse_args(argv)
    modules = discover()
    if args.list:
        print("\n".join(modules))
        return 0
    if args.names:
        wanted = {n.removeprefix("bench_") for n in args.names}
        unknown = wanted - {m.removeprefix("bench_") for m in modules}
        if unknown:
            ap.error(f"unknown benchmark(s) {sorted(unknown)}; choose from {modules}")
        modules = [m for m in modules if m.removeprefix("bench_") in wanted]
    failed = []
    for name in modules:
        print(f"\n=== {name} ===", flush=True)
        start = time.perf_counter()
        try:
            code = run(name)
        except Exception:  # noqa: BLE001 - report and go on with the other benchmarks
            traceback.print_exc()
            code = 1
        print(f"--- {name}: {time.perf_counter() - start:.1f} s", flush=True)
        if code:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
