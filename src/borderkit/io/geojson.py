"""GeoJSON (RFC 7946) in and out, read with the standard ``json`` module.

Reading accepts a FeatureCollection, a single Feature or a bare geometry;
messages name the feature (and its ``name`` when it has one). A legacy
``crs`` member is honoured. Writing orients polygon rings counter-clockwise
and refuses NaN coordinates.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._atomic import atomic_path
from ..errors import (
    CoordinateError,
    CRSError,
    DataError,
    EncodingError,
    FileFormatError,
    GeometryError,
)
from ._format import _REF, _UNCLOSED, Format, Raw, ReadRequest, _name_column
from ._text import _decode, _plain

_GEOM_TYPES = (
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
)


def sniff(head: bytes, text: bytes, path: Path) -> bool:
    """A JSON object or array."""
    return text[:1] in (b"{", b"[")


# ----------------------------------------------------------------------------- reading


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
            if _long_int(v):
                raise CoordinateError(
                    f"{self.ref}: coordinate {v[:20]}... has {len(v)} digits, far outside any "
                    "longitude or latitude; fix the coordinate"
                )
            if isinstance(v, bool) or not isinstance(v, int | float):
                kind = "text" if isinstance(v, str) else type(v).__name__
                raise CoordinateError(
                    f"{self.ref}: coordinate {v!r:.40} is {kind}, but GeoJSON coordinates are "
                    "numbers; remove the quotes in the file"
                )
            try:
                out.append(float(v))
            except OverflowError as err:  # an integer of hundreds of digits
                raise CoordinateError(
                    f"{self.ref}: coordinate {str(v)[:20]}... has {len(str(v))} digits, far "
                    "outside any longitude or latitude; fix the coordinate"
                ) from err
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
        from shapely.geometry import GeometryCollection

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
        return self.simple(gtype, geom["coordinates"])

    def simple(self, gtype: str, c: Any) -> Any:
        """A geometry other than a collection, from its type and ``coordinates``."""
        from shapely.geometry import LineString, MultiLineString, MultiPoint, MultiPolygon, Point

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


_LONG_INT = 4000  # digits; Python's int() refuses text over 4,300 digits


def _parse_int(text: str) -> int | str:
    """A JSON integer, or its text when it is too long for int() (kept as text, like CSV)."""
    return text if len(text) > _LONG_INT else int(text)


def _long_int(v: Any) -> bool:
    return isinstance(v, str) and len(v) > _LONG_INT and v.lstrip("-").isdigit()


def _document(p: Path, data: bytes, encoding: str | None) -> dict[str, Any]:
    """The parsed top-level JSON object."""
    text = _decode(p, data, encoding)
    try:
        doc = json.loads(text, parse_int=_parse_int)
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
    return doc


def _features(p: Path, doc: dict[str, Any]) -> list[Any]:
    """The features of a FeatureCollection, Feature or bare geometry."""
    gtype = doc.get("type")
    if gtype == "FeatureCollection":
        feats = doc.get("features")
        if not isinstance(feats, list):
            raise FileFormatError(f"{str(p)!r}: a FeatureCollection needs a 'features' list")
        return feats
    if gtype == "Feature":
        return [doc]
    if gtype in _GEOM_TYPES:
        return [{"type": "Feature", "geometry": doc, "properties": {}}]
    raise FileFormatError(
        f'{str(p)!r}: "type" is {gtype!r}; GeoJSON needs "FeatureCollection", '
        f'"Feature" or a geometry type ({", ".join(_GEOM_TYPES)})'
    )


def _feature(p: Path, i: int, feat: Any) -> tuple[dict[str, Any], Any, str, bool]:
    """(properties, geometry, reference, ring was unclosed) of feature *i*."""
    if not isinstance(feat, dict) or feat.get("type") != "Feature":
        raise FileFormatError(
            f'{str(p)!r} feature {i}: expected an object with "type": "Feature", got {feat!r:.60}'
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
    return props, geom, ref, builder.unclosed


def read(request: ReadRequest) -> Raw:
    """Read a GeoJSON file: one layer, EPSG:4326 unless a ``crs`` member says otherwise."""
    import geopandas as gpd
    import pandas as pd

    p = request.path
    doc = _document(p, request.content(), request.encoding)
    rows, geoms, refs, unclosed = [], [], [], []
    for i, feat in enumerate(_features(p, doc)):
        props, geom, ref, was_unclosed = _feature(p, i, feat)
        rows.append(props)
        geoms.append(geom)
        refs.append(ref)
        unclosed.append(was_unclosed)
    frame = pd.DataFrame.from_records(rows) if rows else pd.DataFrame()
    frame[_REF] = refs
    frame[_UNCLOSED] = unclosed
    gdf = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, index=frame.index), crs=None)
    stated = _crs_member(p, doc)
    return {"": (gdf, stated, "EPSG:4326")}


# ----------------------------------------------------------------------------- writing


def _finite_props(props: dict[str, Any], row: int, target: Path) -> dict[str, Any]:
    """*props* unchanged; an infinite number (which JSON cannot hold) is refused by name."""
    for key, value in props.items():
        if isinstance(value, float) and math.isinf(value):
            raise DataError(
                f"cannot write {str(target)!r}: column {key!r} row {row} is {value} (an attribute, "
                "not a coordinate), which JSON cannot hold; replace it (e.g. with None or a "
                "large number) or write GPKG or CSV, which keep it"
            )
    return props


def _geojson_bytes(gdf: Any, target: Path) -> bytes:
    import shapely

    geom_col = gdf.geometry.name
    cols = [c for c in gdf.columns if c != geom_col]
    geoms = gdf.geometry.to_numpy()
    oriented = shapely.orient_polygons(geoms, exterior_cw=False)
    feats = []
    for i, g in enumerate(oriented):
        props = _finite_props({str(c): _plain(gdf[c].iloc[i]) for c in cols}, i, target)
        geom = None if g is None or g.is_empty else shapely.geometry.mapping(g)
        feats.append({"type": "Feature", "properties": props, "geometry": geom})
    doc = {"type": "FeatureCollection", "features": feats}
    try:
        return json.dumps(doc, ensure_ascii=False, allow_nan=False, default=str).encode("utf-8")
    except ValueError as err:
        raise CoordinateError(
            f"cannot write {str(target)!r}: {err}; NaN/inf coordinates are not allowed"
        ) from err


def write(layers: Mapping[str, Any], target: Path, encoding: str) -> None:
    """Write the one layer as a FeatureCollection (UTF-8, EPSG:4326)."""
    only = next(iter(layers.values()))
    with atomic_path(target) as tmp:
        tmp.write_bytes(_geojson_bytes(only, target))


FORMAT = Format(
    "GeoJSON",
    extensions=(".geojson", ".json"),
    aliases=("geojson", "json"),
    sniff=sniff,
    read=read,
    write=write,
    wgs84=True,
    nul_ok=True,
)
