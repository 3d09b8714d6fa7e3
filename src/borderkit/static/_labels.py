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

from .._display import display_text, label_anchor
from ..spec import ResolvedLayer
from ._layers import _marker
from ._page import _Page

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


class _Boxes:
    """Boxes (display pixels) on a grid of square cells, for the overlap of new boxes.

    A box is filed under every cell it touches, so a query looks only at the boxes
    near it: placing *n* labels costs about *n* box tests each, not a scan of all
    earlier labels (1,000 labels took 76 s with the scan).
    """

    def __init__(self, boxes: Sequence[Sequence[float]] = (), cell: float = 48.0) -> None:
        self.cell = cell
        self.n = 0
        self.arr = np.empty((max(64, len(boxes)), 4))
        self.grid: dict[tuple[int, int], list[int]] = {}
        for box in boxes:
            self.add(box)

    def _cells(self, box: Sequence[float]) -> list[tuple[int, int]] | None:
        """The cells *box* touches, or None when they are too many to list."""
        c = self.cell
        i0, i1 = math.floor(box[0] / c), math.floor(box[2] / c)
        j0, j1 = math.floor(box[1] / c), math.floor(box[3] / c)
        if (i1 - i0 + 1) * (j1 - j0 + 1) > _MANY:
            return None
        return [(i, j) for i in range(i0, i1 + 1) for j in range(j0, j1 + 1)]

    def add(self, box: Sequence[float]) -> None:
        b = (float(box[0]), float(box[1]), float(box[2]), float(box[3]))
        if not all(map(math.isfinite, b)):
            return  # an artist without a drawable extent blocks nothing
        if self.n == len(self.arr):
            self.arr = np.concatenate([self.arr, np.empty_like(self.arr)])
        self.arr[self.n] = b
        cells = self._cells(b)
        for key in cells if cells is not None else [_BIG]:
            self.grid.setdefault(key, []).append(self.n)
        self.n += 1

    def overlaps(self, boxes: np.ndarray) -> np.ndarray:
        """Summed area each of *boxes* (k x 4) shares with the boxes (square pixels)."""
        cells = self._cells((boxes[:, 0].min(), boxes[:, 1].min(),
                             boxes[:, 2].max(), boxes[:, 3].max()))
        if cells is None:  # a huge query: look at every box
            near = self.arr[: self.n]
        else:
            ids = set(self.grid.get(_BIG, ()))
            for key in cells:
                ids.update(self.grid.get(key, ()))
            near = self.arr[sorted(ids)]
        if not len(near):
            return np.zeros(len(boxes))
        q = boxes[:, None, :]
        w = np.minimum(q[..., 2], near[:, 2]) - np.maximum(q[..., 0], near[:, 0])
        h = np.minimum(q[..., 3], near[:, 3]) - np.maximum(q[..., 1], near[:, 1])
        return np.asarray((np.clip(w, 0, None) * np.clip(h, 0, None)).sum(axis=1))


_PAD = 0.6  # points around a label's text that others keep clear of
#: Layers whose labels carry a key fact (never dropped; each one set off is reported).
_KEY_KINDS = frozenset({"distance_line", "ring"})
_MANY = 400  # a box over more cells than this is kept in one list, not filed by cell
_BIG = (-(2**62), 0)  # the grid key of those boxes


def place_labels(page: _Page, drawn: list[ResolvedLayer], renderer: Any) -> None:
    """Label the features of the *drawn* layers that ask for labels.

    Each label's box (display pixels) goes into ``page.info.labels``; a label that
    still overlaps other map text is reported. No label is dropped: one with no
    free spot nearby goes farther out with a leader line, or stays at its least
    crowded spot (reported).

    The labels are drawn as glyph outlines: one collection per glyph and size for
    the white halos, one for the letters, and one collection of leader lines, so a
    file with thousands of labels writes each glyph once (a PDF references it).
    """
    ax = page.ax
    blocked = _blocked_boxes(page, renderer)
    frame = ax.get_window_extent(renderer)
    k = page.fig.dpi / 72.0
    upp = (page.extent[2] - page.extent[0]) / (frame.width / k)  # map units per point
    glyphs = _Glyphs(page.families)
    leaders: list[np.ndarray] = []
    moved: list[str] = []
    for text, (x, y), radius, lyr in _label_jobs(page, drawn):
        shown = page.text(text)
        size = 7.5 if lyr.style["geom"] == "point" else 7.0
        w, h, descent = glyphs.measure(shown, size)
        gap = radius + 2.0
        px, py = ax.transData.transform((x, y))
        best, best_cost = _best_spot((px, py), w * k, h * k, gap, blocked, frame, k)
        off, ha, va, box, dist = best
        sx, sy = _ALIGN_X[ha], _ALIGN_Y[va]
        origin = (off[0] - sx * w, off[1] - sy * h + descent)  # baseline start, points
        glyphs.add(shown, size, (x + origin[0] * upp, y + origin[1] * upp), upp)
        if dist > 0:
            moved.append(text)
            if lyr.kind in _KEY_KINDS:
                page.report.append(f"key label {text!r} ({lyr.name}) set off from its "
                                   f"feature by {dist:g} pt with a leader line")
            unit = np.asarray(off) / max(math.hypot(*off), 1e-9)
            start = np.array([x, y]) + unit * (radius + 0.5) * upp
            leaders.append(np.array([start, (x + off[0] * upp, y + off[1] * upp)]))
        log.debug("label %r: cost %.1f at %s", text, best_cost, best[:3])
        if best_cost >= 1.0:
            page.report.append(f"label {text!r} ({lyr.name}) overlaps other map text")
        blocked.add(box)
        key = text if text not in page.info.labels else f"{text} ({lyr.id})"
        page.info.labels[key] = (float(box[0]), float(box[1]), float(box[2]), float(box[3]))
    glyphs.draw(ax)
    if leaders:
        from matplotlib.collections import LineCollection

        ax.add_collection(LineCollection(leaders, colors="#555555", linewidths=0.5, zorder=149,
                                         gid="bk-label-leaders"), autolim=False)
        page.report.append(f"{len(moved)} label(s) set off from their feature with a leader "
                           "line (no free spot next to it)")


class _Glyphs:
    """Labels as glyph outlines in map units, drawn as two paths: halos, then letters.

    Each use of a glyph is its outline (in points) scaled to map units and moved to
    its place, so the labels stay put at any dpi (the map's extent and its size in
    inches are fixed). All labels together are one path for the white halos and
    one for the letters: a backend writes them in one go (in C for PDF and PNG).
    """

    def __init__(self, families: Sequence[str]) -> None:
        self.families = list(families)
        self.props: dict[float, Any] = {}
        self.outlines: dict[str, Any] = {}  # glyph id -> (vertices, codes) at FONT_SCALE
        self.verts: list[np.ndarray] = []
        self.codes: list[np.ndarray] = []
        self._line: dict[float, tuple[float, float]] = {}

    def _prop(self, size: float) -> Any:
        from matplotlib.font_manager import FontProperties

        if size not in self.props:
            self.props[size] = FontProperties(family=self.families, size=size)
        return self.props[size]

    def measure(self, s: str, size: float) -> tuple[float, float, float]:
        """Width, line height and descent of *s* in points (height and descent of the
        font's line, so labels of one size share a baseline offset)."""
        from matplotlib.textpath import text_to_path

        prop = self._prop(size)
        if size not in self._line:
            _, lh, ld = text_to_path.get_text_width_height_descent("lp", prop, ismath=False)
            self._line[size] = (float(lh), float(ld))
        w, _, _ = text_to_path.get_text_width_height_descent(s, prop, ismath=False)
        lh, ld = self._line[size]
        return float(w), lh, ld

    def add(self, s: str, size: float, origin: tuple[float, float], upp: float) -> None:
        """Place *s* with its baseline starting at *origin* (map units)."""
        from matplotlib.textpath import text_to_path

        font = getattr(text_to_path, "_get_font")(self._prop(size))  # noqa: B009 - no stub
        info, _, _ = text_to_path.get_glyphs_with_font(font, s, glyph_map=self.outlines)
        scale = size / text_to_path.FONT_SCALE * upp
        for gid, gx, gy, gscale in info:
            verts, codes = self.outlines[gid]
            if len(verts):
                self.verts.append(np.asarray(verts) * (scale * gscale)
                                  + (origin[0] + gx * scale, origin[1] + gy * scale))
                self.codes.append(np.asarray(codes))

    def draw(self, ax: Any) -> None:
        """White halos under all letters, then the letters."""
        from matplotlib.patches import PathPatch
        from matplotlib.path import Path as MplPath

        if not self.verts:
            return
        path = MplPath(np.concatenate(self.verts), np.concatenate(self.codes))
        common = {"transform": ax.transData, "clip_on": False}
        # add_artist, not add_patch: the map's limits are set, and add_patch would walk
        # every curve of every glyph for them
        ax.add_artist(PathPatch(path, facecolor="none", edgecolor="white", linewidth=2.4,
                                joinstyle="round", zorder=149.5, gid="bk-label-halo",
                                **common))
        ax.add_artist(PathPatch(path, facecolor="#111111", edgecolor="none", linewidth=0,
                                zorder=150, gid="bk-label", **common))


def _blocked_boxes(page: _Page, renderer: Any) -> _Boxes:
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
    return _Boxes(blocked)


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


def _best_spot(anchor: tuple[float, float], w: float, h: float, gap: float, blocked: _Boxes,
               frame: Any, k: float) -> tuple[tuple[Any, ...], float]:
    """The first free candidate spot of a *w* x *h* pixel label at *anchor* (pixels),
    else the one of least overlap, and its cost.

    The spot is (offset in points, ha, va, box in display pixels, extra distance).
    """
    off = _UNIT * (gap + _DIST)[:, None]
    x0 = anchor[0] + off[:, 0] * k - _SHIFT[:, 0] * w
    y0 = anchor[1] + off[:, 1] * k - _SHIFT[:, 1] * h
    pad = _PAD * k  # the halo's half width, so halos keep off other text too
    boxes = np.stack([x0 - pad, y0 - pad, x0 + w + pad, y0 + h + pad], axis=1)
    # each spot again slid inside the map's frame, after all the others: a long label
    # near the edge keeps inside the map (with a leader line) rather than off the page
    dx = np.clip(frame.x0 - boxes[:, 0], 0, None) - np.clip(boxes[:, 2] - frame.x1, 0, None)
    dy = np.clip(frame.y0 - boxes[:, 1], 0, None) - np.clip(boxes[:, 3] - frame.y1, 0, None)
    boxes = np.concatenate([boxes, boxes + np.column_stack([dx, dy, dx, dy])])
    off = np.concatenate([off, off + np.column_stack([dx, dy]) / k])
    out = np.clip(frame.x0 - boxes[:, 0], 0, None) + np.clip(boxes[:, 2] - frame.x1, 0, None) \
        + np.clip(frame.y0 - boxes[:, 1], 0, None) + np.clip(boxes[:, 3] - frame.y1, 0, None)
    cost = blocked.overlaps(boxes) + out * (boxes[:, 3] - boxes[:, 1]) * 4
    free = np.flatnonzero(cost < 1e-6)  # candidates come in order of preference
    i = int(free[0]) if len(free) else int(np.argmin(cost))
    n = len(_CANDIDATES)
    dist, (_, _, ha, va) = _CANDIDATES[i % n]
    if i >= n and (dx[i - n] or dy[i - n]):
        dist = max(dist, float(np.hypot(dx[i - n], dy[i - n]) / k))  # slid: a leader line
    spot = ((float(off[i, 0]), float(off[i, 1])), ha, va, tuple(map(float, boxes[i])), dist)
    return spot, float(cost[i])


_DIST = np.array([dist for dist, _ in _CANDIDATES])
_UNIT = np.array([(d[0], d[1]) for _, d in _CANDIDATES])
# where the anchor sits along the text box, by alignment
_ALIGN_X = {"left": 0.0, "center": 0.5, "right": 1.0}
_ALIGN_Y = {"bottom": 0.0, "center": 0.5, "top": 1.0}
_SHIFT = np.array([(_ALIGN_X[d[2]], _ALIGN_Y[d[3]]) for _, d in _CANDIDATES])
