"""Format detection from the content (the first 4 KB), not only the file name.

Each format's sniffer is asked in turn (see :mod:`._registry`); content no
format claims is refused with a reason (the .dbf of a shapefile, UTF-16 text,
XML other than KML, binary, empty) or else read by the fallback format (CSV).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..errors import EncodingError, FileFormatError
from ._format import Format

_HEAD = 4096


def _detect(p: Path, formats: Sequence[Format], data: bytes | None = None) -> Format:
    """The format of the file at *p* (or of its content *data*, read from a pipe).

    Raises FileFormatError or EncodingError when no format claims it.
    """
    if data is not None:
        head = data[:_HEAD]
    else:
        with open(p, "rb") as fh:
            head = fh.read(_HEAD)
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    for fmt in formats:
        if fmt.sniff is not None and fmt.sniff(head, text, p):
            return fmt
    _refuse(p, head, text, ", ".join(f.name for f in formats))
    return next(f for f in formats if f.sniff is None)


def _refuse(p: Path, head: bytes, text: bytes, supported: str) -> None:
    """Raise for content that is known not to be readable by the fallback format."""
    if head[:1] in (b"\x03", b"\x83", b"\x8b", b"\x30", b"\xf5") and p.suffix.lower() == ".dbf":
        raise FileFormatError(f"{str(p)!r} is the .dbf part of a shapefile; pass the .shp file")
    if text[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise EncodingError(f"{str(p)!r} is UTF-16 text; save it as UTF-8 and try again")
    if text.startswith(b"<"):
        raise FileFormatError(
            f"{str(p)!r} is XML but not KML (GPX/GML are not supported); "
            f"supported formats: {supported}"
        )
    if b"\x00" in head:
        raise FileFormatError(
            f"{str(p)!r} is a binary file borderkit cannot read; supported formats: {supported}"
        )
    if not text:
        raise FileFormatError(f"{str(p)!r} is empty")
