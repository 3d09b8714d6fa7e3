"""GeoPackage in and out through GDAL (pyogrio), one or several layers.

Reading lists the layers with geometry (tables without one are skipped) and
reads only the ones chosen.
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

log = logging.getLogger(__name__)


def sniff(head: bytes, text: bytes, path: Path) -> bool:
    """An SQLite database."""
    return head.startswith(b"SQLite format 3\x00")


def _layer(p: Path, name: str) -> RawLayer:
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
        out[str(name)] = functools.partial(_layer, p, str(name))  # read after the choice
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
)
