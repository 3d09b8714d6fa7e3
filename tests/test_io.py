"""User files: read_layer / write_layer across every format (borderkit.io).

One fixture writes a canonical dataset (Tajikistan places with Tajik, Russian,
Chinese and Persian names) to every supported format, so each test runs across
all of them, as pyogrio's test suite does.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, Polygon

import borderkit
from borderkit import (
    BorderkitWarning,
    CRSError,
    DataError,
    EncodingError,
    ExportError,
)
from borderkit.io import LoadReport, read_layer, write_layer

FORMATS = ["geojson", "gpkg", "shp", "kml", "kmz", "csv"]

# (name in Tajik, Russian, Chinese, Persian; kind; lon; lat; precision; elevation)
PLACES = [
    ("Душанбе", "Душанбе", "杜尚别", "دوشنبه", "capital", 68.7833, 38.5333, 2000.0, 800),
    ("Хоруғ", "Хорог", "霍罗格", "خاروغ", "town", 71.5583, 37.4917, 1000.0, 2200),
    ("Мурғоб", "Мургаб", "穆尔加布", "مرغاب", "town", 73.9650, 38.1689, 1000.0, 3650),
    (
        "Ағбаи Қулма",
        "перевал Кульма",
        "阔勒买口岸",
        "گردنه کلمه",
        "checkpoint",
        74.80139,
        38.14944,
        100.0,
        4363,
    ),
    ("Кӯлоб", "Куляб", "库洛布", "کولاب", "town", 69.7819, 37.9092, 1000.0, 580),
    ("Ҷиргатол", "Джиргаталь", "吉尔加塔尔", "جرگتال", "town", 71.2167, 39.2167, 2000.0, 1990),
]
TEXT_COLS = ["name", "name_ru", "name_zh", "name_fa", "kind"]


def canonical() -> gpd.GeoDataFrame:
    rows = [
        dict(zip([*TEXT_COLS, "prec_m", "elev_m"], (*p[:5], *p[7:]), strict=True)) for p in PLACES
    ]
    geoms = [Point(p[5], p[6]) for p in PLACES]
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geoms, crs="EPSG:4326")


def polygons() -> gpd.GeoDataFrame:
    square = Polygon([(73.0, 38.0), (74.0, 38.0), (74.0, 39.0), (73.0, 39.0)])
    holed = Polygon(
        [(70.0, 37.0), (72.0, 37.0), (72.0, 38.5), (70.0, 38.5)],
        [[(70.5, 37.5), (71.0, 37.5), (71.0, 38.0), (70.5, 38.0)]],
    )
    return gpd.GeoDataFrame(
        {"name": ["Вилояти Мухтори Кӯҳистони Бадахшон", "Хатлон"]},
        geometry=[square, holed],
        crs="EPSG:4326",
    )


def quiet_read(path, **kwargs) -> gpd.GeoDataFrame:
    """read_layer that fails the test on any borderkit warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", BorderkitWarning)
        return read_layer(path, **kwargs)


@pytest.fixture(params=FORMATS)
def fmt(request) -> str:
    return request.param


@pytest.fixture
def canonical_file(tmp_path, fmt) -> Path:
    """The canonical places written to *fmt* by borderkit itself."""
    return write_layer(canonical(), tmp_path / f"places.{fmt}")


# GDAL writes the same data, so reading files that other tools produced is tested too.
GDAL_WRITERS = {
    "geojson": ("GeoJSON", {}),
    "gpkg": ("GPKG", {}),
    "shp": ("ESRI Shapefile", {"encoding": "UTF-8"}),
    "kml": ("KML", {}),
    "libkml.kml": ("LIBKML", {}),
    "csv": ("CSV", {"layer_options": {"GEOMETRY": "AS_XY"}}),
}


@pytest.fixture(params=sorted(GDAL_WRITERS))
def gdal_file(request, tmp_path) -> Path:
    ext = request.param
    driver, opts = GDAL_WRITERS[ext]
    path = tmp_path / f"places.{ext}"
    pyogrio.write_dataframe(canonical(), path, driver=driver, **opts)
    return path


# ----------------------------------------------------------------------------- round trips


def test_round_trip_every_format(canonical_file):
    got = quiet_read(canonical_file)
    want = canonical()
    assert got.crs.to_epsg() == 4326
    assert len(got) == len(want)
    for col in TEXT_COLS:
        assert list(got[col]) == list(want[col]), col
    np.testing.assert_allclose(got.geometry.x, want.geometry.x, atol=1e-12)
    np.testing.assert_allclose(got.geometry.y, want.geometry.y, atol=1e-12)
    np.testing.assert_array_equal(got["prec_m"].astype(float), want["prec_m"])
    np.testing.assert_array_equal(got["elev_m"].astype(int), want["elev_m"])
    assert pd.api.types.is_numeric_dtype(got["elev_m"])
    report = got.attrs["borderkit_report"]
    assert isinstance(report, LoadReport)
    assert report.n_read == report.n_loaded == len(want)
    assert not report.repaired and not report.dropped and not report.swapped


def test_files_written_by_gdal_load_with_names_intact(gdal_file):
    got = quiet_read(gdal_file, crs="EPSG:4326" if gdal_file.suffix == ".csv" else None)
    for col in ("name", "name_ru", "name_zh", "name_fa"):
        assert list(got[col]) == list(canonical()[col]), col
    np.testing.assert_allclose(got.geometry.x, canonical().geometry.x, atol=1e-9)


@pytest.mark.parametrize("ext", FORMATS)
def test_polygons_round_trip_with_holes(tmp_path, ext):
    src = polygons()
    got = quiet_read(write_layer(src, tmp_path / f"regions.{ext}"))
    assert list(got["name"]) == list(src["name"])
    for a, b in zip(got.geometry, src.geometry, strict=True):
        assert a.normalize().equals_exact(b.normalize(), tolerance=1e-12)


def test_geojson_is_rfc7946(tmp_path):
    import json

    cw = Polygon([(73.0, 38.0), (73.0, 39.0), (74.0, 39.0), (74.0, 38.0)])  # clockwise
    gdf = gpd.GeoDataFrame({"name": ["x"]}, geometry=[cw], crs="EPSG:4326").to_crs(32643)
    path = write_layer(gdf, tmp_path / "x.geojson")
    doc = json.loads(path.read_text(encoding="utf-8"))
    ring = np.array(doc["features"][0]["geometry"]["coordinates"][0])
    assert "crs" not in doc
    assert ring[:, 0].min() == pytest.approx(73.0, abs=1e-6)  # reprojected to lon/lat
    signed = 0.5 * np.sum(ring[:-1, 0] * ring[1:, 1] - ring[1:, 0] * ring[:-1, 1])
    assert signed > 0  # counter-clockwise exterior


def test_projected_frame_keeps_its_crs_in_gpkg_and_shapefile(tmp_path):
    src = canonical().to_crs(32643)
    for ext in ("gpkg", "shp"):
        path = write_layer(src, tmp_path / f"utm.{ext}")
        assert pyogrio.read_info(path)["crs"] == "EPSG:32643"
        got = quiet_read(path)
        assert got.crs.to_epsg() == 4326
        np.testing.assert_allclose(got.geometry.x, canonical().geometry.x, atol=1e-7)


def test_null_values_survive_where_the_format_has_nulls(tmp_path):
    src = canonical()
    src["note"] = ["a", None, "", "b", None, "c"]
    for ext in ("geojson", "gpkg", "kml"):
        got = quiet_read(write_layer(src, tmp_path / f"n.{ext}"))
        values = [None if (v is None or v is pd.NA or v != v) else v for v in got["note"]]
        assert values == ["a", None, "", "b", None, "c"], ext


# ----------------------------------------------------------------------------- several layers


@pytest.fixture(params=["gpkg", "kml", "kmz"])
def two_layer_file(request, tmp_path) -> Path:
    layers = {"places": canonical(), "regions": polygons()}
    return write_layer(layers, tmp_path / f"two.{request.param}")


def test_several_layers_need_an_explicit_choice(two_layer_file):
    with pytest.raises(DataError, match=r"2 layers: 'places', 'regions'.*layer='\*'"):
        read_layer(two_layer_file)


def test_pick_one_layer(two_layer_file):
    got = quiet_read(two_layer_file, layer="regions")
    assert list(got["name"]) == list(polygons()["name"])


def test_all_layers_with_a_layer_column(two_layer_file):
    got = quiet_read(two_layer_file, layer="*")
    assert got.columns[0] == "layer"
    assert list(got["layer"]) == ["places"] * 6 + ["regions"] * 2
    assert got.attrs["borderkit_report"].n_loaded == 8


def test_misspelt_layer_suggests_close_names(two_layer_file):
    with pytest.raises(DataError, match="did you mean 'regions'"):
        read_layer(two_layer_file, layer="region")


def test_layer_option_on_a_single_layer_format(tmp_path):
    path = write_layer(canonical(), tmp_path / "p.geojson")
    with pytest.raises(DataError, match="single layer"):
        read_layer(path, layer="places")
    assert list(quiet_read(path, layer="*")["layer"]) == ["p"] * 6


def test_several_layers_only_where_the_format_has_them(tmp_path):
    with pytest.raises(DataError, match="GPKG, KML or KMZ"):
        write_layer({"a": canonical(), "b": canonical()}, tmp_path / "x.geojson")


# ----------------------------------------------------------------------------- CSV specifics


def test_csv_columns_and_types(tmp_path):
    path = tmp_path / "sites.csv"
    path.write_text(
        "Name;Latitude;Longitude;code;score\n"
        "Kulma;38,14944;74,80139;007;1.5\n"
        "NA;37,4917;71,5583;010;2\n",
        encoding="utf-8",
    )
    got = quiet_read(path)
    assert list(got["Name"]) == ["Kulma", "NA"]  # "NA" is a name, not a missing value
    assert list(got["code"]) == ["007", "010"]  # leading zeros are kept as text
    assert list(got["score"]) == [1.5, 2.0]
    assert got.geometry.iloc[0].coords[0] == (74.80139, 38.14944)


def test_csv_single_coordinate_column(tmp_path):
    import mgrs

    ref = mgrs.MGRS().toMGRS(38.14944, 74.80139)
    path = tmp_path / "pts.csv"
    path.write_text(f'name,where\nKulma,"38°08′58″N 74°48′05″E"\ngrid,{ref}\n', encoding="utf-8")
    got = quiet_read(path, coords="where")
    assert got.geometry.iloc[0].x == pytest.approx(74.80139, abs=1e-5)
    assert got.geometry.iloc[1].y == pytest.approx(38.14944, abs=1e-4)


def test_csv_explicit_columns(tmp_path):
    path = tmp_path / "pts.csv"
    path.write_text("a,b,c\nq,71.5,37.5\n", encoding="utf-8")
    with pytest.raises(DataError, match="cannot tell which columns"):
        read_layer(path)
    got = quiet_read(path, lon="b", lat="c")
    assert got.geometry.iloc[0].coords[0] == (71.5, 37.5)
    with pytest.raises(DataError, match="no column 'zz'"):
        read_layer(path, lon="zz", lat="c")


def test_csv_projected_columns_with_a_stated_crs(tmp_path):
    pts = canonical().to_crs(32643)
    path = tmp_path / "utm.csv"
    path.write_text(
        "name,x,y\n"
        + "".join(f"{n},{p.x},{p.y}\n" for n, p in zip(pts["name"], pts.geometry, strict=True)),
        encoding="utf-8",
    )
    with pytest.raises(CRSError, match="crs="):
        read_layer(path)
    got = quiet_read(path, crs="EPSG:32643")
    np.testing.assert_allclose(got.geometry.x, canonical().geometry.x, atol=1e-7)


def test_csv_lon_lat_options_only_for_csv(tmp_path):
    path = write_layer(canonical(), tmp_path / "p.geojson")
    with pytest.raises(DataError, match="apply to CSV"):
        read_layer(path, lon="x", lat="y")


# ----------------------------------------------------------------------------- writing


def test_write_is_atomic_on_failure(tmp_path, monkeypatch, fmt):
    target = tmp_path / f"places.{fmt}"
    write_layer(canonical(), target)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pyogrio, "write_dataframe", boom)
    monkeypatch.setattr(Path, "write_bytes", boom)
    monkeypatch.setattr("zipfile.ZipFile.writestr", boom)
    smaller = canonical().iloc[:2]
    with pytest.raises(ExportError, match="No space left"):
        write_layer(smaller, target)
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert after == before  # old file intact, no temp files left


def test_shapefile_rewrite_removes_a_stale_cpg(tmp_path):
    target = tmp_path / "p.shp"
    write_layer(canonical(), target)
    assert (tmp_path / "p.cpg").exists()
    ascii_only = canonical()[["kind", "geometry"]]
    (tmp_path / "p.cpg").write_text("CP1251")  # pretend an older write left this
    write_layer(ascii_only, target)
    assert (tmp_path / "p.cpg").read_text().strip().upper() in ("UTF-8", "UTF8")
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".cpg", ".dbf", ".prj", ".shp", ".shx"]


def test_shapefile_legacy_encoding(tmp_path):
    russian = canonical()[["name_ru", "geometry"]]
    path = write_layer(russian, tmp_path / "ru.shp", encoding="cp1251")
    assert (tmp_path / "ru.cpg").read_text().strip().upper().replace("-", "") in ("CP1251", "1251")
    assert list(quiet_read(path)["name_ru"]) == list(russian["name_ru"])


@pytest.mark.parametrize(
    "column, letter", [("name", "Ғ"), ("name_zh", "杜")], ids=["tajik", "chinese"]
)
def test_shapefile_write_that_would_lose_letters_is_refused(tmp_path, column, letter):
    frame = canonical()[[column, "geometry"]]
    with pytest.raises(EncodingError, match="cp1251 encoding cannot represent"):
        write_layer(frame, tmp_path / "lossy.shp", encoding="cp1251")
    assert list(tmp_path.iterdir()) == []  # nothing written, not even a temp folder


def test_shapefile_limits_are_refused_not_truncated(tmp_path):
    long_name = canonical().rename(columns={"name": "name_in_tajik"})
    with pytest.raises(EncodingError, match="10-byte"):
        write_layer(long_name, tmp_path / "a.shp")
    long_value = canonical()
    long_value.loc[0, "name"] = "Ҷ" * 200  # 400 bytes in UTF-8
    with pytest.raises(EncodingError, match="254-byte"):
        write_layer(long_value, tmp_path / "b.shp")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "driver, alias",
    [
        ("GeoJSON", "geojson"),
        ("GPKG", "GeoPackage"),
        ("ESRI Shapefile", "shp"),
        ("KML", "KML"),
        ("CSV", "csv"),
    ],
)
def test_driver_option(tmp_path, driver, alias):
    if driver in ("ESRI Shapefile", "GPKG"):
        with pytest.raises(DataError, match="must be named"):
            write_layer(canonical(), tmp_path / "out.dat", driver=alias)
        return
    path = write_layer(canonical(), tmp_path / "out.dat", driver=alias)
    assert list(quiet_read(path)["name"]) == list(canonical()["name"])


def test_unknown_driver_and_extension(tmp_path):
    with pytest.raises(DataError, match="GeoJSON, GPKG"):
        write_layer(canonical(), tmp_path / "x.geojson", driver="parquet")
    with pytest.raises(DataError, match="driver="):
        write_layer(canonical(), tmp_path / "x.xyz")


def test_write_needs_a_geodataframe_with_a_crs(tmp_path):
    with pytest.raises(CRSError, match="set_crs"):
        write_layer(canonical().set_crs(None, allow_override=True), tmp_path / "x.gpkg")
    with pytest.raises(DataError, match="GeoDataFrame"):
        write_layer(pd.DataFrame({"a": [1]}), tmp_path / "x.gpkg")


def test_write_into_a_missing_folder(tmp_path, fmt):
    with pytest.raises(ExportError, match="does not exist"):
        write_layer(canonical(), tmp_path / "nope" / f"x.{fmt}")


def test_public_names_resolve():
    assert borderkit.read_layer is read_layer
    assert borderkit.write_layer is write_layer
    assert borderkit.parse_coordinate("38.5, 74.8") == (74.8, 38.5)


# ----------------------------------------------------------------------------- name round trips

# Names as they come: Tajik, Russian, Chinese, RTL, combining marks, control characters.
NAME_ALPHABET = st.one_of(
    st.sampled_from(list("ҷӯғқҳӣЧчЩщЁёабвгдеёжзийклмнопрстуфхцчшщъыьэюя杜尚别霍罗格穆尔加布")),
    st.sampled_from(list("دوشنبهخاروغשלום\u200f\u200e\u0301\u0300\u0308 .,'\"<>&;\t\n\r\x00\x07")),
    st.characters(codec="utf-8"),
)
NAMES = st.text(NAME_ALPHABET, min_size=0, max_size=25)


def _round_trip(tmp_path: Path, ext: str, names: list[str]) -> list[str] | None:
    gdf = gpd.GeoDataFrame(
        {"name": names},
        geometry=[Point(70 + i * 0.01, 38) for i in range(len(names))],
        crs="EPSG:4326",
    )
    path = tmp_path / f"names.{ext}"
    for stale in tmp_path.iterdir():
        stale.unlink()
    try:
        write_layer(gdf, path)
    except EncodingError:
        assert not path.exists()
        return None
    got = quiet_read(path)
    return [("" if v is None or v is pd.NA or v != v else v) for v in got["name"]]


@pytest.mark.parametrize("ext", FORMATS)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(names=st.lists(NAMES, min_size=1, max_size=4))
def test_names_round_trip_exactly_or_are_refused(tmp_path, ext, names):
    got = _round_trip(tmp_path, ext, names)
    if got is not None:
        assert got == names


@pytest.mark.parametrize("ext", FORMATS)
@pytest.mark.parametrize(
    "name",
    [
        "Ҷумҳурии Тоҷикистон",
        "Кӯҳистони Бадахшон",
        "Ғарм",
        "Қалъаи Хумб",
        "Мургаб",
        "塔吉克斯坦",
        "دوشنبه",
        "e\u0301cole",
        "  leading",
        'a < b & "c"',
    ],
)
def test_known_names_round_trip_exactly(tmp_path, ext, name):
    got = _round_trip(tmp_path, ext, [name, "Хоруғ"])
    if ext == "shp" and name != name.strip():
        assert got is None  # DBF pads with spaces and GDAL strips them: refused
    else:
        assert got == [name, "Хоруғ"]


@pytest.mark.parametrize("ext", ["gpkg", "shp", "kml", "kmz", "csv"])
def test_nul_is_refused_where_it_cannot_be_stored(tmp_path, ext):
    assert _round_trip(tmp_path, ext, ["a\x00b"]) is None


def test_geojson_keeps_control_characters(tmp_path):
    names = ["a\x00b", "tab\there", "bell\x07", "\r\n"]
    assert _round_trip(tmp_path, "geojson", names) == names


def test_env_is_untouched_by_reading(tmp_path):
    before = dict(os.environ)
    quiet_read(write_layer(canonical(), tmp_path / "p.shp"))
    assert dict(os.environ) == before


def test_report_str_is_readable(tmp_path):
    bad = Polygon([(70, 37), (71, 38), (71, 37), (70, 38)])  # bow-tie
    gdf = gpd.GeoDataFrame({"name": ["bow"]}, geometry=[bad], crs=4326)
    path = write_layer(gdf, tmp_path / "b.geojson")
    with pytest.warns(borderkit.RepairWarning):
        got = read_layer(path)
    text = str(got.attrs["borderkit_report"])
    assert "repaired feature 0 ('bow')" in text and "area change" in text
    assert shapely.is_valid(got.geometry.iloc[0])


def test_empty_layers_round_trip(tmp_path, fmt):
    empty = gpd.GeoDataFrame({"name": []}, geometry=gpd.GeoSeries([], crs=4326), crs=4326)
    got = quiet_read(write_layer(empty, tmp_path / f"empty.{fmt}"))
    assert len(got) == 0 and got.crs.to_epsg() == 4326


@pytest.mark.parametrize(
    "region",
    [
        (67.3, 36.6, 75.2, 41.1),
        shapely.box(67.3, 36.6, 75.2, 41.1),
        gpd.GeoSeries([shapely.box(67.3, 36.6, 75.2, 41.1)], crs=4326).to_crs(32642),
    ],
    ids=["bbox", "shapely", "projected-geoseries"],
)
def test_region_forms_detect_swapped_points(tmp_path, region):
    swapped = canonical()
    swapped.geometry = shapely.transform(swapped.geometry.to_numpy(), lambda c: c[:, ::-1])
    path = write_layer(swapped, tmp_path / "swapped.geojson")
    with pytest.warns(borderkit.SwappedCoordinatesWarning):
        got = read_layer(path, region=region)
    np.testing.assert_allclose(got.geometry.x, canonical().geometry.x)
    assert got.attrs["borderkit_report"].swapped


def test_region_far_away_is_warned(tmp_path):
    path = write_layer(canonical(), tmp_path / "p.geojson")
    with pytest.warns(BorderkitWarning, match="fall in the region"):
        read_layer(path, region=(-10, 35, 5, 45))
    with pytest.raises(DataError, match="region must be"):
        read_layer(path, region=42)


# --------------------------------------------------------- safe outputs (writers, issue 16)

FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "@SUM(1)",
            "-2+3", "\tTAB", "\rCR"]


def _points(**cols) -> gpd.GeoDataFrame:
    n = len(next(iter(cols.values())))
    return gpd.GeoDataFrame(cols, geometry=[Point(70 + i * 0.01, 38) for i in range(n)],
                            crs="EPSG:4326")


def test_csv_formula_cells_are_neutralised_and_read_back_exactly(tmp_path):
    names = [*FORMULAS, "-12.5", "'quoted'", "'=already", "plain"]
    gdf = _points(name=names, score=[-1.5] * len(names), n=[-3] * len(names))
    gdf["=col"] = "x"
    text = write_layer(gdf, tmp_path / "f.csv").read_bytes().decode()
    lines = text.split("\r\n")
    assert lines[0] == "name,score,n,'=col,lon,lat"
    assert lines[1].startswith('"\'=HYPERLINK(""http://evil.example"",""x"")",-1.5,-3,x,')
    assert "'+cmd|' /C calc'!A0" in text and "\n'@SUM(1)," in text and "\n'-2+3," in text
    assert "\n'\tTAB," in text and "\n\"'\rCR\"," in text
    assert "\n-12.5," in text and "\n'quoted'," in text and "\n''=already," in text
    got = quiet_read(tmp_path / "f.csv")
    assert list(got["name"]) == names and list(got.columns[:4]) == ["name", "score", "n", "=col"]
    assert list(got["score"]) == [-1.5] * len(names)


def test_csv_formulas_raw_and_bad_option(tmp_path):
    gdf = _points(name=["=1+2", "@x"])
    text = write_layer(gdf, tmp_path / "r.csv", csv_formulas="raw").read_bytes().decode()
    assert "\r\n=1+2," in text and "\r\n@x," in text
    with pytest.raises(DataError, match="csv_formulas must be one of 'escape', 'raw', not 'off'"):
        write_layer(gdf, tmp_path / "x.geojson", csv_formulas="off")
    assert not (tmp_path / "x.geojson").exists()


@pytest.mark.parametrize(
    ("cols", "lines", "match"),
    [
        ({"Lon": [1.0]}, False, r"column 'Lon' would be read back as the points' lon/lat"),
        ({" LATITUDE": [1.0]}, False, r"column ' LATITUDE' would be read back"),
        ({"lng": [1.0]}, False, r"column 'lng'"),
        ({"wkt": ["x"]}, True, r"column 'wkt' would be read back as coordinates instead of"),
        ({"Geometry": ["x"]}, True, r"column 'Geometry'"),
        ({"location": ["x"]}, True, r"column 'location'"),
        ({"X": [1.0], "y": [2.0]}, True, r"column 'X'"),
        ({5: [1], "5": [2]}, False, r"the columns 5 and '5' would both be written as '5'"),
    ],
    ids=["Lon", "LATITUDE", "lng", "wkt", "Geometry", "location", "x-y", "5-and-'5'"],
)
def test_csv_columns_that_would_not_read_back_are_refused(tmp_path, cols, lines, match):
    geom = shapely.LineString([(70, 38), (71, 38)]) if lines else Point(70, 38)
    gdf = gpd.GeoDataFrame(pd.DataFrame(cols), geometry=[geom], crs="EPSG:4326")
    (tmp_path / "c.csv").write_text("old")
    with pytest.raises(DataError, match=match):
        write_layer(gdf, tmp_path / "c.csv")
    assert (tmp_path / "c.csv").read_text() == "old"


def test_csv_columns_the_reader_would_not_take_are_kept(tmp_path):
    pts = _points(x=[1.0], location=["here"], wkt=["text"], longitude_note=["n"])
    assert list(quiet_read(write_layer(pts, tmp_path / "p.csv")).columns[:4]) == [
        "x", "location", "wkt", "longitude_note"]
    line = gpd.GeoDataFrame({"x": [1.0]}, geometry=[shapely.LineString([(70, 38), (71, 38)])],
                            crs=4326)
    assert quiet_read(write_layer(line, tmp_path / "l.csv"))["x"].tolist() == [1.0]


def test_csv_big_integers_written_and_read_exactly(tmp_path):
    big = [2**53 + 1, 2**63 - 1, -(2**63)]
    gdf = _points(id=big, maybe=pd.array([2**53 + 1, None, 7], dtype="Int64"))
    text = write_layer(gdf, tmp_path / "big.csv").read_bytes().decode()
    assert "\r\n9007199254740993,9007199254740993," in text
    assert "\r\n9223372036854775807,," in text and "\r\n-9223372036854775808,7," in text
    got = quiet_read(tmp_path / "big.csv")
    assert [int(v) for v in got["id"]] == big
    assert int(got["maybe"].iloc[0]) == 2**53 + 1 and got["maybe"].isna().iloc[1]


@pytest.mark.parametrize("ext", ["kml", "kmz"])
@pytest.mark.parametrize(
    ("kwargs", "name", "match"),
    [
        ({"layer": "Rings\x01"}, "out", r"the layer \(folder\) name 'Rings\\x01' contains the "
                                        r"control character '\\x01' \(U\+0001\)"),
        ({"layer": "Rings\ufffe"}, "out", r"the layer \(folder\) name 'Rings\\ufffe' contains "
                                          r"the character '\\ufffe' \(U\+FFFE\)"),
        ({}, "ring\x1b", r"the file name 'ring\\x1b' \(the KML document's name\)"),
    ],
    ids=["layer-C0", "layer-FFFE", "file-stem"],
)
def test_kml_refuses_text_xml_cannot_hold_and_keeps_the_old_file(tmp_path, ext, kwargs, name,
                                                                  match):
    good = _points(name=["ok"])
    target = tmp_path / f"{name}.{ext}"
    target.write_bytes(b"previous")
    with pytest.raises(EncodingError, match=match):
        write_layer(good, target, **kwargs)
    assert target.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def test_kml_checks_every_value_and_folder(tmp_path):
    target = tmp_path / "rings.kml"
    cat = _points(name=["ok"], label=pd.Categorical(["50 km\x07"]))
    with pytest.raises(EncodingError, match=r"column 'label' row 0 \('50 km\\x07'\)"):
        write_layer(cat, target)
    with pytest.raises(EncodingError, match=r"the layer \(folder\) name 'b\\x02'"):
        write_layer({"a": cat.drop(columns="label"), "b\x02": cat.drop(columns="label")},
                    target)
    assert not target.exists()


def test_shapefile_rewrite_never_leaves_a_part_missing(tmp_path, monkeypatch):
    target = tmp_path / "p.shp"
    write_layer(_points(name=["a", "b"]), target)
    (tmp_path / "p.qix").write_bytes(b"stale index")  # the new file has none: moved away
    parts = [tmp_path / f"p{ext}" for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg")]
    real, seen = os.replace, []

    def watch(src, dst):
        seen.append((Path(dst).name, all(p.exists() for p in parts)))
        real(src, dst)

    monkeypatch.setattr(os, "replace", watch)
    write_layer(_points(name=["c", "d", "e"]), target)
    monkeypatch.undo()
    assert [n for n, _ in seen[:5]] == ["p.shp", "p.shx", "p.dbf", "p.cpg", "p.prj"]
    assert all(ok for _, ok in seen)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in parts)
    assert list(quiet_read(target)["name"]) == ["c", "d", "e"]


def _dead_pid() -> int:
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_stale_temporaries_of_killed_saves_are_swept(tmp_path):
    from borderkit import _atomic

    dead, old = _dead_pid(), _atomic._STARTED - 60
    day_old = _atomic.time.time() - 2 * 86_400
    files = {
        f".p.csv.{dead}-abcdefgh.part.csv": (old, False),  # killed save: removed
        f".p.csv.{dead}-abcdefgh.part.csv-journal": (old, False),
        f".p.csv.{dead}-zzzzzzzz.part": (old, False),  # its temp folder (a directory)
        ".p.csv.abcdefgh.part.csv": (day_old, False),  # older naming, a day old
        ".p.csv.abcdefgh.part.csv2": (old, True),  # older naming, recent: kept
        f".p.csv.{os.getpid()}-abcdefgh.part.csv": (old, True),  # this process: in use
        f".p.csv.{os.getppid()}-abcdefgh.part.csv": (old, True),  # a running process
        f".q.csv.{dead}-abcdefgh.part.csv": (old, True),  # another target
        f".p.csv.{dead}-abcdefgh.partial": (old, True),  # not our pattern
        "p.csv.part": (old, True),
    }
    for name, (mtime, _) in files.items():
        path = tmp_path / name
        if name.endswith(".part"):
            path.mkdir()
            (path / "p.shp").write_bytes(b"x")
        else:
            path.write_bytes(b"x")
        os.utime(path, (mtime, mtime))
    write_layer(_points(name=["a"]), tmp_path / "p.csv")
    left = {p.name for p in tmp_path.iterdir()}
    assert left == {"p.csv", *(n for n, (_, keep) in files.items() if keep)}


def test_a_save_killed_midway_is_cleaned_up_by_the_next_one(tmp_path):
    import signal
    import subprocess
    import sys

    kill = (
        "import os, signal, sys, pathlib\n"
        "from borderkit._atomic import atomic_path, temp_dir\n"
        "t = pathlib.Path(sys.argv[1])\n"
        "temp_dir(t.with_suffix('.shp'))\n"
        "with atomic_path(t) as tmp:\n"
        "    tmp.write_bytes(b'half')\n"
        "    pathlib.Path(str(tmp) + '-journal').write_bytes(b'j')\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    target = tmp_path / "p.gpkg"
    write_layer(_points(name=["old"]), target)
    got = subprocess.run([sys.executable, "-c", kill, str(target)], timeout=120)
    assert got.returncode == -signal.SIGKILL
    assert len(list(tmp_path.iterdir())) == 4  # the file, a temp, its journal, a temp folder
    save = ("import sys, geopandas as gpd, shapely, borderkit as bk\n"
            "g = gpd.GeoDataFrame({'name': ['new']}, geometry=[shapely.Point(70, 38)], crs=4326)\n"
            "bk.write_layer(g, sys.argv[1]); bk.write_layer(g, sys.argv[2])\n")
    subprocess.run([sys.executable, "-c", save, str(target), str(target.with_suffix(".shp"))],
                   timeout=120, check=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "p.cpg", "p.dbf", "p.gpkg", "p.prj", "p.shp", "p.shx"]
    assert list(quiet_read(target)["name"]) == ["new"]


# ----------------------------------------------------------------------------- pipes and streams


def _through_os_pipe(data: bytes) -> str:
    """``/dev/fd/N`` of an anonymous pipe a background thread fills with *data*."""
    import threading

    r, w = os.pipe()

    def feed() -> None:
        with os.fdopen(w, "wb") as fh:
            try:
                fh.write(data)
            except BrokenPipeError:
                pass

    threading.Thread(target=feed, daemon=True).start()
    return f"/dev/fd/{r}"


@pytest.mark.parametrize("fmt", ["geojson", "kml", "kmz", "csv"])
def test_a_pipe_reads_like_the_file(tmp_path, fmt):
    """Nothing is lost to the format sniffing: the pipe is read once, into one buffer."""
    frame = pd.concat([canonical()] * 40, ignore_index=True)  # well over the 4 KB sniffed
    path = write_layer(frame, tmp_path / f"places.{fmt}")
    assert path.stat().st_size > 8192 or fmt == "kmz"  # a zip's directory is at its end
    from_file = quiet_read(path)
    from_pipe = quiet_read(_through_os_pipe(path.read_bytes()))
    assert from_pipe.attrs["borderkit_report"].format == from_file.attrs["borderkit_report"].format
    pd.testing.assert_frame_equal(from_pipe, from_file)


def test_a_geopackage_through_a_pipe_is_refused(tmp_path):
    path = write_layer(canonical(), tmp_path / "places.gpkg")
    with pytest.raises(borderkit.FileFormatError, match="pipe or device.*GPKG.*save it to a file"):
        read_layer(_through_os_pipe(path.read_bytes()))


def test_a_pipe_over_max_bytes_is_refused_after_max_bytes(tmp_path):
    with pytest.raises(borderkit.FileFormatError, match=r"gave more than 0\.0 MB \(max_bytes\)"):
        read_layer(_through_os_pipe(b"[" + b" " * 100_000 + b"]"), max_bytes=1000)


def test_dev_stdin(tmp_path):
    import subprocess
    import sys

    path = write_layer(canonical(), tmp_path / "places.geojson")
    code = "import borderkit as bk; print(list(bk.read_layer('/dev/stdin')['name']))"
    out = subprocess.run(
        [sys.executable, "-c", code], input=path.read_bytes(), capture_output=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.decode().strip() == repr([p[0] for p in PLACES])


# ----------------------------------------------------------------------------- bounded reading


def test_csv_integer_columns_read_back_exactly(tmp_path):
    path = tmp_path / "ids.csv"
    path.write_text(
        "name,lat,lon,osm_id,small,blank\n"
        "a,38.1,74.8,9007199254740993,1,\n"
        "b,38.2,74.9,-9223372036854775808,2,3\n",
        encoding="utf-8",
    )
    got = quiet_read(path)
    assert str(got["osm_id"].dtype) == "Int64"
    assert list(got["osm_id"]) == [2**53 + 1, -(2**63)]
    assert str(got["small"].dtype) == "Int64" and list(got["small"]) == [1, 2]
    assert got["blank"].isna().tolist() == [True, False] and got["blank"].iloc[1] == 3


def test_a_wide_csv_is_typed_like_a_narrow_one(tmp_path):
    """Bulk conversion gives the same columns, order and dtypes as one column at a time."""
    cells = ["7", "0.5", "x", "007", "", "-3"]
    header = ["name", "lat", "lon"] + [f"c{j}" for j in range(600)]
    rows = [",".join(["p", "38.1", "74.8"] + [cells[(j + i) % 6] for j in range(600)])
            for i in range(3)]
    path = tmp_path / "wide.csv"
    path.write_text("\n".join([",".join(header), *rows]) + "\n", encoding="utf-8")
    wide = quiet_read(path)
    for j in (0, 1, 2, 5):
        one = tmp_path / f"one{j}.csv"
        one.write_text(
            "\n".join(["name,lat,lon,c", *(f"p,38.1,74.8,{cells[(j + i) % 6]}" for i in range(3))])
            + "\n",
            encoding="utf-8",
        )
        narrow = quiet_read(one)
        pd.testing.assert_series_equal(wide[f"c{j}"], narrow["c"], check_names=False)
    assert list(wide.columns) == ["name", *header[3:], "geometry"]


def test_self_crossings_are_counted_exactly():
    from borderkit.io._crossings import count_crossings

    bow = Polygon([(73, 38), (74, 39), (74, 38), (73, 39)])
    holed = Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], [[(1, 1), (2, 1), (2, 2), (1, 2)]])
    assert count_crossings(bow, 10, 10**6)[::2] == (1, True)
    assert count_crossings(holed, 10, 10**6)[::2] == (0, True)
    for n, k in ((5, 2), (101, 50), (141, 70)):  # a {n/k} star crosses itself n(k - 1) times
        t = np.arange(n) * 2 * np.pi * k / n
        ring = np.c_[np.cos(t), np.sin(t)]
        star = Polygon(np.vstack([ring, ring[:1]]))
        assert count_crossings(star, 10**6, 10**8)[::2] == (n * (k - 1), True)
        assert count_crossings(star, 100, 10**8)[2] is (n * (k - 1) <= 100)


def test_a_repair_within_the_crossing_limit_still_happens(tmp_path):
    n, k = 141, 70  # 9,729 crossings: repaired (about half a second)
    t = np.arange(n) * 2 * np.pi * k / n
    ring = [[70 + np.cos(a), 38 + np.sin(a)] for a in t]
    path = write_layer(
        gpd.GeoDataFrame({"name": ["star"]}, geometry=[Polygon(ring)], crs=4326),
        tmp_path / "star.gpkg",
    )
    with pytest.warns(borderkit.RepairWarning):
        got = read_layer(path)
    assert got.geometry.iloc[0].is_valid


def test_geojson_write_names_an_infinite_attribute(tmp_path):
    frame = canonical()
    frame["score"] = [1.0, float("inf"), 2.0, 3.0, 4.0, 5.0]
    with pytest.raises(DataError, match=r"column 'score' row 1 is inf \(an attribute, not a coord"):
        write_layer(frame, tmp_path / "x.geojson")
    assert not (tmp_path / "x.geojson").exists()
    back = quiet_read(write_layer(frame, tmp_path / "x.gpkg"))
    assert back["score"].iloc[1] == float("inf")  # formats that can keep it do
