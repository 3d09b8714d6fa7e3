"""Checks and repairs every reader's output goes through: :class:`_Finisher`.

It turns a raw frame (see :mod:`._format`) into the checked EPSG:4326
GeoDataFrame: CRS, missing and empty geometries, NaN and out-of-range
coordinates, Z values, unclosed rings, antimeridian crossings, repeated
vertices, invalid geometries (``shapely.make_valid``, never ``buffer(0)``) and,
given a region, swapped latitude and longitude. Each change goes into the
:class:`~._report.LoadReport`; with ``strict=True`` each is an error instead.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .._validate import WGS84
from ..errors import (
    BorderkitWarning,
    CoordinateError,
    CRSError,
    DataError,
    GeometryError,
    SwappedCoordinatesWarning,
)
from ._antimeridian import _crosses_antimeridian, _split_antimeridian
from ._crossings import count_crossings
from ._format import _REF, _UNCLOSED
from ._geometry import _area_m2
from ._report import LoadReport


def _bbox_of(region: Any) -> tuple[float, float, float, float]:
    if isinstance(region, str):
        try:
            from .. import data
        except ImportError as err:  # pragma: no cover - data ships with the package
            raise DataError(
                f"region={region!r} needs the shipped region pack; pass a "
                "(min_lon, min_lat, max_lon, max_lat) box instead"
            ) from err
        region = data.region(region)
    if isinstance(region, tuple | list) and len(region) == 4:
        try:
            vals = tuple(float(v) for v in region)
        except (TypeError, ValueError) as err:
            raise DataError(f"region bbox {region!r} must be 4 numbers") from err
        return vals  # type: ignore[return-value]
    if hasattr(region, "total_bounds"):
        if getattr(region, "crs", None) is not None and region.crs != WGS84:
            region = region.to_crs(WGS84)
        return tuple(float(v) for v in region.total_bounds)  # type: ignore[return-value]
    if hasattr(region, "bounds") and hasattr(region, "geom_type"):
        return tuple(float(v) for v in region.bounds)  # type: ignore[return-value]
    raise DataError(
        f"region must be a name, a (min_lon, min_lat, max_lon, max_lat) tuple, a shapely "
        f"geometry or a GeoDataFrame, not {type(region).__name__}"
    )


#: self-crossings all invalid geometries of one layer may have together and still be repaired
#: (shapely.make_valid takes about 1 s and 75 MB for 20,000)
MAX_CROSSINGS = 20_000
#: edge pairs with overlapping boxes the crossing count may test per layer (about 1 s)
MAX_EDGE_PAIRS = 20_000_000


def _with_crs(gdf: Any, crs: Any) -> Any:
    """*gdf* (owned by the finisher) labelled with *crs*, in place.

    In place, because a copy of a frame costs time per column: 20,000 CSV
    columns made every copy take a second.
    """
    gdf.set_crs(crs, allow_override=True, inplace=True)
    return gdf


def _fraction_inside(pts: np.ndarray, bbox: tuple[float, float, float, float]) -> float:
    if not len(pts):
        return 1.0
    pad = 0.5  # degrees: points just outside the box still count
    x0, y0, x1, y1 = bbox
    ok = (
        (pts[:, 0] >= x0 - pad)
        & (pts[:, 0] <= x1 + pad)
        & (pts[:, 1] >= y0 - pad)
        & (pts[:, 1] <= y1 + pad)
    )
    return float(ok.mean())


class _Finisher:
    """Turns a raw frame into the checked EPSG:4326 GeoDataFrame and fills the report."""

    def __init__(self, source: str, report: LoadReport, strict: bool) -> None:
        self.source = source
        self.report = report
        self.strict = strict
        self.repair_kinds: list[str] = []
        self.crossings_left = MAX_CROSSINGS
        self.pairs_left = MAX_EDGE_PAIRS

    def refuse(self, ref: str, problem: str) -> GeometryError:
        return GeometryError(
            f"{self.source} {ref}: {problem}; strict mode refuses to repair it "
            "(pass strict=False to repair and report)"
        )

    def repaired(self, ref: str, problem: str, action: str, before: Any, after: Any) -> None:
        a0, a1 = _area_m2(before), _area_m2(after)
        self.report.repaired.append(
            {
                "feature": ref,
                "problem": problem,
                "action": action,
                "area_before_m2": a0,
                "area_after_m2": a1,
                "area_change_m2": None if a0 is None or a1 is None else a1 - a0,
            }
        )
        self.repair_kinds.append(problem.split(" at ")[0].split("[")[0])

    def crs(self, gdf: Any, stated: Any, default: Any, crs: Any) -> Any:
        import pyproj

        if crs is not None:
            try:
                want = pyproj.CRS.from_user_input(crs)
            except pyproj.exceptions.CRSError as err:
                raise CRSError(f"crs={crs!r} is not a CRS pyproj knows") from err
            if stated is not None and not pyproj.CRS(stated).equals(want, ignore_axis_order=True):
                raise CRSError(
                    f"{self.source} states CRS {pyproj.CRS(stated).to_string()} but "
                    f"crs={crs!r} was passed; drop crs= (or fix the file)"
                )
            self.report.source_crs = want.to_string()
            return _with_crs(gdf, want)
        if stated is not None:
            self.report.source_crs = pyproj.CRS(stated).to_string()
            return _with_crs(gdf, stated)
        if default is not None:
            self.report.source_crs = default
            return _with_crs(gdf, default)
        raise CRSError(
            f"{self.source} has no CRS (for a shapefile: no .prj file); pass crs='EPSG:4326' "
            "if the values are longitude/latitude degrees, or the projected CRS they are in "
            "(e.g. crs='EPSG:32643' for UTM 43N)"
        )

    def drop(
        self, gdf: Any, mask: np.ndarray, reason: str, error: type[DataError] = GeometryError
    ) -> Any:
        if not mask.any():
            return gdf
        refs = list(gdf[_REF][mask])
        if self.strict:
            raise error(f"{self.source} {refs[0]}: {reason} (strict mode)")
        self.report.dropped += [{"feature": r, "reason": reason} for r in refs]
        return gdf[~mask]

    def finite(self, gdf: Any) -> None:
        import shapely

        coords, idx = shapely.get_coordinates(gdf.geometry.to_numpy(), return_index=True)
        bad = ~np.isfinite(coords).all(axis=1)
        if bad.any():
            i = int(idx[np.flatnonzero(bad)[0]])
            raise CoordinateError(
                f"{self.source} {gdf[_REF].iloc[i]}: has a NaN or infinite coordinate "
                f"{tuple(float(v) for v in coords[np.flatnonzero(bad)[0]])}; fix or remove it"
            )

    def in_range(self, gdf: Any) -> None:
        import shapely

        coords, idx = shapely.get_coordinates(gdf.geometry.to_numpy(), return_index=True)
        if not len(coords):
            return
        bad_lat = np.abs(coords[:, 1]) > 90
        bad_lon = np.abs(coords[:, 0]) > 180
        for bad, what, limit in ((bad_lat, "latitude", 90), (bad_lon, "longitude", 180)):
            if bad.any():
                j = int(np.flatnonzero(bad)[0])
                value = coords[j, 1 if what == "latitude" else 0]
                hint = (
                    "; the values look projected (metres): pass the file's crs=..."
                    if np.abs(coords).max() > 1000
                    else "; were latitude and longitude swapped?"
                    if what == "latitude"
                    else "; for 0-360 longitudes subtract 360 from values over 180"
                )
                raise CoordinateError(
                    f"{self.source} {gdf[_REF].iloc[int(idx[j])]}: {what} {value:g} is outside "
                    f"[-{limit}, {limit}]{hint}"
                )

    def drop_z(self, gdf: Any) -> Any:
        import shapely

        geoms = gdf.geometry.to_numpy()
        has_z = shapely.has_z(geoms)
        if not has_z.any():
            return gdf
        z = shapely.get_coordinates(geoms[has_z], include_z=True)[:, 2]
        z = z[np.isfinite(z)]
        gdf.set_geometry(shapely.force_2d(geoms), crs=gdf.crs, inplace=True)
        if len(z) and np.any(z != 0):
            note = (
                f"dropped the Z values (elevations {z.min():g} to {z.max():g}) of "
                f"{int(has_z.sum())} features; borderkit works in 2D lon/lat"
            )
            self.report.repaired += [
                {
                    "feature": r,
                    "problem": "3D coordinates",
                    "action": "Z dropped",
                    "area_before_m2": None,
                    "area_after_m2": None,
                    "area_change_m2": None,
                }
                for r in gdf[_REF][has_z]
            ]
            self.repair_kinds.append("3D coordinates")
        else:
            note = f"dropped all-zero Z values of {int(has_z.sum())} features"
        self.report.notes.append(note)
        return gdf

    def geometry(self, gdf: Any) -> Any:
        geoms = list(gdf.geometry.to_numpy())
        refs = list(gdf[_REF])
        unclosed = list(gdf[_UNCLOSED])
        collapsed = np.zeros(len(geoms), dtype=bool)
        for i, g in enumerate(geoms):
            geoms[i], collapsed[i] = self.repair(g, refs[i], unclosed[i])
        gdf.set_geometry(geoms, crs=gdf.crs, inplace=True)
        return self.drop(gdf, collapsed, "collapsed to nothing when repaired (zero area)")

    def repair(self, g: Any, ref: str, unclosed: bool) -> tuple[Any, bool]:
        """One feature through the repairs, in order; True if it collapsed to nothing."""
        import shapely

        if unclosed:
            if self.strict:
                raise self.refuse(ref, "a polygon ring is not closed")
            self.repaired(ref, "unclosed ring", "closed (first point repeated)", g, g)
        if g.geom_type in (
            "Polygon",
            "MultiPolygon",
            "LineString",
            "MultiLineString",
            "GeometryCollection",
        ) and _crosses_antimeridian(g):
            if self.strict:
                raise self.refuse(ref, "it crosses the antimeridian (180°)")
            new = _split_antimeridian(g, f"{self.source} {ref}")
            self.repaired(ref, "crosses the antimeridian", "split at 180° into parts", g, new)
            g = new
        dedup = shapely.remove_repeated_points(g)
        n0, n1 = shapely.get_num_coordinates(g), shapely.get_num_coordinates(dedup)
        if n1 < n0 and g.geom_type != "MultiPoint":
            if self.strict:
                raise self.refuse(ref, f"it has {n0 - n1} repeated consecutive vertices")
            self.repaired(ref, "repeated vertices", f"removed {n0 - n1}", g, dedup)
            g = dedup
        if not shapely.is_valid(g):
            fixed = self.make_valid(g, ref)
            return fixed, bool(fixed.is_empty)
        return g, False

    def make_valid(self, g: Any, ref: str) -> Any:
        import shapely

        reason = shapely.is_valid_reason(g)
        if self.strict:
            raise self.refuse(ref, f"invalid geometry ({reason})")
        self.check_cost(g, ref)
        polygonal = g.geom_type in ("Polygon", "MultiPolygon")
        fixed = (
            shapely.make_valid(g, method="structure", keep_collapsed=not polygonal)
            if polygonal
            else shapely.make_valid(g)
        )
        self.repaired(ref, f"invalid geometry: {reason}", "shapely.make_valid", g, fixed)
        return fixed

    def check_cost(self, g: Any, ref: str) -> None:
        """Refuse to repair what would take minutes and gigabytes (edges crossing many times)."""
        count, pairs, finished = count_crossings(g, self.crossings_left, self.pairs_left)
        if not finished:
            many = (
                f"its edges cross each other at more than {self.crossings_left:,} places"
                if count > self.crossings_left
                else "it has so many long edges overlapping each other that even counting "
                "their crossings would take too long"
            )
            before = "" if self.crossings_left == MAX_CROSSINGS else " (with the ones before it)"
            raise GeometryError(
                f"{self.source} {ref}: the geometry is invalid and {many}{before}; repairing "
                f"it (shapely.make_valid) would take minutes and gigabytes, so borderkit "
                f"refuses it (the limit is {MAX_CROSSINGS:,} crossings per layer). Fix the "
                "shape where it was drawn (a star or scribble of crossing edges is rarely "
                "meant), or simplify it first"
            )
        self.crossings_left -= count
        self.pairs_left -= pairs

    def swap_check(self, gdf: Any, region: Any) -> Any:
        import shapely

        bbox = _bbox_of(region)
        pts = shapely.get_coordinates(gdf.geometry.representative_point().to_numpy())
        as_is = _fraction_inside(pts, bbox)
        swapped = _fraction_inside(pts[:, ::-1], bbox) if len(pts) else 0.0
        if as_is >= 0.5:
            return gdf
        if swapped >= 0.5 and np.all(np.abs(pts[:, 0]) <= 90):
            msg = (
                f"{self.source}: only {as_is:.0%} of the features fall in the region "
                f"{tuple(round(b, 3) for b in bbox)}, but {swapped:.0%} do with latitude and "
                "longitude swapped"
            )
            if self.strict:
                raise CoordinateError(msg + " (strict mode); fix the file or its column order")
            # stacklevel as before io became a package (called from read_layer only)
            warnings.warn(
                msg + "; swapped them back (see the report)",
                SwappedCoordinatesWarning,
                stacklevel=4,
            )
            self.report.swapped = True
            self.report.notes.append(msg)
            return gdf.set_geometry(
                shapely.transform(gdf.geometry.to_numpy(), lambda c: c[:, ::-1]), crs=gdf.crs
            )
        msg = (
            f"{self.source}: only {as_is:.0%} of the features fall in the region "
            f"{tuple(round(b, 3) for b in bbox)}; check the CRS and the coordinates"
        )
        warnings.warn(msg, BorderkitWarning, stacklevel=4)
        self.report.notes.append(msg)
        return gdf

    def run(self, gdf: Any, *, stated: Any, default: Any, crs: Any, region: Any) -> Any:
        import pyproj

        self.report.n_read = len(gdf)
        gdf = self.crs(gdf, stated, default, crs)
        gdf = self.drop(gdf, gdf.geometry.isna().to_numpy(), "no geometry")
        empty = gdf.geometry.is_empty.to_numpy()
        gdf = self.drop(gdf, empty, "empty geometry")
        self.finite(gdf)
        gdf = self.drop_z(gdf)
        if not pyproj.CRS(gdf.crs).equals(WGS84, ignore_axis_order=True):
            gdf = gdf.to_crs(WGS84)
            self.finite(gdf)
        else:
            gdf = _with_crs(gdf, WGS84)
        self.in_range(gdf)
        gdf = self.geometry(gdf)
        kinds = sorted(set(gdf.geometry.geom_type.dropna()))
        if len({k.replace("Multi", "") for k in kinds}) > 1:
            if self.strict:
                raise GeometryError(f"{self.source} mixes geometry types {kinds} (strict mode)")
            self.report.notes.append(f"mixed geometry types: {', '.join(kinds)}")
        if region is not None and len(gdf):
            gdf = self.swap_check(gdf, region)
        return gdf
