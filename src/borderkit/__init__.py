"""borderkit: exact geodesic measurement and offline, brief-ready maps of borders.

The public API is :data:`__all__`. Submodules load on first use, so
``import borderkit`` stays cheap and has no side effects.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from .errors import (
    AmbiguousNameWarning,
    BorderkitError,
    BorderkitWarning,
    CoordinateError,
    CoverageWarning,
    CRSError,
    DataError,
    DatasetNotFoundError,
    DroppedFeatureWarning,
    EncodingError,
    ExportError,
    FileFormatError,
    GeometryError,
    MissingDependencyError,
    RenderError,
    RepairWarning,
    SpecError,
    SwappedCoordinatesWarning,
)

try:
    __version__ = version("borderkit")
except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    __version__ = "0.0.0"

# name -> submodule that defines it (loaded lazily on first attribute access)
_LAZY: dict[str, str] = {
    # load: shipped data
    "datasets": "data",
    "load": "data",
    "places": "data",
    "place": "data",
    "events": "data",
    "border": "data",
    "region": "data",
    "country": "world",
    "attribution": "data",
    "use_pack": "packs",
    # load: user files
    "read_layer": "io",
    "write_layer": "io",
    "parse_coordinate": "io",
    # measure
    "distance": "measure",
    "distance_matrix": "measure",
    "distance_to": "measure",
    "nearest_point": "measure",
    "within": "measure",
    "area": "measure",
    "length": "measure",
    "geodesic_line": "measure",
    "format_distance": "measure",
    "buffer": "buffers",
    "rings": "buffers",
    # render
    "BriefSpec": "spec",
    "Layer": "spec",
    "DistanceLine": "spec",
    "RangeRings": "spec",
    "preset": "presets",
    "BriefMap": "maps",
    "brief_map": "maps",
    "explore": "maps",
    "render_static": "static",
    # export
    "to_png": "export",
    "to_pdf": "export",
    "export_brief": "export",
    "write_layers": "export",
}

__all__ = [
    "__version__",
    "AmbiguousNameWarning",
    "BorderkitError",
    "BorderkitWarning",
    "CoordinateError",
    "CoverageWarning",
    "CRSError",
    "DataError",
    "DatasetNotFoundError",
    "DroppedFeatureWarning",
    "EncodingError",
    "ExportError",
    "FileFormatError",
    "GeometryError",
    "MissingDependencyError",
    "RenderError",
    "RepairWarning",
    "SpecError",
    "SwappedCoordinatesWarning",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'borderkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
