"""Fitting a buffer's boundary to the exact geodesic distance (private).

:mod:`borderkit.buffers` starts from a planar buffer in a conformal
projection; the functions here make it exact. :func:`_fit_rings` moves every
vertex to distance ``r`` from the geometry (:func:`_settle`, along the geodesic
ray from its nearest point; :func:`_settle_cusps` where two parts of the
geometry are equally near) and splits every edge whose midpoint is still off
(:func:`_settle_on_normals`). :func:`_drop_folds` rebuilds a ring that folded
over itself at a cusp. Distances come from a :class:`borderkit._geodesic.SegmentIndex`.
"""

from __future__ import annotations

import logging

import numpy as np
import shapely

from ._circles import _EMPTY, _MAX_ROUNDS
from ._ellipsoid import GEOD
from ._geodesic import SegmentIndex

log = logging.getLogger(__name__)

_MAX_EDGE_ROUNDS = 40


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
