"""The two brief examples beyond the preset (examples/ladakh.py, examples/russia_201st.py)
resolve offline from the shipped world data, with every key number labelled."""

from __future__ import annotations

import importlib.util
import re
import warnings
from pathlib import Path

import pytest

import borderkit as bk
from borderkit.errors import CoverageWarning

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _module(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _resolved(name: str):
    with warnings.catch_warnings():
        warnings.simplefilter("error", CoverageWarning)  # the data covers the view
        return _module(name).spec().resolve()


def _labels(resolved) -> list[str]:
    return [str(v) for lyr in resolved.layers if "label" in lyr.frame.columns
            for v in lyr.frame["label"].dropna()]


def test_201st_base_sites_have_their_distance_to_the_afghan_border():
    resolved = _resolved("russia_201st")
    km = [float(m) for m in re.findall(r"≈ ([\d.]+) km", " | ".join(_labels(resolved)))]
    assert len(km) == 3  # one per garrison town
    # Kulob, Bokhtar and Dushanbe (GeoNames centres) to the pack's 10 m AFG-TJK line
    assert sorted(km) == pytest.approx([34.2, 56.1, 123.4], abs=0.5)
    names = {str(n) for lyr in resolved.layers for n in lyr.frame.get("name", [])}
    assert {"Dushanbe", "Bokhtar", "Kulob"} <= names


def test_ladakh_brief_measures_leh_to_the_china_india_border():
    resolved = _resolved("ladakh")
    text = " | ".join(_labels(resolved))
    km = [float(m) for m in re.findall(r"≈ ([\d.]+) km", text)]
    assert len(km) == 1 and 60 < km[0] < 110  # Leh is ~82 km from the line in the world base
    assert "from Leh" in text  # ring labels name their centre
    assert any("OpenStreetMap" in a for a in resolved.attribution)
    assert any("GeoNames" in a for a in resolved.attribution)


def test_examples_write_html_and_print(tmp_path):
    module = _module("ladakh")
    module.main(str(tmp_path))
    page = (tmp_path / "ladakh.html").read_text(encoding="utf-8")
    assert "Leh" in page and 'src="http' not in page
    assert (tmp_path / "ladakh-print.png").stat().st_size > 50_000
    assert bk.place("Leh")["iso3"].iloc[0] == "IND"


def test_201st_print_map_keeps_every_key_label_on_the_page():
    module = _module("russia_201st")
    spec = module.spec()
    keys = [lab for lab in _labels(spec.resolve()) if "≈" in lab or "from " in lab]
    assert len(keys) == 4  # three distance lines and one ring
    fig = bk.render_static(spec, page="A4-landscape")
    try:
        drawn = fig.borderkit.labels
        width, height = fig.get_size_inches() * fig.dpi
        for key in keys:  # distance and ring labels: never dropped, inside the page
            assert key in drawn, f"{key!r} is not drawn; drawn: {list(drawn)}"
            x0, y0, x1, y1 = drawn[key]
            assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height, (key, drawn[key])
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)
