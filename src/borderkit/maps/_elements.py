"""The page's building blocks: folium/branca elements that add finished markup.

No user text goes through folium's templates: branca parses the output of every
``MacroElement`` macro again as a Jinja template (so ``{{ ... }}`` in a place name
would be evaluated) and folium escapes text only partly. Each element here adds
finished, escaped markup to the page as a raw element instead: :class:`_Page` is
the document, :class:`_LeafletMap` the map and its panels, :class:`_Call` one
``bk.<function>`` statement and :class:`_GeoLayer` one resolved layer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import folium
import shapely
from branca.element import Element, Figure, MacroElement

from .._style import checked_style
from ..errors import RenderError, SpecError
from ..spec import ResolvedLayer
from . import _assets, _csp, _features, _svg
from ._escape import css_color, css_number, html, script_json

#: Basemap layers (``fit=False``) are simplified this many times more than the rest (the
#: page zooms out to fit the data beside its panels, so this is still about 1.5 px).
BASEMAP_TOLERANCE = 3.0


def context_window(window: Sequence[float], factor: float = 2.0) -> tuple[float, ...]:
    """*window* grown to a square *factor* times its longer side (cosine-corrected degrees).

    The page fits the data into the space its panels leave, on screens from a phone
    held upright to a wide desktop, so the basemap context must reach past the
    spec's own *width* x *height* view in both directions, or its clipped edge shows.

    Examples
    --------
    >>> [round(v, 1) for v in context_window((10.0, -1.0, 12.0, 1.0))]
    [9.0, -2.0, 13.0, 2.0]
    """
    lon0, lat0, lon1, lat1 = (float(v) for v in window)
    cx, cy = (lon0 + lon1) / 2, (lat0 + lat1) / 2
    k = max(math.cos(math.radians(cy)), 0.05)
    half = max((lon1 - lon0) * k, lat1 - lat0) * factor / 2
    return (max(min(lon0, cx - half / k), -180.0), max(min(lat0, cy - half), -90.0),
            min(max(lon1, cx + half / k), 180.0), min(max(lat1, cy + half), 90.0))


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

    def __init__(self, *, title: str, lang: str = "en",
                 img_sources: Sequence[str] = ()) -> None:
        super().__init__()
        self._name = "Page"
        self.lang = lang
        self.img_sources = list(img_sources)  # web tile hosts, when the spec asks for tiles
        self.header._children.clear()  # drop branca's http-equiv meta; ours follows
        self.own_scripts = ["\n" + _assets.leaflet_js(), "\n" + _assets.page_js()]
        head = (
            '<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
            f'<meta name="generator" content="borderkit">\n<title>{html(title)}</title>\n'
            f"<style>\n{_assets.leaflet_css()}\n</style>\n"
            f"<style>\n{_assets.page_css()}</style>\n"
            + "".join(f"<script>{text}</script>\n" for text in self.own_scripts)
        )
        self.header.add_child(_Raw(head), name="bk-head")

    def render(self, **kwargs: Any) -> str:
        # body and script are rebuilt on every render, so rendering twice is idempotent
        self.html._children.clear()
        self.script._children.clear()
        for child in self._children.values():
            child.render(**kwargs)
        script = "\n" + self.script.render(**kwargs) + "\n"
        csp = _csp.policy([*self.own_scripts, script], self.img_sources)
        return (
            f'<!DOCTYPE html>\n<html lang="{html(self.lang)}">\n<head>\n'
            '<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{html(csp)}">\n'
            + self.header.render(**kwargs)
            + "\n</head>\n<body>\n"
            + self.html.render(**kwargs)
            + f"\n<script>{script}</script>\n</body>\n</html>\n"
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
                if not lyr.fit:  # basemap context: clipped around the view
                    tolerance *= BASEMAP_TOLERANCE
                    if self.window is not None:
                        geoms = shapely.clip_by_rect(geoms, *context_window(self.window))
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
    s = checked_style(lyr.style, layer=lyr.name)  # the same colours as the print map
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


#: How strongly the hillshade darkens the map (the page multiplies it, brightened so
#: flat ground is white; the print map draws the same darkening).
SHADE_OPACITY = 0.6


def context_call(ctx: Any) -> _Call | None:
    """The ``bk.context`` call of a resolved spec's context (hillshade, context names)."""
    if ctx is None or (ctx.shade is None and not ctx.labels):
        return None
    options: dict[str, Any] = {
        "labels": [[lab.lon, lab.lat, lab.text, lab.cls, lab.priority] for lab in ctx.labels],
    }
    if ctx.shade is not None:
        options["shade"] = {"uri": ctx.shade.data_uri(),
                            "bounds": [float(v) for v in ctx.shade.bounds],
                            "brightness": round(255.0 / float(ctx.flat), 4),
                            "opacity": SHADE_OPACITY}
    return _Call("context", options)
