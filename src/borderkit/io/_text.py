"""Text in and out: decoding files, code page names, plain cell values, what writers refuse.

Reading: :func:`_decode` names the line of a byte that is not in the encoding.
Writing: :func:`_check_text` refuses, before anything is written, text a format
would not keep exactly (a lone surrogate anywhere, a NUL where the format
cannot store one, and the format's own :class:`~._format.TextRule`).
"""

from __future__ import annotations

import codecs
import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import EncodingError
from ._format import TextRule

_SURROGATE = re.compile("[\ud800-\udfff]")


def _decode(p: Path, data: bytes, encoding: str | None) -> str:
    enc = encoding or "utf-8-sig"
    try:
        return data.decode(enc)
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise EncodingError(
            f"{str(p)!r} line {line}: byte {data[err.start : err.start + 1]!r} is not valid {enc}; "
            "pass encoding='cp1251' (Cyrillic Windows), 'gb18030' (Chinese) or the file's "
            "real encoding"
        ) from err
    except LookupError as err:
        raise EncodingError(f"unknown encoding {encoding!r}") from err


def _codec(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError as err:
        raise EncodingError(f"unknown encoding {encoding!r}") from err


def _plain(value: Any) -> Any:
    """A JSON/XML-friendly Python value (None for missing)."""
    import pandas as pd

    if value is None:
        return None
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def _text_cells(gdf: Any) -> Iterable[tuple[str, int, str]]:
    """(column, row position, text) for every string cell and column name."""
    import pandas as pd

    geom = gdf.geometry.name
    for col in gdf.columns:
        if col == geom:
            continue
        yield "(column name)", -1, str(col)
        series = gdf[col]
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            for i, v in enumerate(series):
                if isinstance(v, str):
                    yield str(col), i, v


def _check_text(
    gdf: Any,
    layer: str,
    driver: str,
    encoding: str,
    target: Path,
    *,
    nul_ok: bool,
    rule: TextRule | None,
) -> None:
    """Refuse text *driver* cannot keep: checked before anything is written."""
    where = f"{str(target)!r}"
    codec = _codec(encoding)
    for col, i, text in _text_cells(gdf):
        at = f"column {col!r}" + (f" row {i}" if i >= 0 else "") + f" ({text[:40]!r})"
        if _SURROGATE.search(text):
            raise EncodingError(
                f"cannot write {where}: {at} holds a lone surrogate, not valid text"
            )
        if not nul_ok and "\x00" in text:
            raise EncodingError(
                f"cannot write {where}: {at} contains a NUL character, which {driver} cannot "
                "store; remove it or write GeoJSON"
            )
        if rule is not None:
            rule(text, i, prefix=f"cannot write {where}: {at}", encoding=encoding, codec=codec)
    if _SURROGATE.search(layer) or (not nul_ok and "\x00" in layer):
        raise EncodingError(f"cannot write {where}: the layer name {layer!r} is not valid text")
