"""One style table for every renderer (Leaflet HTML and matplotlib print maps).

Each *kind* of layer has one look, so the interactive map and the print map of the
same brief match. Colours are distinct enough that pixel tests can find them.
"""

from __future__ import annotations

import colorsys
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from .errors import SpecError

__all__ = ["COLOR_FORMS", "KINDS", "POINT_KINDS", "checked_style", "style_for", "to_hex"]

_S: dict[str, dict[str, Any]] = {
    # polygons
    "land": {"geom": "polygon", "color": "#9e9e9e", "fill": "#efece6", "weight": 0.8,
             "fill_opacity": 1.0, "dash": None, "z": 0, "legend": False},
    "country": {"geom": "polygon", "color": "#6d6d6d", "fill": "#fbf8ef", "weight": 1.2,
                "fill_opacity": 1.0, "dash": None, "z": 1, "legend": False},
    "region": {"geom": "polygon", "color": "#3a7d44", "fill": "#cfe8c9", "weight": 1.5,
               "fill_opacity": 0.55, "dash": None, "z": 2, "legend": True},
    "ceded_area": {"geom": "polygon", "color": "#d35400", "fill": "#f39c12", "weight": 1.5,
                   "fill_opacity": 0.6, "dash": None, "z": 3, "legend": True},
    "buffer": {"geom": "polygon", "color": "#1f5fa8", "fill": "#1f5fa8", "weight": 1.2,
               "fill_opacity": 0.06, "dash": "6 4", "z": 4, "legend": True},
    "uncertainty": {"geom": "polygon", "color": "#8e24aa", "fill": "#8e24aa", "weight": 1.0,
                    "fill_opacity": 0.12, "dash": "3 3", "z": 5, "legend": True},
    # lines
    "border": {"geom": "line", "color": "#c0392b", "fill": None, "weight": 2.5,
               "fill_opacity": 0.0, "dash": None, "z": 6, "legend": True},
    "historical_border": {"geom": "line", "color": "#7b1fa2", "fill": None, "weight": 2.0,
                          "fill_opacity": 0.0, "dash": "8 6", "z": 7, "legend": True},
    "ring": {"geom": "line", "color": "#1f5fa8", "fill": None, "weight": 1.2,
             "fill_opacity": 0.0, "dash": "6 4", "z": 8, "legend": True},
    "distance_line": {"geom": "line", "color": "#111111", "fill": None, "weight": 1.8,
                      "fill_opacity": 0.0, "dash": "2 4", "z": 9, "legend": True},
    "user_line": {"geom": "line", "color": "#00838f", "fill": None, "weight": 2.0,
                  "fill_opacity": 0.0, "dash": None, "z": 9, "legend": True},
    # points
    "capital": {"geom": "point", "color": "#000000", "fill": "#ffffff", "weight": 2.0,
                "fill_opacity": 1.0, "dash": None, "z": 11, "legend": True,
                "marker": "star", "radius": 7},
    "city": {"geom": "point", "color": "#333333", "fill": "#ffffff", "weight": 1.5,
             "fill_opacity": 1.0, "dash": None, "z": 11, "legend": True,
             "marker": "circle", "radius": 4},
    "town": {"geom": "point", "color": "#555555", "fill": "#dddddd", "weight": 1.0,
             "fill_opacity": 1.0, "dash": None, "z": 11, "legend": True,
             "marker": "circle", "radius": 3},
    "checkpoint": {"geom": "point", "color": "#0b6e4f", "fill": "#14b37d", "weight": 2.0,
                   "fill_opacity": 1.0, "dash": None, "z": 12, "legend": True,
                   "marker": "square", "radius": 6},
    "facility": {"geom": "point", "color": "#b71c1c", "fill": "#ff1744", "weight": 2.0,
                 "fill_opacity": 1.0, "dash": None, "z": 13, "legend": True,
                 "marker": "triangle", "radius": 7},
    "base": {"geom": "point", "color": "#4a148c", "fill": "#ab47bc", "weight": 1.5,
             "fill_opacity": 1.0, "dash": None, "z": 12, "legend": True,
             "marker": "diamond", "radius": 5},
    "tripoint": {"geom": "point", "color": "#37474f", "fill": "#90a4ae", "weight": 1.5,
                 "fill_opacity": 1.0, "dash": None, "z": 12, "legend": True,
                 "marker": "cross", "radius": 5},
    "airport": {"geom": "point", "color": "#0d47a1", "fill": "#42a5f5", "weight": 1.5,
                "fill_opacity": 1.0, "dash": None, "z": 12, "legend": True,
                "marker": "circle", "radius": 5},
    # events sit under the place they happened at, a larger disc around its marker
    "event": {"geom": "point", "color": "#e65100", "fill": "#ffca28", "weight": 2.0,
              "fill_opacity": 1.0, "dash": None, "z": 10, "legend": True,
              "marker": "circle", "radius": 9},
    "user_point": {"geom": "point", "color": "#00838f", "fill": "#4dd0e1", "weight": 1.5,
                   "fill_opacity": 1.0, "dash": None, "z": 13, "legend": True,
                   "marker": "circle", "radius": 5},
    "user_polygon": {"geom": "polygon", "color": "#00838f", "fill": "#4dd0e1", "weight": 1.5,
                     "fill_opacity": 0.25, "dash": None, "z": 4, "legend": True},
}

STYLES = MappingProxyType({k: MappingProxyType(v) for k, v in _S.items()})
KINDS: tuple[str, ...] = tuple(sorted(_S))
POINT_KINDS: frozenset[str] = frozenset(k for k, v in _S.items() if v["geom"] == "point")


def style_for(kind: str, **overrides: Any) -> dict[str, Any]:
    """Return a copy of the style of *kind*, with *overrides* applied.

    Raises
    ------
    SpecError
        If *kind* is unknown; the message lists the known kinds.
    """
    try:
        base = dict(_S[kind])
    except KeyError:
        raise SpecError(f"unknown layer kind {kind!r}; use one of: {', '.join(KINDS)}") from None
    unknown = set(overrides) - set(base) - {"marker", "radius"}
    if unknown:
        raise SpecError(
            f"unknown style option(s) {sorted(unknown)} for kind {kind!r}; "
            f"use: {', '.join(sorted(base))}"
        )
    base.update(overrides)
    return base


# ----------------------------------------------------------------------------- colours
# Both renderers take a layer's colours from checked_style, so a colour either draws the
# same in the page and in print or is refused with one message, before anything is drawn.

COLOR_KEYS: tuple[str, ...] = ("color", "fill")
COLOR_FORMS = ("'#rrggbb' (or '#rgb', '#rrggbbaa'), a CSS colour name such as 'darkred', "
               "'rgb(r, g, b)' / 'rgba(r, g, b, a)' or 'hsl(h, s%, l%)'")

_HEX = re.compile(r"#(?:[0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})")
_FUNCTION = re.compile(r"(rgba?|hsla?)\(([-+0-9.%deg,/\s]{1,80})\)")
_NUMBER = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)")


@lru_cache(maxsize=1)
def _css_names() -> Mapping[str, str]:
    from matplotlib.colors import CSS4_COLORS  # the 148 CSS named colours, as #RRGGBB

    return {name: str(value) for name, value in CSS4_COLORS.items()}


def _channel(text: str, scale: float) -> float:
    """One number of rgb()/hsl(): a fraction of *scale*, or a percentage."""
    percent = text.endswith("%")
    text = text.removesuffix("%").removesuffix("deg")
    if not _NUMBER.fullmatch(text):
        raise ValueError(text)
    value = float(text) / (100.0 if percent else scale)
    if not 0.0 <= value <= 1.0:
        raise ValueError(text)
    return value


def _from_function(name: str, args: str) -> tuple[float, ...]:
    parts = [a for a in re.split(r"[\s,/]+", args.strip()) if a]
    if len(parts) not in (3, 4):
        raise ValueError(args)
    alpha = _channel(parts[3], 1.0) if len(parts) == 4 else 1.0
    if name.startswith("rgb"):
        return (*(_channel(v, 255.0) for v in parts[:3]), alpha)
    hue = parts[0].removesuffix("deg")
    if not _NUMBER.fullmatch(hue):
        raise ValueError(hue)
    r, g, b = colorsys.hls_to_rgb(float(hue) % 360 / 360, _channel(parts[2], 100.0),
                                  _channel(parts[1], 100.0))
    return r, g, b, alpha


def to_hex(value: Any) -> str | None:
    """*value* as ``'#rrggbb'`` (``'#rrggbbaa'`` when not opaque), or None if it is no colour.

    The forms of :data:`COLOR_FORMS`; what both the browser and matplotlib draw alike.

    Examples
    --------
    >>> to_hex("#C0392B"), to_hex("#abc"), to_hex("DarkRed"), to_hex("rgb(255, 0, 0)")
    ('#c0392b', '#aabbcc', '#8b0000', '#ff0000')
    >>> to_hex("rgba(0, 0, 255, 0.5)"), to_hex("hsl(120, 100%, 25%)"), to_hex("notacolour")
    ('#0000ff80', '#008000', None)
    """
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    if _HEX.fullmatch(text):
        digits = text[1:]
        if len(digits) in (3, 4):
            digits = "".join(d * 2 for d in digits)
        return "#" + (digits[:6] if digits[6:] == "ff" else digits)
    if text in _css_names():
        return _css_names()[text].lower()
    match = _FUNCTION.fullmatch(text)
    if not match:
        return None
    try:
        rgba = _from_function(match.group(1), match.group(2))
    except ValueError:
        return None
    out = "#" + "".join(f"{round(c * 255):02x}" for c in rgba[:3])
    return out if rgba[3] >= 1.0 else out + f"{round(rgba[3] * 255):02x}"


def checked_style(style: Mapping[str, Any], *, layer: str,
                  columns: Sequence[str] = ()) -> dict[str, Any]:
    """A copy of *style* with its colours checked and written as ``#rrggbb[aa]``.

    Both renderers call it for every layer, so a colour draws alike in the page and
    in print. A missing fill (None, '' or 'none') means no fill. Resolving a layer
    passes its *columns*, so a colour that names one of them is refused with a
    pointer to ``Layer(column=...)``, the way to colour by data.

    Raises
    ------
    SpecError
        If a colour is not one of :data:`COLOR_FORMS`; the message names the layer,
        the style key and the value (and ``column=`` when the value is a column).

    Examples
    --------
    >>> checked_style({"color": "Red", "fill": "none"}, layer="Places")
    {'color': '#ff0000', 'fill': None}
    >>> checked_style({"color": "reddish"}, layer="Places")
    Traceback (most recent call last):
    ...
    borderkit.errors.SpecError: layer 'Places' style 'color': 'reddish' is not a CSS colour ...
    >>> checked_style({"color": "kind"}, layer="Places", columns=["name", "kind"])
    Traceback (most recent call last):
    ...
    borderkit.errors.SpecError: layer 'Places' style 'color': 'kind' is a column of the layer, ...
    """
    out = dict(style)
    for key in COLOR_KEYS:
        if key not in out:
            continue
        value = out[key]
        if key == "fill" and (value is None or (isinstance(value, str)
                                                and value.strip().lower() in ("", "none"))):
            out[key] = None
            continue
        color = to_hex(value)
        if color is None and isinstance(value, str) and value in columns:
            raise SpecError(
                f"layer {layer!r} style {key!r}: {value!r} is a column of the layer, not a "
                f"colour; to colour the features by it use Layer(..., column={value!r}) "
                "(with cmap=, categorical=, scheme=, k=), and keep style for fixed colours"
            )
        if color is None:
            shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "..."
            raise SpecError(
                f"layer {layer!r} style {key!r}: {shown} is not a CSS colour that both the "
                f"page and print maps draw; use {COLOR_FORMS}"
                + (", or None for no fill" if key == "fill" else "")
            )
        out[key] = color
    return out
