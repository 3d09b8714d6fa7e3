"""Vectorised geodesic primitives on the WGS84 ellipsoid (private).

Plain float arrays of longitude and latitude in degrees in, arrays out:
densifying along geodesics, moving geometries through a pyproj transformer,
the local conformal projection that :class:`borderkit._geodesic.SegmentIndex`
searches in, and the exact refinement of the nearest point on a geodesic
segment (step 3 of the point-to-geometry distance described in
:mod:`borderkit._geodesic`).
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

import numpy as np
import pyproj
import shapely

__all__ = [
    "GEOD",
    "R_MEAN",
    "LocalProjection",
    "join_antimeridian",
    "centre_and_spread",
    "densify",
    "densify_geometry",
    "local_projection",
    "projection_for",
    "refine",
    "transform_geometry",
    "unwrap_lon",
    "wrap_near",
]

log = logging.getLogger(__name__)

GEOD = pyproj.Geod(ellps="WGS84")
R_MEAN = 6_371_008.8


def densify(
    lon: np.ndarray, lat: np.ndarray, max_segment_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """Insert points along each geodesic segment so no piece exceeds *max_segment_m*.

    The returned longitudes are those of ``Geod.fwd`` (within [-180, 180]); the
    original vertices are kept exactly.
    """
    lon = np.asarray(lon, dtype="float64")
    lat = np.asarray(lat, dtype="float64")
    if len(lon) < 2:
        return lon, lat
    az, _, seg_len = GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    pieces = np.maximum(np.ceil(seg_len / max_segment_m), 1).astype("int64")
    if (pieces == 1).all():
        return lon, lat
    seg = np.repeat(np.arange(len(seg_len)), pieces)
    step = np.arange(len(seg)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    s = seg_len[seg] * step / pieces[seg]
    out_lon, out_lat, _ = GEOD.fwd(lon[seg], lat[seg], az[seg], s)
    first = step == 0
    out_lon[first] = lon[:-1]
    out_lat[first] = lat[:-1]
    return np.append(out_lon, lon[-1]), np.append(out_lat, lat[-1])


def transform_geometry(
    geom: shapely.Geometry, trans: Any, *, inverse: bool = False
) -> shapely.Geometry:
    """Apply a transformer (pyproj or :class:`LocalProjection`) to every coordinate."""
    direction = "INVERSE" if inverse else "FORWARD"

    def apply(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(trans.transform(xy[:, 0], xy[:, 1], direction=direction))

    return shapely.transform(geom, apply)


def _densify_xy(xy: np.ndarray, max_segment_m: float) -> np.ndarray:
    lon, lat = densify(xy[:, 0], xy[:, 1], max_segment_m)
    return np.column_stack([lon, lat])


def densify_geometry(geom: shapely.Geometry, max_segment_m: float) -> shapely.Geometry:
    """The same lon/lat geometry with every segment split along its geodesic.

    Polygons stay polygons, lines stay lines; multi-part inputs come back as a
    GeometryCollection of their densified parts (points unchanged).
    """
    parts = []
    for part in shapely.get_parts(geom):
        if isinstance(part, shapely.Polygon):
            rings = [_densify_xy(shapely.get_coordinates(r), max_segment_m)
                     for r in [part.exterior, *part.interiors]]
            parts.append(shapely.Polygon(rings[0], rings[1:]))
        elif isinstance(part, shapely.LineString):
            parts.append(shapely.LineString(_densify_xy(shapely.get_coordinates(part),
                                                        max_segment_m)))
        elif isinstance(part, shapely.GeometryCollection):
            parts.append(densify_geometry(part, max_segment_m))
        else:
            parts.append(part)
    return parts[0] if len(parts) == 1 else shapely.GeometryCollection(parts)


def _touches(part: shapely.Geometry, lon: float) -> bool:
    return bool((shapely.get_coordinates(part)[:, 0] == lon).any())


def _flat_parts(geom: shapely.Geometry) -> list:
    """Single parts of a geometry, nested collections flattened."""
    out = []
    for part in shapely.get_parts(geom):
        if isinstance(part, shapely.GeometryCollection):  # also the Multi* types
            out.extend(_flat_parts(part))
        else:
            out.append(part)
    return out


def join_antimeridian(geom: shapely.Geometry) -> shapely.Geometry:
    """Polygons split at +-180 degrees joined again into one, across the meridian.

    A file's polygon that crosses 180 degrees comes split into parts (RFC 7946);
    their cut along the meridian is not a boundary. Parts that touch -180 (and
    not +180, and lie west of 0) move east by 360 degrees and are merged with the
    parts touching +180, so the result has longitudes beyond 180 there (the
    geodesic functions and the local projection take any longitude). Geometries
    that do not touch both +180 and -180 come back unchanged.
    """
    parts = _flat_parts(geom)
    polys = [p for p in parts if isinstance(p, shapely.Polygon)]
    east = [p for p in polys if _touches(p, 180.0)]
    west = [p for p in polys if _touches(p, -180.0) and not _touches(p, 180.0)
            and p.bounds[2] <= 0.0]
    if not east or not west:
        return geom
    moved = [shapely.transform(p, lambda xy: xy + np.array([360.0, 0.0])) for p in west]
    joined = shapely.get_parts(shapely.union_all(east + moved))
    keep = [p for p in parts if not any(p is q for q in east + west)]
    out = [*joined, *keep]
    if all(isinstance(p, shapely.Polygon) for p in out):
        return out[0] if len(out) == 1 else shapely.MultiPolygon(out)
    return shapely.GeometryCollection(out)


def unwrap_lon(lon: np.ndarray, ref: float | None = None) -> np.ndarray:
    """Longitudes made continuous (no 360-degree jumps), starting near *ref*."""
    lon = np.asarray(lon, dtype="float64")
    if len(lon) == 0:
        return lon
    out = np.unwrap(lon, period=360.0)
    if ref is not None:
        out = out - 360.0 * np.round((out[0] - ref) / 360.0)
    return out


def _unit_vectors(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    lam, phi = np.radians(lon), np.radians(lat)
    cphi = np.cos(phi)
    return np.column_stack([cphi * np.cos(lam), cphi * np.sin(lam), np.sin(phi)])


def centre_and_spread(lon: np.ndarray, lat: np.ndarray) -> tuple[float, float, float]:
    """Centre (lon, lat) of a point cloud on the sphere and its angular radius in degrees."""
    vec = _unit_vectors(lon, lat)
    mean = vec.mean(axis=0)
    norm = float(np.linalg.norm(mean))
    if norm < 1e-9:
        return 0.0, 0.0, 180.0
    mean /= norm
    clon = float(np.degrees(np.arctan2(mean[1], mean[0])))
    clat = float(np.degrees(np.arcsin(np.clip(mean[2], -1.0, 1.0))))
    spread = float(np.degrees(np.arccos(np.clip((vec @ mean).min(), -1.0, 1.0))))
    return clon, clat, spread


def wrap_near(lon: Any, lon0: float) -> Any:
    """Longitudes moved by whole turns to within 180 degrees of *lon0*.

    Values already within 180 degrees are returned unchanged (bit for bit), so
    data far from the antimeridian takes the same path as before.
    """
    arr = np.asarray(lon, dtype="float64")
    far = np.abs(arr - lon0) > 180.0
    if not far.any():
        return lon
    moved = np.where(far, lon0 + (arr - lon0 + 180.0) % 360.0 - 180.0, arr)
    return float(moved) if moved.ndim == 0 else moved


class LocalProjection:
    """An oblique stereographic (conformal) projection centred on (lon0, lat0).

    ``transform(lon, lat)`` goes to x/y and ``transform(x, y,
    direction="INVERSE")`` back (longitudes then continuous around ``lon0``,
    possibly beyond +-180); ``parallel_scale(lon, lat)`` gives the scale factor.
    Longitudes are first moved to within 180 degrees of ``lon0``: PROJ's
    ``sterea`` maps longitude through the Gauss sphere (``C * lambda`` with
    ``C != 1``), so with ``+over`` the same place written as 180 and -180 would
    land kilometres apart.
    """

    def __init__(self, lon0: float, lat0: float) -> None:
        self.lon0 = lon0
        definition = (
            f"+proj=sterea +lat_0={lat0!r} +lon_0={lon0!r} +k=1 +x_0=0 +y_0=0 +ellps=WGS84 "
            "+over"
        )
        self._trans = pyproj.Transformer.from_pipeline(definition)
        self._proj = pyproj.Proj(definition)

    def transform(self, x: Any, y: Any, direction: str = "FORWARD") -> tuple[Any, Any]:
        if direction == "FORWARD":
            x = wrap_near(x, self.lon0)
        return self._trans.transform(x, y, direction=direction)

    def parallel_scale(self, lon: Any, lat: Any) -> np.ndarray:
        lon = wrap_near(lon, self.lon0)
        lat = np.clip(lat, -90.0, 90.0)
        return np.asarray(self._proj.get_factors(lon, lat).parallel_scale)


@lru_cache(maxsize=32)
def local_projection(lon0: float, lat0: float) -> LocalProjection:
    """The :class:`LocalProjection` centred on (lon0, lat0); cached: round the centre."""
    return LocalProjection(lon0, lat0)


def projection_for(lon: np.ndarray, lat: np.ndarray) -> LocalProjection:
    clon, clat, _ = centre_and_spread(lon, lat)
    return local_projection(round(clon, 2), round(clat, 2))


def _along_track(d: np.ndarray, cos_t: np.ndarray) -> np.ndarray:
    """Signed along-track distance of a point at distance *d* and angle theta (sphere)."""
    x = d / R_MEAN
    return R_MEAN * np.arctan2(np.sin(x) * cos_t, np.cos(x))


def refine(
    plon: np.ndarray,
    plat: np.ndarray,
    alon: np.ndarray,
    alat: np.ndarray,
    az: np.ndarray,
    seg_len: np.ndarray,
    s0: np.ndarray,
    *,
    max_iter: int = 12,
    tol_m: float = 1e-9,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact distance from points to geodesic segments, pair by pair.

    Each pair is point ``P`` and the geodesic that leaves ``A`` with azimuth
    ``az`` for ``seg_len`` metres; ``s0`` is a first guess of the arc length of
    the nearest point. Returns the distance and the nearest point (lon, lat).
    Every returned point lies on its segment, so each distance is an upper
    bound that converges to the minimum (error below *tol_m*).
    """
    n = len(plon)
    s = np.clip(s0, 0.0, seg_len)
    best = np.full(n, np.inf)
    qlon_best = np.empty(n)
    qlat_best = np.empty(n)
    active = np.arange(n)
    for _ in range(max_iter):
        if len(active) == 0:
            break
        sa = s[active]
        qlon, qlat, baz = GEOD.fwd(alon[active], alat[active], az[active], sa)
        az_qp, _, d = GEOD.inv(qlon, qlat, plon[active], plat[active])
        better = d < best[active]
        idx = active[better]
        best[idx] = d[better]
        qlon_best[idx] = qlon[better]
        qlat_best[idx] = qlat[better]
        # angle between the segment direction at Q (baz + 180) and the direction to P
        cos_t = -np.cos(np.radians(az_qp - baz))
        s_new = np.clip(sa + _along_track(d, cos_t), 0.0, seg_len[active])
        step = np.abs(s_new - sa)
        s[active] = s_new
        # distance error at the current foot is about step**2 / (2 d) (at most step)
        err = np.minimum(step, step * step / (2.0 * np.maximum(d, 1e-300)))
        active = active[err > tol_m]
    if len(active):
        log.debug("refine: %d pairs did not converge to %g m", len(active), tol_m)
    return best, qlon_best, qlat_best
