"""Compact storage of many polygons or lines in one ``.npz`` file (private).

A layer is stored as numpy arrays, written with :func:`numpy.savez_compressed`
and read back without pickle:

* ``x``, ``y``: coordinates quantised to a grid of ``grid`` degrees (int32,
  so |lon| <= 180 fits for grids down to 1e-7), delta encoded along the whole
  array (the first value absolute, then differences), which deflate packs well;
* ``ring_offsets``, ``part_offsets``, ``geom_offsets``: the offsets of
  :func:`shapely.to_ragged_array` (rings or lines, polygons, geometries);
* ``grid``, ``kind`` (``"polygon"`` or ``"line"``);
* ``table``: the attribute columns as UTF-8 JSON (a list of records).

Decoding is a cumulative sum and :func:`shapely.from_ragged_array`, with no
Python loop over features. The only loss is the rounding to the grid: at most
``grid / 2`` per coordinate, i.e. ``grid / 2 * 111_320 * sqrt(2)`` metres
(:func:`max_error_m`). Geometries should be snapped to the grid before encoding
(``shapely.set_precision``), so that they are stored exactly and stay valid.
"""

from __future__ import annotations

import io
import json
import math
from typing import Any

import numpy as np
import shapely
from shapely import GeometryType

__all__ = ["decode", "dumps", "encode", "loads", "max_error_m"]

_KINDS = {
    "polygon": GeometryType.MULTIPOLYGON,
    "line": GeometryType.MULTILINESTRING,
}


def max_error_m(grid: float) -> float:
    """Largest displacement (metres) of a vertex rounded to a *grid* of degrees."""
    return grid / 2.0 * 111_320.0 * math.sqrt(2.0)


def _promote(geoms: np.ndarray, kind: str) -> np.ndarray:
    """Polygons -> MultiPolygons, LineStrings -> MultiLineStrings (one ragged layout)."""
    single = GeometryType.POLYGON if kind == "polygon" else GeometryType.LINESTRING
    out = np.asarray(geoms, dtype=object).copy()
    one = shapely.get_type_id(out) == single
    if one.any():
        make = shapely.multipolygons if kind == "polygon" else shapely.multilinestrings
        out[one] = [make([g]) for g in out[one]]
    expected = _KINDS[kind]
    if (shapely.get_type_id(out) != expected).any():
        bad = sorted({g.geom_type for g in out if shapely.get_type_id(g) != expected})
        raise ValueError(f"cannot store {bad} as {kind}s")
    return out


def encode(geoms: Any, *, grid: float, kind: str) -> dict[str, np.ndarray]:
    """Arrays for *geoms* ((Multi)Polygons or (Multi)LineStrings) on a *grid* in degrees."""
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {sorted(_KINDS)}, got {kind!r}")
    _, coords, offsets = shapely.to_ragged_array(_promote(geoms, kind))
    q = np.rint(coords / grid).astype(np.int64)
    if np.abs(q).max(initial=0) >= 2**31:
        raise ValueError(f"grid {grid} is too fine for int32 coordinates")
    delta = np.diff(q, axis=0, prepend=np.zeros((1, 2), np.int64)).astype(np.int32)
    names = ("ring_offsets", "part_offsets", "geom_offsets")[-len(offsets) :]
    arrays = {n: np.asarray(o, dtype=np.int32) for n, o in zip(names, offsets, strict=True)}
    arrays.update(
        x=delta[:, 0].copy(),
        y=delta[:, 1].copy(),
        grid=np.asarray(grid, dtype=np.float64),
        kind=np.asarray(kind),
    )
    return arrays


def decode(arrays: Any) -> np.ndarray:
    """The geometries stored by :func:`encode` (an object array of shapely geometries)."""
    kind = str(arrays["kind"])
    grid = float(arrays["grid"])
    x = np.cumsum(arrays["x"], dtype=np.int64) * grid
    y = np.cumsum(arrays["y"], dtype=np.int64) * grid
    names: tuple[str, ...] = ("ring_offsets", "part_offsets", "geom_offsets")
    if kind == "line":
        names = names[1:]
    offsets = tuple(np.asarray(arrays[n], dtype=np.int64) for n in names)
    return shapely.from_ragged_array(_KINDS[kind], np.column_stack([x, y]), offsets)


def dumps(geoms: Any, records: list[dict[str, Any]], *, grid: float, kind: str) -> bytes:
    """One compressed ``.npz`` (as bytes) holding *geoms* and their attribute *records*."""
    arrays = encode(geoms, grid=grid, kind=kind)
    table = json.dumps(records, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    arrays["table"] = np.frombuffer(table.encode("utf-8"), dtype=np.uint8)
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)  # type: ignore[arg-type]
    return buf.getvalue()


def loads(data: bytes) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """Geometries and attribute records from the bytes written by :func:`dumps`."""
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    records = json.loads(arrays.pop("table").tobytes().decode("utf-8"))
    return decode(arrays), records
