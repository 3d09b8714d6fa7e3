"""The map's layers: polygons, lines and point markers, in the style of the web map.

Styles come from the resolved spec in CSS pixels of the web map; ``px_pt``
(points per CSS pixel) turns weights, dashes and marker radii into points.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import shapely

from ..spec import ResolvedLayer
from ._page import _Page
from ._proj import _project

_MARKERS = {"circle": "o", "star": "*", "square": "s", "triangle": "^", "diamond": "D",
            "cross": "X"}
# markers whose ink is smaller than their nominal size
_MARKER_GAIN = {"*": 1.45, "^": 1.15, "X": 1.1, "D": 0.9}


def _rgba(color: Any, alpha: float = 1.0) -> Any:
    """*color* (checked, '#rrggbb[aa]') with *alpha* applied on top of its own, as CSS does."""
    from matplotlib.colors import to_rgba

    if color in (None, "none"):
        return "none"
    r, g, b, a = to_rgba(color)
    return (r, g, b, a * alpha)


def _marker(st: dict[str, Any], px_pt: float) -> tuple[str, float]:
    """matplotlib marker and its size in points for a point style."""
    marker = _MARKERS.get(str(st.get("marker", "circle")), "o")
    return marker, 2 * float(st.get("radius", 4)) * px_pt * _MARKER_GAIN.get(marker, 1)


def _dash(dash: Any, px_pt: float) -> Any:
    """matplotlib line style of a CSS dash array (``"6 4"``, in CSS pixels)."""
    if not dash:
        return "solid"
    values = [float(v) for v in re.split(r"[\s,]+", str(dash).strip()) if v]
    if len(values) % 2:
        values = values * 2
    if not values or any(v <= 0 for v in values):
        return "solid"
    return (0, tuple(v * px_pt for v in values))


def draw_layers(page: _Page) -> list[ResolvedLayer]:
    """Draw the shown layers, lowest ``z`` first; returns those with something drawn."""
    drawn: list[ResolvedLayer] = []
    for lyr in sorted(page.r.layers, key=lambda lyr: lyr.style["z"]):
        if not lyr.show:
            continue
        if draw_layer(page, lyr):
            drawn.append(lyr)
    return drawn


def draw_layer(page: _Page, lyr: ResolvedLayer) -> bool:
    """Draw one layer, clipped and simplified; False when nothing of it is on the map."""
    if not len(lyr.frame):
        return False
    frame = _project(lyr.frame, page.proj, page.clip)
    if not len(frame):
        return False
    st = lyr.style
    z = 10 + float(st["z"])
    # drop detail finer than a quarter point: invisible, and it keeps SVG/PDF small
    geoms = shapely.simplify(frame.geometry.to_numpy(), page.tolerance, preserve_topology=True)
    parts = shapely.get_parts(geoms[~shapely.is_empty(geoms)])
    kinds = shapely.get_type_id(parts)
    lw = max(float(st.get("weight") or 0.0), 0.0) * page.px_pt
    ls = _dash(st.get("dash"), page.px_pt)
    polys = parts[kinds == 3]
    lines = parts[(kinds == 1) | (kinds == 2)]
    points = parts[kinds == 0]
    if len(polys):
        face = _rgba(st.get("fill"), float(st.get("fill_opacity", 1.0))) \
            if st.get("fill") else "none"
        page.ax.add_collection(_polygons(
            polys, facecolor=face, edgecolor=_rgba(st["color"]) if lw else "none",
            linewidth=lw, linestyle=ls, zorder=z, gid=f"bk-layer-{lyr.id}"), autolim=False)
    if len(lines):
        page.ax.add_collection(_lines(
            lines, color=_rgba(st["color"]), linewidth=max(lw, 0.3), linestyle=ls,
            zorder=z, gid=f"bk-layer-{lyr.id}"), autolim=False)
    if len(points):
        _markers(page, lyr, points, z + 0.5, lw)
    return True


def _markers(page: _Page, lyr: ResolvedLayer, points: np.ndarray, z: float, lw: float) -> None:
    """Point markers of a layer; their positions and radii are kept for the labels."""
    st = lyr.style
    marker, size = _marker(st, page.px_pt)
    px, py = shapely.get_x(points), shapely.get_y(points)
    page.ax.plot(px, py, linestyle="none", marker=marker, markersize=size,
                 markerfacecolor=_rgba(st.get("fill") or st["color"],
                                       float(st.get("fill_opacity", 1.0))),
                 markeredgecolor=_rgba(st["color"]), markeredgewidth=lw,
                 zorder=z, gid=f"bk-layer-{lyr.id}")
    page.points += [(float(a), float(b), size / 2 + lw / 2)
                    for a, b in zip(px, py, strict=True)]


def _polygons(polys: np.ndarray, **kw: Any) -> Any:
    """One PatchCollection of polygons (with holes), without geopandas' redraws."""
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MplPath

    patches = []
    for poly in shapely.orient_polygons(polys):  # holes wind against the shell: nonzero fill
        verts, codes = [], []
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords)
            if len(xy) < 3:
                continue
            verts.append(xy)
            codes.append(np.full(len(xy), MplPath.LINETO, dtype=np.uint8))
            codes[-1][0], codes[-1][-1] = MplPath.MOVETO, MplPath.CLOSEPOLY
        if verts:
            patches.append(PathPatch(MplPath(np.concatenate(verts), np.concatenate(codes))))
    return PatchCollection(patches, match_original=False, **kw)


def _lines(lines: np.ndarray, **kw: Any) -> Any:
    from matplotlib.collections import LineCollection

    return LineCollection([np.asarray(g.coords) for g in lines], capstyle="round",
                          joinstyle="round", **kw)
