"""CSV with coordinate columns in and out (also ``.tsv``/``.txt``: the delimiter is sniffed).

Reading keeps every cell as written ('NA' is Namibia, '007' stays text) and
turns a column into numbers only when nothing is lost. Coordinates come from
``lon``/``lat`` (or ``x``/``y``) columns in decimal degrees, decimal commas or
DMS; from one column of whole coordinates (DMS pairs, MGRS); or from a WKT
column. Latitude and longitude columns that are clearly swapped (hemisphere
letters, ranges) are swapped back and reported. Writing gives points ``lon``,
``lat`` columns and other geometries a ``wkt`` column (RFC 4180).

This module is ``borderkit.io.csv``; ``import csv`` below is the standard
library's (imports are absolute).
"""

from __future__ import annotations

import csv
import io as _stdio
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .._coords import parse_coordinate, read_angle
from ..errors import (
    CoordinateError,
    DataError,
    FileFormatError,
    GeometryError,
    SwappedCoordinatesWarning,
)
from . import _csv_write
from ._csv_types import _typed
from ._format import Format, Raw, ReadRequest, _name_column
from ._report import LoadReport
from ._text import _decode

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

# (geometries, positions of blank rows, CRS to assume or None)
_Geoms = tuple[list[Any], list[int], str | None]


# ----------------------------------------------------------------------------- the table


def _sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


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


def _row_refs(frame: Any) -> list[str]:
    """``row N`` (1-based, after the header) with the row's name when it has one."""
    cols = list(frame.columns)
    return [
        f"row {i + 1}" + (f" ({v[:60]!r})" if v.strip() else "")
        for i, v in enumerate(
            frame[_name_column(cols)] if _name_column(cols) else [""] * len(frame)
        )
    ]


# ----------------------------------------------------------------------------- which columns


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


def _coordinate_columns(frame: Any, request: ReadRequest) -> tuple[str, str, str]:
    """(lon column, lat column, kind): as passed, else guessed from the names.

    The kind is ``lonlat``, ``xy``, ``coords`` (one column of whole coordinates)
    or ``wkt``; for the last two both columns are the same.
    """
    p, lon, lat, coords = request.path, request.lon, request.lat, request.coords
    if lon is not None or lat is not None:
        if lon is None or lat is None:
            raise DataError("pass both lon= and lat= column names, or neither")
        return _pick_column(frame, lon, "lon", p), _pick_column(frame, lat, "lat", p), "lonlat"
    if coords is not None:
        col = _pick_column(frame, coords, "coords", p)
        return col, col, "coords"
    cols = list(frame.columns)
    lon_col, lat_col = _find_column(cols, _LON_NAMES), _find_column(cols, _LAT_NAMES)
    if lon_col is not None and lat_col is not None:
        return lon_col, lat_col, "lonlat"
    if lon_col is None and lat_col is None:
        x_col, y_col = _find_column(cols, ("x",)), _find_column(cols, ("y",))
        c_col = _find_column(cols, _COORD_NAMES)
        w_col = _find_column(cols, _WKT_NAMES)
        if x_col and y_col:
            return x_col, y_col, "xy"
        if c_col:
            return c_col, c_col, "coords"
        if w_col:
            return w_col, w_col, "wkt"
    raise DataError(
        f"{str(p)!r}: cannot tell which columns hold the coordinates "
        f"(columns: {cols}); "
        "name them lon/lat (or longitude/latitude, x/y), or pass lon='...', "
        "lat='...', or coords='...' for one column of DMS/MGRS text"
    )


# ----------------------------------------------------------------------------- geometries


def _cell_geoms(
    values: list[str], refs: list[str], parse: Callable[[str, str], Any]
) -> tuple[list[Any], list[int]]:
    """One geometry per cell from ``parse(text, row_ref)``; blank cells give None and are listed."""
    geoms: list[Any] = []
    blank: list[int] = []
    for i, (raw, ref) in enumerate(zip(values, refs, strict=True)):
        if not raw.strip():
            blank.append(i)
            geoms.append(None)
        else:
            geoms.append(parse(raw, ref))
    return geoms, blank


def _wkt_geoms(values: list[str], refs: list[str], p: Path) -> _Geoms:
    """Geometries from WKT text; EPSG:4326 assumed when every value is in degree ranges."""
    import shapely

    def parse(raw: str, ref: str) -> Any:
        try:
            geom = shapely.from_wkt(raw)
        except shapely.errors.GEOSException as err:
            raise GeometryError(f"{str(p)!r} {ref}: {raw[:40]!r} is not WKT ({err})") from err
        if not np.isfinite(shapely.get_coordinates(geom)).all():
            raise CoordinateError(
                f"{str(p)!r} {ref}: the WKT {raw[:40]!r} has a NaN or infinite coordinate; fix "
                "it or leave the cell blank to drop the row"
            )
        return geom

    geoms, blank = _cell_geoms(values, refs, parse)
    xs = shapely.get_coordinates([g for g in geoms if g is not None])
    in_degrees = not len(xs) or bool(
        np.all(np.abs(xs[:, 0]) <= 180) and np.all(np.abs(xs[:, 1]) <= 90)
    )
    return geoms, blank, "EPSG:4326" if in_degrees else None


def _coordinate_text_geoms(values: list[str], refs: list[str], p: Path, col: str) -> _Geoms:
    """Points from one column of whole coordinates (DMS pairs, MGRS; latitude first)."""
    import shapely

    def parse(raw: str, ref: str) -> Any:
        try:
            x, y = parse_coordinate(raw, order="latlon")
        except CoordinateError as err:
            raise CoordinateError(f"{str(p)!r} {ref}, column {col!r}: {err}") from err
        return shapely.Point(x, y)

    geoms, blank = _cell_geoms(values, refs, parse)
    return geoms, blank, "EPSG:4326"


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
    # stacklevel as before io became a package: _orient_columns <- _axis_geoms <- read
    # <- read_layer <- its caller <- the frame above that
    warnings.warn(
        f"{p.name}: latitude and longitude look swapped ({swap_reason}); read {lat_col!r} as "
        f"longitude and {lon_col!r} as latitude. Pass lon=..., lat=... to be explicit.",
        SwappedCoordinatesWarning,
        stacklevel=6,
    )
    return ys, xs


def _axis_geoms(
    frame: Any,
    lon_col: str,
    lat_col: str,
    kind: str,
    refs: list[str],
    plain: bool,
    request: ReadRequest,
) -> _Geoms:
    """Points from a longitude and a latitude column (``lonlat`` or ``xy``).

    *plain*: the values are projected numbers (a projected ``crs=``), not angles.
    """
    import shapely

    p = request.path
    xs_, xh = _parse_axis(list(frame[lon_col]), refs, p, plain)
    ys_, yh = _parse_axis(list(frame[lat_col]), refs, p, plain)
    if not plain:
        xs_, ys_ = _orient_columns(
            xs_, ys_, xh, yh, refs, lon_col, lat_col, p, request.strict, request.report
        )
    geoms: list[Any] = []
    blank: list[int] = []
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
        return geoms, blank, "EPSG:4326" if looks else None
    return geoms, blank, "EPSG:4326"


def read(request: ReadRequest) -> Raw:
    """Read a CSV file: one layer of points (or WKT geometries), other columns typed."""
    import geopandas as gpd
    import pyproj

    p = request.path
    text = _decode(p, request.content(), request.encoding)
    if "\x00" in text:
        raise FileFormatError(f"{str(p)!r} contains NUL bytes; it is not a text CSV file")
    frame = _csv_frame(p, text)
    if "'" in text:  # cells the writer quoted against spreadsheet formulas
        frame = _csv_write.restore_formulas(frame)
    refs = _row_refs(frame)
    crs = request.crs
    plain = crs is not None and not pyproj.CRS.from_user_input(crs).is_geographic
    lon_col, lat_col, kind = _coordinate_columns(frame, request)
    keep = frame.drop(columns=list({lon_col, lat_col}))
    if kind == "wkt":
        geoms, blank, default_crs = _wkt_geoms(list(frame[lon_col]), refs, p)
    elif kind == "coords":
        geoms, blank, default_crs = _coordinate_text_geoms(list(frame[lon_col]), refs, p, lon_col)
    else:
        geoms, blank, default_crs = _axis_geoms(frame, lon_col, lat_col, kind, refs, plain, request)
    if default_crs is not None and request.crs is None and kind in ("xy", "wkt"):
        request.report.notes.append(
            f"no CRS stated; the {kind} values are within degree ranges, read as EPSG:4326"
        )
    if blank and request.strict:
        raise CoordinateError(f"{str(p)!r} {refs[blank[0]]}: the coordinate is blank (strict mode)")
    keep = _typed(keep, refs)
    gdf = gpd.GeoDataFrame(keep, geometry=gpd.GeoSeries(geoms, index=keep.index))
    return {"": (gdf, None, default_crs)}


# ----------------------------------------------------------------------------- writing


def write(
    layers: Mapping[str, Any], target: Path, encoding: str, *, formulas: str = "escape"
) -> None:
    """Write the one layer as UTF-8 CSV: ``lon``, ``lat`` for points, else ``wkt``.

    See :func:`borderkit.io._csv_write.write`: formula-like text gets a leading
    ``'`` unless ``formulas="raw"``; names this reader would take as coordinates
    are refused.
    """
    _csv_write.write(
        layers, target, formulas=formulas,
        read_names=(_LON_NAMES, _LAT_NAMES, _COORD_NAMES, _WKT_NAMES),
    )


FORMAT = Format(
    "CSV",
    extensions=(".csv",),
    aliases=("csv",),
    sniff=None,  # the fallback: text no other format claims
    read=read,
    write=write,
    read_extensions=(".tsv", ".txt"),
    columns=True,
    wgs84=True,
)
