"""The steps of :meth:`borderkit.BriefSpec.resolve` that need none of the spec's classes.

Loading a layer's data (:func:`_as_frame`, :func:`_filter`), cleaning it with a
report (:func:`_clean`), checking text and size fields, and computing the derived
geometries on the ellipsoid: uncertainty circles, distance lines between two
ends, range rings, the initial view and the inset (the attribution of the data
drawn is in :mod:`borderkit._coverage`). :mod:`borderkit.spec`
holds the dataclasses and calls these steps in order; this module never imports
it at run time (only for type hints), so the two do not import each other.
"""

from __future__ import annotations

import math
import os
import re
import warnings
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from ._specfile_guard import SpecFilePath, read_spec_file_layer
from .errors import (
    CRSError,
    DataError,
    DroppedFeatureWarning,
    GeometryError,
    RepairWarning,
    SpecError,
)

if TYPE_CHECKING:
    from .spec import BriefSpec, DistanceLine, Endpoint, RangeRings, ResolvedLayer, Where

# places whose precision is coarser than this get an uncertainty circle
UNCERTAINTY_MIN_M = 500.0

# _clean warns on behalf of the caller of BriefSpec.resolve():
# warn <- _clean <- _add_spec_layer <- _resolve <- BriefSpec.resolve <- caller
_WARN_STACKLEVEL = 5


# --------------------------------------------------------------------------- loading


def _as_frame(data: Any, where: str) -> Any:
    import geopandas as gpd

    if isinstance(data, gpd.GeoDataFrame):
        return data
    if isinstance(data, gpd.GeoSeries):
        return gpd.GeoDataFrame(geometry=data)
    if isinstance(data, SpecFilePath):
        return read_spec_file_layer(data, where)
    if isinstance(data, str | os.PathLike):
        text = os.fspath(data)
        if isinstance(data, str) and not os.path.exists(text):
            from . import data as _data

            return _data.load(text)
        from . import io as _io

        return _io.read_layer(text)
    raise SpecError(
        f"{where}: data must be a GeoDataFrame, GeoSeries, shipped layer name or file path, "
        f"not {type(data).__name__}"
    )


def _filter(frame: Any, where: Where | None, label: str) -> Any:
    if not where:
        return frame
    mask = np.ones(len(frame), dtype=bool)
    for col, want in where.items():
        if col not in frame.columns:
            raise SpecError(
                f"{label}: where-column {col!r} is not in the layer; columns: "
                f"{', '.join(map(str, frame.columns))}"
            )
        values = want if isinstance(want, list | tuple | set) else [want]
        mask &= frame[col].isin(values).to_numpy()
    return frame[mask]


def _clean(frame: Any, label: str, report: list[str]) -> Any:
    """Drop missing/empty/non-finite geometries and repair invalid ones, with a report."""
    if frame.crs is None:
        raise CRSError(f"{label}: the layer has no CRS; set one with .set_crs(...) first")
    if not frame.crs.equals("EPSG:4326"):
        frame = frame.to_crs("EPSG:4326")
    geoms = frame.geometry.to_numpy()
    bad = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    finite = np.array(
        [bool(np.isfinite(shapely.get_coordinates(g)).all()) if g is not None else False
         for g in geoms],
        dtype=bool,
    )
    coords_ok = np.array(
        [_in_range(g) if g is not None else False for g in geoms], dtype=bool
    )
    drop = bad | ~finite | ~coords_ok
    if drop.any():
        labels = _row_names(frame, drop)
        msg = (
            f"{label}: dropped {int(drop.sum())} feature(s) with a missing, empty, NaN or "
            f"out-of-range geometry: {labels}"
        )
        report.append(msg)
        warnings.warn(msg, DroppedFeatureWarning, stacklevel=_WARN_STACKLEVEL)
        frame = frame[~drop]
        geoms = frame.geometry.to_numpy()
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        fixed = shapely.make_valid(geoms[invalid])
        msg = (
            f"{label}: repaired {int(invalid.sum())} invalid geometry(ies) with make_valid: "
            f"{_row_names(frame, invalid)}"
        )
        report.append(msg)
        warnings.warn(msg, RepairWarning, stacklevel=_WARN_STACKLEVEL)
        frame = frame.copy()
        frame.loc[frame.index[invalid], frame.geometry.name] = fixed
    return frame


def _in_range(geom: Any) -> bool:
    xy = shapely.get_coordinates(geom)
    lon_ok = (np.abs(xy[:, 0]) <= 180).all()
    return bool(len(xy) == 0 or (lon_ok and (np.abs(xy[:, 1]) <= 90).all()))


def _row_names(frame: Any, mask: np.ndarray) -> str:
    col = "name" if "name" in frame.columns else None
    rows = frame.index[mask]
    names = [
        f"{idx!r}" + (f" ({frame.loc[idx, col]!s})" if col else "") for idx in rows[:10]
    ]
    more = f" and {len(rows) - 10} more" if len(rows) > 10 else ""
    return ", ".join(names) + more


def _slug(text: str, used: set[str]) -> str:
    base = "".join(ch if ch.isascii() and ch.isalnum() else "-" for ch in text.lower()).strip("-")
    base = "-".join(filter(None, base.split("-"))) or "layer"
    slug, n = base, 2
    while slug in used:
        slug, n = f"{base}-{n}", n + 1
    used.add(slug)
    return slug


# --------------------------------------------------------------------------- checks


_SURROGATE = re.compile("[\ud800-\udfff]")


def _check_text(value: Any, where: str, *, optional: bool = True, strict: bool = True) -> None:
    """A text field must be a string (``strict``) that UTF-8 can hold (no lone surrogates)."""
    if value is None and optional:
        return
    if strict and not isinstance(value, str):
        raise SpecError(f"{where} must be a string, not {type(value).__name__}")
    bad = _SURROGATE.search(str(value))
    if bad:
        raise SpecError(
            f"{where} has a lone surrogate {bad.group()!r} at position {bad.start()}, which no "
            "page or file can hold (text decoded with errors='surrogateescape'?); fix the text"
        )


def _check_size(value: Any, where: str) -> None:
    ok = isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
    # compare before any float conversion: a 400-digit int overflows math.isfinite
    if not ok or not 16 <= value <= 10_000 or not math.isfinite(value) or value != int(value):
        shown = "an integer of more than 15 digits" \
            if isinstance(value, int) and abs(value) > 10**15 else repr(value)
        raise SpecError(f"{where} must be a whole number of CSS pixels from 16 to 10000, "
                        f"not {shown}")


def _check_bounds(bounds: Any) -> tuple[float, float, float, float]:
    hint = ("bounds must be (lon_min, lat_min, lon_max, lat_max) in degrees, lon in "
            f"[-180, 180] and lat in [-90, 90], min < max; got {bounds!r}")
    try:
        x0, y0, x1, y1 = (float(v) for v in bounds)
    except (TypeError, ValueError) as err:
        raise SpecError(hint) from err
    if not all(math.isfinite(v) for v in (x0, y0, x1, y1)):
        raise SpecError(f"the map has no finite extent: {hint}")
    if not (-180 <= x0 < x1 <= 180 and -90 <= y0 < y1 <= 90):
        raise SpecError(hint)
    return x0, y0, x1, y1


def _check_fields(spec: BriefSpec, layer_names: Sequence[Any]) -> None:
    """Every text and size field of the spec, before anything is loaded.

    *layer_names* holds the ``name`` of each of ``spec.layers`` (``None`` for an
    entry that is not a :class:`~borderkit.Layer`; that one is reported later).
    """
    if not isinstance(spec.title, str):
        raise SpecError(f"title must be a string, not {type(spec.title).__name__}")
    _check_text(spec.title, "title")
    _check_text(spec.subtitle, "subtitle")
    for field_name in ("notes", "sources"):
        value = getattr(spec, field_name)
        items = [value] if isinstance(value, str) else list(value or ())
        for k, item in enumerate(items):
            _check_text(item, f"{field_name}[{k}]", strict=False)
    for i, name in enumerate(layer_names):
        _check_text(name, f"layers[{i}].name")
    for j, dl in enumerate(spec.distance_lines):
        _check_text(getattr(dl, "name", None), f"distance_lines[{j}].name")
        _check_text(getattr(dl, "label", None), f"distance_lines[{j}].label")
    for j, rr in enumerate(spec.rings):
        _check_text(getattr(rr, "name", None), f"rings[{j}].name")
    _check_size(spec.width, "width")
    _check_size(spec.height, "height")


# --------------------------------------------------------------------------- kinds, derived layers


# the layer name of each kind of a shipped places layer without a name of its own
_KIND_TITLES = {
    "capital": "Capital",
    "city": "City",
    "town": "Town",
    "checkpoint": "Border checkpoint",
    "facility": "Facility",
    "base": "Military base",
    "tripoint": "Tripoint",
    "airport": "Airport",
    "event": "Event",
}


def _user_kind(frame: Any) -> str:
    types = set(frame.geom_type.dropna())
    if types <= {"Point", "MultiPoint"}:
        return "user_point"
    if types <= {"LineString", "MultiLineString", "LinearRing"}:
        return "user_line"
    return "user_polygon"


def _uncertainty(layers: list[ResolvedLayer]) -> Any:
    import geopandas as gpd

    from . import buffers as _buffer
    from . import measure as _measure
    rows = []
    for lyr in layers:
        f = lyr.frame
        if "precision_m" not in f.columns or lyr.kind in ("event",):
            continue
        pts = f[(f.geom_type == "Point") & (pd.to_numeric(f["precision_m"], errors="coerce")
                                            >= UNCERTAINTY_MIN_M)]
        for idx, row in pts.iterrows():
            name = str(row.get("name", idx))
            try:
                circle = _buffer.buffer(row.geometry, float(row["precision_m"]))
            except DataError as err:
                raise type(err)(
                    f"layer {lyr.name!r}: the uncertainty circle of {name!r} (precision_m="
                    f"{row['precision_m']}) cannot be drawn: {err}. Fix precision_m, or pass "
                    "uncertainty=False"
                ) from err
            rows.append({
                "name": name,
                "precision_m": float(row["precision_m"]),
                "label": f"{name}: location uncertain, ± "
                         f"{_measure.format_distance(float(row['precision_m']))}",
                "geometry": circle,
            })
    if not rows:
        return None
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def _endpoint(value: Endpoint, where: str) -> tuple[Any, str, float]:
    """(geometry in EPSG:4326, display name, precision_m) of a distance-line end."""
    if isinstance(value, tuple) and len(value) == 2 and all(
        isinstance(v, int | float) for v in value
    ):
        lon, lat = value
        from ._validate import check_lonlat

        check_lonlat(lon, lat, name=where)
        return shapely.Point(lon, lat), f"{lat:.4f}, {lon:.4f}", 0.0
    if isinstance(value, shapely.Geometry):
        if value.is_empty:
            raise GeometryError(f"{where}: the geometry is empty")
        from ._validate import check_lonlat

        xy = shapely.get_coordinates(value)
        check_lonlat(xy[:, 0], xy[:, 1], name=where)
        return value, where, 0.0
    if hasattr(value, "geometry"):
        if value.crs is None:
            raise CRSError(f"{where}: the frame has no CRS; set one with .set_crs(...) first")
        frame = value.to_crs("EPSG:4326")
        _one_point_end(frame, where)
        geom = shapely.union_all(frame.geometry.to_numpy())
        if geom.is_empty:
            raise GeometryError(f"{where}: the frame has no non-empty geometry")
        name = str(frame["name"].iloc[0]) if "name" in frame.columns and len(frame) == 1 else where
        prec = float(frame["precision_m"].max()) if "precision_m" in frame.columns else 0.0
        return geom, name, prec
    if isinstance(value, str):
        from . import data as _data

        if "-" in value and value.replace("-", "").isalpha() and value.upper() == value:
            b = _data.border(value)
            return shapely.union_all(b.geometry.to_numpy()), f"{value} border", 0.0
        p = _data.place(value)
        frame = p if hasattr(p, "geometry") and hasattr(p, "columns") else None
        if frame is not None:
            return _endpoint(frame, where)
        return p.geometry, str(p.get("name", value)), float(p.get("precision_m", 0.0) or 0.0)
    raise SpecError(
        f"{where}: an end must be a place name, border id like 'CHN-TJK', (lon, lat), "
        f"a shapely geometry or a GeoDataFrame, not {type(value).__name__}"
    )


def _one_point_end(frame: Any, where: str) -> None:
    """Refuse a frame of several points as an end: which one is meant is not said.

    A frame of lines or polygons is one target (its nearest point is used).
    """
    types = set(frame.geometry.dropna().geom_type)
    if len(frame) <= 1 or not types or not types <= {"Point", "MultiPoint"}:
        return
    kind = type(frame).__name__
    first = (f" ({frame['name'].iloc[0]!r})" if "name" in frame.columns else "")
    what, cls = (("the centre", "RangeRings") if where.endswith(".center")
                 else ("an end", "DistanceLine"))
    raise SpecError(
        f"{where}: {what} must be one point (or one place), but the {kind} has "
        f"{len(frame)} features; pick one with gdf.iloc[[i]] (e.g. gdf.iloc[[0]]{first}) "
        f"or give a place name such as 'Kulob', or add one {cls} per row"
    )


def _distance_line(dl: DistanceLine, where: str, order: int = 0,
                   explained: bool = True) -> tuple[Any, str, dict[str, Any]]:
    """(frame, legend name, style overrides) of the *order*-th distance line; unless
    *explained*, a line whose length carries a ± says in its legend name what ± means."""
    from . import _derived_looks as _looks
    from . import measure as _measure

    style = _looks.derived_style(dl.style, order, where, _looks.LINE_LOOKS)
    ga, na, pa = _endpoint(dl.a, f"{where}.a")
    gb, nb, pb = _endpoint(dl.b, f"{where}.b")
    if ga.geom_type != "Point" and gb.geom_type == "Point":
        ga, na, pa, gb, nb, pb = gb, nb, pb, ga, na, pa
    if ga.geom_type != "Point":
        raise SpecError(f"{where}: at least one end must be a point (a place or (lon, lat))")
    if gb.geom_type != "Point":
        near = _measure.nearest_point(shapely.Point(ga), gb)
        gb = near.geometry.iloc[0]
    line = _measure.geodesic_line((ga.x, ga.y), (gb.x, gb.y))
    length = float(line["length_m"].iloc[0])
    spread = pa + pb
    text = _looks.distance_text(length, spread)
    line = line.copy()
    line["name"] = f"{na} → {nb}"
    if dl.label is not None:
        line["label"] = dl.label
    else:  # a named line says which one it is (two lines from one place look alike)
        line["label"] = f"{dl.name}: {text}" if dl.name else text
    line["distance_min_m"] = max(length - spread, 0.0)
    line["distance_max_m"] = length + spread
    return line, _looks.line_name(dl.name, na, nb, spread > 0 and not explained), style


def _rings(rr: RangeRings, where: str, order: int = 0) -> tuple[Any, str, dict[str, Any]]:
    """(frame, legend name, style overrides) of the *order*-th set of range rings."""
    from . import _derived_looks as _looks
    from . import buffers as _buffer
    from . import measure as _measure

    style = _looks.derived_style(rr.style, order, where, _looks.RING_LOOKS)
    try:
        radii = [float(r) for r in rr.radii_m]
    except (TypeError, ValueError) as err:
        raise SpecError(f"{where}.radii_m must be positive finite metres, got {rr.radii_m!r}"
                        ) from err
    if not radii or any(not math.isfinite(r) or r <= 0 for r in radii):
        raise SpecError(f"{where}.radii_m must be positive finite metres, got {list(rr.radii_m)}")
    geom, name, _ = _endpoint(rr.center, f"{where}.center")
    if geom.geom_type != "Point":
        raise SpecError(f"{where}.center must be a point (a place or (lon, lat))")
    try:
        frame = _buffer.rings((geom.x, geom.y), radii).copy()
    except DataError as err:
        raise type(err)(f"{where}: {err}") from err
    frame["name"] = [f"{_measure.format_distance(r, units=('km',))} from {name}" for r in radii]
    frame["label"] = [_looks.ring_label(r, name) for r in radii]
    return frame, _looks.ring_name(rr.name, name), style


def _lines_and_rings(spec: BriefSpec, explained: bool = False
                     ) -> Iterator[tuple[str, Any, str, dict[str, Any]]]:
    """(kind, frame, legend name, style overrides) of each distance line, then each ring set.

    Unless *explained* (by the uncertainty circles' legend entry), the first line whose
    length carries a ± says in its legend name what ± means."""
    for j, dl in enumerate(spec.distance_lines):
        frame, name, style = _distance_line(dl, f"distance_lines[{j}]", j, explained)
        explained = explained or bool((frame["distance_max_m"] > frame["length_m"]).any())
        yield "distance_line", frame, name, style
    for j, rr in enumerate(spec.rings):
        yield "ring", *_rings(rr, f"rings[{j}]", j)


# --------------------------------------------------------------------------- view, inset


def _bounds(layers: list[ResolvedLayer]) -> tuple[float, float, float, float]:
    boxes = [lyr.frame.total_bounds for lyr in layers if lyr.fit and len(lyr.frame)]
    if not boxes:
        boxes = [lyr.frame.total_bounds for lyr in layers if len(lyr.frame)]
    if not boxes:
        return (math.nan,) * 4  # type: ignore[return-value]
    arr = np.array(boxes)
    x0, y0 = arr[:, 0].min(), arr[:, 1].min()
    x1, y1 = arr[:, 2].max(), arr[:, 3].max()
    pad_x = max((x1 - x0) * 0.05, 0.05)
    pad_y = max((y1 - y0) * 0.05, 0.05)
    return (
        max(float(x0 - pad_x), -180.0),
        max(float(y0 - pad_y), -85.0),
        min(float(x1 + pad_x), 180.0),
        min(float(y1 + pad_y), 85.0),
    )


def _view_bounds(spec: BriefSpec,
                 layers: list[ResolvedLayer]) -> tuple[float, float, float, float]:
    """The spec's bounds (checked), or the padded extent of the layers to fit."""
    bounds = _check_bounds(spec.bounds) if spec.bounds is not None else _bounds(layers)
    if not all(math.isfinite(v) for v in bounds):
        raise SpecError(
            "the map has no finite extent: give bounds=(lon_min, lat_min, lon_max, lat_max)"
        )
    return bounds


def _inset(spec: BriefSpec, report: list[str], bounds: Sequence[float]) -> Any:
    """The outlines of the locator map around *bounds*, or None (left out with a report
    line): the world base's countries (see :func:`borderkit._coverage.inset_countries`)."""
    if not spec.inset:
        return None
    try:
        from ._coverage import inset_countries

        return inset_countries(bounds, report)
    except Exception as err:  # noqa: BLE001 - inset is optional decoration
        report.append(f"inset map left out: {err}")
        return None
