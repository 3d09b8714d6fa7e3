"""Distance lines and range rings: their own styles, defaults that tell them apart,
legend names by what they connect, and short ``±`` labels (issue 15)."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pytest
import shapely
from matplotlib.colors import to_rgba

import borderkit as bk
from borderkit import _derived_looks as looks
from borderkit.errors import SpecError

DUSHANBE = (68.78, 38.56)
KHORUGH = (71.55, 37.49)
MURGHOB = (73.97, 38.17)


def _place(name, lonlat, precision_m=None):
    cols = {"name": [name]}
    if precision_m is not None:
        cols["precision_m"] = [precision_m]
    return gpd.GeoDataFrame(cols, geometry=[shapely.Point(lonlat)], crs="EPSG:4326")


def _spec(**kw):
    return bk.BriefSpec(title="Lines and rings", inset=False, uncertainty=False, **kw)


def _kind(resolved, kind):
    return [lyr for lyr in resolved.layers if lyr.kind == kind]


def _page_layers(page):
    """The ``bk.layer`` metadata of the page, by layer id."""
    metas = [json.loads(m) for m in re.findall(r"bk\.layer\(map_\d+, (\{.*\})\);", page)]
    return {m["id"]: m for m in metas}


def _legend_labels(page):
    box = re.search(r'<div id="bk-legend".*?</ul></div>', page, re.S).group(0)
    return re.findall(r"<span>(.*?)</span>", box)


def _gid(fig, gid):
    found = [a for a in fig.findobj() if getattr(a, "get_gid", lambda: None)() == gid]
    assert found, f"no artist with gid {gid!r}"
    return found


TWO_LINES = [bk.DistanceLine(_place("Dushanbe", DUSHANBE), _place("Khorugh", KHORUGH)),
             bk.DistanceLine(_place("Dushanbe", DUSHANBE), _place("Murghob", MURGHOB))]
TWO_RINGS = [bk.RangeRings(_place("Dushanbe", DUSHANBE), [50e3, 100e3]),
             bk.RangeRings(_place("Khorugh", KHORUGH), [50e3])]


# ----------------------------------------------------------------------------- defaults


def test_two_distance_lines_look_different_and_name_their_ends():
    lines = _kind(_spec(distance_lines=TWO_LINES).resolve(), "distance_line")
    assert [lyr.name for lyr in lines] == ["Dushanbe – Khorugh", "Dushanbe – Murghob"]
    assert lines[0].style["color"] != lines[1].style["color"]
    assert lines[0].style["dash"] != lines[1].style["dash"]
    # the first keeps the kind's own look, so a single-line map is unchanged
    assert (lines[0].style["color"], lines[0].style["dash"]) == ("#111111", "2 4")


def test_two_ring_sets_look_different_and_name_their_centre():
    rings = _kind(_spec(rings=TWO_RINGS).resolve(), "ring")
    assert [lyr.name for lyr in rings] == ["Rings around Dushanbe", "Rings around Khorugh"]
    assert rings[0].style["color"] != rings[1].style["color"]
    assert rings[0].style["dash"] != rings[1].style["dash"]
    assert list(rings[0].frame["label"]) == ["50.0 km / 27.0 nmi from Dushanbe",
                                             "100.0 km / 54.0 nmi from Dushanbe"]
    assert list(rings[0].frame["name"]) == ["50.0 km from Dushanbe", "100.0 km from Dushanbe"]


def test_the_cycle_is_deterministic_and_wraps():
    many = [bk.DistanceLine(DUSHANBE, (70.0 + i, 38.0)) for i in range(len(looks.LINE_LOOKS) + 1)]
    first = _kind(_spec(distance_lines=many).resolve(), "distance_line")
    again = _kind(_spec(distance_lines=many).resolve(), "distance_line")
    assert [lyr.style for lyr in first] == [lyr.style for lyr in again]
    colours = [lyr.style["color"] for lyr in first]
    assert len(set(colours[:-1])) == len(looks.LINE_LOOKS)
    assert colours[-1] == colours[0]


def test_legend_has_one_entry_per_line_and_ring_set_in_page_and_print():
    spec = _spec(distance_lines=TWO_LINES, rings=TWO_RINGS)
    page = bk.brief_map(spec).to_html()
    want = ["Dushanbe – Khorugh", "Dushanbe – Murghob", "Rings around Dushanbe",
            "Rings around Khorugh"]
    labels = _legend_labels(page)
    assert all(w in labels for w in want), labels
    fig = bk.render_static(spec, dpi=30)
    (legend,) = _gid(fig, "bk-legend")
    printed = {t.get_text(): h for t, h in zip(legend.get_texts(), legend.legend_handles,
                                               strict=True)}
    assert all(w in printed for w in want), list(printed)
    assert to_rgba(printed["Dushanbe – Murghob"].get_color()) == pytest.approx(
        to_rgba(looks.LINE_LOOKS[1][0]))
    assert to_rgba(printed["Rings around Khorugh"].get_color()) == pytest.approx(
        to_rgba(looks.RING_LOOKS[1][0]))


# ----------------------------------------------------------------------------- own styles


def test_own_style_reaches_the_page_and_the_print_map():
    spec = _spec(
        distance_lines=[bk.DistanceLine(DUSHANBE, KHORUGH, name="Road",
                                        style={"color": "darkred", "weight": 4, "dash": None})],
        rings=[bk.RangeRings(MURGHOB, [30e3], name="Reach",
                             style={"color": "#00ff00", "opacity": 0.5, "dash": [3, 1]})])
    meta = _page_layers(bk.brief_map(spec).to_html())
    assert meta["road"]["style"]["color"] == "#8b0000"
    assert meta["road"]["style"]["weight"] == 4
    assert meta["road"]["style"]["dash"] is None
    assert meta["reach"]["style"]["color"] == "#00ff0080"  # opacity as the colour's alpha
    assert meta["reach"]["style"]["dash"] == "3 1"
    fig = bk.render_static(spec, dpi=30)
    px_pt = spec.width and fig.get_figwidth() * 72 / spec.width
    road = _gid(fig, "bk-layer-road")[0]
    assert tuple(road.get_color()[0]) == pytest.approx(to_rgba("#8b0000"))
    assert road.get_linewidth()[0] == pytest.approx(4 * px_pt)
    assert road.get_linestyle()[0][1] is None  # solid
    reach = _gid(fig, "bk-layer-reach")[0]
    assert tuple(reach.get_edgecolor()[0]) == pytest.approx((0.0, 1.0, 0.0, 128 / 255))
    assert reach.get_linestyle()[0][1] == pytest.approx([3 * px_pt, 1 * px_pt])


@pytest.mark.parametrize(("style", "match"), [
    ({"colour": "red"}, r"distance_lines\[0\]\.style: unknown key\(s\) \['colour'\]"),
    ({"color": "reddish"}, r"distance_lines\[0\].*'color'.*'reddish'"),
    ({"weight": -1}, r"distance_lines\[0\]\.style\['weight'\] must be a number"),
    ({"weight": True}, r"distance_lines\[0\]\.style\['weight'\]"),
    ({"dash": "6 x"}, r"distance_lines\[0\]\.style\['dash'\] must be a dash pattern"),
    ({"dash": [0, 0]}, r"distance_lines\[0\]\.style\['dash'\]"),
    ({"opacity": 2}, r"distance_lines\[0\]\.style\['opacity'\] must be a number from 0 to 1"),
    ("red", r"distance_lines\[0\]\.style must be a dict"),
])
def test_bad_line_style_is_a_spec_error_naming_line_and_key(style, match):
    spec = _spec(distance_lines=[bk.DistanceLine(DUSHANBE, KHORUGH, style=style)])
    with pytest.raises(SpecError, match=match):
        spec.resolve()


def test_bad_ring_style_names_the_ring_set():
    spec = _spec(rings=[bk.RangeRings(DUSHANBE, [10e3]),
                        bk.RangeRings(KHORUGH, [10e3], style={"fill": "red"})])
    with pytest.raises(SpecError, match=r"rings\[1\]\.style: unknown key.*'fill'.*color"):
        spec.resolve()


# ----------------------------------------------------------------------------- labels


def test_uncertain_distance_label_is_short_and_exact():
    spec = _spec(distance_lines=[
        bk.DistanceLine(_place("Facility", MURGHOB, 30_000.0), _place("Dushanbe", DUSHANBE)),
        bk.DistanceLine(_place("Facility", MURGHOB, 30_000.0), _place("Khorugh", KHORUGH)),
        bk.DistanceLine(DUSHANBE, KHORUGH)])
    lines = _kind(spec.resolve(), "distance_line")
    length = float(lines[0].frame["length_m"].iloc[0])
    label = lines[0].frame["label"].iloc[0]
    assert label == f"≈ {bk.format_distance(length)} ± 30.0 km"
    assert "approximate location" not in label
    assert float(lines[0].frame["distance_min_m"].iloc[0]) == length - 30_000.0
    assert float(lines[0].frame["distance_max_m"].iloc[0]) == length + 30_000.0
    # what ± means is said once, in the legend name of the first line that has one
    assert [lyr.name for lyr in lines] == [
        "Facility – Dushanbe (± = approximate location)", "Facility – Khorugh",
        "38.5600, 68.7800 – 37.4900, 71.5500"]  # (lon, lat) ends are named lat, lon
    assert "±" not in lines[2].frame["label"].iloc[0]


def test_named_line_keeps_its_name_and_short_label():
    spec = _spec(distance_lines=[bk.DistanceLine(_place("F", MURGHOB, 10_000.0), DUSHANBE,
                                                 name="To the capital")])
    (line,) = _kind(spec.resolve(), "distance_line")
    assert line.name == "To the capital (± = approximate location)"
    assert re.fullmatch(r"To the capital: ≈ [0-9.]+ km / [0-9.]+ mi / [0-9.]+ nmi ± 10\.0 km",
                        line.frame["label"].iloc[0])


def test_with_uncertainty_circles_their_legend_entry_says_what_plus_minus_means():
    facility = _place("Facility", MURGHOB, 30_000.0)
    spec = _spec(layers=[bk.Layer(facility, kind="facility")],
                 distance_lines=[bk.DistanceLine(facility, DUSHANBE)]).replace(uncertainty=True)
    resolved = spec.resolve()
    (circles,) = _kind(resolved, "uncertainty")
    (line,) = _kind(resolved, "distance_line")
    assert circles.name == "Location uncertainty (±)"
    assert "±" in circles.frame["label"].iloc[0]  # "Facility: location uncertain, ± 30.0 km"
    assert line.name == "Facility – 38.5600, 68.7800"  # said once: not again here
    assert line.frame["label"].iloc[0].endswith("± 30.0 km")
