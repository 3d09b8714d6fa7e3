"""Quick looks: anything with a geometry turned into a layer of a brief map.

:func:`borderkit.explore` and :meth:`borderkit.BriefMap.add` (in :mod:`borderkit.maps`)
take the same data and the same keywords as geopandas' ``GeoDataFrame.explore`` where
they mean the same. This module turns them into a :class:`~borderkit.spec.Layer` and a
:class:`~borderkit.spec.BriefSpec`; it draws nothing itself, so the maps import it and
not the other way round.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from . import data as _data
from .errors import DatasetNotFoundError, SpecError
from .spec import BriefSpec, Layer

__all__ = ["EXPLORE_KEYWORDS", "LAYER_KEYWORDS", "as_layer", "check_keywords", "quick_spec"]

#: Keywords that go to the layer (the geopandas ``explore`` names, plus ``name``).
LAYER_KEYWORDS: tuple[str, ...] = (
    "column", "cmap", "categorical", "scheme", "k", "legend", "legend_kwds", "tooltip",
    "popup", "style_kwds", "name",
)
#: Every keyword of :func:`borderkit.explore` (the map's keywords after the layer's).
EXPLORE_KEYWORDS: tuple[str, ...] = (*LAYER_KEYWORDS, "title", "width", "height", "m")

# geopandas/Leaflet style names -> borderkit style keys
_STYLE_NAMES = {"fillColor": "fill", "fillOpacity": "fill_opacity", "dashArray": "dash"}
# keywords passed to Layer only when given (the column styling of borderkit.Layer)
_COLUMN_KEYWORDS = ("column", "cmap", "categorical", "scheme", "k", "legend_kwds")


def check_keywords(kw: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    """Refuse unknown keywords with a message listing the accepted ones.

    Examples
    --------
    >>> check_keywords({"colour": "red"}, LAYER_KEYWORDS, "BriefMap.add")
    Traceback (most recent call last):
    ...
    borderkit.errors.SpecError: BriefMap.add() got unknown keyword(s) 'colour'; it accepts: ...
    """
    unknown = [k for k in kw if k not in allowed]
    if unknown:
        raise SpecError(f"{where}() got unknown keyword(s) {', '.join(map(repr, unknown))}; "
                        f"it accepts: {', '.join(allowed)}")


def _frame_of(data: Any) -> tuple[Any, str | None, str | None]:
    """(frame or shipped layer name, title, kind) of explore's *data*."""
    import geopandas as gpd
    import shapely

    if isinstance(data, gpd.GeoDataFrame):
        return data, None, None
    if isinstance(data, gpd.GeoSeries):
        title = str(data.name) if data.name not in (None, "geometry") else None
        return gpd.GeoDataFrame(geometry=data.reset_index(drop=True)), title, None
    if isinstance(data, shapely.Geometry):
        return gpd.GeoDataFrame(geometry=[data], crs="EPSG:4326"), None, None
    if isinstance(data, os.PathLike) or (isinstance(data, str) and os.path.exists(data)):
        from .io import read_layer

        return read_layer(data), Path(data).stem, None
    if isinstance(data, str):
        return _shipped(data)
    raise SpecError(
        f"cannot map a {type(data).__name__}: give a GeoDataFrame, a GeoSeries, a shapely "
        "geometry (EPSG:4326), a file path, or the name of a shipped layer, place, border "
        "or region"
    )


def _shipped(name: str) -> tuple[Any, str | None, str | None]:
    """A shipped layer, place, border id or region by name (in that order)."""
    if name in set(_data.datasets()["name"]):
        return name, name.replace("_", " ").capitalize(), None
    lookups: list[tuple[Callable[[str], Any], str | None]] = [
        (_data.place, None), (_data.border, "border"), (_data.region, "region")]
    for lookup, kind in lookups:
        try:
            frame = lookup(name)
        except DatasetNotFoundError:
            continue
        title = str(frame["name"].iloc[0]) if "name" in frame.columns else name
        return frame, title, kind
    raise DatasetNotFoundError(
        f"{name!r} is not a file, nor a shipped layer, place, border or region name; see "
        "bk.datasets(), bk.places(), or read your own data with bk.read_layer(path)"
    )


def _popup_and_labels(tooltip: Any, popup: Any) -> dict[str, Any]:
    """Layer keywords for explore's *tooltip* and *popup* (True/None: the defaults)."""
    out: dict[str, Any] = {}
    if tooltip is False:
        out["label_column"] = None
    elif isinstance(tooltip, str):
        out["label_column"] = tooltip
    elif isinstance(tooltip, list | tuple) and tooltip:
        out["label_column"] = str(tooltip[0])
    if isinstance(popup, str):
        out["popup_columns"] = [popup]
    elif isinstance(popup, list | tuple) and popup:
        out["popup_columns"] = [str(c) for c in popup]
    return out


def as_layer(data: Any, /, **kw: Any) -> tuple[Layer, str]:
    """The :class:`Layer` for *data* with explore's layer keywords, and a title for it.

    Parameters
    ----------
    data : GeoDataFrame, GeoSeries, shapely geometry, Layer, str or path
        A frame, a geometry in EPSG:4326, a file path (:func:`borderkit.read_layer`),
        or the name of a shipped layer, place, border or region.
    **kw
        :data:`LAYER_KEYWORDS`: ``column``, ``cmap``, ``categorical``, ``scheme``,
        ``k``, ``legend`` and ``legend_kwds`` go to the layer as they are; ``tooltip`` (a column, a
        list whose first column is used, or False) sets the label column; ``popup``
        (a column or list of columns) the popup; ``style_kwds`` the style, with
        Leaflet's ``fillColor``, ``fillOpacity`` and ``dashArray`` accepted; ``name``
        the legend name.

    Returns
    -------
    (Layer, str)
        The layer and its title (the file stem, place or layer name, or ``"Map"``).

    Raises
    ------
    SpecError
        If a keyword or *data* is not understood.
    DatasetNotFoundError
        If a name is neither a file nor shipped.

    Examples
    --------
    >>> import shapely
    >>> layer, title = as_layer(shapely.Point(68.78, 38.56), name="Dushanbe")
    >>> title, layer.name, len(layer.data)
    ('Dushanbe', 'Dushanbe', 1)
    """
    check_keywords(kw, LAYER_KEYWORDS, "as_layer")
    if isinstance(data, Layer):
        return data, data.name or "Map"
    frame, title, kind = _frame_of(data)
    # a frame with no name of its own: its legend group is named by the column it is coloured by
    name = kw.get("name") or title or (str(kw["column"]) if kw.get("column") else None)
    options: dict[str, Any] = {k: kw[k] for k in _COLUMN_KEYWORDS if kw.get(k) is not None}
    options.update(_popup_and_labels(kw.get("tooltip"), kw.get("popup")))
    if kw.get("style_kwds"):
        options["style"] = {_STYLE_NAMES.get(k, k): v for k, v in kw["style_kwds"].items()}
    if kw.get("legend") is not None:
        options["legend"] = bool(kw["legend"])
    try:
        layer = Layer(frame, kind=kind, name=name, **options)
    except TypeError as err:  # a Layer without the column keywords
        raise SpecError(f"this borderkit's Layer does not take {sorted(options)}: {err}") from err
    return layer, name or "Map"


def quick_spec(layer: Layer, /, *, title: str, width: int | None = None,
               height: int | None = None) -> BriefSpec:
    """A brief spec of one layer with the quick-look defaults.

    Legend, scale bar and north arrow, no web tiles (offline), ``simplify="auto"``.

    Examples
    --------
    >>> import shapely
    >>> spec = quick_spec(Layer(shapely.Point(0, 0)), title="One point", width=600)
    >>> spec.title, spec.width, spec.height, spec.tiles
    ('One point', 600, 800, None)
    """
    spec = BriefSpec(title=str(title), layers=[layer], legend=True, scale_bar=True, tiles=None)
    if width is not None:
        spec.width = width  # checked with the other fields when resolved
    if height is not None:
        spec.height = height
    return spec
