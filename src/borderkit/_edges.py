"""Land borders between countries as shared edges, after repairing the outlines (private).

:func:`derive_borders` is used by ``scripts/build_world.py`` (the shipped world
base, 248 countries at about 1 km) and by the region-pack builder (a clipped set
of countries from the 10 m file, at user time). It works in lon/lat degrees
(EPSG:4326) and measures lengths on the WGS84 ellipsoid.

The rule, step by step (every change is reported in :attr:`EdgeResult.repairs`
and logged, never silent):

1. **Repair.** Lakes are filled: a hole of a country's polygon is dropped unless
   another country lies in it (an enclave, such as Lesotho in South Africa).
   Parts still invalid (self-intersections, mostly where the source was rounded
   to about 1 km) are repaired with ``make_valid(method="structure")``.
2. **Overlaps.** Land claimed by two countries goes to the one earlier in
   ``priority``; countries not listed there are ranked by area, smaller first
   (the smaller country keeps its published outline, as Tajikistan does in the
   shipped pack).
3. **Gaps.** Water cut out of both neighbours (a river border such as the Panj
   between Afghanistan and Tajikistan) is a gap, not a shared edge. A gap is what
   a morphological closing of the union of all countries with radius
   ``gap_m / 2`` adds: channels up to ``gap_m`` wide, whether enclosed by land or
   opening to the sea (a river mouth is closed across its narrowest part), but
   not lakes or straits wider than that. Each gap face touching two or more
   countries is split between them by nearest country (the median line of a
   river, from the Voronoi cells of points every ``gap_m / 4`` along the
   face's edge); a face touching one country goes to it. The radius is applied
   in degrees (``gap_m / 111_320``), so east-west it reaches only
   ``gap_m * cos(lat)``: the rule never closes more than ``gap_m``.
4. **Borders.** The border between *a* and *b* is the intersection of their
   repaired boundaries, kept where it is linear, with lines merged.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

__all__ = ["derive_borders", "repair_countries"]

log = logging.getLogger(__name__)

GEOD = pyproj.Geod(ellps="WGS84")
M_PER_DEG = 111_320.0
DEFAULT_GAP_M = 3_000.0


def _polygonal(geom: Any) -> Any:
    """Only the polygonal parts of *geom* as a MultiPolygon (possibly empty)."""
    parts = shapely.get_parts(geom)
    polys = [q for p in parts if shapely.get_type_id(p) in (3, 6) for q in shapely.get_parts(p)]
    polys = [p for p in polys if not p.is_empty]
    return shapely.MultiPolygon(polys) if polys else shapely.MultiPolygon()


def _fill_lakes(geoms: np.ndarray, codes: list[str], repairs: list) -> np.ndarray:
    """Drop the holes in which no other country lies (lakes); keep enclaves' holes."""
    parts, owner = shapely.get_parts(geoms, return_index=True)
    exteriors = shapely.get_exterior_ring(parts)
    inside = shapely.point_on_surface(shapely.polygons(exteriors))
    n_holes = shapely.get_num_interior_rings(parts)
    hole_part = np.repeat(np.arange(len(parts)), n_holes)
    first = np.repeat(np.cumsum(n_holes) - n_holes, n_holes)
    rings = shapely.get_interior_ring(parts[hole_part], np.arange(len(hole_part)) - first)
    keep = np.zeros(len(rings), bool)
    if len(rings):
        pt, hole = shapely.STRtree(shapely.polygons(rings)).query(inside, predicate="within")
        keep[hole[owner[pt] != owner[hole_part[hole]]]] = True
    rebuilt = shapely.polygons(exteriors)
    for p in np.unique(hole_part[keep]):
        rebuilt[p] = shapely.polygons(exteriors[p], holes=rings[(hole_part == p) & keep])
    dropped = np.bincount(owner[hole_part[~keep]], minlength=len(geoms))
    for i in np.flatnonzero(dropped):
        repairs.append({"code": codes[i], "repair": "lakes filled", "count": int(dropped[i])})
    out = np.asarray([shapely.MultiPolygon()] * len(geoms), dtype=object)
    if len(parts):
        grouped = shapely.multipolygons(rebuilt, indices=owner)
        out[: len(grouped)] = grouped
        out[shapely.is_missing(out)] = shapely.MultiPolygon()
    return out


def _make_valid(geoms: np.ndarray, codes: list[str], repairs: list) -> np.ndarray:
    """Repair invalid parts one by one (much faster than the whole multipolygon)."""
    out = geoms.copy()
    for i in np.flatnonzero(~shapely.is_valid(geoms)):
        parts = shapely.get_parts(geoms[i])
        bad = ~shapely.is_valid(parts)
        reasons = sorted({str(r).split("[")[0] for r in shapely.is_valid_reason(parts[bad])})
        fixed = parts.copy()
        fixed[bad] = shapely.make_valid(parts[bad], method="structure", keep_collapsed=False)
        before = float(shapely.area(geoms[i]))
        out[i] = _polygonal(shapely.union_all(fixed))
        repairs.append(
            {
                "code": codes[i],
                "repair": "make_valid",
                "count": int(bad.sum()),
                "detail": ", ".join(reasons),
                "area_change_deg2": round(float(shapely.area(out[i])) - before, 6),
            }
        )
    return out


def _rank(codes: list[str], geoms: np.ndarray, priority: Sequence[str]) -> np.ndarray:
    """Rank of each country in overlap resolution (lower wins)."""
    listed = {c: k for k, c in enumerate(priority)}
    area = shapely.area(geoms)
    order = sorted(range(len(codes)), key=lambda i: (listed.get(codes[i], len(listed)), area[i]))
    rank = np.empty(len(codes), int)
    rank[order] = np.arange(len(codes))
    return rank


def _resolve_overlaps(
    geoms: np.ndarray, codes: list[str], priority: Sequence[str], repairs: list
) -> np.ndarray:
    rank = _rank(codes, geoms, priority)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    inter = shapely.intersection(geoms[left], geoms[right])
    area = shapely.area(inter)
    out = geoms.copy()
    for k in np.flatnonzero(area > 0):
        a, b = int(left[k]), int(right[k])
        win, lose = (a, b) if rank[a] < rank[b] else (b, a)
        out[lose] = _polygonal(shapely.difference(out[lose], inter[k]))
        repairs.append(
            {
                "code": codes[lose],
                "repair": "overlap given to " + codes[win],
                "count": 1,
                "area_m2": round(_area_m2(inter[k]), 0),
            }
        )
    return out


def _area_m2(geom: Any) -> float:
    return abs(float(GEOD.geometry_area_perimeter(geom)[0]))


def _gap_faces(geoms: np.ndarray, gap_m: float, tile: float = 2.0) -> np.ndarray:
    """Faces added by closing the union with radius gap_m / 2 (degrees), not in any country.

    The closing is local (it depends on the shapes within twice its radius), so it is done
    tile by tile on the countries clipped to the tile plus that margin, and only in tiles
    where two countries come within ``gap_m`` of each other: coasts of one country alone
    are skipped, which is most of the world.
    """
    r = gap_m / 2.0 / M_PER_DEG
    margin = 2.0 * r + 1e-6
    tree = shapely.STRtree(geoms)
    x_min, y_min, x_max, y_max = shapely.total_bounds(geoms)
    pieces = []
    for x0 in np.arange(math.floor(x_min), x_max, tile):
        for y0 in np.arange(math.floor(y_min), y_max, tile):
            box = (x0, y0, x0 + tile, y0 + tile)
            wide = (x0 - margin, y0 - margin, x0 + tile + margin, y0 + tile + margin)
            hits = tree.query(shapely.box(*wide))
            if len(hits) < 2:
                continue
            clipped = shapely.intersection(geoms[hits], shapely.box(*wide))
            clipped = clipped[~shapely.is_empty(clipped)]
            if len(clipped) < 2:
                continue
            near = shapely.STRtree(clipped).query(clipped, predicate="dwithin", distance=2 * r)
            if not (near[0] != near[1]).any():
                continue
            union = shapely.union_all(clipped)
            closed = shapely.buffer(shapely.buffer(union, r, quad_segs=4), -r, quad_segs=4)
            gap = shapely.intersection(shapely.difference(closed, union), shapely.box(*box))
            if not gap.is_empty:
                pieces.append(_polygonal(gap))
    if not pieces:
        return np.asarray([], dtype=object)
    return shapely.get_parts(_polygonal(shapely.union_all(pieces)))


def _split_gaps(
    faces: np.ndarray, geoms: np.ndarray, gap_m: float
) -> tuple[list[list[Any]], np.ndarray]:
    """Split each gap face touching two or more countries between them by nearest country.

    Faces touching one country (inlets of its coast) or none are left alone.
    Returns the pieces gained by each country and, per face, how many countries it touches.
    """
    gained: list[list[Any]] = [[] for _ in range(len(geoms))]
    touches = np.zeros(len(faces), int)
    if len(faces) == 0:
        return gained, touches
    tol = 1e-7
    # faces share their edges with the countries exactly; the tree is on the faces so that
    # each country is prepared once
    country_idx, face_idx = shapely.STRtree(faces).query(geoms, predicate="intersects")
    np.add.at(touches, face_idx, 1)
    step = gap_m / 4.0 / M_PER_DEG
    for f in np.flatnonzero(touches >= 2):
        face = faces[f]
        near = country_idx[face_idx == f]
        edge = shapely.segmentize(shapely.boundary(face), step)
        pts = shapely.points(np.unique(shapely.get_coordinates(edge), axis=0))
        x0, y0, x1, y1 = shapely.bounds(face) + np.array([-1, -1, 1, 1]) * 2 * step
        local = [shapely.clip_by_rect(shapely.boundary(geoms[j]), x0, y0, x1, y1) for j in near]
        dist = np.stack([shapely.distance(pts, g) for g in local])
        on_land = dist.min(axis=0) <= tol
        owner = near[np.argmin(dist, axis=0)][on_land]
        if len(set(owner.tolist())) == 1:
            gained[int(owner[0])].append(face)
            continue
        cells = shapely.get_parts(
            shapely.voronoi_polygons(
                shapely.multipoints(pts[on_land]), extend_to=face, ordered=True
            )
        )
        pieces = shapely.intersection(cells, face)
        for j in set(owner.tolist()):
            gained[j].append(shapely.union_all(pieces[owner == j]))
    return gained, touches


def repair_countries(
    countries: gpd.GeoDataFrame,
    *,
    code: str = "iso3",
    gap_m: float = DEFAULT_GAP_M,
    priority: Sequence[str] = (),
) -> tuple[gpd.GeoDataFrame, list[dict[str, Any]], dict[str, Any]]:
    """Steps 1-3 of the module's rule: the countries as a tiling of the land.

    Returns the repaired frame (same rows and columns, MultiPolygon geometry),
    the repairs made (one dict per country and kind) and figures (gap faces,
    timings).
    """
    codes = [str(c) for c in countries[code]]
    repairs: list[dict[str, Any]] = []
    figures: dict[str, Any] = {}
    t0 = time.perf_counter()
    geoms = np.asarray([_polygonal(g) for g in countries.geometry.values], dtype=object)
    geoms = _fill_lakes(geoms, codes, repairs)
    geoms = _make_valid(geoms, codes, repairs)
    figures["repair_s"] = round(time.perf_counter() - t0, 1)
    geoms = _resolve_overlaps(geoms, codes, priority, repairs)
    t1 = time.perf_counter()
    faces = _gap_faces(geoms, gap_m)
    gained, touches = _split_gaps(faces, geoms, gap_m)
    for i, extra in enumerate(gained):
        if extra:
            geoms[i] = _polygonal(shapely.union_all([geoms[i], *extra]))
            repairs.append(
                {
                    "code": codes[i],
                    "repair": "gap faces added (split by nearest country)",
                    "count": len(extra),
                    "area_m2": round(sum(_area_m2(g) for g in extra), 0),
                }
            )
    figures.update(
        gap_faces=int(len(faces)),
        gap_faces_shared=int((touches >= 2).sum()),
        gap_faces_untouched=int((touches == 0).sum()),
        gap_s=round(time.perf_counter() - t1, 1),
    )
    out = countries.copy()
    out = out.set_geometry(gpd.GeoSeries(geoms, index=countries.index, crs=countries.crs))
    for r in repairs:
        log.info("repair %s: %s (%s)", r["code"], r["repair"], r.get("count"))
    return out, repairs, figures


def _shared_edges(geoms: np.ndarray, codes: list[str]) -> list[dict[str, Any]]:
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    rows = []
    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        if a >= b:
            continue
        inter = shapely.intersection(shapely.boundary(geoms[a]), shapely.boundary(geoms[b]))
        lines = [
            p for p in shapely.get_parts(inter) if shapely.get_type_id(p) in (1, 5) and p.length > 0
        ]
        if not lines:
            continue
        merged = shapely.line_merge(shapely.union_all(lines))
        if merged.geom_type == "LineString":
            merged = shapely.MultiLineString([merged])
        ca, cb = sorted((codes[a], codes[b]))
        rows.append({"id": f"{ca}-{cb}", "a": ca, "b": cb, "geometry": merged})
    return rows


def derive_borders(
    countries: gpd.GeoDataFrame,
    *,
    code: str = "iso3",
    gap_m: float = DEFAULT_GAP_M,
    priority: Sequence[str] = (),
    repaired: bool = False,
) -> gpd.GeoDataFrame:
    """Every land border between two countries of *countries*, as shared edges.

    Parameters
    ----------
    countries : geopandas.GeoDataFrame
        One row per country, (Multi)Polygon geometry in EPSG:4326 (lon, lat).
    code : str
        Column with each country's code (ISO3); border ids are ``"AAA-BBB"``.
    gap_m : float
        Widest gap (river, channel) closed between neighbours, in metres.
    priority : sequence of str
        Codes that keep contested land first (see the module docstring).
    repaired : bool
        True when *countries* is already the output of :func:`repair_countries`.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns id, a, b, length_m (metres, geodesic WGS84), note, geometry
        (MultiLineString, EPSG:4326), sorted by id. ``attrs["repairs"]`` lists
        the repairs made (also logged) and ``attrs["figures"]`` the counts and
        timings. To keep the repaired countries (which the borders are the
        shared edges of), call :func:`repair_countries` first and pass its
        frame with ``repaired=True``.
    """
    if countries.crs is not None and not pyproj.CRS(countries.crs).equals(
        pyproj.CRS("EPSG:4326")
    ):
        countries = countries.to_crs("EPSG:4326")
    repairs: list[dict[str, Any]] = []
    figures: dict[str, Any] = {}
    if not repaired:
        countries, repairs, figures = repair_countries(
            countries, code=code, gap_m=gap_m, priority=priority
        )
    codes = [str(c) for c in countries[code]]
    t0 = time.perf_counter()
    rows = _shared_edges(np.asarray(countries.geometry.values, dtype=object), codes)
    note = (
        f"Shared edge of the two repaired outlines; gaps up to {gap_m:.0f} m wide "
        "(rivers) split by nearest country."
    )
    for row in rows:
        row["length_m"] = float(GEOD.geometry_length(row["geometry"]))
        row["note"] = note
    cols = ["id", "a", "b", "length_m", "note", "geometry"]
    frame = pd.DataFrame(rows, columns=cols)
    borders = gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326")
    borders = borders.sort_values("id").reset_index(drop=True)
    figures["borders"] = len(borders)
    figures["borders_km"] = round(float(borders["length_m"].sum()) / 1e3, 1)
    figures["edges_s"] = round(time.perf_counter() - t0, 1)
    log.info("%d borders, %.0f km", len(borders), figures["borders_km"])
    borders.attrs["repairs"] = repairs
    borders.attrs["figures"] = figures
    return borders
