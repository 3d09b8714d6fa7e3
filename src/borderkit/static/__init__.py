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

PDF fonts are embedded as TrueType (Type 42) subsets, which publishers accept;
text that needs a CJK font is drawn as outlines (subsetting a CJK collection
takes seconds per save, and its CFF outlines do not fit a TrueType stream).
Labels, with their white halo, are glyph outlines: all halos one path, all
letters another, so thousands of labels save quickly.

Pages
-----
``page="A4"`` (``"A3"``, ``"Letter"``, each also ``"-landscape"``) makes the
figure exactly that paper size, the map taking what the title and footer leave;
``page="column"`` is a brief's 85 mm text column and ``"120mm"`` any width (the
height following the map's shape). A title wider than the page wraps. The PDF
and SVG carry Title, Subject (subtitle, sources, map data), Author and Keywords
(``metadata=`` overrides them).

Files are written atomically; SVG and PDF output is deterministic (fixed SVG
hash salt, no creation dates).

Layout
------
``_renderer`` coordinates the drawing steps, which share one ``_page._Page``:
``_frame`` (figure size, map axes, extent), ``_layers`` (polygons, lines,
markers), ``_furniture`` (title, legend, notes, scale bar, north arrow, inset) and
``_labels`` (placement without collisions). ``_proj`` holds the projection,
``_fonts`` the font list and glyph check, ``_output`` the formats and file writing.
"""

from __future__ import annotations

import functools
import io
import os
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import ExportError, SpecError
from ..spec import BriefSpec, ResolvedSpec
from ._fonts import BASE_FONTS as BASE_FONTS  # public constant, not in __all__
from ._fonts import CJK_FONTS, font_families
from ._fonts import _missing_glyphs as _missing_glyphs  # re-exported for tests
from ._furniture import _nice as _nice  # re-exported for tests
from ._output import FORMATS, META_KEYS, _check_dpi, _format_for, _rc, _save, describe
from ._page import COLUMN_MM, PAGES, ScaleBar, StaticInfo, page_size
from ._proj import _as_crs, auto_crs
from ._renderer import _Renderer

__all__ = [
    "render_static",
    "save_figure",
    "auto_crs",
    "font_families",
    "StaticInfo",
    "ScaleBar",
    "CJK_FONTS",
    "FORMATS",
    "PAGES",
    "COLUMN_MM",
    "PDF_METADATA",
]

#: The document metadata keys ``render_static(metadata=...)`` sets.
PDF_METADATA = META_KEYS


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
    page: str | None = None,
    metadata: Mapping[str, str] | None = None,
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
    page : str, optional
        A page size instead of *figsize*: ``"A4"``, ``"A3"``, ``"Letter"``
        (portrait), each also ``"-landscape"`` (``"A4-landscape"``); the figure
        is exactly that size and the map takes what the title and footer leave.
        ``"column"`` is a brief's text column (85 mm wide) and ``"120mm"`` any
        width, the height following the map's shape.
    metadata : mapping, optional
        Document metadata over the defaults (see :data:`PDF_METADATA`): ``Title``
        (the title), ``Subject`` (subtitle, sources and map data), ``Author``
        (``"borderkit"``), ``Keywords`` (the layers drawn). Written into PDF and SVG.

    Returns
    -------
    matplotlib.figure.Figure
        The figure (not registered with pyplot). ``fig.borderkit`` is a
        :class:`StaticInfo` with the CRS, extent (map units), scale bars, north
        angle, label boxes and a report. It shows inline in Jupyter without
        ``%matplotlib inline``: ``fig._repr_png_()`` gives the PNG (at most
        :data:`INLINE_DPI` dpi) that IPython displays.

    Raises
    ------
    SpecError
        If *spec* is not a brief spec or preset name.
    CRSError
        If *crs* is unknown or cannot show the area.
    ExportError
        If the format is unsupported, the file cannot be written, *page* is not a
        page size, both *page* and *figsize* are given, or *metadata* has a key
        other than Title, Subject, Author, Keywords.

    Warns
    -----
    BorderkitWarning
        When a character has no glyph in any installed font (install
        ``fonts-noto-cjk`` for Chinese names).

    Notes
    -----
    PDF fonts are embedded as TrueType (Type 42) subsets. Text that needs a CJK
    font (an OpenType collection of ~65,000 CFF glyphs, seconds to subset at every
    save) is drawn as outlines instead; map labels, which have a white halo, are
    outlines in any case.

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
    size = _size(page, figsize)
    resolved = _resolved(spec)
    import matplotlib

    families = font_families(fonts)
    with matplotlib.rc_context(_rc(families)):
        with warnings.catch_warnings():
            # our own glyph check below reports missing glyphs once, with the fix
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from",
                                    category=UserWarning)
            renderer = _Renderer(resolved, dpi=dpi, crs=crs, figsize=size, families=families)
            renderer.page.info_page = page
            fig = renderer.draw()
            fig.borderkit.page = page
            fig.borderkit.metadata = describe(resolved, fig.borderkit.title, metadata)
            if path is not None:
                _save(fig, path, fmt, dpi)
    fig._repr_png_ = functools.partial(_inline_png, fig)  # IPython's display protocol
    return fig


#: Resolution of the PNG a notebook shows for :func:`render_static`'s figure.
INLINE_DPI = 100.0


def _inline_png(fig: Any) -> bytes:
    """The figure as PNG bytes for Jupyter (the same fonts as the saved map)."""
    import matplotlib

    families = getattr(getattr(fig, "borderkit", None), "fonts", None) or font_families()
    buf = io.BytesIO()
    with matplotlib.rc_context(_rc(families)), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from",
                                category=UserWarning)
        fig.savefig(buf, format="png", dpi=min(float(fig.dpi), INLINE_DPI))
    return buf.getvalue()


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


def _size(page: str | None,
          figsize: tuple[float, float] | None) -> tuple[float, float | None] | None:
    """The figure size of *page* or *figsize* (inches; a page's height may be None)."""
    if page is None:
        return figsize
    if figsize is not None:
        raise ExportError(f"give page= or figsize=, not both (page={page!r}, "
                          f"figsize={figsize!r})")
    return page_size(page)


def _resolved(spec: Any) -> ResolvedSpec:
    """The resolved spec of a spec, resolved spec, BriefMap or preset name (export uses it)."""
    if isinstance(spec, ResolvedSpec):
        return spec
    if isinstance(spec, BriefSpec):
        return spec.resolve()
    resolved = getattr(spec, "resolved", None)
    if isinstance(resolved, ResolvedSpec):
        return resolved
    if isinstance(spec, str):
        from .. import presets

        return presets.preset(spec).resolve()
    raise SpecError(
        "render_static needs a BriefSpec, a resolved spec, a BriefMap or a preset name, "
        f"not {type(spec).__name__}"
    )

