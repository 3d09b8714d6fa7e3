"""The shipped region pack: Tajikistan, its neighbours, borders, places and events.

The layers live in ``data/geo/`` of the repository and in ``borderkit/_data/geo``
of an installed wheel; ``datapackage.json`` next to them (Frictionless Data
Package) records each file's sha256, feature count, geometry type, sources,
licenses and attribution. Every file is checked against its sha256 the first
time it is read in a process.

Lookups (:func:`load`, :func:`place`, :func:`region`, :func:`border`) are
forgiving: case, accents, dashes and spacing do not matter, and aliases in
Tajik, Russian and Chinese work (the folding and the aliases are in
:mod:`borderkit._names`). An unknown name raises
:class:`~borderkit.errors.DatasetNotFoundError` listing close matches.

The layer functions return a :class:`geopandas.GeoDataFrame` in EPSG:4326
(lon, lat) with a fresh ``RangeIndex`` (a copy: the caller may modify it);
:func:`place`, :func:`region` and :func:`border` return one-row frames so that
the CRS and the provenance columns travel with the geometry.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from . import _names, _shipped, world
from ._names import _LAYER_ALIASES, _fold, _index, _lookup
from .errors import DataError, DatasetNotFoundError

__all__ = [
    "datasets",
    "load",
    "places",
    "place",
    "events",
    "border",
    "region",
    "attribution",
]

log = logging.getLogger(__name__)

MANIFEST = _shipped.MANIFEST
PLACE_KINDS = ("capital", "checkpoint", "facility", "town", "base", "tripoint", "airport")


# --------------------------------------------------------------------------- locating files


@lru_cache(maxsize=1)
def _data_dir() -> Path:
    """The folder holding datapackage.json: the wheel's copy first, else the checkout's."""
    return _shipped.data_folder("geo", "the borderkit region pack",
                                "scripts/build_region_pack.py")


@lru_cache(maxsize=1)
def _manifest() -> dict[str, dict[str, Any]]:
    return _shipped.read_manifest(_data_dir(), "data")[1]


_verified: set[str] = set()
_verify_lock = threading.Lock()


def _verified_path(name: str) -> Path:
    """Path of layer *name*, after checking its sha256 once per process."""
    res = _manifest()[name]
    path = _data_dir() / res["path"]
    with _verify_lock:
        if name in _verified:
            return path
        _shipped.checked_bytes(path, res, f"shipped layer {name!r}",
                               "scripts/build_region_pack.py")
        _verified.add(name)
    return path


@lru_cache(maxsize=16)
def _read(name: str) -> gpd.GeoDataFrame:
    path = _verified_path(name)
    res = _manifest()[name]
    # Parsed here rather than by GDAL so that text stays text (GDAL would turn ISO dates
    # into timestamps) and the columns are exactly the ones written.
    try:
        features = json.loads(path.read_text(encoding="utf-8"))["features"]
        frame = gpd.GeoDataFrame.from_features(features, crs="EPSG:4326")
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise DataError(f"shipped layer {name!r}: cannot parse {str(path)!r}: {err}") from err
    columns = [c for c in res.get("columns", []) if c in frame.columns]
    extra = [c for c in frame.columns if c not in columns and c != "geometry"]
    frame = frame[[*columns, *extra, "geometry"]]
    log.debug("loaded shipped layer %s (%d features) from %s", name, len(frame), path)
    return frame


def _one(frame: gpd.GeoDataFrame, pos: int) -> gpd.GeoDataFrame:
    return frame.iloc[[pos]].reset_index(drop=True)


# --------------------------------------------------------------------------- public API


def datasets() -> pd.DataFrame:
    """List the shipped layers with their license, attribution and contents.

    Returns
    -------
    pandas.DataFrame
        One row per layer with columns ``name``, ``title``, ``geometry_type``,
        ``feature_count``, ``license``, ``attribution``, ``file`` (name inside the
        data folder), ``sha256`` and ``sources`` (package and version, '; '-separated).

    Raises
    ------
    DataError
        If the manifest is missing or unreadable (a broken installation).

    Examples
    --------
    >>> import borderkit
    >>> table = borderkit.datasets()
    >>> "ceded_area" in set(table["name"])
    True
    >>> table.set_index("name").loc["places", "geometry_type"]
    'Point'
    """
    rows = []
    for name, res in _manifest().items():
        sources = [
            f"{s['package']} {s['version']}" if "package" in s else s.get("title", "")
            for s in res.get("sources", [])
        ]
        rows.append(
            {
                "name": name,
                "title": res.get("title", ""),
                "geometry_type": res.get("geometry_type", ""),
                "feature_count": int(res.get("feature_count", 0)),
                "license": "; ".join(x["name"] for x in res.get("licenses", [])),
                "attribution": res.get("attribution", ""),
                "file": res["path"],
                "sha256": str(res.get("hash", "")).removeprefix("sha256:"),
                "sources": "; ".join(sources),
            }
        )
    return pd.DataFrame(rows)


def _layer_name(name: Any) -> str:
    names = list(_manifest())
    if not isinstance(name, str) or not name.strip():
        raise DatasetNotFoundError(
            f"layer name must be a non-empty string, got {name!r}; known layers: {', '.join(names)}"
        )
    folded = _fold(name)
    by_fold = {_fold(n): n for n in names}
    hit = by_fold.get(folded) or by_fold.get(folded.replace(" ", "")) or _LAYER_ALIASES.get(folded)
    if hit is None and folded.endswith("s"):
        hit = by_fold.get(folded[:-1])
    if hit in _manifest():
        return hit
    close = _names.close_names(folded, [*by_fold, *_LAYER_ALIASES], n=3)
    guesses = list(dict.fromkeys(by_fold.get(c) or _LAYER_ALIASES[c] for c in close))
    near = f"did you mean {', '.join(guesses)}? " if guesses else ""
    raise DatasetNotFoundError(
        f"no shipped layer named {name!r}; {near}known layers: {', '.join(names)}"
    )


def load(name: str, /) -> gpd.GeoDataFrame:
    """Load a shipped layer by name, after checking its sha256 against the manifest.

    Parameters
    ----------
    name : str
        Layer name as listed by :func:`datasets` (``countries``, ``admin1``,
        ``borders``, ``historical_border``, ``ceded_area``, ``places``,
        ``events``). Case, spaces and dashes do not matter, and a few aliases
        work (``"regions"``, ``"Admin-1"``, ``"ceded"``).

    Returns
    -------
    geopandas.GeoDataFrame
        The layer in EPSG:4326 (lon, lat), columns in manifest order. Lengths
        are in metres (``length_m``), areas in square metres (``area_m2``),
        uncertainty radii in metres (``precision_m``).

    Raises
    ------
    DatasetNotFoundError
        If no layer has that name; the message lists close matches.
    DataError
        If the file is missing or its sha256 differs from the manifest.

    Examples
    --------
    >>> import borderkit
    >>> borders = borderkit.load("borders")
    >>> sorted(borders["id"])
    ['AFG-TJK', 'CHN-TJK', 'KGZ-TJK', 'TJK-UZB']
    >>> borderkit.load("Admin-1").crs.to_epsg()
    4326
    """
    return _read(_layer_name(name)).copy()


def places(*, kind: str | None = None) -> gpd.GeoDataFrame:
    """The curated places of the brief, optionally only one kind.

    Each row has ``id``, ``name``, ``alt_names`` ('; '-separated Tajik, Russian
    and Chinese spellings), ``kind``, ``lon``, ``lat``, ``precision_m`` (an
    uncertainty radius in metres), ``confidence`` (high/medium/low),
    ``source_title``, ``source_url``, ``source_date`` and ``note``. Points
    known only to the village or district level have a large ``precision_m``
    and say so in ``note``.

    Parameters
    ----------
    kind : str, optional
        One of ``capital``, ``checkpoint``, ``facility``, ``town``, ``base``,
        ``tripoint``, ``airport``.

    Returns
    -------
    geopandas.GeoDataFrame
        Points in EPSG:4326.

    Raises
    ------
    DataError
        If *kind* is not one of the allowed values.

    Examples
    --------
    >>> import borderkit
    >>> list(borderkit.places(kind="checkpoint")["id"])
    ['kulma-pass']
    """
    frame = load("places")
    if kind is None:
        return frame
    if kind not in PLACE_KINDS:
        raise DataError(f"kind={kind!r} is not a place kind; use one of {', '.join(PLACE_KINDS)}")
    return frame[frame["kind"] == kind].reset_index(drop=True)


def place(name: str, /, *, country: str | None = None) -> gpd.GeoDataFrame:
    """One place by id, name or alternative name (any script, case and accents ignored).

    The curated places of the pack come first, then the world gazetteer
    (GeoNames populated places). A name shared by several gazetteer places
    (Kashgar, Springfield) gives the most populous, with an
    :class:`~borderkit.errors.AmbiguousNameWarning` listing the others.

    Parameters
    ----------
    name : str
        For example ``"kulma-pass"``, ``"Kulma"``, ``"Qolma"``, ``"卡拉苏口岸"``,
        ``"khorog"``, ``"Душанбе"``, ``"Leh"``, ``"Tashqorghan"``.
    country : str, optional
        Keep only places in this country (ISO code or name), for a name that
        several countries share.

    Returns
    -------
    geopandas.GeoDataFrame
        A one-row frame (same columns as :func:`places`), so that the CRS and
        the provenance columns travel with the point. Use
        ``place(name).geometry.iloc[0]`` for the shapely point.

    Raises
    ------
    DatasetNotFoundError
        If nothing matches (the message lists close matches) or the name is
        ambiguous.

    Examples
    --------
    >>> import borderkit
    >>> kulma = borderkit.place("qolma")
    >>> kulma["id"].iloc[0], bool(kulma["precision_m"].iloc[0] <= 500)
    ('kulma-pass', True)
    >>> borderkit.place("КУЛОБ")["id"].iloc[0]
    'kulob'
    """
    frame = load("places")
    keys = _index(frame, ["id", "name"], "alt_names")
    labels = [f"{n} ({i})" for n, i in zip(frame["name"], frame["id"], strict=True)]
    try:
        pos = _lookup(name, keys, labels, what="place",
                      hint="see borderkit.places() for all places",
                      shipped=_names.pack_summary("place", frame, labels))
    except DatasetNotFoundError as miss:
        if "ambiguous" in str(miss) or not isinstance(name, str):
            raise
        return world.gazetteer_place(name, country=country, miss=miss)
    if country is not None and not world.in_country(frame.geometry.iloc[pos], country):
        return world.gazetteer_place(name, country=country)
    return _one(frame, pos)


def events() -> gpd.GeoDataFrame:
    """The dated events of the brief, each tied to a place (``place_id``).

    Returns
    -------
    geopandas.GeoDataFrame
        Points (the place's location) with ``id``, ``date`` (ISO 8601),
        ``place_id``, ``title``, ``description``, ``value_usd``, source columns,
        and the place's ``precision_m`` and ``confidence``.

    Examples
    --------
    >>> import borderkit
    >>> list(borderkit.events()["date"])
    ['2020-05-10', '2020-05-14']
    """
    return load("events")


def border(a: str, b: str | None = None, /, *, historical: bool = False) -> gpd.GeoDataFrame:
    """The border line between two countries, in either order.

    Parameters
    ----------
    a, b : str
        ISO 3166-1 alpha-3 or alpha-2 codes or country names (English, Tajik,
        Russian, Chinese), in any order: ``border("China", "Tajikistan")``,
        ``border("TJK", "CHN")``. With one argument, a border id such as
        ``"CHN-TJK"``.
    historical : bool, default False
        Return the line before the 2011 China–Tajikistan settlement (Natural
        Earth) instead of the current one. Only ``CHN-TJK`` has one.

    Returns
    -------
    geopandas.GeoDataFrame
        One row with ``id`` (sorted ISO3 codes joined by ``-``), ``a``, ``b``,
        ``name``, ``length_m`` (geodesic, metres), published lengths and
        provenance; geometry is a MultiLineString in EPSG:4326.

    Raises
    ------
    DatasetNotFoundError
        If a country is unknown, or the pack has no border between the two.

    Examples
    --------
    >>> import borderkit
    >>> line = borderkit.border("China", "Tajikistan")
    >>> line["id"].iloc[0], int(round(line["length_m"].iloc[0] / 1000))
    ('CHN-TJK', 484)
    >>> borderkit.border("CHN-TJK", historical=True)["id"].iloc[0]
    'CHN-TJK-pre2011'
    """
    codes = world.border_codes(a, b)
    bid = "-".join(codes)
    layer = "historical_border" if historical else "borders"
    frame = load(layer)
    match = frame.index[frame["a"].eq(codes[0]) & frame["b"].eq(codes[1])].tolist()
    if match:
        return _one(frame, match[0])
    if historical:
        raise DatasetNotFoundError(
            f"the {layer} layer has no {bid} line; it has: {', '.join(frame['id'])}")
    return world.world_border(codes[0], codes[1])


def region(name: str, /, *, country: str | None = None) -> gpd.GeoDataFrame:
    """One admin-1 region by ISO 3166-2 code, name or alias: Tajikistan's first, then the world's.

    The pack's regions of Tajikistan come first; then the world admin-1 layer
    (Natural Earth). A name that is no region but a gazetteer place (Ladakh,
    a union territory since 2019, after the Natural Earth edition) gives the
    region containing the place, and says so in ``note`` and a warning.

    Parameters
    ----------
    name : str
        For example ``"GBAO"``, ``"Gorno-Badakhshan"``, ``"TJ-GB"``,
        ``"Kuhistoni Badakhshon"``, ``"Горно-Бадахшанская"``, ``"Sogd"``,
        ``"Punjab"``, ``"Ladakh"``.
    country : str, optional
        Look only in this country (ISO code or name), for a name that several
        countries share (``region("Punjab", country="PAK")``).

    Returns
    -------
    geopandas.GeoDataFrame
        One row with ``id``, names (``name``, ``name_tg``, ``name_ru``,
        ``name_zh``, ``alt_names``), ``area_m2`` (geodesic), ``area_km2``,
        ``official_area_km2`` where published, and provenance.

    Raises
    ------
    DatasetNotFoundError
        If nothing matches; the message lists close matches.

    Examples
    --------
    >>> import borderkit
    >>> gbao = borderkit.region("gorno badakhshan")
    >>> gbao["id"].iloc[0], int(round(gbao["area_km2"].iloc[0], -2))
    ('TJ-GB', 62800)
    """
    frame = load("admin1")
    keys = _index(frame, ["id", "name", "name_tg", "name_ru", "name_zh"], "alt_names")
    extra = _index(frame, ["ne_name"], None)
    for key, rows in extra.items():
        keys.setdefault(key, rows)
    labels = [f"{n} ({i})" for n, i in zip(frame["name"], frame["id"], strict=True)]
    try:
        if country is not None and world.country_code(country) != "TJK":
            return world.world_region(name, country=country)
        pos = _lookup(name, keys, labels, what="region", hint="see borderkit.load('admin1')",
                      shipped=_names.pack_summary("region", frame, labels))
    except DatasetNotFoundError as miss:
        if "ambiguous" in str(miss) or not isinstance(name, str):
            raise
        return world.world_region(name, country=country, miss=miss)
    return _one(frame, pos)


def attribution(names: str | Iterable[str] | None = None, /) -> list[str]:
    """Attribution texts to show with the given layers (all layers when omitted).

    Parameters
    ----------
    names : str or iterable of str, optional
        Layer names (as for :func:`load`).

    Returns
    -------
    list of str
        Distinct attribution strings in layer order, each naming one data
        source and its license (for example "© OpenStreetMap contributors, ODbL 1.0").

    Raises
    ------
    DatasetNotFoundError
        If a layer name is unknown.

    Examples
    --------
    >>> import borderkit
    >>> borderkit.attribution(["borders", "admin1"])
    ['© OpenStreetMap contributors, ODbL 1.0', 'Made with Natural Earth (public domain)']
    """
    if names is None:
        layers = list(_manifest())
    elif isinstance(names, str):
        layers = [_layer_name(names)]
    else:
        layers = [_layer_name(n) for n in names]
    found: list[str] = []
    for layer in layers:
        res = _manifest()[layer]
        found.extend(res.get("attributions") or [res.get("attribution", "")])
    return [a for a in dict.fromkeys(found) if a]
