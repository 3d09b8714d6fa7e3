"""Limits on spec files, so that a small file cannot take the time, the memory or a secret.

A brief spec is a few levels deep and a few kilobytes long. These checks refuse,
with a :class:`~borderkit.errors.SpecError` that names the file and the line,
what no brief needs and what makes the readers run away:

* nesting deeper than :data:`MAX_DEPTH` levels (a TOML ``[[[[...`` or a dotted key
  ``a.b.c...``, a YAML ``[[[[...`` or deep indentation): the readers recurse, and
  :mod:`tomllib` takes quadratic time on long dotted keys;
* YAML aliases (``*name``) that together repeat more than :data:`MAX_ALIAS_VALUES`
  values, and an alias inside the node it refers to (the "billion laughs");
* whole numbers with more than :data:`MAX_DIGITS` digits (no key needs them, and
  they overflow when turned into floats);
* layer file paths outside the spec file's folder, unless the caller allows them;
  and an error reading a layer file from a spec shows its path and the kind of
  problem, never the file's content (:class:`SpecFilePath`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import (
    BorderkitError,
    CoordinateError,
    CRSError,
    DataError,
    EncodingError,
    FileFormatError,
    GeometryError,
    SpecError,
)

Key = tuple[str | int, ...]

#: Deepest nesting of tables and lists a spec file may have (a brief needs 5).
MAX_DEPTH = 16
#: Most values that YAML aliases may repeat in one spec file, all aliases together.
MAX_ALIAS_VALUES = 10_000
#: Most digits of a whole number in a spec file.
MAX_DIGITS = 15

_INT_TAG = "tag:yaml.org,2002:int"


def _at(source: str, line: int | None) -> str:
    return f"{source}, line {line}" if line else source


def _too_deep(source: str, line: int | None, key: str = "") -> SpecError:
    return SpecError(f"{_at(source, line)}: {key}tables and lists are nested more than {MAX_DEPTH} "
                     "levels deep; a spec file needs at most 5 (layers -> [[layers]] -> "
                     "where -> column -> list)")


# --------------------------------------------------------------------------- TOML

# strings (replaced by one placeholder character, keeping their newlines), comments
_TOML_TOKEN = re.compile(
    r'"""(?:[^\\]|\\[\s\S])*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\''
    r"|#[^\n]*|[^\"'#]+|[\s\S]"
)
_KEY = r"[A-Za-z0-9_-]+"
_LONG_CHAIN = re.compile(rf"(?<![A-Za-z0-9_-])(?:{_KEY}[ \t]*\.[ \t]*){{{MAX_DEPTH},}}{_KEY}")
# longer than int() reads (sys.get_int_max_str_digits(), 4,300) are refused on the
# text; shorter ones by check_values, which names the key
_UNREADABLE_DIGITS = 4000
_LONG_NUMBER = re.compile(rf"(?<![\w.])[+-]?\d(?:_?\d){{{_UNREADABLE_DIGITS},}}")


def _toml_skeleton(text: str) -> str:
    """*text* with each string replaced by ``s`` (and its newlines) and comments dropped."""
    out = []
    for m in _TOML_TOKEN.finditer(text):
        tok = m.group()
        if tok[0] in "\"'" and len(tok) > 1:
            out.append("s" + "\n" * tok.count("\n"))
        elif tok[0] != "#":
            out.append(tok)
    return "".join(out)


def toml_loads(text: str, source: str) -> Any:
    """:func:`tomllib.loads` after checking nesting and dotted-key length on the text."""
    skeleton = _toml_skeleton(text)
    depth, line = 0, 1
    for m in re.finditer(r"[\[\]{}\n]", skeleton):
        ch = m.group()
        if ch == "\n":
            line += 1
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise _too_deep(source, line)
        else:
            depth = max(depth - 1, 0)
    chain = _LONG_CHAIN.search(skeleton)
    if chain:
        raise _too_deep(source, skeleton.count("\n", 0, chain.start()) + 1)
    number = _LONG_NUMBER.search(skeleton)
    if number:
        raise _too_many_digits(source, skeleton.count("\n", 0, number.start()) + 1, "",
                               sum(ch.isdigit() for ch in number.group()))
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise SpecError(f"{source}: not valid TOML: {err}") from err
    except (RecursionError, ValueError, OverflowError, MemoryError) as err:  # pragma: no cover
        raise SpecError(f"{source}: cannot be read as a spec ({type(err).__name__}); keep it "
                        f"under {MAX_DEPTH} levels of nesting and {MAX_DIGITS}-digit numbers"
                        ) from err


def _too_many_digits(source: str, line: int | None, key: str, digits: int | str) -> SpecError:
    return SpecError(f"{_at(source, line)}: {key}a whole number of {digits} digits; numbers "
                     f"in a spec file have at most {MAX_DIGITS} digits")


# --------------------------------------------------------------------------- YAML


def yaml_loader(yaml: Any, source: str) -> type:
    """A PyYAML ``SafeLoader`` that refuses deep nesting, alias bombs and huge numbers.

    It counts while composing, before any value is built: the depth of the node
    being read, and the values each alias repeats (an anchored node's size is
    counted once and remembered).
    """

    class GuardedLoader(yaml.SafeLoader):  # type: ignore[misc, name-defined]
        def __init__(self, stream: str) -> None:
            super().__init__(stream)
            self.bk_open: list[str | None] = []
            self.bk_sizes: dict[int, int] = {}
            self.bk_repeated = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            event = self.peek_event()
            line = event.start_mark.line + 1
            if isinstance(event, yaml.AliasEvent):
                node = self.anchors.get(event.anchor)
                if event.anchor in self.bk_open:
                    raise SpecError(f"{_at(source, line)}: the alias *{event.anchor} is inside "
                                    f"the node &{event.anchor} it repeats (a loop); spec files "
                                    "cannot hold loops")
                if node is not None:
                    self.bk_repeated += _node_size(yaml, node, self.bk_sizes)
                    if self.bk_repeated > MAX_ALIAS_VALUES:
                        raise SpecError(
                            f"{_at(source, line)}: the alias *{event.anchor} brings the values "
                            f"repeated by aliases (*name) to more than {MAX_ALIAS_VALUES:,}; "
                            "write the values out, or repeat fewer of them")
                return super().compose_node(parent, index)
            if len(self.bk_open) > MAX_DEPTH:
                raise _too_deep(source, line)
            self.bk_open.append(getattr(event, "anchor", None))
            try:
                node = super().compose_node(parent, index)
            finally:
                self.bk_open.pop()
            if isinstance(node, yaml.ScalarNode) and node.tag == _INT_TAG:
                digits = sum(ch.isdigit() for ch in node.value)
                if digits > _UNREADABLE_DIGITS:
                    raise _too_many_digits(source, line, "", digits)
            return node

    return GuardedLoader


def _node_size(yaml: Any, node: Any, sizes: dict[int, int]) -> int:
    """How many values *node* stands for, aliases expanded (memoised by node identity)."""
    todo = [(node, False)]
    while todo:
        current, children_done = todo.pop()
        if id(current) in sizes:
            continue
        if isinstance(current, yaml.ScalarNode):
            sizes[id(current)] = 1
            continue
        kids = ([x for pair in current.value for x in pair]
                if isinstance(current, yaml.MappingNode) else list(current.value))
        if children_done:
            sizes[id(current)] = min(1 + sum(sizes.get(id(k), 1) for k in kids),
                                     MAX_ALIAS_VALUES + 1)
        else:
            todo.append((current, True))
            todo.extend((k, False) for k in kids if id(k) not in sizes)
    return sizes[id(node)]


# --------------------------------------------------------------------------- values


def check_values(data: Any, source: str, line_of: Callable[[Key], int | None]) -> None:
    """Refuse nesting deeper than MAX_DEPTH and whole numbers longer than MAX_DIGITS."""
    todo: list[tuple[Any, Key]] = [(data, ())]
    while todo:
        value, path = todo.pop()
        if len(path) > MAX_DEPTH:
            raise _too_deep(source, line_of(path), f"{_dotted(path)}: ")
        if isinstance(value, dict):
            todo.extend((v, path + (str(k),)) for k, v in value.items())
        elif isinstance(value, list):
            todo.extend((v, path + (i,)) for i, v in enumerate(value))
        elif isinstance(value, int) and not isinstance(value, bool) and (
            abs(value) >= 10**MAX_DIGITS
        ):
            big = abs(value).bit_length() >= 13_000  # str() refuses over 4,300 digits
            digits: int | str = "thousands of" if big else len(str(abs(value)))
            raise _too_many_digits(source, line_of(path), f"{_dotted(path)}: ", digits)


def _dotted(path: Key) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# --------------------------------------------------------------------------- paths


def layer_path(value: str, base: Path, *, allow_outside: bool,
               fail: Callable[[str], SpecError]) -> Path:
    """The file a spec's ``data = "..."`` names, if the spec may read it.

    A relative path is taken from the spec file's folder (*base*). Unless
    *allow_outside*, an absolute path, a ``~`` path, and a path that leaves *base*
    (through ``..`` or a symbolic link) are refused before the file is looked at,
    so an error never says whether a file outside exists.
    """
    given = Path(value)
    p = given.expanduser()
    if not p.is_absolute():
        p = base / p
    if not allow_outside:
        folder = base.resolve()
        outside = given.is_absolute() or value.startswith("~")
        if outside or not p.resolve().is_relative_to(folder):
            raise fail(f"{value!r} is outside the spec file's folder ({str(folder)!r}); a spec "
                       "file reads only files in its own folder and below: move the file there, "
                       "or allow it with `borderkit map --allow-outside` "
                       "(read_spec(..., allow_outside=True))")
    if not p.exists():
        raise fail(f"file {value!r} not found (looked for {str(p)!r}); relative paths are "
                   "relative to the spec file")
    return p


class SpecFilePath(str):
    """A layer path read from a spec file (a ``str``).

    Errors reading it name the path and the kind of problem, never the file's
    content: a spec file is often someone else's, and its path may point at a
    file that is not a layer at all.
    """

    __slots__ = ()


# the kind of problem shown for each error class, most specific first
_READ_PROBLEMS: tuple[tuple[type[BorderkitError], str], ...] = (
    (EncodingError, "its text encoding cannot be read"),
    (FileFormatError, "it is not a layer file borderkit reads, or it is damaged"),
    (CRSError, "its coordinate reference system is missing or not usable"),
    (CoordinateError, "its coordinates are missing or not readable"),
    (GeometryError, "its geometries are not usable"),
    (DataError, "its columns or values do not make a layer"),
    (BorderkitError, "it cannot be read as a layer"),
)


def read_spec_file_layer(path: SpecFilePath, where: str) -> Any:
    """read_layer(path); an error keeps its class but shows no content of the file."""
    from . import io as _io

    try:
        return _io.read_layer(str(path))
    except BorderkitError as err:
        problem = next(text for cls, text in _READ_PROBLEMS if isinstance(err, cls))
        raise type(err)(
            f"{where}: cannot read {str(path)!r}: {problem} ({type(err).__name__}). Errors "
            "from spec files do not show file content; for the details, read the file with "
            "borderkit.read_layer() in Python"
        ) from err
