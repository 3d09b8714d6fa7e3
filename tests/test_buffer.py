"""borderkit.buffer: every vertex and edge midpoint within tolerance of the true distance."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from borderkit import CoordinateError, DataError, GeometryError
from borderkit.buffers import buffer, rings
from borderkit.measure import distance, distance_to

GEOD = pyproj.Geod(ellps="WGS84")
CENTER = (73.2, 38.0)


def boundary_samples(geom: shapely.Geometry) -> np.ndarray:
    """Every vertex and every (lon/lat) edge midpoint of a polygonal geometry's rings."""
    out = []
    for poly in shapely.get_parts(geom):
        for ring in [poly.exterior, *poly.interiors]:
            xy = shapely.get_coordinates(ring)
            out += [xy, (xy[:-1] + xy[1:]) / 2]
    return np.vstack(out)


@pytest.mark.parametrize("radius", [50e3, 200e3, 500e3])
def test_point_buffer_within_tolerance(radius):
    got = buffer(shapely.Point(*CENTER), radius)
    assert isinstance(got, shapely.Polygon) and got.is_valid
    xy = boundary_samples(got)
    d = distance(CENTER, (xy[:, 0], xy[:, 1])).to_numpy()
    assert np.abs(d - radius).max() <= 1.0
    # and not by accident: a coarser tolerance gives fewer vertices, still within it
    coarse = buffer(shapely.Point(*CENTER), radius, tolerance_m=50.0)
    xy = boundary_samples(coarse)
    assert len(xy) < len(boundary_samples(got)) / 4
    assert np.abs(distance(CENTER, (xy[:, 0], xy[:, 1])).to_numpy() - radius).max() <= 50.0


@pytest.mark.parametrize("radius", [5e3, 50e3, 200e3, 500e3])
def test_polygon_buffer_within_tolerance(gbao_like, radius):
    got = buffer(gbao_like, radius)
    assert got.is_valid and got.contains(gbao_like)
    xy = boundary_samples(got)
    d = distance_to((xy[:, 0], xy[:, 1]), gbao_like, boundary=True).to_numpy()
    assert np.abs(d - radius).max() <= 1.0


def test_shipped_gbao_buffer(shipped_gbao):
    got = buffer(shipped_gbao, 50e3)
    xy = boundary_samples(got)
    d = distance_to((xy[:, 0], xy[:, 1]), shipped_gbao, boundary=True).to_numpy()
    assert np.abs(d - 50e3).max() <= 1.0


def test_negative_buffer_shrinks_polygon(gbao_like):
    got = buffer(gbao_like, -20e3)
    assert got.is_valid and gbao_like.contains(got)
    xy = boundary_samples(got)
    d = distance_to((xy[:, 0], xy[:, 1]), gbao_like, boundary=True).to_numpy()
    assert np.abs(d - 20e3).max() <= 1.0
    assert buffer(gbao_like, -1_000e3).is_empty


def test_line_buffer_within_tolerance(border_line):
    got = buffer(border_line, 30e3, tolerance_m=2.0)
    assert got.is_valid and got.contains(border_line)
    xy = boundary_samples(got)
    d = distance_to((xy[:, 0], xy[:, 1]), border_line).to_numpy()
    assert np.abs(d - 30e3).max() <= 2.0
    assert buffer(border_line, -5.0).is_empty


def test_multipoint_buffer_is_the_union_of_circles():
    got = buffer(shapely.MultiPoint([(73.0, 38.0), (73.5, 38.0)]), 50e3)
    assert got.geom_type == "Polygon"  # the circles overlap
    xy = boundary_samples(got)
    d = np.minimum(distance((73.0, 38.0), (xy[:, 0], xy[:, 1])).to_numpy(),
                   distance((73.5, 38.0), (xy[:, 0], xy[:, 1])).to_numpy())
    assert np.abs(d - 50e3).max() <= 1.0


def test_returns_same_kind_as_input(gbao_like):
    points = gpd.GeoDataFrame(
        {"name": ["a", "b"]}, geometry=shapely.points([73.0, 74.0], [38.0, 39.0]),
        index=["x", "y"], crs="EPSG:4326",
    )
    frame = buffer(points.to_crs("EPSG:32642"), 10e3)
    assert isinstance(frame, gpd.GeoDataFrame) and frame.crs.to_epsg() == 4326
    assert list(frame.index) == ["x", "y"] and list(frame["name"]) == ["a", "b"]
    xy = shapely.get_coordinates(frame.geometry.iloc[1])
    assert np.abs(distance((74.0, 39.0), (xy[:, 0], xy[:, 1])).to_numpy() - 10e3).max() < 1.0
    series = buffer(gpd.GeoSeries([gbao_like, shapely.Point(70, 37)], crs=4326), [5e3, 20e3])
    assert isinstance(series, gpd.GeoSeries) and series.crs.to_epsg() == 4326
    assert series.geom_type.tolist() == ["Polygon", "Polygon"]
    assert isinstance(buffer(shapely.Point(70, 37), 1e3), shapely.Polygon)
    empty = buffer(gpd.GeoSeries([], crs=4326), 1e3)
    assert isinstance(empty, gpd.GeoSeries) and len(empty) == 0


def test_rings():
    got = rings(CENTER, [50e3, 100e3, 200e3])
    assert isinstance(got, gpd.GeoDataFrame) and got.crs.to_epsg() == 4326
    assert got.radius_m.tolist() == [50e3, 100e3, 200e3]
    for radius, geom in zip(got.radius_m, got.geometry, strict=True):
        xy = boundary_samples(geom)
        assert np.abs(distance(CENTER, (xy[:, 0], xy[:, 1])).to_numpy() - radius).max() <= 1.0
    with pytest.raises(DataError, match="positive"):
        rings(CENTER, [50e3, -1])
    with pytest.raises(DataError, match="one point"):
        rings(([70, 71], [38, 38]), [50e3])


def test_antimeridian_circle_is_split():
    got = buffer(shapely.Point(179.5, 10.0), 200e3)
    assert got.geom_type == "MultiPolygon" and got.is_valid
    xy = shapely.get_coordinates(got)
    assert xy[:, 0].min() >= -180 and xy[:, 0].max() <= 180
    # the two halves together hold about the disc's area
    area, _ = GEOD.geometry_area_perimeter(shapely.geometry.polygon.orient(got))
    assert abs(area) == pytest.approx(np.pi * 200e3**2, rel=2e-3)


def test_buffer_containing_a_pole_raises():
    with pytest.raises(GeometryError, match="North Pole"):
        buffer(shapely.Point(0.0, 88.0), 500e3)


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"distance_m": float("nan")}, DataError, "finite"),
        ({"distance_m": "far"}, DataError, "metres"),
        ({"distance_m": 1e3, "tolerance_m": 0}, DataError, "tolerance_m"),
    ],
)
def test_bad_options(kwargs, error, fragment):
    distance_m = kwargs.pop("distance_m")
    with pytest.raises(error, match=fragment):
        buffer(shapely.Point(70, 38), distance_m, **kwargs)


def test_bad_geometry():
    with pytest.raises(GeometryError, match="empty"):
        buffer(shapely.Polygon(), 1e3)
    with pytest.raises(CoordinateError, match="latitude"):
        buffer(shapely.Point(38.0, 100.0), 1e3)
    with pytest.raises(DataError, match="2 geometries"):
        buffer(gpd.GeoSeries(shapely.points([0, 1], [0, 1]), crs=4326), [1e3, 2e3, 3e3])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.floats(60.0, 80.0), st.floats(30.0, 45.0), st.floats(1e3, 300e3),
    st.floats(-180.0, 180.0), st.floats(0.0, 0.99),
)
def test_buffer_containment(lon, lat, radius, azimuth, frac):
    disc = buffer(shapely.Point(lon, lat), radius)
    inside_lon, inside_lat, _ = GEOD.fwd(lon, lat, azimuth, frac * (radius - 2.0))
    outside_lon, outside_lat, _ = GEOD.fwd(lon, lat, azimuth, radius + 2.0 + frac * radius)
    assert disc.contains(shapely.Point(inside_lon, inside_lat))
    assert not disc.contains(shapely.Point(outside_lon, outside_lat))


@pytest.mark.parametrize(("lat", "radius"), [(38.0, 50e3), (38.0, 800e3), (-75.0, 500e3)])
def test_circle_vertices_are_exact(lat, radius):
    # interpolated (FFT) or direct, every vertex sits at the same geodesic distance
    circle = buffer(shapely.Point(73.0, lat), radius)
    xy = shapely.get_coordinates(circle)
    d = distance((73.0, lat), (xy[:, 0], xy[:, 1])).to_numpy()
    assert d.max() - d.min() < 1e-6
    assert 0 <= d.mean() - radius <= 1.0


def test_tiny_circles_are_refused_and_1mm_is_valid():
    with pytest.raises(DataError, match=r"radii_m: a circle of radius 1e-09 m"):
        rings(CENTER, [1e-9])
    with pytest.raises(DataError, match=r"distance_m: a circle of radius 1e-06 m"):
        buffer(shapely.Point(179.99, 66.0), 1e-6)
    for center in [CENTER, (179.9999, 66.0), (-180.0, -45.0)]:
        geom = rings(center, [1e-3]).geometry.iloc[0]
        assert geom.is_valid and not geom.is_empty


def test_invalid_polygons_are_refused_with_the_reason():
    bow_tie = shapely.Polygon([(69, 38), (70, 39), (70, 38), (69, 39), (69, 38)])
    with pytest.raises(GeometryError, match=r"row 'x': the polygon is invalid \(Self-int"):
        buffer(gpd.GeoSeries([bow_tie], index=["x"], crs=4326), 1000)
    with pytest.raises(GeometryError, match="make_valid"):
        buffer(bow_tie, 0)
    # parts that touch (a polygon split at 180) are fine: the buffer is their union
    touching = shapely.MultiPolygon([shapely.box(70, 38, 71, 39), shapely.box(71, 38, 72, 39)])
    assert buffer(touching, 1000).is_valid
