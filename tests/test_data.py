"""The shipped region pack (data/geo) and its loaders (borderkit.data).

Geodesic numbers here come from pyproj.Geod directly, independent of borderkit.measure.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pyproj
import pytest
import shapely
from shapely.geometry import Point

import borderkit
from borderkit import data
from borderkit.errors import AmbiguousNameWarning, DataError, DatasetNotFoundError

GEOD = pyproj.Geod(ellps="WGS84")
MANIFEST = json.loads((data._data_dir() / "datapackage.json").read_text(encoding="utf-8"))
RESOURCES = {res["name"]: res for res in MANIFEST["resources"]}
REQUIRED_LAYERS = {
    "countries",
    "admin1",
    "borders",
    "historical_border",
    "ceded_area",
    "places",
    "events",
}
PROVENANCE = ["source", "license", "source_date", "precision_m"]


def geod_area_m2(geom) -> float:
    return abs(GEOD.geometry_area_perimeter(geom)[0])


def geod_distance_m(point: Point, geom) -> float:
    """Geodesic distance from *point* to *geom*: nearest point found in an azimuthal
    equidistant projection centred on *point*, distance then measured with Geod.inv."""
    aeqd = pyproj.CRS.from_proj4(f"+proj=aeqd +lat_0={point.y} +lon_0={point.x} +datum=WGS84")
    fwd = pyproj.Transformer.from_crs("EPSG:4326", aeqd, always_xy=True)
    inv = pyproj.Transformer.from_crs(aeqd, "EPSG:4326", always_xy=True)
    projected = shapely.transform(geom, lambda xy: np.column_stack(fwd.transform(*xy.T)))
    near = shapely.ops.nearest_points(projected, Point(0.0, 0.0))[0]
    lon, lat = inv.transform(near.x, near.y)
    return float(GEOD.inv(point.x, point.y, lon, lat)[2])


# --------------------------------------------------------------------------- the manifest


def test_manifest_lists_every_required_layer():
    assert REQUIRED_LAYERS <= set(RESOURCES)
    assert MANIFEST["build"]["command"].startswith("python scripts/build_region_pack.py")


@pytest.mark.parametrize("name", sorted(RESOURCES))
def test_catalogue_entry(name):
    res = RESOURCES[name]
    path = data._data_dir() / res["path"]
    assert path.is_file(), f"{path} is missing"
    raw = path.read_bytes()
    assert "sha256:" + hashlib.sha256(raw).hexdigest() == res["hash"]
    assert res["bytes"] == len(raw)
    assert res["mediatype"] == "application/geo+json"
    assert res["licenses"] and res["attribution"] and res["attributions"]
    for src in res["sources"]:
        if "package" in src:  # registry packages carry version and tarball hash
            assert src["version"] and len(src["tarball_sha256"]) == 64

    doc = json.loads(raw)
    assert doc["type"] == "FeatureCollection" and "crs" not in doc  # RFC 7946: WGS84 only
    feats = doc["features"]
    assert len(feats) == res["feature_count"]
    assert {f["geometry"]["type"] for f in feats} == {res["geometry_type"]}
    for f in feats:
        assert list(f["properties"]) == res["columns"]
        for col in PROVENANCE:
            assert f["properties"][col] not in (None, ""), f"{name}/{f['id']}: {col} empty"
        assert f["properties"]["precision_m"] > 0

    frame = borderkit.load(name)
    assert frame.crs.to_epsg() == 4326
    assert len(frame) == res["feature_count"]
    coords = shapely.get_coordinates(frame.geometry.to_numpy())
    assert np.all(np.abs(coords[:, 0]) <= 180) and np.all(np.abs(coords[:, 1]) <= 90)
    assert np.array_equal(np.round(coords, 6), coords), "more than 6 decimals"
    assert frame.is_valid.all()
    for geom in frame.geometry:
        for poly in shapely.get_parts(geom):
            if poly.geom_type == "Polygon":
                assert poly.exterior.is_ccw, f"{name}: exterior ring not counter-clockwise"
                assert not any(r.is_ccw for r in poly.interiors), f"{name}: hole not clockwise"


def test_datasets_table_matches_manifest():
    table = borderkit.datasets().set_index("name")
    for name, res in RESOURCES.items():
        assert table.loc[name, "feature_count"] == res["feature_count"]
        assert table.loc[name, "geometry_type"] == res["geometry_type"]
        assert table.loc[name, "attribution"] == res["attribution"]
    assert "ODbL-1.0" in table.loc["countries", "license"]


def test_attribution_names_osm_for_osm_layers():
    assert borderkit.attribution("countries") == ["© OpenStreetMap contributors, ODbL 1.0"]
    everything = borderkit.attribution()
    assert len(everything) == len(set(everything)) >= 3
    with pytest.raises(DatasetNotFoundError):
        borderkit.attribution(["borders", "nope"])


# --------------------------------------------------------------------------- the geometry


@pytest.fixture(scope="module")
def countries():
    return borderkit.load("countries").set_index("iso3")


@pytest.fixture(scope="module")
def tjk(countries):
    return countries.geometry["TJK"]


def test_countries_do_not_overlap(countries):
    geoms = list(countries.geometry)
    for i, a in enumerate(geoms):
        for b in geoms[i + 1 :]:
            assert a.intersection(b).area < 1e-9


def test_regions_tile_tajikistan(tjk):
    admin1 = borderkit.load("admin1")
    union = shapely.union_all(list(admin1.geometry))
    total = geod_area_m2(tjk)
    assert abs(geod_area_m2(union) - total) / total < 1e-4
    assert union.symmetric_difference(tjk).area / tjk.area < 1e-6
    geoms = list(admin1.geometry)
    overlap = sum(a.intersection(b).area for i, a in enumerate(geoms) for b in geoms[i + 1 :])
    assert overlap / tjk.area < 1e-9
    assert abs(admin1["area_m2"].sum() - total) / total < 1e-4


def test_gbao_area_close_to_official():
    gbao = borderkit.region("GBAO")
    area_km2 = geod_area_m2(gbao.geometry.iloc[0]) / 1e6
    print(f"\nGBAO geodesic area {area_km2:,.0f} km² (official 64,200; older 63,700)")
    assert gbao["official_area_km2"].iloc[0] == 64_200
    assert abs(area_km2 - 64_200) / 64_200 < 0.03
    assert abs(gbao["area_km2"].iloc[0] - area_km2) < 1


def test_tajikistan_area_plausible(tjk):
    # official figures: 141,400 km² (after 2011), 143,100 km² (before)
    assert 139_000 < geod_area_m2(tjk) / 1e6 < 144_000


def test_borders_are_the_shared_edges(countries, tjk):
    borders = borderkit.load("borders").set_index("id")
    assert set(borders.index) == {"CHN-TJK", "AFG-TJK", "KGZ-TJK", "TJK-UZB"}
    for bid, row in borders.iterrows():
        assert bid == "-".join(sorted((row["a"], row["b"])))
        other = row["a"] if row["b"] == "TJK" else row["b"]
        # the line lies on both national boundaries
        assert row.geometry.difference(countries.geometry[other].boundary.buffer(1e-6)).is_empty
        assert row.geometry.difference(tjk.boundary.buffer(1e-6)).is_empty
        assert row["length_m"] == pytest.approx(GEOD.geometry_length(row.geometry), rel=1e-9)
    # together the four lines are the whole Tajik boundary (landlocked)
    perimeter = GEOD.geometry_length(tjk.boundary)
    assert borders["length_m"].sum() == pytest.approx(perimeter, rel=1e-6)
    chn = borders.loc["CHN-TJK"]
    print(
        "\nborder lengths (km): "
        + ", ".join(f"{i} {v / 1000:,.1f}" for i, v in borders["length_m"].items())
    )
    assert abs(chn["length_m"] - 477_000) / 477_000 < 0.05  # CIA: 477 km
    assert chn["published_length_m"] == 477_000
    assert borders.loc["AFG-TJK", "published_length_m"] == 1_357_000


def test_historical_line_and_ceded_area(countries):
    old = borderkit.border("CHN", "TJK", historical=True)
    assert old["id"].iloc[0] == "CHN-TJK-pre2011"
    assert 350_000 < old["length_m"].iloc[0] < 500_000
    ceded = borderkit.load("ceded_area")
    total_km2 = sum(geod_area_m2(g) for g in ceded.geometry) / 1e6
    print(f"\nceded pieces {list(ceded['area_km2'])} km², sum {total_km2:,.0f} km²")
    assert 900 < total_km2 < 1_250  # published 1,000-1,122 km²
    assert ceded["area_km2"].sum() == pytest.approx(total_km2, abs=1)
    chn = countries.geometry["CHN"]
    for geom in ceded.geometry:
        assert geom.difference(chn).area / geom.area < 1e-6  # now Chinese
        assert geom.distance(old.geometry.iloc[0]) < 0.01  # bounded by the old line
        assert 73.0 < geom.centroid.x < 75.6 and 36.8 < geom.centroid.y < 39.8  # eastern Pamirs


def test_kulma_is_on_the_current_line():
    kulma = borderkit.place("Kulma Pass")
    pt = kulma.geometry.iloc[0]
    precision = kulma["precision_m"].iloc[0]
    current = borderkit.border("CHN", "TJK").geometry.iloc[0]
    historical = borderkit.border("CHN-TJK", historical=True).geometry.iloc[0]
    d_cur = geod_distance_m(pt, current)
    d_old = geod_distance_m(pt, historical)
    print(f"\nKulma: {d_cur:,.0f} m from the current CHN-TJK line, {d_old:,.0f} m from pre-2011")
    assert d_cur <= precision <= 500
    assert 1_000 < d_old < 5_000


def test_tripoint_is_where_the_lines_meet():
    tri = borderkit.place("tripoint-afg-chn-tjk")
    pt = tri.geometry.iloc[0]
    for pair in ("CHN-TJK", "AFG-TJK"):
        line = borderkit.border(pair).geometry.iloc[0]
        assert geod_distance_m(pt, line) <= tri["precision_m"].iloc[0]
    # the published (single-source) coordinate is kept for the record
    assert tri["coordinate_as_published"].iloc[0] == "37°20′50″N 74°34′15″E"


# --------------------------------------------------------------------------- places and events


def test_places_carry_provenance():
    frame = borderkit.places()
    required = ["id", "name", "alt_names", "kind", "lon", "lat", "precision_m", "confidence"]
    required += ["source_title", "source_url", "source_date", "note"]
    for col in required:
        assert frame[col].notna().all() and (frame[col].astype(str).str.len() > 0).all(), col
    assert frame["id"].is_unique
    assert set(frame["kind"]) <= set(data.PLACE_KINDS)
    assert set(frame["confidence"]) <= {"high", "medium", "low"}
    assert frame["source_url"].str.startswith("https://").all()
    assert np.allclose(frame["lon"], frame.geometry.x) and np.allclose(
        frame["lat"], frame.geometry.y
    )
    expected = {"dushanbe", "dushanbe-airport", "kulma-pass", "shaymak-facility", "khorugh"}
    expected |= {"ishkashim-base-2021", "murghob", "ishkoshim", "bokhtar", "kulob"}
    assert expected | {"tripoint-afg-chn-tjk"} <= set(frame["id"])


def test_vague_places_say_so():
    for pid, min_radius in (("shaymak-facility", 10_000), ("ishkashim-base-2021", 30_000)):
        row = borderkit.place(pid).iloc[0]
        assert row["precision_m"] >= min_radius
        assert row["confidence"] == "low"
        assert "approximate" in row["name"].lower() or "district level" in row["name"].lower()
        assert "coordinates" in row["note"].lower()
        assert row["coordinate_as_published"].startswith("none published")


def test_places_lie_in_tajikistan(tjk):
    frame = borderkit.places()
    inside = frame[frame["kind"] != "tripoint"]
    for _, row in inside.iterrows():
        d = 0.0 if tjk.contains(row.geometry) else geod_distance_m(row.geometry, tjk)
        assert d <= row["precision_m"], row["id"]


def test_places_kind_filter():
    assert list(borderkit.places(kind="capital")["id"]) == ["dushanbe"]
    assert borderkit.places(kind="town").index.tolist() == list(range(5))
    with pytest.raises(DataError, match="capital, checkpoint"):
        borderkit.places(kind="city")


def test_events_are_tied_to_places():
    ev = borderkit.events()
    assert list(ev["date"]) == ["2020-05-10", "2020-05-14"]
    assert list(ev["place_id"]) == ["kulma-pass", "dushanbe-airport"]
    for _, row in ev.iterrows():
        assert row.geometry.equals(borderkit.place(row["place_id"]).geometry.iloc[0])
        assert "asiaplustj.info" in row["source_url"] and row["source_date"] == "2020-05-14"
    kulma = ev.iloc[0]
    assert kulma["value_usd"] == 479_000 and "17 mechanical ventilators" in kulma["description"]
    assert "13 pieces of medical equipment" in ev.iloc[1]["description"]


# --------------------------------------------------------------------------- lookups


@pytest.mark.parametrize(
    "query, expected",
    [
        ("kulma-pass", "kulma-pass"),
        ("KULMA", "kulma-pass"),
        ("Qolma", "kulma-pass"),
        ("Kulma Karasu", "kulma-pass"),
        ("卡拉苏口岸", "kulma-pass"),
        ("Khorog", "khorugh"),
        ("ХОРОГ", "khorugh"),
        ("Kŭlob", "kulob"),
        ("kulob", "kulob"),
        ("Кӯлоб", "kulob"),
        ("Кулоб", "kulob"),  # accent (breve) folded away
        ("Kurgan-Tyube", "bokhtar"),
        ("  dushanbe  ", "dushanbe"),
    ],
)
def test_place_lookup(query, expected):
    hit = borderkit.place(query)
    assert len(hit) == 1 and hit["id"].iloc[0] == expected
    assert hit.crs.to_epsg() == 4326


@pytest.mark.parametrize(
    "query",
    [
        "GBAO",
        "gbao",
        "Gorno-Badakhshan",
        "gorno badakhshan",
        "Kuhistoni Badakhshon",
        "Kŭhistoni Badakhshon",
        "Горно-Бадахшанская",
        "ГБАО",
        "Вилояти Мухтори Кӯҳистони Бадахшон",
        "TJ-GB",
        "戈尔诺-巴达赫尚自治州",
    ],
)
def test_region_lookup_gbao(query):
    assert borderkit.region(query)["id"].iloc[0] == "TJ-GB"


@pytest.mark.parametrize(
    "args, expected",
    [
        (("CHN", "TJK"), "CHN-TJK"),
        (("TJK", "CHN"), "CHN-TJK"),
        (("China", "Tajikistan"), "CHN-TJK"),
        (("таджикистан", "中国"), "CHN-TJK"),
        (("CHN-TJK",), "CHN-TJK"),
        (("tjk–afg",), "AFG-TJK"),
        (("Kyrgyzstan", "TJ"), "KGZ-TJK"),
        (("Uzbekistan", "Tajikistan"), "TJK-UZB"),
    ],
)
def test_border_lookup(args, expected):
    hit = borderkit.border(*args)
    assert hit["id"].iloc[0] == expected
    assert hit.geometry.iloc[0].geom_type == "MultiLineString"


def test_lookup_errors_list_close_matches():
    with pytest.raises(DatasetNotFoundError, match="Kulma Pass") as err:
        borderkit.place("Kulmaa")
    assert isinstance(err.value, LookupError)
    with pytest.raises(DatasetNotFoundError, match="Gorno-Badakhshan"):
        borderkit.region("Badakshan")
    with pytest.raises(DatasetNotFoundError, match="did you mean borders"):
        borderkit.load("bordrs")
    with pytest.raises(DatasetNotFoundError, match="Tajikistan"):
        borderkit.border("China", "Tajikistann")
    with pytest.raises(DatasetNotFoundError, match="share no land border"):
        borderkit.border("France", "Poland")  # the world base knows every land border
    with pytest.raises(DatasetNotFoundError, match="same country"):
        borderkit.border("China", "CHN")
    with pytest.raises(DatasetNotFoundError, match="CHN-TJK"):
        borderkit.border("CHN TJK KGZ")
    with pytest.raises(DatasetNotFoundError, match="known layers"):
        borderkit.load("zzzz")


@pytest.mark.parametrize(
    "alias, name",
    [("Admin-1", "admin1"), ("REGIONS", "admin1"), ("ceded", "ceded_area"), ("Places", "places")],
)
def test_layer_name_aliases(alias, name):
    assert len(borderkit.load(alias)) == RESOURCES[name]["feature_count"]


def test_load_returns_a_copy():
    first = borderkit.load("places")
    first.loc[0, "name"] = "changed"
    assert borderkit.load("places").loc[0, "name"] == "Dushanbe"


# --------------------------------------------------------------------------- integrity


@pytest.fixture
def tampered_pack(tmp_path, monkeypatch):
    """A copy of the pack with one byte of places.geojson changed."""
    copy = tmp_path / "geo"
    shutil.copytree(data._data_dir(), copy)
    text = (copy / "places.geojson").read_text(encoding="utf-8")
    (copy / "places.geojson").write_text(text.replace("Dushanbe", "Dushanbf", 1), "utf-8")

    def reset():
        data._manifest.cache_clear()
        data._read.cache_clear()
        data._verified.clear()

    reset()
    monkeypatch.setattr(data, "_data_dir", lambda: copy)
    yield copy
    monkeypatch.undo()
    reset()


def test_sha256_mismatch_is_reported(tampered_pack):
    with pytest.raises(DataError, match=r"places.*sha256.*modified"):
        borderkit.load("places")
    assert len(borderkit.load("borders")) == 4  # untouched files still load


def test_missing_file_is_reported(tampered_pack):
    (tampered_pack / "events.geojson").unlink()
    with pytest.raises(DataError, match="events.*reinstall"):
        borderkit.load("events")


def test_data_dir_prefers_the_packaged_copy():
    packaged = Path(data.__file__).resolve().parent / "_data" / "geo"
    checkout = Path(data.__file__).resolve().parents[2] / "data" / "geo"
    expected = packaged if (packaged / "datapackage.json").is_file() else checkout
    assert data._data_dir() == expected  # tests/test_wheel.py covers the packaged branch


# ---------------------------------------------------- issue 15: plausible suggestions only


@pytest.mark.parametrize("lookup, query", [
    (borderkit.region, "Xqzvbt Oblast"),
    (borderkit.place, "Xqzvbt"),
    (borderkit.place, "Atlantis Under The Sea"),
])
def test_no_suggestion_below_the_similarity_threshold(lookup, query):
    with pytest.raises(DatasetNotFoundError) as err:
        lookup(query)
    text = str(err.value)
    assert "did you mean" not in text and "close names there" not in text
    assert "Tajikistan" in text  # what is shipped
    assert "borderkit.read_layer(" in text  # how to bring your own data


def test_world_names_are_found_not_suggested():
    # names that once missed the Tajikistan pack now come from the world base
    assert borderkit.place("Kabul")["iso3"].iloc[0] == "AFG"
    assert borderkit.place("London")["iso3"].iloc[0] == "GBR"
    with pytest.warns(AmbiguousNameWarning, match="2019"):
        assert borderkit.region("Ladakh")["iso3"].iloc[0] == "IND"


def test_region_miss_lists_the_shipped_regions():
    with pytest.raises(DatasetNotFoundError, match="shipped regions are the 5 admin-1") as err:
        borderkit.region("Xqzvbt Oblast")
    assert "TJ-GB" in str(err.value) and "TJ-SU" in str(err.value)
    assert "world admin-1 layer" in str(err.value)


def test_place_miss_lists_the_shipped_kinds():
    with pytest.raises(DatasetNotFoundError, match="checkpoint") as err:
        borderkit.place("Xqzvbt")
    assert "shipped places" in str(err.value) and "world gazetteer" in str(err.value)


@pytest.mark.parametrize("lookup, query, expected", [
    (borderkit.region, "Khatlan", "Khatlon (TJ-KT)"),
    (borderkit.place, "Dushanbr", "Dushanbe (dushanbe)"),
    (borderkit.place, "Kulmaa", "Kulma Pass"),
])
def test_typos_still_get_a_suggestion(lookup, query, expected):
    with pytest.raises(DatasetNotFoundError, match="did you mean") as err:
        lookup(query)
    assert expected in str(err.value)


def _towns():
    return borderkit.places(kind="town").reset_index(drop=True).iloc[:4]


@pytest.mark.parametrize("other", ["AFG-TJK", "Dushanbe"])
def test_distance_line_end_of_several_points_says_pick_one(other):
    # was: "at least one end must be a point" (AFG-TJK), or silently the nearest town
    towns = _towns()
    spec = borderkit.BriefSpec("t", distance_lines=[borderkit.DistanceLine(towns, other)])
    with pytest.raises(borderkit.SpecError) as err:
        spec.resolve()
    text = str(err.value)
    assert text.startswith("distance_lines[0].a: an end must be one point (or one place)")
    assert f"the GeoDataFrame has {len(towns)} features" in text
    assert "gdf.iloc[[i]]" in text and "place name" in text
    assert "at least one end" not in text


def test_one_row_of_the_frame_is_a_good_end():
    towns = _towns()
    spec = borderkit.BriefSpec("t", distance_lines=[
        borderkit.DistanceLine(towns.iloc[[1]], "AFG-TJK"),
        borderkit.DistanceLine("Kulob", borderkit.region("Khatlon"))])  # an area stays one end
    lines = [lyr for lyr in spec.resolve().layers if lyr.kind == "distance_line"]
    assert len(lines) == 2


def test_ring_centre_of_several_points_says_pick_one():
    spec = borderkit.BriefSpec("t", rings=[borderkit.RangeRings(_towns(), [10_000])])
    with pytest.raises(borderkit.SpecError, match=r"rings\[0\]\.center: the centre must be one "
                                                  r"point .* 4 features.*RangeRings per row"):
        spec.resolve()
