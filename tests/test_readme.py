"""The README's Python session runs as written, and its commented results are true."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"

# names in a comment such as "distance_m 28819.0, min 0.0, max 58819.0" -> columns
COLUMNS = {"distance_m": "distance_m", "min": "distance_min_m", "max": "distance_max_m"}


def _session() -> str:
    text = README.read_text(encoding="utf-8")
    found = re.search(r"^## In Python\n\n```python\n(.*?)^```", text, re.S | re.M)
    assert found, "README.md lost its '## In Python' example"
    return found.group(1)


def _claims(block: str) -> dict[int, str]:
    """Line number -> the comment on that line, for lines whose comment states a result."""
    out = {}
    for number, line in enumerate(block.splitlines(), 1):
        code, sep, comment = line.partition("  # ")
        comment = comment.strip()
        if sep and re.match(r"""^(['"]|-?\d|distance_m )""", comment):
            out[number] = comment
    return out


def _check(value, claim: str, where: str) -> None:
    if claim[0] in "'\"":
        assert repr(value) == claim, f"{where}: README says {claim}, the code gives {value!r}"
    elif claim.startswith("distance_m "):
        row = value.iloc[0]
        for name, number in re.findall(r"(\w+) (-?[\d.]+)", claim):
            got = round(float(row[COLUMNS[name]]), 1)
            assert got == float(number), f"{where}: README says {name} {number}, got {got}"
    else:
        number = re.match(r"-?[\d.]+", claim).group(0)
        decimals = len(number.partition(".")[2])
        got = round(float(value), decimals)
        assert got == float(number), f"{where}: README says {number}, the code gives {got}"


@pytest.mark.slow
def test_readme_python_session_runs_and_its_results_hold(tmp_path, monkeypatch):
    """Run the session statement by statement in an empty folder, as a new user would."""
    monkeypatch.chdir(tmp_path)
    block = _session()
    claims = _claims(block)
    assert len(claims) >= 3, f"expected the README to state results, found {claims}"
    namespace: dict = {}
    checked = set()
    for stmt in ast.parse(block).body:
        code = compile(ast.Module([stmt], []), "README.md", "exec")
        if isinstance(stmt, ast.Expr) and stmt.lineno in claims:
            value = eval(compile(ast.Expression(stmt.value), "README.md", "eval"), namespace)
            _check(value, claims[stmt.lineno], f"README line {stmt.lineno}")
            checked.add(stmt.lineno)
        else:
            exec(code, namespace)
    assert checked == set(claims), f"claims on lines {set(claims) - checked} were not checked"
    for name in ("my-brief.html", "my-brief.pdf", "brief.html", "brief.pdf", "brief.svg"):
        assert (tmp_path / "out" / name).stat().st_size > 1000, name


def test_readme_shows_the_demo_distances_it_prints():
    """The block under `make demo` is what the demo prints (same numbers, same words)."""
    from borderkit.cli import _distance_summary, _key_distances

    text = README.read_text(encoding="utf-8")
    found = re.search(r"^```\n(key distances \(geodesic, WGS84\):\n.*?)^```", text, re.S | re.M)
    assert found, "README.md lost the demo's distance table"
    assert found.group(1).rstrip("\n") == _distance_summary(_key_distances()).rstrip("\n")
