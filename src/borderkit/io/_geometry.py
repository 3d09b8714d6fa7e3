"""Geometry helpers shared by the readers and the repairs: geodesic area, collecting parts."""

from __future__ import annotations

from typing import Any


def _geod() -> Any:
    import pyproj

    return pyproj.Geod(ellps="WGS84")


def _area_m2(geom: Any) -> float | None:
    """Geodesic area in square metres of the polygonal parts; None for no polygon."""
    import shapely

    if (
        geom is None
        or geom.is_empty
        or geom.geom_type not in ("Polygon", "MultiPolygon", "GeometryCollection")
    ):
        return None
    geod = _geod()
    total = 0.0
    for part in shapely.get_parts(geom):
        if part.geom_type == "Polygon":
            total += abs(geod.geometry_area_perimeter(part)[0])
        elif part.geom_type == "MultiPolygon":
            total += sum(abs(geod.geometry_area_perimeter(q)[0]) for q in part.geoms)
    return total


def _collect(parts: list[Any]) -> Any:
    """The non-empty *parts* as one Multi* geometry if they share a type, else a collection."""
    from shapely.geometry import GeometryCollection, MultiLineString, MultiPoint, MultiPolygon

    parts = [g for g in parts if g is not None and not g.is_empty]
    kinds = {g.geom_type for g in parts}
    if not parts:
        return GeometryCollection()
    if kinds == {"Point"}:
        return MultiPoint(parts)
    if kinds == {"LineString"}:
        return MultiLineString(parts)
    if kinds == {"Polygon"}:
        return MultiPolygon(parts)
    return GeometryCollection(parts)
