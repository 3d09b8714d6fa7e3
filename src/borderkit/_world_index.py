"""Exact nearest-segment search for targets that span the globe (private).

:class:`borderkit._geodesic.SegmentIndex` searches in a local conformal
projection, which is usable while the target and the points stay within about
60 degrees of one centre. All the land borders of the world do not; this module
is what it uses then. It works in 3-D instead of a projection, so it has no
edge: the antimeridian and the poles are ordinary places.

Every geodesic segment (at most ``MAX_SEGMENT_M`` long, see
:mod:`borderkit._geodesic`) gets two bounding spheres, one in Earth-centred
(ECEF) metres and one on the unit sphere of directions, and runs of consecutive
segments are grouped into a hierarchy (8 children per group). Two lower bounds
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

from dataclasses import dataclass

import numpy as np

from ._ellipsoid import GEOD, refine

__all__ = ["GlobeIndex", "ecef", "min_per_point", "run_starts"]

A = float(GEOD.a)
B = float(GEOD.b)
E2 = float(GEOD.es)
# the largest normal curvature of the ellipsoid (1/m): along the meridian at the equator
KAPPA_MAX = A / (B * B)
FANOUT = 8
TOP_GROUPS = 64
# points per batch, and the most (point, group) pairs held at once
BATCH = 20_000
MAX_PAIRS = 3_000_000
# above this many candidate segments per point, prune them with exact vertex distances
PRUNE_PAIRS_PER_POINT = 4
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


@dataclass
class _Level:
    size: int  # segments per group
    ce: np.ndarray  # (g, 3) ECEF centres
    re: np.ndarray  # radii (m)
    cu: np.ndarray  # (g, 3) centres on the unit sphere
    ru: np.ndarray  # radii there
    first: np.ndarray  # the group's first segment (its start vertex bounds from above)


def _spheres(centres: np.ndarray, radii: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Spheres holding runs of *size* consecutive spheres."""
    m = len(radii)
    ng = -(-m // size)
    pad = ng * size - m
    c = np.concatenate([centres, np.full((pad, 3), np.nan)]).reshape(ng, size, 3)
    r = np.concatenate([radii, np.full(pad, np.nan)]).reshape(ng, size)
    mid = (np.nanmin(c, axis=1) + np.nanmax(c, axis=1)) / 2.0
    reach = np.sqrt(((c - mid[:, None, :]) ** 2).sum(axis=2)) + r
    return mid, np.nanmax(reach, axis=1) * (1 + 1e-12)


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
        self.alon, self.alat, self.blon, self.blat = alon, alat, blon, blat
        self.az, self.length = az, length
        self.m = len(az)
        self.a3, self.b3 = ecef(alon, alat), ecef(blon, blat)
        # how far a geodesic segment strays from its chord, in metres and as a direction
        self.h3 = KAPPA_MAX * length * length / 8.0 * (1 + 1e-9) + 1e-9
        dev = self.h3 / (B - self.h3 - 1.0)
        self.ua = self.a3 / _norm(self.a3)[:, None]
        self.ub = self.b3 / _norm(self.b3)[:, None]
        chord_u = _norm(self.ub - self.ua)
        # the great arc between two directions lies within this of their chord
        self.sag_u = 1.0 - np.sqrt(np.clip(1.0 - chord_u * chord_u / 4.0, 0.0, 1.0)) + dev
        leaf_ce, leaf_re = (self.a3 + self.b3) / 2.0, _norm(self.b3 - self.a3) / 2.0 + self.h3
        leaf_cu, leaf_ru = (self.ua + self.ub) / 2.0, chord_u / 2.0 + dev
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
        for start in range(0, n, BATCH):
            sl = slice(start, min(start + BATCH, n))
            for arr, res in zip(out, self._query_batch(lon[sl], lat[sl]), strict=True):
                arr[sl] = res
        return out

    def _query_batch(
        self, lon: np.ndarray, lat: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        n = len(lon)
        p3 = ecef(lon, lat)
        pu = p3 / _norm(p3)[:, None]
        upper = np.full(n, np.inf)
        out = (np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan),
               np.full(n, -1, dtype="int64"))
        ng0 = len(self.levels[0].re) if self.levels else self.m
        stack = [(np.repeat(np.arange(n), ng0), np.tile(np.arange(ng0), n), 0)]
        while stack:
            ip, grp, k = stack.pop()
            if k == len(self.levels):
                self._leaves(lon, lat, p3, pu, ip, grp, upper, out)
                continue
            level = self.levels[k]
            self._tighten(lon, lat, p3, ip, level.first[grp], upper)
            lower = np.maximum(
                _norm(p3[ip] - level.ce[grp]) - level.re[grp],
                _angle_bound(_norm(pu[ip] - level.cu[grp]) - level.ru[grp]),
            )
            keep = lower <= upper[ip] + SLACK_M
            ip, grp = ip[keep], grp[keep]
            ip = np.repeat(ip, FANOUT)
            grp = (grp[:, None] * FANOUT + np.arange(FANOUT)[None, :]).ravel()
            valid = grp * (level.size // FANOUT) < self.m
            stack.extend((a, b, k + 1) for a, b in _split(ip[valid], grp[valid]))
        return out

    def _tighten(
        self, lon: np.ndarray, lat: np.ndarray, p3: np.ndarray, ip: np.ndarray,
        js: np.ndarray, upper: np.ndarray,
    ) -> None:
        """Lower *upper* to the exact distance to each point's 3-D nearest start vertex."""
        if len(ip) == 0:
            return
        dv = _norm(p3[ip] - self.a3[js])
        starts = run_starts(ip)
        least = np.minimum.reduceat(dv, starts)
        hit = np.flatnonzero(dv == np.repeat(least, np.diff(np.r_[starts, len(ip)])))
        pts, first = np.unique(ip[hit], return_index=True)
        j = js[hit[first]]
        _, _, d = GEOD.inv(lon[pts], lat[pts], self.alon[j], self.alat[j])
        upper[pts] = np.minimum(upper[pts], d)

    def _leaves(
        self, lon: np.ndarray, lat: np.ndarray, p3: np.ndarray, pu: np.ndarray,
        ip: np.ndarray, js: np.ndarray, upper: np.ndarray,
        out: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    ) -> None:
        """Exact distances of the points of *ip* to their candidate segments *js*."""
        if len(ip) == 0:
            return
        self._tighten(lon, lat, p3, ip, js, upper)
        t, gap = _chord_foot(p3[ip], self.a3[js], self.b3[js])
        _, gap_u = _chord_foot(pu[ip], self.ua[js], self.ub[js])
        lower = np.maximum(gap - self.h3[js], _angle_bound(gap_u - self.sag_u[js]))
        keep = lower <= upper[ip] + SLACK_M
        ip, js, t = ip[keep], js[keep], t[keep]
        if len(ip) > PRUNE_PAIRS_PER_POINT * len(run_starts(ip)):
            ip, js, t = self._prune_with_vertices(lon, lat, ip, js, t)
        d, ql, qb = refine(
            lon[ip], lat[ip], self.alon[js], self.alat[js], self.az[js], self.length[js],
            t * self.length[js], max_iter=30,
        )
        pts = np.unique(ip)
        local = np.searchsorted(pts, ip)
        res = min_per_point(len(pts), local, d, ql, qb, js)
        for arr, values in zip(out, res, strict=True):
            arr[pts] = values

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


def _chord_foot(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Parameter t in [0, 1] of the nearest point of chord ab to p, and the distance."""
    ab = b - a
    ll = np.einsum("ij,ij->i", ab, ab)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.einsum("ij,ij->i", p - a, ab) / ll
    t = np.clip(np.nan_to_num(t, nan=0.0), 0.0, 1.0)
    return t, _norm(a + t[:, None] * ab - p)


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
