"""Small SVG drawings for the page: point markers, legend swatches, north arrow, inset.

Every value written into the SVG is either a number formatted here or a colour
checked by :func:`._escape.css_color`, so the markup is safe to insert as HTML.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import shapely

from ._escape import css_color, css_number, html

__all__ = ["inset_svg", "marker_svg", "north_arrow_svg", "swatch_svg", "InsetFrame"]


def _n(value: float) -> str:
    """A short, deterministic number for SVG attributes."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _paint(style: Mapping[str, Any], *, fill: bool = True) -> str:
    color = css_color(style["color"], where="style color")
    weight = css_number(style["weight"], where="style weight")
    out = f'stroke="{color}" stroke-width="{_n(weight)}"'
    if fill:
        fcolor = css_color(style.get("fill") or style["color"], where="style fill")
        opacity = css_number(style.get("fill_opacity", 1.0), where="style fill_opacity")
        out += f' fill="{fcolor}" fill-opacity="{_n(opacity)}"'
    else:
        out += ' fill="none"'
    dash = style.get("dash")
    if dash:
        out += f' stroke-dasharray="{html(dash_array(dash))}"'
    return out


def dash_array(dash: Any) -> str:
    """Check a dash pattern like ``"6 4"`` (numbers only) and return it normalised."""
    parts = str(dash).replace(",", " ").split()
    return " ".join(_n(css_number(p, where="style dash")) for p in parts)


def _marker_shape(kind: str, c: float, r: float) -> str:
    if kind == "square":
        s = r * 0.85
        return f'<rect x="{_n(c - s)}" y="{_n(c - s)}" width="{_n(2 * s)}" height="{_n(2 * s)}"'
    if kind == "triangle":
        pts = [(c, c - r), (c + r * 0.95, c + r * 0.72), (c - r * 0.95, c + r * 0.72)]
    elif kind == "diamond":
        pts = [(c, c - r), (c + r, c), (c, c + r), (c - r, c)]
    elif kind == "star":
        pts = []
        for i in range(10):
            rad = r if i % 2 == 0 else r * 0.45
            ang = -math.pi / 2 + i * math.pi / 5
            pts.append((c + rad * math.cos(ang), c + rad * math.sin(ang)))
    elif kind == "cross":
        t = r * 0.32
        pts = [(c - t, c - r), (c + t, c - r), (c + t, c - t), (c + r, c - t), (c + r, c + t),
               (c + t, c + t), (c + t, c + r), (c - t, c + r), (c - t, c + t), (c - r, c + t),
               (c - r, c - t), (c - t, c - t)]
    else:  # circle
        return f'<circle cx="{_n(c)}" cy="{_n(c)}" r="{_n(r)}"'
    return '<polygon points="' + " ".join(f"{_n(x)},{_n(y)}" for x, y in pts) + '"'


def marker_svg(style: Mapping[str, Any]) -> str:
    """The SVG of a point marker, ``2 * radius + 4`` pixels square.

    Examples
    --------
    >>> marker_svg({"color": "#000", "fill": "#fff", "weight": 1, "fill_opacity": 1,
    ...             "marker": "circle", "radius": 4})  # doctest: +ELLIPSIS
    '<svg width="12" height="12" ...><circle cx="6" cy="6" r="4" stroke="#000" .../></svg>'
    """
    r = css_number(style.get("radius", 5), where="style radius")
    d = 2 * r + 4
    shape = _marker_shape(str(style.get("marker", "circle")), d / 2, r)
    paint = _paint({**style, "dash": None})
    return (
        f'<svg width="{_n(d)}" height="{_n(d)}" '
        f'viewBox="0 0 {_n(d)} {_n(d)}">{shape} {paint}/></svg>'
    )


def swatch_svg(style: Mapping[str, Any]) -> str:
    """A 30 x 16 pixel legend swatch for a layer style."""
    geom = style.get("geom")
    if geom == "point":
        inner = marker_svg(style)
        return f'<svg width="30" height="16" viewBox="0 0 30 16" overflow="visible">' \
               f'<g transform="translate({_n(15 - (css_number(style.get("radius", 5)) + 2))},' \
               f'{_n(8 - (css_number(style.get("radius", 5)) + 2))})">{inner}</g></svg>'
    if geom == "line":
        shape = f'<line x1="2" y1="8" x2="28" y2="8" {_paint(style, fill=False)}/>'
    else:
        shape = f'<rect x="2" y="2" width="26" height="12" {_paint(style)}/>'
    return f'<svg width="30" height="16" viewBox="0 0 30 16">{shape}</svg>'


def north_arrow_svg() -> str:
    """A north arrow (web maps here are north-up)."""
    return (
        '<svg width="26" height="40" viewBox="0 0 26 40" role="img" aria-label="North">'
        '<text x="13" y="11" text-anchor="middle" font-size="12" font-weight="bold" '
        'font-family="DejaVu Sans, Arial, sans-serif">N</text>'
        '<path d="M13 14 L21 37 L13 31 Z" fill="#222"/>'
        '<path d="M13 14 L5 37 L13 31 Z" fill="#fff" stroke="#222" stroke-width="1"/></svg>'
    )


class InsetFrame:
    """The inset's equirectangular frame: ``x = (lon * k - x0) / s``, ``y = (y1 - lat) / s``."""

    def __init__(self, bounds: tuple[float, float, float, float], width: int, height: int,
                 zoom_out: float = 3.5, min_span_deg: float = 12.0) -> None:
        lon0, lat0, lon1, lat1 = bounds
        cx, cy = (lon0 + lon1) / 2, (lat0 + lat1) / 2
        self.k = max(math.cos(math.radians(cy)), 0.05)
        self.width, self.height = width, height
        span_x = max((lon1 - lon0) * self.k * zoom_out, min_span_deg * self.k)
        span_y = max((lat1 - lat0) * zoom_out, min_span_deg * 0.6)
        self.s = max(span_x / width, span_y / height)
        self.x0 = cx * self.k - width / 2 * self.s
        self.y1 = min(cy + height / 2 * self.s, 89.0)
        self.window = (
            max(self.x0 / self.k, -180.0),
            max(self.y1 - height * self.s, -89.0),
            min((self.x0 + width * self.s) / self.k, 180.0),
            self.y1,
        )

    def xy(self, coords: np.ndarray) -> np.ndarray:
        out = np.empty_like(coords)
        out[:, 0] = (coords[:, 0] * self.k - self.x0) / self.s
        out[:, 1] = (self.y1 - coords[:, 1]) / self.s
        return out


def _path(geom: Any, frame: InsetFrame) -> str:
    parts: list[str] = []
    polys = getattr(geom, "geoms", [geom])
    for poly in polys:
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        for ring in [poly.exterior, *poly.interiors]:
            xy = frame.xy(shapely.get_coordinates(ring))
            if len(xy) < 4:
                continue
            pts = " ".join(f"{x:.1f} {y:.1f}" for x, y in xy[:-1])
            parts.append(f"M{pts}Z")
    return "".join(parts)


def inset_svg(countries: Any, bounds: tuple[float, float, float, float], *,
              width: int = 180, height: int = 130) -> str:
    """A locator map: national outlines around *bounds* with the map's extent in red.

    Parameters
    ----------
    countries : GeoDataFrame
        National outlines in EPSG:4326; with a ``name`` column, the countries in the
        map's extent are named where their outline leaves room for the name.
    bounds : tuple of float
        The main map's extent ``(lon_min, lat_min, lon_max, lat_max)`` in degrees.

    Returns
    -------
    str
        An ``<svg>`` element with ``id="bk-inset-svg"``; its ``data-*`` attributes let
        the page move the red frame as the main map pans.
    """
    frame = InsetFrame(bounds, width, height)
    geoms = countries.geometry.to_numpy()
    clipped = shapely.clip_by_rect(geoms, *frame.window)
    keep = ~(shapely.is_missing(clipped) | shapely.is_empty(clipped))
    simple = shapely.simplify(clipped[keep], frame.s * 0.8, preserve_topology=True)
    names = (countries["name"].to_numpy()[keep] if "name" in countries.columns
             else np.array([None] * int(keep.sum())))
    view_box = shapely.box(*bounds)
    centre = shapely.Point((bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2)
    paths = []
    for geom in simple:
        d = _path(geom, frame)
        if not d:
            continue
        home = bool(shapely.intersects(geom, centre))
        fill = "#e6dcc3" if home else "#fbf8ef"
        paths.append(f'<path d="{d}" fill="{fill}" stroke="#7a7a7a" stroke-width="0.6"/>')
    view = frame.xy(np.array([[bounds[0], bounds[3]], [bounds[2], bounds[1]]]))
    (vx, vy), (vx1, vy1) = view
    box = (vx, vy, max(vx1, vx + 2), max(vy1, vy + 2))
    return (
        f'<svg id="bk-inset-svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="Locator map" '
        f'data-k="{frame.k:.6f}" data-x0="{frame.x0:.6f}" data-y1="{frame.y1:.6f}" '
        f'data-s="{frame.s:.8f}">'
        f'<rect width="{width}" height="{height}" fill="#dbe7ef"/>'
        + "".join(paths)
        + "".join(_inset_names(simple, names, view_box, frame, box))
        + f'<rect class="bk-inset-view" x="{vx:.1f}" y="{vy:.1f}" '
        f'width="{max(vx1 - vx, 2):.1f}" height="{max(vy1 - vy, 2):.1f}" fill="none" '
        'stroke="#d50000" stroke-width="1.6"/></svg>'
    )


# the inset's country names: font size and the width of a character, in pixels
_NAME_PX = 9.0
_CHAR_PX = 5.0


def _inset_names(geoms: np.ndarray, names: np.ndarray, view_box: Any, frame: InsetFrame,
                 red: tuple[float, float, float, float], most: int = 4) -> list[str]:
    """``<text>`` names of the countries in the map's extent, largest first, each inside
    its own outline, off the red frame and the other names (left out when no room)."""
    # the page widens the red frame to the visible view: keep names off a margin round it
    gx, gy = 0.3 * (red[2] - red[0]) + 3, 0.3 * (red[3] - red[1]) + 3
    placed: list[tuple[float, float, float, float]] = [
        (red[0] - gx, red[1] - gy, red[2] + gx, red[3] + gy)]
    out: list[str] = []
    order = sorted(range(len(geoms)), key=lambda i: -float(shapely.area(geoms[i])))
    for i in order:
        if len(out) >= most or names[i] is None or not shapely.intersects(geoms[i], view_box):
            continue
        spot = _name_spot(geoms[i], str(names[i]), frame, placed)
        if spot is None:
            continue
        placed.append(spot)
        x, y = (spot[0] + spot[2]) / 2, spot[3] - 2
        out.append(f'<text class="bk-inset-name" x="{_n(x)}" y="{_n(y)}" '
                   f'text-anchor="middle" font-size="{_n(_NAME_PX)}" fill="#333" '
                   'font-family="DejaVu Sans, Arial, sans-serif" stroke="#fff" '
                   f'stroke-width="2" paint-order="stroke">{html(str(names[i]))}</text>')
    return out


def _name_spot(geom: Any, name: str, frame: InsetFrame,
               placed: list[tuple[float, float, float, float]]
               ) -> tuple[float, float, float, float] | None:
    """A box for *name* in pixels, inside the outline's largest part and clear of *placed*
    (tried on a grid over the part, nearest its inner point first)."""
    part = max(getattr(geom, "geoms", [geom]), key=lambda g: float(g.area))
    if part.geom_type != "Polygon" or part.is_empty:
        return None
    pix = shapely.make_valid(shapely.Polygon(frame.xy(shapely.get_coordinates(part.exterior))))
    w, h = len(name) * _CHAR_PX + 2, _NAME_PX + 2
    inner = shapely.point_on_surface(pix)
    px0, py0, px1, py1 = pix.bounds
    spots = [(float(x), float(y)) for x in np.linspace(px0 + w / 2, px1 - w / 2, 7)
             for y in np.linspace(py0 + h / 2, py1 - h / 2, 7)] if px1 - px0 >= w else []
    spots.sort(key=lambda p: (p[0] - inner.x) ** 2 + (p[1] - inner.y) ** 2)
    for cx, cy in [(inner.x, inner.y), *spots]:
        box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
        if box[0] < 0 or box[1] < 0 or box[2] > frame.width or box[3] > frame.height:
            continue
        if shapely.box(*box).intersection(pix).area < 0.8 * w * h:
            continue
        if not any(_overlap(box, other) for other in placed):
            return box
    return None


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
