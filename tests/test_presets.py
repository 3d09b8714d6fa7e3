"""borderkit.presets: the May 2020 Tajikistan brief."""

from __future__ import annotations

import json
import re

import pytest

import borderkit as bk
from borderkit.errors import DatasetNotFoundError
from borderkit.presets import FACILITY_ID, preset, preset_names

NAME = "tajikistan-2020-05"


def test_preset_names_and_lookup():
    assert preset_names() == [NAME]
    assert preset("Tajikistan_2020_05").title == preset(NAME).title
    assert bk.preset is preset


def test_unknown_preset_lists_the_known_ones():
    with pytest.raises(DatasetNotFoundError, match=NAME):
        preset("atlantis-1999")


def test_each_call_gives_a_fresh_spec():
    a = preset(NAME)
    a.layers[0].name = "changed"
    assert preset(NAME).layers[0].name != "changed"


def test_spec_covers_the_brief():
    spec = preset(NAME)
    shipped = {(lyr.data, json.dumps(lyr.where, sort_keys=True)) for lyr in spec.layers}
    assert ("admin1", '{"name": "Gorno-Badakhshan"}') in shipped
    assert ("borders", '{"id": "CHN-TJK"}') in shipped
    assert ("historical_border", "null") in shipped and ("ceded_area", "null") in shipped
    assert ("events", "null") in shipped
    places = next(lyr for lyr in spec.layers if lyr.data == "places").where["id"]
    assert {"dushanbe", "kulma-pass", FACILITY_ID} <= set(places)
    assert [(d.a, d.b) for d in spec.distance_lines] == [
        (FACILITY_ID, "CHN-TJK"), (FACILITY_ID, "AFG-TJK")]
    assert spec.uncertainty and spec.inset and spec.legend and spec.tiles is None
    sources = " ".join(spec.sources)
    assert "Asia-Plus, 14 May 2020" in sources and "OE Watch" in sources
    notes = " ".join(spec.notes)
    assert "10 May" in notes and "14 May" in notes and "Kulma" in notes


# ----------------------------------------------------------------- with the region pack


@pytest.fixture(scope="module")
def brief():
    return bk.brief_map(NAME)


def test_preset_resolves_every_part(brief):
    kinds = {lyr.kind for lyr in brief.resolved.layers}
    assert {"region", "border", "historical_border", "ceded_area", "capital", "checkpoint",
            "facility", "event", "uncertainty", "distance_line", "land"} <= kinds
    for lyr in brief.resolved.layers:
        assert len(lyr.frame), f"layer {lyr.name} is empty"
    facility = next(lyr for lyr in brief.resolved.layers if lyr.kind == "facility")
    assert facility.frame["precision_m"].iloc[0] >= 10_000
    circles = next(lyr for lyr in brief.resolved.layers if lyr.kind == "uncertainty")
    assert circles.frame.geometry.contains(facility.frame.geometry.iloc[0]).any()
    lines = [lyr for lyr in brief.resolved.layers if lyr.kind == "distance_line"]
    assert len(lines) == 2
    for lyr in lines:
        assert "±" in lyr.frame["label"].iloc[0]  # the approximate location shows


def test_preset_page_is_small_offline_and_labelled(brief):
    page = brief.to_html()
    # the physical context has budgets of its own: the hillshade (one data URI) 800 KB,
    # the lakes and rivers 60 KB; the rest of the page stays under 320 KB (300 KB before
    # the world base filled the land around the pack's box: about 14 KB at 1 km)
    shade = re.findall(r'"data:image/jpeg;base64,[A-Za-z0-9+/=]*"', page)
    assert len(shade) == 1 and len(shade[0]) <= 800_000, [len(s) for s in shade]
    water = sum(len(m) for m in re.findall(
        r'<script type="application/json" id="bk-data-(?:lakes|rivers)">.*?</script>', page))
    assert 0 < water <= 60_000, f"lakes and rivers take {water / 1000:.0f} KB, budget 60 KB"
    size = len(page.encode("utf-8")) - len(shade[0]) - water
    assert size < 320_000, f"brief page is {size / 1000:.0f} KB, target < 320 KB"
    assert 'src="http' not in page and "<link" not in page
    labels = [lab[2] for m in re.findall(r"bk\.layer\(map_\d+, (\{.*\})\);", page)
              for lab in json.loads(m)["labels"]]
    text = " | ".join(labels)
    for want in ("Dushanbe", "Kulma", "2020-05-10", "2020-05-14", "Gorno-Badakhshan"):
        assert want in text, f"no label with {want!r}: {text}"
    assert "km" in text and "nmi" in text
    assert 'id="bk-inset-svg"' in page
    assert page == bk.brief_map(NAME).to_html()


def test_preset_distance_lines_look_different_with_short_labels(brief):
    lines = [lyr for lyr in brief.resolved.layers if lyr.kind == "distance_line"]
    assert len({(lyr.style["color"], lyr.style["dash"]) for lyr in lines}) == 2
    labels = [lyr.frame["label"].iloc[0] for lyr in lines]
    assert all(re.fullmatch(r"To the \w+ border: ≈ [0-9.]+ km / [0-9.]+ mi / [0-9.]+ nmi "
                            r"± [0-9.]+ km", text) for text in labels), labels
    legend = [name for name, _ in brief.resolved.legend_entries()]
    # what ± means is said once, by the uncertainty circles' entry (the lines' stay short)
    assert "Location uncertainty (±)" in legend
    assert [lyr.name for lyr in lines] == ["To the Chinese border", "To the Afghan border"]
