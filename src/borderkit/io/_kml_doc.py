"""The text of a KML document written by :func:`~borderkit.io.write_layer`.

Each layer becomes a ``Folder`` with a typed ``Schema``; ``name`` and
``description`` columns holding text become the placemark's own elements.
Text is escaped for XML; :func:`check_text` refuses, before anything is
written, the characters XML cannot hold at all, and :func:`_kml_text` checks
every text it puts into the document again (layer and folder names, the
document name taken from the file name, column names, every value), so a
file that would not parse is never written.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..errors import EncodingError
from ._text import _plain

_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def check_text(text: str, row: int, *, prefix: str, encoding: str, codec: str) -> None:
    """Refuse characters XML cannot hold (control characters, U+FFFE/U+FFFF)."""
    bad = _XML_BAD.search(text)
    if bad:
        raise EncodingError(f"{prefix} contains {_what_char(bad.group())}, which XML "
                            "(KML) cannot hold; remove it or write GeoJSON/GPKG")


def _what_char(ch: str) -> str:
    kind = "the control character" if ch < " " else "the character"
    return f"{kind} {ch!r} (U+{ord(ch):04X})"


class _Checked:
    """Escapes text for the document after checking XML can hold it; messages name *where*."""

    def __init__(self, where: str) -> None:
        self.where = where

    def __call__(self, text: str, what: str) -> str:
        bad = _XML_BAD.search(text)
        if bad:
            raise EncodingError(
                f"cannot write {self.where}: {what} contains {_what_char(bad.group())}, which "
                "XML (KML) cannot hold; nothing was written (an existing file is kept). "
                "Rename it without that character, or write GeoJSON/GPKG"
            )
        return text


def _xml(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\r", "&#13;")
    )


def _xml_attr(text: str) -> str:
    return _xml(text).replace("\n", "&#10;").replace("\t", "&#9;")


def _kml_coords(coords: np.ndarray) -> str:
    return " ".join(f"{x!r},{y!r}" for x, y in coords[:, :2].tolist())


def _kml_geometry(g: Any) -> str:
    import shapely

    t = g.geom_type
    if t == "Point":
        return (
            f"<Point><coordinates>{_kml_coords(shapely.get_coordinates(g))}</coordinates></Point>"
        )
    if t == "LineString":
        coords = _kml_coords(shapely.get_coordinates(g))
        return f"<LineString><coordinates>{coords}</coordinates></LineString>"
    if t == "Polygon":
        ring = "<{0}><LinearRing><coordinates>{1}</coordinates></LinearRing></{0}>"
        parts = [ring.format("outerBoundaryIs", _kml_coords(shapely.get_coordinates(g.exterior)))]
        parts += [
            ring.format("innerBoundaryIs", _kml_coords(shapely.get_coordinates(h)))
            for h in g.interiors
        ]
        return "<Polygon>" + "".join(parts) + "</Polygon>"
    return "<MultiGeometry>" + "".join(_kml_geometry(p) for p in g.geoms) + "</MultiGeometry>"


def _kml_type(series: Any) -> str:
    kind = series.dtype.kind
    if kind == "b" or str(series.dtype) == "boolean":
        return "bool"
    if kind in "iu" or str(series.dtype) in ("Int64", "Int32", "Int16", "Int8"):
        return "int"
    if kind == "f":
        return "double"
    return "string"


def _kml_value(value: Any, kind: str) -> str | None:
    v = _plain(value)
    if v is None:
        return None
    if kind == "bool":
        return "true" if v else "false"
    if kind == "double":
        return repr(float(v))
    return str(v)


def _special_columns(gdf: Any) -> set[str]:
    """``name`` and ``description`` when they hold only text: written as KML elements."""
    return {
        c
        for c in ("name", "description")
        if c in gdf.columns
        and gdf[c]
        .map(lambda v: v is None or isinstance(v, str) or (isinstance(v, float) and math.isnan(v)))
        .all()
    }


def _kml_placemark(
    gdf: Any, i: int, g: Any, special: set[str], types: dict[Any, str], sid: str, ok: _Checked
) -> list[str]:
    import shapely

    out = ["<Placemark>"]
    for c in ("name", "description"):
        if c in special:
            v = gdf[c].iloc[i]
            if isinstance(v, str):
                out.append(f"<{c}>{_xml(ok(v, f'column {c!r} row {i} ({v[:40]!r})'))}</{c}>")
    cells = []
    for c, kind in types.items():
        v = _kml_value(gdf[c].iloc[i], kind)
        if v is not None:
            v = ok(v, f"column {str(c)!r} row {i} ({v[:40]!r})")
            cells.append(f'<SimpleData name="{_xml_attr(str(c))}">{_xml(v)}</SimpleData>')
    if cells:
        out.append(
            f'<ExtendedData><SchemaData schemaUrl="#{sid}">{"".join(cells)}'
            "</SchemaData></ExtendedData>"
        )
    if g is not None and not g.is_empty:
        out.append(_kml_geometry(shapely.force_2d(g)))
    out.append("</Placemark>")
    return out


def _kml_folder(n: int, name: str, gdf: Any, ok: _Checked) -> list[str]:
    """The ``Schema`` and the ``Folder`` of layer number *n*."""
    geom_col = gdf.geometry.name
    special = _special_columns(gdf)
    cols = [c for c in gdf.columns if c != geom_col and c not in special]
    types = {c: _kml_type(gdf[c]) for c in cols}
    ok(name, f"the layer (folder) name {name!r}")
    for c in cols:
        ok(str(c), f"the column name {str(c)!r}")
    sid = f"schema{n}"
    out = [f'<Schema name="{_xml_attr(name)}" id="{sid}">']
    out += [f'<SimpleField name="{_xml_attr(str(c))}" type="{types[c]}"/>' for c in cols]
    out.append("</Schema>")
    out.append(f"<Folder><name>{_xml(name)}</name>")
    geoms = gdf.geometry.to_numpy()
    for i in range(len(gdf)):
        out += _kml_placemark(gdf, i, geoms[i], special, types, sid, ok)
    out.append("</Folder>")
    return out


def _kml_text(layers: Mapping[str, Any], doc_name: str, where: str = "the KML") -> str:
    """The whole document; an EncodingError naming the text if XML cannot hold one.

    *doc_name* is the file name's stem; *where* names the file in messages.
    """
    ok = _Checked(where)
    ok(doc_name, f"the file name {doc_name!r} (the KML document's name)")
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2">\n<Document>',
        f"<name>{_xml(doc_name)}</name>",
    ]
    for n, (name, gdf) in enumerate(layers.items()):
        out += _kml_folder(n, str(name), gdf, ok)
    out.append("</Document>\n</kml>\n")
    return "\n".join(out)
