"""Reading through GDAL (pyogrio), shared by the GeoPackage and Shapefile formats."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import FileFormatError
from ._format import _REF, _UNCLOSED, _refs


def _gdal_error(p: Path, err: Exception) -> FileFormatError:
    return FileFormatError(f"GDAL cannot read {str(p)!r}: {err}")


def _gdal_frame(p: Path, *, layer: str | None = None, encoding: str | None = None) -> Any:
    import pyogrio

    try:
        gdf = pyogrio.read_dataframe(p, layer=layer, encoding=encoding, on_invalid="ignore")
    except Exception as err:  # noqa: BLE001
        raise _gdal_error(p, err) from err
    gdf[_REF] = _refs(gdf, "feature")
    gdf[_UNCLOSED] = False
    return gdf
