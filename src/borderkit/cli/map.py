"""``borderkit map`` and ``borderkit demo``: brief maps from a spec file or a preset.

The drawing is done by :func:`borderkit.brief_map`, :func:`borderkit.render_static`
and :func:`borderkit.to_png`; the demo lays out the key distances that
:mod:`borderkit.measure` computes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from ..errors import BorderkitError
from ._common import EXIT_DATA, _distance_columns, _err, _one_row_frame


@click.command("map")
@click.argument("spec_file", required=False,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--preset", default=None, help="Use a built-in brief, e.g. tajikistan-2020-05.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The interactive HTML map (default: HTML to stdout).")
@click.option("--png", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also a PNG screenshot of the interactive map (needs Chromium).")
@click.option("--static", "static_paths", multiple=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="Also a print map, .png/.svg/.pdf by extension (repeatable).")
@click.option("--dpi", type=click.IntRange(50, 1200), default=300, show_default=True,
              help="Resolution of static PNG output.")
@click.option("--page", default=None, metavar="SIZE", callback=lambda c, p, v: _page(v),
              help="Page size of the print map: A4, A3, Letter (add -landscape), "
                   "column (85 mm wide) or a width such as 120mm.")
@click.option("--author", default=None, help="Author written into the print map's PDF/SVG.")
@click.option("--allow-outside", is_flag=True,
              help="Let the spec file's layer paths point outside its folder.")
def map_cmd(spec_file: Path | None, preset: str | None, output: Path | None,
            png: Path | None, static_paths: tuple[Path, ...], dpi: int,
            page: str | None, author: str | None, allow_outside: bool) -> None:
    """Render a brief map from SPEC_FILE (TOML) or --preset.

    The spec file format is in docs/cli.md; examples/brief.toml is a full example.
    A spec file reads layer files only from its own folder and below, unless
    --allow-outside is given.
    """
    if (spec_file is None) == (preset is None):
        raise click.UsageError("give either a SPEC_FILE or --preset NAME (not both)")
    spec = _load_spec(spec_file, preset, allow_outside=allow_outside).resolve()
    from .. import maps as _maps

    bmap = _maps.brief_map(spec)
    if output is None:
        click.echo(bmap.to_html(), nl=False)
    else:
        bmap.save(output)
        _err(f"wrote {output}")
    _note_tiles(spec, output)
    for path in static_paths:
        from .. import static as _static

        _static.render_static(spec, path, dpi=dpi, page=page,
                              metadata={"Author": author} if author else None)
        _err(f"wrote {path}")
    if png is not None:
        from .. import export as _export

        _export.to_png(bmap, png, scale=2)
        _err(f"wrote {png}")
    drawn = _drawn_distances(spec)
    if len(drawn):
        _err(_distance_summary(drawn, "distances drawn"))


def _page(value: str | None) -> str | None:
    """--page checked before anything is drawn."""
    if value is not None:
        from ..static._page import page_size

        try:
            page_size(value)
        except BorderkitError as err:
            raise click.BadParameter(str(err), param_hint="--page") from err
    return value


def _load_spec(spec_file: Path | None, preset: str | None, *, allow_outside: bool) -> Any:
    if preset is not None:
        from .. import presets

        return presets.preset(preset)
    from .._specfile import read_spec

    assert spec_file is not None
    return read_spec(spec_file, allow_outside=allow_outside)


def _note_tiles(spec: Any, page: Path | None) -> None:
    """One stderr line when the page fetches web tiles (the spec's ``tiles``): it is not offline."""
    spec = getattr(spec, "spec", spec)  # a ResolvedSpec carries its BriefSpec
    tiles = getattr(spec, "tiles", None)
    if not tiles:
        return
    from urllib.parse import urlsplit

    from ..maps._panels import _tiles

    url = str(_tiles(tiles)[0]["url"])
    host = urlsplit(url).netloc or url
    _err(f"note: {page or 'the page'} is not offline: it fetches map tiles from {host} "
         f"when opened (tiles = {str(getattr(tiles, 'name', tiles))!r}); "
         "remove `tiles` for a page that needs no network")


@dataclass
class _Step:
    label: str
    run: Callable[[], Any]
    output: str | None = None
    needs_browser: bool = False


@click.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("out"), show_default=True, help="Folder for the brief files.")
@click.option("--strict", is_flag=True,
              help="Exit with 1 if an output is skipped (e.g. Chromium missing).")
@click.option("--quiet", "-q", is_flag=True, help="No progress lines.")
def demo(out_dir: Path, strict: bool, quiet: bool) -> None:
    """Build the May 2020 Tajikistan brief end to end into --out.

    Writes brief.html (interactive, offline), brief.png (its 2x screenshot, needs
    Chromium), brief-print.png (300 dpi), brief.svg, brief.pdf (print map) and
    distances.csv (the key distances). Without Chromium the PNG screenshot is
    skipped with a warning and the exit code stays 0 (1 with --strict).
    """
    state: dict[str, Any] = {}
    steps = _demo_steps(out_dir, state)
    out_dir.mkdir(parents=True, exist_ok=True)
    written, skipped = _run_steps(steps, out_dir, quiet=quiet)
    if "distances" in state and not quiet:
        _err("")
        _err(_distance_summary(state["distances"]))
    _demo_outcome(out_dir, written, skipped, strict=strict)


def _demo_steps(out_dir: Path, state: dict[str, Any]) -> list[_Step]:
    """The steps of the demo; they share what they make (spec, map, distances) in *state*."""
    from .. import export as _export
    from .. import maps as _maps
    from .. import presets
    from .. import static as _static

    def load() -> None:
        state["spec"] = presets.preset("tajikistan-2020-05").resolve()

    def html() -> None:
        state["map"] = _maps.brief_map(state["spec"])
        state["map"].save(out_dir / "brief.html")
        _note_tiles(state["spec"], out_dir / "brief.html")

    def static(name: str) -> Callable[[], None]:
        return lambda: _static.render_static(state["spec"], out_dir / name, dpi=300)

    def screenshot() -> None:
        _export.to_png(state["map"], out_dir / "brief.png", scale=2)

    def table() -> None:
        frame = _key_distances()
        from .._atomic import write_text

        write_text(out_dir / "distances.csv", frame.to_csv(index=False, lineterminator="\n"))
        state["distances"] = frame

    return [
        _Step("load the brief (preset tajikistan-2020-05)", load),
        _Step("measure key distances", table, "distances.csv"),
        _Step("interactive map", html, "brief.html"),
        _Step("print map, 300 dpi", static("brief-print.png"), "brief-print.png"),
        _Step("print map, vector", static("brief.svg"), "brief.svg"),
        _Step("print map, vector", static("brief.pdf"), "brief.pdf"),
        _Step("screenshot of brief.html, 2x", screenshot, "brief.png", needs_browser=True),
    ]


def _run_steps(steps: list[_Step], out_dir: Path, *,
               quiet: bool) -> tuple[list[str], list[tuple[str, str]]]:
    """Run the steps in order with progress lines; a browser step that fails is skipped.

    Returns the files written and the (file, reason) of each step skipped.
    """
    written: list[str] = []
    skipped: list[tuple[str, str]] = []
    for i, step in enumerate(steps, start=1):
        target = f" -> {out_dir / step.output}" if step.output else ""
        if not quiet:
            _err(f"[{i}/{len(steps)}] {step.label}{target} ...")
        t0 = time.perf_counter()
        try:
            step.run()
        except BorderkitError as err:
            if not step.needs_browser:
                raise
            skipped.append((step.output or step.label, str(err)))
            if not quiet:
                _err("      skipped (see the warning below)")
            continue
        if step.output:
            written.append(step.output)
        if not quiet:
            _err(f"      done in {time.perf_counter() - t0:.1f} s")
    return written, skipped


def _demo_outcome(out_dir: Path, written: list[str], skipped: list[tuple[str, str]], *,
                  strict: bool) -> None:
    """What was written and skipped; with --strict a skipped file exits with 1."""
    _err(f"\nwrote {len(written)} file(s) to {out_dir}/: {', '.join(written)}")
    for name, why in skipped:
        _err(f"warning: skipped {name}: {why}")
        if (out_dir / name).exists():
            _err(f"warning: {out_dir / name} is left from an earlier run, not from this one")
    if skipped:
        if strict:
            _err("error: --strict: a file was skipped; every other file was written")
            raise click.exceptions.Exit(EXIT_DATA)
        _err("hint: every other file was written; --strict makes a skipped file an error")


def _key_distances() -> Any:
    """The key distances of the May 2020 brief, one row per quantity.

    Columns: ``quantity``, ``from``, ``to``, ``value`` (SI), ``unit`` (``m`` or
    ``m2``), ``min`` and ``max`` (the range for an approximately known place),
    ``display`` (km / mi / nmi, or km²) and ``method``. Every number comes from
    :mod:`borderkit.measure`; this function only lays them out.
    """
    import pandas as pd

    from .. import data as _data
    from .. import measure as _measure
    from ..presets import FACILITY_ID

    facility = _one_row_frame(_data.place(FACILITY_ID))
    kulma = _one_row_frame(_data.place("kulma-pass"))
    dushanbe = _one_row_frame(_data.place("dushanbe"))
    rows: list[dict[str, Any]] = []

    def add(quantity: str, a: Any, b: str, result: Any, method: str) -> None:
        cols = _distance_columns(result)
        value = cols["distance_m"]
        lo, hi = cols.get("distance_min_m", value), cols.get("distance_max_m", value)
        rows.append({"quantity": quantity, "from": str(a["name"].iloc[0]), "to": b,
                     "value": value, "unit": "m", "min": lo, "max": hi,
                     "display": _display(value, lo, hi), "method": method})

    for bid in ("CHN-TJK", "AFG-TJK"):
        add(f"facility to the {bid} border", facility, f"{bid} border",
            _measure.distance_to(facility, _data.border(bid)),
            "geodesic to the nearest point of the line, WGS84; min/max from precision_m")
    kd = _measure.distance(kulma, dushanbe)
    add("Kulma-Karasu crossing to Dushanbe", kulma, str(dushanbe["name"].iloc[0]), kd,
        "geodesic, WGS84 (straight line, not road distance)")
    add("Kulma-Karasu crossing to the pre-2011 line", kulma, "pre-2011 China-Tajikistan line",
        _measure.distance_to(kulma, _data.load("historical_border")),
        "geodesic to the nearest point of the line, WGS84")
    area_m2: Any = _measure.area(_data.load("ceded_area"))
    area = float(area_m2.sum())
    rows.append({"quantity": "area ceded by Tajikistan to China (2011)", "from": "",
                 "to": "", "value": area, "unit": "m2", "min": area, "max": area,
                 "display": f"{area / 1e6:,.0f} km²", "method": "geodesic area, WGS84"})
    return pd.DataFrame(rows)


def _display(value: float, lo: float, hi: float) -> str:
    """A distance in km / mi / nmi, with its range when the ends are approximate."""
    from .. import measure as _measure

    text = _measure.format_distance(value)
    if hi - lo > 0:
        text += (f" (range {_measure.format_distance(lo, units=('km',))} to "
                 f"{_measure.format_distance(hi, units=('km',))})")
    return text


def _drawn_distances(resolved: Any) -> Any:
    """The distance lines of a resolved spec as the demo's table (``quantity``, ``display``).

    The numbers are the ones the map draws: each line's ``length_m`` and its range.
    """
    import pandas as pd

    rows = []
    for layer in resolved.layers:
        if layer.kind != "distance_line":
            continue
        for _, row in layer.frame.iterrows():
            value = float(row["length_m"])
            lo = float(row.get("distance_min_m", value))
            hi = float(row.get("distance_max_m", value))
            rows.append({"quantity": str(row.get("name", layer.name)), "value": value,
                         "unit": "m", "min": lo, "max": hi,
                         "display": _display(value, lo, hi)})
    return pd.DataFrame(rows, columns=["quantity", "value", "unit", "min", "max", "display"])


def _distance_summary(frame: Any, title: str = "key distances") -> str:
    lines = [f"{title} (geodesic, WGS84):"]
    for _, row in frame.iterrows():
        lines.append(f"  {row['quantity']}: {row['display']}")
    return "\n".join(lines)
