"""Lines and polygons that touch or cross 180 degrees, split (as read_layer gives them) and not.

Distances are checked against geographiclib (Karney's algorithm) with the
brute-force reference of ``test_measure.py``; buffers by measuring their
boundary. The Bering Strait (Russia and the USA either side of 180 degrees, at
66 degrees north) is the real case.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from geographiclib.geodesic import Geodesic

from borderkit.buffers import buffer, rings
from borderkit.measure import area, distance, distance_to, nearest_point, within
from test_measure import ref_distance_to_line

WGS = Geodesic.WGS84
MM = 1e-3

# the issue's line, split at the antimeridian and as one geodesic segment
EQ_SPLIT = shapely.MultiLineString([[(179.5, 0), (180, 0)], [(-180, 0), (-179.5, 0)]])
EQ_LINE = shapely.LineString([(179.5, 0), (-179.5, 0)])
# a line across the Bering Strait, with and without a vertex at 180
BERING = [(169.5, 65.8), (175.0, 66.0), (180.0, 66.1), (-175.0, 66.0), (-169.0, 65.7)]
BERING_SPLIT = shapely.MultiLineString([BERING[:3], [(-180.0, 66.1), *BERING[3:]]])
BERING_LINE = shapely.LineString([p for p in BERING if p[0] != 180.0])
# a polygon across 180 at 66 N: split in two parts, and one ring (geodesic edges)
BOX_SPLIT = shapely.MultiPolygon([shapely.box(179.0, 65.5, 180.0, 66.5),
                                  shapely.box(-180.0, 65.5, -179.0, 66.5)])
BOX_RING = [(179.0, 65.5), (180.0, 65.5), (-179.0, 65.5), (-179.0, 66.5), (180.0, 66.5),
            (179.0, 66.5), (179.0, 65.5)]
BOX_LINE = shapely.Polygon(BOX_RING)  # the same edges, never cut

LINES = {"equator-split": EQ_SPLIT, "equator-line": EQ_LINE,
         "bering-split": BERING_SPLIT, "bering-line": BERING_LINE}


def reference(lon: float, lat: float, geom: shapely.Geometry) -> float:
    """Distance to the nearest part, each part's segments read as geodesics."""
    return min(ref_distance_to_line(lon, lat, shapely.get_coordinates(part))
               for part in shapely.get_parts(geom))


def points_around(lat: float) -> np.ndarray:
    """Points either side of 180 degrees, on it (written both ways) and off the line."""
    lons = [178.5, 179.0, 179.7, 179.99, 180.0, -180.0, -179.99, -179.7, -179.0, -178.5]
    out = [(lon, lat + dlat) for lon in lons for dlat in (-0.6, -0.05, 0.0, 0.3)]
    return np.array(out)


def test_the_issue_case():
    got = distance_to((179.0, 0.05), EQ_SPLIT).iloc[0]
    assert got == pytest.approx(reference(179.0, 0.05, EQ_SPLIT), abs=MM)
    assert got == pytest.approx(55_934, abs=1.0)
    assert bool(within((179.0, 0.05), EQ_SPLIT, 100e3)["within"].iloc[0])


@pytest.mark.parametrize("name", list(LINES))
def test_distance_to_lines_across_180_matches_geographiclib(name):
    geom = LINES[name]
    lat = shapely.get_coordinates(geom)[:, 1].mean()
    pts = points_around(lat)
    got = distance_to((pts[:, 0], pts[:, 1]), geom).to_numpy()
    ref = np.array([reference(x, y, geom) for x, y in pts])
    np.testing.assert_allclose(got, ref, rtol=0, atol=MM)


@pytest.mark.parametrize("name", list(LINES))
def test_nearest_point_across_180_is_on_the_line_at_the_distance(name):
    geom = LINES[name]
    lat = shapely.get_coordinates(geom)[:, 1].mean()
    pts = points_around(lat)
    got = nearest_point((pts[:, 0], pts[:, 1]), geom)
    q = shapely.get_coordinates(got.geometry.values)
    assert (np.abs(q[:, 0]) <= 180.0).all()
    for (x, y), (qx, qy), d in zip(pts, q, got["distance_m"], strict=True):
        assert WGS.Inverse(y, x, qy, qx)["s12"] == pytest.approx(d, abs=MM)
        assert reference(qx, qy, geom) <= MM


def test_a_point_on_180_written_either_way_is_the_same_place():
    for geom in [*LINES.values(), BOX_SPLIT, BOX_LINE]:
        lat = shapely.get_coordinates(geom)[:, 1].mean() + 0.7
        east, west = distance_to(([180.0, -180.0], [lat, lat]), geom).to_numpy()
        assert east == pytest.approx(west, abs=1e-6)


@pytest.mark.parametrize("geom", [BOX_SPLIT, BOX_LINE], ids=["split", "one-ring"])
def test_polygon_across_180_inside_outside_and_boundary(geom):
    ring = shapely.LineString(BOX_RING)
    pts = points_around(66.0)
    inside = np.array([shapely.contains_xy(shapely.box(179.0, 65.5, 181.0, 66.5),
                                           x % 360.0, y) for x, y in pts])
    got = distance_to((pts[:, 0], pts[:, 1]), geom).to_numpy()
    edge = distance_to((pts[:, 0], pts[:, 1]), geom, boundary=True).to_numpy()
    # the cut at 180 is not a boundary: the distance is to the real edges
    ref = np.array([reference(x, y, ring) for x, y in pts])
    np.testing.assert_allclose(edge, ref, rtol=0, atol=MM)
    assert (got[inside] == 0).all()
    np.testing.assert_allclose(got[~inside], ref[~inside], rtol=0, atol=MM)
    flags = within((pts[:, 0], pts[:, 1]), geom, 20e3)["within"].to_numpy()
    assert (flags == (inside | (ref <= 20e3))).all()


def boundary_off(result: shapely.Geometry, geom: shapely.Geometry, r: float) -> float:
    """Largest error of the vertices and edge midpoints of a buffer (the cut left out)."""
    out = []
    for poly in shapely.get_parts(result):
        for ring in [poly.exterior, *poly.interiors]:
            xy = shapely.get_coordinates(ring)
            out += [xy, (xy[:-1] + xy[1:]) / 2]
    xy = np.vstack(out)
    xy = xy[np.abs(xy[:, 0]) != 180.0]
    d = distance_to((xy[:, 0], xy[:, 1]), geom, boundary=True).to_numpy()
    return float(np.abs(d - abs(r)).max())


@pytest.mark.parametrize("name", [*LINES, "box-split", "box-ring"])
@pytest.mark.parametrize("r", [10e3, 80e3])
def test_buffer_across_180_is_split_valid_and_exact(name, r):
    geom = {**LINES, "box-split": BOX_SPLIT, "box-ring": BOX_LINE}[name]
    got = buffer(geom, r)
    assert got.geom_type == "MultiPolygon" and got.is_valid
    xy = shapely.get_coordinates(got)
    assert xy[:, 0].min() == -180.0 and xy[:, 0].max() == 180.0
    assert boundary_off(got, geom, r) <= 1.0


def test_split_and_unsplit_buffers_agree():
    for a, b, r in [(EQ_SPLIT, EQ_LINE, 10e3), (BOX_SPLIT, BOX_LINE, 30e3),
                    (BOX_SPLIT, BOX_LINE, -20e3), (BERING_SPLIT, BERING_LINE, 25e3)]:
        area_a, area_b = area(buffer(a, r)), area(buffer(b, r))
        # the same shape but for the one vertex at 180 (metres of bulge on 100 km)
        assert area_a == pytest.approx(area_b, rel=2e-5)


def test_negative_buffer_of_a_split_polygon_is_not_cut_at_180():
    got = buffer(BOX_SPLIT, -20e3)
    assert got.geom_type == "MultiPolygon" and got.is_valid
    # one shrunken box either side, touching at the cut: no 20 km gap along 180
    assert within((180.0, 66.0), got.buffer(0), 0.0)["within"].iloc[0]
    assert boundary_off(got, BOX_SPLIT, -20e3) <= 1.0


@pytest.mark.parametrize("center", [(179.9, 66.0), (-179.95, 65.8), (180.0, 0.0)])
def test_rings_across_180(center):
    got = rings(center, [20e3, 150e3])
    for radius, geom in zip(got.radius_m, got.geometry, strict=True):
        assert geom.geom_type == "MultiPolygon" and geom.is_valid
        xy = shapely.get_coordinates(geom)
        assert (np.abs(xy[:, 0]) <= 180.0).all()
        xy = xy[np.abs(xy[:, 0]) != 180.0]
        d = distance(center, (xy[:, 0], xy[:, 1])).to_numpy()
        assert np.abs(d - radius).max() <= 1.0
