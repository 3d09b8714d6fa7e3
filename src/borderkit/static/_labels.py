"""Labels: placed next to their feature where they collide least with the rest.

Every label tries the candidate spots of :data:`_CANDIDATES` in order (right,
upper right, lower right, left, ..., then the same farther out with a leader
line) and takes the first free one, else the one with the least overlap with
markers, furniture, earlier labels and the map's edge. Labels of higher layers
(larger ``z``) are placed first.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..spec import ResolvedLayer, display_text, label_anchor
from ._layers import _marker
from ._page import _halo, _Page

log = logging.getLogger(__name__)

# unit offsets (right, up) and alignment, by preference; then the same farther out (extra
# points beyond the marker), with a leader line
_DIRS = (
    (1.0, 0.0, "left", "center"), (0.8, 0.8, "left", "bottom"),
    (0.8, -0.8, "left", "top"), (-1.0, 0.0, "right", "center"),
    (-0.8, 0.8, "right", "bottom"), (-0.8, -0.8, "right", "top"),
    (0.0, 1.0, "center", "bottom"), (0.0, -1.0, "center", "top"),
)
_CANDIDATES = [(dist, d) for dist in (0.0, 8.0, 18.0, 30.0, 45.0) for d in _DIRS]


def _overlap(box: Sequence[float], blocked: Sequence[Sequence[float]]) -> float:
    if not blocked:
        return 0.0
    arr = np.asarray(blocked)
    w = np.minimum(box[2], arr[:, 2]) - np.maximum(box[0], arr[:, 0])
    h = np.minimum(box[3], arr[:, 3]) - np.maximum(box[1], arr[:, 1])
    return float((np.clip(w, 0, None) * np.clip(h, 0, None)).sum())


def place_labels(page: _Page, drawn: list[ResolvedLayer], renderer: Any) -> None:
    """Label the features of the *drawn* layers that ask for labels.

    Each label's box (display pixels) goes into ``page.info.labels``; a label that
    still overlaps other map text is reported.
    """
    ax = page.ax
    blocked = _blocked_boxes(page, renderer)
    frame = ax.get_window_extent(renderer)
    for text, (x, y), radius, lyr in _label_jobs(page, drawn):
        point = lyr.style["geom"] == "point"
        size = 7.5 if point else 7
        gap = radius + 2.0
        ann = ax.annotate(page.text(text), xy=(x, y), xycoords="data", xytext=(gap, 0),
                          textcoords="offset points", fontsize=size, zorder=150,
                          color="#111111", path_effects=_halo(),
                          annotation_clip=False, gid=f"bk-label-{lyr.id}")
        best, best_cost = _best_spot(ann, gap, blocked, frame, renderer)
        if best is None:  # no candidates: cannot happen, _CANDIDATES is not empty
            continue
        off, ha, va, box, dist = best
        ann.xyann = off
        ann.set(horizontalalignment=ha, verticalalignment=va)
        if dist > 0:
            ax.annotate("", xy=(x, y), xycoords="data", xytext=off,
                        textcoords="offset points", zorder=149,
                        arrowprops={"arrowstyle": "-", "color": "#555555", "lw": 0.5,
                                    "shrinkA": 0, "shrinkB": radius + 0.5})
        log.debug("label %r: cost %.1f at %s", text, best_cost, best[:3])
        if best_cost >= 1.0:
            page.report.append(f"label {text!r} ({lyr.name}) overlaps other map text")
        blocked.append(box)
        key = text if text not in page.info.labels else f"{text} ({lyr.id})"
        page.info.labels[key] = (float(box[0]), float(box[1]), float(box[2]), float(box[3]))


def _blocked_boxes(page: _Page, renderer: Any) -> list[tuple[float, float, float, float]]:
    """Display boxes labels must avoid: markers, then obstacles (artists or map boxes)."""
    to_px = page.ax.transData
    pt = page.fig.dpi / 72.0
    blocked: list[tuple[float, float, float, float]] = []
    for x, y, r in page.points:
        (px, py), rr = to_px.transform((x, y)), r * pt
        blocked.append((px - rr, py - rr, px + rr, py + rr))
    for ob in page.obstacles:
        if isinstance(ob, tuple):
            (a, b), (c, d) = to_px.transform(ob[1][:2]), to_px.transform(ob[1][2:])
            blocked.append((a, b, c, d))
        else:
            e = ob.get_window_extent(renderer)
            blocked.append((e.x0, e.y0, e.x1, e.y1))
    return blocked


def _label_jobs(page: _Page, drawn: list[ResolvedLayer]) -> list[tuple[Any, ...]]:
    """(text, anchor in map units, marker radius in points, layer) of every label on the
    map, in placing order: higher layers first, then in the order of the features."""
    jobs: list[tuple[Any, ...]] = []
    x0, y0, x1, y1 = page.extent
    for lyr in drawn:
        if not lyr.labels or not lyr.label_column:
            continue
        rows = lyr.frame
        if lyr.label_column not in rows.columns:
            continue
        for value, geom in zip(rows[lyr.label_column], rows.geometry, strict=True):
            text = display_text(value)
            lonlat = label_anchor(geom, lyr.kind) if text is not None else None
            if lonlat is None:
                continue
            ax_, ay_ = page.proj.xy(lonlat[0], lonlat[1])
            anchor = (float(ax_), float(ay_))
            if not (x0 <= anchor[0] <= x1 and y0 <= anchor[1] <= y1):
                continue  # the feature's label point is off the map
            radius = 1.5
            if lyr.style["geom"] == "point":
                radius = _marker(lyr.style, page.px_pt)[1] / 2 + float(lyr.style["weight"]) \
                    * page.px_pt / 2
            jobs.append((-float(lyr.style["z"]), len(jobs), str(text), anchor, radius, lyr))
    jobs.sort(key=lambda j: (j[0], j[1]))
    return [job[2:] for job in jobs]


def _best_spot(ann: Any, gap: float, blocked: list[tuple[float, float, float, float]],
               frame: Any, renderer: Any) -> tuple[tuple[Any, ...] | None, float]:
    """The first free candidate spot of *ann*, else the one of least overlap, and its cost.

    The spot is (offset in points, ha, va, box in display pixels, extra distance).
    Moves *ann* while it tries the candidates.
    """
    best: tuple[Any, ...] | None = None
    best_cost = math.inf
    for dist, (ux, uy, ha, va) in _CANDIDATES:
        off = (ux * (gap + dist), uy * (gap + dist))
        ann.xyann = off
        ann.set(horizontalalignment=ha, verticalalignment=va)
        e = ann.get_window_extent(renderer)
        box = (e.x0 - 1.5, e.y0 - 1.5, e.x1 + 1.5, e.y1 + 1.5)
        cost = _overlap(box, blocked)
        out = max(frame.x0 - box[0], 0) + max(box[2] - frame.x1, 0) + \
            max(frame.y0 - box[1], 0) + max(box[3] - frame.y1, 0)
        cost += out * (box[3] - box[1]) * 4
        if cost < best_cost:
            best, best_cost = (off, ha, va, box, dist), cost
        if cost < 0.5:  # candidates come in order of preference: take the first free
            break
    return best, best_cost
