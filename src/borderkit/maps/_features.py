"""Layer data for the page: GeoJSON text, popup/tooltip properties and label anchors.

Geometry is written by GEOS (:func:`shapely.to_geojson`) after rounding every
coordinate to 6 decimals (about 0.1 m), which is both faster and about half the
size of folium's ``json.dumps(json.loads(...))`` round trip. Property text is
serialised with :func:`._escape.script_json`, so it is safe inside ``<script>``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely

from .._display import display_text as _text
from .._display import label_anchor
from ..spec import UNCERTAINTY_MIN_M, ResolvedLayer
from ._escape import safe_url, script_json

__all__ = [
    "view_window",
    "auto_tolerance",
    "decimals_for",
    "feature_collection",
    "label_anchors",
    "round_geometries",
]

DECIMALS = 6

#: Label priority by kind: higher is placed first and wins collisions.
LABEL_PRIORITY: dict[str, int] = {
    "facility": 90, "capital": 85, "checkpoint": 80, "event": 70, "distance_line": 65,
    "base": 60, "airport": 55, "tripoint": 50, "city": 45, "ring": 40, "uncertainty": 35,
    "region": 30, "ceded_area": 30, "border": 25, "historical_border": 25, "town": 20,
}

_COLUMN_TITLES = {
    "alt_names": "Also known as",
    "kind": "Type",
    "date": "Date",
    "description": "Description",
    "precision_m": "Location precision",
    "confidence": "Confidence",
    "source_title": "Source",
    "source": "Source",
    "source_url": "Source link",
    "source_date": "Source date",
    "license": "Licence",
    "note": "Note",
}

_DERIVED_ROW = {"distance_line": "Geodesic distance", "ring": "Radius",
                "uncertainty": "Uncertainty"}
_SOURCE_COLUMNS = ("source_title", "source", "source_url")


def round_geometries(geoms: np.ndarray, decimals: int = DECIMALS) -> np.ndarray:
    """Round every coordinate to *decimals* (vectorised over the whole array)."""
    return shapely.transform(geoms, lambda xy: np.round(xy, decimals))


def decimals_for(tolerance: float | None) -> int:
    """Decimals that keep rounding under 1/20 of a simplification *tolerance* (max 6).

    Examples
    --------
    >>> decimals_for(None), decimals_for(0.006), decimals_for(1e-5)
    (6, 4, 6)
    """
    if not tolerance or tolerance <= 0:
        return DECIMALS
    return int(min(DECIMALS, max(1, math.ceil(-math.log10(tolerance / 20)))))


def auto_tolerance(bounds: Sequence[float], width: int, height: int) -> float:
    """Degrees per screen pixel at the zoom that fits *bounds* in *width* x *height*.

    The page snaps zoom to quarter levels like Leaflet's ``fitBounds`` with
    ``zoomSnap=0.25``; the result is scaled by the cosine of the centre latitude so
    a simplified line stays within about one pixel of the original on both axes.

    Examples
    --------
    >>> round(auto_tolerance((70.0, 36.0, 76.0, 40.0), 1200, 800), 6)
    0.005148
    """
    lon0, lat0, lon1, lat1 = (float(v) for v in bounds)

    def merc(lat: float) -> float:
        lat = max(min(lat, 85.0), -85.0)
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    fx = max(lon1 - lon0, 1e-9) / 360.0
    fy = max(merc(lat1) - merc(lat0), 1e-9) / (2 * math.pi)
    zoom = math.log2(min(width / (256 * fx), height / (256 * fy)))
    zoom = math.floor(zoom * 4) / 4
    deg_per_px = 360.0 / (256 * 2**zoom)
    return deg_per_px * math.cos(math.radians((lat0 + lat1) / 2))


def view_window(bounds: Sequence[float], width: int, height: int, *,
                margin: float = 1.25, right: float = 0.25) -> tuple[float, float, float, float]:
    """About the extent a *width* x *height* page fitted to *bounds* shows, with a margin.

    The page fits *bounds* into the view less a column of *right* (a fraction of the
    width) kept for the legend, so the view is *bounds* widened to that area's aspect
    ratio (with the cosine of the centre latitude) plus the column to the east; the
    result is scaled by *margin* about its centre. Degrees, clamped to the globe.

    Examples
    --------
    >>> [round(v, 2) for v in view_window((70, 38, 72, 39), 800, 800, margin=1, right=0)]
    [70.0, 37.71, 72.0, 39.29]
    """
    lon0, lat0, lon1, lat1 = (float(v) for v in bounds)
    cx, cy = (lon0 + lon1) / 2, (lat0 + lat1) / 2
    k = max(math.cos(math.radians(cy)), 0.05)
    w, h = (lon1 - lon0) * k, lat1 - lat0
    aspect = width * (1 - right) / height
    if w > h * aspect:
        h = w / aspect
    else:
        w = h * aspect
    west = cx - w / k / 2
    east = west + w / k / (1 - right)
    mid = (west + east) / 2
    half_lon, half_lat = (east - west) / 2 * margin, h / 2 * margin
    return (max(mid - half_lon, -180.0), max(cy - half_lat, -90.0),
            min(mid + half_lon, 180.0), min(cy + half_lat, 90.0))


def format_metres(value: float) -> str:
    """Metres as a short display text: ``"500 m"``, ``"5 km"``, ``"12.5 km"``."""
    if value < 1000:
        return f"{value:.0f} m"
    km = value / 1000
    return f"{km:.1f} km".replace(".0 km", " km") if km < 100 else f"{km:.0f} km"


def _precision(value: Any, point: bool) -> str | None:
    try:
        metres = float(value)
    except (TypeError, ValueError):
        return _text(value)
    if not math.isfinite(metres):
        return None
    text = f"± {format_metres(metres)}"
    if point and metres >= UNCERTAINTY_MIN_M:
        text += " (approximate location)"
    return text


def _popup(row: dict[str, Any], lyr: ResolvedLayer, heading: str) -> dict[str, Any] | None:
    rows: list[list[str]] = []
    point = lyr.style.get("geom") == "point"
    for col in lyr.popup_columns:
        if col == "name":
            continue
        value = row.get(col)
        text = _precision(value, point) if col == "precision_m" else _text(value)
        if text is None:
            continue
        title = _COLUMN_TITLES.get(col, col.replace("_", " ").capitalize())
        if col == "precision_m" and not point:
            title = "Precision"
        link = safe_url(text) if col == "source_url" else None
        rows.append([title, text, link] if link else [title, text])
    derived = _DERIVED_ROW.get(lyr.kind)
    if derived and lyr.label_column:
        text = _text(row.get(lyr.label_column))
        if text and text != heading:
            rows.insert(0, [derived, text])
    if lyr.style.get("geom") == "point" and lyr.kind != "event" and not any(
        _text(row.get(c)) for c in _SOURCE_COLUMNS
    ):
        rows.append(["Source", "not recorded"])
    if not rows and not heading:
        return None
    return {"h": heading or lyr.name, "r": rows}


def feature_collection(lyr: ResolvedLayer, geoms: np.ndarray | None = None, *,
                       decimals: int = DECIMALS) -> str:
    """The layer as GeoJSON text with tooltip (``t``) and popup (``p``) properties.

    Parameters
    ----------
    lyr : ResolvedLayer
    geoms : array of shapely geometries, optional
        Geometries to write instead of the frame's (for example simplified ones).
    decimals : int
        Coordinate rounding (6, about 0.1 m, unless simplified for display).
    """
    frame = lyr.frame
    if geoms is None:
        geoms = frame.geometry.to_numpy()
    geoms = round_geometries(np.asarray(geoms, dtype=object), decimals)
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    texts = shapely.to_geojson(geoms)
    props = _properties(lyr)
    parts = [
        '{"type":"Feature","properties":' + p + ',"geometry":' + g + "}"
        for p, g, k in zip(props, texts, keep, strict=True)
        if k
    ]
    return '{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}"


def _properties(lyr: ResolvedLayer) -> list[str]:
    frame = lyr.frame
    cols = [c for c in dict.fromkeys([*lyr.popup_columns, lyr.label_column or "", "name",
                                      "title"])
            if c and c in frame.columns]
    if not cols:
        return ["{}"] * len(frame)
    records = frame[cols].to_dict("records")
    out = []
    for row in records:
        label = _text(row.get(lyr.label_column)) if lyr.label_column else None
        name = _text(row.get("name")) or _text(row.get("title"))
        heading = name or label or ""
        prop: dict[str, Any] = {}
        if label is not None and not lyr.labels:
            prop["t"] = label
        popup = _popup(row, lyr, heading)
        if popup is not None:
            prop["p"] = popup
        out.append(script_json(prop))
    return out


def label_anchors(lyr: ResolvedLayer) -> list[list[Any]]:
    """``[lon, lat, text, priority]`` for every labelled feature of the layer."""
    if not lyr.labels or not lyr.label_column or lyr.label_column not in lyr.frame.columns:
        return []
    prio = LABEL_PRIORITY.get(lyr.kind, 10)
    out: list[list[Any]] = []
    geoms = lyr.frame.geometry.to_numpy()
    for geom, value in zip(geoms, lyr.frame[lyr.label_column].to_numpy(), strict=True):
        text = _text(value)
        at = label_anchor(geom, lyr.kind)
        if text is None or at is None:
            continue
        out.append([round(at[0], DECIMALS), round(at[1], DECIMALS), text, prio])
    return out
