"""The physical context of a brief map (issue 14 §1 drawing, §2): terrain, water, names.

Checked by DOM and pixels, never golden images: the preset page carries the
hillshade overlay with the data's bounds and the lakes and rivers layers; the
print PNG is darker on a shaded slope than the same map without terrain, and
Karakul is drawn as water; every country in view is named, the name's anchor
inside its country, in both renderers; each switch removes its part; a view
outside the physical data draws no terrain and says so.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import shapely

import borderkit as bk
from borderkit import _physical
from test_layout_screens import wait_for
from test_maps_browser import browser  # noqa: F401 - the fixture

PRESET = "tajikistan-2020-05"
NAMES = ("Tajikistan", "China", "Afghanistan", "Kyrgyzstan")
OFF = {"terrain": False, "water": False, "country_names": False}


@pytest.fixture(scope="module")
def resolved():
    return bk.preset(PRESET).resolve()


@pytest.fixture(scope="module")
def page():
    return bk.brief_map(bk.preset(PRESET)).to_html()


def _context_call(html: str) -> dict:
    found = re.findall(r"bk\.context\(map_\d+, (\{.*\})\);", html)
    assert len(found) <= 1
    return json.loads(found[0]) if found else {}


def _countries(res) -> dict:
    frame = next(lyr.frame for lyr in res.layers if lyr.dataset == "countries")
    return dict(zip(frame["name"], frame.geometry, strict=True))


def test_preset_resolves_terrain_water_and_names(resolved):
    ctx = resolved.context
    assert ctx.shade is not None and ctx.shade.bounds == (60.0, 33.0, 80.0, 44.0)
    water = {lyr.name: lyr for lyr in resolved.layers if lyr.name in ("Lakes", "Rivers")}
    assert set(water) == {"Lakes", "Rivers"}
    assert all(not lyr.legend and not lyr.fit and len(lyr.frame) for lyr in water.values())
    countries = _countries(resolved)
    names = {lab.text: lab for lab in ctx.labels if lab.cls in ("subject", "neighbour")}
    for name in NAMES:
        lab = names[name]
        assert countries[name].contains(shapely.Point(lab.lon, lab.lat)), name
    assert names["Tajikistan"].cls == "subject" and names["China"].cls == "neighbour"
    physical = {lab.text for lab in ctx.labels if lab.cls in ("river", "lake", "range")}
    assert {"Panj", "Karakul", "Pamirs"} <= physical
    credits = " ".join(resolved.attribution)
    assert "LGPL" in credits and "GEBCO" in credits and "OpenStreetMap" in credits


def test_subject_defaults_to_the_country_holding_the_data():
    spec = bk.preset(PRESET).replace(subject=None, terrain=False, water=False)
    labels = spec.resolve().context.labels
    assert [lab.text for lab in labels if lab.cls == "subject"] == ["Tajikistan"]


def test_preset_page_has_overlay_water_and_names(page):
    call = _context_call(page)
    shade = call["shade"]
    assert shade["bounds"] == [60.0, 33.0, 80.0, 44.0]
    assert shade["uri"].startswith("data:image/jpeg;base64,")
    assert len(shade["uri"]) <= 800_000  # the hillshade's budget on the page
    assert 'id="bk-data-lakes"' in page and 'id="bk-data-rivers"' in page
    texts = {lab[2]: lab[3] for lab in call["labels"]}
    for name in NAMES:
        assert name in texts
    assert texts["Tajikistan"] == "subject" and texts["Karakul"] == "lake"


@pytest.mark.parametrize("switch", ["terrain", "water", "country_names"])
def test_each_switch_removes_its_part(switch):
    spec = bk.preset(PRESET).replace(**{switch: False})
    html = bk.brief_map(spec).to_html()
    call = _context_call(html)
    classes = {lab[3] for lab in call.get("labels", [])}
    if switch == "terrain":
        assert "shade" not in call and "data:image/jpeg" not in html
        assert "GEBCO" not in html
    else:
        assert "shade" in call
    if switch == "water":
        assert 'id="bk-data-lakes"' not in html and 'id="bk-data-rivers"' not in html
        assert not classes & {"river", "lake", "range"} and "GSHHG" not in html
    else:
        assert 'id="bk-data-lakes"' in html
    assert ("subject" in classes) == (switch != "country_names")


def test_outside_the_physical_data_no_terrain_and_a_report():
    spec = bk.BriefSpec(title="Alps", bounds=(9.0, 45.5, 11.0, 47.0), terrain=True,
                        water=True, country_names=True)
    res = spec.resolve()
    assert res.context.shade is None and not res.context.water
    assert any("no terrain" in line for line in res.report)
    assert "bk.context(" not in bk.brief_map(spec).to_html()


# ------------------------------------------------------------------------------ print


@pytest.fixture(scope="module")
def prints(tmp_path_factory):
    folder = tmp_path_factory.mktemp("print")
    out = {}
    for name, spec in (("on", bk.preset(PRESET)), ("off", bk.preset(PRESET).replace(**OFF))):
        path = folder / f"{name}.png"
        fig = bk.render_static(spec, path)
        out[name] = (fig, path)
    svg = folder / "on.svg"
    bk.render_static(bk.preset(PRESET), svg)
    out["svg"] = svg.read_text(encoding="utf-8")
    return out


def _map_axes(fig):
    return next(ax for ax in fig.axes if any(im.get_gid() == "bk-shade" for im in ax.images)) \
        if any(im.get_gid() == "bk-shade" for ax in fig.axes for im in ax.images) \
        else max(fig.axes, key=lambda ax: ax.get_position().width)


def _pixels(fig, path, lon, lat):
    """RGB of the PNG at lon/lat (arrays), using the map axes' data transform."""
    from PIL import Image

    info = fig.borderkit
    import pyproj

    x, y = pyproj.Transformer.from_crs(4326, info.crs, always_xy=True).transform(lon, lat)
    ax = _map_axes(fig)
    px = ax.transData.transform(np.column_stack([x, y]))
    img = np.asarray(Image.open(path).convert("RGB"), dtype=int)
    scale = img.shape[0] / fig.bbox.height
    cols = np.clip((px[:, 0] * scale).astype(int), 0, img.shape[1] - 1)
    rows = np.clip(((fig.bbox.height - px[:, 1]) * scale).astype(int), 0, img.shape[0] - 1)
    return img[rows, cols]


def test_print_terrain_darkens_slopes(prints):
    fig, path = prints["on"]
    off_fig, off_path = prints["off"]
    assert any(im.get_gid() == "bk-shade" for ax in fig.axes for im in ax.images)
    assert not any(im.get_gid() == "bk-shade" for ax in off_fig.axes for im in ax.images)
    # the darkest slopes of the hillshade west of the data (plain countries there)
    shade = _physical.hillshade()
    lon, lat = np.meshgrid(np.linspace(68.0, 70.0, 60), np.linspace(38.6, 39.4, 30))
    grey = shade.sample(lon, lat).ravel()
    order = np.argsort(grey)
    dark = order[:20]
    lon, lat = lon.ravel()[dark], lat.ravel()[dark]
    assert grey[dark].max() < 120  # steep shadows (flat ground is 180)
    on = _pixels(fig, path, lon, lat).sum(axis=1)
    off = _pixels(off_fig, off_path, lon, lat).sum(axis=1)
    assert np.median(off - on) > 60, (on, off)  # darker than the same map without terrain


def test_print_karakul_is_water(prints, resolved):
    fig, path = prints["on"]
    lakes = next(lyr.frame for lyr in resolved.layers if lyr.name == "Lakes")
    near = lakes[lakes.intersects(shapely.Point(73.4, 39.0).buffer(0.3))]
    karakul = near.geometry.iloc[int(np.argmax(near["area_m2"].to_numpy()))]
    lon, lat = np.meshgrid(np.linspace(73.2, 73.7, 40), np.linspace(38.8, 39.3, 40))
    pts = shapely.points(lon.ravel(), lat.ravel())
    inner = pts[shapely.contains(karakul.buffer(-0.02), pts)]  # the lake, off its shore
    assert len(inner) > 20
    lon, lat = shapely.get_x(inner), shapely.get_y(inner)
    rgb = _pixels(fig, path, lon, lat)
    off = _pixels(prints["off"][0], prints["off"][1], lon, lat)
    # blue over red: water (the land under GBAO's green is not); its name's halo is white
    assert np.median(rgb[:, 2] - rgb[:, 0]) > 10, rgb
    assert np.median(off[:, 2] - off[:, 0]) < 0, off


def test_print_names_each_country_inside_it(prints, resolved):
    fig, _ = prints["on"]
    import pyproj

    countries = _countries(resolved)
    back = pyproj.Transformer.from_crs(fig.borderkit.crs, 4326, always_xy=True)
    texts = {t.get_text(): t for ax in fig.axes for t in ax.texts
             if str(t.get_gid() or "").startswith("bk-name-")}
    for name in NAMES:
        art = texts[name.upper()]
        lon, lat = back.transform(*art.get_position())
        assert countries[name].contains(shapely.Point(lon, lat)), name
        assert f'id="bk-name-{name.lower()}"' in prints["svg"]
    off_fig = prints["off"][0]
    assert not [t for ax in off_fig.axes for t in ax.texts
                if str(t.get_gid() or "").startswith("bk-name-")]


# ---------------------------------------------------------------------------- browser


@pytest.mark.browser
def test_page_draws_shade_water_and_names(browser, tmp_path):  # noqa: F811 - the fixture
    path = bk.brief_map(PRESET).save(tmp_path / "page.html")
    ctx = browser.new_context(viewport={"width": 1200, "height": 800})
    try:
        page = ctx.new_page()
        page.goto(path.as_uri())
        wait_for(page, "window.borderkitReady === true")
        got = page.evaluate("""(() => {
              const map = bk.maps[0], img = document.querySelector('img.bk-shade');
              const r = img.getBoundingClientRect(), m = document.getElementById('bk-map')
                .getBoundingClientRect();
              const nw = map.latLngToContainerPoint([44, 60]),
                    se = map.latLngToContainerPoint([33, 80]);
              const names = map._bk.labels.filter(l => l.context && l.node &&
                getComputedStyle(l.node).display !== 'none').map(l => l.text);
              return {img: [r.left - m.left, r.top - m.top, r.right - m.left,
                            r.bottom - m.top], corners: [nw.x, nw.y, se.x, se.y],
                      blend: getComputedStyle(map.getPane('bk-shade')).mixBlendMode,
                      water: document.querySelectorAll('.leaflet-bk-v1-pane path').length,
                      names, errors: window.borderkitErrors};
            })()""")
    finally:
        ctx.close()
    assert got["errors"] == []
    assert np.allclose(got["img"], got["corners"], atol=1.5), got
    assert got["blend"] == "multiply" and got["water"] > 10
    for name in NAMES:
        assert name in got["names"], got["names"]


def test_spec_file_keys_switch_the_context():
    from borderkit._specfile import parse_spec

    spec = parse_spec('title = "t"\nbounds = [70, 37, 72, 39]\nterrain = true\nwater = false\n'
                      'country_names = true\nlanguage = "ru"\nsubject = "TJK"\n')
    assert (spec.terrain, spec.water, spec.country_names) == (True, False, True)
    assert (spec.language, spec.subject) == ("ru", "TJK")
    assert (bk.BriefSpec(title="t").terrain, bk.BriefSpec(title="t").water) == (False, False)
