"""The notebooks: stored without outputs, and they run offline from top to bottom.

They are executed with nbclient in a kernel of the Python running the tests (so the
venv's borderkit), in a temporary folder, with HTTP proxies pointing at a closed
port so that an accidental web request fails instead of passing silently.
"""

from __future__ import annotations

import ast
import csv
import json
import pathlib
import re
import sys

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
NAMES = ["01-tajikistan-brief.ipynb", "02-your-own-data.ipynb"]
KERNEL = "borderkit-test"


def test_the_two_notebooks_are_there():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_outputs_are_stripped(name):
    raw = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))
    nb = nbformat.from_dict(raw)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        assert not cell.get("metadata"), f"{name} cell {i}: metadata should be empty"
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{name} cell {i} has outputs; strip them"
            assert cell.execution_count is None, f"{name} cell {i} has an execution count"
    assert set(nb.metadata) <= {"kernelspec", "language_info"}, sorted(nb.metadata)
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("name", NAMES)
def test_notebooks_use_only_public_names(name):
    import borderkit as bk

    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.ImportFrom | ast.Import):
                mods = [node.module or ""] if isinstance(node, ast.ImportFrom) else [
                    a.name for a in node.names]
                assert not any(m.startswith("borderkit.") for m in mods), (
                    f"{name} cell {i} imports from a borderkit submodule: {ast.unparse(node)}")
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                    and node.value.id == "bk":
                assert node.attr in bk.__all__, f"{name} cell {i}: bk.{node.attr} is not public"


def print_maps_shown_as_images(nb) -> int:
    """Check every cell that draws a print map shows it as a PNG; return how many."""
    count = 0
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or "render_static" not in cell.source:
            continue
        shown = [out for out in cell.outputs
                 if out.output_type in ("execute_result", "display_data")]
        assert shown, f"cell {i} draws a print map but shows nothing"
        for out in shown:  # a front end shows the PNG, not the "<Figure size ...>" fallback
            assert "image/png" in out.data, f"cell {i} shows {out.data.get('text/plain')!r}"
        count += 1
    return count


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    """A kernelspec that runs this interpreter (the venv), found through JUPYTER_PATH."""
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "borderkit tests",
        "language": "python",
    }), encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", str(root))
        yield KERNEL


def execute(name: str, workdir: pathlib.Path, kernel_name: str):
    import os

    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    env = dict(os.environ)
    dead = "http://127.0.0.1:9"  # discard port: nothing listens
    env.update({"http_proxy": dead, "https_proxy": dead, "HTTP_PROXY": dead,
                "HTTPS_PROXY": dead, "no_proxy": "", "NO_PROXY": "", "MPLBACKEND": "Agg"})
    client = nbclient.NotebookClient(
        nb, timeout=300, kernel_name=kernel_name,
        resources={"metadata": {"path": str(workdir)}},
    )
    client.execute(env=env)
    return nb


def text_of(nb) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.output_type == "stream":
                parts.append(out.text)
            elif out.output_type in ("execute_result", "display_data"):
                parts.append(str(out.data.get("text/plain", "")))
    return "\n".join(parts)


def has_chromium() -> bool:
    from borderkit.errors import MissingDependencyError
    from borderkit.export import find_chromium

    try:
        find_chromium()
    except MissingDependencyError:
        return False
    return True


@pytest.mark.slow
def test_01_reproduces_the_brief(tmp_path, kernel):
    import borderkit as bk

    nb = execute(NAMES[0], tmp_path, kernel)
    out = tmp_path / "out"
    files = {p.name for p in out.iterdir()}
    expected = {"brief.html", "brief-print.png", "brief.svg", "brief.pdf", "distances.csv"}
    assert expected <= files
    assert ("brief.png" in files) == has_chromium()
    rows = {r["quantity"]: r for r in csv.DictReader((out / "distances.csv").open())}
    facility = bk.place("shaymak-facility")
    for bid in ("CHN-TJK", "AFG-TJK"):
        ref = bk.distance_to(facility, bk.border(bid)).iloc[0]
        row = rows[f"facility to {bid}"]
        assert float(row["value"]) == pytest.approx(ref["distance_m"])
        assert float(row["max"]) == pytest.approx(ref["distance_max_m"])
    text = text_of(nb)
    assert "road via Khorog: 1008 km" in text
    assert print_maps_shown_as_images(nb) == 1
    assert "Chinese security assistance to Tajikistan, May 2020" in (
        out / "brief.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_02_loads_validates_measures_maps(tmp_path, kernel):
    import borderkit as bk

    nb = execute(NAMES[1], tmp_path, kernel)
    out = tmp_path / "out"
    assert {"my-brief.html", "my-brief.png", "my-data.gpkg"} <= {p.name for p in out.iterdir()}
    text = text_of(nb)
    assert print_maps_shown_as_images(nb) == 1
    quick = [c for c in nb.cells if c.cell_type == "code" and "bk.explore(" in c.source]
    assert quick and "text/html" in quick[0].outputs[0].data  # the quick look, inline
    # the CSV row without a longitude (the 5th data row) is dropped, and the warning says so
    assert re.search(r"DroppedFeatureWarning: .*dropped 1 feature.*row 5", text), text
    assert "RepairWarning" in text  # the KML's elevations
    assert "CoordinateError" in text  # the mistyped DMS
    sites = bk.read_layer(out / "my-data.gpkg", layer="sites")
    assert sites["name"].str.split(" / ").str[0].tolist() == [
        "Қалъаи Хумб", "Ишкошим", "Ванҷ", "Қарокӯл"]
    vanj = sites.geometry.iloc[2]
    assert (vanj.x, vanj.y) == pytest.approx((71 + 27 / 60, 38 + 22 / 60))
    page = (out / "my-brief.html").read_text(encoding="utf-8")
    assert "Гузаргоҳи Кулма" in page and "Pamir trip" in page
