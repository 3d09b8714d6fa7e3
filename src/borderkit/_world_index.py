"""Exact nearest-segment search for targets that span the globe (private).

:class:`borderkit._geodesic.SegmentIndex` searches in a local conformal
projection, which is usable while the target and the points stay within about
60 degrees of one centre. All the land borders of the world do not; this module
is what it uses then. It works in 3-D instead of a projection, so it has no
edge: the antimeridian and the poles are ordinary places.

Every geodesic segment (at most ``MAX_SEGMENT_M`` long, see
:mod:`borderkit._geodesic`) gets two bounding spheres, one in Earth-centred
(ECEF) metres and one on the unit sphere of directions, and runs of consecutive
segments are grouped into a hierarchy (4 children per group). Two lower bounds
of the geodesic distance from a point P to anything in a group hold on the
ellipsoid without approximation:

* the straight 3-D distance (a chord is never longer than a path on the surface),
  tight for near targets: ``|P - C| - R``;
* ``b * psi``, ``b`` being the semi-minor axis and ``psi`` the angle at the
  Earth's centre between P and the target (the nearest-point projection onto the
  ball of radius ``b``, which lies inside the ellipsoid, is 1-Lipschitz and maps
  any surface path to a path on that sphere), tight for far targets;

and the exact geodesic distance (``Geod.inv``) to one vertex per point and level
is an upper bound. A group is searched only when its lower bound is within the
upper bound. A geodesic segment of length L strays at most ``kappa L**2 / 8``
from its chord, kappa (``a / b**2``) being the largest normal curvature of the
ellipsoid, which the spheres include. The surviving segments are refined exactly
on the ellipsoid (:func:`borderkit._ellipsoid.refine`). Each point's result
depends on that point and the target only, never on the other points of a call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._ellipsoid import GEOD, refine

__all__ = ["GlobeIndex", "ecef", "min_per_point", "run_starts"]

A = float(GEOD.a)
B = float(GEOD.b)
E2 = float(GEOD.es)
# the largest normal curvature of the ellipsoid (1/m): along the meridian at the equator
KAPPA_MAX = A / (B * B)
FANOUT = 4
TOP_GROUPS = 64
# points per batch, and the most (point, group) pairs held at once
BATCH = 20_000
MAX_PAIRS = 3_000_000
# neighbouring points (in Morton order) that walk the coarse levels together, and the
# fine levels each point walks on its own
CELL = 32
POINT_LEVELS = 3
# above this many candidate segments per point, prune them with exact vertex distances
PRUNE_PAIRS_PER_POINT = 4
# beyond this lower bound (m) the angle bound is also computed (the chord's is weak)
FAR_M = 1_000_000.0
# metres added to every comparison (float rounding of 3-D coordinates is ~1e-8 m)
SLACK_M = 1e-4


def ecef(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Earth-centred coordinates (metres, shape (n, 3)) of points on the WGS84 ellipsoid."""
    lam, phi = np.radians(lon), np.radians(lat)
    sphi, cphi = np.sin(phi), np.cos(phi)
    n = A / np.sqrt(1.0 - E2 * sphi * sphi)
    return np.column_stack([n * cphi * np.cos(lam), n * cphi * np.sin(lam), n * (1.0 - E2) * sphi])


def _norm(v: np.ndarray) -> np.ndarray:
    return np.sqrt(np.einsum("ij,ij->i", v, v))


def _angle_bound(unit_gap: np.ndarray) -> np.ndarray:
    """``b * psi`` from a lower bound of the distance between unit vectors."""
    return B * 2.0 * np.arcsin(np.clip(unit_gap, 0.0, 2.0) / 2.0)


def run_starts(ip: np.ndarray) -> np.ndarray:
    """Start of each run of equal values in a sorted index array."""
    return np.flatnonzero(np.r_[True, ip[1:] != ip[:-1]])


def min_per_point(
    n: int, ip: np.ndarray, d: np.ndarray, qlon: np.ndarray, qlat: np.ndarray,
    js: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per point (0..n-1), the pair with the smallest distance: d, lon, lat, segment."""
    order = np.lexsort((d, ip))
    ip_sorted = ip[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = ip_sorted[1:] != ip_sorted[:-1]
    pick = order[first]
    dist = np.full(n, np.nan)
    out_lon = np.full(n, np.nan)
    out_lat = np.full(n, np.nan)
    seg = np.full(n, -1, dtype="int64")
    dist[ip[pick]] = d[pick]
    out_lon[ip[pick]] = qlon[pick]
    out_lat[ip[pick]] = qlat[pick]
    if js is not None:
        seg[ip[pick]] = js[pick]
    return dist, out_lon, out_lat, seg


def _xyz(v: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return v[:, 0].copy(), v[:, 1].copy(), v[:, 2].copy()


def _gap(p: tuple, ip: np.ndarray | slice, c: tuple, ic: np.ndarray) -> np.ndarray:
    """3-D distances between p[ip] and c[ic] (each a tuple of x, y, z arrays)."""
    dx = p[0][ip] - c[0][ic]
    dy = p[1][ip] - c[1][ic]
    dz = p[2][ip] - c[2][ic]
    return np.sqrt(dx * dx + dy * dy + dz * dz)


@dataclass
class _Level:
    size: int  # segments per group
    ce: tuple  # ECEF centres (x, y, z)
    re: np.ndarray  # radii (m)
    cu: tuple  # centres on the unit sphere
    ru: np.ndarray  # radii there
    first: np.ndarray  # the group's first segment (its start vertex bounds from above)


@dataclass
class _Queries:
    """Query places: points, or cells of points around an anchor point (with radii)."""

    lon: np.ndarray
    lat: np.ndarray
    e: tuple  # ECEF (x, y, z)
    u: tuple  # unit vectors
    re: np.ndarray | float = 0.0  # ECEF radius of the cell
    ru: np.ndarray | float = 0.0  # unit-vector radius
    rg: np.ndarray | float = 0.0  # geodesic radius

    @classmethod
    def at(cls, lon: np.ndarray, lat: np.ndarray) -> _Queries:
        e = ecef(lon, lat)
        return cls(lon, lat, _xyz(e), _xyz(e / _norm(e)[:, None]))


def _spheres(centres: np.ndarray, radii: np.ndarray, size: int) -> tuple[tuple, np.ndarray]:
    """Spheres holding runs of *size* consecutive spheres."""
    m = len(radii)
    ng = -(-m // size)
    pad = ng * size - m
    c = np.concatenate([centres, np.full((pad, 3), np.nan)]).reshape(ng, size, 3)
    r = np.concatenate([radii, np.full(pad, np.nan)]).reshape(ng, size)
    mid = (np.nanmin(c, axis=1) + np.nanmax(c, axis=1)) / 2.0
    reach = np.sqrt(((c - mid[:, None, :]) ** 2).sum(axis=2)) + r
    return _xyz(mid), np.nanmax(reach, axis=1) * (1 + 1e-12)


class GlobeIndex:
    """Geodesic segments prepared for exact nearest queries anywhere on Earth.

    Parameters
    ----------
    alon, alat, blon, blat
        Start and end of each segment (degrees).
    az, length
        Forward azimuth at the start (degrees) and geodesic length (metres).
    """

    def __init__(
        self, alon: np.ndarray, alat: np.ndarray, blon: np.ndarray, blat: np.ndarray,
        az: np.ndarray, length: np.ndarray,
    ) -> None:
        a3, b3 = ecef(alon, alat), ecef(blon, blat)
        # groups are runs of segments in Morton order: compact, whatever the lines' order
        self.order = o = np.argsort(_morton(a3 + b3), kind="stable")
        self.alon, self.alat, self.blon, self.blat = alon[o], alat[o], blon[o], blat[o]
        self.az, self.length = az[o], length[o]
        self.m = len(az)
        a3, b3 = a3[o], b3[o]
        # how far a geodesic segment strays from its chord, in metres and as a direction
        self.h3 = KAPPA_MAX * self.length ** 2 / 8.0 * (1 + 1e-9) + 1e-9
        dev = self.h3 / (B - self.h3 - 1.0)
        ua, ub = a3 / _norm(a3)[:, None], b3 / _norm(b3)[:, None]
        chord_u = _norm(ub - ua)
        # the great arc between two directions lies within this of their chord
        self.sag_u = 1.0 - np.sqrt(np.clip(1.0 - chord_u * chord_u / 4.0, 0.0, 1.0)) + dev
        self.a3, self.b3, self.ua, self.ub = _xyz(a3), _xyz(b3), _xyz(ua), _xyz(ub)
        leaf_ce, leaf_re = (a3 + b3) / 2.0, _norm(b3 - a3) / 2.0 + self.h3
        leaf_cu, leaf_ru = (ua + ub) / 2.0, chord_u / 2.0 + dev
        sizes = [1]
        while -(-self.m // sizes[-1]) > TOP_GROUPS:
            sizes.append(sizes[-1] * FANOUT)
        self.levels = []
        for size in sizes[:0:-1]:  # coarse to fine, without the segment level
            ce, re = _spheres(leaf_ce, leaf_re, size)
            cu, ru = _spheres(leaf_cu, leaf_ru, size)
            self.levels.append(_Level(size, ce, re, cu, ru, np.arange(len(re)) * size))

    def query(
        self, lon: np.ndarray, lat: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Distance (m), nearest point (lon, lat) and nearest segment of each point."""
        n = len(lon)
        out = (np.empty(n), np.empty(n), np.empty(n), np.empty(n, dtype="int64"))
        # neighbours in one batch and one cell share the coarse part of the search
        order = np.argsort(_morton(ecef(lon, lat)), kind="stable")
        for start in range(0, n, BATCH):
            sel = order[start:start + BATCH]
            for arr, res in zip(out, self._query_batch(lon[sel], lat[sel]), strict=True):
                arr[sel] = res
        return out

    def _query_batch(
        self, lon: np.ndarray, lat: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        n = len(lon)
        pts = _Queries.at(lon, lat)
        out = (np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan),
               np.full(n, -1, dtype="int64"))
        split = max(len(self.levels) - POINT_LEVELS, 0)
        ng0 = len(self.levels[0].re) if self.levels else self.m
        if split == 0:
            ip, grp = np.repeat(np.arange(n), ng0), np.tile(np.arange(ng0), n)
        else:
            ip, grp = self._cells(pts, split, ng0)
        upper = np.full(n, np.inf)
        for piece in _split(ip, grp):
            self._walk(pts, piece, split, upper, lambda i, j: self._leaves(pts, i, j, upper, out))
        return out

    def _cells(self, pts: _Queries, split: int, ng0: int) -> tuple[np.ndarray, np.ndarray]:
        """Cells of CELL points walk levels [0, split); their groups go to each point."""
        n = len(pts.lon)
        cell = np.arange(n) // CELL
        first = np.arange(0, n, CELL)
        cells = _Queries.at(pts.lon[first], pts.lat[first])
        _, _, dg = GEOD.inv(pts.lon[first][cell], pts.lat[first][cell], pts.lon, pts.lat)
        cells.rg = np.maximum.reduceat(np.asarray(dg), first) * (1 + 1e-12) + SLACK_M
        cells.re = np.maximum.reduceat(_gap(pts.e, slice(None), cells.e, cell), first)
        cells.ru = np.maximum.reduceat(_gap(pts.u, slice(None), cells.u, cell), first)
        nc = len(first)
        kept: list[tuple[np.ndarray, np.ndarray]] = []
        start = (np.repeat(np.arange(nc), ng0), np.tile(np.arange(ng0), nc))
        self._walk(cells, start, 0, np.full(nc, np.inf), lambda i, j: kept.append((i, j)),
                   stop=split)
        ic = np.concatenate([k[0] for k in kept])
        gc = np.concatenate([k[1] for k in kept])
        # every point takes its cell's groups (ic is sorted)
        count_c = np.bincount(ic, minlength=nc)
        start_c = np.cumsum(count_c) - count_c
        count = count_c[cell]
        ip = np.repeat(np.arange(n), count)
        offset = np.repeat(start_c[cell] - (np.cumsum(count) - count), count)
        return ip, gc[offset + np.arange(len(ip))]

    def _walk(
        self, q: _Queries, pairs: tuple[np.ndarray, np.ndarray], k0: int, upper: np.ndarray,
        sink: Callable[[np.ndarray, np.ndarray], None], stop: int | None = None,
    ) -> None:
        """Walk (query, group) pairs from level k0 down to *stop*, then hand them to *sink*.

        At each level a group is kept for a query when its lower bound is within
        the query's upper bound, and its children become the next level's pairs.
        """
        stop = len(self.levels) if stop is None else stop
        stack = [(pairs[0], pairs[1], k0)]
        while stack:
            ip, grp, k = stack.pop()
            if k == stop or len(ip) == 0:
                if len(ip):
                    sink(ip, grp)
                continue
            level = self.levels[k]
            lower = _gap(q.e, ip, level.ce, grp) - level.re[grp] - _at(q.re, ip)
            far = np.flatnonzero(lower > FAR_M)
            if len(far):  # the chord bound is weak for far groups: the angle one helps
                lower[far] = np.maximum(lower[far], _angle_bound(
                    _gap(q.u, ip[far], level.cu, grp[far]) - level.ru[grp[far]]
                    - _at(q.ru, ip[far])))
            # the pair whose group's sphere reaches least far: its first vertex is near
            self._tighten(q, ip, lower + 2.0 * level.re[grp], level.first[grp], upper)
            keep = lower <= upper[ip] + SLACK_M
            ip, grp = np.repeat(ip[keep], FANOUT), grp[keep]
            grp = (grp[:, None] * FANOUT + np.arange(FANOUT)[None, :]).ravel()
            valid = grp * (level.size // FANOUT) < self.m
            stack.extend((a, b, k + 1) for a, b in _split(ip[valid], grp[valid]))

    def _tighten(
        self, q: _Queries, ip: np.ndarray, score: np.ndarray, js: np.ndarray, upper: np.ndarray,
        end: np.ndarray | None = None,
    ) -> None:
        """Lower *upper* to the exact distance to a vertex of each query's best pair.

        The best pair has the smallest *score*; its vertex is the start of
        segment *js* (the end where *end* is true).
        """
        starts = run_starts(ip)
        least = np.minimum.reduceat(score, starts)
        hit = np.flatnonzero(score == np.repeat(least, np.diff(np.r_[starts, len(ip)])))
        pick = hit[run_starts(ip[hit])]
        who, j = ip[pick], js[pick]
        vlon, vlat = self.alon[j], self.alat[j]
        if end is not None:
            vlon = np.where(end[pick], self.blon[j], vlon)
            vlat = np.where(end[pick], self.blat[j], vlat)
        _, _, d = GEOD.inv(q.lon[who], q.lat[who], vlon, vlat)
        upper[who] = np.minimum(upper[who], np.asarray(d) + _at(q.rg, who))

    def _leaves(
        self, pts: _Queries, ip: np.ndarray, js: np.ndarray, upper: np.ndarray,
        out: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    ) -> None:
        """Exact distances of the points of *ip* to their candidate segments *js*."""
        t, gap = _chord_foot(pts.e, ip, self.a3, self.b3, js)
        lower = gap - self.h3[js]
        far = np.flatnonzero(lower > FAR_M)
        if len(far):
            _, gap_u = _chord_foot(pts.u, ip[far], self.ua, self.ub, js[far])
            lower[far] = np.maximum(lower[far], _angle_bound(gap_u - self.sag_u[js[far]]))
        self._tighten(pts, ip, lower, js, upper, end=t > 0.5)
        keep = lower <= upper[ip] + SLACK_M
        ip, js, t = ip[keep], js[keep], t[keep]
        lon, lat = pts.lon, pts.lat
        if len(ip) > PRUNE_PAIRS_PER_POINT * len(run_starts(ip)):
            ip, js, t = self._prune_with_vertices(lon, lat, ip, js, t)
        d, ql, qb = refine(
            lon[ip], lat[ip], self.alon[js], self.alat[js], self.az[js], self.length[js],
            t * self.length[js], max_iter=30,
        )
        who = np.unique(ip)
        res = min_per_point(len(who), np.searchsorted(who, ip), d, ql, qb, js)
        for arr, values in zip(out, res, strict=True):
            arr[who] = values
        out[3][who] = self.order[out[3][who]]  # the caller's numbering of the segments

    def _prune_with_vertices(
        self, lon: np.ndarray, lat: np.ndarray, ip: np.ndarray, js: np.ndarray, t: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Drop candidates that exact geodesic bounds rule out.

        With dA, dB the distances to a segment's ends and L its length, every
        point of the segment is at least (dA + dB - L) / 2 away, and the nearer
        end is an upper bound of the answer.
        """
        _, _, da = GEOD.inv(lon[ip], lat[ip], self.alon[js], self.alat[js])
        _, _, db = GEOD.inv(lon[ip], lat[ip], self.blon[js], self.blat[js])
        starts = run_starts(ip)
        best = np.minimum.reduceat(np.minimum(da, db), starts)
        lower = (np.asarray(da) + np.asarray(db) - self.length[js]) / 2.0
        keep = lower <= np.repeat(best, np.diff(np.r_[starts, len(ip)])) + SLACK_M
        return ip[keep], js[keep], t[keep]


def _morton(v: np.ndarray) -> np.ndarray:
    """Z-order codes of 3-D vectors (any length: only their directions count)."""
    unit = v / np.maximum(_norm(v), 1e-300)[:, None]
    q = np.clip(((unit + 1.0) / 2.0 * (1 << 20)).astype("int64"), 0, (1 << 20) - 1)
    code = np.zeros(len(v), dtype="int64")
    for bit in range(20):
        for axis in range(3):
            code |= ((q[:, axis] >> bit) & 1) << (3 * bit + axis)
    return code


def _at(value: np.ndarray | float, idx: np.ndarray) -> np.ndarray | float:
    return value[idx] if isinstance(value, np.ndarray) else value


def _chord_foot(
    p: tuple, ip: np.ndarray, a: tuple, b: tuple, js: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Parameter t in [0, 1] of the nearest point of chord a[js] b[js] to p[ip], and the gap."""
    ax, ay, az = a[0][js], a[1][js], a[2][js]
    dx, dy, dz = b[0][js] - ax, b[1][js] - ay, b[2][js] - az
    px, py, pz = p[0][ip] - ax, p[1][ip] - ay, p[2][ip] - az
    ll = dx * dx + dy * dy + dz * dz
    with np.errstate(invalid="ignore", divide="ignore"):
        t = (px * dx + py * dy + pz * dz) / ll
    t = np.clip(np.nan_to_num(t, nan=0.0), 0.0, 1.0)
    ex, ey, ez = px - t * dx, py - t * dy, pz - t * dz
    return t, np.sqrt(ex * ex + ey * ey + ez * ez)


def _split(ip: np.ndarray, grp: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Pairs cut into pieces of at most MAX_PAIRS, never inside one point's run."""
    if len(ip) <= MAX_PAIRS:
        return [(ip, grp)]
    starts = run_starts(ip)
    wanted = np.arange(MAX_PAIRS, len(ip), MAX_PAIRS)
    cuts = np.unique(starts[np.maximum(np.searchsorted(starts, wanted, side="right") - 1, 0)])
    cuts = cuts[cuts > 0]
    bounds = [0, *cuts.tolist(), len(ip)]
    pieces = [(ip[a:b], grp[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    return pieces[::-1]  # popped last-first: points are finished in order
