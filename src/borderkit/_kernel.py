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
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._ellipsoid import GEOD, densify, unwrap_lon
from ._geodesic import SegmentIndex
from ._inputs import (
    _broadcast,
    _check_distance,
    _features,
    _geometry,
    _Points,
    _points,
    _result_index,
    _row_names,
    _wants_rows,
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


class Distance(float):
    """The distance between two single places: a float of metres with its range.

    It is a ``float`` (``float(d)``, ``round(d)``, ``d / 1000`` and
    :func:`json.dumps` see the metres), with:

    * ``m`` (also ``distance_m``): the geodesic distance in metres;
    * ``min_m`` / ``max_m``: the smallest and largest distance in metres
      consistent with the places' ``precision_m`` (both equal ``m`` when the
      places are exact, as plain coordinates always are);
    * ``azimuth_fwd_deg``: the direction from ``a`` towards ``b`` at ``a``, and
      ``azimuth_back_deg``: from ``b`` back towards ``a`` at ``b`` (degrees
      clockwise from north, in (-180, 180]).

    :func:`borderkit.measure.format_distance` shows the range as ``± ...``.

    Examples
    --------
    >>> from borderkit.measure import Distance
    >>> d = Distance(1000.0, 90.0, -90.0, min_m=500.0, max_m=1500.0)
    >>> d.m, d.min_m, d.max_m, d.exact, float(d) / 1000
    (1000.0, 500.0, 1500.0, False, 1.0)
    >>> Distance(2.5).max_m
    2.5
    """

    __slots__ = ("_fwd", "_back", "_min", "_max")
    _fwd: float
    _back: float
    _min: float
    _max: float

    def __new__(
        cls,
        distance_m: float,
        azimuth_fwd_deg: float = float("nan"),
        azimuth_back_deg: float = float("nan"),
        *,
        min_m: float | None = None,
        max_m: float | None = None,
    ) -> Distance:
        self = super().__new__(cls, distance_m)
        value = float(self)
        self._fwd = float(azimuth_fwd_deg)
        self._back = float(azimuth_back_deg)
        self._min = value if min_m is None else float(min_m)
        self._max = value if max_m is None else float(max_m)
        return self

    @property
    def m(self) -> float:
        """The geodesic distance in metres (a plain float)."""
        return float(self)

    @property
    def distance_m(self) -> float:
        """The same as :attr:`m` (the name of the column in table results)."""
        return float(self)

    @property
    def min_m(self) -> float:
        """The smallest distance in metres consistent with the places' precision."""
        return self._min

    @property
    def max_m(self) -> float:
        """The largest distance in metres consistent with the places' precision."""
        return self._max

    @property
    def exact(self) -> bool:
        """True when both places are exact (``min_m == max_m == m``)."""
        return self._min == self._max == float(self)

    @property
    def azimuth_fwd_deg(self) -> float:
        """Direction from ``a`` towards ``b`` at ``a``, degrees clockwise from north."""
        return self._fwd

    @property
    def azimuth_back_deg(self) -> float:
        """Direction from ``b`` back towards ``a`` at ``b``, degrees clockwise from north."""
        return self._back

    def to_dict(self) -> dict[str, float]:
        """The values under the column names of the table results."""
        return {"distance_m": float(self), "distance_min_m": self._min,
                "distance_max_m": self._max, "azimuth_fwd_deg": self._fwd,
                "azimuth_back_deg": self._back}

    def __repr__(self) -> str:
        return (f"Distance(m={float(self)!r}, min_m={self._min!r}, max_m={self._max!r}, "
                f"azimuth_fwd_deg={self._fwd!r}, azimuth_back_deg={self._back!r})")

    def __reduce__(self) -> tuple[Any, ...]:
        return (_distance_from, (float(self), self._fwd, self._back, self._min, self._max))


def _distance_from(m: float, fwd: float, back: float, lo: float, hi: float) -> Distance:
    """Rebuild a pickled :class:`Distance`."""
    return Distance(m, fwd, back, min_m=lo, max_m=hi)


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
    a: Any, b: Any, /, *, azimuths: bool = False, crs: Any = None, places: bool = False
) -> Distance | pd.Series | pd.DataFrame:
    """In-memory :func:`borderkit.measure.distance`.

    With ``places=True`` (the public function) a one-row frame counts as a
    single place, like a ``(lon, lat)`` tuple; the partitioned path leaves it
    False, so that every partition gives a table.
    """
    pa, pb = _points(a, "a", crs), _points(b, "b", crs)
    lon1, lat1, lon2, lat2 = _broadcast(pa, pb)
    az12, az21, d = GEOD.inv(lon1, lat1, lon2, lat2)
    d = np.asarray(d, dtype="float64")
    precision = _combined_precision(pa, pb, len(d))
    if _single(pa, places) and _single(pb, places):
        bounds = _bounds_columns(d, precision)
        return Distance(
            float(d[0]), float(az12[0]), float(az21[0]),
            min_m=float(bounds["distance_min_m"][0]) if bounds else None,
            max_m=float(bounds["distance_max_m"][0]) if bounds else None,
        )
    index = _result_index(pa, pb, len(d))
    if not azimuths and precision is None:
        return pd.Series(d, index=index, name="distance_m")
    cols: dict[str, Any] = {"distance_m": d}
    cols.update(_bounds_columns(d, precision))
    if azimuths:
        cols["azimuth_fwd_deg"] = np.asarray(az12)
        cols["azimuth_back_deg"] = np.asarray(az21)
    return pd.DataFrame(cols, index=index)


def _single(p: _Points, places: bool) -> bool:
    """One place: a scalar point, or (for the public API) a frame of one row."""
    return p.scalar or (places and p.frame_input and len(p) == 1)


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
    index = pd.RangeIndex(1) if pa.scalar else _row_names(a)
    columns = pd.RangeIndex(1) if pb.scalar else _row_names(b)
    return pd.DataFrame(
        np.asarray(d).reshape(n, m),
        index=pa.index if index is None else index,
        columns=pb.index if columns is None else columns,
    )


# ---------------------------------------------------------------- point to geometry
def _measure_to(
    points: Any, geometry: Any, boundary: bool, crs: Any, nearest: Any = None
) -> tuple[_Points, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
    """Distances, nearest points and (with ``nearest=``) the nearest feature's column."""
    pts = _points(points, "points", crs)
    if _wants_rows(nearest):
        rows, labels, column = _features(geometry, nearest, "geometry", crs)
        target: Any = rows
    else:
        target = _geometry(geometry, "geometry", crs)
    if len(pts) == 0:
        empty = np.empty(0)
        extra = {column: labels.take([]).array} if _wants_rows(nearest) else {}
        return pts, empty, empty, empty, extra
    # centred on the geometry alone: a point's distance must not depend on the other
    # points of the call (the dask path measures partition by partition)
    index = SegmentIndex(target)
    if not _wants_rows(nearest):
        d, qlon, qlat = index.query(pts.lon, pts.lat, boundary=boundary)
        return pts, d, qlon, qlat, {}
    d, qlon, qlat, row = index.query_rows(pts.lon, pts.lat, boundary=boundary)
    return pts, d, qlon, qlat, {column: labels.take(row).array}


def distance_to(
    points: Any, geometry: Any, /, *, boundary: bool = False, crs: Any = None,
    nearest: Any = None,
) -> pd.Series | pd.DataFrame:
    """In-memory :func:`borderkit.measure.distance_to`."""
    pts, d, _, _, near = _measure_to(points, geometry, boundary, crs, nearest)
    extra = _bounds_columns(d, pts.precision)
    if extra or near:
        return pd.DataFrame({"distance_m": d, **extra, **near}, index=pts.index)
    return pd.Series(d, index=pts.index, name="distance_m")


def nearest_point(
    points: Any, geometry: Any, /, *, boundary: bool = False, crs: Any = None,
    nearest: Any = None,
) -> gpd.GeoDataFrame:
    """In-memory :func:`borderkit.measure.nearest_point`."""
    pts, d, qlon, qlat, near = _measure_to(points, geometry, boundary, crs, nearest)
    return gpd.GeoDataFrame(
        {"distance_m": d, **_bounds_columns(d, pts.precision), **near},
        geometry=shapely.points(qlon, qlat) if len(d) else [],
        index=pts.index,
        crs="EPSG:4326",
    )


def within(
    points: Any, geometry: Any, distance_m: float, /, *, boundary: bool = False, crs: Any = None,
    nearest: Any = None,
) -> gpd.GeoDataFrame:
    """In-memory :func:`borderkit.measure.within`."""
    limit = _check_distance(distance_m, "distance_m", allow_negative=False)
    pts, d, _, _, near = _measure_to(points, geometry, boundary, crs, nearest)
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
    for key, value in near.items():
        out[key] = value
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
