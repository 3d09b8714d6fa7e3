"""Lookups anywhere on Earth: borderkit.border / country / region / place beyond the pack.

Published figures are from the CIA World Factbook (2024 edition, "Land boundaries");
the 1 km world base is compared with them in tests/test_world.py, here only the lookups.
"""

from __future__ import annotations

import warnings

import pytest

import borderkit
from borderkit import world
from borderkit.errors import AmbiguousNameWarning, DatasetNotFoundError

pytest.importorskip("borderkit._world")
pytest.importorskip("borderkit._gazetteer")


@pytest.mark.parametrize(
    ("a", "b", "bid"),
    [("ARM", "AZE", "ARM-AZE"), ("Poland", "Ukraine", "POL-UKR"), ("IN", "中国", "CHN-IND"),
     ("Азербайджан", "Armenia", "ARM-AZE")],
)
def test_border_anywhere_by_code_and_name(a, b, bid):
    line = borderkit.border(a, b)
    assert line["id"].iloc[0] == bid
    assert line.crs.to_epsg() == 4326
    assert line["length_m"].iloc[0] > 100_000
    for col in ("source", "license", "precision_m"):
        assert str(line[col].iloc[0]) not in ("", "nan", "None"), col


def test_border_of_the_pack_stays_the_pack_line():
    # the Tajikistan pack's 10 m line, not the 1 km world one (figures unchanged)
    line = borderkit.border("CHN", "TJK")
    assert round(line["length_m"].iloc[0] / 1000) == 484
    assert "10m" in str(line["source"].iloc[0]) + str(line["source_version"].iloc[0])


def test_border_between_non_neighbours_names_both():
    with pytest.raises(DatasetNotFoundError, match=r"France \(FRA\).*Poland \(POL\)|POL.*FRA"):
        borderkit.border("France", "Poland")


def test_country_by_name_code_and_other_scripts():
    for query in ("India", "IND", "IN", "Индия", "印度", "Inde"):
        assert borderkit.country(query)["iso3"].iloc[0] == "IND", query
    with pytest.raises(DatasetNotFoundError, match="did you mean"):
        borderkit.country("Indai")


def test_place_from_the_gazetteer():
    leh = borderkit.place("Leh")
    assert leh["iso3"].iloc[0] == "IND"
    assert 77.4 < leh["lon"].iloc[0] < 77.8 and 34.0 < leh["lat"].iloc[0] < 34.3
    assert leh["precision_m"].iloc[0] > 0
    assert "GeoNames" in leh["source"].iloc[0] or "geonames" in leh["source"].iloc[0].lower()
    assert leh["id"].iloc[0].startswith("geonames-")


def test_curated_places_come_first():
    with warnings.catch_warnings():
        warnings.simplefilter("error", AmbiguousNameWarning)
        assert borderkit.place("Dushanbe")["id"].iloc[0] == "dushanbe"


def test_ambiguous_place_takes_the_most_populous_and_lists_the_others():
    with pytest.warns(AmbiguousNameWarning, match=r"(?s)most populous.*Others: .*country="):
        spring = borderkit.place("Springfield")
    assert spring["iso3"].iloc[0] == "USA"
    pop = spring["population"].iloc[0]
    found = world.gazetteer()
    same = found[found["name"] == "Springfield"]
    assert pop == same["population"].max()


def test_country_argument_chooses():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AmbiguousNameWarning)
        au = borderkit.place("Springfield", country="Australia")
    assert au["iso3"].iloc[0] == "AUS"


def test_unknown_place_is_a_typed_error_with_suggestions():
    with pytest.raises(DatasetNotFoundError, match="did you mean"):
        borderkit.place("Kashgarr")
    with pytest.raises(DatasetNotFoundError, match="coordinates"):
        borderkit.place("Qqqzzxx Vvvw")


def test_region_world_and_ladakh_honest_note():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AmbiguousNameWarning)
        gbao = borderkit.region("GBAO")
    assert gbao["id"].iloc[0] == "TJ-GB"  # the pack first
    punjab = borderkit.region("Punjab", country="PAK")
    assert punjab["iso3"].iloc[0] == "PAK"
    with pytest.warns(AmbiguousNameWarning):
        ladakh = borderkit.region("Ladakh")
    assert ladakh["iso3"].iloc[0] == "IND"
    assert "Ladakh" in ladakh["note"].iloc[0] and "2019" in ladakh["note"].iloc[0]
    leh = borderkit.place("Leh").geometry.iloc[0]
    assert ladakh.geometry.iloc[0].covers(leh)
    # a town's name gives the region containing it, and says so
    with pytest.warns(AmbiguousNameWarning, match="containing"):
        kargil = borderkit.region("Kargil")
    assert kargil["name"].iloc[0] == ladakh["name"].iloc[0]


def test_cli_distance_between_world_places():
    from click.testing import CliRunner

    from borderkit import cli

    result = CliRunner().invoke(cli.cli, ["distance", "Leh", "Kashgar"])
    assert result.exit_code == 0, result.output
    # Leh (34.16 N, 77.58 E) to Kashgar (39.47 N, 75.99 E): about 605 km
    km = float(result.output.split(" km")[0].split()[-1].replace(",", ""))
    assert 590 < km < 620, result.output
