"""Print docs/bad_inputs.md, the whole bad-input catalogue: ``python -m tests.bad_inputs``.

One table per stage, generated from the CASES lists of the test modules (each
module has a test that checks its case ids are in the doc). ``--readme`` prints
the README's copy instead: the same tables, folded per stage, between the
``bad-inputs`` markers (``tests/bad_inputs/test_readme.py`` checks they match).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

# the rendering cases reuse helpers of tests/test_maps.py, imported as top-level modules
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from . import test_loading, test_measuring, test_rendering  # noqa: E402

# the behaviours chosen where a bad input had more than one reasonable answer
POLICIES = [
    "## Policies",
    "",
    "**Bounded work.** No input file or spec of under 1 MB may make a public function or "
    "CLI command run longer than about 10 s or use more than 1 GB; "
    "`tests/bad_inputs/test_limits_*.py` run each known breach in a child process under "
    "`RLIMIT_AS` and a wall-clock limit (`tests/bad_inputs/limits.py`). The limits below "
    "are what makes that hold:",
    "",
    "- *Self-crossing polygons* are repaired with `make_valid` only while a layer's edges "
    "cross themselves at most 20,000 times in all (about 1 s and 75 MB); beyond that, or "
    "when even counting would take too long, the layer is refused with a GeometryError.",
    "- *GeoPackage views* are read only when SQLite computes them within 2 s, to at most "
    "1,000,000 rows and `max_bytes` of data; otherwise save the layer as a table first.",
    "- *Pipes and `/dev/stdin`* are read once, up to `max_bytes`, and sniffing and the "
    "reader share that buffer (nothing is swallowed); a GeoPackage or shapefile must be a "
    "regular file.",
    "- *Nesting*: KML at most 100 levels of Folder/Document/MultiGeometry; spec files at "
    "most 16 levels of tables and lists (a brief needs 5); GeoJSON as deep as the JSON "
    "parser allows, with a FileFormatError beyond.",
    "- *YAML aliases* in spec files are allowed, but together they may repeat at most "
    "10,000 values, and an alias inside the node it names is refused.",
    "- *Numbers*: a spec-file number has at most 15 digits. A CSV column of integers is "
    "read as Int64 when every value fits, so ids of 2^53 and above read back exactly; a "
    "column with a larger integer stays text. A GeoJSON coordinate too large for a float "
    "is a CoordinateError.",
    "",
    "**Across 180°.** Lines and polygons that touch or cross the antimeridian are measured "
    "as one piece, split or not: the local projection moves longitudes to within 180° of "
    "its centre, and a polygon split at 180° is joined again, so the cut is not an edge. "
    "The edges of a polygon are geodesics, so a ring written from 179 to -179 means the "
    "short way across 180°.",
    "",
    "**Measuring.** `buffer` refuses an invalid polygon (a bow-tie, a ring crossing "
    "itself) with shapely's reason instead of repairing it silently: repair it with "
    "`shapely.make_valid` or read the file with `read_layer`, which repairs and reports. "
    "Rings and point buffers refuse radii below 1 mm. A missing coordinate (`pd.NA`, "
    "`None`, a masked entry) is read as NaN and refused like NaN, naming the row; data "
    "under a mask is never used.",
    "",
    "**Safe outputs.** A CSV cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage "
    "return and is not a plain number gets a leading `'` (the OWASP rule), so a "
    "spreadsheet shows it as text; borderkit's reader takes exactly one quote off again, "
    "so the round trip is exact. `write_layer(..., csv_formulas='raw')` and "
    "`--csv-formulas raw` write such cells unchanged. Text printed to a terminal shows "
    "control characters as visible escapes (`\\x1b`, `\\u202e`); files keep the text. "
    "The CSV writer refuses column names the reader would take as coordinates in any case "
    "(`Lon`, `lng`, ...), a `wkt` column beside the generated one, and names that collide "
    "as text (`5` and `\"5\"`). The KML writer checks every text that goes into the XML "
    "before anything is written. The HTML page carries a Content-Security-Policy "
    "(`default-src 'none'`; only the page's own scripts, by their SHA-256 hashes; inline "
    "styles; `data:` images), with tile hosts in `img-src` only when tiles are asked for; "
    "scripts, event handlers and network images inside `notes_html` are blocked even if "
    "trusted. The command line says when a page will fetch tiles.",
    "",
    "**Styles.** Colours are checked once for both renderers: `#rgb`, `#rgba`, `#rrggbb`, "
    "`#rrggbbaa`, the 148 CSS colour names, `rgb()`/`rgba()` and `hsl()`; anything else "
    "is a SpecError naming the layer and the key. A CJK font installed after matplotlib "
    "cached its font list is found on the next print map (the list is compared with "
    "`fc-list` once per process and the missing files added).",
    "",
    "**Files and paths.** Paths in a spec file are read from the spec file's folder; "
    "absolute paths, `~`, `..` and links leading outside are refused before the file is "
    "looked at (`read_spec(..., allow_outside=True)`, `borderkit map --allow-outside`), "
    "and a layer error from a spec shows the path and the kind of problem, never the "
    "file's content. A shapefile rewrite replaces each part in one rename, keeping the "
    "old parts as hard links for rollback; a reader running at the same moment can still "
    "see a new `.shp` with an old `.dbf` (write to a new name and rename the folder when "
    "readers run concurrently). Temporary files are named `.<target>.<pid>-<8 chars>.part`; "
    "the next save to the same place removes ours that a killed process left (its process "
    "gone and the file older than the saving process, or over a day old). A KML "
    "NetworkLink is never followed, only reported.",
    "",
]


def document() -> str:
    loading = test_loading.markdown().rstrip("\n").splitlines()
    assert loading[0].startswith("# ") and loading[-1].endswith("docs/bad_inputs.md`.")
    n_load, n_measure = len(test_loading.CASES), len(test_measuring.CASES)
    n_render = len(test_rendering.CASES)
    total = n_load + n_measure + n_render
    head = [
        "# Bad-input catalogue",
        "",
        f"{total} cases, each a test with its expected outcome: {n_load} for loading, "
        f"{n_measure} for measuring, {n_render} for rendering and export. Every error is a "
        "`borderkit` exception (`borderkit.errors`, each also the builtin it resembles); every "
        "repair or dropped feature comes with a `borderkit` warning and a report.",
        "",
        "Property tests (hypothesis) add: names with NUL, control characters, whitespace-only "
        "text, right-to-left text and combining marks round-trip through every writable format "
        "exactly or are refused (`tests/test_io.py`), show literally in the HTML page and draw "
        "in print maps (`tests/bad_inputs/test_rendering.py`); distance symmetry and the "
        "triangle inequality (`tests/test_measure.py`); buffer containment "
        "(`tests/test_buffer.py`). `make fuzz` runs the loaders against generated files for "
        "longer (`tests/fuzz/`, not part of the default run). `tests/test_network.py` checks "
        "that nothing touches the network unless asked.",
        "",
        "Regenerate this file with `python -m tests.bad_inputs > docs/bad_inputs.md`.",
        "",
        *POLICIES,
    ]
    body = ["## Loading", *loading[1:-1], f"{n_load} cases.", ""]
    return "\n".join([
        *head,
        *body,
        test_measuring.markdown(start=n_load + 1),
        test_rendering.markdown(start=n_load + n_measure + 1),
    ])


README_START = "<!-- bad-inputs: generated by `python -m tests.bad_inputs --readme` -->"
README_END = "<!-- /bad-inputs -->"


def readme_block() -> str:
    """The README's catalogue: every stage's table, each in a folded block."""
    out = [README_START, ""]
    sections = re.split(r"^## ", document(), flags=re.M)[1:]
    for section in sections:
        title, _, rest = section.partition("\n")
        if title == "Policies":
            continue  # prose, kept in docs/bad_inputs.md only
        rows = [line for line in rest.splitlines() if line.startswith("|")]
        out += [
            f"<details><summary>{title}: {len(rows) - 2} cases</summary>",
            "",
            *rows,
            "",
            "</details>",
            "",
        ]
    out.append(README_END)
    return "\n".join(out)


if __name__ == "__main__":  # pragma: no cover
    sys.stdout.write(readme_block() + "\n" if "--readme" in sys.argv[1:] else document())
