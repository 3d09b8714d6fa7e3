"""What every drawing step shares: the page being drawn and what it reports.

:class:`_Page` holds the figure, the map axes, the projection and the lists the
steps add to (texts drawn, obstacles for labels, marker positions, the report);
:class:`StaticInfo` is what :func:`borderkit.static.render_static` hands back as
``fig.borderkit``.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from typing import Any

import pyproj

from ..errors import ExportError, RepairWarning
from ..spec import ResolvedSpec
from ._fonts import _UNDRAWABLE
from ._proj import _Proj

# layout, in inches
_MARGIN = 0.25
_GAP = 0.1  # between the blocks below the map

#: Paper sizes of ``render_static(page=...)``, portrait (width, height) in millimetres;
#: ``"A4-landscape"`` turns the page, ``"column"`` is a brief's column (:data:`COLUMN_MM`).
PAGES: dict[str, tuple[float, float]] = {"a4": (210.0, 297.0), "a3": (297.0, 420.0),
                                         "letter": (215.9, 279.4)}
#: Width of a brief's text column in millimetres (``page="column"``); the height follows
#: the map's shape.
COLUMN_MM = 85.0
_MM = 1 / 25.4
_WIDTH_MM = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*mm\s*$", re.I)


def page_size(page: Any) -> tuple[float, float | None]:
    """(width, height) in inches of a page name; height None when the map's shape sets it.

    Names: ``A4``, ``A3``, ``Letter`` (portrait), each with ``-portrait`` or
    ``-landscape``; ``column`` (85 mm wide); or a width in millimetres, ``"120mm"``.

    Raises
    ------
    ExportError
        If *page* is none of those.

    Examples
    --------
    >>> [round(v * 72, 2) for v in page_size("A4")]
    [595.28, 841.89]
    >>> page_size("column")[1] is None
    True
    """
    name = str(page).strip().lower().replace("_", "-").replace(" ", "-")
    paper, _, turn = name.partition("-")
    if paper in PAGES and turn in ("", "portrait", "landscape"):
        w, h = PAGES[paper]
        if turn == "landscape":
            w, h = h, w
        return w * _MM, h * _MM
    if name == "column":
        return COLUMN_MM * _MM, None
    match = _WIDTH_MM.match(name)
    if match and 40.0 <= float(match.group(1)) <= 2000.0:
        return float(match.group(1)) * _MM, None
    names = ", ".join(f"{p.capitalize() if p != 'a4' and p != 'a3' else p.upper()}"
                      f"[-landscape]" for p in PAGES)
    raise ExportError(f"page={page!r} is not a page size; use one of {names}, 'column' "
                      f"({COLUMN_MM:g} mm wide) or a width in millimetres such as '120mm' "
                      "(40 to 2000)")


@dataclass
class ScaleBar:
    """One bar of the scale bar: ``value`` ``unit`` long on the ground (``metres``).

    ``x0``, ``x1`` and ``y`` are the bar's ends in map units (the figure's CRS);
    ``length`` is ``x1 - x0``. The length is exact at the map centre.
    """

    unit: str
    value: float
    metres: float
    x0: float
    x1: float
    y: float

    @property
    def length(self) -> float:
        return self.x1 - self.x0


@dataclass
class StaticInfo:
    """What :func:`render_static` drew, attached to the figure as ``fig.borderkit``.

    ``crs`` is the map's CRS, ``extent`` its ``(x0, y0, x1, y1)`` in map units,
    ``centre`` the map centre as ``(lon, lat)``, ``north_angle_deg`` the angle of
    true north at the centre, clockwise from the map's up direction (the grid
    convergence). ``labels`` maps each drawn label to its bounding box in display
    pixels; ``report`` lists what was left out or could not be placed; ``title``
    is the brief's title as drawn; ``page`` the page size asked for (``"A4"``, ...);
    ``metadata`` what the PDF and SVG files carry (Title, Subject, Author, Keywords).
    """

    crs: pyproj.CRS
    extent: tuple[float, float, float, float]
    centre: tuple[float, float]
    north_angle_deg: float = 0.0
    scale_bars: list[ScaleBar] = field(default_factory=list)
    labels: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)
    fonts: list[str] = field(default_factory=list)
    report: list[str] = field(default_factory=list)
    title: str | None = None
    page: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


def _halo() -> list[Any]:
    from matplotlib import patheffects

    return [patheffects.withStroke(linewidth=2.4, foreground="white")]


class _Page:
    """One print map being drawn, shared by the steps that draw it.

    Set at once: the resolved spec (``r``) and its ``spec``, ``dpi``, ``proj``,
    the font ``families`` and the lists the steps add to. Set by the frame steps
    (:mod:`._frame`) before anything is drawn: ``fig``, ``canvas``, ``px_pt``
    (points per CSS pixel of the web map), ``ax``, ``extent`` (map units), ``clip``
    (lon/lat), ``tolerance`` (map units) and ``info``.
    """

    fig: Any
    canvas: Any
    ax: Any
    px_pt: float
    extent: tuple[float, float, float, float]
    clip: tuple[float, ...]
    tolerance: float
    info: StaticInfo

    def __init__(self, resolved: ResolvedSpec, *, dpi: float, proj: _Proj,
                 families: list[str]) -> None:
        self.r = resolved
        self.spec = resolved.spec
        self.dpi = dpi
        self.proj = proj
        self.families = families
        self.info_page: str | None = None  # the page size asked for, for messages
        self.title_lines: list[str] = []  # the title wrapped to the page (_frame.title_room)
        self.subtitle_lines: list[str] = []
        self.report: list[str] = []
        self.texts: list[str] = []
        self.obstacles: list[Any] = []  # artists and map boxes labels must avoid
        self.points: list[tuple[float, float, float]] = []  # x, y, radius_pt of markers

    def text(self, s: str) -> str:
        """*s* without the characters print maps cannot draw (reported), noted as drawn.

        Call it from a step that ``_Renderer.draw`` calls: the warning's stack level
        points past text, the step, draw and render_static to render_static's caller.
        """
        bad = _UNDRAWABLE.findall(s)
        if bad:
            clean = _UNDRAWABLE.sub("", s)
            codes = ", ".join(dict.fromkeys(f"U+{ord(ch):04X}" for ch in bad))
            msg = (f"removed {len(bad)} undrawable character(s) ({codes}) from the text "
                   f"{s!r}: print maps cannot draw them")
            if msg not in self.report:
                self.report.append(msg)
                warnings.warn(msg, RepairWarning, stacklevel=5)
            s = clean
        self.texts.append(s)
        return s
