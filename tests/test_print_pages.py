"""Print maps as publishable figures: page sizes, PDF metadata, TrueType fonts, many labels."""

from __future__ import annotations

import math
import re

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner

import borderkit as bk
from borderkit import static
from borderkit.errors import ExportError

MM = 72 / 25.4


def _points(names, lonlat):
    return gpd.GeoDataFrame({"name": list(names)},
                            geometry=[shapely.Point(p) for p in lonlat], crs="EPSG:4326")


def brief(title="Two towns", **changes):
    pts = _points(["Dushanbe", "Khorugh"], [(68.78, 38.56), (71.55, 37.49)])
    spec = bk.BriefSpec(title=title, subtitle="A test", sources=["Asia Plus, 14 May 2020."],
                        layers=[bk.Layer(pts, kind="city", name="Towns", labels=True)],
                        uncertainty=False, inset=False)
    return spec.replace(**changes) if changes else spec


def _media_box(data: bytes) -> tuple[float, float]:
    (box,) = set(re.findall(rb"/MediaBox \[ *0 0 ([\d.]+) ([\d.]+) *\]", data))
    return float(box[0]), float(box[1])


def _literal(data: bytes, start: int) -> bytes:
    """The PDF literal string that starts after the "(" at *start*, unescaped."""
    out, i, depth = bytearray(), start, 0
    escapes = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b",
               ord("f"): b"\f"}
    while True:
        c = data[i]
        if c == ord("\\"):
            nxt = data[i + 1]
            out += escapes.get(nxt, bytes([nxt]))
            i += 2
            continue
        if c == ord("("):
            depth += 1
        elif c == ord(")"):
            if depth == 0:
                return bytes(out)
            depth -= 1
        out.append(c)
        i += 1


def pdf_info(data: bytes) -> dict[str, str]:
    """Title, Subject, Author, Keywords, Creator, Producer of a PDF's Info dictionary."""
    info = {}
    for key in ("Title", "Subject", "Author", "Keywords", "Creator", "Producer"):
        m = re.search(rb"/" + key.encode() + rb" \(", data)
        if m:
            raw = _literal(data, m.end())
            text = raw[2:].decode("utf-16-be") if raw.startswith(b"\xfe\xff") else raw.decode(
                "latin-1")
            info[key] = text
    return info


# ----------------------------------------------------------------------------- page sizes


@pytest.mark.parametrize(("page", "size_mm"), [
    ("A4", (210, 297)), ("A4-landscape", (297, 210)), ("A3", (297, 420)),
    ("Letter-landscape", (279.4, 215.9)), ("letter", (215.9, 279.4)),
])
def test_page_sizes_are_exact_in_the_pdf(tmp_path, page, size_mm):
    fig = bk.render_static(brief(), tmp_path / "m.pdf", page=page, dpi=40)
    w, h = _media_box((tmp_path / "m.pdf").read_bytes())
    assert w == pytest.approx(size_mm[0] * MM, abs=0.01)
    assert h == pytest.approx(size_mm[1] * MM, abs=0.01)
    assert fig.borderkit.page == page
    # the map takes what the title and footer leave: most of the page
    pos = fig.axes[0].get_position()
    assert pos.width > 0.9 and pos.height > 0.55
    assert pos.y1 < 0.95 and pos.y0 > 0.02


def test_column_width_and_a_width_in_mm(tmp_path):
    fig = bk.render_static(brief(), tmp_path / "c.pdf", page="column", dpi=40)
    w, h = _media_box((tmp_path / "c.pdf").read_bytes())
    assert w == pytest.approx(static.COLUMN_MM * MM, abs=0.01)
    assert 100 < h < 800  # the map's shape sets the height
    fig = bk.render_static(brief(), page="120mm", dpi=40)
    assert fig.get_size_inches()[0] * 72 == pytest.approx(120 * MM)


def test_bad_page_and_page_with_figsize_are_export_errors():
    with pytest.raises(ExportError, match=r"page='B5'.*A4\[-landscape\].*column"):
        bk.render_static(brief(), page="B5")
    with pytest.raises(ExportError, match="not both"):
        bk.render_static(brief(), page="A4", figsize=(5, 4))


def test_a_page_too_small_for_the_notes_names_the_page():
    notes = [f"A long note number {i} that takes a line of its own." for i in range(90)]
    with pytest.raises(ExportError, match=r"page=.A4-landscape. leaves no room"):
        bk.render_static(brief(notes=notes), page="A4-landscape", dpi=40)


def test_cli_page_and_author(tmp_path):
    from borderkit.cli import cli as main

    out = tmp_path / "m.pdf"
    res = CliRunner().invoke(main, ["map", "--preset", "tajikistan-2020-05", "-o",
                                    str(tmp_path / "m.html"), "--static", str(out), "--page",
                                    "Letter-landscape", "--author", "J. Analyst", "--dpi", "50"])
    assert res.exit_code == 0, res.output
    data = out.read_bytes()
    assert _media_box(data) == pytest.approx((792.0, 612.0))
    assert pdf_info(data)["Author"] == "J. Analyst"
    bad = CliRunner().invoke(main, ["map", "--preset", "tajikistan-2020-05", "--page", "B5"])
    assert bad.exit_code == 2 and "--page" in bad.output and "B5" in bad.output


# ----------------------------------------------------------------------------- metadata


def test_pdf_carries_title_subject_author_keywords_and_sources(tmp_path):
    fig = bk.render_static(brief(), tmp_path / "m.pdf", page="A4", dpi=40)
    info = pdf_info((tmp_path / "m.pdf").read_bytes())
    assert info["Title"] == "Two towns"
    assert info["Subject"].startswith("A test. Sources: Asia Plus, 14 May 2020")
    assert ".." not in info["Subject"]
    assert info["Author"] == "borderkit"
    assert "Towns" in info["Keywords"].split(", ")
    assert fig.borderkit.metadata["Subject"] == info["Subject"]


def test_metadata_overrides_and_bad_keys(tmp_path):
    bk.render_static(brief(), tmp_path / "m.pdf", dpi=40,
                     metadata={"Author": "Ана Аналитик", "Keywords": "Pamirs, GBAO"})
    info = pdf_info((tmp_path / "m.pdf").read_bytes())
    assert info["Author"] == "Ана Аналитик" and info["Keywords"] == "Pamirs, GBAO"
    svg = bk.render_static(brief(), tmp_path / "m.svg", dpi=40,
                           metadata={"Author": "Ана Аналитик"})
    text = (tmp_path / "m.svg").read_text()
    assert "Ана Аналитик" in text and "Asia Plus" in text and svg.borderkit.title in text
    with pytest.raises(ExportError, match="'Date'"):
        bk.render_static(brief(), metadata={"Date": "2020"})


# ----------------------------------------------------------------------------- fonts


def test_pdf_fonts_are_truetype_not_type3(tmp_path):
    bk.render_static(brief(title="Границы Таджикистана"), tmp_path / "m.pdf", dpi=40)
    data = (tmp_path / "m.pdf").read_bytes()
    assert b"/Type3" not in data
    assert data.count(b"/FontFile2") >= 1
    assert b"DejaVuSans" in data


def test_cjk_text_is_outlined_not_embedded(tmp_path):
    if len(static.font_families()) < 2:
        pytest.skip("no CJK font installed")
    fig = bk.render_static(brief(title="喀什 Kashgar", notes=["塔什库尔干"]), tmp_path / "m.pdf",
                           dpi=40)
    data = (tmp_path / "m.pdf").read_bytes()
    assert b"/Type3" not in data and b"CJK" not in data  # no CJK font stream at all
    assert b"/FontFile2" in data  # the Latin text stays text
    # the outlines are for the file only: the figure's texts are left as they were
    title = [t for t in fig.texts if t.get_gid() == "bk-title"][0]
    assert title.get_path_effects() == []


# ----------------------------------------------------------------------------- labels


def test_a_thousand_labels_are_all_drawn_in_few_artists():
    rng = np.random.default_rng(5)
    lonlat = np.column_stack([rng.uniform(67.5, 75, 1000), rng.uniform(36.8, 41, 1000)])
    pts = _points([f"Place {i}" for i in range(1000)], lonlat)
    spec = bk.BriefSpec(title="Many", layers=[bk.Layer(pts, kind="city", labels=True)],
                        uncertainty=False, inset=False, legend=False,
                        bounds=(67, 36.5, 75.5, 41.2))
    fig = bk.render_static(spec, dpi=50)
    assert len(fig.borderkit.labels) == 1000  # none dropped
    ax = fig.axes[0]
    # halos and text as a few glyph collections, leader lines as one collection: not
    # one annotation per label
    assert len(ax.texts) < 20
    leaders = [c for c in ax.collections if c.get_gid() == "bk-label-leaders"]
    assert len(leaders) == 1 and len(leaders[0].get_segments()) > 0


def test_crowded_labels_stay_near_their_point_with_leader_lines():
    # 12 places within a few km: most cannot sit right next to their marker
    rng = np.random.default_rng(3)
    lonlat = np.column_stack([72 + rng.uniform(-0.05, 0.05, 12), 38 + rng.uniform(-0.05, 0.05, 12)])
    pts = _points([f"Village {i}" for i in range(12)], lonlat)
    spec = bk.BriefSpec(title="Crowded", layers=[bk.Layer(pts, kind="city", labels=True)],
                        uncertainty=False, inset=False, legend=False, bounds=(70, 37, 74, 39))
    fig = bk.render_static(spec, dpi=72, page="A4-landscape")
    assert len(fig.borderkit.labels) == 12  # none dropped
    xy = fig.axes[0].transData.transform(np.column_stack(
        __import__("pyproj").Transformer.from_crs(4326, fig.borderkit.crs, always_xy=True)
        .transform(lonlat[:, 0], lonlat[:, 1])))
    for i, (x, y) in enumerate(xy):
        x0, y0, x1, y1 = fig.borderkit.labels[f"Village {i}"]
        gap = math.hypot(max(x0 - x, 0, x - x1), max(y0 - y, 0, y - y1))  # points at 72 dpi
        assert gap < 60, (i, gap)
    assert any("with a leader line" in r for r in fig.borderkit.report)
    (leaders,) = [c for c in fig.axes[0].collections if c.get_gid() == "bk-label-leaders"]
    assert len(leaders.get_segments()) >= 1


def test_distance_labels_of_the_preset_are_drawn_on_every_page():
    for page in ("A4", "Letter-landscape"):
        fig = bk.render_static("tajikistan-2020-05", page=page, dpi=40)
        keys = [k for k in fig.borderkit.labels if k.startswith("To the ")]
        assert len(keys) == 2, (page, sorted(fig.borderkit.labels))


def test_a_long_title_wraps_on_a_column_and_the_metadata_keeps_one_line(tmp_path):
    title = "Chinese security assistance to Tajikistan, May 2020"
    fig = bk.render_static(brief(title=title), tmp_path / "c.pdf", page="column", dpi=40)
    (drawn,) = [t for t in fig.texts if t.get_gid() == "bk-title"]
    assert "\n" in drawn.get_text() and drawn.get_text().replace("\n", " ") == title
    (sub,) = [t for t in fig.texts if t.get_gid() == "bk-subtitle"]
    r = fig.canvas.get_renderer()
    assert sub.get_window_extent(r).y1 <= drawn.get_window_extent(r).y0 + 1  # below it
    assert drawn.get_window_extent(r).x1 <= fig.bbox.x1  # inside the page
    assert pdf_info((tmp_path / "c.pdf").read_bytes())["Title"] == title
