"""What an export wrote: :class:`ExportReport`, shared by every multi-file export."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BorderkitError, ExportError

log = logging.getLogger(__name__)


@dataclass
class ExportReport:
    """What an export wrote.

    Attributes
    ----------
    written : dict of str to pathlib.Path
        Format (or ``layer id.format``) -> the file written, complete.
    failed : dict of str to str
        Format -> why it was not written (no partial file is left).
    notes : list of str
        Repairs, dropped features and other remarks from resolving the spec.
    seconds : dict of str to float
        Wall time of each output, in seconds.
    """

    written: dict[str, Path] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    errors: dict[str, BaseException] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        """True when every requested output was written."""
        return not self.failed

    def merge(self, other: ExportReport, prefix: str = "") -> None:
        self.written.update({prefix + k: path for k, path in other.written.items()})
        self.failed.update({prefix + k: why for k, why in other.failed.items()})
        self.errors.update({prefix + k: err for k, err in other.errors.items()})
        self.notes.extend(n for n in other.notes if n not in self.notes)
        self.seconds.update({prefix + k: v for k, v in other.seconds.items()})

    def __str__(self) -> str:
        lines = [f"wrote {len(self.written)} file(s)" +
                 (f", {len(self.failed)} failed" if self.failed else "")]
        lines += [f"  {key}: {path}" for key, path in self.written.items()]
        lines += [f"  FAILED {key}: {why}" for key, why in self.failed.items()]
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def _run(self, key: str, fn: Callable[[], Path]) -> None:
        start = time.perf_counter()
        try:
            path = fn()
        except (BorderkitError, OSError, ValueError, RuntimeError) as err:
            self.failed[key] = f"{type(err).__name__}: {err}"
            self.errors[key] = err
            log.warning("export %s failed: %s", key, err)
        else:
            self.written[key] = Path(path)
        self.seconds[key] = time.perf_counter() - start

    def _finish(self, on_error: str, what: str) -> ExportReport:
        if self.failed and on_error == "raise":
            first = next(iter(self.errors.values()), None)
            err = ExportError(f"{what}: {len(self.failed)} output(s) failed; nothing partial was "
                              f"left behind.\n{self}")
            err.report = self  # type: ignore[attr-defined]
            raise err from first
        return self


def _check_on_error(on_error: str) -> None:
    if on_error not in ("raise", "report"):
        raise ExportError(f"on_error must be 'raise' or 'report', not {on_error!r}")


def _output_folder(out_dir: str | os.PathLike[str]) -> Path:
    """*out_dir* as a path, created if missing."""
    folder = Path(out_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ExportError(f"cannot create the output folder {str(folder)!r}: {err}") from err
    return folder
