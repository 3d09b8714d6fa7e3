"""The public API and the one-way architecture (load -> measure -> render -> export -> cli)."""

from __future__ import annotations

import ast
import importlib
import pathlib
import subprocess
import sys

import pytest

import borderkit

SRC = pathlib.Path(borderkit.__file__).parent

# stage of each module; a module may import only from stages <= its own
STAGE = {
    "errors": 0, "_atomic": 0, "_validate": 0, "_style": 0,
    "_coords": 1, "data": 1, "io": 1,
    "measure": 2, "buffers": 2, "_dask": 2, "_geodesic": 2,
    "spec": 3, "presets": 3, "maps": 3, "static": 3, "_escape": 3, "_assets": 3, "_specfile": 3,
    "export": 4,
    "cli": 5, "__main__": 5,
}


def _module_stage(rel: pathlib.Path) -> tuple[str, int]:
    top = rel.parts[0].removesuffix(".py")
    if top == "__init__":
        return top, 99
    assert top in STAGE, f"module {top} has no stage in tests/test_api.py:STAGE; add it"
    return top, STAGE[top]


def _imports(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level >= 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("borderkit."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("borderkit."):
                    found.add(alias.name.split(".")[1])
    return found


@pytest.mark.parametrize(
    "path", sorted(SRC.rglob("*.py")), ids=lambda p: str(p.relative_to(SRC))
)
def test_imports_flow_one_way(path):
    rel = path.relative_to(SRC)
    name, stage = _module_stage(rel)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for imported in _imports(tree):
        if imported == name or imported not in STAGE:
            continue
        assert STAGE[imported] <= stage, (
            f"{rel} (stage {stage}) imports {imported} (stage {STAGE[imported]}): "
            "data flows load -> measure -> render -> export -> cli"
        )


def test_all_names_resolve():
    missing = []
    for name in borderkit.__all__:
        try:
            getattr(borderkit, name)
        except (AttributeError, ImportError) as err:
            missing.append(f"{name}: {err}")
    assert not missing, "names in borderkit.__all__ that do not resolve:\n" + "\n".join(missing)


def test_import_is_cheap_and_side_effect_free():
    code = (
        "import sys, borderkit; "
        "heavy = [m for m in ('folium', 'matplotlib', 'geopandas') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"import borderkit pulled in {out.stdout.strip()}"


def test_every_error_is_a_borderkit_error_and_a_builtin():
    errors = importlib.import_module("borderkit.errors")
    for name in errors.__all__:
        cls = getattr(errors, name)
        if issubclass(cls, Warning):
            assert issubclass(cls, errors.BorderkitWarning)
            continue
        assert issubclass(cls, errors.BorderkitError), name
        if cls is not errors.BorderkitError:
            assert len(cls.__mro__) > 3, f"{name} should also inherit a builtin exception"


def test_lazy_names_do_not_shadow_submodules():
    # importing a submodule sets it as an attribute of the package: a public function
    # with the same name as a module would turn into that module once it is imported
    modules = {p.stem for p in SRC.glob("*.py")} | {p.name for p in SRC.iterdir() if p.is_dir()}
    clash = sorted(set(borderkit._LAZY) & modules)
    assert not clash, f"public names that are also submodule names: {clash}"


def test_buffer_stays_a_function_after_its_module_is_imported():
    code = (
        "import importlib, borderkit as bk; "
        "importlib.import_module('borderkit.buffers'); "
        "import borderkit.spec; "
        "print(callable(bk.buffer), callable(bk.rings))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True True"
