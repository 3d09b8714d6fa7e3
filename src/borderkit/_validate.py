"""Shared input checks used by every stage.

CRS present, longitude in [-180, 180], latitude in [-90, 90], finite values,
non-empty geometries. Errors name the argument and the offending row.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import pyproj

from .errors import CoordinateError, CRSError, GeometryError

__all__ = [
    "check_lonlat",
    "ensure_crs",
    "to_wgs84",
    "transformer",
    "WGS84",
]

WGS84 = pyproj.CRS.from_epsg(4326)

# No network unless the user asks for it (pyproj could otherwise fetch grids).
pyproj.network.set_network_enabled(False)


@lru_cache(maxsize=64)
def transformer(src: str, dst: str = "EPSG:4326") -> pyproj.Transformer:
    """A cached, axis-order-safe (lon/lat) transformer between two CRS strings."""
    return pyproj.Transformer.from_crs(src, dst, always_xy=True)


def _row_label(index: Any, pos: int) -> str:
    try:
        return f"row {index[pos]!r}"
    except Exception:  # noqa: BLE001 - index may be absent
        return f"row {pos}"


def check_lonlat(
    lon: Any, lat: Any, *, name: str = "points", index: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    """Return lon, lat as float arrays after checking that they are valid degrees.

    Raises
    ------
    CoordinateError
        If a value is NaN, infinite, or outside [-180, 180] / [-90, 90]; the message
        names the argument and the first bad row.
    """
    lon_a = np.atleast_1d(np.asarray(lon, dtype="float64"))
    lat_a = np.atleast_1d(np.asarray(lat, dtype="float64"))
    if lon_a.shape != lat_a.shape:
        raise CoordinateError(
            f"{name}: lon and lat have different shapes {lon_a.shape} and {lat_a.shape}"
        )
    bad = ~np.isfinite(lon_a) | ~np.isfinite(lat_a)
    if bad.any():
        pos = int(np.flatnonzero(bad.ravel())[0])
        raise CoordinateError(
            f"{name}: {_row_label(index, pos)} has a NaN or infinite coordinate "
            f"(lon={lon_a.ravel()[pos]}, lat={lat_a.ravel()[pos]}); drop or fix it"
        )
    bad = np.abs(lat_a) > 90
    if bad.any():
        pos = int(np.flatnonzero(bad.ravel())[0])
        raise CoordinateError(
            f"{name}: {_row_label(index, pos)} has latitude {lat_a.ravel()[pos]} outside "
            "[-90, 90]; coordinates are (lon, lat) - were they swapped?"
        )
    bad = np.abs(lon_a) > 180
    if bad.any():
        pos = int(np.flatnonzero(bad.ravel())[0])
        raise CoordinateError(
            f"{name}: {_row_label(index, pos)} has longitude {lon_a.ravel()[pos]} outside "
            "[-180, 180]; check the units and the CRS"
        )
    return lon_a, lat_a


def ensure_crs(frame: Any, *, name: str = "layer", crs: Any = None) -> Any:
    """Return *frame* with a CRS, using *crs* only when the frame has none.

    Raises
    ------
    CRSError
        If neither the frame nor the caller states a CRS.
    """
    if getattr(frame, "crs", None) is None:
        if crs is None:
            raise CRSError(
                f"{name} has no CRS; pass crs='EPSG:4326' (or the right one) to state it"
            )
        return frame.set_crs(crs)
    return frame


def to_wgs84(frame: Any, *, name: str = "layer", crs: Any = None) -> Any:
    """Return a GeoDataFrame/GeoSeries in EPSG:4326 (lon, lat), checking its values.

    Raises
    ------
    CRSError
        If the CRS is missing and not stated.
    GeometryError
        If a geometry is missing or empty.
    CoordinateError
        If a coordinate is NaN, infinite or out of range.
    """
    frame = ensure_crs(frame, name=name, crs=crs)
    if not pyproj.CRS(frame.crs).equals(WGS84, ignore_axis_order=True):
        frame = frame.to_crs(WGS84)
    geoms = frame.geometry if hasattr(frame, "geometry") else frame
    missing = geoms.isna().to_numpy() | geoms.is_empty.to_numpy()
    if missing.any():
        pos = int(np.flatnonzero(missing)[0])
        raise GeometryError(
            f"{name}: {_row_label(frame.index, pos)} has a missing or empty geometry; "
            "drop it before measuring"
        )
    import shapely

    coords, owner = shapely.get_coordinates(geoms.to_numpy(), return_index=True)
    if len(coords):
        check_lonlat(coords[:, 0], coords[:, 1], name=name, index=frame.index[owner])
    return frame
