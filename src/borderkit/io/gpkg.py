"""GeoPackage in and out through GDAL (pyogrio), one or several layers.

Reading lists the layers with geometry (tables without one are skipped) and
reads only the ones chosen. A layer that is an SQL view (rows computed by a
query, possibly endless: a recursive CTE) is read only when SQLite evaluates
it within ``VIEW_SECONDS`` to at most ``VIEW_ROWS`` rows and ``max_bytes`` of
data; otherwise it is refused before GDAL reads it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._atomic import atomic_path
from ..errors import FileFormatError
from ._format import Format, Raw, RawLayer, ReadRequest
from ._gdal import _gdal_error, _gdal_frame
from ._paths import _mb

log = logging.getLogger(__name__)


def sniff(head: bytes, text: bytes, path: Path) -> bool:
    """An SQLite database."""
    return head.startswith(b"SQLite format 3\x00")


#: an SQL view must evaluate within this time (seconds) ...
VIEW_SECONDS = 2.0
#: ... to at most this many rows (and at most max_bytes of data)
VIEW_ROWS = 1_000_000


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _view_refused(p: Path, name: str, why: str) -> FileFormatError:
    return FileFormatError(
        f"{str(p)!r} layer {name!r} is an SQL view, not a table, and {why}; borderkit reads "
        "a view only when it gives a bounded result. Save the layer as a table first "
        "(e.g. ogr2ogr -sql with a LIMIT, or QGIS 'Export > Save Features As')"
    )


def _check_view(p: Path, name: str, max_bytes: int | None) -> None:
    """Refuse a layer that is an SQL view with an endless or oversized result.

    A table holds at most what the file holds; a view's rows are computed, so
    they are counted first by SQLite itself, under a time limit.
    """
    import sqlite3
    import time

    try:
        con = sqlite3.connect(p.resolve().as_uri() + "?mode=ro", uri=True)
    except sqlite3.Error:  # pragma: no cover - GDAL reports an unreadable file
        return
    try:
        row = con.execute(
            "SELECT type FROM sqlite_master WHERE name = ? COLLATE NOCASE", (name,)
        ).fetchone()
        if row is None or row[0] != "view":
            return
        cols = [r[1] for r in con.execute(f"PRAGMA table_info({_quote(name)})")]
        size = " + ".join(f"coalesce(length({_quote(c)}), 0)" for c in cols) or "0"
        deadline = time.monotonic() + VIEW_SECONDS
        con.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)
        try:
            n, total = con.execute(
                f"SELECT count(*), total({size}) FROM "
                f"(SELECT * FROM {_quote(name)} LIMIT {VIEW_ROWS + 1})"
            ).fetchone()
        except sqlite3.Error as err:
            if time.monotonic() > deadline:
                raise _view_refused(
                    p, name, f"it did not finish within {VIEW_SECONDS:g} s (endless?)"
                ) from err
            raise _view_refused(p, name, f"SQLite cannot evaluate it ({err})") from err
    finally:
        con.close()
    if n > VIEW_ROWS:
        raise _view_refused(p, name, f"it gives more than {VIEW_ROWS:,} rows (endless?)")
    if max_bytes is not None and total > max_bytes:
        raise _view_refused(
            p, name, f"its rows hold {_mb(int(total))}, over the limit of {_mb(max_bytes)} "
            "(max_bytes)"
        )


def _layer(p: Path, name: str, max_bytes: int | None) -> RawLayer:
    _check_view(p, name, max_bytes)
    gdf = _gdal_frame(p, layer=name)
    return (gdf, gdf.crs, None)


def read(request: ReadRequest) -> Raw:
    """The layers with geometry, each read when chosen."""
    import pyogrio

    p = request.path
    try:
        listed = pyogrio.list_layers(p)
    except Exception as err:  # noqa: BLE001 - pyogrio raises several types
        raise _gdal_error(p, err) from err
    out: Raw = {}
    for name, gtype in listed:
        if gtype is None:
            log.info("%s: skipping table %r without geometry", p, name)
            continue
        # read after the choice
        out[str(name)] = functools.partial(_layer, p, str(name), request.max_bytes)
    if not out:
        raise FileFormatError(f"{str(p)!r} has no layer with geometry")
    return out


def write(layers: Mapping[str, Any], target: Path, encoding: str) -> None:
    """Write every layer into one new GeoPackage, then move it in place."""
    import pyogrio

    with atomic_path(target, suffix=".gpkg") as tmp:
        for name, frame in layers.items():
            pyogrio.write_dataframe(frame, tmp, layer=name, driver="GPKG", append=tmp.exists())


FORMAT = Format(
    "GPKG",
    extensions=(".gpkg",),
    aliases=("gpkg", "geopackage"),
    sniff=sniff,
    read=read,
    write=write,
    several_layers=True,
    suffix=".gpkg",
    needs_file=True,
)
