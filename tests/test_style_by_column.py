"""Styling by column (issue 15): categories and classes, in the page and the print map.

The page is parsed (the ``bk.layer`` calls and the legend list), the print map is
read from its matplotlib artists; no image is compared.
"""

from __future__ import annotations

import html as htmllib
import json
import re
from html.parser import HTMLParser

import geopandas as gpd
import numpy as np
import pytest
import shapely
from matplotlib.colors import to_hex

import borderkit as bk
from borderkit._by_column import NO_DATA_COLOR, class_bounds, format_bounds
from borderkit.errors import SpecError
from borderkit.maps import brief_map

# ----------------------------------------------------------------------------- data


def _points(**columns) -> gpd.GeoDataFrame:
    n = len(next(iter(columns.values())))
    geoms = [shapely.Point(70 + i * 0.5, 38 + (i % 3) * 0.3) for i in range(n)]
    return gpd.GeoDataFrame(columns, geometry=geoms, crs="EPSG:4326")


def _lines(**columns) -> gpd.GeoDataFrame:
    n = len(next(iter(columns.values())))
    geoms = [shapely.LineString([(70 + i, 38), (70.8 + i, 38.5)]) for i in range(n)]
    return gpd.GeoDataFrame(columns, geometry=geoms, crs="EPSG:4326")


def _polygons(**columns) -> gpd.GeoDataFrame:
    n = len(next(iter(columns.values())))
    geoms = [shapely.box(70 + i, 38, 70.9 + i, 38.9) for i in range(n)]
    return gpd.GeoDataFrame(columns, geometry=geoms, crs="EPSG:4326")


def _spec(*layers: bk.Layer) -> bk.BriefSpec:
    return bk.BriefSpec(title="Sites", layers=list(layers), uncertainty=False, inset=False)


# ----------------------------------------------------------------------------- page


class _Legend(HTMLParser):
    """The texts of the page's legend list, a group title marked with '#'."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[str] = []
        self._in_legend = False
        self._group = False
        self._text: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id") == "bk-legend":
            self._in_legend = True
        if self._in_legend and tag == "li":
            self._group = "bk-legend-group" in (a.get("class") or "")
            self._text = []

    def handle_endtag(self, tag):
        if self._in_legend and tag == "li" and self._text is not None:
            self.items.append(("#" if self._group else "") + "".join(self._text))
            self._text = None
        if self._in_legend and tag == "ul":
            self._in_legend = False

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)


def _page(spec: bk.BriefSpec) -> tuple[str, list[str], dict[str, dict]]:
    """(html, legend texts, the style of each page layer by name)."""
    text = brief_map(spec).to_html()
    legend = _Legend()
    legend.feed(text)
    metas = [json.loads(m) for m in re.findall(r"^\s*bk\.layer\(map_\w+, (\{.*\})\);$", text, re.M)]
    styles = {}
    for meta in metas:
        name = htmllib.unescape(meta["nameHtml"])
        styles[name] = meta["style"]
    return text, legend.items, styles


def _print_legend(spec: bk.BriefSpec) -> tuple[object, list[str]]:
    fig = bk.render_static(spec, dpi=50)
    fig = getattr(fig, "figure", fig)
    texts = [t.get_text() for leg in fig.legends for t in leg.get_texts()]
    return fig, texts


def _artists(fig, layer_id: str) -> list:
    return [a for a in fig.findobj() if getattr(a, "get_gid", lambda: None)() ==
            f"bk-layer-{layer_id}"]


# ----------------------------------------------------------------------------- categories


def test_points_by_category_in_page_and_print_with_a_grouped_legend_and_no_data():
    frame = _points(kind=["camp", "post", "camp", None, "depot"], name=list("abcde"))
    spec = _spec(bk.Layer(frame, name="Sites", column="kind"))
    resolved = spec.resolve()
    fills = {lyr.name: lyr.style["fill"] for lyr in resolved.layers}
    assert list(fills) == ["Sites: camp", "Sites: depot", "Sites: post", "Sites: no data"]
    assert fills["Sites: no data"] == NO_DATA_COLOR
    assert len(set(fills.values())) == 4  # one colour per category, grey for no data
    assert [len(lyr.frame) for lyr in resolved.layers] == [2, 1, 1, 1]

    _, legend, styles = _page(spec)
    assert legend == ["#Sites", "camp", "depot", "post", "no data"]
    assert {name: s["fill"] for name, s in styles.items()} == fills

    fig, texts = _print_legend(spec)
    assert texts == ["Sites", "camp", "depot", "post", "no data"]
    for lyr in resolved.layers:
        (marker,) = _artists(fig, lyr.id)
        assert to_hex(marker.get_markerfacecolor()) == fills[lyr.name]


def test_polygons_by_category_fill_with_a_dict_palette():
    frame = _polygons(zone=["north", "south", "north"])
    colours = {"north": "darkred", "south": "#00aa00"}
    spec = _spec(bk.Layer(frame, name="Zones", column="zone", cmap=colours))
    resolved = spec.resolve()
    assert [(lyr.name, lyr.style["fill"]) for lyr in resolved.layers] == [
        ("Zones: north", "#8b0000"), ("Zones: south", "#00aa00")]
    fig, texts = _print_legend(spec)
    assert texts == ["Zones", "north", "south"]
    (north,) = _artists(fig, resolved.layers[0].id)
    assert to_hex(north.get_facecolor()[0]) == "#8b0000"
    _, legend, styles = _page(spec)
    assert legend == ["#Zones", "north", "south"]
    assert styles["Zones: south"]["fill"] == "#00aa00"


def test_a_list_of_colours_and_a_colour_map_name_are_used_in_order():
    frame = _points(kind=["b", "a", "c"])
    listed = _spec(bk.Layer(frame, name="S", column="kind", cmap=["red", "blue"])).resolve()
    assert [lyr.style["fill"] for lyr in listed.layers] == ["#ff0000", "#0000ff", "#ff0000"]
    named = _spec(bk.Layer(frame, name="S", column="kind", cmap="Set2")).resolve()
    from matplotlib import colormaps

    assert [lyr.style["fill"] for lyr in named.layers] == [
        to_hex(c) for c in colormaps["Set2"].colors[:3]]


# ----------------------------------------------------------------------------- classes


def test_lines_by_numeric_classes_colour_the_stroke_with_interval_labels():
    frame = _lines(flow=[0.0, 10.0, 25.0, 40.0, np.nan])
    spec = _spec(bk.Layer(frame, name="Roads", column="flow", k=4))
    resolved = spec.resolve()
    names = [lyr.name for lyr in resolved.layers]
    assert names == ["Roads: [0, 10)", "Roads: [10, 20)", "Roads: [20, 30)",
                     "Roads: [30, 40]", "Roads: no data"]
    assert [len(lyr.frame) for lyr in resolved.layers] == [1, 1, 1, 1, 1]
    strokes = [lyr.style["color"] for lyr in resolved.layers]
    assert len(set(strokes)) == 5 and strokes[-1] == NO_DATA_COLOR

    _, legend, styles = _page(spec)
    assert legend == ["#Roads", "[0, 10)", "[10, 20)", "[20, 30)", "[30, 40]", "no data"]
    assert [styles[n]["color"] for n in names] == strokes

    fig, texts = _print_legend(spec)
    assert texts == ["Roads", "[0, 10)", "[10, 20)", "[20, 30)", "[30, 40]", "no data"]
    (first,) = _artists(fig, resolved.layers[0].id)
    assert to_hex(first.get_color()[0]) == strokes[0]


def test_quantiles_put_as_many_features_in_each_class():
    frame = _polygons(pop=[1.0, 2, 3, 4, 100, 200])
    resolved = _spec(bk.Layer(frame, name="P", column="pop", scheme="quantiles",
                              k=3)).resolve()
    assert [len(lyr.frame) for lyr in resolved.layers] == [2, 2, 2]
    assert all(lyr.style["fill_opacity"] == 0.7 for lyr in resolved.layers)


def test_numbers_can_be_shown_by_category_and_legend_kwds_apply():
    frame = _points(code=[3, 1, 3])
    resolved = _spec(bk.Layer(frame, name="C", column="code", categorical=True,
                              legend_kwds={"caption": "Code", "labels": ["one", "three"]})
                     ).resolve()
    assert [(lyr.style["legend_group"], lyr.style["legend_label"])
            for lyr in resolved.layers] == [("Code", "one"), ("Code", "three")]


def test_class_bounds_and_labels():
    assert class_bounds(np.array([5.0, 5.0]), "equalinterval", 3).tolist() == [5.0, 5.0]
    assert format_bounds([5.0, 5.0]) == ["[5, 5]"]
    assert format_bounds([1200000, 1800000, 2400000]) == [
        "[1,200,000, 1,800,000)", "[1,800,000, 2,400,000]"]
    assert format_bounds([0.3, 0.58, 0.86]) == ["[0.3, 0.58)", "[0.58, 0.86]"]
    assert format_bounds([0, 1.5, 3], "{:.2f}") == ["[0.00, 1.50)", "[1.50, 3.00]"]


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"column": "knd"}, ["'Sites'", "column", "'knd'", "kind"]),
        ({"column": "size", "k": 1}, ["'Sites'", " k:", "at least 2"]),
        ({"column": "size", "k": 2.5}, ["'Sites'", " k:"]),
        ({"column": "size", "scheme": "naturalbreaks"},
         ["'Sites'", "scheme", "equalinterval, quantiles"]),
        ({"column": "kind", "cmap": {"a": "red", "b": "reddish"}},
         ["'Sites'", "cmap['b']", "'reddish'", "not a colour"]),
        ({"column": "kind", "cmap": {"a": "red"}}, ["'Sites'", "cmap", "'b'"]),
        ({"column": "kind", "cmap": "no-such-map"}, ["'Sites'", "cmap", "viridis"]),
        ({"column": "kind", "categorical": False}, ["'Sites'", "categorical", "numeric"]),
        ({"column": "kind", "legend_kwds": {"colorbar": True}},
         ["'Sites'", "legend_kwds", "caption"]),
    ],
)
def test_bad_column_styling_is_a_spec_error_naming_layer_and_key(kwargs, words):
    frame = _points(kind=["a", "b"], size=[1.0, 2.0])
    with pytest.raises(SpecError) as err:
        _spec(bk.Layer(frame, name="Sites", **kwargs)).resolve()
    for word in words:
        assert word in str(err.value)


@pytest.mark.parametrize("key", ["color", "fill"])
def test_a_style_colour_naming_a_column_says_to_use_column(key):
    frame = _points(kind=["a", "b"], name=["x", "y"])
    with pytest.raises(SpecError, match=r"column='kind'") as err:
        _spec(bk.Layer(frame, name="Sites", kind="user_point", style={key: "kind"})).resolve()
    assert "'Sites'" in str(err.value) and key in str(err.value)


# ----------------------------------------------------------------------------- page rules


def test_category_text_is_escaped_and_the_page_is_deterministic():
    frame = _points(kind=["<script>alert(1)</script>", "ok"])
    spec = _spec(bk.Layer(frame, name="S<b>", column="kind"))
    text, legend, _ = _page(spec)
    assert "<script>alert(1)" not in text
    assert legend == ["#S<b>", "<script>alert(1)</script>", "ok"]
    assert brief_map(spec).to_html() == text


def test_legend_false_hides_the_classes():
    frame = _points(kind=["a", "b"])
    _, legend, styles = _page(_spec(bk.Layer(frame, name="S", column="kind", legend=False)))
    assert legend == [] and set(styles) == {"S: a", "S: b"}


def test_explore_by_column_has_a_categorical_legend_in_page_and_print():
    frame = _points(kind=["camp", "post"])
    m = bk.explore(frame, column="kind")
    legend = _Legend()
    legend.feed(m.to_html())
    assert legend.items[1:] == ["camp", "post"] and legend.items[0].startswith("#")
    fig, texts = _print_legend(m.spec)
    assert texts[1:] == ["camp", "post"]


def test_api_md_lists_the_style_keys_of_every_layer_kind_with_examples():
    from pathlib import Path

    from borderkit import _style

    text = (Path(__file__).resolve().parents[1] / "docs" / "api.md").read_text("utf-8")
    section = text[text.index("### Style keys"):text.index("### Quick looks")]
    for kind in _style.KINDS:
        for key in set(_style.style_for(kind)) - {"geom", "legend"}:
            assert f"`{key}`" in section, (kind, key)
    for word in ("column", "categorical", "cmap", "scheme", "legend_kwds", "no data",
                 'style={"fill"', 'column="kind"', "quantiles"):
        assert word in section
