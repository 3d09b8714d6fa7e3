"""The brief specification: one description of a map for every renderer.

A :class:`BriefSpec` says *what* a brief map shows (layers, distance lines, range
rings, title, notes, sources). :meth:`BriefSpec.resolve` turns it into a
:class:`ResolvedSpec`: every layer loaded, in EPSG:4326, cleaned (NaN, empty and
invalid geometries dropped or repaired, with a report), every derived geometry
(geodesic distance lines, range rings, uncertainty circles) computed by
:mod:`borderkit.measure` and :mod:`borderkit.buffers`, and every label formatted.

The renderers (:mod:`borderkit.maps` for Leaflet HTML, :mod:`borderkit.static` for
print) only draw a resolved spec; they never compute geodesics themselves. So a
user changes the title or a layer once and gets matching HTML, PNG and PDF.
"""

from __future__ import annotations

import logging
import math
import os
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import shapely

from . import _style
from .errors import (
    CRSError,
    DataError,
    DroppedFeatureWarning,
    GeometryError,
    RepairWarning,
    SpecError,
)

log = logging.getLogger(__name__)

__all__ = [
    "BriefSpec",
    "Layer",
    "DistanceLine",
    "RangeRings",
    "ResolvedLayer",
    "ResolvedSpec",
    "PROVENANCE_COLUMNS",
    "display_text",
]

#: Columns shown in a place's popup, in this order, when present.
PROVENANCE_COLUMNS: tuple[str, ...] = (
    "name",
    "alt_names",
    "kind",
    "date",
    "description",
    "precision_m",
    "confidence",
    "source_title",
    "source",
    "source_url",
    "source_date",
    "license",
    "note",
)

#: Default kind of each shipped layer (``None``: per-row ``kind`` column).
SHIPPED_KINDS: dict[str, str | None] = {
    "countries": "land",
    "admin1": "region",
    "borders": "border",
    "historical_border": "historical_border",
    "ceded_area": "ceded_area",
    "places": None,
    "events": "event",
}

# places whose precision is coarser than this get an uncertainty circle
UNCERTAINTY_MIN_M = 500.0

Where = Mapping[str, Any]
Endpoint = Any  # place name/id, border id, (lon, lat), shapely geometry, GeoDataFrame


@dataclass
class Layer:
    """One layer of a brief map.

    Parameters
    ----------
    data : GeoDataFrame, GeoSeries, str or path
        The features: a frame (any CRS), the name of a shipped layer
        (see :func:`borderkit.datasets`), or the path of a user file.
    kind : str, optional
        The style kind (see ``borderkit._style.KINDS``). ``None`` takes each
        row's ``kind`` column (shipped places), or the shipped layer's default.
    name : str, optional
        The label in the legend and the layer control.
    where : mapping, optional
        Keep only rows whose column equals the value (or is in the list), e.g.
        ``{"id": ["CHN-TJK"]}``.
    label_column : str, optional
        Column used for permanent labels and tooltips (default ``"name"``).
    labels : bool
        Draw permanent labels for the features.
    popup_columns : sequence of str, optional
        Columns shown in the popup; default: the provenance columns present.
    style : mapping, optional
        Overrides of the kind's style (``color``, ``fill``, ``weight``, ...).
    show : bool
        Visible when the page opens (hidden layers stay in the layer control).
    fit : bool, optional
        Include in the initial map extent; default: all kinds except ``land``.
    legend : bool, optional
        Show in the legend; default from the kind.
    """

    data: Any
    kind: str | None = None
    name: str | None = None
    where: Where | None = None
    label_column: str | None = "name"
    labels: bool = False
    popup_columns: Sequence[str] | None = None
    style: Mapping[str, Any] | None = None
    show: bool = True
    fit: bool | None = None
    legend: bool | None = None


@dataclass
class DistanceLine:
    """A geodesic distance line between two places, drawn with its length.

    When an end is a line or polygon, the line ends at its nearest point (exact, on
    the ellipsoid). The label gives km / mi / nmi, and a ``±`` range when a place
    carries ``precision_m``.

    Parameters
    ----------
    a, b : str, tuple, shapely geometry or GeoDataFrame
        Each a place name or id (:func:`borderkit.place`), a ``(lon, lat)`` tuple in
        degrees, a shapely geometry in EPSG:4326, a GeoDataFrame, or a border id such
        as ``"CHN-TJK"``. At least one end must be a point.
    label : str, optional
        Text drawn on the line instead of the computed distance.
    name : str, optional
        Legend and layer-control name; a named line is labelled ``"<name>: <distance>"``.

    Examples
    --------
    >>> import borderkit as bk
    >>> bk.DistanceLine("Dushanbe", "Khorugh").b
    'Khorugh'
    """

    a: Endpoint
    b: Endpoint
    label: str | None = None
    name: str | None = None


@dataclass
class RangeRings:
    """Concentric geodesic range rings around one place.

    Parameters
    ----------
    center : str, tuple, shapely Point or GeoDataFrame
        A place name or id, ``(lon, lat)`` in degrees, or a point.
    radii_m : sequence of float
        Ring radii in metres (each positive and finite).
    name : str, optional
        Legend and layer-control name (default ``"Range rings"``).

    Examples
    --------
    >>> import borderkit as bk
    >>> bk.RangeRings((68.78, 38.54), radii_m=[50e3]).radii_m
    [50000.0]
    """

    center: Endpoint
    radii_m: Sequence[float] = (50_000.0, 100_000.0, 200_000.0)
    name: str | None = None


@dataclass
class BriefSpec:
    """Everything a brief map shows. Render it with :func:`borderkit.brief_map`
    (HTML), :func:`borderkit.render_static` (PNG/SVG/PDF) or
    :func:`borderkit.export_brief` (all at once).

    Parameters
    ----------
    title, subtitle : str
        Heading of the map (escaped on the page; never HTML).
    notes, sources : sequence of str
        Notes under the title and the numbered source list.
    layers : sequence of Layer
        The layers, drawn in the order of their kinds' ``z``.
    distance_lines : sequence of DistanceLine
        Geodesic distance lines, labelled in km / mi / nmi.
    rings : sequence of RangeRings
        Geodesic range rings.
    uncertainty : bool
        Draw a circle of radius ``precision_m`` around approximate places
        (``precision_m`` >= 500 m).
    legend, scale_bar, north_arrow, inset : bool
        Which map furniture to draw.
    bounds : tuple of float, optional
        ``(lon_min, lat_min, lon_max, lat_max)`` of the initial view; default: fit
        the layers (except the ``land`` basemap).
    tiles : str, optional
        An ``xyzservices`` provider name for web tiles (opt-in; needs the network).
        Default: the shipped vector basemap only, offline.
    width, height : int
        Size of the map in CSS pixels (and of the PNG before ``scale``).
    simplify : str, float or None
        Display-only simplification: ``"auto"`` (about 1 px at the initial view), a
        tolerance in degrees, or ``None`` (every vertex). Measurements never use it.

    Examples
    --------
    >>> import borderkit as bk
    >>> spec = bk.BriefSpec(title="Test", layers=[bk.Layer("borders", where={"id": "CHN-TJK"})])
    >>> spec.title
    'Test'
    """

    title: str
    subtitle: str = ""
    notes: Sequence[str] = ()
    sources: Sequence[str] = ()
    layers: Sequence[Layer] = ()
    distance_lines: Sequence[DistanceLine] = ()
    rings: Sequence[RangeRings] = ()
    uncertainty: bool = True
    legend: bool = True
    scale_bar: bool = True
    north_arrow: bool = True
    inset: bool = True
    bounds: tuple[float, float, float, float] | None = None
    tiles: str | None = None
    width: int = 1200
    height: int = 800
    # display-only simplification of lines/polygons: "auto" (~1 px at the initial view
    # of width x height), a tolerance in degrees, or None (every vertex)
    simplify: str | float | None = None

    def replace(self, **changes: Any) -> BriefSpec:
        """Return a copy with some fields changed (the spec itself is not modified)."""
        return replace(self, **changes)

    def resolve(self) -> ResolvedSpec:
        """Load, clean and compute everything the renderers need.

        Returns
        -------
        ResolvedSpec

        Raises
        ------
        SpecError
            If a field has a bad value (the message names it).
        DatasetNotFoundError
            If a shipped layer or place name is unknown.
        """
        return _resolve(self)


@dataclass
class ResolvedLayer:
    """A layer ready to draw: EPSG:4326, clean, with its full style."""

    id: str
    name: str
    kind: str
    frame: Any  # GeoDataFrame in EPSG:4326
    style: dict[str, Any]
    label_column: str | None
    labels: bool
    popup_columns: tuple[str, ...]
    show: bool
    fit: bool
    legend: bool
    dataset: str | None = None  # the shipped layer it came from (for attribution)


@dataclass
class ResolvedSpec:
    """A spec with every layer loaded and every derived geometry computed."""

    spec: BriefSpec
    layers: list[ResolvedLayer]
    bounds: tuple[float, float, float, float]
    attribution: list[str]
    inset: Any | None  # GeoDataFrame of national outlines, or None
    report: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.spec.title

    def legend_entries(self) -> list[tuple[str, dict[str, Any]]]:
        """(label, style) pairs for the legend, one per visible kind, in draw order."""
        seen: dict[str, tuple[str, dict[str, Any]]] = {}
        for lyr in sorted(self.layers, key=lambda lyr: lyr.style["z"]):
            if lyr.legend and lyr.name not in seen:
                seen[lyr.name] = (lyr.name, lyr.style)
        return list(seen.values())


def display_text(value: Any) -> str | None:
    """The text a renderer shows for one cell (label, popup), or None when missing.

    One rule for every renderer, so the HTML and print maps label alike: dates as
    ``2020-05-14`` (with the time only when it is not midnight), floats with
    ``:g``, lists joined by ``", "``; NaN, NaT, None and blank text are missing.

    Examples
    --------
    >>> import pandas as pd
    >>> display_text(pd.Timestamp("2020-05-14")), display_text(float("nan")), display_text(2.50)
    ('2020-05-14', None, '2.5')
    """
    import datetime as _dt

    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating):
        return f"{value:g}" if math.isfinite(value) else None
    if isinstance(value, pd.Timestamp | _dt.datetime):
        stamp = pd.Timestamp(value)
        return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple | np.ndarray):
        items = [t for t in (display_text(v) for v in value) if t]
        return ", ".join(items) or None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    text = str(value)
    return text if text.strip() else None


# --------------------------------------------------------------------------- resolving


def _as_frame(data: Any, where: str) -> Any:
    import geopandas as gpd

    if isinstance(data, gpd.GeoDataFrame):
        return data
    if isinstance(data, gpd.GeoSeries):
        return gpd.GeoDataFrame(geometry=data)
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
        warnings.warn(msg, DroppedFeatureWarning, stacklevel=4)
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
        warnings.warn(msg, RepairWarning, stacklevel=4)
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
    if not ok or not math.isfinite(value) or value != int(value) or not 16 <= value <= 10_000:
        raise SpecError(f"{where} must be a whole number of CSS pixels from 16 to 10000, "
                        f"not {value!r}")


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


def _check_fields(spec: BriefSpec) -> None:
    """Every text and size field of the spec, before anything is loaded."""
    if not isinstance(spec.title, str):
        raise SpecError(f"title must be a string, not {type(spec.title).__name__}")
    _check_text(spec.title, "title")
    _check_text(spec.subtitle, "subtitle")
    for field_name in ("notes", "sources"):
        value = getattr(spec, field_name)
        items = [value] if isinstance(value, str) else list(value or ())
        for k, item in enumerate(items):
            _check_text(item, f"{field_name}[{k}]", strict=False)
    for i, lyr in enumerate(spec.layers):
        if isinstance(lyr, Layer):
            _check_text(lyr.name, f"layers[{i}].name")
    for j, dl in enumerate(spec.distance_lines):
        _check_text(getattr(dl, "name", None), f"distance_lines[{j}].name")
        _check_text(getattr(dl, "label", None), f"distance_lines[{j}].label")
    for j, rr in enumerate(spec.rings):
        _check_text(getattr(rr, "name", None), f"rings[{j}].name")
    _check_size(spec.width, "width")
    _check_size(spec.height, "height")


def _resolve(spec: BriefSpec) -> ResolvedSpec:
    import geopandas as gpd

    _check_fields(spec)
    report: list[str] = []
    layers: list[ResolvedLayer] = []
    used: set[str] = set()

    def add(frame: Any, kind: str, name: str, lyr: Layer | None, **kw: Any) -> None:
        style = _style.style_for(kind, **dict((lyr.style or {}) if lyr else {}))
        label_col = lyr.label_column if lyr else kw.pop("label_column", "name")
        if label_col is not None and label_col not in frame.columns:
            label_col = None
        popup = tuple(
            c for c in ((lyr.popup_columns if lyr and lyr.popup_columns else None)
                        or PROVENANCE_COLUMNS) if c in frame.columns
        )
        if lyr and lyr.popup_columns:
            missing = [c for c in lyr.popup_columns if c not in frame.columns]
            if missing:
                raise SpecError(f"layer {name!r}: popup column(s) {missing} not in the layer")
        layers.append(
            ResolvedLayer(
                id=_slug(name, used),
                name=name,
                kind=kind,
                frame=frame,
                style=style,
                label_column=label_col,
                labels=bool(lyr.labels) if lyr else kw.get("labels", False),
                popup_columns=popup,
                show=lyr.show if lyr else True,
                fit=(lyr.fit if lyr and lyr.fit is not None else kind not in ("land", "country")),
                legend=(lyr.legend if lyr and lyr.legend is not None else bool(style["legend"])),
            )
        )

    for i, lyr in enumerate(spec.layers):
        if not isinstance(lyr, Layer):
            raise SpecError(f"layers[{i}] must be a borderkit.Layer, not {type(lyr).__name__}")
        label = f"layers[{i}]" + (f" ({lyr.name!r})" if lyr.name else "")
        frame = _filter(_as_frame(lyr.data, label), lyr.where, label)
        frame = _clean(frame, label, report)
        shipped = lyr.data if isinstance(lyr.data, str) and not os.path.exists(lyr.data) else None
        first = len(layers)
        kind = lyr.kind or (SHIPPED_KINDS.get(shipped) if shipped else None)
        if kind is None and "kind" in frame.columns:
            for k in sorted(frame["kind"].dropna().unique(), key=str):
                part = frame[frame["kind"] == k]
                kk = str(k) if str(k) in _style.KINDS else "user_point"
                add(part, kk, lyr.name and f"{lyr.name}: {k}" or _KIND_TITLES.get(str(k), str(k)),
                    lyr)
        else:
            if kind is None:
                kind = _user_kind(frame)
            add(frame, kind, lyr.name or (shipped or kind).replace("_", " ").capitalize(), lyr)
        for added in layers[first:]:
            added.dataset = shipped

    # uncertainty circles for approximate places
    if spec.uncertainty:
        circles = _uncertainty(layers)
        if circles is not None and len(circles):
            add(circles, "uncertainty", "Location uncertainty", None, label_column="label")

    for j, dl in enumerate(spec.distance_lines):
        frame = _distance_line(dl, f"distance_lines[{j}]")
        add(frame, "distance_line", dl.name or "Geodesic distance", None, label_column="label",
            labels=True)

    for j, rr in enumerate(spec.rings):
        frame = _rings(rr, f"rings[{j}]")
        add(frame, "ring", rr.name or "Range rings", None, label_column="label", labels=True)

    bounds = _check_bounds(spec.bounds) if spec.bounds is not None else _bounds(layers)
    if not all(math.isfinite(v) for v in bounds):
        raise SpecError(
            "the map has no finite extent: give bounds=(lon_min, lat_min, lon_max, lat_max)"
        )
    inset = None
    if spec.inset:
        try:
            from . import data as _data

            inset = _data.load("countries")
        except Exception as err:  # noqa: BLE001 - inset is optional decoration
            report.append(f"inset map left out: {err}")
    attribution = _attribution(layers, spec.tiles, ["countries"] if inset is not None else [])
    for done in layers:
        done.frame = gpd.GeoDataFrame(done.frame, geometry=done.frame.geometry.name,
                                      crs="EPSG:4326")
    return ResolvedSpec(spec=spec, layers=layers, bounds=bounds, attribution=attribution,
                        inset=inset, report=report)


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


def _distance_line(dl: DistanceLine, where: str) -> Any:
    from . import measure as _measure

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
    text = _measure.format_distance(length)
    if spread > 0:
        text = (f"≈ {text} (± {_measure.format_distance(spread, units=('km',))}: "
                "approximate location)")
    line = line.copy()
    line["name"] = f"{na} → {nb}"
    if dl.label is not None:
        line["label"] = dl.label
    else:  # a named line says which one it is (two lines from one place look alike)
        line["label"] = f"{dl.name}: {text}" if dl.name else text
    line["distance_min_m"] = max(length - spread, 0.0)
    line["distance_max_m"] = length + spread
    return line


def _rings(rr: RangeRings, where: str) -> Any:
    from . import buffers as _buffer
    from . import measure as _measure

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
    frame["label"] = [_measure.format_distance(r, units=("km", "nmi")) for r in radii]
    return frame


def label_anchor(geom: Any, kind: str) -> tuple[float, float] | None:
    """Where a feature's label attaches (lon, lat), the same for every renderer.

    A point (the first of a multipoint), the top of a range ring, the middle of
    the longest part of a line, or a point inside a polygon; ``None`` when empty.

    Examples
    --------
    >>> label_anchor(shapely.LineString([(0, 0), (2, 0)]), "border")
    (1.0, 0.0)
    """
    if geom is None or geom.is_empty:
        return None
    gtype = geom.geom_type
    if gtype == "Point":
        return float(geom.x), float(geom.y)
    if gtype == "MultiPoint":
        first = geom.geoms[0]
        return float(first.x), float(first.y)
    if kind == "ring":
        xy = shapely.get_coordinates(geom)
        top = xy[int(np.argmax(xy[:, 1]))]
        return float(top[0]), float(top[1])
    if "LineString" in gtype:
        longest = max(shapely.get_parts(geom), key=lambda g: g.length)
        pt = longest.interpolate(0.5, normalized=True)
        return float(pt.x), float(pt.y)
    pt = shapely.point_on_surface(geom)
    return float(pt.x), float(pt.y)


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


def _attribution(layers: list[ResolvedLayer], tiles: str | None,
                 datasets: Sequence[str] = ()) -> list[str]:
    """Attribution of the data shown: the manifest's text for shipped layers (and the
    inset's *datasets*), ``source (license)`` from the columns of user layers."""
    out: list[str] = []
    shipped = [lyr.dataset for lyr in layers if lyr.dataset] + list(datasets)
    if shipped:
        from . import data as _data

        out.extend(_data.attribution(list(dict.fromkeys(shipped))))
    for lyr in layers:
        if lyr.dataset:
            continue
        f = lyr.frame
        for col in ("attribution",):
            if col in f.columns:
                out.extend(str(v) for v in f[col].dropna().unique())
        if "attribution" not in f.columns and "license" in f.columns:
            srcs = f["source"] if "source" in f.columns else pd.Series([""] * len(f), index=f.index)
            for s, lic in sorted({(str(s), str(lic)) for s, lic in zip(srcs, f["license"],
                                                                        strict=True)}):
                out.append(f"{s} ({lic})" if s else lic)
    if tiles:
        out.append(f"Basemap tiles: {tiles}")
    seen: dict[str, None] = {}
    for a in out:
        if a and a != "nan":
            seen.setdefault(a, None)
    return list(seen)
