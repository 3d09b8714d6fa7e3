"""What a map draws for its view: pack detail inside a pack's box, the world base around it.

The shipped region pack covers one box of the world (``build.region_bbox`` of its
manifest, lon 60..80, lat 33..44 for the Tajikistan pack). A brief about anywhere
else still gets land where there is land:

- :func:`view_countries`: the shipped ``countries`` layer, when the view leaves the
  pack's box or shows a country the pack does not hold, is the pack's countries
  inside the box and the world base (:func:`borderkit._world.countries`, about
  1 km) everywhere else. A country in both is one feature (its two parts united
  along the box edge, so no line is drawn there); a country the pack lacks
  (India, for a map of Ladakh) fills the land the pack's countries leave free.
- :func:`coverage_warning`: the other pack layers (borders, places, admin1 ...)
  have nothing outside the box; a map whose view leaves it says so, once, with a
  :class:`~borderkit.errors.CoverageWarning` naming what covers the view.
- :func:`inset_countries`: the locator map's outlines, from the world base around
  the view (the pack's countries when the world base is not installed).
- :func:`credits`: the attribution of the data drawn, and only of that.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from .errors import BorderkitError, CoverageWarning, DataError

if TYPE_CHECKING:
    from .spec import ResolvedLayer

__all__ = ["Pack", "shipped_pack", "view_countries", "coverage_warning", "inset_countries",
           "credits", "credit_of"]

OSM_CREDIT = "© OpenStreetMap contributors, ODbL 1.0"
NE_CREDIT = "Made with Natural Earth (public domain)"
GEONAMES_CREDIT = "GeoNames (geonames.org), CC BY 4.0"

# the world base fills this much around the view on each side (a fraction of its span),
# so that a reader panning the page a little still sees land
_FILL_MARGIN = 1.0
# the locator map shows at least this many degrees around the view's centre
_INSET_MIN_HALF_DEG = 8.0


@dataclass(frozen=True)
class Pack:
    """A data pack's name, title and box ``(lon_min, lat_min, lon_max, lat_max)``."""

    name: str
    title: str
    bbox: tuple[float, float, float, float]

    def label(self) -> str:
        """How messages name the pack: ``the pack 'name' (what it holds)``."""
        what = self.title.partition(": ")[2] or self.title
        return f"the pack {self.name!r} ({what})"

    def box_text(self) -> str:
        x0, y0, x1, y1 = self.bbox
        return f"lon {x0:g}..{x1:g}, lat {y0:g}..{y1:g}"


@lru_cache(maxsize=1)
def shipped_pack() -> Pack | None:
    """The shipped region pack (:mod:`borderkit.packs`' built-in one, else read from
    ``data/geo/datapackage.json``), or None if it has no box."""
    from . import data as _data
    from . import packs

    try:
        builtin = next(p for p in packs.active_packs() if p.builtin)
        return Pack(str(builtin.name), str(builtin.title), builtin.bbox)
    except (StopIteration, BorderkitError, OSError, AttributeError):
        pass
    try:
        path = _data._data_dir() / _data.MANIFEST
        package = json.loads(path.read_text(encoding="utf-8"))
        x0, y0, x1, y1 = (float(v) for v in package["build"]["region_bbox"])
    except (DataError, OSError, ValueError, KeyError, TypeError):
        return None
    title = str(package.get("title") or package.get("name") or "the shipped region pack")
    return Pack(str(package.get("name", "region pack")), title, (x0, y0, x1, y1))


def user_pack(bounds: Sequence[float]) -> tuple[Pack, Any] | None:
    """A registered pack (:func:`borderkit.use_pack`, ``BORDERKIT_PACKS``) whose box holds
    the view, with its countries; None when none does (or it has no countries layer)."""
    from . import packs

    try:
        found = packs.pack_for(tuple(float(v) for v in bounds))
        if found is None or found.builtin or "countries" not in found.layers():
            return None
        frame = found.layer("countries")
    except BorderkitError:
        return None
    if "iso3" not in frame.columns:
        return None
    return Pack(str(found.name), str(found.title), found.bbox), frame


def pack_layers() -> frozenset[str]:
    """The names of the shipped layers that come from the region pack."""
    from . import data as _data

    try:
        return frozenset(_data._manifest())
    except DataError:
        return frozenset()


def _covers(box: Sequence[float], bounds: Sequence[float], tol: float = 1e-6) -> bool:
    return (bounds[0] >= box[0] - tol and bounds[1] >= box[1] - tol
            and bounds[2] <= box[2] + tol and bounds[3] <= box[3] + tol)


def _grow(bounds: Sequence[float], frac: float, min_deg: float = 0.0
          ) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(v) for v in bounds)
    dx = max((x1 - x0) * frac, min_deg)
    dy = max((y1 - y0) * frac, min_deg)
    return (max(x0 - dx, -180.0), max(y0 - dy, -90.0), min(x1 + dx, 180.0), min(y1 + dy, 90.0))


def world_countries() -> Any | None:
    """The world base's countries (all of them, about 1 km), or None if not installed."""
    try:
        from . import _world
    except ImportError:
        return None
    try:
        return _world.countries()
    except DataError:
        return None


def _box_text(bounds: Sequence[float]) -> str:
    return (f"lon {bounds[0]:.2f}..{bounds[2]:.2f}, lat {bounds[1]:.2f}..{bounds[3]:.2f}")


# --------------------------------------------------------------------------- countries


def needs_world(pack_frame: Any, bounds: Sequence[float]) -> bool:
    """Whether a countries layer drawn for *bounds* needs the world base: the view
    leaves the pack's box, or shows land of a country the pack does not hold."""
    if user_pack(bounds) is not None:
        return True  # a registered pack's countries inside its box, the world base around
    pack = shipped_pack()
    if pack is None:
        return False
    # the page shows more than the bounds (panels, other screen shapes, zooming out):
    # the window the world base would fill must be inside the pack's box too
    if not _covers(pack.bbox, _grow(bounds, _FILL_MARGIN)):
        return True
    world = world_countries()
    if world is None or "iso3" not in world.columns:
        return False
    held = set(pack_frame["iso3"]) if "iso3" in pack_frame.columns else set()
    others = world[~world["iso3"].isin(held)]
    view = shapely.box(*bounds)
    return bool(shapely.intersects(others.geometry.to_numpy(), view).any())


def _filter_like(world: Any, where: Mapping[str, Any] | None) -> Any | None:
    """*world* filtered by the layer's ``where`` (None if a where-column is not in it)."""
    if not where:
        return world
    mask = np.ones(len(world), dtype=bool)
    for col, want in where.items():
        if col not in world.columns:
            return None
        values = want if isinstance(want, list | tuple | set) else [want]
        mask &= world[col].isin(values).to_numpy()
    return world[mask]


def view_countries(pack_frame: Any, where: Mapping[str, Any] | None,
                   bounds: Sequence[float], label: str, report: list[str]) -> Any:
    """The shipped countries for a view: the pack's inside its box, the world base outside.

    Returns *pack_frame* itself when the pack covers the view or there is no world base
    (then :func:`coverage_warning` says so). Each world row keeps its ``source`` and
    ``license``; a row made of both says so in ``note``.
    """
    import geopandas as gpd

    pack = shipped_pack()
    user = user_pack(bounds)
    if user is not None:  # a registered pack holds the view: its countries are the detail
        pack, user_frame = user
        filtered = _filter_like(user_frame, where)
        pack_frame = filtered if filtered is not None else user_frame
    world = world_countries()
    if pack is None or world is None:
        return pack_frame
    world = _filter_like(world, where)
    if world is None:
        report.append(f"{label}: a where-column is not in the world base; countries outside "
                      f"the pack's box ({pack.box_text()}) are not drawn")
        return pack_frame
    window = _grow(bounds, _FILL_MARGIN)
    geoms = shapely.clip_by_rect(world.geometry.to_numpy(), *window)
    keep = ~shapely.is_empty(geoms)
    world, geoms = world[keep], geoms[keep]
    box = shapely.box(*pack.bbox)
    held = pack_frame["iso3"].tolist() if "iso3" in pack_frame.columns else []
    # only the pack's land near the view can overlap the world's countries there
    near = shapely.clip_by_rect(pack_frame.geometry.to_numpy(), *window)
    near = near[~shapely.is_empty(near)]
    in_pack = world["iso3"].isin(held).to_numpy() if "iso3" in world.columns else \
        np.zeros(len(world), dtype=bool)
    # a country the pack holds: the world's part outside the box; any other: the land
    # the pack's countries leave free
    outside = shapely.difference(geoms[in_pack], box)
    free = np.array([_minus(g, near) for g in geoms[~in_pack]], dtype=object)
    rows = _merge_rows(pack_frame, world[in_pack], outside, pack)
    extra = world[~in_pack].drop(columns=world.geometry.name)
    extra = extra.assign(geometry=free,
                         note="world base (about 1 km); not in the pack")
    extra = extra[~shapely.is_empty(free)]
    frame = pd.concat([rows, extra[[c for c in extra.columns if c in rows.columns or
                                    c in ("iso3", "name", "source", "license", "note")]]],
                      ignore_index=True)
    frame = gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326")
    frame["geometry"] = shapely.make_valid(frame.geometry.to_numpy())
    report.append(
        f"{label}: the view ({_box_text(bounds)}) leaves {pack.label()} ({pack.box_text()}) "
        "or shows countries it does not hold: countries are drawn from the pack inside "
        "its box and from the world base (about 1 km, OpenStreetMap) around it "
        f"({len(extra)} countr{'y' if len(extra) == 1 else 'ies'} from the world base only)"
    )
    return frame


def _minus(geom: Any, others: np.ndarray) -> Any:
    """*geom* without the parts of *others* that touch it (one at a time: cheaper than
    uniting a pack's detailed outlines first)."""
    for other in others[shapely.intersects(others, geom)]:
        geom = shapely.difference(geom, other)
    return geom


def _merge_rows(pack_frame: Any, world: Any, outside: np.ndarray, pack: Pack) -> Any:
    """The pack's rows, each united with its country's world part outside the box."""
    rows = pd.DataFrame(pack_frame.drop(columns=pack_frame.geometry.name))
    geoms = pack_frame.geometry.to_numpy().copy()
    notes = list(rows["note"]) if "note" in rows.columns else [None] * len(rows)
    by_iso = dict(zip(world["iso3"], outside, strict=True)) if len(world) else {}
    for k, iso in enumerate(rows["iso3"] if "iso3" in rows.columns else []):
        part = by_iso.get(iso)
        if part is None or part.is_empty:
            continue
        geoms[k] = shapely.union(geoms[k], part)
        said = f"pack detail inside {pack.box_text()}; world base (about 1 km) outside"
        notes[k] = f"{notes[k]}; {said}" if isinstance(notes[k], str) and notes[k] else said
    rows["note"] = notes
    rows["geometry"] = geoms
    return rows


# --------------------------------------------------------------------------- coverage


def coverage_warning(named: Sequence[tuple[str, str]], bounds: Sequence[float],
                     report: list[str], stacklevel: int = 4) -> None:
    """Warn once that pack layers (``(layer name, shipped name)``) miss the view's outside.

    Names what covers the view: :func:`borderkit.packs.pack_for` when there is one,
    else the world base and ``borderkit pack build``.
    """
    pack = shipped_pack()
    if not named or pack is None or _covers(pack.bbox, bounds):
        return
    layers = ", ".join(f"{name!r} ({shipped!r})" for name, shipped in named)
    msg = (f"the map's view ({_box_text(bounds)}) leaves {pack.label()}, which covers "
           f"{pack.box_text()}: layer(s) {layers} have no data outside that box. "
           + _what_covers(bounds))
    report.append(msg)
    warnings.warn(msg, CoverageWarning, stacklevel=stacklevel)


def _what_covers(bounds: Sequence[float]) -> str:
    w, s, e, n = (round(float(v), 2) for v in bounds)
    build = f"borderkit pack build NAME --bbox {w:g} {s:g} {e:g} {n:g}"
    from . import packs

    try:
        found = packs.pack_for(tuple(bounds))
    except Exception:  # noqa: BLE001 - no pack module (yet), or it cannot say
        found = None
    if found:
        name = getattr(found, "name", found)
        return (f"The installed pack {name!s} covers this view (borderkit.use_pack); or "
                f"build one with `{build}`")
    return ("For this view, draw the world base (borderkit.world.countries(), "
            "borderkit.world.borders(): every country and land border, about 1 km), or "
            f"build a detailed pack with `{build}` and load it with borderkit.use_pack(path)")


# --------------------------------------------------------------------------- inset


def inset_window(bounds: Sequence[float]) -> tuple[float, float, float, float]:
    """The area the locator map may show: a few times the view, at least 16 degrees."""
    x0, y0, x1, y1 = bounds
    half = max(2.5 * max(x1 - x0, y1 - y0), _INSET_MIN_HALF_DEG)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    k = max(math.cos(math.radians(cy)), 0.2)
    return (max(cx - half / k, -180.0), max(cy - half, -89.0),
            min(cx + half / k, 180.0), min(cy + half, 89.0))


def inset_countries(bounds: Sequence[float], report: list[str]) -> Any:
    """Outlines for the locator map around *bounds*: ``name``, ``iso3``, ``subject`` (in
    the view), ``source``, ``license``. The world base, else the pack's countries."""
    import geopandas as gpd

    world = world_countries()
    if world is None:
        from . import data as _data

        world = _data.load("countries")
        report.append("inset map: drawn from the shipped pack's countries (the world base "
                      "is not installed)")
    window = inset_window(bounds)
    geoms = shapely.clip_by_rect(world.geometry.to_numpy(), *window)
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    # a few hundred pixels at most: Douglas-Peucker without topology is enough to draw
    # (and 20 times faster at 1 km); the renderers simplify again at their own scale
    tol = (window[3] - window[1]) / 400
    geoms = shapely.simplify(geoms[keep], tol, preserve_topology=False)
    keep = keep.copy()
    keep[keep] = ~shapely.is_empty(geoms)
    geoms = geoms[~shapely.is_empty(geoms)]
    frame = world[keep].drop(columns=world.geometry.name)
    cols = [c for c in ("iso3", "name", "source", "license", "attribution") if c in frame]
    frame = gpd.GeoDataFrame(frame[cols].reset_index(drop=True), geometry=list(geoms),
                             crs="EPSG:4326")
    frame["subject"] = shapely.intersects(geoms, shapely.box(*bounds))
    return frame


# --------------------------------------------------------------------------- credits


def credit_of(source: Any, license: Any) -> str:
    """One credit line for a row's ``source`` and ``license``.

    Examples
    --------
    >>> credit_of("OpenStreetMap contributors (via geo-maps)", "ODbL-1.0")
    '© OpenStreetMap contributors, ODbL 1.0'
    >>> credit_of("GeoNames", "CC BY 4.0")
    'GeoNames (geonames.org), CC BY 4.0'
    >>> credit_of("my survey", "CC0")
    'my survey (CC0)'
    """
    src, lic = ("" if _blank(v) else str(v) for v in (source, license))
    low = f"{src} {lic}".lower()
    if "odbl" in low or "openstreetmap" in low:
        return OSM_CREDIT
    if "geonames" in low:
        return GEONAMES_CREDIT
    if "natural earth" in low:
        return NE_CREDIT
    return f"{src} ({lic})" if src and lic else src or lic


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or \
        str(value).strip() in ("", "nan", "None")


def _row_credits(frame: Any, canonical: bool = True) -> list[str]:
    """The distinct credits of *frame*'s rows: its ``attribution`` column, else
    ``source (license)`` (:func:`credit_of`'s standard text when *canonical*)."""
    if "attribution" in frame.columns:
        return [str(v) for v in frame["attribution"].dropna().unique()]
    if "license" not in frame.columns and "source" not in frame.columns:
        return []
    srcs = frame["source"] if "source" in frame.columns else pd.Series([""] * len(frame))
    lics = frame["license"] if "license" in frame.columns else pd.Series([""] * len(frame))
    pairs = dict.fromkeys(zip(srcs.tolist(), lics.tolist(), strict=True))
    if canonical:
        return [credit_of(s, lic) for s, lic in pairs]
    return [f"{s} ({lic})" if not _blank(s) else str(lic) for s, lic in pairs
            if not _blank(lic)]


def _drawn(lyr: ResolvedLayer, window: Any) -> bool:
    """A layer the view fits is drawn; a context layer only if it has land near the view."""
    if not len(lyr.frame):
        return False
    if lyr.fit:
        return True
    return bool(shapely.intersects(lyr.frame.geometry.to_numpy(), window).any())


def credits(layers: Sequence[ResolvedLayer], tiles: str | None, bounds: Sequence[float],
            inset: Any | None = None) -> list[str]:
    """Attribution of the data drawn: the manifest's text for a shipped pack layer, the
    ``source``/``license`` columns of other data (the world base, the gazetteer, user
    files), the inset's outlines, and the web tiles. A layer with nothing near the view
    and data not drawn earn no credit."""
    window = shapely.box(*_grow(bounds, 0.5))
    out: list[str] = []
    for lyr in layers:
        if not _drawn(lyr, window):
            continue
        if lyr.dataset and not is_mixed(lyr.frame):
            from . import data as _data

            out.extend(_data.attribution([lyr.dataset]))
        else:  # rows of the world base in a shipped layer; user data as its columns say
            out.extend(_row_credits(lyr.frame, canonical=bool(lyr.dataset)))
    if inset is not None and len(inset):
        out.extend(_row_credits(inset))
    if tiles:
        out.append(f"Basemap tiles: {tiles}")
    return [a for a in dict.fromkeys(out) if a and a != "nan"]


def is_mixed(frame: Any) -> bool:
    """Rows from the world base mixed into a shipped layer (they carry their licence)."""
    return "note" in frame.columns and "source" in frame.columns and \
        "license" in frame.columns and \
        frame["note"].astype(str).str.contains("world base").any()
