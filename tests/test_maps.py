"""borderkit.maps: the offline, escaped, deterministic brief page (parsed, not snapshotted)."""

from __future__ import annotations

import base64
import hashlib
import html as htmllib
import json
import os
import re
import subprocess
import sys
import warnings
from html.parser import HTMLParser
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

import borderkit as bk
from borderkit.errors import DroppedFeatureWarning, ExportError, RenderError, SpecError
from borderkit.maps import BriefMap, TrustedHTML, _features, brief_map
from borderkit.maps import _escape as esc
from borderkit.maps._elements import context_window

ATTACKS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "${alert(1)}",
    "</script><script>alert(1)</script>",
    "`backtick` and 'single' and \"double\" quotes",
    "C:\\new\\table",
    "\u202eRTL override \u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627",
    "Tajik \u04b7\u04ef\u0493\u049b",
    "Chinese \u4e2d\u56fd",
    "{{ 7*7 }} {% raw %}",
    "line\u2028sep\u2029para",
    "<!-- comment",
]
RAW_DANGER = ["<script>alert", "<img src=x", "</script><script>", "<!-- comment"]


# ----------------------------------------------------------------------------- helpers


class _Page(HTMLParser):
    """Collect tags, attributes, script and style bodies of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.styles: list[str] = []
        self._in: tuple[str, dict[str, str | None]] | None = None
        self._buf: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag in ("script", "style"):
            self._in, self._buf = (tag, a), []

    def handle_data(self, data):
        if self._in:
            self._buf.append(data)

    def handle_endtag(self, tag):
        if self._in and tag == self._in[0]:
            text = "".join(self._buf)
            if tag == "script":
                self.scripts.append((self._in[1], text))
            else:
                self.styles.append(text)
            self._in = None


def parse(page: str) -> _Page:
    p = _Page()
    p.feed(page)
    p.close()
    return p


def data_blocks(page: str) -> dict[str, dict]:
    return {
        a["id"]: json.loads(text)
        for a, text in parse(page).scripts
        if a.get("type") == "application/json"
    }


def layer_calls(page: str) -> list[dict]:
    script = [t for a, t in parse(page).scripts if not a][-1]
    return [json.loads(m) for m in re.findall(r"bk\.layer\(map_\d+, (\{.*\})\);", script)]


def fetches(page: str) -> list[str]:
    """Every network fetch the page could make without user action."""
    p = parse(page)
    found = []
    fetch_attrs = {"src", "href", "data", "poster", "srcset", "background", "action"}
    for tag, attrs in p.tags:
        for name, value in attrs.items():
            if name.startswith("on"):
                found.append(f"<{tag} {name}> event handler")
            if value is None or name not in fetch_attrs or (tag == "a" and name == "href"):
                continue
            if not value.startswith(("data:", "#")):
                found.append(f"<{tag} {name}={value!r}>")
    css = "\n".join(p.styles) + "\n".join(a.get("style") or "" for _, a in p.tags)
    for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", css):
        if not url.startswith(("data:", "#")):
            found.append(f"css url({url})")
    found += [f"css {m}" for m in re.findall(r"@import[^;]*", css)]
    for attrs, text in p.scripts:
        found += [f"tiles {m}" for m in re.findall(r"https?://[^\"'\s]*\{[xyz]\}", text)]
        if attrs.get("type") == "application/json":
            continue
        for pattern in (r"\bfetch\s*\(", r"XMLHttpRequest", r"\bimport\s*\(", r"importScripts",
                        r"sourceMappingURL", r"new\s+WebSocket", r"EventSource"):
            found += [f"script {m}" for m in re.findall(pattern, text)]
    return found


def places_frame(names=None) -> gpd.GeoDataFrame:
    names = names or ["Dushanbe", "Kulma pass", "Murghob", "Facility"]
    n = len(names)
    kinds = ["capital", "checkpoint", "town", "facility"] * (n // 4 + 1)
    xs = np.linspace(68.78, 74.9, n)
    ys = np.linspace(38.56, 37.2, n)
    return gpd.GeoDataFrame(
        {
            "name": names,
            "kind": kinds[:n],
            "precision_m": [100.0] * n,
            "confidence": ["high"] * n,
            "source_title": ["Asia-Plus"] * n,
            "source_url": ["https://asiaplustj.info/ru/news"] * n,
            "source_date": ["2020-05-14"] * n,
            "note": ["n"] * n,
        },
        geometry=[shapely.Point(x, y) for x, y in zip(xs, ys, strict=True)],
        crs="EPSG:4326",
    )


def region_frame(name="Gorno-Badakhshan") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": [name]}, geometry=[shapely.box(70.5, 36.7, 75.1, 39.5)],
                            crs="EPSG:4326")


def border_frame(name="CHN-TJK") -> gpd.GeoDataFrame:
    line = shapely.LineString([(74.9, 37.2), (75.1, 38.5), (73.8, 39.5)])
    return gpd.GeoDataFrame({"name": [name], "id": ["CHN-TJK"]}, geometry=[line],
                            crs="EPSG:4326")


def make_spec(**kw) -> bk.BriefSpec:
    base = dict(
        title="China's security aid to Tajikistan",
        subtitle="May 2020",
        notes=["10 May: delivery at Kulma-Karasu"],
        sources=["Asia-Plus, 14 May 2020. https://asiaplustj.info/ru/news/x."],
        layers=[
            bk.Layer(region_frame(), kind="region", labels=True),
            bk.Layer(border_frame(), kind="border", name="China-Tajikistan border"),
            bk.Layer(places_frame(), labels=True),
        ],
        uncertainty=False,
        inset=False,
    )
    base.update(kw)
    return bk.BriefSpec(**base)


@pytest.fixture(scope="module")
def page() -> str:
    return brief_map(make_spec()).to_html()


# ----------------------------------------------------------------------------- offline


def test_page_makes_no_network_fetch(page):
    assert fetches(page) == []
    assert "sourceMappingURL" not in page
    assert "cdn." not in page and "unpkg" not in page and "jquery" not in page.lower()


def test_fetch_detector_catches_cdn_links():
    import folium

    folium_page = folium.Map(tiles=None).get_root().render()
    found = fetches(folium_page)
    assert any("leaflet" in f for f in found) and any("css" in f or "link" in f for f in found)


def test_leaflet_is_inlined_with_data_uri_images(page):
    p = parse(page)
    assert any("Leaflet 1.9.3" in text for _, text in p.scripts)
    css = "\n".join(p.styles)
    assert css.count("url(data:image/png;base64,") == 2  # the layer-switcher icons
    assert "images/layers.png" not in css


def test_map_element_and_ready_contract(page):
    p = parse(page)
    ids = [a.get("id") for _, a in p.tags]
    assert ids.count("bk-map") == 1
    assert ids.count("bk-title") == ids.count("bk-legend") == ids.count("bk-sources") == 1
    assert "window.borderkitReady = true" in page
    for opt in ("fadeAnimation: false", "zoomAnimation: false", "markerZoomAnimation: false"):
        assert opt in page
    assert re.search(r"#bk-map\{position: ?absolute;top: ?0;right: ?0;bottom: ?0;left: ?0;",
                     page)


def test_offline_by_default_tiles_only_on_request():
    offline = brief_map(make_spec()).to_html()
    assert "bk.tiles(" not in offline and "tile.openstreetmap" not in offline
    online = brief_map(make_spec(tiles="OpenStreetMap.Mapnik")).to_html()
    assert "tile.openstreetmap.org/{z}/{x}/{y}.png" in online
    sources = re.search(r'<div id="bk-sources".*?</div></div>', online).group(0)
    assert "OpenStreetMap.Mapnik web tiles" in sources
    assert fetches(online) != []  # the detector sees the opt-in tile URL


def test_unknown_tiles_provider_is_a_spec_error():
    with pytest.raises(SpecError, match="xyzservices provider"):
        brief_map(make_spec(tiles="NoSuchTiles.Anywhere"))


# ----------------------------------------------------------------------------- security policy


def csp_of(page: str) -> dict[str, list[str]]:
    """The page's Content-Security-Policy meta tag, as {directive: sources}."""
    metas = [a for tag, a in parse(page).tags
             if tag == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy"]
    assert len(metas) == 1
    policy = {}
    for part in metas[0]["content"].split(";"):
        name, *sources = part.split()
        policy[name] = sources
    return policy


def test_page_has_a_strict_content_security_policy(page):
    policy = csp_of(page)
    assert policy["default-src"] == ["'none'"]
    assert policy["img-src"] == ["data:"]  # Leaflet's icons; nothing from elsewhere
    assert policy["style-src"] == ["'unsafe-inline'"]
    assert policy["base-uri"] == policy["form-action"] == ["'none'"]
    assert "connect-src" not in policy and "font-src" not in policy  # 'none' by default
    # each of the page's own scripts is allowed by its hash, and nothing else
    own = [text for attrs, text in parse(page).scripts if not attrs]
    assert len(own) == 3
    hashes = ["'sha256-" + base64.b64encode(hashlib.sha256(t.encode()).digest()).decode() + "'"
              for t in own]
    assert policy["script-src"] == hashes
    # the policy comes before anything it governs
    tags = [tag for tag, _ in parse(page).tags]
    assert tags.index("meta") < tags.index("style") < tags.index("script")
    metas = [a for t, a in parse(page).tags if t == "meta"]
    assert metas[0] == {"charset": "utf-8"} and "http-equiv" in metas[1]
    assert page.index('http-equiv="Content-Security-Policy"') < page.index("<title>")


def test_security_policy_allows_tile_hosts_only_when_tiles_are_asked_for():
    online = brief_map(make_spec(tiles="OpenStreetMap.Mapnik")).to_html()
    assert csp_of(online)["img-src"] == ["data:", "https://tile.openstreetmap.org"]
    assert csp_of(online)["default-src"] == ["'none'"]
    subdomains = brief_map(make_spec(tiles="OpenStreetMap.HOT")).to_html()
    assert csp_of(subdomains)["img-src"] == [
        "data:", *(f"https://{s}.tile.openstreetmap.fr" for s in "abc")]


def test_tile_sources_refuse_what_a_policy_cannot_hold():
    from borderkit.maps._csp import tile_sources

    assert tile_sources("https://{s}.example.org/{z}/{x}/{y}.png", "ab") == [
        "https://a.example.org", "https://b.example.org"]
    assert tile_sources("http://Tiles.Example.org:8080/{z}/{x}/{y}", "abc") == [
        "http://tiles.example.org:8080"]
    for bad in ("javascript:alert(1)//{z}", "https://x.org;script-src *;/{z}",
                "https://{variant}.x.org/{z}", "file:///etc/{z}", "https://a b.org/{z}"):
        with pytest.raises(SpecError, match="security policy cannot allow it"):
            tile_sources(bad, "abc")


# ----------------------------------------------------------------------------- determinism


def test_same_inputs_same_bytes():
    a = brief_map(make_spec()).to_html()
    m = brief_map(make_spec())
    assert m.to_html() == a
    assert m.to_html() == a  # rendering twice does not change the page
    assert not re.search(r"[0-9a-f]{32}", a), "random 128-bit element ids leaked"


def test_same_bytes_across_processes(tmp_path):
    tests = str(Path(__file__).parent)
    code = (
        f"import sys; sys.path.insert(0, {tests!r}); import test_maps, hashlib; "
        "print(hashlib.sha256(test_maps.brief_map(test_maps.make_spec()).to_html()"
        ".encode()).hexdigest())"
    )
    # another process, another hash seed (this one's is random) and other urandom ids
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True)
    local = hashlib.sha256(brief_map(make_spec()).to_html().encode()).hexdigest()
    assert out.stdout.strip() == local


# ----------------------------------------------------------------------------- escaping


def attack_spec(attack: str) -> bk.BriefSpec:
    places = places_frame([f"{attack} {i}" for i in range(4)])
    places["note"] = attack
    places["source_title"] = attack
    places["confidence"] = attack
    places["alt_names"] = [[attack, "x"]] * 4
    return make_spec(
        title=attack,
        subtitle=attack,
        notes=[attack, f"second {attack}"],
        sources=[attack, f"{attack} https://example.org/a"],
        layers=[
            bk.Layer(region_frame(attack), kind="region", name=attack, labels=True),
            bk.Layer(border_frame(attack), kind="border", name=f"border {attack}"),
            bk.Layer(places, name=attack, labels=True),
        ],
    )


@pytest.mark.parametrize("attack", ATTACKS, ids=range(len(ATTACKS)))
def test_attack_strings_are_escaped_in_every_slot(attack):
    page = brief_map(attack_spec(attack)).to_html()
    for danger in RAW_DANGER:
        if danger in attack:
            assert danger not in page
    p = parse(page)
    # the page has exactly its own elements: no injected tag or handler
    assert [t for t, _ in p.tags if t in ("img", "iframe", "object", "embed")] == []
    assert not any(k.startswith("on") for _, a in p.tags for k in a)
    assert sum(1 for a, _ in p.scripts if not a) == 3  # leaflet, page script, map script
    assert "\u2028" not in "".join(t for _, t in p.scripts)
    # and the text survives literally: in the HTML panels ...
    title = re.search(r"<h1>(.*?)</h1>", page).group(1)
    assert htmllib.unescape(title) == attack
    assert htmllib.unescape(re.search(r"<title>(.*?)</title>", page).group(1)) == attack
    # ... and in the data the script turns into text nodes
    blocks = data_blocks(page)
    props = [f["properties"] for b in blocks.values() for f in b["features"]]
    headings = {p["p"]["h"] for p in props if "p" in p}
    assert f"{attack} 0" in headings and attack in headings
    assert attack in {p.get("t") for p in props}  # hover tooltip of the border line
    rows = [r for p in props if "p" in p for r in p["p"]["r"]]
    assert ["Note", attack] in rows and ["Source", attack] in rows
    assert ["Also known as", f"{attack}, x"] in rows
    metas = layer_calls(page)
    assert any(htmllib.unescape(m["nameHtml"]) == attack for m in metas)
    labels = [lab[2] for m in metas for lab in m["labels"]]
    assert attack in labels and f"{attack} 3" in labels
    legend = re.search(r'<div id="bk-legend".*?</ul></div>', page).group(0)
    assert htmllib.escape(f"border {attack}") in legend


def test_template_syntax_in_text_is_not_evaluated():
    page = brief_map(attack_spec("{{ 7*7 }}")).to_html()
    assert "{{ 7*7 }}" in page and ">49<" not in page


def test_trusted_html_only_through_the_opt_in():
    plain = brief_map(make_spec(notes=["<b>bold</b>"])).to_html()
    assert "<b>bold</b>" not in plain and "&lt;b&gt;bold&lt;/b&gt;" in plain
    trusted = brief_map(make_spec(), notes_html="<b>bold</b>").to_html()
    assert '<div class="bk-notes-html"><b>bold</b></div>' in trusted
    wrapped = brief_map(make_spec(notes=[TrustedHTML("<i>it</i>")])).to_html()
    assert "<li><i>it</i></li>" in wrapped


@pytest.mark.parametrize("text", ATTACKS)
def test_escape_functions_round_trip(text):
    assert htmllib.unescape(esc.html(text)) == text
    assert not set("<>\"'") & set(esc.html(text))
    lit = esc.js_string(text)
    assert json.loads(lit) == text
    assert "<" not in lit and ">" not in lit and "&" not in lit
    assert "\u2028" not in lit and "\u2029" not in lit
    blob = esc.script_json({"k": [text]})
    assert json.loads(blob) == {"k": [text]} and "</" not in blob
    tpl = esc.js_template(text)
    assert "${" not in tpl.replace("\\${", "") and "`" not in tpl.replace("\\`", "")


def test_script_json_refuses_nan():
    with pytest.raises(SpecError, match="JSON"):
        esc.script_json({"x": float("nan")})


@pytest.mark.parametrize(
    "url, ok",
    [("https://a.org/x?y=1", True), ("http://a.org", True), ("javascript:alert(1)", False),
     ("data:text/html,x", False), ("https://a.org/\"onmouseover=x", False), ("ftp://a", False)],
)
def test_safe_url(url, ok):
    assert (esc.safe_url(url) == url) is ok


def test_popup_links_only_for_http_urls():
    places = places_frame()
    places["source_url"] = ["javascript:alert(1)", "https://ok.example/a", None, "x"]
    page = brief_map(make_spec(layers=[bk.Layer(places)])).to_html()
    rows = [r for b in data_blocks(page).values() for f in b["features"]
            for r in f["properties"]["p"]["r"] if r[0] == "Source link"]
    assert ["Source link", "javascript:alert(1)"] in rows  # shown as text, no link
    assert ["Source link", "https://ok.example/a", "https://ok.example/a"] in rows


@pytest.mark.parametrize("bad", ["red;background:url(x)", "#fff\"/><script>", "expression(1)"])
def test_style_colours_are_checked(bad):
    spec = make_spec(layers=[bk.Layer(region_frame(), kind="region", style={"color": bad})])
    with pytest.raises(SpecError, match="not a CSS colour"):
        brief_map(spec).to_html()


@pytest.mark.parametrize("bad", ["notacolour", "#12345", "rgb(300, 0, 0)", "hsl(x, 1%, 1%)"])
def test_colours_matplotlib_cannot_draw_are_refused_in_the_page_too(bad):
    spec = make_spec(layers=[bk.Layer(region_frame(), kind="region", name="GBAO",
                                      style={"fill": bad})])
    with pytest.raises(SpecError, match=r"layer 'GBAO' style 'fill': .* is not a CSS colour.*"
                                        r"'#rrggbb' \(or '#rgb', '#rrggbbaa'\), a CSS colour name"):
        brief_map(spec).to_html()


def test_colours_reach_the_page_as_hex():
    spec = make_spec(layers=[bk.Layer(region_frame(), kind="region", name="GBAO",
                                      style={"color": "DarkRed", "fill": "rgba(0, 0, 255, 0.5)"})])
    page = brief_map(spec).to_html()
    (meta,) = [m for m in layer_calls(page) if m["id"] == "gbao"]
    assert meta["style"]["color"] == "#8b0000" and meta["style"]["fill"] == "#0000ff80"
    assert 'stroke="#8b0000"' in re.search(r'<div id="bk-legend".*?</ul></div>', page).group(0)


# ----------------------------------------------------------------------------- content


def test_popups_show_provenance(page):
    blocks = data_blocks(page)
    fac = blocks["bk-data-facility"]["features"][0]["properties"]["p"]
    rows = {r[0]: r[1] for r in fac["r"]}
    assert fac["h"] == "Facility"
    assert rows["Source"] == "Asia-Plus"
    assert rows["Source date"] == "2020-05-14"
    assert rows["Location precision"] == "± 100 m"
    assert rows["Confidence"] == "high"


def test_approximate_places_say_so():
    places = places_frame()
    places["precision_m"] = [100.0, 100.0, 100.0, 20_000.0]
    page = brief_map(make_spec(layers=[bk.Layer(places)])).to_html()
    fac = data_blocks(page)["bk-data-facility"]["features"][0]["properties"]["p"]
    assert ["Location precision", "± 20 km (approximate location)"] in fac["r"]


def test_places_without_source_say_not_recorded():
    places = places_frame().drop(columns=["source_title", "source_url"])
    page = brief_map(make_spec(layers=[bk.Layer(places)])).to_html()
    rows = data_blocks(page)["bk-data-capital"]["features"][0]["properties"]["p"]["r"]
    assert ["Source", "not recorded"] in rows


def test_one_layer_call_per_resolved_layer_with_style(page):
    m = brief_map(make_spec())
    metas = layer_calls(page)
    assert sorted(x["id"] for x in metas) == sorted(lyr.id for lyr in m.resolved.layers)
    by_id = {x["id"]: x for x in metas}
    facility = next(lyr for lyr in m.resolved.layers if lyr.id == "facility")
    assert by_id["facility"]["style"]["color"] == facility.style["color"] == "#b71c1c"
    assert "<svg" in by_id["facility"]["icon"]
    assert [x["style"]["z"] for x in metas] == sorted(x["style"]["z"] for x in metas)


def test_legend_matches_resolved_entries(page):
    m = brief_map(make_spec())
    legend = re.search(r'<div id="bk-legend".*?</ul></div>', page).group(0)
    assert legend.count("<li>") == len(m.resolved.legend_entries())


def test_labels_for_labelled_layers_only(page):
    metas = {x["id"]: x for x in layer_calls(page)}
    assert metas["china-tajikistan-border"]["labels"] == []
    assert metas["capital"]["labels"] == [[68.78, 38.56, "Dushanbe", 85]]
    lon, lat, text, _ = metas["region"]["labels"][0]
    assert text == "Gorno-Badakhshan"
    assert shapely.box(70.5, 36.7, 75.1, 39.5).contains(shapely.Point(lon, lat))


def test_hidden_layer_stays_in_the_page():
    spec = make_spec(layers=[bk.Layer(region_frame(), kind="region", show=False)])
    (meta,) = layer_calls(brief_map(spec).to_html())
    assert meta["show"] is False


def test_sources_box_links_urls_and_attribution():
    places = places_frame()
    places["license"] = "ODbL"
    places["source"] = "© OpenStreetMap contributors"
    page = brief_map(make_spec(layers=[bk.Layer(places)])).to_html()
    box = re.search(r'<div id="bk-sources".*?</div></div>', page).group(0)
    assert '<a href="https://asiaplustj.info/ru/news/x"' in box
    assert "© OpenStreetMap contributors (ODbL)" in box


def test_coordinates_rounded_to_six_decimals():
    line = shapely.LineString([(70.123456789, 38.987654321), (71.5, 39.000000049)])
    frame = gpd.GeoDataFrame({"name": ["l"]}, geometry=[line], crs="EPSG:4326")
    # simplify=None: every vertex (the default became "auto", issue 15)
    page = brief_map(make_spec(layers=[bk.Layer(frame)]), simplify=None).to_html()
    (block,) = data_blocks(page).values()
    coords = block["features"][0]["geometry"]["coordinates"]
    assert coords == [[70.123457, 38.987654], [71.5, 39.0]]


def test_simplify_auto_reduces_vertices_within_a_pixel():
    t = np.linspace(0, 2 * np.pi, 20_000)
    line = shapely.LineString(np.c_[72 + 2 * np.cos(t), 38 + np.sin(t) + 0.0001 * np.sin(900 * t)])
    frame = gpd.GeoDataFrame({"name": ["wiggle"]}, geometry=[line], crs="EPSG:4326")
    spec = make_spec(layers=[bk.Layer(frame)])
    full = brief_map(spec, simplify=None).to_html()  # the default is "auto" (issue 15)
    m = brief_map(spec, simplify="auto")
    small = m.to_html()
    assert len(small) < len(full) / 3
    (block,) = data_blocks(small).values()
    simple = shapely.geometry.shape(block["features"][0]["geometry"])
    assert shapely.hausdorff_distance(simple, line) <= m.tolerance * 1.01
    assert 0 < m.tolerance < 0.05


def test_simplify_defaults_to_the_spec_and_clips_the_basemap():
    land = gpd.GeoDataFrame({"name": ["big"]}, geometry=[shapely.box(40, 10, 110, 60)],
                            crs="EPSG:4326")
    spec = make_spec(layers=[bk.Layer(land, kind="land"), bk.Layer(region_frame())],
                     simplify="auto")
    m = brief_map(spec)
    assert m.simplify == "auto" and m.tolerance > 0
    assert brief_map(spec, simplify=None).tolerance is None
    blocks = data_blocks(m.to_html())
    land_box = shapely.geometry.shape(blocks["bk-data-land"]["features"][0]["geometry"])
    window = _features.view_window(m.resolved.bounds, spec.width, spec.height)
    # grown to a square twice the longer side: the page refits to any screen (issue 14)
    assert land_box.bounds == pytest.approx(context_window(window), abs=1e-4)
    lon0, lat0, lon1, lat1 = window
    x0, y0, x1, y1 = m.resolved.bounds
    assert lon0 < x0 and lat0 < y0 and lon1 > x1 and lat1 > y1
    assert lon1 - x1 > 2 * (x0 - lon0)  # room for the legend column in the east


@pytest.mark.parametrize("bad", ["fast", -1.0, float("nan"), True])
def test_simplify_rejects_bad_values(bad):
    with pytest.raises(SpecError, match="simplify"):
        brief_map(make_spec(), simplify=bad)


def test_nan_and_empty_features_never_reach_the_page():
    frame = gpd.GeoDataFrame(
        {"name": ["ok", "nan", "empty", "none"]},
        geometry=[shapely.Point(70, 38), shapely.Point(np.nan, 38), shapely.Point(), None],
        crs="EPSG:4326",
    )
    with pytest.warns(DroppedFeatureWarning, match="dropped 3"):
        m = brief_map(make_spec(layers=[bk.Layer(frame), bk.Layer(region_frame())]))
    page = m.to_html()
    map_script = [t for a, t in parse(page).scripts if not a][-1]
    assert "NaN" not in map_script and "NaN" not in "".join(data_blocks(page).keys())
    block = data_blocks(page)["bk-data-user-point"]
    assert [f["properties"]["p"]["h"] for f in block["features"]] == ["ok"]
    assert any("dropped 3" in line for line in m.resolved.report)


def test_all_empty_layer_is_left_out():
    frame = gpd.GeoDataFrame({"name": ["e"]}, geometry=[shapely.Point()], crs="EPSG:4326")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DroppedFeatureWarning)
        page = brief_map(make_spec(layers=[bk.Layer(frame), bk.Layer(region_frame())])).to_html()
    assert len(data_blocks(page)) == 1


def test_non_finite_bounds_are_refused():
    resolved = make_spec().resolve()
    resolved.bounds = (float("nan"), 0.0, 1.0, 1.0)
    with pytest.raises(SpecError, match="bounds"):
        BriefMap(resolved)


def test_inset_drawn_from_outlines():
    countries = gpd.GeoDataFrame(
        {"name": ["A", "B", "far"]},
        geometry=[shapely.box(60, 30, 72, 45), shapely.box(72, 30, 90, 45),
                  shapely.box(-80, -10, -70, 0)],
        crs="EPSG:4326",
    )
    resolved = make_spec(inset=True).resolve()
    resolved.inset = countries
    page = BriefMap(resolved).to_html()
    svg = re.search(r'<svg id="bk-inset-svg".*?</svg>', page).group(0)
    assert svg.count("<path") == 2  # the far-away country is clipped away
    assert 'class="bk-inset-view"' in svg and 'stroke="#d50000"' in svg
    assert ["bk-inset", "bottomright"] in json.loads(
        re.search(r"bk\.finish\(map_\d+, (\{.*\})\);", page).group(1))["panels"]


def test_auto_tolerance_shrinks_with_extent():
    big = _features.auto_tolerance((60, 30, 80, 45), 1200, 800)
    small = _features.auto_tolerance((71, 38, 72, 39), 1200, 800)
    assert big > 4 * small > 0


# ----------------------------------------------------------------------------- output


def test_save_writes_the_page(tmp_path):
    m = brief_map(make_spec())
    out = m.save(tmp_path / "brief.html")
    assert out.read_text(encoding="utf-8") == m.to_html()


def test_render_error_keeps_previous_file(tmp_path, monkeypatch):
    target = tmp_path / "brief.html"
    target.write_text("previous good map", encoding="utf-8")
    m = brief_map(make_spec())

    def boom(self):
        raise RenderError("render failed")

    monkeypatch.setattr(BriefMap, "to_html", boom)
    with pytest.raises(RenderError):
        m.save(target)
    assert target.read_text(encoding="utf-8") == "previous good map"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["brief.html"]


@pytest.mark.parametrize("failing", ["write", "replace"])
def test_failing_writer_keeps_previous_file(tmp_path, monkeypatch, failing):
    target = tmp_path / "brief.html"
    target.write_text("previous good map", encoding="utf-8")
    m = brief_map(make_spec())
    if failing == "replace":
        def bad_replace(src, dst):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(os, "replace", bad_replace)
    else:
        import borderkit._atomic as atomic

        real_open = open

        class Full:
            def __init__(self, *a, **k):
                self.fh = real_open(*a, **k)

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.fh.close()

            def write(self, data):
                self.fh.write(data[: len(data) // 2])
                raise OSError(28, "No space left on device")

            def flush(self):
                self.fh.flush()

        monkeypatch.setattr(atomic, "open", Full, raising=False)
    with pytest.raises(ExportError, match="No space left"):
        m.save(target)
    assert target.read_text(encoding="utf-8") == "previous good map"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["brief.html"]


def test_repr_html_is_an_offline_sandboxed_iframe():
    m = brief_map(make_spec(title="<script>alert(1)</script>"))
    out = m._repr_html_()
    assert out.startswith("<iframe srcdoc=\"") and 'sandbox="allow-scripts' in out
    srcdoc = re.search(r'srcdoc="([^"]*)"', out).group(1)
    assert "<" not in srcdoc
    assert htmllib.unescape(srcdoc) == m.to_html()


def test_brief_map_rejects_other_types():
    with pytest.raises(SpecError, match="BriefSpec"):
        brief_map(["not", "a", "spec"])


def test_public_api_names():
    assert bk.BriefMap is BriefMap and bk.brief_map is brief_map
    m = brief_map(make_spec())
    assert isinstance(m.spec, bk.BriefSpec) and m.resolved.spec is m.spec
    assert "BriefMap(" in repr(m)
