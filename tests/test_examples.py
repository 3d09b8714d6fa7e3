"""examples/same_map/: one map written three ways, and the README's line counts of them.

The borderkit and plain-folium versions run here (offline); the geopandas version
needs mapclassify, which borderkit does not depend on, so only its lines are counted.
"""

from __future__ import annotations

import ast
import re
import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAME = ROOT / "examples" / "same_map"
FILES = {"borderkit": "borderkit_explore.py", "geopandas": "geopandas_explore.py",
         "folium": "folium_plain.py"}


def code_lines(path: Path) -> int:
    """Lines of code: not blank, not a comment, not the module docstring."""
    src = path.read_text(encoding="utf-8")
    first = ast.parse(src).body[0]
    doc = set()
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
        doc = set(range(first.lineno, first.end_lineno + 1))
    return sum(1 for n, line in enumerate(src.splitlines(), 1)
               if line.strip() and not line.strip().startswith("#") and n not in doc)


@pytest.mark.parametrize("who", ["borderkit", "folium"])
def test_the_example_runs_and_writes_its_page(who, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runpy.run_path(str(SAME / FILES[who]), run_name="__main__")
    page = (tmp_path / f"same_map_{who}.html").read_text(encoding="utf-8")
    assert "Places by kind" in page
    loads = re.findall(r"<(?:script|link)[^>]+(?:src|href)=\"(https?://[^\"]+)", page)
    if who == "borderkit":
        assert loads == [], loads  # offline: nothing fetched
        for kind in ("checkpoint", "facility", "town"):
            assert kind in page  # one legend entry per category
    else:
        assert loads, "plain folium loads Leaflet and its plugins from CDNs"


def test_readme_states_the_line_counts():
    text = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    n = {who: code_lines(SAME / name) for who, name in FILES.items()}
    claim = (f"{n['borderkit']} lines with borderkit, {n['geopandas']} with geopandas' "
             f"`explore()` and {n['folium']} with plain folium")
    assert claim in text, f"README.md should say: {claim!r}"
    assert n["borderkit"] < n["geopandas"] < n["folium"]
