"""The physical context a brief map draws under its data: terrain, water, names.

:func:`resolve_context` is one step of :meth:`borderkit.BriefSpec.resolve`. For
the view it picks, from :mod:`borderkit._physical`, the lakes and rivers near
the view (as frames the spec turns into ordinary, quiet layers), the hillshade
(only when the view meets its box; elsewhere the report says there is no
terrain) and the curated river, lake and range names; and it places one name on
every country in view, inside the part of the country the view shows, in the
map's language when the data has it. Both renderers draw the result; neither
computes any of it. It never imports :mod:`borderkit.spec` (which calls it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely

from . import _physical
from ._display import display_text

__all__ = ["Context", "ContextLabel", "WATER_STYLES", "resolve_context"]

#: Looks of the water layers (overrides of the ``user_polygon``/``user_line`` kinds):
#: quiet, drawn just above the countries (``z`` 1) and never in the legend.
WATER_STYLES: dict[str, dict[str, Any]] = {
    "lakes": {"color": "#7fa7c9", "fill": "#b7d3ea", "weight": 0.6, "fill_opacity": 1.0,
              "z": 1, "legend": False},
    "rivers": {"color": "#6f9cc4", "weight": 1.0, "z": 1, "legend": False},
}

#: Label classes: CSS class suffix / print look, and their priority (data labels
#: are 10 and up, so context names are placed last and give way).
LABEL_PRIORITY = {"subject": 6, "neighbour": 5, "range": 4, "lake": 3, "river": 3,
                  "valley": 2}

#: The hillshade's grey on flat ground (``255 * sin(altitude)``) if the data does not say.
FLAT_GREY = 180.0


@dataclass(frozen=True)
class ContextLabel:
    """One context name: where (lon/lat), its text, its class and its angle.

    ``cls`` is ``subject`` or ``neighbour`` (country names), or ``river``,
    ``lake``, ``range`` or ``valley`` (physical names); ``angle`` is degrees
    counterclockwise from east (rivers), 0 otherwise.
    """

    lon: float
    lat: float
    text: str
    cls: str
    angle: float = 0.0
    iso3: str | None = None

    @property
    def priority(self) -> int:
        return LABEL_PRIORITY.get(self.cls, 1)


@dataclass
class Context:
    """What :func:`resolve_context` found for the view; empty parts are switched off."""

    shade: Any | None = None  # borderkit._physical.Hillshade
    flat: float = FLAT_GREY
    water: list[tuple[str, Any]] = field(default_factory=list)  # ("lakes"/"rivers", frame)
    labels: list[ContextLabel] = field(default_factory=list)
    attribution: list[str] = field(default_factory=list)


def _grow(bounds: Sequence[float], factor: float) -> tuple[float, float, float, float]:
    """*bounds* grown about its centre by *factor* (at least 0.5 degrees), on the globe."""
    lon0, lat0, lon1, lat1 = (float(v) for v in bounds)
    dx = max(lon1 - lon0, 0.5) * (factor - 1) / 2
    dy = max(lat1 - lat0, 0.5) * (factor - 1) / 2
    return (max(lon0 - dx, -180.0), max(lat0 - dy, -90.0),
            min(lon1 + dx, 180.0), min(lat1 + dy, 90.0))


def _meets(a: Sequence[float], b: Sequence[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def resolve_context(spec: Any, bounds: Sequence[float], layers: Sequence[Any],
                    report: list[str]) -> Context:
    """The context of the view *bounds* that *spec* switches on (``terrain``,
    ``water``, ``country_names``); *layers* are the resolved layers (the countries
    among them give the names). Anything outside the physical data's box is left
    out, and the report says so when terrain was asked for."""
    ctx = Context()
    view = _grow(bounds, 1.5)
    lang = getattr(spec, "language", None)
    credits = _credits()
    if getattr(spec, "terrain", False):
        shade = _physical.hillshade()
        if _meets(view, shade.bounds):
            ctx.shade = shade
            ctx.flat = _flat_grey(shade.meta)
            ctx.attribution.append(credits["hillshade"])
        else:
            report.append(_outside("terrain (hillshade)", shade.bounds))
    if getattr(spec, "water", False):
        ctx.water = _water(bounds, _grow(bounds, 2.0))
        if ctx.water:
            ctx.attribution += [credits[name] for name, _ in ctx.water]
        ctx.labels += _physical_names(view, lang)
        if any(lab.cls != "subject" for lab in ctx.labels):
            ctx.attribution.append(credits["labels"])
    if getattr(spec, "country_names", False):
        ctx.labels = _country_names(layers, _grow(bounds, 1.15), lang,
                                    getattr(spec, "subject", None)) + ctx.labels
    ctx.attribution = [a for a in dict.fromkeys(ctx.attribution) if a]
    return ctx


def _credits() -> dict[str, str]:
    """The attribution of each physical layer, by name (rivers, lakes, labels, hillshade)."""
    texts = _physical.physical_attribution()
    out = {name: "" for name in ("rivers", "lakes", "labels", "hillshade")}
    for text in texts:
        low = text.lower()
        key = ("rivers" if "river" in low else "hillshade" if "terrain" in low or "gebco" in low
               else "lakes" if "openstreetmap" in low else "labels")
        out[key] = out[key] or text
    return out


def _flat_grey(meta: dict[str, Any]) -> float:
    band = str(meta.get("band", ""))
    tail = band.rsplit("=", 1)[-1].strip() if "=" in band else ""
    try:
        value = float(tail)
    except ValueError:
        return FLAT_GREY
    return value if 0 < value < 255 else FLAT_GREY


def _outside(what: str, box: Sequence[float]) -> str:
    w, s, e, n = box
    return (f"no {what} drawn: the view is outside the physical data's box "
            f"(lon {w:g} to {e:g}, lat {s:g} to {n:g})")


#: Water smaller than this share of the view is left out (a lake of a few pixels, a
#: stream of a few dozen): lakes by area (of the view's area), rivers by length (of
#: the view's diagonal).
MIN_LAKE_SHARE, MIN_RIVER_SHARE = 2e-5, 0.02


def _water(bounds: Sequence[float], box: Sequence[float]) -> list[tuple[str, Any]]:
    """Lakes and rivers that reach into *box*, clipped to it, without the ones too small
    to see at the view *bounds* (geometry and size only: their sources are credited)."""
    k = math.cos(math.radians((bounds[1] + bounds[3]) / 2))
    w_m = max(bounds[2] - bounds[0], 0.5) * k * 111_320.0
    h_m = max(bounds[3] - bounds[1], 0.5) * 111_320.0
    out = []
    for name, read, col, least in (
            ("lakes", _physical.lakes, "area_m2", MIN_LAKE_SHARE * w_m * h_m),
            ("rivers", _physical.rivers, "length_m", MIN_RIVER_SHARE * math.hypot(w_m, h_m))):
        frame = read()
        near = shapely.intersects(frame.geometry.to_numpy(), shapely.box(*box))
        near &= frame[col].to_numpy(dtype=float) >= least
        if not near.any():
            continue
        part = frame.loc[near, [col, "geometry"]].copy()
        part = part.set_geometry(shapely.clip_by_rect(part.geometry.to_numpy(), *box))
        part = part[~part.geometry.is_empty].reset_index(drop=True)
        if len(part):
            out.append((name, part))
    return out


def _label_text(row: dict[str, Any], lang: str | None) -> str | None:
    if lang and lang != "en":
        text = display_text(row.get(f"name_{lang}"))
        if text:
            return text
    return display_text(row.get("name"))


def _physical_names(view: Sequence[float], lang: str | None) -> list[ContextLabel]:
    labels = _physical.physical_labels()
    out = []
    for row in labels.to_dict("records"):
        pt = row["geometry"]
        text = _label_text(row, lang)
        if not text or not (view[0] <= pt.x <= view[2] and view[1] <= pt.y <= view[3]):
            continue
        angle = float(row.get("angle") or 0.0) if row.get("kind") == "river" else 0.0
        out.append(ContextLabel(round(pt.x, 5), round(pt.y, 5), text, str(row.get("kind")),
                                angle if math.isfinite(angle) else 0.0))
    return out


def _countries_frame(layers: Sequence[Any]) -> Any | None:
    for lyr in layers:
        if getattr(lyr, "dataset", None) == "countries" and len(lyr.frame):
            return lyr.frame
    return None


def _subject(frame: Any, layers: Sequence[Any], subject: str | None) -> int | None:
    """Row of the subject country: the spec's (iso3 or name), else the one holding most data."""
    if subject:
        want = str(subject).strip().casefold()
        for i, row in enumerate(frame[[c for c in ("iso3", "name") if c in frame.columns]]
                                .astype(str).to_numpy()):
            if want in (v.casefold() for v in row):
                return i
        return None
    points = [shapely.point_on_surface(lyr.frame.geometry.to_numpy()) for lyr in layers
              if lyr.fit and getattr(lyr, "dataset", None) != "countries" and len(lyr.frame)]
    if not points:
        return None
    pts = np.concatenate(points)
    counts = [int(shapely.contains(g, pts).sum()) for g in frame.geometry.to_numpy()]
    return int(np.argmax(counts)) if max(counts) else None


def _country_names(layers: Sequence[Any], view: tuple[float, float, float, float],
                   lang: str | None, subject: str | None) -> list[ContextLabel]:
    """One name per country in *view*, at the pole of inaccessibility of its visible part
    (on a grid shrunk by cos(latitude), so the spot is central on the map too)."""
    frame = _countries_frame(layers)
    if frame is None:
        return []
    main = _subject(frame, layers, subject)
    k = max(math.cos(math.radians((view[1] + view[3]) / 2)), 0.05)
    view_area = (view[2] - view[0]) * k * (view[3] - view[1])
    out = []
    for i, row in enumerate(frame.to_dict("records")):
        text = _label_text(row, lang)
        visible = shapely.clip_by_rect(row["geometry"], *view) if row["geometry"] else None
        if not text or visible is None or visible.is_empty:
            continue
        scaled = shapely.transform(visible, lambda xy: xy * np.array([k, 1.0]))
        parts = sorted(shapely.get_parts(scaled), key=lambda g: g.area, reverse=True)
        if not parts or parts[0].area < 0.004 * view_area:
            continue  # a sliver at the edge of the view: no room for a name
        circle = shapely.maximum_inscribed_circle(parts[0], max(parts[0].area ** 0.5 / 200, 1e-4))
        spot = shapely.get_point(circle, 0)
        iso3 = display_text(row.get("iso3"))
        out.append(ContextLabel(round(spot.x / k, 5), round(spot.y, 5), text,
                                "subject" if i == main else "neighbour", 0.0, iso3))
    return out
