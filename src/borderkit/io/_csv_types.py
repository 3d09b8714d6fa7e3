"""Typing CSV columns: text becomes numbers only when nothing is lost.

:func:`_typed` is used by the CSV reader (:mod:`.csv`). Every cell is read as
text first ('NA' is Namibia, '007' stays text); a column becomes ``Int64`` when
every cell is an integer that fits in int64 (so ids of 2**53 and above read
back exactly, and a 400-digit number keeps the column as text), or float64 when
every cell is the shortest text of its float. Name columns stay text. The frame
is built once from all its columns: setting 20,000 columns one at a time took
53 s.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from ._format import _REF, _UNCLOSED

_INT_RE = re.compile(r"^-?(?:0|[1-9]\d*)$")


def _int64(v: str) -> bool:
    """*v* (an integer's text) fits in int64; 20 characters hold any int64 with its sign."""
    return len(v) <= 20 and -(2**63) <= int(v) < 2**63


def _exact_float(v: str, f: float) -> bool:
    """*f* is *v* exactly: the same text, or an integer below 2**53 (exact as a float)."""
    return repr(f) == v or (_INT_RE.match(v) is not None and len(v) <= 17 and abs(int(v)) < 2**53)


def _infer(values: list[str]) -> Any:
    """A text column as numbers when that loses nothing (e.g. no '007'), else None.

    Integers become ``Int64`` (blank cells ``<NA>``) when every one fits in
    int64, so ids of 2**53 and above read back exactly; a column with a larger
    integer (or a 400-digit one) stays text. Decimals become float64 only when
    each cell is the shortest text of its float (``0.1``, not ``0.10``).
    """
    import pandas as pd

    vals = [v for v in values if v != ""]
    if not vals:
        return None
    if all(_INT_RE.match(v) for v in vals):
        if not all(_int64(v) for v in vals):
            return None
        mask = np.array([v == "" for v in values])
        ints = np.array([0 if v == "" else int(v) for v in values], dtype=np.int64)
        return pd.arrays.IntegerArray(ints, mask)
    try:
        floats = [float(v) for v in vals]
    except ValueError:
        return None
    if all(_exact_float(v, f) for f, v in zip(floats, vals, strict=True)):
        return np.array([float(v) if v != "" else np.nan for v in values])
    return None


def _typed(keep: Any, refs: list[str]) -> Any:
    """*keep* with its numeric columns converted and the hidden columns added.

    Setting columns one by one costs a copy of the frame each (20,000 columns
    took 53 s); here the new frame is built once from all its columns (text
    columns stay ``object``, as in *keep*).
    """
    import pandas as pd

    order = list(keep.columns)
    cells = keep.to_numpy(dtype=object)  # one block of text: a view, not a copy per column
    converted = {}
    for j, col in enumerate(order):
        if not _text_column(col):
            arr = _infer(cells[:, j].tolist())
            if arr is not None:
                converted[col] = arr
    index = keep.index
    columns = {
        c: converted[c] if c in converted else pd.Series(cells[:, j], index, object, copy=False)
        for j, c in enumerate(order)
    }
    columns[_REF] = pd.Series(refs, index, object)
    columns[_UNCLOSED] = pd.Series(False, index)
    return pd.DataFrame(columns, index=index)


def _text_column(name: str) -> bool:
    low = name.strip().lower()
    return (
        low in ("name", "title", "label")
        or low.startswith(("name_", "name:"))
        or low.endswith("_name")
    )
