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
* ``nearest=`` (:func:`distance_to`, :func:`nearest_point`, :func:`within`) also
  names the nearest feature of a GeoDataFrame/GeoSeries target: a column name
  adds ``nearest_<column>`` with the nearest row's value, ``True`` adds
  ``nearest_index`` with its row label. The rows are then measured one by one
  (not unioned): a point inside polygons of several rows gets the first, and with
  ``boundary=True`` edges shared by two rows count. Any target size works, up to
  all the land borders of the world at once (exact, without a projection).
* :func:`distance`, :func:`distance_to`, :func:`nearest_point` and :func:`within`
  also take a dask_geopandas GeoDataFrame/GeoSeries (or a dask DataFrame with
  lon/lat columns) and return the matching lazy dask object, computed per
  partition by these same functions (extra ``pip install "borderkit[dask]"``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from . import _kernel
from ._inputs import _dask_input, _distance_and_range, _row_names, _wants_rows
from ._kernel import Distance
from .errors import DataError

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


# ---------------------------------------------------------------- point to point
def distance(
    a: Any, b: Any, /, *, azimuths: bool = False, crs: Any = None
) -> Distance | pd.Series | pd.DataFrame:
    """Geodesic distance between points, element-wise.

    Parameters
    ----------
    a, b
        Points (see the module notes for the accepted forms; ``(lon, lat)``
        order). Equal lengths, or one of them a single point. A single place
        is a ``(lon, lat)`` tuple of scalars, a shapely Point, or a frame of
        one row (such as :func:`borderkit.place` returns).
    azimuths
        Also report the forward azimuth at ``a`` and the back azimuth at ``b``
        (from ``b`` towards ``a``), in degrees clockwise from north (a
        :class:`Distance` always carries them).
    crs
        CRS of plain coordinates and shapely points (default EPSG:4326);
        GeoSeries/GeoDataFrame carry their own.

    Returns
    -------
    Distance, pandas.Series or pandas.DataFrame
        For two single places, always a :class:`Distance`, whether or not they
        carry ``precision_m``: a float of metres with ``.m``, ``.min_m``,
        ``.max_m`` (the range from ``precision_m``; equal to ``.m`` for exact
        places) and the azimuths, which :func:`format_distance` accepts.
        Otherwise a Series ``distance_m`` in metres indexed like the array
        input, or a DataFrame when azimuths (``azimuth_fwd_deg``,
        ``azimuth_back_deg``) or uncertainty (``distance_min_m``,
        ``distance_max_m`` from ``precision_m`` columns) are reported.

    Raises
    ------
    CoordinateError
        If a coordinate is NaN or out of range (the message names the row), or
        the lengths do not match.
    GeometryError
        If a geometry is not a point or is empty.

    Examples
    --------
    >>> from borderkit.measure import distance, format_distance
    >>> round(distance((68.78, 38.56), (75.98, 39.47)))  # Dushanbe to Kashgar
    631529
    >>> import borderkit
    >>> d = distance(borderkit.place("Kulob"), borderkit.place("Dushanbe"))
    >>> round(d.m), round(d.min_m), round(d.max_m)  # both places are approximate
    (111565, 108065, 115065)
    >>> format_distance(d, units="km")
    '111.6 km (± 3.5 km)'
    >>> distance((0, 0), ([0, 1], [1, 0])).round(1).tolist()
    [110574.4, 111319.5]
    """
    if _dask_input(a) or _dask_input(b):
        from . import _dask

        return _dask.distance(a, b, azimuths=azimuths, crs=crs)
    return _kernel.distance(a, b, azimuths=azimuths, crs=crs, places=True)


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
        Distances in metres; the rows are named after *a*, the columns after
        *b*: a frame indexed 0, 1, 2, ... with a ``name`` (else ``id``) column
        of unique values by that column, any other input by its index (the
        rule of :func:`distance_to`).

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
    >>> import borderkit
    >>> towns = borderkit.places().query("kind == 'town'").reset_index(drop=True)
    >>> m = distance_matrix(towns, towns)  # rows and columns named by the name column
    >>> list(m.index[:3]) == list(m.columns[:3]) == ["Khorugh", "Murghob", "Ishkoshim"]
    True
    >>> round(m.loc["Khorugh", "Murghob"] / 1000)  # km
    225
    """
    return _kernel.distance_matrix(a, b, crs=crs)


# ---------------------------------------------------------------- point to geometry
def distance_to(
    points: Any, geometry: Any, /, *, boundary: bool = False, crs: Any = None,
    nearest: Any = None,
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
    nearest
        Which feature is nearest: a column name of a GeoDataFrame *geometry*
        adds ``nearest_<column>``, ``True`` adds ``nearest_index`` (the row
        label); see the module notes. Default: not reported.

    Returns
    -------
    pandas.Series or pandas.DataFrame
        ``distance_m`` in metres, one row per point (a single point gives a
        one-row Series). A DataFrame that adds ``distance_min_m`` and
        ``distance_max_m`` when the points carry ``precision_m``, and the
        ``nearest_...`` column with ``nearest=``.

        The rows keep the points' index, so ``gdf["d"] = distance_to(gdf, ...)``
        lines up row by row. A table result also keeps the points' names: for a
        DataFrame/GeoDataFrame indexed by pandas' numbering (unnamed integers,
        filtered or not), its ``name`` column, else its ``id`` column (case
        ignored), is copied as the first column when it has no missing or
        repeated values. Dask collections keep their index.

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
    >>> import borderkit
    >>> towns = borderkit.places().query("kind == 'town'").reset_index(drop=True)
    >>> to_afg = distance_to(towns, borderkit.border("AFG-TJK"))  # names kept as a column
    >>> (to_afg["distance_m"] / 1000).round(1).tolist()[:2], list(to_afg["name"][:2])
    ([1.8, 81.3], ['Khorugh', 'Murghob'])
    >>> import geopandas as gpd
    >>> lines = gpd.GeoDataFrame({"id": ["west", "east"]}, crs="EPSG:4326", geometry=[
    ...     LineString([(74, 37), (74, 39)]), LineString([(75, 37), (75, 39)])])
    >>> distance_to([(74.1, 38.0), (74.8, 38.0)], lines, nearest="id").round(1)
       distance_m nearest_id
    0      8783.2       west
    1     17566.4       east
    """
    if _dask_input(points):
        return _partitioned("distance_to", points, (geometry,), boundary, crs, nearest)
    result = _kernel.distance_to(points, geometry, boundary=boundary, crs=crs, nearest=nearest)
    names = _row_names(points)
    if names is not None and isinstance(result, pd.DataFrame) and names.name not in result:
        result.insert(0, str(names.name), names.to_numpy())
    return result


def nearest_point(
    points: Any, geometry: Any, /, *, boundary: bool = False, crs: Any = None,
    nearest: Any = None,
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
    nearest
        Also name the feature the nearest point lies on (as in :func:`distance_to`).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per input point (same index), EPSG:4326: ``distance_m`` (metres)
        and ``geometry``, the nearest point on the geodesic segments (and the
        ``nearest_...`` column with ``nearest=``).

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
        return _partitioned("nearest_point", points, (geometry,), boundary, crs, nearest)
    return _kernel.nearest_point(points, geometry, boundary=boundary, crs=crs, nearest=nearest)


def within(
    points: Any, geometry: Any, distance_m: float, /, *, boundary: bool = False, crs: Any = None,
    nearest: Any = None,
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
    nearest
        Also name the nearest feature (as in :func:`distance_to`).

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of the points (EPSG:4326, same index) with ``distance_m`` and the
        boolean ``within``; use ``result["within"]`` as a mask and
        ``result[result["within"]]`` as the tidy table. With ``precision_m``
        also ``distance_min_m``, ``distance_max_m``, ``within_possible``
        (the true place may be within) and ``within_certain`` (it surely is);
        with ``nearest=`` also the ``nearest_...`` column.

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
        return _partitioned("within", points, (geometry, distance_m), boundary, crs, nearest)
    return _kernel.within(points, geometry, distance_m, boundary=boundary, crs=crs,
                          nearest=nearest)


def _partitioned(name: str, points: Any, args: tuple, boundary: bool, crs: Any,
                 nearest: Any) -> Any:
    """The lazy dask result of the function *name*: :mod:`borderkit._dask`'s, or with
    ``nearest=`` the kernel's own on every partition (it needs the target's rows)."""
    from . import _dask

    if _wants_rows(nearest):
        kwargs = {"boundary": boundary, "crs": crs, "nearest": nearest}
        return _dask._map(getattr(_kernel, name), points, args, kwargs)
    return getattr(_dask, name)(points, *args, boundary=boundary, crs=crs)


# ---------------------------------------------------------------- area and length
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
    return _kernel.area(geometry, crs=crs)


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
    return _kernel.length(geometry, crs=crs)


# ---------------------------------------------------------------- drawing helpers
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
    return _kernel.geodesic_line(a, b, max_segment_m=max_segment_m, crs=crs)


def format_distance(
    meters: float | Distance | pd.Series | pd.DataFrame,
    /,
    *,
    units: str | Iterable[str] = ("km", "mi", "nmi"),
    digits: int = 1,
) -> str:
    """Format a distance in metres for a label, in one or more units.

    Parameters
    ----------
    meters
        The distance in metres: a number, a :class:`Distance` (what
        :func:`distance` returns for two places), or a one-row result of
        :func:`distance_to` / :func:`distance` (a Series, or a DataFrame with
        ``distance_m``). When the value carries a range (``min_m``/``max_m``,
        or ``distance_min_m``/``distance_max_m``) that differs from it, the
        label adds ``(± r)``, r being the larger half-width, in the first unit.
    units
        One unit or several, from ``"m"``, ``"km"``, ``"mi"`` (statute miles)
        and ``"nmi"`` (nautical miles), in the order shown.
    digits
        Digits after the decimal point.

    Returns
    -------
    str
        For example ``"312.4 km / 194.1 mi / 168.7 nmi"``, or
        ``"111.6 km (± 3.5 km)"`` for an approximate place.

    Raises
    ------
    DataError
        If *meters* is not a finite number, is a table of several rows (format
        one row at a time), a unit is unknown (the message lists the allowed
        ones) or *digits* is not a non-negative integer.

    Examples
    --------
    >>> from borderkit.measure import format_distance
    >>> format_distance(312_400)
    '312.4 km / 194.1 mi / 168.7 nmi'
    >>> format_distance(1500, units="m", digits=0)
    '1,500 m'
    """
    value, lo, hi = _distance_and_range(meters)
    wanted = [units] if isinstance(units, str) else list(units)
    if not wanted:
        raise DataError(f"units is empty; choose from {sorted(_UNITS_M)}")
    unknown = [u for u in wanted if u not in _UNITS_M]
    if unknown:
        raise DataError(f"unknown unit(s) {unknown}; allowed values are {sorted(_UNITS_M)}")
    if isinstance(digits, bool) or not isinstance(digits, int | np.integer) or digits < 0:
        raise DataError(f"digits must be a non-negative integer, not {digits!r}")
    text = " / ".join(f"{value / _UNITS_M[u]:,.{digits}f} {u}" for u in wanted)
    spread = max(hi - value, value - lo)
    if spread > 0:
        text += f" (± {spread / _UNITS_M[wanted[0]]:,.{digits}f} {wanted[0]})"
    return text
