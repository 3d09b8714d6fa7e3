"""The physical context of the print map: the hillshade and the context names.

The resolved spec's :class:`borderkit._context.Context` says what to draw; this
module draws it in the map's projection. The hillshade is warped by sampling it
at the lon/lat of every pixel of the map and drawn as a black layer whose alpha
is the darkening of the page's multiplied image (flat ground: none), so the two
renderers shade alike and nothing marks where the data's box ends. Context names
(countries, rivers, lakes, ranges) are placed after the data labels and only
where they meet no label, marker or map furniture; the rest are left out (they
are context, not data: the report counts them).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from ._page import _halo, _Page

__all__ = ["draw_names", "draw_shade"]

#: Darkening of the steepest shadow (the page's ``SHADE_OPACITY``).
SHADE_OPACITY = 0.6

#: Longest side of the warped hillshade, in samples (about the PNG's pixels).
SHADE_SAMPLES = 1600

#: Print look of each class of context name: size (pt), colour, weight, style, caps.
_LOOKS: dict[str, dict[str, Any]] = {
    "subject": {"fontsize": 10.5, "color": "#333333", "fontweight": "bold", "upper": True},
    "neighbour": {"fontsize": 9.0, "color": "#777777", "fontweight": "normal", "upper": True},
    "river": {"fontsize": 7.0, "color": "#2f6590", "fontstyle": "italic"},
    "lake": {"fontsize": 7.0, "color": "#2f6590", "fontstyle": "italic"},
    "range": {"fontsize": 7.0, "color": "#6b6056", "upper": True},
    "valley": {"fontsize": 7.0, "color": "#6b6056", "upper": True},
}


def draw_shade(page: _Page) -> bool:
    """Draw the hillshade under the water and data layers; False when there is none."""
    ctx = getattr(page.r, "context", None)
    if ctx is None or ctx.shade is None:
        return False
    x0, y0, x1, y1 = page.extent
    aspect = (y1 - y0) / max(x1 - x0, 1e-9)
    nx = SHADE_SAMPLES if aspect <= 1 else max(int(SHADE_SAMPLES / aspect), 2)
    ny = max(int(round(nx * aspect)), 2)
    xs = x0 + (np.arange(nx) + 0.5) * (x1 - x0) / nx
    ys = y1 - (np.arange(ny) + 0.5) * (y1 - y0) / ny
    lon, lat = page.proj.lonlat(*np.meshgrid(xs, ys))
    grey = ctx.shade.sample(lon, lat)
    dark = np.clip(1.0 - grey / float(ctx.flat), 0.0, 1.0) * SHADE_OPACITY
    rgba = np.zeros((ny, nx, 4))
    rgba[..., 3] = np.nan_to_num(dark, nan=0.0)
    if not rgba[..., 3].any():
        return False
    keep = page.ax.get_aspect(), page.ax.get_xlim(), page.ax.get_ylim()
    page.ax.imshow(rgba, extent=(x0, x1, y0, y1), origin="upper", interpolation="bilinear",
                   zorder=10.5, gid="bk-shade")  # over the countries (10), under water (11)
    page.ax.set_aspect(keep[0])
    page.ax.set_xlim(*keep[1])
    page.ax.set_ylim(*keep[2])
    return True


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-") or "name"


def draw_names(page: _Page, renderer: Any) -> list[str]:
    """Place the context names that fit; returns the texts drawn (the rest are counted
    in the report)."""
    from ._labels import _blocked_boxes

    ctx = getattr(page.r, "context", None)
    if ctx is None or not ctx.labels:
        return []
    blocked = _blocked_boxes(page, renderer)  # markers and furniture
    for box in page.info.labels.values():  # and the data labels, placed first
        blocked.add(box)
    frame = page.ax.get_window_extent(renderer)
    x0, y0, x1, y1 = page.extent
    drawn, left_out = [], 0
    for lab in sorted(ctx.labels, key=lambda lab: -lab.priority):
        x, y = (float(v) for v in page.proj.xy(lab.lon, lab.lat))
        if not (x0 <= x <= x1 and y0 <= y <= y1):
            continue
        look = dict(_LOOKS.get(lab.cls, _LOOKS["range"]))
        upper = look.pop("upper", False)
        text = page.text(lab.text.upper() if upper else lab.text)
        art = page.ax.text(x, y, text, ha="center", va="center", rotation=lab.angle,
                           rotation_mode="anchor", zorder=140, path_effects=_halo(),
                           gid=f"bk-name-{_slug(lab.text)}", clip_on=True, **look)
        spot = _free_spot(art, renderer, blocked, frame)
        if spot is None:
            art.remove()
            left_out += 1
            continue
        blocked.add(spot)
        drawn.append(lab.text)
    if left_out:
        page.report.append(f"{left_out} context name(s) left out: no room beside the data")
    return drawn


def _free_spot(art: Any, renderer: Any, blocked: Any, frame: Any) -> tuple[float, ...] | None:
    """Move *art* to the first spot at, above or below its anchor that meets nothing in
    *blocked* and stays inside *frame*; its box (display pixels), or None."""
    from matplotlib.transforms import offset_copy

    base = art.get_transform()
    e = art.get_window_extent(renderer)
    step = e.height * 72.0 / art.figure.dpi * 1.3  # points
    for k in (0, 1, -1, 2, -2):
        art.set_transform(offset_copy(base, fig=art.figure, y=k * step, units="points"))
        e = art.get_window_extent(renderer)
        box = (e.x0, e.y0, e.x1, e.y1)
        inside = frame.x0 <= box[0] and box[2] <= frame.x1 and frame.y0 <= box[1] \
            and box[3] <= frame.y1
        if inside and blocked.overlaps(np.array([box]))[0] <= 0:
            return box
    return None
