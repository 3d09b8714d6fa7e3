"""The derived layers of a brief, written for QGIS or Google Earth: :func:`write_layers`."""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely

from ..errors import ExportError
from ..spec import ResolvedLayer, ResolvedSpec
from ._report import ExportReport, _check_on_error, _output_folder

#: Style kinds written by :func:`write_layers` by default (plus distance-line ends).
DERIVED_KINDS: tuple[str, ...] = ("buffer", "ring", "distance_line", "ceded_area",
                                  "uncertainty")

#: Layer formats: file suffix and whether one file holds every layer.
LAYER_FORMATS: dict[str, tuple[str, bool]] = {
    "geojson": (".geojson", False),
    "gpkg": (".gpkg", True),
    "kml": (".kml", True),
    "shp": (".shp", False),
    "csv": (".csv", False),
}


def _ends(lyr: ResolvedLayer) -> Any:
    """The two ends of each distance line as points (one is the nearest point when
    that end was a border or area)."""
    import geopandas as gpd

    rows = []
    frame = lyr.frame
    for idx, row in frame.iterrows():
        xy = shapely.get_coordinates(row.geometry)
        if not len(xy):
            continue
        name = str(row.get("name", idx))
        a, _, b = name.partition(" → ")
        length = row.get("length_m", np.nan)
        for role, (x, y), label in (("start", xy[0], a), ("end", xy[-1], b or name)):
            rows.append({"name": label, "role": role, "line": name,
                         "distance_m": float(length), "lon": float(x), "lat": float(y),
                         "geometry": shapely.Point(x, y)})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326") if rows else None


def _layers_to_write(resolved: ResolvedSpec, which: Any) -> list[tuple[str, str, Any]]:
    """(id, display name, frame) of the layers to write."""
    if which == "derived":
        chosen = [lyr for lyr in resolved.layers if lyr.kind in DERIVED_KINDS]
    elif which == "all":
        chosen = list(resolved.layers)
    elif isinstance(which, list | tuple | set):
        ids = {lyr.id: lyr for lyr in resolved.layers}
        missing = [i for i in which if i not in ids]
        if missing:
            raise ExportError(f"layer id(s) {missing} not in the brief; ids: {', '.join(ids)}")
        chosen = [ids[i] for i in which]
    else:
        raise ExportError(f"layers must be 'derived', 'all' or a list of layer ids, "
                          f"not {which!r}")
    out = []
    for lyr in chosen:
        if not len(lyr.frame):
            continue
        out.append((lyr.id, lyr.name, lyr.frame))
        if lyr.kind == "distance_line":
            ends = _ends(lyr)
            if ends is not None:
                out.append((f"{lyr.id}-ends", f"{lyr.name}: end points", ends))
    return out


def write_layers(
    spec_or_resolved: Any,
    out_dir: str | os.PathLike[str],
    /,
    *,
    formats: Sequence[str] = ("geojson", "gpkg", "kml"),
    layers: str | Sequence[str] = "derived",
    basename: str = "brief",
    on_error: str = "raise",
) -> ExportReport:
    """Write a brief's derived layers for QGIS or Google Earth.

    Derived layers are those the brief computed or highlights: buffers, range
    rings, geodesic distance lines (and their end points: where a line ends on
    a border, that end is the nearest point), ceded areas and location
    uncertainty circles. All in EPSG:4326 (lon, lat), lengths in metres.

    GeoJSON, shapefile and CSV get one file per layer
    (``<basename>-<layer id>.<suffix>``); GeoPackage and KML get one file with
    every layer (``<basename>-layers.gpkg``, layers named by id;
    ``<basename>-layers.kml``, one folder per layer). Each file is written
    atomically by :func:`borderkit.write_layer`.

    Parameters
    ----------
    spec_or_resolved : BriefSpec, ResolvedSpec, BriefMap or str
        The brief, or a preset name.
    out_dir : str or path-like
        Folder for the files (created if missing).
    formats : sequence of {"geojson", "gpkg", "kml", "shp", "csv"}
        Formats to write.
    layers : "derived", "all" or sequence of str
        Which layers: the derived kinds (:data:`DERIVED_KINDS`), all, or
        these layer ids.
    basename : str
        Start of every file name.
    on_error : {"raise", "report"}
        As for :func:`export_brief`.

    Returns
    -------
    ExportReport
        ``written`` maps ``"<layer id>.<format>"`` (or ``"layers.gpkg"``) to
        each file.

    Raises
    ------
    ExportError
        If a format or layer id is unknown, or (with ``on_error="raise"``) a
        file could not be written.

    Examples
    --------
    >>> import borderkit as bk
    >>> spec = bk.BriefSpec(title="Rings", rings=[bk.RangeRings((68.78, 38.56), [50_000])],
    ...                     inset=False, uncertainty=False)
    >>> import tempfile
    >>> out = tempfile.TemporaryDirectory()
    >>> report = bk.write_layers(spec, out.name, formats=("geojson",))
    >>> sorted(report.written)  # the ring layer is named after its centre
    ['rings-around-38-5600-68-7800.geojson']
    >>> report.written["rings-around-38-5600-68-7800.geojson"].name
    'brief-rings-around-38-5600-68-7800.geojson'
    >>> out.cleanup()
    """
    _check_on_error(on_error)
    bad = [f for f in formats if f not in LAYER_FORMATS]
    if bad or not formats:
        raise ExportError(f"unknown layer format(s) {bad or list(formats)!r}; use: "
                          f"{', '.join(LAYER_FORMATS)}")
    from .. import io as _io
    from .. import static

    resolved = static._resolved(spec_or_resolved)
    chosen = _layers_to_write(resolved, layers)
    folder = _output_folder(out_dir)
    report = ExportReport(notes=list(resolved.report))
    if not chosen:
        report.notes.append("the brief has no layers of the kinds asked for; nothing written")
        return report
    for fmt in dict.fromkeys(formats):
        suffix, combined = LAYER_FORMATS[fmt]
        if combined:
            names: dict[str, Any] = {}
            for lid, name, frame in chosen:
                key = lid if fmt == "gpkg" or name in names else name
                names[key] = frame
            path = folder / f"{basename}-layers{suffix}"
            report._run(f"layers.{fmt}", functools.partial(_io.write_layer, names, path))
        else:
            for lid, _name, frame in chosen:
                path = folder / f"{basename}-{lid}{suffix}"
                report._run(f"{lid}.{fmt}", functools.partial(_io.write_layer, frame, path))
    return report._finish(on_error, f"writing the layers of {resolved.title!r}")
