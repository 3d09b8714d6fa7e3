"""Print maps without a browser: the brief spec drawn with matplotlib and geopandas.

:func:`render_static` draws a :class:`~borderkit.spec.BriefSpec` (or an already
resolved spec) in a projection suited to the area: a Lambert conformal conic
with standard parallels at 1/6 and 5/6 of the latitude span, centred on the map
(Mercator when the map straddles the equator), or any CRS given with ``crs=``.
The map carries a title, subtitle, legend, a scale bar in km and nmi that is
true at the map centre, a north arrow pointing to true north at the map centre
(the grid convergence is applied), an inset locator map, labels placed so they
do not collide, notes, sources and an attribution box.

Renderers only draw: every geodesic (distance lines, rings, uncertainty circles)
comes computed in the resolved spec. The scale bar alone measures ground
distances, through :func:`borderkit.measure.distance`.

Fonts
-----
Text is set in DejaVu Sans, with a CJK font as fallback for Chinese names
(matplotlib font fallback over ``font.family``). The first installed of
:data:`CJK_FONTS` is used; on Debian/Ubuntu install it with
``apt-get install fonts-noto-cjk``. If a character of the map's text has no glyph
in any of the fonts, a :class:`~borderkit.errors.BorderkitWarning` names the
characters and the install command, and the text is still drawn (with empty
boxes for those characters). Other fonts can be given with ``fonts=[...]``.

Files are written atomically; SVG and PDF output is deterministic (fixed SVG
hash salt, no creation dates).
"""

from __future__ import annotations

import logging
import math
import os
import re
import textwrap
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pyproj
import shapely

from ._atomic import atomic_path
from ._validate import transformer
from .errors import (
    BorderkitError,
    BorderkitWarning,
    CRSError,
    ExportError,
    RenderError,
    RepairWarning,
    SpecError,
)
from .spec import BriefSpec, ResolvedLayer, ResolvedSpec, display_text, label_anchor

log = logging.getLogger(__name__)

__all__ = [
    "render_static",
    "save_figure",
    "auto_crs",
    "font_families",
    "StaticInfo",
    "ScaleBar",
    "CJK_FONTS",
    "FORMATS",
]

#: Output formats of :func:`render_static` and :func:`save_figure`.
FORMATS: tuple[str, ...] = ("png", "svg", "pdf")

#: Latin, Cyrillic (with the Tajik letters) and Greek: always first in the font list.
BASE_FONTS: tuple[str, ...] = ("DejaVu Sans",)

#: CJK fonts tried in this order for Chinese (and Japanese/Korean) names.
CJK_FONTS: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Noto Sans CJK TC",
    "Noto Sans CJK JP",
    "Noto Sans CJK KR",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Droid Sans Fallback",
    "AR PL UMing CN",
)

_INSTALL_FONTS = "apt-get install fonts-noto-cjk fonts-dejavu-core"

_MARKERS = {"circle": "o", "star": "*", "square": "s", "triangle": "^", "diamond": "D",
            "cross": "X"}
# markers whose ink is smaller than their nominal size
_MARKER_GAIN = {"*": 1.45, "^": 1.15, "X": 1.1, "D": 0.9}

_METADATA = {"png": None, "svg": {"Date": None}, "pdf": {"CreationDate": None}}

_RC: dict[str, Any] = {
    "svg.hashsalt": "borderkit",
    "svg.fonttype": "path",
    "pdf.fonttype": 3,  # Type 3 subsets: 42 takes seconds to subset the CJK .ttc
    "lines.scale_dashes": False,
    "axes.unicode_minus": True,
    "path.simplify": True,
    # place names are text, not TeX: "$5 and $10" must not turn into math (and "$x^$" must
    # not stop the drawing)
    "text.parse_math": False,
}

# Characters no font draws and an SVG (XML) file cannot hold: the C0/C1 control characters
# except tab and newline, U+FEFF (which also stops matplotlib's PDF writer), U+FFFE/U+FFFF
# and lone surrogates. They are removed from the print map's text, with a report.
_UNDRAWABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff\ufffe\uffff\ud800-\udfff]")

# layout, in inches
_MARGIN = 0.25
_GAP = 0.1  # between the blocks below the map


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
    pixels; ``report`` lists what was left out or could not be placed.
    """

    crs: pyproj.CRS
    extent: tuple[float, float, float, float]
    centre: tuple[float, float]
    north_angle_deg: float = 0.0
    scale_bars: list[ScaleBar] = field(default_factory=list)
    labels: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)
    fonts: list[str] = field(default_factory=list)
    report: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- fonts


@lru_cache(maxsize=32)
def _font_path(family: str) -> str | None:
    from matplotlib import font_manager

    try:
        return font_manager.findfont(
            font_manager.FontProperties(family=family), fallback_to_default=False
        )
    except ValueError:
        return None


@lru_cache(maxsize=32)
def _charset(path: str) -> frozenset[int]:
    from matplotlib.ft2font import FT2Font

    return frozenset(FT2Font(path).get_charmap())


def font_families(fonts: Sequence[str] | None = None) -> list[str]:
    """The font family list used for a map's text, first match wins per glyph.

    Parameters
    ----------
    fonts : sequence of str, optional
        Families to use instead of the default: DejaVu Sans plus the first
        installed font of :data:`CJK_FONTS`.

    Returns
    -------
    list of str
        The installed families, in fallback order. Families that are not
        installed are left out (with a log message).

    Examples
    --------
    >>> font_families()[0]
    'DejaVu Sans'
    """
    wanted = list(fonts) if fonts is not None else [*BASE_FONTS, *_first_cjk()]
    found = [f for f in wanted if _font_path(f) is not None]
    for f in wanted:
        if f not in found:
            log.info("font %r is not installed; left out of the font list", f)
    return found or ["DejaVu Sans"]


def _first_cjk() -> list[str]:
    for fam in CJK_FONTS:
        if _font_path(fam) is not None:
            return [fam]
    log.info("no CJK font found (tried %s); install one with: %s", ", ".join(CJK_FONTS),
             _INSTALL_FONTS)
    return []


def _missing_glyphs(texts: Iterable[str], families: Sequence[str]) -> list[str]:
    chars = {ch for t in texts for ch in t if not ch.isspace() and ord(ch) >= 32}
    covered: set[int] = set()
    for fam in families:
        path = _font_path(fam)
        if path:
            covered |= _charset(path)
    return sorted(ch for ch in chars if ord(ch) not in covered)


# --------------------------------------------------------------------------- projection


def auto_crs(bounds: Sequence[float], /) -> pyproj.CRS:
    """A conformal projection suited to a lon/lat box.

    Lambert conformal conic with standard parallels at 1/6 and 5/6 of the
    latitude span, centred on the box; Mercator centred on the box when the
    standard parallels would straddle the equator.

    Parameters
    ----------
    bounds : (lon_min, lat_min, lon_max, lat_max)
        Degrees.

    Returns
    -------
    pyproj.CRS
        A projected CRS in metres on the WGS84 datum.

    Raises
    ------
    CRSError
        If the bounds are not finite or not in order.

    Examples
    --------
    >>> crs = auto_crs((67.0, 36.5, 75.5, 41.2))
    >>> crs.coordinate_operation.method_name
    'Lambert Conic Conformal (2SP)'
    >>> [round(p.value, 3) for p in crs.coordinate_operation.params][:4]
    [38.85, 71.25, 37.283, 40.417]
    """
    try:
        x0, y0, x1, y1 = (float(v) for v in bounds)
    except (TypeError, ValueError) as err:
        raise CRSError(f"bounds must be (lon_min, lat_min, lon_max, lat_max), got {bounds!r}"
                       ) from err
    if not all(math.isfinite(v) for v in (x0, y0, x1, y1)) or x1 < x0 or y1 < y0:
        raise CRSError(f"bounds must be finite (lon_min, lat_min, lon_max, lat_max), got "
                       f"{tuple(bounds)!r}")
    lon0 = (x0 + x1) / 2
    lon0 = ((lon0 + 180.0) % 360.0) - 180.0
    lat0 = (y0 + y1) / 2
    span = max(y1 - y0, 1e-3)
    lat1 = max(min(y0 + span / 6, 89.0), -89.0)
    lat2 = max(min(y0 + 5 * span / 6, 89.0), -89.0)
    if lat1 * lat2 <= 0 or min(abs(lat1), abs(lat2)) < 0.5:
        proj = f"+proj=merc +lon_0={lon0:.6f} +lat_ts=0"
    else:
        proj = (f"+proj=lcc +lat_1={lat1:.6f} +lat_2={lat2:.6f} +lat_0={lat0:.6f} "
                f"+lon_0={lon0:.6f}")
    return pyproj.CRS.from_proj4(proj + " +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs")


def _as_crs(crs: Any) -> pyproj.CRS:
    try:
        out = pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError as err:
        raise CRSError(f"crs={crs!r} is not a CRS pyproj understands: {err}") from err
    return out


class _Proj:
    """Forward/inverse transforms between lon/lat and the map CRS."""

    def __init__(self, crs: pyproj.CRS) -> None:
        self.crs = crs
        key = crs.to_wkt()
        self.fwd = transformer("EPSG:4326", key)
        self.inv = transformer(key, "EPSG:4326")

    def xy(self, lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
        x, y = self.fwd.transform(np.asarray(lon, float), np.asarray(lat, float))
        return np.asarray(x, float), np.asarray(y, float)

    def lonlat(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        lon, lat = self.inv.transform(np.asarray(x, float), np.asarray(y, float))
        return np.asarray(lon, float), np.asarray(lat, float)


def _ring(x0: float, y0: float, x1: float, y1: float, n: int = 64) -> tuple[np.ndarray, ...]:
    t = np.linspace(0.0, 1.0, n)
    xs = np.concatenate([x0 + (x1 - x0) * t, np.full(n, x1), x1 - (x1 - x0) * t, np.full(n, x0)])
    ys = np.concatenate([np.full(n, y0), y0 + (y1 - y0) * t, np.full(n, y1), y1 - (y1 - y0) * t])
    return xs, ys


def _finite_box(xs: np.ndarray, ys: np.ndarray, what: str) -> tuple[float, float, float, float]:
    ok = np.isfinite(xs) & np.isfinite(ys)
    if not ok.any():
        raise CRSError(f"{what} cannot be shown in this projection; choose another crs=")
    return float(xs[ok].min()), float(ys[ok].min()), float(xs[ok].max()), float(ys[ok].max())


def _fit_aspect(box: tuple[float, float, float, float],
                aspect: float) -> tuple[float, float, float, float]:
    """Grow *box* (x0, y0, x1, y1) around its centre to width/height == aspect."""
    x0, y0, x1, y1 = box
    w, h = max(x1 - x0, 1e-9), max(y1 - y0, 1e-9)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    if w / h < aspect:
        w = h * aspect
    else:
        h = w / aspect
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


def _lonlat_box(proj: _Proj, extent: Sequence[float], grow: float) -> tuple[float, ...]:
    """A lon/lat box covering a map extent, grown by a fraction of its size."""
    lon, lat = proj.lonlat(*_ring(extent[0], extent[1], extent[2], extent[3]))
    x0, y0, x1, y1 = _finite_box(lon, lat, "the map extent")
    dx, dy = (x1 - x0) * grow + 0.5, (y1 - y0) * grow + 0.5
    return max(x0 - dx, -180.0), max(y0 - dy, -89.9), min(x1 + dx, 180.0), min(y1 + dy, 89.9)


def _project(frame: Any, proj: _Proj, clip: Sequence[float]) -> Any:
    """Clip a lon/lat frame to a box and project it; empty results are dropped."""
    geoms = shapely.clip_by_rect(frame.geometry.to_numpy(), *clip)
    keep = ~shapely.is_empty(geoms)
    out = frame[keep].copy()
    out = out.set_geometry(geoms[keep]).to_crs(proj.crs)
    return out


# --------------------------------------------------------------------------- entry points


def render_static(
    spec: Any,
    path: str | os.PathLike[str] | None = None,
    /,
    *,
    dpi: float = 300,
    crs: Any = None,
    format: str | None = None,  # noqa: A002 - matplotlib's name
    figsize: tuple[float, float] | None = None,
    fonts: Sequence[str] | None = None,
) -> Any:
    """Draw a brief map for print: PNG, SVG or PDF, without a browser.

    Parameters
    ----------
    spec : BriefSpec, ResolvedSpec, BriefMap or str
        The brief: a spec, a resolved spec, an interactive map (its spec is
        used) or a preset name (:func:`borderkit.preset`).
    path : str or path-like, optional
        Where to write the map; the format comes from the suffix (``.png``,
        ``.svg``, ``.pdf``) unless *format* is given. Written atomically.
    dpi : float
        Resolution of PNG output (300 for print); also the figure's dpi.
    crs : CRS-like, optional
        The map projection (anything :class:`pyproj.CRS` accepts). Default:
        :func:`auto_crs` of the spec's bounds.
    format : {"png", "svg", "pdf"}, optional
        Output format when it cannot be read from *path*.
    figsize : (width, height), optional
        Figure size in inches. Default: 10 in wide, the map area shaped like
        the spec's ``width`` x ``height``, plus room for title and notes.
    fonts : sequence of str, optional
        Font families in fallback order (see :func:`font_families`).

    Returns
    -------
    matplotlib.figure.Figure
        The figure (not registered with pyplot). ``fig.borderkit`` is a
        :class:`StaticInfo` with the CRS, extent (map units), scale bars, north
        angle, label boxes and a report.

    Raises
    ------
    SpecError
        If *spec* is not a brief spec or preset name.
    CRSError
        If *crs* is unknown or cannot show the area.
    ExportError
        If the format is unsupported or the file cannot be written.

    Warns
    -----
    BorderkitWarning
        When a character has no glyph in any installed font (install
        ``fonts-noto-cjk`` for Chinese names).

    Examples
    --------
    >>> import geopandas as gpd, shapely, borderkit as bk
    >>> pts = gpd.GeoDataFrame({"name": ["Dushanbe", "Хоруғ"]},
    ...     geometry=[shapely.Point(68.78, 38.56), shapely.Point(71.55, 37.49)], crs=4326)
    >>> spec = bk.BriefSpec(title="Two towns", layers=[bk.Layer(pts, kind="city", labels=True)],
    ...                     uncertainty=False, inset=False)
    >>> fig = bk.render_static(spec, dpi=72)
    >>> fig.borderkit.scale_bars[0].unit
    'km'
    """
    fmt = _format_for(path, format)
    dpi = _check_dpi(dpi)
    crs = _as_crs(crs) if crs is not None else None
    resolved = _resolved(spec)
    import matplotlib

    families = font_families(fonts)
    with matplotlib.rc_context(_rc(families)):
        with warnings.catch_warnings():
            # our own glyph check below reports missing glyphs once, with the fix
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from",
                                    category=UserWarning)
            fig = _Renderer(resolved, dpi=dpi, crs=crs, figsize=figsize, families=families).draw()
            if path is not None:
                _save(fig, path, fmt, dpi)
    return fig


def save_figure(
    fig: Any,
    path: str | os.PathLike[str],
    /,
    *,
    format: str | None = None,  # noqa: A002 - matplotlib's name
    dpi: float | None = None,
) -> Path:
    """Write a figure from :func:`render_static` atomically and deterministically.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    path : str or path-like
        Target file; its suffix gives the format unless *format* is given.
    format : {"png", "svg", "pdf"}, optional
        The format.
    dpi : float, optional
        PNG resolution; default: the figure's dpi.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    ExportError
        If the format is unsupported or the file cannot be written.
    """
    import matplotlib

    fmt = _format_for(path, format)
    families = getattr(getattr(fig, "borderkit", None), "fonts", None) or font_families()
    with matplotlib.rc_context(_rc(families)), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from",
                                category=UserWarning)
        return _save(fig, path, fmt, _check_dpi(dpi if dpi is not None else fig.dpi))


def _rc(families: Sequence[str]) -> Any:
    """matplotlib settings for drawing and saving a map (fonts, deterministic output)."""
    return {**_RC, "font.family": list(families)}


def _as_list(value: Any) -> list[Any]:
    """Notes and sources: one string is one item (not one item per character)."""
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _save(fig: Any, path: str | os.PathLike[str], fmt: str, dpi: float) -> Path:
    target = Path(path)
    try:
        with atomic_path(target) as tmp:
            fig.savefig(tmp, format=fmt, dpi=dpi, metadata=_METADATA[fmt])
    except OSError as err:
        raise ExportError(f"cannot write {str(target)!r}: {err.strerror or err}") from err
    except BorderkitError:
        raise
    except Exception as err:  # noqa: BLE001 - matplotlib's backends raise many kinds
        raise RenderError(f"cannot draw {str(target)!r} ({fmt}): {type(err).__name__}: "
                          f"{err}") from err
    log.info("wrote %s", target)
    return target


def _format_for(path: Any, fmt: str | None) -> str:
    if fmt is None and path is not None:
        fmt = Path(path).suffix.lstrip(".").lower() or None
    fmt = (fmt or "png").lower()
    if fmt not in FORMATS:
        where = f"cannot write {str(path)!r}: " if path is not None else ""
        raise ExportError(f"{where}format {fmt!r} is not supported; use one of "
                          f"{', '.join(FORMATS)} (format=... or the file suffix)")
    return fmt


def _check_dpi(dpi: Any) -> float:
    try:
        value = float(dpi)
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value) or value <= 0 or value > 2400:
        raise ExportError(f"dpi must be a positive number up to 2400, got {dpi!r}")
    return value


def _resolved(spec: Any) -> ResolvedSpec:
    if isinstance(spec, ResolvedSpec):
        return spec
    if isinstance(spec, BriefSpec):
        return spec.resolve()
    resolved = getattr(spec, "resolved", None)
    if isinstance(resolved, ResolvedSpec):
        return resolved
    if isinstance(spec, str):
        from . import presets

        return presets.preset(spec).resolve()
    raise SpecError(
        "render_static needs a BriefSpec, a resolved spec, a BriefMap or a preset name, "
        f"not {type(spec).__name__}"
    )


# --------------------------------------------------------------------------- drawing


def _rgba(color: Any, alpha: float = 1.0) -> Any:
    from matplotlib.colors import to_rgba

    return "none" if color in (None, "none") else to_rgba(color, alpha)


class _Renderer:
    def __init__(self, resolved: ResolvedSpec, *, dpi: float, crs: pyproj.CRS | None,
                 figsize: tuple[float, float] | None, families: list[str]) -> None:
        self.r = resolved
        self.spec = resolved.spec
        self.dpi = dpi
        self.proj = _Proj(crs if crs is not None else auto_crs(resolved.bounds))
        self.families = families
        self.figsize = figsize
        self.report: list[str] = []
        self.texts: list[str] = []
        self.obstacles: list[Any] = []  # artists and map boxes labels must avoid

    # ---- layout
    def _footer_text(self, w_in: float) -> tuple[list[str], list[str]]:
        """Wrapped lines of the notes and sources, and of the attribution box."""
        chars = max(int((w_in - 2 * _MARGIN) * 72 / (7.5 * 0.57)), 40)
        lines: list[str] = []
        for note in _as_list(self.spec.notes):
            lines += textwrap.wrap(str(note), chars) or [""]
        sources = [str(src) for src in _as_list(self.spec.sources)]
        if len(sources) == 1:
            lines += textwrap.wrap(f"Source: {sources[0]}", chars)
        elif sources:
            lines.append("Sources:")
            for i, src in enumerate(sources, start=1):
                lines += textwrap.wrap(f"{i}. {src}", chars, subsequent_indent="    ")
        attribution = [str(a) for a in self.r.attribution if str(a).strip()]
        small = max(int((w_in - 2 * _MARGIN) * 72 / (6 * 0.57)) - 2, 40)
        boxed = textwrap.wrap("Map data: " + "; ".join(attribution), small) if attribution else []
        return lines, boxed

    def _footer(self, w_in: float) -> list[tuple[Any, float]]:
        """Legend, notes and sources, attribution box: below the map, never over data.

        Returns each block with its measured height in inches; :meth:`_place_footer`
        positions them once the figure height is known.
        """
        fig = self.fig
        blocks: list[Any] = []
        entries = self._legend_handles() if self.spec.legend else []
        if entries:
            ncol = max(int((w_in - 2 * _MARGIN) / 2.0), 1)
            leg = fig.legend([h for h, _ in entries], [self._text(t) for _, t in entries],
                             loc="upper left", ncol=ncol, fontsize=7.5, frameon=False,
                             handlelength=2.2, columnspacing=1.6, borderaxespad=0.0,
                             borderpad=0.0)
            leg.set_gid("bk-legend")
            blocks.append(leg)
        lines, boxed = self._footer_text(w_in)
        if lines:
            blocks.append(fig.text(0, 0, self._text("\n".join(lines)), ha="left", va="top",
                                   fontsize=7.5, color="#333333", linespacing=1.35,
                                   gid="bk-notes"))
        if boxed:
            blocks.append(fig.text(0, 0, self._text("\n".join(boxed)), ha="left", va="top",
                                   fontsize=6, color="#444444", linespacing=1.3,
                                   gid="bk-attribution",
                                   bbox={"boxstyle": "square,pad=0.35", "facecolor": "#f7f7f7",
                                         "edgecolor": "#bbbbbb", "linewidth": 0.5}))
        renderer = self.canvas.get_renderer()
        out = []
        for block in blocks:
            height = block.get_window_extent(renderer).height / self.dpi
            if block.get_gid() == "bk-attribution":
                height += 2 * 0.35 * 6 / 72  # the box's padding
            out.append((block, height))
        return out

    def _place_footer(self, blocks: list[tuple[Any, float]], bottom: float, w_in: float,
                      h_in: float) -> None:
        x = _MARGIN / w_in
        y = bottom - _GAP
        for block, height in blocks:
            if block.get_gid() == "bk-legend":
                block.set_bbox_to_anchor((x, y / h_in), transform=self.fig.transFigure)
            elif block.get_gid() == "bk-attribution":
                block.set_position((x + 0.035 / w_in, (y - 0.035) / h_in))
            else:
                block.set_position((x, y / h_in))
            y -= height + _GAP

    def draw(self) -> Any:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        spec = self.spec
        w_in = float(self.figsize[0]) if self.figsize is not None else 10.0
        self.px_pt = w_in * 72.0 / max(spec.width, 1)  # points per CSS pixel of the web map
        self.px_pt = min(max(self.px_pt, 0.35), 1.5)
        fig = Figure(figsize=(w_in, float(self.figsize[1]) if self.figsize else 8.0),
                     dpi=self.dpi)
        self.canvas = FigureCanvasAgg(fig)
        self.fig = fig
        top = _MARGIN + 0.34 + (0.26 if spec.subtitle else 0.0)
        footer = self._footer(w_in)
        bottom = _MARGIN + sum(h for _, h in footer) + _GAP * (len(footer) + 1)
        if self.figsize is not None:
            h_in = float(self.figsize[1])
        else:
            h_in = (w_in - 2 * _MARGIN) * max(spec.height, 1) / max(spec.width, 1) + top + bottom
            fig.set_size_inches(w_in, h_in)
        map_w, map_h = w_in - 2 * _MARGIN, h_in - top - bottom
        if map_w <= 1 or map_h <= 1:
            raise ExportError(f"figsize={self.figsize!r} leaves no room for the map and its "
                              "notes; make the figure larger")
        self._place_footer(footer, bottom, w_in, h_in)
        ax = fig.add_axes((_MARGIN / w_in, bottom / h_in, map_w / w_in, map_h / h_in))
        self.ax = ax
        ax.set_facecolor("#f4f7f9")
        ax.set_xticks([])
        ax.set_yticks([])
        for side in ax.spines.values():
            side.set_linewidth(0.8)
            side.set_edgecolor("#333333")

        xs, ys = self.proj.xy(*_ring(*self.r.bounds))
        box = _finite_box(xs, ys, f"the map bounds {tuple(self.r.bounds)}")
        extent = _fit_aspect(box, map_w / map_h)
        self.extent = extent
        self.clip = _lonlat_box(self.proj, extent, 0.25)
        self.tolerance = (extent[2] - extent[0]) / (map_w * 72 * 4)  # map units per 1/4 pt
        clon, clat = self.proj.lonlat((extent[0] + extent[2]) / 2, (extent[1] + extent[3]) / 2)
        self.info = StaticInfo(crs=self.proj.crs, extent=extent,
                               centre=(float(clon), float(clat)), fonts=list(self.families),
                               report=self.report)
        fig.borderkit = self.info  # type: ignore[attr-defined]

        self._title(w_in, h_in)
        self.points: list[tuple[float, float, float]] = []  # x, y, radius_pt of markers
        drawn: list[ResolvedLayer] = []
        for lyr in sorted(self.r.layers, key=lambda lyr: lyr.style["z"]):
            if not lyr.show:
                continue
            if self._layer(lyr):
                drawn.append(lyr)
        self._limits()
        ax.set_xlabel("")
        ax.set_ylabel("")
        renderer = self.canvas.get_renderer()
        if spec.inset and self.r.inset is not None:
            self._inset()
        if spec.scale_bar:
            self._scale_bar()
        if spec.north_arrow:
            self._north_arrow()
        self._labels(drawn, renderer)
        missing = _missing_glyphs(self.texts, self.families)
        if missing:
            msg = (f"no installed font has a glyph for {''.join(missing[:40])!r} "
                   f"(fonts: {', '.join(self.families)}); these characters will show as boxes. "
                   f"Install a CJK font ({_INSTALL_FONTS}) or pass fonts=[...]")
            self.report.append(msg)
            warnings.warn(msg, BorderkitWarning, stacklevel=4)
        if spec.tiles:
            self.report.append("web basemap tiles are not drawn in print maps (offline); "
                               "add a land or countries layer for context")
        self.report.extend(self.r.report)
        return fig

    def _limits(self) -> None:
        x0, y0, x1, y1 = self.extent
        self.ax.set_xlim(x0, x1)
        self.ax.set_ylim(y0, y1)
        self.ax.set_aspect("equal", adjustable="box")
        self.ax.apply_aspect()

    def _text(self, s: str) -> str:
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

    def _title(self, w_in: float, h_in: float) -> None:
        x = _MARGIN / w_in
        y = 1 - _MARGIN / h_in
        self.fig.text(x, y, self._text(self.spec.title), ha="left", va="top", fontsize=16,
                      fontweight="bold", color="#111111", gid="bk-title")
        if self.spec.subtitle:
            self.fig.text(x, y - 0.36 / h_in, self._text(self.spec.subtitle), ha="left",
                          va="top", fontsize=11, color="#444444", gid="bk-subtitle")

    # ---- layers
    def _layer(self, lyr: ResolvedLayer) -> bool:
        if not len(lyr.frame):
            return False
        frame = _project(lyr.frame, self.proj, self.clip)
        if not len(frame):
            return False
        lyr_proj = frame
        st = lyr.style
        z = 10 + float(st["z"])
        # drop detail finer than a quarter point: invisible, and it keeps SVG/PDF small
        geoms = shapely.simplify(lyr_proj.geometry.to_numpy(), self.tolerance,
                                 preserve_topology=True)
        parts = shapely.get_parts(geoms[~shapely.is_empty(geoms)])
        kinds = shapely.get_type_id(parts)
        lw = max(float(st.get("weight") or 0.0), 0.0) * self.px_pt
        ls = self._dash(st.get("dash"))
        polys = parts[kinds == 3]
        lines = parts[(kinds == 1) | (kinds == 2)]
        points = parts[kinds == 0]
        if len(polys):
            face = _rgba(st.get("fill"), float(st.get("fill_opacity", 1.0))) \
                if st.get("fill") else "none"
            self.ax.add_collection(_polygons(
                polys, facecolor=face, edgecolor=_rgba(st["color"]) if lw else "none",
                linewidth=lw, linestyle=ls, zorder=z, gid=f"bk-layer-{lyr.id}"), autolim=False)
        if len(lines):
            self.ax.add_collection(_lines(
                lines, color=_rgba(st["color"]), linewidth=max(lw, 0.3), linestyle=ls,
                zorder=z, gid=f"bk-layer-{lyr.id}"), autolim=False)
        if len(points):
            marker, size = self._marker(st)
            px, py = shapely.get_x(points), shapely.get_y(points)
            self.ax.plot(px, py, linestyle="none", marker=marker, markersize=size,
                         markerfacecolor=_rgba(st.get("fill") or st["color"],
                                               float(st.get("fill_opacity", 1.0))),
                         markeredgecolor=_rgba(st["color"]), markeredgewidth=lw,
                         zorder=z + 0.5, gid=f"bk-layer-{lyr.id}")
            self.points += [(float(a), float(b), size / 2 + lw / 2)
                            for a, b in zip(px, py, strict=True)]
        return True

    def _marker(self, st: dict[str, Any]) -> tuple[str, float]:
        """matplotlib marker and its size in points for a point style."""
        marker = _MARKERS.get(str(st.get("marker", "circle")), "o")
        return marker, 2 * float(st.get("radius", 4)) * self.px_pt * _MARKER_GAIN.get(marker, 1)

    def _dash(self, dash: Any) -> Any:
        if not dash:
            return "solid"
        values = [float(v) for v in re.split(r"[\s,]+", str(dash).strip()) if v]
        if len(values) % 2:
            values = values * 2
        if not values or any(v <= 0 for v in values):
            return "solid"
        return (0, tuple(v * self.px_pt for v in values))

    # ---- decorations
    def _ground(self, x: float, y: float, length: float) -> float:
        """Geodesic metres along a horizontal map segment of *length* centred on (x, y)."""
        from . import measure

        lon, lat = self.proj.lonlat([x - length / 2, x + length / 2], [y, y])
        metres: Any = measure.distance((float(lon[0]), float(lat[0])),
                                       (float(lon[1]), float(lat[1])))
        return float(metres)

    def _scale_bar(self) -> None:
        x0, y0, x1, y1 = self.extent
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        width = x1 - x0
        probe = width / 10
        m_per_unit = self._ground(cx, cy, probe) / probe
        if not (m_per_unit > 0 and math.isfinite(m_per_unit)):
            self.report.append("scale bar left out: the projection has no scale at the centre")
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
                length *= metres / self._ground(cx, cy, length)
            bar = ScaleBar(unit=unit, value=value, metres=metres, x0=xs, x1=xs + length, y=y)
            self.info.scale_bars.append(bar)
            lw = 2.2
            self.ax.plot([bar.x0, bar.x1], [y, y], color="#111111", linewidth=lw,
                         solid_capstyle="butt", zorder=200, gid=f"bk-scalebar-{unit}")
            self.ax.plot([bar.x0 + length / 2, bar.x1], [y, y], color="white",
                         linewidth=lw * 0.45, solid_capstyle="butt", zorder=201)
            for t in (bar.x0, bar.x0 + length / 2, bar.x1):
                self.ax.plot([t, t], [y - tick, y + tick], color="#111111", linewidth=0.8,
                             zorder=201)
            label = f"{_fmt_num(value)} {unit}"
            txt = self.ax.text(bar.x1 + 0.006 * width, y, self._text(label), ha="left",
                               va="center", fontsize=7, zorder=202, gid=f"bk-scalebar-{unit}-label")
            txt.set_path_effects(_halo())
            self.obstacles.append(("scale", (bar.x0, y - 2 * tick, bar.x1, y + 2 * tick)))
            self.obstacles.append(txt)
        self.ax.text(xs, ys[0] + 3 * tick, self._text("scale true at map centre"), ha="left",
                     va="bottom", fontsize=5.5, color="#444444", zorder=202,
                     path_effects=_halo())

    def _north_arrow(self) -> None:
        lon, lat = self.info.centre
        d = 0.01 if lat < 89 else -0.01
        x, y = self.proj.xy([lon, lon], [lat, lat + d])
        dx, dy = float(x[1] - x[0]) * np.sign(d), float(y[1] - y[0]) * np.sign(d)
        angle = math.degrees(math.atan2(dx, dy))
        self.info.north_angle_deg = angle
        rad = math.radians(angle)
        size = 26.0
        height_pt = self.ax.get_position().height * self.fig.get_size_inches()[1] * 72
        tip = (0.96, 1 - 24.0 / height_pt)
        arrow = self.ax.annotate(
            "", xy=tip, xycoords="axes fraction",
            xytext=(-size * math.sin(rad), -size * math.cos(rad)), textcoords="offset points",
            arrowprops={"arrowstyle": "-|>,head_width=0.35,head_length=0.9", "color": "#111111",
                        "lw": 1.6, "shrinkA": 0, "shrinkB": 0},
            zorder=210, gid="bk-north-arrow")
        n = self.ax.annotate(
            self._text("N"), xy=tip, xycoords="axes fraction",
            xytext=(8 * math.sin(rad), 8 * math.cos(rad)), textcoords="offset points",
            ha="center", va="center", fontsize=9, fontweight="bold", zorder=211,
            path_effects=_halo(), gid="bk-north-label")
        self.obstacles += [arrow, n]

    def _inset(self) -> None:
        import geopandas as gpd

        x0, y0, x1, y1 = self.extent
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        half = max(x1 - x0, y1 - y0) / 2
        half = min(max(half * 5, 900_000.0), 4_000_000.0)
        box = (cx - half, cy - half, cx + half, cy + half)
        inset = self.r.inset
        if inset is None:
            return
        try:
            clip = _lonlat_box(self.proj, box, 0.1)
            frame = _project(gpd.GeoDataFrame(geometry=inset.geometry,
                                              crs="EPSG:4326"), self.proj, clip)
        except Exception as err:  # noqa: BLE001 - the inset is decoration
            self.report.append(f"inset map left out: {err}")
            return
        if len(frame):
            # zoom the locator to the outlines it has (the shipped ones cover the region
            # only), keeping the map's own extent inside it
            fx0, fy0, fx1, fy1 = frame.total_bounds
            bx0, by0 = min(fx0, x0), min(fy0, y0)
            bx1, by1 = max(fx1, x1), max(fy1, y1)
            pad = 0.03 * max(bx1 - bx0, by1 - by0)
            box = (bx0 - pad, by0 - pad, bx1 + pad, by1 + pad)
        box = _fit_aspect(box, 1.25)
        pos = self.ax.get_position()
        fw, fh = self.fig.get_size_inches()
        w = min(pos.width * 0.2, 2.2 / fw)
        h = w * fw / fh / 1.25
        ins = self.fig.add_axes((pos.x0 + 0.008 * pos.width, pos.y1 - h - 0.012 * pos.height,
                                 w, h), gid="bk-inset")
        ins.set_facecolor("#f4f7f9")
        ins.set_xticks([])
        ins.set_yticks([])
        if len(frame):
            tol = (box[2] - box[0]) / (w * self.fig.get_size_inches()[0] * 72 * 2)
            geoms = shapely.simplify(frame.geometry.to_numpy(), tol, preserve_topology=True)
            parts = shapely.get_parts(geoms)
            polys = parts[(shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)]
            ins.add_collection(_polygons(polys, facecolor="#fbf8ef", edgecolor="#8a8a8a",
                                         linewidth=0.3), autolim=False)
        ins.add_patch(_rect(x0, y0, x1, y1))
        ins.set_xlim(box[0], box[2])
        ins.set_ylim(box[1], box[3])
        ins.set_aspect("equal", adjustable="box")
        ins.set_zorder(220)
        self.obstacles.append(ins)

    def _legend_handles(self) -> list[tuple[Any, str]]:
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch

        names = {lyr.name for lyr in self.r.layers if lyr.show and len(lyr.frame)}
        out = []
        for label, st in self.r.legend_entries():
            if label not in names:
                continue
            lw = float(st.get("weight") or 0) * self.px_pt
            ls = self._dash(st.get("dash"))
            h: Any
            if st["geom"] == "polygon":
                h = Patch(facecolor=_rgba(st.get("fill"), float(st.get("fill_opacity", 1)))
                          if st.get("fill") else "none", edgecolor=_rgba(st["color"]),
                          linewidth=lw, linestyle=ls)
            elif st["geom"] == "line":
                h = Line2D([], [], color=st["color"], linewidth=lw, linestyle=ls)
            else:
                marker, size = self._marker(st)
                h = Line2D([], [], linestyle="none", marker=marker, markersize=min(size, 9),
                           markerfacecolor=_rgba(st.get("fill") or st["color"]),
                           markeredgecolor=_rgba(st["color"]), markeredgewidth=lw)
            out.append((h, str(label)))
        return out

    # ---- labels
    def _labels(self, drawn: list[ResolvedLayer], renderer: Any) -> None:
        ax = self.ax
        to_px = ax.transData
        pt = self.fig.dpi / 72.0
        blocked: list[tuple[float, float, float, float]] = []
        for x, y, r in self.points:
            (px, py), rr = to_px.transform((x, y)), r * pt
            blocked.append((px - rr, py - rr, px + rr, py + rr))
        for ob in self.obstacles:
            if isinstance(ob, tuple):
                (a, b), (c, d) = to_px.transform(ob[1][:2]), to_px.transform(ob[1][2:])
                blocked.append((a, b, c, d))
            else:
                e = ob.get_window_extent(renderer)
                blocked.append((e.x0, e.y0, e.x1, e.y1))
        frame = ax.get_window_extent(renderer)
        jobs: list[tuple[Any, ...]] = []
        x0, y0, x1, y1 = self.extent
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
                ax_, ay_ = self.proj.xy(lonlat[0], lonlat[1])
                anchor = (float(ax_), float(ay_))
                if not (x0 <= anchor[0] <= x1 and y0 <= anchor[1] <= y1):
                    continue  # the feature's label point is off the map
                radius = 1.5
                if lyr.style["geom"] == "point":
                    radius = self._marker(lyr.style)[1] / 2 + float(lyr.style["weight"]) \
                        * self.px_pt / 2
                jobs.append((-float(lyr.style["z"]), len(jobs), str(text), anchor, radius, lyr))
        jobs.sort(key=lambda j: (j[0], j[1]))
        for _, _, text, (x, y), radius, lyr in jobs:
            point = lyr.style["geom"] == "point"
            size = 7.5 if point else 7
            gap = radius + 2.0
            ann = ax.annotate(self._text(text), xy=(x, y), xycoords="data", xytext=(gap, 0),
                              textcoords="offset points", fontsize=size, zorder=150,
                              color="#111111", path_effects=_halo(),
                              annotation_clip=False, gid=f"bk-label-{lyr.id}")
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
                self.report.append(f"label {text!r} ({lyr.name}) overlaps other map text")
            blocked.append(box)
            key = text if text not in self.info.labels else f"{text} ({lyr.id})"
            self.info.labels[key] = (float(box[0]), float(box[1]), float(box[2]), float(box[3]))


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


def _halo() -> list[Any]:
    from matplotlib import patheffects

    return [patheffects.withStroke(linewidth=2.4, foreground="white")]


def _rect(x0: float, y0: float, x1: float, y1: float) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor="#c0392b",
                     linewidth=1.2, zorder=5)


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

