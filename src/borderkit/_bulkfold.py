"""``borderkit._names._fold`` for hundreds of thousands of names at once.

The world gazetteer (:mod:`borderkit._gazetteer`) folds its 1.1 million names
and alternative names once per process. A loop over ``_fold`` takes ~6 us a
name; these functions do the same steps as a few C-level passes over one joined
string: one ``bytes.translate`` for the ASCII names (for them NFKD and combining
marks are no-ops and casefold is ``lower``), regular expressions for the rest.
``scripts/build_gazetteer.py`` checks the equality on every shipped name, and
``tests/test_gazetteer.py`` on a sample and on edge cases.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np

from ._names import _DASHES, _PUNCT

__all__ = ["fold_all", "fold_lines"]

_SPACES_IN_LINE = re.compile(r"[^\S\n]{2,}|[^\S\n ]")
_LINE_EDGES = re.compile(r" \n ?|\n ")


def _ascii_table() -> tuple[bytes, bytes]:
    """``bytes.translate`` arguments doing ``_fold`` on ASCII (newline kept as separator)."""
    table, delete = bytearray(range(256)), bytearray()
    for code in range(128):
        ch = chr(code)
        if ch == "\n":
            continue
        if _DASHES.fullmatch(ch) or ch.isspace():
            table[code] = ord(" ")
        elif _PUNCT.fullmatch(ch):
            delete.append(code)
        else:
            table[code] = ord(ch.lower())
    return bytes(table), bytes(delete)


_ASCII_TABLE, _ASCII_DELETE = _ascii_table()


def _fold_bytes(data: bytes) -> list[str]:
    """``_fold`` of every line of UTF-8 *data*, right for the lines that are pure ASCII.

    One ``bytes.translate`` (case, dashes, punctuation), then spaces. Bytes >= 128
    are left alone, so the other lines stay valid UTF-8 (and are redone by the caller).
    """
    data = data.translate(_ASCII_TABLE, _ASCII_DELETE)
    while b"  " in data:
        data = data.replace(b"  ", b" ")
    data = data.replace(b" \n", b"\n").replace(b"\n ", b"\n").strip(b" ")
    return data.decode("utf-8").split("\n")


def _fold_unicode(names: list[str]) -> list[str]:
    """``_fold`` of each name, on one newline-joined string (any script)."""
    text = unicodedata.normalize("NFKD", "\n".join(names))
    marks = "".join(ch for ch in set(text) if unicodedata.combining(ch))
    if marks:
        text = re.sub(f"[{re.escape(marks)}]+", "", text)
    text = _PUNCT.sub("", _DASHES.sub(" ", text.casefold()))
    text = _LINE_EDGES.sub("\n", _SPACES_IN_LINE.sub(" ", text)).strip(" ")
    return text.split("\n")


def fold_all(data: bytes) -> list[str]:
    """``_fold`` of every line of the UTF-8 *data* (newline-separated names)."""
    raw = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(raw == 10)
    starts = np.concatenate([[0], ends + 1])
    stops = np.concatenate([ends, [len(raw)]]).tolist()
    wide = np.flatnonzero(np.maximum.reduceat(np.append(raw, np.uint8(10)), starts) >= 128)
    folded = _fold_bytes(data)
    if not len(wide):
        return folded
    starts_list = starts.tolist()
    texts = [data[starts_list[i]:stops[i]].decode("utf-8") for i in wide.tolist()]
    for pos, key in zip(wide.tolist(), _fold_unicode(texts), strict=True):
        folded[pos] = key
    return folded


def fold_lines(names: list[str]) -> list[str]:
    """``[_fold(n) for n in names]``, computed on joined strings (names hold no newline).

    The same steps as :func:`borderkit._names._fold` (NFKD, combining marks dropped,
    casefold, dashes to spaces, punctuation dropped, spaces collapsed and stripped),
    as a few C-level passes over all names: one ``bytes.translate`` for the ASCII
    names (for them NFKD and the marks are no-ops), regular expressions for the rest.
    ``scripts/build_gazetteer.py`` checks the equality on every shipped name.

    Examples
    --------
    >>> fold_lines(["Gorno–Badakhshan", "  Khorugh ", "Qaşqar", "K'a-shih", ""])
    ['gorno badakhshan', 'khorugh', 'qasqar', 'ka shih', '']
    """
    return fold_all("\n".join(names).encode("utf-8")) if names else []
