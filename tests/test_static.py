"""borderkit.static: the print renderer (artists, scale bar, north arrow, fonts, pixels)."""

from __future__ import annotations

import io
import math
import re
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from geographiclib.geodesic import Geodesic
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font

import borderkit as bk
from borderkit import static
from borderkit.errors import BorderkitWarning, CRSError, ExportError, SpecError

PIL = pytest.importorskip("PIL.Image")

# places with distinct style colours (fills from borderkit._style)
FACILITY = (74.6, 37.6)  # fill #ff1744
CHECKPOINT = (75.07, 38.58)  # fill #14b37d
DUSHANBE = (68.78, 38.56)


def _points(rows):
    return gpd.GeoDataFrame(
        {"name": [r[0] for r in rows], "kind": [r[1] for r in rows]},
        geometry=[shapely.Point(r[2]) for r in rows], crs="EPSG:4326")


def brief(**changes) -> bk.BriefSpec:
    places = _points([
        ("Dushanbe", "capital", DUSHANBE),
        ("Хоруғ", "city", (71.55, 37.49)),
        ("Кашгар 喀什", "city", (75.98, 39.47)),
        ("Murghab", "town", (73.97, 38.17)),
        ("Karasu", "checkpoint", CHECKPOINT),
    ])
    border = gpd.GeoDataFrame(
        {"name": ["CHN-TJK"]},
        geometry=[shapely.LineString([(74.9, 37.2), (74.8, 38.0), (75.1, 38.6), (74.0, 39.2)])],
        crs="EPSG:4326")
    ceded = gpd.GeoDataFrame({"name": ["ceded"]}, geometry=[shapely.box(74.4, 37.4, 74.9, 37.9)],
                             crs="EPSG:4326")
    facility = _points([("Facility", "facility", FACILITY)])
    spec = bk.BriefSpec(
        title="Chinese facility in GBAO — Ҷумҳурии Тоҷикистон 中国",
        subtitle="Test brief",
        notes=["Positions are approximate."],
        sources=["Asia Plus, 14 May 2020"],
        layers=[
            bk.Layer(ceded, kind="ceded_area", name="Ceded area"),
            bk.Layer(border, kind="border", name="Border"),
            bk.Layer(places, labels=True),
            bk.Layer(facility, kind="facility", name="Facility", labels=True),
        ],
        uncertainty=False,
        inset=False,
    )
    return spec.replace(**changes) if changes else spec


@pytest.fixture(scope="module")
def fig():
    return bk.render_static(brief(), dpi=60)


def _gid(fig, gid):
    found = [a for a in fig.findobj() if getattr(a, "get_gid", lambda: None)() == gid]
    assert found, f"no artist with gid {gid!r}"
    return found


def _geod_m(lon1, lat1, lon2, lat2):
    return Geodesic.WGS84.Inverse(lat1, lon1, lat2, lon2)["s12"]


# ----------------------------------------------------------------------------- projection


def test_auto_crs_is_lcc_with_parallels_at_one_and_five_sixths():
    crs = static.auto_crs((60.0, 30.0, 80.0, 42.0))
    params = {p.name: p.value for p in crs.coordinate_operation.params}
    assert crs.coordinate_operation.method_name.startswith("Lambert Conic Conformal")
    assert params["Latitude of 1st standard parallel"] == pytest.approx(32.0)
    assert params["Latitude of 2nd standard parallel"] == pytest.approx(40.0)
    assert params["Longitude of false origin"] == pytest.approx(70.0)


def test_auto_crs_straddling_the_equator_is_mercator():
    crs = static.auto_crs((30.0, -5.0, 40.0, 5.0))
    assert "Mercator" in crs.coordinate_operation.method_name


@pytest.mark.parametrize("bounds", [(1, 2, 3), (10, 50, 0, 60), (0, 0, float("nan"), 1)])
def test_auto_crs_rejects_bad_bounds(bounds):
    with pytest.raises(CRSError, match="bounds"):
        static.auto_crs(bounds)


def test_unknown_crs_is_a_crs_error():
    with pytest.raises(CRSError, match="not-a-crs"):
        bk.render_static(brief(), dpi=30, crs="not-a-crs")


# ----------------------------------------------------------------------------- scale bar


@pytest.mark.parametrize(
    ("bounds", "crs"),
    [
        (None, None),  # Tajikistan, auto LCC
        ((10.0, 76.0, 30.0, 80.5), None),  # Svalbard: strong scale change with latitude
        ((30.0, -4.0, 42.0, 6.0), None),  # equator: Mercator
        (None, "EPSG:32642"),  # UTM 42N
        (None, "EPSG:3857"),  # web Mercator: map units are far from metres here
    ],
)
def test_scale_bar_length_matches_the_geodesic_distance_it_claims(bounds, crs):
    spec = brief(bounds=bounds) if bounds else brief()
    f = bk.render_static(spec, dpi=30, crs=crs, figsize=(6, 4))
    info = f.borderkit
    assert [b.unit for b in info.scale_bars] == ["km", "nmi"]
    to_lonlat = pyproj.Transformer.from_crs(info.crs, "EPSG:4326", always_xy=True)
    x0, y0, x1, y1 = info.extent
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    for bar in info.scale_bars:
        (line,) = _gid(f, f"bk-scalebar-{bar.unit}")
        xs = line.get_xdata()
        length = float(xs[1] - xs[0])
        assert length == pytest.approx(bar.length)
        assert 0.05 * (x1 - x0) < length < 0.4 * (x1 - x0)
        lon, lat = to_lonlat.transform([cx - length / 2, cx + length / 2], [cy, cy])
        ground = _geod_m(lon[0], lat[0], lon[1], lat[1])
        assert ground == pytest.approx(bar.metres, rel=0.005)
        factor = {"km": 1000.0, "nmi": 1852.0}[bar.unit]
        assert bar.metres == pytest.approx(bar.value * factor)
        (label,) = _gid(f, f"bk-scalebar-{bar.unit}-label")
        assert label.get_text() == f"{bar.value:,.0f} {bar.unit}"


def test_nice_numbers():
    assert [static._nice(v) for v in (0.7, 1.0, 3.9, 4.99, 19, 74, 101, 0.034)] == [
        0.5, 1.0, 2.0, 2.0, 10.0, 50.0, 100.0, 0.02]


# ----------------------------------------------------------------------------- north arrow


@pytest.mark.parametrize("crs", [None, "EPSG:32642", "EPSG:3857"])
def test_north_arrow_points_to_true_north_at_the_centre(crs):
    f = bk.render_static(brief(), dpi=30, crs=crs, figsize=(6, 4))
    info = f.borderkit
    lon, lat = info.centre
    convergence = pyproj.Proj(info.crs).get_factors(lon, lat).meridian_convergence
    # true north, clockwise from the map's up direction, is minus the grid convergence
    assert info.north_angle_deg == pytest.approx(-convergence, abs=0.02)
    if crs == "EPSG:32642":  # 3.4 degrees east of the central meridian, at 38 N
        assert info.north_angle_deg == pytest.approx(-2.1, abs=0.2)
    (arrow,) = _gid(f, "bk-north-arrow")
    ox, oy = arrow.xyann  # tail offset from the tip, in points
    drawn = math.degrees(math.atan2(-ox, -oy))
    assert drawn == pytest.approx(info.north_angle_deg, abs=1e-6)
    ax = f.axes[0]
    assert ax.get_aspect() == 1.0  # equal axes: display angles are map angles


def test_centre_of_info_is_the_centre_of_the_extent(fig):
    info = fig.borderkit
    x0, y0, x1, y1 = info.extent
    fwd = pyproj.Transformer.from_crs("EPSG:4326", info.crs, always_xy=True)
    x, y = fwd.transform(*info.centre)
    assert x == pytest.approx((x0 + x1) / 2, abs=1e-3)
    assert y == pytest.approx((y0 + y1) / 2, abs=1e-3)
    ax = fig.axes[0]
    assert ax.get_xlim() == pytest.approx((x0, x1))
    assert ax.get_ylim() == pytest.approx((y0, y1))


# ----------------------------------------------------------------------------- artists


def test_title_notes_legend_and_attribution(fig):
    (title,) = _gid(fig, "bk-title")
    assert title.get_text().startswith("Chinese facility in GBAO")
    (sub,) = _gid(fig, "bk-subtitle")
    assert sub.get_text() == "Test brief"
    (notes,) = _gid(fig, "bk-notes")
    assert "Positions are approximate." in notes.get_text()
    assert "Source: Asia Plus, 14 May 2020" in notes.get_text()
    (legend,) = _gid(fig, "bk-legend")
    labels = [t.get_text() for t in legend.get_texts()]
    assert "Border" in labels and "Facility" in labels and "Ceded area" in labels


def test_footer_blocks_sit_below_the_map_without_overlapping():
    places = _points([("Dushanbe", "capital", DUSHANBE), ("Facility", "facility", FACILITY)])
    places["source"] = ["Gazetteer", "Asia Plus"]
    places["license"] = ["CC0-1.0", "CC-BY-4.0"]
    notes = ["A long note that wraps " * 12, "Second note"]
    spec = brief(layers=[bk.Layer(places, labels=True)], notes=notes,
                 sources=["First source", "Second source"])
    f = bk.render_static(spec, dpi=50)
    (attribution,) = _gid(f, "bk-attribution")
    assert "Asia Plus (CC-BY-4.0)" in attribution.get_text()
    r = f.canvas.get_renderer()
    map_box = f.axes[0].get_window_extent(r)
    blocks = [_gid(f, g)[0].get_window_extent(r) for g in
              ("bk-legend", "bk-notes", "bk-attribution")]
    assert blocks[-1].y0 > 0  # inside the figure
    assert all(b.x1 <= map_box.x1 + 1 for b in blocks)  # wrapped to the map's width
    for upper, lower in zip([map_box, *blocks[:-1]], blocks, strict=True):
        assert lower.y1 <= upper.y0 + 0.5, (upper, lower)
    (notes_text,) = _gid(f, "bk-notes")
    assert "Sources:\n1. First source\n2. Second source" in notes_text.get_text()


def test_layers_are_drawn_with_their_style(fig):
    (facility,) = _gid(fig, "bk-layer-facility")
    assert facility.get_marker() == "^"
    assert facility.get_markerfacecolor() == pytest.approx((1.0, 0x17 / 255, 0x44 / 255, 1.0))
    border = _gid(fig, "bk-layer-border")[0]
    assert tuple(border.get_edgecolor()[0]) == pytest.approx(
        (0xC0 / 255, 0x39 / 255, 0x2B / 255, 1.0))
    ceded = _gid(fig, "bk-layer-ceded-area")[0]
    assert ceded.get_facecolor()[0][3] == pytest.approx(0.6)  # fill_opacity


def test_dashed_styles_become_dash_patterns():
    ring = gpd.GeoDataFrame({"name": ["r"]},
                            geometry=[shapely.Point(72, 38).buffer(0.5).exterior],
                            crs="EPSG:4326")
    spec = brief(layers=[bk.Layer(ring, kind="ring", name="Ring"),
                         bk.Layer(ring, kind="user_line", name="Solid",
                                  style={"dash": None})])
    f = bk.render_static(spec, dpi=20, figsize=(10, 6))
    ring_art = _gid(f, "bk-layer-ring")[0]
    offset, pattern = ring_art.get_linestyle()[0]
    px_pt = 10 * 72 / spec.width
    assert pattern == pytest.approx([6 * px_pt, 4 * px_pt])  # "6 4" in CSS px -> points
    solid = _gid(f, "bk-layer-solid")[0]
    assert solid.get_linestyle()[0][1] is None


def test_uncertainty_circles_are_drawn_dashed():
    places = _points([("Somewhere", "facility", FACILITY)])
    places["precision_m"] = [5000.0]
    spec = brief(layers=[bk.Layer(places, labels=True)], uncertainty=True)
    f = bk.render_static(spec, dpi=30, figsize=(5, 4))
    circle = _gid(f, "bk-layer-location-uncertainty")[0]
    assert circle.get_linestyle()[0][1] is not None
    # the circle is 5 km around the place: its drawn radius matches in map units
    path = circle.get_paths()[0]
    info = f.borderkit
    fwd = pyproj.Transformer.from_crs("EPSG:4326", info.crs, always_xy=True)
    cx, cy = fwd.transform(*FACILITY)
    r = np.hypot(path.vertices[:, 0] - cx, path.vertices[:, 1] - cy)
    assert np.median(r) == pytest.approx(5000, rel=0.02)


def test_hidden_layers_are_not_drawn():
    spec = brief()
    layers = list(spec.layers)
    layers[1] = bk.Layer(layers[1].data, kind="border", name="Border", show=False)
    f = bk.render_static(spec.replace(layers=layers), dpi=30, figsize=(5, 4))
    assert not [a for a in f.findobj() if a.get_gid() == "bk-layer-border"]


def test_inset_locator_map_shows_the_map_extent():
    resolved = brief(inset=True, title="Inset").resolve()  # a title on one line
    world = gpd.GeoDataFrame(
        {"name": ["west", "east"]},
        geometry=[shapely.box(55, 30, 72, 45), shapely.box(72, 30, 90, 45)], crs="EPSG:4326")
    resolved.inset = world
    f = bk.render_static(resolved, dpi=30, figsize=(6, 4))
    (inset,) = _gid(f, "bk-inset")
    rects = [p for p in inset.patches if p.get_edgecolor()[:3] == pytest.approx(
        (0xC0 / 255, 0x39 / 255, 0x2B / 255))]
    assert len(rects) == 1
    x0, y0, x1, y1 = f.borderkit.extent
    assert rects[0].get_x() == pytest.approx(x0)
    assert rects[0].get_width() == pytest.approx(x1 - x0)
    ix0, ix1 = inset.get_xlim()
    assert ix1 - ix0 > 3 * (x1 - x0)  # the locator map shows a wider area
    assert inset.collections, "countries drawn in the inset"


def test_labels_do_not_collide_with_each_other_or_markers():
    rng = np.random.default_rng(1)
    lon = 72 + rng.uniform(-0.6, 0.6, 14)
    lat = 38 + rng.uniform(-0.4, 0.4, 14)
    rows = [(f"Place {i} Ғ", "town", (x, y)) for i, (x, y) in enumerate(zip(lon, lat, strict=True))]
    spec = brief(layers=[bk.Layer(_points(rows), labels=True)], bounds=(70.0, 36.5, 74.0, 39.5),
                 legend=False)
    f = bk.render_static(spec, dpi=72, figsize=(8, 5.5))
    boxes = list(f.borderkit.labels.values())
    assert len(boxes) == 14
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            overlap_w = min(a[2], b[2]) - max(a[0], b[0])
            overlap_h = min(a[3], b[3]) - max(a[1], b[1])
            assert overlap_w <= 0 or overlap_h <= 0, (a, b)
    ax = f.axes[0]
    pts = ax.transData.transform(np.column_stack(
        pyproj.Transformer.from_crs(4326, f.borderkit.crs, always_xy=True).transform(lon, lat)))
    for x, y in pts:
        for a in boxes:
            assert not (a[0] + 2 < x < a[2] - 2 and a[1] + 2 < y < a[3] - 2)
    frame = ax.get_window_extent()
    assert all(frame.x0 - 1 <= a[0] and a[2] <= frame.x1 + 1 for a in boxes)
    assert not [r for r in f.borderkit.report if "overlaps" in r]


# ----------------------------------------------------------------------------- fonts


def test_a_cjk_font_with_real_glyphs_is_found():
    fams = static.font_families()
    assert fams[0] == "DejaVu Sans"
    if len(fams) < 2:
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk)")
    path = font_manager.findfont(font_manager.FontProperties(family=fams[1]),
                                 fallback_to_default=False)
    font = FT2Font(path)
    for ch in "中国喀什":
        assert font.get_char_index(ord(ch)) != 0, ch
    dejavu = FT2Font(font_manager.findfont("DejaVu Sans"))
    for ch in "ҶҷӮӯҒғҚқҲҳӢӣЖж":  # Tajik Cyrillic
        assert dejavu.get_char_index(ord(ch)) != 0, ch


def test_chinese_tajik_and_russian_text_renders_without_missing_glyphs():
    if len(static.font_families()) < 2:
        pytest.skip("no CJK font installed")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        f = bk.render_static(brief(), dpi=30, figsize=(5, 4))
        buf = io.BytesIO()
        f.savefig(buf, format="png")  # outside our filter: matplotlib would warn here
    problems = [str(w.message) for w in caught
                if "missing from" in str(w.message) or issubclass(w.category, BorderkitWarning)]
    assert not problems
    assert not static._missing_glyphs(["中国 Ҷумҳурии Тоҷикистон Россия"],
                                      static.font_families())


def test_without_a_cjk_font_a_warning_names_the_fix():
    with pytest.warns(BorderkitWarning, match="fonts-noto-cjk") as rec:
        f = bk.render_static(brief(), dpi=30, figsize=(5, 4), fonts=["DejaVu Sans"])
    assert "中" in str(rec[0].message)
    assert any("fonts-noto-cjk" in r for r in f.borderkit.report)


# ----------------------------------------------------------------------------- files


@pytest.mark.parametrize("fmt", ["svg", "pdf"])
def test_svg_and_pdf_are_deterministic(tmp_path, fmt):
    spec = brief()
    a = bk.render_static(spec, tmp_path / f"a.{fmt}", dpi=30, figsize=(5, 4))
    b = bk.render_static(spec, tmp_path / f"b.{fmt}", dpi=30, figsize=(5, 4))
    assert a is not b
    data = (tmp_path / f"a.{fmt}").read_bytes()
    assert data == (tmp_path / f"b.{fmt}").read_bytes()
    assert data.startswith(b"%PDF" if fmt == "pdf" else b"<?xml")
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"a.{fmt}", f"b.{fmt}"]


def test_format_from_suffix_or_argument(tmp_path):
    f = bk.render_static(brief(), tmp_path / "map.pdf", dpi=30, figsize=(5, 4))
    assert (tmp_path / "map.pdf").read_bytes()[:4] == b"%PDF"
    static.save_figure(f, tmp_path / "map.out", format="svg")
    assert b"<svg" in (tmp_path / "map.out").read_bytes()[:500]
    with pytest.raises(ExportError, match="jpg"):
        bk.render_static(brief(), tmp_path / "map.jpg", dpi=30)
    with pytest.raises(ExportError, match="dpi"):
        bk.render_static(brief(), dpi=0)
    assert not (tmp_path / "map.jpg").exists()


def test_failed_write_leaves_the_old_file_and_no_temp(tmp_path, fig, monkeypatch):
    target = tmp_path / "map.png"
    target.write_bytes(b"old")

    def broken(path, **kw):
        Path(path).write_bytes(b"partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fig, "savefig", broken)
    with pytest.raises(ExportError, match="No space left"):
        static.save_figure(fig, target)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["map.png"]


def test_bad_spec_argument():
    with pytest.raises(SpecError, match="BriefSpec"):
        bk.render_static(42)


# ----------------------------------------------------------------------------- pixels


def _near(img, x, y, rgb, radius, tol=40):
    arr = np.asarray(img.convert("RGB"), dtype=int)
    h, w, _ = arr.shape
    r0, r1 = max(int(y - radius), 0), min(int(y + radius) + 1, h)
    c0, c1 = max(int(x - radius), 0), min(int(x + radius) + 1, w)
    window = arr[r0:r1, c0:c1]
    return bool((np.abs(window - np.array(rgb)).sum(axis=2) < tol).any())


def test_png_pixels_size_and_places(tmp_path):
    dpi = 80
    f = bk.render_static(brief(), tmp_path / "map.png", dpi=dpi, figsize=(6, 4.5))
    img = PIL.open(tmp_path / "map.png")
    assert img.size == (6 * dpi, round(4.5 * dpi))
    arr = np.asarray(img.convert("RGB"))
    assert len(np.unique(arr.reshape(-1, 3), axis=0)) > 50  # not blank
    info, ax = f.borderkit, f.axes[0]
    fwd = pyproj.Transformer.from_crs("EPSG:4326", info.crs, always_xy=True)
    height = img.size[1]

    def pixel(lonlat):
        x, y = ax.transData.transform(fwd.transform(*lonlat))
        return x, height - y

    assert _near(img, *pixel(FACILITY), (0xFF, 0x17, 0x44), radius=4)
    assert _near(img, *pixel(CHECKPOINT), (0x14, 0xB3, 0x7D), radius=4)
    assert not _near(img, *pixel(DUSHANBE), (0xFF, 0x17, 0x44), radius=6)
    # the border's red runs through its middle vertex
    # (a thin antialiased line: look for a clearly red pixel)
    x, y = pixel((74.8, 38.0))
    window = arr[int(y) - 3:int(y) + 4, int(x) - 3:int(x) + 4].astype(int)
    assert ((window[..., 0] - window[..., 1]) > 60).any()


# ----------------------------------------------------------------------------- colours


@pytest.mark.parametrize("bad", ["notacolour", "#12345", "rgb(300, 0, 0)", "red;x", 5])
def test_invalid_colour_is_a_spec_error_naming_layer_and_key(bad):
    spec = brief(layers=[bk.Layer(_points([("A", "city", DUSHANBE)]), name="Towns",
                                  style={"fill": bad})])
    with pytest.raises(SpecError, match=r"layer 'Towns: city' style 'fill': .* is not a CSS colour "
                                        r"that both the page and print maps draw; use '#rrggbb'"):
        bk.render_static(spec, dpi=20)


def test_css_colour_forms_draw_in_print_as_in_the_page():
    ring = gpd.GeoDataFrame({"name": ["r"]}, geometry=[shapely.box(70, 37, 71, 38)],
                            crs="EPSG:4326")
    forms = {"DarkRed": (0x8B, 0, 0, 255), "rgb(10, 20, 30)": (10, 20, 30, 255),
             "hsl(120, 100%, 25%)": (0, 0x80, 0, 255), "#0f08": (0, 255, 0, 0x88)}
    for i, (form, rgba) in enumerate(forms.items()):
        spec = brief(layers=[bk.Layer(ring, kind="user_polygon", name=f"P{i}",
                                      style={"color": form, "fill": "none"})], inset=False)
        f = bk.render_static(spec, dpi=20)
        (art,) = _gid(f, f"bk-layer-p{i}")
        assert tuple(art.get_edgecolor()[0]) == pytest.approx([c / 255 for c in rgba])
        assert len(art.get_facecolor()) == 0 or art.get_facecolor()[0][3] == 0


# ----------------------------------------------------------------------------- stale font cache


def make_font_list_stale(monkeypatch, tmp_path):
    """matplotlib's font list as cached before the CJK fonts were installed.

    The live list is copied (through matplotlib's own JSON cache format) without
    the CJK files and put in place of the real one; matplotlib's cache folder is
    *tmp_path*, so the real cache is never rewritten. Returns the stale font
    manager and the CJK files it lacks. Also used by the bad-input catalogue.
    """
    import matplotlib

    from borderkit.static import _fonts

    monkeypatch.setattr(matplotlib, "get_cachedir", lambda: str(tmp_path))
    font_manager.json_dump(font_manager.fontManager, tmp_path / "copy.json")
    stale = font_manager.json_load(tmp_path / "copy.json")
    cjk = {str(Path(f).resolve()) for f in _fonts._cjk_font_files()}
    stale.ttflist = [e for e in stale.ttflist if str(Path(e.fname).resolve()) not in cjk]
    monkeypatch.setattr(font_manager, "fontManager", stale)
    monkeypatch.setattr(font_manager, "findfont", stale.findfont)
    monkeypatch.setattr(_fonts, "_refreshed", False)
    _fonts._font_path.cache_clear()
    return stale, cjk


@pytest.fixture
def stale_fonts(monkeypatch, tmp_path):
    from borderkit.static import _fonts

    yield make_font_list_stale(monkeypatch, tmp_path)
    _fonts._font_path.cache_clear()


def test_stale_font_cache_is_refreshed_once(stale_fonts, tmp_path, caplog):
    from borderkit.static import _fonts

    stale, cjk = stale_fonts
    if not cjk:
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk)")
    assert all(_fonts._font_path(f) is None for f in static.CJK_FONTS)  # the stale state
    with caplog.at_level("WARNING", logger="borderkit.static._fonts"):
        families = static.font_families()
    assert families[0] == "DejaVu Sans" and families[1] in static.CJK_FONTS
    (note,) = [r.getMessage() for r in caplog.records]
    assert "built before" in note and "rebuilding its font cache" in note
    cached = font_manager.json_load(tmp_path / f"fontlist-v{stale.__version__}.json")
    assert cjk <= {str(Path(e.fname).resolve()) for e in cached.ttflist}  # fixed for good
    caplog.clear()
    with caplog.at_level("WARNING"), warnings.catch_warnings():
        warnings.simplefilter("error", BorderkitWarning)  # no "boxes" warning: glyphs found
        spec = brief(layers=[bk.Layer(_points([("Кашгар 喀什", "city", DUSHANBE)]),
                                      labels=True)], inset=False)
        bk.render_static(spec, dpi=20)
    assert caplog.records == []  # checked once per process


def test_font_folders_are_scanned_without_fc_list(monkeypatch, tmp_path):
    from borderkit.static import _fonts

    (tmp_path / "noto").mkdir()
    for name in ("NotoSansCJK-Regular.ttc", "DejaVuSans.ttf", "wqy-zenhei.TTC", "notes.txt"):
        (tmp_path / "noto" / name).write_bytes(b"")
    monkeypatch.setattr(_fonts.shutil, "which", lambda name: None)
    monkeypatch.setattr(_fonts, "FONT_DIRS", (str(tmp_path), str(tmp_path / "missing")))
    assert _fonts._cjk_font_files() == [str(tmp_path / "noto" / "NotoSansCJK-Regular.ttc"),
                                        str(tmp_path / "noto" / "wqy-zenhei.TTC")]


def test_unreadable_font_file_is_logged_not_raised(stale_fonts, monkeypatch, tmp_path, caplog):
    from borderkit.static import _fonts

    broken = tmp_path / "BrokenCJK.ttf"
    broken.write_bytes(b"not a font")
    monkeypatch.setattr(_fonts, "_cjk_font_files", lambda: [str(broken)])
    with caplog.at_level("INFO", logger="borderkit.static._fonts"):
        assert _fonts._refresh_font_list() is False
        assert _fonts._refresh_font_list() is False  # once per process
    messages = [r.getMessage() for r in caplog.records]
    assert any("cannot read the font" in m and "BrokenCJK.ttf" in m for m in messages)
    assert not (tmp_path / f"fontlist-v{stale_fonts[0].__version__}.json").exists()


def test_pdf_and_svg_carry_the_brief_title_as_metadata(tmp_path):
    import borderkit as bk

    spec = bk.BriefSpec(title="Kulma (pass) \\ Граница",
                        layers=[bk.Layer(bk.place("Dushanbe"))], inset=False)
    pdf = bk.render_static(spec, tmp_path / "t.pdf")
    svg = bk.render_static(spec, tmp_path / "t.svg")
    assert pdf.borderkit.title == svg.borderkit.title == "Kulma (pass) \\ Граница"
    data = (tmp_path / "t.pdf").read_bytes()
    start = data.index(b"/Title (") + len(b"/Title (")
    raw = data[start:start + re.search(rb"(?<!\\)\)", data[start:]).start()]
    text = raw.replace(b"\\(", b"(").replace(b"\\)", b")").replace(b"\\\\", b"\\")
    assert text.startswith(b"\xfe\xff") and text[2:].decode("utf-16-be") == spec.title
    assert "<dc:title>Kulma (pass) \\ Граница</dc:title>" in (tmp_path / "t.svg").read_text()
    # still deterministic: no dates
    again = bk.render_static(spec, tmp_path / "u.pdf")
    assert again is not None and (tmp_path / "u.pdf").read_bytes() == data
