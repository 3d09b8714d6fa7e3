"""Vectorised geodesic kernels on the WGS84 ellipsoid (private).

The public functions in :mod:`borderkit.measure` and :mod:`borderkit.buffers`
parse and validate their inputs and then call these kernels, which work on
plain float arrays of longitude and latitude in degrees. The array primitives
(densify, the local projection, the exact refinement) live in
:mod:`borderkit._ellipsoid` and are re-exported here; this module holds
:class:`SegmentIndex`, the prepared target of the point-to-geometry distance.

The point-to-geometry distance works in three steps:

1. every segment of the target is read as a geodesic between its vertices
   (segments longer than :data:`MAX_SEGMENT_M` are split into pieces of the
   same geodesic, which changes nothing but keeps every piece short);
2. points and segments are projected to an oblique stereographic projection
   centred on the data (conformal), and :class:`shapely.STRtree` finds every
   segment that can hold the nearest point: with the projection's scale factor
   between ``k_min`` and ``k_max`` over the searched area and the projected
   geodesic at most ``h`` from its chord, a segment is a candidate only when its
   chord lies within ``k_max / k_min * (d + h) + h`` of the point, ``d`` being
   the planar distance to the nearest chord;
3. each candidate is refined exactly on the ellipsoid: Newton steps along the
   geodesic segment (``Geod.fwd`` to the current foot, ``Geod.inv`` back to the
   point, step by the along-track distance) until the distance has converged.

When the data spans more than about 60 degrees from one centre (the land borders
of the whole world, say) the projection is not usable, and the same exact
search runs in 3-D without a projection (:mod:`borderkit._world_index`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import shapely

from ._ellipsoid import (
    GEOD,
    centre_and_spread,
    densify,
    densify_geometry,
    join_antimeridian,
    local_projection,
    refine,
    transform_geometry,
)
from ._world_index import GlobeIndex, min_per_point, run_starts

__all__ = [
    "GEOD",
    "MAX_SEGMENT_M",
    "SegmentIndex",
    "densify",
    "densify_geometry",
    "local_projection",
    "transform_geometry",
]

# target segments are split into geodesic pieces no longer than this
MAX_SEGMENT_M = 5_000.0
# the projection is used up to this angular distance (degrees) from its centre
MAX_PROJECTED_SPREAD_DEG = 60.0
# points handled per batch (bounds memory for millions of points)
BATCH = 50_000
# children per group in the search hierarchy, and the most groups at its top
FANOUT = 8
# above this many candidate segments per point, prune them with vertex distances
PRUNE_PAIRS_PER_POINT = 4
TOP_GROUPS = 64

@dataclass
class _Segments:
    alon: np.ndarray
    alat: np.ndarray
    blon: np.ndarray
    blat: np.ndarray
    az: np.ndarray
    length: np.ndarray
    seq: np.ndarray  # the coordinate sequence each segment comes from


def _segments_from_sequences(sequences: list[tuple[np.ndarray, np.ndarray]]) -> _Segments:
    alon, alat, blon, blat, seq = [], [], [], [], []
    for k, (lon, lat) in enumerate(sequences):
        if len(lon) == 1:  # a point target: a segment of length zero
            lon, lat = np.repeat(lon, 2), np.repeat(lat, 2)
        lon, lat = densify(lon, lat, MAX_SEGMENT_M)
        alon.append(lon[:-1])
        alat.append(lat[:-1])
        blon.append(lon[1:])
        blat.append(lat[1:])
        seq.append(np.full(len(lon) - 1, k))
    if not alon:
        empty = np.empty(0)
        return _Segments(empty, empty, empty, empty, empty, empty, np.empty(0, dtype="int64"))
    a_lon, a_lat = np.concatenate(alon), np.concatenate(alat)
    b_lon, b_lat = np.concatenate(blon), np.concatenate(blat)
    az, _, length = GEOD.inv(a_lon, a_lat, b_lon, b_lat)
    return _Segments(a_lon, a_lat, b_lon, b_lat, np.asarray(az), np.asarray(length),
                     np.concatenate(seq))


def sequences_of(geom: shapely.Geometry) -> tuple[list[tuple[np.ndarray, np.ndarray]], list]:
    """Coordinate sequences (lines, rings, single points) and polygons of a lon/lat geometry."""
    sequences: list[tuple[np.ndarray, np.ndarray]] = []
    polygons: list = []
    for part in shapely.get_parts(geom):
        if isinstance(part, shapely.Polygon):
            polygons.append(part)
            rings = [part.exterior, *part.interiors]
        elif isinstance(part, shapely.LineString | shapely.Point):
            rings = [part]
        else:  # nested collections
            sub_seq, sub_poly = sequences_of(part)
            sequences.extend(sub_seq)
            polygons.extend(sub_poly)
            continue
        for ring in rings:
            xy = shapely.get_coordinates(ring)
            if len(xy):
                sequences.append((xy[:, 0], xy[:, 1]))
    return sequences, polygons


class SegmentIndex:
    """A line/polygon target prepared for repeated exact distance queries.

    Parameters
    ----------
    geom
        A lon/lat shapely geometry (lines, polygons, points or a collection), or
        a list of them: the rows of a frame, which :meth:`query_rows` tells apart.
    extra_lon, extra_lat
        Other locations (the query points) used to centre the projection.
    """

    def __init__(
        self,
        geom: shapely.Geometry | list,
        extra_lon: np.ndarray | None = None,
        extra_lat: np.ndarray | None = None,
    ) -> None:
        rows = geom if isinstance(geom, list) else [geom]
        sequences, seq_row = [], []
        self.polygons_joined, self.polygons_lonlat = [], []
        joined_row, lonlat_row = [], []
        for k, row in enumerate(rows):
            # a polygon split at +-180: its cut is not a boundary (lon/lat tests keep the parts)
            joined = join_antimeridian(row)
            seqs, polygons = sequences_of(joined)
            sequences += seqs
            seq_row += [k] * len(seqs)
            self.polygons_joined += polygons
            joined_row += [k] * len(polygons)
            lonlat = polygons if joined is row else sequences_of(row)[1]
            self.polygons_lonlat += lonlat
            lonlat_row += [k] * len(lonlat)
        self.geom = joined if len(rows) == 1 else shapely.GeometryCollection(rows)
        self.seg = _segments_from_sequences(sequences)
        self.seg_row = np.asarray(seq_row, dtype="int64")[self.seg.seq]
        self._poly_rows = (np.asarray(joined_row, dtype="int64"),
                           np.asarray(lonlat_row, dtype="int64"))
        self._globe: GlobeIndex | None = None
        vlon = np.concatenate([self.seg.alon, self.seg.blon])
        vlat = np.concatenate([self.seg.alat, self.seg.blat])
        if extra_lon is not None and extra_lat is not None and len(extra_lon):
            # a subsample keeps the centring cheap for millions of points
            step = max(1, len(extra_lon) // 20_000)
            vlon = np.concatenate([vlon, extra_lon[::step], [extra_lon.min(), extra_lon.max()]])
            vlat = np.concatenate([vlat, extra_lat[::step], [extra_lat.min(), extra_lat.max()]])
        clon, clat, spread = centre_and_spread(vlon, vlat)
        self.projected = spread <= MAX_PROJECTED_SPREAD_DEG
        if self.projected:
            self._prepare_projection(round(clon, 2), round(clat, 2))

    def _prepare_projection(self, clon: float, clat: float) -> None:
        seg = self.seg
        self.trans = local_projection(clon, clat)
        ax, ay = self.trans.transform(seg.alon, seg.alat)
        bx, by = self.trans.transform(seg.blon, seg.blat)
        self.ax, self.ay = np.asarray(ax), np.asarray(ay)
        self.bx, self.by = np.asarray(bx), np.asarray(by)
        # how far the projected geodesic strays from its chord: twice the midpoint offset
        mlon, mlat, _ = GEOD.fwd(seg.alon, seg.alat, seg.az, seg.length / 2.0)
        mx, my = self.trans.transform(mlon, mlat)
        _, dev = self._foot(np.asarray(mx), np.asarray(my), np.arange(len(seg.az)))
        self.sagitta = float(2.0 * dev.max()) + 1e-6 if len(dev) else 0.0
        self._build_groups()
        self.polygons_xy = [transform_geometry(p, self.trans)
                            for p in self._dense_polygons(self.polygons_joined)]
        if self.polygons_xy:
            self.area_xy = shapely.union_all(self.polygons_xy)
            shapely.prepare(self.area_xy)

    def _dense_polygons(self, polygons: list | None = None) -> list:
        polygons = self.polygons_lonlat if polygons is None else polygons
        return [densify_geometry(p, MAX_SEGMENT_M) for p in polygons]

    def _foot(self, px: np.ndarray, py: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Chord parameter t in [0, 1] of the planar foot, and the planar distance."""
        dx, dy = self.bx[j] - self.ax[j], self.by[j] - self.ay[j]
        ll = dx * dx + dy * dy
        with np.errstate(invalid="ignore", divide="ignore"):
            t = ((px - self.ax[j]) * dx + (py - self.ay[j]) * dy) / ll
        t = np.clip(np.nan_to_num(t, nan=0.0), 0.0, 1.0)
        ex = self.ax[j] + t * dx - px
        ey = self.ay[j] + t * dy - py
        return t, np.hypot(ex, ey)

    def inside(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """True where a point lies inside (or on) a polygon of the target."""
        if not self.polygons_lonlat or len(lon) == 0:
            return np.zeros(len(lon), dtype=bool)
        if self.projected:
            x, y = self.trans.transform(lon, lat)
            return shapely.intersects_xy(self.area_xy, np.asarray(x), np.asarray(y))
        union = shapely.union_all(self._dense_polygons())
        return shapely.intersects_xy(union, lon, lat)

    def query(
        self, lon: np.ndarray, lat: np.ndarray, *, boundary: bool = True
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Distance (m) from each point to the target and the nearest point (lon, lat).

        With ``boundary=False`` points inside a polygon get distance 0 and are
        their own nearest point.
        """
        lon = np.asarray(lon, dtype="float64")
        lat = np.asarray(lat, dtype="float64")
        # points inside a polygon are done (distance 0, their own nearest point)
        inside = (
            self.inside(lon, lat) if not boundary and self.polygons_lonlat
            else np.zeros(len(lon), dtype=bool)
        )
        return self._query(lon, lat, inside)[:3]

    def query_rows(
        self, lon: np.ndarray, lat: np.ndarray, *, boundary: bool = True
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`query` and the position of the nearest row in the list of rows.

        Every row is measured on its own: with ``boundary=True`` the edges that
        two polygon rows share count as boundaries. A point inside polygons of
        several rows (``boundary=False``) is given the first of them.
        """
        lon = np.asarray(lon, dtype="float64")
        lat = np.asarray(lat, dtype="float64")
        held = (self.inside_rows(lon, lat) if not boundary and self.polygons_lonlat
                else np.full(len(lon), -1, dtype="int64"))
        dist, qlon, qlat, seg = self._query(lon, lat, held >= 0)
        row = np.where(held >= 0, held, self.seg_row[np.maximum(seg, 0)])
        return dist, qlon, qlat, row

    def _query(
        self, lon: np.ndarray, lat: np.ndarray, inside: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        dist = np.zeros(len(lon))
        qlon = lon.copy()
        qlat = lat.copy()
        seg = np.full(len(lon), -1, dtype="int64")
        rows = np.flatnonzero(~inside)
        for start in range(0, len(rows), BATCH):
            sel = rows[start:start + BATCH]
            res: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
            if self.projected:
                res = self._query_projected(lon[sel], lat[sel])
            else:
                res = self._query_globe(lon[sel], lat[sel])
            dist[sel], qlon[sel], qlat[sel], seg[sel] = res
        return dist, qlon, qlat, seg

    def inside_rows(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Position of the first row whose polygons hold each point (-1: none)."""
        out = np.full(len(lon), -1, dtype="int64")
        if not self.polygons_lonlat or len(lon) == 0:
            return out
        if self.projected:
            x, y = self.trans.transform(lon, lat)
            polygons, rows = self.polygons_xy, self._poly_rows[0]
        else:
            x, y = lon, lat
            polygons, rows = self._dense_polygons(), self._poly_rows[1]
        found, which = shapely.STRtree(polygons).query(
            shapely.points(np.asarray(x), np.asarray(y)), predicate="intersects")
        first = np.full(len(lon), len(rows), dtype="int64")
        np.minimum.at(first, found, rows[which])
        held = first < len(rows)
        out[held] = first[held]
        return out

    def _query_globe(
        self, lon: np.ndarray, lat: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Exact search without a projection (targets spread over the globe)."""
        if self._globe is None:
            seg = self.seg
            self._globe = GlobeIndex(seg.alon, seg.alat, seg.blon, seg.blat, seg.az, seg.length)
        return self._globe.query(lon, lat)

    def _build_groups(self) -> None:
        """A hierarchy of bounding circles over runs of consecutive chords.

        Level sizes are powers of :data:`FANOUT` (..., 64, 8, 1 chords); the top
        level has at most :data:`TOP_GROUPS` groups. Each group keeps a circle
        holding its chords and one vertex of the target (for upper bounds).
        """
        m = len(self.ax)
        sizes = [1]
        while -(-m // sizes[-1]) > TOP_GROUPS:
            sizes.append(sizes[-1] * FANOUT)
        self.levels = []
        for size in sizes[:0:-1]:  # coarse to fine, without the chord level
            ng = -(-m // size)
            pad = ng * size - m
            xs = np.concatenate([np.column_stack([self.ax, self.bx]), np.full((pad, 2), np.nan)])
            ys = np.concatenate([np.column_stack([self.ay, self.by]), np.full((pad, 2), np.nan)])
            xs = xs.reshape(ng, -1)
            ys = ys.reshape(ng, -1)
            lo_x, hi_x = np.nanmin(xs, axis=1), np.nanmax(xs, axis=1)
            lo_y, hi_y = np.nanmin(ys, axis=1), np.nanmax(ys, axis=1)
            cx, cy = (lo_x + hi_x) / 2, (lo_y + hi_y) / 2
            r = np.nanmax(np.hypot(xs - cx[:, None], ys - cy[:, None]), axis=1)
            first = np.arange(ng) * size
            self.levels.append((size, cx, cy, r, self.ax[first], self.ay[first]))

    def _query_projected(
        self, lon: np.ndarray, lat: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        px, py = self.trans.transform(lon, lat)
        px, py = np.asarray(px), np.asarray(py)
        n = len(px)
        h = self.sagitta
        ratio = None

        def reach_of(upper: np.ndarray) -> np.ndarray | None:
            """Search radius per point from an upper bound of its planar distance."""
            nonlocal ratio
            if ratio is None:
                ratio = self._scale_ratio(px, py, upper)
            if ratio is None:
                return None
            return (ratio * (upper + h) + h) * (1 + 1e-9) + 1e-6

        pairs = self._descend(px, py, reach_of)
        if pairs is None:
            return self._query_globe(lon, lat)
        ip, grp = pairs
        t, dchord = self._foot(px[ip], py[ip], grp)
        starts = run_starts(ip)
        dmin = np.minimum.reduceat(dchord, starts)
        reach = reach_of(dmin)
        if reach is None:
            return self._query_globe(lon, lat)
        keep = dchord <= np.repeat(reach, np.diff(np.r_[starts, len(ip)]))
        ip, js, t = ip[keep], grp[keep], t[keep]
        if len(ip) > PRUNE_PAIRS_PER_POINT * n:
            ip, js, t = self._prune_with_vertices(lon, lat, ip, js, t)
        seg = self.seg
        d, ql, qb = refine(
            lon[ip], lat[ip], seg.alon[js], seg.alat[js], seg.az[js], seg.length[js],
            t * seg.length[js],
        )
        return min_per_point(n, ip, d, ql, qb, js)

    def _descend(
        self,
        px: np.ndarray,
        py: np.ndarray,
        reach_of: Callable[[np.ndarray], np.ndarray | None],
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """Candidate (point, chord) pairs, found by walking the groups coarse to fine.

        At each level a group is kept for a point when its bounding circle comes
        within the point's search radius (``reach_of`` an upper bound of the
        planar distance); its children are then the next level's candidates.
        None when the projection is unusable for these points.
        """
        n = len(px)
        m = len(self.ax)
        # candidate (point, group) pairs, refined level by level
        if self.levels:
            size0 = self.levels[0][0]
            ng0 = -(-m // size0)
            ip = np.repeat(np.arange(n), ng0)
            grp = np.tile(np.arange(ng0), n)
        else:
            ip = np.repeat(np.arange(n), m)
            grp = np.tile(np.arange(m), n)
        for size, cx, cy, r, vx, vy in self.levels:
            upper_pair = np.hypot(px[ip] - vx[grp], py[ip] - vy[grp])
            starts = run_starts(ip)
            upper = np.minimum.reduceat(upper_pair, starts)
            reach = reach_of(upper)
            if reach is None:
                return None
            lower = np.hypot(px[ip] - cx[grp], py[ip] - cy[grp]) - r[grp]
            keep = lower <= np.repeat(reach, np.diff(np.r_[starts, len(ip)]))
            ip, grp = ip[keep], grp[keep]
            # children: the next level's groups (or chords) inside each kept group
            step = FANOUT if size > 1 else 1
            ip = np.repeat(ip, step)
            grp = (grp[:, None] * step + np.arange(step)[None, :]).ravel()
            valid = grp * (size // step) < m
            ip, grp = ip[valid], grp[valid]
        return ip, grp

    def _prune_with_vertices(
        self, lon: np.ndarray, lat: np.ndarray, ip: np.ndarray, js: np.ndarray, t: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Drop candidates that exact geodesic bounds rule out (far points, many candidates).

        With dA, dB the distances to a segment's ends and L its length, every
        point of the segment is at least (dA + dB - L) / 2 away (triangle
        inequality), and the nearest vertex is an upper bound of the answer.
        """
        seg = self.seg
        _, _, da = GEOD.inv(lon[ip], lat[ip], seg.alon[js], seg.alat[js])
        da = np.asarray(da)
        # the end of a segment is the start of the next one: reuse that distance
        shared = np.zeros(len(ip), dtype=bool)
        shared[:-1] = (ip[1:] == ip[:-1]) & (js[1:] == js[:-1] + 1)
        shared[:-1] &= (seg.alon[js[1:]] == seg.blon[js[:-1]]) & (
            seg.alat[js[1:]] == seg.blat[js[:-1]])
        db = np.empty(len(ip))
        db[:-1][shared[:-1]] = da[1:][shared[:-1]]
        rest = np.flatnonzero(~shared)
        _, _, db_rest = GEOD.inv(lon[ip[rest]], lat[ip[rest]], seg.blon[js[rest]],
                                 seg.blat[js[rest]])
        db[rest] = db_rest
        starts = run_starts(ip)
        upper = np.minimum.reduceat(np.minimum(da, db), starts)
        lower = (da + db - seg.length[js]) / 2.0
        keep = lower <= np.repeat(upper, np.diff(np.r_[starts, len(ip)])) + 1e-9
        return ip[keep], js[keep], t[keep]

    def _scale_ratio(
        self, px: np.ndarray, py: np.ndarray, upper: np.ndarray
    ) -> np.ndarray | None:
        """Per point, k_max / k_min over its search disc (None: projection unusable).

        The disc of point P has radius ``ratio * (upper + h) + h`` (``upper`` bounds
        the planar distance to the target); the geodesic to the nearest point
        stays in it. A stereographic's scale factor grows with the distance rho
        from the centre, so the extremes over the disc come from envelopes of k
        sampled over rho.
        """
        h = self.sagitta
        rho = np.hypot(px, py)
        rho_max = float(rho.max()) + 1.2 * (float(upper.max()) + h) + h + 1.0
        while True:
            radii, kmin_env, kmax_env = self._scale_envelope(rho_max)
            if radii is None or kmin_env is None or kmax_env is None:
                return None
            ratio_all = float(kmax_env[-1] / kmin_env[0])
            disc = ratio_all * (upper + h) + h
            if float((rho + disc).max()) <= rho_max:
                break
            rho_max = 1.2 * float((rho + disc).max())
        step = radii[1]
        hi = np.minimum(np.ceil((rho + disc) / step).astype("int64") + 1, len(radii) - 1)
        lo = np.maximum(np.floor((rho - disc) / step).astype("int64") - 1, 0)
        return kmax_env[hi] / kmin_env[lo] * (1 + 1e-5)

    def _scale_envelope(
        self, rho_max: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | tuple[None, None, None]:
        """Scale factor envelopes over radius rho: cumulative max, reverse cumulative min.

        Cached: a request within the last computed radius reuses it.
        """
        cached = getattr(self, "_envelope", None)
        if cached is not None and cached[0][-1] >= rho_max:
            return cached
        envelope = self._compute_envelope(rho_max * (1.5 if cached is not None else 1.1))
        if envelope[0] is not None:
            self._envelope = envelope
        return envelope

    def _compute_envelope(
        self, rho_max: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | tuple[None, None, None]:
        radii = np.linspace(0.0, rho_max, 257)
        theta = np.linspace(0.0, 2 * np.pi, 24, endpoint=False)
        gx = (radii[:, None] * np.cos(theta)[None, :]).ravel()
        gy = (radii[:, None] * np.sin(theta)[None, :]).ravel()
        glon, glat = self.trans.transform(gx, gy, direction="INVERSE")
        k = self.trans.parallel_scale(np.asarray(glon), np.asarray(glat)).reshape(
            len(radii), len(theta))
        if not np.isfinite(k).all() or (k <= 0).any():
            return None, None, None
        kmax_env = np.maximum.accumulate(k.max(axis=1))
        kmin_env = np.minimum.accumulate(k.min(axis=1)[::-1])[::-1]
        return radii, kmin_env, kmax_env
