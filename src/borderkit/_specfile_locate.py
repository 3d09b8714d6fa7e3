"""Line numbers of the keys of a spec file, for the errors of :mod:`borderkit._specfile`.

A locator maps a key path such as ``("layers", 1, "kind")`` to the 1-based line
of that key in the file (or of its nearest enclosing key), so that an error can
say ``brief.toml, line 14: layers[1].kind: ...``. TOML files are scanned line by
line (:mod:`tomllib` keeps no positions); YAML files use PyYAML's node marks.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ._specfile_guard import yaml_loader
from .errors import MissingDependencyError, SpecError

Key = tuple[str | int, ...]


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEYLINE = re.compile(r"^\s*((?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')"
                      r"(?:\s*\.\s*(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*'))*)\s*=")


def _split_key(dotted: str) -> list[str]:
    parts = re.findall(r"\"[^\"]*\"|'[^']*'|[^.\s]+", dotted)
    return [p[1:-1] if p[:1] in "\"'" else p for p in parts]


def _toml_locator(text: str) -> Callable[[Key], int | None]:
    """Map key paths such as ('layers', 1, 'kind') to 1-based line numbers."""
    lines: dict[Key, int] = {}
    counters: dict[tuple[str, ...], int] = {}
    table: Key = ()
    in_multiline: str | None = None
    for no, raw in enumerate(text.splitlines(), start=1):
        if in_multiline:
            if raw.count(in_multiline) % 2 == 1:
                in_multiline = None
            continue
        header = _HEADER.match(raw)
        if header and not _KEYLINE.match(raw):
            names = _split_key(header.group(2))
            path: list[str | int] = []
            for i, name in enumerate(names):
                path.append(name)
                prefix = tuple(names[: i + 1])
                is_last = i == len(names) - 1
                if header.group(1) == "[[" and is_last:
                    counters[prefix] = counters.get(prefix, -1) + 1
                    path.append(counters[prefix])
                elif not is_last and prefix in counters:
                    path.append(counters[prefix])
            table = tuple(path)
            lines.setdefault(table, no)
            continue
        key = _KEYLINE.match(raw)
        if key:
            full = table + tuple(_split_key(key.group(1)))
            lines.setdefault(full, no)
            rest = raw[key.end():]
            for quote in ('"""', "'''"):
                if rest.count(quote) % 2 == 1:
                    in_multiline = quote

    return _locator(lines)


def _locator(lines: dict[Key, int]) -> Callable[[Key], int | None]:
    """line_of(path): the line of the key, or of its nearest enclosing key."""

    def line_of(path: Key) -> int | None:
        for n in range(len(path), 0, -1):
            if path[:n] in lines:
                return lines[path[:n]]
        return None

    return line_of


def _load_yaml(text: str, source: str) -> tuple[Any, Callable[[Key], int | None]]:
    try:
        import yaml  # type: ignore[import-untyped]
    except ImportError as err:
        raise MissingDependencyError(
            f"{source}: reading YAML spec files needs PyYAML: pip install pyyaml "
            "(or write the spec as TOML)"
        ) from err
    loader = yaml_loader(yaml, source)(text)
    try:
        root = loader.get_single_node()  # composed once, under the limits of the guard
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as err:
        raise SpecError(f"{source}: not valid YAML: {err}") from err
    finally:
        loader.dispose()
    lines: dict[Key, int] = {}

    def walk(node: Any, path: Key) -> None:
        lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                lines.setdefault(path + (k.value,), k.start_mark.line + 1)
                walk(v, path + (k.value,))
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                walk(v, path + (i,))

    if root is not None:
        walk(root, ())

    return (data if data is not None else {}), _locator(lines)
