"""BriefMap: a resolved brief spec drawn as one self-contained Leaflet page (via folium).

The page is assembled from folium/branca elements, but no user text ever goes
through folium's templates: each element of :mod:`._elements` adds finished,
escaped markup to the page as a raw element (see there why), and the panels'
HTML comes from :mod:`._panels`. This module puts them together in
:class:`BriefMap`, renders the page deterministically and writes it.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import numpy as np
from branca.element import Element

from .. import _atomic
from ..errors import RenderError, SpecError
from ..spec import BriefSpec, ResolvedSpec
from . import _csp, _features
from ._elements import _Call, _GeoLayer, _LeafletMap, _Page
from ._escape import TrustedHTML, html, srcdoc
from ._panels import _panels, _tiles

log = logging.getLogger(__name__)

__all__ = ["BriefMap", "brief_map"]

Simplify = Literal["auto"] | float | None

_SURROGATE = re.compile("[\ud800-\udfff]")


# ----------------------------------------------------------------------- BriefMap


class BriefMap:
    """An interactive brief map: a resolved :class:`~borderkit.BriefSpec` as one HTML page.

    Parameters
    ----------
    spec : BriefSpec or ResolvedSpec
        What the map shows. A :class:`BriefSpec` is resolved here (layers loaded and
        cleaned, distances and rings computed).
    simplify : "auto", float or None, optional
        Simplify lines and polygons for display: ``"auto"`` keeps them within about one
        pixel at the initial zoom (from ``spec.width`` x ``spec.height``), a float is a
        tolerance in degrees, ``None`` writes every vertex. Default: ``spec.simplify``.
        Simplified coordinates are rounded to 1/20 of the tolerance (points keep 6
        decimals). Layers left out of the fit (``fit=False``, e.g. the land basemap)
        are context: simplified to about two pixels and clipped to a margin around the
        initial view of ``spec.width`` x ``spec.height``.
    notes_html : str, optional
        **Trusted** HTML appended to the notes box, inserted without escaping. Only pass
        markup you wrote yourself; every other text on the page is escaped. Scripts,
        event handlers and images from the network in it do not run or load: the
        page's Content-Security-Policy allows only its own scripts.
    layer_control : bool
        Add Leaflet's layer switcher (collapsed, top right).
    prefer_canvas : bool
        Draw vectors on a canvas instead of SVG (faster for very large layers).
    lang : str
        The page's language tag.

    Attributes
    ----------
    spec : BriefSpec
    resolved : ResolvedSpec
    folium_map : folium.Map
        The underlying folium map. Adding folium elements to it works for elements
        that only add script code; elements that load scripts or styles from CDNs do
        not work, because the page's Content-Security-Policy allows no network
        source (only the tile host when ``spec.tiles`` asks for web tiles).

    Raises
    ------
    SpecError
        If an option or a style value is invalid (the message names it).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> import borderkit as bk
    >>> pts = gpd.GeoDataFrame({"name": ["A <b>"]}, geometry=[shapely.Point(69.0, 38.5)],
    ...                        crs="EPSG:4326")
    >>> m = bk.brief_map(bk.BriefSpec(title="Demo", layers=[bk.Layer(pts)],
    ...                                   inset=False, uncertainty=False))
    >>> page = m.to_html()
    >>> "A <b>" in page, "A \\\\u003cb\\\\u003e" in page
    (False, True)
    """

    def __init__(
        self,
        spec: BriefSpec | ResolvedSpec,
        /,
        *,
        simplify: Simplify | Literal["spec"] = "spec",
        notes_html: str | None = None,
        layer_control: bool = True,
        prefer_canvas: bool = False,
        lang: str = "en",
    ) -> None:
        if isinstance(spec, ResolvedSpec):
            resolved = spec
        elif isinstance(spec, BriefSpec):
            resolved = spec.resolve()
        else:
            raise SpecError(
                f"a brief map needs a BriefSpec, a ResolvedSpec or a preset name, "
                f"not {type(spec).__name__}"
            )
        bounds = [float(v) for v in resolved.bounds]
        if len(bounds) != 4 or not all(np.isfinite(bounds)):
            raise SpecError(
                f"the map bounds {tuple(resolved.bounds)} are not finite; give "
                "bounds=(lon_min, lat_min, lon_max, lat_max) in the spec"
            )
        self.spec: BriefSpec = resolved.spec
        self.resolved: ResolvedSpec = resolved
        if simplify == "spec":
            simplify = getattr(self.spec, "simplify", None)
        self.simplify = simplify
        self.notes_html = TrustedHTML(notes_html) if notes_html else None
        self.layer_control = bool(layer_control)
        self.prefer_canvas = bool(prefer_canvas)
        self.lang = str(lang)
        self.tolerance = self._tolerance(simplify)
        self.page, self.folium_map = self._build()

    # -- building ------------------------------------------------------------------
    def _tolerance(self, simplify: Simplify) -> float | None:
        if simplify is None:
            return None
        if simplify == "auto":
            return _features.auto_tolerance(self.resolved.bounds, int(self.spec.width),
                                            int(self.spec.height))
        if isinstance(simplify, int | float) and not isinstance(simplify, bool):
            value = float(simplify)
            if np.isfinite(value) and value >= 0:
                return value or None
        raise SpecError(
            f"simplify must be 'auto', a tolerance in degrees >= 0, or None; got {simplify!r}"
        )

    def _build(self) -> tuple[_Page, _LeafletMap]:
        resolved, spec = self.resolved, self.spec
        tiles_note = None
        tiles_opts = None
        img_sources: list[str] = []
        if spec.tiles:
            tiles_opts, tiles_note = _tiles(spec.tiles)
            img_sources = _csp.tile_sources(tiles_opts["url"], tiles_opts["subdomains"])
        bodies, panels = _panels(resolved, self.notes_html, layer_control=self.layer_control,
                                 tiles_note=tiles_note)
        finish = {"bounds": [float(v) for v in resolved.bounds], "panels": panels}
        page = _Page(title=spec.title, lang=self.lang, img_sources=img_sources)
        fmap = _LeafletMap(
            page_options={"zoomSnap": 0.25, "preferCanvas": self.prefer_canvas},
            finish=finish,
            panels_html='<div class="bk-panels">' + "".join(bodies) + "</div>\n",
        )
        page.add_child(fmap, name="bk-leaflet")
        if tiles_opts:
            fmap.add_child(_Call("tiles", tiles_opts))
        window = _features.view_window(resolved.bounds, int(spec.width), int(spec.height))
        for lyr in sorted(resolved.layers, key=lambda lyr: lyr.style["z"]):
            if len(lyr.frame):
                fmap.add_child(_GeoLayer(lyr, tolerance=self.tolerance, window=window))
        return page, fmap

    # -- output ----------------------------------------------------------------------
    def _elements(self) -> Iterator[Element]:
        stack: list[Element] = [self.page]
        while stack:
            element = stack.pop(0)
            yield element
            stack.extend(element._children.values())

    def to_html(self) -> str:
        """Render the page.

        Returns
        -------
        str
            A self-contained HTML document: the same inputs give the same text.

        Raises
        ------
        RenderError
            If the page cannot be rendered.
        """
        # deterministic element ids (branca draws them from os.urandom)
        for number, element in enumerate(list(self._elements())):
            element._id = str(number)
        try:
            page = self.page.render()
        except (SpecError, RenderError):
            raise
        except Exception as err:
            raise RenderError(f"cannot render the brief map {self.spec.title!r}: {err}") from err
        bad = _SURROGATE.search(page)
        if bad:  # layer text that UTF-8 cannot hold (the spec's own fields are checked earlier)
            near = page[max(bad.start() - 40, 0): bad.start() + 40]
            raise SpecError(
                f"the map has text with a lone surrogate {bad.group()!r} (text decoded with "
                f"errors='surrogateescape'?), which no page can hold, near {near!r}; fix the "
                "layer's text"
            )
        return page

    def save(self, path: str | os.PathLike[str], /) -> Path:
        """Write the page to *path* atomically (UTF-8) and return the path.

        The page is rendered first; a failure while rendering or writing leaves an
        existing file at *path* untouched and no temporary file behind.

        Raises
        ------
        RenderError
            If the page cannot be rendered.
        ExportError
            If the file cannot be written.
        """
        text = self.to_html()
        return _atomic.write_text(path, text)

    def _repr_html_(self) -> str:
        """The map inline in Jupyter: an ``<iframe srcdoc>``, offline, sandboxed."""
        height = int(self.spec.height)
        return (
            f'<iframe srcdoc="{srcdoc(self.to_html())}" '
            f'style="width:100%;max-width:{int(self.spec.width)}px;height:{height}px;'
            'border:1px solid #ccc" sandbox="allow-scripts allow-popups" '
            f'title="{html(self.spec.title)}"></iframe>'
        )

    def __repr__(self) -> str:
        return f"BriefMap({self.spec.title!r}, layers={len(self.resolved.layers)})"


def brief_map(spec: BriefSpec | ResolvedSpec | str, /, **options: Any) -> BriefMap:
    """Build the interactive brief map of a spec or of a named preset.

    Parameters
    ----------
    spec : BriefSpec, ResolvedSpec or str
        The spec, or a preset name such as ``"tajikistan-2020-05"``
        (see :func:`borderkit.preset`).
    **options
        Keyword options of :class:`BriefMap` (``simplify``, ``notes_html``, ...).

    Returns
    -------
    BriefMap

    Raises
    ------
    SpecError, DatasetNotFoundError
        If the spec is invalid or the preset is unknown.

    Examples
    --------
    >>> import borderkit as bk
    >>> bk.brief_map(42)
    Traceback (most recent call last):
    ...
    borderkit.errors.SpecError: a brief map needs a BriefSpec, ... or a preset name, not int
    """
    if isinstance(spec, str):
        from ..presets import preset

        spec = preset(spec)
    return BriefMap(spec, **options)
