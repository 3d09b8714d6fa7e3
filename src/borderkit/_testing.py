"""Synthetic shapes shared by the test suite and the benchmarks.

The rule: a shape that both ``tests/`` and ``bench/`` use lives here, once, so that
an accuracy test and the benchmark that times the same operation measure the same
geometry. Fixtures that only tests need stay in ``tests/conftest.py``; inputs that
only one benchmark needs stay in that benchmark. Nothing in the package imports
this module (it is stage 0: numpy and shapely only), and ``import borderkit`` does
not load it.
"""

from __future__ import annotations

import numpy as np
import shapely

__all__ = ["border_line", "gbao_like"]


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
