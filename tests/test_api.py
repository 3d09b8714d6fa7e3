"""The public API: names, cheap import, error types.

The one-way stages and the import cycles are checked in tests/test_architecture.py.
"""

from __future__ import annotations

import importlib
import pathlib
import subprocess
import sys

import borderkit

SRC = pathlib.Path(borderkit.__file__).parent


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
