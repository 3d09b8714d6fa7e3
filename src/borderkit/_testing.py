"""Synthetic shapes shared by the test suite and the benchmarks.

The rule: a shape that both ``tests/`` and ``bench/`` use lives here, once, so that
an accuracy test and the benchmark that times the same operation measure the same
geometry. Fixtures that only tests need stay in ``tests/conftest.py``; inputs that
only one benchmark needs stay in that benchmark. Nothing in the package imports
this module (it is stage 0: numpy and shapely only; geographiclib, a test extra,
for the reference search), and ``import borderkit`` does
not load it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely

__all__ = ["LAND_BOXES", "border_line", "gbao_like", "land_points", "segment_distance",
           "world_lines"]


def border_line(n: int = 2000, seed: int = 7) -> shapely.LineString:
    """A meandering line from (73.5, 39.4) to (74.9, 37.2), like a ridge-line border.

    Sideways offsets from the straight line, summed from random waves of all
    scales, so it wiggles like a border yet never crosses itself. The same
    ``n`` and ``seed`` give the same line on every machine.

    Examples
    --------
    >>> line = border_line()
    >>> len(line.coords), line.is_simple
    (2000, True)
    >>> line.coords[0], line.coords[-1]
    ((73.5, 39.4), (74.9, 37.2))
    """
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 1.0, n)
    k = np.arange(1, 301)
    amp = rng.normal(0.0, 0.12, len(k)) / k
    phase = rng.uniform(0.0, 2 * np.pi, len(k))
    offset = (amp[None, :] * np.sin(np.pi * k[None, :] * t[:, None] + phase)).sum(axis=1)
    offset -= offset[0] + t * (offset[-1] - offset[0])  # pin both ends
    start, end = np.array([73.5, 39.4]), np.array([74.9, 37.2])
    along = end - start
    normal = np.array([-along[1], along[0]]) / np.hypot(*along)
    xy = start + t[:, None] * along + offset[:, None] * normal
    return shapely.LineString(xy)


def gbao_like(n: int = 1500, seed: int = 3) -> shapely.Polygon:
    """A star-shaped polygon with concave bays, about the size and place of GBAO.

    Examples
    --------
    >>> poly = gbao_like()
    >>> poly.is_valid, len(poly.exterior.coords)
    (True, 1501)
    """
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    radius = np.ones(n)
    for k in range(1, 40):
        radius += rng.normal(0.0, 0.25 / k) * np.cos(k * t + rng.uniform(0.0, 2 * np.pi))
    radius = np.clip(radius, 0.3, None)
    lon = 72.9 + 2.2 * radius * np.cos(t)
    lat = 38.2 + 1.2 * radius * np.sin(t)
    return shapely.Polygon(np.column_stack([lon, lat]))


# rough boxes (west, south, east, north) over the continents, for world-scale inputs
LAND_BOXES = (
    (-125.0, 25.0, -70.0, 55.0), (-165.0, 55.0, -60.0, 70.0), (-80.0, -50.0, -35.0, 10.0),
    (-10.0, 36.0, 40.0, 60.0), (-15.0, -35.0, 50.0, 35.0), (40.0, 10.0, 140.0, 55.0),
    (60.0, 55.0, 180.0, 72.0), (95.0, -10.0, 150.0, 20.0),
)


def _box_weights() -> np.ndarray:
    """Box areas on the sphere (steradians), to draw places evenly over them."""
    b = np.radians(np.array(LAND_BOXES))
    area = (b[:, 2] - b[:, 0]) * (np.sin(b[:, 3]) - np.sin(b[:, 1]))
    return area / area.sum()


def land_points(n: int, seed: int = 11) -> tuple[np.ndarray, np.ndarray]:
    """*n* points (lon, lat) spread evenly over :data:`LAND_BOXES` (area-weighted).

    Examples
    --------
    >>> lon, lat = land_points(1000)
    >>> len(lon), bool((lat > -50).all() and (lat < 72).all())
    (1000, True)
    """
    rng = np.random.default_rng(seed)
    box = np.array(LAND_BOXES)[rng.choice(len(LAND_BOXES), n, p=_box_weights())]
    lon = rng.uniform(box[:, 0], box[:, 2])
    sin_lat = rng.uniform(np.sin(np.radians(box[:, 1])), np.sin(np.radians(box[:, 3])))
    return lon, np.degrees(np.arcsin(sin_lat))


def world_lines(
    count: int = 350, vertices: int = 900, length_km: float = 450.0, seed: int = 5
) -> list[shapely.LineString]:
    """*count* meandering lines over :data:`LAND_BOXES`, like the world's land borders.

    The defaults give about 250,000 km of lines and 315,000 vertices (the real
    land borders: ~250,000 km, several 100,000 vertices). Longitudes are clipped
    to [-180, 180]. The same arguments give the same lines on every machine.

    Examples
    --------
    >>> lines = world_lines(count=20, vertices=100)
    >>> len(lines), all(line.is_simple for line in lines)
    (20, True)
    """
    rng = np.random.default_rng(seed)
    lon0, lat0 = land_points(count, seed=seed + 1)
    t = np.linspace(0.0, 1.0, vertices)
    k = np.arange(1, 61)
    lines = []
    for i in range(count):
        amp = rng.normal(0.0, 0.08, len(k)) / k
        phase = rng.uniform(0.0, 2 * np.pi, len(k))
        offset = (amp[None, :] * np.sin(np.pi * k[None, :] * t[:, None] + phase)).sum(axis=1)
        offset -= offset[0] + t * (offset[-1] - offset[0])
        heading = rng.uniform(0.0, 2 * np.pi)
        span = length_km / 111.0 * rng.uniform(0.5, 1.5)
        along = np.array([np.cos(heading), np.sin(heading)]) * span
        normal = np.array([-along[1], along[0]])
        xy = t[:, None] * along + offset[:, None] * normal
        xy[:, 0] /= max(np.cos(np.radians(lat0[i])), 0.2)
        xy += [lon0[i], lat0[i]]
        xy[:, 0] = np.clip(xy[:, 0], -180.0, 180.0)
        xy[:, 1] = np.clip(xy[:, 1], -89.0, 89.0)
        lines.append(shapely.LineString(xy))
    return lines


def segment_distance(lon: float, lat: float, a: Any, b: Any, tol: float = 1e-6) -> float:
    """Brute-force reference: the geodesic distance (m) from (lon, lat) to the geodesic
    segment a-b (each ``(lon, lat)``), by golden-section search along the segment with
    geographiclib (a test extra, imported here) until the bracket is under *tol* metres.

    The accuracy tests and the benchmarks compare borderkit against this one search.
    """
    from geographiclib.geodesic import Geodesic

    wgs = Geodesic.WGS84
    line = wgs.InverseLine(a[1], a[0], b[1], b[0])

    def f(s: float) -> float:
        pos = line.Position(s)
        return float(wgs.Inverse(lat, lon, pos["lat2"], pos["lon2"])["s12"])

    ratio = (math.sqrt(5) - 1) / 2
    lo, hi = 0.0, line.s13
    while hi - lo > tol:
        c, d = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
        if f(c) < f(d):
            hi = d
        else:
            lo = c
    return f((lo + hi) / 2)
