"""Physical context of the region pack: rivers, lakes, label points and a hillshade.

The files live in ``data/physical/`` of the repository and in
``borderkit/_data/physical`` of an installed wheel, next to a
``datapackage.json`` that records each file's sha256, sources, licences and how
it was built (``scripts/build_physical.py``). Nothing is read at import; each
file is read on first use and its bytes are checked against the manifest's
sha256 before they are parsed, so a modified file raises
:class:`~borderkit.errors.DataError` instead of drawing wrong terrain.

* :func:`rivers` - river centrelines (GSHHG/WDBII, LGPL-3.0-or-later), unnamed;
* :func:`lakes` - lakes and reservoirs (OpenStreetMap via geo-maps, ODbL);
* :func:`physical_labels` - curated label points for rivers, lakes, ranges and
  valleys, with English, Russian and Tajik names, an angle and a cited source;
* :func:`hillshade` - a greyscale JPEG of the region's box (rows in Web Mercator
  spacing, so it lies exactly on a Leaflet map), as bytes for the page and as a
  numpy array or a sampler for matplotlib.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import threading
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np

from . import _shipped
from .errors import DataError

__all__ = ["Hillshade", "hillshade", "lakes", "physical_attribution", "physical_labels", "rivers"]

log = logging.getLogger(__name__)

REBUILD = "reinstall borderkit, or rebuild the files with scripts/build_physical.py"


@lru_cache(maxsize=1)
def _data_dir() -> Path:
    """The folder of the physical layers: the wheel's copy first, else the checkout's."""
    return _shipped.data_folder("physical", "the physical layers", "scripts/build_physical.py")


@lru_cache(maxsize=1)
def _manifest() -> dict[str, dict[str, Any]]:
    return _shipped.read_manifest(_data_dir(), "physical")[1]


_read_lock = threading.Lock()


def _checked_bytes(name: str) -> bytes:
    """The bytes of resource *name*, after checking them against the manifest's sha256."""
    res = _manifest()[name]
    return _shipped.checked_bytes(_data_dir() / res["path"], res, f"physical layer {name!r}",
                                  "scripts/build_physical.py")


@lru_cache(maxsize=8)
def _frame(name: str) -> gpd.GeoDataFrame:
    with _read_lock:
        data = _checked_bytes(name)
    res = _manifest()[name]
    try:
        features = json.loads(data.decode("utf-8"))["features"]
        frame = gpd.GeoDataFrame.from_features(features, crs="EPSG:4326")
    except (ValueError, KeyError, TypeError) as err:
        raise DataError(f"physical layer {name!r}: cannot parse {res['path']!r}: {err}") from err
    columns = [c for c in res.get("columns", []) if c in frame.columns]
    missing = [c for c in res.get("columns", []) if c not in frame.columns]
    if missing or len(frame) != int(res.get("feature_count", len(frame))):
        raise DataError(
            f"physical layer {name!r}: {res['path']!r} has {len(frame)} features and lacks "
            f"columns {missing}; the manifest says {res.get('feature_count')} features. {REBUILD}"
        )
    log.debug("loaded physical layer %s (%d features)", name, len(frame))
    return frame[[*columns, "geometry"]]


def rivers() -> gpd.GeoDataFrame:
    """River centrelines of the region (unnamed lines), for drawing under the borders.

    Returns
    -------
    geopandas.GeoDataFrame
        LineStrings in EPSG:4326 with ``length_m`` (geodesic, metres) and the
        provenance columns ``source``, ``source_version``, ``source_date``,
        ``license``, ``precision_m`` (metres) and ``note``. A copy.

    Raises
    ------
    DataError
        If the file is missing or differs from its sha256 in the manifest.

    Examples
    --------
    >>> from borderkit import _physical
    >>> r = _physical.rivers()
    >>> sorted(set(r.geom_type)), r.crs.to_epsg()
    (['LineString'], 4326)
    """
    return _frame("rivers").copy()


def lakes() -> gpd.GeoDataFrame:
    """Lakes and reservoirs of the region (1 km² and larger), unnamed polygons.

    Returns
    -------
    geopandas.GeoDataFrame
        Polygons (a few MultiPolygons) in EPSG:4326 with ``area_m2`` (geodesic,
        square metres) and the provenance columns. A copy.

    Raises
    ------
    DataError
        If the file is missing or differs from its sha256 in the manifest.
    """
    return _frame("lakes").copy()


def physical_labels() -> gpd.GeoDataFrame:
    """Curated label points for rivers, lakes, ranges and valleys.

    Returns
    -------
    geopandas.GeoDataFrame
        Points in EPSG:4326 with ``id``, ``kind`` (river, lake, range, valley),
        ``name`` (English), ``name_ru``, ``name_tg`` (empty when not given),
        ``angle`` (degrees counterclockwise from east for text along a river,
        measured on a map whose longitudes are shrunk by cos(latitude)),
        ``reference_lon``/``reference_lat`` and ``moved_m`` (the cited point and
        how far it was moved onto the shipped geometry), ``placement`` and the
        provenance columns. A copy.

    Raises
    ------
    DataError
        If the file is missing or differs from its sha256 in the manifest.

    Examples
    --------
    >>> from borderkit import _physical
    >>> labels = _physical.physical_labels()
    >>> labels.set_index("id").loc["panj", "kind"]
    'river'
    """
    return _frame("labels").copy()


ROW_GRIDS = ("mercator", "latitude")


def _mercator_y(lat: np.ndarray | float) -> np.ndarray:
    """Web Mercator (EPSG:3857) northing of *lat* (degrees) on the unit sphere."""
    return np.log(np.tan(np.pi / 4 + np.radians(lat) / 2))


@dataclass(frozen=True)
class Hillshade:
    """A greyscale hillshade of a lon/lat box, stored with Web Mercator rows.

    Columns are equally spaced in longitude and rows equally spaced in Web
    Mercator northing, so the image drops onto a Leaflet map exactly with
    ``L.imageOverlay(uri, [[south, west], [north, east]])``. For any other
    projection use :meth:`sample` (warp) or ``array(rows="latitude")`` (a
    lon/lat axes).

    Attributes
    ----------
    data : bytes
        The image file as shipped (embed it as a ``data:`` URI in the page).
    media_type : str
        Its media type (``image/jpeg``).
    bounds : tuple of float
        Outer pixel edges ``(west, south, east, north)`` in degrees: the image
        spans exactly this box, row 0 at the north edge.
    width, height : int
        Size in pixels.
    meta : dict
        The manifest's ``raster`` facts (pixel size, azimuth, altitude, vertical
        exaggeration, grey value of flat ground ...) plus ``attribution``,
        ``licenses`` and ``sources``.
    """

    data: bytes = field(repr=False)
    media_type: str
    bounds: tuple[float, float, float, float]
    width: int
    height: int
    meta: dict[str, Any] = field(repr=False, compare=False)

    @cached_property
    def _decoded(self) -> np.ndarray:
        from matplotlib import image as mpl_image

        fmt = self.media_type.removeprefix("image/")
        try:
            arr = np.asarray(mpl_image.imread(io.BytesIO(self.data), format=fmt))
        except (OSError, ValueError) as err:
            raise DataError(f"physical layer 'hillshade': cannot decode the image: {err}") from err
        if arr.ndim == 3:  # a decoder that returns RGB(A) for a grey image
            arr = arr[..., 0]
        if arr.shape != (self.height, self.width):
            raise DataError(
                f"physical layer 'hillshade': image is {arr.shape[1]}x{arr.shape[0]} pixels, "
                f"the manifest says {self.width}x{self.height}; {REBUILD}"
            )
        arr = arr.astype(np.uint8, copy=True)
        arr.flags.writeable = False
        return arr

    def array(self, *, rows: str = "mercator") -> np.ndarray:
        """The image as a ``(height, width)`` uint8 array (0 dark, 255 light).

        Decoded with :func:`matplotlib.image.imread` (Pillow, which does the
        decoding, is one of matplotlib's own requirements; borderkit does not
        import it).

        Parameters
        ----------
        rows : {"mercator", "latitude"}
            ``"mercator"``: the rows as stored, for a Web Mercator axes.
            ``"latitude"``: rows resampled to equal steps of latitude, for
            ``imshow(..., extent=(west, east, south, north))`` in a lon/lat axes.

        Raises
        ------
        ValueError
            If *rows* is not one of the two values.
        DataError
            If the image cannot be decoded or its size differs from the manifest.
        """
        if rows not in ROW_GRIDS:
            raise ValueError(f"rows must be one of {', '.join(ROW_GRIDS)}; got {rows!r}")
        if rows == "mercator":
            return self._decoded.copy()
        _w, south, _e, north = self.bounds
        lats = north - (np.arange(self.height) + 0.5) * (north - south) / self.height
        frac, top = self._row_weights(lats)
        img = self._decoded.astype(np.float64)
        out = img[top] * (1 - frac)[:, None] + img[top + 1] * frac[:, None]
        return np.clip(np.round(out), 0, 255).astype(np.uint8)

    def _row_weights(self, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        _w, south, _e, north = self.bounds
        y_n, y_s = _mercator_y(north), _mercator_y(south)
        f = np.clip((y_n - _mercator_y(lat)) / (y_n - y_s) * self.height - 0.5, 0, self.height - 1)
        top = np.minimum(np.floor(f).astype(int), self.height - 2)
        return f - top, top

    def sample(self, lon: Any, lat: Any) -> np.ndarray:
        """Grey values (bilinear, float) at *lon*, *lat* (degrees, same shape); NaN outside.

        This is how a renderer in another projection warps the image: make the
        pixel grid of its map, turn the pixel centres into lon/lat, and sample.
        """
        lon_a, lat_a = np.broadcast_arrays(np.asarray(lon, float), np.asarray(lat, float))
        west, south, east, north = self.bounds
        inside = (lon_a >= west) & (lon_a <= east) & (lat_a >= south) & (lat_a <= north)
        lat_c = np.clip(np.nan_to_num(lat_a, nan=south), south, north)
        fy, top = self._row_weights(lat_c)
        fx = np.clip((np.nan_to_num(lon_a, nan=west) - west) / (east - west) * self.width - 0.5,
                     0, self.width - 1)
        left = np.minimum(np.floor(fx).astype(int), self.width - 2)
        tx = fx - left
        img = self._decoded.astype(np.float64)
        upper = img[top, left] * (1 - tx) + img[top, left + 1] * tx
        lower = img[top + 1, left] * (1 - tx) + img[top + 1, left + 1] * tx
        return np.where(inside, upper * (1 - fy) + lower * fy, np.nan)

    def data_uri(self) -> str:
        """``data:<media type>;base64,...`` for an ``<img>`` or a Leaflet image overlay."""
        return f"data:{self.media_type};base64," + base64.b64encode(self.data).decode("ascii")


@lru_cache(maxsize=1)
def hillshade() -> Hillshade:
    """The region's hillshade image, its lon/lat bounds and how it was made.

    Returns
    -------
    Hillshade
        Bytes for the page (:meth:`Hillshade.data_uri`), a numpy array for
        matplotlib (:meth:`Hillshade.array`), ``bounds`` (west, south, east,
        north; outer pixel edges, degrees) and ``meta``.

    Raises
    ------
    DataError
        If the file is missing or differs from its sha256 in the manifest.

    Examples
    --------
    >>> from borderkit import _physical
    >>> shade = _physical.hillshade()
    >>> shade.media_type, shade.bounds
    ('image/jpeg', (60.0, 33.0, 80.0, 44.0))
    """
    res = _manifest()["hillshade"]
    with _read_lock:
        data = _checked_bytes("hillshade")
    raster = dict(res.get("raster", {}))
    try:
        west, south, east, north = (float(v) for v in raster["bounds"])
        width, height = int(raster["width"]), int(raster["height"])
    except (KeyError, TypeError, ValueError) as err:
        raise DataError(f"physical manifest: hillshade raster facts unreadable: {err}") from err
    meta = {**raster, "attribution": res.get("attribution", ""),
            "licenses": res.get("licenses", []), "sources": res.get("sources", [])}
    return Hillshade(data, res.get("mediatype", "image/jpeg"), (west, south, east, north),
                     width, height, meta)


def physical_attribution() -> list[str]:
    """Attribution texts of the physical layers (rivers, lakes, labels, terrain), in order.

    Examples
    --------
    >>> from borderkit import _physical
    >>> any("OpenStreetMap" in a for a in _physical.physical_attribution())
    True
    """
    found = [str(res.get("attribution", "")) for res in _manifest().values()]
    return [a for a in dict.fromkeys(found) if a]
