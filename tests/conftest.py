"""Shared fixtures: scalar/array inputs, a synthetic border line, a GBAO-like polygon.

With ``BORDERKIT_NO_SKIP=1`` (set by ``.ci/run``) a skipped test fails instead, so
that a missing Chromium, font or extra on the CI machine cannot pass as green. The
fuzz tests (``make fuzz``) and expected failures are exempt.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import shapely


@pytest.fixture(params=["scalar", "array"])
def scalar_and_array(request):
    """Run a test with scalar and with array inputs (pyproj's fixture of the same name).

    Returns a converter: ``float`` for scalars, one-element arrays otherwise.
    """
    if request.param == "scalar":
        return float
    return lambda value: np.array([value], dtype="float64")


def _border_line(n: int = 2000, seed: int = 7) -> shapely.LineString:
    """A meandering line from (73.5, 39.4) to (74.9, 37.2), like a ridge-line border.

    Sideways offsets from the straight line, summed from random waves of all
    scales, so it wiggles like a border yet never crosses itself.
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


def _gbao_like(n: int = 1500, seed: int = 3) -> shapely.Polygon:
    """A star-shaped polygon with concave bays, about the size and place of GBAO."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    radius = np.ones(n)
    for k in range(1, 40):
        radius += rng.normal(0.0, 0.25 / k) * np.cos(k * t + rng.uniform(0.0, 2 * np.pi))
    radius = np.clip(radius, 0.3, None)
    lon = 72.9 + 2.2 * radius * np.cos(t)
    lat = 38.2 + 1.2 * radius * np.sin(t)
    return shapely.Polygon(np.column_stack([lon, lat]))


@pytest.fixture(scope="session")
def border_line() -> shapely.LineString:
    return _border_line()


@pytest.fixture(scope="session")
def gbao_like() -> shapely.Polygon:
    poly = _gbao_like()
    assert poly.is_valid
    return poly


def _shipped(loader: str, *args):
    from borderkit import data

    return getattr(data, loader)(*args).to_crs("EPSG:4326").geometry.union_all()


@pytest.fixture(scope="session")
def shipped_border() -> shapely.Geometry:
    """The shipped China-Tajikistan border line."""
    return _shipped("border", "CHN", "TJK")


@pytest.fixture(scope="session")
def shipped_gbao() -> shapely.Geometry:
    """The shipped GBAO polygon."""
    return _shipped("region", "GBAO")


_FUZZ = Path(__file__).parent / "fuzz"


def _no_skip() -> bool:
    return os.environ.get("BORDERKIT_NO_SKIP", "") not in ("", "0")


def _fail_skip(report, where: str) -> None:
    reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
    report.outcome = "failed"
    report.longrepr = (
        f"{where} was skipped, and BORDERKIT_NO_SKIP=1 forbids skips ({reason}). "
        "Install what it needs (see .ci/run) or unset BORDERKIT_NO_SKIP."
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    report = (yield).get_result()
    if (
        _no_skip()
        and report.skipped
        and not hasattr(report, "wasxfail")
        and _FUZZ not in Path(item.path).parents
    ):
        _fail_skip(report, item.nodeid)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    report = (yield).get_result()
    if _no_skip() and report.skipped and _FUZZ not in Path(collector.path).parents:
        _fail_skip(report, f"module {collector.nodeid}")
