"""ESRI Shapefile in and out: the ``.shp`` with its ``.shx``, ``.dbf``, ``.prj`` and ``.cpg``.

Reading needs the ``.shx`` and ``.dbf`` next to the ``.shp`` (matched
case-insensitively). Without a ``.cpg`` naming the text encoding, the ``.dbf``
code page (language driver id) is used, else UTF-8 when every text cell
decodes as UTF-8, else the reader is asked for ``encoding=``. Writing refuses
what the DBF would lose (letters the encoding lacks, 10-byte field names,
254-byte values, trailing spaces) and swaps all parts in together (see
:func:`write` for what a concurrent reader can see).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._atomic import temp_dir
from ..errors import BorderkitWarning, DataError, EncodingError, FileFormatError
from ._format import Format, Raw, ReadRequest
from ._gdal import _gdal_frame
from ._paths import _sidecar
from ._report import LoadReport
from ._text import _codec


def sniff(head: bytes, text: bytes, path: Path) -> bool:
    """The shapefile magic number (file code 9994)."""
    return head[:4] == b"\x00\x00\x27\x0a"


def size(p: Path) -> int:
    """The ``.shp`` and its ``.dbf`` together count against ``max_bytes``."""
    dbf = _sidecar(p, ".dbf")
    return p.stat().st_size + (dbf.stat().st_size if dbf is not None else 0)


# ----------------------------------------------------------------------------- reading

# DBF language driver ids (byte 29) -> Python codec, the common ones
_LDID = {
    0x01: "cp437",
    0x02: "cp850",
    0x03: "cp1252",
    0x57: "cp1252",
    0x58: "cp1252",
    0x59: "cp1252",
    0x64: "cp852",
    0x65: "cp866",
    0x66: "cp865",
    0x67: "cp861",
    0x26: "cp866",
    0x4D: "gb2312",
    0x4E: "cp949",
    0x4F: "big5",
    0x7A: "gbk",
    0x7B: "cp949",
    0x7C: "cp874",
    0x7D: "cp1255",
    0x7E: "cp1256",
    0xC8: "cp1250",
    0xC9: "cp1251",
    0xCA: "cp1254",
    0xCB: "cp1253",
    0xCC: "cp1257",
}


def _dbf_header(dbf: Path, data: bytes, size: int) -> tuple[int, int, int]:
    """(records, header length, record length) of a .dbf whose first 32 bytes are *data*.

    The record count the header claims must fit in the file (*size* bytes): a
    damaged header claiming 4 billion records is refused here, before any loop
    over the records.
    """
    if len(data) < 32:
        raise FileFormatError(f"{str(dbf)!r} is too short to be a .dbf file")
    nrec = int.from_bytes(data[4:8], "little")
    hlen = int.from_bytes(data[8:10], "little")
    rlen = int.from_bytes(data[10:12], "little")
    possible = max(size - hlen, 0) // rlen if rlen else 0
    if nrec > possible:
        raise FileFormatError(
            f"{str(dbf)!r}: the .dbf header claims {nrec:,} records, but the file "
            f"({size:,} bytes, {rlen}-byte records after a {hlen}-byte header) can hold at most "
            f"{possible:,}; the .dbf is damaged or truncated: export the layer again"
        )
    return nrec, hlen, rlen


def _check_dbf(p: Path) -> None:
    """The .dbf header of the shapefile at *p* is consistent with the file's size."""
    dbf = _sidecar(p, ".dbf")
    if dbf is None:  # pragma: no cover - checked by _check_parts
        return
    with open(dbf, "rb") as fh:
        _dbf_header(dbf, fh.read(32), os.fstat(fh.fileno()).st_size)


def _dbf_text_fields(dbf: Path) -> tuple[int, list[bytes]]:
    """Return the DBF language driver id and the raw bytes of its non-ASCII text cells."""
    data = dbf.read_bytes()
    nrec, hlen, rlen = _dbf_header(dbf, data[:32], len(data))
    ldid = data[29]
    fields = []
    pos, offset = 32, 1  # each record starts with a deletion flag byte
    while pos + 32 <= min(hlen, len(data)) and data[pos] != 0x0D:
        ftype, flen = chr(data[pos + 11]), data[pos + 16]
        if ftype == "C":
            flen += data[pos + 17] * 256  # some writers use the decimal byte as high byte
            fields.append((offset, flen))
        offset += flen if ftype == "C" else data[pos + 16]
        pos += 32
    body = data[hlen : hlen + nrec * rlen]
    if body.isascii():
        return ldid, []
    cells = []
    for r in range(nrec):
        rec = body[r * rlen : (r + 1) * rlen]
        for off, flen in fields:
            cell = rec[off : off + flen].rstrip(b" \x00")
            if not cell.isascii():
                cells.append(cell)
    return ldid, cells


def _check_cells(dbf: Path, cells: list[bytes], encoding: str) -> None:
    """Every text cell decodes in the encoding the caller passed."""
    codec = _codec(encoding)
    for cell in cells:
        try:
            cell.decode(codec)
        except UnicodeDecodeError as err:
            raise EncodingError(
                f"{str(dbf)!r}: text {cell[:40]!r} is not valid {encoding}; "
                "pass the encoding the file was written with"
            ) from err


def _shapefile_encoding(p: Path, encoding: str | None, report: LoadReport) -> str | None:
    """The encoding to read the .dbf with (None: GDAL follows the .cpg); warns when guessed."""
    dbf = _sidecar(p, ".dbf")
    assert dbf is not None  # checked by the caller
    if _sidecar(p, ".cpg") is not None and encoding is None:
        return None  # GDAL honours the .cpg
    ldid, cells = _dbf_text_fields(dbf)
    if encoding is not None:
        _check_cells(dbf, cells, encoding)
        return encoding
    report.notes.append("the shapefile has no .cpg file naming its text encoding")
    if not cells:
        return "UTF-8"
    # the warnings point at read_layer's caller: this <- read <- read_layer <- caller
    if ldid in _LDID:
        enc = _LDID[ldid]
        warnings.warn(
            f"{p.name} has no .cpg; reading its text as {enc}, the code page in the .dbf header "
            "(pass encoding= to override)",
            BorderkitWarning,
            stacklevel=4,
        )
        report.notes.append(f"text read as {enc} from the .dbf language driver id {ldid:#04x}")
        return enc
    try:
        for cell in cells:
            cell.decode("utf-8")
    except UnicodeDecodeError as err:
        raise EncodingError(
            f"{str(p)!r} has no .cpg file, and its text (e.g. {cell[:30]!r}) is not UTF-8, so "
            "the encoding is unknown; pass encoding='cp1251' (Cyrillic Windows), 'cp866', "
            "'gbk' (Chinese) or the right one, or add a .cpg file"
        ) from err
    warnings.warn(
        f"{p.name} has no .cpg; its text decodes cleanly as UTF-8 and was read so "
        "(pass encoding= to override)",
        BorderkitWarning,
        stacklevel=4,
    )
    report.notes.append("text read as UTF-8 (no .cpg; every text cell decodes as UTF-8)")
    return "UTF-8"


def _check_parts(p: Path) -> None:
    """The file is named .shp and its .shx and .dbf are next to it."""
    if p.suffix.lower() != ".shp":
        raise FileFormatError(
            f"{str(p)!r} is the .shp part of a shapefile but named {p.suffix!r}; rename it to "
            f"{p.stem}.shp (with its .shx, .dbf, .prj, .cpg next to it)"
        )
    if _sidecar(p, ".shx") is None:
        raise FileFormatError(
            f"{str(p)!r}: the index file {p.stem}.shx is missing; copy it next to the .shp "
            "(a shapefile is several files: .shp, .shx, .dbf, .prj, .cpg)"
        )
    if _sidecar(p, ".dbf") is None:
        raise FileFormatError(
            f"{str(p)!r}: the attribute file {p.stem}.dbf is missing, so every name and "
            "attribute would be lost; copy it next to the .shp"
        )


def read(request: ReadRequest) -> Raw:
    """Read a shapefile through GDAL: one layer, in the CRS of its .prj (none without one)."""
    p, report = request.path, request.report
    _check_parts(p)
    _check_dbf(p)
    enc = _shapefile_encoding(p, request.encoding, report)
    gdf = _gdal_frame(p, encoding=enc)
    if _sidecar(p, ".prj") is None:
        report.notes.append("the shapefile has no .prj file")
        if gdf.crs is not None:  # pragma: no cover - GDAL does not invent one
            gdf = gdf.set_crs(None, allow_override=True)
    return {"": (gdf, gdf.crs, None)}


# ----------------------------------------------------------------------------- writing


def check_text(text: str, row: int, *, prefix: str, encoding: str, codec: str) -> None:
    """Refuse what a DBF would not keep: letters outside *encoding*, sizes, edge spaces."""
    try:
        raw = text.encode(codec)
    except UnicodeEncodeError as err:
        bad = text[err.start : err.end]
        raise EncodingError(
            f"{prefix} has {bad!r}, which the {encoding} encoding cannot "
            "represent; nothing was written. Use encoding='utf-8' (the default), or "
            "write GeoPackage"
        ) from err
    limit = 10 if row < 0 else 254
    if len(raw) > limit:
        raise EncodingError(
            f"{prefix} is {len(raw)} bytes in {encoding}, over the "
            f"{limit}-byte shapefile limit for "
            f"{'field names' if row < 0 else 'text values'}; "
            "shorten it or write GeoPackage"
        )
    if row >= 0 and text != text.strip(" "):
        raise EncodingError(
            f"{prefix} starts or ends with spaces, which shapefiles "
            "do not keep; strip them or write GeoPackage"
        )


_SHP_SIDECARS = (".cpg", ".prj", ".qix", ".sbn", ".sbx", ".shp.xml")


def _backup(dest: Path, aside: Path) -> Path:
    """A copy of *dest* in *aside* that leaves *dest* in place (a hard link when possible)."""
    keep = aside / dest.name
    try:
        os.link(dest, keep)
    except OSError:  # no hard links on this file system
        shutil.copy2(dest, keep)
    return keep


def _swap_in(produced: list[Path], target: Path, folder: Path, tmpdir: Path) -> None:
    """Move a new shapefile's parts over the old ones, all or nothing.

    Each new part replaces its old one with one ``os.replace``, so a part is
    never missing; the old parts are kept in *tmpdir* (hard links) until all
    are in, and put back when a move fails. Stale sidecars the new file lacks
    (an old ``.qix`` index) are moved aside last.
    """
    aside = tmpdir / "previous"
    aside.mkdir()
    exts = {f.suffix.lower() for f in produced}
    undo: list[tuple[Path, Path | None]] = []  # (path now new, its old version or None)
    try:
        for f in produced:
            dest = folder / (target.stem + f.suffix)
            old = _sidecar(target, f.suffix)
            keep = _backup(dest, aside) if old == dest and dest.exists() else None
            os.replace(f, dest)
            undo.append((dest, keep))
            if old is not None and old != dest and old.exists():  # differs only in case
                os.replace(old, aside / ("case-" + old.name))
                undo.append((aside / ("case-" + old.name), old))
        for ext in _SHP_SIDECARS:
            stale = _sidecar(target, ext) if ext not in exts else None
            if stale is not None:
                os.replace(stale, aside / stale.name)
                undo.append((aside / stale.name, stale))
    except BaseException:
        for now, before in reversed(undo):
            with contextlib.suppress(OSError):
                if before is None:
                    now.unlink()
                elif before.parent == aside:
                    os.replace(before, now)
                else:
                    os.replace(now, before)
        raise


def _write_shapefile(gdf: Any, target: Path, encoding: str) -> None:
    import pyogrio

    kinds = {
        {"MultiPolygon": "Polygon", "MultiLineString": "LineString"}.get(k, k)
        for k in gdf.geometry.geom_type.dropna()
    }
    if len(kinds) > 1 or "GeometryCollection" in kinds:
        raise DataError(
            f"cannot write {str(target)!r}: a shapefile holds one geometry type, and this layer "
            f"has {', '.join(sorted(kinds))}; write one file per type or use GeoPackage"
        )

    folder = target.parent if str(target.parent) else Path(".")
    tmpdir = temp_dir(target)
    try:
        pyogrio.write_dataframe(
            gdf, tmpdir / f"{target.stem}.shp", driver="ESRI Shapefile", encoding=encoding
        )
        produced = sorted(tmpdir.iterdir(), key=_swap_order)
        for f in produced:
            with open(f, "rb+") as fh:
                os.fsync(fh.fileno())
        _swap_in(produced, target, folder, tmpdir)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


_ORDER = (".shp", ".shx", ".dbf", ".cpg", ".prj")


def _swap_order(f: Path) -> tuple[int, str]:
    """The order GDAL opens the parts in: a reader then mixes versions only when it
    opens the .shp and the .dbf between two of our renames (a few microseconds)."""
    ext = f.suffix.lower()
    return (_ORDER.index(ext) if ext in _ORDER else len(_ORDER), f.name)


def write(layers: Mapping[str, Any], target: Path, encoding: str) -> None:
    """Write the one layer's parts into a temporary folder, then swap them all in.

    Each part replaces its old version in one rename, so no part is ever
    missing, and a failed swap puts every old part back. A shapefile is several
    files, though, and no file system renames several at once: a program that
    opens the shapefile while it is being replaced (a few microseconds per
    rewrite, but a read takes milliseconds) can get the new .shp with the old
    .dbf. Do not read a shapefile that is being rewritten, or write GeoPackage,
    which is one file and replaced whole.
    """
    _write_shapefile(next(iter(layers.values())), target, encoding)


FORMAT = Format(
    "ESRI Shapefile",
    extensions=(".shp",),
    aliases=("esri shapefile", "shapefile", "shp"),
    sniff=sniff,
    read=read,
    write=write,
    size=size,
    suffix=".shp",
    encodings=True,
    check_text=check_text,
    needs_file=True,
)
