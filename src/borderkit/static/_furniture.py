"""Map furniture: title, legend, notes and sources, scale bar, north arrow, inset map.

The title sits above the map and the footer blocks (legend, notes and sources,
attribution box) below it, never over data. The scale bar, north arrow and inset
sit on the map and are added to ``page.obstacles`` so labels keep off them.
The scale bar is the one place that measures ground distances (through
:func:`borderkit.measure.distance`).
"""

from __future__ import annotations

import math
import textwrap
from typing import Any

import numpy as np
import shapely

from ._layers import _dash, _marker, _polygons, _rgba
from ._page import _GAP, _MARGIN, ScaleBar, _halo, _Page
from ._proj import _fit_aspect, _lonlat_box, _project

# ---------------------------------------------------------------- title and footer


def title(page: _Page, w_in: float, h_in: float) -> None:
    """Title and subtitle, top left above the map."""
    x = _MARGIN / w_in
    y = 1 - _MARGIN / h_in
    shown = page.text(page.spec.title)
    lines = page.title_lines  # wrapped to the page by _frame.title_room
    drawn = page.text("\n".join(lines)) if len(lines) > 1 else shown
    page.fig.text(x, y, drawn, ha="left", va="top", fontsize=16, linespacing=1.2,
                  fontweight="bold", color="#111111", gid="bk-title")
    page.info.title = shown.strip() or None  # the PDF/SVG Title: the text as drawn
    if page.spec.subtitle:
        below = 0.36 + 16 * 1.2 / 72 * max(len(lines) - 1, 0)
        sub = page.text("\n".join(page.subtitle_lines or [page.spec.subtitle]))
        page.fig.text(x, y - below / h_in, sub, ha="left", va="top", fontsize=11,
                      linespacing=1.2, color="#444444", gid="bk-subtitle")


def _as_list(value: Any) -> list[Any]:
    """Notes and sources: one string is one item (not one item per character)."""
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _footer_text(page: _Page, w_in: float) -> tuple[list[str], list[str]]:
    """Wrapped lines of the notes and sources, and of the attribution box."""
    chars = max(int((w_in - 2 * _MARGIN) * 72 / (7.5 * 0.57)), 40)
    lines: list[str] = []
    for note in _as_list(page.spec.notes):
        lines += textwrap.wrap(str(note), chars) or [""]
    sources = [str(src) for src in _as_list(page.spec.sources)]
    if len(sources) == 1:
        lines += textwrap.wrap(f"Source: {sources[0]}", chars)
    elif sources:
        lines.append("Sources:")
        for i, src in enumerate(sources, start=1):
            lines += textwrap.wrap(f"{i}. {src}", chars, subsequent_indent="    ")
    attribution = [str(a) for a in page.r.attribution if str(a).strip()]
    small = max(int((w_in - 2 * _MARGIN) * 72 / (6 * 0.57)) - 2, 40)
    boxed = textwrap.wrap("Map data: " + "; ".join(attribution), small) if attribution else []
    return lines, boxed


def footer(page: _Page, w_in: float) -> list[tuple[Any, float]]:
    """Legend, notes and sources, attribution box: below the map, never over data.

    Returns each block with its measured height in inches; :func:`place_footer`
    positions them once the figure height is known.
    """
    fig = page.fig
    blocks: list[Any] = []
    entries = _legend_handles(page) if page.spec.legend else []
    if entries:
        ncol = max(int((w_in - 2 * _MARGIN) / 2.0), 1)
        leg = fig.legend([h for h, _ in entries], [page.text(t) for _, t in entries],
                         loc="upper left", ncol=ncol, fontsize=7.5, frameon=False,
                         handlelength=2.2, columnspacing=1.6, borderaxespad=0.0,
                         borderpad=0.0)
        leg.set_gid("bk-legend")
        blocks.append(leg)
    lines, boxed = _footer_text(page, w_in)
    if lines:
        blocks.append(fig.text(0, 0, page.text("\n".join(lines)), ha="left", va="top",
                               fontsize=7.5, color="#333333", linespacing=1.35,
                               gid="bk-notes"))
    if boxed:
        blocks.append(fig.text(0, 0, page.text("\n".join(boxed)), ha="left", va="top",
                               fontsize=6, color="#444444", linespacing=1.3,
                               gid="bk-attribution",
                               bbox={"boxstyle": "square,pad=0.35", "facecolor": "#f7f7f7",
                                     "edgecolor": "#bbbbbb", "linewidth": 0.5}))
    renderer = page.canvas.get_renderer()
    out = []
    for block in blocks:
        height = block.get_window_extent(renderer).height / page.dpi
        if block.get_gid() == "bk-attribution":
            height += 2 * 0.35 * 6 / 72  # the box's padding
        out.append((block, height))
    return out


def place_footer(page: _Page, blocks: list[tuple[Any, float]], bottom: float, w_in: float,
                 h_in: float) -> None:
    """Stack the footer *blocks* downwards from *bottom* (inches), left-aligned."""
    x = _MARGIN / w_in
    y = bottom - _GAP
    for block, height in blocks:
        if block.get_gid() == "bk-legend":
            block.set_bbox_to_anchor((x, y / h_in), transform=page.fig.transFigure)
        elif block.get_gid() == "bk-attribution":
            block.set_position((x + 0.035 / w_in, (y - 0.035) / h_in))
        else:
            block.set_position((x, y / h_in))
        y -= height + _GAP


def _legend_handles(page: _Page) -> list[tuple[Any, str]]:
    """Legend handles and labels of the layers drawn with features, as the web map has."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    names = {lyr.name for lyr in page.r.layers if lyr.show and len(lyr.frame)}
    shown = {lyr.name for lyr in page.r.layers if lyr.show}
    out: list[tuple[Any, str]] = []
    group = None
    for label, st in page.r.legend_entries():
        # every class of a layer coloured by a column is listed, empty ones too
        if label not in (shown if "legend_group" in st else names):
            continue
        if st.get("legend_group") != group:  # that layer's title, then its classes
            group = st.get("legend_group")
            if group is not None:
                out.append((Line2D([], [], linestyle="none"), str(group)))
        if group is not None:
            label = st.get("legend_label", label)
        lw = float(st.get("weight") or 0) * page.px_pt
        ls = _dash(st.get("dash"), page.px_pt)
        h: Any
        if st["geom"] == "polygon":
            h = Patch(facecolor=_rgba(st.get("fill"), float(st.get("fill_opacity", 1)))
                      if st.get("fill") else "none", edgecolor=_rgba(st["color"]),
                      linewidth=lw, linestyle=ls)
        elif st["geom"] == "line":
            h = Line2D([], [], color=st["color"], linewidth=lw, linestyle=ls)
        else:
            marker, size = _marker(st, page.px_pt)
            h = Line2D([], [], linestyle="none", marker=marker, markersize=min(size, 9),
                       markerfacecolor=_rgba(st.get("fill") or st["color"]),
                       markeredgecolor=_rgba(st["color"]), markeredgewidth=lw)
        out.append((h, str(label)))
    return out


# ---------------------------------------------------------------- scale bar, north arrow


def _ground(page: _Page, x: float, y: float, length: float) -> float:
    """Geodesic metres along a horizontal map segment of *length* centred on (x, y)."""
    from .. import measure

    lon, lat = page.proj.lonlat([x - length / 2, x + length / 2], [y, y])
    metres: Any = measure.distance((float(lon[0]), float(lat[0])),
                                   (float(lon[1]), float(lat[1])))
    return float(metres)


def scale_bar(page: _Page) -> None:
    """Bars in km and nmi, bottom left, true on the ground at the map centre."""
    x0, y0, x1, y1 = page.extent
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    width = x1 - x0
    probe = width / 10
    m_per_unit = _ground(page, cx, cy, probe) / probe
    if not (m_per_unit > 0 and math.isfinite(m_per_unit)):
        page.report.append("scale bar left out: the projection has no scale at the centre")
        return
    xs = x0 + 0.035 * width
    height = y1 - y0
    ys = [y0 + 0.075 * height, y0 + 0.035 * height]
    tick = 0.008 * height
    for (unit, factor), y in zip((("km", 1000.0), ("nmi", 1852.0)), ys, strict=True):
        value = _nice(0.22 * width * m_per_unit / factor)
        metres = value * factor
        length = metres / m_per_unit
        for _ in range(4):  # the scale varies along the bar: converge on the exact length
            length *= metres / _ground(page, cx, cy, length)
        bar = ScaleBar(unit=unit, value=value, metres=metres, x0=xs, x1=xs + length, y=y)
        page.info.scale_bars.append(bar)
        _bar(page, bar, tick)
        label = f"{_fmt_num(value)} {unit}"
        txt = page.ax.text(bar.x1 + 0.006 * width, y, page.text(label), ha="left",
                           va="center", fontsize=7, zorder=202, gid=f"bk-scalebar-{unit}-label")
        txt.set_path_effects(_halo())
        page.obstacles.append(("scale", (bar.x0, y - 2 * tick, bar.x1, y + 2 * tick)))
        page.obstacles.append(txt)
    page.ax.text(xs, ys[0] + 3 * tick, page.text("scale true at map centre"), ha="left",
                 va="bottom", fontsize=5.5, color="#444444", zorder=202,
                 path_effects=_halo())


def _bar(page: _Page, bar: ScaleBar, tick: float) -> None:
    """One bar: black, its right half white inside, ticks at both ends and the middle."""
    y, length, lw = bar.y, bar.length, 2.2
    page.ax.plot([bar.x0, bar.x1], [y, y], color="#111111", linewidth=lw,
                 solid_capstyle="butt", zorder=200, gid=f"bk-scalebar-{bar.unit}")
    page.ax.plot([bar.x0 + length / 2, bar.x1], [y, y], color="white",
                 linewidth=lw * 0.45, solid_capstyle="butt", zorder=201)
    for t in (bar.x0, bar.x0 + length / 2, bar.x1):
        page.ax.plot([t, t], [y - tick, y + tick], color="#111111", linewidth=0.8,
                     zorder=201)


def _nice(value: float) -> float:
    """The largest 1, 2 or 5 x 10**k not above *value*."""
    if not value > 0:
        return 1.0
    exp = math.floor(math.log10(value))
    for m in (5, 2, 1):
        if m * 10.0**exp <= value * (1 + 1e-9):
            return float(f"{m * 10.0**exp:.12g}")
    return 10.0**exp


def _fmt_num(value: float) -> str:
    return f"{value:,.0f}" if value >= 1 else f"{value:g}"


def north_arrow(page: _Page) -> None:
    """An arrow to true north at the map centre (grid convergence applied), top right."""
    lon, lat = page.info.centre
    d = 0.01 if lat < 89 else -0.01
    x, y = page.proj.xy([lon, lon], [lat, lat + d])
    dx, dy = float(x[1] - x[0]) * np.sign(d), float(y[1] - y[0]) * np.sign(d)
    angle = math.degrees(math.atan2(dx, dy))
    page.info.north_angle_deg = angle
    rad = math.radians(angle)
    size = 26.0
    height_pt = page.ax.get_position().height * page.fig.get_size_inches()[1] * 72
    tip = (0.96, 1 - 24.0 / height_pt)
    arrow = page.ax.annotate(
        "", xy=tip, xycoords="axes fraction",
        xytext=(-size * math.sin(rad), -size * math.cos(rad)), textcoords="offset points",
        arrowprops={"arrowstyle": "-|>,head_width=0.35,head_length=0.9", "color": "#111111",
                    "lw": 1.6, "shrinkA": 0, "shrinkB": 0},
        zorder=210, gid="bk-north-arrow")
    n = page.ax.annotate(
        page.text("N"), xy=tip, xycoords="axes fraction",
        xytext=(8 * math.sin(rad), 8 * math.cos(rad)), textcoords="offset points",
        ha="center", va="center", fontsize=9, fontweight="bold", zorder=211,
        path_effects=_halo(), gid="bk-north-label")
    page.obstacles += [arrow, n]


# ---------------------------------------------------------------- inset


def inset(page: _Page) -> None:
    """A locator map, top left: the outlines around the map with its extent in red, and
    the names of the countries in the map where their outline has room."""
    import geopandas as gpd

    x0, y0, x1, y1 = page.extent
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half = max(x1 - x0, y1 - y0) / 2
    half = min(max(half * 5, 900_000.0), 4_000_000.0)
    box = (cx - half, cy - half, cx + half, cy + half)
    outlines = page.r.inset
    if outlines is None:
        return
    names = outlines["name"] if "name" in outlines.columns else None
    try:
        clip = _lonlat_box(page.proj, box, 0.1)
        frame = _project(gpd.GeoDataFrame({"name": names}, geometry=outlines.geometry,
                                          crs="EPSG:4326"), page.proj, clip)
    except Exception as err:  # noqa: BLE001 - the inset is decoration
        page.report.append(f"inset map left out: {err}")
        return
    if len(frame):
        # zoom the locator to the outlines it has (a pack's cover its region only),
        # keeping the map's own extent inside it
        fx0, fy0, fx1, fy1 = frame.total_bounds
        bx0, by0 = max(min(fx0, x0), box[0]), max(min(fy0, y0), box[1])
        bx1, by1 = min(max(fx1, x1), box[2]), min(max(fy1, y1), box[3])
        pad = 0.03 * max(bx1 - bx0, by1 - by0)
        box = (bx0 - pad, by0 - pad, bx1 + pad, by1 + pad)
    box = _fit_aspect(box, 1.25)
    ins, w = _inset_axes(page)
    polys = np.array([])
    if len(frame):
        tol = (box[2] - box[0]) / (w * page.fig.get_size_inches()[0] * 72 * 2)
        geoms = shapely.simplify(frame.geometry.to_numpy(), tol, preserve_topology=True)
        parts = shapely.get_parts(geoms)
        polys = parts[(shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)]
        ins.add_collection(_polygons(polys, facecolor="#fbf8ef", edgecolor="#8a8a8a",
                                     linewidth=0.3), autolim=False)
        frame = frame.set_geometry(list(geoms))
    ins.add_patch(_rect(x0, y0, x1, y1))
    ins.set_xlim(box[0], box[2])
    ins.set_ylim(box[1], box[3])
    ins.set_aspect("equal", adjustable="box")
    ins.set_zorder(220)
    if len(frame):
        _inset_names(page, ins, frame, (x0, y0, x1, y1))
    page.obstacles.append(ins)


def _inset_names(page: _Page, ins: Any, frame: Any, extent: tuple[float, ...],
                 most: int = 4) -> None:
    """Name the countries in the map's *extent*, largest first, each inside its outline
    and clear of the red frame and the other names; a name with no room is left out."""
    renderer = page.canvas.get_renderer()
    to_data = ins.transData.inverted()
    view = shapely.box(*extent)
    taken = [view]
    geoms = frame.geometry.to_numpy()
    shown = 0
    for i in np.argsort(-shapely.area(geoms)):
        name = frame["name"].iloc[i]
        if shown >= most or not isinstance(name, str) or not shapely.intersects(geoms[i], view):
            continue
        part = max(shapely.get_parts(geoms[i]), key=lambda g: float(g.area))
        txt = ins.text(0, 0, page.text(name), ha="center", va="center", fontsize=5.5,
                       color="#333333", zorder=6, clip_on=True, path_effects=_halo(),
                       gid="bk-inset-name")
        (a, b), (c, d) = to_data.transform(txt.get_window_extent(renderer).get_points())
        spot = _room(part, abs(c - a), abs(d - b), taken)
        if spot is None:
            txt.remove()
            continue
        txt.set_position((spot.centroid.x, spot.centroid.y))
        taken.append(spot)
        shown += 1


def _room(part: Any, w: float, h: float, taken: list[Any]) -> Any:
    """A w x h box inside *part* clear of *taken*, nearest the part's inner point."""
    inner = shapely.point_on_surface(part)
    px0, py0, px1, py1 = part.bounds
    spots = [(inner.x, inner.y)]
    if px1 - px0 > w and py1 - py0 > h:
        grid = [(float(x), float(y)) for x in np.linspace(px0 + w / 2, px1 - w / 2, 7)
                for y in np.linspace(py0 + h / 2, py1 - h / 2, 7)]
        spots += sorted(grid, key=lambda p: (p[0] - inner.x) ** 2 + (p[1] - inner.y) ** 2)
    for x, y in spots:
        box = shapely.box(x - w / 2, y - h / 2, x + w / 2, y + h / 2)
        if box.intersection(part).area >= 0.8 * box.area and \
                not any(box.intersects(t) for t in taken):
            return box
    return None


def _inset_axes(page: _Page) -> tuple[Any, float]:
    """The inset's axes in the map's top left corner, at most 2.2 in wide, 5:4, and its
    width as a fraction of the figure's."""
    pos = page.ax.get_position()
    fw, fh = page.fig.get_size_inches()
    w = min(pos.width * 0.2, 2.2 / fw)
    h = w * fw / fh / 1.25
    ins = page.fig.add_axes((pos.x0 + 0.008 * pos.width, pos.y1 - h - 0.012 * pos.height,
                             w, h), gid="bk-inset")
    ins.set_facecolor("#f4f7f9")
    ins.set_xticks([])
    ins.set_yticks([])
    return ins, w


def _rect(x0: float, y0: float, x1: float, y1: float) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor="#c0392b",
                     linewidth=1.2, zorder=5)
