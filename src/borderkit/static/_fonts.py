"""Fonts of the print map: the family list, glyph coverage, and text no font can draw.

Text is set in :data:`BASE_FONTS` with the first installed of :data:`CJK_FONTS` as
fallback (matplotlib font fallback over ``font.family``). :func:`_missing_glyphs`
finds the characters none of the families can draw, so that one warning names
them with the install command.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

log = logging.getLogger(__name__)

#: Latin, Cyrillic (with the Tajik letters) and Greek: always first in the font list.
BASE_FONTS: tuple[str, ...] = ("DejaVu Sans",)

#: CJK fonts tried in this order for Chinese (and Japanese/Korean) names.
CJK_FONTS: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Noto Sans CJK TC",
    "Noto Sans CJK JP",
    "Noto Sans CJK KR",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Droid Sans Fallback",
    "AR PL UMing CN",
)

_INSTALL_FONTS = "apt-get install fonts-noto-cjk fonts-dejavu-core"

# Characters no font draws and an SVG (XML) file cannot hold: the C0/C1 control characters
# except tab and newline, U+FEFF (which also stops matplotlib's PDF writer), U+FFFE/U+FFFF
# and lone surrogates. They are removed from the print map's text, with a report.
_UNDRAWABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff\ufffe\uffff\ud800-\udfff]")


@lru_cache(maxsize=32)
def _font_path(family: str) -> str | None:
    from matplotlib import font_manager

    try:
        return font_manager.findfont(
            font_manager.FontProperties(family=family), fallback_to_default=False
        )
    except ValueError:
        return None


@lru_cache(maxsize=32)
def _charset(path: str) -> frozenset[int]:
    from matplotlib.ft2font import FT2Font

    return frozenset(FT2Font(path).get_charmap())


def font_families(fonts: Sequence[str] | None = None) -> list[str]:
    """The font family list used for a map's text, first match wins per glyph.

    Parameters
    ----------
    fonts : sequence of str, optional
        Families to use instead of the default: DejaVu Sans plus the first
        installed font of :data:`CJK_FONTS`.

    Returns
    -------
    list of str
        The installed families, in fallback order. Families that are not
        installed are left out (with a log message).

    Examples
    --------
    >>> font_families()[0]
    'DejaVu Sans'
    """
    wanted = list(fonts) if fonts is not None else [*BASE_FONTS, *_first_cjk()]
    found = [f for f in wanted if _font_path(f) is not None]
    for f in wanted:
        if f not in found:
            log.info("font %r is not installed; left out of the font list", f)
    return found or ["DejaVu Sans"]


def _first_cjk() -> list[str]:
    for fam in CJK_FONTS:
        if _font_path(fam) is not None:
            return [fam]
    log.info("no CJK font found (tried %s); install one with: %s", ", ".join(CJK_FONTS),
             _INSTALL_FONTS)
    return []


def _missing_glyphs(texts: Iterable[str], families: Sequence[str]) -> list[str]:
    chars = {ch for t in texts for ch in t if not ch.isspace() and ord(ch) >= 32}
    covered: set[int] = set()
    for fam in families:
        path = _font_path(fam)
        if path:
            covered |= _charset(path)
    return sorted(ch for ch in chars if ord(ch) not in covered)


def _glyph_problem(texts: Iterable[str], families: Sequence[str]) -> str | None:
    """The warning for characters of *texts* no family draws, or None if all are drawn."""
    missing = _missing_glyphs(texts, families)
    if not missing:
        return None
    return (f"no installed font has a glyph for {''.join(missing[:40])!r} "
            f"(fonts: {', '.join(families)}); these characters will show as boxes. "
            f"Install a CJK font ({_INSTALL_FONTS}) or pass fonts=[...]")
