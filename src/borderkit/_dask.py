"""The measurement API on dask-geopandas: partitioned, lazy, one kernel (private).

:func:`borderkit.measure.distance_to`, :func:`~borderkit.measure.within`,
:func:`~borderkit.measure.distance` and :func:`~borderkit.measure.nearest_point`
hand dask collections to the functions here. Each one

* checks its arguments and prepares the target geometry once, on the client
  (CRS transform, union of polygons), so errors surface at call time;
* wraps that prepared geometry in a single ``dask.delayed`` key, which every
  partition task depends on: the geometry travels to each worker once, it is
  not copied into every task;
* runs the *same* in-memory function that :mod:`borderkit.measure` uses
  (from :mod:`borderkit._kernel`) on each partition through
  ``map_partitions`` (the metadata comes from running it on the empty
  ``_meta``), and returns the lazy dask object.

Because the kernel (:class:`borderkit._geodesic.SegmentIndex`) depends only on
the target geometry, not on which other points share a call, the partitioned
results are bit-for-bit the in-memory ones.

:func:`within_file` is the partitioned file path for the CLI: GeoParquet in,
GeoParquet out, a bounded number of partitions in memory at a time, with a
progress callback.

dask, dask-geopandas and pyarrow are the optional extra ``borderkit[dask]``;
they are imported only when a dask object arrives.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from . import _kernel
from ._atomic import atomic_path
from ._inputs import _dask_input, _geometry, _points
from .errors import DataError, ExportError, FileFormatError, MissingDependencyError

__all__ = [
    "INSTALL",
    "FileReport",
    "distance",
    "distance_to",
    "nearest_point",
    "within",
    "within_file",
]

log = logging.getLogger(__name__)

INSTALL = 'pip install "borderkit[dask]"'
KEEP = ("within", "all")
# rows per partition when reading a file (row groups are never split)
PARTITION_ROWS = 250_000


def _require() -> tuple[ModuleType, ModuleType]:
    """Import dask and dask-geopandas, or say which extra to install."""
    try:
        import dask
        import dask.dataframe as dd
        import dask_geopandas  # noqa: F401 - registers the geopandas backend of dask
    except ImportError as err:
        raise MissingDependencyError(
            f"measuring a dask collection needs dask and dask-geopandas ({err}); "
            f"install them with: {INSTALL}"
        ) from err
    return dask, dd


def _collection(obj: Any, name: str, dd: ModuleType) -> Any:
    if not isinstance(obj, dd.DataFrame | dd.Series):
        raise DataError(
            f"{name}: a dask {type(obj).__name__} is not supported; pass a dask_geopandas "
            "GeoDataFrame/GeoSeries of points, or a dask DataFrame with lon/lat columns"
        )
    return obj


def _shared(value: Any, dask: ModuleType) -> Any:
    """One graph key holding *value*; every partition task depends on it."""
    return dask.delayed(value, pure=True)


def _prepared_geometry(geometry: Any, crs: Any) -> gpd.GeoSeries:
    """The target as one lon/lat geometry in a GeoSeries that carries EPSG:4326.

    Carrying its CRS, the series is not transformed again per partition, while
    ``crs=`` still applies to partitions of points that have none.
    """
    return gpd.GeoSeries([_geometry(geometry, "geometry", crs)], crs="EPSG:4326")


def _map(fn: Callable[..., Any], points: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
    """``fn(partition, *args, **kwargs)`` on every partition, lazily.

    *args* are in-memory values: each becomes one shared graph key. The
    metadata is ``fn`` run on the empty ``_meta``, which also checks the
    arguments now rather than at compute time.
    """
    dask, dd = _require()
    points = _collection(points, "points", dd)
    meta = fn(points._meta, *args, **kwargs)
    shared = [_shared(a, dask) for a in args]
    return points.map_partitions(fn, *shared, meta=meta, **kwargs)


def distance_to(points: Any, geometry: Any, /, *, boundary: bool, crs: Any) -> Any:
    """Partitioned :func:`borderkit.measure.distance_to`: a lazy dask Series/DataFrame."""
    _require()
    geom = _prepared_geometry(geometry, crs)
    return _map(_kernel.distance_to, points, (geom,), {"boundary": boundary, "crs": crs})


def nearest_point(points: Any, geometry: Any, /, *, boundary: bool, crs: Any) -> Any:
    """Partitioned :func:`borderkit.measure.nearest_point`: a lazy dask GeoDataFrame."""
    _require()
    geom = _prepared_geometry(geometry, crs)
    return _map(_kernel.nearest_point, points, (geom,), {"boundary": boundary, "crs": crs})


def within(
    points: Any, geometry: Any, distance_m: float, /, *, boundary: bool, crs: Any
) -> Any:
    """Partitioned :func:`borderkit.measure.within`: a lazy dask GeoDataFrame."""
    _require()
    geom = _prepared_geometry(geometry, crs)
    return _map(
        _kernel.within, points, (geom, distance_m), {"boundary": boundary, "crs": crs}
    )


def distance(a: Any, b: Any, /, *, azimuths: bool, crs: Any) -> Any:
    """Partitioned :func:`borderkit.measure.distance`.

    One side is a dask collection; the other is a single point (shared with
    every partition) or a dask collection with the same partitions.
    """
    dask, dd = _require()
    kwargs = {"azimuths": azimuths, "crs": crs}
    a_dask, b_dask = _dask_input(a), _dask_input(b)
    if a_dask and b_dask:
        a, b = _collection(a, "a", dd), _collection(b, "b", dd)
        if a.npartitions != b.npartitions and not (a.known_divisions and b.known_divisions):
            raise DataError(
                f"a has {a.npartitions} partitions and b has {b.npartitions}; pass dask "
                "collections partitioned alike (e.g. two columns of one frame)"
            )
        meta = _kernel.distance(a._meta, b._meta, **kwargs)
        return dd.map_partitions(_kernel.distance, a, b, meta=meta, **kwargs)
    other, other_name = (b, "b") if a_dask else (a, "a")
    if len(_points(other, other_name, crs)) != 1:
        raise DataError(
            f"{other_name}: with a dask collection on the other side, pass one point or a dask "
            "collection partitioned alike; an in-memory array cannot be matched to partitions"
        )
    if a_dask:
        return _map(_kernel.distance, a, (b,), kwargs)
    return _map(_distance_from, b, (a,), kwargs)


def _distance_from(b: Any, a: Any, /, **kwargs: Any) -> Any:
    """In-memory :func:`borderkit.measure.distance` with the partition as its second argument."""
    return _kernel.distance(a, b, **kwargs)


# ---------------------------------------------------------------- partitioned files
@dataclass(frozen=True)
class FileReport:
    """What :func:`within_file` wrote.

    Attributes
    ----------
    path
        The GeoParquet file (or folder of part files) written.
    partitions
        How many partitions were measured.
    rows_read, rows_written
        Points in the input, and rows in the output.
    """

    path: Path
    partitions: int
    rows_read: int
    rows_written: int


def within_file(
    src: str | os.PathLike[str],
    dst: str | os.PathLike[str],
    geometry: Any,
    distance_m: float,
    /,
    *,
    boundary: bool = False,
    crs: Any = None,
    keep: str = "within",
    partition_rows: int = PARTITION_ROWS,
    parallel: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> FileReport:
    """Measure a GeoParquet file of points against a geometry, partition by partition.

    The input is read in partitions of whole row groups (about
    *partition_rows* rows each), measured with :func:`borderkit.measure.within`
    and written out as it goes, so at most *parallel* partitions are in memory
    at a time. Runs on the active ``distributed`` client if there is one, else
    on dask's default scheduler.

    Parameters
    ----------
    src
        A GeoParquet file of points, or a folder of them (e.g. dask output).
    dst
        The output. A path that is an existing folder, ends with a path
        separator or has no suffix gets a folder of part files
        ``part.00000.parquet``, ...; a path with a suffix (``near.parquet``)
        gets one GeoParquet file. Written atomically: into a temporary file or
        folder next to *dst*, then renamed over it.
    geometry
        The border or facility: shapely geometry, GeoSeries or GeoDataFrame.
    distance_m
        The distance in metres (>= 0).
    boundary, crs
        As in :func:`borderkit.measure.within`.
    keep
        ``"within"`` writes only the points within the distance, with their
        ``distance_m``; ``"all"`` writes every point with ``distance_m`` and
        the boolean ``within``. (``precision_m`` inputs add the columns of
        :func:`borderkit.measure.within`.)
    partition_rows
        Rows per partition to aim for. Row groups are not split, so a file
        written as one huge row group is read as one partition.
    parallel
        Partitions computed at once (default: the client's worker threads, or
        the CPU count).
    progress
        Called as ``progress(done, total)`` (partitions) after each partition
        is written, and once with ``done=0`` before the first.

    Returns
    -------
    FileReport
        The output path, number of partitions, rows read and rows written.

    Raises
    ------
    DataError
        If *src* does not exist or is *dst*, or an option is out of range.
    FileFormatError
        If *src* is not GeoParquet.
    MissingDependencyError
        If the ``borderkit[dask]`` extra is not installed.
    ExportError
        If the output cannot be written.
    """
    dask, _ = _require()
    if keep not in KEEP:
        raise DataError(f"keep={keep!r} is not one of {list(KEEP)}")
    if isinstance(partition_rows, bool) or not isinstance(partition_rows, int) or (
        partition_rows < 1
    ):
        raise DataError(f"partition_rows must be a positive integer, not {partition_rows!r}")
    src_p, dst_p = Path(src), Path(dst)
    as_folder = dst_p.is_dir() or str(dst).endswith((os.sep, "/")) or not dst_p.suffix
    if not src_p.exists():
        raise DataError(f"{str(src_p)!r} does not exist; check the path")
    if src_p.resolve() == dst_p.resolve():
        raise DataError(f"the output {str(dst_p)!r} is the input; choose another path")
    rows_read, split = _row_groups_per_partition(src_p, partition_rows)
    points = _read_points(src_p, split)
    result = within(points, geometry, distance_m, boundary=boundary, crs=crs)
    if keep == "within":
        result = result[result["within"]].drop(columns="within")
    parts = result.to_delayed()
    total = len(parts)
    width = parallel if parallel is not None else _default_parallel()
    if width < 1:
        raise DataError(f"parallel must be at least 1, not {parallel!r}")
    index = _keeps_index(result._meta)
    frames = _computed(parts, width, dask, progress)
    if as_folder:
        written = _write_folder(dst_p, frames, result._meta, index)
    else:
        written = _write_file(dst_p, frames, result._meta, index)
    log.info("within_file: %d of %d points written to %s", written, rows_read, dst_p)
    return FileReport(dst_p, total, rows_read, written)


def _parquet_files(src: Path) -> list[Path]:
    if src.is_dir():
        files = sorted(p for p in src.rglob("*") if p.suffix in (".parquet", ".parq", ".pq"))
        if not files:
            raise FileFormatError(f"{str(src)!r} is a folder without .parquet files")
        return files
    return [src]


def _row_groups_per_partition(src: Path, partition_rows: int) -> tuple[int, int]:
    """Total rows, and how many row groups make a partition of about *partition_rows*."""
    import pyarrow.parquet as pq

    rows, largest = 0, 1
    for path in _parquet_files(src):
        try:
            meta = pq.ParquetFile(path).metadata
        except (OSError, ValueError) as err:  # pyarrow raises ArrowInvalid (a ValueError)
            raise FileFormatError(
                f"{str(path)!r} is not a Parquet file ({err}); pass GeoParquet"
            ) from err
        rows += meta.num_rows
        for i in range(meta.num_row_groups):
            largest = max(largest, meta.row_group(i).num_rows)
    return rows, max(1, partition_rows // largest)


def _read_points(src: Path, split_row_groups: int) -> Any:
    import dask_geopandas

    try:
        return dask_geopandas.read_parquet(str(src), split_row_groups=split_row_groups)
    except (ValueError, TypeError, KeyError) as err:
        raise FileFormatError(
            f"{str(src)!r} cannot be read as GeoParquet ({err}); write it with "
            "GeoDataFrame.to_parquet or borderkit"
        ) from err


def _default_parallel() -> int:
    with contextlib.suppress(ImportError, ValueError):
        from distributed import default_client

        info = default_client().scheduler_info()
        return max(1, sum(w.get("nthreads", 1) for w in info["workers"].values()))
    return os.cpu_count() or 1


def _keeps_index(meta: pd.DataFrame) -> bool:
    """Write the index only when it carries information (a name, or several levels)."""
    return meta.index.nlevels > 1 or meta.index.name is not None


def _computed(
    parts: list, width: int, dask: ModuleType, progress: Callable[[int, int], None] | None
) -> Iterator[gpd.GeoDataFrame]:
    """The computed partitions in order, *width* at a time; progress after each is used."""
    total = len(parts)
    if progress is not None:
        progress(0, total)
    for start in range(0, total, width):
        frames = dask.compute(*parts[start:start + width])
        for offset, frame in enumerate(frames):
            yield frame
            if progress is not None:
                progress(start + offset + 1, total)


def _write_folder(
    target: Path, frames: Iterator[gpd.GeoDataFrame], meta: gpd.GeoDataFrame, index: bool
) -> int:
    """Part files in a temporary folder next to *target*, then renamed into place."""
    if not target.parent.is_dir():
        raise ExportError(f"cannot write {str(target)!r}: folder {str(target.parent)!r} "
                          "does not exist; create it first")
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent))
    written = 0
    try:
        number = -1
        for number, frame in enumerate(frames):
            _write_part(tmp / f"part.{number:05d}.parquet", frame, index)
            written += len(frame)
        if number < 0:
            _write_part(tmp / "part.00000.parquet", meta, index)
        old = None
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old",
                                        dir=target.parent))
            os.replace(target, old / target.name)
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return written


def _write_part(path: Path, frame: gpd.GeoDataFrame, index: bool) -> None:
    try:
        frame.to_parquet(path, index=index)
        with open(path, "rb") as fh:
            os.fsync(fh.fileno())
    except OSError as err:
        raise ExportError(f"cannot write {str(path)!r}: {err}") from err


def _write_file(
    target: Path, frames: Iterator[gpd.GeoDataFrame], meta: gpd.GeoDataFrame, index: bool
) -> int:
    """One GeoParquet file streamed row group by row group (pyarrow ParquetWriter).

    The ``geo`` metadata (geometry types, bbox, CRS) covers every partition, so
    it is added when all are written.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    written = 0
    types: set[str] = set()
    bounds = None
    writer = None
    try:
        with atomic_path(target) as tmp:
            try:
                for frame in frames:
                    if not len(frame):
                        continue
                    table = pa.table(frame.to_arrow(index=index, geometry_encoding="WKB"))
                    if writer is None:
                        writer = pq.ParquetWriter(tmp, table.schema, store_schema=False)
                    writer.write_table(table.cast(writer.schema))
                    written += len(frame)
                    types.update(frame.geometry.geom_type.unique())
                    box = frame.geometry.total_bounds
                    bounds = box if bounds is None else np.r_[
                        np.minimum(bounds[:2], box[:2]), np.maximum(bounds[2:], box[2:])
                    ]
                if writer is None:
                    table = pa.table(meta.to_arrow(index=index, geometry_encoding="WKB"))
                    writer = pq.ParquetWriter(tmp, table.schema, store_schema=False)
                    writer.write_table(table)
                # without a stored arrow schema, readers take the metadata from the footer,
                # which can still be added now that every partition is known
                extra = {"geo": json.dumps(_geo_metadata(meta, types, bounds))}
                if b"pandas" in (writer.schema.metadata or {}):
                    extra["pandas"] = writer.schema.metadata[b"pandas"].decode()
                writer.add_key_value_metadata(extra)
            finally:
                if writer is not None:
                    writer.close()
    except OSError as err:
        raise ExportError(f"cannot write {str(target)!r}: {err}") from err
    return written


def _geo_metadata(
    meta: gpd.GeoDataFrame, types: set[str], bounds: np.ndarray | None
) -> dict[str, Any]:
    """GeoParquet 1.0 metadata for the geometry column of frames like *meta*."""
    name = meta.geometry.name
    column: dict[str, Any] = {"encoding": "WKB", "geometry_types": sorted(types)}
    if meta.crs is not None:
        column["crs"] = meta.crs.to_json_dict()
    if bounds is not None:
        column["bbox"] = [float(v) for v in bounds]
    return {"version": "1.0.0", "primary_column": name, "columns": {name: column}}
