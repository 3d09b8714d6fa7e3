"""Distance to many features at once, with the nearest one's id (issue 13 §4).

``distance_to(points, frame, nearest="id")`` and ``within(..., nearest=...)``
name the nearest row; targets spread over the whole globe (all land borders of
the world) go through :class:`borderkit._world_index.GlobeIndex`, checked here
against a brute-force geographiclib minimisation, including at the poles and
across the antimeridian. No test depends on the shipped world data.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geographiclib.geodesic import Geodesic

from borderkit import measure
from borderkit._ellipsoid import GEOD
from borderkit._geodesic import SegmentIndex
from borderkit._testing import land_points, segment_distance, world_lines
from borderkit._world_index import GlobeIndex
from borderkit.errors import DataError

WGS = Geodesic.WGS84


def _reference(lon: float, lat: float, lines: list[shapely.LineString]) -> tuple[float, int]:
    """Brute force with geographiclib: vertex bounds, then golden section per segment.

    Returns the distance in metres and the position of the nearest line.
    """
    found, which = math.inf, -1
    cands = []
    for k, line in enumerate(lines):
        xy = np.asarray(line.coords)
        dv = np.array([WGS.Inverse(lat, lon, y, x)["s12"] for x, y in xy])
        if dv.min() < found:
            found, which = float(dv.min()), k
        for i in range(len(xy) - 1):
            seg = WGS.Inverse(xy[i, 1], xy[i, 0], xy[i + 1, 1], xy[i + 1, 0])["s12"]
            cands.append(((dv[i] + dv[i + 1] - seg) / 2, k, xy[i], xy[i + 1]))
    for lower, k, a, b in sorted(cands, key=lambda c: c[0]):
        if lower > found:
            break
        value = segment_distance(lon, lat, a, b)
        if value < found:
            found, which = value, k
    return found, which


def _globe_lines() -> list[shapely.LineString]:
    """Lines all over the globe: near both poles, across the antimeridian, everywhere."""
    rng = np.random.default_rng(3)
    lines = [
        # a ring around the north pole at 88.5 N, and one near the south pole
        shapely.LineString([(lon, 88.5) for lon in np.arange(-180.0, 181.0, 20.0)]),
        shapely.LineString([(lon, -87.0) for lon in np.arange(-170.0, 171.0, 34.0)]),
        # across the antimeridian, written with the jump from 179.x to -179.x
        shapely.LineString([(178.5, 10.0), (179.6, 10.4), (-179.7, 10.9), (-178.4, 11.6)]),
        shapely.LineString([(-179.2, -40.0), (179.3, -40.5), (178.0, -41.0)]),
    ]
    for _ in range(10):
        lon0, lat0 = rng.uniform(-180, 180), rng.uniform(-70, 70)
        steps = rng.normal(0.0, 0.4, (12, 2)).cumsum(axis=0)
        xy = np.column_stack([lon0 + steps[:, 0], lat0 + steps[:, 1]])
        xy[:, 0] = (xy[:, 0] + 180.0) % 360.0 - 180.0
        lines.append(shapely.LineString(xy))
    return lines


def _frame(lines: list, ids: list | None = None) -> gpd.GeoDataFrame:
    ids = ids if ids is not None else [f"L{i}" for i in range(len(lines))]
    return gpd.GeoDataFrame({"id": ids}, geometry=lines, crs="EPSG:4326")


@pytest.fixture(scope="module")
def globe() -> gpd.GeoDataFrame:
    return _frame(_globe_lines())


def _places() -> tuple[np.ndarray, np.ndarray]:
    """Query points anywhere, with the poles and both sides of the antimeridian."""
    rng = np.random.default_rng(8)
    lon = np.r_[rng.uniform(-180, 180, 10), 0.0, 123.0, 180.0, -180.0, 179.9, -179.95, 45.0]
    lat = np.r_[np.degrees(np.arcsin(rng.uniform(-1, 1, 10))), 90.0, -90.0, 10.6, 10.6,
                -40.3, -40.2, 89.0]
    return lon, lat


def test_world_target_takes_the_globe_index(globe):
    index = SegmentIndex(list(globe.geometry.values))
    assert not index.projected  # spread over the globe: no local projection


def test_world_distances_and_nearest_ids_match_geographiclib(globe):
    lon, lat = _places()
    got = measure.distance_to((lon, lat), globe, nearest="id")
    lines = list(globe.geometry.values)
    for i in range(len(lon)):
        ref, which = _reference(lon[i], lat[i], lines)
        assert got["distance_m"].iloc[i] == pytest.approx(ref, abs=1e-6), (lon[i], lat[i])
        assert got["nearest_id"].iloc[i] == f"L{which}", (lon[i], lat[i])


def test_poles_and_antimeridian_are_ordinary_places(globe):
    got = measure.distance_to(([0.0, 77.0, 180.0, -180.0], [90.0, 90.0, 10.6, 10.6]), globe,
                              nearest=True)
    # every longitude names the same pole, and +-180 the same meridian
    assert got["distance_m"].iloc[0] == pytest.approx(got["distance_m"].iloc[1], abs=1e-6)
    assert got["distance_m"].iloc[2] == pytest.approx(got["distance_m"].iloc[3], abs=1e-6)
    assert got["nearest_index"].tolist() == [0, 0, 2, 2]
    # the pole is 1.5 degrees of meridian from the ring at 88.5 N (about 167 km)
    assert 150e3 < got["distance_m"].iloc[0] < 170e3


def test_globe_index_equals_the_projected_search_on_a_compact_target():
    line = world_lines(count=1, vertices=400, seed=1)[0]
    west, south, east, north = line.bounds
    rng = np.random.default_rng(4)
    lon = rng.uniform(west - 3, east + 3, 3000)
    lat = rng.uniform(south - 3, north + 3, 3000)
    projected = SegmentIndex(line)
    assert projected.projected
    d_plane, _, _ = projected.query(lon, lat)
    d_globe, qlon, qlat, segment = GlobeIndex(*_segments(projected)).query(lon, lat)
    np.testing.assert_allclose(d_globe, d_plane, rtol=0, atol=1e-6)
    # the reported nearest point is at the reported distance, on a segment of the line
    _, _, back = GEOD.inv(lon, lat, qlon, qlat)
    np.testing.assert_allclose(back, d_globe, rtol=0, atol=1e-6)
    assert (segment >= 0).all() and (segment < len(projected.seg.az)).all()


def _segments(index: SegmentIndex) -> tuple[np.ndarray, ...]:
    s = index.seg
    return s.alon, s.alat, s.blon, s.blat, s.az, s.length


def test_a_point_does_not_depend_on_the_other_points(globe):
    lon, lat = land_points(4000, seed=9)
    everything = measure.distance_to((lon, lat), globe, nearest="id")
    some = measure.distance_to((lon[::7], lat[::7]), globe, nearest="id")
    np.testing.assert_array_equal(everything["distance_m"].to_numpy()[::7],
                                  some["distance_m"].to_numpy())
    assert everything["nearest_id"].to_numpy()[::7].tolist() == some["nearest_id"].tolist()


def test_nearest_changes_nothing_in_the_distances(globe):
    lon, lat = land_points(2000, seed=2)
    plain = measure.distance_to((lon, lat), globe)
    named = measure.distance_to((lon, lat), globe, nearest="id")
    np.testing.assert_array_equal(plain.to_numpy(), named["distance_m"].to_numpy())
    assert list(named.columns) == ["distance_m", "nearest_id"]


# ---------------------------------------------------------------- the keyword itself
@pytest.fixture
def two_lines() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"id": ["west", "east"], "code": [10, 20]},
        geometry=[shapely.LineString([(74, 37), (74, 39)]),
                  shapely.LineString([(75, 37), (75, 39)])],
        index=["w", "e"], crs="EPSG:4326",
    )


def test_nearest_column_and_row_label(two_lines):
    pts = ([74.1, 74.8, 73.0], [38.0, 38.0, 38.0])
    by_id = measure.distance_to(pts, two_lines, nearest="id")
    assert by_id["nearest_id"].tolist() == ["west", "east", "west"]
    by_code = measure.distance_to(pts, two_lines, nearest="code")
    assert by_code["nearest_code"].tolist() == [10, 20, 10]
    assert by_code["nearest_code"].dtype == np.int64
    by_label = measure.distance_to(pts, two_lines, nearest=True)
    assert by_label["nearest_index"].tolist() == ["w", "e", "w"]
    # each distance is the distance to that row alone
    for i, row in enumerate(by_id["nearest_id"]):
        alone = measure.distance_to((pts[0][i], pts[1][i]),
                                    two_lines.geometry[two_lines["id"] == row].iloc[0])
        assert by_id["distance_m"].iloc[i] == pytest.approx(float(alone.iloc[0]), abs=1e-9)


def test_within_and_nearest_point_name_the_nearest_feature(two_lines):
    events = gpd.GeoDataFrame(
        {"name": ["a", "b", "c"]},
        geometry=shapely.points([74.05, 74.9, 74.5], [38.0, 38.0, 38.0]), crs="EPSG:4326")
    got = measure.within(events, two_lines, 10_000, nearest="id")
    assert got["within"].tolist() == [True, True, False]
    assert got["nearest_id"].tolist() == ["west", "east", "west"]
    assert got["name"].tolist() == ["a", "b", "c"]  # the points' columns stay
    near = measure.nearest_point(events, two_lines, nearest="id")
    assert near["nearest_id"].tolist() == ["west", "east", "west"]
    assert np.allclose(near.geometry.x, [74.0, 75.0, 74.0])


def test_names_of_the_points_stay_first(two_lines):
    events = gpd.GeoDataFrame(
        {"name": ["a", "b"]}, geometry=shapely.points([74.1, 74.8], [38.0, 38.0]),
        crs="EPSG:4326")
    got = measure.distance_to(events, two_lines, nearest="id")
    assert list(got.columns) == ["name", "distance_m", "nearest_id"]


def test_polygon_rows_inside_and_outside():
    squares = gpd.GeoDataFrame(
        {"iso": ["AAA", "BBB"]},
        geometry=[shapely.box(70, 30, 71, 31), shapely.box(71, 30, 72, 31)], crs="EPSG:4326")
    pts = ([70.5, 71.5, 72.2, 70.9], [30.5, 30.5, 30.5, 30.5])
    got = measure.distance_to(pts, squares, nearest="iso")
    assert got["nearest_iso"].tolist() == ["AAA", "BBB", "BBB", "AAA"]
    assert got["distance_m"].iloc[:2].tolist() == [0.0, 0.0]
    assert got["distance_m"].iloc[2] > 0
    # boundary=True: each row's own boundary counts, the shared edge too
    edge = measure.distance_to(pts, squares, nearest="iso", boundary=True)
    assert edge["distance_m"].iloc[3] == pytest.approx(
        float(measure.distance((70.9, 30.5), (71.0, 30.5))), rel=1e-6)


def test_empty_points_keep_the_column(two_lines):
    got = measure.distance_to(np.empty((0, 2)), two_lines, nearest="id")
    assert list(got.columns) == ["distance_m", "nearest_id"] and len(got) == 0


@pytest.mark.parametrize("nearest, target, words", [
    ("nope", "frame", "no such column"),
    (1.5, "frame", "no such column"),
    ("geometry", "frame", "no such column"),
    ("id", "shapely", "GeoDataFrame or GeoSeries"),
])
def test_bad_nearest_is_a_data_error(two_lines, nearest, target, words):
    geometry = two_lines if target == "frame" else two_lines.geometry.iloc[0]
    with pytest.raises(DataError, match=words) as err:
        measure.distance_to((74.1, 38.0), geometry, nearest=nearest)
    if target == "frame":
        assert "'id'" in str(err.value) and "nearest=True" in str(err.value)


def test_nearest_none_and_false_change_nothing(two_lines):
    plain = measure.distance_to(([74.1], [38.0]), two_lines)
    for value in (None, False):
        got = measure.distance_to(([74.1], [38.0]), two_lines, nearest=value)
        assert isinstance(got, pd.Series)
        assert got.tolist() == plain.tolist()


def test_dask_points_with_nearest_equal_in_memory(two_lines):
    dask_geopandas = pytest.importorskip("dask_geopandas")
    rng = np.random.default_rng(1)
    events = gpd.GeoDataFrame(
        geometry=shapely.points(rng.uniform(73, 76, 500), rng.uniform(37, 39, 500)),
        crs="EPSG:4326")
    lazy = measure.distance_to(dask_geopandas.from_geopandas(events, npartitions=3),
                               two_lines, nearest="id")
    got = lazy.compute()
    want = measure.distance_to(events, two_lines, nearest="id")
    np.testing.assert_array_equal(got["distance_m"].to_numpy(), want["distance_m"].to_numpy())
    assert got["nearest_id"].tolist() == want["nearest_id"].tolist()


def test_polygon_rows_spread_over_the_globe():
    boxes = gpd.GeoDataFrame(
        {"iso": ["AAA", "BBB", "CCC"]},
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(120, 40, 121, 41),
                  shapely.box(-100, -30, -99, -29)], crs="EPSG:4326")
    assert not SegmentIndex(list(boxes.geometry.values)).projected
    pts = ([0.5, 120.5, -99.5, 1.5, -101.0], [0.5, 40.5, -29.5, 0.5, -29.5])
    got = measure.distance_to(pts, boxes, nearest="iso")
    assert got["nearest_iso"].tolist() == ["AAA", "BBB", "CCC", "AAA", "CCC"]
    assert got["distance_m"].iloc[:3].tolist() == [0.0, 0.0, 0.0]
    plain = measure.distance_to(pts, boxes)
    np.testing.assert_allclose(got["distance_m"], plain, rtol=0, atol=1e-6)
