"""What the command groups share: parsing a point, printing a table, the shared options.

Nothing here computes: points are parsed by :mod:`borderkit.io` and looked up in
:mod:`borderkit.data`, distances are formatted by :mod:`borderkit.measure`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from ..errors import CoordinateError, DatasetNotFoundError

EXIT_OK = 0
EXIT_DATA = 1
EXIT_USAGE = 2

UNITS = ("km", "mi", "nmi")
FORMATS = ("table", "csv", "json")
COORD_HELP = (
    'a shipped place name (see: borderkit places), "lat,lon" decimal degrees, '
    "DMS such as 38°08'58\"N 74°48'05\"E, or MGRS such as 43SDC8259822410"
)


def _doc(func: Callable[..., Any]) -> Callable[..., Any]:
    """Fill {coords} in a command's help text (apply below @click.command)."""
    func.__doc__ = (func.__doc__ or "").replace("{coords}", COORD_HELP)
    return func


def _err(text: str) -> None:
    """A message on stderr; control characters from names in it shown escaped (not newlines)."""
    click.echo("\n".join(_visible(line) for line in text.split("\n")), err=True)


@dataclass
class _Point:
    """A point given on the command line: its label, position and precision."""

    label: str
    lon: float
    lat: float
    precision_m: float
    frame: Any  # one-row GeoDataFrame in EPSG:4326


def _point(text: str) -> _Point:
    """A place name, "lat,lon", DMS or MGRS -> _Point (place names keep their precision)."""
    import geopandas as gpd
    import shapely

    from .. import data as _data
    from .. import io as _io

    text = text.strip()
    if not text:
        raise click.BadParameter("empty place or coordinate")
    coord_err: CoordinateError | None = None
    if any(ch.isdigit() for ch in text):
        try:
            lon, lat = _io.parse_coordinate(text)
        except CoordinateError as err:
            coord_err = err
        else:
            frame = gpd.GeoDataFrame(
                {"name": [text], "precision_m": [0.0]},
                geometry=[shapely.Point(lon, lat)], crs="EPSG:4326",
            )
            return _Point(text, float(lon), float(lat), 0.0, frame)
    try:
        found = _data.place(text)
    except DatasetNotFoundError:
        if coord_err is not None:
            raise coord_err from None
        raise
    frame = _one_row_frame(found)
    row = frame.iloc[0]
    prec = float(row["precision_m"]) if "precision_m" in frame.columns else 0.0
    if not math.isfinite(prec):
        prec = 0.0
    geom = row.geometry
    return _Point(str(row.get("name", text)), float(geom.x), float(geom.y), prec, frame)


@dataclass
class _Area:
    """A border line or region given on the command line: what it is and its geometry."""

    label: str  # "the AFG-TJK border", "the Khatlon region (TJ-KT)"
    frame: Any  # one-row GeoDataFrame in EPSG:4326
    kind: str  # "border" or "region"


def _end(text: str) -> _Point | _Area:
    """A place or coordinate (:func:`_point`), else a shipped border id or region name.

    A place wins over a region of the same name ("Dushanbe" is the city). When the
    text is none of them, the error keeps the place lookup's suggestions if it had
    any, and otherwise says which kinds of names were tried.
    """
    from .. import data as _data

    try:
        return _point(text)
    except DatasetNotFoundError as place_err:
        if re.fullmatch(r"[^\W\d_]{2,}\s*[-\u2010-\u2015/]\s*[^\W\d_]{2,}", text.strip()):
            try:
                line = _data.border(text.strip())
            except DatasetNotFoundError:
                pass
            else:
                return _Area(f"the {line['id'].iloc[0]} border", line, "border")
        try:
            region = _data.region(text)
        except DatasetNotFoundError as region_err:
            raise _no_end(text, place_err, region_err) from None
        row = region.iloc[0]
        return _Area(f"the {row['name']} region ({row['id']})", region, "region")


def _no_end(text: str, place_err: Exception, region_err: Exception) -> DatasetNotFoundError:
    for err in (place_err, region_err):
        if "did you mean" in str(err):
            return DatasetNotFoundError(str(err))
    from .. import data as _data

    bids = ", ".join(sorted(_data.load("borders")["id"]))
    return DatasetNotFoundError(
        f"{text!r} is not a coordinate, shipped place, border id or region; "
        f"the pack ships Tajikistan's places (borderkit places), borders ({bids}) and "
        "admin-1 regions (borderkit layers); for your own data, read it with "
        "borderkit.read_layer and use borderkit.distance_to in Python"
    )


def _places(text: str) -> tuple[Any, list[str]]:
    """A FILE of places (anything read_layer reads) or one place -> (points frame, labels).

    The labels are the rows' ``name`` (else ``id``, else ``row N``), so the results
    keep the names of the input.
    """
    from .. import io as _io

    path = Path(text)
    if path.is_file():
        frame = _io.read_layer(path)
        if frame.crs is not None and not frame.crs.equals("EPSG:4326"):
            frame = frame.to_crs("EPSG:4326")
        col = next((c for c in ("name", "id") if c in frame.columns), None)
        labels = ([str(v) for v in frame[col]] if col else
                  [f"row {i}" for i in range(1, len(frame) + 1)])
        return frame, labels
    if path.suffix.lower() in _FILE_SUFFIXES or "/" in text or "\\" in text:
        raise click.BadParameter(f"no such file: {text} (give a file of places, or one place)")
    pt = _point(text)
    return pt.frame, [pt.label]


_FILE_SUFFIXES = (".csv", ".geojson", ".json", ".gpkg", ".shp", ".kml", ".kmz", ".parquet",
                  ".geoparquet", ".fgb", ".zip")


def _one_row_frame(found: Any) -> Any:
    import geopandas as gpd

    if isinstance(found, gpd.GeoDataFrame):
        frame = found
    else:  # a row (Series) with a geometry
        frame = gpd.GeoDataFrame([found], geometry="geometry", crs="EPSG:4326")
    if frame.crs is not None and not frame.crs.equals("EPSG:4326"):
        frame = frame.to_crs("EPSG:4326")
    return frame.iloc[:1]


def _border(border_id: str) -> Any:
    from .. import data as _data

    return _data.border(border_id)


_KM = click.FloatRange(min=0, min_open=True, max=20_037.5)  # up to half the equator


def _km(value: float) -> float:
    return value * 1000.0


def _fmt(metres: float, units: str | None) -> str:
    from .. import measure as _measure

    return _measure.format_distance(metres, units=(units,) if units else UNITS)


# Shown escaped on a terminal: C0 and C1 controls, DEL (ESC/OSC sequences can retitle the
# window, hide text or write a link), and the bidi overrides and isolates that reorder a line.
_TERMINAL_BAD = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# The same in JSON text, where C0 controls are already \u escapes.
_JSON_BAD = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _visible(text: str) -> str:
    """*text* with each control character written as a visible escape (``\\x1b``, ``\\u202e``)."""
    return _TERMINAL_BAD.sub(
        lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
        else f"\\u{ord(m.group()):04x}", text)


def _json_for_terminal(text: str) -> str:
    """JSON text with the controls JSON allows raw written as ``\\uXXXX`` (same data)."""
    return _JSON_BAD.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _map_text(table: Any, fn: Callable[[str], str]) -> Any:
    """A copy of *table* with *fn* applied to every text cell and text column name."""
    import pandas as pd

    out = table.copy()
    for col in out.columns:
        dtype = out[col].dtype
        if dtype.kind == "O" or pd.api.types.is_string_dtype(dtype) or isinstance(
                dtype, pd.CategoricalDtype):
            out[col] = out[col].map(lambda v: fn(v) if isinstance(v, str) else v)
    out.columns = [fn(c) if isinstance(c, str) else c for c in out.columns]
    return out


def _csv_formulas() -> str:
    """--csv-formulas of the running command ("escape" when it has no such option)."""
    ctx = click.get_current_context(silent=True)
    return str(ctx.meta.get(_CSV_FORMULAS_KEY, "escape")) if ctx is not None else "escape"


def _emit_frame(frame: Any, fmt: str, output: Path | None) -> None:
    """Write a table (table/csv/json/geojson) to a file or stdout.

    What is safe to open: on stdout (a terminal) every control character in
    the text is shown as a visible escape (``\\x1b``), so names cannot send
    terminal escape sequences; JSON keeps its data (C1 and bidi controls become
    ``\\u`` escapes). CSV, to a file or stdout, gets the spreadsheet-formula
    rule of :func:`borderkit.write_layer` (a ``'`` before ``=...``), unless the
    command was given ``--csv-formulas raw``. Files otherwise get the text as it is.
    """
    from ..io._csv_write import neutralise_formula

    if fmt == "geojson":
        _emit_geojson(frame, output)
        return
    table = frame.drop(columns=frame.geometry.name) if hasattr(frame, "geometry") else frame
    if output is None and fmt in ("table", "csv"):
        table = _map_text(table, _visible)
    if fmt == "table":
        text = table.to_string(index=False) if len(table) else "(no rows)"
        text += "\n"
    elif fmt == "csv":
        if _csv_formulas() == "escape":
            table = _map_text(table, neutralise_formula)
        text = table.to_csv(index=False, lineterminator="\n")
    else:
        text = table.to_json(orient="records", force_ascii=False, indent=2) + "\n"
        if output is None:
            text = _json_for_terminal(text)
    if output is None:
        click.echo(text, nl=False)
    else:
        from .._atomic import write_text

        write_text(output, text)
        _err(f"wrote {output}")


def _emit_geojson(frame: Any, output: Path | None) -> None:
    """GeoJSON to stdout (composes with jq), or any vector format to a file."""
    if output is not None:
        from .. import io as _io

        _io.write_layer(frame, output, csv_formulas=_csv_formulas())
        _err(f"wrote {output} ({len(frame)} feature(s))")
        return
    if frame.crs is not None and not frame.crs.equals("EPSG:4326"):
        frame = frame.to_crs("EPSG:4326")
    click.echo(_json_for_terminal(frame.to_json(ensure_ascii=False, drop_id=True)))


_CSV_FORMULAS_KEY = "borderkit.csv_formulas"


def _store_csv_formulas(ctx: click.Context, param: click.Parameter, value: str) -> str:
    ctx.meta[_CSV_FORMULAS_KEY] = value
    return value


#: ``--csv-formulas escape|raw`` for a command that writes CSV (read by _emit_frame)
_CSV_FORMULAS = click.option(
    "--csv-formulas", type=click.Choice(("escape", "raw")), default="escape",
    show_default=True, expose_value=False, callback=_store_csv_formulas,
    help="CSV cells starting with = + - @ (formulas in Excel/LibreOffice) get a leading ' "
         "(escape); raw writes them unchanged.",
)


_OUTPUT = click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Write to this file instead of stdout (GeoJSON, GPKG, ... by extension).",
)


def _distance_columns(result: Any, row: int = 0) -> dict[str, float]:
    """distance_m (and min/max when present) of the *row*-th row of a distance result."""
    if hasattr(result, "min_m") and hasattr(result, "max_m"):  # a borderkit Distance
        return {"distance_m": float(result), "distance_min_m": float(result.min_m),
                "distance_max_m": float(result.max_m)}
    if isinstance(result, int | float):
        return {"distance_m": float(result)}
    if hasattr(result, "columns"):
        out = {c: float(result[c].iloc[row]) for c in
               ("distance_m", "distance_min_m", "distance_max_m") if c in result.columns}
    else:
        out = {"distance_m": float(result.iloc[row])}
    return out
