"""Fonts of the print map: the family list, glyph coverage, and text no font can draw.

Text is set in :data:`BASE_FONTS` with the first installed of :data:`CJK_FONTS` as
fallback (matplotlib font fallback over ``font.family``). :func:`_missing_glyphs`
finds the characters none of the families can draw, so that one warning names
them with the install command.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

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
    for _ in range(2):
        for fam in CJK_FONTS:
            if _font_path(fam) is not None:
                return [fam]
        if not _refresh_font_list():
            break
    log.info("no CJK font found (tried %s); install one with: %s", ", ".join(CJK_FONTS),
             _INSTALL_FONTS)
    return []


# where fonts live when fontconfig's fc-list is not there to ask
FONT_DIRS: tuple[str, ...] = ("/usr/share/fonts", "/usr/local/share/fonts",
                              "~/.local/share/fonts", "~/.fonts", "/Library/Fonts",
                              "~/Library/Fonts", "/System/Library/Fonts")
_CJK_FILE = re.compile(r"cjk|sourcehan|wqy|wenquanyi|droidsansfallback|uming|ukai", re.I)
_FONT_SUFFIXES = (".ttf", ".otf", ".ttc")
_refreshed = False  # the font list is checked against the system at most once per process


def _cjk_font_files() -> list[str]:
    """CJK font files installed on this machine: fontconfig's answer, else a folder scan."""
    fc_list = shutil.which("fc-list")
    if fc_list:
        try:
            out = subprocess.run([fc_list, ":lang=zh", "file"], capture_output=True, text=True,
                                 timeout=30, check=False).stdout
        except (OSError, subprocess.SubprocessError) as err:
            log.info("fc-list failed (%s); looking in the font folders instead", err)
        else:
            files = (line.strip().rsplit(":", 1)[0] for line in out.splitlines())
            return sorted({f for f in files if f.lower().endswith(_FONT_SUFFIXES)})
    found: set[str] = set()
    for folder in FONT_DIRS:
        for root, _dirs, names in os.walk(os.path.expanduser(folder)):
            found.update(os.path.join(root, n) for n in names
                         if n.lower().endswith(_FONT_SUFFIXES) and _CJK_FILE.search(n))
    return sorted(found)


def _refresh_font_list() -> bool:
    """Add CJK fonts installed after matplotlib cached its font list; True if any were.

    matplotlib builds its font list once and keeps it in its cache folder, so a
    font installed later (``apt-get install fonts-noto-cjk``, as our warning says)
    stays unknown to it. The installed files missing from the list are added to
    the live list and the cache is written again, once per process.
    """
    global _refreshed
    if _refreshed:
        return False
    _refreshed = True
    import matplotlib
    from matplotlib import font_manager

    manager = font_manager.fontManager
    known = {os.path.realpath(entry.fname) for entry in manager.ttflist}
    missing = [f for f in _cjk_font_files() if os.path.realpath(f) not in known]
    if not missing:
        return False
    log.warning("matplotlib's font list was built before %d CJK font file(s) were installed "
                "(%s); adding them and rebuilding its font cache", len(missing),
                ", ".join(missing[:3]) + (", ..." if len(missing) > 3 else ""))
    added = 0
    for path in missing:
        try:
            manager.addfont(path)
            added += 1
        except (OSError, RuntimeError, ValueError) as err:  # a broken or unreadable file
            log.info("cannot read the font %s: %s", path, err)
    _font_path.cache_clear()
    if added:
        cache = Path(matplotlib.get_cachedir(), f"fontlist-v{manager.__version__}.json")
        font_manager.json_dump(manager, cache)  # logs, never raises, when it cannot write
    return added > 0


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


def _embeddable(families: Sequence[str]) -> frozenset[int]:
    """Code points of the families a PDF embeds as Type 42: the TrueType (``.ttf``) files.

    A CJK collection (``.ttc``/``.otf``, CFF outlines, ~65,000 glyphs) takes 4-5 s per
    font to subset at every save, and its CFF outlines do not belong in a TrueType
    font stream; text that needs it is drawn as outlines instead (``_output``).
    """
    covered: set[int] = set()
    for fam in families:
        path = _font_path(fam)
        if path and path.lower().endswith(".ttf"):
            covered |= _charset(path)
    return frozenset(covered)

