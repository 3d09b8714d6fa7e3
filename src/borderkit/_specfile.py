"""Brief spec files: a small TOML (or YAML) description of a brief map -> :class:`BriefSpec`.

The format is documented in ``docs/cli.md`` with a full example in ``examples/brief.toml``.
Every key is checked before anything is drawn, and an error names the file, the line,
the key and what is allowed there::

    brief.toml, line 14: layers[1].kind: unknown kind 'borderr'; use one of: ...

TOML is read with the standard library (:mod:`tomllib`). YAML files (``.yaml``/``.yml``)
are read only when PyYAML is installed.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from . import _style
from ._specfile_guard import SpecFilePath, check_values, layer_path, toml_loads
from ._specfile_locate import Key, _load_yaml, _toml_locator
from .errors import (
    BorderkitError,
    CoordinateError,
    DatasetNotFoundError,
    SpecError,
)
from .spec import BriefSpec, DistanceLine, Layer, RangeRings

__all__ = ["read_spec", "parse_spec", "SPEC_KEYS"]

_NUMBER = (int, float)

# key -> (type check, description of what is allowed)
_TOP: dict[str, tuple[str, str]] = {
    "preset": ("str", "the name of a preset to start from, e.g. 'tajikistan-2020-05'"),
    "title": ("str", "a string"),
    "subtitle": ("str", "a string"),
    "notes": ("strs", "a string or a list of strings"),
    "sources": ("strs", "a string or a list of strings"),
    "layers": ("tables", "a list of [[layers]] tables"),
    "distance_lines": ("tables", "a list of [[distance_lines]] tables"),
    "rings": ("tables", "a list of [[rings]] tables"),
    "uncertainty": ("bool", "true or false"),
    "legend": ("bool", "true or false"),
    "scale_bar": ("bool", "true or false"),
    "north_arrow": ("bool", "true or false"),
    "inset": ("bool", "true or false"),
    "bounds": ("bounds", "[lon_min, lat_min, lon_max, lat_max] in degrees"),
    "tiles": ("str", "an xyzservices provider name such as 'OpenStreetMap.Mapnik' (the page "
                     "then fetches web tiles; it is offline without it)"),
    "width": ("size", "a positive whole number of pixels"),
    "height": ("size", "a positive whole number of pixels"),
    "simplify": ("simplify", '"auto" (about 1 pixel at the first view) or a tolerance in '
                             "degrees (a number >= 0)"),
    "terrain": ("bool", "true or false"),
    "water": ("bool", "true or false"),
    "country_names": ("bool", "true or false"),
    "language": ("str", "a language code such as 'ru' for the names on the map"),
    "subject": ("str", "the iso3 code or name of the country the brief is about"),
}
_LAYER: dict[str, tuple[str, str]] = {
    "data": ("str", "a shipped layer name (borderkit layers) or a file path"),
    "kind": ("kind", "a style kind"),
    "name": ("str", "a string"),
    "where": ("where", "a table of column = value or column = [values]"),
    "label_column": ("str", "a column name"),
    "labels": ("bool", "true or false"),
    "popup_columns": ("strs", "a list of column names"),
    "style": ("table", "a table of style options (color, fill, weight, ...)"),
    "show": ("bool", "true or false"),
    "fit": ("bool", "true or false"),
    "legend": ("bool", "true or false"),
}
_LINE: dict[str, tuple[str, str]] = {
    "a": ("endpoint", "a place name, a border id like 'CHN-TJK', coordinate text or "
                      "{ lon = ..., lat = ... }"),
    "b": ("endpoint", "a place name, a border id like 'CHN-TJK', coordinate text or "
                      "{ lon = ..., lat = ... }"),
    "label": ("str", "a string"),
    "name": ("str", "a string"),
}
_RINGS: dict[str, tuple[str, str]] = {
    "center": ("endpoint", "a place name, coordinate text or { lon = ..., lat = ... }"),
    "radii_km": ("radii", "a list of positive numbers (kilometres)"),
    "radii_m": ("radii", "a list of positive numbers (metres)"),
    "name": ("str", "a string"),
}

#: The allowed keys of each table of a spec file (used by the docs test).
SPEC_KEYS: dict[str, tuple[str, ...]] = {
    "top": tuple(_TOP),
    "layers": tuple(_LAYER),
    "distance_lines": tuple(_LINE),
    "rings": tuple(_RINGS),
}
_REQUIRED = {"layers": ("data",), "distance_lines": ("a", "b"), "rings": ("center",)}
_BORDER_ID = re.compile(r"^[A-Z]{3}-[A-Z]{3}$")


def read_spec(path: str | os.PathLike[str], *, allow_outside: bool = False) -> BriefSpec:
    """Read a brief spec file (TOML, or YAML with PyYAML installed) into a :class:`BriefSpec`.

    Relative file paths in ``[[layers]] data`` are taken relative to the spec file.
    A spec file reads only files in its own folder and below: an absolute path, a
    ``~`` path or one that leaves the folder (``..``, a symbolic link) is refused
    unless *allow_outside*. An error reading a layer file names the path and the
    kind of problem, never the file's content.

    Parameters
    ----------
    path : str or path
        The spec file; ``.toml``, ``.yaml`` or ``.yml``.
    allow_outside : bool
        Let layer paths point anywhere (``borderkit map --allow-outside``).

    Returns
    -------
    BriefSpec
        The validated spec, ready for :func:`borderkit.brief_map`.

    Raises
    ------
    SpecError
        If the file is not valid TOML/YAML or a key or value is wrong, a layer path
        is outside the spec's folder, or the file is nested more than 16 levels
        deep, repeats more than 10,000 values through YAML aliases or holds a whole
        number of more than 15 digits; the message names the file, the line and
        the key.
    MissingDependencyError
        For a YAML file when PyYAML is not installed.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise SpecError(f"spec file {str(p)!r} does not exist") from err
    except UnicodeDecodeError as err:
        raise SpecError(f"{p.name}: the spec file is not UTF-8 text ({err.reason})") from err
    except OSError as err:
        raise SpecError(f"cannot read spec file {str(p)!r}: {err.strerror or err}") from err
    fmt = "yaml" if p.suffix.lower() in (".yaml", ".yml") else "toml"
    return parse_spec(text, fmt=fmt, base_dir=p.parent, source=p.name,
                      allow_outside=allow_outside)


def parse_spec(
    text: str,
    *,
    fmt: str = "toml",
    base_dir: str | os.PathLike[str] | None = None,
    source: str = "<spec>",
    allow_outside: bool = False,
) -> BriefSpec:
    """Parse the text of a brief spec file into a :class:`BriefSpec`.

    Parameters
    ----------
    text : str
        The spec, as TOML (or YAML).
    fmt : {"toml", "yaml"}
        The format of *text*.
    base_dir : str or path, optional
        Folder that relative layer file paths are relative to (default: the
        current folder); layer files must be inside it unless *allow_outside*.
    source : str
        Name of the spec in error messages.
    allow_outside : bool
        Let layer paths point outside *base_dir* (absolute paths included).

    Returns
    -------
    BriefSpec

    Raises
    ------
    SpecError
        If the text does not parse, or a key or value is wrong (the message names the line).

    Examples
    --------
    >>> spec = parse_spec('title = "Test"\\nnotes = "Positions are approximate."')
    >>> spec.title, spec.notes
    ('Test', ('Positions are approximate.',))
    >>> parse_spec('title = "T"\\ncolour = "red"')
    Traceback (most recent call last):
    ...
    borderkit.errors.SpecError: <spec>, line 2: unknown key 'colour'; ...
    """
    if fmt == "toml":
        data = toml_loads(text, source)
        line_of = _toml_locator(text)
    elif fmt == "yaml":
        data, line_of = _load_yaml(text, source)
    else:
        raise SpecError(f"fmt must be 'toml' or 'yaml', not {fmt!r}")
    check_values(data, source, line_of)
    base = Path(base_dir) if base_dir is not None else Path()
    return _Builder(source, line_of, base, allow_outside=allow_outside).build(data)


# --------------------------------------------------------------------------- validation


def _dotted(path: Key) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _Builder:
    def __init__(self, source: str, line_of: Callable[[Key], int | None], base: Path, *,
                 allow_outside: bool = False) -> None:
        self.source = source
        self.line_of = line_of
        self.base = base
        self.allow_outside = allow_outside

    def fail(self, path: Key, message: str) -> SpecError:
        key = f"{_dotted(path)}: " if path else ""
        return SpecError(f"{self._at(path)}: {key}{message}")

    # -- checks ---------------------------------------------------------------------
    def keys(self, table: Any, allowed: Mapping[str, tuple[str, str]], path: Key,
             what: str) -> None:
        if not isinstance(table, dict):
            raise self.fail(path, f"must be a table of keys, not {type(table).__name__}")
        for key in table:
            if key not in allowed:
                where = f" in {_dotted(path)}" if path else ""
                raise SpecError(
                    f"{self._at(path + (key,))}: unknown key {key!r}{where}"
                    f"{_close(str(key), allowed)}; {what} keys are: {', '.join(allowed)}"
                )
            self.value(table[key], allowed[key], path + (key,))

    def _at(self, path: Key) -> str:
        line = self.line_of(path) if path else None
        return f"{self.source}, line {line}" if line else self.source

    def value(self, v: Any, rule: tuple[str, str], path: Key) -> None:
        kind, allowed = rule
        ok = {
            "str": lambda: isinstance(v, str),
            "bool": lambda: isinstance(v, bool),
            "strs": lambda: isinstance(v, str)
            or (isinstance(v, list) and all(isinstance(x, str) for x in v)),
            "tables": lambda: isinstance(v, list) and all(isinstance(x, dict) for x in v),
            "table": lambda: isinstance(v, dict),
            "where": lambda: isinstance(v, dict),
            "size": lambda: isinstance(v, int) and not isinstance(v, bool) and v > 0,
            "bounds": lambda: _is_bounds(v),
            "radii": lambda: isinstance(v, list) and len(v) > 0 and all(
                _is_number(x) and math.isfinite(x) and x > 0 for x in v),
            "kind": lambda: isinstance(v, str) and v in _style.KINDS,
            "endpoint": lambda: isinstance(v, str | dict),
            "simplify": lambda: v == "auto" or (_is_number(v) and math.isfinite(v) and v >= 0),
        }[kind]()
        if not ok:
            if kind == "kind" and isinstance(v, str):
                raise self.fail(path, f"unknown kind {v!r}{_close(v, _style.KINDS)}; "
                                      f"use one of: {', '.join(_style.KINDS)}")
            if kind == "tables" and isinstance(v, list):
                raise self.fail(path, f"each entry must be a table: write [[{path[-1]}]] "
                                      "sections")
            raise self.fail(path, f"must be {allowed}, not {_show(v)}")

    # -- building -------------------------------------------------------------------
    def build(self, data: Any) -> BriefSpec:
        if not isinstance(data, dict):
            raise SpecError(f"{self.source}: a spec must be a table of keys, not {_show(data)}")
        self.keys(data, _TOP, (), "top-level")
        fields: dict[str, Any] = {}
        for key in ("title", "subtitle", "tiles", "width", "height", "uncertainty", "legend",
                    "scale_bar", "north_arrow", "inset", "simplify", "terrain", "water",
                    "country_names", "language", "subject"):
            if key in data:
                fields[key] = data[key]
        for key in ("notes", "sources"):
            if key in data:
                fields[key] = (data[key],) if isinstance(data[key], str) else tuple(data[key])
        if "bounds" in data:
            fields["bounds"] = tuple(float(x) for x in data["bounds"])
        if "layers" in data:
            fields["layers"] = [self.layer(t, ("layers", i)) for i, t in enumerate(data["layers"])]
        if "distance_lines" in data:
            fields["distance_lines"] = [
                self.distance_line(t, ("distance_lines", i))
                for i, t in enumerate(data["distance_lines"])
            ]
        if "rings" in data:
            fields["rings"] = [self.rings(t, ("rings", i)) for i, t in enumerate(data["rings"])]
        if "preset" in data:
            from . import presets

            try:
                base = presets.preset(data["preset"])
            except BorderkitError as err:
                raise self.fail(("preset",), str(err)) from err
            return base.replace(**fields)
        if "title" not in data:
            raise SpecError(f"{self.source}: missing key 'title' (or 'preset' to start from a "
                            "preset): add a line like  title = \"My brief\"  at the top")
        return BriefSpec(**fields)

    def required(self, table: dict[str, Any], group: str, path: Key) -> None:
        for key in _REQUIRED[group]:
            if key not in table:
                raise self.fail(path, f"missing key {key!r}")

    def layer(self, t: Any, path: Key) -> Layer:
        self.keys(t, _LAYER, path, "[[layers]]")
        self.required(t, "layers", path)
        kw = dict(t)
        kw["data"] = self.layer_data(t["data"], path + ("data",))
        if "where" in t:
            for col, want in t["where"].items():
                ok = _is_scalar(want) or (isinstance(want, list) and all(map(_is_scalar, want)))
                if not ok:
                    raise self.fail(path + ("where", col),
                                    "must be a value or a list of values")
        if "style" in t:
            from .spec import SHIPPED_KINDS

            # the kind the layer will have: its own, the shipped layer's, else by geometry
            kind = t.get("kind") or SHIPPED_KINDS.get(str(t["data"])) or "user_polygon"
            try:
                _style.style_for(kind, **t["style"])
            except SpecError as err:
                title = t.get("name") or t["data"]
                raise self.fail(path + ("style",), f"layer {title!r}: {err}") from err
        if "popup_columns" in t and isinstance(t["popup_columns"], str):
            kw["popup_columns"] = (t["popup_columns"],)
        return Layer(**kw)

    def layer_data(self, value: str, path: Key) -> str:
        looks_like_file = "/" in value or "\\" in value or bool(Path(value).suffix)
        if not looks_like_file:
            from . import data as _data

            try:
                names = [str(n) for n in _data.datasets()["name"]]
            except (BorderkitError, KeyError):  # pragma: no cover - catalogue unavailable
                return value
            if value not in names:
                raise self.fail(path, f"unknown shipped layer {value!r}{_close(value, names)}; "
                                      f"use one of: {', '.join(names)}, or a file path")
            return value
        p = layer_path(value, self.base, allow_outside=self.allow_outside,
                       fail=lambda message: self.fail(path, message))
        return SpecFilePath(p)

    def endpoint(self, v: Any, path: Key, *, border_ok: bool = True) -> Any:
        if isinstance(v, dict):
            if set(v) != {"lon", "lat"} or not all(_is_number(x) for x in v.values()):
                raise self.fail(path, "a coordinate table must be { lon = <deg>, lat = <deg> }")
            from ._validate import check_lonlat

            try:
                check_lonlat(v["lon"], v["lat"], name=_dotted(path))
            except CoordinateError as err:
                raise self.fail(path, str(err)) from err
            return (float(v["lon"]), float(v["lat"]))
        text = v.strip()
        if _BORDER_ID.match(text):
            if not border_ok:
                raise self.fail(path, "must be a point (a place or coordinates), not a border")
            from . import data as _data

            try:
                _data.border(text)
            except DatasetNotFoundError as err:
                raise self.fail(path, str(err)) from err
            return text
        if any(ch.isdigit() for ch in text):
            from . import io as _io

            try:
                return tuple(float(x) for x in _io.parse_coordinate(text))
            except CoordinateError as err:
                raise self.fail(path, f"{err} (write a place name, \"lat,lon\", DMS or MGRS)"
                                ) from err
        from . import data as _data

        try:
            _data.place(text)
        except DatasetNotFoundError as err:
            raise self.fail(path, f"{err} (see: borderkit places)") from err
        return text

    def distance_line(self, t: Any, path: Key) -> DistanceLine:
        self.keys(t, _LINE, path, "[[distance_lines]]")
        self.required(t, "distance_lines", path)
        kw = dict(t)
        kw["a"] = self.endpoint(t["a"], path + ("a",))
        kw["b"] = self.endpoint(t["b"], path + ("b",))
        if isinstance(kw["a"], str) and isinstance(kw["b"], str) and _BORDER_ID.match(
            kw["a"]
        ) and _BORDER_ID.match(kw["b"]):
            raise self.fail(path, "at least one end must be a point (a place or coordinates)")
        return DistanceLine(**kw)

    def rings(self, t: Any, path: Key) -> RangeRings:
        self.keys(t, _RINGS, path, "[[rings]]")
        self.required(t, "rings", path)
        if "radii_km" in t and "radii_m" in t:
            raise self.fail(path + ("radii_m",), "give radii_km or radii_m, not both")
        kw: dict[str, Any] = {"center": self.endpoint(t["center"], path + ("center",),
                                                      border_ok=False)}
        if "name" in t:
            kw["name"] = t["name"]
        if "radii_km" in t:
            kw["radii_m"] = tuple(float(r) * 1000.0 for r in t["radii_km"])
        elif "radii_m" in t:
            kw["radii_m"] = tuple(float(r) for r in t["radii_m"])
        return RangeRings(**kw)


def _is_number(v: Any) -> bool:
    return isinstance(v, _NUMBER) and not isinstance(v, bool)


def _is_scalar(v: Any) -> bool:
    return isinstance(v, str | int | float | bool)


def _is_bounds(v: Any) -> bool:
    if not (isinstance(v, list) and len(v) == 4 and all(_is_number(x) for x in v)):
        return False
    x0, y0, x1, y1 = (float(x) for x in v)
    return -180 <= x0 < x1 <= 180 and -90 <= y0 < y1 <= 90


def _show(v: Any) -> str:
    text = repr(v)
    return f"{type(v).__name__} {text if len(text) <= 40 else text[:37] + '...'}"


def _close(word: str, options: Any) -> str:
    import difflib

    match = difflib.get_close_matches(word, list(options), n=1)
    return f" (did you mean {match[0]!r}?)" if match else ""
