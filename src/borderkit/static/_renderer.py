"""The print renderer: draws a resolved spec onto one figure, step by step.

:class:`_Renderer` only coordinates. The steps are functions of the shared
:class:`._page._Page`: the frame (:mod:`._frame`), the layers (:mod:`._layers`),
the furniture (:mod:`._furniture`) and the labels (:mod:`._labels`). The steps
that draw text are called from :meth:`_Renderer.draw` itself, so the stack level
of :meth:`._page._Page.text`'s warning reaches the caller of ``render_static``.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

import pyproj

from .._style import checked_style
from ..errors import BorderkitWarning
from ..spec import ResolvedSpec
from . import _frame, _furniture
from ._context import draw_names, draw_shade
from ._fonts import _glyph_problem
from ._labels import place_labels
from ._layers import draw_layers
from ._page import _MARGIN, _Page
from ._proj import _Proj, auto_crs


class _Renderer:
    def __init__(self, resolved: ResolvedSpec, *, dpi: float, crs: pyproj.CRS | None,
                 figsize: tuple[float, float | None] | None, families: list[str]) -> None:
        # colours checked once, before anything is drawn; the same as the page's
        layers = [dataclasses.replace(lyr, style=checked_style(lyr.style, layer=lyr.name))
                  for lyr in resolved.layers]
        resolved = dataclasses.replace(resolved, layers=layers)
        proj = _Proj(crs if crs is not None else auto_crs(resolved.bounds))
        self.page = _Page(resolved, dpi=dpi, proj=proj, families=families)
        self.figsize = figsize

    def draw(self) -> Any:
        """Draw the map; returns the figure, with ``fig.borderkit`` (a StaticInfo)."""
        page, spec = self.page, self.page.spec
        w_in = float(self.figsize[0]) if self.figsize is not None else 10.0
        _frame.new_figure(page, w_in, self.figsize)
        top = _frame.title_room(page)
        footer = _furniture.footer(page, w_in)
        bottom = _frame.footer_room(footer)
        h_in, map_w, map_h = _frame.fit_height(page, w_in, top, bottom, self.figsize)
        _furniture.place_footer(page, footer, bottom, w_in, h_in)
        _frame.map_axes(page, (_MARGIN / w_in, bottom / h_in, map_w / w_in, map_h / h_in))
        _frame.map_extent(page, map_w, map_h)
        _furniture.title(page, w_in, h_in)
        drawn = draw_layers(page)
        draw_shade(page)  # the hillshade, between the countries and the water (zorder)
        _frame.limits(page)
        renderer = page.canvas.get_renderer()
        if spec.inset and page.r.inset is not None:
            _furniture.inset(page)
        if spec.scale_bar:
            _furniture.scale_bar(page)
        if spec.north_arrow:
            _furniture.north_arrow(page)
        place_labels(page, drawn, renderer)
        draw_names(page, renderer)  # context names give way to the data labels
        problem = _glyph_problem(page.texts, page.families)
        if problem:
            page.report.append(problem)
            warnings.warn(problem, BorderkitWarning, stacklevel=4)
        if spec.tiles:
            page.report.append("web basemap tiles are not drawn in print maps (offline); "
                               "add a land or countries layer for context")
        page.report.extend(page.r.report)
        return page.fig
