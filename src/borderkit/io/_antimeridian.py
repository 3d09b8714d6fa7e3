"""Polygons and lines crossing the antimeridian (±180°): detect them and split them there.

The split keeps the geodesic area and length: each edge that crosses 180° gets
the exact point where its geodesic meets the meridian, so clipping only adds
edges along the meridian (itself a geodesic).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import GeometryError
from ._geometry import _collect, _geod


def _unwrap(lons: np.ndarray) -> np.ndarray:
    d = np.diff(lons)
    d = (d + 180.0) % 360.0 - 180.0
    return np.concatenate([lons[:1], lons[0] + np.cumsum(d)])


def _crosses_antimeridian(geom: Any) -> bool:
    import shapely

    for part in shapely.get_parts(geom):
        if part.geom_type in ("Polygon", "MultiPolygon", "LineString", "MultiLineString"):
            rings = (
                shapely.get_rings(part) if "Polygon" in part.geom_type else shapely.get_parts(part)
            )
            for r in rings:
                c = shapely.get_coordinates(r)
                if len(c) > 1 and np.any(np.abs(np.diff(c[:, 0])) > 180):
                    return True
    return False


def _with_crossings(coords: np.ndarray) -> np.ndarray:
    """Unwrap longitudes and insert the exact point where each geodesic edge crosses ±180°.

    Clipping at 180° then only adds edges along the meridian (itself a geodesic),
    so the geodesic area and length are unchanged by the split.
    """
    xy = coords[:, :2].copy()
    xy[:, 0] = _unwrap(xy[:, 0])
    geod = _geod()
    out = [xy[0]]
    for (x0, y0), (x1, y1) in zip(xy[:-1], xy[1:], strict=True):
        k0, k1 = np.floor((x0 + 180.0) / 360.0), np.floor((x1 + 180.0) / 360.0)
        if k0 != k1:
            cross = 360.0 * max(k0, k1) - 180.0  # the meridian 180 + 360 k crossed
            az, _, dist = geod.inv(x0, y0, x1, y1)
            lo, hi = 0.0, 1.0
            for _ in range(60):  # bisection on the fraction of the edge
                mid = 0.5 * (lo + hi)
                lon, _, _ = geod.fwd(x0, y0, az, mid * dist)
                lon = x0 + ((lon - x0 + 180.0) % 360.0 - 180.0)
                if (lon - cross) * (x0 - cross) > 0:
                    lo = mid
                else:
                    hi = mid
            _, lat, _ = geod.fwd(x0, y0, az, hi * dist)
            out.append(np.array([cross, lat]))
        out.append(np.array([x1, y1]))
    return np.array(out)


def _shifted(g: Any, ref: str) -> Any:
    """*g* with continuous longitudes (beyond ±180) and the crossing points inserted."""
    import shapely
    from shapely.geometry import LineString, Polygon

    if g.geom_type == "Polygon":
        ext = _with_crossings(shapely.get_coordinates(g.exterior))
        if abs(ext[-1, 0] - ext[0, 0]) > 1e-9:
            raise GeometryError(
                f"{ref}: the polygon winds once around the globe (it encloses a pole); "
                "borderkit cannot split it at the antimeridian: cut it into pieces"
            )
        centre = ext[:, 0].mean()
        holes = []
        for h in g.interiors:
            hc = _with_crossings(shapely.get_coordinates(h))
            hc[:, 0] += 360.0 * np.round((centre - hc[:, 0].mean()) / 360.0)
            holes.append(hc)
        return Polygon(ext, holes)
    if g.geom_type == "LineString":
        return LineString(_with_crossings(shapely.get_coordinates(g)))
    return g


def _split_antimeridian(geom: Any, ref: str) -> Any:
    """*geom* cut at ±180° into parts that each stay within [-180, 180]."""
    import shapely
    from shapely.geometry import box

    pieces = []
    for part in shapely.get_parts(geom):
        s = _shifted(part, ref)
        for k in (-1, 0, 1):
            window = box(-180 + 360 * k, -90, 180 + 360 * k, 90)
            cut = s.intersection(window)
            if not cut.is_empty:
                pieces.append(shapely.transform(cut, lambda c, k=k: c - [360.0 * k, 0.0]))
    parts = [q for piece in pieces for q in shapely.get_parts(piece)]
    keep = [q for q in parts if q.geom_type in ("Polygon", "LineString", "Point")]
    polys = [q for q in keep if q.geom_type == "Polygon"]
    lines = [q for q in keep if q.geom_type == "LineString"]
    if polys and not lines:
        return shapely.MultiPolygon(polys)
    if lines and not polys:
        return shapely.MultiLineString(lines)
    return _collect(keep)
