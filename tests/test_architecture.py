"""The package layout stays true: one-way stages, no import cycles, rooms of a sensible size.

Every ``.py`` file under ``src/borderkit`` is parsed with ``ast`` (nothing is
imported). Imports are resolved to module names, relative ones included, and
imports under ``if TYPE_CHECKING:`` are left out because they never run.

- **Stages**: data flows load -> measure -> render -> export -> cli. A module
  imports only from its own stage or earlier ones. The stage of a module is the
  stage of its top-level name (``io/kml.py`` is ``io``), from the table in
  ``docs/architecture.md``, which is therefore the one place a new module is
  registered.
- **Cycles**: no two modules import each other, directly or through others,
  deferred (function-level) imports included.
- **Sizes**: a module over ``MAX_MODULE_LINES`` or a function over
  ``MAX_FUNCTION_LINES`` (its docstring not counted) must be listed, with its
  reason, in the exceptions table of ``docs/architecture.md``; a listed
  exception that no longer needs its place fails too, so the list cannot go
  stale.
"""

from __future__ import annotations

import ast
import pathlib
import re

import pytest

import borderkit

SRC = pathlib.Path(borderkit.__file__).parent
DOC = pathlib.Path(__file__).resolve().parents[1] / "docs" / "architecture.md"
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60
STAGES = ("base", "load", "measure", "render", "export", "cli")


def _module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(["borderkit", *parts])


MODULES = {_module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def _doc_table(heading: str) -> list[list[str]]:
    """Rows of the first Markdown table under *heading* in docs/architecture.md."""
    text = DOC.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"docs/architecture.md has no section '## {heading}'"
    rows = []
    for line in match.group(1).splitlines():
        if not line.startswith("|") or set(line) <= set("|-: "):
            continue
        rows.append([cell.strip().strip("`") for cell in line.strip("|").split("|")])
    return rows[1:]  # without the header row


def _stage_table() -> dict[str, int]:
    table = {}
    for row in _doc_table("Modules"):
        name, stage = row[0].removesuffix("/").removesuffix(".py"), row[1]
        assert stage in STAGES, f"docs/architecture.md: stage {stage!r} of {name} not in {STAGES}"
        table[name] = STAGES.index(stage)
    return table


def _in_type_checking(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(module: str) -> set[str]:
    """The borderkit modules that *module* imports (at import time or deferred)."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Import | ast.ImportFrom) or _in_type_checking(node, parents):
            continue
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            target = _resolve(module, path.name == "__init__.py", node)
            # `from pkg import sub` imports the submodule when there is one
            names = [f"{target}.{a.name}" if f"{target}.{a.name}" in MODULES else target
                     for a in node.names]
        for name in names:
            while name and name not in MODULES and name.startswith("borderkit"):
                name = name.rpartition(".")[0]  # `import borderkit.io.kml` -> the module
            if name in MODULES and name != module:
                found.add(name)
    return found


GRAPH = {module: _imports(module) for module in MODULES}


def _stage_of(module: str, table: dict[str, int]) -> int | None:
    parts = module.split(".")
    if len(parts) == 1:
        return None  # the package's own __init__: it re-exports every stage
    assert parts[1] in table, (
        f"{MODULES[module].relative_to(SRC.parent)} has no row in the 'Modules' table of "
        f"docs/architecture.md; add `{parts[1]}` with its stage ({', '.join(STAGES)})"
    )
    return table[parts[1]]


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_flow_one_way(module):
    table = _stage_table()
    stage = _stage_of(module, table)
    if stage is None:
        return
    later = {imp: _stage_of(imp, table) for imp in GRAPH[module]}
    later = {imp: s for imp, s in later.items() if s is not None and s > stage}
    assert not later, (
        f"{module} ({STAGES[stage]}) imports "
        + ", ".join(f"{imp} ({STAGES[s]})" for imp, s in sorted(later.items()))
        + ": data flows load -> measure -> render -> export -> cli; move the shared "
        "code down to the earlier stage"
    )


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles():
    cycles = _cycles(GRAPH)
    detail = [
        " <-> ".join(c) + ": " + "; ".join(
            f"{a} imports {', '.join(sorted(GRAPH[a] & set(c)))}" for a in c
        )
        for c in cycles
    ]
    assert not cycles, "import cycles (move what both need into a private module):\n" + "\n".join(
        detail
    )


def test_cycle_finder_finds_cycles():
    # the checker itself: a planted cycle and a clean chain
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_resolver_reads_relative_and_deferred_imports(tmp_path):
    tree = ast.parse("from ..errors import DataError\nfrom . import _repair\nfrom .kml import x\n")
    nodes = [n for n in tree.body if isinstance(n, ast.ImportFrom)]
    assert _resolve("borderkit.io", True, nodes[0]) == "borderkit.errors"
    assert _resolve("borderkit.io.csv", False, nodes[1]) == "borderkit.io"
    assert _resolve("borderkit.measure", False, nodes[2]) == "borderkit.kml"


def test_every_module_has_a_row_and_every_row_a_module():
    table = _stage_table()
    tops = {m.split(".")[1] for m in MODULES if m.count(".") >= 1}
    assert tops <= set(table), f"not in docs/architecture.md: {sorted(tops - set(table))}"
    assert set(table) <= tops, f"docs/architecture.md lists modules that do not exist: " \
                               f"{sorted(set(table) - tops)}"


def _exceptions() -> dict[str, str]:
    return {row[0]: row[-1] for row in _doc_table("Size exceptions")}


def _code_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines from ``def`` to the end, without the docstring (numpydoc ones are long)."""
    size = node.end_lineno - node.lineno + 1
    first = node.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
            and isinstance(first.value.value, str):
        size -= first.end_lineno - first.lineno + 1
    return size


def _oversized() -> dict[str, int]:
    found = {}
    for path in MODULES.values():
        rel = str(path.relative_to(SRC))
        text = path.read_text(encoding="utf-8")
        lines = len(text.splitlines())
        if lines > MAX_MODULE_LINES:
            found[rel] = lines
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                size = _code_lines(node)
                if size > MAX_FUNCTION_LINES:
                    found[f"{rel}:{node.name}"] = size
    return found


def test_sizes_within_budget_or_explained():
    excused = _exceptions()
    over = _oversized()
    unexplained = {k: v for k, v in over.items() if k not in excused}
    assert not unexplained, (
        f"over {MAX_MODULE_LINES} lines per module or {MAX_FUNCTION_LINES} per function, "
        "with no reason in the 'Size exceptions' table of docs/architecture.md "
        "(split it along its steps, or add a row saying why not):\n"
        + "\n".join(f"  {k}: {v} lines" for k, v in sorted(unexplained.items()))
    )
    stale = sorted(set(excused) - set(over))
    assert not stale, f"docs/architecture.md excuses what is no longer over budget: {stale}"
