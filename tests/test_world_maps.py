"""Brief maps of any place on Earth (issue 13 §2): a map of Ladakh with the shipped
countries draws India as land and China past lon 80, warns about pack layers the view
leaves, shows a locator of its own surroundings and credits only the data it draws.

The world base is replaced here by a few hand-made countries (:func:`fake_world`), so
these tests check the rules whatever the shipped world data holds; the last tests use
the real world base when it is installed.
"""

from __future__ import annotations

import re
import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely

import borderkit as bk
from borderkit import _coverage
from borderkit.errors import CoverageWarning
from test_maps_browser import Opened, browser  # noqa: F401 - the browser fixture

LEH = (77.58, 34.16)
KARGIL = (76.13, 34.56)
LADAKH = (75.0, 32.0, 80.0, 36.0)
OSM = "© OpenStreetMap contributors, ODbL 1.0"


def fake_world() -> gpd.GeoDataFrame:
    """India, China, Pakistan, Tajikistan and Armenia as rough shapes, OSM-licensed."""
    china = shapely.box(73, 35.5, 135, 53).union(shapely.box(78.5, 28, 100, 35.5))
    shapes = {
        "IND": ("India", shapely.box(68, 8, 97, 35.5).difference(shapely.box(78.5, 28, 97, 36))),
        "CHN": ("China", china),
        "PAK": ("Pakistan", shapely.box(60, 24, 75, 37)),
        "TJK": ("Tajikistan", shapely.box(67, 36.7, 75, 41)),
        "ARM": ("Armenia", shapely.box(43.4, 38.8, 46.6, 41.3)),
    }
    return gpd.GeoDataFrame(
        {"iso3": list(shapes), "name": [n for n, _ in shapes.values()],
         "source": "OpenStreetMap contributors (via geo-maps)", "license": "ODbL-1.0"},
        geometry=[g for _, g in shapes.values()], crs="EPSG:4326")


@pytest.fixture
def world(monkeypatch):
    frame = fake_world()
    monkeypatch.setattr(_coverage, "world_countries", lambda: frame)
    return frame


@pytest.fixture
def no_world(monkeypatch):
    monkeypatch.setattr(_coverage, "world_countries", lambda: None)


def towns() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": ["Leh", "Kargil"]},
                            geometry=[shapely.Point(*LEH), shapely.Point(*KARGIL)],
                            crs="EPSG:4326")


def ladakh(**kw) -> bk.BriefSpec:
    layers = kw.pop("layers", [bk.Layer("countries", name="Countries"), bk.Layer(towns(),
                                                                               labels=True)])
    return bk.BriefSpec(title="Ladakh", layers=layers, **{"bounds": LADAKH, **kw})


def _resolve_quiet(spec: bk.BriefSpec):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        resolved = spec.resolve()
    return resolved, [w for w in seen if issubclass(w.category, CoverageWarning)]


def _countries(resolved):
    return next(lyr for lyr in resolved.layers if lyr.dataset == "countries").frame


# --------------------------------------------------------------------------- countries


def test_ladakh_countries_draw_india_as_land_and_china_past_the_pack_box(world):
    resolved, said = _resolve_quiet(ladakh())
    frame = _countries(resolved)
    by_iso = dict(zip(frame["iso3"], frame.geometry, strict=True))
    assert by_iso["IND"].contains(shapely.Point(*LEH))  # India is land, not sea
    assert by_iso["IND"].contains(shapely.Point(*KARGIL))
    assert frame.total_bounds[2] > 80.5  # China goes on past the pack's lon 80
    # one China across the box edge: no seam (and no line drawn) along lon 80 or lat 33
    china = by_iso["CHN"]
    assert china.contains(shapely.box(79.8, 34.0, 80.2, 34.4))
    assert len(frame) == len(set(frame["iso3"])), "each country is one feature"
    # pack detail inside the box: the pack's Chinese outline is kept as it is
    pack_china = bk.load("countries").set_index("iso3").geometry["CHN"]
    assert china.intersection(shapely.box(60, 33, 80, 44)).symmetric_difference(
        pack_china).area < 1e-6
    # no overlap: India fills only the land the pack's countries leave free
    assert by_iso["IND"].intersection(shapely.union_all(
        bk.load("countries").geometry.to_numpy())).area < 1e-6
    assert said == [], "the countries layer is covered by the world base: no warning"


def test_ladakh_report_and_notes_say_which_data_is_drawn(world):
    resolved, _ = _resolve_quiet(ladakh())
    line = next(r for r in resolved.report if "world base" in r)
    assert "lon 60..80, lat 33..44" in line and "'Countries'" in line
    frame = _countries(resolved)
    notes = dict(zip(frame["iso3"], frame["note"], strict=True))
    assert "not in the pack" in notes["IND"]
    assert "world base" in notes["CHN"] and "pack detail" in notes["CHN"]


def test_view_inside_the_pack_with_all_its_countries_is_unchanged(world):
    # the page's window (the bounds grown by their span on each side) inside the box
    spec = bk.BriefSpec(title="Dushanbe", layers=[bk.Layer("countries")],
                        bounds=(68.0, 38.0, 70.0, 39.5))
    resolved, said = _resolve_quiet(spec)
    frame = _countries(resolved)
    assert said == []
    assert sorted(frame["iso3"]) == sorted(bk.load("countries")["iso3"])
    assert not any("world base" in r for r in resolved.report)


def test_preset_fills_the_land_around_the_pack_box_without_a_warning(world):
    # zoomed out, the page shows past lon 80 and lat 33: no hard edge of the pack there
    resolved, said = _resolve_quiet(bk.preset("tajikistan-2020-05"))
    frame = _countries(resolved)
    assert said == []
    assert set(bk.load("countries")["iso3"]) <= set(frame["iso3"])
    assert frame.total_bounds[2] > 80.5  # China past the box
    assert any("world base" in r for r in resolved.report)


def test_where_filter_applies_to_the_world_base(world):
    spec = ladakh(layers=[bk.Layer("countries", where={"iso3": ["IND", "CHN"]})])
    frame = _countries(_resolve_quiet(spec)[0])
    assert sorted(frame["iso3"]) == ["CHN", "IND"]


def test_armenia_map_takes_every_country_from_the_world(world):
    spec = bk.BriefSpec(title="Armenia", layers=[bk.Layer("countries")],
                        bounds=(43, 38.5, 47, 41.5))
    resolved, said = _resolve_quiet(spec)
    frame = _countries(resolved)
    assert list(frame["iso3"]) == ["ARM"] or "ARM" in set(frame["iso3"])
    assert said == []
    assert OSM in resolved.attribution


# --------------------------------------------------------------------------- coverage


def test_pack_layer_outside_its_box_warns_and_names_what_covers_it(world):
    spec = ladakh(layers=[bk.Layer("countries"), bk.Layer("borders", name="Borders")])
    with pytest.warns(CoverageWarning) as seen:
        resolved = spec.resolve()
    (w,) = [x for x in seen if issubclass(x.category, CoverageWarning)]
    msg = str(w.message)
    assert "'Borders' ('borders')" in msg and "lon 60..80, lat 33..44" in msg
    assert "borderkit pack build NAME --bbox 75 32 80 36" in msg
    assert "world base" in msg
    assert w.filename == __file__, "the warning points at the caller of resolve()"
    assert msg in resolved.report


def test_without_the_world_base_the_countries_layer_warns_too(no_world):
    _, said = _resolve_quiet(ladakh())
    assert len(said) == 1 and "'Countries' ('countries')" in str(said[0].message)


def test_a_picked_feature_that_is_found_does_not_warn(world):
    spec = bk.BriefSpec(title="x", layers=[bk.Layer("borders", where={"id": "CHN-TJK"})],
                        bounds=(70, 30, 85, 42))
    assert _resolve_quiet(spec)[1] == []


def test_no_coverage_warning_inside_the_pack(world):
    with warnings.catch_warnings():
        warnings.simplefilter("error", CoverageWarning)
        bk.preset("tajikistan-2020-05").resolve()


# --------------------------------------------------------------------------- inset


def test_inset_is_the_surroundings_of_the_view_not_the_pack(world):
    resolved, _ = _resolve_quiet(ladakh())
    inset = resolved.inset
    subjects = set(inset.loc[inset["subject"], "iso3"])
    assert {"IND", "CHN", "PAK"} <= subjects and "TJK" not in subjects
    x0, y0, x1, y1 = inset.total_bounds
    assert x0 < 70 and x1 > 85 and y0 < 25 and y1 > 40  # a few times the map's extent
    assert "ARM" not in set(inset["iso3"])  # far away: clipped out


def test_page_inset_names_the_subject_countries(world):
    page = bk.brief_map(ladakh()).to_html()
    svg = re.search(r'<svg id="bk-inset-svg".*?</svg>', page).group(0)
    names = re.findall(r'<text class="bk-inset-name"[^>]*>([^<]*)</text>', svg)
    assert "India" in names and "China" in names
    assert "Tajikistan" not in names


def _inset_names(fig):
    return [t.get_text() for ax in fig.axes if ax.get_gid() == "bk-inset"
            for t in ax.texts if t.get_gid() == "bk-inset-name"]


def test_print_inset_names_the_subject_countries(world):
    fig = bk.render_static(ladakh(), dpi=60, figsize=(8, 6))
    names = _inset_names(fig)
    assert "India" in names and "Tajikistan" not in names


def test_inset_name_without_room_is_left_out(world):
    # a map of a tiny island state inside a 16-degree locator: no room for its name
    tiny = gpd.GeoDataFrame({"name": ["A country with a very long name indeed"]},
                            geometry=[shapely.box(10, 10, 10.05, 10.05)], crs="EPSG:4326")
    spec = bk.BriefSpec(title="x", layers=[bk.Layer(tiny)])
    resolved = spec.resolve()
    resolved.inset = tiny
    page = bk.brief_map(resolved).to_html()
    assert 'class="bk-inset-name"' not in page
    assert _inset_names(bk.render_static(resolved, dpi=40, figsize=(6, 4))) == []


# --------------------------------------------------------------------------- credits


def test_no_osm_credit_without_osm_data():
    spec = ladakh(layers=[bk.Layer(towns())], inset=False)
    assert spec.resolve().attribution == []


def test_gazetteer_places_are_credited_as_their_columns_say(no_world):
    places = towns().assign(source="GeoNames", license="CC BY 4.0")
    spec = ladakh(layers=[bk.Layer(places)], inset=False)
    assert spec.resolve().attribution == ["GeoNames (CC BY 4.0)"]


def test_ladakh_credits_osm_for_the_countries_and_not_natural_earth(world):
    resolved, _ = _resolve_quiet(ladakh())
    assert resolved.attribution == [OSM]


def test_shipped_layer_far_from_a_context_view_earns_no_credit(world):
    # admin1 (OSM + Natural Earth) as unfitted context on a map of Armenia draws nothing
    spec = bk.BriefSpec(title="Armenia", layers=[bk.Layer("admin1", fit=False)],
                        bounds=(43, 38.5, 47, 41.5), inset=False)
    resolved, _ = _resolve_quiet(spec)
    assert resolved.attribution == []


def test_preset_credits_are_unchanged(world):
    resolved = bk.preset("tajikistan-2020-05").resolve()
    assert resolved.attribution[:2] == [OSM, "Made with Natural Earth (public domain)"]


def test_credit_of_standard_texts():
    assert _coverage.credit_of("OpenStreetMap contributors", "ODbL-1.0") == OSM
    assert _coverage.credit_of("GeoNames", "CC BY 4.0").startswith("GeoNames")
    assert _coverage.credit_of("Natural Earth", "public domain") == (
        "Made with Natural Earth (public domain)")
    assert _coverage.credit_of(np.nan, "CC0") == "CC0"


# --------------------------------------------------------------------------- print pixels


def _pixel(fig, lon, lat):
    """The RGB of the print map at (lon, lat)."""
    import pyproj

    fig.canvas.draw()
    img = np.asarray(fig.canvas.buffer_rgba())[:, :, :3].astype(int)
    ax = next(a for a in fig.axes if a.get_gid() != "bk-inset" and a.get_facecolor()[:3]
              == pytest.approx((0xF4 / 255, 0xF7 / 255, 0xF9 / 255)))
    x, y = pyproj.Transformer.from_crs("EPSG:4326", fig.borderkit.crs,
                                       always_xy=True).transform(lon, lat)
    px, py = ax.transData.transform((x, y))
    return img[img.shape[0] - int(round(py)), int(round(px))]


LAND = (0xEF, 0xEC, 0xE6)
SEA = (0xF4, 0xF7, 0xF9)


def test_print_map_of_ladakh_is_land_at_leh(world):
    spec = ladakh(layers=[bk.Layer("countries")])
    fig = bk.render_static(spec, dpi=60, figsize=(8, 6))
    for lon, lat in ((77.3, 33.4), (79.5, 32.5), (79.7, 35.2)):  # India, and China past 80
        rgb = _pixel(fig, lon, lat)
        assert np.abs(rgb - LAND).max() <= 6, (lon, lat, rgb)
    rgb = _pixel(fig, 79.7, 35.2)
    assert np.abs(rgb - SEA).max() > 6


# --------------------------------------------------------------------------- in a browser


@pytest.fixture
def open_page(browser, tmp_path):  # noqa: F811 - the fixture imported above
    """Open a map offline; wait for it by polling from Python (the page's CSP forbids the
    eval that Playwright's wait_for_function polls with)."""
    contexts = []

    def _open(bmap, width, height) -> Opened:
        path = bmap.save(tmp_path / f"map-{width}.html")
        ctx = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(ctx)
        page = ctx.new_page()
        failed: list[str] = []
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(
            ("file:", "data:")) else r.abort())
        page.on("pageerror", lambda err: failed.append(f"pageerror: {err}"))
        page.goto(path.as_uri())
        for _ in range(150):
            if page.evaluate("window.borderkitReady === true"):
                break
            page.wait_for_timeout(100)
        return Opened(page, [], failed)

    yield _open
    for ctx in contexts:
        ctx.close()


@pytest.mark.browser
@pytest.mark.parametrize("size", [(1200, 800), (390, 844)])
def test_ladakh_page_in_chromium_shows_india_as_land(world, open_page, size):
    view = open_page(bk.brief_map(ladakh()), size[0], size[1])
    assert view.js("window.borderkitReady") is True
    assert view.failed == [] and view.js("window.borderkitErrors") == []
    img = np.asarray(view.pixels(), dtype=int)
    checked = 0
    for lon, lat in ((77.3, 33.4), (79.7, 35.2), (76.5, 32.8), (79.0, 34.0)):
        x, y = view.js(f"(() => {{ const p = window.bk.maps[0].latLngToContainerPoint("
                       f"[{lat}, {lon}]); const r = document.getElementById('bk-map')"
                       ".getBoundingClientRect(); return [p.x + r.left, p.y + r.top]; })()")
        if not (0 <= x < img.shape[1] and 0 <= y < img.shape[0]):
            continue
        hit = view.js(f"document.elementFromPoint({x}, {y}).closest('.bk-box') === null")
        if hit:  # not under a panel
            assert np.abs(img[int(y), int(x)] - LAND).max() <= 6, (lon, lat, size)
            checked += 1
    assert checked >= 2, "the points of India and China are covered or out of view"
    sources = view.js("document.getElementById('bk-sources').textContent")
    assert OSM in sources and "Natural Earth" not in sources
    if size[0] >= 700:  # the inset hides on a phone (issue 14)
        names = view.js("Array.from(document.querySelectorAll('#bk-inset-svg "
                        ".bk-inset-name')).map(n => n.textContent)")
        assert "India" in names and "Tajikistan" not in names


def test_coverage_warning_names_an_installed_pack_that_covers_the_view(world, monkeypatch):
    from types import SimpleNamespace

    from borderkit import packs

    monkeypatch.setattr(packs, "pack_for", lambda box: SimpleNamespace(
        name="ladakh", builtin=False, layers=lambda: []) if box[0] >= 74 else None)
    spec = ladakh(layers=[bk.Layer("countries"), bk.Layer("places")])
    (w,) = _resolve_quiet(spec)[1]
    assert "The installed pack ladakh covers this view" in str(w.message)


# --------------------------------------------------------------------------- the real world base


@pytest.fixture
def real_world():
    frame = _coverage.world_countries()
    if frame is None:
        pytest.skip("the world base (data/world, borderkit._world) is not installed")
    return frame


def test_real_ladakh_map_draws_india_and_china_as_land(real_world):
    resolved, said = _resolve_quiet(ladakh())
    frame = _countries(resolved)
    by_iso = frame.set_index("iso3").geometry
    assert by_iso["IND"].intersects(shapely.Point(*LEH).buffer(0.05))
    assert by_iso["CHN"].bounds[2] > 80.5
    assert said == [] and resolved.attribution[0] == OSM
    names = re.findall(r'class="bk-inset-name"[^>]*>([^<]*)<',
                       bk.brief_map(resolved).to_html())
    assert "India" in names and "Tajikistan" not in names
