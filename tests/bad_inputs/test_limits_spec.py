"""Bounded-resource cases of spec files: each runs under 1 GB and 10 s in a child process.

A spec of a few hundred bytes used to take all the memory (a YAML "billion laughs":
nine lines of nested aliases) or raise a raw RecursionError / OverflowError (5,000
levels of nesting, a 400-digit number), and a 40 KB TOML dotted key took 13 s in
:mod:`tomllib`. Now each is a ``SpecError`` naming the file and the line, found
before anything is built. The spec texts here are also the inputs of the spec-file
rows of the catalogue (``test_rendering.py``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

from .limits import run_limited

LEVELS = 5_000


def billion_laughs_yaml() -> str:
    """Nine lines of aliases, each repeating the line above nine times (9**9 values)."""
    lines = ["title: T", 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]")
    return "\n".join(lines) + "\n"


def looping_alias_yaml() -> str:
    """An alias inside the node it names: a list that contains itself."""
    return "title: T\nlayers: &x [*x]\n"


def deep_toml(levels: int = LEVELS) -> str:
    return 'title = "T"\nbounds = ' + "[" * levels + "]" * levels + "\n"


def deep_inline_table_toml(levels: int = LEVELS) -> str:
    return 'title = "T"\nstyle = ' + "{a = " * levels + "1" + "}" * levels + "\n"


def long_dotted_key_toml(parts: int = 20_000) -> str:
    return 'title = "T"\n' + ".".join(["a"] * parts) + " = 1\n"


def deep_yaml(levels: int = LEVELS) -> str:
    return "title: T\nbounds: " + "[" * levels + "]" * levels + "\n"


def deep_block_yaml(levels: int = 1_000) -> str:
    """Block style, one space more per level (1,000 levels stay under 1 MB)."""
    return "title: T\n" + "".join(" " * i + "k:\n" for i in range(levels)) + " " * levels + "v\n"


def huge_integer_toml(digits: int = 400) -> str:
    return f'title = "T"\nwidth = {"9" * digits}\n'


def huge_integer_yaml(digits: int = 400) -> str:
    return f"title: T\nwidth: {'9' * digits}\n"


def write_spec(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def read_spec_text(folder: Path, name: str, text: str, **kwargs: Any) -> Any:
    """Write *text* as the spec file *name* in *folder* and read it (a catalogue case)."""
    from borderkit._specfile import read_spec

    return read_spec(write_spec(folder, name, text), **kwargs)


def layer_spec(data: str) -> str:
    return f'title = "T"\n\n[[layers]]\ndata = {data!r}\n'


def resolve_with_layer_file(folder: Path, name: str, content: str) -> Any:
    """A spec whose one layer is the file *name* holding *content*, resolved."""
    (folder / name).write_text(content, encoding="utf-8")
    return read_spec_text(folder, "brief.toml", layer_spec(name)).resolve()


def outside_via_link(folder: Path, **kwargs: Any) -> Any:
    """A spec in folder/brief whose layer is a symbolic link to a file in *folder*."""
    (folder / "brief").mkdir()
    (folder / "sites.csv").write_text(SITES, encoding="utf-8")
    os.symlink(folder / "sites.csv", folder / "brief" / "sites.csv")
    return read_spec_text(folder / "brief", "brief.toml", layer_spec("sites.csv"), **kwargs)


def run_cli(*args: str) -> Any:
    """The command line in-process; the result has exit_code, stdout and stderr."""
    from click.testing import CliRunner

    from borderkit import cli

    return CliRunner().invoke(cli.cli, list(args))


def map_with_tiles(folder: Path) -> Any:
    spec = write_spec(folder, "brief.toml", 'title = "T"\ntiles = "OpenStreetMap.Mapnik"\n'
                                            "bounds = [68, 36, 75, 41]\n")
    return run_cli("map", str(spec), "-o", str(folder / "brief.html"))


SITES = "name,lat,lon\nKarakul,39.01,73.55\n"
SECRET = "root:$6$S3CRET-hash:19000:0:99999:7:::\n"

READ = """
from borderkit._specfile import read_spec
try:
    read_spec(path)
    print("read")
except Exception as err:
    print(type(err).__name__, err)
"""

CASES = [
    ("billion-laughs.yaml", billion_laughs_yaml(), "SpecError billion-laughs.yaml, line 6: the "
     "alias *d brings the values repeated by aliases (*name) to more than 10,000"),
    ("loop.yaml", looping_alias_yaml(), "SpecError loop.yaml, line 2: the alias *x is inside "
     "the node &x it repeats (a loop)"),
    ("deep.toml", deep_toml(), "SpecError deep.toml, line 2: tables and lists are nested more "
     "than 16 levels deep"),
    ("deep-inline.toml", deep_inline_table_toml(), "SpecError deep-inline.toml, line 2: tables "
     "and lists are nested more than 16 levels deep"),
    ("dotted.toml", long_dotted_key_toml(), "SpecError dotted.toml, line 2: tables and lists "
     "are nested more than 16 levels deep"),
    ("deep.yaml", deep_yaml(), "SpecError deep.yaml, line 2: tables and lists are nested more "
     "than 16 levels deep"),
    ("deep-block.yaml", deep_block_yaml(), "SpecError deep-block.yaml, line 18: tables and "
     "lists are nested more than 16 levels deep"),
    ("huge.toml", huge_integer_toml(), "SpecError huge.toml, line 2: width: a whole number of "
     "400 digits; numbers in a spec file have at most 15 digits"),
    ("huge.yaml", huge_integer_yaml(), "SpecError huge.yaml, line 2: width: a whole number of "
     "400 digits"),
    ("unreadable.toml", huge_integer_toml(5_000), "SpecError unreadable.toml, line 2: a whole "
     "number of 5000 digits"),
    ("unreadable.yaml", huge_integer_yaml(5_000), "SpecError unreadable.yaml, line 2: a whole "
     "number of 5000 digits"),
]


@pytest.mark.parametrize("name,text,expected", CASES, ids=[c[0] for c in CASES])
def test_spec_file_is_refused_within_limits(tmp_path, name, text, expected):
    if name.endswith(".yaml"):
        pytest.importorskip("yaml")
    path = write_spec(tmp_path, name, text)
    assert path.stat().st_size < 1_000_000
    got = run_limited(READ, path)
    assert got.within_limits() == "", got
    assert got.stdout.startswith(expected), got.stdout


def test_billion_laughs_on_the_command_line_within_limits(tmp_path):
    pytest.importorskip("yaml")
    path = write_spec(tmp_path, "brief.yaml", billion_laughs_yaml())
    got = run_limited("", args=[sys.executable, "-m", "borderkit", "map", str(path),
                                "-o", str(tmp_path / "brief.html")])
    assert got.timed_out is False and not got.out_of_memory, got
    assert got.returncode == 1, got
    assert got.stderr.startswith("error: brief.yaml, line 6: the alias *d brings"), got.stderr
    assert not (tmp_path / "brief.html").exists()
