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

from ._geodesic import (
    GEOD,
    MAX_SEGMENT_M,
    SegmentIndex,
    densify_geometry,
    transform_geometry,
)
from ._validate import check_lonlat, to_wgs84, transformer
from .errors import DataError, GeometryError
from .measure import _crs_key, _points

__all__ = ["buffer", "rings"]

log = logging.getLogger(__name__)

_MAX_ROUNDS = 8
_MAX_EDGE_ROUNDS = 40
_EMPTY = shapely.Polygon()


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
        or the distances do not match the rows.
    GeometryError
        If a geometry is missing or empty, or the buffer would contain a pole.
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
        out = _buffer_many(geoms, radii, tol)
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
        Ring radii in metres (each > 0), e.g. ``[50e3, 100e3, 200e3]``.
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
        If a radius is not a positive finite number, there are none, or
        *center* is not exactly one point.
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
    radii = np.atleast_1d(np.asarray(radii_m, dtype="float64")) if not isinstance(
        radii_m, str) else np.array([np.nan])
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


def _radii(distance_m: Any, n: int, index: Any = None) -> np.ndarray:
    try:
        radii = np.asarray(distance_m, dtype="float64")
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
def _buffer_many(geoms: np.ndarray, radii: np.ndarray, tol: float) -> list:
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
        out[row] = _buffer_one(geoms[row], float(radii[row]), tol)
    return out


def _buffer_one(geom: shapely.Geometry, r: float, tol: float) -> shapely.Geometry:
    polygonal = shapely.get_type_id(shapely.get_parts(geom)) == shapely.GeometryType.POLYGON
    if r <= 0 and not polygonal.any():
        return _EMPTY
    if r == 0:
        return shapely.make_valid(geom)
    if isinstance(geom, shapely.MultiPoint):
        xy = shapely.get_coordinates(geom)
        return shapely.union_all(_circles(xy[:, 0], xy[:, 1], r, tol))
    return _buffer_general(geom, r, tol)


# ---------------------------------------------------------------- circles
def _circle_count(r: float, tol: float) -> int:
    """Vertices so the chord sagitta of a circle of radius r is <= 1.8 tol (0.9 tol each side)."""
    sag = min(1.8 * tol / r, 1.0)
    return max(16, math.ceil(math.pi / math.acos(1.0 - sag)))


def _circles(lon: np.ndarray, lat: np.ndarray, r: float, tol: float) -> list:
    """Geodesic circles of radius r around points (a list of polygons)."""
    if r <= 0:
        return [_EMPTY] * len(lon)
    _check_poles(lon, lat, r)
    count = _circle_count(r, tol)
    exact = False
    for _ in range(_MAX_ROUNDS):
        # push vertices out by half the sagitta so that vertex and midpoint errors balance
        sag = r * (1.0 - math.cos(math.pi / count))
        vlon, vlat = _circle_vertices(lon, lat, r + sag / 2, count, exact=exact)
        # check the circle nearest a pole, where lon/lat chords stray most from
        # the geodesic ones (the others are alike): vertices and edge midpoints
        row = int(np.argmax(np.abs(lat)))
        mlon = (vlon[row] + np.roll(vlon[row], -1)) / 2
        mlat = (vlat[row] + np.roll(vlat[row], -1)) / 2
        _, _, dm = GEOD.inv(np.full(2 * count, lon[row]), np.full(2 * count, lat[row]),
                            np.concatenate([vlon[row], mlon]), np.concatenate([vlat[row], mlat]))
        off = np.abs(np.asarray(dm) - r)
        if off.max() <= tol and sag / 2 <= tol:
            break
        if np.abs(off[:count] - sag / 2).max() > tol / 100:
            exact = True  # the interpolated vertices are off: compute them all
        else:
            count = math.ceil(count * 1.25)
    coords = np.stack([vlon, vlat], axis=2)
    coords = np.concatenate([coords, coords[:, :1]], axis=1)
    polys = shapely.polygons(coords)
    return [_wrap_antimeridian(p) for p in polys]


def _circle_vertices(
    lon: np.ndarray, lat: np.ndarray, radius: float, count: int, *, exact: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Points at *radius* from each centre at *count* evenly spaced azimuths from north.

    Returns (n, count) arrays of lon (continuous around each centre) and lat.
    Many vertices come from fewer exact ``Geod.fwd`` samples by trigonometric
    (FFT) interpolation: a circle's lon/lat offsets are smooth periodic
    functions of the azimuth whose harmonics fall off like (r / R)^k, so 64 or
    128 samples reproduce the exact points to far below a micrometre. Large
    circles, circles near a pole (where longitude offsets grow fast) and
    ``exact=True`` get every vertex from ``Geod.fwd``.
    """
    samples = 64 if radius <= 300_000 else 128
    near_pole = float(np.abs(lat).max()) + 1.5 * radius / 111_000 > 80.0
    if exact or count <= samples or radius > 1_000_000 or near_pole:
        samples = count
    az = np.linspace(0.0, 360.0, samples, endpoint=False)
    clon, clat = np.repeat(lon, samples), np.repeat(lat, samples)
    vlon, vlat, _ = GEOD.fwd(clon, clat, np.tile(az, len(lon)), np.full(len(clon), radius))
    vlon = _unwrap_around(np.asarray(vlon).reshape(len(lon), samples), lon)
    vlat = np.asarray(vlat).reshape(len(lon), samples)
    if samples == count:
        return vlon, vlat
    return _fourier_resample(vlon, count), _fourier_resample(vlat, count)


def _fourier_resample(values: np.ndarray, count: int) -> np.ndarray:
    """Resample periodic rows from their samples to *count* points (zero-padded FFT)."""
    samples = values.shape[1]
    spectrum = np.fft.rfft(values, axis=1)
    spectrum[:, -1] /= 2  # the Nyquist term of an even sample count splits in two
    padded = np.zeros((values.shape[0], count // 2 + 1), dtype=complex)
    padded[:, : spectrum.shape[1]] = spectrum
    return np.fft.irfft(padded, n=count, axis=1) * (count / samples)


def _circle_polygon(lon: float, lat: float, r: float, tol: float) -> shapely.Geometry:
    return _circles(np.array([lon]), np.array([lat]), r, tol)[0]


def _check_poles(lon: np.ndarray, lat: np.ndarray, r: float) -> None:
    for pole in (90.0, -90.0):
        _, _, d = GEOD.inv(lon, lat, lon, np.full(len(lat), pole))
        hit = np.flatnonzero(np.asarray(d) <= r)
        if len(hit):
            raise GeometryError(
                f"a {r:,.0f} m buffer around ({lon[hit[0]]}, {lat[hit[0]]}) contains the "
                f"{'North' if pole > 0 else 'South'} Pole, which a lon/lat polygon cannot hold; "
                "use a smaller distance"
            )


def _unwrap_around(vlon: np.ndarray, center_lon: np.ndarray) -> np.ndarray:
    """Longitudes within 180 degrees of each row's centre (continuous across +-180)."""
    ref = np.asarray(center_lon, dtype="float64").reshape(-1, 1)
    return ref + (vlon - ref + 180.0) % 360.0 - 180.0


def _wrap_antimeridian(poly: shapely.Geometry) -> shapely.Geometry:
    """Split a polygon whose longitudes run past +-180 and move the pieces back."""
    if poly.is_empty:
        return poly
    xmin, _, xmax, _ = poly.bounds
    if xmin >= -180.0 and xmax <= 180.0:
        return poly
    pieces: list[shapely.Polygon] = []
    for shift in (-360.0, 0.0, 360.0):
        window = shapely.box(-180.0 - shift, -90.0, 180.0 - shift, 90.0)
        part = shapely.intersection(poly, window)
        if not part.is_empty:
            part = shapely.transform(part, lambda xy, s=shift: xy + np.array([s, 0.0]))
            pieces.extend(p for p in shapely.get_parts(part) if isinstance(p, shapely.Polygon))
    return shapely.MultiPolygon(pieces) if len(pieces) > 1 else pieces[0]


# ---------------------------------------------------------------- lines and polygons
def _buffer_general(geom: shapely.Geometry, r: float, tol: float) -> shapely.Geometry:
    index = SegmentIndex(geom)
    if not index.projected:
        raise GeometryError(
            "geometry spans too much of the globe for a geodesic buffer; split it into parts"
        )
    xy = shapely.get_coordinates(geom)
    _check_poles(xy[:, 0], xy[:, 1], abs(r))
    trans, proj = index.trans, index.proj
    planar = transform_geometry(densify_geometry(geom, MAX_SEGMENT_M), trans)
    # first guess: a planar buffer with the scale factor around the result
    x0, y0, x1, y1 = planar.bounds
    reach = max(abs(x0), abs(x1), abs(y0), abs(y1)) / 2 + abs(r)
    klon, klat = trans.transform(reach, 0.0, direction="INVERSE")
    k = float(proj.get_factors(((klon + 180.0) % 360.0) - 180.0, klat).parallel_scale)
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


def _drop_folds(result: shapely.Geometry, index: SegmentIndex, r: float) -> shapely.Geometry:
    """Rebuild a self-intersecting result from the faces its rings enclose.

    The rings are noded and polygonized; a face is kept when a point inside it
    lies within the buffer (distance <= r outside the geometry for r > 0, at
    least -r inside it for r < 0), judged by the exact distance.
    """
    rings = [ring for poly in shapely.get_parts(result)
             for ring in [poly.exterior, *poly.interiors]]
    noded = shapely.union_all([shapely.LineString(ring.coords) for ring in rings])
    faces = np.asarray(shapely.get_parts(shapely.polygonize(shapely.get_parts(noded))))
    if len(faces) == 0:
        return _EMPTY
    rep = shapely.get_coordinates(shapely.point_on_surface(faces))
    if r > 0:
        d, _, _ = index.query(rep[:, 0], rep[:, 1], boundary=False)
        keep = d <= r
    else:
        d, _, _ = index.query(rep[:, 0], rep[:, 1], boundary=True)
        keep = index.inside(rep[:, 0], rep[:, 1]) & (d >= -r)
    if not keep.any():
        return _EMPTY
    return shapely.union_all(faces[keep])


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


def _settle(
    lon: np.ndarray,
    lat: np.ndarray,
    index: SegmentIndex,
    r: float,
    tol: float,
    measured: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Move points to distance r from the geometry (within tol / 4).

    Each point that is off moves along the geodesic ray from its nearest point
    ``Q`` through it. Along the ray the distance D(t) <= t, so the root lies at
    t >= r; it is bracketed and found with Newton steps (slope: the cosine
    between the ray and the direction away from the current nearest point) or
    bisection. The search stays near the start (a root far along the ray would
    be on the far side of another part of the geometry); a point with no root
    there sits at a cusp and goes to :func:`_settle_cusps`.
    """
    lon, lat = lon.copy(), lat.copy()
    d, qlon, qlat = measured if measured is not None else index.query(lon, lat, boundary=True)
    todo = np.flatnonzero(np.abs(d - r) > tol / 4)
    if len(todo) == 0:
        return lon, lat
    olon, olat = qlon[todo], qlat[todo]
    az, _, _ = GEOD.inv(olon, olat, lon[todo], lat[todo])
    az = np.asarray(az)
    t_cap = r + 2.0 * np.abs(r - d[todo]) + 2.0 * tol
    t = np.full(len(todo), r)
    t_lo = np.zeros(len(todo))
    t_hi = np.full(len(todo), np.inf)
    cusp: list[tuple[np.ndarray, ...]] = []
    for _ in range(3 * _MAX_ROUNDS):
        vlon, vlat, back = GEOD.fwd(olon, olat, az, t)
        # keep longitudes continuous with the input (no jump at +-180)
        vlon = lon[todo] + (np.asarray(vlon) - lon[todo] + 180.0) % 360.0 - 180.0
        lon[todo], lat[todo] = vlon, vlat
        d, qlon, qlat = index.query(vlon, np.asarray(vlat), boundary=True)
        off = np.abs(d - r) > tol / 4
        t_lo = np.where(d < r, np.maximum(t_lo, t), t_lo)
        t_hi = np.where(d > r, np.minimum(t_hi, t), t_hi)
        stuck = off & (t_lo >= t_cap)
        if stuck.any():
            cusp.append((todo[stuck], olon[stuck], olat[stuck], qlon[stuck], qlat[stuck]))
            off &= ~stuck
        if not off.any():
            break
        _, to_q, _ = GEOD.inv(qlon[off], qlat[off], vlon[off], vlat[off])
        slope = np.clip(np.cos(np.radians(np.asarray(back)[off] - np.asarray(to_q))), 0.2, 1.0)
        todo, olon, olat, az = todo[off], olon[off], olat[off], az[off]
        t_lo, t_hi, t_cap = t_lo[off], t_hi[off], t_cap[off]
        t = t[off] + (r - d[off]) / slope
        outside = (t <= t_lo) | (t >= t_hi)
        t = np.where(outside, (t_lo + np.minimum(t_hi, t_cap)) / 2, t)
        t = np.minimum(t, t_cap)
    else:
        log.debug("buffer: %d points did not settle on their ray", len(todo))
    for rows, q1lon, q1lat, q2lon, q2lat in cusp:
        c_lon, c_lat = _settle_cusps(
            lon[rows], lat[rows], q1lon, q1lat, q2lon, q2lat, index, r, tol
        )
        # accept only a nearby solution (the other crossing of the circles is wrong)
        dc, _, _ = index.query(c_lon, c_lat, boundary=True)
        _, _, moved = GEOD.inv(lon[rows], lat[rows], c_lon, c_lat)
        good = (np.abs(dc - r) <= tol / 2) & (np.asarray(moved) <= 0.5 * r + 10 * tol)
        lon[rows[good]], lat[rows[good]] = c_lon[good], c_lat[good]
    return lon, lat


def _settle_cusps(
    lon: np.ndarray,
    lat: np.ndarray,
    q1lon: np.ndarray,
    q1lat: np.ndarray,
    q2lon: np.ndarray,
    q2lat: np.ndarray,
    index: SegmentIndex,
    r: float,
    tol: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Place points where two parts of the geometry are both exactly r away.

    Q1 and Q2 are the nearest points of the two parts. Newton's method in two
    dimensions solves dist(X, Q1) = dist(X, Q2) = r (the gradient of each is the
    unit vector pointing away from Q at X); the nearest point that the exact
    search then finds replaces Q1 or Q2, whichever is closer to it, until X is
    within tol / 4 of r.
    """
    lon, lat = lon.copy(), lat.copy()
    todo = np.arange(len(lon))
    for _ in range(_MAX_ROUNDS):
        for _ in range(4):
            x, y = lon[todo], lat[todo]
            _, back1, d1 = GEOD.inv(q1lon, q1lat, x, y)
            _, back2, d2 = GEOD.inv(q2lon, q2lat, x, y)
            a1 = np.radians(np.asarray(back1) + 180.0)
            a2 = np.radians(np.asarray(back2) + 180.0)
            f1, f2 = np.asarray(d1) - r, np.asarray(d2) - r
            det = np.sin(a1 - a2)
            ok = np.abs(det) > 1e-6
            det = np.where(ok, det, 1.0)
            east = np.where(ok, (-f1 * np.cos(a2) + f2 * np.cos(a1)) / det, 0.0)
            north = np.where(ok, (-f2 * np.sin(a1) + f1 * np.sin(a2)) / det, 0.0)
            step = np.minimum(np.hypot(east, north), r)
            nlon, nlat, _ = GEOD.fwd(x, y, np.degrees(np.arctan2(east, north)), step)
            lon[todo] = x + (np.asarray(nlon) - x + 180.0) % 360.0 - 180.0
            lat[todo] = nlat
        d, qlon, qlat = index.query(lon[todo], lat[todo], boundary=True)
        off = np.abs(d - r) > tol / 4
        if not off.any():
            break
        todo, qlon, qlat = todo[off], qlon[off], qlat[off]
        q1lon, q1lat, q2lon, q2lat = q1lon[off], q1lat[off], q2lon[off], q2lat[off]
        _, _, to1 = GEOD.inv(qlon, qlat, q1lon, q1lat)
        _, _, to2 = GEOD.inv(qlon, qlat, q2lon, q2lat)
        first = np.asarray(to1) <= np.asarray(to2)
        q1lon, q1lat = np.where(first, qlon, q1lon), np.where(first, qlat, q1lat)
        q2lon, q2lat = np.where(first, q2lon, qlon), np.where(first, q2lat, qlat)
    else:
        log.debug("buffer: %d cusp points did not settle", len(todo))
    return lon, lat


def _settle_on_normals(
    mid: np.ndarray,
    end: np.ndarray,
    d: np.ndarray,
    qlon: np.ndarray,
    qlat: np.ndarray,
    index: SegmentIndex,
    r: float,
    tol: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The point at distance r on the normal through each edge midpoint.

    ``end`` holds the edge end points (lon_a, lat_a, lon_b, lat_b). Along the
    geodesic through the midpoint square to the edge, the root of D(s) - r is
    bracketed (stepping away from or towards the geometry, doubling) and then
    found by regula falsi (Illinois), so the new vertex always splits its edge,
    also where the boundary turns sharply at a cusp.
    """
    az_edge, _, _ = GEOD.inv(end[:, 0], end[:, 1], end[:, 2], end[:, 3])
    to_geom, _, _ = GEOD.inv(mid[:, 0], mid[:, 1], qlon, qlat)
    normal = np.asarray(az_edge) + 90.0
    # orient the normal away from the geometry
    away = np.cos(np.radians(normal - np.asarray(to_geom))) < 0
    normal = np.where(away, normal, normal + 180.0)

    def f(s: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        az = np.where(s < 0, normal[rows] + 180.0, normal[rows])
        plon, plat, _ = GEOD.fwd(mid[rows, 0], mid[rows, 1], az, np.abs(s))
        plon = mid[rows, 0] + (np.asarray(plon) - mid[rows, 0] + 180.0) % 360.0 - 180.0
        dist, _, _ = index.query(plon, np.asarray(plat), boundary=True)
        return dist - r, plon, np.asarray(plat)

    n = len(mid)
    f0 = d - r
    s_a, f_a = np.zeros(n), f0
    # first try the Newton step: D grows at cos(normal, away from the nearest point)
    slope = np.clip(np.cos(np.radians(normal - np.asarray(to_geom) - 180.0)), 0.2, 1.0)
    s_b = -f0 / slope
    f_b, lon, lat = f(s_b, np.arange(n))
    for _ in range(_MAX_ROUNDS):  # widen until the sign changes (or a root is hit)
        same = np.flatnonzero((np.sign(f_b) == np.sign(f_a)) & (np.abs(f_b) > tol / 4))
        if len(same) == 0:
            break
        s_a[same], f_a[same] = s_b[same], f_b[same]
        s_b[same] *= 2.0
        f_b[same], lon[same], lat[same] = f(s_b[same], same)
    todo = np.flatnonzero(np.abs(f_b) > tol / 4)
    side = np.zeros(n)
    for _ in range(4 * _MAX_ROUNDS):
        if len(todo) == 0:
            break
        sa, fa, sb, fb = s_a[todo], f_a[todo], s_b[todo], f_b[todo]
        with np.errstate(invalid="ignore", divide="ignore"):
            sc = np.where(fb != fa, sb - fb * (sb - sa) / (fb - fa), (sa + sb) / 2)
        fc, clon, clat = f(sc, todo)
        lon[todo], lat[todo] = clon, clat
        # Illinois: keep the bracket; halve the stale end's value when it repeats
        flip = np.sign(fc) == np.sign(fb)
        s_a[todo] = np.where(flip, sa, sb)
        f_a[todo] = np.where(flip, np.where(side[todo] > 0, fa / 2, fa), fb)
        side[todo] = np.where(flip, 1.0, 0.0)
        s_b[todo], f_b[todo] = sc, fc
        todo = todo[np.abs(fc) > tol / 4]
    return lon, lat


def _fit_rings(
    rings_xy: list[np.ndarray], index: SegmentIndex, r: float, tol: float
) -> list[np.ndarray]:
    """Snap every vertex to distance r, then add vertices until every midpoint fits too.

    Only the edges next to an added vertex are checked again, so the loop stays
    cheap while it closes in on cusps of the boundary (halving the gap each round).
    """
    if not rings_xy:
        return rings_xy
    sizes = [len(ring) for ring in rings_xy]
    xy = np.concatenate(rings_xy)
    lon, lat = _settle(xy[:, 0], xy[:, 1], index, r, tol)
    rings_xy = np.split(np.column_stack([lon, lat]), np.cumsum(sizes)[:-1])
    checks = [np.ones(len(ring), dtype=bool) for ring in rings_xy]
    for _ in range(_MAX_EDGE_ROUNDS):
        mids, ends, edges = [], [], []
        for ring, check in zip(rings_xy, checks, strict=True):
            edge = np.flatnonzero(check)
            nxt = (edge + 1) % len(ring)
            mids.append((ring[edge] + ring[nxt]) / 2)
            ends.append(np.hstack([ring[edge], ring[nxt]]))
            edges.append(edge)
        mid = np.concatenate(mids)
        if len(mid) == 0:
            break
        d, qlon, qlat = index.query(mid[:, 0], mid[:, 1], boundary=True)
        bad = np.abs(d - r) > tol * 0.9
        end = np.concatenate(ends)[bad]
        new_lon, new_lat = _settle_on_normals(
            mid[bad], end, d[bad], qlon[bad], qlat[bad], index, r, tol
        )
        pos = 0
        new_pos = np.cumsum(bad) - 1
        for k, edge in enumerate(edges):
            sel = np.flatnonzero(bad[pos:pos + len(edge)])
            at = edge[sel]
            new = np.column_stack([new_lon[new_pos[pos + sel]], new_lat[new_pos[pos + sel]]])
            check = np.zeros(len(rings_xy[k]), dtype=bool)
            check[at] = True  # the first half of a split edge ...
            rings_xy[k] = np.insert(rings_xy[k], at + 1, new, axis=0)
            checks[k] = np.insert(check, at + 1, True)  # ... and the second half
            pos += len(edge)
    else:
        log.warning("buffer: some edges still exceed the %g m tolerance", tol)
    return rings_xy
