"""The brief page on a desktop and on a phone (issue 14 §5, §3, §6), measured in Chromium.

Every check reads DOM boxes or screenshot pixels, never a golden image:

- no key label (distance, ring, the names a distance line connects) is hidden; each
  sits within ``NEAR`` px of its anchor, or a leader line joins it to the anchor, or it
  is a numbered callout listed in the legend;
- ordinary labels hidden to avoid overlap are counted in a note on the page;
- no panel box covers a data feature's anchor point (markers and label anchors);
- an opened popup is on top (``elementFromPoint`` at its centre is inside it);
- at 390x844 the title, legend and sources are folded (all controls together take
  less than 20% of the viewport), the inset is hidden, and the fold buttons work by
  mouse and keyboard (``aria-expanded``).
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

import borderkit as bk
from borderkit.maps import brief_map
from test_maps_browser import Opened, browser  # noqa: F401 - the fixture

browser_test = pytest.mark.browser

DESKTOP, PHONE = (1200, 800), (390, 844)
NEAR = 24  # px: a key label without a leader line is at most this far from its anchor

MEASURE = """(() => {
  const box = document.getElementById('bk-map').getBoundingClientRect();
  const shown = n => { const s = getComputedStyle(n); const r = n.getBoundingClientRect();
                       return s.display !== 'none' && s.visibility !== 'hidden' && r.width > 0; };
  const rect = r => [r.left, r.top, r.right, r.bottom];
  const panels = Array.from(document.querySelectorAll('.leaflet-control'))
    .filter(shown).map(n => rect(n.getBoundingClientRect()));
  const map = bk.maps[0];
  // context names (countries, rivers) are not data: they may sit anywhere and give way
  const labels = map._bk.labels.filter(l => l.node && !l.context).map(l => {
    const n = l.node, s = getComputedStyle(n), a = map.latLngToContainerPoint(l.at);
    return {text: l.text, shown: n.textContent, state: n.dataset.bkState,
            key: n.dataset.bkKey === '1' ||
                 /bk-label-(distance_line|ring)(\\s|$)/.test(n.className),
            display: s.display, visibility: s.visibility, box: rect(n.getBoundingClientRect()),
            anchor: [a.x + box.left, a.y + box.top]};
  });
  const markers = Array.from(document.querySelectorAll('.bk-marker')).map(n => {
    const r = n.getBoundingClientRect(); return [(r.left + r.right) / 2, (r.top + r.bottom) / 2];
  });
  const svg = document.querySelector('.bk-leaders');
  const o = svg ? svg.getBoundingClientRect() : {left: 0, top: 0};
  const leaders = Array.from(document.querySelectorAll('.bk-leaders line')).map(l =>
    ['x1', 'y1', 'x2', 'y2'].map((k, i) => +l.getAttribute(k) + (i % 2 ? o.top : o.left)));
  const note = document.getElementById('bk-labelnote');
  const callouts = Array.from(document.querySelectorAll('#bk-callouts li'))
    .map(li => [li.getAttribute('value'), li.textContent]);
  return {panels, labels, markers, leaders, callouts,
          note: note && !note.hidden ? note.textContent : '',
          size: [box.width, box.height]};
})()"""


@pytest.fixture
def open_map(browser, tmp_path):  # noqa: F811 - the fixture imported above
    """Open a map offline and wait for it, polling from Python (the page's policy
    forbids the eval that Playwright's ``wait_for_function`` polls with)."""
    contexts = []

    def _open(bmap, name="map.html", width=1200, height=800) -> Opened:
        path = bmap.save(tmp_path / name)
        ctx = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(ctx)
        page = ctx.new_page()
        failed: list[str] = []
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(
            ("file:", "data:")) else (failed.append(r.request.url), r.abort()))
        page.on("pageerror", lambda err: failed.append(f"pageerror: {err}"))
        page.goto(Path(path).as_uri())
        wait_for(page, "window.borderkitReady === true")
        return Opened(page, [], failed)

    yield _open
    for ctx in contexts:
        ctx.close()


def wait_for(page, expr: str) -> None:
    for _ in range(150):
        if page.evaluate(expr):
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"the page never reached {expr}")


def crowded_spec() -> bk.BriefSpec:
    """Forty villages around Dushanbe, five distance lines and three rings: labels collide."""
    rng = np.random.default_rng(7)
    n = 40
    lon = 68.2 + rng.random(n) * 1.4
    lat = 38.2 + rng.random(n) * 0.8
    towns = gpd.GeoDataFrame({"name": [f"Qishloq-{i:02d} Sharqi" for i in range(n)],
                              "kind": ["town"] * n},
                             geometry=shapely.points(lon, lat), crs="EPSG:4326")
    hub = (68.78, 38.56)
    return bk.BriefSpec(
        title="Villages near Dushanbe: which lie within 60 km of the capital, and how far",
        subtitle="A crowded brief", notes=["Synthetic villages, for the layout tests."],
        sources=["Synthetic data"],
        layers=[bk.Layer("countries", name="Countries", label_column=None, legend=False),
                bk.Layer(towns, labels=True)],
        distance_lines=[bk.DistanceLine(hub, (float(lon[i]), float(lat[i])))
                        for i in (3, 11, 17, 25, 33)],
        rings=[bk.RangeRings(hub, radii_m=(20_000, 40_000, 60_000), name="Dushanbe")],
        uncertainty=False,
    )


def inside(p, r, margin=0.0) -> bool:
    return r[0] - margin <= p[0] <= r[2] + margin and r[1] - margin <= p[1] <= r[3] + margin


def gap(box, p) -> float:
    dx = max(box[0] - p[0], 0.0, p[0] - box[2])
    dy = max(box[1] - p[1], 0.0, p[1] - box[3])
    return float(np.hypot(dx, dy))


def on_edge(p, box, tol=1.5) -> bool:
    """Whether *p* is on the boundary of *box* (a leader line ends there)."""
    return inside(p, box, tol) and (
        min(abs(p[0] - box[0]), abs(p[0] - box[2])) <= tol
        or min(abs(p[1] - box[1]), abs(p[1] - box[3])) <= tol)


def check_labels(m: dict) -> dict:
    """The label checks shared by every screen; returns the counts by state."""
    states: dict[str, int] = {}
    viewport = [0, 0, *m["size"]]
    for lab in m["labels"]:
        states[lab["state"]] = states.get(lab["state"], 0) + 1
        if not lab["key"] or not inside(lab["anchor"], viewport):
            continue
        where = f"key label {lab['text']!r} ({lab['state']})"
        assert lab["display"] != "none" and lab["visibility"] == "visible", f"{where} is hidden"
        joined = any(
            (np.hypot(ln[0] - lab["anchor"][0], ln[1] - lab["anchor"][1]) <= 1.5
             and on_edge(ln[2:], lab["box"])) for ln in m["leaders"])
        assert gap(lab["box"], lab["anchor"]) <= NEAR or joined, (
            f"{where} is {gap(lab['box'], lab['anchor']):.0f} px from its anchor "
            "with no leader line")
        if lab["shown"] != lab["text"]:  # a numbered callout, listed in the legend
            assert [lab["shown"], lab["text"]] in m["callouts"], f"{where}: not listed"
            assert "Numbered labels" in m["note"] and lab["state"] == "callout"
        assert lab["state"] in ("near", "leader", "callout"), where
    hidden = states.get("hidden", 0)
    if hidden:  # nothing hidden silently: the note gives the count
        assert m["note"].startswith(f"{hidden} label"), (hidden, m["note"])
    else:
        assert "hidden" not in m["note"]
    return states


def check_anchors_clear(m: dict) -> int:
    """No panel covers a marker or a label anchor in the view; returns how many were checked."""
    viewport = [0, 0, *m["size"]]
    points = [*m["markers"], *(lab["anchor"] for lab in m["labels"])]
    points = [p for p in points if inside(p, viewport)]
    for p in points:
        covering = [r for r in m["panels"] if inside(p, r)]
        assert not covering, f"the data anchor {p} lies under the panel {covering[0]}"
    return len(points)


def check_popup_on_top(view) -> int:
    """Open the popup of each marker: it is the top element at its centre, clear of panels."""
    count = view.js("(() => { let n = 0; bk.maps[0].eachLayer(l => { "
                    "if (l.getPopup && l.getPopup() && l.getLatLng) n++; }); return n; })()")
    for i in range(min(count, 6)):
        got = view.js(f"""(() => {{
            const ls = []; bk.maps[0].eachLayer(l => {{
                if (l.getPopup && l.getPopup() && l.getLatLng) ls.push(l); }});
            const l = ls[{i}]; l.openPopup();
            const p = document.querySelector('.leaflet-popup');
            const r = p.getBoundingClientRect();
            const cx = (r.left + r.right) / 2, cy = (r.top + r.bottom) / 2;
            const hit = document.elementFromPoint(cx, cy);
            const panels = Array.from(document.querySelectorAll('.leaflet-control'))
              .filter(n => getComputedStyle(n).visibility !== 'hidden')
              .map(n => n.getBoundingClientRect())
              .filter(q => q.width && q.left < r.right && r.left < q.right &&
                           q.top < r.bottom && r.top < q.bottom).length;
            const c = p.querySelector('.leaflet-popup-content-wrapper').getBoundingClientRect();
            return [!!(hit && hit.closest('.leaflet-popup')), panels,
                    [c.left, c.top, c.right, c.bottom]];
        }})()""")
        on_top, covering, card = got
        assert on_top, f"popup {i}: the element at its centre is not the popup"
        assert covering == 0, f"popup {i} meets {covering} visible panel(s)"
        if i == 0:  # its white card is what the screenshot shows there
            img = np.asarray(view.pixels(), dtype=int)
            x0, y0, x1, y1 = (int(round(v)) for v in card)
            white = (img[y0 + 4:y1 - 4, x0 + 4:x1 - 4].min(axis=-1) >= 245).mean()
            assert white > 0.6, f"popup {i}: only {white:.0%} of its card is white"
        view.js("void bk.maps[0].closePopup()")
    return count


@pytest.fixture(scope="module")
def preset_map():
    return bk.brief_map("tajikistan-2020-05")


@pytest.fixture(scope="module")
def crowded_map():
    return brief_map(crowded_spec())


@pytest.fixture(scope="module")
def base201_map():
    """examples/russia_201st.py: the issue's second brief (three garrison towns)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "examples" / "russia_201st.py"
    spec = importlib.util.spec_from_file_location("russia_201st", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return brief_map(module.spec())


@browser_test
@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("which", ["preset", "crowded", "201st"])
def test_labels_anchors_and_popups(open_map, preset_map, crowded_map, base201_map, which,
                                   size):
    bmap = {"preset": preset_map, "crowded": crowded_map, "201st": base201_map}[which]
    view = open_map(bmap, name=f"{which}.html", width=size[0], height=size[1])
    assert view.failed == [] and view.js("window.borderkitErrors") == []
    m = view.js(MEASURE)
    states = check_labels(m)
    keys = [lab for lab in m["labels"] if lab["key"]]
    assert keys, "the map has distance labels, which are key labels"
    assert check_anchors_clear(m) >= 5
    if which == "crowded":
        assert states.get("hidden", 0) > 0  # crowded: some ordinary labels must give way ...
        assert any(lab["state"] != "near" for lab in keys)  # ... and key labels move
        if m["leaders"]:  # leader lines are drawn (#333 pixels)
            img = np.asarray(view.pixels(), dtype=int)
            assert (np.abs(img - 0x33).max(axis=-1) <= 30).sum() > 20
    assert check_popup_on_top(view) >= (3 if which == "201st" else 5)  # 201st: three towns


@browser_test
def test_preset_key_labels_and_line_ends(open_map, preset_map):
    view = open_map(preset_map, name="preset.html", width=1200, height=800)
    m = view.js(MEASURE)
    keys = {lab["text"] for lab in m["labels"] if lab["key"]}
    # the facility is where both distance lines start: its name is key too
    assert any("facility" in t for t in keys), keys
    assert sum("border" in t for t in keys) >= 2, keys


@browser_test
def test_phone_folds_panels_and_hides_the_inset(open_map, preset_map):
    view = open_map(preset_map, name="phone.html", width=PHONE[0], height=PHONE[1])
    m = view.js(MEASURE)
    area = sum((r[2] - r[0]) * (r[3] - r[1]) for r in m["panels"])
    assert area < 0.20 * PHONE[0] * PHONE[1], f"panels take {area / (PHONE[0] * PHONE[1]):.0%}"
    assert view.js("getComputedStyle(document.getElementById('bk-inset')).display") == "none"
    expanded = view.js("Array.from(document.querySelectorAll('.bk-fold .bk-toggle'), "
                       "b => [b.closest('.bk-fold').id, b.getAttribute('aria-expanded')])")
    assert sorted(expanded) == [["bk-legend", "false"], ["bk-sources", "false"],
                                ["bk-title", "false"]]
    # the title stays one readable line, ellipsised, with its full text in the DOM
    h1 = view.js("""(() => { const h = document.querySelector('#bk-title h1');
        const s = getComputedStyle(h);
        return [h.textContent, s.whiteSpace, s.textOverflow, h.getBoundingClientRect().height,
                parseFloat(s.lineHeight)]; })()""")
    assert h1[0] == preset_map.spec.title and h1[1] == "nowrap" and h1[2] == "ellipsis"
    assert h1[3] <= h1[4] * 1.2
    # a click opens the legend; the keyboard (Enter on the focused button) folds it again
    view.page.click("#bk-legend .bk-toggle")
    assert view.js("document.querySelector('#bk-legend .bk-toggle')"
                   ".getAttribute('aria-expanded')") == "true"
    assert view.js("document.getElementById('bk-legend-body').hidden") is False
    assert view.js("document.querySelectorAll('#bk-legend li').length") >= 5
    view.page.focus("#bk-legend .bk-toggle")
    view.page.keyboard.press("Enter")
    assert view.js("document.getElementById('bk-legend-body').hidden") is True
    view.page.focus("#bk-title .bk-toggle")
    view.page.keyboard.press("Enter")
    assert view.js("document.querySelector('#bk-title h1').getBoundingClientRect().height") > h1[3]
    assert view.js("window.borderkitErrors") == []


@browser_test
def test_desktop_panels_open_and_inset_shown(open_map, preset_map):
    view = open_map(preset_map, name="desk.html", width=DESKTOP[0], height=DESKTOP[1])
    states = view.js("Array.from(document.querySelectorAll('.bk-fold .bk-toggle'), "
                     "b => b.getAttribute('aria-expanded'))")
    assert states == ["true", "true", "true"]
    assert view.js("getComputedStyle(document.getElementById('bk-inset')).display") != "none"


@browser_test
def test_landscape_phone_folds_too(open_map, preset_map):
    """A short screen (844x390, a phone on its side) folds the panels like a narrow one."""
    view = open_map(preset_map, name="landscape.html", width=844, height=390)
    assert view.js("Array.from(document.querySelectorAll('.bk-fold .bk-toggle'), "
                   "b => b.getAttribute('aria-expanded'))") == ["false"] * 3
    m = view.js(MEASURE)
    assert check_anchors_clear(m) >= 5
    check_labels(m)


@browser_test
def test_resize_refits_to_the_panels(open_map, preset_map):
    """From desktop to phone width: the panels fold and the view refits around them."""
    view = open_map(preset_map, name="resize.html", width=DESKTOP[0], height=DESKTOP[1])
    zoom = view.js("bk.maps[0].getZoom()")
    view.page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
    wait_for(view.page, "document.querySelector('#bk-legend .bk-toggle')"
                        ".getAttribute('aria-expanded') === 'false'")
    wait_for(view.page, f"bk.maps[0].getZoom() < {zoom}")
    view.js("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    m = view.js(MEASURE)
    assert check_anchors_clear(m) >= 5
    check_labels(m)


@browser_test
def test_hidden_labels_are_counted_without_a_legend(open_map):
    spec = crowded_spec().replace(legend=False)
    view = open_map(brief_map(spec), name="nolegend.html", width=900, height=600)
    m = view.js(MEASURE)
    states = check_labels(m)
    assert states.get("hidden", 0) > 0
    assert view.js("document.getElementById('bk-labelbox').hidden") is False


@pytest.mark.parametrize("show_legend", [True, False])
def test_fold_buttons_and_label_note_markup(show_legend):
    """Each foldable panel has a real button naming the body it folds; no inline handlers."""
    page = brief_map(crowded_spec().replace(legend=show_legend)).to_html()
    body = page[page.index("<body>"):]
    panels = ["bk-title", "bk-legend", "bk-sources"] if show_legend else ["bk-title",
                                                                          "bk-sources"]
    for pid in panels:
        button = re.search(rf'<div id="{pid}" class="bk-box [^"]*bk-fold">.*?<button ([^>]*)>',
                           body).group(1)
        assert 'type="button"' in button and 'aria-expanded="true"' in button
        assert f'aria-controls="{pid}-body"' in button
        assert f'<div id="{pid}-body" class="bk-fold-body">' in body
    assert 'aria-label="Title, subtitle and notes"' in body
    assert not re.search(r"<[^>]+\son[a-z]+=", body)  # the policy forbids inline handlers
    # the label note and callout list are empty until the page script fills them (as text)
    assert '<div id="bk-labelnote" class="bk-labelnote" role="status" hidden></div>' in body
    assert ('id="bk-labelbox"' in body) is not show_legend
    assert body.count('id="bk-callouts"') == 1
