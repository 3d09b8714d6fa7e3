"""Exceptions and warnings raised by borderkit.

Every error a user can cause is a subclass of :class:`BorderkitError`, and each
subclass also inherits the builtin exception it resembles, so callers may catch
either ``borderkit.DataError`` or plain ``ValueError``.
"""

from __future__ import annotations

__all__ = [
    "BorderkitError",
    "DataError",
    "CRSError",
    "CoordinateError",
    "GeometryError",
    "DatasetNotFoundError",
    "FileFormatError",
    "EncodingError",
    "SpecError",
    "MissingDependencyError",
    "RenderError",
    "ExportError",
    "BorderkitWarning",
    "RepairWarning",
    "SwappedCoordinatesWarning",
    "DroppedFeatureWarning",
    "AmbiguousNameWarning",
    "CoverageWarning",
]


class BorderkitError(Exception):
    """Root of every error that borderkit raises on purpose."""


class DataError(BorderkitError, ValueError):
    """Input data is malformed, out of range or otherwise unusable."""


class CRSError(BorderkitError, ValueError):
    """A coordinate reference system is missing, unknown or unusable."""


class CoordinateError(DataError):
    """A coordinate is NaN, infinite, out of range or cannot be parsed."""


class GeometryError(DataError):
    """A geometry is empty, of the wrong type, or invalid in strict mode."""


class FileFormatError(DataError):
    """A file is not in the format its name or the caller says, or is damaged."""


class EncodingError(DataError):
    """Text cannot be decoded, or would be lost when encoded for writing."""


class SpecError(BorderkitError, ValueError):
    """A map specification (Python or spec file) has a bad key or value."""


class DatasetNotFoundError(BorderkitError, LookupError):
    """A shipped layer, place, region or border name is not known."""


class MissingDependencyError(BorderkitError, ImportError):
    """An optional dependency or system program is not installed."""


class RenderError(BorderkitError, RuntimeError):
    """A map could not be rendered."""


class ExportError(BorderkitError, RuntimeError):
    """A map or layer could not be exported or written."""


class BorderkitWarning(UserWarning):
    """Root of borderkit's warnings."""


class RepairWarning(BorderkitWarning):
    """A geometry or value was repaired; the report says what changed."""


class SwappedCoordinatesWarning(BorderkitWarning):
    """Coordinates look like latitude and longitude were swapped."""


class DroppedFeatureWarning(BorderkitWarning):
    """Features were dropped (for example NaN or empty); the report lists them."""


class AmbiguousNameWarning(BorderkitWarning):
    """A name matched several places or regions; the most likely one was taken.

    The message lists the others and how to choose (``country=``).
    """


class CoverageWarning(BorderkitWarning):
    """A map or lookup leaves the area a data pack covers; the message names what covers it."""

