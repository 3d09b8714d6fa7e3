"""Benchmark: print maps with 1,000 labels, and the cost of TrueType (Type 42) PDF fonts.

Labels. 1,000 point labels over the Pamirs (fixed seed) on a 10 in map:

* borderkit: ``render_static`` places every label clear of the others (candidate
  spots on a grid index, leader lines when set off) and draws them as one halo
  path and one letter path; "place" is the render time minus the same map with
  ``labels=False``; then the PNG (150 dpi) and PDF saves;
* the common way: the same map without labels, then one ``ax.text`` per label
  with a white ``withStroke`` halo, no collision handling at all (what most
  scripts do), and the same saves.

Fonts. A small map whose title has Chinese in it, and one without, saved as PDF
with matplotlib's Type 3 fonts, plain Type 42 (the CJK collection subset as well)
and borderkit's choice (Type 42, CJK text drawn as outlines).

Run: ``make bench`` or ``python -m bench print``.
"""

from __future__ import annotations

import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

N_LABELS = 1000


def _spec(n: int, labels: bool):
    import geopandas as gpd
    import shapely

    import borderkit as bk

    rng = np.random.default_rng(5)
    lon, lat = rng.uniform(67.5, 75.0, n), rng.uniform(36.8, 41.0, n)
    pts = gpd.GeoDataFrame({"name": [f"Place {i}" for i in range(n)]},
                           geometry=shapely.points(lon, lat), crs="EPSG:4326")
    return bk.BriefSpec(title="Labels", layers=[bk.Layer(pts, kind="city", labels=labels)],
                        uncertainty=False, inset=False, legend=False,
                        bounds=(67.0, 36.5, 75.5, 41.2)).resolve()


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def _saves(fig, folder: Path, name: str) -> tuple[float, float]:
    from borderkit.static import save_figure

    _, png = _timed(lambda: save_figure(fig, folder / f"{name}.png", dpi=150))
    _, pdf = _timed(lambda: save_figure(fig, folder / f"{name}.pdf"))
    return png, pdf


def _common_way(spec, folder: Path) -> tuple[float, float, float]:
    """The map without labels plus one haloed ax.text per label: (draw, png, pdf) seconds."""
    from matplotlib import patheffects

    import borderkit as bk

    fig = bk.render_static(_spec(N_LABELS, False), dpi=150)
    t0 = time.perf_counter()
    ax, proj = fig.axes[0], fig.borderkit.crs
    import pyproj

    lyr = spec.layers[0].frame
    x, y = pyproj.Transformer.from_crs(4326, proj, always_xy=True).transform(
        lyr.geometry.x.to_numpy(), lyr.geometry.y.to_numpy())
    halo = [patheffects.withStroke(linewidth=2.4, foreground="white")]
    for name, a, b in zip(lyr["name"], x, y, strict=True):
        ax.text(a, b, name, fontsize=7.5, path_effects=halo, zorder=150)
    draw = time.perf_counter() - t0
    png, pdf = _saves(fig, folder, "common")
    return draw, png, pdf


def labels(folder: Path) -> None:
    import borderkit as bk

    plain, t_plain = _timed(lambda: bk.render_static(_spec(N_LABELS, False), dpi=150))
    spec = _spec(N_LABELS, True)
    fig, t_full = _timed(lambda: bk.render_static(spec, dpi=150))
    place = t_full - t_plain
    png, pdf = _saves(fig, folder, "borderkit")
    moved = [r for r in fig.borderkit.report if "leader line" in r]
    crowded = sum("overlaps" in r for r in fig.borderkit.report)
    c_draw, c_png, c_pdf = _common_way(spec, folder)
    print(f"{N_LABELS} labels, 10 in map ({len(fig.borderkit.labels)} drawn; "
          f"{moved[0] if moved else 'none moved'}; {crowded} still overlapping)")
    print(f"{'':<28}{'place':>8}{'PNG':>8}{'PDF':>8}   seconds")
    print(f"{'borderkit (placed)':<28}{place:8.2f}{png:8.2f}{pdf:8.2f}")
    print(f"{'ax.text + halo (unplaced)':<28}{c_draw:8.2f}{c_png:8.2f}{c_pdf:8.2f}")
    print(f"{'ratio borderkit / common':<28}{'':>8}{png / c_png:8.2f}{pdf / c_pdf:8.2f}")


def _font_spec(cjk: bool):
    import geopandas as gpd
    import shapely

    import borderkit as bk

    pts = gpd.GeoDataFrame({"name": ["Kashgar", "Murghab"]},
                           geometry=[shapely.Point(75.99, 39.47), shapely.Point(73.97, 38.17)],
                           crs="EPSG:4326")
    title = "喀什 and Murghab 塔什库尔干" if cjk else "Kashgar and Murghab"
    return bk.BriefSpec(title=title, notes=["Кашгар 喀什" if cjk else "Кашгар"],
                        layers=[bk.Layer(pts, kind="city", labels=True)], uncertainty=False,
                        inset=False).resolve()


def fonts(folder: Path) -> None:
    import borderkit as bk
    from borderkit.static import _output, save_figure

    print("\nPDF save (s), median of 3; text with Chinese in the title and notes, or without")
    print(f"{'':<30}{'Latin/Cyrillic':>16}{'with CJK':>10}")
    rows = {"Type 3 (matplotlib default)": (3, False), "Type 42 everywhere": (42, False),
            "Type 42, CJK as outlines": (42, True)}
    keep = dict(_output._RC)
    try:
        for label, (fonttype, outline) in rows.items():
            times = []
            for cjk in (False, True):
                _output._RC["pdf.fonttype"] = fonttype
                fig = bk.render_static(_font_spec(cjk), dpi=72)
                runs = []
                for _ in range(3):
                    with _no_outline(not outline):
                        _, t = _timed(lambda f=fig: save_figure(f, folder / "f.pdf"))
                    runs.append(t)
                times.append(sorted(runs)[1])
            print(f"{label:<30}{times[0]:16.2f}{times[1]:10.2f}")
    finally:
        _output._RC.clear()
        _output._RC.update(keep)


class _no_outline:  # noqa: N801 - a context manager used like a function
    """Turn borderkit's CJK outlining off (to time plain Type 42)."""

    def __init__(self, on: bool) -> None:
        self.on = on

    def __enter__(self) -> None:
        from borderkit.static import _output

        self.saved = _output._embeddable
        if self.on:
            _output._embeddable = lambda families: frozenset(range(0x110000))

    def __exit__(self, *exc: object) -> None:
        from borderkit.static import _output

        _output._embeddable = self.saved


def main() -> int:
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        labels(Path(tmp))
        fonts(Path(tmp))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
