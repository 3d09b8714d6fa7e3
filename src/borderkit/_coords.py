"""Coordinates as analysts type them: decimal degrees, DMS and MGRS.

Two entry points, both used by :mod:`borderkit.io`:

* :func:`parse_angle` reads one latitude or longitude (``38.1494``, ``38,1494``,
  ``38°08′58″N``, ``38 08 58N``, ``N 38 08.97``, ``-74.8``);
* :func:`parse_coordinate` reads a pair (``38.1494, 74.8014``,
  ``38°08′58″N 74°48′05″E``, ``43SDC8259822410``) and returns ``(lon, lat)``.

Unmarked pairs are read **latitude first**, as people write them; hemisphere
letters (N/S/E/W, or Russian с.ш./ю.ш./в.д./з.д.) override the order. Every
error is a :class:`~borderkit.errors.CoordinateError` that quotes the text and
lists the accepted formats.
"""

from __future__ import annotations

import math
import re
from typing import Literal

from .errors import CoordinateError

__all__ = ["parse_angle", "parse_coordinate", "read_angle", "ACCEPTED_FORMATS"]

ACCEPTED_FORMATS = (
    "decimal degrees ('38.1494, 74.8014', latitude first unless marked; "
    "decimal commas allowed: '38,1494; 74,8014'), "
    "degrees-minutes-seconds ('38°08′58″N 74°48′05″E', '38 08 58N 74 48 05E', "
    "'38°08\\'58\"N'), degrees and decimal minutes ('N38 08.97 E74 48.08'), "
    "or MGRS ('43SDC8259822410')"
)

Axis = Literal["lat", "lon"]

# Typographic variants folded to ASCII before parsing.
_FOLD = str.maketrans(
    {
        "′": "'",
        "’": "'",
        "‘": "'",
        "´": "'",
        "`": "'",
        "ʹ": "'",
        "″": '"',
        "“": '"',
        "”": '"',
        "ʺ": '"',
        "º": "°",
        "˚": "°",
        "ᵒ": "°",
        "−": "-",
        "–": "-",
        "—": "-",
        "‐": "-",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\t": " ",
    }
)
_RUSSIAN_HEMI = [
    (re.compile(r"с\.?\s*ш\.?", re.IGNORECASE), " N "),
    (re.compile(r"ю\.?\s*ш\.?", re.IGNORECASE), " S "),
    (re.compile(r"в\.?\s*д\.?", re.IGNORECASE), " E "),
    (re.compile(r"з\.?\s*д\.?", re.IGNORECASE), " W "),
]
_NUM = r"\d+(?:[.,]\d*)?|[.,]\d+"
_ANGLE = re.compile(
    rf"""^\s*(?P<h1>[NSEW])?\s*(?P<sign>[-+])?\s*
    (?P<d>{_NUM})\s*(?:°|deg|d)?\s*
    (?:(?P<m>{_NUM})\s*(?:'|min|m)?\s*
       (?:(?P<s>{_NUM})\s*"?\s*)?)?
    (?P<h2>[NSEW])?\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_MGRS = re.compile(r"^(\d{1,2})\s*([C-HJ-NP-X])\s*([A-HJ-NP-Z]{2})\s*(\d*)\s*(\d*)$", re.I)
_HEMI_TOKEN = re.compile(r"(?<![A-Z])[NSEW](?![A-Z])", re.IGNORECASE)


def _fold(text: str) -> str:
    out = text.translate(_FOLD).replace("''", '"')
    for pattern, repl in _RUSSIAN_HEMI:
        out = pattern.sub(repl, out)
    return " ".join(out.split())


def _fail(text: str, why: str) -> CoordinateError:
    return CoordinateError(
        f"cannot read {text!r} as a coordinate: {why}; accepted: {ACCEPTED_FORMATS}"
    )


def _number(part: str) -> float:
    return float(part.replace(",", "."))


def _angle(text: str, original: str) -> tuple[float, str | None]:
    """Parse one folded angle; return (signed degrees, hemisphere letter or None)."""
    m = _ANGLE.match(text)
    if m is None:
        raise _fail(original, f"{text!r} is not a number, DMS or degrees-minutes value")
    if m["h1"] and m["h2"]:
        raise _fail(original, f"{text!r} has two hemisphere letters")
    hemi = (m["h1"] or m["h2"] or "").upper() or None
    deg = _number(m["d"])
    minutes = _number(m["m"]) if m["m"] else 0.0
    seconds = _number(m["s"]) if m["s"] else 0.0
    if m["m"] and not float(deg).is_integer():
        raise _fail(original, "decimal degrees cannot be followed by minutes")
    if m["s"] and not float(minutes).is_integer():
        raise _fail(original, "decimal minutes cannot be followed by seconds")
    if minutes >= 60 or seconds >= 60:
        raise _fail(original, "minutes and seconds must be below 60")
    value = deg + minutes / 60.0 + seconds / 3600.0
    if m["sign"] == "-":
        if hemi is not None:
            raise _fail(original, "use either a minus sign or a hemisphere letter, not both")
        value = -value
    if hemi in ("S", "W"):
        value = -value
    if not math.isfinite(value):
        raise _fail(original, "the value is not finite")
    return value, hemi


def read_angle(text: str, /) -> tuple[float, str | None]:
    """Read one angle without knowing its axis: ``(signed degrees, hemisphere or None)``.

    The hemisphere is ``"N"``, ``"S"``, ``"E"``, ``"W"`` or None when unmarked; the
    caller decides the axis (used to detect swapped lat/lon columns).

    Raises
    ------
    CoordinateError
        If the text is blank or not a number / DMS value.
    """
    folded = _fold(text)
    if not folded:
        raise CoordinateError("the value is blank")
    return _angle(folded, text)


def _check_range(value: float, axis: Axis, original: str) -> None:
    limit = 90.0 if axis == "lat" else 180.0
    if abs(value) > limit:
        name = "latitude" if axis == "lat" else "longitude"
        raise CoordinateError(
            f"{original!r}: {name} {value:g} is outside [-{limit:g}, {limit:g}]"
            + ("; were latitude and longitude swapped?" if axis == "lat" else "")
        )


def parse_angle(text: str, /, *, axis: Axis) -> float:
    """Read one latitude or longitude written as decimal degrees or DMS.

    Parameters
    ----------
    text : str
        ``"38.1494"``, ``"38,1494"`` (decimal comma), ``"38°08′58″N"``,
        ``"38 08 58N"``, ``"N38 08.97"``, ``"-74.8"``.
    axis : {"lat", "lon"}
        Which axis the value belongs to; a hemisphere letter of the other axis
        (``E`` in a latitude) is an error.

    Returns
    -------
    float
        Signed decimal degrees (south and west negative).

    Raises
    ------
    CoordinateError
        If the text cannot be read, the hemisphere belongs to the other axis, or
        the value is out of range.

    Examples
    --------
    >>> parse_angle("38°08′58″N", axis="lat")
    38.14944...
    >>> parse_angle("74,8014", axis="lon")
    74.8014
    """
    if axis not in ("lat", "lon"):
        raise ValueError(f"axis must be 'lat' or 'lon', not {axis!r}")
    if not isinstance(text, str):
        raise CoordinateError(f"expected text for the {axis}, got {type(text).__name__}")
    folded = _fold(text)
    if not folded:
        raise CoordinateError(f"the {axis} is blank")
    value, hemi = _angle(folded, text)
    if hemi is not None and (hemi in "NS") != (axis == "lat"):
        raise CoordinateError(
            f"{text!r} is marked {hemi}, which is not a {axis}itude hemisphere; "
            "were the latitude and longitude columns swapped?"
        )
    _check_range(value, axis, text)
    return value


def _split_marked(folded: str, original: str) -> list[str]:
    marks = list(_HEMI_TOKEN.finditer(folded))
    if len(marks) == 1:
        return _split_plain(folded, original)
    if len(marks) != 2:
        raise _fail(original, f"found {len(marks)} hemisphere letters, expected at most 2")
    if marks[0].start() == 0:  # prefix style: N38 08 58 E74 48 05
        cut = marks[1].start()
    else:  # suffix style: 38 08 58N 74 48 05E
        cut = marks[0].end()
    return [folded[:cut].strip(" ,;/"), folded[cut:].strip(" ,;/")]


def _split_plain(folded: str, original: str) -> list[str]:
    for sep in (";", "/", "|"):
        if sep in folded:
            parts = folded.split(sep)
            if len(parts) == 2:
                return parts
            raise _fail(original, f"expected two values separated by {sep!r}")
    comma_space = re.split(r",\s+", folded)
    if len(comma_space) == 2:
        return comma_space
    if "," in folded and " " not in folded:
        parts = folded.split(",")
        if len(parts) == 2:
            return parts
        raise _fail(
            original,
            "too many commas to tell decimal commas from the separator; "
            "separate the two values with '; '",
        )
    tokens = folded.split(" ")
    if len(tokens) in (2, 4, 6):
        half = len(tokens) // 2
        return [" ".join(tokens[:half]), " ".join(tokens[half:])]
    raise _fail(original, "expected two values (latitude and longitude)")


def _parse_mgrs(folded: str, original: str) -> tuple[float, float] | None:
    m = _MGRS.match(folded)
    if m is None:
        return None
    digits = m[4] + m[5]
    if len(digits) % 2 or len(digits) > 10:
        raise _fail(original, "an MGRS reference needs an even number of digits (0 to 10)")
    import mgrs

    ref = (m[1] + m[2] + m[3] + digits).upper()
    try:
        lat, lon = mgrs.MGRS().toLatLon(ref)
    except Exception as err:  # noqa: BLE001 - mgrs raises a bare MGRSError
        raise _fail(original, f"not a valid MGRS reference ({err})") from err
    return float(lon), float(lat)


def parse_coordinate(
    text: str, /, *, order: Literal["latlon", "lonlat"] = "latlon"
) -> tuple[float, float]:
    """Read a coordinate pair as an analyst writes it and return ``(lon, lat)``.

    Unmarked pairs are read **latitude first** (``"38.1494, 74.8014"`` is
    38.1494 °N, 74.8014 °E), the order people write and speak; pass
    ``order="lonlat"`` for text from GIS tools. Hemisphere letters always win
    over the order: ``"74°48′05″E 38°08′58″N"`` is read correctly.

    Parameters
    ----------
    text : str
        Decimal degrees (``"38.1494, 74.8014"``; decimal commas with ``;`` or
        a space between the values, ``"38,1494; 74,8014"``), DMS
        (``"38°08′58″N 74°48′05″E"``, ``"38 08 58N 74 48 05E"``,
        ``"38°08'58\\"N 74°48'05\\"E"``), degrees and decimal minutes
        (``"N38 08.97 E74 48.08"``), Russian hemisphere marks
        (``"38°08′58″ с.ш. 74°48′05″ в.д."``) or MGRS (``"43SDC8259822410"``;
        the point returned is the south-west corner of the grid square, as
        MGRS defines it).
    order : {"latlon", "lonlat"}, default "latlon"
        The order of unmarked values.

    Returns
    -------
    tuple of float
        ``(lon, lat)`` in decimal degrees (WGS84), south and west negative.

    Raises
    ------
    CoordinateError
        If the text is not one of the accepted formats or a value is out of
        range; the message quotes the text and lists the formats.

    Examples
    --------
    >>> parse_coordinate("38°08′58″N 74°48′05″E")
    (74.80138..., 38.14944...)
    >>> parse_coordinate("38.1494, 74.8014")
    (74.8014, 38.1494)
    >>> parse_coordinate("38,1494; 74,8014")
    (74.8014, 38.1494)
    """
    if order not in ("latlon", "lonlat"):
        raise ValueError(f"order must be 'latlon' or 'lonlat', not {order!r}")
    if not isinstance(text, str):
        raise CoordinateError(
            f"expected the coordinate as text, got {type(text).__name__}; "
            "pass numbers as lon=..., lat=... instead"
        )
    folded = _fold(text)
    if not folded:
        raise _fail(text, "it is blank")
    found = _parse_mgrs(folded.replace(" ", ""), text)
    if found is not None:
        return found
    if _HEMI_TOKEN.search(folded):
        parts = _split_marked(folded, text)
    else:
        parts = _split_plain(folded, text)
    (a, ha), (b, hb) = (_angle(p.strip(), text) for p in parts)
    if ha is None and hb is None:
        lat, lon = (a, b) if order == "latlon" else (b, a)
        if abs(lat) > 90 >= abs(lon):
            first = "latitude" if order == "latlon" else "longitude"
            raise CoordinateError(
                f"{text!r}: unmarked values are read {first} first, and {lat:g} cannot be a "
                "latitude; write the latitude first or add hemisphere letters (N/S, E/W)"
            )
    else:
        axis_a = None if ha is None else ("lat" if ha in "NS" else "lon")
        axis_b = None if hb is None else ("lat" if hb in "NS" else "lon")
        axis_a = axis_a or ("lon" if axis_b == "lat" else "lat")
        axis_b = axis_b or ("lon" if axis_a == "lat" else "lat")
        if axis_a == axis_b:
            raise _fail(text, f"both values are marked as {axis_a}itudes")
        lat, lon = (a, b) if axis_a == "lat" else (b, a)
    _check_range(lat, "lat", text)
    _check_range(lon, "lon", text)
    return lon, lat
