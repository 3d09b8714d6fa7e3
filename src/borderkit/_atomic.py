"""Atomic file writing: a temp file in the target folder, fsync, then os.replace.

A failure at any point leaves the previous file untouched and no temp file behind.
This module sits below every stage, so loaders, maps and exports can all use it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import ExportError

__all__ = ["atomic_path", "write_bytes", "write_text"]


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], *, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path next to *path*; on success move it over *path*.

    The caller writes the temp path completely (any writer: GDAL, matplotlib,
    Chromium). On exit without error the file is fsynced and renamed over the
    target; on error it is removed and the target is left as it was.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise ExportError(
            f"cannot write {str(target)!r}: folder {str(folder)!r} does not exist; create it first"
        )
    sfx = suffix if suffix is not None else "".join(target.suffixes) or ".tmp"
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part" + sfx, dir=folder)
    os.close(fd)
    tmp = Path(tmp_name)
    # Some writers (GDAL) refuse to overwrite an existing file: hand them a free name.
    tmp.unlink()
    try:
        yield tmp
        if not tmp.exists():
            raise ExportError(f"writing {str(target)!r} produced no file")
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write *data* to *path* atomically and return the path."""
    target = Path(path)
    try:
        with atomic_path(target) as tmp, open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
    except OSError as err:
        raise ExportError(f"cannot write {str(target)!r}: {err.strerror or err}") from err
    return target


def write_text(path: str | os.PathLike[str], text: str, *, encoding: str = "utf-8") -> Path:
    """Write *text* to *path* atomically (UTF-8 by default) and return the path."""
    return write_bytes(path, text.encode(encoding))
