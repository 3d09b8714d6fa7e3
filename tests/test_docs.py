"""The documentation stays in step with the code.

* every name in ``borderkit.__all__`` has a numpydoc docstring (Parameters and
  Returns sections where the signature calls for them, naming every parameter);
* every public name is in ``docs/api.md``, and everything ``docs/api.md`` calls
  ``bk.<name>`` is public;
* every CLI command and option is in ``docs/cli.md``, and so is every spec-file key.
"""

from __future__ import annotations

import inspect
import pathlib
import re

import click
import pytest

import borderkit
from borderkit import cli
from borderkit._specfile import SPEC_KEYS

ROOT = pathlib.Path(__file__).resolve().parents[1]
API_MD = ROOT / "docs" / "api.md"
CLI_MD = ROOT / "docs" / "cli.md"

PUBLIC = [n for n in borderkit.__all__ if n != "__version__"]
SECTION = re.compile(r"^\s*(?P<title>[A-Z][A-Za-z ]+)\n\s*-{3,}\s*$", re.MULTILINE)


def sections(doc: str) -> dict[str, str]:
    """numpydoc sections of a docstring: title -> body."""
    doc = inspect.cleandoc(doc)
    found = list(SECTION.finditer(doc))
    out = {}
    for i, m in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(doc)
        out[m.group("title").strip()] = doc[m.end():end]
    return out


def documented_params(body: str) -> set[str]:
    """Parameter names in a Parameters section (``a, b : int`` documents both)."""
    names: set[str] = set()
    for line in body.splitlines():
        if not line or line[0].isspace():
            continue
        head = line.split(" : ")[0].split(":")[0]
        names.update(n.strip().lstrip("*") for n in head.split(","))
    return names


def own_doc(obj: object) -> str:
    doc = obj.__dict__.get("__doc__") if isinstance(obj, type) else obj.__doc__
    return doc or ""


def signature_params(func: object) -> list[str]:
    try:
        sig = inspect.signature(func)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return []
    return [p.name for p in sig.parameters.values() if p.name not in ("self", "cls")]


def returns_value(func: object) -> bool:
    try:
        ann = inspect.signature(func).return_annotation  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return ann not in (None, "None", inspect.Signature.empty)


def check_numpydoc(name: str, obj: object) -> list[str]:
    problems: list[str] = []
    doc = own_doc(obj)
    if not doc.strip():
        return [f"{name}: no docstring"]
    if isinstance(obj, type) and doc.startswith(f"{obj.__name__}("):
        return [f"{name}: only the dataclass's generated docstring; write one"]
    if isinstance(obj, type) and issubclass(obj, BaseException | Warning):
        return problems  # one summary line is the documentation of an exception
    if isinstance(obj, type):
        bare = [
            attr for attr, value in vars(obj).items()
            if not attr.startswith("_") and callable(value) and not own_doc(value).strip()
        ]
        if bare:
            problems.append(f"{name}: public methods without a docstring: {bare}")
    secs = sections(doc)
    func = obj.__init__ if isinstance(obj, type) else obj  # type: ignore[misc]
    params = signature_params(func)
    if params:
        body = secs.get("Parameters", secs.get("Attributes"))
        if body is None:
            problems.append(f"{name}: has parameters {params} but no Parameters section")
        else:
            missing = [p for p in params if p not in documented_params(body)]
            if missing:
                problems.append(f"{name}: parameters {missing} are not in its Parameters section")
    if not isinstance(obj, type) and returns_value(obj) and not (
        "Returns" in secs or "Yields" in secs
    ):
        problems.append(f"{name}: returns a value but has no Returns section")
    return problems


# Known gaps, owned elsewhere: strict, so the test fails once they are fixed and the
# entry must be removed here.
DOC_GAPS: dict[str, str] = {}


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=DOC_GAPS[n]))
    if n in DOC_GAPS else n
    for n in PUBLIC
])
def test_public_name_has_numpydoc_docstring(name):
    problems = check_numpydoc(name, getattr(borderkit, name))
    assert not problems, "\n".join(problems)


def test_checker_finds_missing_sections():
    def undocumented(a, b=1):
        """Do a thing."""
        return a

    def documented(a: int, *, b: int = 1) -> int:
        """Do a thing.

        Parameters
        ----------
        a, b : int
            Numbers.

        Returns
        -------
        int
        """
        return a

    def no_return(a) -> int:
        """Do.

        Parameters
        ----------
        a : int
        """
        return a

    assert check_numpydoc("undocumented", undocumented) == [
        "undocumented: has parameters ['a', 'b'] but no Parameters section"
    ]
    assert check_numpydoc("documented", documented) == []
    assert check_numpydoc("no_return", no_return) == [
        "no_return: returns a value but has no Returns section"
    ]


# --------------------------------------------------------------------------- docs/api.md

def api_text() -> str:
    return API_MD.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", borderkit.__all__)
def test_public_name_is_in_api_md(name):
    pattern = rf"`(?:bk\.|borderkit\.)?{re.escape(name)}[`(\[ ]"
    assert re.search(pattern, api_text()), (
        f"{name} is in borderkit.__all__ but not documented in docs/api.md "
        f"(write it in backticks, e.g. `bk.{name}(...)`)"
    )


def test_api_md_names_only_public_things():
    named = set(re.findall(r"`bk\.([A-Za-z_][A-Za-z0-9_]*)", api_text()))
    stale = sorted(named - set(borderkit.__all__))
    assert not stale, f"docs/api.md documents names that are not in borderkit.__all__: {stale}"


# --------------------------------------------------------------------------- docs/cli.md

def cli_text() -> str:
    return CLI_MD.read_text(encoding="utf-8")


def commands() -> list[tuple[str, click.Command]]:
    return sorted(cli.cli.commands.items())


@pytest.mark.parametrize("name", [n for n, _ in commands()])
def test_cli_command_and_options_are_in_cli_md(name):
    text = cli_text()
    assert f"borderkit {name}" in text, f"docs/cli.md does not show `borderkit {name}`"
    section = text.split(f"### `borderkit {name}", 1)
    assert len(section) == 2, f"docs/cli.md has no section headed ### `borderkit {name}...`"
    body = section[1].split("\n### ", 1)[0]
    for param in cli.cli.commands[name].params:
        if not isinstance(param, click.Option):
            continue
        # the long form or the short form (-o for --output) is enough
        assert any(re.search(rf"(?<![\w-]){re.escape(o)}(?![\w-])", body) for o in param.opts), (
            f"option {'/'.join(param.opts)} of `borderkit {name}` is not in its section")


def test_cli_md_names_only_real_commands():
    named = set(re.findall(r"^### `borderkit ([a-z-]+)", cli_text(), re.MULTILINE))
    assert named == {n for n, _ in commands()}


@pytest.mark.parametrize("table,key", [(t, k) for t, keys in SPEC_KEYS.items() for k in keys])
def test_spec_keys_are_in_cli_md(table, key):
    assert f"`{key}`" in cli_text(), f"spec-file key {key!r} ({table}) is not in docs/cli.md"
