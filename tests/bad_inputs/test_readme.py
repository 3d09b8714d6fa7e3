"""The README's bad-input tables are the generated ones, case for case."""

from __future__ import annotations

from pathlib import Path

from .__main__ import README_END, README_START, readme_block

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_lists_every_case_as_generated():
    text = README.read_text(encoding="utf-8")
    assert text.count(README_START) == 1 and text.count(README_END) == 1, (
        "README.md lost its bad-inputs markers"
    )
    start = text.index(README_START)
    shown = text[start : text.index(README_END, start) + len(README_END)]
    assert shown == readme_block(), (
        "README.md's bad-input tables are stale: run "
        "`python -m tests.bad_inputs --readme` and paste its output between the markers"
    )


def test_readme_counts_match_the_catalogue():
    from . import test_loading, test_measuring, test_rendering

    text = README.read_text(encoding="utf-8")
    n = len(test_loading.CASES), len(test_measuring.CASES), len(test_rendering.CASES)
    claim = (
        f"The catalogue has {sum(n)} cases: {n[0]} for loading, "
        f"{n[1]} for measuring, {n[2]} for rendering"
    )
    assert claim in " ".join(text.split()), f"README.md should say: {claim!r}"
