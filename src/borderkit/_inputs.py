"""Point and geometry inputs of the measurement functions, parsed and checked (private).

:func:`_points` turns every accepted form of points (see :mod:`borderkit.measure`)
into validated lon/lat arrays with their index; :func:`_geometry` turns a
target into one lon/lat shapely geometry. Both are shared by
:mod:`borderkit._kernel` (the in-memory measurements), :mod:`borderkit._dask`
(which prepares the target once on the client) and :mod:`borderkit.buffers`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from ._ellipsoid import transform_geometry
from ._validate import WGS84, check_lonlat, to_wgs84, transformer
from .errors import CoordinateError, CRSError, DataError, GeometryError


@dataclass
class _Points:
    lon: np.ndarray
    lat: np.ndarray
    index: pd.Index
    scalar: bool
    precision: np.ndarray | None
    frame: gpd.GeoDataFrame | None = None
    frame_input: bool = False  # given as a GeoSeries, GeoDataFrame or DataFrame

    def __len__(self) -> int:
        return len(self.lon)


def _crs_key(crs: Any) -> str | None:
    """A CRS string for the cached transformer, or None when it is EPSG:4326."""
    if crs is None:
        return None
    try:
        parsed = pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError as err:
        raise CRSError(f"crs={crs!r} is not a CRS pyproj understands: {err}") from err
    if parsed.equals(WGS84, ignore_axis_order=True):
        return None
    return parsed.to_string()


def _reproject(lon: np.ndarray, lat: np.ndarray, crs: Any) -> tuple[np.ndarray, np.ndarray]:
    key = _crs_key(crs)
    if key is None:
        return lon, lat
    x, y = transformer(key).transform(lon, lat)
    return np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64")


def _points(obj: Any, name: str, crs: Any = None) -> _Points:
    """Parse any supported point input into lon/lat arrays (validated)."""
    precision = None
    frame = None
    if isinstance(obj, gpd.GeoSeries | gpd.GeoDataFrame):
        wgs = to_wgs84(obj, name=name, crs=crs)
        frame = wgs if isinstance(wgs, gpd.GeoDataFrame) else wgs.to_frame("geometry")
        geoms = np.asarray(frame.geometry.values)
        types = shapely.get_type_id(geoms)
        bad = np.flatnonzero(types != shapely.GeometryType.POINT)
        if len(bad):
            raise GeometryError(
                f"{name}: row {frame.index[bad[0]]!r} is a {shapely.get_type_id(geoms[bad[0]])!r}"
                f" ({geoms[bad[0]].geom_type}); pass points, or use their centroids"
            )
        lon, lat = shapely.get_x(geoms), shapely.get_y(geoms)
        if "precision_m" in frame.columns:
            precision = _precision(frame["precision_m"], name)
        return _Points(lon, lat, frame.index, False, precision, frame, True)
    if isinstance(obj, pd.DataFrame):
        cols = {str(c).lower(): c for c in obj.columns}
        lon_col = cols.get("lon", cols.get("longitude"))
        lat_col = cols.get("lat", cols.get("latitude"))
        if lon_col is None or lat_col is None:
            raise DataError(
                f"{name}: a DataFrame needs 'lon' and 'lat' columns (has {list(obj.columns)})"
            )
        lon, lat = _reproject(
            _floats(obj[lon_col], f"{name}: column {lon_col!r}"),
            _floats(obj[lat_col], f"{name}: column {lat_col!r}"),
            crs,
        )
        lon, lat = check_lonlat(lon, lat, name=name, index=obj.index)
        if "precision_m" in obj.columns:
            precision = _precision(obj["precision_m"], name)
        return _Points(lon, lat, obj.index, False, precision, None, True)
    scalar = False
    if isinstance(obj, shapely.Point):
        if obj.is_empty:
            raise GeometryError(f"{name}: the point is empty")
        lon, lat, scalar = obj.x, obj.y, True
    elif isinstance(obj, tuple) and len(obj) == 2 and not isinstance(obj[0], shapely.Geometry):
        lon, lat = obj
        scalar = np.ndim(lon) == 0 and np.ndim(lat) == 0
    else:
        lon, lat = _sequence_lonlat(obj, name)
    lon_a = _floats(lon, name)
    lat_a = _floats(lat, name)
    if not scalar and (lon_a.ndim != 1 or lat_a.ndim != 1):
        raise CoordinateError(f"{name}: lon and lat must be scalars or 1-D arrays")
    lon_a, lat_a = _reproject(lon_a, lat_a, crs)
    index = pd.RangeIndex(np.size(lon_a))
    lon_a, lat_a = check_lonlat(lon_a, lat_a, name=name, index=index)
    return _Points(lon_a, lat_a, index, scalar, None)


def _floats(values: Any, name: str) -> np.ndarray:
    """Coordinates as float64, a missing value (``pd.NA``, None, a masked entry) as NaN.

    NaN is then refused by :func:`check_lonlat`, naming the row, so a missing or
    masked coordinate is treated exactly like a NaN one (a masked array's data
    under its mask is never used). Text that is not a number is a
    :class:`CoordinateError`.
    """
    if isinstance(values, np.ma.MaskedArray):
        try:
            return np.ma.filled(values.astype("float64"), np.nan)
        except (TypeError, ValueError) as err:
            raise CoordinateError(f"{name}: cannot read coordinates: {err}") from err
    try:
        return np.asarray(values, dtype="float64")
    except (TypeError, ValueError) as err:
        try:
            return _missing_as_nan(values)
        except (TypeError, ValueError):
            pass
        raise CoordinateError(f"{name}: cannot read coordinates: {err}") from err


def _missing_as_nan(values: Any) -> np.ndarray:
    """The slow path of :func:`_floats`: pandas missing values (pd.NA, NaT) to NaN."""
    if isinstance(values, pd.Series):
        return values.to_numpy(dtype="float64", na_value=np.nan)
    obj = np.array(values, dtype=object)
    missing = np.asarray(pd.isna(obj), dtype=bool)
    if not missing.any():
        raise ValueError("no missing values")
    if obj.ndim == 0:
        return np.asarray(np.nan)
    obj[missing] = np.nan
    return np.asarray(obj.tolist(), dtype="float64")


def _precision(column: pd.Series, name: str) -> np.ndarray:
    """The ``precision_m`` column as floats, each finite and >= 0 (else a DataError).

    A negative or NaN radius would give bounds that claim too much (a place
    outside the limit reported as certainly within it).
    """
    try:
        values = column.to_numpy(dtype="float64")
    except (TypeError, ValueError) as err:
        raise DataError(f"{name}: precision_m must be numbers of metres: {err}") from err
    bad = np.flatnonzero(~np.isfinite(values) | (values < 0))
    if len(bad):
        raise DataError(
            f"{name}: row {column.index[bad[0]]!r} has precision_m {values[bad[0]]:g}; it must be "
            "a finite radius in metres >= 0 (0 for an exact place), or drop the column"
        )
    return values


def _sequence_lonlat(obj: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(obj, str | bytes) or not isinstance(obj, Iterable | np.ndarray):
        raise CoordinateError(
            f"{name}: expected a (lon, lat) tuple, a shapely Point, points, an (n, 2) array "
            f"or a GeoSeries/GeoDataFrame, not {type(obj).__name__}"
        )
    items = obj if isinstance(obj, np.ndarray) else list(obj)
    if len(items) and all(isinstance(p, shapely.Geometry) for p in items):
        geoms = np.asarray(items, dtype=object)
        bad = np.flatnonzero(
            (shapely.get_type_id(geoms) != shapely.GeometryType.POINT) | shapely.is_empty(geoms)
        )
        if len(bad):
            raise GeometryError(f"{name}: item {bad[0]} is not a non-empty Point")
        return shapely.get_x(geoms), shapely.get_y(geoms)
    arr = _floats(items, name)
    if arr.size == 0:
        return np.empty(0), np.empty(0)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise CoordinateError(
            f"{name}: expected rows of (lon, lat), got an array of shape {arr.shape}; "
            "a (lon_array, lat_array) pair must be a tuple"
        )
    return arr[:, 0], arr[:, 1]


def _geometry(obj: Any, name: str, crs: Any = None) -> shapely.Geometry:
    """A single lon/lat shapely geometry from a geometry, GeoSeries or GeoDataFrame.

    Polygons of several rows are unioned (shared edges are not a boundary);
    lines and points are kept as they are.
    """
    if isinstance(obj, gpd.GeoSeries | gpd.GeoDataFrame):
        wgs = to_wgs84(obj, name=name, crs=crs)
        geoms = np.asarray(wgs.geometry.values if isinstance(wgs, gpd.GeoDataFrame) else wgs.values)
        if len(geoms) == 0:
            raise GeometryError(f"{name}: has no rows; nothing to measure to")
        if len(geoms) == 1:
            return geoms[0]
        return _union_polygons(geoms)
    if not isinstance(obj, shapely.Geometry):
        raise GeometryError(
            f"{name}: expected a shapely geometry, GeoSeries or GeoDataFrame, "
            f"not {type(obj).__name__}"
        )
    if obj.is_empty:
        raise GeometryError(f"{name}: the geometry is empty")
    key = _crs_key(crs)
    if key is not None:
        obj = transform_geometry(obj, transformer(key))
    xy = shapely.get_coordinates(obj)
    check_lonlat(xy[:, 0], xy[:, 1], name=name)
    return obj


def _wants_rows(nearest: Any) -> bool:
    """True when ``nearest=`` asks for the nearest feature (None and False do not)."""
    return nearest is not None and nearest is not False


def _features(
    obj: Any, nearest: Any, name: str, crs: Any = None
) -> tuple[list, pd.Series, str]:
    """The rows of a target for ``nearest=``: lon/lat geometries, labels, result column.

    ``nearest=True`` labels each row by the frame's index (column
    ``nearest_index``); a column name labels it by that column's value (column
    ``nearest_<name>``). The rows are measured one by one, never unioned.
    """
    if not isinstance(obj, gpd.GeoSeries | gpd.GeoDataFrame):
        raise DataError(
            f"nearest={_short(nearest)} needs {name} as a GeoDataFrame or GeoSeries whose rows "
            f"are the features to tell apart, not a {type(obj).__name__}; wrap it, e.g. "
            "geopandas.GeoDataFrame({'id': [...]}, geometry=[...], crs='EPSG:4326')"
        )
    if nearest is True:
        labels, column = pd.Series(obj.index), "nearest_index"
    else:
        columns = [c for c in obj.columns if c != getattr(obj, "_geometry_column_name", None)] \
            if isinstance(obj, gpd.GeoDataFrame) else []
        if isinstance(nearest, bool) or not _is_column(nearest, columns):
            raise DataError(
                f"nearest={_short(nearest)}: {name} has no such column; pass one of "
                f"{[str(c) for c in columns][:20]} to label the nearest feature by it, or "
                "nearest=True for its row label (the index)"
            )
        labels, column = obj[nearest].reset_index(drop=True), f"nearest_{nearest}"
    if len(obj) == 0:
        raise GeometryError(f"{name}: has no rows; nothing to measure to")
    wgs = to_wgs84(obj, name=name, crs=crs)
    geoms = wgs.geometry.values if isinstance(wgs, gpd.GeoDataFrame) else wgs.values
    return list(np.asarray(geoms)), labels, column


def _is_column(key: Any, columns: list) -> bool:
    try:
        return any(key == c for c in columns)
    except (TypeError, ValueError):  # an unhashable or array-like key
        return False


def _union_polygons(geoms: np.ndarray) -> shapely.Geometry:
    parts = shapely.get_parts(geoms)
    polygonal = shapely.get_type_id(parts) == shapely.GeometryType.POLYGON
    others = list(parts[~polygonal])
    if polygonal.any():
        others.insert(0, shapely.union_all(parts[polygonal]))
    return shapely.GeometryCollection(others) if len(others) > 1 else others[0]


def _broadcast(pa: _Points, pb: _Points) -> tuple[np.ndarray, ...]:
    """lon1, lat1, lon2, lat2 of equal length; a single point is repeated."""
    n_a, n_b = len(pa), len(pb)
    if n_a != n_b and 1 not in (n_a, n_b):
        raise CoordinateError(
            f"a has {n_a} points and b has {n_b}; pass equal lengths or one point"
        )
    n = n_a if n_b == 1 else n_b
    out: list[np.ndarray] = []
    for p in (pa, pb):
        if len(p) != n:
            out += [np.full(n, p.lon[0]), np.full(n, p.lat[0])]
        else:
            out += [p.lon, p.lat]
    return tuple(out)


def _result_index(pa: _Points, pb: _Points, n: int) -> pd.Index:
    """The index of an element-wise result: that of the input with n rows (a first)."""
    for p in (pa, pb):
        if not p.scalar and len(p) == n:
            return p.index
    return pd.RangeIndex(n)


def _row_names(obj: Any) -> pd.Index | None:
    """The names of a frame's rows for a table result, or None to keep its index.

    The rule of :func:`borderkit.measure.distance_to` and
    :func:`~borderkit.measure.distance_matrix`: a DataFrame or GeoDataFrame
    whose index is pandas' numbering (unnamed integers: a ``RangeIndex``
    0, 1, 2, ... or what is left of it after filtering rows) is named by its
    ``name`` column, else its ``id`` column (matched without case), when that
    column has no missing and no repeated values. Any other index (strings,
    a named index such as ``set_index("id")`` gives) is the input's own naming
    and is kept. Filtering never changes which rule applies (pandas keeps a
    ``RangeIndex`` for some filters and not for others).
    """
    if not isinstance(obj, pd.DataFrame) or obj.index.name is not None:
        return None
    if obj.index.nlevels != 1 or not pd.api.types.is_integer_dtype(obj.index.dtype):
        return None
    by_lower: dict[str, Any] = {}
    for col in obj.columns:
        if isinstance(col, str):
            by_lower.setdefault(col.lower(), col)
    for wanted in ("name", "id"):
        col = by_lower.get(wanted)
        if col is None:
            continue
        values = obj[col]
        if isinstance(values, pd.Series) and values.notna().all() and values.is_unique:
            return pd.Index(values.to_numpy(), name=col)
    return None


def _dask_input(obj: Any) -> bool:
    """True for a dask collection: those go to :mod:`borderkit._dask` (partitioned)."""
    return callable(getattr(type(obj), "__dask_graph__", None))


def _check_distance(value: Any, name: str, *, allow_negative: bool) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError) as err:
        raise DataError(f"{name} must be a number of metres, not {_short(value)}") from err
    if not math.isfinite(out) or (out < 0 and not allow_negative):
        raise DataError(f"{name} must be a finite{'' if allow_negative else ' non-negative'} "
                        f"number of metres, not {_short(value)}")
    return out


def _short(value: Any) -> str:
    """A value for an error message: its repr when short, else its type and shape."""
    text = repr(value)
    if len(text) <= 60 and "\n" not in text:
        return text
    shape = getattr(value, "shape", None)
    size = f" of shape {tuple(shape)}" if shape is not None else ""
    return f"a {type(value).__name__}{size}"


def _distance_and_range(meters: Any) -> tuple[float, float, float]:
    """(metres, min, max) of a number, a Distance or a one-row distance result.

    The argument of :func:`borderkit.measure.format_distance`; a
    :class:`~borderkit.measure.Distance` is known by its ``min_m``/``max_m``.
    """
    bounds = getattr(meters, "min_m", None), getattr(meters, "max_m", None)
    if isinstance(meters, float) and None not in bounds:
        value = _check_distance(meters, "meters", allow_negative=True)
        lo = _check_distance(bounds[0], "meters.min_m", allow_negative=True)
        return value, lo, _check_distance(bounds[1], "meters.max_m", allow_negative=True)
    if not isinstance(meters, pd.Series | pd.DataFrame):
        value = _check_distance(meters, "meters", allow_negative=True)
        return value, value, value
    if isinstance(meters, pd.Series) and "distance_m" in meters.index:
        meters = meters.to_frame().T  # one row of a table result
    kind = type(meters).__name__
    if len(meters) != 1:
        raise DataError(
            f"meters: got a {kind} of {len(meters)} rows; format_distance formats one "
            "distance: pick a row (result.iloc[i]) or label each one, e.g. "
            "[format_distance(m) for m in result['distance_m']]"
        )
    if isinstance(meters, pd.Series):
        return _distance_and_range(meters.iloc[0])
    if "distance_m" not in meters.columns:
        raise DataError(
            f"meters: a DataFrame needs a 'distance_m' column (has {list(meters.columns)[:10]})"
        )
    row = meters.iloc[0]
    value = _check_distance(row["distance_m"], "meters['distance_m']", allow_negative=True)
    lo = row.get("distance_min_m", value)
    hi = row.get("distance_max_m", value)
    return (value, _check_distance(lo, "meters['distance_min_m']", allow_negative=True),
            _check_distance(hi, "meters['distance_max_m']", allow_negative=True))
