"""Bounded time and memory, measuring: the inputs that hung the buffer or took gigabytes.

Each runs under :func:`limits.run_limited` (10 s, 1 GB beyond an idle import)
from a WKT file of under 200 bytes; the catalogue cases of the same ids are in
``test_measuring.py``.
"""

from __future__ import annotations

import pytest

from .limits import run_limited

RUN = """
import shapely
geom = shapely.from_wkt(path.read_text())
try:
    got = bk.buffer(geom, {r})
except bk.BorderkitError as err:
    print(type(err).__name__, err)
else:
    print(got.geom_type, got.is_valid, shapely.bounds(got)[[0, 2]].tolist())
"""

CASES = {
    # was: more than 10 minutes in _query_exhaustive
    "antimeridian-buffer-split-line": (
        "MULTILINESTRING ((179.5 0, 180 0), (-180 0, -179.5 0))", 10e3,
        "MultiPolygon True [-180.0, 180.0]"),
    # was: a raw GEOSException after 3 minutes and 2.7 GB
    "antimeridian-buffer-unsplit-line": ("LINESTRING (179.5 0, -179.5 0)", 10e3,
                                         "MultiPolygon True [-180.0, 180.0]"),
    "antimeridian-buffer-split-polygon": (
        "MULTIPOLYGON (((179 65.5, 180 65.5, 180 66.5, 179 66.5, 179 65.5)), "
        "((-180 65.5, -179 65.5, -179 66.5, -180 66.5, -180 65.5)))", 10e3,
        "MultiPolygon True [-180.0, 180.0]"),
    # was: more than 6 minutes
    "buffer-bow-tie-polygon": ("POLYGON ((69 38, 70 39, 70 38, 69 39, 69 38))", 1000,
                               "GeometryError geometry: the polygon is invalid "
                               "(Self-intersection[69.5 38.5])"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_measuring_input_within_limits(case, tmp_path):
    wkt, r, expected = CASES[case]
    path = tmp_path / "geometry.wkt"
    path.write_text(wkt)
    got = run_limited(RUN.format(r=r), path)
    assert got.within_limits() == "", got
    assert got.stdout.startswith(expected), got.stdout
