"""Spec files within limits: nesting, YAML aliases, numbers, and where layer paths may point.

The inputs that used to run away (``tests/bad_inputs/test_limits_spec.py`` runs them
under a memory and time limit) are refused here in-process with the exact message;
legitimate specs (anchors reused a few times, paths in the spec's folder) still work.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest

from bad_inputs import test_limits_spec as T
from borderkit import _resolve
from borderkit._specfile import parse_spec, read_spec
from borderkit._specfile_guard import MAX_ALIAS_VALUES, MAX_DEPTH, MAX_DIGITS, SpecFilePath
from borderkit.errors import (
    BorderkitWarning,
    CoordinateError,
    DataError,
    FileFormatError,
    SpecError,
)

SITES = "name,lat,lon\nKarakul,39.01,73.55\n"


def test_the_limits_are_what_the_docs_say():
    assert (MAX_DEPTH, MAX_ALIAS_VALUES, MAX_DIGITS) == (16, 10_000, 15)
    text = (Path(__file__).parents[1] / "docs" / "cli.md").read_text(encoding="utf-8")
    assert "at most 16 levels deep" in text and "at most 15" in text and "10,000 values" in text


# --------------------------------------------------------------------------- nesting


@pytest.mark.parametrize("text", [T.deep_toml(), T.deep_inline_table_toml(),
                                  T.long_dotted_key_toml(), T.deep_toml(17)],
                         ids=["arrays", "inline-tables", "dotted-key", "17-levels"])
def test_deep_toml_is_refused_with_its_line(text):
    with pytest.raises(SpecError, match=r"^b\.toml, line 2: tables and lists are nested more "
                                        r"than 16 levels deep; a spec file needs at most 5"):
        parse_spec(text, source="b.toml")


def test_sixteen_levels_and_brackets_in_strings_are_fine():
    with pytest.raises(SpecError, match="bounds: must be"):  # read, then checked as bounds
        parse_spec(T.deep_toml(16), source="b.toml")
    spec = parse_spec('title = "[[[[[[[[[[[[[[[[[[[[ {{{{{{{{{{{{{{{{{{{{{"  # [[[[[[[[[[[[[[[[[[\n'
                      "notes = '''a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s'''\n")
    assert spec.title.startswith("[[[[")
    assert spec.notes == ("a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s",)


def test_deep_header_and_values_together_are_refused_by_key():
    header = "[" + ".".join(["t"] * 10) + "]\n"
    value = "x = " + "[" * 8 + "]" * 8 + "\n"
    with pytest.raises(SpecError, match=r"^b\.toml, line 3: t\.t\.t\.t\.t\.t\.t\.t\.t\.t\.x"
                                        r"\[0\]\[0\]\[0\]\[0\]\[0\]\[0\]: tables and lists"):
        parse_spec('title = "T"\n' + header + value, source="b.toml")


@pytest.mark.parametrize("text,line", [(T.deep_yaml(), 2), (T.deep_block_yaml(), 18)],
                         ids=["flow", "block"])
def test_deep_yaml_is_refused_with_its_line(text, line):
    pytest.importorskip("yaml")
    with pytest.raises(SpecError, match=rf"^b\.yaml, line {line}: tables and lists are nested"):
        parse_spec(text, fmt="yaml", source="b.yaml")


# --------------------------------------------------------------------------- YAML aliases


def test_billion_laughs_is_refused_at_the_alias():
    pytest.importorskip("yaml")
    with pytest.raises(SpecError, match=r"^b\.yaml, line 6: the alias \*d brings the values "
                                        r"repeated by aliases \(\*name\) to more than 10,000"):
        parse_spec(T.billion_laughs_yaml(), fmt="yaml", source="b.yaml")


def test_a_looping_alias_is_refused():
    pytest.importorskip("yaml")
    with pytest.raises(SpecError, match=r"^b\.yaml, line 2: the alias \*x is inside the node "
                                        r"&x it repeats \(a loop\)"):
        parse_spec(T.looping_alias_yaml(), fmt="yaml", source="b.yaml")


def test_anchors_reused_a_few_times_still_work():
    pytest.importorskip("yaml")
    spec = parse_spec("title: T\nnotes: &n [one, two]\nsources: *n\nlayers:\n"
                      "  - {data: countries, style: &s {color: red, weight: 2}}\n"
                      "  - {data: borders, style: *s}\n", fmt="yaml", source="b.yaml")
    assert spec.sources == ("one", "two") and spec.layers[1].style == {"color": "red",
                                                                       "weight": 2}


def test_an_undefined_alias_is_invalid_yaml():
    pytest.importorskip("yaml")
    with pytest.raises(SpecError, match=r"^b\.yaml: not valid YAML: found undefined alias"):
        parse_spec("title: T\nnotes: *nope\n", fmt="yaml", source="b.yaml")


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize("fmt,text", [("toml", T.huge_integer_toml()),
                                      ("yaml", T.huge_integer_yaml())])
def test_a_400_digit_number_is_refused_by_key(fmt, text):
    if fmt == "yaml":
        pytest.importorskip("yaml")
    with pytest.raises(SpecError, match=r"^b, line 2: width: a whole number of 400 digits; "
                                        r"numbers in a spec file have at most 15 digits$"):
        parse_spec(text, fmt=fmt, source="b")


@pytest.mark.parametrize("text", ['title = "T"\nbounds = [1%s, 0, 2, 1]\n' % ("0" * 399),
                                  'title = "T"\n[[rings]]\ncenter = "Kulma"\n'
                                  "radii_km = [1%s]\n" % ("0" * 399)],
                         ids=["bounds", "radii"])
def test_huge_numbers_never_overflow(text):
    with pytest.raises(SpecError, match=r"a whole number of 400 digits"):
        parse_spec(text, source="b.toml")


def test_a_number_too_long_to_read_is_refused_by_line():
    with pytest.raises(SpecError, match=r"^b\.toml, line 2: a whole number of 5000 digits"):
        parse_spec(T.huge_integer_toml(5_000), source="b.toml")


def test_a_huge_hex_number_in_yaml_is_refused():
    pytest.importorskip("yaml")
    with pytest.raises(SpecError, match=r"^b, line 2: width: a whole number of thousands of "
                                        "digits"):
        parse_spec("title: T\nwidth: 0x" + "f" * 5_000 + "\n", fmt="yaml", source="b")


def test_fifteen_digits_are_fine():
    spec = parse_spec('title = "T"\n[[layers]]\ndata = "places"\n'
                      "where = { id = 999999999999999 }\n")
    assert spec.layers[0].where == {"id": 999_999_999_999_999}


# --------------------------------------------------------------------------- paths


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "brief").mkdir()
    (tmp_path / "brief" / "data").mkdir()
    (tmp_path / "brief" / "data" / "sites.csv").write_text(SITES, encoding="utf-8")
    (tmp_path / "outside.csv").write_text(SITES, encoding="utf-8")
    return tmp_path / "brief"


def spec_with(folder: Path, data: str) -> Path:
    path = folder / "b.toml"
    path.write_text(f'title = "T"\n\n[[layers]]\ndata = {data!r}\n', encoding="utf-8")
    return path


def test_a_path_in_the_spec_folder_is_read(folder):
    spec = read_spec(spec_with(folder, "data/sites.csv"))
    assert spec.layers[0].data == str(folder / "data" / "sites.csv")
    assert isinstance(spec.layers[0].data, SpecFilePath)
    assert len(spec.resolve().layers[0].frame) == 1


@pytest.mark.parametrize("data", ["/etc/passwd", "../outside.csv", "data/../../outside.csv",
                                  "~/x.csv", "/no/such/file.csv"])
def test_a_path_outside_the_spec_folder_is_refused(folder, data):
    with pytest.raises(SpecError, match=r"^b\.toml, line 4: layers\[0\]\.data: .* is outside "
                                        r"the spec file's folder .*--allow-outside"):
        read_spec(spec_with(folder, data))


def test_a_symbolic_link_out_of_the_folder_is_refused(folder):
    os.symlink(folder.parent / "outside.csv", folder / "link.csv")
    with pytest.raises(SpecError, match="'link.csv' is outside the spec file's folder"):
        read_spec(spec_with(folder, "link.csv"))


def test_allow_outside_reads_anywhere(folder):
    spec = read_spec(spec_with(folder, "../outside.csv"), allow_outside=True)
    assert Path(spec.layers[0].data).resolve() == (folder.parent / "outside.csv").resolve()
    spec = read_spec(spec_with(folder, str(folder.parent / "outside.csv")), allow_outside=True)
    assert spec.layers[0].data == str(folder.parent / "outside.csv")


def test_parse_spec_checks_paths_against_base_dir(folder):
    text = 'title = "T"\n[[layers]]\ndata = "../outside.csv"\n'
    with pytest.raises(SpecError, match="outside the spec file's folder"):
        parse_spec(text, base_dir=folder)
    assert parse_spec(text, base_dir=folder, allow_outside=True).layers[0].data


def test_a_missing_file_inside_is_still_not_found(folder):
    with pytest.raises(SpecError, match=r"file 'data/none\.csv' not found"):
        read_spec(spec_with(folder, "data/none.csv"))


SECRET = "root:$6$S3CRET-hash:19000:0:99999:7:::\n"
KML = ("<kml><Document><Placemark><name>S3CRET</name><Point><coordinates>S3CRET,y"
       "</coordinates></Point></Placemark></Document></kml>")


@pytest.mark.parametrize("name,content,error,problem", [
    ("shadow.csv", SECRET * 3, DataError, "its columns or values do not make a layer"),
    ("shadow.geojson", '{"type": "FeatureCollection", "features": [S3CRET]}', FileFormatError,
     "it is not a layer file borderkit reads, or it is damaged"),
    ("shadow.kml", KML, CoordinateError, "its coordinates are missing or not readable"),
    ("shadow.bin", "\x00\x01S3CRET" * 50, FileFormatError,
     "it is not a layer file borderkit reads, or it is damaged"),
])
def test_an_unreadable_layer_file_never_shows_its_content(folder, name, content, error, problem):
    (folder / name).write_text(content, encoding="utf-8")
    spec = read_spec(spec_with(folder, name))
    with pytest.raises(error) as info, warnings.catch_warnings():
        warnings.simplefilter("ignore", BorderkitWarning)  # "named like GeoJSON but CSV"
        spec.resolve()
    message = str(info.value)
    assert type(info.value) is error and "S3CRET" not in message
    assert message == (f"layers[0]: cannot read {str(folder / name)!r}: {problem} "
                       f"({error.__name__}). Errors from spec files do not show file content; "
                       "for the details, read the file with borderkit.read_layer() in Python")
    assert isinstance(info.value.__cause__, error)  # the full error is kept for --debug


def test_a_path_given_in_python_keeps_the_full_error(folder):
    (folder / "shadow.csv").write_text(SECRET * 3, encoding="utf-8")
    with pytest.raises(DataError, match="cannot tell which columns"):
        _resolve._as_frame(str(folder / "shadow.csv"), "layers[0]")
