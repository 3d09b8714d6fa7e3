"""The panels around the map (title, legend, sources, scale, north arrow, inset) as HTML.

Every text is escaped here (:mod:`borderkit.maps._escape`); only ``notes_html`` and
:class:`~borderkit.maps.TrustedHTML` values go in as they are. :func:`_panels`
lays the panels out in their corners; :func:`_tiles` turns an ``xyzservices``
provider into the page's tile options and its attribution.
"""

from __future__ import annotations

from typing import Any

from .._style import checked_style
from ..errors import SpecError
from ..spec import BriefSpec, ResolvedSpec
from . import _assets, _svg
from ._escape import TrustedHTML, html, safe_url


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


def _toggle(pid: str, text: str, label: str | None = None) -> str:
    """The button that folds a panel's body (``aria-expanded``; ``_page.js`` wires it)."""
    name = f' aria-label="{html(label)}"' if label else ""
    return (f'<button type="button" class="bk-toggle" aria-expanded="true" '
            f'aria-controls="{pid}-body"{name}>{text}<span class="bk-chev" '
            'aria-hidden="true"></span></button>')


def _fold(pid: str, head: str, body: str, cls: str) -> str:
    """A panel that folds to its *head* (below 700 px wide it starts folded)."""
    return (f'<div id="{pid}" class="bk-box {cls} bk-fold">{head}'
            f'<div id="{pid}-body" class="bk-fold-body">{body}</div></div>')


def _title_box(spec: BriefSpec, notes_html: str | None) -> str:
    head = (f'<div class="bk-title-row"><h1>{html(spec.title)}</h1>'
            f'{_toggle("bk-title", "", "Title, subtitle and notes")}</div>')
    parts = []
    if spec.subtitle:
        parts.append(f'<div class="bk-sub">{html(spec.subtitle)}</div>')
    notes = [f"<li>{html(n)}</li>" for n in _as_list(spec.notes, "notes")]
    if notes:
        parts.append("<ul>" + "".join(notes) + "</ul>")
    if notes_html:
        parts.append(f'<div class="bk-notes-html">{notes_html}</div>')
    return _fold("bk-title", head, "".join(parts), "bk-title")


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
    group = None
    for label, style in resolved.legend_entries():
        swatch = _svg.swatch_svg(checked_style(style, layer=label))
        if style.get("legend_group") != group:  # the title of a layer coloured by a column
            group = style.get("legend_group")
            if group is not None:
                items.append(f'<li class="bk-legend-group"><strong>{html(group)}</strong></li>')
        text = style.get("legend_label", label) if group is not None else label
        items.append(f"<li>{swatch}<span>{html(text)}</span></li>")
    if not items:
        return ""
    # the label note (hidden labels, numbered callouts) is filled in by _page.js
    return _fold("bk-legend", _toggle("bk-legend", "Legend") + _LABEL_NOTE,
                 f'{_CALLOUTS}<ul>{"".join(items)}</ul>', "bk-legend")


def _sources_box(resolved: ResolvedSpec, tiles_note: str | None) -> str:
    spec = resolved.spec
    parts = []
    sources = [f"<li>{_linkify(s)}</li>" for s in _as_list(spec.sources, "sources")]
    if sources:
        parts.append("<ol>" + "".join(sources) + "</ol>")
    attribution = [html(a) for a in resolved.attribution]
    if tiles_note:
        attribution.append(html(tiles_note))
    credits = f"Map: Leaflet {_assets.LEAFLET_VERSION} (BSD-2-Clause), borderkit"
    data = ("Data: " + "; ".join(attribution) + ". ") if attribution else ""
    parts.append(f'<div class="bk-attr">{data}{credits}</div>')
    return _fold("bk-sources", _toggle("bk-sources", "Sources"), "".join(parts), "bk-sources")


# what the page says about labels it hid or numbered (text set by _page.js, never data)
_LABEL_NOTE = '<div id="bk-labelnote" class="bk-labelnote" role="status" hidden></div>'
_CALLOUTS = ('<div id="bk-callouts" class="bk-callouts" hidden>'
             '<div class="bk-callouts-h">Numbered labels</div><ol></ol></div>')

_SCALE_BOX = (
    '<div id="bk-scale" class="bk-box bk-scale">'
    '<div class="bk-scale-km"><div class="bk-bar"></div><span class="bk-scale-t"></span></div>'
    '<div class="bk-scale-nmi"><div class="bk-bar"></div><span class="bk-scale-t"></span></div>'
    "</div>"
)


def _panels(resolved: ResolvedSpec, notes_html: str | None, *, layer_control: bool,
            tiles_note: str | None) -> tuple[list[str], list[list[str]]]:
    """(markup of each panel, ``[id, corner]`` of each panel and control, in page order)."""
    spec = resolved.spec
    panels: list[list[str]] = []
    bodies: list[str] = []

    def panel(markup: str, pid: str, position: str) -> None:
        if markup:
            bodies.append(markup)
            panels.append([pid, position])

    panel(_title_box(spec, notes_html), "bk-title", "topleft")
    panels.append(["zoom", "topleft"])
    if spec.north_arrow:
        panel(f'<div id="bk-north" class="bk-box bk-north">{_svg.north_arrow_svg()}</div>',
              "bk-north", "topright")
    if layer_control:
        panels.append(["layers", "topright"])
    legend = _legend_box(resolved) if spec.legend else ""
    panel(legend, "bk-legend", "topright")
    if not legend:  # the label note needs a home
        panel(f'<div id="bk-labelbox" class="bk-box bk-labelbox" hidden>{_LABEL_NOTE}'
              f"{_CALLOUTS}</div>", "bk-labelbox", "topright")
    if spec.scale_bar:
        panel(_SCALE_BOX, "bk-scale", "bottomleft")
    panel(_sources_box(resolved, tiles_note), "bk-sources", "bottomleft")
    if spec.inset and resolved.inset is not None and len(resolved.inset):
        panel(f'<div id="bk-inset" class="bk-box bk-inset">'
              f"{_svg.inset_svg(resolved.inset, resolved.bounds)}</div>",
              "bk-inset", "bottomright")
    return bodies, panels


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
