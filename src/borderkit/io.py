"""User files in and out: GeoJSON, GeoPackage, Shapefile, KML/KMZ and CSV.

:func:`read_layer` returns a GeoDataFrame in EPSG:4326 (lon, lat) after
checking it; everything it changed or dropped is listed in a :class:`LoadReport`
stored as ``gdf.attrs["borderkit_report"]`` and announced with one warning per
kind (:class:`~borderkit.errors.RepairWarning`,
:class:`~borderkit.errors.DroppedFeatureWarning`,
:class:`~borderkit.errors.SwappedCoordinatesWarning`).
:func:`write_layer` writes atomically and refuses, before writing, anything the
format would lose (a Tajik letter under a legacy code page, a NUL in XML, a
254-byte DBF limit). :func:`parse_coordinate` reads a typed coordinate pair.

Policies (documented in ``docs/bad_inputs.md``):

* the format is detected from the content, not only the file name;
* local files only: URLs and inline JSON/XML text are refused;
* files over ``max_bytes`` (default 50 MB) are refused before reading;
* several layers (GeoPackage layers, KML folders) and no ``layer=``: an error
  lists them; ``layer="*"`` loads all with a ``layer`` column;
* null or empty geometries and CSV rows with a blank coordinate are dropped and
  reported (an error with ``strict=True``);
* Z values are dropped (2D lon/lat); non-zero ones are reported;
* invalid polygons are repaired with ``shapely.make_valid`` (never
  ``buffer(0)``) and the geodesic area change reported; unclosed rings are
  closed, repeated vertices removed, polygons and lines crossing the
  antimeridian split there; with ``strict=True`` each of these is an error.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io as _stdio
import json
import logging
import math
import os
import re
import shutil
import tempfile
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._atomic import atomic_path
from ._coords import parse_coordinate, read_angle
from ._validate import WGS84
from .errors import (
    BorderkitWarning,
    CoordinateError,
    CRSError,
    DataError,
    DroppedFeatureWarning,
    EncodingError,
    ExportError,
    FileFormatError,
    GeometryError,
    RepairWarning,
    SwappedCoordinatesWarning,
)

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

__all__ = [
    "read_layer",
    "write_layer",
    "parse_coordinate",
    "LoadReport",
    "DEFAULT_MAX_BYTES",
    "READ_FORMATS",
    "WRITE_DRIVERS",
]

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
READ_FORMATS = ("GeoJSON", "GPKG", "ESRI Shapefile", "KML", "KMZ", "CSV")
WRITE_DRIVERS = {
    "GeoJSON": (".geojson", ".json"),
    "GPKG": (".gpkg",),
    "ESRI Shapefile": (".shp",),
    "KML": (".kml",),
    "KMZ": (".kmz",),
    "CSV": (".csv",),
}
_DRIVER_ALIASES = {
    "geojson": "GeoJSON",
    "json": "GeoJSON",
    "gpkg": "GPKG",
    "geopackage": "GPKG",
    "esri shapefile": "ESRI Shapefile",
    "shapefile": "ESRI Shapefile",
    "shp": "ESRI Shapefile",
    "kml": "KML",
    "kmz": "KMZ",
    "csv": "CSV",
}
_EXT_FORMAT = {ext: drv for drv, exts in WRITE_DRIVERS.items() for ext in exts}
_EXT_FORMAT.update({".tsv": "CSV", ".txt": "CSV"})

_REPORT_KEY = "borderkit_report"
_REF = "_bk_ref"  # hidden column: how to name a feature in messages
_UNCLOSED = "_bk_unclosed"  # hidden column: the reader saw an unclosed ring
_LAYER_COL = "layer"


# ----------------------------------------------------------------------------- report


@dataclass
class LoadReport:
    """What :func:`read_layer` read, changed and dropped.

    Attributes
    ----------
    source : str
        The file path.
    format : str
        The detected format (one of ``READ_FORMATS``).
    layer : str or None
        The layer read (``"*"`` for all).
    source_crs : str or None
        The CRS the file stated (or the caller stated); output is EPSG:4326.
    n_read, n_loaded : int
        Features in the file and in the returned frame.
    repaired : list of dict
        One entry per repaired feature: ``feature``, ``problem``, ``action``,
        ``area_before_m2``, ``area_after_m2``, ``area_change_m2`` (geodesic,
        square metres; None for points and lines).
    dropped : list of dict
        One entry per dropped feature: ``feature`` and ``reason``.
    swapped : bool
        True when latitude and longitude were swapped back.
    notes : list of str
        Everything else worth knowing (assumed CRS, dropped Z, mixed types).
    """

    source: str
    format: str
    layer: str | None = None
    source_crs: str | None = None
    n_read: int = 0
    n_loaded: int = 0
    repaired: list[dict[str, Any]] = field(default_factory=list)
    dropped: list[dict[str, Any]] = field(default_factory=list)
    swapped: bool = False
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [
            f"{self.source} ({self.format}{', layer ' + repr(self.layer) if self.layer else ''}): "
            f"{self.n_loaded} of {self.n_read} features loaded, source CRS {self.source_crs}"
        ]
        for item in self.repaired:
            change = item.get("area_change_m2")
            extra = f", area change {change:+.6g} m2" if change is not None else ""
            lines.append(
                f"  repaired {item['feature']}: {item['problem']} -> {item['action']}{extra}"
            )
        lines += [f"  dropped {d['feature']}: {d['reason']}" for d in self.dropped]
        if self.swapped:
            lines.append("  latitude and longitude were swapped back")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


# ----------------------------------------------------------------------------- paths


_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")


def _local_path(path: Any, what: str = "path") -> Path:
    if isinstance(path, bytes | bytearray):
        raise DataError(f"{what} must be a file path, not bytes; write the data to a file first")
    if not isinstance(path, str | os.PathLike):
        raise DataError(
            f"{what} must be a file path (str or pathlib.Path), not {type(path).__name__}"
        )
    text = os.fspath(path)
    if not isinstance(text, str):
        text = os.fsdecode(text)
    stripped = text.strip()
    if _URL.match(stripped) or stripped.lower().startswith(("/vsi", "www.")):
        raise DataError(
            f"{stripped[:80]!r} is a URL or a GDAL virtual path; borderkit reads local files only "
            "and makes no network requests: download the file and pass its local path"
        )
    if stripped[:1] in ("{", "[", "<") or "\n" in stripped:
        raise DataError(
            f"{what} looks like inline JSON/XML text ({stripped[:40]!r}...), not a file path; "
            "write it to a .geojson/.kml file and pass that path"
        )
    return Path(text)


def _check_readable(p: Path) -> None:
    if not p.exists():
        raise DataError(
            f"{str(p)!r} does not exist; check the path (working folder: {os.getcwd()})"
        )
    if p.is_dir():
        raise DataError(f"{str(p)!r} is a folder; pass the file inside it (e.g. the .shp or .gpkg)")


def _sidecar(shp: Path, ext: str) -> Path | None:
    """The sidecar of a shapefile with extension *ext*, matched case-insensitively."""
    want = (shp.stem + ext).lower()
    try:
        for cand in shp.parent.iterdir():
            if cand.name.lower() == want:
                return cand
    except OSError:
        return None
    return None


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


def _check_size(p: Path, size: int, max_bytes: int | None) -> None:
    if max_bytes is not None and size > max_bytes:
        raise FileFormatError(
            f"{str(p)!r} is {_mb(size)}, over the limit of {_mb(max_bytes)} (max_bytes); "
            f"nothing was read. If you mean it, pass max_bytes={size} (or None), or clip the "
            "file to your region first (e.g. ogr2ogr -spat)"
        )


# ----------------------------------------------------------------------------- sniffing


def _sniff(p: Path) -> str:
    with open(p, "rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"PK\x03\x04"):
        return "KMZ"
    if head.startswith(b"SQLite format 3\x00"):
        return "GPKG"
    if head[:4] == b"\x00\x00\x27\x0a":
        return "ESRI Shapefile"
    if head[:1] in (b"\x03", b"\x83", b"\x8b", b"\x30", b"\xf5") and p.suffix.lower() == ".dbf":
        raise FileFormatError(f"{str(p)!r} is the .dbf part of a shapefile; pass the .shp file")
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise EncodingError(f"{str(p)!r} is UTF-16 text; save it as UTF-8 and try again")
    if text.startswith(b"<"):
        if b"<kml" in head.lower() or b"opengis.net/kml" in head or p.suffix.lower() == ".kml":
            return "KML"
        raise FileFormatError(
            f"{str(p)!r} is XML but not KML (GPX/GML are not supported); "
            f"supported formats: {', '.join(READ_FORMATS)}"
        )
    if text[:1] in (b"{", b"["):
        return "GeoJSON"
    if b"\x00" in head:
        raise FileFormatError(
            f"{str(p)!r} is a binary file borderkit cannot read; "
            f"supported formats: {', '.join(READ_FORMATS)}"
        )
    if not text:
        raise FileFormatError(f"{str(p)!r} is empty")
    return "CSV"


# ----------------------------------------------------------------------------- labels


def _name_column(columns: Iterable[Any]) -> Any:
    for want in ("name", "title", "label", "id"):
        for col in columns:
            if isinstance(col, str) and col.strip().lower() == want:
                return col
    return None


def _refs(frame: Any, unit: str, start: int = 0) -> list[str]:
    col = _name_column(frame.columns)
    out = []
    for i in range(len(frame)):
        ref = f"{unit} {i + start}"
        if col is not None:
            val = frame[col].iloc[i]
            if isinstance(val, str) and val.strip():
                ref += f" ({val[:60]!r})"
        out.append(ref)
    return out


# ----------------------------------------------------------------------------- GeoJSON


_GEOM_TYPES = (
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
)


def _json_error(p: Path, text: str, err: json.JSONDecodeError) -> FileFormatError:
    where = f"line {err.lineno} column {err.colno}"
    if err.msg.startswith("Extra data"):
        return FileFormatError(
            f"{str(p)!r}: the JSON ends at {where} but more text follows (trailing garbage?); "
            "remove what comes after the last closing brace"
        )
    unclosed_string = err.msg.startswith("Unterminated string") and '"' not in text[err.pos + 1 :]
    if err.pos >= len(text.rstrip()) or unclosed_string:
        return FileFormatError(
            f"{str(p)!r}: the JSON stops early at {where} (truncated file?); "
            "download or export it again"
        )
    return FileFormatError(f"{str(p)!r} is not valid JSON: {err.msg} at {where}")


class _GeoJSONGeometry:
    """Builds shapely geometries from GeoJSON dicts with messages naming the feature."""

    def __init__(self, ref: str) -> None:
        self.ref = ref
        self.unclosed = False

    def fail(self, why: str) -> FileFormatError:
        return FileFormatError(f"{self.ref}: {why}")

    def position(self, pos: Any) -> tuple[float, ...]:
        if not isinstance(pos, list) or len(pos) < 2:
            raise self.fail(
                f"a position must be a list [lon, lat] (or [lon, lat, z]), got {pos!r:.60}"
            )
        out = []
        for v in pos[:3]:
            if isinstance(v, bool) or not isinstance(v, int | float):
                kind = "text" if isinstance(v, str) else type(v).__name__
                raise CoordinateError(
                    f"{self.ref}: coordinate {v!r:.40} is {kind}, but GeoJSON coordinates are "
                    "numbers; remove the quotes in the file"
                )
            out.append(float(v))
        return tuple(out)

    def positions(self, seq: Any, depth: str) -> list[tuple[float, ...]]:
        if not isinstance(seq, list):
            raise self.fail(f"{depth} must be a list of positions, got {type(seq).__name__}")
        pts = [self.position(p) for p in seq]
        dims = {len(p) for p in pts}
        if len(dims) > 1:  # mixed 2D and 3D positions: pad with z = 0
            pts = [p if len(p) == 3 else (*p, 0.0) for p in pts]
        return pts

    def ring(self, seq: Any) -> list[tuple[float, ...]]:
        pts = self.positions(seq, "a polygon ring")
        if pts and pts[0] != pts[-1]:
            self.unclosed = True
            pts = [*pts, pts[0]]
        if len(pts) < 4:
            raise GeometryError(
                f"{self.ref}: a polygon ring has {len(seq)} positions; it needs at least 4 "
                "(3 corners and the closing point)"
            )
        return pts

    def polygon(self, rings: Any) -> Any:
        from shapely.geometry import Polygon

        if not isinstance(rings, list):
            raise self.fail("Polygon coordinates must be a list of rings")
        if not rings:
            return Polygon()
        built = [self.ring(r) for r in rings]
        return Polygon(built[0], built[1:])

    def build(self, geom: Any) -> Any:
        from shapely.geometry import (
            GeometryCollection,
            LineString,
            MultiLineString,
            MultiPoint,
            MultiPolygon,
            Point,
        )

        if geom is None:
            return None
        if not isinstance(geom, dict):
            raise self.fail(f"geometry must be an object or null, got {type(geom).__name__}")
        gtype = geom.get("type")
        if gtype not in _GEOM_TYPES:
            raise self.fail(
                f"unknown geometry type {gtype!r}; expected one of {', '.join(_GEOM_TYPES)}"
            )
        if gtype == "GeometryCollection":
            parts = geom.get("geometries")
            if not isinstance(parts, list):
                raise self.fail("a GeometryCollection needs a 'geometries' list")
            return GeometryCollection([g for g in (self.build(x) for x in parts) if g is not None])
        if "coordinates" not in geom:
            raise self.fail(f"the {gtype} has no 'coordinates'")
        c = geom["coordinates"]
        if gtype == "Point":
            return Point() if c == [] else Point(self.position(c))
        if gtype == "MultiPoint":
            return MultiPoint(self.positions(c, "MultiPoint coordinates"))
        if gtype == "LineString":
            pts = self.positions(c, "LineString coordinates")
            if len(pts) == 1:
                raise GeometryError(f"{self.ref}: a LineString needs at least 2 positions")
            return LineString(pts)
        if gtype == "MultiLineString":
            if not isinstance(c, list):
                raise self.fail("MultiLineString coordinates must be a list of lines")
            return MultiLineString([self.positions(x, "a line") for x in c])
        if gtype == "Polygon":
            return self.polygon(c)
        if not isinstance(c, list):
            raise self.fail("MultiPolygon coordinates must be a list of polygons")
        return MultiPolygon([self.polygon(x) for x in c])


def _crs_member(p: Path, doc: dict[str, Any]) -> Any:
    member = doc.get("crs")
    if member is None:
        return None
    name = None
    if isinstance(member, dict):
        props = member.get("properties")
        if isinstance(props, dict):
            name = props.get("name")
    if not isinstance(name, str):
        raise CRSError(f"{str(p)!r}: the 'crs' member {member!r:.80} has no CRS name")
    import pyproj

    try:
        return pyproj.CRS.from_user_input(name)
    except pyproj.exceptions.CRSError as err:
        raise CRSError(f"{str(p)!r}: unknown CRS {name!r} in the 'crs' member") from err


def _decode(p: Path, data: bytes, encoding: str | None) -> str:
    enc = encoding or "utf-8-sig"
    try:
        return data.decode(enc)
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise EncodingError(
            f"{str(p)!r} line {line}: byte {data[err.start : err.start + 1]!r} is not valid {enc}; "
            "pass encoding='cp1251' (Cyrillic Windows), 'gb18030' (Chinese) or the file's "
            "real encoding"
        ) from err
    except LookupError as err:
        raise EncodingError(f"unknown encoding {encoding!r}") from err


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _check_surrogates(p: Path, text: str, doc: Any) -> None:
    """Refuse a ``\\udXXX`` escape that is half a pair: no column or file can hold it."""
    if not _SURROGATE_ESCAPE.search(text):
        return
    try:
        json.dumps(doc, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as err:
        bad = err.object[err.start]
        pos = text.lower().find(f"\\u{ord(bad):04x}")
        line = text.count("\n", 0, pos) + 1 if pos >= 0 else "?"
        raise EncodingError(
            f"{str(p)!r} line {line}: the escape \\u{ord(bad):04x} is half of a UTF-16 "
            "surrogate pair, not a character; fix the text (the file was written by a tool "
            "that split an emoji or other character)"
        ) from err


def _read_geojson(p: Path, data: bytes, encoding: str | None) -> dict[str, Any]:
    import geopandas as gpd
    import pandas as pd

    text = _decode(p, data, encoding)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        raise _json_error(p, text, err) from err
    except RecursionError as err:
        raise FileFormatError(f"{str(p)!r}: the JSON is nested too deeply to read") from err
    _check_surrogates(p, text, doc)
    if not isinstance(doc, dict):
        raise FileFormatError(
            f"{str(p)!r}: the top level is a JSON {type(doc).__name__}; GeoJSON is an object "
            'with "type": "FeatureCollection"'
        )
    gtype = doc.get("type")
    if gtype == "FeatureCollection":
        feats = doc.get("features")
        if not isinstance(feats, list):
            raise FileFormatError(f"{str(p)!r}: a FeatureCollection needs a 'features' list")
    elif gtype == "Feature":
        feats = [doc]
    elif gtype in _GEOM_TYPES:
        feats = [{"type": "Feature", "geometry": doc, "properties": {}}]
    else:
        raise FileFormatError(
            f'{str(p)!r}: "type" is {gtype!r}; GeoJSON needs "FeatureCollection", '
            f'"Feature" or a geometry type ({", ".join(_GEOM_TYPES)})'
        )
    rows, geoms, refs, unclosed = [], [], [], []
    for i, feat in enumerate(feats):
        if not isinstance(feat, dict) or feat.get("type") != "Feature":
            raise FileFormatError(
                f'{str(p)!r} feature {i}: expected an object with "type": "Feature", '
                f"got {feat!r:.60}"
            )
        props = feat.get("properties")
        if props is None:
            props = {}
        if not isinstance(props, dict):
            raise FileFormatError(f"{str(p)!r} feature {i}: 'properties' must be an object or null")
        props = dict(props)
        if "id" in feat and "id" not in props:
            props = {"id": feat["id"], **props}
        name_col = _name_column(props)
        ref = f"feature {i}"
        if name_col is not None and isinstance(props[name_col], str):
            ref += f" ({props[name_col][:60]!r})"
        builder = _GeoJSONGeometry(f"{p.name} {ref}")
        try:
            geom = builder.build(feat.get("geometry"))
        except ValueError as err:
            if isinstance(err, DataError):
                raise
            raise GeometryError(f"{p.name} {ref}: {err}") from err
        rows.append(props)
        geoms.append(geom)
        refs.append(ref)
        unclosed.append(builder.unclosed)
    frame = pd.DataFrame.from_records(rows) if rows else pd.DataFrame()
    frame[_REF] = refs
    frame[_UNCLOSED] = unclosed
    gdf = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, index=frame.index), crs=None)
    stated = _crs_member(p, doc)
    return {"": (gdf, stated, "EPSG:4326")}


# ----------------------------------------------------------------------------- KML / KMZ


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child(elem: Any, name: str) -> Any:
    for c in elem:
        if _local(c.tag) == name:
            return c
    return None


_KML_TYPES: dict[str, Callable[[str], Any]] = {
    "int": int,
    "uint": int,
    "short": int,
    "ushort": int,
    "float": float,
    "double": float,
    "bool": lambda s: s.strip().lower() in ("1", "true"),
}


class _KMLReader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.schemas: dict[str, dict[str, str]] = {}
        self.layers: dict[str, list[tuple[dict[str, Any], Any, bool]]] = {}

    # geometry -----------------------------------------------------------
    def coords(self, elem: Any, ref: str) -> list[tuple[float, ...]]:
        node = _child(elem, "coordinates")
        text = (node.text or "") if node is not None else ""
        text = re.sub(r"\s*,\s*", ",", text.strip())
        pts = []
        for tup in text.split():
            try:
                vals = tuple(float(v) for v in tup.split(",") if v != "")
            except ValueError as err:
                raise CoordinateError(
                    f"{self.source} {ref}: {tup!r:.40} is not 'lon,lat[,alt]'"
                ) from err
            if len(vals) < 2:
                raise CoordinateError(f"{self.source} {ref}: {tup!r:.40} is not 'lon,lat[,alt]'")
            pts.append(vals[:3])
        if len({len(v) for v in pts}) > 1:
            pts = [v if len(v) == 3 else (*v, 0.0) for v in pts]
        return pts

    def ring(self, elem: Any, ref: str, state: dict[str, bool]) -> list[tuple[float, ...]]:
        ring = _child(elem, "LinearRing")
        pts = self.coords(ring, ref) if ring is not None else []
        if pts and pts[0] != pts[-1]:
            state["unclosed"] = True
            pts.append(pts[0])
        if len(pts) < 4:
            raise GeometryError(
                f"{self.source} {ref}: a polygon ring has {len(pts)} points; it needs at least 4"
            )
        return pts

    def geometry(self, elem: Any, ref: str, state: dict[str, bool]) -> Any:
        from shapely.geometry import GeometryCollection, LineString, Point, Polygon

        tag = _local(elem.tag)
        if tag == "Point":
            pts = self.coords(elem, ref)
            return Point(pts[0]) if pts else Point()
        if tag in ("LineString", "LinearRing"):
            pts = self.coords(elem, ref)
            if tag == "LinearRing" and pts and pts[0] != pts[-1]:
                pts.append(pts[0])
            if len(pts) == 1:
                raise GeometryError(f"{self.source} {ref}: a LineString needs at least 2 points")
            return LineString(pts)
        if tag == "Polygon":
            outer = _child(elem, "outerBoundaryIs")
            if outer is None:
                return Polygon()
            holes = [self.ring(h, ref, state) for h in elem if _local(h.tag) == "innerBoundaryIs"]
            return Polygon(self.ring(outer, ref, state), holes)
        if tag == "MultiGeometry":
            parts = [self.geometry(c, ref, state) for c in elem if _local(c.tag) in _KML_GEOMS]
            return _collect(parts)
        return GeometryCollection()

    # attributes ---------------------------------------------------------
    def attributes(self, pm: Any, ref: str) -> dict[str, Any]:
        props: dict[str, Any] = {}
        for tag in ("name", "description"):
            node = _child(pm, tag)
            if node is not None:
                props[tag] = node.text or ""
        ext = _child(pm, "ExtendedData")
        if ext is None:
            return props
        for item in ext:
            kind = _local(item.tag)
            if kind == "Data":
                val = _child(item, "value")
                props[item.get("name", "")] = "" if val is None else (val.text or "")
            elif kind == "SchemaData":
                types = self.schemas.get((item.get("schemaUrl") or "").lstrip("#"), {})
                for sd in item:
                    if _local(sd.tag) != "SimpleData":
                        continue
                    key, raw = sd.get("name", ""), sd.text or ""
                    conv = _KML_TYPES.get(types.get(key, "string"))
                    try:
                        props[key] = conv(raw) if conv else raw
                    except ValueError as err:
                        raise DataError(
                            f"{self.source} {ref}: {key}={raw!r:.40} is not a {types[key]} "
                            "as the KML Schema says"
                        ) from err
        return props

    # structure ----------------------------------------------------------
    def read(self, root: Any, default_name: str) -> None:
        for sch in root.iter():
            if _local(sch.tag) == "Schema":
                fields = {
                    f.get("name", ""): (f.get("type") or "string").lower()
                    for f in sch
                    if _local(f.tag) == "SimpleField"
                }
                for key in (sch.get("id"), sch.get("name")):
                    if key:
                        self.schemas[key] = fields
        if _local(root.tag) != "kml":
            raise FileFormatError(
                f"{self.source}: the root element is <{_local(root.tag)}>, not <kml>"
            )
        self.walk(root, [], default_name)

    def walk(self, elem: Any, path: list[str], default_name: str) -> None:
        placemarks = [c for c in elem if _local(c.tag) == "Placemark"]
        if placemarks:
            name = " / ".join(path) if path else default_name
            base, n = name, 2
            while name in self.layers:
                name, n = f"{base} ({n})", n + 1
            rows = self.layers.setdefault(name, [])
            for pm in placemarks:
                ref = f"layer {name!r} placemark {len(rows)}"
                state = {"unclosed": False}
                props = self.attributes(pm, ref)
                label = props.get("name")
                if isinstance(label, str) and label.strip():
                    ref += f" ({label[:60]!r})"
                geom = None
                for c in pm:
                    if _local(c.tag) in _KML_GEOMS:
                        geom = self.geometry(c, ref, state)
                        break
                rows.append((props, geom, state["unclosed"]))
        for c in elem:
            tag = _local(c.tag)
            if tag == "Folder":
                label = (_child(c, "name").text or "") if _child(c, "name") is not None else ""
                self.walk(c, [*path, label.strip() or "(unnamed folder)"], default_name)
            elif tag == "Document":
                node = _child(c, "name")
                doc_name = (node.text or "").strip() if node is not None else ""
                self.walk(c, path, doc_name or default_name)


_KML_GEOMS = ("Point", "LineString", "LinearRing", "Polygon", "MultiGeometry", "Model")


def _collect(parts: list[Any]) -> Any:
    from shapely.geometry import GeometryCollection, MultiLineString, MultiPoint, MultiPolygon

    parts = [g for g in parts if g is not None and not g.is_empty]
    kinds = {g.geom_type for g in parts}
    if not parts:
        return GeometryCollection()
    if kinds == {"Point"}:
        return MultiPoint(parts)
    if kinds == {"LineString"}:
        return MultiLineString(parts)
    if kinds == {"Polygon"}:
        return MultiPolygon(parts)
    return GeometryCollection(parts)


def _parse_kml(p: Path, data: bytes, source: str) -> dict[str, Any]:
    import geopandas as gpd
    import pandas as pd
    from defusedxml import ElementTree as SafeET
    from defusedxml.common import DefusedXmlException

    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as err:
        raise FileFormatError(
            f"{source}: the KML has a DOCTYPE or entity declaration ({type(err).__name__}); "
            "borderkit refuses these because entities can expand without bound (billion laughs) "
            "or read other files (XXE). KML never needs them: remove the <!DOCTYPE ...> block"
        ) from err
    except SafeET.ParseError as err:
        raise FileFormatError(f"{source} is not well-formed XML: {err}") from err
    reader = _KMLReader(source)
    reader.read(root, p.stem)
    out = {}
    for name, rows in reader.layers.items():
        frame = pd.DataFrame.from_records([r[0] for r in rows]) if rows else pd.DataFrame()
        frame[_REF] = [f"placemark {i}" for i in range(len(rows))]
        col = _name_column(frame.columns)
        if col is not None:
            frame[_REF] = [
                ref + (f" ({v[:60]!r})" if isinstance(v, str) and v.strip() else "")
                for ref, v in zip(frame[_REF], frame[col], strict=True)
            ]
        frame[_UNCLOSED] = [r[2] for r in rows]
        geoms = gpd.GeoSeries([r[1] for r in rows], index=frame.index)
        out[name] = (gpd.GeoDataFrame(frame, geometry=geoms), None, "EPSG:4326")
    if not out:  # a valid KML without placemarks: one empty layer
        log.info("%s has no placemarks", source)
        empty = gpd.GeoDataFrame({_REF: [], _UNCLOSED: []}, geometry=gpd.GeoSeries([]))
        out[p.stem] = (empty, None, "EPSG:4326")
    return out


def _read_kmz(p: Path, max_bytes: int | None) -> tuple[bytes, str]:
    try:
        zf = zipfile.ZipFile(p)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as err:
        raise FileFormatError(f"{str(p)!r} is not a valid KMZ (zip) file: {err}") from err
    with zf:
        names = [i for i in zf.infolist() if i.filename.lower().endswith(".kml")]
        if not names:
            raise FileFormatError(
                f"{str(p)!r} is a zip file without a .kml inside; borderkit reads zip files "
                "only as KMZ (for a zipped shapefile, unzip it and pass the .shp)"
            )
        pick = next((i for i in names if i.filename.lower() == "doc.kml"), None)
        if pick is None:
            pick = min(names, key=lambda i: (i.filename.count("/"), zf.infolist().index(i)))
        limit = max_bytes if max_bytes is not None else None
        if limit is not None and pick.file_size > limit:
            raise FileFormatError(
                f"{str(p)!r}: {pick.filename} unpacks to {_mb(pick.file_size)}, over the limit of "
                f"{_mb(limit)} (max_bytes); pass a larger max_bytes if you trust the file"
            )
        try:
            with zf.open(pick) as fh:
                data = fh.read(limit + 1 if limit is not None else -1)
        except (
            zipfile.BadZipFile,
            zlib.error,
            OSError,
            EOFError,
            RuntimeError,
            NotImplementedError,
        ) as err:
            raise FileFormatError(
                f"{str(p)!r}: cannot unpack {pick.filename} ({err}); the KMZ is damaged"
            ) from err
        if limit is not None and len(data) > limit:
            raise FileFormatError(
                f"{str(p)!r}: {pick.filename} unpacks to more than {_mb(limit)} (max_bytes)"
            )
        return data, f"{str(p)!r} ({pick.filename})"


# ----------------------------------------------------------------------------- GDAL formats


def _gdal_error(p: Path, err: Exception) -> FileFormatError:
    return FileFormatError(f"GDAL cannot read {str(p)!r}: {err}")


def _read_gpkg(p: Path) -> dict[str, Any]:
    import pyogrio

    try:
        listed = pyogrio.list_layers(p)
    except Exception as err:  # noqa: BLE001 - pyogrio raises several types
        raise _gdal_error(p, err) from err
    out: dict[str, Any] = {}
    for name, gtype in listed:
        if gtype is None:
            log.info("%s: skipping table %r without geometry", p, name)
            continue
        out[str(name)] = None  # read lazily, after the layer is chosen
    if not out:
        raise FileFormatError(f"{str(p)!r} has no layer with geometry")
    return out


def _gdal_frame(p: Path, *, layer: str | None = None, encoding: str | None = None) -> Any:
    import pyogrio

    try:
        gdf = pyogrio.read_dataframe(p, layer=layer, encoding=encoding, on_invalid="ignore")
    except Exception as err:  # noqa: BLE001
        raise _gdal_error(p, err) from err
    gdf[_REF] = _refs(gdf, "feature")
    gdf[_UNCLOSED] = False
    return gdf


# DBF language driver ids (byte 29) -> Python codec, the common ones
_LDID = {
    0x01: "cp437",
    0x02: "cp850",
    0x03: "cp1252",
    0x57: "cp1252",
    0x58: "cp1252",
    0x59: "cp1252",
    0x64: "cp852",
    0x65: "cp866",
    0x66: "cp865",
    0x67: "cp861",
    0x26: "cp866",
    0x4D: "gb2312",
    0x4E: "cp949",
    0x4F: "big5",
    0x7A: "gbk",
    0x7B: "cp949",
    0x7C: "cp874",
    0x7D: "cp1255",
    0x7E: "cp1256",
    0xC8: "cp1250",
    0xC9: "cp1251",
    0xCA: "cp1254",
    0xCB: "cp1253",
    0xCC: "cp1257",
}


def _dbf_text_fields(dbf: Path) -> tuple[int, list[bytes]]:
    """Return the DBF language driver id and the raw bytes of its non-ASCII text cells."""
    data = dbf.read_bytes()
    if len(data) < 32:
        raise FileFormatError(f"{str(dbf)!r} is too short to be a .dbf file")
    nrec = int.from_bytes(data[4:8], "little")
    hlen = int.from_bytes(data[8:10], "little")
    rlen = int.from_bytes(data[10:12], "little")
    ldid = data[29]
    fields = []
    pos, offset = 32, 1  # each record starts with a deletion flag byte
    while pos + 32 <= min(hlen, len(data)) and data[pos] != 0x0D:
        ftype, flen = chr(data[pos + 11]), data[pos + 16]
        if ftype == "C":
            flen += data[pos + 17] * 256  # some writers use the decimal byte as high byte
            fields.append((offset, flen))
        offset += flen if ftype == "C" else data[pos + 16]
        pos += 32
    body = data[hlen : hlen + nrec * rlen]
    if body.isascii():
        return ldid, []
    cells = []
    for r in range(nrec):
        rec = body[r * rlen : (r + 1) * rlen]
        for off, flen in fields:
            cell = rec[off : off + flen].rstrip(b" \x00")
            if not cell.isascii():
                cells.append(cell)
    return ldid, cells


def _shapefile_encoding(p: Path, encoding: str | None, report: LoadReport) -> str | None:
    dbf = _sidecar(p, ".dbf")
    assert dbf is not None  # checked by the caller
    if _sidecar(p, ".cpg") is not None and encoding is None:
        return None  # GDAL honours the .cpg
    ldid, cells = _dbf_text_fields(dbf)
    if encoding is not None:
        codec = _codec(encoding)
        for cell in cells:
            try:
                cell.decode(codec)
            except UnicodeDecodeError as err:
                raise EncodingError(
                    f"{str(dbf)!r}: text {cell[:40]!r} is not valid {encoding}; "
                    "pass the encoding the file was written with"
                ) from err
        return encoding
    report.notes.append("the shapefile has no .cpg file naming its text encoding")
    if not cells:
        return "UTF-8"
    if ldid in _LDID:
        enc = _LDID[ldid]
        warnings.warn(
            f"{p.name} has no .cpg; reading its text as {enc}, the code page in the .dbf header "
            "(pass encoding= to override)",
            BorderkitWarning,
            stacklevel=4,
        )
        report.notes.append(f"text read as {enc} from the .dbf language driver id {ldid:#04x}")
        return enc
    try:
        for cell in cells:
            cell.decode("utf-8")
    except UnicodeDecodeError as err:
        raise EncodingError(
            f"{str(p)!r} has no .cpg file, and its text (e.g. {cell[:30]!r}) is not UTF-8, so "
            "the encoding is unknown; pass encoding='cp1251' (Cyrillic Windows), 'cp866', "
            "'gbk' (Chinese) or the right one, or add a .cpg file"
        ) from err
    warnings.warn(
        f"{p.name} has no .cpg; its text decodes cleanly as UTF-8 and was read so "
        "(pass encoding= to override)",
        BorderkitWarning,
        stacklevel=4,
    )
    report.notes.append("text read as UTF-8 (no .cpg; every text cell decodes as UTF-8)")
    return "UTF-8"


def _codec(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError as err:
        raise EncodingError(f"unknown encoding {encoding!r}") from err


def _read_shapefile(p: Path, encoding: str | None, report: LoadReport) -> dict[str, Any]:
    if p.suffix.lower() != ".shp":
        raise FileFormatError(
            f"{str(p)!r} is the .shp part of a shapefile but named {p.suffix!r}; rename it to "
            f"{p.stem}.shp (with its .shx, .dbf, .prj, .cpg next to it)"
        )
    if _sidecar(p, ".shx") is None:
        raise FileFormatError(
            f"{str(p)!r}: the index file {p.stem}.shx is missing; copy it next to the .shp "
            "(a shapefile is several files: .shp, .shx, .dbf, .prj, .cpg)"
        )
    if _sidecar(p, ".dbf") is None:
        raise FileFormatError(
            f"{str(p)!r}: the attribute file {p.stem}.dbf is missing, so every name and "
            "attribute would be lost; copy it next to the .shp"
        )
    enc = _shapefile_encoding(p, encoding, report)
    gdf = _gdal_frame(p, encoding=enc)
    if _sidecar(p, ".prj") is None:
        report.notes.append("the shapefile has no .prj file")
        if gdf.crs is not None:  # pragma: no cover - GDAL does not invent one
            gdf = gdf.set_crs(None, allow_override=True)
    return {"": (gdf, gdf.crs, None)}


# ----------------------------------------------------------------------------- CSV

_LON_NAMES = ("lon", "lng", "long", "longitude", "lon_dd", "longitude_dd", "lon_deg")
_LAT_NAMES = ("lat", "latitude", "lat_dd", "latitude_dd", "lat_deg")
_COORD_NAMES = (
    "coordinates",
    "coordinate",
    "coords",
    "coord",
    "location",
    "position",
    "latlon",
    "lat_lon",
    "lat/lon",
    "latlong",
    "mgrs",
    "dms",
)
_WKT_NAMES = ("wkt", "geometry", "geom", "the_geom", "wkt_geom")


def _find_column(columns: list[str], names: tuple[str, ...]) -> str | None:
    lowered = {c: c.strip().lower() for c in columns}
    for want in names:
        hits = [c for c, low in lowered.items() if low == want]
        if hits:
            return hits[0]
    return None


def _pick_column(frame: Any, given: str | None, what: str, p: Path) -> str:
    if given not in frame.columns:
        raise DataError(
            f"{str(p)!r} has no column {given!r} (for {what}); columns are {list(frame.columns)}"
        )
    return given  # type: ignore[return-value]


def _sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


_INT_RE = re.compile(r"^-?(?:0|[1-9]\d*)$")


def _infer(series: Any) -> Any:
    """Turn a text column into numbers only when that loses nothing (e.g. no '007')."""
    import pandas as pd

    vals = [v for v in series if v != ""]
    if not vals:
        return series
    if all(_INT_RE.match(v) for v in vals) and all(abs(int(v)) < 2**53 for v in vals):
        return pd.array([int(v) if v != "" else pd.NA for v in series], dtype="Int64")
    try:
        floats = [float(v) for v in vals]
    except ValueError:
        return series
    if all(
        repr(f) == v or (_INT_RE.match(v) and float(int(v)) == f)
        for f, v in zip(floats, vals, strict=True)
    ):
        return pd.Series([float(v) if v != "" else np.nan for v in series], index=series.index)
    return series


def _parse_axis(
    values: list[str], refs: list[str], p: Path, plain: bool
) -> tuple[list[float | None], list[str | None]]:
    """Parse one coordinate column: (values or None for blank, hemisphere letters)."""
    out: list[float | None] = []
    hemis: list[str | None] = []
    for raw, ref in zip(values, refs, strict=True):
        text = raw.strip()
        if not text:
            out.append(None)
            hemis.append(None)
            continue
        if text.lower().lstrip("+-") in ("nan", "inf", "infinity"):
            raise CoordinateError(
                f"{str(p)!r} {ref}: the value {text!r} is NaN or infinite; fix it or leave the "
                "cell blank to drop the row"
            )
        try:
            if plain:
                out.append(float(text.replace(",", ".")))
                hemis.append(None)
                continue
            value, hemi = read_angle(text)
        except ValueError as err:
            raise CoordinateError(f"{str(p)!r} {ref}: {err}") from err
        out.append(value)
        hemis.append(hemi)
    return out, hemis


def _csv_frame(p: Path, text: str) -> Any:
    """All cells as text, exactly as written (no NA guessing: 'NA' is Namibia)."""
    import pandas as pd

    delim = _sniff_delimiter(text.split("\n", 1)[0])
    try:
        rows = [r for r in csv.reader(_stdio.StringIO(text, newline=""), delimiter=delim) if r]
    except csv.Error as err:
        raise FileFormatError(f"{str(p)!r} is not a readable CSV file: {err}") from err
    if not rows:
        raise FileFormatError(f"{str(p)!r} is empty")
    header, body = rows[0], rows[1:]
    if len(set(header)) != len(header):
        dup = sorted({h for h in header if header.count(h) > 1})
        raise FileFormatError(f"{str(p)!r}: the header repeats the column names {dup}")
    for i, row in enumerate(body):
        if len(row) != len(header):
            raise FileFormatError(
                f"{str(p)!r} row {i + 1} has {len(row)} fields but the header has "
                f"{len(header)} ({delim!r}-separated); quote cells that contain {delim!r}"
            )
    return pd.DataFrame(body, columns=header, dtype=object)


def _text_column(name: str) -> bool:
    low = name.strip().lower()
    return (
        low in ("name", "title", "label")
        or low.startswith(("name_", "name:"))
        or low.endswith("_name")
    )


def _read_csv(
    p: Path,
    data: bytes,
    *,
    encoding: str | None,
    lon: str | None,
    lat: str | None,
    coords: str | None,
    crs: Any,
    strict: bool,
    report: LoadReport,
) -> dict[str, Any]:
    import geopandas as gpd
    import pyproj
    import shapely

    text = _decode(p, data, encoding)
    if "\x00" in text:
        raise FileFormatError(f"{str(p)!r} contains NUL bytes; it is not a text CSV file")
    frame = _csv_frame(p, text)
    cols = list(frame.columns)
    refs = [
        f"row {i + 1}" + (f" ({v[:60]!r})" if v.strip() else "")
        for i, v in enumerate(
            frame[_name_column(cols)] if _name_column(cols) else [""] * len(frame)
        )
    ]
    plain = crs is not None and not pyproj.CRS.from_user_input(crs).is_geographic
    lon_col: str | None
    lat_col: str | None
    if lon is not None or lat is not None:
        if lon is None or lat is None:
            raise DataError("pass both lon= and lat= column names, or neither")
        lon_col, lat_col = _pick_column(frame, lon, "lon", p), _pick_column(frame, lat, "lat", p)
        kind = "lonlat"
    elif coords is not None:
        lon_col = lat_col = _pick_column(frame, coords, "coords", p)
        kind = "coords"
    else:
        lon_col, lat_col = _find_column(cols, _LON_NAMES), _find_column(cols, _LAT_NAMES)
        kind = "lonlat"
        if lon_col is None or lat_col is None:
            x_col, y_col = _find_column(cols, ("x",)), _find_column(cols, ("y",))
            c_col = _find_column(cols, _COORD_NAMES)
            w_col = _find_column(cols, _WKT_NAMES)
            if lon_col is None and lat_col is None and x_col and y_col:
                lon_col, lat_col, kind = x_col, y_col, "xy"
            elif lon_col is None and lat_col is None and c_col:
                lon_col = lat_col = c_col
                kind = "coords"
            elif lon_col is None and lat_col is None and w_col:
                lon_col = lat_col = w_col
                kind = "wkt"
            else:
                raise DataError(
                    f"{str(p)!r}: cannot tell which columns hold the coordinates "
                    f"(columns: {cols}); "
                    "name them lon/lat (or longitude/latitude, x/y), or pass lon='...', "
                    "lat='...', or coords='...' for one column of DMS/MGRS text"
                )
    keep = frame.drop(columns=list({lon_col, lat_col}))
    geoms: list[Any] = []
    blank: list[int] = []
    if kind == "wkt":
        for i, (raw, ref) in enumerate(zip(frame[lon_col], refs, strict=True)):
            if not raw.strip():
                blank.append(i)
                geoms.append(None)
                continue
            try:
                geoms.append(shapely.from_wkt(raw))
            except shapely.errors.GEOSException as err:
                raise GeometryError(f"{str(p)!r} {ref}: {raw[:40]!r} is not WKT ({err})") from err
        xs = shapely.get_coordinates([g for g in geoms if g is not None])
        in_degrees = not len(xs) or bool(
            np.all(np.abs(xs[:, 0]) <= 180) and np.all(np.abs(xs[:, 1]) <= 90)
        )
        default_crs = "EPSG:4326" if in_degrees else None
    elif kind == "coords":
        for i, (raw, ref) in enumerate(zip(frame[lon_col], refs, strict=True)):
            if not raw.strip():
                blank.append(i)
                geoms.append(None)
                continue
            try:
                x, y = parse_coordinate(raw, order="latlon")
            except CoordinateError as err:
                raise CoordinateError(f"{str(p)!r} {ref}, column {lon_col!r}: {err}") from err
            geoms.append(shapely.Point(x, y))
        default_crs = "EPSG:4326"
    else:
        xs_, xh = _parse_axis(list(frame[lon_col]), refs, p, plain)
        ys_, yh = _parse_axis(list(frame[lat_col]), refs, p, plain)
        if not plain:
            xs_, ys_ = _orient_columns(xs_, ys_, xh, yh, refs, lon_col, lat_col, p, strict, report)
        for i, (xv, yv) in enumerate(zip(xs_, ys_, strict=True)):
            if xv is None or yv is None:
                blank.append(i)
                geoms.append(None)
            else:
                geoms.append(shapely.Point(xv, yv))
        if kind == "xy" and not plain:
            looks = all(abs(x) <= 180 for x in xs_ if x is not None) and all(
                abs(y) <= 90 for y in ys_ if y is not None
            )
            default_crs = "EPSG:4326" if looks else None
        else:
            default_crs = "EPSG:4326"
    if default_crs is not None and crs is None and kind in ("xy", "wkt"):
        report.notes.append(
            f"no CRS stated; the {kind} values are within degree ranges, read as EPSG:4326"
        )
    for i in blank:
        if strict:
            raise CoordinateError(f"{str(p)!r} {refs[i]}: the coordinate is blank (strict mode)")
    for col in keep.columns:
        if not _text_column(col):
            keep[col] = _infer(keep[col])
    keep[_REF] = refs
    keep[_UNCLOSED] = False
    gdf = gpd.GeoDataFrame(keep, geometry=gpd.GeoSeries(geoms, index=keep.index))
    return {"": (gdf, None, default_crs)}


def _orient_columns(
    xs: list[float | None],
    ys: list[float | None],
    xh: list[str | None],
    yh: list[str | None],
    refs: list[str],
    lon_col: str,
    lat_col: str,
    p: Path,
    strict: bool,
    report: LoadReport,
) -> tuple[list[float | None], list[float | None]]:
    """Check hemisphere letters and ranges; swap the columns back when they are clearly swapped."""
    x_marks = {h for h in xh if h}
    y_marks = {h for h in yh if h}
    swap_reason = None
    if x_marks and y_marks and x_marks <= {"N", "S"} and y_marks <= {"E", "W"}:
        swap_reason = f"column {lon_col!r} is marked N/S and {lat_col!r} E/W"
    else:
        for hs, col, axis in ((xh, lon_col, "EW"), (yh, lat_col, "NS")):
            for i, h in enumerate(hs):
                if h and h not in axis:
                    raise CoordinateError(
                        f"{str(p)!r} {refs[i]}: column {col!r} holds a value marked {h}; "
                        "were the latitude and longitude columns swapped?"
                    )
        lat_out = [i for i, y in enumerate(ys) if y is not None and abs(y) > 90]
        lon_fits = all(abs(x) <= 90 for x in xs if x is not None)
        if lat_out and lon_fits:
            swap_reason = (
                f"column {lat_col!r} has values beyond ±90 (e.g. {refs[lat_out[0]]}: "
                f"{ys[lat_out[0]]}) while {lon_col!r} fits latitudes"
            )
    if swap_reason is None:
        return xs, ys
    if strict:
        raise CoordinateError(
            f"{str(p)!r}: latitude and longitude look swapped ({swap_reason}); "
            f"pass lon={lat_col!r}, lat={lon_col!r}"
        )
    report.swapped = True
    report.notes.append(f"lat/lon columns swapped back: {swap_reason}")
    warnings.warn(
        f"{p.name}: latitude and longitude look swapped ({swap_reason}); read {lat_col!r} as "
        f"longitude and {lon_col!r} as latitude. Pass lon=..., lat=... to be explicit.",
        SwappedCoordinatesWarning,
        stacklevel=5,
    )
    return ys, xs


# ----------------------------------------------------------------------------- checks and repairs


def _geod() -> Any:
    import pyproj

    return pyproj.Geod(ellps="WGS84")


def _area_m2(geom: Any) -> float | None:
    import shapely

    if (
        geom is None
        or geom.is_empty
        or geom.geom_type not in ("Polygon", "MultiPolygon", "GeometryCollection")
    ):
        return None
    geod = _geod()
    total = 0.0
    for part in shapely.get_parts(geom):
        if part.geom_type == "Polygon":
            total += abs(geod.geometry_area_perimeter(part)[0])
        elif part.geom_type == "MultiPolygon":
            total += sum(abs(geod.geometry_area_perimeter(q)[0]) for q in part.geoms)
    return total


def _unwrap(lons: np.ndarray) -> np.ndarray:
    d = np.diff(lons)
    d = (d + 180.0) % 360.0 - 180.0
    return np.concatenate([lons[:1], lons[0] + np.cumsum(d)])


def _crosses_antimeridian(geom: Any) -> bool:
    import shapely

    for part in shapely.get_parts(geom):
        if part.geom_type in ("Polygon", "MultiPolygon", "LineString", "MultiLineString"):
            rings = (
                shapely.get_rings(part) if "Polygon" in part.geom_type else shapely.get_parts(part)
            )
            for r in rings:
                c = shapely.get_coordinates(r)
                if len(c) > 1 and np.any(np.abs(np.diff(c[:, 0])) > 180):
                    return True
    return False


def _with_crossings(coords: np.ndarray) -> np.ndarray:
    """Unwrap longitudes and insert the exact point where each geodesic edge crosses ±180°.

    Clipping at 180° then only adds edges along the meridian (itself a geodesic),
    so the geodesic area and length are unchanged by the split.
    """
    xy = coords[:, :2].copy()
    xy[:, 0] = _unwrap(xy[:, 0])
    geod = _geod()
    out = [xy[0]]
    for (x0, y0), (x1, y1) in zip(xy[:-1], xy[1:], strict=True):
        k0, k1 = np.floor((x0 + 180.0) / 360.0), np.floor((x1 + 180.0) / 360.0)
        if k0 != k1:
            cross = 360.0 * max(k0, k1) - 180.0  # the meridian 180 + 360 k crossed
            az, _, dist = geod.inv(x0, y0, x1, y1)
            lo, hi = 0.0, 1.0
            for _ in range(60):  # bisection on the fraction of the edge
                mid = 0.5 * (lo + hi)
                lon, _, _ = geod.fwd(x0, y0, az, mid * dist)
                lon = x0 + ((lon - x0 + 180.0) % 360.0 - 180.0)
                if (lon - cross) * (x0 - cross) > 0:
                    lo = mid
                else:
                    hi = mid
            _, lat, _ = geod.fwd(x0, y0, az, hi * dist)
            out.append(np.array([cross, lat]))
        out.append(np.array([x1, y1]))
    return np.array(out)


def _split_antimeridian(geom: Any, ref: str) -> Any:
    import shapely
    from shapely.geometry import LineString, Polygon, box

    def shifted(g: Any) -> Any:
        if g.geom_type == "Polygon":
            ext = _with_crossings(shapely.get_coordinates(g.exterior))
            if abs(ext[-1, 0] - ext[0, 0]) > 1e-9:
                raise GeometryError(
                    f"{ref}: the polygon winds once around the globe (it encloses a pole); "
                    "borderkit cannot split it at the antimeridian: cut it into pieces"
                )
            centre = ext[:, 0].mean()
            holes = []
            for h in g.interiors:
                hc = _with_crossings(shapely.get_coordinates(h))
                hc[:, 0] += 360.0 * np.round((centre - hc[:, 0].mean()) / 360.0)
                holes.append(hc)
            return Polygon(ext, holes)
        if g.geom_type == "LineString":
            return LineString(_with_crossings(shapely.get_coordinates(g)))
        return g

    pieces = []
    for part in shapely.get_parts(geom):
        s = shifted(part)
        for k in (-1, 0, 1):
            window = box(-180 + 360 * k, -90, 180 + 360 * k, 90)
            cut = s.intersection(window)
            if not cut.is_empty:
                pieces.append(shapely.transform(cut, lambda c, k=k: c - [360.0 * k, 0.0]))
    parts = [q for piece in pieces for q in shapely.get_parts(piece)]
    keep = [q for q in parts if q.geom_type in ("Polygon", "LineString", "Point")]
    polys = [q for q in keep if q.geom_type == "Polygon"]
    lines = [q for q in keep if q.geom_type == "LineString"]
    if polys and not lines:
        return shapely.MultiPolygon(polys)
    if lines and not polys:
        return shapely.MultiLineString(lines)
    return _collect(keep)


def _bbox_of(region: Any) -> tuple[float, float, float, float]:
    if isinstance(region, str):
        try:
            from . import data
        except ImportError as err:  # pragma: no cover - data ships with the package
            raise DataError(
                f"region={region!r} needs the shipped region pack; pass a "
                "(min_lon, min_lat, max_lon, max_lat) box instead"
            ) from err
        region = data.region(region)
    if isinstance(region, tuple | list) and len(region) == 4:
        try:
            vals = tuple(float(v) for v in region)
        except (TypeError, ValueError) as err:
            raise DataError(f"region bbox {region!r} must be 4 numbers") from err
        return vals  # type: ignore[return-value]
    if hasattr(region, "total_bounds"):
        if getattr(region, "crs", None) is not None and region.crs != WGS84:
            region = region.to_crs(WGS84)
        return tuple(float(v) for v in region.total_bounds)  # type: ignore[return-value]
    if hasattr(region, "bounds") and hasattr(region, "geom_type"):
        return tuple(float(v) for v in region.bounds)  # type: ignore[return-value]
    raise DataError(
        f"region must be a name, a (min_lon, min_lat, max_lon, max_lat) tuple, a shapely "
        f"geometry or a GeoDataFrame, not {type(region).__name__}"
    )


def _fraction_inside(pts: np.ndarray, bbox: tuple[float, float, float, float]) -> float:
    if not len(pts):
        return 1.0
    pad = 0.5  # degrees: points just outside the box still count
    x0, y0, x1, y1 = bbox
    ok = (
        (pts[:, 0] >= x0 - pad)
        & (pts[:, 0] <= x1 + pad)
        & (pts[:, 1] >= y0 - pad)
        & (pts[:, 1] <= y1 + pad)
    )
    return float(ok.mean())


class _Finisher:
    """Turns a raw frame into the checked EPSG:4326 GeoDataFrame and fills the report."""

    def __init__(self, source: str, report: LoadReport, strict: bool) -> None:
        self.source = source
        self.report = report
        self.strict = strict
        self.repair_kinds: list[str] = []

    def refuse(self, ref: str, problem: str) -> GeometryError:
        return GeometryError(
            f"{self.source} {ref}: {problem}; strict mode refuses to repair it "
            "(pass strict=False to repair and report)"
        )

    def repaired(self, ref: str, problem: str, action: str, before: Any, after: Any) -> None:
        a0, a1 = _area_m2(before), _area_m2(after)
        self.report.repaired.append(
            {
                "feature": ref,
                "problem": problem,
                "action": action,
                "area_before_m2": a0,
                "area_after_m2": a1,
                "area_change_m2": None if a0 is None or a1 is None else a1 - a0,
            }
        )
        self.repair_kinds.append(problem.split(" at ")[0].split("[")[0])

    def crs(self, gdf: Any, stated: Any, default: Any, crs: Any) -> Any:
        import pyproj

        if crs is not None:
            try:
                want = pyproj.CRS.from_user_input(crs)
            except pyproj.exceptions.CRSError as err:
                raise CRSError(f"crs={crs!r} is not a CRS pyproj knows") from err
            if stated is not None and not pyproj.CRS(stated).equals(want, ignore_axis_order=True):
                raise CRSError(
                    f"{self.source} states CRS {pyproj.CRS(stated).to_string()} but "
                    f"crs={crs!r} was passed; drop crs= (or fix the file)"
                )
            self.report.source_crs = want.to_string()
            return gdf.set_crs(want, allow_override=True)
        if stated is not None:
            self.report.source_crs = pyproj.CRS(stated).to_string()
            return gdf.set_crs(stated, allow_override=True)
        if default is not None:
            self.report.source_crs = default
            return gdf.set_crs(default, allow_override=True)
        raise CRSError(
            f"{self.source} has no CRS (for a shapefile: no .prj file); pass crs='EPSG:4326' "
            "if the values are longitude/latitude degrees, or the projected CRS they are in "
            "(e.g. crs='EPSG:32643' for UTM 43N)"
        )

    def drop(
        self, gdf: Any, mask: np.ndarray, reason: str, error: type[DataError] = GeometryError
    ) -> Any:
        if not mask.any():
            return gdf
        refs = list(gdf[_REF][mask])
        if self.strict:
            raise error(f"{self.source} {refs[0]}: {reason} (strict mode)")
        self.report.dropped += [{"feature": r, "reason": reason} for r in refs]
        return gdf[~mask]

    def finite(self, gdf: Any) -> None:
        import shapely

        coords, idx = shapely.get_coordinates(gdf.geometry.to_numpy(), return_index=True)
        bad = ~np.isfinite(coords).all(axis=1)
        if bad.any():
            i = int(idx[np.flatnonzero(bad)[0]])
            raise CoordinateError(
                f"{self.source} {gdf[_REF].iloc[i]}: has a NaN or infinite coordinate "
                f"{tuple(float(v) for v in coords[np.flatnonzero(bad)[0]])}; fix or remove it"
            )

    def in_range(self, gdf: Any) -> None:
        import shapely

        coords, idx = shapely.get_coordinates(gdf.geometry.to_numpy(), return_index=True)
        if not len(coords):
            return
        bad_lat = np.abs(coords[:, 1]) > 90
        bad_lon = np.abs(coords[:, 0]) > 180
        for bad, what, limit in ((bad_lat, "latitude", 90), (bad_lon, "longitude", 180)):
            if bad.any():
                j = int(np.flatnonzero(bad)[0])
                value = coords[j, 1 if what == "latitude" else 0]
                hint = (
                    "; the values look projected (metres): pass the file's crs=..."
                    if np.abs(coords).max() > 1000
                    else "; were latitude and longitude swapped?"
                    if what == "latitude"
                    else "; for 0-360 longitudes subtract 360 from values over 180"
                )
                raise CoordinateError(
                    f"{self.source} {gdf[_REF].iloc[int(idx[j])]}: {what} {value:g} is outside "
                    f"[-{limit}, {limit}]{hint}"
                )

    def drop_z(self, gdf: Any) -> Any:
        import shapely

        geoms = gdf.geometry.to_numpy()
        has_z = shapely.has_z(geoms)
        if not has_z.any():
            return gdf
        z = shapely.get_coordinates(geoms[has_z], include_z=True)[:, 2]
        z = z[np.isfinite(z)]
        gdf = gdf.set_geometry(shapely.force_2d(geoms), crs=gdf.crs)
        if len(z) and np.any(z != 0):
            note = (
                f"dropped the Z values (elevations {z.min():g} to {z.max():g}) of "
                f"{int(has_z.sum())} features; borderkit works in 2D lon/lat"
            )
            self.report.repaired += [
                {
                    "feature": r,
                    "problem": "3D coordinates",
                    "action": "Z dropped",
                    "area_before_m2": None,
                    "area_after_m2": None,
                    "area_change_m2": None,
                }
                for r in gdf[_REF][has_z]
            ]
            self.repair_kinds.append("3D coordinates")
        else:
            note = f"dropped all-zero Z values of {int(has_z.sum())} features"
        self.report.notes.append(note)
        return gdf

    def geometry(self, gdf: Any) -> Any:
        import shapely

        geoms = list(gdf.geometry.to_numpy())
        refs = list(gdf[_REF])
        unclosed = list(gdf[_UNCLOSED])
        collapsed = np.zeros(len(geoms), dtype=bool)
        for i, g in enumerate(geoms):
            ref = refs[i]
            if unclosed[i]:
                if self.strict:
                    raise self.refuse(ref, "a polygon ring is not closed")
                self.repaired(ref, "unclosed ring", "closed (first point repeated)", g, g)
            if g.geom_type in (
                "Polygon",
                "MultiPolygon",
                "LineString",
                "MultiLineString",
                "GeometryCollection",
            ) and _crosses_antimeridian(g):
                if self.strict:
                    raise self.refuse(ref, "it crosses the antimeridian (180°)")
                new = _split_antimeridian(g, f"{self.source} {ref}")
                self.repaired(ref, "crosses the antimeridian", "split at 180° into parts", g, new)
                g = new
            dedup = shapely.remove_repeated_points(g)
            n0, n1 = shapely.get_num_coordinates(g), shapely.get_num_coordinates(dedup)
            if n1 < n0 and g.geom_type != "MultiPoint":
                if self.strict:
                    raise self.refuse(ref, f"it has {n0 - n1} repeated consecutive vertices")
                self.repaired(ref, "repeated vertices", f"removed {n0 - n1}", g, dedup)
                g = dedup
            if not shapely.is_valid(g):
                reason = shapely.is_valid_reason(g)
                if self.strict:
                    raise self.refuse(ref, f"invalid geometry ({reason})")
                polygonal = g.geom_type in ("Polygon", "MultiPolygon")
                fixed = (
                    shapely.make_valid(g, method="structure", keep_collapsed=not polygonal)
                    if polygonal
                    else shapely.make_valid(g)
                )
                self.repaired(ref, f"invalid geometry: {reason}", "shapely.make_valid", g, fixed)
                if fixed.is_empty:
                    collapsed[i] = True
                g = fixed
            geoms[i] = g
        gdf = gdf.set_geometry(geoms, crs=gdf.crs)
        return self.drop(gdf, collapsed, "collapsed to nothing when repaired (zero area)")

    def swap_check(self, gdf: Any, region: Any) -> Any:
        import shapely

        bbox = _bbox_of(region)
        pts = shapely.get_coordinates(gdf.geometry.representative_point().to_numpy())
        as_is = _fraction_inside(pts, bbox)
        swapped = _fraction_inside(pts[:, ::-1], bbox) if len(pts) else 0.0
        if as_is >= 0.5:
            return gdf
        if swapped >= 0.5 and np.all(np.abs(pts[:, 0]) <= 90):
            msg = (
                f"{self.source}: only {as_is:.0%} of the features fall in the region "
                f"{tuple(round(b, 3) for b in bbox)}, but {swapped:.0%} do with latitude and "
                "longitude swapped"
            )
            if self.strict:
                raise CoordinateError(msg + " (strict mode); fix the file or its column order")
            warnings.warn(
                msg + "; swapped them back (see the report)",
                SwappedCoordinatesWarning,
                stacklevel=4,
            )
            self.report.swapped = True
            self.report.notes.append(msg)
            return gdf.set_geometry(
                shapely.transform(gdf.geometry.to_numpy(), lambda c: c[:, ::-1]), crs=gdf.crs
            )
        msg = (
            f"{self.source}: only {as_is:.0%} of the features fall in the region "
            f"{tuple(round(b, 3) for b in bbox)}; check the CRS and the coordinates"
        )
        warnings.warn(msg, BorderkitWarning, stacklevel=4)
        self.report.notes.append(msg)
        return gdf

    def run(self, gdf: Any, *, stated: Any, default: Any, crs: Any, region: Any) -> Any:
        import pyproj

        self.report.n_read = len(gdf)
        gdf = self.crs(gdf, stated, default, crs)
        gdf = self.drop(gdf, gdf.geometry.isna().to_numpy(), "no geometry")
        empty = gdf.geometry.is_empty.to_numpy()
        gdf = self.drop(gdf, empty, "empty geometry")
        self.finite(gdf)
        gdf = self.drop_z(gdf)
        if not pyproj.CRS(gdf.crs).equals(WGS84, ignore_axis_order=True):
            gdf = gdf.to_crs(WGS84)
            self.finite(gdf)
        else:
            gdf = gdf.set_crs(WGS84, allow_override=True)
        self.in_range(gdf)
        gdf = self.geometry(gdf)
        kinds = sorted(set(gdf.geometry.geom_type.dropna()))
        if len({k.replace("Multi", "") for k in kinds}) > 1:
            if self.strict:
                raise GeometryError(f"{self.source} mixes geometry types {kinds} (strict mode)")
            self.report.notes.append(f"mixed geometry types: {', '.join(kinds)}")
        if region is not None and len(gdf):
            gdf = self.swap_check(gdf, region)
        return gdf


# ----------------------------------------------------------------------------- read_layer


def _select(names: list[str], layer: str | None, p: Path) -> list[str]:
    if layer == "*":
        return names
    if layer is None:
        if len(names) == 1:
            return names
        raise DataError(
            f"{str(p)!r} has {len(names)} layers: {', '.join(repr(n) for n in names)}; "
            "pass layer='<name>' to read one, or layer='*' to read all of them with a "
            "'layer' column"
        )
    if layer not in names:
        import difflib

        close = difflib.get_close_matches(layer, names, n=3, cutoff=0.5)
        hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
        raise DataError(
            f"{str(p)!r} has no layer {layer!r}{hint}; its layers are "
            f"{', '.join(repr(n) for n in names)}"
        )
    return [layer]


def read_layer(
    path: str | os.PathLike[str],
    /,
    *,
    layer: str | None = None,
    crs: Any = None,
    strict: bool = False,
    lon: str | None = None,
    lat: str | None = None,
    coords: str | None = None,
    region: Any = None,
    encoding: str | None = None,
    max_bytes: int | None = DEFAULT_MAX_BYTES,
) -> gpd.GeoDataFrame:
    """Read a user file into a checked GeoDataFrame in EPSG:4326 (lon, lat).

    The format is detected from the content (a KML named ``.geojson`` loads as
    KML, with a warning). Everything repaired, dropped or assumed is listed in
    the :class:`LoadReport` at ``gdf.attrs["borderkit_report"]``.

    Parameters
    ----------
    path : str or os.PathLike
        A local file: GeoJSON, GeoPackage, Shapefile (``.shp`` with its
        ``.shx``, ``.dbf``, ``.prj``, ``.cpg``), KML, KMZ or CSV. URLs and inline
        JSON text are refused.
    layer : str, optional
        For a GeoPackage or a KML/KMZ with several folders: the layer to read,
        or ``"*"`` for all of them, stacked, with a ``layer`` column. Without
        it, a file with several layers is an error listing them.
    crs : str or pyproj.CRS, optional
        The CRS of the data when the file does not state one (a shapefile
        without ``.prj``, CSV ``x``/``y`` columns in metres, GeoJSON in a
        projected CRS). Contradicting a CRS the file states is an error.
    strict : bool, default False
        Refuse to repair: invalid, unclosed, antimeridian-crossing or
        repeated-vertex geometries, empty geometries, blank CSV coordinates,
        mixed geometry types and swapped coordinates raise instead.
    lon, lat : str, optional
        CSV column names for longitude and latitude (decimal degrees,
        decimal commas or DMS). Detected when omitted (lon/lng/long/longitude/x,
        lat/latitude/y).
    coords : str, optional
        A CSV column holding whole coordinates as text (DMS pairs or MGRS),
        read with :func:`parse_coordinate` (latitude first unless marked).
    region : str, tuple, shapely geometry or GeoDataFrame, optional
        Where the data is expected (a shipped region name, or a
        ``(min_lon, min_lat, max_lon, max_lat)`` box). Features that fit only
        with latitude and longitude swapped are swapped back with a
        :class:`~borderkit.errors.SwappedCoordinatesWarning`.
    encoding : str, optional
        Text encoding for CSV/GeoJSON (default UTF-8) and for a shapefile
        without ``.cpg`` (default: the .dbf code page, else UTF-8 if it decodes).
    max_bytes : int or None, default 50 MB
        Refuse larger files before reading any of them; None for no limit.

    Returns
    -------
    geopandas.GeoDataFrame
        In EPSG:4326 with 2D geometries; ``attrs["borderkit_report"]`` holds
        the :class:`LoadReport`.

    Raises
    ------
    DataError
        Not a local file; several layers and no ``layer=``; unknown columns.
    FileFormatError
        Malformed, truncated or unsupported content; a shapefile part missing;
        XML entities; over ``max_bytes``.
    CRSError
        No CRS in the file and none stated, or a contradicting one.
    CoordinateError
        NaN, infinite or out-of-range coordinates, coordinates as strings; the
        message names the feature.
    GeometryError
        Broken geometries, or anything repairable when ``strict=True``.
    EncodingError
        Text that is not in the stated or detectable encoding.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "sites.csv").write_text(
    ...     "name,lat,lon\\nKulma,38°08′58″N,74°48′05″E\\n", encoding="utf-8")
    >>> gdf = read_layer(folder / "sites.csv")
    >>> gdf.geometry.iloc[0].x, gdf.geometry.iloc[0].y
    (74.80138..., 38.14944...)
    >>> gdf.crs.to_epsg()
    4326
    """
    p = _local_path(path)
    _check_readable(p)
    if layer is not None and not isinstance(layer, str):
        raise DataError(f"layer must be a layer name or '*', not {layer!r}")
    fmt = _sniff(p)
    size = p.stat().st_size
    if fmt == "ESRI Shapefile":
        dbf = _sidecar(p, ".dbf")
        size += dbf.stat().st_size if dbf is not None else 0
    _check_size(p, size, max_bytes)
    report = LoadReport(source=str(p), format=fmt, layer=layer)
    ext_fmt = _EXT_FORMAT.get(p.suffix.lower())
    if ext_fmt is not None and ext_fmt != fmt:
        msg = f"{p.name} is named like {ext_fmt} but its content is {fmt}; read it as {fmt}"
        warnings.warn(msg, BorderkitWarning, stacklevel=2)
        report.notes.append(msg)
    if fmt != "CSV" and (lon is not None or lat is not None or coords is not None):
        raise DataError(f"lon=, lat= and coords= apply to CSV files; {str(p)!r} is {fmt}")
    source = repr(str(p))
    if fmt == "GeoJSON":
        raw = _read_geojson(p, p.read_bytes(), encoding)
    elif fmt == "KML":
        raw = _parse_kml(p, p.read_bytes(), source)
    elif fmt == "KMZ":
        data, source = _read_kmz(p, max_bytes)
        raw = _parse_kml(p, data, source)
    elif fmt == "GPKG":
        raw = _read_gpkg(p)
    elif fmt == "ESRI Shapefile":
        raw = _read_shapefile(p, encoding, report)
    else:
        raw = _read_csv(
            p,
            p.read_bytes(),
            encoding=encoding,
            lon=lon,
            lat=lat,
            coords=coords,
            crs=crs,
            strict=strict,
            report=report,
        )
    names = list(raw)
    if names == [""]:
        if layer not in (None, "*"):
            raise DataError(
                f"{str(p)!r} ({fmt}) has a single layer; layer= applies to GeoPackage and "
                "KML/KMZ files with several layers"
            )
        chosen = [""]
    else:
        chosen = _select(names, layer, p)
    frames = []
    for name in chosen:
        if raw[name] is None:  # GeoPackage: read now
            gdf = _gdal_frame(p, layer=name)
            raw[name] = (gdf, gdf.crs, None)
        gdf, stated, default = raw[name]
        where = f"{source} layer {name!r}" if len(names) > 1 or name else source
        finisher = _Finisher(where, report, strict)
        gdf = finisher.run(gdf, stated=stated, default=default, crs=crs, region=None)
        if layer == "*":
            gdf.insert(0, _LAYER_COL, name or p.stem)
            gdf[_REF] = [f"layer {name!r} {r}" for r in gdf[_REF]]
        frames.append((gdf, finisher))
    if len(frames) == 1:
        gdf = frames[0][0]
    else:
        import geopandas as gpd
        import pandas as pd

        gdf = gpd.GeoDataFrame(pd.concat([f[0] for f in frames], ignore_index=True), crs=WGS84)
    kinds = [k for f in frames for k in f[1].repair_kinds]
    if region is not None and len(gdf):
        gdf = _Finisher(source, report, strict).swap_check(gdf, region)
    report.n_read = sum(len(raw[n][0]) for n in chosen)
    report.n_loaded = len(gdf)
    gdf = gdf.drop(columns=[_REF, _UNCLOSED]).reset_index(drop=True)
    _announce(report, kinds)
    gdf.attrs[_REPORT_KEY] = report
    log.info("read %s", report)
    return gdf


def _announce(report: LoadReport, kinds: list[str]) -> None:
    if report.repaired:
        counts: dict[str, int] = {}
        for k in kinds:
            counts[k] = counts.get(k, 0) + 1
        what = ", ".join(f"{n} {k}" for k, n in counts.items())
        changes = [r["area_change_m2"] for r in report.repaired if r["area_change_m2"]]
        area = f"; total area change {sum(changes):+.6g} m2" if changes else ""
        warnings.warn(
            f"{report.source}: repaired {len(report.repaired)} features ({what}){area}; "
            "details in gdf.attrs['borderkit_report'] (strict=True refuses instead)",
            RepairWarning,
            stacklevel=3,
        )
    if report.dropped:
        first = report.dropped[0]
        warnings.warn(
            f"{report.source}: dropped {len(report.dropped)} features (e.g. {first['feature']}: "
            f"{first['reason']}); list in gdf.attrs['borderkit_report'].dropped",
            DroppedFeatureWarning,
            stacklevel=3,
        )


# ----------------------------------------------------------------------------- writing


_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _driver_for(path: Path, driver: str | None) -> str:
    if driver is not None:
        key = driver.strip().lower()
        if key in _DRIVER_ALIASES:
            return _DRIVER_ALIASES[key]
        raise DataError(
            f"driver={driver!r} is not supported; use one of {', '.join(WRITE_DRIVERS)}"
        )
    fmt = {k: v for k, v in _EXT_FORMAT.items() if k not in (".tsv", ".txt")}.get(
        path.suffix.lower()
    )
    if fmt is None:
        raise DataError(
            f"cannot tell the format of {str(path)!r} from its extension; pass driver= one of "
            f"{', '.join(WRITE_DRIVERS)}, or use one of the extensions "
            f"{', '.join(e for v in WRITE_DRIVERS.values() for e in v)}"
        )
    return fmt


def _text_cells(gdf: Any) -> Iterable[tuple[str, int, str]]:
    """(column, row position, text) for every string cell and column name."""
    import pandas as pd

    geom = gdf.geometry.name
    for col in gdf.columns:
        if col == geom:
            continue
        yield "(column name)", -1, str(col)
        series = gdf[col]
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            for i, v in enumerate(series):
                if isinstance(v, str):
                    yield str(col), i, v


def _check_text(gdf: Any, layer: str, driver: str, encoding: str, target: Path) -> None:
    where = f"{str(target)!r}"
    codec = _codec(encoding)
    for col, i, text in _text_cells(gdf):
        at = f"column {col!r}" + (f" row {i}" if i >= 0 else "") + f" ({text[:40]!r})"
        if _SURROGATE.search(text):
            raise EncodingError(
                f"cannot write {where}: {at} holds a lone surrogate, not valid text"
            )
        if driver != "GeoJSON" and "\x00" in text:
            raise EncodingError(
                f"cannot write {where}: {at} contains a NUL character, which {driver} cannot "
                "store; remove it or write GeoJSON"
            )
        if driver in ("KML", "KMZ") and _XML_BAD.search(text):
            ch = _XML_BAD.search(text).group()  # type: ignore[union-attr]
            raise EncodingError(
                f"cannot write {where}: {at} contains the control character {ch!r}, which XML "
                "(KML) cannot hold; remove it or write GeoJSON/GPKG"
            )
        if driver == "ESRI Shapefile":
            try:
                raw = text.encode(codec)
            except UnicodeEncodeError as err:
                bad = text[err.start : err.end]
                raise EncodingError(
                    f"cannot write {where}: {at} has {bad!r}, which the {encoding} encoding cannot "
                    "represent; nothing was written. Use encoding='utf-8' (the default), or "
                    "write GeoPackage"
                ) from err
            limit = 10 if i < 0 else 254
            if len(raw) > limit:
                raise EncodingError(
                    f"cannot write {where}: {at} is {len(raw)} bytes in {encoding}, over the "
                    f"{limit}-byte shapefile limit for "
                    f"{'field names' if i < 0 else 'text values'}; "
                    "shorten it or write GeoPackage"
                )
            if i >= 0 and text != text.strip(" "):
                raise EncodingError(
                    f"cannot write {where}: {at} starts or ends with spaces, which shapefiles "
                    "do not keep; strip them or write GeoPackage"
                )
    if _SURROGATE.search(layer) or (driver != "GeoJSON" and "\x00" in layer):
        raise EncodingError(f"cannot write {where}: the layer name {layer!r} is not valid text")


def _prepare(gdf: Any, what: str) -> Any:
    import geopandas as gpd

    if not isinstance(gdf, gpd.GeoDataFrame):
        raise DataError(f"{what} must be a GeoDataFrame, not {type(gdf).__name__}")
    if gdf.crs is None:
        raise CRSError(f"{what} has no CRS; set one with gdf.set_crs('EPSG:4326') before writing")
    return gdf


def _plain(value: Any) -> Any:
    """A JSON/XML-friendly Python value (None for missing)."""
    import pandas as pd

    if value is None:
        return None
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def _geojson_bytes(gdf: Any) -> bytes:
    import shapely

    geom_col = gdf.geometry.name
    cols = [c for c in gdf.columns if c != geom_col]
    geoms = gdf.geometry.to_numpy()
    oriented = shapely.orient_polygons(geoms, exterior_cw=False)
    feats = []
    for i, g in enumerate(oriented):
        props = {str(c): _plain(gdf[c].iloc[i]) for c in cols}
        geom = None if g is None or g.is_empty else shapely.geometry.mapping(g)
        feats.append({"type": "Feature", "properties": props, "geometry": geom})
    doc = {"type": "FeatureCollection", "features": feats}
    try:
        return json.dumps(doc, ensure_ascii=False, allow_nan=False, default=str).encode("utf-8")
    except ValueError as err:
        raise CoordinateError(
            f"cannot write GeoJSON: {err}; NaN/inf coordinates are not allowed"
        ) from err


def _xml(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\r", "&#13;")
    )


def _xml_attr(text: str) -> str:
    return _xml(text).replace("\n", "&#10;").replace("\t", "&#9;")


def _kml_coords(coords: np.ndarray) -> str:
    return " ".join(f"{x!r},{y!r}" for x, y in coords[:, :2].tolist())


def _kml_geometry(g: Any) -> str:
    import shapely

    t = g.geom_type
    if t == "Point":
        return (
            f"<Point><coordinates>{_kml_coords(shapely.get_coordinates(g))}</coordinates></Point>"
        )
    if t == "LineString":
        coords = _kml_coords(shapely.get_coordinates(g))
        return f"<LineString><coordinates>{coords}</coordinates></LineString>"
    if t == "Polygon":
        ring = "<{0}><LinearRing><coordinates>{1}</coordinates></LinearRing></{0}>"
        parts = [ring.format("outerBoundaryIs", _kml_coords(shapely.get_coordinates(g.exterior)))]
        parts += [
            ring.format("innerBoundaryIs", _kml_coords(shapely.get_coordinates(h)))
            for h in g.interiors
        ]
        return "<Polygon>" + "".join(parts) + "</Polygon>"
    return "<MultiGeometry>" + "".join(_kml_geometry(p) for p in g.geoms) + "</MultiGeometry>"


def _kml_type(series: Any) -> str:
    kind = series.dtype.kind
    if kind == "b" or str(series.dtype) == "boolean":
        return "bool"
    if kind in "iu" or str(series.dtype) in ("Int64", "Int32", "Int16", "Int8"):
        return "int"
    if kind == "f":
        return "double"
    return "string"


def _kml_value(value: Any, kind: str) -> str | None:
    v = _plain(value)
    if v is None:
        return None
    if kind == "bool":
        return "true" if v else "false"
    if kind == "double":
        return repr(float(v))
    return str(v)


def _kml_text(layers: Mapping[str, Any], doc_name: str) -> str:
    import shapely

    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2">\n<Document>',
        f"<name>{_xml(doc_name)}</name>",
    ]
    for n, (name, gdf) in enumerate(layers.items()):
        geom_col = gdf.geometry.name
        special = {
            c
            for c in ("name", "description")
            if c in gdf.columns
            and gdf[c]
            .map(
                lambda v: (
                    v is None or isinstance(v, str) or (isinstance(v, float) and math.isnan(v))
                )
            )
            .all()
        }
        cols = [c for c in gdf.columns if c != geom_col and c not in special]
        types = {c: _kml_type(gdf[c]) for c in cols}
        sid = f"schema{n}"
        out.append(f'<Schema name="{_xml_attr(str(name))}" id="{sid}">')
        out += [f'<SimpleField name="{_xml_attr(str(c))}" type="{types[c]}"/>' for c in cols]
        out.append("</Schema>")
        out.append(f"<Folder><name>{_xml(str(name))}</name>")
        geoms = gdf.geometry.to_numpy()
        for i in range(len(gdf)):
            out.append("<Placemark>")
            for c in ("name", "description"):
                if c in special:
                    v = gdf[c].iloc[i]
                    if isinstance(v, str):
                        out.append(f"<{c}>{_xml(v)}</{c}>")
            cells = []
            for c in cols:
                v = _kml_value(gdf[c].iloc[i], types[c])
                if v is not None:
                    cells.append(f'<SimpleData name="{_xml_attr(str(c))}">{_xml(v)}</SimpleData>')
            if cells:
                out.append(
                    f'<ExtendedData><SchemaData schemaUrl="#{sid}">{"".join(cells)}'
                    "</SchemaData></ExtendedData>"
                )
            g = geoms[i]
            if g is not None and not g.is_empty:
                out.append(_kml_geometry(shapely.force_2d(g)))
            out.append("</Placemark>")
        out.append("</Folder>")
    out.append("</Document>\n</kml>\n")
    return "\n".join(out)


def _csv_bytes(gdf: Any, target: Path) -> bytes:
    import shapely

    geom_col = gdf.geometry.name
    geoms = gdf.geometry.to_numpy()
    points = bool(len(gdf)) and all(
        g is None or g.is_empty or g.geom_type == "Point" for g in geoms
    )
    cols = [c for c in gdf.columns if c != geom_col]
    buf = _stdio.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")  # RFC 4180; quotes lone \r too
    if points:
        xy = {
            "lon": [None if g is None or g.is_empty else g.x for g in geoms],
            "lat": [None if g is None or g.is_empty else g.y for g in geoms],
        }
        for key in ("lon", "lat"):
            if key in cols:
                old = gdf[key].to_numpy(dtype="float64", na_value=np.nan)
                new = np.array([np.nan if v is None else v for v in xy[key]])
                if not np.allclose(old, new, equal_nan=True, atol=1e-9):
                    raise DataError(
                        f"cannot write {str(target)!r}: column {key!r} differs from the geometry; "
                        "rename it (the CSV gets lon/lat columns from the geometry)"
                    )
                cols.remove(key)
        header = [*map(str, cols), "lon", "lat"]
    else:
        header = [*map(str, cols), "wkt"]
    writer.writerow(header)
    for i in range(len(gdf)):
        row = []
        for c in cols:
            v = _plain(gdf[c].iloc[i])
            row.append(
                ""
                if v is None
                else repr(v)
                if isinstance(v, float)
                else str(v).lower()
                if isinstance(v, bool)
                else str(v)
            )
        g = geoms[i]
        if points:
            row += ["", ""] if g is None or g.is_empty else [repr(g.x), repr(g.y)]
        else:
            row.append("" if g is None or g.is_empty else shapely.to_wkt(g, rounding_precision=-1))
        writer.writerow(row)
    return buf.getvalue().encode("utf-8")


def _write_shapefile(gdf: Any, target: Path, encoding: str) -> None:
    import pyogrio

    kinds = {
        {"MultiPolygon": "Polygon", "MultiLineString": "LineString"}.get(k, k)
        for k in gdf.geometry.geom_type.dropna()
    }
    if len(kinds) > 1 or "GeometryCollection" in kinds:
        raise DataError(
            f"cannot write {str(target)!r}: a shapefile holds one geometry type, and this layer "
            f"has {', '.join(sorted(kinds))}; write one file per type or use GeoPackage"
        )

    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise ExportError(f"cannot write {str(target)!r}: folder {str(folder)!r} does not exist")
    tmpdir = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=folder))
    try:
        pyogrio.write_dataframe(
            gdf, tmpdir / f"{target.stem}.shp", driver="ESRI Shapefile", encoding=encoding
        )
        produced = sorted(tmpdir.iterdir())
        for f in produced:
            with open(f, "rb+") as fh:
                os.fsync(fh.fileno())
        _swap_in(produced, target, folder, tmpdir)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


_SHP_SIDECARS = (".cpg", ".prj", ".qix", ".sbn", ".sbx", ".shp.xml")


def _swap_in(produced: list[Path], target: Path, folder: Path, tmpdir: Path) -> None:
    """Move a new shapefile's parts over the old ones, all or nothing.

    The old parts (and stale sidecars the new file lacks) are first moved aside into
    *tmpdir*; when a move fails, every move done is undone, so a reader never finds a
    new .shp next to an old .dbf.
    """
    exts = {f.suffix.lower() for f in produced}
    old = [_sidecar(target, f.suffix) for f in produced]
    old += [_sidecar(target, ext) for ext in _SHP_SIDECARS if ext not in exts]
    aside = tmpdir / "previous"
    aside.mkdir()
    done: list[tuple[Path, Path]] = []
    try:
        for part in dict.fromkeys(p for p in old if p is not None):
            os.replace(part, aside / part.name)
            done.append((part, aside / part.name))
        for f in produced:
            dest = folder / (target.stem + f.suffix)
            os.replace(f, dest)
            done.append((f, dest))
    except BaseException:
        for src, dst in reversed(done):
            with contextlib.suppress(OSError):
                os.replace(dst, src)
        raise


def write_layer(
    gdf: gpd.GeoDataFrame | Mapping[str, gpd.GeoDataFrame],
    path: str | os.PathLike[str],
    /,
    *,
    driver: str | None = None,
    layer: str | None = None,
    encoding: str = "utf-8",
) -> Path:
    """Write a layer atomically, refusing before writing anything the format would lose.

    Parameters
    ----------
    gdf : GeoDataFrame or mapping of str to GeoDataFrame
        The data, with a CRS. A mapping ``{layer name: frame}`` writes several
        layers (GeoPackage layers, KML folders).
    path : str or os.PathLike
        The target; it is replaced only once the new file is complete.
    driver : str, optional
        ``"GeoJSON"``, ``"GPKG"``, ``"ESRI Shapefile"``, ``"KML"``, ``"KMZ"`` or
        ``"CSV"``; taken from the extension when omitted.
    layer : str, optional
        Layer (GPKG) or folder (KML) name; default the file stem.
    encoding : str, default "utf-8"
        Text encoding of a shapefile's .dbf (recorded in its .cpg); other
        formats are always UTF-8.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    CRSError
        The frame has no CRS.
    EncodingError
        A text value or column name the format cannot keep exactly: a letter
        the shapefile encoding lacks, NUL or control characters (XML), the DBF
        limits (10-byte field names, 254-byte values, trailing spaces).
    DataError
        Unknown driver or extension; several layers for a single-layer format.
    ExportError
        The writer failed; the previous file is left as it was.

    Notes
    -----
    GeoJSON, KML/KMZ and CSV are written in EPSG:4326 (their specifications
    say so); GeoPackage and Shapefile keep the frame's CRS. CSV gets ``lon``,
    ``lat`` columns for points, else a ``wkt`` column. A shapefile's parts are
    written to a temporary folder next to the target, then each moved in place.

    Examples
    --------
    >>> import tempfile, pathlib, geopandas as gpd
    >>> from shapely.geometry import Point
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> gdf = gpd.GeoDataFrame({"name": ["Мурғоб"]}, geometry=[Point(73.965, 38.169)], crs=4326)
    >>> write_layer(gdf, folder / "towns.geojson").name
    'towns.geojson'
    >>> read_layer(folder / "towns.geojson")["name"].iloc[0]
    'Мурғоб'
    """
    target = _local_path(path, "path")
    drv = _driver_for(target, driver)
    need = {"GPKG": ".gpkg", "ESRI Shapefile": ".shp"}.get(drv)
    if need is not None and target.suffix.lower() != need:
        raise DataError(f"a {drv} file must be named *{need}, not {target.name!r}")
    if isinstance(gdf, Mapping):
        if drv not in ("GPKG", "KML", "KMZ"):
            raise DataError(f"several layers can be written to GPKG, KML or KMZ, not {drv}")
        if layer is not None:
            raise DataError("layer= is taken from the mapping keys when writing several layers")
        layers = {str(k): _prepare(v, f"layer {k!r}") for k, v in gdf.items()}
        if not layers:
            raise DataError("no layers to write")
    else:
        layers = {layer or target.stem: _prepare(gdf, "gdf")}
    if drv in ("GeoJSON", "KML", "KMZ", "CSV"):
        layers = {k: v.to_crs(WGS84) if not v.crs.equals(WGS84) else v for k, v in layers.items()}
    codec_enc = encoding if drv == "ESRI Shapefile" else "utf-8"
    for name, frame in layers.items():
        _check_text(frame, name, drv, codec_enc, target)
    ((only_name, only),) = list(layers.items())[:1]
    try:
        if drv == "GeoJSON":
            with atomic_path(target) as tmp:
                tmp.write_bytes(_geojson_bytes(only))
        elif drv == "CSV":
            with atomic_path(target) as tmp:
                tmp.write_bytes(_csv_bytes(only, target))
        elif drv in ("KML", "KMZ"):
            text = _kml_text(layers, target.stem).encode("utf-8")
            with atomic_path(target) as tmp:
                if drv == "KML":
                    tmp.write_bytes(text)
                else:
                    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
                        zf.writestr("doc.kml", text)
        elif drv == "GPKG":
            import pyogrio

            with atomic_path(target, suffix=".gpkg") as tmp:
                for name, frame in layers.items():
                    pyogrio.write_dataframe(
                        frame, tmp, layer=name, driver="GPKG", append=tmp.exists()
                    )
        else:
            _write_shapefile(only, target, encoding)
    except (OSError, RuntimeError, ValueError) as err:
        if isinstance(err, DataError | ExportError):
            raise
        raise ExportError(
            f"cannot write {str(target)!r} ({drv}, layer {only_name!r}): {err}"
        ) from err
    except Exception as err:  # noqa: BLE001 - pyogrio errors have no common base
        raise ExportError(f"cannot write {str(target)!r} ({drv}): {err}") from err
    log.info("wrote %s (%s)", target, drv)
    return target
