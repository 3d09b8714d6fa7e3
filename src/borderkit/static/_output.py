"""Writing print maps: formats, resolution, matplotlib settings, atomic deterministic files.

SVG and PDF output is deterministic: a fixed SVG hash salt and no creation dates.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .._atomic import atomic_path
from ..errors import BorderkitError, ExportError, RenderError

log = logging.getLogger(__name__)

#: Output formats of :func:`render_static` and :func:`save_figure`.
FORMATS: tuple[str, ...] = ("png", "svg", "pdf")

_METADATA = {"png": None, "svg": {"Date": None}, "pdf": {"CreationDate": None}}

_RC: dict[str, Any] = {
    "svg.hashsalt": "borderkit",
    "svg.fonttype": "path",
    "pdf.fonttype": 3,  # Type 3 subsets: 42 takes seconds to subset the CJK .ttc
    "lines.scale_dashes": False,
    "axes.unicode_minus": True,
    "path.simplify": True,
    # place names are text, not TeX: "$5 and $10" must not turn into math (and "$x^$" must
    # not stop the drawing)
    "text.parse_math": False,
}


def _rc(families: Sequence[str]) -> Any:
    """matplotlib settings for drawing and saving a map (fonts, deterministic output)."""
    return {**_RC, "font.family": list(families)}


def _metadata(fig: Any, fmt: str) -> dict[str, Any] | None:
    """The file's metadata: no dates (deterministic), and the brief's title as Title."""
    meta = _METADATA[fmt]
    # the title as drawn: the characters print maps cannot draw (NUL, U+FFFE, ...), which
    # would also make the SVG's XML invalid, are already gone (static._page._Page.text)
    title = getattr(getattr(fig, "borderkit", None), "title", None)
    if meta is None or not title:
        return meta
    return {**meta, "Title": title}


def _save(fig: Any, path: str | os.PathLike[str], fmt: str, dpi: float) -> Path:
    target = Path(path)
    try:
        with atomic_path(target) as tmp:
            fig.savefig(tmp, format=fmt, dpi=dpi, metadata=_metadata(fig, fmt))
    except OSError as err:
        raise ExportError(f"cannot write {str(target)!r}: {err.strerror or err}") from err
    except BorderkitError:
        raise
    except Exception as err:  # noqa: BLE001 - matplotlib's backends raise many kinds
        raise RenderError(f"cannot draw {str(target)!r} ({fmt}): {type(err).__name__}: "
                          f"{err}") from err
    log.info("wrote %s", target)
    return target


def _format_for(path: Any, fmt: str | None) -> str:
    if fmt is None and path is not None:
        fmt = Path(path).suffix.lstrip(".").lower() or None
    fmt = (fmt or "png").lower()
    if fmt not in FORMATS:
        where = f"cannot write {str(path)!r}: " if path is not None else ""
        raise ExportError(f"{where}format {fmt!r} is not supported; use one of "
                          f"{', '.join(FORMATS)} (format=... or the file suffix)")
    return fmt


def _check_dpi(dpi: Any) -> float:
    try:
        value = float(dpi)
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value) or value <= 0 or value > 2400:
        raise ExportError(f"dpi must be a positive number up to 2400, got {dpi!r}")
    return value
