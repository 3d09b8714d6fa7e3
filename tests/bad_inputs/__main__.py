"""Print docs/bad_inputs.md, the whole bad-input catalogue: ``python -m tests.bad_inputs``.

One table per stage, generated from the CASES lists of the test modules (each
module has a test that checks its case ids are in the doc).
"""

from __future__ import annotations

import sys
from pathlib import Path

# the rendering cases reuse helpers of tests/test_maps.py, imported as top-level modules
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from . import test_loading, test_measuring, test_rendering  # noqa: E402


def document() -> str:
    loading = test_loading.markdown().rstrip("\n").splitlines()
    assert loading[0].startswith("# ") and loading[-1].endswith("docs/bad_inputs.md`.")
    n_load, n_measure = len(test_loading.CASES), len(test_measuring.CASES)
    n_render = len(test_rendering.CASES)
    total = n_load + n_measure + n_render
    head = [
        "# Bad-input catalogue",
        "",
        f"{total} cases, each a test with its expected outcome: {n_load} for loading, "
        f"{n_measure} for measuring, {n_render} for rendering and export. Every error is a "
        "`borderkit` exception (`borderkit.errors`, each also the builtin it resembles); every "
        "repair or dropped feature comes with a `borderkit` warning and a report.",
        "",
        "Property tests (hypothesis) add: names with NUL, control characters, whitespace-only "
        "text, right-to-left text and combining marks round-trip through every writable format "
        "exactly or are refused (`tests/test_io.py`), show literally in the HTML page and draw "
        "in print maps (`tests/bad_inputs/test_rendering.py`); distance symmetry and the "
        "triangle inequality (`tests/test_measure.py`); buffer containment "
        "(`tests/test_buffer.py`). `make fuzz` runs the loaders against generated files for "
        "longer (`tests/fuzz/`, not part of the default run). `tests/test_network.py` checks "
        "that nothing touches the network unless asked.",
        "",
        "Regenerate this file with `python -m tests.bad_inputs > docs/bad_inputs.md`.",
        "",
    ]
    body = ["## Loading", *loading[1:-1], f"{n_load} cases.", ""]
    return "\n".join([
        *head,
        *body,
        test_measuring.markdown(start=n_load + 1),
        test_rendering.markdown(start=n_load + n_measure + 1),
    ])


if __name__ == "__main__":  # pragma: no cover
    sys.stdout.write(document())
