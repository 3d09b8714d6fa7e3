"""Coordinates as analysts type them: decimal degrees, DMS, MGRS (borderkit._coords)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from borderkit import CoordinateError, parse_coordinate
from borderkit._coords import parse_angle, read_angle

KULMA = (74 + 48 / 60 + 5 / 3600, 38 + 8 / 60 + 58 / 3600)  # lon, lat


@pytest.mark.parametrize(
    "text",
    [
        "38°08′58″N 74°48′05″E",
        "38°08'58\"N 74°48'05\"E",
        "38°08'58''N 74°48'05''E",
        "38 08 58N 74 48 05E",
        "38 08 58 N, 74 48 05 E",
        "N38°08′58″ E74°48′05″",
        "74°48′05″E 38°08′58″N",  # longitude first, markers decide
        "38° 08′ 58″ N; 74° 48′ 05″ E",
        '38d08m58"N 74d48m05"E',
        "38°08′58″ с.ш. 74°48′05″ в.д.",
        "38º08’58”N 74º48’05”E",
        "38°08′58″N\u00a074°48′05″E",
    ],
)
def test_dms_variants_give_the_kulma_pass(text):
    lon, lat = parse_coordinate(text)
    assert lon == pytest.approx(KULMA[0], abs=1e-12)
    assert lat == pytest.approx(KULMA[1], abs=1e-12)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("38.1494, 74.8014", (74.8014, 38.1494)),
        ("38.1494,74.8014", (74.8014, 38.1494)),
        ("38.1494 74.8014", (74.8014, 38.1494)),
        ("38,1494; 74,8014", (74.8014, 38.1494)),
        ("38,1494 74,8014", (74.8014, 38.1494)),
        ("38,1494, 74,8014", (74.8014, 38.1494)),
        ("-33.45 -70.66", (-70.66, -33.45)),
        ("−33.45, −70.66", (-70.66, -33.45)),  # typographic minus
        ("33.45S 70.66W", (-70.66, -33.45)),
        ("38.1494N, 74.8014E", (74.8014, 38.1494)),
        ("N38 08.97 E74 48.08", (74 + 48.08 / 60, 38 + 8.97 / 60)),
        ("38°08′58″N, 74°48′05″", (KULMA[0], KULMA[1])),  # one marker; the other inferred
    ],
)
def test_decimal_and_mixed(text, expected):
    lon, lat = parse_coordinate(text)
    assert (lon, lat) == pytest.approx(expected, abs=1e-12)


def test_unmarked_pairs_are_latitude_first_unless_told():
    assert parse_coordinate("38.5, 74.8") == (74.8, 38.5)
    assert parse_coordinate("74.8, 38.5", order="lonlat") == (74.8, 38.5)
    # markers beat the order option
    assert parse_coordinate("38.5N 74.8E", order="lonlat") == (74.8, 38.5)


def test_mgrs_matches_the_mgrs_package_and_the_point():
    import mgrs

    ref = mgrs.MGRS().toMGRS(KULMA[1], KULMA[0])
    lon, lat = parse_coordinate(ref)
    # 1 m grid square: the south-west corner is within ~1.5 m of the point
    assert abs(lat - KULMA[1]) < 2e-5 and abs(lon - KULMA[0]) < 2e-5
    spaced = f"{ref[:3]} {ref[3:5]} {ref[5:10]} {ref[10:]}"
    assert parse_coordinate(spaced) == (lon, lat)
    assert parse_coordinate(ref.lower()) == (lon, lat)


@pytest.mark.parametrize(
    "text, match",
    [
        ("", "blank"),
        ("   ", "blank"),
        ("abc", "accepted"),
        ("38.1 74.8 1", "two values"),
        ("120, 30", "cannot be a latitude"),
        ("95, 10", "cannot be a latitude"),
        ("38°08′58″N 74°48′05″N", "both values are marked as lat"),
        ("38°61′00″N 74°48′05″E", "below 60"),
        ("38°08′60″N 74°48′05″E", "below 60"),
        ("38.5°08′N 74°48′05″E", "decimal degrees cannot be followed"),
        ("-38.5S 74.8E", "minus sign or a hemisphere"),
        ("43SDC825982241", "even number of digits"),
        ("43SZZ", "MGRS"),
        ("38.5N 200E", "longitude 200"),
        ("38,1,74,8", "too many commas"),
    ],
)
def test_errors_quote_the_text_and_say_why(text, match):
    with pytest.raises(CoordinateError, match=match) as info:
        parse_coordinate(text)
    assert repr(text) in str(info.value) or text.strip() == ""


def test_error_lists_accepted_formats():
    with pytest.raises(CoordinateError) as info:
        parse_coordinate("north of the pass")
    msg = str(info.value)
    assert "DMS" in msg or "degrees-minutes-seconds" in msg
    assert "MGRS" in msg


def test_not_text_is_refused():
    with pytest.raises(CoordinateError, match="as text"):
        parse_coordinate(38.5)  # type: ignore[arg-type]


def test_bad_order_option():
    with pytest.raises(ValueError, match="order"):
        parse_coordinate("1, 2", order="xy")  # type: ignore[arg-type]


def test_parse_angle_axis_checks():
    assert parse_angle("38°08′58″N", axis="lat") == pytest.approx(KULMA[1])
    assert parse_angle("74,8014", axis="lon") == 74.8014
    with pytest.raises(CoordinateError, match="swapped"):
        parse_angle("74°48′05″E", axis="lat")
    with pytest.raises(CoordinateError, match="outside"):
        parse_angle("95", axis="lat")
    with pytest.raises(CoordinateError, match="blank"):
        parse_angle(" ", axis="lon")


def test_read_angle_reports_the_hemisphere():
    assert read_angle("38 08 58N") == (pytest.approx(KULMA[1]), "N")
    assert read_angle("-74.5") == (-74.5, None)
    assert read_angle("74.5w") == (-74.5, "W")


def _dms(value: float, pos: str, neg: str) -> str:
    hemi = pos if value >= 0 else neg
    total = round(abs(value) * 3600 * 100)  # hundredths of a second
    d, rest = divmod(total, 3600 * 100)
    m, s = divmod(rest, 60 * 100)
    return f"{d}°{m:02d}′{s / 100:05.2f}″{hemi}"


@settings(max_examples=150, deadline=None)
@given(
    lat=st.floats(-90, 90, allow_nan=False),
    lon=st.floats(-180, 180, allow_nan=False),
    lon_first=st.booleans(),
)
def test_dms_round_trip_property(lat, lon, lon_first):
    a, b = _dms(lat, "N", "S"), _dms(lon, "E", "W")
    text = f"{b} {a}" if lon_first else f"{a} {b}"
    got_lon, got_lat = parse_coordinate(text)
    assert math.isclose(got_lat, lat, abs_tol=0.006 / 3600)
    assert math.isclose(got_lon, lon, abs_tol=0.006 / 3600)


@settings(max_examples=150, deadline=None)
@given(
    lat=st.floats(-90, 90, allow_nan=False),
    lon=st.floats(-180, 180, allow_nan=False),
    sep=st.sampled_from([", ", ",", " ", "; "]),
    comma=st.booleans(),
)
def test_decimal_round_trip_property(lat, lon, sep, comma):
    a, b = f"{lat:.6f}", f"{lon:.6f}"
    if comma:  # decimal commas: the separator must not be a bare comma
        a, b = a.replace(".", ","), b.replace(".", ",")
        sep = "; " if sep in (",",) else sep
    got_lon, got_lat = parse_coordinate(f"{a}{sep}{b}")
    assert got_lat == pytest.approx(float(a.replace(",", ".")), abs=0)
    assert got_lon == pytest.approx(float(b.replace(",", ".")), abs=0)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_arbitrary_text_gives_a_pair_or_a_coordinate_error(text):
    try:
        lon, lat = parse_coordinate(text)
    except CoordinateError:
        return
    assert -180 <= lon <= 180 and -90 <= lat <= 90
