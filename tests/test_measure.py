"""borderkit.measure against geographiclib (Karney's algorithm), the reference."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from geographiclib.geodesic import Geodesic
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from borderkit import CoordinateError, CRSError, DataError, GeometryError
from borderkit.measure import (
    Distance,
    area,
    distance,
    distance_matrix,
    distance_to,
    format_distance,
    geodesic_line,
    length,
    nearest_point,
    within,
)

WGS = Geodesic.WGS84
GEOD = pyproj.Geod(ellps="WGS84")
MICRON = 1e-6
MM = 1e-3


def ref_distance(lon1, lat1, lon2, lat2) -> float:
    return WGS.Inverse(lat1, lon1, lat2, lon2)["s12"]


def _segment_min(lon, lat, a, b) -> float:
    """Brute force: minimise the distance along one geodesic segment (sampling + golden)."""
    line = WGS.InverseLine(a[1], a[0], b[1], b[0])
    total = line.s13

    def f(s: float) -> float:
        pos = line.Position(s)
        return WGS.Inverse(lat, lon, pos["lat2"], pos["lon2"])["s12"]

    samples = np.linspace(0.0, total, 17)
    values = [f(s) for s in samples]
    i = int(np.argmin(values))
    lo, hi = samples[max(i - 1, 0)], samples[min(i + 1, 16)]
    ratio = (math.sqrt(5) - 1) / 2
    c, d = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    fc, fd = f(c), f(d)
    while hi - lo > 1e-7:
        if fc < fd:
            hi, d, fd = d, c, fc
            c = hi - ratio * (hi - lo)
            fc = f(c)
        else:
            lo, c, fc = c, d, fd
            d = lo + ratio * (hi - lo)
            fd = f(d)
    return min(min(values), fc, fd)


_SEG_LEN: dict[bytes, np.ndarray] = {}


def ref_distance_to_line(lon: float, lat: float, coords: np.ndarray) -> float:
    """Reference point-to-polyline distance with geographiclib only.

    Vertex distances bound each segment from below by (dA + dB - L) / 2 (triangle
    inequality); only segments whose bound beats the best vertex are minimised.
    """
    dv = np.array([ref_distance(lon, lat, x, y) for x, y in coords])
    key = coords.tobytes()
    if key not in _SEG_LEN:
        _SEG_LEN[key] = np.array(
            [ref_distance(*coords[i], *coords[i + 1]) for i in range(len(coords) - 1)]
        )
    seg_len = _SEG_LEN[key]
    lower = (dv[:-1] + dv[1:] - seg_len) / 2
    best = dv.min()
    for i in np.argsort(lower):
        if lower[i] > best:
            break
        best = min(best, _segment_min(lon, lat, coords[i], coords[i + 1]))
    return best


# ---------------------------------------------------------------- point to point
def test_distance_region_pairs_match_geographiclib():
    rng = np.random.default_rng(0)
    n = 3000
    lon1, lon2 = rng.uniform(55, 85, n), rng.uniform(55, 85, n)
    lat1, lat2 = rng.uniform(25, 50, n), rng.uniform(25, 50, n)
    got = distance((lon1, lat1), (lon2, lat2))
    ref = np.array([ref_distance(*v) for v in zip(lon1, lat1, lon2, lat2, strict=True)])
    assert isinstance(got, pd.Series) and got.name == "distance_m"
    np.testing.assert_allclose(got.to_numpy(), ref, rtol=0, atol=MICRON)


def _geodtest_like_cases(n: int, seed: int = 1) -> np.ndarray:
    """Global cases in the spirit of GeodTest: random, short, near-antipodal, polar, equatorial."""
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n):
        lat1 = math.degrees(math.asin(rng.uniform(-1, 1)))
        azi1 = rng.uniform(-180, 180)
        kind = rng.integers(0, 5)
        if kind == 0:  # anywhere
            s12 = rng.uniform(0, 20_000_000)
        elif kind == 1:  # short
            s12 = 10 ** rng.uniform(-3, 3)
        elif kind == 2:  # nearly antipodal
            s12 = 20_003_931 - 10 ** rng.uniform(0, 5)
        elif kind == 3:  # from the equator
            lat1 = 0.0
            s12 = rng.uniform(0, 20_000_000)
        else:  # near the poles
            lat1 = math.copysign(90 - 10 ** rng.uniform(-6, 0), rng.uniform(-1, 1))
            s12 = rng.uniform(0, 20_000_000)
        direct = WGS.Direct(lat1, 0.0, azi1, s12)
        lon1 = rng.uniform(-180, 180)
        lon2 = (lon1 + direct["lon2"] + 180) % 360 - 180
        rows.append((lon1, lat1, lon2, direct["lat2"]))
    return np.array(rows)


def test_distance_global_geodtest_style_cases():
    cases = _geodtest_like_cases(1500)
    got = distance((cases[:, 0], cases[:, 1]), (cases[:, 2], cases[:, 3])).to_numpy()
    ref = np.array([ref_distance(*row) for row in cases])
    np.testing.assert_allclose(got, ref, rtol=0, atol=MICRON)


def test_distance_scalar_and_array(scalar_and_array):
    a = (scalar_and_array(68.78), scalar_and_array(38.56))
    b = (scalar_and_array(75.98), scalar_and_array(39.47))
    got = distance(a, b)
    expected = ref_distance(68.78, 38.56, 75.98, 39.47)
    if isinstance(a[0], float):
        assert isinstance(got, float)
    else:
        assert isinstance(got, pd.Series) and len(got) == 1
    assert abs(np.asarray(got).item() - expected) < MICRON


def test_distance_azimuths(scalar_and_array):
    a = (scalar_and_array(71.0), scalar_and_array(37.5))
    b = (scalar_and_array(74.9), scalar_and_array(39.2))
    got = distance(a, b, azimuths=True)
    ref = WGS.Inverse(37.5, 71.0, 39.2, 74.9)
    back = (ref["azi2"] + 360) % 360 - 180  # azimuth at b pointing back to a
    if isinstance(got, Distance):
        values = (got.distance_m, got.azimuth_fwd_deg, got.azimuth_back_deg)
    else:
        assert list(got.columns) == ["distance_m", "azimuth_fwd_deg", "azimuth_back_deg"]
        values = tuple(got.iloc[0])
    assert values[0] == pytest.approx(ref["s12"], abs=MICRON)
    assert values[1] == pytest.approx(ref["azi1"], abs=1e-9)
    assert values[2] == pytest.approx(back, abs=1e-9)


def test_distance_accepts_every_point_form():
    lon, lat = np.array([70.0, 72.5, 74.1]), np.array([36.0, 38.2, 39.9])
    pts = shapely.points(lon, lat)
    expected = distance((lon, lat), (73.0, 38.0)).to_numpy()
    utm = gpd.GeoSeries(pts, crs="EPSG:4326").to_crs("EPSG:32642")
    forms = [
        list(pts),
        np.column_stack([lon, lat]),
        [tuple(p) for p in np.column_stack([lon, lat])],
        gpd.GeoSeries(pts, crs="EPSG:4326"),
        gpd.GeoDataFrame(geometry=utm),
        pd.DataFrame({"lon": lon, "lat": lat}),
    ]
    for form in forms:
        got = distance(form, shapely.Point(73.0, 38.0))
        np.testing.assert_allclose(np.asarray(got), expected, rtol=0, atol=1e-6)
    # plain coordinates in another CRS
    x, y = utm.x.to_numpy(), utm.y.to_numpy()
    got = distance((x, y), (x[1], y[1]), crs="EPSG:32642")
    assert got.iloc[1] == pytest.approx(0.0, abs=1e-6)
    assert got.iloc[0] == pytest.approx(ref_distance(lon[0], lat[0], lon[1], lat[1]), abs=1e-3)


def test_distance_keeps_index_and_reports_precision():
    frame = gpd.GeoDataFrame(
        {"name": ["a", "b"], "precision_m": [2000.0, 2500.0]},
        geometry=shapely.points([70.0, 71.0], [37.0, 37.0]),
        index=["fac1", "fac2"],
        crs="EPSG:4326",
    )
    got = distance(frame, (70.0, 37.01))
    assert list(got.index) == ["fac1", "fac2"]
    assert list(got.columns) == ["distance_m", "distance_min_m", "distance_max_m"]
    np.testing.assert_allclose(
        got.distance_min_m, np.maximum(got.distance_m - [2000, 2500], 0), atol=1e-9
    )
    np.testing.assert_allclose(got.distance_max_m, got.distance_m + [2000, 2500], atol=1e-9)
    # 1.1 km apart with 2 km precision: possibly the same place
    assert got.distance_min_m.iloc[0] == 0.0
    assert got.distance_min_m.iloc[1] > 80_000


def test_distance_matrix_matches_distance():
    a = ([70.0, 71.0, 72.0], [36.0, 37.0, 38.0])
    b = gpd.GeoSeries(shapely.points([73.0, 74.0], [39.0, 40.0]), index=["x", "y"], crs=4326)
    got = distance_matrix(a, b)
    assert got.shape == (3, 2) and list(got.columns) == ["x", "y"]
    for j, key in enumerate(["x", "y"]):
        col = distance(a, (b.x.iloc[j], b.y.iloc[j])).to_numpy()
        np.testing.assert_allclose(got[key].to_numpy(), col, atol=1e-9)


def test_empty_inputs_give_empty_results(border_line):
    empty = gpd.GeoSeries([], crs="EPSG:4326")
    d = distance(empty, (70.0, 38.0))
    assert isinstance(d, pd.Series) and len(d) == 0
    d = distance_to(([], []), border_line)
    assert isinstance(d, pd.Series) and len(d) == 0 and d.name == "distance_m"
    near = nearest_point(empty, border_line)
    assert isinstance(near, gpd.GeoDataFrame) and len(near) == 0
    assert len(area(gpd.GeoSeries([], crs=4326))) == 0


@pytest.mark.parametrize(
    ("a", "error", "fragment"),
    [
        ((np.nan, 38.0), CoordinateError, "NaN"),
        ((38.5, 104.0), CoordinateError, "swapped"),
        ((200.0, 38.0), CoordinateError, "longitude 200"),
        (([70.0, 71.0, np.inf], [38.0, 38.0, 38.0]), CoordinateError, "row 2"),
        (shapely.Point(), GeometryError, "empty"),
        ("74, 38", CoordinateError, "str"),
        (np.zeros((3, 3)), CoordinateError, "shape"),
        (gpd.GeoSeries(shapely.points([70.0], [38.0])), CRSError, "CRS"),
        (gpd.GeoSeries([shapely.LineString([(0, 0), (1, 1)])], crs=4326), GeometryError, "row 0"),
        (gpd.GeoSeries(shapely.points([70.0, 500.0], [38.0, 1.0]), index=["ok", "bad"], crs=4326),
         CoordinateError, "row 'bad'"),
    ],
)
def test_bad_point_inputs_raise_naming_the_row(a, error, fragment):
    with pytest.raises(error, match=fragment):
        distance(a, (70.0, 38.0))


def test_mismatched_lengths_raise():
    with pytest.raises(CoordinateError, match="equal lengths"):
        distance(([70.0, 71.0], [38.0, 38.0]), ([70.0, 71.0, 72.0], [38.0, 38.0, 38.0]))


def test_bad_crs_raises():
    with pytest.raises(CRSError, match="not a CRS"):
        distance((70.0, 38.0), (71.0, 38.0), crs="EPSG:nonsense")


# ---------------------------------------------------------------- point to line
def _points_near(line: shapely.Geometry, n: int, seed: int, spread: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    xmin, ymin, xmax, ymax = line.bounds
    return np.column_stack([
        rng.uniform(xmin - spread, xmax + spread, n),
        rng.uniform(ymin - spread, ymax + spread, n),
    ])


def _check_against_reference(line: shapely.Geometry, pts: np.ndarray) -> None:
    coords = shapely.get_coordinates(line)
    got = distance_to((pts[:, 0], pts[:, 1]), line).to_numpy()
    ref = np.array([ref_distance_to_line(x, y, coords) for x, y in pts])
    np.testing.assert_allclose(got, ref, rtol=0, atol=MM)


def test_distance_to_line_matches_bruteforce_reference(border_line):
    assert len(border_line.coords) == 2000
    pts = _points_near(border_line, 12, seed=2, spread=0.6)
    # and some very close to the line, where the nearest point is mid-segment
    lon, lat, _ = GEOD.fwd(*np.array(border_line.coords)[[100, 900, 1500]].T, [90.0] * 3,
                           [30.0, 200.0, 3.0])
    _check_against_reference(border_line, np.vstack([pts, np.column_stack([lon, lat])]))


def test_distance_to_shipped_border_matches_reference(shipped_border):
    pts = _points_near(shipped_border, 6, seed=5, spread=0.5)
    parts = shapely.get_parts(shipped_border)
    got = distance_to((pts[:, 0], pts[:, 1]), shipped_border).to_numpy()
    ref = np.array([
        min(ref_distance_to_line(x, y, shapely.get_coordinates(p)) for p in parts)
        for x, y in pts
    ])
    np.testing.assert_allclose(got, ref, rtol=0, atol=MM)


def test_distance_to_is_not_the_vertex_distance():
    line = shapely.LineString([(74.0, 37.0), (74.0, 39.0)])
    got = distance_to((74.1, 38.0), line).iloc[0]
    vertex = min(ref_distance(74.1, 38.0, 74.0, 37.0), ref_distance(74.1, 38.0, 74.0, 39.0))
    assert got < vertex / 10
    assert got == pytest.approx(ref_distance_to_line(74.1, 38.0, np.array(line.coords)), abs=MM)


def test_distance_to_long_segments_and_far_points():
    # a 1,500 km segment and points up to 2,000 km away: the segment is split internally
    line = shapely.LineString([(60.0, 30.0), (75.0, 40.0), (70.0, 45.0)])
    pts = np.array([[80.0, 30.0], [50.0, 50.0], [66.0, 36.0], [72.0, 44.0]])
    _check_against_reference(line, pts)


def test_distance_to_global_extent_uses_exact_fallback():
    line = shapely.LineString([(73.5, 39.4), (74.2, 38.5), (74.9, 37.2)])
    pts = np.array([[-120.0, 40.0], [150.0, -30.0], [74.0, 38.0], [0.0, 0.0]])
    _check_against_reference(line, pts)


def test_distance_to_polygon_inside_zero_and_boundary(gbao_like):
    inside = (72.9, 38.2)
    assert distance_to(inside, gbao_like).iloc[0] == 0.0
    to_edge = distance_to(inside, gbao_like, boundary=True).iloc[0]
    ref = ref_distance_to_line(*inside, np.array(gbao_like.exterior.coords))
    assert to_edge == pytest.approx(ref, abs=MM) and to_edge > 10_000
    outside = (80.0, 38.0)
    assert distance_to(outside, gbao_like).iloc[0] == pytest.approx(
        distance_to(outside, gbao_like, boundary=True).iloc[0]
    )


def test_distance_to_polygon_with_hole_and_frame_union():
    shell = [(70, 36), (76, 36), (76, 40), (70, 40)]
    hole = [(72, 37), (74, 37), (74, 39), (72, 39)]
    donut = shapely.Polygon(shell, [hole])
    centre = (73.0, 38.0)  # in the hole: outside the polygon
    got = distance_to(centre, donut).iloc[0]
    assert got == pytest.approx(ref_distance_to_line(*centre, np.array(hole + hole[:1])), abs=MM)
    # two rows sharing an edge: the shared edge is not a boundary of their union
    west = shapely.box(70, 36, 73, 40)
    east = shapely.box(73, 36, 76, 40)
    frame = gpd.GeoDataFrame(geometry=[west, east], crs="EPSG:4326")
    near_shared = (73.01, 38.0)
    assert distance_to(near_shared, frame, boundary=True).iloc[0] > 100_000


def test_distance_to_points_target():
    targets = gpd.GeoSeries(shapely.points([70.0, 75.0], [37.0, 39.0]), crs=4326)
    got = distance_to(([71.0, 74.0], [37.5, 38.5]), targets).to_numpy()
    expected = [ref_distance(71.0, 37.5, 70.0, 37.0), ref_distance(74.0, 38.5, 75.0, 39.0)]
    np.testing.assert_allclose(got, expected, atol=MICRON)


def test_distance_to_precision_bounds(border_line):
    frame = gpd.GeoDataFrame(
        {"precision_m": [500.0, 10_000.0]},
        geometry=shapely.points([73.0, 75.5], [38.0, 38.0]),
        crs="EPSG:4326",
    )
    got = distance_to(frame, border_line)
    assert list(got.columns) == ["distance_m", "distance_min_m", "distance_max_m"]
    assert (got.distance_min_m <= got.distance_m).all()
    np.testing.assert_allclose(got.distance_max_m - got.distance_m, [500.0, 10_000.0])


def test_distance_to_input_in_projected_crs(border_line):
    pts = gpd.GeoSeries(shapely.points([73.2, 74.6], [38.1, 38.9]), crs=4326)
    expected = distance_to(pts, border_line).to_numpy()
    got = distance_to(pts.to_crs("EPSG:32642"),
                      gpd.GeoSeries([border_line], crs=4326).to_crs("EPSG:32643"))
    # the line comes back through two projections: its vertices move by micrometres
    np.testing.assert_allclose(got.to_numpy(), expected, atol=1e-3)


def test_distance_to_rejects_bad_geometry():
    with pytest.raises(GeometryError, match="empty"):
        distance_to((70.0, 38.0), shapely.LineString())
    with pytest.raises(GeometryError, match="no rows"):
        distance_to((70.0, 38.0), gpd.GeoSeries([], crs=4326))
    with pytest.raises(GeometryError, match="shapely geometry"):
        distance_to((70.0, 38.0), [(70.0, 38.0), (71.0, 38.0)])
    with pytest.raises(CoordinateError, match="latitude 95"):
        distance_to((70.0, 38.0), shapely.LineString([(70, 38), (71, 95)]))


def test_nearest_point_is_on_the_line_at_the_reported_distance(border_line):
    pts = _points_near(border_line, 200, seed=9, spread=0.4)
    near = nearest_point((pts[:, 0], pts[:, 1]), border_line)
    assert near.crs.to_epsg() == 4326 and list(near.columns) == ["distance_m", "geometry"]
    back = distance((pts[:, 0], pts[:, 1]), near.geometry).to_numpy()
    np.testing.assert_allclose(back, near.distance_m.to_numpy(), atol=1e-6)
    on_line = distance_to(near.geometry, border_line).to_numpy()
    assert on_line.max() < 1e-6


def test_within_mask_and_table(border_line):
    facilities = gpd.GeoDataFrame(
        {"name": ["near", "far"], "precision_m": [100.0, 20_000.0]},
        geometry=shapely.points([74.2, 76.5], [38.3, 38.3]),
        index=["f1", "f2"],
        crs="EPSG:4326",
    )
    d = distance_to(facilities, border_line).distance_m
    limit = float(d.iloc[1]) + 1_000.0
    res = within(facilities, border_line, limit)
    assert isinstance(res, gpd.GeoDataFrame) and list(res.index) == ["f1", "f2"]
    assert {"name", "distance_m", "within", "within_possible", "within_certain"} <= set(res)
    assert res["within"].tolist() == [True, True]
    assert res["within_certain"].tolist() == [True, False]
    assert res[res["within"]].shape[0] == 2
    res = within(([74.2, 76.5], [38.3, 38.3]), border_line, float(d.iloc[0]) + 1)
    assert res["within"].tolist() == [True, False]
    with pytest.raises(DataError, match="non-negative"):
        within((74.2, 38.3), border_line, -5)


# ---------------------------------------------------------------- area and length
def test_area_matches_pyproj_in_both_orientations(gbao_like):
    ref, _ = GEOD.geometry_area_perimeter(shapely.geometry.polygon.orient(gbao_like, 1.0))
    assert ref > 0
    assert area(gbao_like) == pytest.approx(ref, rel=1e-12)
    assert area(gbao_like.reverse()) == pytest.approx(ref, rel=1e-12)


def test_area_series_holes_and_lines(gbao_like):
    donut = shapely.Polygon([(70, 36), (76, 36), (76, 40), (70, 40)],
                            [[(72, 37), (72, 39), (74, 39), (74, 37)]])
    frame = gpd.GeoDataFrame(
        geometry=[gbao_like, donut, shapely.LineString([(70, 38), (71, 38)])],
        index=["gbao", "donut", "line"],
        crs="EPSG:4326",
    )
    got = area(frame)
    assert got.name == "area_m2" and list(got.index) == ["gbao", "donut", "line"]
    outer = abs(GEOD.polygon_area_perimeter([70, 76, 76, 70], [36, 36, 40, 40])[0])
    inner = abs(GEOD.polygon_area_perimeter([72, 72, 74, 74], [37, 39, 39, 37])[0])
    assert got["donut"] == pytest.approx(outer - inner, rel=1e-12)
    assert got["line"] == 0.0
    # any CRS in: the same polygon in UTM gives (almost) the same area
    assert area(frame.to_crs("EPSG:32642"))["gbao"] == pytest.approx(got["gbao"], rel=1e-6)


def test_shipped_gbao_area(shipped_gbao):
    ref, _ = GEOD.geometry_area_perimeter(shipped_gbao)
    assert area(shipped_gbao) == pytest.approx(abs(ref), rel=1e-9)


def test_shipped_tajikistan_area():
    from borderkit import data

    countries = data.load("countries")
    tjk = countries[countries["iso3"] == "TJK"]
    ref, _ = GEOD.geometry_area_perimeter(tjk.geometry.iloc[0])
    got = area(tjk).iloc[0]
    assert got == pytest.approx(abs(ref), rel=1e-9)
    # CIA World Factbook: land 141,510 km2 (total 144,100 km2 with water)
    assert got / 1e6 == pytest.approx(141_510, rel=0.01)


def test_length_lines_and_perimeters(border_line, gbao_like):
    assert length(border_line) == pytest.approx(GEOD.geometry_length(border_line), rel=1e-12)
    assert length(gbao_like) == pytest.approx(GEOD.geometry_length(gbao_like), rel=1e-12)
    got = length(gpd.GeoSeries([border_line, shapely.Point(70, 38)], crs=4326))
    assert got.name == "length_m" and got.iloc[1] == 0.0


# ---------------------------------------------------------------- geodesic_line
def test_geodesic_line_vertices_lie_on_the_geodesic():
    res = geodesic_line((68.78, 38.56), (116.4, 39.9), max_segment_m=20_000)
    total = ref_distance(68.78, 38.56, 116.4, 39.9)
    assert res.length_m.iloc[0] == pytest.approx(total, abs=MICRON)
    coords = np.array(res.geometry.iloc[0].coords)
    assert len(coords) == math.ceil(total / 20_000) + 1
    via = [ref_distance(68.78, 38.56, x, y) + ref_distance(x, y, 116.4, 39.9) for x, y in coords]
    np.testing.assert_allclose(via, total, atol=1e-6)
    steps = [ref_distance(*coords[i], *coords[i + 1]) for i in range(len(coords) - 1)]
    assert max(steps) <= 20_000 + 1e-6


def test_geodesic_line_many_pairs_and_antimeridian():
    res = geodesic_line(([170.0, 10.0], [50.0, 0.0]), ([-170.0, 20.0], [55.0, 0.0]))
    assert len(res) == 2 and res.crs.to_epsg() == 4326
    crossing = res.geometry.iloc[0]
    assert crossing.geom_type == "MultiLineString"
    xy = shapely.get_coordinates(crossing)
    assert xy[:, 0].min() >= -180 and xy[:, 0].max() <= 180
    assert res.geometry.iloc[1].geom_type == "LineString"
    with pytest.raises(DataError, match="max_segment_m"):
        geodesic_line((0, 0), (1, 1), max_segment_m=0)


# ---------------------------------------------------------------- format_distance
def test_format_distance():
    assert format_distance(312_400) == "312.4 km / 194.1 mi / 168.7 nmi"
    assert format_distance(1852, units="nmi", digits=2) == "1.00 nmi"
    assert format_distance(12_345.6, units=("m",), digits=0) == "12,346 m"
    with pytest.raises(DataError, match=r"allowed values are \['km', 'm', 'mi', 'nmi'\]"):
        format_distance(1000, units=("km", "furlong"))
    with pytest.raises(DataError, match="digits"):
        format_distance(1000, digits=-1)
    with pytest.raises(DataError, match="finite"):
        format_distance(float("nan"))


# ---------------------------------------------------------------- properties
lons = st.floats(60.0, 80.0)
lats = st.floats(30.0, 45.0)
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(lons, lats, lons, lats)
def test_symmetry(lon1, lat1, lon2, lat2):
    assert distance((lon1, lat1), (lon2, lat2)) == pytest.approx(
        distance((lon2, lat2), (lon1, lat1)), abs=1e-8
    )


@FAST
@given(lons, lats, lons, lats, lons, lats)
def test_triangle_inequality(lon1, lat1, lon2, lat2, lon3, lat3):
    a, b, c = (lon1, lat1), (lon2, lat2), (lon3, lat3)
    assert distance(a, c) <= distance(a, b) + distance(b, c) + 1e-8


@FAST
@given(st.integers(0, 1998), st.floats(0.0, 1.0))
def test_point_on_the_line_is_at_distance_zero(border_line, i, frac):
    coords = np.array(border_line.coords)
    line = WGS.InverseLine(coords[i, 1], coords[i, 0], coords[i + 1, 1], coords[i + 1, 0])
    pos = line.Position(frac * line.s13)
    assert distance_to((pos["lon2"], pos["lat2"]), border_line).iloc[0] < 1e-6


def test_one_row_input_broadcasts_like_a_point():
    one = gpd.GeoSeries([shapely.Point(70.0, 38.0)], index=["hq"], crs=4326)
    got = distance(one, ([71.0, 72.0], [38.0, 38.0]))
    expected = [ref_distance(70, 38, 71, 38), ref_distance(70, 38, 72, 38)]
    np.testing.assert_allclose(got.to_numpy(), expected, atol=MICRON)
    assert list(got.index) == [0, 1]
    # two one-row inputs are two places: a Distance, as for two (lon, lat) tuples (issue 15)
    both = distance(one, one)
    assert isinstance(both, Distance) and both == both.min_m == both.max_m == 0.0


@pytest.mark.parametrize("a", [
    pd.DataFrame({"lon": pd.Series([70.0, pd.NA], dtype=object), "lat": [38.0, 38.0]}),
    pd.DataFrame({"lon": pd.array([70.0, None], dtype="Float64"), "lat": [38.0, 38.0]}),
    ([70.0, pd.NA], [38.0, 38.0]),
    [[70.0, 38.0], [pd.NA, 38.0]],
    (np.ma.array([70.0, 999.0], mask=[False, True]), np.array([38.0, 38.0])),
    np.ma.array([[70.0, 38.0], [999.0, 38.0]], mask=[[0, 0], [1, 0]]),
], ids=["object-NA", "Float64-NA", "tuple-NA", "rows-NA", "masked-tuple", "masked-rows"])
def test_missing_and_masked_coordinates_are_refused_like_nan(a):
    with pytest.raises(CoordinateError, match=r"^a: row 1 has a NaN or infinite coordinate"):
        distance(a, (68.78, 38.56))


def test_an_unmasked_masked_array_and_text_columns():
    got = distance(np.ma.array([[70.0, 38.0], [71.0, 38.0]]), (70.0, 38.0))
    assert got.iloc[0] == 0.0 and got.iloc[1] > 0
    with pytest.raises(CoordinateError, match="column 'lon': cannot read coordinates"):
        distance(pd.DataFrame({"lon": ["70", "x"], "lat": [38.0, 38.0]}), (70.0, 38.0))


# ---------------------------------------------------------------- issue 15: stable result types
def test_two_places_give_a_distance_with_or_without_precision():
    import borderkit as bk

    kulob, dushanbe = bk.place("Kulob"), bk.place("Dushanbe")
    exact = distance(tuple(kulob[["lon", "lat"]].iloc[0]), tuple(dushanbe[["lon", "lat"]].iloc[0]))
    approx = distance(kulob, dushanbe)  # both carry precision_m: was a one-row DataFrame
    assert type(exact) is type(approx) is Distance
    assert exact.min_m == exact.max_m == exact.m == exact.distance_m
    spread = float(kulob["precision_m"].iloc[0] + dushanbe["precision_m"].iloc[0])
    assert approx.m == pytest.approx(exact.m, abs=1e-6)
    assert approx.min_m == pytest.approx(approx.m - spread) and not approx.exact
    assert approx.max_m == pytest.approx(approx.m + spread)
    assert float(approx) == approx.m and round(approx / 1000) == 112
    assert distance(kulob, shapely.Point(68.78, 38.56)).max_m > distance(kulob, (68.78, 38.56))
    label = format_distance(approx)  # raised, pasting the whole frame, before issue 15
    assert label == f"{format_distance(approx.m)} (± {spread / 1000:.1f} km)"
    assert format_distance(exact) == format_distance(exact.m)


def test_distance_value_round_trips_and_serialises():
    import json
    import pickle

    d = distance(shapely.Point(68.78, 38.56), (75.98, 39.47), azimuths=True)
    back = pickle.loads(pickle.dumps(d))
    assert isinstance(back, Distance) and repr(back) == repr(d)
    assert json.loads(json.dumps({"d": d}))["d"] == d.m
    assert d.to_dict()["azimuth_fwd_deg"] == d.azimuth_fwd_deg


def test_format_distance_takes_one_row_and_refuses_a_table():
    import borderkit as bk

    one = distance_to(bk.place("shaymak-facility"), bk.border("CHN-TJK"))
    row = one.iloc[0]
    want = format_distance(row["distance_m"])
    assert format_distance(one).startswith(want + " (± ")
    assert format_distance(row) == format_distance(one)
    assert format_distance(pd.Series([1500.0]), units="m", digits=0) == "1,500 m"
    table = distance_to(bk.places(), bk.border("CHN-TJK"))
    with pytest.raises(DataError, match="DataFrame of 11 rows; format_distance formats one") as err:
        format_distance(table)
    assert "Dushanbe" not in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(DataError, match=r"not a ndarray of shape \(1000,\)"):
        format_distance(np.arange(1000.0))


def test_tables_keep_the_names_of_their_rows():
    import borderkit as bk

    four = bk.places().iloc[:4]  # a plain RangeIndex and a name column
    names = list(four["name"])
    matrix = distance_matrix(four, four)  # was indexed 0..3
    assert list(matrix.index) == list(matrix.columns) == names
    assert matrix.index.name == "name"
    assert matrix.loc[names[0], names[2]] == pytest.approx(
        distance(four.iloc[[0]], four.iloc[[2]]).m, abs=1e-6)
    # distance_to keeps the rows' index (assigning back lines up) and copies the names
    places = bk.places()
    got = distance_to(places, bk.border("AFG-TJK"))
    assert list(got.index) == list(places.index) and list(got["name"]) == list(places["name"])
    places["d"] = got["distance_m"]
    assert places["d"].notna().all()
    by_id = distance_to(places.drop(columns="name"), bk.border("AFG-TJK"))
    assert list(by_id["id"]) == list(places["id"])
    # an index that is the input's own naming is kept, and no name column is added
    keyed = four.set_index("id")
    kept = distance_to(keyed, bk.border("AFG-TJK"))
    assert list(kept.index) == list(keyed.index)
    # filtering keeps the rule, whether or not pandas keeps a RangeIndex
    for kinds in (["town"], ["town", "capital"]):
        filtered = bk.places()[bk.places()["kind"].isin(kinds)]
        got = distance_to(filtered, bk.border("AFG-TJK"))
        assert list(got["name"]) == list(filtered["name"])
        assert list(got.index) == list(filtered.index)
    numbered = four.rename_axis("row")  # a named index is the input's own naming
    assert list(distance_matrix(numbered, numbered).index) == [0, 1, 2, 3]
    # repeated or missing names cannot name rows: the index stays
    twice = pd.concat([four, four], ignore_index=True).drop(columns="id")
    assert list(distance_matrix(twice, (70.0, 38.0)).index) == list(range(8))
    assert list(distance_to(twice, bk.border("AFG-TJK")).index) == list(range(8))
    assert "name" not in distance_to(twice, bk.border("AFG-TJK")).columns
