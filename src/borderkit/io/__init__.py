"""User files in and out: GeoJSON, GeoPackage, Shapefile, KML/KMZ and CSV.

:func:`read_layer` returns a GeoDataFrame in EPSG:4326 (lon, lat) after
checking it; everything it changed or dropped is listed in a :class:`LoadReport`
stored as ``gdf.attrs["borderkit_report"]`` and announced with one warning per
kind (:class:`~borderkit.errors.RepairWarning`,
:class:`~borderkit.errors.DroppedFeatureWarning`,
:class:`~borderkit.errors.SwappedCoordinatesWarning`).
:func:`write_layer` writes atomically and refuses, before writing, anything the
format would lose (a Tajik letter under a legacy code page, a NUL in XML, a
254-byte DBF limit). :func:`parse_coordinate` reads a typed coordinate pair.

Policies (documented in ``docs/bad_inputs.md``):

* the format is detected from the content, not only the file name;
* local files only: URLs and inline JSON/XML text are refused;
* files over ``max_bytes`` (default 50 MB) are refused before reading; a pipe
  or ``/dev/stdin`` is read once, into a buffer of at most ``max_bytes``;
* several layers (GeoPackage layers, KML folders) and no ``layer=``: an error
  lists them; ``layer="*"`` loads all with a ``layer`` column;
* null or empty geometries and CSV rows with a blank coordinate are dropped and
  reported (an error with ``strict=True``);
* Z values are dropped (2D lon/lat); non-zero ones are reported;
* invalid polygons are repaired with ``shapely.make_valid`` (never
  ``buffer(0)``) and the geodesic area change reported; unclosed rings are
  closed, repeated vertices removed, polygons and lines crossing the
  antimeridian split there; with ``strict=True`` each of these is an error.

Layout: each format is one module with a sniffer, a reader and a writer
(``geojson``, ``gpkg``, ``shapefile``, ``kml`` for KML and KMZ with the
document text in ``_kml_doc``, ``csv``), listed in ``_registry.FORMATS``.
:func:`read_layer` detects the format (``_sniff``), dispatches to its reader
and finishes every layer the same way (``_repair``: checks and repairs, filling
the ``_report``); :func:`write_layer` checks the text (``_text``) and
dispatches to the writer. Shared pieces: ``_format`` (the contract),
``_paths``, ``_geometry``, ``_antimeridian``, ``_gdal``.

How to add a format (GPX, FlatGeobuf, ...):

1. Write ``io/<name>.py`` (``geojson.py`` is a short example) with
   ``sniff(head, text, path) -> bool`` (claims the file from its first 4 KB,
   without overlapping another format), ``read(request) -> Raw`` (returns
   ``{layer name: (frame, stated CRS, default CRS)}`` with the hidden
   ``_REF``/``_UNCLOSED`` columns) and ``write(layers, target, encoding)``
   (atomic, through :func:`borderkit._atomic.atomic_path`), and a
   ``FORMAT = Format(...)`` record with its name, extensions, ``driver=``
   aliases and what it can hold. The contract is in ``io/_format.py``.
2. Add ``<name>.FORMAT`` to ``FORMATS`` in ``io/_registry.py``.
   ``READ_FORMATS``, ``WRITE_DRIVERS``, ``driver=``, the extension checks and
   the messages listing formats follow from that line.
3. Add it to ``FORMATS`` in ``tests/test_io.py`` (every I/O test then runs on
   it) and its refusals to the bad-input catalogue.
"""

from __future__ import annotations

import logging
import os
import stat
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._coords import parse_coordinate
from .._validate import WGS84
from ..errors import BorderkitWarning, CRSError, DataError, ExportError, FileFormatError
from ._csv_write import check_formulas_option
from ._format import _LAYER_COL, _REF, _UNCLOSED, Format, Raw, ReadRequest
from ._paths import _check_readable, _check_size, _local_path, _read_stream
from ._registry import (
    _EXT_FORMAT,
    _SEVERAL_LAYERS,
    FORMATS,
    READ_FORMATS,
    WRITE_DRIVERS,
    _driver_for,
)
from ._repair import _Finisher
from ._report import _REPORT_KEY, LoadReport, _announce
from ._sniff import _detect
from ._text import _check_text

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

__all__ = [
    "read_layer",
    "write_layer",
    "parse_coordinate",
    "LoadReport",
    "DEFAULT_MAX_BYTES",
    "READ_FORMATS",
    "WRITE_DRIVERS",
]

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 50 * 1024 * 1024


# ----------------------------------------------------------------------------- read_layer


def _open(path: Any, layer: Any, max_bytes: int | None) -> tuple[Path, Format, bytes | None]:
    """The local file, its format, and its content if it is a pipe or device.

    A regular file over *max_bytes* is refused before reading. A pipe (or
    ``/dev/stdin``, a device) has no size: it is read once into a buffer of at
    most *max_bytes*, and both the format detection and the reader use that
    buffer, so nothing read while sniffing is lost.
    """
    p = _local_path(path)
    _check_readable(p)
    if layer is not None and not isinstance(layer, str):
        raise DataError(f"layer must be a layer name or '*', not {layer!r}")
    if stat.S_ISREG(p.stat().st_mode):
        fmt = _detect(p, FORMATS)
        _check_size(p, fmt.size(p) if fmt.size is not None else p.stat().st_size, max_bytes)
        return p, fmt, None
    data = _read_stream(p, max_bytes)
    fmt = _detect(p, FORMATS, data)
    if fmt.needs_file:
        raise FileFormatError(
            f"{str(p)!r} is a pipe or device, not a regular file, and its content is "
            f"{fmt.name}, which can only be read from a file; save it to a file first"
        )
    return p, fmt, data


def _select(names: list[str], layer: str | None, p: Path) -> list[str]:
    if layer == "*":
        return names
    if layer is None:
        if len(names) == 1:
            return names
        raise DataError(
            f"{str(p)!r} has {len(names)} layers: {', '.join(repr(n) for n in names)}; "
            "pass layer='<name>' to read one, or layer='*' to read all of them with a "
            "'layer' column"
        )
    if layer not in names:
        import difflib

        close = difflib.get_close_matches(layer, names, n=3, cutoff=0.5)
        hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
        raise DataError(
            f"{str(p)!r} has no layer {layer!r}{hint}; its layers are "
            f"{', '.join(repr(n) for n in names)}"
        )
    return [layer]


def _chosen_layers(raw: Raw, layer: str | None, p: Path, fmt: str) -> list[str]:
    """The layers of *raw* to read: all of a single-layer file, else as :func:`_select` says."""
    names = list(raw)
    if names == [""]:
        if layer not in (None, "*"):
            raise DataError(
                f"{str(p)!r} ({fmt}) has a single layer; layer= applies to GeoPackage and "
                "KML/KMZ files with several layers"
            )
        return [""]
    return _select(names, layer, p)


def _finish_layer(
    raw: Raw, name: str, request: ReadRequest, layer: str | None
) -> tuple[Any, list[str], int]:
    """(checked frame, kinds of repairs, features read) of layer *name*, read now if lazy."""
    entry = raw[name]
    if not isinstance(entry, tuple):  # read lazily, now that the layer is chosen
        entry = raw[name] = entry()
    gdf, stated, default = entry
    source = request.source
    where = f"{source} layer {name!r}" if len(raw) > 1 or name else source
    finisher = _Finisher(where, request.report, request.strict)
    done = finisher.run(gdf, stated=stated, default=default, crs=request.crs, region=None)
    if layer == "*":
        done.insert(0, _LAYER_COL, name or request.path.stem)
        done[_REF] = [f"layer {name!r} {r}" for r in done[_REF]]
    return done, finisher.repair_kinds, len(gdf)


def _range_index(n: int) -> Any:
    import pandas as pd

    return pd.RangeIndex(n)


def _stack(frames: list[Any]) -> Any:
    if len(frames) == 1:
        return frames[0]
    import geopandas as gpd
    import pandas as pd

    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=WGS84)


def read_layer(
    path: str | os.PathLike[str],
    /,
    *,
    layer: str | None = None,
    crs: Any = None,
    strict: bool = False,
    lon: str | None = None,
    lat: str | None = None,
    coords: str | None = None,
    region: Any = None,
    encoding: str | None = None,
    max_bytes: int | None = DEFAULT_MAX_BYTES,
) -> gpd.GeoDataFrame:
    """Read a user file into a checked GeoDataFrame in EPSG:4326 (lon, lat).

    The format is detected from the content (a KML named ``.geojson`` loads as
    KML, with a warning). Everything repaired, dropped or assumed is listed in
    the :class:`LoadReport` at ``gdf.attrs["borderkit_report"]``.

    Parameters
    ----------
    path : str or os.PathLike
        A local file: GeoJSON, GeoPackage, Shapefile (``.shp`` with its
        ``.shx``, ``.dbf``, ``.prj``, ``.cpg``), KML, KMZ or CSV. URLs and inline
        JSON text are refused.
    layer : str, optional
        For a GeoPackage or a KML/KMZ with several folders: the layer to read,
        or ``"*"`` for all of them, stacked, with a ``layer`` column. Without
        it, a file with several layers is an error listing them.
    crs : str or pyproj.CRS, optional
        The CRS of the data when the file does not state one (a shapefile
        without ``.prj``, CSV ``x``/``y`` columns in metres, GeoJSON in a
        projected CRS). Contradicting a CRS the file states is an error.
    strict : bool, default False
        Refuse to repair: invalid, unclosed, antimeridian-crossing or
        repeated-vertex geometries, empty geometries, blank CSV coordinates,
        mixed geometry types and swapped coordinates raise instead.
    lon, lat : str, optional
        CSV column names for longitude and latitude (decimal degrees,
        decimal commas or DMS). Detected when omitted (lon/lng/long/longitude/x,
        lat/latitude/y).
    coords : str, optional
        A CSV column holding whole coordinates as text (DMS pairs or MGRS),
        read with :func:`parse_coordinate` (latitude first unless marked).
    region : str, tuple, shapely geometry or GeoDataFrame, optional
        Where the data is expected (a shipped region name, or a
        ``(min_lon, min_lat, max_lon, max_lat)`` box). Features that fit only
        with latitude and longitude swapped are swapped back with a
        :class:`~borderkit.errors.SwappedCoordinatesWarning`.
    encoding : str, optional
        Text encoding for CSV/GeoJSON (default UTF-8) and for a shapefile
        without ``.cpg`` (default: the .dbf code page, else UTF-8 if it decodes).
    max_bytes : int or None, default 50 MB
        Refuse larger files before reading any of them; None for no limit. A
        pipe or ``/dev/stdin`` is read up to this size and refused beyond it.

    Returns
    -------
    geopandas.GeoDataFrame
        In EPSG:4326 with 2D geometries; ``attrs["borderkit_report"]`` holds
        the :class:`LoadReport`.

    Raises
    ------
    DataError
        Not a local file; several layers and no ``layer=``; unknown columns.
    FileFormatError
        Malformed, truncated or unsupported content; a shapefile part missing;
        XML entities; over ``max_bytes``.
    CRSError
        No CRS in the file and none stated, or a contradicting one.
    CoordinateError
        NaN, infinite or out-of-range coordinates, coordinates as strings; the
        message names the feature.
    GeometryError
        Broken geometries, or anything repairable when ``strict=True``.
    EncodingError
        Text that is not in the stated or detectable encoding.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "sites.csv").write_text(
    ...     "name,lat,lon\\nKulma,38°08′58″N,74°48′05″E\\n", encoding="utf-8")
    >>> gdf = read_layer(folder / "sites.csv")
    >>> gdf.geometry.iloc[0].x, gdf.geometry.iloc[0].y
    (74.80138..., 38.14944...)
    >>> gdf.crs.to_epsg()
    4326
    """
    p, fmt, data = _open(path, layer, max_bytes)
    report = LoadReport(source=str(p), format=fmt.name, layer=layer)
    ext_fmt = _EXT_FORMAT.get(p.suffix.lower())
    if ext_fmt is not None and ext_fmt != fmt.name:
        msg = (
            f"{p.name} is named like {ext_fmt} but its content is {fmt.name}; read it as {fmt.name}"
        )
        warnings.warn(msg, BorderkitWarning, stacklevel=2)
        report.notes.append(msg)
    if not fmt.columns and (lon is not None or lat is not None or coords is not None):
        raise DataError(f"lon=, lat= and coords= apply to CSV files; {str(p)!r} is {fmt.name}")
    request = ReadRequest(
        p,
        repr(str(p)),
        report,
        encoding=encoding,
        max_bytes=max_bytes,
        lon=lon,
        lat=lat,
        coords=coords,
        crs=crs,
        strict=strict,
        data=data,
    )
    # the readers and swap_check count their warnings' stacklevel from read_layer: call them here
    raw = fmt.read(request)
    done = [
        _finish_layer(raw, name, request, layer) for name in _chosen_layers(raw, layer, p, fmt.name)
    ]
    gdf = _stack([d[0] for d in done])
    kinds = [k for d in done for k in d[1]]
    if region is not None and len(gdf):
        gdf = _Finisher(request.source, report, strict).swap_check(gdf, region)
    report.n_read = sum(d[2] for d in done)
    report.n_loaded = len(gdf)
    gdf = gdf.drop(columns=[_REF, _UNCLOSED])
    if not gdf.index.equals(_range_index(len(gdf))):  # (each copy costs time per column)
        gdf = gdf.reset_index(drop=True)
    _announce(report, kinds)
    gdf.attrs[_REPORT_KEY] = report
    log.info("read %s", report)
    return gdf


# ----------------------------------------------------------------------------- write_layer


def _prepare(gdf: Any, what: str) -> Any:
    import geopandas as gpd

    if not isinstance(gdf, gpd.GeoDataFrame):
        raise DataError(f"{what} must be a GeoDataFrame, not {type(gdf).__name__}")
    if gdf.crs is None:
        raise CRSError(f"{what} has no CRS; set one with gdf.set_crs('EPSG:4326') before writing")
    return gdf


def _layers_to_write(gdf: Any, fmt: Format, layer: str | None, target: Path) -> dict[str, Any]:
    """``{layer name: frame}``, each checked to be a GeoDataFrame with a CRS."""
    if isinstance(gdf, Mapping):
        if not fmt.several_layers:
            raise DataError(f"several layers can be written to {_SEVERAL_LAYERS}, not {fmt.name}")
        if layer is not None:
            raise DataError("layer= is taken from the mapping keys when writing several layers")
        layers = {str(k): _prepare(v, f"layer {k!r}") for k, v in gdf.items()}
        if not layers:
            raise DataError("no layers to write")
        return layers
    return {layer or target.stem: _prepare(gdf, "gdf")}


def write_layer(
    gdf: gpd.GeoDataFrame | Mapping[str, gpd.GeoDataFrame],
    path: str | os.PathLike[str],
    /,
    *,
    driver: str | None = None,
    layer: str | None = None,
    encoding: str = "utf-8",
    csv_formulas: str = "escape",
) -> Path:
    """Write a layer atomically, refusing before writing anything the format would lose.

    Parameters
    ----------
    gdf : GeoDataFrame or mapping of str to GeoDataFrame
        The data, with a CRS. A mapping ``{layer name: frame}`` writes several
        layers (GeoPackage layers, KML folders).
    path : str or os.PathLike
        The target; it is replaced only once the new file is complete.
    driver : str, optional
        ``"GeoJSON"``, ``"GPKG"``, ``"ESRI Shapefile"``, ``"KML"``, ``"KMZ"`` or
        ``"CSV"``; taken from the extension when omitted.
    layer : str, optional
        Layer (GPKG) or folder (KML) name; default the file stem.
    encoding : str, default "utf-8"
        Text encoding of a shapefile's .dbf (recorded in its .cpg); other
        formats are always UTF-8.
    csv_formulas : {"escape", "raw"}, default "escape"
        CSV only. ``"escape"`` puts a single quote before text cells and column
        names that start with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
        return (unless the text is a plain number such as ``-12.5``), so that
        Excel or LibreOffice shows them instead of running them as formulas
        (the OWASP rule); ``"raw"`` writes such text unchanged, for pipelines
        that need it exactly.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    CRSError
        The frame has no CRS.
    EncodingError
        A text value or column name the format cannot keep exactly: a letter
        the shapefile encoding lacks, NUL or control characters (XML), the DBF
        limits (10-byte field names, 254-byte values, trailing spaces).
    DataError
        Unknown driver or extension; several layers for a single-layer format;
        CSV column names that would collide (``5`` and ``"5"``) or be read back
        as coordinates (``Lon`` next to the generated ``lon``).
    ExportError
        The writer failed; the previous file is left as it was.

    Notes
    -----
    GeoJSON, KML/KMZ and CSV are written in EPSG:4326 (their specifications
    say so); GeoPackage and Shapefile keep the frame's CRS. CSV gets ``lon``,
    ``lat`` columns for points, else a ``wkt`` column. A shapefile's parts are
    written to a temporary folder next to the target, then each moved in place.

    Examples
    --------
    >>> import tempfile, pathlib, geopandas as gpd
    >>> from shapely.geometry import Point
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> gdf = gpd.GeoDataFrame({"name": ["Мурғоб"]}, geometry=[Point(73.965, 38.169)], crs=4326)
    >>> write_layer(gdf, folder / "towns.geojson").name
    'towns.geojson'
    >>> read_layer(folder / "towns.geojson")["name"].iloc[0]
    'Мурғоб'
    """
    target = _local_path(path, "path")
    fmt = _driver_for(target, driver)
    if fmt.suffix is not None and target.suffix.lower() != fmt.suffix:
        raise DataError(f"a {fmt.name} file must be named *{fmt.suffix}, not {target.name!r}")
    layers = _layers_to_write(gdf, fmt, layer, target)
    if fmt.wgs84:
        layers = {k: v.to_crs(WGS84) if not v.crs.equals(WGS84) else v for k, v in layers.items()}
    codec_enc = encoding if fmt.encodings else "utf-8"
    for name, frame in layers.items():
        _check_text(
            frame, name, fmt.name, codec_enc, target, nul_ok=fmt.nul_ok, rule=fmt.check_text
        )
    only_name = next(iter(layers))
    formulas = check_formulas_option(csv_formulas)
    options = {"formulas": formulas} if fmt.name == "CSV" else {}
    try:
        fmt.write(layers, target, encoding, **options)
    except (OSError, RuntimeError, ValueError) as err:
        if isinstance(err, DataError | ExportError):
            raise
        raise ExportError(
            f"cannot write {str(target)!r} ({fmt.name}, layer {only_name!r}): {err}"
        ) from err
    except Exception as err:  # noqa: BLE001 - pyogrio errors have no common base
        raise ExportError(f"cannot write {str(target)!r} ({fmt.name}): {err}") from err
    log.info("wrote %s (%s)", target, fmt.name)
    return target
