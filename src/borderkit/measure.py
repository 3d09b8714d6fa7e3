"""Exact geodesic measurement on the WGS84 ellipsoid.

Every function here measures along geodesics (Karney's algorithm through
:class:`pyproj.Geod`), never on a projection: distances between points,
from points to lines and polygons (the nearest point on the geodesic segment,
not the nearest vertex), areas, lengths and drawable geodesic paths.

Conventions
-----------
* Coordinates are ``(lon, lat)`` in degrees, in that order, everywhere. A
  coordinate outside [-180, 180] x [-90, 90] raises :class:`CoordinateError`
  naming the row (a swapped pair with ``|lat| > 90`` is caught this way; a
  swapped pair that is still in range cannot be detected).
* Points may be given as a ``(lon, lat)`` tuple of scalars or of arrays, a
  shapely ``Point``, a list/array of Points, an ``(n, 2)`` array of lon/lat
  rows, a DataFrame with ``lon``/``lat`` columns, or a GeoSeries/GeoDataFrame
  of points in any CRS (transformed to EPSG:4326 with ``always_xy``). Plain
  coordinates and shapely geometries are EPSG:4326 unless ``crs=`` says
  otherwise.
* Metres in, metres out; the unit is in every column name (``distance_m``,
  ``area_m2``). :func:`format_distance` converts for labels.
* A GeoDataFrame of points with a ``precision_m`` column (the radius within
  which the true location lies) adds ``distance_min_m`` / ``distance_max_m``.
* :func:`distance`, :func:`distance_to`, :func:`nearest_point` and :func:`within`
  also take a dask_geopandas GeoDataFrame/GeoSeries (or a dask DataFrame with
  lon/lat columns) and return the matching lazy dask object, computed per
  partition by these same functions (extra ``pip install "borderkit[dask]"``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from ._geodesic import GEOD, SegmentIndex, densify, transform_geometry, unwrap_lon
from ._validate import WGS84, check_lonlat, to_wgs84, transformer
from .errors import CoordinateError, CRSError, DataError, GeometryError

__all__ = [
    "Distance",
    "area",
    "distance",
    "distance_matrix",
    "distance_to",
    "format_distance",
    "geodesic_line",
    "length",
    "nearest_point",
    "within",
]

log = logging.getLogger(__name__)

_UNITS_M = {"m": 1.0, "km": 1000.0, "mi": 1609.344, "nmi": 1852.0}


class Distance(NamedTuple):
    """Distance between two single points, with azimuths in degrees.

    ``azimuth_fwd_deg`` is the direction from ``a`` towards ``b`` at ``a``;
    ``azimuth_back_deg`` is the direction from ``b`` back towards ``a`` at ``b``
    (both clockwise from north, in (-180, 180]).
    """

    distance_m: float
    azimuth_fwd_deg: float
    azimuth_back_deg: float


# ---------------------------------------------------------------- input parsing
@dataclass
class _Points:
    lon: np.ndarray
    lat: np.ndarray
    index: pd.Index
    scalar: bool
    precision: np.ndarray | None
    frame: gpd.GeoDataFrame | None = None

    def __len__(self) -> int:
        return len(self.lon)


def _crs_key(crs: Any) -> str | None:
    """A CRS string for the cached transformer, or None when it is EPSG:4326."""
    if crs is None:
        return None
    try:
        parsed = pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError as err:
        raise CRSError(f"crs={crs!r} is not a CRS pyproj understands: {err}") from err
    if parsed.equals(WGS84, ignore_axis_order=True):
        return None
    return parsed.to_string()


def _reproject(lon: np.ndarray, lat: np.ndarray, crs: Any) -> tuple[np.ndarray, np.ndarray]:
    key = _crs_key(crs)
    if key is None:
        return lon, lat
    x, y = transformer(key).transform(lon, lat)
    return np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64")


def _points(obj: Any, name: str, crs: Any = None) -> _Points:
    """Parse any supported point input into lon/lat arrays (validated)."""
    precision = None
    frame = None
    if isinstance(obj, gpd.GeoSeries | gpd.GeoDataFrame):
        wgs = to_wgs84(obj, name=name, crs=crs)
        frame = wgs if isinstance(wgs, gpd.GeoDataFrame) else wgs.to_frame("geometry")
        geoms = np.asarray(frame.geometry.values)
        types = shapely.get_type_id(geoms)
        bad = np.flatnonzero(types != shapely.GeometryType.POINT)
        if len(bad):
            raise GeometryError(
                f"{name}: row {frame.index[bad[0]]!r} is a {shapely.get_type_id(geoms[bad[0]])!r}"
                f" ({geoms[bad[0]].geom_type}); pass points, or use their centroids"
            )
        lon, lat = shapely.get_x(geoms), shapely.get_y(geoms)
        if "precision_m" in frame.columns:
            precision = _precision(frame["precision_m"], name)
        return _Points(lon, lat, frame.index, False, precision, frame)
    if isinstance(obj, pd.DataFrame):
        cols = {str(c).lower(): c for c in obj.columns}
        lon_col = cols.get("lon", cols.get("longitude"))
        lat_col = cols.get("lat", cols.get("latitude"))
        if lon_col is None or lat_col is None:
            raise DataError(
                f"{name}: a DataFrame needs 'lon' and 'lat' columns (has {list(obj.columns)})"
            )
        lon, lat = _reproject(
            obj[lon_col].to_numpy(dtype="float64"), obj[lat_col].to_numpy(dtype="float64"), crs
        )
        lon, lat = check_lonlat(lon, lat, name=name, index=obj.index)
        if "precision_m" in obj.columns:
            precision = _precision(obj["precision_m"], name)
        return _Points(lon, lat, obj.index, False, precision)
    scalar = False
    if isinstance(obj, shapely.Point):
        if obj.is_empty:
            raise GeometryError(f"{name}: the point is empty")
        lon, lat, scalar = obj.x, obj.y, True
    elif isinstance(obj, tuple) and len(obj) == 2 and not isinstance(obj[0], shapely.Geometry):
        lon, lat = obj
        scalar = np.ndim(lon) == 0 and np.ndim(lat) == 0
    else:
        lon, lat = _sequence_lonlat(obj, name)
    lon_a = np.asarray(lon, dtype="float64")
    lat_a = np.asarray(lat, dtype="float64")
    if not scalar and (lon_a.ndim != 1 or lat_a.ndim != 1):
        raise CoordinateError(f"{name}: lon and lat must be scalars or 1-D arrays")
    lon_a, lat_a = _reproject(lon_a, lat_a, crs)
    index = pd.RangeIndex(np.size(lon_a))
    lon_a, lat_a = check_lonlat(lon_a, lat_a, name=name, index=index)
    return _Points(lon_a, lat_a, index, scalar, None)


def _precision(column: pd.Series, name: str) -> np.ndarray:
    """The ``precision_m`` column as floats, each finite and >= 0 (else a DataError).

    A negative or NaN radius would give bounds that claim too much (a place
    outside the limit reported as certainly within it).
    """
    try:
        values = column.to_numpy(dtype="float64")
    except (TypeError, ValueError) as err:
        raise DataError(f"{name}: precision_m must be numbers of metres: {err}") from err
    bad = np.flatnonzero(~np.isfinite(values) | (values < 0))
    if len(bad):
        raise DataError(
            f"{name}: row {column.index[bad[0]]!r} has precision_m {values[bad[0]]:g}; it must be "
            "a finite radius in metres >= 0 (0 for an exact place), or drop the column"
        )
    return values


def _sequence_lonlat(obj: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(obj, str | bytes) or not isinstance(obj, Iterable | np.ndarray):
        raise CoordinateError(
            f"{name}: expected a (lon, lat) tuple, a shapely Point, points, an (n, 2) array "
            f"or a GeoSeries/GeoDataFrame, not {type(obj).__name__}"
        )
    items = obj if isinstance(obj, np.ndarray) else list(obj)
    if len(items) and all(isinstance(p, shapely.Geometry) for p in items):
        geoms = np.asarray(items, dtype=object)
        bad = np.flatnonzero(
            (shapely.get_type_id(geoms) != shapely.GeometryType.POINT) | shapely.is_empty(geoms)
        )
        if len(bad):
            raise GeometryError(f"{name}: item {bad[0]} is not a non-empty Point")
        return shapely.get_x(geoms), shapely.get_y(geoms)
    try:
        arr = np.asarray(items, dtype="float64")
    except (TypeError, ValueError) as err:
        raise CoordinateError(f"{name}: cannot read coordinates: {err}") from err
    if arr.size == 0:
        return np.empty(0), np.empty(0)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise CoordinateError(
            f"{name}: expected rows of (lon, lat), got an array of shape {arr.shape}; "
            "a (lon_array, lat_array) pair must be a tuple"
        )
    return arr[:, 0], arr[:, 1]


def _geometry(obj: Any, name: str, crs: Any = None) -> shapely.Geometry:
    """A single lon/lat shapely geometry from a geometry, GeoSeries or GeoDataFrame.

    Polygons of several rows are unioned (shared edges are not a boundary);
    lines and points are kept as they are.
    """
    if isinstance(obj, gpd.GeoSeries | gpd.GeoDataFrame):
        wgs = to_wgs84(obj, name=name, crs=crs)
        geoms = np.asarray(wgs.geometry.values if isinstance(wgs, gpd.GeoDataFrame) else wgs.values)
        if len(geoms) == 0:
            raise GeometryError(f"{name}: has no rows; nothing to measure to")
        if len(geoms) == 1:
            return geoms[0]
        return _union_polygons(geoms)
    if not isinstance(obj, shapely.Geometry):
        raise GeometryError(
            f"{name}: expected a shapely geometry, GeoSeries or GeoDataFrame, "
            f"not {type(obj).__name__}"
        )
    if obj.is_empty:
        raise GeometryError(f"{name}: the geometry is empty")
    key = _crs_key(crs)
    if key is not None:
        obj = transform_geometry(obj, transformer(key))
    xy = shapely.get_coordinates(obj)
    check_lonlat(xy[:, 0], xy[:, 1], name=name)
    return obj


def _union_polygons(geoms: np.ndarray) -> shapely.Geometry:
    parts = shapely.get_parts(geoms)
    polygonal = shapely.get_type_id(parts) == shapely.GeometryType.POLYGON
    others = list(parts[~polygonal])
    if polygonal.any():
        others.insert(0, shapely.union_all(parts[polygonal]))
    return shapely.GeometryCollection(others) if len(others) > 1 else others[0]


def _broadcast(pa: _Points, pb: _Points) -> tuple[np.ndarray, ...]:
    """lon1, lat1, lon2, lat2 of equal length; a single point is repeated."""
    n_a, n_b = len(pa), len(pb)
    if n_a != n_b and 1 not in (n_a, n_b):
        raise CoordinateError(
            f"a has {n_a} points and b has {n_b}; pass equal lengths or one point"
        )
    n = n_a if n_b == 1 else n_b
    out: list[np.ndarray] = []
    for p in (pa, pb):
        if len(p) != n:
            out += [np.full(n, p.lon[0]), np.full(n, p.lat[0])]
        else:
            out += [p.lon, p.lat]
    return tuple(out)


def _result_index(pa: _Points, pb: _Points, n: int) -> pd.Index:
    """The index of an element-wise result: that of the input with n rows (a first)."""
    for p in (pa, pb):
        if not p.scalar and len(p) == n:
            return p.index
    return pd.RangeIndex(n)


def _dask_input(obj: Any) -> bool:
    """True for a dask collection: those go to :mod:`borderkit._dask` (partitioned)."""
    return callable(getattr(type(obj), "__dask_graph__", None))


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
    """Geodesic distance between points, element-wise.

    Parameters
    ----------
    a, b
        Points (see the module notes for the accepted forms; ``(lon, lat)``
        order). Equal lengths, or one of them a single point.
    azimuths
        Also return the forward azimuth at ``a`` and the back azimuth at ``b``
        (from ``b`` towards ``a``), in degrees clockwise from north.
    crs
        CRS of plain coordinates and shapely points (default EPSG:4326);
        GeoSeries/GeoDataFrame carry their own.

    Returns
    -------
    float, Distance, pandas.Series or pandas.DataFrame
        For two single points: the distance in metres (a :class:`Distance`
        tuple with ``azimuths=True``). Otherwise a Series ``distance_m`` in
        metres indexed like the array input, or a DataFrame when azimuths
        (``azimuth_fwd_deg``, ``azimuth_back_deg``) or uncertainty
        (``distance_min_m``, ``distance_max_m`` from ``precision_m`` columns)
        are reported.

    Raises
    ------
    CoordinateError
        If a coordinate is NaN or out of range (the message names the row), or
        the lengths do not match.
    GeometryError
        If a geometry is not a point or is empty.

    Examples
    --------
    >>> from borderkit.measure import distance
    >>> round(distance((68.78, 38.56), (75.98, 39.47)))  # Dushanbe to Kashgar
    631529
    >>> distance((0, 0), ([0, 1], [1, 0])).round(1).tolist()
    [110574.4, 111319.5]
    """
    if _dask_input(a) or _dask_input(b):
        from . import _dask

        return _dask.distance(a, b, azimuths=azimuths, crs=crs)
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
    """Geodesic distances between every point of *a* and every point of *b*.

    Parameters
    ----------
    a, b
        Points in any accepted form (``(lon, lat)`` order).
    crs
        CRS of plain coordinates (default EPSG:4326).

    Returns
    -------
    pandas.DataFrame
        Distances in metres; the index is that of *a*, the columns that of *b*.

    Raises
    ------
    CoordinateError
        If a coordinate is NaN or out of range.

    Examples
    --------
    >>> from borderkit.measure import distance_matrix
    >>> distance_matrix(([0, 0], [0, 1]), ([1], [0])).round(0)
              0
    0  111319.0
    1  156900.0
    """
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
    """Geodesic distance from each point to the nearest point of a geometry.

    Each segment of *geometry* is read as the geodesic between its vertices, and
    the distance is to the nearest point on it (not the nearest vertex),
    found exactly on the ellipsoid (see :mod:`borderkit._geodesic`).

    Parameters
    ----------
    points
        Points in any accepted form (``(lon, lat)`` order).
    geometry
        A shapely geometry (EPSG:4326 unless ``crs``), GeoSeries or
        GeoDataFrame (rows are combined; polygons are unioned) of lines,
        polygons or points.
    boundary
        Measure to polygon boundaries also from inside. By default a point
        inside a polygon is at distance 0.
    crs
        CRS of plain coordinates and shapely inputs (default EPSG:4326).

    Returns
    -------
    pandas.Series or pandas.DataFrame
        ``distance_m`` in metres, indexed like *points* (a single point gives
        a one-row Series). A DataFrame that adds ``distance_min_m`` and
        ``distance_max_m`` when the points carry ``precision_m``.

    Raises
    ------
    CoordinateError
        If a coordinate is NaN or out of range (the message names the row).
    GeometryError
        If *geometry* is empty or of an unsupported kind, or a point input is
        not a point.

    Examples
    --------
    >>> from shapely import LineString
    >>> from borderkit.measure import distance_to
    >>> line = LineString([(74.0, 37.0), (74.0, 39.0)])
    >>> distance_to((74.1, 38.0), line).round(1).tolist()
    [8783.2]
    """
    if _dask_input(points):
        from . import _dask

        return _dask.distance_to(points, geometry, boundary=boundary, crs=crs)
    pts, d, _, _ = _measure_to(points, geometry, boundary, crs)
    extra = _bounds_columns(d, pts.precision)
    if extra:
        return pd.DataFrame({"distance_m": d, **extra}, index=pts.index)
    return pd.Series(d, index=pts.index, name="distance_m")


def nearest_point(
    points: Any, geometry: Any, /, *, boundary: bool = False, crs: Any = None
) -> gpd.GeoDataFrame:
    """The nearest point of a geometry to each point, and the distance to it.

    Parameters
    ----------
    points
        Points in any accepted form (``(lon, lat)`` order).
    geometry
        Lines, polygons or points (shapely geometry, GeoSeries or GeoDataFrame).
    boundary
        Look for the nearest point of polygon boundaries also from inside; by
        default a point inside a polygon is its own nearest point.
    crs
        CRS of plain coordinates and shapely inputs (default EPSG:4326).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per input point (same index), EPSG:4326: ``distance_m`` (metres)
        and ``geometry``, the nearest point on the geodesic segments.

    Raises
    ------
    CoordinateError
        If a coordinate is NaN or out of range.
    GeometryError
        If *geometry* is empty or unsupported.

    Examples
    --------
    >>> from shapely import LineString
    >>> from borderkit.measure import nearest_point
    >>> near = nearest_point((74.1, 38.0), LineString([(74.0, 37.0), (74.0, 39.0)]))
    >>> print(near.geometry.x[0], round(near.geometry.y[0], 5), round(near.distance_m[0], 1))
    74.0 38.00004 8783.2
    """
    if _dask_input(points):
        from . import _dask

        return _dask.nearest_point(points, geometry, boundary=boundary, crs=crs)
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
    """Which points lie within a geodesic distance of a geometry.

    Parameters
    ----------
    points
        Points in any accepted form; a GeoDataFrame keeps its columns.
    geometry
        Lines, polygons or points (shapely geometry, GeoSeries or GeoDataFrame).
    distance_m
        The distance in metres (>= 0).
    boundary
        Measure to polygon boundaries also from inside (see :func:`distance_to`).
    crs
        CRS of plain coordinates and shapely inputs (default EPSG:4326).

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of the points (EPSG:4326, same index) with ``distance_m`` and the
        boolean ``within``; use ``result["within"]`` as a mask and
        ``result[result["within"]]`` as the tidy table. With ``precision_m``
        also ``distance_min_m``, ``distance_max_m``, ``within_possible``
        (the true place may be within) and ``within_certain`` (it surely is).

    Raises
    ------
    DataError
        If *distance_m* is negative or not finite.
    CoordinateError, GeometryError
        For bad points or geometry, as in :func:`distance_to`.

    Examples
    --------
    >>> from shapely import LineString
    >>> from borderkit.measure import within
    >>> res = within(([74.1, 74.5], [38.0, 38.0]), LineString([(74, 37), (74, 39)]), 10_000)
    >>> res["within"].tolist()
    [True, False]
    """
    if _dask_input(points):
        from . import _dask

        return _dask.within(points, geometry, distance_m, boundary=boundary, crs=crs)
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


def _check_distance(value: Any, name: str, *, allow_negative: bool) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError) as err:
        raise DataError(f"{name} must be a number of metres, not {value!r}") from err
    if not math.isfinite(out) or (out < 0 and not allow_negative):
        raise DataError(f"{name} must be a finite{'' if allow_negative else ' non-negative'} "
                        f"number of metres, not {value!r}")
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
    """Geodesic area of polygons on the WGS84 ellipsoid.

    Holes are subtracted; either ring orientation gives a positive area. Lines
    and points have area 0.

    Parameters
    ----------
    geometry
        A shapely geometry (EPSG:4326 unless ``crs``), GeoSeries or GeoDataFrame.
    crs
        CRS of a shapely input (default EPSG:4326).

    Returns
    -------
    float or pandas.Series
        Square metres: a float for one shapely geometry, else a Series
        ``area_m2`` with the input's index.

    Raises
    ------
    GeometryError
        If a geometry is missing or empty.
    CoordinateError
        If a coordinate is out of range.

    Examples
    --------
    >>> from shapely import box
    >>> from borderkit.measure import area
    >>> round(area(box(0, 0, 1, 1)) / 1e6, 1)  # one degree square at the equator, km2
    12308.8
    >>> area(box(0, 0, 1, 1).reverse()) == area(box(0, 0, 1, 1))
    True
    """
    return _per_geometry(geometry, crs, _area_one, "area_m2")


def length(geometry: Any, /, *, crs: Any = None) -> float | pd.Series:
    """Geodesic length of lines, or perimeter of polygons (all rings).

    Parameters
    ----------
    geometry
        A shapely geometry (EPSG:4326 unless ``crs``), GeoSeries or GeoDataFrame.
    crs
        CRS of a shapely input (default EPSG:4326).

    Returns
    -------
    float or pandas.Series
        Metres: a float for one shapely geometry, else a Series ``length_m``.

    Raises
    ------
    GeometryError
        If a geometry is missing or empty.
    CoordinateError
        If a coordinate is out of range.

    Examples
    --------
    >>> from shapely import LineString
    >>> from borderkit.measure import length
    >>> round(length(LineString([(0, 0), (1, 0)])), 3)
    111319.491
    """
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
    """The geodesic path between pairs of points, densified for drawing.

    Parameters
    ----------
    a, b
        Start and end points (equal lengths, or one single point).
    max_segment_m
        Longest straight piece of the drawn line, in metres.
    crs
        CRS of plain coordinates (default EPSG:4326).

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, one row per pair: ``length_m`` (geodesic length in metres)
        and ``geometry``, a LineString through points on the geodesic (a
        MultiLineString when it crosses the antimeridian).

    Raises
    ------
    CoordinateError
        If a coordinate is NaN or out of range, or lengths do not match.
    DataError
        If *max_segment_m* is not a positive number.

    Examples
    --------
    >>> from borderkit.measure import geodesic_line
    >>> line = geodesic_line((68.78, 38.56), (75.98, 39.47), max_segment_m=50_000)
    >>> round(line.length_m[0]), len(line.geometry[0].coords)
    (631529, 14)
    """
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


def format_distance(
    meters: float, /, *, units: str | Iterable[str] = ("km", "mi", "nmi"), digits: int = 1
) -> str:
    """Format a distance in metres for a label, in one or more units.

    Parameters
    ----------
    meters
        The distance in metres.
    units
        One unit or several, from ``"m"``, ``"km"``, ``"mi"`` (statute miles)
        and ``"nmi"`` (nautical miles), in the order shown.
    digits
        Digits after the decimal point.

    Returns
    -------
    str
        For example ``"312.4 km / 194.1 mi / 168.7 nmi"``.

    Raises
    ------
    DataError
        If *meters* is not a finite number, a unit is unknown (the message
        lists the allowed ones) or *digits* is not a non-negative integer.

    Examples
    --------
    >>> from borderkit.measure import format_distance
    >>> format_distance(312_400)
    '312.4 km / 194.1 mi / 168.7 nmi'
    >>> format_distance(1500, units="m", digits=0)
    '1,500 m'
    """
    value = _check_distance(meters, "meters", allow_negative=True)
    wanted = [units] if isinstance(units, str) else list(units)
    if not wanted:
        raise DataError(f"units is empty; choose from {sorted(_UNITS_M)}")
    unknown = [u for u in wanted if u not in _UNITS_M]
    if unknown:
        raise DataError(f"unknown unit(s) {unknown}; allowed values are {sorted(_UNITS_M)}")
    if isinstance(digits, bool) or not isinstance(digits, int | np.integer) or digits < 0:
        raise DataError(f"digits must be a non-negative integer, not {digits!r}")
    return " / ".join(f"{value / _UNITS_M[u]:,.{digits}f} {u}" for u in wanted)
