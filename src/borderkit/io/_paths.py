"""Which paths :func:`~borderkit.io.read_layer` and :func:`~borderkit.io.write_layer` accept.

Local files only (no URLs, GDAL virtual paths or inline JSON/XML text), that
exist, are not folders and are not over the size limit. Shapefile sidecars
(``.shx``, ``.dbf``, ``.prj``, ``.cpg``) are matched case-insensitively.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from ..errors import DataError, FileFormatError

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")


def _local_path(path: Any, what: str = "path") -> Path:
    if isinstance(path, bytes | bytearray):
        raise DataError(f"{what} must be a file path, not bytes; write the data to a file first")
    if not isinstance(path, str | os.PathLike):
        raise DataError(
            f"{what} must be a file path (str or pathlib.Path), not {type(path).__name__}"
        )
    text = os.fspath(path)
    if not isinstance(text, str):
        text = os.fsdecode(text)
    stripped = text.strip()
    if _URL.match(stripped) or stripped.lower().startswith(("/vsi", "www.")):
        raise DataError(
            f"{stripped[:80]!r} is a URL or a GDAL virtual path; borderkit reads local files only "
            "and makes no network requests: download the file and pass its local path"
        )
    if stripped[:1] in ("{", "[", "<") or "\n" in stripped:
        raise DataError(
            f"{what} looks like inline JSON/XML text ({stripped[:40]!r}...), not a file path; "
            "write it to a .geojson/.kml file and pass that path"
        )
    return Path(text)


def _check_readable(p: Path) -> None:
    if not p.exists():
        raise DataError(
            f"{str(p)!r} does not exist; check the path (working folder: {os.getcwd()})"
        )
    if p.is_dir():
        raise DataError(f"{str(p)!r} is a folder; pass the file inside it (e.g. the .shp or .gpkg)")


def _sidecar(shp: Path, ext: str) -> Path | None:
    """The sidecar of a shapefile with extension *ext*, matched case-insensitively."""
    want = (shp.stem + ext).lower()
    try:
        for cand in shp.parent.iterdir():
            if cand.name.lower() == want:
                return cand
    except OSError:
        return None
    return None


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


def _read_stream(p: Path, max_bytes: int | None) -> bytes:
    """All of a pipe or device at *p*, refused as soon as it gives more than *max_bytes*.

    A pipe, ``/dev/stdin`` or a device reports size 0, so its size is known only
    by reading it; at most ``max_bytes + 1`` bytes are read and kept.
    """
    buf = bytearray()
    with open(p, "rb") as fh:
        while True:
            want = 1 << 20 if max_bytes is None else min(1 << 20, max_bytes + 1 - len(buf))
            chunk = fh.read(want)
            if not chunk:
                return bytes(buf)
            buf += chunk
            if max_bytes is not None and len(buf) > max_bytes:
                raise FileFormatError(
                    f"{str(p)!r} is a pipe or device, not a regular file, and it gave more "
                    f"than {_mb(max_bytes)} (max_bytes); reading stopped there. If you mean "
                    "it, pass a larger max_bytes (or None), or save the data to a file first"
                )


def _check_size(p: Path, size: int, max_bytes: int | None) -> None:
    if max_bytes is not None and size > max_bytes:
        raise FileFormatError(
            f"{str(p)!r} is {_mb(size)}, over the limit of {_mb(max_bytes)} (max_bytes); "
            f"nothing was read. If you mean it, pass max_bytes={size} (or None), or clip the "
            "file to your region first (e.g. ogr2ogr -spat)"
        )
