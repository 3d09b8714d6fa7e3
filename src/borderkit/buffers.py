"""Geodesic buffers and range rings on the WGS84 ellipsoid.

A geodesic buffer of distance ``r`` is the set of places within ``r`` metres
(along the ellipsoid) of a geometry. Every vertex of the returned boundary and
the midpoint of every edge (the straight lon/lat segment between consecutive
vertices) lies within ``tolerance_m`` of the exact distance ``r``.

How: points become geodesic circles (``Geod.fwd`` at evenly spaced azimuths,
pushed out by half the chord sagitta so the error is centred on ``r``). Lines
and polygons are buffered in a conformal projection centred on them as a first
guess; every boundary vertex is then moved along the geodesic from its exact
nearest point on the geometry to exactly ``r`` (see
:func:`borderkit.measure.nearest_point`), and vertices are added where an edge
midpoint is still off by more than the tolerance.

Buffers that cross the antimeridian come back as MultiPolygons split at
+-180 degrees; a buffer that would contain a pole raises :class:`GeometryError`.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from ._buffer_settle import _drop_folds, _fit_rings
from ._circles import _EMPTY, _check_poles, _circle_polygon, _circles, _wrap_antimeridian
from ._ellipsoid import densify_geometry, transform_geometry, wrap_near
from ._geodesic import MAX_SEGMENT_M, SegmentIndex
from ._inputs import _crs_key, _points
from ._validate import check_lonlat, to_wgs84, transformer
from .errors import DataError, GeometryError

__all__ = ["buffer", "rings"]

log = logging.getLogger(__name__)


def buffer(
    geometry: Any, distance_m: Any, /, *, tolerance_m: float = 1.0, crs: Any = None
) -> Any:
    """Geodesic buffer (range ring area) around points, lines or polygons.

    Parameters
    ----------
    geometry
        A shapely geometry (EPSG:4326 unless ``crs``), GeoSeries or GeoDataFrame
        (any CRS), in ``(lon, lat)`` order.
    distance_m
        Buffer distance in metres; negative shrinks polygons (and gives an empty
        polygon for points and lines). A scalar, or one value per row.
    tolerance_m
        Largest allowed error of the boundary, in metres (> 0): every vertex and
        every edge midpoint of the result lies within this of the true
        geodesic distance.
    crs
        CRS of a shapely input (default EPSG:4326).

    Returns
    -------
    shapely.Geometry, geopandas.GeoSeries or geopandas.GeoDataFrame
        The same kind of object as the input, in EPSG:4326: a (Multi)Polygon per
        geometry (empty when a negative buffer removes everything).

    Raises
    ------
    DataError
        If *distance_m* or *tolerance_m* is not a finite number (tolerance > 0),
        the distances do not match the rows, or a point's circle would be
        smaller than 1 mm.
    GeometryError
        If a geometry is missing or empty, a polygon is invalid (a bow-tie:
        repair it with ``shapely.make_valid`` or read it with
        :func:`borderkit.read_layer`), or the buffer would contain a pole.
    CoordinateError
        If a coordinate is out of range.

    Examples
    --------
    >>> from shapely import Point
    >>> from borderkit.buffers import buffer
    >>> from borderkit.measure import distance
    >>> ring = buffer(Point(74.0, 38.0), 50_000)
    >>> lon, lat = ring.exterior.coords[7]
    >>> abs(distance((74.0, 38.0), (lon, lat)) - 50_000) < 1.0
    True
    """
    tol = _positive(tolerance_m, "tolerance_m")
    if isinstance(geometry, gpd.GeoSeries | gpd.GeoDataFrame):
        wgs = to_wgs84(geometry, name="geometry", crs=crs) if len(geometry) else geometry
        geoms = np.asarray(wgs.geometry.values if isinstance(wgs, gpd.GeoDataFrame)
                           else wgs.values)
        radii = _radii(distance_m, len(geoms), wgs.index)
        out = _buffer_many(geoms, radii, tol, wgs.index)
        series = gpd.GeoSeries(out, index=wgs.index, crs="EPSG:4326")
        if isinstance(wgs, gpd.GeoSeries):
            series.name = wgs.name
            return series
        frame = wgs.copy()
        frame = frame.set_geometry(series.rename(wgs.geometry.name), crs="EPSG:4326")
        return frame
    if not isinstance(geometry, shapely.Geometry):
        raise GeometryError(
            f"geometry: expected a shapely geometry, GeoSeries or GeoDataFrame, "
            f"not {type(geometry).__name__}"
        )
    if geometry.is_empty:
        raise GeometryError("geometry: the geometry is empty")
    key = _crs_key(crs)
    if key is not None:
        geometry = transform_geometry(geometry, transformer(key))
    xy = shapely.get_coordinates(geometry)
    check_lonlat(xy[:, 0], xy[:, 1], name="geometry")
    r = _radii(distance_m, 1)[0]
    return _buffer_many(np.array([geometry], dtype=object), np.array([r]), tol)[0]


def rings(
    center: Any, radii_m: Any, /, *, tolerance_m: float = 1.0, crs: Any = None
) -> gpd.GeoDataFrame:
    """Concentric geodesic range rings around one point.

    Parameters
    ----------
    center
        One point: a ``(lon, lat)`` tuple, a shapely Point, or a one-row
        GeoSeries/GeoDataFrame.
    radii_m
        Ring radii in metres (each at least 1 mm), e.g. ``[50e3, 100e3, 200e3]``.
    tolerance_m
        Largest allowed error of each ring's boundary, in metres.
    crs
        CRS of plain coordinates (default EPSG:4326).

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, one row per radius in the given order: ``radius_m`` and
        ``geometry`` (the disc as a Polygon; draw its boundary for the ring).

    Raises
    ------
    DataError
        If a radius is not a positive finite number (or is below 1 mm, too
        small for a valid polygon in degrees), there are none, or *center* is
        not exactly one point.
    CoordinateError
        If the centre is out of range.

    Examples
    --------
    >>> from borderkit.buffers import rings
    >>> rr = rings((74.0, 38.0), [50e3, 100e3])
    >>> rr.radius_m.tolist(), rr.geometry.geom_type.tolist()
    ([50000.0, 100000.0], ['Polygon', 'Polygon'])
    """
    pts = _points(center, "center", crs)
    if len(pts) != 1:
        raise DataError(f"center: expected one point, got {len(pts)}; call rings() per point")
    try:
        radii = np.atleast_1d(_metres(radii_m)) if not isinstance(radii_m, str) else np.array(
            [np.nan])
    except (TypeError, ValueError):
        radii = np.array([np.nan])
    if radii.ndim != 1 or len(radii) == 0 or not np.isfinite(radii).all() or (radii <= 0).any():
        raise DataError(f"radii_m must be one or more positive numbers of metres, not {radii_m!r}")
    tol = _positive(tolerance_m, "tolerance_m")
    geoms = [_circle_polygon(pts.lon[0], pts.lat[0], r, tol) for r in radii]
    return gpd.GeoDataFrame({"radius_m": radii}, geometry=geoms, crs="EPSG:4326")


# ---------------------------------------------------------------- checks
def _positive(value: Any, name: str) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError) as err:
        raise DataError(f"{name} must be a positive number of metres, not {value!r}") from err
    if not math.isfinite(out) or out <= 0:
        raise DataError(f"{name} must be a positive number of metres, not {value!r}")
    return out


def _metres(values: Any) -> np.ndarray:
    """Distances as float64; a masked entry (numpy.ma) as NaN, refused like NaN."""
    if isinstance(values, np.ma.MaskedArray):
        return np.ma.filled(values.astype("float64"), np.nan)
    return np.asarray(values, dtype="float64")


def _radii(distance_m: Any, n: int, index: Any = None) -> np.ndarray:
    try:
        radii = _metres(distance_m)
    except (TypeError, ValueError) as err:
        raise DataError(f"distance_m must be metres (a number or one per row): {err}") from err
    if radii.ndim == 0:
        radii = np.full(n, float(radii))
    if radii.shape != (n,):
        raise DataError(f"distance_m has {radii.size} values for {n} geometries")
    bad = np.flatnonzero(~np.isfinite(radii))
    if len(bad):
        row = index[bad[0]] if index is not None else int(bad[0])
        raise DataError(f"distance_m: row {row!r} is {radii[bad[0]]}; give a finite distance")
    return radii


# ---------------------------------------------------------------- dispatch
def _buffer_many(geoms: np.ndarray, radii: np.ndarray, tol: float, index: Any = None) -> list:
    out: list = [None] * len(geoms)
    types = shapely.get_type_id(geoms) if len(geoms) else np.empty(0, dtype=int)
    is_point = types == shapely.GeometryType.POINT
    # single points with the same radius share one vectorised Geod.fwd call
    for r in np.unique(radii[is_point]):
        rows = np.flatnonzero(is_point & (radii == r))
        polys = _circles(shapely.get_x(geoms[rows]), shapely.get_y(geoms[rows]), r, tol)
        for row, poly in zip(rows, polys, strict=True):
            out[row] = poly
    for row in np.flatnonzero(~is_point):
        where = "geometry" if index is None else f"geometry: row {index[row]!r}"
        out[row] = _buffer_one(geoms[row], float(radii[row]), tol, where)
    return out


def _buffer_one(
    geom: shapely.Geometry, r: float, tol: float, where: str = "geometry"
) -> shapely.Geometry:
    polygonal = shapely.get_type_id(shapely.get_parts(geom)) == shapely.GeometryType.POLYGON
    if r <= 0 and not polygonal.any():
        return _EMPTY
    if polygonal.any():
        _check_valid_polygons(geom, where)
    if r == 0:
        return shapely.make_valid(geom)
    if isinstance(geom, shapely.MultiPoint):
        xy = shapely.get_coordinates(geom)
        return shapely.union_all(_circles(xy[:, 0], xy[:, 1], r, tol))
    return _buffer_general(geom, r, tol)


def _check_valid_polygons(geom: shapely.Geometry, where: str) -> None:
    """Refuse an invalid polygon (a bow-tie, a ring crossing itself) with the reason.

    Each polygon is judged on its own, its longitudes made continuous (an
    unsplit polygon across 180 degrees is read along its geodesic edges, as
    :func:`borderkit.measure.area` reads it); parts that touch or overlap are
    fine (the buffer is their union). Repairing it here would change the shape
    without a word.
    """
    for part in shapely.get_parts(geom):
        if isinstance(part, shapely.GeometryCollection):
            _check_valid_polygons(part, where)
            continue
        if not isinstance(part, shapely.Polygon) or part.is_empty:
            continue
        lon0 = float(shapely.get_coordinates(part.exterior)[0, 0])
        continuous = shapely.transform(
            part, lambda xy, lon0=lon0: np.column_stack([wrap_near(xy[:, 0], lon0), xy[:, 1]]))
        if not shapely.is_valid(continuous):
            reason = shapely.is_valid_reason(continuous)
            raise GeometryError(
                f"{where}: the polygon is invalid ({reason}), so its inside is not defined "
                "and it cannot be buffered; repair it first with shapely.make_valid(geometry), "
                "or read the file with borderkit.read_layer, which repairs it and reports how"
            )


# ---------------------------------------------------------------- lines and polygons
def _buffer_general(geom: shapely.Geometry, r: float, tol: float) -> shapely.Geometry:
    index = SegmentIndex(geom)
    if not index.projected:
        raise GeometryError(
            "geometry spans too much of the globe for a geodesic buffer; split it into parts"
        )
    xy = shapely.get_coordinates(geom)
    _check_poles(xy[:, 0], xy[:, 1], abs(r))
    trans = index.trans
    planar = transform_geometry(densify_geometry(index.geom, MAX_SEGMENT_M), trans)
    # first guess: a planar buffer with the scale factor around the result
    x0, y0, x1, y1 = planar.bounds
    reach = max(abs(x0), abs(x1), abs(y0), abs(y1)) / 2 + abs(r)
    klon, klat = trans.transform(reach, 0.0, direction="INVERSE")
    k = float(trans.parallel_scale(klon, klat))
    r_planar = r * k
    # the guess only needs the right shape: snapping below makes it exact, so a
    # simplified input and coarse arcs keep GEOS fast; vertices are added where needed
    planar = shapely.simplify(planar, 0.005 * abs(r_planar), preserve_topology=True)
    guess = shapely.buffer(planar, r_planar, quad_segs=16)
    if guess.is_empty:
        return _EMPTY
    guess = transform_geometry(guess, trans, inverse=True)
    rings_xy, layout = _rings_of(guess)
    rings_xy = _fit_rings(rings_xy, index, abs(r), tol)
    result = _polygons_from(rings_xy, layout)
    for _ in range(2):
        if result.is_valid:
            break
        # vertices settled on both sides of a cusp can fold the ring over itself
        result = _drop_folds(result, index, r)
        rings_xy, layout = _rings_of(result)
        result = _polygons_from(_fit_rings(rings_xy, index, abs(r), tol), layout)
    if not result.is_valid:
        result = shapely.make_valid(result)
    return _wrap_antimeridian(result) if isinstance(result, shapely.Polygon) else (
        shapely.MultiPolygon([g for p in shapely.get_parts(result)
                              for g in shapely.get_parts(_wrap_antimeridian(p))
                              if isinstance(g, shapely.Polygon)])
    )


def _rings_of(geom: shapely.Geometry) -> tuple[list[np.ndarray], list[int]]:
    """Ring coordinate arrays (open, without the closing vertex) and rings per polygon."""
    rings_xy: list[np.ndarray] = []
    layout: list[int] = []
    for poly in shapely.get_parts(geom):
        if not isinstance(poly, shapely.Polygon) or poly.is_empty:
            continue
        rings = [poly.exterior, *poly.interiors]
        layout.append(len(rings))
        rings_xy.extend(shapely.get_coordinates(ring)[:-1] for ring in rings)
    return rings_xy, layout


def _polygons_from(rings_xy: list[np.ndarray], layout: list[int]) -> shapely.Geometry:
    polys, pos = [], 0
    for count in layout:
        shell, holes = rings_xy[pos], rings_xy[pos + 1:pos + count]
        pos += count
        if len(shell) >= 3:
            polys.append(shapely.Polygon(shell, [h for h in holes if len(h) >= 3]))
    if not polys:
        return _EMPTY
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)

