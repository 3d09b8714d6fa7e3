"""Atomic file writing: a temp file in the target folder, fsync, then os.replace.

A failure at any point leaves the previous file untouched and no temp file behind.
This module sits below every stage, so loaders, maps and exports can all use it.

Temporaries are named ``.<target name>.<pid>-<8 random>.part<suffix>`` (a file)
or ``.<target name>.<pid>-<8 random>.part`` (a folder, for shapefiles). A
process killed mid-save (SIGKILL, power loss) cannot remove its own, so the next
save to the same target removes the stale ones (:func:`sweep_stale`): only names
of exactly this pattern for that target (and SQLite's ``-journal``, ``-wal``,
``-shm`` beside them), and only when the process whose id is in the name is no
longer running on this machine and the temporary was last changed before the
current process started, or more than a day ago. Temporaries of the older
naming without a process id are removed once they are a day old.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from .errors import ExportError

__all__ = ["atomic_path", "sweep_stale", "temp_dir", "write_bytes", "write_text"]

log = logging.getLogger(__name__)

_IMPORTED = time.time()
_DAY = 86_400.0


def _process_start() -> float:
    """When this process started (Linux: from /proc), else when this module was imported."""
    try:
        stat = Path("/proc/self/stat").read_text()
        ticks = int(stat.rsplit(")", 1)[1].split()[19])  # since boot
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return time.time() - (uptime - ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return _IMPORTED


_STARTED = _process_start()


def _pid_running(pid: int) -> bool:
    """True unless *pid* is surely not a running process on this machine."""
    if pid == os.getpid() or sys.platform == "win32":  # os.kill(pid, 0) is not a probe there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it runs, as another user
        return True
    return True


def _temp_pattern(name: str) -> re.Pattern[str]:
    return re.compile(
        rf"\.{re.escape(name)}\.(?:(\d+)-)?[a-z0-9_]{{8}}\.part"
        r"(?:\.[^/\\]{1,80})?"  # the target's suffixes, SQLite's -journal/-wal/-shm
    )


def sweep_stale(target: Path) -> list[Path]:
    """Remove stale temporaries a killed save to *target* left beside it; return them.

    The rule is in the module docstring. Errors are logged, never raised: a
    sweep must not stop the save that runs it.
    """
    folder = target.parent if str(target.parent) else Path(".")
    pattern = _temp_pattern(target.name)
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        m = pattern.fullmatch(entry.name)
        if m is None:
            continue
        try:
            changed = entry.stat(follow_symlinks=False).st_mtime
            if m.group(1) is None:
                stale = now - changed > _DAY
            else:
                stale = not _pid_running(int(m.group(1))) and (
                    changed < _STARTED or now - changed > _DAY
                )
            if not stale:
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
        except OSError as err:
            log.warning("could not remove the stale temporary %s: %s", entry.path, err)
            continue
        log.info("removed the stale temporary %s", entry.path)
        removed.append(Path(entry.path))
    return removed


def _folder_of(target: Path) -> Path:
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise ExportError(
            f"cannot write {str(target)!r}: folder {str(folder)!r} does not exist; create it first"
        )
    return folder


def temp_dir(target: Path) -> Path:
    """A new temporary folder beside *target*, stale ones swept first; the caller removes it."""
    folder = _folder_of(target)
    sweep_stale(target)
    return Path(tempfile.mkdtemp(prefix=f".{target.name}.{os.getpid()}-", suffix=".part",
                                 dir=folder))


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], *, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path next to *path*; on success move it over *path*.

    The caller writes the temp path completely (any writer: GDAL, matplotlib,
    Chromium). On exit without error the file is fsynced and renamed over the
    target; on error it is removed and the target is left as it was. Stale
    temporaries of earlier, killed saves to the same target are removed first
    (see the module docstring for the rule).
    """
    target = Path(path)
    folder = _folder_of(target)
    sweep_stale(target)
    sfx = suffix if suffix is not None else "".join(target.suffixes) or ".tmp"
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{target.name}.{os.getpid()}-", suffix=".part" + sfx, dir=folder
    )
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
