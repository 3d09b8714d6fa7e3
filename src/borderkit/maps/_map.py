"""BriefMap: a resolved brief spec drawn as one self-contained Leaflet page (via folium).

The page is assembled from folium/branca elements, but no user text ever goes
through folium's templates: each element of :mod:`._elements` adds finished,
escaped markup to the page as a raw element (see there why), and the panels'
HTML comes from :mod:`._panels`. This module puts them together in
:class:`BriefMap`, renders the page deterministically and writes it.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import numpy as np
from branca.element import Element

from .. import _atomic, _explore
from ..errors import RenderError, SpecError
from ..spec import BriefSpec, ResolvedSpec
from . import _csp, _features
from ._elements import _Call, _GeoLayer, _LeafletMap, _Page, context_call
from ._escape import TrustedHTML, html, srcdoc
from ._panels import _as_list, _panels, _tiles

log = logging.getLogger(__name__)

__all__ = ["BriefMap", "brief_map", "explore"]

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
                f"a brief map needs a BriefSpec, a ResolvedSpec, a preset name or data "
                f"(bk.brief_map(gdf), bk.explore(...)), not {type(spec).__name__}"
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
        bodies, panels = _panels(self._noted(), self.notes_html,
                                 layer_control=self.layer_control, tiles_note=tiles_note)
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
        context = context_call(resolved.context)  # hillshade and names (borderkit._context)
        if context is not None:
            fmap.add_child(context)
        return page, fmap

    def _noted(self) -> ResolvedSpec:
        """The resolved spec with a note giving the display tolerance, when it drops vertices.

        Only the layers the view fits count (not the land basemap, drawn as context).
        """
        if not self.tolerance or not any(_drops_vertices(lyr.frame, self.tolerance)
                                         for lyr in self.resolved.layers
                                         if lyr.fit and lyr.style.get("geom") != "point"):
            return self.resolved
        note = (f"Outlines simplified for display to {self.tolerance:.2g}\u00b0 "
                f"(~{self.tolerance * 111_320:,.0f} m); simplify=None keeps every vertex.")
        spec = self.spec.replace(notes=[*_as_list(self.spec.notes, "notes"), note])
        return dataclasses.replace(self.resolved, spec=spec)

    def add(self, data: Any, /, **kw: Any) -> BriefMap:
        """A new map with *data* added as a layer (this map is not changed).

        Parameters
        ----------
        data : GeoDataFrame, GeoSeries, shapely geometry, Layer, str or path
            As for :func:`borderkit.explore`.
        **kw
            The layer keywords of :func:`borderkit.explore` (``column``, ``cmap``,
            ``categorical``, ``scheme``, ``k``, ``legend``, ``legend_kwds``, ``tooltip``, ``popup``,
            ``style_kwds``, ``name``).

        Returns
        -------
        BriefMap
            A new map of ``spec.layers + [layer]``, with this map's options.

        Raises
        ------
        SpecError, DatasetNotFoundError
            If a keyword or the data is not understood.

        Examples
        --------
        >>> import shapely, borderkit as bk
        >>> m = bk.explore(shapely.Point(68.78, 38.56), name="Dushanbe", width=600)
        >>> m2 = m.add(shapely.Point(69.78, 37.91), name="Kulob")
        >>> len(m.spec.layers), len(m2.spec.layers), m2.spec.title
        (1, 2, 'Dushanbe')
        """
        _explore.check_keywords(kw, _explore.LAYER_KEYWORDS, "BriefMap.add")
        layer, _ = _explore.as_layer(data, **kw)
        spec = self.spec.replace(layers=[*self.spec.layers, layer])
        return BriefMap(spec, simplify=self.simplify, notes_html=self.notes_html,
                        layer_control=self.layer_control, prefer_canvas=self.prefer_canvas,
                        lang=self.lang)

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


def brief_map(spec: Any, /, **options: Any) -> BriefMap:
    """Build the interactive brief map of a spec, of a named preset, or of data.

    Parameters
    ----------
    spec : BriefSpec, ResolvedSpec, str, GeoDataFrame, GeoSeries or shapely geometry
        The spec, or a preset name such as ``"tajikistan-2020-05"``
        (see :func:`borderkit.preset`). Data (a frame or geometry) gives the quick
        look of :func:`explore` with its defaults.
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
    borderkit.errors.SpecError: a brief map needs a BriefSpec, ... or data ..., not int
    """
    if isinstance(spec, str):
        from ..presets import preset

        spec = preset(spec)
    elif not isinstance(spec, BriefSpec | ResolvedSpec) and _is_data(spec):
        layer, title = _explore.as_layer(spec)
        spec = _explore.quick_spec(layer, title=title)
    return BriefMap(spec, **options)


def _drops_vertices(frame: Any, tolerance: float) -> bool:
    """Whether simplifying *frame*'s geometries to *tolerance* (degrees) drops vertices."""
    import shapely

    geoms = np.asarray(frame.geometry.values, dtype=object)
    before = shapely.get_num_coordinates(geoms).sum()
    return bool(before and shapely.get_num_coordinates(
        shapely.simplify(geoms, tolerance, preserve_topology=True)).sum() < before)


def _is_data(value: Any) -> bool:
    import shapely

    return (hasattr(value, "crs") and hasattr(value, "geometry")) or isinstance(
        value, shapely.Geometry)


def explore(data: Any, /, **kw: Any) -> BriefMap:
    """A quick brief map of one layer, with geopandas ``explore``'s keywords.

    Parameters
    ----------
    data : GeoDataFrame, GeoSeries, shapely geometry, Layer, str or path
        A frame (any CRS), a geometry in EPSG:4326 (lon, lat), a file path
        (:func:`borderkit.read_layer`), or the name of a shipped layer
        (``"borders"``), place (``"Kulob"``), border (``"AFG-TJK"``) or region
        (``"Gorno-Badakhshan"``).
    **kw
        The keywords below (those of geopandas' ``GeoDataFrame.explore`` that mean
        the same here, and the map's); any other is a :class:`SpecError`.
    column, cmap, categorical, scheme, k, legend, legend_kwds
        Styling by a column, as in ``GeoDataFrame.explore`` (passed to
        :class:`borderkit.Layer`): categories or classes (mapclassify ``scheme``
        with ``k`` classes), each with its own legend entry; ``legend`` (default
        True) shows the layer in the legend.
    tooltip : str, list or False, optional
        The label column (of a list, the first); False: no tooltips.
    popup : str or list, optional
        Popup columns; default: the provenance columns present.
    style_kwds : dict, optional
        Style overrides (``color``, ``fill``, ``weight``, ``fill_opacity``, ``dash``;
        Leaflet's ``fillColor``, ``fillOpacity``, ``dashArray`` are accepted).
    name : str, optional
        The layer's legend name (default: the title).
    title : str, optional
        Default: the file stem, the place or layer name, or ``"Map"``.
    width, height : int, optional
        Map size in CSS pixels (default 1200 x 800).
    m : BriefMap, optional
        An existing map to add the layer to (as :meth:`BriefMap.add`).

    Returns
    -------
    BriefMap
        Displays inline in Jupyter; ``.save(path)`` writes the offline page, and
        :func:`borderkit.render_static` draws it for print. Legend, scale bar and
        north arrow are on, web tiles off, lines simplified to about one pixel
        (``simplify="auto"``).

    Raises
    ------
    SpecError
        If a keyword is unknown (the message lists the accepted ones) or *data*
        cannot be mapped.
    DatasetNotFoundError
        If a name is neither a file nor shipped.

    Examples
    --------
    >>> import geopandas as gpd, shapely, borderkit as bk
    >>> pts = gpd.GeoDataFrame({"name": ["Dushanbe", "Kulob"]}, crs=4326,
    ...     geometry=[shapely.Point(68.78, 38.56), shapely.Point(69.78, 37.91)])
    >>> m = bk.explore(pts, title="Two towns")
    >>> m.spec.title, m.spec.legend, m.spec.tiles
    ('Two towns', True, None)
    >>> bk.explore(pts, colour="red")
    Traceback (most recent call last):
    ...
    borderkit.errors.SpecError: explore() got unknown keyword(s) 'colour'; it accepts: ...
    """
    _explore.check_keywords(kw, _explore.EXPLORE_KEYWORDS, "explore")
    base = kw.pop("m", None)
    title, width, height = kw.pop("title", None), kw.pop("width", None), kw.pop("height", None)
    if base is not None:
        if not isinstance(base, BriefMap):
            raise SpecError(f"m= must be a BriefMap (from bk.explore), not {type(base).__name__}")
        return base.add(data, **kw)
    layer, default_title = _explore.as_layer(data, **kw)
    return BriefMap(_explore.quick_spec(layer, title=title or default_title, width=width,
                                        height=height))
