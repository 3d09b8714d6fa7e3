"""The :class:`LoadReport` of :func:`~borderkit.io.read_layer`, and the warnings announcing it."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

from ..errors import DroppedFeatureWarning, RepairWarning

_REPORT_KEY = "borderkit_report"


@dataclass
class LoadReport:
    """What :func:`read_layer` read, changed and dropped.

    Attributes
    ----------
    source : str
        The file path.
    format : str
        The detected format (one of ``READ_FORMATS``).
    layer : str or None
        The layer read (``"*"`` for all).
    source_crs : str or None
        The CRS the file stated (or the caller stated); output is EPSG:4326.
    n_read, n_loaded : int
        Features in the file and in the returned frame.
    repaired : list of dict
        One entry per repaired feature: ``feature``, ``problem``, ``action``,
        ``area_before_m2``, ``area_after_m2``, ``area_change_m2`` (geodesic,
        square metres; None for points and lines).
    dropped : list of dict
        One entry per dropped feature: ``feature`` and ``reason``.
    swapped : bool
        True when latitude and longitude were swapped back.
    notes : list of str
        Everything else worth knowing (assumed CRS, dropped Z, mixed types).
    """

    source: str
    format: str
    layer: str | None = None
    source_crs: str | None = None
    n_read: int = 0
    n_loaded: int = 0
    repaired: list[dict[str, Any]] = field(default_factory=list)
    dropped: list[dict[str, Any]] = field(default_factory=list)
    swapped: bool = False
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [
            f"{self.source} ({self.format}{', layer ' + repr(self.layer) if self.layer else ''}): "
            f"{self.n_loaded} of {self.n_read} features loaded, source CRS {self.source_crs}"
        ]
        for item in self.repaired:
            change = item.get("area_change_m2")
            extra = f", area change {change:+.6g} m2" if change is not None else ""
            lines.append(
                f"  repaired {item['feature']}: {item['problem']} -> {item['action']}{extra}"
            )
        lines += [f"  dropped {d['feature']}: {d['reason']}" for d in self.dropped]
        if self.swapped:
            lines.append("  latitude and longitude were swapped back")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def _announce(report: LoadReport, kinds: list[str]) -> None:
    """Warn once for all repairs and once for all drops, at read_layer's caller."""
    if report.repaired:
        counts: dict[str, int] = {}
        for k in kinds:
            counts[k] = counts.get(k, 0) + 1
        what = ", ".join(f"{n} {k}" for k, n in counts.items())
        changes = [r["area_change_m2"] for r in report.repaired if r["area_change_m2"]]
        area = f"; total area change {sum(changes):+.6g} m2" if changes else ""
        warnings.warn(
            f"{report.source}: repaired {len(report.repaired)} features ({what}){area}; "
            "details in gdf.attrs['borderkit_report'] (strict=True refuses instead)",
            RepairWarning,
            stacklevel=3,
        )
    if report.dropped:
        first = report.dropped[0]
        warnings.warn(
            f"{report.source}: dropped {len(report.dropped)} features (e.g. {first['feature']}: "
            f"{first['reason']}); list in gdf.attrs['borderkit_report'].dropped",
            DroppedFeatureWarning,
            stacklevel=3,
        )
