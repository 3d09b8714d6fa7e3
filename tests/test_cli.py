"""The command line: exit codes, error lines, outputs that compose, and the spec-file parser.

Most tests call the CLI in-process with click's CliRunner; a few run the installed
``borderkit`` script and ``python -m borderkit`` as subprocesses.
"""

from __future__ import annotations

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
]


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
