"""The in-memory measurements behind :mod:`borderkit.measure` (private).

:mod:`borderkit.measure` documents the public functions and hands dask
collections to :mod:`borderkit._dask`; everything else is computed here, on
points parsed by :mod:`borderkit._inputs`. :mod:`borderkit._dask` runs these
same functions on every partition, so the partitioned results are bit-for-bit
the in-memory ones. Signatures match the public functions; the docstrings are
theirs (see :mod:`borderkit.measure`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._ellipsoid import GEOD, densify, unwrap_lon
from ._geodesic import SegmentIndex
from ._inputs import (
    _broadcast,
    _check_distance,
    _geometry,
    _Points,
    _points,
    _result_index,
)
from ._validate import to_wgs84
from .errors import DataError

__all__ = [
    "Distance",
    "area",
    "distance",
    "distance_matrix",
    "distance_to",
    "geodesic_line",
    "length",
    "nearest_point",
    "within",
]


class Distance(NamedTuple):
    """Distance between two single points, with azimuths in degrees.

    ``azimuth_fwd_deg`` is the direction from ``a`` towards ``b`` at ``a``;
    ``azimuth_back_deg`` is the direction from ``b`` back towards ``a`` at ``b``
    (both clockwise from north, in (-180, 180]).
    """

    distance_m: float
    azimuth_fwd_deg: float
    azimuth_back_deg: float


# its public home: reprs, pickles and the docs name borderkit.measure.Distance
Distance.__module__ = "borderkit.measure"


def _bounds_columns(
    d: np.ndarray, precision: np.ndarray | None
) -> dict[str, np.ndarray]:
    if precision is None:
        return {}
    return {
        "distance_min_m": np.maximum(d - precision, 0.0),
        "distance_max_m": d + precision,
    }


# ---------------------------------------------------------------- point to point
def distance(
    a: Any, b: Any, /, *, azimuths: bool = False, crs: Any = None
) -> float | Distance | pd.Series | pd.DataFrame:
    """In-memory :func:`borderkit.measure.distance`."""
    pa, pb = _points(a, "a", crs), _points(b, "b", crs)
    lon1, lat1, lon2, lat2 = _broadcast(pa, pb)
    az12, az21, d = GEOD.inv(lon1, lat1, lon2, lat2)
    d = np.asarray(d, dtype="float64")
    if pa.scalar and pb.scalar:
        if azimuths:
            return Distance(float(d[0]), float(az12[0]), float(az21[0]))
        return float(d[0])
    index = _result_index(pa, pb, len(d))
    precision = _combined_precision(pa, pb, len(d))
    if not azimuths and precision is None:
        return pd.Series(d, index=index, name="distance_m")
    cols: dict[str, Any] = {"distance_m": d}
    cols.update(_bounds_columns(d, precision))
    if azimuths:
        cols["azimuth_fwd_deg"] = np.asarray(az12)
        cols["azimuth_back_deg"] = np.asarray(az21)
    return pd.DataFrame(cols, index=index)


def _combined_precision(pa: _Points, pb: _Points, n: int) -> np.ndarray | None:
    if pa.precision is None and pb.precision is None:
        return None
    total = np.zeros(n)
    for p in (pa, pb):
        if p.precision is not None:
            total = total + p.precision
    return total


def distance_matrix(a: Any, b: Any, /, *, crs: Any = None) -> pd.DataFrame:
    """:func:`borderkit.measure.distance_matrix`."""
    pa, pb = _points(a, "a", crs), _points(b, "b", crs)
    n, m = len(pa), len(pb)
    lon1 = np.repeat(pa.lon, m)
    lat1 = np.repeat(pa.lat, m)
    lon2 = np.tile(pb.lon, n)
    lat2 = np.tile(pb.lat, n)
    _, _, d = GEOD.inv(lon1, lat1, lon2, lat2)
    index = pa.index if not pa.scalar else pd.RangeIndex(1)
    columns = pb.index if not pb.scalar else pd.RangeIndex(1)
    return pd.DataFrame(np.asarray(d).reshape(n, m), index=index, columns=columns)


# ---------------------------------------------------------------- point to geometry
def _measure_to(
    points: Any, geometry: Any, boundary: bool, crs: Any
) -> tuple[_Points, np.ndarray, np.ndarray, np.ndarray]:
    pts = _points(points, "points", crs)
    geom = _geometry(geometry, "geometry", crs)
    if len(pts) == 0:
        empty = np.empty(0)
        return pts, empty, empty, empty
    # centred on the geometry alone: a point's distance must not depend on the other
    # points of the call (the dask path measures partition by partition)
    index = SegmentIndex(geom)
    d, qlon, qlat = index.query(pts.lon, pts.lat, boundary=boundary)
    return pts, d, qlon, qlat


def distance_to(
    points: Any, geometry: Any, /, *, boundary: bool = False, crs: Any = None
) -> pd.Series | pd.DataFrame:
    """In-memory :func:`borderkit.measure.distance_to`."""
    pts, d, _, _ = _measure_to(points, geometry, boundary, crs)
    extra = _bounds_columns(d, pts.precision)
    if extra:
        return pd.DataFrame({"distance_m": d, **extra}, index=pts.index)
    return pd.Series(d, index=pts.index, name="distance_m")


def nearest_point(
    points: Any, geometry: Any, /, *, boundary: bool = False, crs: Any = None
) -> gpd.GeoDataFrame:
    """In-memory :func:`borderkit.measure.nearest_point`."""
    pts, d, qlon, qlat = _measure_to(points, geometry, boundary, crs)
    return gpd.GeoDataFrame(
        {"distance_m": d, **_bounds_columns(d, pts.precision)},
        geometry=shapely.points(qlon, qlat) if len(d) else [],
        index=pts.index,
        crs="EPSG:4326",
    )


def within(
    points: Any, geometry: Any, distance_m: float, /, *, boundary: bool = False, crs: Any = None
) -> gpd.GeoDataFrame:
    """In-memory :func:`borderkit.measure.within`."""
    limit = _check_distance(distance_m, "distance_m", allow_negative=False)
    pts, d, _, _ = _measure_to(points, geometry, boundary, crs)
    if pts.frame is not None:
        out = gpd.GeoDataFrame(pts.frame.copy(), geometry=pts.frame.geometry.name)
    else:
        out = gpd.GeoDataFrame(
            geometry=shapely.points(pts.lon, pts.lat) if len(pts) else [],
            index=pts.index,
            crs="EPSG:4326",
        )
    out["distance_m"] = d
    out["within"] = d <= limit
    bounds = _bounds_columns(d, pts.precision)
    for key, value in bounds.items():
        out[key] = value
    if bounds:
        out["within_possible"] = bounds["distance_min_m"] <= limit
        out["within_certain"] = bounds["distance_max_m"] <= limit
    return out


# ---------------------------------------------------------------- area and length
def _per_geometry(
    geometry: Any, crs: Any, measure: Callable[[shapely.Geometry], float], column: str
) -> float | pd.Series:
    """Apply *measure* to one shapely geometry (a float) or to each row (a Series)."""
    if not isinstance(geometry, gpd.GeoSeries | gpd.GeoDataFrame):
        return measure(_geometry(geometry, "geometry", crs))
    if len(geometry) == 0:
        return pd.Series([], index=geometry.index, name=column, dtype="float64")
    wgs = to_wgs84(geometry, name="geometry", crs=crs)
    geoms = wgs.geometry if isinstance(wgs, gpd.GeoDataFrame) else wgs
    values = [measure(g) for g in geoms.values]
    return pd.Series(values, index=wgs.index, name=column, dtype="float64")


def _ring_area(ring: shapely.LinearRing) -> float:
    xy = shapely.get_coordinates(ring)
    signed, _ = GEOD.polygon_area_perimeter(xy[:, 0], xy[:, 1])
    return abs(signed)


def _area_one(geom: shapely.Geometry) -> float:
    total = 0.0
    for part in shapely.get_parts(geom):
        if isinstance(part, shapely.Polygon):
            total += _ring_area(part.exterior) - sum(_ring_area(r) for r in part.interiors)
        elif isinstance(part, shapely.GeometryCollection | shapely.MultiPolygon):
            total += _area_one(part)
    return total


def _length_one(geom: shapely.Geometry) -> float:
    total = 0.0
    for part in shapely.get_parts(geom):
        if isinstance(part, shapely.Polygon):
            lines = [part.exterior, *part.interiors]
        elif isinstance(part, shapely.LineString):
            lines = [part]
        elif isinstance(part, shapely.GeometryCollection):
            total += _length_one(part)
            continue
        else:
            continue
        for line in lines:
            xy = shapely.get_coordinates(line)
            total += GEOD.line_length(xy[:, 0], xy[:, 1])
    return total


def area(geometry: Any, /, *, crs: Any = None) -> float | pd.Series:
    """:func:`borderkit.measure.area`."""
    return _per_geometry(geometry, crs, _area_one, "area_m2")


def length(geometry: Any, /, *, crs: Any = None) -> float | pd.Series:
    """:func:`borderkit.measure.length`."""
    return _per_geometry(geometry, crs, _length_one, "length_m")


# ---------------------------------------------------------------- drawing helpers
def _split_at_antimeridian(lon: np.ndarray, lat: np.ndarray) -> list[np.ndarray]:
    """Pieces of a path with continuous longitudes, each moved into [-180, 180]."""
    lon = unwrap_lon(lon)
    shift = np.floor((lon + 180.0) / 360.0)
    if (shift == shift[0]).all():
        return [np.column_stack([lon - 360.0 * shift[0], lat])]
    pieces = []
    current = [(lon[0] - 360.0 * shift[0], lat[0])]
    for i in range(1, len(lon)):
        if shift[i] != shift[i - 1]:
            edge = 360.0 * max(shift[i], shift[i - 1]) - 180.0
            frac = (edge - lon[i - 1]) / (lon[i] - lon[i - 1])
            lat_x = lat[i - 1] + frac * (lat[i] - lat[i - 1])
            current.append((edge - 360.0 * shift[i - 1], lat_x))
            pieces.append(np.array(current))
            current = [(edge - 360.0 * shift[i], lat_x)]
        current.append((lon[i] - 360.0 * shift[i], lat[i]))
    pieces.append(np.array(current))
    return pieces


def geodesic_line(
    a: Any, b: Any, /, *, max_segment_m: float = 1_000.0, crs: Any = None
) -> gpd.GeoDataFrame:
    """:func:`borderkit.measure.geodesic_line`."""
    step = _check_distance(max_segment_m, "max_segment_m", allow_negative=False)
    if step <= 0:
        raise DataError(f"max_segment_m must be positive, not {max_segment_m!r}")
    pa, pb = _points(a, "a", crs), _points(b, "b", crs)
    lon1, lat1, lon2, lat2 = _broadcast(pa, pb)
    _, _, dist = GEOD.inv(lon1, lat1, lon2, lat2)
    geoms = []
    for i in range(len(lon1)):
        lon, lat = densify(np.array([lon1[i], lon2[i]]), np.array([lat1[i], lat2[i]]), step)
        pieces = _split_at_antimeridian(lon, lat)
        if len(pieces) == 1:
            geoms.append(shapely.LineString(pieces[0]))
        else:
            geoms.append(shapely.MultiLineString(pieces))
    index = _result_index(pa, pb, len(dist))
    return gpd.GeoDataFrame(
        {"length_m": np.asarray(dist, dtype="float64")},
        geometry=geoms,
        index=index,
        crs="EPSG:4326",
    )
