"""The map projection: a conformal CRS for the area, transforms, and boxes in map units.

Nothing here draws; :mod:`._frame` fits these boxes to the figure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyproj
import shapely

from .._validate import transformer
from ..errors import CRSError


def auto_crs(bounds: Sequence[float], /) -> pyproj.CRS:
    """A conformal projection suited to a lon/lat box.

    Lambert conformal conic with standard parallels at 1/6 and 5/6 of the
    latitude span, centred on the box; Mercator centred on the box when the
    standard parallels would straddle the equator.

    Parameters
    ----------
    bounds : (lon_min, lat_min, lon_max, lat_max)
        Degrees.

    Returns
    -------
    pyproj.CRS
        A projected CRS in metres on the WGS84 datum.

    Raises
    ------
    CRSError
        If the bounds are not finite or not in order.

    Examples
    --------
    >>> crs = auto_crs((67.0, 36.5, 75.5, 41.2))
    >>> crs.coordinate_operation.method_name
    'Lambert Conic Conformal (2SP)'
    >>> [round(p.value, 3) for p in crs.coordinate_operation.params][:4]
    [38.85, 71.25, 37.283, 40.417]
    """
    try:
        x0, y0, x1, y1 = (float(v) for v in bounds)
    except (TypeError, ValueError) as err:
        raise CRSError(f"bounds must be (lon_min, lat_min, lon_max, lat_max), got {bounds!r}"
                       ) from err
    if not all(math.isfinite(v) for v in (x0, y0, x1, y1)) or x1 < x0 or y1 < y0:
        raise CRSError(f"bounds must be finite (lon_min, lat_min, lon_max, lat_max), got "
                       f"{tuple(bounds)!r}")
    lon0 = (x0 + x1) / 2
    lon0 = ((lon0 + 180.0) % 360.0) - 180.0
    lat0 = (y0 + y1) / 2
    span = max(y1 - y0, 1e-3)
    lat1 = max(min(y0 + span / 6, 89.0), -89.0)
    lat2 = max(min(y0 + 5 * span / 6, 89.0), -89.0)
    if lat1 * lat2 <= 0 or min(abs(lat1), abs(lat2)) < 0.5:
        proj = f"+proj=merc +lon_0={lon0:.6f} +lat_ts=0"
    else:
        proj = (f"+proj=lcc +lat_1={lat1:.6f} +lat_2={lat2:.6f} +lat_0={lat0:.6f} "
                f"+lon_0={lon0:.6f}")
    return pyproj.CRS.from_proj4(proj + " +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs")


def _as_crs(crs: Any) -> pyproj.CRS:
    try:
        out = pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError as err:
        raise CRSError(f"crs={crs!r} is not a CRS pyproj understands: {err}") from err
    return out


class _Proj:
    """Forward/inverse transforms between lon/lat and the map CRS."""

    def __init__(self, crs: pyproj.CRS) -> None:
        self.crs = crs
        key = crs.to_wkt()
        self.fwd = transformer("EPSG:4326", key)
        self.inv = transformer(key, "EPSG:4326")

    def xy(self, lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
        x, y = self.fwd.transform(np.asarray(lon, float), np.asarray(lat, float))
        return np.asarray(x, float), np.asarray(y, float)

    def lonlat(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        lon, lat = self.inv.transform(np.asarray(x, float), np.asarray(y, float))
        return np.asarray(lon, float), np.asarray(lat, float)


def _ring(x0: float, y0: float, x1: float, y1: float, n: int = 64) -> tuple[np.ndarray, ...]:
    t = np.linspace(0.0, 1.0, n)
    xs = np.concatenate([x0 + (x1 - x0) * t, np.full(n, x1), x1 - (x1 - x0) * t, np.full(n, x0)])
    ys = np.concatenate([np.full(n, y0), y0 + (y1 - y0) * t, np.full(n, y1), y1 - (y1 - y0) * t])
    return xs, ys


def _finite_box(xs: np.ndarray, ys: np.ndarray, what: str) -> tuple[float, float, float, float]:
    ok = np.isfinite(xs) & np.isfinite(ys)
    if not ok.any():
        raise CRSError(f"{what} cannot be shown in this projection; choose another crs=")
    return float(xs[ok].min()), float(ys[ok].min()), float(xs[ok].max()), float(ys[ok].max())


def _fit_aspect(box: tuple[float, float, float, float],
                aspect: float) -> tuple[float, float, float, float]:
    """Grow *box* (x0, y0, x1, y1) around its centre to width/height == aspect."""
    x0, y0, x1, y1 = box
    w, h = max(x1 - x0, 1e-9), max(y1 - y0, 1e-9)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    if w / h < aspect:
        w = h * aspect
    else:
        h = w / aspect
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


def _lonlat_box(proj: _Proj, extent: Sequence[float], grow: float) -> tuple[float, ...]:
    """A lon/lat box covering a map extent, grown by a fraction of its size."""
    lon, lat = proj.lonlat(*_ring(extent[0], extent[1], extent[2], extent[3]))
    x0, y0, x1, y1 = _finite_box(lon, lat, "the map extent")
    dx, dy = (x1 - x0) * grow + 0.5, (y1 - y0) * grow + 0.5
    return max(x0 - dx, -180.0), max(y0 - dy, -89.9), min(x1 + dx, 180.0), min(y1 + dy, 89.9)


def _project(frame: Any, proj: _Proj, clip: Sequence[float]) -> Any:
    """Clip a lon/lat frame to a box and project it; empty results are dropped."""
    geoms = shapely.clip_by_rect(frame.geometry.to_numpy(), *clip)
    keep = ~shapely.is_empty(geoms)
    out = frame[keep].copy()
    out = out.set_geometry(geoms[keep]).to_crs(proj.crs)
    return out
