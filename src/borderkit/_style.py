"""One style table for every renderer (Leaflet HTML and matplotlib print maps).

Each *kind* of layer has one look, so the interactive map and the print map of the
same brief match. Colours are distinct enough that pixel tests can find them.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from .errors import SpecError

__all__ = ["KINDS", "POINT_KINDS", "style_for"]

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
