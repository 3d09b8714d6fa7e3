"""Shared fixtures: scalar/array inputs, a synthetic border line, a GBAO-like polygon.

The synthetic shapes come from ``borderkit._testing``, which the benchmarks in
``bench/`` import too: one definition, so tests and benchmarks measure the same
geometry.

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

from borderkit._testing import border_line as _border_line
from borderkit._testing import gbao_like as _gbao_like


@pytest.fixture(params=["scalar", "array"])
def scalar_and_array(request):
    """Run a test with scalar and with array inputs (pyproj's fixture of the same name).

    Returns a converter: ``float`` for scalars, one-element arrays otherwise.
    """
    if request.param == "scalar":
        return float
    return lambda value: np.array([value], dtype="float64")


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
