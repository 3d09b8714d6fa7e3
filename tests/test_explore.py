"""Quick looks (issue 15): bk.explore, BriefMap.add, brief_map(gdf), BriefSpec(layers=[gdf]),
the simplify default, and print maps that show inline in Jupyter."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pytest
import shapely

import borderkit as bk
from borderkit._testing import gbao_like
from borderkit.errors import DatasetNotFoundError, SpecError


@pytest.fixture
def pts():
    return gpd.GeoDataFrame(
        {"name": ["Dushanbe", "Kulob", "Khorugh"], "kind2": ["capital", "town", "town"]},
        geometry=[shapely.Point(68.78, 38.56), shapely.Point(69.78, 37.91),
                  shapely.Point(71.55, 37.49)],
        crs="EPSG:4326",
    )


def small(**kw):
    """Keywords that keep a map cheap (no inset, no uncertainty circles)."""
    return {"inset": False, "uncertainty": False, **kw}


def layer_names(m: bk.BriefMap) -> list[str]:
    return [lyr.name for lyr in m.resolved.layers]


# --------------------------------------------------------------------- bk.explore


def test_explore_a_frame_gives_a_brief_map_with_the_quick_look_defaults(pts):
    m = bk.explore(pts)
    assert isinstance(m, bk.BriefMap)
    assert m.spec.title == "Map"
    assert m.spec.legend and m.spec.scale_bar and m.spec.tiles is None
    assert m.spec.simplify == "auto"
    page = m.to_html()
    assert 'id="bk-legend"' in page and 'id="bk-scale"' in page
    # offline: no tile layer, no script or style from the network
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"https?:", page)
    assert "<iframe" in m._repr_html_()


def test_explore_keywords_title_name_size(pts):
    m = bk.explore(pts, title="Three towns", name="Towns", width=640, height=480)
    assert (m.spec.title, m.spec.width, m.spec.height) == ("Three towns", 640, 480)
    assert layer_names(m) == ["Towns"]
    assert m.resolved.legend_entries()[0][0] == "Towns"


def test_explore_a_file_takes_its_stem_as_title(tmp_path, pts):
    path = tmp_path / "my sites.geojson"
    bk.write_layer(pts, path)
    m = bk.explore(path)
    assert m.spec.title == "my sites"
    assert len(m.resolved.layers[0].frame) == 3
    assert bk.explore(str(path)).spec.title == "my sites"


def test_explore_a_geoseries_and_a_geometry(pts):
    series = pts.geometry.rename("stops")
    assert bk.explore(series).spec.title == "stops"
    m = bk.explore(shapely.LineString([(68.78, 38.56), (69.78, 37.91)]))
    assert m.spec.title == "Map" and m.resolved.layers[0].kind == "user_line"


@pytest.mark.parametrize("name,title,kind", [
    ("Kulob", "Kulob", "town"),
    ("AFG-TJK", "Afghanistan–Tajikistan", "border"),
    ("Gorno-Badakhshan", None, "region"),
    ("borders", "Borders", "border"),
])
def test_explore_a_shipped_name(name, title, kind):
    m = bk.explore(name)
    assert kind in [lyr.kind for lyr in m.resolved.layers]
    if title:
        assert m.spec.title == title


def test_explore_an_unknown_name_says_what_is_shipped():
    with pytest.raises(DatasetNotFoundError, match=r"bk\.datasets\(\).*bk\.read_layer"):
        bk.explore("Atlantis Under The Sea")  # no layer, place, border or region


def test_explore_refuses_other_data():
    with pytest.raises(SpecError, match="cannot map a int"):
        bk.explore(42)


def test_explore_unknown_keyword_lists_the_accepted_ones(pts):
    with pytest.raises(SpecError) as err:
        bk.explore(pts, colour="red")
    msg = str(err.value)
    assert "'colour'" in msg
    for word in ("column", "cmap", "categorical", "scheme", "k", "tooltip", "popup",
                 "style_kwds", "legend", "title", "m"):
        assert re.search(rf"\b{word}\b", msg), word


def test_explore_tooltip_popup_style_kwds(pts):
    m = bk.explore(pts, tooltip="kind2", popup=["name", "kind2"],
                   style_kwds={"color": "#aa0000", "fillColor": "#00aa00", "fillOpacity": 0.5})
    lyr = m.resolved.layers[0]
    assert lyr.label_column == "kind2"
    assert lyr.popup_columns == ("name", "kind2")
    assert (lyr.style["color"], lyr.style["fill"], lyr.style["fill_opacity"]) == (
        "#aa0000", "#00aa00", 0.5)
    assert bk.explore(pts, tooltip=False).resolved.layers[0].label_column is None
    assert bk.explore(pts, legend=False).resolved.legend_entries() == []


def test_explore_m_adds_to_an_existing_map(pts):
    first = bk.explore(pts, title="Towns")
    both = bk.explore("AFG-TJK", m=first)
    assert both.spec.title == "Towns"
    assert len(both.spec.layers) == 2 and len(first.spec.layers) == 1
    with pytest.raises(SpecError, match="m= must be a BriefMap"):
        bk.explore(pts, m="not a map")


# -------------------------------------------------- BriefMap.add, brief_map, BriefSpec


def test_add_returns_a_new_map_and_keeps_the_options(pts):
    m = bk.brief_map(bk.BriefSpec(title="T", layers=[bk.Layer(pts)], **small()),
                     layer_control=False, simplify=None)
    m2 = m.add("AFG-TJK", name="Afghan border")
    assert m2 is not m and len(m.spec.layers) == 1
    assert layer_names(m2) == ["User point", "Afghan border"]
    assert (m2.layer_control, m2.simplify) == (False, None)
    with pytest.raises(SpecError, match=r"BriefMap\.add\(\) got unknown keyword"):
        m.add(pts, title="no")


def test_brief_map_of_a_frame_is_the_quick_look(pts):
    # was: SpecError "a brief map needs a BriefSpec"
    m = bk.brief_map(pts)
    assert m.spec.title == "Map" and len(m.resolved.layers[0].frame) == 3
    assert bk.brief_map(pts.geometry.iloc[0]).resolved.layers[0].kind == "user_point"


def test_briefspec_wraps_a_plain_frame(pts):
    # was: SpecError "layers[0] must be a borderkit.Layer"
    spec = bk.BriefSpec(title="T", layers=[pts, bk.Layer("borders", where={"id": "AFG-TJK"})])
    assert all(isinstance(lyr, bk.Layer) for lyr in spec.layers)
    assert spec.layers[0].data is pts
    assert len(spec.replace(title="U").layers) == 2
    resolved = spec.replace(**small()).resolve()
    assert [lyr.kind for lyr in resolved.layers] == ["user_point", "border"]


def test_a_spec_with_a_title_only_says_add_a_layer_or_bounds():
    # was: "the map has no finite extent"
    with pytest.raises(SpecError, match=r"nothing to show: add a layer .* or bounds="):
        bk.BriefSpec(title="Only a title").resolve()
    with pytest.raises(SpecError, match="nothing to show"):
        bk.brief_map(bk.BriefSpec(title="Only a title"))
    m = bk.brief_map(bk.BriefSpec(title="Bounds only", bounds=(67, 36, 75, 41), **small()))
    assert m.resolved.bounds == (67, 36, 75, 41)


# --------------------------------------------------------------------- simplify


def dense_layer() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": ["AOI"]}, geometry=[gbao_like(20_000)], crs="EPSG:4326")


def test_simplify_auto_is_the_default_and_the_page_says_so():
    spec = bk.BriefSpec(title="Dense", layers=[dense_layer()], **small())
    assert spec.simplify == "auto"
    auto = bk.brief_map(spec)
    assert auto.tolerance and auto.tolerance > 0
    page = auto.to_html()
    assert f"simplified for display to {auto.tolerance:.2g}" in page
    full = bk.brief_map(spec.replace(simplify=None))
    assert full.tolerance is None
    full_page = full.to_html()
    assert "simplified for display" not in full_page
    assert len(page) < len(full_page) / 2
    assert data_size(page) < data_size(full_page) / 10


def data_size(page: str) -> int:
    """Characters of the layers' GeoJSON blocks in a page."""
    blocks = re.findall(r'<script type="application/json" id="bk-data-[^"]*">(.*?)</script>',
                        page, re.S)
    assert blocks
    return sum(map(len, blocks))


def test_no_simplify_note_when_nothing_is_simplified(pts):
    page = bk.brief_map(bk.BriefSpec(title="Points", layers=[pts], **small())).to_html()
    assert "simplified for display" not in page
    line = gpd.GeoDataFrame(geometry=[shapely.LineString([(68, 38), (70, 39), (72, 37)])],
                            crs=4326)  # three vertices, all kept
    page = bk.brief_map(bk.BriefSpec(title="Line", layers=[line], **small())).to_html()
    assert "simplified for display" not in page


# --------------------------------------------------------------------- print inline


def test_render_static_displays_as_png_without_matplotlib_inline(pts):
    from IPython.core.formatters import DisplayFormatter

    fig = bk.render_static(bk.BriefSpec(title="Inline", layers=[pts], **small()), dpi=72)
    data, _ = DisplayFormatter().format(fig)
    assert data["image/png"][:8] == b"\x89PNG\r\n\x1a\n"
    # still a plain matplotlib Figure with the borderkit info
    from matplotlib.figure import Figure

    assert isinstance(fig, Figure) and fig.borderkit.scale_bars


def test_explore_map_prints_the_same_layers(pts):
    m = bk.explore(pts, title="Both renderers", name="Towns", width=600, height=400)
    fig = bk.render_static(m, dpi=50)
    (legend,) = [leg for leg in fig.legends if leg.get_gid() == "bk-legend"]
    assert [t.get_text() for t in legend.get_texts()] == ["Towns"]
    titles = [a.get_text() for a in fig.findobj(lambda a: a.get_gid() == "bk-title")]
    assert titles and titles[0].startswith("Both renderers")


def test_explore_html_escapes_names():
    g = gpd.GeoDataFrame({"name": ["<b>x</b>"]}, geometry=[shapely.Point(69, 38)], crs=4326)
    page = bk.explore(g, name="<i>n</i>", title="<t>").to_html()
    assert "<b>x</b>" not in page and "<i>n</i>" not in page
    assert json.dumps("x")  # the page still renders


# --------------------------------------------------------------------- styling by column


def legend_labels_html(page: str) -> list[str]:
    box = re.search(r'<div id="bk-legend".*?</ul></div>', page, re.S).group(0)
    return re.findall(r"<span>(.*?)</span>", box)


def test_explore_column_categorical_legend_in_page_and_print(pts):
    m = bk.explore(pts, column="kind2", name="Towns")
    fills = {e[1]["legend_label"]: e[1]["fill"] for e in m.resolved.legend_entries()}
    assert set(fills) == {"capital", "town"} and len(set(fills.values())) == 2
    assert legend_labels_html(m.to_html()) == ["capital", "town"]
    fig = bk.render_static(m, dpi=40)
    (legend,) = [leg for leg in fig.legends if leg.get_gid() == "bk-legend"]
    assert [t.get_text() for t in legend.get_texts()] == ["Towns", "capital", "town"]


def test_explore_column_classified_with_a_scheme(pts):
    frame = pts.assign(pop=[900, 100, 30])
    m = bk.explore(frame, column="pop", scheme="quantiles", k=2, cmap="viridis")
    assert len(m.resolved.legend_entries()) == 2
    assert len(legend_labels_html(m.to_html())) == 2
    assert bk.explore(frame, column="pop", legend=False).resolved.legend_entries() == []


def test_an_unnamed_frame_coloured_by_a_column_is_grouped_under_the_column():
    import borderkit as bk

    page = bk.explore(bk.places(), column="kind").to_html()
    assert ">kind<" in page and "User point" not in page
    assert "Lines simplified" not in page  # circles and polygons are simplified too
