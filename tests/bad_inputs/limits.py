"""Run one piece of borderkit code under a memory and a time limit, in a child process.

The bounded-resource cases of the catalogue (``test_limits_*.py``) use it: no
input file or spec of under 1 MB may make a public function or CLI command run
longer than about 10 s or use more than 1 GB. The child gets ``RLIMIT_AS``
(address space, so an allocation past the limit fails with MemoryError instead
of taking the machine) and is killed when the time runs out; both outcomes are
reported, never hidden.

A case's code runs with ``bk`` (borderkit) imported and ``path`` (a
``pathlib.Path``) bound to the case's input; it prints what the test checks,
usually the name of the exception it caught and its message.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

MEMORY_MB = 1024
SECONDS = 10.0
# numpy, pandas, geopandas and pyproj map far more address space than they use;
# the limit is on top of what an idle `import borderkit, geopandas` reserves
_BASELINE = """
import pathlib, sys
import borderkit as bk
import geopandas, shapely, numpy, pandas, pyproj  # noqa: F401
"""


@dataclass(frozen=True)
class Limited:
    """What the child did: its exit code, output, time, and whether a limit stopped it."""

    returncode: int | None
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool

    @property
    def out_of_memory(self) -> bool:
        return "MemoryError" in self.stderr or "std::bad_alloc" in self.stderr

    def within_limits(self) -> str:
        """'' when the child finished by itself in time and memory, else why not."""
        if self.timed_out:
            return f"ran past the time limit ({self.seconds:.1f} s)"
        if self.out_of_memory:
            return f"ran out of its {MEMORY_MB} MB:\n{self.stderr[-2000:]}"
        if self.returncode != 0:
            return f"exited {self.returncode}:\n{self.stderr[-2000:]}"
        return ""


def _baseline_bytes() -> int:
    """Address space of a child that only imports (measured once per session)."""
    global _BASE
    if _BASE is None:
        code = _BASELINE + (
            "print(sum(int(l.split()[1]) for l in open('/proc/self/status') "
            "if l.startswith('VmSize:')) * 1024)"
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True, timeout=120)
        _BASE = int(out.stdout.strip())
    return _BASE


_BASE: int | None = None


def run_limited(code: str, path: Path | str = "", *, seconds: float = SECONDS,
                memory_mb: int = MEMORY_MB, args: list[str] | None = None,
                grace: float = 30.0) -> Limited:
    """Run *code* in a child with *memory_mb* of address space beyond an idle import.

    The clock starts after the imports, so the time limit measures borderkit's
    work, not Python's start-up; *grace* is the extra wall time the child gets
    for its imports before it is killed. *args* replaces the code by a command
    line (for the CLI), run under the same limits.
    """
    limit = _baseline_bytes() + memory_mb * 1024 * 1024

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    if args is None:
        body = textwrap.dedent(code)
        program = (
            _BASELINE
            + f"path = pathlib.Path({str(path)!r})\n"
            + "import time as _t; _t0 = _t.perf_counter()\n"
            + body
            + "\nprint(f'__seconds__ {_t.perf_counter() - _t0:.3f}', file=sys.stderr)\n"
        )
        argv = [sys.executable, "-c", program]
    else:
        argv = args
    start = time.perf_counter()
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + grace,
                             preexec_fn=cap)
    except subprocess.TimeoutExpired as err:
        return Limited(None, _text(err.stdout), _text(err.stderr),
                       time.perf_counter() - start, True)
    took = time.perf_counter() - start
    for line in out.stderr.splitlines():
        if line.startswith("__seconds__ "):
            took = float(line.split()[1])
    return Limited(out.returncode, out.stdout, out.stderr, took, took > seconds)


def _text(value: bytes | str | None) -> str:
    if value is None:
        return ""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
