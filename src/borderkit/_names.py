"""Forgiving name lookup for the shipped catalogue (:mod:`borderkit.data`).

Names are compared by a folded key: case, accents, dashes, punctuation and
spacing do not matter. A miss or an ambiguous name raises
:class:`~borderkit.errors.DatasetNotFoundError` listing close matches. The
aliases of the shipped layers and of the pack's countries (ISO codes, Tajik,
Russian and Chinese names) live here too.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

import pandas as pd

from .errors import DatasetNotFoundError

# forgiving layer names -> manifest name
_LAYER_ALIASES = {
    "country": "countries",
    "national": "countries",
    "admin": "admin1",
    "admin 1": "admin1",
    "regions": "admin1",
    "region": "admin1",
    "provinces": "admin1",
    "oblasts": "admin1",
    "border": "borders",
    "border lines": "borders",
    "historical": "historical_border",
    "historical borders": "historical_border",
    "old border": "historical_border",
    "pre2011 border": "historical_border",
    "ceded": "ceded_area",
    "ceded areas": "ceded_area",
    "place": "places",
    "points": "places",
    "event": "events",
}

# extra names for the countries of the pack (ISO 3166-1 alpha-2, common, Tajik/Russian/Chinese)
_COUNTRY_ALIASES = {
    "TJK": [
        "TJ",
        "Tajikistan",
        "Tojikiston",
        "Тоҷикистон",
        "Таджикистан",
        "塔吉克斯坦",
        "Republic of Tajikistan",
    ],
    "CHN": ["CN", "China", "PRC", "People's Republic of China", "Хитой", "Китай", "中国",
            "中华人民共和国"],
    "AFG": ["AF", "Afghanistan", "Afghonistan", "Афғонистон", "Афганистан", "阿富汗"],
    "KGZ": [
        "KG",
        "Kyrgyzstan",
        "Kyrgyz Republic",
        "Kirghizia",
        "Қирғизистон",
        "Киргизия",
        "Кыргызстан",
        "吉尔吉斯斯坦",
    ],
    "UZB": ["UZ", "Uzbekistan", "Uzbekiston", "Ӯзбекистон", "Узбекистан", "乌兹别克斯坦"],
    "PAK": ["PK", "Pakistan", "Pokiston", "Покистон", "Пакистан", "巴基斯坦"],
}

_DASHES = re.compile(r"[\u2010-\u2015\u2212_\-/]+")
_PUNCT = re.compile(r"[^\w\s]+")
_SPACES = re.compile(r"\s+")


def _fold(text: str) -> str:
    """Case-, accent-, dash- and space-insensitive key (NFKD, combining marks dropped).

    Examples
    --------
    >>> _fold("Gorno–Badakhshan"), _fold("  Khorugh  ")
    ('gorno badakhshan', 'khorugh')
    """
    decomposed = unicodedata.normalize("NFKD", str(text))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = _DASHES.sub(" ", stripped.casefold())
    stripped = _PUNCT.sub("", stripped)
    return _SPACES.sub(" ", stripped).strip()


def _split_names(text: Any) -> list[str]:
    """Split a '; '-separated alt_names value (or a list) into names."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return []
    if isinstance(text, str):
        return [t.strip() for t in text.split(";") if t.strip()]
    return [str(t) for t in text]


# A name is suggested only when difflib's ratio to it is at least this: typos such as
# "Khatlan", "Dushambe" or "Kulab" (0.8-0.9) are; other places such as "Ladakh" for
# "Badakhshan" (0.62) or "Kabul" for "Kulob" (0.6) are not.
SUGGEST_MIN_RATIO = 0.8

BRING_YOUR_OWN = ("for other places or areas, bring your own data: "
                  "borderkit.read_layer('my_file.geojson') (GeoJSON, GPKG, SHP, KML, CSV)")


def close_names(query: str, names: Iterable[str], *, n: int = 5) -> list[str]:
    """The *names* plausibly meant by *query* (folded ratio >= :data:`SUGGEST_MIN_RATIO`).

    Examples
    --------
    >>> close_names("Khatlan", ["khatlon", "sughd"])
    ['khatlon']
    >>> close_names("Ladakh", ["badakhshan", "gorno badakhshan"])
    []
    """
    return difflib.get_close_matches(_fold(query), list(names), n=n, cutoff=SUGGEST_MIN_RATIO)


def pack_summary(what: str, frame: pd.DataFrame, labels: list[str]) -> str:
    """What the pack ships of *what* (``"place"`` or ``"region"``), for a lookup that missed."""
    if what == "region":
        return (f"the shipped regions are the {len(frame)} admin-1 regions of Tajikistan: "
                f"{', '.join(labels)}")
    kinds = ", ".join(sorted(set(frame["kind"].dropna().astype(str))))
    return (f"the shipped places are the Tajikistan region pack's {len(frame)} points "
            f"({kinds}), e.g. {', '.join(frame['id'].head(4))}")


def _lookup(
    query: Any, keys: dict[str, list[int]], labels: list[str], *, what: str, hint: str,
    shipped: str = "",
) -> int:
    """Row position for *query* in *keys* (folded name -> rows); errors list close matches.

    Without a plausible match the error says what is *shipped* and how to bring your own data.
    """
    if not isinstance(query, str) or not query.strip():
        raise DatasetNotFoundError(f"{what} name must be a non-empty string, got {query!r}")
    folded = _fold(query)
    rows = keys.get(folded)
    if rows and len(set(rows)) == 1:
        return rows[0]
    if rows:
        options = ", ".join(sorted({labels[r] for r in rows}))
        raise DatasetNotFoundError(
            f"{what} {query!r} is ambiguous: it matches {options}; use the id instead"
        )
    close = close_names(folded, keys, n=8)
    suggestions = list(dict.fromkeys(labels[keys[c][0]] for c in close))[:5]
    if suggestions:
        raise DatasetNotFoundError(
            f"no {what} named {query!r}; did you mean {', '.join(suggestions)}? ({hint})")
    pack = f"; {shipped}" if shipped else ""
    raise DatasetNotFoundError(f"no {what} named {query!r}{pack}; {BRING_YOUR_OWN} ({hint})")


def _index(frame: pd.DataFrame, columns: Iterable[str], alias_column: str | None) -> dict:
    """Folded names -> row positions; earlier columns win over later ones."""
    keys: dict[str, list[int]] = {}
    tiers: list[dict[str, list[int]]] = []
    for col in [*columns, alias_column]:
        if col is None or col not in frame.columns:
            continue
        tier: dict[str, list[int]] = {}
        for pos, value in enumerate(frame[col].tolist()):
            values = _split_names(value) if col == alias_column else [value]
            for v in values:
                if v is None or (isinstance(v, float) and pd.isna(v)) or not str(v).strip():
                    continue
                tier.setdefault(_fold(str(v)), []).append(pos)
                short = re.sub(r"\s*\(.*?\)\s*", " ", str(v)).strip()
                if short and short != str(v):
                    tier.setdefault(_fold(short), []).append(pos)
        tiers.append(tier)
    for tier in tiers:
        for key, rows in tier.items():
            keys.setdefault(key, rows)
    return keys
