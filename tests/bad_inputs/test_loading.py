"""Bad-input catalogue, loading half: each case is a generated file and its expected outcome.

Every case runs :func:`borderkit.read_layer` (or ``write_layer`` for the cases
about writing what a format would lose) and checks either the typed error and
its message, or the warning, the repaired data and the report. The table in
``docs/bad_inputs.md`` is generated from ``CASES`` (``python -m
tests.bad_inputs.test_loading`` prints it) and a test checks they agree.
"""

from __future__ import annotations

import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyproj
import pytest
import shapely
from shapely.geometry import Point

from borderkit import (
    BorderkitWarning,
    CoordinateError,
    CRSError,
    DataError,
    DroppedFeatureWarning,
    EncodingError,
    FileFormatError,
    GeometryError,
    RepairWarning,
    SwappedCoordinatesWarning,
)
from borderkit.io import read_layer, write_layer

from . import files as F


@dataclass(frozen=True)
class Raises:
    error: type[Exception]
    match: str


def outcome(run: Callable[[], Any], expect: Any) -> Any:
    """Run one catalogue case and check how it ended; shared by every stage.

    An expected error must be raised, match, and be a ``borderkit.errors`` class
    (then ``None`` is returned). Otherwise the borderkit warnings must be exactly
    none (``expect.warning is None``) or include ``expect.warning``, and the
    result is returned for the case's own checks.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if isinstance(expect, Raises):
            with pytest.raises(expect.error, match=expect.match) as info:
                run()
            assert info.value.__class__.__module__ == "borderkit.errors"
            return None
        result = run()
    ours = [w for w in caught if issubclass(w.category, BorderkitWarning)]
    if expect.warning is None:
        assert not ours, [str(w.message) for w in ours]
    else:
        assert any(issubclass(w.category, expect.warning) for w in ours), (
            f"expected {expect.warning.__name__}, got {[w.category.__name__ for w in ours]}"
        )
    return result


@dataclass(frozen=True)
class Loads:
    warning: type[Warning] | None  # None: no borderkit warning at all
    check: Callable[[gpd.GeoDataFrame], Any] = lambda gdf: None


@dataclass(frozen=True)
class Case:
    id: str
    group: str
    input: str
    outcome: str
    make: Callable[[Path], Path]
    expect: Raises | Loads
    kwargs: dict[str, Any] = field(default_factory=dict)
    action: Callable[..., Any] | None = None  # default: read_layer(path, **kwargs)


def report(gdf: gpd.GeoDataFrame) -> Any:
    return gdf.attrs["borderkit_report"]


def geod_area(geom: Any) -> float:
    return sum(
        abs(pyproj.Geod(ellps="WGS84").geometry_area_perimeter(p)[0])
        for p in shapely.get_parts(geom)
    )


# ----------------------------------------------------------------------------- checks


def check_bowtie(gdf):
    g = gdf.geometry.iloc[0]
    assert g.is_valid and g.geom_type == "MultiPolygon" and len(g.geoms) == 2
    (item,) = report(gdf).repaired
    assert item["feature"] == "feature 0 ('bow-tie')"
    assert "Self-intersection" in item["problem"]
    assert item["area_before_m2"] == pytest.approx(0, abs=1e3)  # the lobes cancel as drawn
    assert 4.7e9 < item["area_after_m2"] < 5.0e9  # half of a 1°x1° square near 38°N
    assert item["area_change_m2"] == pytest.approx(item["area_after_m2"], rel=1e-6)


def check_unclosed(gdf):
    g = gdf.geometry.iloc[0]
    assert g.is_valid and g.exterior.coords[0] == g.exterior.coords[-1]
    assert report(gdf).repaired[0]["problem"] == "unclosed ring"
    assert report(gdf).repaired[0]["area_change_m2"] == 0


def check_self_touching(gdf):
    g = gdf.geometry.iloc[0]
    assert g.is_valid
    item = report(gdf).repaired[0]
    assert "Ring Self-intersection" in item["problem"]
    # make_valid adds the touching vertex to the long bottom edge, which moves that
    # geodesic edge a little: the report shows the real (small) change
    assert item["area_after_m2"] == pytest.approx(item["area_before_m2"], rel=5e-3)
    assert item["area_change_m2"] != 0


def check_repeated(gdf):
    g = gdf.geometry.iloc[0]
    assert len(g.exterior.coords) == 5
    item = report(gdf).repaired[0]
    assert item["action"] == "removed 2"
    assert item["area_change_m2"] == 0


def check_collapsed(gdf):
    assert list(gdf["name"]) == ["good"]
    assert report(gdf).dropped[0]["feature"] == "feature 0 ('flat')"
    assert "collapsed" in report(gdf).dropped[0]["reason"]


def check_mixed(gdf):
    assert set(gdf.geom_type) == {"Point", "Polygon"}
    assert any("mixed geometry types" in n for n in report(gdf).notes)


def check_dropped_empty(gdf):
    assert list(gdf["name"]) == ["ok"]
    dropped = report(gdf).dropped
    assert [d["feature"] for d in dropped] == [
        "feature 1 ('empty point')",
        "feature 2 ('empty polygon')",
    ]
    assert report(gdf).n_read == 3 and report(gdf).n_loaded == 1


def check_null_geometry(gdf):
    assert list(gdf["name"]) == ["ok"]
    assert report(gdf).dropped == [{"feature": "feature 1 ('unlocated')", "reason": "no geometry"}]


def check_z_dropped(gdf):
    assert not gdf.has_z.any()
    assert gdf.geometry.iloc[0].coords[0] == pytest.approx(F.KULMA)
    assert any("4363" in n for n in report(gdf).notes)


def check_zero_z(gdf):
    assert not gdf.has_z.any() and not report(gdf).repaired
    assert any("all-zero Z" in n for n in report(gdf).notes)


def check_antimeridian(gdf):
    g = gdf.geometry.iloc[0]
    assert g.geom_type == "MultiPolygon" and len(g.geoms) == 2
    minx, _, maxx, _ = g.bounds
    assert minx == -180 and maxx == 180
    whole = shapely.Polygon([(179, 65), (181, 65), (181, 66), (179, 66)])
    assert geod_area(g) == pytest.approx(geod_area(whole), rel=1e-9)
    item = report(gdf).repaired[0]
    assert item["problem"] == "crosses the antimeridian"
    assert abs(item["area_change_m2"]) < 1e-6 * item["area_before_m2"]


def check_at_kulma(gdf, tol=1e-6):
    x, y = gdf.geometry.iloc[0].x, gdf.geometry.iloc[0].y
    assert x == pytest.approx(F.KULMA[0], abs=tol) and y == pytest.approx(F.KULMA[1], abs=tol)


def check_kml_named_geojson(gdf):
    assert list(gdf["name"]) == ["Кулма"]
    assert report(gdf).format == "KML"


def check_all_folders(gdf):
    assert list(gdf["layer"]) == ["Checkpoints", "Towns", "Towns"]
    assert list(gdf["name"]) == ["Кулма", "Мурғоб", "Хоруғ"]


def check_one_folder(gdf):
    assert list(gdf["name"]) == ["Мурғоб", "Хоруғ"]


def check_towns(gdf):
    assert list(gdf["name"]) == ["Мурғоб", "Хоруғ"]


def check_russian_towns(gdf):
    assert list(gdf["name"]) == ["Мургаб", "Хорог"]


def check_no_prj_stated(gdf):
    check_towns(gdf)
    assert gdf.crs.to_epsg() == 4326
    assert "the shapefile has no .prj file" in report(gdf).notes


def check_dms_csv(gdf):
    check_at_kulma(gdf, tol=1e-12)
    assert gdf.geometry.iloc[1].coords[0] == pytest.approx((-70.66, -33.45))


def check_blank_dropped(gdf):
    assert list(gdf["name"]) == ["Kulma", "Murghob"]
    assert [d["feature"] for d in report(gdf).dropped] == ["row 2 ('blank lat')", "row 3 ('both')"]


def check_decimal_commas(gdf):
    assert gdf.geometry.iloc[0].coords[0] == (74.80139, 38.14944)


def check_swapped_back(gdf):
    assert report(gdf).swapped
    assert gdf.geometry.iloc[0].coords[0] == pytest.approx((74.80139, 38.14944))


def check_not_swapped(gdf):
    assert not report(gdf).swapped
    assert gdf.geometry.iloc[0].coords[0] == (38.14944, 74.80139)  # as written


def check_names_kept(gdf):
    assert list(gdf["name"]) == ["NA", "null", "None", "nan", "N/A"]


def check_mgrs(gdf):
    check_at_kulma(gdf, tol=1e-4)  # the reference is 38.1494N 74.8014E to 1 m


def check_mercator(gdf):
    check_at_kulma(gdf, tol=1e-9)
    assert report(gdf).source_crs == "EPSG:3857"


def check_utm(gdf):
    check_at_kulma(gdf, tol=1e-9)
    assert report(gdf).source_crs == "EPSG:32643"


def check_cp1251(gdf):
    assert list(gdf["name"]) == ["Мургаб"]


def check_whole_stream(gdf):
    # every feature arrived, including the ones in the first 4 KB the sniffing reads
    assert list(gdf["name"]) == [f"p{i}" for i in range(400)]
    assert report(gdf).format == "GeoJSON"


def check_bounded_view(gdf):
    assert list(gdf["name"]) == ["Мурғоб1", "Мурғоб2", "Мурғоб3"]


def check_wide_csv(gdf):
    assert gdf.shape == (5, 20_002)  # name, 20,000 columns, geometry
    assert str(gdf["c0"].dtype) == "Int64" and list(gdf["c0"]) == [7] * 5
    assert gdf["c1"].dtype == "float64" and gdf["c2"].dtype == object
    assert list(gdf.columns[:3]) == ["name", "c0", "c1"]


def check_big_integers(gdf):
    assert str(gdf["id"].dtype) == "Int64"
    assert list(gdf["id"]) == [9007199254740993, 2**63 - 1]  # exact, not float64
    assert list(gdf["huge"]) == ["1" * 400, "5"]  # past int64: kept as the text
    assert list(gdf["mixed"]) == ["1.5", "9007199254740993"]  # would round as float: text


def check_network_link(gdf):
    assert list(gdf["name"]) == ["Кулма"]
    (note,) = report(gdf).notes
    assert "skipped 1 NetworkLink(s) to 'http://example.org/feed.kml?a=1&b=\\u202elmk.exe'" in note
    assert "\u202e" not in note  # shown escaped, never as the raw override character


def write_lossy(path: Path, **kwargs: Any) -> None:
    frame = gpd.GeoDataFrame(
        {"name": [kwargs.pop("name")]}, geometry=[Point(*F.KULMA)], crs="EPSG:4326"
    )
    write_layer(frame, path.parent / "out.shp", **kwargs)


def write_kml_with(path: Path, **kwargs: Any) -> None:
    frame = gpd.GeoDataFrame(
        {"name": [kwargs.pop("name")]}, geometry=[Point(*F.KULMA)], crs="EPSG:4326"
    )
    write_layer(frame, path.parent / "out.kml", **kwargs)


def kml_keeps_old_file(path: Path, **kwargs: Any) -> None:
    """Write a good KML, then the bad one (``file=`` renames it); the good file must survive."""
    target = path.parent / kwargs.pop("file", "out.kml")
    good = gpd.GeoDataFrame({"name": ["Kulma"]}, geometry=[Point(*F.KULMA)], crs="EPSG:4326")
    target.write_bytes(b"<kml>previous</kml>")
    try:
        write_layer(kwargs.pop("layers", good), target, **kwargs)
    finally:
        assert target.read_bytes() == b"<kml>previous</kml>"


FORMULA_NAMES = ['=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "@SUM(1)",
                 "-2+3", "\tTAB", "-12.5", "'=already"]


def write_csv_read_back(path: Path, **kwargs: Any) -> gpd.GeoDataFrame:
    """Write *columns* (lists, keyed by column) as CSV points, read it back, keep the file text."""
    cols = kwargs.pop("columns")
    n = len(next(iter(cols.values())))
    frame = gpd.GeoDataFrame(cols, geometry=[Point(70 + i / 100, 38) for i in range(n)],
                             crs="EPSG:4326")
    out = write_layer(frame, path.parent / "out.csv", **kwargs)
    gdf = read_layer(out)
    gdf.attrs["csv_text"] = out.read_bytes().decode("utf-8")
    return gdf


def check_formulas_escaped(gdf):
    text = gdf.attrs["csv_text"]
    assert text.startswith("name,lon,lat\r\n\"'=HYPERLINK(\"\"http://evil.example\"\",")
    for cell in ("\r\n'+cmd|' /C calc'!A0,", "\r\n'@SUM(1),", "\r\n'-2+3,", "\r\n'\tTAB,",
                 "\r\n-12.5,", "\r\n''=already,"):
        assert cell in text, cell
    assert list(gdf["name"]) == FORMULA_NAMES  # borderkit reads its own quoting back


def check_formulas_raw(gdf):
    assert "\r\n=HYPERLINK(" not in gdf.attrs["csv_text"]  # quoted: it holds commas
    assert '\r\n"=HYPERLINK(' in gdf.attrs["csv_text"]
    assert "\r\n@SUM(1)," in gdf.attrs["csv_text"] and "\r\n-2+3," in gdf.attrs["csv_text"]


BIG = [2**53 + 1, 2**63 - 1, -(2**63)]


def check_written_big_integers(gdf):
    text = gdf.attrs["csv_text"]
    assert "\r\n9007199254740993,70.0,38.0" in text and "\r\n-9223372036854775808," in text
    assert [int(v) for v in gdf["id"]] == BIG


def no_file(folder: Path) -> Path:
    return folder / "does-not-exist.geojson"


BOWTIE = [[73.0, 38.0], [74.0, 39.0], [74.0, 38.0], [73.0, 39.0], [73.0, 38.0]]
UNCLOSED = F.SQUARE[:-1]
SELF_TOUCHING = [[73, 38], [75, 38], [75, 40], [74, 38], [73, 40], [73, 38]]
REPEATED = [[73, 38], [74, 38], [74, 38], [74, 39], [73, 39], [73, 39], [73, 38]]
FLAT = [[73, 38], [74, 38], [75, 38], [73, 38]]
ANTIMERIDIAN = [[179, 65], [-179, 65], [-179, 66], [179, 66], [179, 65]]
KULMA_CSV = "name,lat,lon\n"

CASES: list[Case] = [
    # ---- GeoJSON syntax
    Case(
        "geojson-truncated",
        "GeoJSON",
        "GeoJSON cut off two thirds of the way",
        "FileFormatError: 'the JSON stops early at line L column C (truncated file?)'",
        F.truncated,
        Raises(FileFormatError, r"stops early at line 1 column \d+ \(truncated"),
    ),
    Case(
        "geojson-trailing-garbage",
        "GeoJSON",
        "valid GeoJSON followed by `}}garbage`",
        "FileFormatError: 'the JSON ends at line 2 ... but more text follows'",
        F.trailing_garbage,
        Raises(FileFormatError, "more text follows.*trailing garbage"),
    ),
    Case(
        "geojson-wrong-type",
        "GeoJSON",
        '`"type": "FeatureCollectin"` (typo)',
        "FileFormatError naming the type and the allowed ones",
        lambda d: F.write_json(d, {"type": "FeatureCollectin", "features": []}),
        Raises(FileFormatError, "'FeatureCollectin'.*needs \"FeatureCollection\""),
    ),
    Case(
        "geojson-top-level-array",
        "GeoJSON",
        "a JSON array of features at the top level",
        "FileFormatError: 'the top level is a JSON list'",
        lambda d: F.write_json(d, [F.feature(F.point(70, 38))]),
        Raises(FileFormatError, "top level is a JSON list"),
    ),
    Case(
        "geojson-feature-without-type",
        "GeoJSON",
        'a feature object without `"type": "Feature"`',
        "FileFormatError naming feature 1",
        lambda d: F.write_json(d, F.collection(F.feature(F.point(70, 38)), {"geometry": None})),
        Raises(FileFormatError, "feature 1: expected an object"),
    ),
    Case(
        "geojson-unknown-geometry",
        "GeoJSON",
        'geometry `"type": "Circle"`',
        "FileFormatError naming the feature and listing the geometry types",
        F.geojson(F.feature({"type": "Circle", "coordinates": [70, 38]}, "ring road")),
        Raises(FileFormatError, "feature 0 \\('ring road'\\): unknown geometry type 'Circle'"),
    ),
    Case(
        "geojson-coordinates-as-strings",
        "GeoJSON",
        'coordinates written as `["74.8", "38.1"]`',
        "CoordinateError naming the feature: 'coordinate '74.8' is text ... remove the quotes'",
        F.geojson(F.feature(F.point("74.8", "38.1"), "Kulma")),
        Raises(CoordinateError, "feature 0 \\('Kulma'\\): coordinate '74.8' is text"),
    ),
    Case(
        "geojson-not-utf8",
        "GeoJSON",
        "GeoJSON saved in cp1251 (Windows Cyrillic)",
        "EncodingError naming the line and suggesting encoding=",
        F.cp1251_geojson,
        Raises(EncodingError, "line 1: byte .* is not valid utf-8-sig.*cp1251"),
    ),
    Case(
        "geojson-cp1251-stated",
        "GeoJSON",
        "the same file with `encoding='cp1251'`",
        "loads; names exact",
        F.cp1251_geojson,
        Loads(None, check_cp1251),
        {"encoding": "cp1251"},
    ),
    Case(
        "geojson-utf16",
        "GeoJSON",
        "GeoJSON saved as UTF-16",
        "EncodingError: 'is UTF-16 text; save it as UTF-8'",
        F.utf16_geojson,
        Raises(EncodingError, "UTF-16"),
    ),
    Case(
        "geojson-deeply-nested",
        "GeoJSON",
        "200,000 nested `[`",
        "FileFormatError: 'nested too deeply' (no crash)",
        F.deeply_nested,
        Raises(FileFormatError, "nested too deeply"),
    ),
    Case(
        "geojson-400-digit-coordinate",
        "GeoJSON",
        "a longitude written as a 400-digit integer",
        "CoordinateError naming the feature: 'has 400 digits, far outside any longitude' "
        "(no raw OverflowError)",
        F.long_integer_coordinate,
        Raises(CoordinateError, r"'far'\): coordinate 1{20}\.\.\. has 400 digits"),
    ),
    # ---- geometry validity
    Case(
        "bowtie-polygon",
        "geometry",
        "self-intersecting (bow-tie) polygon",
        "RepairWarning; `shapely.make_valid` gives two triangles; report has the area before "
        "(~0 as drawn) and after",
        F.geojson(F.feature(F.polygon(BOWTIE), "bow-tie")),
        Loads(RepairWarning, check_bowtie),
    ),
    Case(
        "bowtie-polygon-strict",
        "geometry",
        "the same with `strict=True`",
        "GeometryError: 'invalid geometry (Self-intersection[...]); strict mode refuses'",
        F.geojson(F.feature(F.polygon(BOWTIE), "bow-tie")),
        Raises(GeometryError, "bow-tie.*Self-intersection.*strict mode"),
        {"strict": True},
    ),
    Case(
        "star-polygon-4001",
        "geometry",
        "a 160 KB star polygon of 4,001 vertices whose edges cross 8 million times",
        "GeometryError within a second: 'its edges cross each other at more than 20,000 "
        "places; repairing it (shapely.make_valid) would take minutes and gigabytes' (was "
        "10 GB over 200 s)",
        F.star_polygon,
        Raises(GeometryError, r"'star'\): the geometry is invalid and its edges cross each "
               r"other at more than 20,000 places; repairing it \(shapely.make_valid\)"),
    ),
    Case(
        "unclosed-ring",
        "geometry",
        "polygon ring whose last point is not the first",
        "RepairWarning; ring closed; reported (area change 0)",
        F.geojson(F.feature(F.polygon(UNCLOSED), "open")),
        Loads(RepairWarning, check_unclosed),
    ),
    Case(
        "unclosed-ring-strict",
        "geometry",
        "the same with `strict=True`",
        "GeometryError: 'a polygon ring is not closed'",
        F.geojson(F.feature(F.polygon(UNCLOSED), "open")),
        Raises(GeometryError, "'open'.*not closed"),
        {"strict": True},
    ),
    Case(
        "self-touching-ring",
        "geometry",
        "ring touching itself at a vertex (inverted hole)",
        "RepairWarning; make_valid splits it; area unchanged and reported",
        F.geojson(F.feature(F.polygon(SELF_TOUCHING), "touch")),
        Loads(RepairWarning, check_self_touching),
    ),
    Case(
        "duplicate-points",
        "geometry",
        "ring with repeated consecutive vertices",
        "RepairWarning; repeated vertices removed; report 'removed 2', area change 0",
        F.geojson(F.feature(F.polygon(REPEATED), "dupes")),
        Loads(RepairWarning, check_repeated),
    ),
    Case(
        "duplicate-points-strict",
        "geometry",
        "the same with `strict=True`",
        "GeometryError: 'repeated consecutive vertices'",
        F.geojson(F.feature(F.polygon(REPEATED), "dupes")),
        Raises(GeometryError, "2 repeated consecutive vertices"),
        {"strict": True},
    ),
    Case(
        "ring-too-short",
        "geometry",
        "polygon ring of 2 positions",
        "GeometryError: 'a polygon ring has 2 positions; it needs at least 4'",
        F.geojson(F.feature(F.polygon([[73, 38], [74, 38]]), "stub")),
        Raises(GeometryError, "'stub'.*2 positions.*at least 4"),
    ),
    Case(
        "zero-area-polygon",
        "geometry",
        "polygon whose points are all on one line",
        "RepairWarning + DroppedFeatureWarning: it collapses to nothing and is listed in "
        "`report.dropped`",
        F.geojson(F.feature(F.polygon(FLAT), "flat"), F.feature(F.point(70, 38), "good")),
        Loads(DroppedFeatureWarning, check_collapsed),
    ),
    Case(
        "mixed-geometry-types",
        "geometry",
        "points and polygons in one layer",
        "loads; a note in the report lists the types",
        F.geojson(F.feature(F.point(70, 38), "p"), F.feature(F.polygon(F.SQUARE), "a")),
        Loads(None, check_mixed),
    ),
    Case(
        "mixed-geometry-types-strict",
        "geometry",
        "the same with `strict=True`",
        "GeometryError: 'mixes geometry types'",
        F.geojson(F.feature(F.point(70, 38), "p"), F.feature(F.polygon(F.SQUARE), "a")),
        Raises(GeometryError, "mixes geometry types"),
        {"strict": True},
    ),
    Case(
        "empty-geometries",
        "geometry",
        "`Point []` and `Polygon []` next to a good point",
        "DroppedFeatureWarning; both listed in `report.dropped`",
        F.geojson(
            F.feature(F.point(70, 38), "ok"),
            F.feature({"type": "Point", "coordinates": []}, "empty point"),
            F.feature({"type": "Polygon", "coordinates": []}, "empty polygon"),
        ),
        Loads(DroppedFeatureWarning, check_dropped_empty),
    ),
    Case(
        "empty-geometries-strict",
        "geometry",
        "the same with `strict=True`",
        "GeometryError naming the first empty feature",
        F.geojson(
            F.feature(F.point(70, 38), "ok"),
            F.feature({"type": "Point", "coordinates": []}, "empty point"),
        ),
        Raises(GeometryError, "'empty point'.*empty geometry"),
        {"strict": True},
    ),
    Case(
        "null-geometry",
        "geometry",
        'a feature with `"geometry": null`',
        "DroppedFeatureWarning; listed in `report.dropped` as 'no geometry'",
        F.geojson(F.feature(F.point(70, 38), "ok"), F.feature(None, "unlocated")),
        Loads(DroppedFeatureWarning, check_null_geometry),
    ),
    Case(
        "antimeridian-polygon",
        "geometry",
        "polygon from 179°E to 179°W (crosses 180°)",
        "RepairWarning; split at 180° into a 2-part MultiPolygon; geodesic area unchanged",
        F.geojson(F.feature(F.polygon(ANTIMERIDIAN), "Chukotka")),
        Loads(RepairWarning, check_antimeridian),
    ),
    Case(
        "antimeridian-polygon-strict",
        "geometry",
        "the same with `strict=True`",
        "GeometryError: 'it crosses the antimeridian'",
        F.geojson(F.feature(F.polygon(ANTIMERIDIAN), "Chukotka")),
        Raises(GeometryError, "crosses the antimeridian"),
        {"strict": True},
    ),
    # ---- coordinate values
    Case(
        "lon-200",
        "coordinates",
        "a point at lon 200",
        "CoordinateError naming the feature: 'longitude 200 is outside [-180, 180]'",
        F.geojson(F.feature(F.point(200, 38), "far east")),
        Raises(CoordinateError, "'far east'.*longitude 200 is outside"),
    ),
    Case(
        "lat-95",
        "coordinates",
        "a point at lat 95",
        "CoordinateError naming the feature: 'latitude 95 is outside [-90, 90]; swapped?'",
        F.geojson(F.feature(F.point(70, 95), "north")),
        Raises(CoordinateError, "'north'.*latitude 95 is outside.*swapped"),
    ),
    Case(
        "nan-coordinate",
        "coordinates",
        "a bare `NaN` in the coordinates",
        "CoordinateError naming the feature: 'has a NaN or infinite coordinate'",
        F.with_literal("NaN"),
        Raises(CoordinateError, "'bad'.*NaN or infinite"),
    ),
    Case(
        "inf-coordinate",
        "coordinates",
        "a bare `Infinity` in the coordinates",
        "CoordinateError naming the feature",
        F.with_literal("Infinity"),
        Raises(CoordinateError, "'bad'.*NaN or infinite"),
    ),
    Case(
        "3d-coordinates",
        "coordinates",
        "`[lon, lat, 4363]` (elevation)",
        "RepairWarning; Z dropped to 2D; the elevation range is in the report notes",
        F.geojson(F.feature(F.point(*F.KULMA, 4363), "Kulma")),
        Loads(RepairWarning, check_z_dropped),
    ),
    Case(
        "3d-zero-z",
        "coordinates",
        "`[lon, lat, 0]` (KML clamp-to-ground style)",
        "loads quietly; a note says all-zero Z was dropped",
        F.geojson(F.feature(F.point(*F.KULMA, 0), "Kulma")),
        Loads(None, check_zero_z),
    ),
    # ---- CRS
    Case(
        "projected-no-crs",
        "CRS",
        "UTM metres in a GeoJSON without a crs member",
        "CoordinateError: 'longitude 467... is outside ...; the values look projected "
        "(metres): pass the file's crs='",
        F.projected_geojson,
        Raises(CoordinateError, "look projected.*crs="),
    ),
    Case(
        "projected-crs-stated",
        "CRS",
        "the same with `crs='EPSG:32643'`",
        "loads, transformed to EPSG:4326",
        F.projected_geojson,
        Loads(None, check_utm),
        {"crs": "EPSG:32643"},
    ),
    Case(
        "crs-member",
        "CRS",
        "legacy GeoJSON `crs` member naming EPSG:3857",
        "loads, transformed to EPSG:4326",
        F.mercator_geojson,
        Loads(None, check_mercator),
    ),
    Case(
        "crs-contradicted",
        "CRS",
        "file says EPSG:3857, caller says `crs='EPSG:4326'`",
        "CRSError: 'states CRS EPSG:3857 but crs='EPSG:4326' was passed'",
        F.mercator_geojson,
        Raises(CRSError, "states CRS EPSG:3857 but crs="),
        {"crs": "EPSG:4326"},
    ),
    Case(
        "crs-unknown",
        "CRS",
        "`crs` member naming EPSG:999999",
        "CRSError: 'unknown CRS'",
        F.unknown_crs_member,
        Raises(CRSError, "unknown CRS"),
    ),
    Case(
        "gpkg-without-crs",
        "CRS",
        "GeoPackage layer with an undefined SRS",
        "CRSError: 'has no CRS; pass crs=...'",
        F.gpkg_without_crs,
        Raises(CRSError, "has no CRS.*crs='EPSG:4326'"),
    ),
    # ---- paths, sizes, formats
    Case(
        "url",
        "paths",
        "`https://example.org/borders.geojson`",
        "DataError: 'local files only ... download the file'",
        lambda d: "https://example.org/borders.geojson",  # type: ignore[return-value,arg-type]
        Raises(DataError, "local files only"),
    ),
    Case(
        "gdal-vsicurl",
        "paths",
        "`/vsicurl/https://...` (a GDAL network path)",
        "DataError: 'URL or a GDAL virtual path'",
        lambda d: "/vsicurl/https://example.org/x.gpkg",  # type: ignore[return-value,arg-type]
        Raises(DataError, "GDAL virtual path"),
    ),
    Case(
        "inline-json",
        "paths",
        "a GeoJSON string passed instead of a path",
        "DataError: 'looks like inline JSON/XML text ... write it to a file'",
        lambda d: F.good_geojson_text(),  # type: ignore[return-value,arg-type]
        Raises(DataError, "inline JSON"),
    ),
    Case(
        "missing-file",
        "paths",
        "a path that does not exist",
        "DataError: 'does not exist' with the working folder",
        no_file,
        Raises(DataError, "does not exist"),
    ),
    Case(
        "folder",
        "paths",
        "a folder instead of a file",
        "DataError: 'is a folder'",
        F.a_folder,
        Raises(DataError, "is a folder"),
    ),
    Case(
        "100mb-file",
        "paths",
        "a 100 MB file (sparse)",
        "FileFormatError before reading a byte: 'is 100.0 MB, over the limit of 50.0 MB "
        "(max_bytes)'",
        F.huge_file,
        Raises(FileFormatError, r"100\.0 MB, over the limit"),
    ),
    Case(
        "pipe",
        "paths",
        "GeoJSON of 400 points (40 KB) through a named pipe (size 0 to `stat`, read once)",
        "loads all 400: the pipe is read once into a buffer that both the format detection "
        "and the reader use (the first 4 KB were lost)",
        F.through_pipe(F.many_points_geojson_bytes()),
        Loads(None, check_whole_stream),
    ),
    Case(
        "pipe-over-max-bytes",
        "paths",
        "a pipe giving 3 MB, read with `max_bytes=1 MB`",
        "FileFormatError after reading 1 MB + 1 byte: 'is a pipe or device, not a regular "
        "file, and it gave more than 1.0 MB (max_bytes)' (a pipe was never size-checked)",
        F.through_pipe(b"[" + b" " * (3 * 1024 * 1024) + b"]"),
        Raises(FileFormatError, r"pipe or device.*gave more than 1\.0 MB \(max_bytes\)"),
        {"max_bytes": 1024 * 1024},
    ),
    Case(
        "empty-file",
        "formats",
        "a 0-byte file",
        "FileFormatError: 'is empty'",
        F.empty_file,
        Raises(FileFormatError, "is empty"),
    ),
    Case(
        "kml-named-geojson",
        "formats",
        "a KML file named `.geojson`",
        "loads as KML (detected from the content) with a BorderkitWarning saying so",
        F.kml_named_geojson,
        Loads(BorderkitWarning, check_kml_named_geojson),
    ),
    Case(
        "png-named-geojson",
        "formats",
        "a PNG image named `.geojson`",
        "FileFormatError: 'a binary file borderkit cannot read; supported formats: ...'",
        F.png_named_geojson,
        Raises(FileFormatError, "binary file.*supported formats"),
    ),
    Case(
        "gpx",
        "formats",
        "a GPX file",
        "FileFormatError: 'is XML but not KML'",
        F.gpx_file,
        Raises(FileFormatError, "XML but not KML"),
    ),
    # ---- KML / KMZ
    Case(
        "kml-several-folders",
        "KML",
        "KML with folders 'Checkpoints' and 'Towns'",
        "DataError listing the layers: pass layer='<name>' or layer='*'",
        F.kml_folders,
        Raises(DataError, "2 layers: 'Checkpoints', 'Towns'.*layer='\\*'"),
    ),
    Case(
        "kml-several-folders-all",
        "KML",
        "the same with `layer='*'`",
        "loads every placemark with a `layer` column",
        F.kml_folders,
        Loads(None, check_all_folders),
        {"layer": "*"},
    ),
    Case(
        "kml-several-folders-one",
        "KML",
        "the same with `layer='Towns'`",
        "loads that folder",
        F.kml_folders,
        Loads(None, check_one_folder),
        {"layer": "Towns"},
    ),
    Case(
        "kmz-several-folders",
        "KML",
        "KMZ whose doc.kml has two folders",
        "DataError listing the layers",
        F.kmz_folders,
        Raises(DataError, "2 layers"),
    ),
    Case(
        "kml-external-entity",
        "KML",
        'KML declaring `<!ENTITY xxe SYSTEM "file:///...">`',
        "FileFormatError: 'DOCTYPE or entity declaration ... refuses (XXE)'; the file is never "
        "read",
        F.kml_external_entity,
        Raises(FileFormatError, "entity declaration.*XXE"),
    ),
    Case(
        "kml-billion-laughs",
        "KML",
        "KML with nested entities expanding to 10^9 `lol`",
        "FileFormatError at once, nothing expanded",
        F.kml_billion_laughs,
        Raises(FileFormatError, "billion laughs"),
    ),
    Case(
        "kml-malformed",
        "KML",
        "KML cut off inside a Placemark",
        "FileFormatError: 'is not well-formed XML: ... line 2'",
        F.kml_malformed,
        Raises(FileFormatError, "not well-formed XML"),
    ),
    Case(
        "kml-deeply-nested",
        "KML",
        "5,000 `<Folder>` levels inside each other",
        "FileFormatError: 'nests Folder, Document or MultiGeometry elements more than 100 "
        "levels deep' (no raw RecursionError)",
        F.kml_deep_folders,
        Raises(FileFormatError, "more than 100 levels deep; borderkit reads at most 100"),
    ),
    Case(
        "kml-network-link",
        "KML",
        "a placemark and a `<NetworkLink>` to a remote KML",
        "BorderkitWarning and a report note: 'skipped 1 NetworkLink(s) to '<href>'' with the "
        "href escaped; nothing is fetched",
        F.kml_network_link,
        Loads(BorderkitWarning, check_network_link),
    ),
    Case(
        "kml-bad-coordinates",
        "KML",
        "`<coordinates>` holding DMS text",
        "CoordinateError naming the placemark",
        F.kml_bad_coordinates,
        Raises(CoordinateError, "placemark 0 \\('Кулма'\\).*lon,lat"),
    ),
    Case(
        "kmz-bomb",
        "KML",
        "KMZ whose doc.kml unpacks to 2 MB, read with `max_bytes=1 MB`",
        "FileFormatError: 'unpacks to 2.0 MB, over the limit' (nothing unpacked)",
        F.kmz_bomb,
        Raises(FileFormatError, r"unpacks to 2\.0 MB"),
        {"max_bytes": 1024 * 1024},
    ),
    Case(
        "zip-without-kml",
        "KML",
        "a zip file with no .kml inside",
        "FileFormatError: 'a zip file without a .kml inside'",
        F.zip_without_kml,
        Raises(FileFormatError, "without a .kml"),
    ),
    # ---- GeoPackage
    Case(
        "gpkg-several-layers",
        "GeoPackage",
        "GeoPackage with layers 'towns' and 'areas'",
        "DataError listing the layers and how to pick",
        F.gpkg_two_layers,
        Raises(DataError, "2 layers: 'towns', 'areas'"),
    ),
    Case(
        "gpkg-pick-layer",
        "GeoPackage",
        "the same with `layer='towns'`",
        "loads that layer",
        F.gpkg_two_layers,
        Loads(None, check_towns),
        {"layer": "towns"},
    ),
    Case(
        "gpkg-missing-layer",
        "GeoPackage",
        "the same with `layer='town'` (typo)",
        "DataError: 'no layer 'town' (did you mean 'towns'?)'",
        F.gpkg_two_layers,
        Raises(DataError, "did you mean 'towns'"),
        {"layer": "town"},
    ),
    Case(
        "gpkg-endless-view",
        "GeoPackage",
        "layer that is an SQL view over an endless recursive CTE, registered in gpkg_contents",
        "FileFormatError within ~2 s: 'is an SQL view, not a table, and it did not finish "
        "within 2 s' or 'gives more than 1,000,000 rows' (was a hang)",
        F.gpkg_view(None),
        Raises(FileFormatError, "layer 'view' is an SQL view, not a table, and it (did not "
               "finish within 2 s|gives more than 1,000,000 rows)"),
        {"layer": "view"},
    ),
    Case(
        "gpkg-bounded-view",
        "GeoPackage",
        "the same view stopping after 3 rows",
        "loads the 3 rows",
        F.gpkg_view(3),
        Loads(None, check_bounded_view),
        {"layer": "view"},
    ),
    Case(
        "gpkg-bowtie",
        "GeoPackage",
        "bow-tie polygon stored in a GeoPackage",
        "RepairWarning; repaired and reported like GeoJSON",
        F.gpkg_bowtie,
        Loads(RepairWarning, lambda g: report(g).repaired[0]["area_after_m2"] > 0),
    ),
    # ---- Shapefile
    Case(
        "shp-no-prj",
        "Shapefile",
        "shapefile without .prj",
        "CRSError: 'has no CRS (for a shapefile: no .prj file); pass crs=...'",
        F.shapefile(drop=(".prj",)),
        Raises(CRSError, "no .prj file.*crs="),
    ),
    Case(
        "shp-no-prj-stated",
        "Shapefile",
        "the same with `crs='EPSG:4326'`",
        "loads; the report notes the missing .prj",
        F.shapefile(drop=(".prj",)),
        Loads(None, check_no_prj_stated),
        {"crs": "EPSG:4326"},
    ),
    Case(
        "shp-no-dbf",
        "Shapefile",
        "shapefile without .dbf",
        "FileFormatError: 'the attribute file towns.dbf is missing, so every name ... would "
        "be lost'",
        F.shapefile(drop=(".dbf",)),
        Raises(FileFormatError, "towns.dbf is missing"),
    ),
    Case(
        "shp-no-shx",
        "Shapefile",
        "shapefile without .shx",
        "FileFormatError: 'the index file towns.shx is missing'",
        F.shapefile(drop=(".shx",)),
        Raises(FileFormatError, "towns.shx is missing"),
    ),
    Case(
        "shp-dbf-claims-4g-records",
        "Shapefile",
        "a 147-byte .dbf (no .cpg) whose header claims 0xFFFFFFFF records",
        "FileFormatError at once: 'the .dbf header claims 4,294,967,295 records, but the file "
        "... can hold at most 1' (was a hang)",
        F.dbf_claims_4g_records(),
        Raises(FileFormatError, r"towns\.dbf': the \.dbf header claims 4,294,967,295 records, "
               r"but the file \(147 bytes.*can hold at most 1;"),
    ),
    Case(
        "shp-dbf-claims-4g-records-cpg",
        "Shapefile",
        "the same with a .cpg",
        "the same FileFormatError",
        F.dbf_claims_4g_records(cpg=True),
        Raises(FileFormatError, "claims 4,294,967,295 records"),
    ),
    Case(
        "shp-no-cpg-utf8",
        "Shapefile",
        "UTF-8 shapefile without .cpg",
        "BorderkitWarning: 'no .cpg; its text decodes cleanly as UTF-8'; names exact",
        F.shapefile(drop=(".cpg",)),
        Loads(BorderkitWarning, check_towns),
    ),
    Case(
        "shp-no-cpg-cp1251",
        "Shapefile",
        "cp1251 shapefile without .cpg (no code page in the .dbf)",
        "EncodingError: 'no .cpg file, and its text is not UTF-8 ... pass encoding='cp1251''",
        F.shapefile(drop=(".cpg",), encoding="cp1251", names=("Мургаб", "Хорог")),
        Raises(EncodingError, "no .cpg file.*not UTF-8.*encoding='cp1251'"),
    ),
    Case(
        "shp-no-cpg-cp1251-stated",
        "Shapefile",
        "the same with `encoding='cp1251'`",
        "loads; names exact",
        F.shapefile(drop=(".cpg",), encoding="cp1251", names=("Мургаб", "Хорог")),
        Loads(None, check_russian_towns),
        {"encoding": "cp1251"},
    ),
    Case(
        "shp-no-cpg-ldid",
        "Shapefile",
        "cp1251 shapefile without .cpg, code page 0xC9 in the .dbf header",
        "BorderkitWarning: 'reading its text as cp1251, the code page in "
        "the .dbf header'; names exact",
        F.shapefile(drop=(".cpg",), encoding="cp1251", ldid=0xC9, names=("Мургаб", "Хорог")),
        Loads(BorderkitWarning, check_russian_towns),
    ),
    Case(
        "shp-write-tajik-cp1251",
        "Shapefile",
        "writing Tajik `Мурғоб` (ғ) with `encoding='cp1251'`",
        "EncodingError before writing: ''ғ', which the cp1251 encoding "
        "cannot represent'; no file created",
        F.empty_file,
        Raises(EncodingError, "'ғ', which the cp1251 encoding cannot represent"),
        {"name": "Мурғоб", "encoding": "cp1251"},
        write_lossy,
    ),
    Case(
        "shp-write-tajik-letters",
        "Shapefile",
        "writing `ҷ ӯ ғ қ` with `encoding='cp1251'`",
        "EncodingError before writing, naming the first lost letter",
        F.empty_file,
        Raises(EncodingError, "'ҷ', which the cp1251"),
        {"name": "ҷ ӯ ғ қ", "encoding": "cp1251"},
        write_lossy,
    ),
    Case(
        "shp-write-chinese-latin1",
        "Shapefile",
        "writing Chinese `杜尚别` with `encoding='latin-1'`",
        "EncodingError before writing",
        F.empty_file,
        Raises(EncodingError, "'杜尚别', which the latin-1"),
        {"name": "杜尚别", "encoding": "latin-1"},
        write_lossy,
    ),
    Case(
        "kml-write-control-char",
        "KML",
        "writing a name with a NUL or bell character to KML",
        "EncodingError: 'contains a NUL character' / 'control character' (XML cannot hold it)",
        F.empty_file,
        Raises(EncodingError, "NUL character"),
        {"name": "Kul\x00ma"},
        write_kml_with,
    ),
    Case(
        "kml-write-layer-name-control",
        "KML",
        "writing to KML over a good file with `layer='Rings\\x01'` (a C0 control in the "
        "folder name)",
        "EncodingError naming the layer (folder) name and the character U+0001, before "
        "writing: the good file stays (before: an unparsable file replaced it)",
        F.empty_file,
        Raises(EncodingError, r"the layer \(folder\) name 'Rings\\x01' contains the control "
                              r"character '\\x01' \(U\+0001\)"),
        {"layer": "Rings\x01"},
        kml_keeps_old_file,
    ),
    Case(
        "kml-write-fffe-folder-name",
        "KML",
        "writing two layers to KML, one named `'b\\ufffe'` (U+FFFE, not a character XML allows)",
        "EncodingError naming that folder; the old file stays",
        F.empty_file,
        Raises(EncodingError, r"the layer \(folder\) name 'b\\ufffe' contains the character "
                              r"'\\ufffe' \(U\+FFFE\)"),
        {"layers": {
            "a": gpd.GeoDataFrame({"name": ["x"]}, geometry=[Point(70, 38)], crs=4326),
            "b\ufffe": gpd.GeoDataFrame({"name": ["y"]}, geometry=[Point(71, 38)], crs=4326)}},
        kml_keeps_old_file,
    ),
    Case(
        "kml-write-control-in-file-name",
        "KML",
        "writing to `'ring\\x1b.kml'` (the file stem becomes the document's name)",
        "EncodingError naming the file name; nothing written",
        F.empty_file,
        Raises(EncodingError, r"the file name 'ring\\x1b' \(the KML document's name\)"),
        {"file": "ring\x1b.kml"},
        kml_keeps_old_file,
    ),
    Case(
        "csv-write-formula-cells",
        "CSV",
        "`write_layer` to CSV of names `=HYPERLINK(...)`, `+cmd|' /C calc'!A0`, `@SUM(1)`, "
        "`-2+3`, a leading tab, `-12.5`, `'=already`",
        "every formula-like text cell (and column name) gets a leading `'` (OWASP); `-12.5` is "
        "a number and stays; `'=already` gets one more `'`; read_layer gives the names back "
        "exactly",
        F.empty_file,
        Loads(None, check_formulas_escaped),
        {"columns": {"name": FORMULA_NAMES}},
        write_csv_read_back,
    ),
    Case(
        "csv-write-formula-raw",
        "CSV",
        "the same with `csv_formulas='raw'`",
        "written unchanged, for pipelines that need the exact text",
        F.empty_file,
        Loads(None, check_formulas_raw),
        {"columns": {"name": FORMULA_NAMES}, "csv_formulas": "raw"},
        write_csv_read_back,
    ),
    Case(
        "csv-write-lon-in-other-case",
        "CSV",
        "writing points with an attribute column `Lon` (the reader matches `lon` in any case)",
        "DataError before writing: 'column 'Lon' would be read back as the points' lon/lat'; "
        "rename it (before: the point moved on read-back)",
        F.empty_file,
        Raises(DataError, r"column 'Lon' would be read back as the points' lon/lat"),
        {"columns": {"Lon": [1.5]}},
        write_csv_read_back,
    ),
    Case(
        "csv-write-wkt-column",
        "CSV",
        "writing lines that have an attribute column `wkt` (or `geometry`, `location`, `x`+`y`)",
        "DataError before writing: it would be read back as coordinates instead of the "
        "generated `wkt` column",
        F.empty_file,
        Raises(DataError, r"column 'wkt' would be read back as coordinates instead of the wkt"),
        {"columns": {"wkt": ["text"]}},
        lambda path, **kw: write_layer(gpd.GeoDataFrame(
            kw["columns"], geometry=[shapely.LineString([(70, 38), (71, 38)])], crs=4326),
            path.parent / "lines.csv"),
    ),
    Case(
        "csv-write-int-and-text-column-names",
        "CSV",
        "writing columns named `5` (int) and `'5'` (str)",
        "DataError naming both (before: one was silently lost on read-back)",
        F.empty_file,
        Raises(DataError, r"the columns 5 and '5' would both be written as '5'"),
        {"columns": {5: [1], "5": [2]}},
        write_csv_read_back,
    ),
    Case(
        "csv-write-big-integers",
        "CSV",
        "ids `2**53 + 1`, `2**63 - 1`, `-2**63` written to CSV and read back",
        "written as their exact digits; read back exactly (Int64), not as float64 "
        "(before: `9007199254740993` came back as `...992`)",
        F.empty_file,
        Loads(None, check_written_big_integers),
        {"columns": {"id": BIG}},
        write_csv_read_back,
    ),
    # ---- CSV
    Case(
        "csv-dms",
        "CSV",
        "lat/lon columns in DMS (`38°08′58″N`, `33 27 00S`)",
        "loads; exact decimal degrees",
        F.csv_text(KULMA_CSV + "Kulma,38°08′58″N,74°48′05″E\nSantiago,33 27 00S,70 39 36W\n"),
        Loads(None, check_dms_csv),
    ),
    Case(
        "csv-blank-cells",
        "CSV",
        "rows with a blank lat, or blank lat and lon",
        "DroppedFeatureWarning; rows listed in `report.dropped` by number and name",
        F.csv_text(KULMA_CSV + "Kulma,38.1,74.8\nblank lat,,74.8\nboth,,\nMurghob,38.17,73.96\n"),
        Loads(DroppedFeatureWarning, check_blank_dropped),
    ),
    Case(
        "csv-blank-cells-strict",
        "CSV",
        "the same with `strict=True`",
        "CoordinateError naming the row: 'row 2 ('blank lat'): the coordinate is blank'",
        F.csv_text(KULMA_CSV + "Kulma,38.1,74.8\nblank lat,,74.8\n"),
        Raises(CoordinateError, "row 2 \\('blank lat'\\): the coordinate is blank"),
        {"strict": True},
    ),
    Case(
        "csv-decimal-commas",
        "CSV",
        "`;`-separated with decimal commas (`38,14944`)",
        "loads; exact values",
        F.csv_text("name;lat;lon\nKulma;38,14944;74,80139\n"),
        Loads(None, check_decimal_commas),
    ),
    Case(
        "csv-swapped-by-range",
        "CSV",
        "lat column holds 74.8, lon column 38.1, one lat value over 90",
        "SwappedCoordinatesWarning; columns swapped back; `report.swapped`",
        F.csv_text(KULMA_CSV + "Kulma,74.80139,38.14944\nKashgar,75.99,39.47\nFar,120.5,40.0\n"),
        Loads(SwappedCoordinatesWarning, check_swapped_back),
    ),
    Case(
        "csv-swapped-by-hemisphere",
        "CSV",
        "lat column marked `E`, lon column marked `N`",
        "SwappedCoordinatesWarning; swapped back",
        F.csv_text(KULMA_CSV + "Kulma,74.80139E,38.14944N\n"),
        Loads(SwappedCoordinatesWarning, check_swapped_back),
    ),
    Case(
        "csv-swapped-by-region",
        "CSV",
        "swapped columns, all values in range, `region=` Tajikistan's box",
        "SwappedCoordinatesWarning; swapped back",
        F.csv_text(KULMA_CSV + "Kulma,74.80139,38.14944\nKhorugh,71.5583,37.4917\n"),
        Loads(SwappedCoordinatesWarning, check_swapped_back),
        {"region": F.TAJIKISTAN_BBOX},
    ),
    Case(
        "csv-swapped-by-region-strict",
        "CSV",
        "the same with `strict=True`",
        "CoordinateError: 'latitude and longitude swapped'",
        F.csv_text(KULMA_CSV + "Kulma,74.80139,38.14944\n"),
        Raises(CoordinateError, "swapped"),
        {"region": F.TAJIKISTAN_BBOX, "strict": True},
    ),
    Case(
        "csv-swapped-undetectable",
        "CSV",
        "swapped columns, all values in range, no `region=`",
        "loads as written (cannot be told apart); pass `region=` to check",
        F.csv_text(KULMA_CSV + "Kulma,74.80139,38.14944\n"),
        Loads(None, check_not_swapped),
    ),
    Case(
        "csv-wrong-hemisphere",
        "CSV",
        "one lat cell marked `E`",
        "CoordinateError naming the row: 'holds a value marked E; swapped?'",
        F.csv_text(KULMA_CSV + "Kulma,38.1N,74.8E\nOdd,74.8E,38.1\n"),
        Raises(CoordinateError, "row 2 \\('Odd'\\).*marked E"),
    ),
    Case(
        "csv-lon-200",
        "CSV",
        "lon cell 200",
        "CoordinateError naming the row",
        F.csv_text(KULMA_CSV + "Far,38.1,200\n"),
        Raises(CoordinateError, "row 1 \\('Far'\\).*longitude 200"),
    ),
    Case(
        "csv-nan-cell",
        "CSV",
        "a lat cell `nan`",
        "CoordinateError naming the row",
        F.csv_text(KULMA_CSV + "Kulma,38.1,74.8\nodd,nan,74.8\n"),
        Raises(CoordinateError, "row 2 \\('odd'\\).*NaN or infinite"),
    ),
    Case(
        "csv-inf-cell",
        "CSV",
        "a lon cell `inf`",
        "CoordinateError naming the row",
        F.csv_text(KULMA_CSV + "odd,38.1,inf\n"),
        Raises(CoordinateError, "'odd'.*infinite"),
    ),
    Case(
        "csv-unreadable-cell",
        "CSV",
        "a lat cell `north of the pass`",
        "CoordinateError naming the row and listing accepted formats",
        F.csv_text(KULMA_CSV + "odd,north of the pass,74.8\n"),
        Raises(CoordinateError, "row 1 \\('odd'\\).*accepted"),
    ),
    Case(
        "csv-no-coordinate-columns",
        "CSV",
        "columns `a,b,c`",
        "DataError listing the columns and the lon=/lat=/coords= options",
        F.csv_text("a,b,c\n1,2,3\n"),
        Raises(DataError, r"columns: \['a', 'b', 'c'\].*lon="),
    ),
    Case(
        "csv-projected-xy",
        "CSV",
        "x/y columns in UTM metres, no CRS stated",
        "CRSError: 'has no CRS ... pass crs=...'",
        F.csv_projected,
        Raises(CRSError, "no CRS.*crs="),
    ),
    Case(
        "csv-not-utf8",
        "CSV",
        "CSV saved in cp1251",
        "EncodingError naming the line",
        F.csv_text(KULMA_CSV + "Мургаб,38.17,73.96\n", encoding="cp1251"),
        Raises(EncodingError, "line 2: byte"),
    ),
    Case(
        "csv-ragged-row",
        "CSV",
        "a row with an extra unquoted comma",
        "FileFormatError naming the row: 'has 4 fields but the header has 3'",
        F.csv_text(KULMA_CSV + "Kulma,38.1,74.8\nKhorugh, Tajikistan,37.5,71.6\n"),
        Raises(FileFormatError, "row 2 has 4 fields but the header has 3"),
    ),
    Case(
        "csv-nul-bytes",
        "CSV",
        "a NUL byte inside a cell",
        "FileFormatError (binary)",
        F.csv_nul,
        Raises(FileFormatError, "binary|NUL"),
    ),
    Case(
        "csv-20000-columns",
        "CSV",
        "5 rows of 20,000 columns (0.4 MB)",
        "loads in a few seconds (was 53 s); typed as usual (Int64, float64, text)",
        F.csv_wide,
        Loads(None, check_wide_csv),
    ),
    Case(
        "csv-big-integers",
        "CSV",
        "integer columns with `9007199254740993` (2^53 + 1), 2^63 - 1, a 400-digit number",
        "loads; integers that fit int64 read back exactly as Int64 (not float64); a column "
        "with a larger one stays text (no raw OverflowError)",
        F.csv_text(
            "name,lat,lon,id,huge,mixed\n"
            f"a,38.1,74.8,9007199254740993,{'1' * 400},1.5\n"
            f"b,38.2,74.9,{2**63 - 1},5,9007199254740993\n"
        ),
        Loads(None, check_big_integers),
    ),
    Case(
        "csv-wkt-nan",
        "CSV",
        "a `wkt` cell `POINT (nan nan)`",
        "CoordinateError naming the row: 'the WKT 'POINT (nan nan)' has a NaN or infinite "
        "coordinate' (was 'has no CRS')",
        F.csv_text("name,wkt\nok,POINT (70 38)\nodd,POINT (nan nan)\n"),
        Raises(CoordinateError, r"row 2 \('odd'\): the WKT 'POINT \(nan nan\)' has a NaN"),
    ),
    Case(
        "csv-na-names",
        "CSV",
        "places named `NA`, `null`, `None`, `nan`, `N/A`",
        "loads; the names stay text (no NA guessing)",
        F.csv_text(
            KULMA_CSV + "".join(f"{n},38.1,74.8\n" for n in ["NA", "null", "None", "nan", "N/A"])
        ),
        Loads(None, check_names_kept),
    ),
    Case(
        "csv-mgrs",
        "CSV",
        "one `mgrs` column of grid references",
        "loads; south-west corner of each grid square",
        F.csv_text("name,mgrs\nKulma,43SDC8259822410\n"),
        Loads(None, check_mgrs),
    ),
]


def _run(case: Case, path: Any) -> Any:
    if case.action is not None:
        return case.action(path, **dict(case.kwargs))
    return read_layer(path, **case.kwargs)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_loading_case(case: Case, bad_file):
    path = bad_file(case.make)
    gdf = outcome(lambda: _run(case, path), case.expect)
    if isinstance(case.expect, Raises):
        return
    assert gdf.crs.to_epsg() == 4326
    assert "_bk_ref" not in gdf.columns and "_bk_unclosed" not in gdf.columns
    case.expect.check(gdf)


def test_100mb_file_is_refused_without_reading(bad_file, monkeypatch):
    path = bad_file(F.huge_file)
    opened = []
    real_open = open

    def spy(file, *args, **kwargs):
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", spy)
    t0 = time.perf_counter()
    with pytest.raises(FileFormatError, match="max_bytes=104857600"):
        read_layer(path)
    assert time.perf_counter() - t0 < 5  # generous: refusing is a stat() call, not a parse
    # only the 4 KB sniff may open it
    assert opened.count(str(path)) <= 1


def test_external_entity_content_never_appears(bad_file):
    path = bad_file(F.kml_external_entity)
    with pytest.raises(FileFormatError) as info:
        read_layer(path)
    assert F.SECRET not in str(info.value)


def test_lossy_shapefile_write_leaves_nothing(tmp_path):
    with pytest.raises(EncodingError):
        write_lossy(tmp_path / "x", name="Мурғоб", encoding="cp1251")
    assert list(tmp_path.iterdir()) == []


def markdown() -> str:
    """The catalogue as a Markdown table (docs/bad_inputs.md, the README section)."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = [
        "# Bad-input catalogue: loading",
        "",
        "Every row is a test in `tests/bad_inputs/test_loading.py`; the bad file is generated "
        "by `tests/bad_inputs/files.py`. Errors are `borderkit` exceptions (each also a "
        "`ValueError`); "
        "warnings are `borderkit` warnings, and the repaired or dropped features are listed in "
        '`gdf.attrs["borderkit_report"]`. `strict=True` turns every repair into an error.',
        "",
        "Choices behind the outcomes (see `borderkit.read_layer`):",
        "",
        "- The format is taken from the content, not the file name; a mismatch is warned.",
        "- Local files only: URLs, GDAL `/vsi...` paths and inline JSON/XML are refused.",
        "- Files over `max_bytes` (default 50 MB) are refused before they are read.",
        "- A GeoPackage with several layers or a KML/KMZ with several folders needs "
        "`layer='<name>'` or `layer='*'` (all, with a `layer` column); never silently the first.",
        "- Null/empty geometries and CSV rows with a blank coordinate are dropped with a "
        "`DroppedFeatureWarning` and listed in the report (errors with `strict=True`).",
        "- Invalid polygons are repaired with `shapely.make_valid` (never `buffer(0)`) and the "
        "geodesic area before/after is reported; unclosed rings are closed, repeated vertices "
        "removed, shapes crossing 180° split there at the exact geodesic crossing.",
        "- Z values are dropped (2D lon/lat); non-zero ones are reported with a `RepairWarning`.",
        "- Mixed geometry types load with a note (an error with `strict=True`).",
        "- Swapped lat/lon is detected from hemisphere letters, from values beyond ±90, or "
        "against `region=`; the columns are swapped back with a `SwappedCoordinatesWarning`.",
        "- CSV cells are read as text first, so `NA`, `null` or `007` stay as written; name "
        "columns are never turned into numbers.",
        "- Writing refuses, before any file is touched, text the format would change: letters "
        "missing from a shapefile's code page, NUL in GPKG/SHP/CSV, NUL and control characters "
        "in KML, "
        "DBF limits (10-byte field names, 254-byte values, leading/trailing spaces).",
        "",
        "| # | case | input | what borderkit does |",
        "|---|------|-------|---------------------|",
    ]
    for i, c in enumerate(CASES, 1):
        lines.append(f"| {i} | `{c.id}` | {cell(c.input)} | {cell(c.outcome)} |")
    lines += [
        "",
        f"{len(CASES)} cases. Regenerate with `python -m tests.bad_inputs.test_loading > "
        "docs/bad_inputs.md`.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    sys.exit("the catalogue covers every stage now: python -m tests.bad_inputs > "
             "docs/bad_inputs.md")
