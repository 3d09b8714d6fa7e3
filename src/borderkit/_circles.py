"""Geodesic circles, and the lon/lat polygon checks every buffer shares (private).

A circle is ``Geod.fwd`` at evenly spaced azimuths around its centre, its
vertices pushed out by half the chord sagitta so that the error is centred on
the radius (see :func:`_circles`). :func:`_check_poles` refuses a buffer that
would hold a pole and :func:`_wrap_antimeridian` splits a polygon at +-180
degrees; :mod:`borderkit.buffers` uses both for lines and polygons too.
"""

from __future__ import annotations

import math

import numpy as np
import shapely

from ._ellipsoid import GEOD
from .errors import DataError, GeometryError

# rounds of the refining loops of circles and of the buffer fitting
_MAX_ROUNDS = 8
_EMPTY = shapely.Polygon()
# the smallest circle drawn: below this, vertices in degrees round onto each other
# (float64 steps of longitude are nanometres) and the polygon comes out invalid
MIN_RADIUS_M = 0.001


def _circle_count(r: float, tol: float) -> int:
    """Vertices so the chord sagitta of a circle of radius r is <= 1.8 tol (0.9 tol each side)."""
    sag = min(1.8 * tol / r, 1.0)
    return max(16, math.ceil(math.pi / math.acos(1.0 - sag)))


def _circles(
    lon: np.ndarray, lat: np.ndarray, r: float, tol: float, name: str = "distance_m"
) -> list:
    """Geodesic circles of radius r around points (a list of polygons).

    *name* is the argument that gave r, for the error when r is below
    :data:`MIN_RADIUS_M`.
    """
    if r <= 0:
        return [_EMPTY] * len(lon)
    if r < MIN_RADIUS_M:
        raise DataError(
            f"{name}: a circle of radius {r:g} m is below the smallest borderkit draws "
            f"({MIN_RADIUS_M * 1000:g} mm): longitudes and latitudes in degrees cannot hold a "
            "valid polygon that small; use a radius of at least 1 mm (or the point itself)"
        )
    _check_poles(lon, lat, r)
    count = _circle_count(r, tol)
    exact = False
    for _ in range(_MAX_ROUNDS):
        # push vertices out by half the sagitta so that vertex and midpoint errors balance
        sag = r * (1.0 - math.cos(math.pi / count))
        vlon, vlat = _circle_vertices(lon, lat, r + sag / 2, count, exact=exact)
        # check the circle nearest a pole, where lon/lat chords stray most from
        # the geodesic ones (the others are alike): vertices and edge midpoints
        row = int(np.argmax(np.abs(lat)))
        mlon = (vlon[row] + np.roll(vlon[row], -1)) / 2
        mlat = (vlat[row] + np.roll(vlat[row], -1)) / 2
        _, _, dm = GEOD.inv(np.full(2 * count, lon[row]), np.full(2 * count, lat[row]),
                            np.concatenate([vlon[row], mlon]), np.concatenate([vlat[row], mlat]))
        off = np.abs(np.asarray(dm) - r)
        if off.max() <= tol and sag / 2 <= tol:
            break
        if np.abs(off[:count] - sag / 2).max() > tol / 100:
            exact = True  # the interpolated vertices are off: compute them all
        else:
            count = math.ceil(count * 1.25)
    coords = np.stack([vlon, vlat], axis=2)
    coords = np.concatenate([coords, coords[:, :1]], axis=1)
    polys = shapely.polygons(coords)
    return [_wrap_antimeridian(p) for p in polys]


def _circle_vertices(
    lon: np.ndarray, lat: np.ndarray, radius: float, count: int, *, exact: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Points at *radius* from each centre at *count* evenly spaced azimuths from north.

    Returns (n, count) arrays of lon (continuous around each centre) and lat.
    Many vertices come from fewer exact ``Geod.fwd`` samples by trigonometric
    (FFT) interpolation: a circle's lon/lat offsets are smooth periodic
    functions of the azimuth whose harmonics fall off like (r / R)^k, so 64 or
    128 samples reproduce the exact points to far below a micrometre. Large
    circles, circles near a pole (where longitude offsets grow fast) and
    ``exact=True`` get every vertex from ``Geod.fwd``.
    """
    samples = 64 if radius <= 300_000 else 128
    near_pole = float(np.abs(lat).max()) + 1.5 * radius / 111_000 > 80.0
    if exact or count <= samples or radius > 1_000_000 or near_pole:
        samples = count
    az = np.linspace(0.0, 360.0, samples, endpoint=False)
    clon, clat = np.repeat(lon, samples), np.repeat(lat, samples)
    vlon, vlat, _ = GEOD.fwd(clon, clat, np.tile(az, len(lon)), np.full(len(clon), radius))
    vlon = _unwrap_around(np.asarray(vlon).reshape(len(lon), samples), lon)
    vlat = np.asarray(vlat).reshape(len(lon), samples)
    if samples == count:
        return vlon, vlat
    return _fourier_resample(vlon, count), _fourier_resample(vlat, count)


def _fourier_resample(values: np.ndarray, count: int) -> np.ndarray:
    """Resample periodic rows from their samples to *count* points (zero-padded FFT)."""
    samples = values.shape[1]
    spectrum = np.fft.rfft(values, axis=1)
    spectrum[:, -1] /= 2  # the Nyquist term of an even sample count splits in two
    padded = np.zeros((values.shape[0], count // 2 + 1), dtype=complex)
    padded[:, : spectrum.shape[1]] = spectrum
    return np.fft.irfft(padded, n=count, axis=1) * (count / samples)


def _circle_polygon(
    lon: float, lat: float, r: float, tol: float, name: str = "radii_m"
) -> shapely.Geometry:
    return _circles(np.array([lon]), np.array([lat]), r, tol, name)[0]


def _check_poles(lon: np.ndarray, lat: np.ndarray, r: float) -> None:
    for pole in (90.0, -90.0):
        _, _, d = GEOD.inv(lon, lat, lon, np.full(len(lat), pole))
        hit = np.flatnonzero(np.asarray(d) <= r)
        if len(hit):
            raise GeometryError(
                f"a {r:,.0f} m buffer around ({lon[hit[0]]}, {lat[hit[0]]}) contains the "
                f"{'North' if pole > 0 else 'South'} Pole, which a lon/lat polygon cannot hold; "
                "use a smaller distance"
            )


def _unwrap_around(vlon: np.ndarray, center_lon: np.ndarray) -> np.ndarray:
    """Longitudes within 180 degrees of each row's centre (continuous across +-180)."""
    ref = np.asarray(center_lon, dtype="float64").reshape(-1, 1)
    return ref + (vlon - ref + 180.0) % 360.0 - 180.0


def _wrap_antimeridian(poly: shapely.Geometry) -> shapely.Geometry:
    """Split a polygon whose longitudes run past +-180 and move the pieces back."""
    if poly.is_empty:
        return poly
    xmin, _, xmax, _ = poly.bounds
    if xmin >= -180.0 and xmax <= 180.0:
        return poly
    pieces: list[shapely.Polygon] = []
    for shift in (-360.0, 0.0, 360.0):
        window = shapely.box(-180.0 - shift, -90.0, 180.0 - shift, 90.0)
        part = shapely.intersection(poly, window)
        if not part.is_empty:
            part = shapely.transform(part, lambda xy, s=shift: xy + np.array([s, 0.0]))
            pieces.extend(p for p in shapely.get_parts(part) if isinstance(p, shapely.Polygon))
    return shapely.MultiPolygon(pieces) if len(pieces) > 1 else pieces[0]

