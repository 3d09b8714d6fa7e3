"""Styling a layer by one of its columns: categories or classes, each with its colour.

:func:`column_parts` splits a layer's rows into one part per category (a qualitative
palette) or per class of a numeric column (equal intervals or quantiles on a
sequential colour map), plus a grey "no data" part for missing values. Each part
is drawn as a layer of its own through the ordinary style path, so the page and
the print map colour it alike and the legend gets one entry per part, grouped
under the layer's title (the style keys ``legend_group`` and ``legend_label``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._style import checked_style, to_hex
from .errors import SpecError

__all__ = ["NO_DATA_COLOR", "SCHEMES", "class_bounds", "column_parts", "format_bounds",
           "layer_parts"]

#: The colour of rows whose column is missing (NaN, None).
NO_DATA_COLOR = "#bdbdbd"
#: The classification schemes of numeric columns (the names mapclassify uses).
SCHEMES: tuple[str, ...] = ("equalinterval", "quantiles")
LEGEND_KWDS: tuple[str, ...] = ("caption", "fmt", "labels")
_OUTLINE = "#333333"  # markers' and polygons' outline, unless the style sets color
_FILL_OPACITY = 0.7  # polygons coloured by a column, unless the style sets fill_opacity


def _fail(layer: str, key: str, text: str) -> SpecError:
    return SpecError(f"layer {layer!r} {key}: {text}")


def class_bounds(values: np.ndarray, scheme: str, k: int) -> np.ndarray:
    """The class bounds (increasing, first the minimum, last the maximum) of *values*.

    ``equalinterval`` cuts the range into *k* equal steps; ``quantiles`` puts about
    the same number of values in each class (repeated bounds are merged, so ties
    may give fewer classes).

    Examples
    --------
    >>> class_bounds(np.array([0.0, 1, 2, 10]), "equalinterval", 2).tolist()
    [0.0, 5.0, 10.0]
    >>> class_bounds(np.array([1.0, 2, 3, 4]), "quantiles", 2).tolist()
    [1.0, 2.5, 4.0]
    """
    lo, hi = float(values.min()), float(values.max())
    if lo == hi:
        return np.array([lo, hi])
    if scheme == "equalinterval":
        return np.linspace(lo, hi, k + 1)
    return np.unique(np.quantile(values, np.linspace(0.0, 1.0, k + 1)))


def format_bounds(bounds: Sequence[float], fmt: str | None = None) -> list[str]:
    """Legend labels ``"[a, b)"`` of consecutive *bounds*, the last class closed.

    Numbers get as many decimals as it takes to tell neighbouring bounds apart
    (none for whole numbers), with thousands separators; *fmt* (``"{:.1f}"``)
    overrides that.

    Examples
    --------
    >>> format_bounds([0, 2500, 5000])
    ['[0, 2,500)', '[2,500, 5,000]']
    >>> format_bounds([0.0, 0.125, 0.25])
    ['[0, 0.125)', '[0.125, 0.25]']
    """
    values = [float(b) for b in bounds]
    if fmt is None:
        steps = [abs(b - a) for a, b in zip(values, values[1:], strict=False) if b != a]
        whole = all(v == int(v) for v in values if math.isfinite(v))
        digits = 0 if whole or not steps else max(0, 2 - math.floor(math.log10(min(steps))))
        digits = min(digits, 6)

        def show(v: float) -> str:
            text = f"{v:,.{digits}f}"
            return text.rstrip("0").rstrip(".") if "." in text else text
    else:
        def show(v: float) -> str:
            return fmt.format(v)
    if len(values) == 2 and values[0] == values[1]:
        return [f"[{show(values[0])}, {show(values[1])}]"]
    return [f"[{show(a)}, {show(b)}" + ("]" if i == len(values) - 2 else ")")
            for i, (a, b) in enumerate(zip(values, values[1:], strict=False))]


def _cmap(cmap: Any, layer: str) -> Any:
    from matplotlib import colormaps

    try:
        return colormaps[cmap]
    except (KeyError, TypeError, ValueError):
        raise _fail(layer, "cmap", f"{cmap!r} is not a matplotlib colour map name, a list of "
                    "colours or a dict value -> colour; names include viridis, plasma, Blues, "
                    "Reds, tab10, tab20, Set2 (all: list(matplotlib.colormaps))") from None


def _sample(cmap: Any, n: int, layer: str, *, qualitative: bool) -> list[str]:
    """*n* colours from a colour map name, a list of colours, or (None) the default."""
    from matplotlib.colors import ListedColormap
    from matplotlib.colors import to_hex as mpl_hex

    if isinstance(cmap, list | tuple):
        checked = [_colour(c, layer, f"cmap[{i}]") for i, c in enumerate(cmap)]
        if not checked:
            raise _fail(layer, "cmap", "the list of colours is empty")
        return [checked[i % len(checked)] for i in range(n)]
    name = cmap or (("tab10" if n <= 10 else "tab20") if qualitative else "viridis")
    cm = _cmap(name, layer)
    listed: list[Any] = list(cm.colors) if isinstance(cm, ListedColormap) else []  # type: ignore[arg-type]
    if qualitative and 0 < len(listed) < 64:
        return [mpl_hex(listed[i % len(listed)]) for i in range(n)]
    at = [0.5] if n == 1 else np.linspace(0.0, 1.0, n)
    return [mpl_hex(cm(float(x))) for x in at]


def _colour(value: Any, layer: str, key: str) -> str:
    color = to_hex(value)
    if color is None:
        raise _fail(layer, key, f"{value!r} is not a colour; use '#rrggbb' or a CSS colour "
                    "name such as 'darkred'")
    return color


def _check(lyr: Any, frame: Any, layer: str) -> tuple[Any, bool, str, int, dict[str, Any]]:
    """(the column's values, categorical, scheme, k, legend_kwds), each checked."""
    column = lyr.column
    if column not in frame.columns or column == frame.geometry.name:
        cols = [str(c) for c in frame.columns if c != frame.geometry.name]
        raise _fail(layer, "column", f"{column!r} is not a column of the layer; columns: "
                    f"{', '.join(cols) or '(none)'}")
    values = frame[column]
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    categorical = (not numeric) if lyr.categorical is None else bool(lyr.categorical)
    k = lyr.k
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 2:
        raise _fail(layer, "k", f"the number of classes must be a whole number of at least "
                    f"2, not {k!r}")
    scheme = str(lyr.scheme or "equalinterval").lower().replace("_", "")
    if lyr.scheme is not None and (categorical or scheme not in SCHEMES):
        why = ("the column is categorical (categorical=False to classify numbers)"
               if categorical else f"{lyr.scheme!r} is not available")
        raise _fail(layer, "scheme", f"{why}; use one of: {', '.join(SCHEMES)}, or None")
    if not categorical and not numeric:
        raise _fail(layer, "categorical", f"column {column!r} is not numeric, so it can only "
                    "be shown by category (categorical=True)")
    kwds = dict(lyr.legend_kwds or {})
    unknown = sorted(set(kwds) - set(LEGEND_KWDS))
    if unknown:
        raise _fail(layer, "legend_kwds", f"unknown key(s) {unknown}; use: "
                    f"{', '.join(LEGEND_KWDS)}")
    return values, categorical, scheme, int(k), kwds


def _categories(values: Any, lyr: Any, layer: str) -> tuple[list[Any], list[str]]:
    """The categories present (in the column's category order, else sorted) and colours."""
    present = values.dropna().unique()
    if isinstance(values.dtype, pd.CategoricalDtype):
        cats = [c for c in values.cat.categories if c in set(present)]
    else:
        cats = sorted(present) if _orderable(present) else sorted(present, key=str)
    if isinstance(lyr.cmap, Mapping):
        colours = {c: _colour(v, layer, f"cmap[{c!r}]") for c, v in lyr.cmap.items()}
        missing = [c for c in cats if c not in colours]
        if missing:
            raise _fail(layer, "cmap", f"no colour for the value(s) {missing[:10]}; give every "
                        "category of the column a colour")
        return cats, [colours[c] for c in cats]
    return cats, _sample(lyr.cmap, len(cats), layer, qualitative=True)


def _orderable(values: Any) -> bool:
    try:
        sorted(values)
    except TypeError:
        return False
    return True


def column_parts(frame: Any, lyr: Any, name: str,
                 geom: str, style: Mapping[str, Any]) -> list[tuple[Any, str, dict[str, Any]]]:
    """``(rows, part name, style overrides)`` for each category or class of ``lyr.column``.

    Parameters
    ----------
    frame : GeoDataFrame
        The layer's rows, loaded and cleaned.
    lyr : borderkit.Layer
        The layer, with ``column``, ``cmap``, ``categorical``, ``scheme``, ``k``
        and ``legend_kwds``.
    name : str
        The layer's name: the legend group title and the prefix of each part's name.
    geom : str
        ``"point"`` (marker fill), ``"line"`` (stroke) or ``"polygon"`` (fill).
    style : mapping
        The layer's own style overrides (a polygon keeps its ``fill_opacity``).

    Raises
    ------
    SpecError
        An unknown column, scheme, colour map or legend key, a non-colour in *cmap*,
        or ``k`` below 2; the message names the layer and the key.
    """
    values, categorical, scheme, k, kwds = _check(lyr, frame, name)
    missing = values.isna().to_numpy().copy()
    if categorical:
        cats, colours = _categories(values, lyr, name)
        masks = [(values == c).to_numpy() & ~missing for c in cats]
        labels = [str(c) for c in cats]
    else:
        if isinstance(lyr.cmap, Mapping):
            raise _fail(name, "cmap", "a dict value -> colour needs categorical=True")
        numbers = values.to_numpy(dtype=float, na_value=np.nan)
        missing |= ~np.isfinite(numbers)
        present = numbers[~missing]
        bounds = class_bounds(present, scheme, k) if len(present) else np.array([])
        n = max(len(bounds) - 1, 0)
        which = np.searchsorted(bounds[1:-1], numbers, side="right")
        masks = [(which == i) & ~missing for i in range(n)]
        labels = format_bounds(bounds.tolist(), kwds.get("fmt")) if n else []
        colours = _sample(lyr.cmap, n, name, qualitative=False)
    if "labels" in kwds:
        given = [str(t) for t in kwds["labels"]]
        if len(given) != len(labels):
            raise _fail(name, "legend_kwds['labels']", f"{len(given)} label(s) for "
                        f"{len(labels)} categories or classes: {labels}")
        labels = given
    group = str(kwds.get("caption") or name)
    parts = list(zip(masks, labels, colours, strict=True))
    if missing.any():
        parts.append((missing, "no data", NO_DATA_COLOR))
    key = "color" if geom == "line" else "fill"
    out = []
    for mask, label, colour in parts:
        look: dict[str, Any] = {key: colour, "legend_group": group, "legend_label": label}
        if geom == "polygon" and "fill_opacity" not in style:
            look["fill_opacity"] = _FILL_OPACITY
        if geom != "line" and "color" not in style:  # one outline for every colour
            look["color"] = _OUTLINE
        out.append((frame[mask], f"{name}: {label}", look))
    return out


def layer_parts(frame: Any, lyr: Any, name: str, style: Mapping[str, Any]
                ) -> list[tuple[Any, str, dict[str, Any]]] | None:
    """The parts of a layer styled by a column (:func:`column_parts`), or None without one.

    Checks the layer's own style first: a colour that names a column of the layer
    (``style={"color": "kind"}``) is a :class:`~borderkit.errors.SpecError` saying
    to use ``column="kind"``.
    """
    checked_style(dict(lyr.style or {}), layer=name,
                  columns=[str(c) for c in frame.columns if c != frame.geometry.name])
    if lyr.column is None:
        return None
    return column_parts(frame, lyr, name, str(style["geom"]), dict(lyr.style or {}))
