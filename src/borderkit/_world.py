"""The shipped world base: every country, every land border, admin-1 regions (private).

The files live in ``data/world/`` of the repository and in
``borderkit/_data/world`` of an installed wheel, with a ``datapackage.json``
recording each file's sha256, sources, licences and precision (built by
``scripts/build_world.py``). Nothing is read at ``import borderkit``: the
manifest and each layer are read on first use, each file is checked against its
sha256 once per process, and the decoded layers are cached; every function
returns a copy, which the caller may modify.

Layers are stored with :mod:`borderkit._geocodec` (coordinates on a 1e-5 degree
grid, at most 0.79 m from the built geometry).
"""

from __future__ import annotations

import copy
import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from . import _geocodec, _shipped
from ._names import _index, _lookup
from .errors import DataError

__all__ = ["admin1", "attribution", "borders", "countries", "country_code", "manifest"]

log = logging.getLogger(__name__)

LAYERS = ("countries", "borders", "admin1")
_NAME_COLUMNS = ("iso3", "iso2", "name", "name_ru", "name_zh", "name_ar", "name_fr", "name_es")


@lru_cache(maxsize=1)
def _world_dir() -> Path:
    """The folder holding the world manifest: the wheel's copy first, else the checkout's."""
    return _shipped.data_folder("world", "the borderkit world base", "scripts/build_world.py")


@lru_cache(maxsize=1)
def _package() -> dict[str, Any]:
    package, by_name = _shipped.read_manifest(_world_dir(), "world")
    return {**package, "_by_name": by_name}


def _read_bytes(name: str) -> bytes:
    """Bytes of world layer *name*, checked against the manifest's sha256 (each layer is
    read once per process: :func:`_layer` is cached)."""
    res = _package()["_by_name"][name]
    return _shipped.checked_bytes(_world_dir() / res["path"], res, f"world layer {name!r}",
                                  "scripts/build_world.py")


@lru_cache(maxsize=len(LAYERS))
def _layer(name: str) -> gpd.GeoDataFrame:
    res = _package()["_by_name"][name]
    try:
        geoms, records = _geocodec.loads(_read_bytes(name))
    except (ValueError, KeyError, TypeError, OSError) as err:
        raise DataError(f"world layer {name!r}: cannot decode {res['path']!r}: {err}") from err
    frame = pd.DataFrame.from_records(records, columns=res.get("columns"))
    frame = gpd.GeoDataFrame(frame, geometry=geoms, crs="EPSG:4326")
    log.debug("loaded world layer %s (%d features)", name, len(frame))
    return frame


def countries() -> gpd.GeoDataFrame:
    """Every country of the world base, about 1 km, with names in six languages.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns iso3, iso2, name (English), name_ru, name_zh, name_ar, name_fr,
        name_es, aliases ('; '-separated), area_m2 (m², geodesic), source,
        source_version, source_date, license, precision_m (m), note; MultiPolygon
        geometry in EPSG:4326. A copy: the caller may modify it.

    Raises
    ------
    DataError
        If the world files are missing or were modified (sha256 mismatch).

    Examples
    --------
    >>> from borderkit import _world
    >>> frame = _world.countries()
    >>> frame.set_index("iso3").loc["IND", "name_fr"]
    'Inde'
    """
    return _layer("countries").copy()


def borders() -> gpd.GeoDataFrame:
    """Every land border between two countries (shared edges), with its geodesic length.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns id ("AAA-BBB", codes sorted), a, b, name ("China–India"),
        length_m (m, geodesic WGS84) and the provenance columns; MultiLineString
        geometry in EPSG:4326. A copy.

    Examples
    --------
    >>> from borderkit import _world
    >>> _world.borders().set_index("id").loc["ARM-AZE", "name"]
    'Armenia–Azerbaijan'
    """
    return _layer("borders").copy()


def admin1() -> gpd.GeoDataFrame:
    """Admin-1 regions of the world (Natural Earth 1:10m, simplified to about 500 m).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns name, iso3, code (ISO 3166-2 where Natural Earth has it, else
        ""), aliases ('; '-separated), type, and the provenance columns;
        MultiPolygon geometry in EPSG:4326. A copy.
    """
    return _layer("admin1").copy()


@lru_cache(maxsize=1)
def _country_index() -> tuple[dict[str, list[int]], list[str], list[str]]:
    frame = _layer("countries")
    keys = _index(frame, _NAME_COLUMNS, "aliases")
    labels = [f"{n} ({c})" for n, c in zip(frame["name"], frame["iso3"], strict=True)]
    return keys, labels, frame["iso3"].tolist()


def country_code(query: Any) -> str:
    """The ISO 3166-1 alpha-3 code of a country given by name or code.

    Names in English, Russian, Chinese, Arabic, French and Spanish, official
    names, common short forms ("UK", "South Korea") and alpha-2/alpha-3 codes
    in any case work; case, accents and dashes do not matter.

    Raises
    ------
    DatasetNotFoundError
        If nothing matches; the message lists close matches.

    Examples
    --------
    >>> from borderkit import _world
    >>> [_world.country_code(q) for q in ("India", "IN", "ind", "Индия", "印度", "Inde")]
    ['IND', 'IND', 'IND', 'IND', 'IND', 'IND']
    """
    keys, labels, codes = _country_index()
    pos = _lookup(
        query, keys, labels, what="country",
        hint="use a name in English, Russian, Chinese, Arabic, French or Spanish, "
        "or an ISO 3166-1 code such as 'IND' or 'IN'",
        shipped=f"the world base has {len(codes)} countries and territories",
    )
    return codes[pos]


def manifest() -> dict[str, Any]:
    """The world base's ``datapackage.json`` (a copy)."""
    package = {k: v for k, v in _package().items() if k != "_by_name"}
    return copy.deepcopy(package)


def attribution() -> str:
    """The credits the world base's layers require, one per line, without repeats."""
    seen: dict[str, None] = {}
    for res in _package()["resources"]:
        for line in res.get("attributions", []):
            seen.setdefault(line, None)
    return "\n".join(seen)

