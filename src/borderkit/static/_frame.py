"""The figure frame: figure size, the map axes, and the map extent in the projection.

The figure is ``w_in`` inches wide: the title block on top (:func:`title_room`),
the map, then the footer blocks (legend, notes, attribution) whose heights are
measured first. Without a ``figsize`` the height follows the spec's
``width`` x ``height``; the extent is the spec's bounds grown to the map's aspect.
"""

from __future__ import annotations

from typing import Any

from ..errors import ExportError
from ._page import _GAP, _MARGIN, StaticInfo, _Page
from ._proj import _finite_box, _fit_aspect, _lonlat_box, _ring


def new_figure(page: _Page, w_in: float, figsize: tuple[float, float | None] | None) -> None:
    """A figure *w_in* inches wide (not registered with pyplot), with its Agg canvas.

    *figsize*'s height may be None (a page of a given width, the height from the
    map's shape: :func:`fit_height`).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    px_pt = w_in * 72.0 / max(page.spec.width, 1)  # points per CSS pixel of the web map
    page.px_pt = min(max(px_pt, 0.35), 1.5)
    height = figsize[1] if figsize is not None else None
    fig = Figure(figsize=(w_in, float(height) if height is not None else 8.0), dpi=page.dpi)
    page.canvas = FigureCanvasAgg(fig)
    page.fig = fig


def title_room(page: _Page) -> float:
    """Inches above the map: margin, title and the subtitle if there is one.

    A title or subtitle wider than the page (a column) is wrapped into
    ``page.title_lines`` / ``page.subtitle_lines``.
    """
    avail = (page.fig.get_size_inches()[0] - 2 * _MARGIN) * 72  # points
    title, sub = str(page.spec.title), str(page.spec.subtitle or "")
    page.title_lines = _wrap(title, page.families, 16, "bold", avail)
    page.subtitle_lines = _wrap(sub, page.families, 11, "normal", avail) if sub else []
    extra = _TITLE_LINE * (len(page.title_lines) - 1)
    sub_h = 0.26 + _SUB_LINE * (len(page.subtitle_lines) - 1) if sub else 0.0
    return _MARGIN + 0.34 + extra + sub_h


def _wrap(text: str, families: list[str], size: float, weight: str, width: float) -> list[str]:
    """*text* in lines at most *width* points wide (measured), broken between words."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    prop = FontProperties(family=families, size=size, weight=weight)

    def fits(s: str) -> bool:
        return text_to_path.get_text_width_height_descent(s, prop, ismath=False)[0] <= width

    if "\n" in text or fits(text):
        return [text]
    lines: list[str] = []
    for word in text.split():
        if lines and fits(f"{lines[-1]} {word}"):
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [text]


_TITLE_LINE = 16 * 1.2 / 72  # inches per extra line of the title
_SUB_LINE = 11 * 1.2 / 72


def footer_room(footer: list[tuple[Any, float]]) -> float:
    """Inches below the map: margin and the footer blocks with the gaps between them."""
    return _MARGIN + sum(h for _, h in footer) + _GAP * (len(footer) + 1)


def fit_height(page: _Page, w_in: float, top: float, bottom: float,
               figsize: tuple[float, float | None] | None) -> tuple[float, float, float]:
    """Figure height, map width and map height in inches; sizes the figure.

    With a fixed height (a page size) the map takes what the title and footer leave.

    Raises
    ------
    ExportError
        If *figsize* leaves less than an inch for the map.
    """
    spec = page.spec
    if figsize is not None and figsize[1] is not None:
        h_in = float(figsize[1])
    else:
        h_in = (w_in - 2 * _MARGIN) * max(spec.height, 1) / max(spec.width, 1) + top + bottom
        page.fig.set_size_inches(w_in, h_in)
    map_w, map_h = w_in - 2 * _MARGIN, h_in - top - bottom
    if map_w <= 1 or map_h <= 1:
        what = f"page={page.info_page!r}" if page.info_page else f"figsize={figsize!r}"
        raise ExportError(f"{what} leaves no room for the map and its notes (legend, notes "
                          "and sources need more than the page); use a larger page or "
                          "shorter notes")
    return h_in, map_w, map_h


def map_axes(page: _Page, rect: tuple[float, float, float, float]) -> None:
    """The map's axes at *rect* (figure fractions): sea-coloured, framed, no ticks."""
    ax = page.fig.add_axes(rect)
    page.ax = ax
    ax.set_facecolor("#f4f7f9")
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ax.spines.values():
        side.set_linewidth(0.8)
        side.set_edgecolor("#333333")


def map_extent(page: _Page, map_w: float, map_h: float) -> None:
    """Extent, clip box and simplify tolerance of a *map_w* x *map_h* inch map.

    Also starts the figure's :class:`StaticInfo` (``fig.borderkit``).
    """
    xs, ys = page.proj.xy(*_ring(*page.r.bounds))
    box = _finite_box(xs, ys, f"the map bounds {tuple(page.r.bounds)}")
    extent = _fit_aspect(box, map_w / map_h)
    page.extent = extent
    page.clip = _lonlat_box(page.proj, extent, 0.25)
    page.tolerance = (extent[2] - extent[0]) / (map_w * 72 * 4)  # map units per 1/4 pt
    clon, clat = page.proj.lonlat((extent[0] + extent[2]) / 2, (extent[1] + extent[3]) / 2)
    page.info = StaticInfo(crs=page.proj.crs, extent=extent,
                           centre=(float(clon), float(clat)), fonts=list(page.families),
                           report=page.report)
    page.fig.borderkit = page.info


def limits(page: _Page) -> None:
    """Show exactly the extent, with equal axes (display angles are map angles)."""
    x0, y0, x1, y1 = page.extent
    page.ax.set_xlim(x0, x1)
    page.ax.set_ylim(y0, y1)
    page.ax.set_aspect("equal", adjustable="box")
    page.ax.apply_aspect()
    page.ax.set_xlabel("")
    page.ax.set_ylabel("")
