"""KML and KMZ (zipped KML) in and out.

Reading parses the XML with ``defusedxml`` and refuses any DOCTYPE or entity
declaration (billion laughs, XXE). Each folder holding placemarks becomes a
layer named by its folder path; typed ``SchemaData`` values keep their type.
A KMZ is read through its ``doc.kml`` (else its shallowest ``.kml``), with the
unpacked size checked against ``max_bytes`` before and while unpacking.
Writing (the document text is built in ``_kml_doc``) puts each layer in a
folder with a typed ``Schema``; text that XML cannot hold (control
characters) is refused before writing.
"""

from __future__ import annotations

import io as _stdio
import logging
import re
import warnings
import zipfile
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .._atomic import atomic_path
from ..errors import BorderkitWarning, CoordinateError, DataError, FileFormatError, GeometryError
from ._format import _REF, _UNCLOSED, Format, Raw, ReadRequest, _name_column
from ._geometry import _collect
from ._kml_doc import _kml_text, check_text
from ._paths import _mb

log = logging.getLogger(__name__)


def sniff_kml(head: bytes, text: bytes, path: Path) -> bool:
    """XML that names KML (or a ``.kml`` file)."""
    return text.startswith(b"<") and (
        b"<kml" in head.lower() or b"opengis.net/kml" in head or path.suffix.lower() == ".kml"
    )


def sniff_kmz(head: bytes, text: bytes, path: Path) -> bool:
    """A zip file (checked for a .kml inside when read)."""
    return head.startswith(b"PK\x03\x04")


# ----------------------------------------------------------------------------- reading


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child(elem: Any, name: str) -> Any:
    for c in elem:
        if _local(c.tag) == name:
            return c
    return None


_KML_TYPES: dict[str, Callable[[str], Any]] = {
    "int": int,
    "uint": int,
    "short": int,
    "ushort": int,
    "float": float,
    "double": float,
    "bool": lambda s: s.strip().lower() in ("1", "true"),
}

_KML_GEOMS = ("Point", "LineString", "LinearRing", "Polygon", "MultiGeometry", "Model")

#: the reader descends into these; at most MAX_NESTING of them inside each other
_CONTAINERS = frozenset(("Document", "Folder", "MultiGeometry"))
MAX_NESTING = 100


def _check_nesting(root: Any, source: str) -> None:
    """Refuse containers nested deeper than MAX_NESTING (counted without recursion)."""
    stack = [(root, 0)]
    while stack:
        elem, depth = stack.pop()
        if _local(elem.tag) in _CONTAINERS:
            depth += 1
            if depth > MAX_NESTING:
                raise FileFormatError(
                    f"{source}: the KML nests Folder, Document or MultiGeometry elements more "
                    f"than {MAX_NESTING} levels deep; borderkit reads at most {MAX_NESTING} "
                    "levels. Flatten the folders (or the MultiGeometry) and try again"
                )
        stack.extend((c, depth) for c in elem)


def _network_links(root: Any, source: str, report: Any) -> None:
    """Report the NetworkLinks, which borderkit does not follow (no network requests)."""
    hrefs = []
    for elem in root.iter():
        if _local(elem.tag) == "NetworkLink":
            href = next((h.text or "" for h in elem.iter() if _local(h.tag) == "href"), "")
            hrefs.append(href.strip())
    if not hrefs:
        return
    shown = ", ".join(repr(h[:200]) for h in hrefs[:3]) + (", ..." if len(hrefs) > 3 else "")
    msg = (
        f"{source}: skipped {len(hrefs)} NetworkLink(s) to {shown}; borderkit makes no "
        "network requests and does not follow links: download the linked file and read it"
    )
    report.notes.append(msg)
    # the warning points at read_layer's caller: this <- _parse_kml <- read_kml <- read_layer
    warnings.warn(msg, BorderkitWarning, stacklevel=5)


class _KMLReader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.schemas: dict[str, dict[str, str]] = {}
        self.layers: dict[str, list[tuple[dict[str, Any], Any, bool]]] = {}

    # geometry -----------------------------------------------------------
    def coords(self, elem: Any, ref: str) -> list[tuple[float, ...]]:
        node = _child(elem, "coordinates")
        text = (node.text or "") if node is not None else ""
        text = re.sub(r"\s*,\s*", ",", text.strip())
        pts = []
        for tup in text.split():
            try:
                vals = tuple(float(v) for v in tup.split(",") if v != "")
            except ValueError as err:
                raise CoordinateError(
                    f"{self.source} {ref}: {tup!r:.40} is not 'lon,lat[,alt]'"
                ) from err
            if len(vals) < 2:
                raise CoordinateError(f"{self.source} {ref}: {tup!r:.40} is not 'lon,lat[,alt]'")
            pts.append(vals[:3])
        if len({len(v) for v in pts}) > 1:
            pts = [v if len(v) == 3 else (*v, 0.0) for v in pts]
        return pts

    def ring(self, elem: Any, ref: str, state: dict[str, bool]) -> list[tuple[float, ...]]:
        ring = _child(elem, "LinearRing")
        pts = self.coords(ring, ref) if ring is not None else []
        if pts and pts[0] != pts[-1]:
            state["unclosed"] = True
            pts.append(pts[0])
        if len(pts) < 4:
            raise GeometryError(
                f"{self.source} {ref}: a polygon ring has {len(pts)} points; it needs at least 4"
            )
        return pts

    def geometry(self, elem: Any, ref: str, state: dict[str, bool]) -> Any:
        from shapely.geometry import GeometryCollection, LineString, Point, Polygon

        tag = _local(elem.tag)
        if tag == "Point":
            pts = self.coords(elem, ref)
            return Point(pts[0]) if pts else Point()
        if tag in ("LineString", "LinearRing"):
            pts = self.coords(elem, ref)
            if tag == "LinearRing" and pts and pts[0] != pts[-1]:
                pts.append(pts[0])
            if len(pts) == 1:
                raise GeometryError(f"{self.source} {ref}: a LineString needs at least 2 points")
            return LineString(pts)
        if tag == "Polygon":
            outer = _child(elem, "outerBoundaryIs")
            if outer is None:
                return Polygon()
            holes = [self.ring(h, ref, state) for h in elem if _local(h.tag) == "innerBoundaryIs"]
            return Polygon(self.ring(outer, ref, state), holes)
        if tag == "MultiGeometry":
            parts = [self.geometry(c, ref, state) for c in elem if _local(c.tag) in _KML_GEOMS]
            return _collect(parts)
        return GeometryCollection()

    # attributes ---------------------------------------------------------
    def attributes(self, pm: Any, ref: str) -> dict[str, Any]:
        props: dict[str, Any] = {}
        for tag in ("name", "description"):
            node = _child(pm, tag)
            if node is not None:
                props[tag] = node.text or ""
        ext = _child(pm, "ExtendedData")
        if ext is None:
            return props
        for item in ext:
            kind = _local(item.tag)
            if kind == "Data":
                val = _child(item, "value")
                props[item.get("name", "")] = "" if val is None else (val.text or "")
            elif kind == "SchemaData":
                self.schema_data(item, ref, props)
        return props

    def schema_data(self, item: Any, ref: str, props: dict[str, Any]) -> None:
        """Typed ``SimpleData`` values of a ``SchemaData`` element, into *props*."""
        types = self.schemas.get((item.get("schemaUrl") or "").lstrip("#"), {})
        for sd in item:
            if _local(sd.tag) != "SimpleData":
                continue
            key, raw = sd.get("name", ""), sd.text or ""
            conv = _KML_TYPES.get(types.get(key, "string"))
            try:
                props[key] = conv(raw) if conv else raw
            except ValueError as err:
                raise DataError(
                    f"{self.source} {ref}: {key}={raw!r:.40} is not a {types[key]} "
                    "as the KML Schema says"
                ) from err

    # structure ----------------------------------------------------------
    def read(self, root: Any, default_name: str) -> None:
        for sch in root.iter():
            if _local(sch.tag) == "Schema":
                fields = {
                    f.get("name", ""): (f.get("type") or "string").lower()
                    for f in sch
                    if _local(f.tag) == "SimpleField"
                }
                for key in (sch.get("id"), sch.get("name")):
                    if key:
                        self.schemas[key] = fields
        if _local(root.tag) != "kml":
            raise FileFormatError(
                f"{self.source}: the root element is <{_local(root.tag)}>, not <kml>"
            )
        self.walk(root, [], default_name)

    def walk(self, elem: Any, path: list[str], default_name: str) -> None:
        placemarks = [c for c in elem if _local(c.tag) == "Placemark"]
        if placemarks:
            self.placemarks(placemarks, " / ".join(path) if path else default_name)
        for c in elem:
            tag = _local(c.tag)
            if tag == "Folder":
                label = (_child(c, "name").text or "") if _child(c, "name") is not None else ""
                self.walk(c, [*path, label.strip() or "(unnamed folder)"], default_name)
            elif tag == "Document":
                node = _child(c, "name")
                doc_name = (node.text or "").strip() if node is not None else ""
                self.walk(c, path, doc_name or default_name)

    def placemarks(self, placemarks: list[Any], name: str) -> None:
        """The placemarks of one folder, as a new layer *name* (numbered if taken)."""
        base, n = name, 2
        while name in self.layers:
            name, n = f"{base} ({n})", n + 1
        rows = self.layers.setdefault(name, [])
        for pm in placemarks:
            ref = f"layer {name!r} placemark {len(rows)}"
            state = {"unclosed": False}
            props = self.attributes(pm, ref)
            label = props.get("name")
            if isinstance(label, str) and label.strip():
                ref += f" ({label[:60]!r})"
            geom = None
            for c in pm:
                if _local(c.tag) in _KML_GEOMS:
                    geom = self.geometry(c, ref, state)
                    break
            rows.append((props, geom, state["unclosed"]))


def _kml_root(data: bytes, source: str) -> Any:
    """The parsed XML root; DOCTYPE and entity declarations are refused."""
    from defusedxml import ElementTree as SafeET
    from defusedxml.common import DefusedXmlException

    try:
        return SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as err:
        raise FileFormatError(
            f"{source}: the KML has a DOCTYPE or entity declaration ({type(err).__name__}); "
            "borderkit refuses these because entities can expand without bound (billion laughs) "
            "or read other files (XXE). KML never needs them: remove the <!DOCTYPE ...> block"
        ) from err
    except SafeET.ParseError as err:
        raise FileFormatError(f"{source} is not well-formed XML: {err}") from err


def _parse_kml(p: Path, data: bytes, source: str, report: Any) -> Raw:
    import geopandas as gpd
    import pandas as pd

    root = _kml_root(data, source)
    _check_nesting(root, source)
    _network_links(root, source, report)
    reader = _KMLReader(source)
    reader.read(root, p.stem)
    out: Raw = {}
    for name, rows in reader.layers.items():
        frame = pd.DataFrame.from_records([r[0] for r in rows]) if rows else pd.DataFrame()
        frame[_REF] = [f"placemark {i}" for i in range(len(rows))]
        col = _name_column(frame.columns)
        if col is not None:
            frame[_REF] = [
                ref + (f" ({v[:60]!r})" if isinstance(v, str) and v.strip() else "")
                for ref, v in zip(frame[_REF], frame[col], strict=True)
            ]
        frame[_UNCLOSED] = [r[2] for r in rows]
        geoms = gpd.GeoSeries([r[1] for r in rows], index=frame.index)
        out[name] = (gpd.GeoDataFrame(frame, geometry=geoms), None, "EPSG:4326")
    if not out:  # a valid KML without placemarks: one empty layer
        log.info("%s has no placemarks", source)
        empty = gpd.GeoDataFrame({_REF: [], _UNCLOSED: []}, geometry=gpd.GeoSeries([]))
        out[p.stem] = (empty, None, "EPSG:4326")
    return out


def _unpack_kmz(p: Path, max_bytes: int | None, data: bytes | None) -> tuple[bytes, str]:
    """The KML inside a KMZ and how messages name it, within *max_bytes* unpacked.

    *data* is the KMZ's content when it was read from a pipe (else the file is opened).
    """
    try:
        zf = zipfile.ZipFile(p if data is None else _stdio.BytesIO(data))
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as err:
        raise FileFormatError(f"{str(p)!r} is not a valid KMZ (zip) file: {err}") from err
    with zf:
        names = [i for i in zf.infolist() if i.filename.lower().endswith(".kml")]
        if not names:
            raise FileFormatError(
                f"{str(p)!r} is a zip file without a .kml inside; borderkit reads zip files "
                "only as KMZ (for a zipped shapefile, unzip it and pass the .shp)"
            )
        pick = next((i for i in names if i.filename.lower() == "doc.kml"), None)
        if pick is None:
            pick = min(names, key=lambda i: (i.filename.count("/"), zf.infolist().index(i)))
        limit = max_bytes if max_bytes is not None else None
        if limit is not None and pick.file_size > limit:
            raise FileFormatError(
                f"{str(p)!r}: {pick.filename} unpacks to {_mb(pick.file_size)}, over the limit of "
                f"{_mb(limit)} (max_bytes); pass a larger max_bytes if you trust the file"
            )
        try:
            with zf.open(pick) as fh:
                data = fh.read(limit + 1 if limit is not None else -1)
        except (
            zipfile.BadZipFile,
            zlib.error,
            OSError,
            EOFError,
            RuntimeError,
            NotImplementedError,
        ) as err:
            raise FileFormatError(
                f"{str(p)!r}: cannot unpack {pick.filename} ({err}); the KMZ is damaged"
            ) from err
        if limit is not None and len(data) > limit:
            raise FileFormatError(
                f"{str(p)!r}: {pick.filename} unpacks to more than {_mb(limit)} (max_bytes)"
            )
        return data, f"{str(p)!r} ({pick.filename})"


def read_kml(request: ReadRequest) -> Raw:
    """Read a KML file: one layer per folder with placemarks."""
    return _parse_kml(request.path, request.content(), request.source, request.report)


def read_kmz(request: ReadRequest) -> Raw:
    """Read the KML inside a KMZ; messages name it (``request.source`` is updated)."""
    data, request.source = _unpack_kmz(request.path, request.max_bytes, request.data)
    return _parse_kml(request.path, data, request.source, request.report)


# ----------------------------------------------------------------------------- writing


def write_kml(layers: Mapping[str, Any], target: Path, encoding: str) -> None:
    """Write each layer as a folder of one KML document (UTF-8, EPSG:4326)."""
    text = _kml_text(layers, target.stem, repr(str(target))).encode("utf-8")
    with atomic_path(target) as tmp:
        tmp.write_bytes(text)


def write_kmz(layers: Mapping[str, Any], target: Path, encoding: str) -> None:
    """Write the KML document as ``doc.kml`` in a zip file."""
    text = _kml_text(layers, target.stem, repr(str(target))).encode("utf-8")
    with atomic_path(target) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("doc.kml", text)


KML = Format(
    "KML",
    extensions=(".kml",),
    aliases=("kml",),
    sniff=sniff_kml,
    read=read_kml,
    write=write_kml,
    several_layers=True,
    wgs84=True,
    check_text=check_text,
)
KMZ = Format(
    "KMZ",
    extensions=(".kmz",),
    aliases=("kmz",),
    sniff=sniff_kmz,
    read=read_kmz,
    write=write_kmz,
    several_layers=True,
    wgs84=True,
    check_text=check_text,
)
