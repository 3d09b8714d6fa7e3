"""borderkit.export: Chromium PNG/PDF, export_brief, write_layers.

Browser tests share one Chromium per module (``export.browser()``) and are skipped
only when no Chromium is installed (CI installs Debian's ``chromium``).
"""

from __future__ import annotations

import concurrent.futures
import logging
import math
import re
import shutil
import sys
import warnings

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

import borderkit as bk
from borderkit import export
from borderkit.buffers import buffer as geodesic_buffer
from borderkit.errors import ExportError, MissingDependencyError, RenderError, SpecError

Image = pytest.importorskip("PIL.Image")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_browser = pytest.mark.skipif(
    CHROMIUM is None, reason="no system Chromium (apt-get install chromium; CI installs it)")

# places with distinct fills in borderkit._style
FACILITY = (74.6, 37.6)  # #ff1744
CHECKPOINT = (70.0, 39.2)  # #14b37d
EVENT = (72.5, 36.9)  # #ffca28
BORDER = shapely.LineString([(74.9, 37.2), (74.8, 38.0), (75.1, 38.6), (74.0, 39.2)])

PAGE = """<!doctype html><html><head><meta charset="utf-8"></head>
<body style="margin:0">
<div id="bk-map" style="position:absolute;inset:0;background:#ffffff"></div>
<script>
// draw late: a screenshot taken before the ready flag would miss the red block
setTimeout(function () {
  var d = document.createElement("div");
  d.style.cssText = "position:absolute;left:10px;top:20px;width:30px;height:40px;" +
                    "background:#ff0000";
  document.getElementById("bk-map").appendChild(d);
  window.borderkitReady = true;
}, 250);
</script></body></html>"""


def places():
    return gpd.GeoDataFrame(
        {"name": ["Facility", "Karasu", "Clash"], "kind": ["facility", "checkpoint", "event"]},
        geometry=[shapely.Point(FACILITY), shapely.Point(CHECKPOINT), shapely.Point(EVENT)],
        crs="EPSG:4326")


def brief(**changes) -> bk.BriefSpec:
    spec = bk.BriefSpec(
        title="Export test — Хоруғ 中国",
        notes=["A note."],
        sources=["Test source"],
        layers=[bk.Layer(gpd.GeoDataFrame({"name": ["CHN-TJK"]}, geometry=[BORDER],
                                          crs="EPSG:4326"), kind="border", name="Border"),
                bk.Layer(places(), labels=True)],
        legend=False, inset=False, uncertainty=False, width=600, height=400,
    )
    return spec.replace(**changes) if changes else spec


@pytest.fixture(scope="module")
def chromium():
    if CHROMIUM is None:
        pytest.skip("no system Chromium")
    with export.browser() as b:
        yield b


def _pixels(path):
    return np.asarray(Image.open(path).convert("RGB")).astype(int)


def _centroid(arr, rgb, tol=30):
    ys, xs = np.nonzero(np.abs(arr - np.array(rgb)).sum(axis=2) < tol)
    assert len(xs) > 10, f"colour {rgb} not found"
    return xs.mean(), ys.mean()


def _merc(lon, lat):
    return math.radians(lon), math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def _no_temp_files(folder):
    return not [p for p in folder.rglob("*") if ".part" in p.name]


# ----------------------------------------------------------------------------- no browser needed


def test_missing_chromium_names_the_install_command_and_the_static_renderer(monkeypatch,
                                                                            tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(export, "_bundled_chromium", lambda pw: None)
    monkeypatch.delenv("BORDERKIT_CHROMIUM", raising=False)
    with pytest.raises(MissingDependencyError) as err:
        bk.to_png(PAGE, tmp_path / "x.png")
    msg = str(err.value)
    assert "apt-get install chromium" in msg and "render_static" in msg
    assert isinstance(err.value, ImportError)
    assert not list(tmp_path.iterdir())


def test_missing_playwright_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)
    with pytest.raises(MissingDependencyError, match=r'pip install "borderkit\[export\]"'):
        bk.to_pdf(PAGE, tmp_path / "x.pdf")


def test_chromium_from_environment(monkeypatch, tmp_path):
    fake = tmp_path / "my-chromium"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("BORDERKIT_CHROMIUM", str(fake))
    assert export.find_chromium() == str(fake)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"scale": 0}, "scale"), ({"scale": "2x"}, "scale"), ({"width": 5}, "width"),
     ({"height": 1.5}, "height"), ({"timeout": -1}, "timeout")],
)
def test_bad_options_fail_before_any_browser(kwargs, match, tmp_path, monkeypatch):
    monkeypatch.setattr(export, "browser", lambda **kw: pytest.fail("browser started"))
    with pytest.raises(ExportError, match=match):
        bk.to_png(PAGE, tmp_path / "x.png", **kwargs)


def test_missing_html_file(tmp_path):
    with pytest.raises(ExportError, match="does not exist"):
        bk.to_png(tmp_path / "nope.html", tmp_path / "x.png", browser=object())


def test_unknown_map_argument(tmp_path):
    with pytest.raises(SpecError, match="BriefMap"):
        bk.to_png(42, tmp_path / "x.png", browser=object())


def test_export_brief_rejects_unknown_formats(tmp_path):
    with pytest.raises(ExportError, match="jpeg") as err:
        bk.export_brief(brief(), tmp_path, formats=("png", "jpeg"))
    assert "print.png" in str(err.value)
    with pytest.raises(ExportError, match="on_error"):
        bk.export_brief(brief(), tmp_path, on_error="ignore")


def test_export_brief_without_chromium_writes_the_rest_and_says_so(monkeypatch, tmp_path):
    def no_chromium(*a, **k):
        raise MissingDependencyError("no chromium here: apt-get install chromium")

    monkeypatch.setattr(export, "find_chromium", no_chromium)
    report = bk.export_brief(brief(), tmp_path / "out", dpi=40, on_error="report")
    assert sorted(report.written) == ["html", "pdf", "print.png", "svg"]
    assert list(report.failed) == ["png"]
    assert "apt-get install chromium" in report.failed["png"]
    assert not report.ok
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == [
        "brief-print.png", "brief.html", "brief.pdf", "brief.svg"]
    assert "FAILED png" in str(report)

    with pytest.raises(ExportError, match="1 output") as err:
        bk.export_brief(brief(), tmp_path / "again", formats=("png", "svg"), dpi=40)
    assert sorted(err.value.report.written) == ["svg"]
    assert isinstance(err.value.__cause__, MissingDependencyError)
    assert _no_temp_files(tmp_path)


def test_export_brief_static_outputs_share_one_drawing(tmp_path, monkeypatch):
    calls = []
    real = bk.render_static

    def counting(*a, **k):
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr("borderkit.static.render_static", counting)
    report = bk.export_brief(brief(), tmp_path, formats=("print.png", "svg", "pdf"), dpi=40,
                             basename="gbao")
    assert report.ok and len(calls) == 1
    assert report.written["print.png"].name == "gbao-print.png"
    assert Image.open(report.written["print.png"]).info["dpi"][0] == pytest.approx(40, abs=0.1)
    assert report.written["pdf"].read_bytes()[:4] == b"%PDF"


def test_one_spec_change_reaches_every_output(tmp_path, monkeypatch):
    monkeypatch.setattr(export, "find_chromium", lambda *a, **k: (_ for _ in ()).throw(
        MissingDependencyError("none")))
    spec = brief(title="Changed title ЖҶ")
    report = bk.export_brief(spec, tmp_path, formats=("html", "svg"), dpi=40)
    assert "Changed title ЖҶ" in report.written["html"].read_text(encoding="utf-8")
    svg = report.written["svg"].read_text(encoding="utf-8")
    assert "Changed title" in svg or "bk-title" in svg  # text is drawn as paths in SVG


# ----------------------------------------------------------------------------- layers out


@pytest.fixture(scope="module")
def derived():
    ceded = gpd.GeoDataFrame({"name": ["Ceded 2011"]}, geometry=[shapely.box(74.4, 37.4, 74.9,
                                                                             37.9)],
                             crs="EPSG:4326")
    buf = geodesic_buffer(gpd.GeoSeries([shapely.Point(FACILITY)], crs="EPSG:4326"), 20_000)
    spec = brief(
        layers=[*brief().layers, bk.Layer(ceded, kind="ceded_area", name="Ceded area"),
                bk.Layer(buf, kind="buffer", name="20 km buffer")],
        distance_lines=[bk.DistanceLine((68.78, 38.56), BORDER, name="Dushanbe to the border")],
        rings=[bk.RangeRings(FACILITY, [50_000, 100_000], name="Rings")],
    )
    return spec.resolve()


def test_write_layers_geojson_gpkg_kml(derived, tmp_path):
    report = bk.write_layers(derived, tmp_path)
    assert report.ok
    ids = {lyr.id for lyr in derived.layers if lyr.kind in export.DERIVED_KINDS}
    assert ids == {"ceded-area", "20-km-buffer", "dushanbe-to-the-border", "rings"}
    geojson = sorted(p.name for p in tmp_path.glob("*.geojson"))
    assert geojson == sorted(f"brief-{i}.geojson" for i in
                             [*ids, "dushanbe-to-the-border-ends"])
    layers = {name for name, _ in pyogrio.list_layers(tmp_path / "brief-layers.gpkg")}
    assert layers == {*ids, "dushanbe-to-the-border-ends"}
    kml = (tmp_path / "brief-layers.kml").read_text(encoding="utf-8")
    assert kml.count("<Folder>") == 5 and "Rings" in kml
    rings = gpd.read_file(tmp_path / "brief-rings.geojson")
    assert len(rings) == 2 and rings.crs.to_epsg() == 4326
    assert _no_temp_files(tmp_path)
    # the places and the border are not derived layers
    assert not (tmp_path / "brief-border.geojson").exists()


def test_distance_line_ends_include_the_nearest_point_on_the_border(derived, tmp_path):
    bk.write_layers(derived, tmp_path, formats=("geojson",), layers=["dushanbe-to-the-border"])
    ends = gpd.read_file(tmp_path / "brief-dushanbe-to-the-border-ends.geojson")
    assert list(ends["role"]) == ["start", "end"]
    start, end = ends.geometry
    assert (start.x, start.y) == pytest.approx((68.78, 38.56))
    assert BORDER.distance(end) < 1e-6  # the end lies on the border
    nearest = bk.nearest_point(shapely.Point(68.78, 38.56), BORDER).geometry.iloc[0]
    assert (end.x, end.y) == pytest.approx((nearest.x, nearest.y), abs=1e-7)
    assert ends["distance_m"].iloc[0] == pytest.approx(
        bk.distance((68.78, 38.56), (end.x, end.y)), rel=1e-9)


def test_write_layers_options(derived, tmp_path):
    with pytest.raises(ExportError, match="xlsx"):
        bk.write_layers(derived, tmp_path, formats=("xlsx",))
    with pytest.raises(ExportError, match="nope"):
        bk.write_layers(derived, tmp_path, layers=["nope"])
    report = bk.write_layers(derived, tmp_path, formats=("csv",), layers="all")
    assert "facility.csv" in report.written
    empty = bk.write_layers(brief().resolve(), tmp_path / "none", formats=("geojson",))
    assert not empty.written and "nothing written" in empty.notes[-1]


def test_export_brief_can_add_layer_formats(derived, tmp_path):
    report = bk.export_brief(derived, tmp_path, formats=("svg", "gpkg"), dpi=30)
    assert set(report.written) == {"svg", "layers.gpkg"}


# ----------------------------------------------------------------------------- in Chromium


@needs_browser
def test_to_png_waits_for_the_ready_flag_and_has_the_right_size(chromium, tmp_path):
    out = bk.to_png(PAGE, tmp_path / "page.png", width=200, height=120, scale=2,
                    browser=chromium)
    img = Image.open(out)
    assert img.size == (400, 240)
    arr = _pixels(out)
    assert tuple(arr[2 * 40, 2 * 25]) == (255, 0, 0)  # inside the late red block
    assert tuple(arr[200, 300]) == (255, 255, 255)
    # an .html file on disk gives the same picture
    (tmp_path / "page.html").write_text(PAGE, encoding="utf-8")
    out2 = bk.to_png(tmp_path / "page.html", tmp_path / "page2.png", width=200, height=120,
                     scale=2, browser=chromium)
    assert np.array_equal(_pixels(out2), arr)
    assert _no_temp_files(tmp_path)


@needs_browser
def test_a_page_that_never_becomes_ready_is_a_render_error(chromium, tmp_path):
    page = "<html><body><div id='bk-map'>never ready</div></body></html>"
    target = tmp_path / "x.png"
    target.write_bytes(b"old")
    with pytest.raises(RenderError, match=r"the HTML string did not become ready.*1 s"):
        bk.to_png(page, target, timeout=1, browser=chromium)
    assert target.read_bytes() == b"old"
    with pytest.raises(RenderError, match="no element '#nope'"):
        bk.to_png(PAGE, target, selector="#nope", browser=chromium)
    assert _no_temp_files(tmp_path)


@needs_browser
def test_network_requests_are_blocked(chromium, tmp_path, caplog):
    page = PAGE.replace("<script>", "<img src='https://tile.example.com/1/2/3.png'>"
                        "<script>fetch('http://192.0.2.1/x').catch(function () {});")
    with caplog.at_level(logging.WARNING, logger="borderkit.export"), warnings.catch_warnings():
        warnings.simplefilter("error")  # blocked requests are logged, not page problems
        bk.to_png(page, tmp_path / "x.png", width=200, height=120, scale=1, browser=chromium)
    text = caplog.text
    assert "blocked" in text and "tile.example.com" in text


@needs_browser
def test_brief_map_png_places_appear_where_they_should(chromium, tmp_path):
    spec = brief()
    out = bk.to_png(bk.brief_map(spec), tmp_path / "brief.png", scale=2, browser=chromium)
    arr = _pixels(out)
    assert arr.shape == (2 * 400, 2 * 600, 3)
    assert len(np.unique(arr.reshape(-1, 3), axis=0)) > 100
    f, c, e = (_centroid(arr, rgb) for rgb in
               [(0xFF, 0x17, 0x44), (0x14, 0xB3, 0x7D), (0xFF, 0xCA, 0x28)])
    # web Mercator -> pixels from two places; the third must land where predicted
    (fx, fy), (cx, cy), (ex, ey) = (_merc(*p) for p in (FACILITY, CHECKPOINT, EVENT))
    sx = (f[0] - c[0]) / (fx - cx)
    sy = -(f[1] - c[1]) / (fy - cy)
    assert sx == pytest.approx(sy, rel=0.03)
    px = f[0] + sx * (ex - fx)
    py = f[1] - sx * (ey - fy)
    assert math.hypot(px - e[0], py - e[1]) < 8  # device pixels, 2x


@needs_browser
def test_to_pdf_is_one_page_of_the_map_size(chromium, tmp_path):
    out = bk.to_pdf(PAGE, tmp_path / "page.pdf", width=600, height=400, browser=chromium)
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    assert [(float(w), float(h)) for w, h in boxes] == [(450.0, 300.0)]  # 600 x 400 CSS px


@needs_browser
def test_export_brief_everything(tmp_path):
    report = bk.export_brief(brief(), tmp_path, dpi=60, scale=1,
                             formats=("html", "png", "browser.pdf", "print.png", "svg", "pdf"))
    assert report.ok, str(report)
    assert Image.open(report.written["png"]).size == (600, 400)
    assert report.written["browser.pdf"].name == "brief-browser.pdf"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        p.name for p in report.written.values())


@needs_browser
def test_to_png_works_inside_a_running_event_loop(tmp_path):
    """Jupyter runs an asyncio loop; Playwright's sync API refuses to run inside one."""
    import asyncio

    async def in_loop():
        return bk.to_png(PAGE, tmp_path / "loop.png", width=200, height=120, scale=1)

    # in a thread of its own: this thread may already run Playwright's loop (the fixture)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        out = pool.submit(asyncio.run, in_loop()).result()
    assert Image.open(out).size == (200, 120)
