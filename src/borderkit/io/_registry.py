"""The formats :mod:`borderkit.io` reads and writes: one line per format module.

The order is the order of ``READ_FORMATS`` and ``WRITE_DRIVERS`` (and of the
formats listed in messages). Sniffers do not overlap, so it is not a priority.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import DataError
from . import csv, geojson, gpkg, kml, shapefile
from ._format import Format

FORMATS: tuple[Format, ...] = (
    geojson.FORMAT,
    gpkg.FORMAT,
    shapefile.FORMAT,
    kml.KML,
    kml.KMZ,
    csv.FORMAT,
)

READ_FORMATS = tuple(f.name for f in FORMATS)
WRITE_DRIVERS = {f.name: f.extensions for f in FORMATS}

_BY_NAME = {f.name: f for f in FORMATS}
_DRIVER_ALIASES = {alias: f.name for f in FORMATS for alias in f.aliases}
_EXT_FORMAT = {ext: f.name for f in FORMATS for ext in f.extensions + f.read_extensions}
_WRITE_EXT_FORMAT = {ext: f.name for f in FORMATS for ext in f.extensions}


def format_named(name: str) -> Format:
    """The format called *name* (one of ``READ_FORMATS``)."""
    return _BY_NAME[name]


def _driver_for(path: Path, driver: str | None) -> Format:
    """The format to write: *driver* (any alias) or else the extension of *path*."""
    if driver is not None:
        key = driver.strip().lower()
        if key in _DRIVER_ALIASES:
            return _BY_NAME[_DRIVER_ALIASES[key]]
        raise DataError(
            f"driver={driver!r} is not supported; use one of {', '.join(WRITE_DRIVERS)}"
        )
    fmt = _WRITE_EXT_FORMAT.get(path.suffix.lower())
    if fmt is None:
        raise DataError(
            f"cannot tell the format of {str(path)!r} from its extension; pass driver= one of "
            f"{', '.join(WRITE_DRIVERS)}, or use one of the extensions "
            f"{', '.join(e for v in WRITE_DRIVERS.values() for e in v)}"
        )
    return _BY_NAME[fmt]


def _listing(names: list[str]) -> str:
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]


#: for messages: the formats that hold several layers ("GPKG, KML or KMZ")
_SEVERAL_LAYERS = _listing([f.name for f in FORMATS if f.several_layers])
