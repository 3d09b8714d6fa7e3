"""BriefMap: a resolved brief spec drawn as one self-contained Leaflet page (via folium).

The page is assembled from folium/branca elements, but no user text ever goes
through folium's templates: branca parses the output of every ``MacroElement``
macro again as a Jinja template (so ``{{ ... }}`` in a place name would be
evaluated) and folium escapes text only partly. Each element here adds finished,
escaped markup to the page as a raw element instead.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import folium
import numpy as np
import shapely
from branca.element import Element, Figure, MacroElement

from .. import _atomic
from ..errors import RenderError, SpecError
from ..spec import BriefSpec, ResolvedLayer, ResolvedSpec
from . import _assets, _features, _svg
from ._escape import TrustedHTML, css_color, css_number, html, safe_url, script_json, srcdoc

log = logging.getLogger(__name__)

__all__ = ["BriefMap", "brief_map"]

Simplify = Literal["auto"] | float | None

_SURROGATE = re.compile("[\ud800-\udfff]")

#: Basemap layers (``fit=False``) are simplified this many times more than the rest.
BASEMAP_TOLERANCE = 2.0


class _Raw(Element):
    """Finished markup, inserted as-is (never parsed as a template)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Raw"
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


class _Page(Figure):
    """The HTML document: head (inlined Leaflet and styles), body, one page script."""

    def __init__(self, *, title: str, lang: str = "en") -> None:
        super().__init__()
        self._name = "Page"
        self.lang = lang
        self.header._children.clear()  # drop branca's http-equiv meta; ours follows
        head = (
            '<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
            f'<meta name="generator" content="borderkit">\n<title>{html(title)}</title>\n'
            f"<style>\n{_assets.leaflet_css()}\n</style>\n"
            f"<style>\n{_assets.page_css()}</style>\n"
            f"<script>\n{_assets.leaflet_js()}</script>\n"
            f"<script>\n{_assets.page_js()}</script>\n"
        )
        self.header.add_child(_Raw(head), name="bk-head")

    def render(self, **kwargs: Any) -> str:
        # body and script are rebuilt on every render, so rendering twice is idempotent
        self.html._children.clear()
        self.script._children.clear()
        for child in self._children.values():
            child.render(**kwargs)
        return (
            f'<!DOCTYPE html>\n<html lang="{html(self.lang)}">\n<head>\n'
            + self.header.render(**kwargs)
            + "\n</head>\n<body>\n"
            + self.html.render(**kwargs)
            + "\n<script>\n"
            + self.script.render(**kwargs)
            + "\n</script>\n</body>\n</html>\n"
        )


class _LeafletMap(folium.Map):
    """folium's Map with the offline page's own script (no CDN links, no jQuery)."""

    default_js: list[tuple[str, str]] = []
    default_css: list[tuple[str, str]] = []

    def __init__(self, *, page_options: dict[str, Any], finish: dict[str, Any],
                 panels_html: str) -> None:
        super().__init__(tiles=None, zoom_control=False)
        self.page_options = page_options
        self.finish = finish
        self.panels_html = panels_html

    def render(self, **kwargs: Any) -> str:
        page = _page_of(self)
        name = self.get_name()
        page.html.add_child(_Raw(self.panels_html), name="bk-panels")
        page.html.add_child(_Raw('<div id="bk-map" class="bk-map"></div>\n'), name="bk-map")
        page.script.add_child(
            _Raw(f'var {name} = bk.map("bk-map", {script_json(self.page_options)});\n'),
            name=name,
        )
        for child in self._children.values():
            child.render(**kwargs)
        page.script.add_child(
            _Raw(f"bk.finish({name}, {script_json(self.finish)});\n"), name="bk-finish"
        )
        return ""


def _page_of(element: Element) -> _Page:
    page = element.get_root()
    if not isinstance(page, _Page):  # pragma: no cover - built by BriefMap only
        raise RenderError("borderkit map parts render only inside a BriefMap page")
    return page


def _map_name(element: Element) -> str:
    if element._parent is None:  # pragma: no cover - built by BriefMap only
        raise RenderError("borderkit map parts render only inside a BriefMap map")
    return element._parent.get_name()


class _Call(MacroElement):
    """One ``bk.<function>(map, options)`` statement of the page script."""

    def __init__(self, function: str, options: dict[str, Any]) -> None:
        super().__init__()
        self._name = "BkCall"
        self.function = function
        self.options = options

    def render(self, **kwargs: Any) -> str:
        _page_of(self).script.add_child(
            _Raw(f"bk.{self.function}({_map_name(self)}, {script_json(self.options)});\n"),
            name=self.get_name(),
        )
        return ""


class _GeoLayer(MacroElement):
    """One resolved layer: a JSON data block in the body and a ``bk.layer`` call."""

    def __init__(self, lyr: ResolvedLayer, *, tolerance: float | None,
                 window: tuple[float, float, float, float] | None = None) -> None:
        super().__init__()
        self._name = "BkLayer"
        self.layer = lyr
        self.tolerance = tolerance
        self.window = window
        self._json: str | None = None

    def data_id(self) -> str:
        return f"bk-data-{self.layer.id}"

    def geojson(self) -> str:
        if self._json is None:
            lyr = self.layer
            geoms = lyr.frame.geometry.to_numpy()
            if self.tolerance and lyr.style.get("geom") != "point":
                tolerance = self.tolerance
                if not lyr.fit:  # basemap context: clipped to the view, ~2 px
                    tolerance *= BASEMAP_TOLERANCE
                    if self.window is not None:
                        geoms = shapely.clip_by_rect(geoms, *self.window)
                geoms = shapely.simplify(geoms, tolerance, preserve_topology=True)
                decimals = _features.decimals_for(self.tolerance)
            else:
                decimals = _features.DECIMALS
            self._json = _features.feature_collection(lyr, geoms, decimals=decimals)
        return self._json

    def meta(self) -> dict[str, Any]:
        lyr = self.layer
        style = _page_style(lyr)
        meta: dict[str, Any] = {
            "id": lyr.id,
            "data": self.data_id(),
            "kind": lyr.kind,
            "nameHtml": html(lyr.name),
            "show": bool(lyr.show),
            "style": style,
            "labels": _features.label_anchors(lyr),
        }
        if style["geom"] == "point":
            meta["icon"] = _svg.marker_svg(style)
        return meta

    def render(self, **kwargs: Any) -> str:
        page = _page_of(self)
        data_id = self.data_id()
        page.html.add_child(
            _Raw(f'<script type="application/json" id="{html(data_id)}">{self.geojson()}'
                 "</script>\n"),
            name=data_id,
        )
        page.script.add_child(
            _Raw(f"bk.layer({_map_name(self)}, {script_json(self.meta())});\n"),
            name=self.get_name(),
        )
        return ""


def _page_style(lyr: ResolvedLayer) -> dict[str, Any]:
    where = f"layer {lyr.name!r} style"
    s = lyr.style
    out: dict[str, Any] = {"geom": str(s["geom"]), "z": int(css_number(s["z"], where=where))}
    if out["geom"] not in ("point", "line", "polygon"):
        raise SpecError(f"{where}: geom must be point, line or polygon, not {s['geom']!r}")
    out["color"] = css_color(s["color"], where=where)
    out["fill"] = css_color(s["fill"], where=where) if s.get("fill") else None
    out["weight"] = css_number(s["weight"], where=where)
    out["fill_opacity"] = css_number(s.get("fill_opacity", 0.0), where=where)
    out["dash"] = _svg.dash_array(s["dash"]) if s.get("dash") else None
    out["marker"] = str(s.get("marker") or "circle")
    out["radius"] = css_number(s.get("radius", 5), where=where)
    return out


# ------------------------------------------------------------------------ panels


def _linkify(text: Any) -> str:
    """Escape *text*, turning bare http(s) URLs into links."""
    if isinstance(text, TrustedHTML):
        return str(text)
    out = []
    for word in str(text).split(" "):
        url = safe_url(word.rstrip(".,;)>"))
        if url:
            tail = word[len(url):]
            out.append(f'<a href="{html(url)}" target="_blank" rel="noopener noreferrer">'
                       f"{html(url)}</a>{html(tail)}")
        else:
            out.append(html(word))
    return " ".join(out)


def _title_box(spec: BriefSpec, notes_html: str | None) -> str:
    parts = [f"<h1>{html(spec.title)}</h1>"]
    if spec.subtitle:
        parts.append(f'<div class="bk-sub">{html(spec.subtitle)}</div>')
    notes = [f"<li>{html(n)}</li>" for n in _as_list(spec.notes, "notes")]
    if notes:
        parts.append("<ul>" + "".join(notes) + "</ul>")
    if notes_html:
        parts.append(f'<div class="bk-notes-html">{notes_html}</div>')
    return f'<div id="bk-title" class="bk-box bk-title">{"".join(parts)}</div>'


def _as_list(value: Any, field: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    try:
        return list(value)
    except TypeError as err:
        raise SpecError(f"{field} must be a string or a list of strings") from err


def _legend_box(resolved: ResolvedSpec) -> str:
    items = []
    for label, style in resolved.legend_entries():
        items.append(f"<li>{_svg.swatch_svg(style)}<span>{html(label)}</span></li>")
    if not items:
        return ""
    return ('<div id="bk-legend" class="bk-box bk-legend"><div class="bk-legend-h">Legend</div>'
            f'<ul>{"".join(items)}</ul></div>')


def _sources_box(resolved: ResolvedSpec, tiles_note: str | None) -> str:
    spec = resolved.spec
    parts = []
    sources = [f"<li>{_linkify(s)}</li>" for s in _as_list(spec.sources, "sources")]
    if sources:
        parts.append('<div class="bk-sources-h">Sources</div><ol>' + "".join(sources) + "</ol>")
    attribution = [html(a) for a in resolved.attribution]
    if tiles_note:
        attribution.append(html(tiles_note))
    credits = f"Map: Leaflet {_assets.LEAFLET_VERSION} (BSD-2-Clause), borderkit"
    data = ("Data: " + "; ".join(attribution) + ". ") if attribution else ""
    parts.append(f'<div class="bk-attr">{data}{credits}</div>')
    return f'<div id="bk-sources" class="bk-box bk-sources">{"".join(parts)}</div>'


_SCALE_BOX = (
    '<div id="bk-scale" class="bk-box bk-scale">'
    '<div class="bk-scale-km"><div class="bk-bar"></div><span class="bk-scale-t"></span></div>'
    '<div class="bk-scale-nmi"><div class="bk-bar"></div><span class="bk-scale-t"></span></div>'
    "</div>"
)


def _tiles(spec_tiles: Any) -> tuple[dict[str, Any], str]:
    """(tile layer options for the page, attribution text) of an xyzservices provider."""
    import xyzservices

    if isinstance(spec_tiles, xyzservices.TileProvider):
        provider = spec_tiles
    else:
        try:
            provider = xyzservices.providers.query_name(str(spec_tiles))
        except ValueError as err:
            raise SpecError(
                f"tiles={spec_tiles!r} is not an xyzservices provider name; use e.g. "
                "'OpenStreetMap.Mapnik', or tiles=None for the offline basemap"
            ) from err
    if provider.requires_token():
        raise SpecError(
            f"tiles={provider.name!r} needs an API key: pass "
            "xyzservices.providers...(apikey=...) as tiles"
        )
    url = provider.build_url(fill_subdomain=False, scale_factor="")
    text = str(provider.get("attribution") or provider.name)
    options = {
        "url": url,
        "subdomains": str(provider.get("subdomains", "abc")),
        "maxZoom": int(provider.get("max_zoom", 18)),
        "nameHtml": html(f"Web tiles: {provider.name}"),
    }
    return options, f"Basemap: {provider.name} web tiles, {text}"


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
        markup you wrote yourself; every other text on the page is escaped.
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
        The underlying folium map. Adding folium elements to it works, but many of
        them load scripts from CDNs, which breaks the offline guarantee.

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
        if spec.tiles:
            tiles_opts, tiles_note = _tiles(spec.tiles)
        panels: list[list[str]] = []
        bodies: list[str] = []

        def panel(markup: str, pid: str, position: str) -> None:
            if markup:
                bodies.append(markup)
                panels.append([pid, position])

        panel(_title_box(spec, self.notes_html), "bk-title", "topleft")
        panels.append(["zoom", "topleft"])
        if spec.north_arrow:
            panel(f'<div id="bk-north" class="bk-box bk-north">{_svg.north_arrow_svg()}</div>',
                  "bk-north", "topright")
        if self.layer_control:
            panels.append(["layers", "topright"])
        if spec.legend:
            panel(_legend_box(resolved), "bk-legend", "topright")
        if spec.scale_bar:
            panel(_SCALE_BOX, "bk-scale", "bottomleft")
        panel(_sources_box(resolved, tiles_note), "bk-sources", "bottomleft")
        if spec.inset and resolved.inset is not None and len(resolved.inset):
            panel(f'<div id="bk-inset" class="bk-box bk-inset">'
                  f"{_svg.inset_svg(resolved.inset, resolved.bounds)}</div>",
                  "bk-inset", "bottomright")

        finish = {"bounds": [float(v) for v in resolved.bounds], "panels": panels}
        page = _Page(title=spec.title, lang=self.lang)
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
