"""Writing CSV (RFC 4180, UTF-8): cells safe to open in a spreadsheet, read back as written.

* Text cells and column names that a spreadsheet would run as a formula (they
  start with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return and are not
  a plain number) get a leading single quote, the OWASP rule; ``formulas="raw"``
  writes them unchanged for pipelines that need the exact text.
* Numbers are written exactly: integers of any size as their digits (never
  through float64), floats with ``repr``.
* Column names are refused, before anything is written, when two would be
  written the same (``5`` and ``"5"``) or when :func:`~borderkit.io.read_layer`
  would take one as coordinates on reading back (it matches names in any case:
  a ``Lon`` attribute next to the generated ``lon``, an ``x`` or ``location``
  column next to ``wkt``).

:mod:`borderkit.io.csv` holds the reader and hands its column names in.
"""

from __future__ import annotations

import csv
import io as _stdio
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .._atomic import atomic_path
from ..errors import DataError
from ._text import _plain

#: ``formulas=`` of :func:`write`: what is done to text cells a spreadsheet would run
CSV_FORMULAS = ("escape", "raw")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")

# (lon names, lat names, whole-coordinate names, wkt names) the reader looks for
_ReadNames = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]


def _formula_like(text: str) -> bool:
    """*text*, after any leading quotes, starts like a formula and is not a plain number."""
    rest = text.lstrip("'")
    return rest.startswith(_FORMULA_START) and not _NUMBER.fullmatch(rest)


def neutralise_formula(text: str) -> str:
    """``'`` + *text* when a spreadsheet would take *text* for a formula (OWASP rule).

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
    gets a leading single quote, unless the whole text is a plain number
    (``-12.5``), which a spreadsheet only shows as a number. Text that already
    starts with quotes before such a character gets one more, so that
    :func:`restore_formula` gives back exactly what was written.

    >>> neutralise_formula('=HYPERLINK("http://x")'), neutralise_formula("-12.5")
    ('\\'=HYPERLINK("http://x")', '-12.5')
    """
    return "'" + text if _formula_like(text) else text


def restore_formula(text: str) -> str:
    """The inverse of :func:`neutralise_formula`, used when borderkit reads a CSV back.

    >>> restore_formula("'=1+2"), restore_formula("'quoted'"), restore_formula("''@x")
    ('=1+2', "'quoted'", "'@x")
    """
    return text[1:] if text.startswith("'") and _formula_like(text[1:]) else text


def restore_formulas(frame: Any) -> Any:
    """*frame* (all cells text, as read) with :func:`restore_formula` applied to cells and names.

    Only cells starting with a quote are looked at, so a file without one costs a scan.
    """
    cells = frame.to_numpy()
    hits = [(i, j) for (i, j), v in np.ndenumerate(cells) if v[:1] == "'" and _formula_like(v[1:])]
    for i, j in hits:
        frame.iat[i, j] = cells[i, j][1:]
    names = [restore_formula(str(c)) for c in frame.columns]
    if len(set(names)) == len(names):  # a file not written by borderkit may hold both
        frame.columns = names
    return frame


def check_formulas_option(formulas: Any) -> str:
    """*formulas* if it is one of :data:`CSV_FORMULAS`, else a DataError listing them."""
    if formulas not in CSV_FORMULAS:
        raise DataError(
            f"csv_formulas must be one of {', '.join(map(repr, CSV_FORMULAS))}, not {formulas!r}"
        )
    return str(formulas)


def _cell(value: Any, formulas: str) -> str:
    v = _plain(value)
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, str) and formulas == "escape":
        return neutralise_formula(v)
    return str(v)  # Python ints are exact at any size


def _check_columns(cols: list[Any], points: bool, target: Path, names: _ReadNames) -> None:
    """Refuse names that collide when written or that the reader would take as coordinates.

    Exact ``lon``/``lat`` columns of point layers are left to :func:`_drop_lon_lat`.
    """
    seen: dict[str, Any] = {}
    for c in cols:
        name = str(c)
        if name in seen:
            raise DataError(
                f"cannot write {str(target)!r}: the columns {seen[name]!r} and {c!r} would both "
                f"be written as {name!r} and one would be lost; rename one of them"
            )
        seen[name] = c
    lon, lat, whole, wkt = names
    if points:
        taken, how = lon + lat, "as the points' lon/lat"
    else:
        lows = {n.strip().lower() for n in seen}
        xy = ("x", "y") if {"x", "y"} <= lows else ()  # the reader takes x/y only as a pair
        taken, how = lon + lat + xy + whole + wkt, "as coordinates instead of the wkt"
    for name, c in seen.items():
        if points and name in ("lon", "lat"):
            continue
        if name.strip().lower() in taken:
            raise DataError(
                f"cannot write {str(target)!r}: column {c!r} would be read back {how} "
                "(read_layer matches these column names in any case); rename it, e.g. to "
                f"{name.strip() + '_attr'!r}"
            )


def _drop_lon_lat(gdf: Any, cols: list[Any], geoms: Any, target: Path) -> None:
    """Remove ``lon``/``lat`` from *cols* when they repeat the points; refuse them if not."""
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


def _csv_bytes(gdf: Any, target: Path, formulas: str, names: _ReadNames) -> bytes:
    import shapely

    geom_col = gdf.geometry.name
    geoms = gdf.geometry.to_numpy()
    points = bool(len(gdf)) and all(
        g is None or g.is_empty or g.geom_type == "Point" for g in geoms
    )
    cols = [c for c in gdf.columns if c != geom_col]
    _check_columns(cols, points, target, names)
    if points:
        _drop_lon_lat(gdf, cols, geoms, target)
    buf = _stdio.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")  # RFC 4180; quotes lone \r too
    header = [_cell(str(c), formulas) for c in cols]
    writer.writerow([*header, "lon", "lat"] if points else [*header, "wkt"])
    for i in range(len(gdf)):
        row = [_cell(gdf[c].iloc[i], formulas) for c in cols]
        g = geoms[i]
        if points:
            row += ["", ""] if g is None or g.is_empty else [repr(g.x), repr(g.y)]
        else:
            row.append("" if g is None or g.is_empty else shapely.to_wkt(g, rounding_precision=-1))
        writer.writerow(row)
    return buf.getvalue().encode("utf-8")


def write(
    layers: Mapping[str, Any], target: Path, *, formulas: str, read_names: _ReadNames
) -> None:
    """Write the one layer: ``lon``, ``lat`` columns for points, else a ``wkt`` column.

    Everything is checked and the text built before the file is touched.
    """
    check_formulas_option(formulas)
    data = _csv_bytes(next(iter(layers.values())), target, formulas, read_names)
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
