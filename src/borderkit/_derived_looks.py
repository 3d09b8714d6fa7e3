"""How distance lines and range rings look: their styles, legend names and labels.

Two distance lines (or two ring sets) of one brief must not look alike, so each
takes the next colour and dash of a small fixed cycle, by its order in the spec
(:data:`LINE_LOOKS`, :data:`RING_LOOKS`; deterministic). A ``style`` given on a
:class:`~borderkit.DistanceLine` or :class:`~borderkit.RangeRings` overrides that
look, with the layer style names of :mod:`borderkit._style` (``color``,
``weight``, ``dash``) and ``opacity``, which both renderers draw as the alpha of
the colour. Unnamed layers are named by what they connect, and the distance label
is short: ``"≈ 28.8 km / 17.9 mi / 15.6 nmi ± 30.0 km"``, with what ``±`` means said
once, in the legend: by the uncertainty circles' entry (``"Location uncertainty (±)"``)
or, without circles, after the name of the first line whose length carries a ±.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ._style import checked_style
from .errors import SpecError

__all__ = ["LINE_LOOKS", "RING_LOOKS", "STYLE_KEYS", "PLUS_MINUS_NOTE", "derived_style",
           "distance_text", "line_name", "ring_label", "ring_name"]

#: (colour, dash) of the 1st, 2nd, ... distance line; the first is the kind's own look.
LINE_LOOKS: tuple[tuple[str, str], ...] = (
    ("#111111", "2 4"), ("#0277bd", "8 4"), ("#827717", "1 3"), ("#ad1457", "10 3 2 3"),
)
#: (colour, dash) of the 1st, 2nd, ... set of range rings; the first is the kind's own look.
RING_LOOKS: tuple[tuple[str, str], ...] = (
    ("#1f5fa8", "6 4"), ("#ef6c00", "2 3"), ("#00796b", "10 4"), ("#5e35b1", "4 2 1 2"),
)
#: The keys a distance line's or range rings' ``style`` may set.
STYLE_KEYS: tuple[str, ...] = ("color", "weight", "dash", "opacity")
#: Said once in the legend, after the first distance line whose length carries a ±
#: (when no uncertainty circles are drawn; their legend entry says it then).
PLUS_MINUS_NOTE = "± = approximate location"

_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")


def _number(value: Any, where: str, low: float, high: float) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or not low <= value <= high:
        raise SpecError(f"{where} must be a number from {low:g} to {high:g}, not {value!r}")
    return float(value)


def _dash(value: Any, where: str) -> str | None:
    """A dash pattern as ``"6 4"`` (CSS pixels), or None for a solid line."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "solid")):
        return None
    parts = value.replace(",", " ").split() if isinstance(value, str) else value
    if not isinstance(parts, Sequence) or isinstance(parts, bytes) or not parts:
        parts = [value]
    hint = (f"{where} must be a dash pattern of lengths in CSS pixels such as '6 4' or [6, 4], "
            f"or None for a solid line, not {value!r}")
    nums = []
    for p in parts:
        if isinstance(p, str):
            if not _NUMBER.fullmatch(p):
                raise SpecError(hint)
            p = float(p)
        if not isinstance(p, int | float) or isinstance(p, bool) or not 0 <= p <= 1000 \
                or not math.isfinite(p):
            raise SpecError(hint)
        nums.append(float(p))
    if not any(nums):
        raise SpecError(hint)
    return " ".join(f"{n:g}" for n in nums)


def _with_opacity(color: str, opacity: float) -> str:
    """``#rrggbb[aa]`` with its alpha multiplied by *opacity*."""
    alpha = int(color[7:9], 16) / 255 if len(color) == 9 else 1.0
    a = round(alpha * opacity * 255)
    return color[:7] if a >= 255 else f"{color[:7]}{a:02x}"


def derived_style(style: Any, order: int, where: str, looks: Sequence[tuple[str, str]]
                  ) -> dict[str, Any]:
    """The style overrides of the *order*-th distance line or ring set.

    The look of the cycle (colour and dash), then the user's *style* on top, checked.

    Raises
    ------
    SpecError
        If *style* is no mapping, has a key not in :data:`STYLE_KEYS`, or a value the
        renderers cannot draw; the message names ``<where>.style`` and the key.

    Examples
    --------
    >>> derived_style(None, 1, "distance_lines[1]", LINE_LOOKS)
    {'color': '#0277bd', 'dash': '8 4'}
    >>> derived_style({"color": "red", "opacity": 0.5, "dash": None}, 0, "rings[0]", RING_LOOKS)
    {'color': '#ff000080', 'dash': None}
    """
    color, dash = looks[order % len(looks)]
    out: dict[str, Any] = {"color": color, "dash": dash}
    if style is None:
        return out
    if not isinstance(style, Mapping):
        raise SpecError(f"{where}.style must be a dict with keys from {', '.join(STYLE_KEYS)}, "
                        f"not {type(style).__name__}")
    unknown = sorted(str(k) for k in style if k not in STYLE_KEYS)
    if unknown:
        raise SpecError(f"{where}.style: unknown key(s) {unknown}; use {', '.join(STYLE_KEYS)}")
    if "color" in style:
        out["color"] = checked_style({"color": style["color"]}, layer=f"{where}")["color"]
    if "dash" in style:
        out["dash"] = _dash(style["dash"], f"{where}.style['dash']")
    if "weight" in style:
        out["weight"] = _number(style["weight"], f"{where}.style['weight']", 0.1, 50)
    if "opacity" in style:
        opacity = _number(style["opacity"], f"{where}.style['opacity']", 0, 1)
        out["color"] = _with_opacity(out["color"], opacity)
    return out


def distance_text(length_m: float, spread_m: float) -> str:
    """The label of a distance line: the length, and ``± spread`` for approximate ends.

    Examples
    --------
    >>> distance_text(28_819.4, 30_000.0)
    '≈ 28.8 km / 17.9 mi / 15.6 nmi ± 30.0 km'
    >>> distance_text(527_700.0, 0.0)
    '527.7 km / 327.9 mi / 284.9 nmi'
    """
    from .measure import format_distance

    text = format_distance(length_m)
    if spread_m > 0:
        text = f"≈ {text} ± {format_distance(spread_m, units=('km',))}"
    return text


def line_name(name: str | None, end_a: str, end_b: str, explain: bool) -> str:
    """Legend name of a distance line: its ``name``, or the two ends it connects;
    *explain* adds what ``±`` means (once per map).

    Examples
    --------
    >>> line_name(None, "Kulma-Karasu crossing", "Dushanbe", False)
    'Kulma-Karasu crossing – Dushanbe'
    >>> line_name("To the border", "a", "b", True)
    'To the border (± = approximate location)'
    """
    base = name or f"{end_a} – {end_b}"
    return f"{base} ({PLUS_MINUS_NOTE})" if explain else base


def ring_name(name: str | None, centre: str) -> str:
    """Legend name of a set of range rings: its ``name``, or the centre it is around.

    Examples
    --------
    >>> ring_name(None, "the facility")
    'Rings around the facility'
    """
    return name or f"Rings around {centre}"


def ring_label(radius_m: float, centre: str) -> str:
    """The label drawn on one ring: its radius in km and nmi, from the centre.

    Examples
    --------
    >>> ring_label(100e3, "the facility")
    '100.0 km / 54.0 nmi from the facility'
    """
    from .measure import format_distance

    return f"{format_distance(radius_m, units=('km', 'nmi'))} from {centre}"
