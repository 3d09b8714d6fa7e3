"""The catalogue itself: unique ids, its size, and the two places it is documented.

docs/bad_inputs.md and the README's tables are generated from the CASES lists
(``python -m tests.bad_inputs`` and ``--readme``); these tests fail when either is stale.
"""

from __future__ import annotations

from pathlib import Path

from . import test_loading, test_measuring, test_rendering
from .__main__ import README_END, README_START, document, readme_block

ROOT = Path(__file__).resolve().parents[2]
STAGES = {"loading": test_loading, "measuring": test_measuring, "rendering": test_rendering}
# the issue asks for at least 40 cases in all; each stage keeps a floor of its own
FLOORS = {"loading": 40, "measuring": 20, "rendering": 20}


def test_case_ids_are_unique_and_each_stage_is_large():
    ids = [c.id for module in STAGES.values() for c in module.CASES]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"case ids used twice: {duplicates}"
    for stage, module in STAGES.items():
        assert len(module.CASES) >= FLOORS[stage], stage


def test_docs_bad_inputs_md_is_generated():
    text = (ROOT / "docs" / "bad_inputs.md").read_text(encoding="utf-8")
    assert text == document(), (
        "docs/bad_inputs.md is stale: regenerate it with "
        "python -m tests.bad_inputs > docs/bad_inputs.md"
    )
    for module in STAGES.values():
        missing = [c.id for c in module.CASES if f"`{c.id}`" not in text]
        assert not missing, missing


def test_readme_lists_every_case_as_generated():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
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
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    n = [len(module.CASES) for module in STAGES.values()]
    claim = (
        f"The catalogue has {sum(n)} cases: {n[0]} for loading, "
        f"{n[1]} for measuring, {n[2]} for rendering"
    )
    assert claim in " ".join(text.split()), f"README.md should say: {claim!r}"
