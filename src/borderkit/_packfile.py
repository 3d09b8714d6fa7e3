"""The pack file itself: a zip of ``datapackage.json`` and GeoJSON layers, checked before use.

Shared by the reader (:mod:`borderkit.packs`) and the builder
(:mod:`borderkit._packbuild`). Reading refuses, with
:class:`~borderkit.errors.FileFormatError` naming the file and member: a member
name pointing outside the archive (absolute, ``..``, ``\\``, a drive letter),
more than :data:`MAX_MEMBERS` members, a member over :data:`MAX_MEMBER_BYTES`
or compressed more than :data:`MAX_RATIO` times (a zip bomb), more than
:data:`MAX_TOTAL_BYTES` in all, and a manifest without a name, a valid ``bbox``
or resources that match the archive's members. Bytes are never read past a
member's checked size (``zipfile`` stops at the declared size and checks the CRC).
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from ._atomic import atomic_path
from .errors import DataError, FileFormatError

if TYPE_CHECKING:
    import geopandas as gpd

PACK_SUFFIX = ".bkpack"
MANIFEST = "datapackage.json"
MAX_MEMBERS = 64
MAX_MEMBER_BYTES = 2 * 1024**3  # one layer, uncompressed
MAX_TOTAL_BYTES = 4 * 1024**3  # the whole pack, uncompressed
MAX_MANIFEST_BYTES = 16 * 1024**2
MAX_RATIO = 100  # GeoJSON deflates 3-10 times; 100 is no real layer
NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
_SHA = re.compile(r"^sha256:[0-9a-f]{64}$")
_DRIVE = re.compile(r"^[A-Za-z]:")


# --------------------------------------------------------------------------- the zip file


def _bad(path: Path, text: str) -> FileFormatError:
    return FileFormatError(f"pack {str(path)!r}: {text}; refusing to read it. "
                           "Rebuild it with `borderkit pack build`, or copy it again")


def _unsafe_name(name: str) -> bool:
    parts = name.split("/")
    return (not name or name.startswith(("/", "\\")) or "\\" in name or "\x00" in name
            or bool(_DRIVE.match(name)) or any(p in ("..", ".") for p in parts))


def _zip_members(path: Path, zf: zipfile.ZipFile) -> dict[str, int]:
    """Member name -> uncompressed size, after the zip-slip and zip-bomb checks."""
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise _bad(path, f"it has {len(infos)} members (at most {MAX_MEMBERS})")
    members: dict[str, int] = {}
    total = 0
    for info in infos:
        name = info.filename
        if _unsafe_name(name):
            raise _bad(path, f"member {name!r} names a path outside the archive "
                             "(absolute, '..', or a drive letter)")
        if info.is_dir():
            continue
        if name in members:
            raise _bad(path, f"member {name!r} appears twice")
        size = info.file_size
        ratio = size / max(info.compress_size, 1)
        if size > MAX_MEMBER_BYTES or (size > 1024**2 and ratio > MAX_RATIO):
            raise _bad(path, f"member {name!r} unpacks to {size:,} bytes ({ratio:.0f} times its "
                             f"packed size; limits {MAX_MEMBER_BYTES:,} bytes, {MAX_RATIO} times): "
                             "it looks like a zip bomb")
        total += size
        members[name] = size
    if total > MAX_TOTAL_BYTES:
        raise _bad(path, f"its members unpack to {total:,} bytes (at most {MAX_TOTAL_BYTES:,})")
    return members


def read_member(path: Path, member: str, size: int) -> bytes:
    """The bytes of *member* (never more than its checked size)."""
    try:
        with zipfile.ZipFile(path) as zf, zf.open(member) as fh:
            data = fh.read(size + 1)
    except (OSError, zipfile.BadZipFile, KeyError, EOFError, ValueError) as err:
        raise _bad(path, f"member {member!r} cannot be read ({err})") from err
    if len(data) != size:
        raise _bad(path, f"member {member!r} has {len(data)} bytes, the archive says {size}")
    return data


def check_bbox(bbox: Any, what: str, *,
               point_ok: bool = False) -> tuple[float, float, float, float]:
    """``(west, south, east, north)`` as floats, or a DataError naming *what*.

    *bbox* may also be anything with ``total_bounds`` (a frame) or ``bounds`` (a
    geometry). With *point_ok* a box of no width or height (a point's) is accepted.
    """
    if hasattr(bbox, "total_bounds"):
        bbox = bbox.total_bounds
    elif hasattr(bbox, "bounds") and not isinstance(bbox, Sequence):
        bbox = bbox.bounds
    try:
        w, s, e, n = (float(v) for v in bbox)
    except (TypeError, ValueError) as err:
        raise DataError(f"{what} must be four numbers (west, south, east, north), "
                        f"got {bbox!r}") from err
    if not all(math.isfinite(v) for v in (w, s, e, n)):
        raise DataError(f"{what} {bbox!r} has a NaN or infinite value")
    ok = (-180 <= w <= e <= 180 and -90 <= s <= n <= 90) and (point_ok or (w < e and s < n))
    if not ok:
        raise DataError(f"{what} {(w, s, e, n)!r} is not a box west < east in -180..180, south < "
                        "north in -90..90 (a box across the antimeridian is not supported; "
                        "split it in two)")
    return w, s, e, n


def _check_manifest(path: Path, manifest: Any, members: dict[str, int]) -> dict[str, Any]:
    if not isinstance(manifest, dict):
        raise _bad(path, f"{MANIFEST} is not a JSON object")
    for key in ("name", "bbox", "resources"):
        if key not in manifest:
            raise _bad(path, f"{MANIFEST} has no {key!r}")
    if not isinstance(manifest["name"], str) or not NAME.match(manifest["name"]):
        raise _bad(path, f"{MANIFEST} name {manifest['name']!r} is not a pack name")
    try:
        check_bbox(manifest["bbox"], f"{MANIFEST} bbox")
    except DataError as err:
        raise _bad(path, str(err)) from err
    resources_ = manifest["resources"]
    if not isinstance(resources_, list) or not resources_:
        raise _bad(path, f"{MANIFEST} lists no resources")
    seen: set[str] = set()
    for i, res in enumerate(resources_):
        where = f"{MANIFEST} resource {i}"
        if not isinstance(res, dict):
            raise _bad(path, f"{where} is not an object")
        name, member = res.get("name"), res.get("path")
        if not isinstance(name, str) or not NAME.match(name) or name in seen:
            raise _bad(path, f"{where} has a missing, bad or repeated name {name!r}")
        seen.add(name)
        if not isinstance(member, str) or member not in members:
            raise _bad(path, f"{where} ({name}) names {member!r}, which is not in the archive")
        if not isinstance(res.get("hash"), str) or not _SHA.match(res["hash"]):
            raise _bad(path, f"{where} ({name}) has no 'sha256:<64 hex>' hash")
        if res.get("bytes") != members[member]:
            raise _bad(path, f"{where} ({name}) says {res.get('bytes')!r} bytes, the archive "
                             f"holds {members[member]}")
        if not isinstance(res.get("columns", []), list):
            raise _bad(path, f"{where} ({name}) columns is not a list")
    return manifest




def read_checked(file: Path) -> tuple[dict[str, Any], dict[str, int]]:
    """The checked manifest of the pack *file* and its members' sizes (see the module doc)."""
    try:
        with zipfile.ZipFile(file) as zf:
            members = _zip_members(file, zf)
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        raise _bad(file, f"it is not a readable zip file ({err})") from err
    if MANIFEST not in members:
        raise _bad(file, f"it has no {MANIFEST}")
    if members[MANIFEST] > MAX_MANIFEST_BYTES:
        raise _bad(file, f"{MANIFEST} is larger than {MAX_MANIFEST_BYTES:,} bytes")
    raw = read_member(file, MANIFEST, members[MANIFEST])
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise _bad(file, f"{MANIFEST} is not valid UTF-8 JSON ({err})") from err
    return _check_manifest(file, manifest, members), members


def sources_of(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """The manifest's sources (or, for the shipped pack, those of its layers), one per package."""
    if isinstance(manifest.get("sources"), list):
        return [s for s in manifest["sources"] if isinstance(s, dict)]
    seen: dict[str, dict[str, Any]] = {}
    for res in manifest.get("resources", []):
        for src in res.get("sources", []):
            if isinstance(src, dict) and "package" in src:
                seen.setdefault(str(src["package"]), src)
    return list(seen.values())


def parse_layer(data: bytes, columns: list[str], what: str) -> gpd.GeoDataFrame:
    """A GeoJSON layer -> GeoDataFrame in EPSG:4326, columns in manifest order.

    Parsed with :mod:`json` rather than GDAL so that text stays text (no dates
    turned into timestamps) and the columns are exactly the ones written.
    """
    import geopandas as gpd

    try:
        features = json.loads(data.decode("utf-8"))["features"]
        frame = gpd.GeoDataFrame.from_features(features, crs="EPSG:4326")
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise FileFormatError(f"{what} is not readable GeoJSON ({err}); rebuild the pack") from err
    known = [c for c in columns if c in frame.columns]
    extra = [c for c in frame.columns if c not in known and c != "geometry"]
    return frame[[*known, *extra, "geometry"]]


# --------------------------------------------------------------------------- writing


def _clean(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def geojson_bytes(frame: gpd.GeoDataFrame, name: str) -> tuple[bytes, list[str]]:
    """An RFC 7946 FeatureCollection, one feature per line; and its geometry types."""
    columns = [c for c in frame.columns if c != "geometry"]
    lines = []
    types: set[str] = set()
    for row in frame.itertuples(index=False):
        values = row._asdict()
        geom = values.pop("geometry")
        types.add(geom.geom_type)
        props = {c: _clean(values[c]) for c in columns}
        lines.append(json.dumps({"type": "Feature", "id": props.get("id"), "properties": props,
                                 "geometry": shapely.geometry.mapping(geom)},
                                ensure_ascii=False, separators=(",", ":")))
    text = ('{"type":"FeatureCollection","name":' + json.dumps(name) + ',"features":[\n'
            + ",\n".join(lines) + "\n]}\n")
    return text.encode("utf-8"), sorted(types)


def write_zip(out: Path, members: dict[str, bytes], created: str) -> None:
    stamp = _dt.datetime.fromisoformat(created.replace("Z", "+00:00")).timetuple()[:6]
    with atomic_path(out) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for member, data in members.items():
            info = zipfile.ZipInfo(member, date_time=stamp)  # type: ignore[arg-type]
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data, compresslevel=9)


