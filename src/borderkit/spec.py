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
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from . import _context, _coverage, _style
from ._display import display_text
from ._resolve import (
    _KIND_TITLES,
    _as_frame,
    _check_fields,
    _clean,
    _filter,
    _inset,
    _lines_and_rings,
    _slug,
    _uncertainty,
    _user_kind,
    _view_bounds,
)
from ._resolve import UNCERTAINTY_MIN_M as UNCERTAINTY_MIN_M
from .errors import SpecError

log = logging.getLogger(__name__)

__all__ = ["BriefSpec", "Layer", "DistanceLine", "RangeRings", "ResolvedLayer", "ResolvedSpec",
           "PROVENANCE_COLUMNS", "display_text"]

#: Columns shown in a place's popup, in this order, when present.
PROVENANCE_COLUMNS: tuple[str, ...] = (
    "name", "alt_names", "kind", "date", "description", "precision_m", "confidence",
    "source_title", "source", "source_url", "source_date", "license", "note")

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

# UNCERTAINTY_MIN_M (places whose precision is coarser get an uncertainty circle) is
# defined in borderkit._resolve, which draws the circles, and re-exported here.

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
    column, cmap, categorical, scheme, k, legend_kwds
        Colour the features by a column, as geopandas' ``explore`` does: one colour
        per category (``cmap``: a colour map name, a list, or a dict value ->
        colour), or *k* classes of a numeric column (``scheme``: ``"equalinterval"``
        or ``"quantiles"``); see ``borderkit._by_column`` and docs/api.md.

    Examples
    --------
    >>> import borderkit as bk
    >>> bk.Layer("places", column="kind", cmap="Set2").column
    'kind'
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
    column: str | None = None
    cmap: str | Sequence[str] | Mapping[Any, str] | None = None
    categorical: bool | None = None
    scheme: str | None = None
    k: int = 5
    legend_kwds: Mapping[str, Any] | None = None


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
        Legend name (default: the two ends); a named line's label is ``"<name>: <distance>"``.
    style : mapping, optional
        ``color``, ``weight``, ``dash`` (None: solid), ``opacity``; default: a fixed cycle.

    Examples
    --------
    >>> import borderkit as bk
    >>> bk.DistanceLine("Dushanbe", "Khorugh", style={"color": "darkred"}).b
    'Khorugh'
    """

    a: Endpoint
    b: Endpoint
    label: str | None = None
    name: str | None = None
    style: Mapping[str, Any] | None = None


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
        Legend and layer-control name (default ``"Rings around <centre>"``).
    style : mapping, optional
        As for :class:`DistanceLine`: ``color``, ``weight``, ``dash``, ``opacity``.

    Examples
    --------
    >>> import borderkit as bk
    >>> bk.RangeRings((68.78, 38.54), radii_m=[50e3]).radii_m
    [50000.0]
    """

    center: Endpoint
    radii_m: Sequence[float] = (50_000.0, 100_000.0, 200_000.0)
    name: str | None = None
    style: Mapping[str, Any] | None = None


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
        The layers, drawn in the order of their kinds' ``z``; a plain GeoDataFrame
        or GeoSeries is wrapped in ``Layer(frame)``.
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
        Display-only simplification of lines and polygons: ``"auto"`` (the default:
        about 1 px at the initial view; the page's notes give the tolerance), a
        tolerance in degrees, or ``None`` (every vertex). Measurements never use it.
    terrain, water, country_names : bool
        Physical context under the data (hillshade; lakes, rivers and their names;
        a name on each country in view), where the shipped physical data reaches.
    language : str, optional
        Language of country and physical names (``"ru"``, ...) when the data has it.
    subject : str, optional
        The country named in bold (iso3 or name); default: the one holding most data.

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
    simplify: str | float | None = "auto"
    terrain: bool = False
    water: bool = False
    country_names: bool = False
    language: str | None = None
    subject: str | None = None

    def __post_init__(self) -> None:
        bare = [hasattr(x, "crs") and hasattr(x, "geometry") for x in self.layers
                ] if isinstance(self.layers, list | tuple) else []
        if any(bare):  # a plain GeoDataFrame/GeoSeries is wrapped in a Layer
            self.layers = [Layer(x) if b else x for x, b in zip(self.layers, bare, strict=True)]

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
        if not (self.layers or self.distance_lines or self.rings or self.bounds is not None):
            raise SpecError(f"the map {self.title!r} has nothing to show: add a layer (layers="
                            "[gdf] or [bk.Layer(...)]) or bounds=(lon_min, lat_min, lon_max, "
                            "lat_max); bk.explore(gdf) makes a quick map of one layer")
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
    context: Any = None  # borderkit._context.Context: hillshade and context names

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


# --------------------------------------------------------------------------- resolving
# The orchestration lives here because it builds the classes above; the steps that
# need none of them (checks, loading, cleaning, geodesics) are in borderkit._resolve.


class _LayerList:
    """The resolved layers in the making, each with a unique id and its full style."""

    def __init__(self) -> None:
        self.layers: list[ResolvedLayer] = []
        self._used: set[str] = set()

    def add(self, frame: Any, kind: str, name: str, lyr: Layer | None, *,
            label_column: str | None = "name", labels: bool = False) -> None:
        """Append one layer; *label_column* and *labels* apply only without a *lyr*."""
        style = _style.style_for(kind, **dict((lyr.style or {}) if lyr else {}))
        if lyr is not None:  # one layer per category/class of lyr.column (borderkit._by_column)
            from ._by_column import layer_parts

            parts = layer_parts(frame, lyr, name, style)
            for part, part_name, look in parts or ():
                self.add(part, kind, part_name, replace(lyr, column=None))
                self.layers[-1].style.update(look)
            if parts is not None:
                return
        label_col = lyr.label_column if lyr else label_column
        if label_col is not None and label_col not in frame.columns:
            label_col = None
        self.layers.append(
            ResolvedLayer(
                id=_slug(name, self._used),
                name=name,
                kind=kind,
                frame=frame,
                style=style,
                label_column=label_col,
                labels=bool(lyr.labels) if lyr else labels,
                popup_columns=_popup_columns(frame, lyr, name),
                show=lyr.show if lyr else True,
                fit=(lyr.fit if lyr and lyr.fit is not None else kind not in ("land", "country")),
                legend=(lyr.legend if lyr and lyr.legend is not None else bool(style["legend"])),
            )
        )


def _popup_columns(frame: Any, lyr: Layer | None, name: str) -> tuple[str, ...]:
    """The layer's popup columns present in *frame* (default: the provenance columns)."""
    popup = tuple(
        c for c in ((lyr.popup_columns if lyr and lyr.popup_columns else None)
                    or PROVENANCE_COLUMNS) if c in frame.columns
    )
    if lyr and lyr.popup_columns:
        missing = [c for c in lyr.popup_columns if c not in frame.columns]
        if missing:
            raise SpecError(f"layer {name!r}: popup column(s) {missing} not in the layer")
    return popup


def _add_spec_layer(layers: _LayerList, i: int, lyr: Any, report: list[str],
                    view: tuple[float, float, float, float] | None = None) -> None:
    """Load, filter and clean ``spec.layers[i]``; one resolved layer per kind it holds.

    With a *view*, the shipped countries are the pack's inside its box and the world
    base around it (:func:`borderkit._coverage.view_countries`)."""
    if not isinstance(lyr, Layer):
        raise SpecError(f"layers[{i}] must be a borderkit.Layer, not {type(lyr).__name__}")
    label = f"layers[{i}]" + (f" ({lyr.name!r})" if lyr.name else "")
    frame = _filter(_as_frame(lyr.data, label), lyr.where, label)
    frame = _clean(frame, label, report)
    if view is not None:
        frame = _coverage.view_countries(frame, lyr.where, view, label, report)
    shipped = lyr.data if isinstance(lyr.data, str) and not os.path.exists(lyr.data) else None
    first = len(layers.layers)
    kind = lyr.kind or (SHIPPED_KINDS.get(shipped) if shipped else None)
    if kind is None and "kind" in frame.columns and lyr.column is None:
        for k in sorted(frame["kind"].dropna().unique(), key=str):
            part = frame[frame["kind"] == k]
            kk = str(k) if str(k) in _style.KINDS else "user_point"
            layers.add(part, kk,
                       lyr.name and f"{lyr.name}: {k}" or _KIND_TITLES.get(str(k), str(k)), lyr)
    else:
        if kind is None:
            kind = _user_kind(frame)
        layers.add(frame, kind, lyr.name or (shipped or kind).replace("_", " ").capitalize(),
                   lyr)
    for added in layers.layers[first:]:
        added.dataset = shipped


def _add_derived_layers(layers: _LayerList, spec: BriefSpec) -> None:
    """Uncertainty circles of approximate places, distance lines and range rings."""
    said = False  # what ± means: said by the circles' legend entry, else by the first ± line
    if spec.uncertainty:
        circles = _uncertainty(layers.layers)
        if circles is not None and len(circles):
            layers.add(circles, "uncertainty", "Location uncertainty (±)", None,
                       label_column="label")
            said = True
    for kind, frame, name, style in _lines_and_rings(spec, said):
        layers.add(frame, kind, name, None, label_column="label", labels=True)
        layers.layers[-1].style.update(style)  # its look in the cycle, or its own style


def _view_data(resolved: _LayerList, spec: BriefSpec, spans: list[tuple[int, int, int]],
               bounds: tuple[float, float, float, float], report: list[str]) -> None:
    """The data each pack layer draws for the view: the shipped countries filled with the
    world base where the pack has none; a warning for the other pack layers that the
    view leaves (unless picked with ``where`` and found)."""
    pack_names, missing = _coverage.pack_layers(), list[tuple[str, str]]()
    for i, first, end in reversed(spans):
        parts = resolved.layers[first:end]
        shipped = parts[0].dataset if parts else None
        if shipped == "countries" and _coverage.needs_world(parts[0].frame, bounds):
            sub = _LayerList()
            sub._used = {x.id for x in resolved.layers} - {x.id for x in parts}
            _add_spec_layer(sub, i, spec.layers[i], report, view=bounds)
            resolved.layers[first:end] = parts = sub.layers
        if shipped in pack_names and not (
                spec.layers[i].where and any(len(x.frame) for x in parts)) and not (
                shipped == "countries" and any(_coverage.is_mixed(x.frame) for x in parts)):
            missing.insert(0, (spec.layers[i].name or str(shipped), str(shipped)))
    _coverage.coverage_warning(missing, bounds, report, stacklevel=5)


def _resolve(spec: BriefSpec) -> ResolvedSpec:
    import geopandas as gpd

    # a non-Layer entry is reported by _add_spec_layer, after the layers before it loaded
    _check_fields(spec, [lyr.name if isinstance(lyr, Layer) else None for lyr in spec.layers])
    report: list[str] = []
    resolved = _LayerList()
    spans = []  # (spec layer, first and end of its resolved layers)
    for i, lyr in enumerate(spec.layers):
        first = len(resolved.layers)
        _add_spec_layer(resolved, i, lyr, report)
        spans.append((i, first, len(resolved.layers)))
    _add_derived_layers(resolved, spec)
    bounds = _view_bounds(spec, resolved.layers)
    _view_data(resolved, spec, spans, bounds, report)
    layers = resolved.layers
    inset = _inset(spec, report, bounds)
    attribution = _coverage.credits(layers, spec.tiles, bounds, inset)
    context = _context.resolve_context(spec, bounds, layers, report)
    for name, frame in context.water:  # quiet layers just above the countries
        resolved.add(frame, "user_polygon" if name == "lakes" else "user_line",
                     name.capitalize(), None, label_column=None)
        resolved.layers[-1].style.update(_context.WATER_STYLES[name])
        resolved.layers[-1].fit = resolved.layers[-1].legend = False
    attribution += [a for a in context.attribution if a not in attribution]
    for done in layers:
        done.frame = gpd.GeoDataFrame(done.frame, geometry=done.frame.geometry.name,
                                      crs="EPSG:4326")
    return ResolvedSpec(spec=spec, layers=layers, bounds=bounds, attribution=attribution,
                        inset=inset, report=report, context=context)
