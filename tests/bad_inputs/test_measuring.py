"""Bad-input catalogue, measuring: each case is one call to borderkit.measure / buffers.

Every case checks either the typed error and its message, or the exact result
(type, columns, dtype, value). The table in ``docs/bad_inputs.md`` is generated
from ``CASES`` (``python -m tests.bad_inputs > docs/bad_inputs.md``) and a test
checks that every case id is in it.

Conventions under test: coordinates are ``(lon, lat)`` everywhere; a swapped
pair is caught when a latitude is beyond +-90, and cannot be caught when both
values are valid either way round (the undetectable cases are cases too).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from borderkit import CoordinateError, CRSError, DataError, GeometryError
from borderkit.buffers import buffer, rings
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

from .test_loading import Raises, outcome

GEOD = pyproj.Geod(ellps="WGS84")

DUSHANBE = (68.78, 38.56)
KHORUGH = (71.55, 37.49)
BEIJING = (116.40, 39.90)
LINE = shapely.LineString([(74.0, 37.0), (74.0, 39.0)])


@dataclass(frozen=True)
class Gives:
    """The call succeeds; *check* asserts the exact result."""

    check: Callable[[Any], Any]
    warning: type[Warning] | None = None  # None: no borderkit warning at all


@dataclass(frozen=True)
class Case:
    id: str
    group: str
    input: str
    outcome: str
    run: Callable[[], Any]
    expect: Raises | Gives


def geod(a: tuple[float, float], b: tuple[float, float]) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


def geod_area(poly: shapely.Geometry) -> float:
    return abs(GEOD.geometry_area_perimeter(poly)[0])


def frame(geoms: Sequence[Any], crs: Any = "EPSG:4326", **columns: Any) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=list(geoms), crs=crs)


def points(*xy: tuple[float, float], index: Sequence[Any] | None = None,
           crs: Any = "EPSG:4326") -> gpd.GeoSeries:
    return gpd.GeoSeries([shapely.Point(p) for p in xy], index=index, crs=crs)


# ----------------------------------------------------------------------------- checks


def is_swapped_distance(d):
    swapped = geod(DUSHANBE[::-1], KHORUGH[::-1])
    assert d == pytest.approx(swapped, abs=1e-6)
    assert abs(d - geod(DUSHANBE, KHORUGH)) > 40_000  # 41 km wrong, and quietly so


def is_dushanbe_khorugh(d):
    # a one-row frame and a point are two places: a Distance (issue 15)
    assert isinstance(d, Distance) and d.min_m == d.max_m == d.m
    assert d.m == pytest.approx(geod(DUSHANBE, KHORUGH), abs=1e-6)


def read_as_rows(d):
    rows = [(68.78, 71.55), (38.56, 37.49)]
    assert list(d) == pytest.approx([geod(rows[0], DUSHANBE), geod(rows[1], DUSHANBE)])


CW = shapely.Polygon([(70, 38), (70, 39), (71, 39), (71, 38)])  # clockwise
CCW = CW.reverse()
HOLE_CW = shapely.Polygon([(70.2, 38.2), (70.2, 38.4), (70.4, 38.4), (70.4, 38.2)])
SHELL_WITH_CW_HOLE = shapely.Polygon(CW.exterior.coords, [HOLE_CW.exterior.coords])


def positive_area(a):
    assert not CW.exterior.is_ccw
    assert a > 0 and a == pytest.approx(geod_area(CCW), rel=1e-12)


def area_minus_hole(a):
    assert a == pytest.approx(geod_area(CCW) - geod_area(HOLE_CW), rel=1e-12)


def area_of_both(s):
    assert s.name == "area_m2" and s.dtype == "float64" and list(s.index) == ["cw", "mixed"]
    assert s["mixed"] == pytest.approx(geod_area(CCW) + geod_area(shapely.box(72, 38, 73, 39)))
    assert s["cw"] == pytest.approx(geod_area(CCW))


def empty_series(name):
    def check(s):
        assert isinstance(s, pd.Series) and not isinstance(s, gpd.GeoSeries)
        assert len(s) == 0 and s.name == name and s.dtype == "float64"

    return check


def empty_bounds_frame(d):
    assert isinstance(d, pd.DataFrame) and len(d) == 0
    assert list(d.columns) == ["distance_m", "distance_min_m", "distance_max_m"]
    assert (d.dtypes == "float64").all()


def empty_nearest(g):
    assert isinstance(g, gpd.GeoDataFrame) and len(g) == 0
    assert list(g.columns) == ["distance_m", "geometry"] and g.crs.to_epsg() == 4326
    assert g["distance_m"].dtype == "float64"


def empty_within(g):
    assert isinstance(g, gpd.GeoDataFrame) and len(g) == 0
    assert list(g.columns) == ["name", "geometry", "distance_m", "within"]
    assert g["within"].dtype == bool and g["distance_m"].dtype == "float64"
    assert g.crs.to_epsg() == 4326


def empty_buffer(g):
    assert isinstance(g, gpd.GeoDataFrame) and len(g) == 0
    assert list(g.columns) == ["name", "geometry"] and g.crs.to_epsg() == 4326


def empty_line(g):
    assert isinstance(g, gpd.GeoDataFrame) and len(g) == 0
    assert list(g.columns) == ["length_m", "geometry"] and g["length_m"].dtype == "float64"


def empty_matrix(m):
    assert isinstance(m, pd.DataFrame) and m.shape == (0, 1) and (m.dtypes == "float64").all()


def utm_like_lonlat(d):
    assert isinstance(d, Distance)  # one row and one point: two places (issue 15)
    assert d.m == pytest.approx(geod(DUSHANBE, KHORUGH), abs=1e-5)


def small_erased_big_kept(g):
    assert list(g.index) == ["small", "big"] and g.crs.to_epsg() == 4326
    assert g["small"].is_empty and g["small"].geom_type == "Polygon"
    assert not g["big"].is_empty and shapely.box(70, 38, 71, 39).contains(g["big"])


def empty_polygon(g):
    assert isinstance(g, shapely.Polygon) and g.is_empty


def same_as_point_distance(d):
    assert d.iloc[0] == pytest.approx(geod(DUSHANBE, KHORUGH), abs=1e-6)


# across the antimeridian: split at 180 as read_layer gives it, and one geodesic segment
EQ_SPLIT = shapely.MultiLineString([[(179.5, 0), (180, 0)], [(-180, 0), (-179.5, 0)]])
EQ_LINE = shapely.LineString([(179.5, 0), (-179.5, 0)])
BOX_SPLIT = shapely.MultiPolygon([shapely.box(179.0, 65.5, 180.0, 66.5),
                                  shapely.box(-180.0, 65.5, -179.0, 66.5)])
BOW_TIE = shapely.Polygon([(69, 38), (70, 39), (70, 38), (69, 39), (69, 38)])


def to_the_line_end(d):
    # the nearest point is the line's end (179.5, 0): 55,934 m (was 129,990 m)
    assert d.iloc[0] == pytest.approx(geod((179.0, 0.05), (179.5, 0.0)), abs=1e-6)


def within_across_180(g):
    assert bool(g["within"].iloc[0])
    assert g["distance_m"].iloc[0] == pytest.approx(55_933.65, abs=0.01)


def to_the_real_edge(d):
    # the cut at 180 is not an edge: the nearest edge is the meridian 1 degree away
    edge = distance_to((180.0, 66.0), shapely.LineString([(179.0, 65.5), (179.0, 66.5)]))
    assert d.tolist() == pytest.approx([edge.iloc[0]] * 2, abs=1e-6)
    assert 45_000 < d.iloc[0] < 46_000


def split_at_180(g):
    assert g.geom_type == "MultiPolygon" and g.is_valid
    xy = shapely.get_coordinates(g)
    assert xy[:, 0].min() == -180.0 and xy[:, 0].max() == 180.0


# ----------------------------------------------------------------------------- cases

SMALL = shapely.box(70.0, 38.0, 70.01, 38.01)  # about 0.9 x 1.1 km
BIG = shapely.box(70.0, 38.0, 71.0, 39.0)
UTM = points(DUSHANBE, index=["Dushanbe"]).to_crs(32642)
PRECISE = frame([shapely.Point(74.05, 38.0), shapely.Point(74.11, 38.0)], name=["a", "b"])

CASES: list[Case] = [
    # ---- argument order: (lon, lat) everywhere
    Case(
        "measure-swapped-pair-detected",
        "argument order",
        "`distance((39.90, 116.40), ...)`: Beijing as (lat, lon)",
        "CoordinateError: 'a: row 0 has latitude 116.4 outside [-90, 90]; coordinates are "
        "(lon, lat) - were they swapped?'",
        lambda: distance(BEIJING[::-1], DUSHANBE),
        Raises(CoordinateError, r"a: row 0 has latitude 116\.4 outside \[-90, 90\].*swapped"),
    ),
    Case(
        "measure-swapped-second-argument",
        "argument order",
        "the same pair as the second argument",
        "CoordinateError naming argument `b`",
        lambda: distance(DUSHANBE, BEIJING[::-1]),
        Raises(CoordinateError, r"^b: row 0 has latitude 116\.4"),
    ),
    Case(
        "measure-swapped-undetectable",
        "argument order",
        "Dushanbe and Khorugh both as (lat, lon): every value valid either way round",
        "measured as written (cannot be told apart: a different, valid pair of places); "
        "use named `lon`/`lat` columns or a GeoDataFrame to avoid it",
        lambda: distance(DUSHANBE[::-1], KHORUGH[::-1]),
        Gives(is_swapped_distance),
    ),
    Case(
        "measure-named-columns-any-order",
        "argument order",
        "a DataFrame with columns `lat, lon` (lat first)",
        "columns are read by name: the right distance",
        lambda: distance(pd.DataFrame({"lat": [DUSHANBE[1]], "lon": [DUSHANBE[0]]}, index=["a"]),
                         KHORUGH),
        Gives(is_dushanbe_khorugh),
    ),
    Case(
        "measure-dataframe-unnamed-columns",
        "argument order",
        "a DataFrame with columns `x, y`",
        "DataError: 'a DataFrame needs 'lon' and 'lat' columns (has ['x', 'y'])'",
        lambda: distance(pd.DataFrame({"x": [70.0], "y": [38.0]}), DUSHANBE),
        Raises(DataError, r"needs 'lon' and 'lat' columns \(has \['x', 'y'\]\)"),
    ),
    Case(
        "measure-transposed-array",
        "argument order",
        "a 2 x 3 array (lons in one row, lats in the other)",
        "CoordinateError: 'expected rows of (lon, lat), got an array of shape (2, 3); a "
        "(lon_array, lat_array) pair must be a tuple'",
        lambda: distance(np.array([[68.78, 71.55, 116.4], [38.56, 37.49, 39.9]]), DUSHANBE),
        Raises(CoordinateError, r"shape \(2, 3\).*must be a tuple"),
    ),
    Case(
        "measure-list-of-two-lists",
        "argument order",
        "`[[68.78, 71.55], [38.56, 37.49]]` meant as (lons, lats)",
        "read as two (lon, lat) rows, as documented (a list is rows, a tuple is (lons, lats)); "
        "undetectable here because every value is valid",
        lambda: distance([[68.78, 71.55], [38.56, 37.49]], DUSHANBE),
        Gives(read_as_rows),
    ),
    Case(
        "measure-bad-precision",
        "argument order",
        "points with `precision_m` -5000 (or NaN)",
        "DataError naming the row: precision must be finite metres >= 0 (a negative one "
        "would make `within_certain` true for a place outside)",
        lambda: within(PRECISE.assign(precision_m=[100.0, -5000.0]), LINE, 10_000),
        Raises(DataError, r"points: row 1 has precision_m -5000"),
    ),
    # ---- ring orientation
    Case(
        "area-clockwise-ring",
        "orientation",
        "a polygon whose ring runs clockwise",
        "a positive area, equal to the counter-clockwise one",
        lambda: area(CW),
        Gives(positive_area),
    ),
    Case(
        "area-hole-same-orientation",
        "orientation",
        "shell and hole both clockwise",
        "shell area minus hole area (the hole is never added)",
        lambda: area(SHELL_WITH_CW_HOLE),
        Gives(area_minus_hole),
    ),
    Case(
        "area-mixed-orientation-rows",
        "orientation",
        "a GeoSeries: a clockwise polygon, and a multipolygon with one part each way",
        "Series `area_m2` (float64, same index): every part counts positive",
        lambda: area(gpd.GeoSeries(
            [CW, shapely.MultiPolygon([CW, shapely.box(72, 38, 73, 39)])],
            index=["cw", "mixed"], crs=4326)),
        Gives(area_of_both),
    ),
    # ---- empty inputs, empty results of the right type
    Case(
        "empty-distance",
        "empty inputs",
        "`distance(([], []), point)`",
        "empty Series `distance_m`, float64",
        lambda: distance(([], []), DUSHANBE),
        Gives(empty_series("distance_m")),
    ),
    Case(
        "empty-distance-to-with-precision",
        "empty inputs",
        "an empty GeoDataFrame with a `precision_m` column to `distance_to`",
        "empty DataFrame with `distance_m`, `distance_min_m`, `distance_max_m` (float64)",
        lambda: distance_to(frame([], precision_m=[]), LINE),
        Gives(empty_bounds_frame),
    ),
    Case(
        "empty-nearest-point",
        "empty inputs",
        "an empty GeoSeries to `nearest_point`",
        "empty GeoDataFrame `distance_m`, `geometry`, EPSG:4326",
        lambda: nearest_point(gpd.GeoSeries([], crs=4326), LINE),
        Gives(empty_nearest),
    ),
    Case(
        "empty-within-keeps-columns",
        "empty inputs",
        "an empty GeoDataFrame with a `name` column to `within`",
        "empty GeoDataFrame with `name`, `geometry`, `distance_m`, `within` (bool)",
        lambda: within(frame([], name=[]), LINE, 1000),
        Gives(empty_within),
    ),
    Case(
        "empty-area",
        "empty inputs",
        "an empty GeoSeries to `area` / `length`",
        "empty Series `area_m2` / `length_m`, float64",
        lambda: (area(gpd.GeoSeries([], crs=4326)), length(gpd.GeoSeries([], crs=4326))),
        Gives(lambda r: (empty_series("area_m2")(r[0]), empty_series("length_m")(r[1]))),
    ),
    Case(
        "empty-buffer",
        "empty inputs",
        "an empty GeoDataFrame in EPSG:3857 with a `name` column to `buffer`",
        "empty GeoDataFrame, columns kept, EPSG:4326",
        lambda: buffer(frame([], crs=3857, name=[]), 1000),
        Gives(empty_buffer),
    ),
    Case(
        "empty-geodesic-line-and-matrix",
        "empty inputs",
        "no points to `geodesic_line` and `distance_matrix`",
        "an empty GeoDataFrame `length_m`, `geometry`; a 0 x 1 float64 matrix",
        lambda: (geodesic_line(([], []), ([], [])), distance_matrix(([], []), DUSHANBE)),
        Gives(lambda r: (empty_line(r[0]), empty_matrix(r[1]))),
    ),
    # ---- coordinates
    Case(
        "measure-nan-row",
        "coordinates",
        "a GeoSeries indexed by name with `Point(nan, 38)` at `'bad'`",
        "CoordinateError naming the row: 'row 'bad' has a NaN or infinite coordinate'",
        lambda: distance(points(DUSHANBE, (np.nan, 38.0), index=["Dushanbe", "bad"]), KHORUGH),
        Raises(CoordinateError, r"a: row 'bad' has a NaN or infinite coordinate"),
    ),
    Case(
        "measure-inf",
        "coordinates",
        "lon arrays with `inf` in position 2",
        "CoordinateError naming row 2",
        lambda: distance(([70.0, 71.0, np.inf], [38.0, 38.0, 38.0]), DUSHANBE),
        Raises(CoordinateError, r"row 2 has a NaN or infinite coordinate \(lon=inf"),
    ),
    Case(
        "measure-lon-200",
        "coordinates",
        "`(200, 38)`",
        "CoordinateError: 'longitude 200.0 outside [-180, 180]; check the units and the CRS'",
        lambda: distance((200.0, 38.0), DUSHANBE),
        Raises(CoordinateError, r"longitude 200\.0 outside \[-180, 180\]"),
    ),
    Case(
        "measure-lat-95",
        "coordinates",
        "a DataFrame row `'far'` with lat 95",
        "CoordinateError naming the row",
        lambda: distance(pd.DataFrame({"lon": [70.0], "lat": [95.0]}, index=["far"]), DUSHANBE),
        Raises(CoordinateError, r"row 'far' has latitude 95\.0"),
    ),
    Case(
        "measure-pd-na-object-column",
        "coordinates",
        "a DataFrame whose object column `lon` holds `pd.NA` at row `'b'` (raised a raw "
        "TypeError)",
        "read as missing, like NaN: CoordinateError 'a: row 'b' has a NaN or infinite "
        "coordinate'",
        lambda: distance(pd.DataFrame({"lon": pd.Series([70.0, pd.NA], dtype=object),
                                       "lat": [38.0, 38.0]}).set_axis(["a", "b"]), DUSHANBE),
        Raises(CoordinateError, r"^a: row 'b' has a NaN or infinite coordinate"),
    ),
    Case(
        "measure-masked-array",
        "coordinates",
        "a numpy masked array of (lon, lat) rows, row 1 masked (its data was used)",
        "the mask is respected, a masked value read as missing like NaN: CoordinateError "
        "'a: row 1 has a NaN or infinite coordinate'",
        lambda: distance(np.ma.array([[70.0, 38.0], [71.0, 38.0]], mask=[[0, 0], [1, 0]]),
                         DUSHANBE),
        Raises(CoordinateError, r"^a: row 1 has a NaN or infinite coordinate"),
    ),
    Case(
        "measure-missing-crs",
        "coordinates",
        "a GeoSeries of points without a CRS",
        "CRSError: 'has no CRS; pass crs='EPSG:4326' (or the right one) to state it'",
        lambda: distance(gpd.GeoSeries([shapely.Point(DUSHANBE)]), KHORUGH),
        Raises(CRSError, r"a has no CRS; pass crs="),
    ),
    Case(
        "measure-projected-input",
        "coordinates",
        "Dushanbe as a GeoSeries in UTM zone 42N metres",
        "transformed to lon/lat first: the same distance to 10 micrometres",
        lambda: distance(UTM, KHORUGH),
        Gives(utm_like_lonlat),
    ),
    Case(
        "measure-unknown-crs",
        "coordinates",
        "`crs='EPSG:nonsense'`",
        "CRSError: 'is not a CRS pyproj understands'",
        lambda: distance((70.0, 38.0), (71.0, 38.0), crs="EPSG:nonsense"),
        Raises(CRSError, "not a CRS pyproj understands"),
    ),
    Case(
        "measure-none-geometry",
        "coordinates",
        "a GeoSeries `[Point, None]` indexed `ok`, `gone`",
        "GeometryError: 'row 'gone' has a missing or empty geometry; drop it before measuring'",
        lambda: distance(gpd.GeoSeries([shapely.Point(DUSHANBE), None], index=["ok", "gone"],
                                        crs=4326), KHORUGH),
        Raises(GeometryError, r"row 'gone' has a missing or empty geometry"),
    ),
    Case(
        "measure-empty-geometry",
        "coordinates",
        "`shapely.Point()` (empty)",
        "GeometryError: 'the point is empty'",
        lambda: distance(shapely.Point(), KHORUGH),
        Raises(GeometryError, "the point is empty"),
    ),
    Case(
        "measure-line-as-point",
        "coordinates",
        "a GeoSeries of lines where points are expected",
        "GeometryError naming the row: 'pass points, or use their centroids'",
        lambda: distance(gpd.GeoSeries([LINE], crs=4326), KHORUGH),
        Raises(GeometryError, "row 0 .*LineString.*centroids"),
    ),
    Case(
        "area-none-row",
        "coordinates",
        "`area` of `[polygon, None]`",
        "GeometryError naming row 1 (never a silent 0 m²)",
        lambda: area(gpd.GeoSeries([BIG, None], crs=4326)),
        Raises(GeometryError, "row 1 has a missing or empty geometry"),
    ),
    # ---- buffers and rings
    Case(
        "buffer-negative-erases-polygon",
        "buffers",
        "`buffer(..., -5000)` of a 1 km square and a 1° square",
        "the small one becomes `POLYGON EMPTY` in its row (rows are kept); the big one shrinks",
        lambda: buffer(gpd.GeoSeries([SMALL, BIG], index=["small", "big"], crs=4326), -5000),
        Gives(small_erased_big_kept),
    ),
    Case(
        "buffer-negative-point",
        "buffers",
        "`buffer(Point, -10)`",
        "`POLYGON EMPTY` (a point has no inside to shrink)",
        lambda: buffer(shapely.Point(DUSHANBE), -10),
        Gives(empty_polygon),
    ),
    Case(
        "buffer-nan-distance",
        "buffers",
        "per-row distances `[1000, nan]` for rows `a`, `b`",
        "DataError naming the row: 'distance_m: row 'b' is nan; give a finite distance'",
        lambda: buffer(points(DUSHANBE, KHORUGH, index=["a", "b"]), [1000.0, np.nan]),
        Raises(DataError, r"distance_m: row 'b' is nan"),
    ),
    Case(
        "buffer-distance-count",
        "buffers",
        "3 distances for 2 rows",
        "DataError: 'distance_m has 3 values for 2 geometries'",
        lambda: buffer(points(DUSHANBE, KHORUGH), [1.0, 2.0, 3.0]),
        Raises(DataError, "distance_m has 3 values for 2 geometries"),
    ),
    Case(
        "buffer-zero-tolerance",
        "buffers",
        "`tolerance_m=0`",
        "DataError: 'tolerance_m must be a positive number of metres'",
        lambda: buffer(shapely.Point(DUSHANBE), 1000, tolerance_m=0),
        Raises(DataError, "tolerance_m must be a positive number"),
    ),
    Case(
        "rings-negative-radius",
        "buffers",
        "`rings(center, [50e3, -5])`",
        "DataError: 'radii_m must be one or more positive numbers of metres'",
        lambda: rings(DUSHANBE, [50e3, -5.0]),
        Raises(DataError, "radii_m must be one or more positive numbers"),
    ),
    Case(
        "rings-nan-or-text-radius",
        "buffers",
        "`rings(center, [nan])` and `rings(center, '100')`",
        "DataError for both",
        lambda: [pytest.raises(DataError, rings, DUSHANBE, "100"), rings(DUSHANBE, [np.nan])],
        Raises(DataError, r"not \[nan\]"),
    ),
    Case(
        "rings-no-radii",
        "buffers",
        "`rings(center, [])`",
        "DataError",
        lambda: rings(DUSHANBE, []),
        Raises(DataError, r"not \[\]"),
    ),
    Case(
        "rings-around-pole",
        "buffers",
        "a 2,000 km ring at 80°N",
        "GeometryError: 'contains the North Pole, which a lon/lat polygon cannot hold'",
        lambda: rings((70.0, 80.0), [2e6]),
        Raises(GeometryError, "contains the North Pole"),
    ),
    Case(
        "rings-below-1mm",
        "buffers",
        "`rings(center, [1e-9])` (gave an invalid polygon)",
        "DataError: 'radii_m: a circle of radius 1e-09 m is below the smallest borderkit draws "
        "(1 mm)' (degrees cannot hold a smaller valid polygon); the same for `buffer` of a point",
        lambda: [pytest.raises(DataError, buffer, shapely.Point(DUSHANBE), 1e-9),
                 rings(DUSHANBE, [1e-9])],
        Raises(DataError, r"radii_m: a circle of radius 1e-09 m is below the smallest .*\(1 mm\)"),
    ),
    Case(
        "buffer-bow-tie-polygon",
        "buffers",
        "`buffer` 1 km of the bow-tie `Polygon([(69,38),(70,39),(70,38),(69,39),(69,38)])` "
        "(ran for more than 6 minutes)",
        "GeometryError at once: 'the polygon is invalid (Self-intersection[69.5 38.5]) ...; "
        "repair it first with shapely.make_valid(geometry), or read the file with "
        "borderkit.read_layer'",
        lambda: buffer(BOW_TIE, 1000),
        Raises(GeometryError, r"invalid \(Self-intersection\[69\.5 38\.5\]\).*make_valid.*"
               "read_layer"),
    ),
    Case(
        "buffer-masked-distance",
        "buffers",
        "per-row distances as a numpy masked array `[1000, --]` for rows `a`, `b`",
        "the masked value is missing, as NaN: DataError 'distance_m: row 'b' is nan'",
        lambda: buffer(points(DUSHANBE, KHORUGH, index=["a", "b"]),
                       np.ma.array([1000.0, 5.0], mask=[False, True])),
        Raises(DataError, r"distance_m: row 'b' is nan"),
    ),
    Case(
        "rings-two-centres",
        "buffers",
        "two centre points",
        "DataError: 'center: expected one point, got 2; call rings() per point'",
        lambda: rings(([70.0, 71.0], [38.0, 38.0]), [1000]),
        Raises(DataError, "expected one point, got 2"),
    ),
    # ---- across the antimeridian
    Case(
        "antimeridian-split-line-distance",
        "antimeridian",
        "`distance_to` (179.0, 0.05) of a line split at 180° into a MultiLineString",
        "the geodesic distance to the line's end, 55,934 m (geographiclib); -180 and 180 are "
        "one meridian",
        lambda: distance_to(points((179.0, 0.05)), EQ_SPLIT),
        Gives(to_the_line_end),
    ),
    Case(
        "antimeridian-unsplit-line-within",
        "antimeridian",
        "`within(..., 100e3)` of the same point and `LineString([(179.5, 0), (-179.5, 0)])` "
        "(one geodesic segment across 180°)",
        "within: True, distance_m 55,934 m (segments are geodesics, the short way across 180°)",
        lambda: within(points((179.0, 0.05)), EQ_LINE, 100e3),
        Gives(within_across_180),
    ),
    Case(
        "antimeridian-split-polygon-boundary",
        "antimeridian",
        "`distance_to(..., boundary=True)` from (180, 66) and (-180, 66) into a box across "
        "180° at 66°N, split in two parts",
        "the distance to the real edge 1° away (about 45.4 km) for both: the cut at 180° is "
        "not a boundary",
        lambda: distance_to(([180.0, -180.0], [66.0, 66.0]), BOX_SPLIT, boundary=True),
        Gives(to_the_real_edge),
    ),
    Case(
        "antimeridian-buffer-split-line",
        "antimeridian",
        "`buffer` 10 km of the split MultiLineString (hung for more than 10 minutes)",
        "a valid MultiPolygon split at ±180°, in well under a second",
        lambda: buffer(EQ_SPLIT, 10e3),
        Gives(split_at_180),
    ),
    Case(
        "antimeridian-buffer-unsplit-line",
        "antimeridian",
        "`buffer(LineString([(179.5, 0), (-179.5, 0)]), 10e3)` (a raw GEOSException after "
        "3 minutes and 2.7 GB)",
        "a valid MultiPolygon split at ±180°",
        lambda: buffer(EQ_LINE, 10e3),
        Gives(split_at_180),
    ),
    Case(
        "antimeridian-buffer-split-polygon",
        "antimeridian",
        "`buffer` 10 km and -10 km of the box across 180° at 66°N, split in two parts",
        "valid MultiPolygons split at ±180° (the shrunken one not cut along 180°)",
        lambda: [split_at_180(buffer(BOX_SPLIT, -10e3)), buffer(BOX_SPLIT, 10e3)][1],
        Gives(split_at_180),
    ),
    # ---- distance_to and friends
    Case(
        "distance-to-point",
        "distance_to",
        "`distance_to` a Point geometry",
        "the point-to-point geodesic distance (to a micrometre)",
        lambda: distance_to(DUSHANBE, shapely.Point(KHORUGH)),
        Gives(same_as_point_distance),
    ),
    Case(
        "distance-to-empty-geometry",
        "distance_to",
        "`distance_to(point, LineString())`",
        "GeometryError: 'geometry: the geometry is empty'",
        lambda: distance_to(DUSHANBE, shapely.LineString()),
        Raises(GeometryError, "geometry: the geometry is empty"),
    ),
    Case(
        "distance-to-empty-frame",
        "distance_to",
        "`distance_to(point, empty GeoSeries)`",
        "GeometryError: 'has no rows; nothing to measure to'",
        lambda: distance_to(DUSHANBE, gpd.GeoSeries([], crs=4326)),
        Raises(GeometryError, "has no rows; nothing to measure to"),
    ),
    Case(
        "distance-mismatched-lengths",
        "distance_to",
        "2 points against 3",
        "CoordinateError: 'a has 2 points and b has 3; pass equal lengths or one point'",
        lambda: distance(([70.0, 71.0], [38.0, 38.0]), ([70.0, 71.0, 72.0], [38.0] * 3)),
        Raises(CoordinateError, "a has 2 points and b has 3"),
    ),
    Case(
        "distance-lon-lat-lengths",
        "distance_to",
        "2 longitudes and 1 latitude",
        "CoordinateError: 'lon and lat have different shapes (2,) and (1,)'",
        lambda: distance(([70.0, 71.0], [38.0]), DUSHANBE),
        Raises(CoordinateError, r"different shapes \(2,\) and \(1,\)"),
    ),
    Case(
        "within-negative-distance",
        "distance_to",
        "`within(..., -1)`",
        "DataError: 'distance_m must be a finite non-negative number of metres'",
        lambda: within(DUSHANBE, LINE, -1),
        Raises(DataError, "finite non-negative number of metres"),
    ),
    Case(
        "format-distance-nan",
        "distance_to",
        "`format_distance(nan)`",
        "DataError (never the label 'nan km')",
        lambda: format_distance(float("nan")),
        Raises(DataError, "meters must be a finite number"),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_measuring_case(case: Case):
    result = outcome(lambda: case.run(), case.expect)
    if not isinstance(case.expect, Raises):
        case.expect.check(result)


def table(cases: Sequence[Any], start: int = 1) -> list[str]:
    """Markdown table rows (number, id, group, input, outcome) of a CASES list."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| # | case | group | input | what borderkit does |",
             "|---|------|-------|-------|---------------------|"]
    for i, c in enumerate(cases, start):
        lines.append(f"| {i} | `{c.id}` | {c.group} | {cell(c.input)} | {cell(c.outcome)} |")
    return lines


def markdown(start: int = 1) -> str:
    """The measuring section of docs/bad_inputs.md."""
    lines = [
        "## Measuring",
        "",
        "Every row is a test in `tests/bad_inputs/test_measuring.py` (one call to "
        "`borderkit.measure` or `borderkit.buffers`).",
        "",
        "- Coordinates are `(lon, lat)` in every function, tuple, array row and column pair "
        "(`lon`/`lat` columns are found by name, in any order). A swapped pair is caught only "
        "when a latitude falls outside ±90; a swapped pair that is valid either way round "
        "cannot be detected, so prefer named columns or GeoDataFrames.",
        "- A list of pairs is rows of `(lon, lat)`; a `(lons, lats)` pair of arrays must be a "
        "tuple.",
        "- Errors name the argument (`a`, `b`, `points`, `geometry`, `center`) and the row by "
        "its index label.",
        "- Empty inputs give empty results of the same type and columns as non-empty ones.",
        "- Areas are positive whatever the ring orientation; holes are always subtracted.",
        "",
        *table(CASES, start),
        "",
    ]
    return "\n".join(lines)
