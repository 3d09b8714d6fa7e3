"""Bad-input catalogue, rendering and export: attack text, bad coordinates, failing writers.

Each case is one spec or one write and its expected outcome: the typed error, or
the warning and report, or the exact result. The failing-writer cases write a
good file first, then make every kind of failure happen (an exception while
rendering, a full disk on write or on fsync, a permission error on the final
rename) and check that the previous output is byte-for-byte intact and that no
temporary file is left. The table in ``docs/bad_inputs.md`` is generated from
``CASES`` (``python -m tests.bad_inputs > docs/bad_inputs.md``).

Helpers and the browser fixtures come from ``tests/test_maps.py`` and
``tests/test_maps_browser.py`` (one Chromium for this module).
"""

from __future__ import annotations

import contextlib
import errno
import html as htmllib
import io
import json
import os
import re
import tempfile
import warnings
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import geopandas as gpd
import matplotlib.figure
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import borderkit as bk
from borderkit import export
from borderkit.errors import (
    BorderkitError,
    CoordinateError,
    CRSError,
    DataError,
    DroppedFeatureWarning,
    EncodingError,
    ExportError,
    GeometryError,
    RenderError,
    RepairWarning,
    SpecError,
)
from borderkit.io import write_layer
from borderkit.maps import _map
from borderkit.static import save_figure
from test_maps import border_frame, data_blocks, layer_calls, parse, places_frame, region_frame
from test_maps_browser import browser, open_map  # noqa: F401 - fixtures for this module

from . import files as F
from . import test_limits_spec as S
from .test_loading import Raises, outcome
from .test_measuring import Gives, table

# Every one of these would set window.__pwned if any part of it ran as script.
PWN = [
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=1">',
    "${window.__pwned=1}",
    "</script><script>window.__pwned=1</script>",
    '"><svg onload=window.__pwned=1>',
    "'-(window.__pwned=1)-'",
    "`;window.__pwned=1;//`",
    "{{ window.__pwned }} {% raw %}",
    '<a href="javascript:window.__pwned=1">x</a>',
    "<!--<script>window.__pwned=1//-->",
    "\u2028window.__pwned=1\u2029",
    "\u202eRTL \u05e9\u05dc\u05d5\u05dd",
]
ATTACK = " ".join(PWN)
PLAIN = "plain"


@dataclass
class Env:
    """What a case may use: its own folder, monkeypatch, and (lazily) the browser."""

    tmp: Path
    mp: pytest.MonkeyPatch
    request: pytest.FixtureRequest

    @property
    def browser(self) -> Any:
        return self.request.getfixturevalue("browser")

    def open_map(self, bmap: Any) -> Any:
        return self.request.getfixturevalue("open_map")(bmap)


@dataclass(frozen=True)
class Case:
    id: str
    group: str
    input: str
    outcome: str
    run: Callable[[Env], Any]
    expect: Raises | Gives


def base_spec(**kw: Any) -> bk.BriefSpec:
    """A small brief: one region, four places, no inset (fast to draw)."""
    base: dict[str, Any] = dict(
        title="Bad-input brief",
        subtitle="test",
        notes=["a note"],
        sources=["a source"],
        layers=[bk.Layer(region_frame(), kind="region", labels=True),
                bk.Layer(simple_places(), labels=True)],
        uncertainty=False,
        inset=False,
        width=480,
        height=320,
    )
    base.update(kw)
    return bk.BriefSpec(**base)


def simple_places(names: list[str] | None = None) -> gpd.GeoDataFrame:
    """Places with short columns (fit a shapefile's 10-byte field names)."""
    frame = places_frame(names)
    return frame[["name", "kind", "geometry"]]


def named_point(name: Any, xy: tuple[float, float] = (70.0, 38.0),
                crs: Any = "EPSG:4326") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": pd.Series([name], dtype=object)},
                            geometry=[shapely.Point(xy)], crs=crs)


# ----------------------------------------------------------------------------- page checks


class _Body(HTMLParser):
    """Tags and text nodes of a page (script and style bodies left out)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[str]]] = []
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, sorted(name for name, _ in attrs)))
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def body(page: str) -> _Body:
    b = _Body()
    b.feed(page)
    b.close()
    return b


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def shown(page: str) -> set[str]:
    """Every text the page shows: HTML text nodes, data properties, labels, layer names."""
    out = set(body(page).text)
    for block in data_blocks(page).values():
        out.update(s for f in block["features"] for s in _strings(f["properties"]))
    for meta in layer_calls(page):
        out.add(htmllib.unescape(meta["nameHtml"]))
        out.update(label[2] for label in meta["labels"])
    return out


def code_outside_strings(script: str) -> str:
    return re.sub(r'"(?:[^"\\\n]|\\.)*"', '""', script)


def assert_inert(page: str, plain: str) -> None:
    """The attack page has exactly the elements of the plain page, and no text became code."""
    assert body(page).tags == body(plain).tags  # no injected tag or attribute
    scripts = parse(page).scripts
    own = [text for attrs, text in scripts if not attrs]
    assert len(own) == 3  # Leaflet, borderkit's page script, the map script
    for text in own:
        assert "__pwned" not in code_outside_strings(text)  # only inside JSON string literals
        assert "\u2028" not in text and "\u2029" not in text
    assert "`" not in code_outside_strings(own[-1])  # no template literal for ${ to live in
    for attrs, text in scripts:
        if attrs:
            assert attrs == {"type": "application/json", "id": attrs["id"]}
            assert attrs["id"].startswith("bk-data-")
            json.loads(text)


def slot_case(slot: str, build: Callable[[str], bk.BriefSpec], expected: Callable[[str], str],
              what: str) -> Case:
    def run(env: Env) -> tuple[str, str]:
        return bk.brief_map(build(ATTACK)).to_html(), bk.brief_map(build(PLAIN)).to_html()

    def check(pages: tuple[str, str]) -> None:
        page, plain = pages
        assert_inert(page, plain)
        assert expected(ATTACK) in shown(page), f"{slot}: the text is not shown literally"

    return Case(f"html-attack-{slot}", "text", f"attack strings in {what}",
                "escaped for its context: no new element, handler or script; shown literally",
                run, Gives(check))


def dl(a: Any, b: Any = (71.55, 37.49), **kw: Any) -> bk.DistanceLine:
    return bk.DistanceLine(a, b, **kw)


def _popup_spec(t: str) -> bk.BriefSpec:
    places = simple_places([f"{t} {i}" for i in range(4)])
    places[t] = t
    places["note"] = t
    return base_spec(layers=[bk.Layer(places, popup_columns=["name", t, "note"])])


def _kind_spec(t: str) -> bk.BriefSpec:
    places = simple_places()
    places["kind"] = t
    return base_spec(layers=[bk.Layer(places)])


def _tooltip_spec(t: str) -> bk.BriefSpec:
    return base_spec(layers=[bk.Layer(border_frame(t), kind="border", labels=False)])


SLOT_CASES = [
    slot_case("title", lambda t: base_spec(title=t), str, "the title (`<title>` and `<h1>`)"),
    slot_case("subtitle", lambda t: base_spec(subtitle=t), str, "the subtitle"),
    slot_case("notes", lambda t: base_spec(notes=[t, f"2 {t}"]), str, "the notes"),
    slot_case("sources", lambda t: base_spec(sources=[t, f"{t} https://example.org/a"]), str,
              "the sources (one with a link)"),
    slot_case("layer-name", lambda t: base_spec(
        layers=[bk.Layer(region_frame(), kind="region", name=t)]), str,
        "a layer name (legend, layer switcher)"),
    slot_case("place-names", lambda t: base_spec(
        layers=[bk.Layer(simple_places([f"{t} {i}" for i in range(4)]), labels=True)]),
        lambda t: f"{t} 0", "place names (labels, popup headings)"),
    slot_case("popup-columns", _popup_spec, lambda t: t.replace("_", " ").capitalize(),
              "a popup column's name and values"),
    slot_case("tooltip", _tooltip_spec, str, "a hover tooltip (unlabelled line)"),
    slot_case("kind-values", _kind_spec, str, "a `kind` column value (becomes a layer name)"),
    slot_case("distance-label", lambda t: base_spec(distance_lines=[dl((70.0, 38.0), label=t)]),
              str, "a distance line's `label`"),
    slot_case("distance-name", lambda t: base_spec(distance_lines=[dl((70.0, 38.0), name=t)]),
              str, "a distance line's `name` (legend and label)"),
    slot_case("distance-ends", lambda t: base_spec(distance_lines=[dl(named_point(t))]),
              lambda t: f"{t} → 37.4900, 71.5500", "the place names at a distance line's ends"),
    slot_case("ring-name", lambda t: base_spec(rings=[bk.RangeRings((70.0, 38.0), [50e3],
                                                                     name=t)]),
              str, "range rings' `name`"),
    slot_case("ring-centre", lambda t: base_spec(rings=[bk.RangeRings(named_point(t), [50e3])]),
              lambda t: f"50.0 km from {t}", "the place name at range rings' centre"),
]


def every_slot(t: str) -> bk.BriefSpec:
    places = simple_places([f"{t} {i}" for i in range(4)])
    places["note"] = t
    return base_spec(
        title=t, subtitle=t, notes=[t], sources=[t],
        layers=[bk.Layer(region_frame(t), kind="region", name=t, labels=True),
                bk.Layer(border_frame(t), kind="border", name=f"border {t}"),
                bk.Layer(places, name=t, labels=True)],
        distance_lines=[dl(named_point(t), name=t)],
        rings=[bk.RangeRings((70.0, 38.0), [50e3], name=t)],
        legend=True,
    )


def browser_run(env: Env) -> dict[str, Any]:
    view = env.open_map(bk.brief_map(every_slot(ATTACK)))
    opened = view.js("""(() => {
        let n = 0;
        bk.maps[0].eachLayer(l => {
            try {
                if (l.getPopup && l.getPopup()) { l.openPopup(); n++; l.closePopup(); }
                if (l.getTooltip && l.getTooltip()) { l.openTooltip(); l.closeTooltip(); }
            } catch (e) { window.borderkitErrors.push(String(e)); }
        });
        return n;
    })()""")
    return {
        "pwned": view.js("typeof window.__pwned"),
        "alerts": view.js("window.__alerts"),
        "errors": view.js("window.borderkitErrors"),
        "h1": view.js("document.querySelector('#bk-title h1').textContent"),
        "legend": view.js("Array.from(document.querySelectorAll('#bk-legend li'), "
                          "n => n.textContent)"),
        "popups": opened,
        "blocked": view.blocked,
    }


def check_browser(r):
    assert r["pwned"] == "undefined" and r["alerts"] == [] and r["errors"] == []
    assert r["blocked"] == [] and r["popups"] >= 6
    assert r["h1"] == ATTACK and ATTACK in r["legend"]


# ----------------------------------------------------------------------------- print checks


def static_texts(fig: Any) -> list[str]:
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text)]


def static_attacks(env: Env) -> tuple[Any, bytes, bytes]:
    fig = bk.render_static(every_slot(ATTACK), env.tmp / "m.svg", dpi=30)
    save_figure(fig, env.tmp / "m.pdf")
    return fig, (env.tmp / "m.svg").read_bytes(), (env.tmp / "m.pdf").read_bytes()


def check_static_attacks(r):
    fig, svg, pdf = r
    root = ET.fromstring(svg)  # well-formed; the text sits in escaped comments and glyph paths
    for el in root.iter():
        tag = el.tag.rsplit("}", 1)[-1]
        assert tag not in ("script", "a", "image", "foreignObject", "iframe"), tag
        assert not any(k.rsplit("}", 1)[-1].startswith("on") for k in el.attrib), el.attrib
        assert not any("javascript:" in v for v in el.attrib.values())
    assert b"<script" not in svg and b"<img" not in svg
    texts = static_texts(fig)
    assert ATTACK in texts  # the title, drawn literally
    assert any(ATTACK in t for t in texts if t != ATTACK)  # the legend, labels, notes
    assert pdf.startswith(b"%PDF") and pdf.rstrip().endswith(b"%%EOF")


MATH = "$x^$ costs $5 and $10 \\notacommand"


def check_mathtext(fig):
    title = next(t for t in fig.findobj(matplotlib.text.Text) if t.get_gid() == "bk-title")
    assert title.get_text() == MATH and title.get_parse_math() is False


CONTROL = "Kul\x00ma\x07 pass\ufeff"


def static_control(env: Env) -> tuple[Any, bytes]:
    fig = bk.render_static(base_spec(title=CONTROL, layers=[
        bk.Layer(simple_places([CONTROL, "b", "c", "d"]), labels=True)]), env.tmp / "c.svg",
        dpi=30)
    save_figure(fig, env.tmp / "c.pdf")
    return fig, (env.tmp / "c.svg").read_bytes()


def check_control(r):
    fig, svg = r
    ET.fromstring(svg)
    texts = static_texts(fig)
    assert "Kulma pass" in texts and CONTROL not in texts
    (note,) = [n for n in fig.borderkit.report if "undrawable" in n]
    assert "U+0000, U+0007, U+FEFF" in note and repr(CONTROL) in note


def check_one_note(fig):
    (notes,) = [t for t in fig.findobj(matplotlib.text.Text) if t.get_gid() == "bk-notes"]
    assert notes.get_text() == "One note.\nSource: One source."


# the page's Content-Security-Policy, the print map's colours, labels and fonts (issue 16)

INJECTED = ('<script>window.__pwned = 1</script><img src="https://beacon.example/i.gif">'
            '<img src=x onerror="window.__pwned = 2">')


def csp_injected(env: Env) -> dict[str, Any]:
    """The plain brief page with a script and beacons inserted raw, opened in Chromium."""
    page = bk.brief_map(base_spec()).to_html().replace("</body>", INJECTED + "</body>")
    path = env.tmp / "injected.html"
    path.write_text(page, encoding="utf-8")
    ctx = env.browser.new_context()
    requests: list[str] = []
    try:
        view = ctx.new_page()
        view.route("**/*", lambda r: (requests.append(r.request.url), r.abort()
                                      if "beacon" in r.request.url else r.continue_()))
        view.add_init_script("window.__v = []; document.addEventListener("
                             "'securitypolicyviolation', e => window.__v.push("
                             "e.effectiveDirective));")
        view.goto(path.as_uri())
        view.wait_for_function("window.borderkitReady === true", timeout=15_000)
        return {"pwned": view.evaluate("typeof window.__pwned"),
                "violations": set(view.evaluate("window.__v")),
                "beacons": [u for u in requests if "beacon" in u],
                "policy": re.search(r'Content-Security-Policy" content="([^"]*)"',
                                    page).group(1)}
    finally:
        ctx.close()


def check_csp_injected(r):
    assert r["pwned"] == "undefined" and r["beacons"] == []
    assert {"script-src-elem", "script-src-attr", "img-src"} <= r["violations"]
    assert htmllib.unescape(r["policy"]).startswith("default-src 'none'; script-src 'sha256-")


def tile_policies(env: Env) -> tuple[str, str]:
    def img_src(page: str) -> str:
        policy = htmllib.unescape(re.search(r'Content-Security-Policy" content="([^"]*)"',
                                            page).group(1))
        return re.search(r"img-src [^;]*", policy).group(0)

    return (img_src(bk.brief_map(base_spec()).to_html()),
            img_src(bk.brief_map(base_spec(tiles="OpenStreetMap.HOT")).to_html()))


def colour_spec(colour: Any) -> bk.BriefSpec:
    return base_spec(layers=[bk.Layer(region_frame(), kind="region", name="GBAO",
                                      style={"color": colour})])


COLOUR_ERROR = (r"^layer 'GBAO' style 'color': 'reddish' is not a CSS colour that both the "
                r"page and print maps draw; use '#rrggbb' \(or '#rgb', '#rrggbbaa'\), a CSS "
                r"colour name such as 'darkred', 'rgb\(r, g, b\)' / 'rgba\(r, g, b, a\)' or "
                r"'hsl\(h, s%, l%\)'$")


def many_labels(env: Env) -> Any:
    rng = np.random.default_rng(1)
    towns = gpd.GeoDataFrame({"name": [f"Place {i}" for i in range(1000)]},
                             geometry=shapely.points(rng.uniform(68, 75, 1000),
                                                     rng.uniform(36, 41, 1000)), crs=4326)
    return bk.render_static(base_spec(layers=[bk.Layer(towns, kind="town", labels=True)],
                                      notes=[], sources=[]), dpi=72)


def check_many_labels(fig):
    assert len(fig.borderkit.labels) == 1000
    crowded = [n for n in fig.borderkit.report if "overlaps other map text" in n]
    assert 0 < len(crowded) < 1000  # the crowded ones are reported, each by name


def stale_font_cache(env: Env) -> tuple[Any, list[str], set[str]]:
    from borderkit.static import _fonts
    from test_static import make_font_list_stale

    env.request.addfinalizer(_fonts._font_path.cache_clear)
    _, cjk = make_font_list_stale(env.mp, env.tmp)
    if not cjk:
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk)")
    with _capture_log("borderkit.static._fonts") as records:
        fig = bk.render_static(base_spec(layers=[bk.Layer(named_point("喀什 Kashgar"),
                                                          labels=True)]), dpi=30)
    return fig, records, cjk


@contextlib.contextmanager
def _capture_log(name: str):
    import logging

    records: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(record.getMessage())  # type: ignore[method-assign]
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


def check_stale_font_cache(r):
    fig, records, cjk = r
    assert fig.borderkit.fonts[1] in bk.static.CJK_FONTS  # a CJK font found after all
    assert not [n for n in fig.borderkit.report if "boxes" in n]
    (note,) = [m for m in records if "built before" in m]
    assert "rebuilding its font cache" in note


# ----------------------------------------------------------------------------- coordinates

BAD_ROWS = ["nan", "inf", "lon 200", "lat 95", "none", "empty"]


def bad_points() -> gpd.GeoDataFrame:
    geoms = [shapely.Point(70.0, 38.0), shapely.Point(np.nan, 38.0), shapely.Point(70.0, np.inf),
             shapely.Point(200.0, 38.0), shapely.Point(70.0, 95.0), None, shapely.Point()]
    return gpd.GeoDataFrame({"name": ["ok", *BAD_ROWS]}, geometry=geoms, crs="EPSG:4326")


def bad_vertices() -> gpd.GeoDataFrame:
    line = shapely.LineString([(70, 38), (np.nan, 38.5), (71, 39)])
    holed = shapely.Polygon(shapely.box(70, 38, 72, 40).exterior.coords,
                            [[(70.5, 38.5), (71, np.nan), (71, 39), (70.5, 38.5)]])
    good = shapely.LineString([(70, 38), (71, 39)])
    return gpd.GeoDataFrame({"name": ["nan vertex", "nan in hole", "good"]},
                            geometry=[line, holed, good], crs="EPSG:4326")


def page_coordinates(page: str) -> np.ndarray:
    xy = []
    for block in data_blocks(page).values():
        for f in block["features"]:
            geom = shapely.geometry.shape(f["geometry"])
            assert not geom.is_empty
            xy.append(shapely.get_coordinates(geom))
    for meta in layer_calls(page):
        xy += [np.array([label[:2]], dtype=float) for label in meta["labels"]]
    return np.vstack(xy)


def assert_clean_page(page: str) -> None:
    xy = page_coordinates(page)
    assert np.isfinite(xy).all()
    assert (np.abs(xy[:, 0]) <= 180).all() and (np.abs(xy[:, 1]) <= 90).all()
    map_script = [t for a, t in parse(page).scripts if not a][-1]
    blocks = "".join(t for a, t in parse(page).scripts if a)
    for word in ("NaN", "Infinity", '"coordinates":null', '"geometry":null', "[null"):
        assert word not in map_script and word not in blocks, word


def page_with(frame: gpd.GeoDataFrame) -> Any:
    m = bk.brief_map(base_spec(layers=[bk.Layer(frame, labels=True),
                                       bk.Layer(region_frame(), kind="region")]))
    return m, m.to_html()


def check_bad_points(r):
    m, page = r
    assert_clean_page(page)
    headings = [f["properties"]["p"]["h"] for b in data_blocks(page).values()
                for f in b["features"] if "p" in f["properties"]]
    assert "ok" in headings and not set(BAD_ROWS) & set(headings)
    (note,) = [n for n in m.resolved.report if "dropped" in n]
    assert "dropped 6 feature(s)" in note and all(f"({name})" in note for name in BAD_ROWS)


def check_bad_vertices(r):
    m, page = r
    assert_clean_page(page)
    (note,) = [n for n in m.resolved.report if "dropped" in n]
    assert "dropped 2 feature(s)" in note and "(nan vertex)" in note and "(nan in hole)" in note


def check_layer_left_out(r):
    m, page = r
    assert [lyr.kind for lyr in m.resolved.layers] == ["user_point", "region"]
    assert list(data_blocks(page)) == ["bk-data-region"]  # the emptied layer is not drawn
    assert_clean_page(page)


def static_bad_points(env: Env) -> Any:
    return bk.render_static(base_spec(layers=[bk.Layer(bad_points(), labels=True)]), dpi=30)


def check_static_bad_points(fig):
    assert any("dropped 6 feature(s)" in n for n in fig.borderkit.report)
    for coll in fig.axes[0].collections:
        assert np.isfinite(np.asarray(coll.get_offsets(), dtype=float)).all()
    for line in fig.axes[0].lines:
        assert np.isfinite(line.get_xydata()).all()
    assert set(fig.borderkit.labels) <= {"ok", "Gorno-Badakhshan"}


def check_projected(r):
    _, page = r
    got = {f["properties"]["p"]["h"]: f["geometry"]["coordinates"]
           for k, b in data_blocks(page).items() if k != "bk-data-region" for f in b["features"]}
    want = simple_places()
    assert sorted(got) == sorted(want["name"])
    for name, geom in zip(want["name"], want.geometry, strict=True):
        np.testing.assert_allclose(got[name], [geom.x, geom.y], atol=2e-6)


# ----------------------------------------------------------------------------- failing writers

MODES = ("crash", "disk-full-write", "disk-full-fsync", "permission")


class _FullFile:
    """A file on a full disk: takes half of a write, then fails with ENOSPC."""

    def __init__(self, fh: Any) -> None:
        self._fh = fh

    def write(self, data: Any) -> int:
        self._fh.write(data[: len(data) // 2])
        self._fh.flush()
        raise OSError(errno.ENOSPC, "No space left on device")

    def fileno(self) -> int:  # make writers (PIL) go through write()
        raise io.UnsupportedOperation("fileno")

    def __enter__(self) -> _FullFile:
        return self

    def __exit__(self, *exc: Any) -> None:
        self._fh.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fh, name)


def _full_disk_open(real: Callable[..., Any]) -> Callable[..., Any]:
    def fake(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        fh = real(file, mode, *args, **kwargs)
        temp = isinstance(file, str | os.PathLike) and ".part" in os.fspath(file)
        return _FullFile(fh) if temp and any(c in mode for c in "wax") else fh

    return fake


def _partial(exc: BaseException) -> Callable[..., Any]:
    """A writer that leaves half a file at its target, then raises *exc*."""

    def fake(*args: Any, path: Any = None, **kwargs: Any) -> Any:
        target = path if path is not None else args[1] if len(args) > 1 else None
        if target is not None:
            Path(target).write_bytes(b"PARTIAL")
        raise exc

    return fake


def _arm(m: pytest.MonkeyPatch, mode: str, crash: Callable[[pytest.MonkeyPatch], None]) -> None:
    if mode == "crash":
        crash(m)
    elif mode == "disk-full-write":
        m.setattr("builtins.open", _full_disk_open(open))
        m.setattr(io, "open", _full_disk_open(io.open))
        m.setattr(pyogrio, "write_dataframe",
                  _partial(OSError(errno.ENOSPC, "No space left on device")))
    elif mode == "disk-full-fsync":
        def fsync(fd: int) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

        m.setattr(os, "fsync", fsync)
    else:
        def replace(src: Any, dst: Any) -> None:
            raise PermissionError(errno.EACCES, "Permission denied")

        m.setattr(os, "replace", replace)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


_WHY = {"disk-full-write": "No space left", "disk-full-fsync": "No space left",
        "permission": "Permission denied"}


def failures(write: Callable[[Path], Any], crash: Callable[[pytest.MonkeyPatch], None],
             *, target: str) -> Callable[[Env], dict[str, BaseException]]:
    """Run *write* once for real, then under every failure mode; return each mode's error."""

    def run(env: Env) -> dict[str, BaseException]:
        folder = env.tmp / "out"
        folder.mkdir()
        write(folder)
        before = snapshot(folder)
        assert target in before
        errors: dict[str, BaseException] = {}
        for mode in MODES:
            with env.mp.context() as m:
                _arm(m, mode, crash)
                with pytest.raises(BorderkitError) as info:
                    write(folder)
            assert snapshot(folder) == before, f"{mode}: the previous output changed"
            if mode in _WHY:
                assert _WHY[mode] in str(info.value), (mode, str(info.value))
            errors[mode] = info.value
        return errors

    return run


def errors_are(crash: type[BorderkitError]) -> Gives:
    def check(errors: dict[str, BaseException]) -> None:
        assert isinstance(errors["crash"], crash), errors["crash"]
        for mode in MODES[1:]:
            assert isinstance(errors[mode], ExportError), (mode, errors[mode])

    return Gives(check)


def crash_layer(m: pytest.MonkeyPatch) -> None:
    m.setattr(_map._GeoLayer, "geojson", _raiser(ValueError("renderer bug")))


def crash_savefig(m: pytest.MonkeyPatch) -> None:
    m.setattr(matplotlib.figure.Figure, "savefig",
              lambda self, fname, **kw: _partial(RuntimeError("renderer crashed"))(path=fname))


def crash_chromium(m: pytest.MonkeyPatch) -> None:
    from playwright.sync_api import Error, Locator, Page

    crash = _partial(Error("Target page, context or browser has been closed"))
    for cls, name in ((Page, "screenshot"), (Locator, "screenshot"), (Page, "pdf")):
        m.setattr(cls, name, lambda self, *a, _c=crash, **kw: _c(*a, **kw))


def crash_writers(m: pytest.MonkeyPatch) -> None:
    real = Path.write_bytes

    def half(self: Path, data: bytes) -> int:
        real(self, data[: len(data) // 2])
        raise RuntimeError("writer crashed")

    m.setattr(Path, "write_bytes", half)
    m.setattr(pyogrio, "write_dataframe", _partial(RuntimeError("GDAL crashed")))
    m.setattr(zipfile.ZipFile, "writestr", _raiser(RuntimeError("zip crashed")))


def _raiser(exc: BaseException) -> Callable[..., Any]:
    def fake(*args: Any, **kwargs: Any) -> Any:
        raise exc

    return fake


def shared_browser(env: Env) -> None:
    """export_brief starts its own Chromium: hand it the module's one instead."""
    b = env.browser

    @contextlib.contextmanager
    def own(**kwargs: Any) -> Any:
        yield b

    env.mp.setattr(export, "browser", own)
    # the fixture's Playwright loop counts as a running loop: stay on this thread
    env.mp.setattr(export, "_off_loop", lambda fn: fn())


WRITE_SPEC = base_spec(rings=[bk.RangeRings((72.0, 38.0), [50e3])],
                       distance_lines=[dl((70.0, 38.0))])


def _static(fmt: str) -> Callable[[Path], Any]:
    return lambda folder: bk.render_static(WRITE_SPEC, folder / f"map.{fmt}", dpi=30)


def _chromium(fn: Callable[..., Any], name: str) -> Callable[[Env], Any]:
    def run(env: Env) -> Any:
        bmap = bk.brief_map(WRITE_SPEC)
        b = env.browser
        kw = {"scale": 1} if fn is bk.to_png else {}
        return failures(lambda folder: fn(bmap, folder / name, browser=b, **kw),
                        crash_chromium, target=name)(env)

    return run


def _layer_case(fmt: str) -> Case:
    name = f"places.{fmt}"
    return Case(
        f"fail-write-layer-{fmt}", "writing",
        f"`write_layer(..., 'places.{fmt}')` over an existing file, failing each way",
        "ExportError; the previous file" + ("s (every part)" if fmt == "shp" else "") +
        " byte-for-byte intact, no temp file",
        failures(lambda folder: write_layer(simple_places(), folder / name), crash_writers,
                 target=name),
        errors_are(ExportError),
    )


def shapefile_swap_interrupted(env: Env) -> tuple[dict[str, bytes], dict[str, bytes]]:
    folder = env.tmp / "out"
    folder.mkdir()
    write_layer(simple_places(), folder / "p.shp")
    before = snapshot(folder)
    real, calls = os.replace, []

    def flaky(src: Any, dst: Any) -> None:
        calls.append(dst)
        if len(calls) == 3:  # two new parts are in (each replaced its old one in place)
            raise OSError(errno.EIO, "Input/output error")
        real(src, dst)

    env.mp.setattr(os, "replace", flaky)
    with pytest.raises(ExportError, match="Input/output error"):
        write_layer(simple_places(["other", "names", "in", "it"]), folder / "p.shp")
    env.mp.undo()
    return before, snapshot(folder)


def shapefile_rewrite_watched(env: Env) -> dict[str, Any]:
    """Rewrite a shapefile, noting at each rename whether every part is there."""
    folder = env.tmp / "out"
    folder.mkdir()
    write_layer(simple_places(), folder / "p.shp")
    (folder / "p.qix").write_bytes(b"stale spatial index")
    parts = [folder / f"p{ext}" for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg")]
    real, seen = os.replace, []

    def watch(src: Any, dst: Any) -> None:
        seen.append((Path(dst).name, all(p.exists() for p in parts)))
        real(src, dst)

    env.mp.setattr(os, "replace", watch)
    write_layer(simple_places(["other", "names", "in", "it"]), folder / "p.shp")
    env.mp.undo()
    return {"seen": seen, "left": sorted(p.name for p in folder.iterdir()),
            "names": list(bk.read_layer(folder / "p.shp")["name"])}


def check_rewrite_watched(r):
    assert [name for name, _ in r["seen"][:5]] == ["p.shp", "p.shx", "p.dbf", "p.cpg", "p.prj"]
    assert all(present for _, present in r["seen"])  # no part ever missing
    assert r["left"] == ["p.cpg", "p.dbf", "p.prj", "p.shp", "p.shx"]  # the stale .qix gone
    assert r["names"] == ["other", "names", "in", "it"]


KILLED_SAVE = """
import os, pathlib, signal, sys
from borderkit._atomic import atomic_path, temp_dir
target = pathlib.Path(sys.argv[1])
temp_dir(target.with_suffix(".shp"))  # a shapefile's temporary folder
with atomic_path(target) as tmp:
    tmp.write_bytes(b"half a GeoPackage")
    pathlib.Path(str(tmp) + "-journal").write_bytes(b"SQLite journal")
    os.kill(os.getpid(), signal.SIGKILL)
"""
NEXT_SAVE = """
import sys, geopandas as gpd, shapely, borderkit as bk
g = gpd.GeoDataFrame({"name": ["new"]}, geometry=[shapely.Point(70, 38)], crs=4326)
bk.write_layer(g, sys.argv[1])
bk.write_layer(g, sys.argv[2])
"""


def killed_save_then_next(env: Env) -> dict[str, Any]:
    import signal
    import subprocess
    import sys

    folder = env.tmp / "out"
    folder.mkdir()
    target = folder / "p.gpkg"
    write_layer(simple_places(), target)
    killed = subprocess.run([sys.executable, "-c", KILLED_SAVE, str(target)], timeout=120)
    assert killed.returncode == -signal.SIGKILL
    after_kill = sorted(p.name for p in folder.iterdir())
    subprocess.run([sys.executable, "-c", NEXT_SAVE, str(target), str(folder / "p.shp")],
                   timeout=120, check=True)
    return {"after_kill": after_kill, "after_next": sorted(p.name for p in folder.iterdir())}


def check_killed_save(r):
    left = r["after_kill"]
    assert len(left) == 4 and "p.gpkg" in left
    assert sum(n.endswith(".part.gpkg") for n in left) == 1
    assert sum(n.endswith(".part.gpkg-journal") for n in left) == 1
    assert sum(n.startswith(".p.shp.") and n.endswith(".part") for n in left) == 1
    assert r["after_next"] == ["p.cpg", "p.dbf", "p.gpkg", "p.prj", "p.shp", "p.shx"]


HOSTILE_NAMES = ['=HYPERLINK("http://evil.example","x")', "\x1b]0;owned\x07\x9b2J", "@SUM(1)",
                 "\u202eevil", "-12.5"]


def cli_outputs(env: Env) -> dict[str, str]:
    from click.testing import CliRunner

    from borderkit import cli

    src = write_layer(simple_places(HOSTILE_NAMES[:4]).iloc[:4], env.tmp / "hostile.geojson")
    out = {}
    for fmt in ("table", "csv", "geojson"):
        got = CliRunner().invoke(cli.cli, ["within", str(src), "--border", "AFG-TJK",
                                           "--km", "2000", "--format", fmt])
        assert got.exit_code == 0, got.output
        out[fmt] = got.stdout
    return out


def check_cli_outputs(out):
    for fmt, text in out.items():
        bad = [c for c in text if (ord(c) < 32 and c != "\n") or 0x7F <= ord(c) <= 0x9F
               or 0x202A <= ord(c) <= 0x202E]
        assert not bad, (fmt, bad)
    assert "\\x1b]0;owned\\x07\\x9b2J" in out["table"] and "\\u202eevil" in out["table"]
    rows = out["csv"].splitlines()
    assert rows[1].startswith('"\'=HYPERLINK(') and rows[3].startswith("'@SUM(1),")
    assert rows[2].startswith("\\x1b]0;owned")
    names = [f["properties"]["name"] for f in json.loads(out["geojson"])["features"]]
    assert names == HOSTILE_NAMES[:4]  # JSON: escaped on screen, the same data once parsed


def check_same(r):
    before, after = r
    assert after == before and len(before) == 5


EXPORT_FORMATS = ("html", "png", "browser.pdf", "pdf", "print.png")


def export_step_fails(env: Env) -> dict[str, Any]:
    shared_browser(env)
    folder = env.tmp / "brief"
    first = bk.export_brief(WRITE_SPEC, folder, formats=EXPORT_FORMATS, dpi=30, scale=1)
    assert first.ok
    before = snapshot(folder)
    with env.mp.context() as m:
        crash_chromium_png_only(m)
        report = bk.export_brief(WRITE_SPEC, folder, formats=EXPORT_FORMATS, dpi=30, scale=1,
                                 on_error="report")
        with pytest.raises(ExportError) as info:
            bk.export_brief(WRITE_SPEC, folder, formats=EXPORT_FORMATS, dpi=30, scale=1)
    return {"report": report, "error": info.value, "before": before, "after": snapshot(folder)}


def crash_chromium_png_only(m: pytest.MonkeyPatch) -> None:
    from playwright.sync_api import Error, Page

    crash = _partial(Error("Target crashed"))
    m.setattr(Page, "screenshot", lambda self, *a, **kw: crash(*a, **kw))


def check_export_step(r):
    report, before, after = r["report"], r["before"], r["after"]
    assert sorted(report.written) == ["browser.pdf", "html", "pdf", "print.png"]
    assert list(report.failed) == ["png"] and "RenderError" in report.failed["png"]
    assert all(p.is_file() and p.stat().st_size > 100 for p in report.written.values())
    assert after["brief.png"] == before["brief.png"]  # the old PNG, whole
    for name in ("brief.html", "brief.pdf", "brief-print.png"):  # deterministic outputs
        assert after[name] == before[name], name
    assert after["brief-browser.pdf"].rstrip().endswith(b"%%EOF")
    assert sorted(after) == sorted(before)  # no temp files
    err = r["error"]
    assert "1 output(s) failed" in str(err) and "FAILED png" in str(err)
    assert "html: " in str(err) and err.report.failed.keys() == {"png"}


def export_disk_fills(env: Env) -> dict[str, Any]:
    shared_browser(env)
    folder = env.tmp / "brief"
    bk.export_brief(WRITE_SPEC, folder, formats=EXPORT_FORMATS, dpi=30, scale=1)
    old = snapshot(folder)
    changed = WRITE_SPEC.replace(title="Second version")
    real, calls = os.fsync, []

    def fills(fd: int) -> None:
        calls.append(fd)
        if len(calls) > 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(fd)

    env.mp.setattr(os, "fsync", fills)
    report = bk.export_brief(changed, folder, formats=EXPORT_FORMATS, dpi=30, scale=1,
                             on_error="report")
    env.mp.undo()
    return {"report": report, "old": old, "new": snapshot(folder)}


def check_disk_fills(r):
    report, old, new = r["report"], r["old"], r["new"]
    assert list(report.written) == ["html", "png"]
    assert sorted(report.failed) == ["browser.pdf", "pdf", "print.png"]
    assert all("No space left" in why for why in report.failed.values())
    assert sorted(new) == sorted(old)  # no temp files, nothing missing
    assert b"Second version" in new["brief.html"] and new["brief.png"] != old["brief.png"]
    for name in ("brief-browser.pdf", "brief.pdf", "brief-print.png"):
        assert new[name] == old[name], name  # the failed ones: the previous version, whole


def write_layers_midway(env: Env) -> dict[str, Any]:
    folder = env.tmp / "layers"
    bk.write_layers(WRITE_SPEC, folder, formats=("geojson", "gpkg", "kml"))
    old = snapshot(folder)
    env.mp.setattr(pyogrio, "write_dataframe", _partial(RuntimeError("GDAL crashed")))
    with pytest.raises(ExportError) as info:
        bk.write_layers(WRITE_SPEC.replace(title="v2"), folder, formats=("geojson", "gpkg", "kml"))
    env.mp.undo()
    return {"error": info.value, "old": old, "new": snapshot(folder)}


def check_layers_midway(r):
    err, old, new = r["error"], r["old"], r["new"]
    assert list(err.report.failed) == ["layers.gpkg"] and "GDAL crashed" in str(err)
    assert {"rings-around-38-0000-72-0000.geojson", "layers.kml"} <= set(err.report.written)
    assert new == old  # same layers: same bytes; the GeoPackage is the previous one


def save_into_missing_folder(env: Env) -> Any:
    return bk.brief_map(base_spec()).save(env.tmp / "no-such-folder" / "brief.html")


# ----------------------------------------------------------------------------- the table

UTM_PLACES = simple_places().to_crs(32642)
SURROGATE = "report\udcff.csv"

CASES: list[Case] = [
    *SLOT_CASES,
    Case("html-attacks-in-browser", "text",
         "attack strings in every slot at once, opened in Chromium; every popup and tooltip "
         "opened", "nothing runs: `window.__pwned` undefined, no alert, no page error; the "
         "title and legend show the text literally",
         browser_run, Gives(check_browser)),
    Case("html-csp-stops-injected-script", "text",
         "a brief page with `<script>`, an `<img onerror>` and a beacon `<img src=https://...>` "
         "inserted raw after rendering (as if escaping had failed), opened in Chromium",
         "the page's Content-Security-Policy (`default-src 'none'`, only its own scripts by "
         "SHA-256) stops them: nothing runs, no request leaves, Chromium reports the violations",
         csp_injected, Gives(check_csp_injected)),
    Case("html-csp-tile-hosts", "text", "`tiles='OpenStreetMap.HOT'` (web tiles asked for)",
         "the policy's `img-src` lists the tile hosts `https://{a,b,c}.tile.openstreetmap.fr` "
         "after `data:`; without tiles `img-src data:` only",
         tile_policies, Gives(lambda r: r == ("img-src data:", "img-src data: " + " ".join(
             f"https://{s}.tile.openstreetmap.fr" for s in "abc")))),
    Case("static-attacks", "text",
         "attack strings in every slot, drawn by `render_static` to SVG and PDF",
         "well-formed SVG with no `<script`, handler or link; the text drawn literally",
         static_attacks, Gives(check_static_attacks)),
    Case("static-mathtext", "text",
         "a title `$x^$ costs $5 and $10 \\notacommand` (matplotlib mathtext syntax)",
         "drawn literally (mathtext is off); before the fix, a ValueError stopped the drawing",
         lambda env: bk.render_static(base_spec(title=MATH), dpi=30), Gives(check_mathtext)),
    Case("static-control-characters", "text",
         "NUL, BEL and U+FEFF in a title and a place name, drawn to SVG and PDF",
         "RepairWarning; removed from the print map's text (the report names them); "
         "well-formed SVG; before the fix the SVG was not XML and the PDF writer crashed",
         static_control, Gives(check_control, RepairWarning)),
    Case("static-notes-as-one-string", "text",
         "`notes='One note.'`, `sources='One source.'` (a string, not a list)",
         "one note, one source (before the fix: one line per character)",
         lambda env: bk.render_static(base_spec(notes="One note.", sources="One source."),
                                      dpi=30), Gives(check_one_note)),
    Case("style-colour-invalid-page", "text", "`style={'color': 'reddish'}`, HTML page",
         "SpecError naming the layer and the style key, listing the accepted forms (before: "
         "written into the page, ignored by the browser)",
         lambda env: bk.brief_map(colour_spec("reddish")).to_html(),
         Raises(SpecError, COLOUR_ERROR)),
    Case("style-colour-invalid-print", "text", "`style={'color': 'reddish'}`, print map",
         "the same SpecError, before anything is drawn (before: a raw ValueError from "
         "matplotlib)",
         lambda env: bk.render_static(colour_spec("reddish"), dpi=30),
         Raises(SpecError, COLOUR_ERROR)),
    Case("style-colour-css-forms", "text",
         "`'DarkRed'`, `'rgb(10, 20, 30)'`, `'hsl(120, 100%, 25%)'` as colours",
         "drawn alike by both renderers: written as `#8b0000`, `#0a141e`, `#008000`",
         lambda env: [bk.brief_map(colour_spec(c)).to_html().count(h) > 0 and any(
             tuple(a.get_edgecolor()[0][:3]) == pytest.approx(matplotlib.colors.to_rgb(h))
             for a in bk.render_static(colour_spec(c), dpi=20).findobj(
                 lambda a: a.get_gid() == "bk-layer-gbao"))
             for c, h in (("DarkRed", "#8b0000"), ("rgb(10, 20, 30)", "#0a141e"),
                          ("hsl(120, 100%, 25%)", "#008000"))],
         Gives(lambda r: r == [True, True, True])),
    Case("static-1000-labels", "limits", "1,000 labelled towns in a 7° x 5° box, print map",
         "all placed in about 3 s, the crowded ones reported (before: 76 s, placement was "
         "quadratic; 250 labels 6 s); `test_limits_render.py` runs it under 10 s and 1 GB",
         many_labels, Gives(check_many_labels)),
    Case("static-stale-font-cache", "fonts",
         "matplotlib's font list cached before `fonts-noto-cjk` was installed (simulated), a "
         "Chinese place name",
         "the CJK files fontconfig (`fc-list :lang=zh`) or the font folders have and the list "
         "lacks are added and matplotlib's cache rewritten, once, with a log line; the name "
         "draws (before: boxes forever)",
         stale_font_cache, Gives(check_stale_font_cache)),
    Case("text-lone-surrogate-field", "text",
         "a title with a lone surrogate (`'report\\udcff.csv'`, from surrogateescape)",
         "SpecError naming the field, for every renderer (before: UnicodeEncodeError on save, "
         "TypeError in matplotlib)",
         lambda env: bk.brief_map(base_spec(title=SURROGATE)),
         Raises(SpecError, r"title has a lone surrogate '\\udcff' at position 6")),
    Case("text-lone-surrogate-cell", "text",
         "a place name with a lone surrogate (object column)",
         "BriefMap.to_html: SpecError quoting the text near it",
         lambda env: bk.brief_map(base_spec(layers=[bk.Layer(named_point(SURROGATE),
                                                             labels=True)])).to_html(),
         Raises(SpecError, r"lone surrogate '\\udcff'.*fix the layer's text")),
    Case("text-lone-surrogate-in-file", "text",
         "a GeoJSON whose name escape `\\udcff` is half a surrogate pair (an emoji before it "
         "is whole)",
         "EncodingError naming the line, when the file is read (before: a raw "
         "UnicodeEncodeError from pandas)",
         lambda env: bk.read_layer(F.geojson_lone_surrogate(env.tmp)),
         Raises(EncodingError, r"line 3: the escape \\udcff is half of a UTF-16 surrogate")),
    Case("text-layer-name-not-text", "text", "`Layer(frame, name=5)`",
         "SpecError: 'layers[0].name must be a string, not int' (before: AttributeError)",
         lambda env: bk.brief_map(base_spec(layers=[bk.Layer(region_frame(), name=5)])),
         Raises(SpecError, r"layers\[0\]\.name must be a string, not int")),
    # ---- coordinates never reach the page
    Case("page-bad-points-dropped", "coordinates",
         "a layer with NaN, inf, lon 200, lat 95, None and empty points next to a good one",
         "DroppedFeatureWarning; the report names the 6 rows; the page has only finite lon/lat "
         "(no NaN, Infinity or null coordinates)",
         lambda env: page_with(bad_points()), Gives(check_bad_points, DroppedFeatureWarning)),
    Case("page-bad-vertices-dropped", "coordinates",
         "a line with a NaN vertex and a polygon with a NaN in its hole",
         "DroppedFeatureWarning; both dropped and named; the good line drawn",
         lambda env: page_with(bad_vertices()), Gives(check_bad_vertices, DroppedFeatureWarning)),
    Case("page-all-bad-layer-left-out", "coordinates",
         "a layer whose every feature is NaN or empty",
         "DroppedFeatureWarning; the layer is left out of the page; the rest drawn",
         lambda env: page_with(bad_points().iloc[1:]),
         Gives(check_layer_left_out, DroppedFeatureWarning)),
    Case("static-bad-points-dropped", "coordinates",
         "the same bad points through `render_static`",
         "DroppedFeatureWarning; the report names them; every drawn offset finite",
         static_bad_points, Gives(check_static_bad_points, DroppedFeatureWarning)),
    Case("layer-projected", "coordinates", "places in UTM zone 42N metres",
         "transformed to lon/lat for the page (to 2e-6°)",
         lambda env: page_with(UTM_PLACES), Gives(check_projected)),
    Case("layer-without-crs", "coordinates", "a layer GeoDataFrame without a CRS",
         "CRSError: 'layers[0]: the layer has no CRS; set one with .set_crs(...) first'",
         lambda env: base_spec(layers=[bk.Layer(region_frame().set_crs(None,
                                                                       allow_override=True))]
                               ).resolve(),
         Raises(CRSError, r"layers\[0\]: the layer has no CRS")),
    Case("distance-line-nan-end", "coordinates", "`DistanceLine((nan, 38.0), ...)`",
         "CoordinateError naming `distance_lines[0].a`",
         lambda env: base_spec(distance_lines=[dl((np.nan, 38.0))]).resolve(),
         Raises(CoordinateError, r"distance_lines\[0\]\.a: row 0 has a NaN")),
    Case("distance-line-swapped-end", "coordinates",
         "`DistanceLine((39.90, 116.40), ...)`: Beijing as (lat, lon)",
         "CoordinateError: 'latitude 116.4 ... were they swapped?'",
         lambda env: base_spec(distance_lines=[dl((39.90, 116.40))]).resolve(),
         Raises(CoordinateError, r"distance_lines\[0\]\.a: .*116\.4.*swapped")),
    Case("distance-line-empty-end", "coordinates", "`DistanceLine(shapely.Point(), ...)`",
         "GeometryError naming the end (before: a raw GEOSException)",
         lambda env: base_spec(distance_lines=[dl(shapely.Point())]).resolve(),
         Raises(GeometryError, r"distance_lines\[0\]\.a: the geometry is empty")),
    Case("distance-line-frame-without-crs", "coordinates",
         "a distance-line end given as a GeoDataFrame without a CRS",
         "CRSError (before: silently read as lon/lat)",
         lambda env: base_spec(distance_lines=[dl(named_point("x", crs=None))]).resolve(),
         Raises(CRSError, r"distance_lines\[0\]\.a: the frame has no CRS")),
    Case("rings-text-radius", "coordinates", "`RangeRings(center, ['ten'])`",
         "SpecError naming `rings[0].radii_m` (before: a raw ValueError)",
         lambda env: base_spec(rings=[bk.RangeRings((70.0, 38.0), ["ten"])]).resolve(),
         Raises(SpecError, r"rings\[0\]\.radii_m must be positive finite metres")),
    Case("brief-rings-around-pole", "coordinates", "2,000 km rings at 80°N in a brief",
         "GeometryError naming `rings[0]`",
         lambda env: base_spec(rings=[bk.RangeRings((70.0, 80.0), [2e6])]).resolve(),
         Raises(GeometryError, r"rings\[0\]: .*North Pole")),
    Case("uncertainty-infinite-precision", "coordinates",
         "a place with `precision_m = inf` and `uncertainty=True`",
         "DataError naming the layer and the place, suggesting uncertainty=False",
         lambda env: base_spec(uncertainty=True, layers=[bk.Layer(
             simple_places().assign(precision_m=[np.inf, 100.0, 100.0, 100.0]))]).resolve(),
         Raises(DataError, r"layer 'Capital': the uncertainty circle of 'Dushanbe'")),
    Case("bounds-inverted", "coordinates",
         "`bounds=(75, 40, 70, 36)` (max before min)",
         "SpecError naming the order (lon_min, lat_min, lon_max, lat_max) (before: a "
         "misleading CRSError in print, silently accepted in HTML)",
         lambda env: base_spec(bounds=(75, 40, 70, 36)).resolve(),
         Raises(SpecError, r"bounds must be \(lon_min, lat_min, lon_max, lat_max\)")),
    Case("bounds-out-of-range", "coordinates", "`bounds=(-500, 0, 1, 95)`",
         "SpecError",
         lambda env: base_spec(bounds=(-500, 0, 1, 95)).resolve(),
         Raises(SpecError, r"lon in \[-180, 180\]")),
    Case("size-zero", "coordinates", "`width=0` (or NaN)",
         "SpecError (before: ZeroDivisionError in the page builder)",
         lambda env: bk.brief_map(base_spec(width=0)),
         Raises(SpecError, "width must be a whole number of CSS pixels from 16 to 10000")),
    # ---- spec files and the command line (issue 16): bounded, paths kept in the spec's folder
    Case("spec-yaml-billion-laughs", "spec files",
         "a YAML spec of nine lines, each repeating the line above nine times through aliases",
         "SpecError at the alias that brings the repeated values past 10,000 (before: 4.5 GB "
         "after 60 s)",
         lambda env: S.read_spec_text(env.tmp, "b.yaml", S.billion_laughs_yaml()),
         Raises(SpecError, r"^b\.yaml, line 6: the alias \*d brings the values repeated by "
                           r"aliases \(\*name\) to more than 10,000")),
    Case("spec-yaml-alias-loop", "spec files", "`layers: &x [*x]` (a list that holds itself)",
         "SpecError naming the alias and the line (before: RecursionError)",
         lambda env: S.read_spec_text(env.tmp, "b.yaml", S.looping_alias_yaml()),
         Raises(SpecError, r"^b\.yaml, line 2: the alias \*x is inside the node &x it repeats")),
    Case("spec-deep-toml", "spec files", "TOML nested 5,000 levels: `bounds = [[[[...]]]]`",
         "SpecError: nested more than 16 levels, with the line (before: RecursionError)",
         lambda env: S.read_spec_text(env.tmp, "b.toml", S.deep_toml()),
         Raises(SpecError, r"^b\.toml, line 2: tables and lists are nested more than 16 levels")),
    Case("spec-deep-toml-dotted-key", "spec files", "a TOML dotted key of 20,000 parts (40 KB)",
         "SpecError with the line, found on the text (before: 13 s in tomllib, then 1 GB)",
         lambda env: S.read_spec_text(env.tmp, "b.toml", S.long_dotted_key_toml()),
         Raises(SpecError, r"^b\.toml, line 2: tables and lists are nested more than 16 levels")),
    Case("spec-deep-yaml", "spec files", "YAML nested 5,000 levels (flow `[[[[...]]]]`; "
         "block indentation: 1,000 levels)",
         "SpecError with the line (before: RecursionError)",
         lambda env: S.read_spec_text(env.tmp, "b.yaml", S.deep_yaml()),
         Raises(SpecError, r"^b\.yaml, line 2: tables and lists are nested more than 16 levels")),
    Case("spec-400-digit-integer", "spec files", "`width = 999...9` (400 digits), also in "
         "`bounds` and `radii_km`, TOML or YAML",
         "SpecError naming the key and the line (before: OverflowError)",
         lambda env: S.read_spec_text(env.tmp, "b.toml", S.huge_integer_toml()),
         Raises(SpecError, r"^b\.toml, line 2: width: a whole number of 400 digits; numbers in "
                           "a spec file have at most 15 digits")),
    Case("brief-width-400-digits", "spec files", "`BriefSpec(width=10**400)` in Python",
         "SpecError: a whole number of CSS pixels from 16 to 10000 (before: OverflowError)",
         lambda env: base_spec(width=10**400).resolve(),
         Raises(SpecError, r"^width must be a whole number of CSS pixels from 16 to 10000, "
                           r"not an integer of more than 15 digits$")),
    Case("spec-5000-digit-integer", "spec files", "a 5,000-digit number (more than int() reads)",
         "SpecError with the line (before: ValueError)",
         lambda env: S.read_spec_text(env.tmp, "b.toml", S.huge_integer_toml(5_000)),
         Raises(SpecError, r"^b\.toml, line 2: a whole number of 5000 digits")),
    Case("spec-absolute-path", "spec files", '`data = "/etc/shadow"`',
         "SpecError: outside the spec file's folder, refused before the file is looked at "
         "(before: its first line in the error)",
         lambda env: S.read_spec_text(env.tmp, "b.toml", S.layer_spec("/etc/shadow")),
         Raises(SpecError, r"^b\.toml, line 4: layers\[0\]\.data: '/etc/shadow' is outside the "
                           r"spec file's folder .*--allow-outside")),
    Case("spec-path-leaves-folder", "spec files", '`data = "../sites.csv"`, or a `~` path',
         "SpecError: outside the spec file's folder",
         lambda env: S.read_spec_text(env.tmp, "b.toml", S.layer_spec("../sites.csv")),
         Raises(SpecError, r"'\.\./sites\.csv' is outside the spec file's folder")),
    Case("spec-path-symlink-out", "spec files",
         "a layer file in the spec's folder that is a symbolic link to a file outside",
         "SpecError: outside the spec file's folder",
         lambda env: S.outside_via_link(env.tmp),
         Raises(SpecError, r"'sites\.csv' is outside the spec file's folder")),
    Case("spec-allow-outside", "spec files", "the symbolic link with "
         "`read_spec(..., allow_outside=True)` (`borderkit map --allow-outside`)",
         "read", lambda env: S.outside_via_link(env.tmp, allow_outside=True),
         Gives(lambda spec: len(spec.resolve().layers[0].frame) == 1 or pytest.fail("not read"))),
    Case("spec-layer-content-hidden", "spec files",
         "a spec layer that is a copy of /etc/shadow named `.csv` (also `.kml`, `.geojson`, "
         "binary)",
         "the loader's error class, naming the path and the kind of problem, never the content "
         "(before: the first line as a column name)",
         lambda env: S.resolve_with_layer_file(env.tmp, "shadow.csv", S.SECRET * 3),
         Raises(DataError, r"^(?!.*S3CRET)layers\[0\]: cannot read '.*shadow\.csv': its columns "
                           r"or values do not make a layer \(DataError\)\. Errors from spec files "
                           "do not show file content")),
    Case("spec-tiles-page-fetches", "spec files", '`tiles = "OpenStreetMap.Mapnik"` with '
         "`borderkit map` (and `demo`)",
         "the page is written, and one stderr line says it is not offline and names the tile "
         "host",
         lambda env: S.map_with_tiles(env.tmp),
         Gives(lambda r: r.exit_code == 0 and "is not offline: it fetches map tiles from "
               "tile.openstreetmap.org when opened" in r.stderr or pytest.fail(r.stderr))),
    Case("cli-negative-coordinate", "spec files", "`borderkit distance -70.1,38 0,0`",
         "usage error (exit 2) saying to put `--` before the coordinate or write `70.1S,38E`",
         lambda env: S.run_cli("distance", "-70.1,38", "0,0"),
         Gives(lambda r: r.exit_code == 2 and "put -- before it, after every option (borderkit "
               "distance [OPTIONS] -- -70.1,38 ...), or write the hemisphere letter instead of "
               "the minus sign ('70.1S,38E')" in r.stderr or pytest.fail(r.stderr))),
    # ---- writing: previous output intact, no temp files
    Case("fail-html-save", "writing",
         "`BriefMap.save` over an existing page: a render exception, a full disk on write and on "
         "fsync, a permission error on the final rename",
         "RenderError / ExportError naming the file and the cause; the previous page "
         "byte-for-byte intact; no temp file",
         failures(lambda folder: bk.brief_map(WRITE_SPEC).save(folder / "brief.html"),
                  crash_layer, target="brief.html"),
         errors_are(RenderError)),
    *[Case(f"fail-render-static-{fmt}", "writing",
           f"`render_static(spec, 'map.{fmt}')` over an existing file, failing the same four "
           "ways (the crash half-writes the file)",
           "RenderError / ExportError; the previous file intact; no temp file",
           lambda env, fmt=fmt: failures(_static(fmt), crash_savefig, target=f"map.{fmt}")(env),
           errors_are(RenderError)) for fmt in ("png", "svg", "pdf")],
    Case("fail-to-png", "writing",
         "`to_png` over an existing PNG: Chromium crashing mid-capture, full disk, permission",
         "RenderError / ExportError (before: a raw OSError); the previous PNG intact",
         _chromium(bk.to_png, "map.png"), errors_are(RenderError)),
    Case("fail-to-pdf", "writing",
         "`to_pdf` over an existing PDF, failing the same four ways",
         "RenderError / ExportError; the previous PDF intact",
         _chromium(bk.to_pdf, "map.pdf"), errors_are(RenderError)),
    *[_layer_case(fmt) for fmt in ("geojson", "gpkg", "kml", "kmz", "shp", "csv")],
    Case("fail-write-layers", "writing",
         "`write_layers` (GeoJSON + GeoPackage + KML) over existing files, failing the four ways",
         "ExportError listing every failed file; all previous files intact, no temp file",
         failures(lambda folder: bk.write_layers(WRITE_SPEC, folder,
                                                 formats=("geojson", "gpkg", "kml")),
                  crash_writers, target="brief-layers.gpkg"),
         errors_are(ExportError)),
    Case("fail-export-brief", "writing",
         "`export_brief` (HTML + print PDF + print PNG) over an existing export, failing the four "
         "ways",
         "ExportError carrying the report; all previous files intact, no temp file",
         failures(lambda folder: bk.export_brief(WRITE_SPEC, folder, dpi=30,
                                                 formats=("html", "pdf", "print.png")),
                  crash_savefig, target="brief-print.png"),
         errors_are(ExportError)),
    Case("shapefile-swap-interrupted", "writing",
         "rewriting a shapefile when a rename fails after two new parts are in place",
         "ExportError; every part put back: the old .shp, .shx, .dbf, .prj and .cpg, whole "
         "(before the fix: a new .shp next to an old .dbf)",
         shapefile_swap_interrupted, Gives(check_same)),
    Case("shapefile-rewrite-concurrent-reader", "writing",
         "rewriting a shapefile that another program may be reading; a stale `.qix` beside it",
         "each new part replaces its old one in one rename (.shp, .shx, .dbf, .cpg, .prj, the "
         "order GDAL opens them), so no part is ever missing (before: 21 of 480 concurrent "
         "reads failed, some with a raw FileNotFoundError or a false 'no .prj'); the stale "
         "`.qix` removed. Limit, in the docstring: a reader that opens the parts while they are "
         "swapped can still mix versions; use GeoPackage for files read while written",
         shapefile_rewrite_watched, Gives(check_rewrite_watched)),
    Case("save-killed-leftovers-swept", "writing",
         "a save SIGKILLed mid-write (a `.part.gpkg`, its `-journal`, a shapefile temp folder "
         "left), then the next save to the same place",
         "the next save removes the three leftovers (ours by exact name, their process gone, "
         "older than the saving process) and writes the file",
         killed_save_then_next, Gives(check_killed_save)),
    Case("cli-hostile-names-on-terminal", "writing",
         "`borderkit within --format table|csv|geojson` of places named `=HYPERLINK(...)`, "
         "`\\x1b]0;owned\\x07\\x9b2J` (ESC/OSC/CSI), `@SUM(1)`, `\\u202eevil`",
         "no control character reaches the terminal: shown as `\\x1b`, `\\u202e` "
         "(GeoJSON: JSON escapes, the same data once parsed); CSV cells that start like a "
         "formula get a leading `'` (`--csv-formulas raw` to keep them)",
         cli_outputs, Gives(check_cli_outputs)),
    Case("write-layers-one-fails", "writing",
         "`write_layers` to GeoJSON + GeoPackage + KML when the GeoPackage writer crashes",
         "ExportError whose `.report` lists what was written and the one failure; the old "
         "GeoPackage intact",
         write_layers_midway, Gives(check_layers_midway)),
    Case("export-one-step-fails", "writing",
         "`export_brief` to HTML + PNG + browser PDF + print PDF + print PNG, Chromium crashing "
         "on the PNG",
         "the report lists the 4 files written and the PNG failed; the previous PNG intact; "
         "with `on_error='raise'` an ExportError carrying the same report",
         export_step_fails, Gives(check_export_step)),
    Case("export-disk-fills-midway", "writing",
         "`export_brief` of a changed spec when the disk fills after two files",
         "HTML and PNG written (new); the other three reported failed and still the previous "
         "versions, whole; no temp files",
         export_disk_fills, Gives(check_disk_fills)),
    Case("save-into-missing-folder", "writing", "`save('no-such-folder/brief.html')`",
         "ExportError: 'folder ... does not exist; create it first'",
         save_into_missing_folder, Raises(ExportError, "does not exist; create it first")),
]


@pytest.fixture
def env(tmp_path, monkeypatch, request) -> Env:
    return Env(tmp_path, monkeypatch, request)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rendering_case(case: Case, env: Env):
    result = outcome(lambda: case.run(env), case.expect)
    if not isinstance(case.expect, Raises):
        case.expect.check(result)


# ----------------------------------------------------------------------------- properties

PIECES = ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\ufeff", "   ", "\t", "\n", "\r",
          "\u202e", "\u200f", "\u05e9\u05dc\u05d5\u05dd", "\u0645\u0631\u062d\u0628\u0627",
          "e\u0301", "\u0301\u0302\u0303", "Хоруғ", "中国", "<b>", "&amp;", "${x}", "`", "$x^$",
          "\u2028", "\U0001f600"]
NAMES = st.lists(
    st.one_of(st.sampled_from(PIECES),
              st.text(st.characters(exclude_categories=("Cs",)), max_size=4)),
    min_size=1, max_size=5).map("".join)
FEW = settings(max_examples=25, deadline=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _name_spec(name: str) -> bk.BriefSpec:
    return base_spec(title=name, notes=[name], sources=[], layers=[
        bk.Layer(named_point(name), kind="town", name="Towns", labels=True)], legend=False)


@FEW
@given(name=NAMES)
def test_any_name_shows_literally_in_the_page(name):
    page = bk.brief_map(_name_spec(name)).to_html()
    assert_inert(page, bk.brief_map(_name_spec(PLAIN)).to_html())
    text = body(page).text
    assert text.count(name) >= 3 or name == ""  # <title>, <h1>, the note
    (block,) = data_blocks(page).values()
    (labels,) = [m["labels"] for m in layer_calls(page)]
    if name.strip():
        assert block["features"][0]["properties"]["p"]["h"] == name
        assert [lab[2] for lab in labels] == [name]
    else:  # whitespace-only: no label, and the popup is headed by the layer name
        assert labels == [] and block["features"][0]["properties"]["p"]["h"] == "Towns"


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=NAMES)
def test_any_name_draws_in_print(name):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = bk.render_static(_name_spec(name), dpi=20)
    clean = re.sub("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff\ufffe\uffff]", "", name)
    title = next(t for t in fig.findobj(matplotlib.text.Text) if t.get_gid() == "bk-title")
    assert title.get_text() == clean
    repaired = [w for w in caught if issubclass(w.category, RepairWarning)]
    assert bool(repaired) == (clean != name)
    if clean != name:
        assert any(repr(name) in n for n in fig.borderkit.report)
    with tempfile.TemporaryDirectory() as folder:
        ET.fromstring(save_figure(fig, Path(folder) / "n.svg").read_bytes())


def markdown(start: int = 1) -> str:
    """The rendering and export section of docs/bad_inputs.md."""
    lines = [
        "## Rendering and export",
        "",
        "Every row is a test in `tests/bad_inputs/test_rendering.py`.",
        "",
        "- The attack strings (`PWN`): `<script>`, `<img onerror>`, `${...}`, a `</script>` "
        "breakout, an attribute breakout `\">`, a JS-string breakout, a backtick, template "
        "syntax `{{ }}` / `{% %}`, a `javascript:` link, an HTML comment, U+2028/U+2029 and a "
        "right-to-left override; each would set `window.__pwned` if it ran.",
        "- Text: every text reaches the page through one escaping module "
        "(`borderkit.maps._escape`), by its context (HTML text or attribute, JSON in a "
        "`<script>`). The static check compares the page's elements with those of the same "
        "brief with plain text and looks for the attack outside JSON string literals; one "
        "case opens the page in Chromium and opens every popup and tooltip. Print maps "
        "draw text, never TeX (mathtext is off).",
        "- NUL and other control characters: the HTML page keeps them as written (escaped); "
        "print maps remove the characters no font can draw and SVG cannot hold (C0/C1 "
        "controls except tab and newline, U+FEFF, U+FFFE/U+FFFF) with a `RepairWarning` and a "
        "line in `fig.borderkit.report`. Text with lone surrogates is refused "
        "(`SpecError`). Whitespace-only names get no label.",
        "- Coordinates: features with a missing, empty, NaN, infinite or out-of-range geometry "
        "are dropped with a `DroppedFeatureWarning` and named in the report; a layer left "
        "empty is not drawn. Distance-line ends, ring centres, radii, bounds and sizes are "
        "checked when the spec is resolved, and the error names the field.",
        "- Writing: every file goes through a temp file in the target folder, fsync and "
        "`os.replace`; a shapefile's parts are swapped in all together or not at all. The "
        "failing-writer rows write a good file first, then fail four ways: an exception while "
        "rendering (half a file written), a full disk on write (`ENOSPC` after half the "
        "bytes), a full disk on fsync, and a permission error on the rename. Each time the "
        "previous file is byte-for-byte intact and no temp file is left.",
        "- Multi-file exports report what was written and what failed "
        "(`ExportReport.written` / `.failed`); with `on_error='raise'` the `ExportError` "
        "carries the same report.",
        "",
        *table(CASES, start),
        "",
    ]
    return "\n".join(lines)
