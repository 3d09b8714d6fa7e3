"""The contract between :mod:`borderkit.io` and its format modules.

A format module (``geojson.py``, ``kml.py``, ...) describes itself with a
:class:`Format` record: its name, file extensions, ``driver=`` spellings and
three functions.

* ``sniff(head, text, path) -> bool`` claims a file from its first 4 KB
  (``head``; ``text`` is the same bytes without a UTF-8 BOM and leading
  whitespace). Sniffers must not overlap; ``None`` marks the one fallback
  format (CSV) for text nothing else claims.
* ``read(request) -> Raw`` reads the file named in the :class:`ReadRequest`
  into ``{layer name: (frame, stated CRS, default CRS)}``; a single-layer file
  uses the name ``""``. A layer may be a function returning that tuple, to be
  read only once chosen (GeoPackage). Each frame carries the hidden columns
  ``_REF`` (how messages name the feature) and ``_UNCLOSED`` (the reader closed
  a ring); the shared checks and repairs (:mod:`._repair`) do the rest.
* ``write(layers, target, encoding)`` writes ``{layer name: frame}``
  atomically (see :mod:`borderkit._atomic`). Text has already passed the
  shared checks and the format's own ``check_text`` rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeAlias

from ._report import LoadReport

_REF = "_bk_ref"  # hidden column: how to name a feature in messages
_UNCLOSED = "_bk_unclosed"  # hidden column: the reader saw an unclosed ring
_LAYER_COL = "layer"

#: (GeoDataFrame with the hidden columns, CRS the file states or None, CRS to assume or None)
RawLayer: TypeAlias = tuple[Any, Any, Any]
Raw: TypeAlias = dict[str, RawLayer | Callable[[], RawLayer]]


@dataclass
class ReadRequest:
    """What :func:`~borderkit.io.read_layer` asks of a format reader.

    ``source`` is how messages name the file (its quoted path); a reader may
    make it more precise (a KMZ adds the name of the KML inside). Notes for the
    caller go in ``report.notes``. ``data`` holds the whole content when the
    path is not a regular file (a pipe, ``/dev/stdin``): it was read once,
    within ``max_bytes``, and readers take it from :meth:`content`.
    """

    path: Path
    source: str
    report: LoadReport
    encoding: str | None = None
    max_bytes: int | None = None
    lon: str | None = None
    lat: str | None = None
    coords: str | None = None
    crs: Any = None
    strict: bool = False
    data: bytes | None = None

    def content(self) -> bytes:
        """The file's bytes: the buffer read from a pipe, else the file read now."""
        return self.data if self.data is not None else self.path.read_bytes()


class TextRule(Protocol):
    """A format's own limits on the text it can store; raises EncodingError."""

    def __call__(self, text: str, row: int, *, prefix: str, encoding: str, codec: str) -> None:
        """Check one cell (``row >= 0``) or column name (``row == -1``).

        ``prefix`` starts the message (``cannot write 'x.shp': column 'name' row 3 (...)``).
        """


Sniffer: TypeAlias = Callable[[bytes, bytes, Path], bool]
Reader: TypeAlias = Callable[[ReadRequest], Raw]
Writer: TypeAlias = Callable[[Mapping[str, Any], Path, str], None]


@dataclass(frozen=True)
class Format:
    """One file format: how to recognise, read and write it, and what it can hold.

    Attributes
    ----------
    name : str
        The name in ``READ_FORMATS`` / ``WRITE_DRIVERS`` (a GDAL driver name).
    extensions : tuple of str
        Extensions it is written with (the first is the usual one).
    aliases : tuple of str
        Lower-case spellings accepted as ``driver=``.
    sniff, read, write
        See the module docstring; ``sniff=None`` for the fallback format.
    read_extensions : tuple of str
        Further extensions files of this format have (only used to warn when the
        name and the content disagree).
    size : callable, optional
        Bytes counted against ``max_bytes`` (default the file's size).
    columns : bool
        ``lon=``, ``lat=`` and ``coords=`` apply.
    several_layers : bool
        It can hold several layers.
    wgs84 : bool
        Its specification says EPSG:4326: frames are reprojected before writing.
    suffix : str, optional
        The extension the written file must have.
    encodings : bool
        Writing honours ``encoding=`` (else UTF-8).
    nul_ok : bool
        It can store a NUL character in text.
    check_text : TextRule, optional
        Further limits on text (XML characters, DBF sizes).
    needs_file : bool
        It is read from a regular file only (a database, or several files), not
        from a pipe.
    """

    name: str
    extensions: tuple[str, ...]
    aliases: tuple[str, ...]
    sniff: Sniffer | None
    read: Reader
    write: Writer
    read_extensions: tuple[str, ...] = ()
    size: Callable[[Path], int] | None = None
    columns: bool = False
    several_layers: bool = False
    wgs84: bool = False
    suffix: str | None = None
    encodings: bool = False
    nul_ok: bool = False
    check_text: TextRule | None = None
    needs_file: bool = False


def _name_column(columns: Iterable[Any]) -> Any:
    for want in ("name", "title", "label", "id"):
        for col in columns:
            if isinstance(col, str) and col.strip().lower() == want:
                return col
    return None


def _refs(frame: Any, unit: str, start: int = 0) -> list[str]:
    col = _name_column(frame.columns)
    out = []
    for i in range(len(frame)):
        ref = f"{unit} {i + start}"
        if col is not None:
            val = frame[col].iloc[i]
            if isinstance(val, str) and val.strip():
                ref += f" ({val[:60]!r})"
        out.append(ref)
    return out
