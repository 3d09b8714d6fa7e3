"""What a renderer shows for a cell, and where a feature's label attaches.

Both renderers (the Leaflet page in :mod:`borderkit.maps` and the print map in
:mod:`borderkit.static`) call these, so the two maps label alike. Re-exported
by :mod:`borderkit.spec`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import shapely

__all__ = ["display_text", "label_anchor"]


def display_text(value: Any) -> str | None:
    """The text a renderer shows for one cell (label, popup), or None when missing.

    One rule for every renderer, so the HTML and print maps label alike: dates as
    ``2020-05-14`` (with the time only when it is not midnight), floats with
    ``:g``, lists joined by ``", "``; NaN, NaT, None and blank text are missing.

    Examples
    --------
    >>> import pandas as pd
    >>> display_text(pd.Timestamp("2020-05-14")), display_text(float("nan")), display_text(2.50)
    ('2020-05-14', None, '2.5')
    """
    import datetime as _dt

    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating):
        return f"{value:g}" if math.isfinite(value) else None
    if isinstance(value, pd.Timestamp | _dt.datetime):
        stamp = pd.Timestamp(value)
        return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple | np.ndarray):
        items = [t for t in (display_text(v) for v in value) if t]
        return ", ".join(items) or None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    text = str(value)
    return text if text.strip() else None


def label_anchor(geom: Any, kind: str) -> tuple[float, float] | None:
    """Where a feature's label attaches (lon, lat), the same for every renderer.

    A point (the first of a multipoint), the top of a range ring, the middle of
    the longest part of a line, or a point inside a polygon; ``None`` when empty.

    Examples
    --------
    >>> label_anchor(shapely.LineString([(0, 0), (2, 0)]), "border")
    (1.0, 0.0)
    """
    if geom is None or geom.is_empty:
        return None
    gtype = geom.geom_type
    if gtype == "Point":
        return float(geom.x), float(geom.y)
    if gtype == "MultiPoint":
        first = geom.geoms[0]
        return float(first.x), float(first.y)
    if kind == "ring":
        xy = shapely.get_coordinates(geom)
        top = xy[int(np.argmax(xy[:, 1]))]
        return float(top[0]), float(top[1])
    if "LineString" in gtype:
        longest = max(shapely.get_parts(geom), key=lambda g: g.length)
        pt = longest.interpolate(0.5, normalized=True)
        return float(pt.x), float(pt.y)
    pt = shapely.point_on_surface(geom)
    return float(pt.x), float(pt.y)
