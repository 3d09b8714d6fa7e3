"""The command line: exit codes, error lines, outputs that compose, and the spec-file parser.

Most tests call the CLI in-process with click's CliRunner; a few run the installed
``borderkit`` script and ``python -m borderkit`` as subprocesses.
"""

from __future__ import annotations

import csv
import io
import json
import pathlib
import subprocess
import sys

import pytest
from click.testing import CliRunner

from borderkit import cli
from borderkit._specfile import parse_spec, read_spec
from borderkit.errors import MissingDependencyError, SpecError

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "brief.toml"
SCRIPT = pathlib.Path(sys.executable).parent / "borderkit"


def run(*args: str, input: str | None = None):
    """Invoke the CLI in-process; stdout and stderr are kept apart."""
    return CliRunner().invoke(cli.cli, list(args), input=input, catch_exceptions=True)


def assert_one_line_error(result, *needles: str) -> None:
    assert result.exit_code == 1, (result.exit_code, result.output, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("error: "), result.stderr
    assert any(line.startswith("hint: ") for line in lines), result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in result.stderr, (needle, result.stderr)


# --------------------------------------------------------------------------- usage


def test_help_lists_every_command():
    result = run("--help")
    assert result.exit_code == 0
    for name in ("demo", "layers", "places", "distance", "distance-to", "within", "buffer",
                 "map"):
        assert name in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["--no-such-option"],
        ["no-such-command"],
        ["distance", "Dushanbe"],  # missing argument
        ["distance", "a", "b", "--units", "furlong"],  # bad choice
        ["map"],  # neither a spec file nor --preset
        ["map", "--preset", "x", str(EXAMPLE)],  # both
        ["within", "--km", "50"],  # --border is required
        ["map", "/no/such/spec.toml"],
    ],
    ids=lambda a: " ".join(a),
)
def test_usage_errors_exit_2(args):
    result = run(*args)
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "Usage:" in result.stderr or "Error:" in result.stderr
    assert "Traceback" not in result.stderr


def test_version():
    result = run("--version")
    assert result.exit_code == 0
    assert "borderkit" in result.stdout


def test_command_help_explains_coordinates():
    result = run("distance", "--help")
    assert result.exit_code == 0
    assert "MGRS" in result.stdout and "lat,lon" in result.stdout


# --------------------------------------------------------------------------- spec files


BAD_SPECS = [
    # (text, line, words in the message)
    ('title = "T"\ncolour = "red"\n', 2, ["unknown key 'colour'"]),
    ('title = "T"\n\n[[rings]]\ncenter = { lon = 68.0, lat = 38.0 }\nradii_km = [50, -1]\n', 5,
     ["rings[0].radii_km", "positive"]),
    ('title = "T"\n[[rings]]\ncenter = { lon = 68.0, lat = 38.0 }\n\n'
     '[[rings]]\ncenter = { lon = 68.0, lat = 38.0 }\nradius = 3\n', 7,
     ["unknown key 'radius' in rings[1]", "radii_km"]),
    ('title = "T"\nwidth = -3\n', 2, ["width", "positive whole number"]),
    ('title = 3\n', 1, ["title", "must be a string"]),
    ('title = "T"\nbounds = [70, 36, 75]\n', 2, ["bounds", "lon_min"]),
    ('title = "T"\n[[distance_lines]]\na = { lon = 68.0, lat = 38.0 }\n', 2,
     ["distance_lines[0]", "missing key 'b'"]),
    ('title = "T"\n[[distance_lines]]\na = { lon = 68.0, lat = 38.0 }\n'
     'b = { lon = 268.0, lat = 38.0 }\n', 4, ["distance_lines[0].b"]),
    ('title = "T"\n[[distance_lines]]\na = [68.0, 38.0]\nb = { lon = 68, lat = 39 }\n', 3,
     ["distance_lines[0].a", "lon = "]),
    ('title = "T"\n[[layers]]\ndata = "nowhere/mine.geojson"\n', 3,
     ["layers[0].data", "not found"]),
    ('title = "T"\n[[layers]]\ndata = "mine.csv"\nkind = "borderr"\n', 4,
     ["unknown kind 'borderr'", "did you mean 'border'"]),
    ('subtitle = "no title"\n', None, ["missing key 'title'"]),
    ('title = "T"\nnotes = [\n', None, ["not valid TOML"]),
    ('title = """long\nwidth = 3\n"""\nheight = 0\n', 4, ["height"]),
    ('title = "T"\nsimplify = "fast"\n', 2, ["simplify", '"auto"', "degrees"]),
    ('title = "T"\nsimplify = -0.01\n', 2, ["simplify", ">= 0"]),
]


@pytest.mark.parametrize("value,expected", [('"auto"', "auto"), ("0.002", 0.002), ("0", 0)])
def test_spec_simplify(tmp_path, value, expected):
    spec = parse_spec(f'title = "T"\nsimplify = {value}\n', base_dir=tmp_path, source="b.toml")
    assert spec.simplify == expected


@pytest.mark.parametrize("text,line,words", BAD_SPECS, ids=range(len(BAD_SPECS)))
def test_bad_spec_names_key_and_line(tmp_path, text, line, words):
    (tmp_path / "mine.csv").write_text("name,lat,lon\nA,38.5,68.7\n", encoding="utf-8")
    with pytest.raises(SpecError) as info:
        parse_spec(text, base_dir=tmp_path, source="brief.toml")
    message = str(info.value)
    assert message.startswith("brief.toml")
    if line is not None:
        assert f"brief.toml, line {line}:" in message
    for word in words:
        assert word in message


def test_bad_spec_on_the_command_line_is_one_line_and_a_hint(tmp_path):
    spec = tmp_path / "brief.toml"
    spec.write_text('title = "T"\n\n[[layers]]\ndata = "x.geojson"\ncolor = "red"\n',
                    encoding="utf-8")
    result = run("map", str(spec), "-o", str(tmp_path / "x.html"))
    assert_one_line_error(result, "brief.toml, line 5", "unknown key 'color'", "docs/cli.md")
    assert not (tmp_path / "x.html").exists()


def test_debug_shows_the_exception(tmp_path):
    spec = tmp_path / "brief.toml"
    spec.write_text('title = "T"\nfoo = 1\n', encoding="utf-8")
    result = run("--debug", "map", str(spec))
    assert isinstance(result.exception, SpecError)


def test_spec_file_layer_paths_are_relative_to_the_spec(tmp_path):
    sub = tmp_path / "briefs"
    sub.mkdir()
    (sub / "sites.csv").write_text("name,lat,lon\nA,38.5,68.7\n", encoding="utf-8")
    (sub / "b.toml").write_text(
        'title = "Sites"\nnotes = "one note"\n[[layers]]\ndata = "sites.csv"\nkind = "user_point"\n'
        '[[rings]]\ncenter = { lon = 68.7, lat = 38.5 }\nradii_km = [10, 20]\n',
        encoding="utf-8",
    )
    spec = read_spec(sub / "b.toml")
    assert spec.layers[0].data == str(sub / "sites.csv")
    assert spec.notes == ("one note",)
    assert spec.rings[0].radii_m == (10_000.0, 20_000.0)
    assert spec.rings[0].center == (68.7, 38.5)


def test_yaml_spec_needs_pyyaml_or_works(tmp_path):
    path = tmp_path / "b.yaml"
    path.write_text("title: T\nfoo: 1\n", encoding="utf-8")
    try:
        import yaml  # noqa: F401
    except ImportError:
        with pytest.raises(MissingDependencyError, match="pip install pyyaml"):
            read_spec(path)
    else:
        with pytest.raises(SpecError, match="line 2"):
            read_spec(path)


def test_missing_spec_file_is_a_spec_error(tmp_path):
    with pytest.raises(SpecError, match="does not exist"):
        read_spec(tmp_path / "none.toml")


# --------------------------------------------------------------------------- subprocess


def test_console_script_and_module_run_as_subprocesses(tmp_path):
    assert SCRIPT.exists(), f"console script not installed at {SCRIPT}"
    out = subprocess.run([str(SCRIPT), "--help"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "distance-to" in out.stdout
    spec = tmp_path / "bad.toml"
    spec.write_text('title = "T"\nlayers = 3\n', encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "borderkit", "map", str(spec)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 1
    assert out.stderr.startswith("error: bad.toml, line 2: layers:"), out.stderr
    assert "Traceback" not in out.stderr
    out = subprocess.run([sys.executable, "-m", "borderkit", "distance"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2


# --------------------------------------------------------------------------- data commands


def test_layers_lists_sources_and_licenses():
    result = run("layers")
    assert result.exit_code == 0, result.stderr
    for name in ("countries", "borders", "historical_border", "ceded_area", "places"):
        assert name in result.stdout
    assert "ODbL-1.0" in result.stdout and "CC0-1.0" in result.stdout
    rows = list(csv.DictReader(io.StringIO(run("layers", "--format", "csv").stdout)))
    assert {r["name"] for r in rows} >= {"borders", "places", "events"}
    assert all(r["license"] for r in rows)


def test_places_kind_filter_and_formats():
    table = run("places", "--kind", "checkpoint")
    assert table.exit_code == 0
    assert "kulma-pass" in table.stdout and "dushanbe" not in table.stdout
    rows = list(csv.DictReader(io.StringIO(run("places", "--format", "csv").stdout)))
    kulma = next(r for r in rows if r["id"] == "kulma-pass")
    assert float(kulma["lat"]) == pytest.approx(38.1494, abs=1e-3)  # lat column is latitude
    assert float(kulma["lon"]) == pytest.approx(74.8014, abs=1e-3)
    doc = json.loads(run("places", "--format", "geojson").stdout)
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == len(rows)
    feature = next(f for f in doc["features"] if f["properties"]["id"] == "kulma-pass")
    assert feature["geometry"]["coordinates"] == pytest.approx([74.8014, 38.1494], abs=1e-3)


def test_places_unknown_kind_is_a_data_error():
    result = run("places", "--kind", "spaceport")
    assert_one_line_error(result)


# --------------------------------------------------------------------------- measuring


def geod_m(lat1, lon1, lat2, lon2):
    from geographiclib.geodesic import Geodesic

    return Geodesic.WGS84.Inverse(lat1, lon1, lat2, lon2)["s12"]


def test_distance_between_coordinates_matches_geographiclib():
    result = run("distance", "38.5598,68.7870", "38.1494,74.8014", "--format", "json")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["distance_m"] == pytest.approx(geod_m(38.5598, 68.7870, 38.1494, 74.8014),
                                              abs=1e-3)
    assert out["distance_min_m"] == out["distance_max_m"] == out["distance_m"]


@pytest.mark.parametrize(
    "text",
    ["38°08′58″N 74°48′05″E", "38 08 58N 74 48 05E", "N38 08.9667 E74 48.0833"],
)
def test_distance_accepts_dms(text):
    a = json.loads(run("distance", text, "38.5598,68.7870", "--format", "json").stdout)
    ref = geod_m(38 + 8 / 60 + 58 / 3600, 74 + 48 / 60 + 5 / 3600, 38.5598, 68.7870)
    assert a["distance_m"] == pytest.approx(ref, abs=1.0)


def test_distance_accepts_mgrs():
    import mgrs

    code = mgrs.MGRS().toMGRS(38.5598, 68.7870, MGRSPrecision=5)
    out = json.loads(run("distance", code, "38.5598,68.7870", "--format", "json").stdout)
    assert out["distance_m"] < 2.0  # MGRS 1 m cells


def test_distance_between_places_carries_their_precision():
    from borderkit import place

    result = run("distance", "Kulma", "Dushanbe", "--format", "json")
    out = json.loads(result.stdout)
    k, d = place("kulma-pass"), place("dushanbe")
    ref = geod_m(k.geometry.y.iloc[0], k.geometry.x.iloc[0], d.geometry.y.iloc[0],
                 d.geometry.x.iloc[0])
    assert out["distance_m"] == pytest.approx(ref, abs=1e-3)
    spread = float(k["precision_m"].iloc[0] + d["precision_m"].iloc[0])
    assert out["distance_max_m"] - out["distance_m"] == pytest.approx(spread)
    text = run("distance", "Kulma", "Dushanbe", "--units", "nmi").stdout
    assert f"{ref / 1852:.1f} nmi" in text and "km" not in text.split("(")[0]
    assert "±" in text


def test_distance_unknown_place_is_one_line_and_a_hint():
    result = run("distance", "Kulmaa", "Dushanbe")
    assert_one_line_error(result, "Kulmaa", "borderkit places")


def test_distance_bad_coordinate_is_a_data_error():
    result = run("distance", "95.0,68.0", "Dushanbe")
    assert_one_line_error(result, "95")


def test_distance_to_border_matches_the_library():
    from borderkit import border, distance_to, place

    result = run("distance-to", "shaymak-facility", "--border", "CHN-TJK", "--border",
                 "AFG-TJK", "--format", "json")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["border"] for r in rows] == ["CHN-TJK", "AFG-TJK"]
    facility = place("shaymak-facility")
    for row in rows:
        ref = distance_to(facility, border(row["border"]))
        assert row["distance_m"] == pytest.approx(float(ref["distance_m"].iloc[0]))
        assert row["distance_min_m"] <= row["distance_m"] <= row["distance_max_m"]
        # the nearest point is on the border, at the stated distance
        assert geod_m(facility.geometry.y.iloc[0], facility.geometry.x.iloc[0],
                      row["nearest_lat"], row["nearest_lon"]) == pytest.approx(
            row["distance_m"], abs=5.0)


def test_distance_to_unknown_border():
    assert_one_line_error(run("distance-to", "Dushanbe", "--border", "XXX-TJK"))


def test_within_defaults_to_shipped_places_and_pipes_geojson():
    from borderkit import border, distance_to, places

    result = run("within", "--border", "AFG-TJK", "--km", "50")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    inside = {f["properties"]["id"] for f in doc["features"]}
    dist = distance_to(places(), border("AFG-TJK"))
    dist = dist["distance_m"] if hasattr(dist, "columns") else dist
    expected = set(places()["id"][dist.to_numpy() <= 50_000])
    assert inside == expected and inside and inside != set(places()["id"])
    assert f"{len(inside)} of" in result.stderr


def test_within_reads_a_user_file(tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text("name,lat,lon\nНазди марз,37°15′N,71°30′E\nДур,39°00′N,69°00′E\n",
                    encoding="utf-8")
    result = run("within", str(path), "--border", "AFG-TJK", "--km", "30", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["name"] for r in rows] == ["Назди марз"]
    assert float(rows[0]["distance_m"]) <= 30_000


def test_within_rejects_negative_km():
    assert run("within", "--border", "AFG-TJK", "--km", "-5").exit_code == 2


def test_buffer_writes_rings(tmp_path):
    from borderkit import read_layer

    out = tmp_path / "rings.geojson"
    result = run("buffer", "Dushanbe", "--km", "50", "--km", "100", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    rings = read_layer(out)
    assert rings["radius_m"].tolist() == [50_000.0, 100_000.0]
    # every vertex of the 50 km disc is 50 km from Dushanbe (geodesic, not degrees)
    from borderkit import place

    d = place("dushanbe").geometry.iloc[0]
    xs, ys = rings.geometry.iloc[0].exterior.coords.xy
    dists = [geod_m(d.y, d.x, y, x) for x, y in list(zip(xs, ys, strict=True))[::10]]
    assert min(dists) == pytest.approx(50_000, abs=5) and max(dists) == pytest.approx(
        50_000, abs=5)


def test_buffer_to_stdout_is_geojson():
    result = run("buffer", "38.5598,68.7870", "--km", "10")
    doc = json.loads(result.stdout)
    assert doc["features"][0]["properties"]["radius_m"] == 10_000.0
    assert doc["features"][0]["geometry"]["type"] == "Polygon"


# --------------------------------------------------------------------------- maps


def test_map_from_the_example_spec(tmp_path):
    html = tmp_path / "brief.html"
    result = run("map", str(EXAMPLE), "-o", str(html))
    assert result.exit_code == 0, result.stderr
    page = html.read_text(encoding="utf-8")
    assert "The Kulma–Karasu crossing and the Chinese facility" in page
    assert "Қарокӯл" in page  # the user file next to the spec, with its Tajik names
    assert "http://" not in page.replace("http://www.w3.org", "")  # offline page
    # simplify = "auto" in the example: without it the countries layer alone is ~1.5 MB
    assert len(page.encode("utf-8")) < 400_000


def test_map_preset_to_stdout_and_static(tmp_path):
    svg = tmp_path / "brief.svg"
    result = run("map", "--preset", "tajikistan-2020-05", "--static", str(svg))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.lstrip().lower().startswith("<!doctype html")
    assert "Chinese security assistance to Tajikistan" in result.stdout
    assert svg.read_bytes().lstrip().startswith(b"<?xml")


def test_map_unknown_preset():
    assert_one_line_error(run("map", "--preset", "atlantis"), "tajikistan-2020-05")


def test_example_spec_in_cli_md_is_the_example_file():
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert EXAMPLE.read_text(encoding="utf-8").strip() in text


# --------------------------------------------------------------------------- demo


def _fake_renderers(monkeypatch, *, chromium: bool):
    """Replace the slow renderers by stubs that write small files (the CLI logic is tested)."""
    from borderkit import errors, export, static

    def fake_static(spec, path, **kw):
        pathlib.Path(path).write_bytes(b"static")

    def fake_png(bmap, path, **kw):
        if not chromium:
            raise errors.MissingDependencyError("PNG export needs Chromium, not found")
        pathlib.Path(path).write_bytes(b"png")

    monkeypatch.setattr(static, "render_static", fake_static)
    monkeypatch.setattr(export, "to_png", fake_png)


def test_demo_without_chromium_writes_the_rest_and_warns(tmp_path, monkeypatch):
    _fake_renderers(monkeypatch, chromium=False)
    result = run("demo", "--out", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "brief-print.png", "brief.html", "brief.pdf", "brief.svg", "distances.csv"]
    assert "warning: skipped brief.png: PNG export needs Chromium" in result.stderr
    assert "[7/7]" in result.stderr
    strict = run("demo", "--out", str(tmp_path), "--strict", "--quiet")
    assert strict.exit_code == 1
    assert "[1/7]" not in strict.stderr
    assert "error: --strict: a file was skipped" in strict.stderr
    assert "--strict makes" not in strict.stderr  # no hint to use what was used


def test_unknown_border_hint_lists_the_border_ids():
    result = run("distance-to", "Kulma", "--border", "CHN-XXX")
    assert result.exit_code == 1
    assert "border ids: AFG-TJK, CHN-TJK, KGZ-TJK, TJK-UZB" in result.stderr


def test_demo_distances_csv(tmp_path, monkeypatch):
    from borderkit import area, border, distance, distance_to, load, place

    _fake_renderers(monkeypatch, chromium=True)
    result = run("demo", "--out", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "brief.png").read_bytes() == b"png"
    rows = {r["quantity"]: r for r in csv.DictReader(
        (tmp_path / "distances.csv").open(encoding="utf-8"))}
    facility = place("shaymak-facility")
    for bid in ("CHN-TJK", "AFG-TJK"):
        row = rows[f"facility to the {bid} border"]
        ref = distance_to(facility, border(bid))
        assert float(row["value"]) == pytest.approx(float(ref["distance_m"].iloc[0]))
        assert float(row["min"]) == pytest.approx(float(ref["distance_min_m"].iloc[0]))
        assert float(row["max"]) == pytest.approx(float(ref["distance_max_m"].iloc[0]))
        assert row["unit"] == "m"
    k, d = place("kulma-pass").geometry.iloc[0], place("dushanbe").geometry.iloc[0]
    row = rows["Kulma-Karasu crossing to Dushanbe"]
    assert float(row["value"]) == pytest.approx(geod_m(k.y, k.x, d.y, d.x), abs=1e-3)
    assert float(row["value"]) == pytest.approx(float(distance((k.x, k.y), (d.x, d.y))))
    row = rows["area ceded by Tajikistan to China (2011)"]
    assert row["unit"] == "m2"
    assert float(row["value"]) == pytest.approx(float(area(load("ceded_area")).sum()))
    assert "km²" in row["display"]
    assert "Kulma-Karasu crossing to the pre-2011 line" in rows


@pytest.mark.slow
def test_make_demo_end_to_end_as_a_subprocess(tmp_path):
    """The real thing: every renderer, and Chromium when the machine has it."""
    from borderkit.errors import MissingDependencyError as Missing
    from borderkit.export import find_chromium

    try:
        find_chromium()
        has_browser = True
    except Missing:
        has_browser = False
    out = subprocess.run([str(SCRIPT), "demo", "--out", str(tmp_path / "out")],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    files = {p.name: p.stat().st_size for p in (tmp_path / "out").iterdir()}
    expected = {"brief.html", "brief-print.png", "brief.svg", "brief.pdf", "distances.csv"}
    assert expected <= set(files) and all(files[f] > 1000 for f in expected - {"distances.csv"})
    assert ("brief.png" in files) == has_browser
    from PIL import Image

    with Image.open(tmp_path / "out" / "brief-print.png") as im:
        assert im.info.get("dpi", (0, 0))[0] == pytest.approx(300, abs=1)
    if has_browser:
        with Image.open(tmp_path / "out" / "brief.png") as im:
            assert im.width >= 2 * 1000  # 2x device scale


def test_within_geoparquet_runs_in_partitions_and_matches_in_memory(tmp_path):
    pytest.importorskip("dask_geopandas")
    import geopandas as gpd
    import numpy as np
    import shapely

    import borderkit as bk

    rng = np.random.default_rng(7)
    n = 30_000
    pts = gpd.GeoDataFrame(
        {"id": np.arange(n)},
        geometry=shapely.points(rng.uniform(67, 75.5, n), rng.uniform(36.5, 39.5, n)),
        crs=4326,
    )
    src = tmp_path / "events.parquet"
    pts.to_parquet(src, row_group_size=5_000)
    out = tmp_path / "near.parquet"
    result = run("within", "--border", "AFG-TJK", "--km", "50", str(src), "-o", str(out))
    assert result.exit_code == 0, result.output
    got = gpd.read_parquet(out)
    want = bk.within(pts, bk.border("AFG-TJK"), 50e3)
    assert sorted(got["id"]) == sorted(want.loc[want["within"], "id"])
    assert f"of {n} point(s) within 50 km of AFG-TJK" in result.output


def test_within_geoparquet_needs_a_parquet_output(tmp_path):
    pytest.importorskip("dask_geopandas")
    import geopandas as gpd
    import shapely

    src = tmp_path / "events.parquet"
    gpd.GeoDataFrame(geometry=[shapely.Point(70, 37.5)], crs=4326).to_parquet(src)
    result = run("within", "--border", "AFG-TJK", "--km", "50", str(src))
    assert result.exit_code == 2
    assert "-o OUT.parquet" in result.output


# --------------------------------------------------------------------------- issue 16


@pytest.mark.parametrize("args,name,token,plain", [
    (["distance", "-70.1,38", "0,0"], "-7", "-70.1,38", "70.1S,38E"),
    (["distance", "0,0", "-33.9,-18.4"], "-3", "-33.9,-18.4", "33.9S,18.4W"),
    (["buffer", "-.5,3", "--km", "5"], "-.", "-.5,3", ".5S,3E"),
    (["distance-to", "-33.9,18.4", "--border", "CHN-TJK"], "-3", "-33.9,18.4", "33.9S,18.4E"),
])
def test_a_negative_coordinate_says_to_use_double_dash(args, name, token, plain):
    result = run(*args)
    assert result.exit_code == 2
    assert (f"Error: No such option {name!r}. A negative coordinate such as {token!r} looks like "
            f"an option: put -- before it, after every option (borderkit {args[0]} [OPTIONS] -- "
            f"{token} ...), or write the hemisphere letter instead of the minus sign "
            f"({plain!r})") in result.stderr


def test_double_dash_and_hemisphere_letters_both_work():
    dashed = run("distance", "--format", "json", "--", "-70.1,38", "0,0")
    lettered = run("distance", "--format", "json", "70.1S,38E", "0,0")
    assert dashed.exit_code == lettered.exit_code == 0, dashed.stderr + lettered.stderr
    assert json.loads(dashed.stdout)["distance_m"] == json.loads(lettered.stdout)["distance_m"]


def test_an_unknown_option_is_still_the_usual_error():
    result = run("distance", "--frmat", "json", "a", "b")
    assert result.exit_code == 2
    assert "No such option '--frmat'" in result.stderr and "negative" not in result.stderr


def _outside_spec(tmp_path):
    (tmp_path / "sites.csv").write_text("name,lat,lon\nKarakul,39.01,73.55\n", encoding="utf-8")
    (tmp_path / "brief").mkdir()
    spec = tmp_path / "brief" / "b.toml"
    spec.write_text('title = "T"\n\n[[layers]]\ndata = "../sites.csv"\n', encoding="utf-8")
    return spec


def test_map_refuses_a_layer_outside_the_spec_folder(tmp_path):
    result = run("map", str(_outside_spec(tmp_path)), "-o", str(tmp_path / "x.html"))
    assert_one_line_error(result, "b.toml, line 4: layers[0].data: '../sites.csv' is outside the "
                                  "spec file's folder", "--allow-outside")
    assert not (tmp_path / "x.html").exists()


def test_map_allow_outside_reads_it(tmp_path):
    result = run("map", str(_outside_spec(tmp_path)), "--allow-outside",
                 "-o", str(tmp_path / "x.html"))
    assert result.exit_code == 0, result.stderr
    assert "Karakul" in (tmp_path / "x.html").read_text(encoding="utf-8")


def test_map_never_shows_the_content_of_a_bad_layer_file(tmp_path):
    (tmp_path / "shadow.csv").write_text("root:$6$S3CRET:19000:0:99999:7:::\n", encoding="utf-8")
    spec = tmp_path / "b.toml"
    spec.write_text('title = "T"\n\n[[layers]]\ndata = "shadow.csv"\n', encoding="utf-8")
    result = run("map", str(spec), "-o", str(tmp_path / "x.html"))
    assert_one_line_error(result, "layers[0]: cannot read ", "shadow.csv': its columns or "
                                  "values do not make a layer (DataError)")
    assert "S3CRET" not in result.stderr + result.stdout


def test_map_says_when_the_page_fetches_tiles(tmp_path):
    spec = tmp_path / "b.toml"
    spec.write_text('title = "T"\ntiles = "OpenStreetMap.Mapnik"\nbounds = [68, 36, 75, 41]\n',
                    encoding="utf-8")
    result = run("map", str(spec), "-o", str(tmp_path / "x.html"))
    assert result.exit_code == 0, result.stderr
    note = [line for line in result.stderr.splitlines() if line.startswith("note:")]
    assert note == [f"note: {tmp_path / 'x.html'} is not offline: it fetches map tiles from "
                    "tile.openstreetmap.org when opened (tiles = 'OpenStreetMap.Mapnik'); "
                    "remove `tiles` for a page that needs no network"]
    offline = tmp_path / "c.toml"
    offline.write_text('title = "T"\nbounds = [68, 36, 75, 41]\n', encoding="utf-8")
    result = run("map", str(offline), "-o", str(tmp_path / "y.html"))
    assert result.exit_code == 0 and "note:" not in result.stderr


def test_demo_says_when_its_page_fetches_tiles(tmp_path, monkeypatch):
    from borderkit import presets
    from borderkit.cli import map as map_cli

    preset = presets.preset
    monkeypatch.setattr(presets, "preset",
                        lambda name: preset(name).replace(tiles="OpenStreetMap.Mapnik"))
    state: dict = {}
    steps = {s.label: s for s in map_cli._demo_steps(tmp_path, state)}
    result = CliRunner().invoke(click_command(steps), [])
    assert result.exit_code == 0, result.output
    assert ("is not offline: it fetches map tiles from tile.openstreetmap.org"
            in result.stderr)


def click_command(steps):
    import click

    @click.command()
    def both() -> None:
        steps["load the brief (preset tajikistan-2020-05)"].run()
        steps["interactive map"].run()

    return both


# --------------------------------------------------------------------------- safe output (issue 16)

HOSTILE = ['=HYPERLINK("http://evil.example","x")', "\x1b]0;owned\x07t\x9b2J", "@SUM(1)",
           "\u202eevil", "-12.5", "tab\there"]


@pytest.fixture
def hostile_points(tmp_path):
    import geopandas as gpd
    import shapely

    import borderkit as bk

    gdf = gpd.GeoDataFrame(
        {"name": HOSTILE},
        geometry=[shapely.Point(71.5 + i * 0.01, 37.5) for i in range(len(HOSTILE))], crs=4326)
    return bk.write_layer(gdf, tmp_path / "hostile.geojson")


def _no_controls(text: str) -> None:
    bad = [c for c in text if (ord(c) < 32 and c not in "\n") or 0x7F <= ord(c) <= 0x9F
           or 0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069]
    assert not bad, bad


def test_within_table_and_csv_show_control_characters_escaped(hostile_points):
    for fmt in ("table", "csv"):
        got = run("within", str(hostile_points), "--border", "AFG-TJK", "--km", "500",
                  "--format", fmt)
        assert got.exit_code == 0, got.output
        _no_controls(got.stdout)
        assert "\\x1b]0;owned\\x07t\\x9b2J" in got.stdout and "\\u202eevil" in got.stdout
        assert "tab\\x09here" in got.stdout
    rows = list(csv.DictReader(io.StringIO(got.stdout)))
    assert [r["name"] for r in rows][:3] == [
        "'" + HOSTILE[0], "\\x1b]0;owned\\x07t\\x9b2J", "'@SUM(1)"]
    assert rows[4]["name"] == "-12.5"


def test_within_geojson_on_stdout_escapes_controls_and_keeps_the_data(hostile_points):
    got = run("within", str(hostile_points), "--border", "AFG-TJK", "--km", "500")
    assert got.exit_code == 0
    _no_controls(got.stdout)
    names = [f["properties"]["name"] for f in json.loads(got.stdout)["features"]]
    assert names == HOSTILE  # JSON escapes: the same text once parsed


def test_within_csv_file_gets_the_formula_rule_but_keeps_the_text(hostile_points, tmp_path):
    out = tmp_path / "near.csv"
    got = run("within", str(hostile_points), "--border", "AFG-TJK", "--km", "500",
              "--format", "csv", "-o", str(out))
    assert got.exit_code == 0, got.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [r["name"] for r in rows] == ["'" + HOSTILE[0], *HOSTILE[1:2], "'@SUM(1)",
                                         *HOSTILE[3:]]


def test_within_csv_formulas_raw_keeps_formula_cells(hostile_points, tmp_path):
    out = tmp_path / "near.csv"
    got = run("within", str(hostile_points), "--border", "AFG-TJK", "--km", "500",
              "--format", "csv", "--csv-formulas", "raw", "-o", str(out))
    assert got.exit_code == 0, got.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert HOSTILE[0] in [r["name"] for r in rows]
    assert "'" + HOSTILE[0] not in [r["name"] for r in rows]


@pytest.mark.parametrize("command", ["layers", "places", "distance-to", "within"])
def test_every_csv_command_takes_csv_formulas(command):
    assert "--csv-formulas" in run(command, "--help").output


def test_csv_formulas_option_raw(tmp_path):
    import click
    import pandas as pd

    from borderkit.cli._common import _CSV_FORMULAS, _emit_frame

    @click.command()
    @_CSV_FORMULAS
    def emit() -> None:
        _emit_frame(pd.DataFrame({"name": ["=1+2", "@x"]}), "csv", None)

    assert CliRunner().invoke(emit, []).stdout == "name\n'=1+2\n'@x\n"
    assert CliRunner().invoke(emit, ["--csv-formulas", "raw"]).stdout == "name\n=1+2\n@x\n"
    bad = CliRunner().invoke(emit, ["--csv-formulas", "off"])
    assert bad.exit_code == 2 and "'off' is not one of 'escape', 'raw'" in bad.stderr


def test_error_lines_show_control_characters_escaped(capsys):
    from borderkit.cli._common import _err

    _err("error: 'x\x1b[2J' not found\nhint: \u202eabc")
    assert capsys.readouterr().err == "error: 'x\\x1b[2J' not found\nhint: \\u202eabc\n"


# --------------------------------------------------------------------------- issue 15


@pytest.mark.parametrize("a, b", [("Kulob", "AFG-TJK"), ("AFG-TJK", "Kulob"),
                                  ("Kulob", "Afghanistan-Tajikistan")])
def test_distance_to_a_border_id_either_way(a, b):
    from borderkit import border, distance_to, place

    result = run("distance", a, b, "--format", "json")
    assert result.exit_code == 0, result.stderr  # was: "no place named 'AFG-TJK'"
    out = json.loads(result.stdout)
    ref = distance_to(place("Kulob"), border("AFG-TJK"))
    assert out["distance_m"] == pytest.approx(float(ref["distance_m"].iloc[0]))
    assert out["distance_min_m"] < out["distance_m"] < out["distance_max_m"]  # Kulob's ±
    assert out["from"] == "Kulob" and out["to"] == "the AFG-TJK border"
    assert "to the nearest point of the AFG-TJK border" in out["method"]
    text = run("distance", a, b, "--units", "km").stdout
    assert text.startswith("Kulob → the AFG-TJK border: 34.2 km")
    assert "to the nearest point of the AFG-TJK border" in text


def test_distance_to_a_region_name():
    from borderkit import distance_to, region

    outside = run("distance", "38.5598,68.7870", "Gorno-Badakhshan", "--format", "json")
    assert outside.exit_code == 0, outside.stderr
    out = json.loads(outside.stdout)
    ref = distance_to((68.7870, 38.5598), region("TJ-GB"))
    assert out["distance_m"] == pytest.approx(float(ref.iloc[0]) if not hasattr(
        ref, "columns") else float(ref["distance_m"].iloc[0]))
    assert out["distance_m"] > 50_000
    assert "nearest point of the Gorno-Badakhshan region (TJ-GB)" in out["method"]
    inside = run("distance", "Kulob", "Khatlon", "--units", "km")
    assert inside.exit_code == 0 and "0.0 km" in inside.stdout and "0 inside it" in inside.stdout


def test_a_place_wins_over_a_region_of_the_same_name():
    out = json.loads(run("distance", "Dushanbe", "Kulob", "--format", "json").stdout)
    assert out["from"] == "Dushanbe" and "nearest point" not in out["method"]


def test_distance_between_two_areas_is_a_usage_error():
    result = run("distance", "AFG-TJK", "Khatlon")
    assert result.exit_code == 2 and "give a place or coordinate" in result.stderr


def test_distance_to_an_unknown_end_says_what_was_tried():
    result = run("distance", "Kulob", "Xqzvbt")  # no place, border or region anywhere
    assert_one_line_error(result, "'Xqzvbt' is not a coordinate, shipped place, border id or "
                                  "region", "AFG-TJK", "borderkit.read_layer")
    assert "did you mean" not in result.stderr and "Gorno" not in result.stderr


def _bases(tmp_path):
    path = tmp_path / "bases.csv"
    path.write_text("name,lat,lon\nBase A,37.5,71.5\nBase B,38.0,74.0\nBase C,38.6,68.8\n",
                    encoding="utf-8")
    return path


def test_distance_to_takes_a_file_of_places_and_keeps_names(tmp_path):
    from borderkit import border, distance_to, read_layer

    path = _bases(tmp_path)
    result = run("distance-to", str(path), "--border", "AFG-TJK", "--border", "CHN-TJK",
                 "--format", "json")
    assert result.exit_code == 0, result.stderr  # was: "no place named '.../bases.csv'"
    rows = json.loads(result.stdout)
    assert [(r["from"], r["border"]) for r in rows] == [
        (b, bid) for b in ("Base A", "Base B", "Base C") for bid in ("AFG-TJK", "CHN-TJK")]
    points = read_layer(path)
    for bid in ("AFG-TJK", "CHN-TJK"):
        ref = distance_to(points, border(bid))
        got = [r["distance_m"] for r in rows if r["border"] == bid]
        assert got == pytest.approx(list(ref.to_numpy()))
    table = run("distance-to", str(path), "--border", "AFG-TJK").stdout
    assert table.count("Base ") == 3


def test_within_takes_one_place_as_well_as_a_file(tmp_path):
    one = run("within", "Kulob", "--border", "AFG-TJK", "--km", "50", "--format", "csv")
    assert one.exit_code == 0, one.stderr
    assert [r["name"] for r in csv.DictReader(io.StringIO(one.stdout))] == ["Kulob"]
    assert "1 of 1 point(s)" in one.stderr
    many = run("within", str(_bases(tmp_path)), "--border", "AFG-TJK", "--km", "50",
               "--format", "csv")
    assert [r["name"] for r in csv.DictReader(io.StringIO(many.stdout))] == ["Base A"]
    missing = run("within", str(tmp_path / "nosuch.csv"), "--border", "AFG-TJK", "--km", "5")
    assert missing.exit_code == 2 and "no such file" in missing.stderr


def test_map_prints_the_distances_it_drew(tmp_path):
    from borderkit import presets

    result = run("map", "--preset", "tajikistan-2020-05", "-o", str(tmp_path / "b.html"))
    assert result.exit_code == 0, result.stderr
    assert "distances drawn (geodesic, WGS84):" in result.stderr
    drawn = [lyr for lyr in presets.preset("tajikistan-2020-05").resolve().layers
             if lyr.kind == "distance_line"]
    assert drawn
    for lyr in drawn:
        name = str(lyr.frame["name"].iloc[0])
        km = f"{float(lyr.frame['length_m'].iloc[0]) / 1000:.1f} km"
        assert f"  {name}: {km}" in result.stderr
    example = run("map", str(EXAMPLE), "-o", str(tmp_path / "e.html"))
    assert "Kulma Pass (Kulma–Karasu crossing) → Murghob" in example.stderr


def test_spec_file_style_error_names_the_layer_and_its_real_kind(tmp_path):
    spec = tmp_path / "b.toml"
    spec.write_text('title = "T"\n[[layers]]\ndata = "borders"\nstyle = { colour = "red" }\n',
                    encoding="utf-8")
    result = run("map", str(spec), "-o", str(tmp_path / "x.html"))
    assert_one_line_error(result, "line 4", "layer 'borders'", "kind 'border'")
    assert "user_polygon" not in result.stderr
