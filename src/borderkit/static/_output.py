"""Writing print maps: formats, resolution, matplotlib settings, atomic deterministic files.

SVG and PDF output is deterministic: a fixed SVG hash salt and no creation dates.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from .._atomic import atomic_path
from ..errors import BorderkitError, ExportError, RenderError
from ._fonts import _UNDRAWABLE, _embeddable

log = logging.getLogger(__name__)

#: Output formats of :func:`render_static` and :func:`save_figure`.
FORMATS: tuple[str, ...] = ("png", "svg", "pdf")

_METADATA = {"png": None, "svg": {"Date": None}, "pdf": {"CreationDate": None}}

_RC: dict[str, Any] = {
    "svg.hashsalt": "borderkit",
    "svg.fonttype": "path",
    # TrueType (Type 42) fonts, which publishers accept (Type 3 they may refuse); text that
    # needs a CJK collection is drawn as outlines (_fonts._embeddable says why)
    "pdf.fonttype": 42,
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


#: The keys :func:`describe` fills and ``render_static(metadata=...)`` may set.
META_KEYS = ("Title", "Subject", "Author", "Keywords")


def describe(resolved: Any, title: str | None, extra: Any = None) -> dict[str, str]:
    """The document metadata of a map: Title, Subject (subtitle, sources, map data),
    Author and Keywords (the layers drawn); *extra* (a mapping) overrides them.

    Raises
    ------
    ExportError
        If *extra* has a key other than :data:`META_KEYS` or a value that is not text.
    """
    spec = resolved.spec
    sources = [str(s) for s in ([spec.sources] if isinstance(spec.sources, str)
                                else spec.sources or ())]
    credits = [str(a) for a in resolved.attribution if str(a).strip()]
    subject = [str(spec.subtitle).rstrip(". ")] if spec.subtitle else []
    if sources:
        subject.append("Sources: " + "; ".join(s.rstrip(". ") for s in sources))
    if credits:
        subject.append("Map data: " + "; ".join(credits))
    names = [lyr.name for lyr in resolved.layers if lyr.show and len(lyr.frame)]
    meta = {"Title": title or "", "Subject": ". ".join(subject), "Author": "borderkit",
            "Keywords": ", ".join(dict.fromkeys(["map", "borders", *names]))}
    for key, value in dict(extra or {}).items():
        if key not in META_KEYS or not isinstance(value, str):
            raise ExportError(f"metadata={{{key!r}: {value!r}}}: keys are {', '.join(META_KEYS)} "
                              "and values text")
        meta[key] = value
    # the characters print maps cannot draw (NUL, U+FFFE, ...), which would also make the
    # SVG's XML invalid, are removed (the title is already the text as drawn)
    return {k: _UNDRAWABLE.sub("", v).strip() for k, v in meta.items()
            if _UNDRAWABLE.sub("", v).strip()}


def _metadata(fig: Any, fmt: str) -> dict[str, Any] | None:
    """The file's metadata: no dates (deterministic), Title, Subject, Author, Keywords."""
    meta = _METADATA[fmt]
    info = getattr(fig, "borderkit", None)
    found = dict(getattr(info, "metadata", None) or {})
    title = getattr(info, "title", None)
    if title and "Title" not in found:
        found["Title"] = title
    if meta is None or not found:
        return meta
    if fmt == "svg":  # Dublin Core names; keywords as a list
        svg = {"Title": found.get("Title"), "Description": found.get("Subject"),
               "Creator": found.get("Author"),
               "Keywords": found["Keywords"].split(", ") if "Keywords" in found else None}
        return {**meta, **{k: v for k, v in svg.items() if v}}
    return {**meta, **found}


@contextlib.contextmanager
def _outlined(fig: Any, fmt: str) -> Iterator[int]:
    """For a PDF: texts with characters outside the embeddable (TrueType) fonts drawn as
    outlines while the file is written; yields how many."""
    if fmt != "pdf":
        yield 0
        return
    from matplotlib import patheffects
    from matplotlib.text import Text

    families = getattr(getattr(fig, "borderkit", None), "fonts", None) or ["DejaVu Sans"]
    cheap = _embeddable(families)
    texts = [t for t in fig.findobj(Text) if not t.get_path_effects()
             and any(ord(ch) not in cheap for ch in t.get_text() if not ch.isspace())]
    for t in texts:
        t.set_path_effects([patheffects.Normal()])
    try:
        yield len(texts)
    finally:
        for t in texts:
            t.set_path_effects([])


def _save(fig: Any, path: str | os.PathLike[str], fmt: str, dpi: float) -> Path:
    target = Path(path)
    try:
        with atomic_path(target) as tmp, _outlined(fig, fmt) as outlined:
            if outlined:
                log.info("%d text(s) drawn as outlines: they need a CJK font", outlined)
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
