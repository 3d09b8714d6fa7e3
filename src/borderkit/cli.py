"""The ``borderkit`` command line. It orchestrates library calls; it never computes.

Every command is a thin layer over the public API: it parses arguments, calls
:mod:`borderkit.data`, :mod:`borderkit.io`, :mod:`borderkit.measure`,
:mod:`borderkit.buffers`, the renderers and :mod:`borderkit.export`, and decides
what the user sees. The reference is ``docs/cli.md``.

Exit codes: 0 success, 1 a data error (any :class:`~borderkit.errors.BorderkitError`
or an unreadable/unwritable file), 2 a usage error (unknown option, missing
argument, bad choice). Errors are one line plus a hint on stderr; ``--debug``
shows the traceback and debug logging instead.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from .errors import (
    BorderkitError,
    CoordinateError,
    CRSError,
    DataError,
    DatasetNotFoundError,
    EncodingError,
    ExportError,
    FileFormatError,
    MissingDependencyError,
    RenderError,
    SpecError,
)

__all__ = ["main", "cli"]

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_DATA = 1
EXIT_USAGE = 2

UNITS = ("km", "mi", "nmi")
FORMATS = ("table", "csv", "json")
COORD_HELP = (
    'a shipped place name (see: borderkit places), "lat,lon" decimal degrees, '
    "DMS such as 38°08'58\"N 74°48'05\"E, or MGRS such as 43SDC8259822410"
)

# most specific first: the hint printed under an error of each class
_HINTS: tuple[tuple[type[BaseException], str], ...] = (
    (DatasetNotFoundError, "list the names with: borderkit places  /  borderkit layers"),
    (CoordinateError, 'write coordinates as "lat,lon" (38.5598,68.7870), DMS '
                      "(38°33'35\"N 68°47'13\"E) or MGRS (43SDC8259822410)"),
    (SpecError, "the spec file format is described in docs/cli.md; "
                "a full example is examples/brief.toml"),
    (CRSError, "give the file a CRS (e.g. a .prj, or EPSG:4326 GeoJSON) or pass it explicitly"),
    (EncodingError, "save the file as UTF-8, or check its declared encoding"),
    (FileFormatError, "check that the file opens in QGIS or ogrinfo and that its extension "
                      "matches its content"),
    (MissingDependencyError, "install the missing piece named above, then run the command "
                             "again"),
    (DataError, "fix the value named above; docs/cli.md lists the accepted forms"),
    (RenderError, "run again with --debug for the details"),
    (ExportError, "check that the output folder exists and is writable"),
    (OSError, "check the path and the permissions"),
    (BorderkitError, "run again with --debug for the details"),
)


def _doc(func: Callable[..., Any]) -> Callable[..., Any]:
    """Fill {coords} in a command's help text (apply below @cli.command)."""
    func.__doc__ = (func.__doc__ or "").replace("{coords}", COORD_HELP)
    return func


def _hint(err: BaseException) -> str:
    for cls, text in _HINTS:
        if isinstance(err, cls):
            if cls is DatasetNotFoundError:
                return text + _border_ids()
            return text
    return "this looks like a bug in borderkit; run again with --debug and report the traceback"


def _border_ids() -> str:
    """``; border ids: CHN-TJK, ...`` from the shipped borders layer (empty if it fails)."""
    try:
        from . import data

        ids = sorted(data.load("borders")["id"])
    except Exception:  # noqa: BLE001 - a hint must never raise
        return ""
    return f"; border ids: {', '.join(ids)}"


def _err(text: str) -> None:
    click.echo(text, err=True)


def _show_warning(message: Any, category: type[Warning], *args: Any, **kwargs: Any) -> None:
    _err(f"warning: {message}")


class _Group(click.Group):
    """A click group that turns library errors into one line, a hint and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        debug = bool(ctx.params.get("debug"))
        with warnings.catch_warnings():
            if not debug:
                warnings.showwarning = _show_warning
            try:
                return super().invoke(ctx)
            except (click.exceptions.ClickException, click.exceptions.Exit,
                    click.exceptions.Abort):
                raise
            except BrokenPipeError:
                # the reader went away (`borderkit ... | head`): stop quietly
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
                ctx.exit(EXIT_DATA)
            except (BorderkitError, OSError) as err:
                if debug:
                    raise
                text = str(err) if not isinstance(err, OSError) or not err.filename else (
                    f"{err.strerror or err}: {err.filename}"
                )
                first, *rest = text.splitlines() or [""]
                _err(f"error: {first}")
                for line in rest:  # a report under the error (e.g. what an export wrote)
                    _err(f"  {line}")
                _err(f"hint: {_hint(err)}")
                ctx.exit(EXIT_DATA)
            except Exception as err:  # noqa: BLE001 - the user sees one line, not a traceback
                if debug:
                    raise
                _err(f"error: unexpected {type(err).__name__}: {err}")
                _err(f"hint: {_hint(err)}")
                ctx.exit(EXIT_DATA)


@click.group(name="borderkit", cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logging.")
@click.version_option(package_name="borderkit", prog_name="borderkit")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Geodesic measurements and offline brief maps of borders.

    Distances are exact geodesics on the WGS84 ellipsoid. Coordinates are
    given as place names, "lat,lon", DMS or MGRS. Errors exit with 1 (data) or
    2 (usage); --debug shows tracebacks.
    """
    ctx.ensure_object(dict)
    if debug:
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr,
                            format="%(levelname)s %(name)s: %(message)s")


def main(argv: Sequence[str] | None = None) -> None:
    """Run the ``borderkit`` command line (the console script's entry point).

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name; default ``sys.argv[1:]``.
    """
    cli.main(args=list(argv) if argv is not None else None, prog_name="borderkit")


# --------------------------------------------------------------------------- helpers


@dataclass
class _Point:
    """A point given on the command line: its label, position and precision."""

    label: str
    lon: float
    lat: float
    precision_m: float
    frame: Any  # one-row GeoDataFrame in EPSG:4326


def _point(text: str) -> _Point:
    """A place name, "lat,lon", DMS or MGRS -> _Point (place names keep their precision)."""
    import geopandas as gpd
    import shapely

    from . import data as _data
    from . import io as _io

    text = text.strip()
    if not text:
        raise click.BadParameter("empty place or coordinate")
    coord_err: CoordinateError | None = None
    if any(ch.isdigit() for ch in text):
        try:
            lon, lat = _io.parse_coordinate(text)
        except CoordinateError as err:
            coord_err = err
        else:
            frame = gpd.GeoDataFrame(
                {"name": [text], "precision_m": [0.0]},
                geometry=[shapely.Point(lon, lat)], crs="EPSG:4326",
            )
            return _Point(text, float(lon), float(lat), 0.0, frame)
    try:
        found = _data.place(text)
    except DatasetNotFoundError:
        if coord_err is not None:
            raise coord_err from None
        raise
    frame = _one_row_frame(found)
    row = frame.iloc[0]
    prec = float(row["precision_m"]) if "precision_m" in frame.columns else 0.0
    if not math.isfinite(prec):
        prec = 0.0
    geom = row.geometry
    return _Point(str(row.get("name", text)), float(geom.x), float(geom.y), prec, frame)


def _one_row_frame(found: Any) -> Any:
    import geopandas as gpd

    if isinstance(found, gpd.GeoDataFrame):
        frame = found
    else:  # a row (Series) with a geometry
        frame = gpd.GeoDataFrame([found], geometry="geometry", crs="EPSG:4326")
    if frame.crs is not None and not frame.crs.equals("EPSG:4326"):
        frame = frame.to_crs("EPSG:4326")
    return frame.iloc[:1]


def _border(border_id: str) -> Any:
    from . import data as _data

    return _data.border(border_id)


_KM = click.FloatRange(min=0, min_open=True, max=20_037.5)  # up to half the equator


def _km(value: float) -> float:
    return value * 1000.0


def _fmt(metres: float, units: str | None) -> str:
    from . import measure as _measure

    return _measure.format_distance(metres, units=(units,) if units else UNITS)


def _emit_frame(frame: Any, fmt: str, output: Path | None) -> None:
    """Write a table (table/csv/json/geojson) to a file or stdout."""
    if fmt == "geojson":
        _emit_geojson(frame, output)
        return
    table = frame.drop(columns=frame.geometry.name) if hasattr(frame, "geometry") else frame
    if fmt == "table":
        text = table.to_string(index=False) if len(table) else "(no rows)"
        text += "\n"
    elif fmt == "csv":
        text = table.to_csv(index=False, lineterminator="\n")
    else:
        text = table.to_json(orient="records", force_ascii=False, indent=2) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        from ._atomic import write_text

        write_text(output, text)
        _err(f"wrote {output}")


def _emit_geojson(frame: Any, output: Path | None) -> None:
    """GeoJSON to stdout (composes with jq), or any vector format to a file."""
    if output is not None:
        from . import io as _io

        _io.write_layer(frame, output)
        _err(f"wrote {output} ({len(frame)} feature(s))")
        return
    if frame.crs is not None and not frame.crs.equals("EPSG:4326"):
        frame = frame.to_crs("EPSG:4326")
    click.echo(frame.to_json(ensure_ascii=False, drop_id=True))


_OUTPUT = click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Write to this file instead of stdout (GeoJSON, GPKG, ... by extension).",
)


# --------------------------------------------------------------------------- data commands


@cli.command()
@click.option("--format", "fmt", type=click.Choice(("table", "csv", "json")), default="table",
              show_default=True)
def layers(fmt: str) -> None:
    """List the shipped layers with their sources and licenses."""
    from . import data as _data

    frame = _data.datasets()
    if fmt == "table":
        cols = [c for c in ("name", "feature_count", "geometry_type", "license", "sources",
                            "title") if c in frame.columns]
        frame = frame[cols]
    _emit_frame(frame, fmt, None)


@cli.command()
@click.option("--kind", default=None, help="Only places of this kind (e.g. checkpoint, city).")
@click.option("--format", "fmt", type=click.Choice(("table", "csv", "geojson")),
              default="table", show_default=True)
@_OUTPUT
def places(kind: str | None, fmt: str, output: Path | None) -> None:
    """List the shipped places (name, kind, position, precision, source)."""
    from . import data as _data

    frame = _data.places(kind=kind)
    if fmt == "geojson":
        _emit_geojson(frame, output)
        return
    table = frame.copy()
    table["lat"] = table.geometry.y.round(5)
    table["lon"] = table.geometry.x.round(5)
    cols = [c for c in ("id", "name", "kind", "lat", "lon", "precision_m", "confidence",
                        "source_title", "source_url", "source_date") if c in table.columns]
    if fmt == "table":
        cols = [c for c in cols if not c.startswith("source")]
    _emit_frame(table[cols], fmt, output)


# --------------------------------------------------------------------------- measuring


@cli.command()
@click.argument("a")
@click.argument("b")
@click.option("--units", type=click.Choice(UNITS), default=None,
              help="Show only this unit (default: km, mi and nmi).")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text",
              show_default=True)
@_doc
def distance(a: str, b: str, units: str | None, fmt: str) -> None:
    """Geodesic distance between A and B.

    A and B are each {coords}.
    """
    from . import measure as _measure

    pa, pb = _point(a), _point(b)
    metres: float = _measure.distance((pa.lon, pa.lat), (pb.lon, pb.lat))  # type: ignore[assignment]
    spread = pa.precision_m + pb.precision_m
    if fmt == "json":
        import json

        click.echo(json.dumps({
            "from": pa.label, "to": pb.label, "distance_m": metres,
            "distance_min_m": max(metres - spread, 0.0), "distance_max_m": metres + spread,
            "method": "geodesic, WGS84",
        }, ensure_ascii=False))
        return
    text = f"{pa.label} → {pb.label}: {_fmt(metres, units)}"
    if spread > 0:
        text += f" (± {_fmt(spread, units or 'km')} from the places' precision)"
    click.echo(text + "  [geodesic, WGS84]")


@cli.command("distance-to")
@click.argument("place")
@click.option("--border", "borders", multiple=True, required=True,
              help="Border id such as CHN-TJK (repeatable); see: borderkit layers.")
@click.option("--units", type=click.Choice(UNITS), default=None,
              help="Show only this unit (default: km, mi and nmi).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table",
              show_default=True)
@_doc
def distance_to(place: str, borders: tuple[str, ...], units: str | None, fmt: str) -> None:
    """Shortest geodesic distance from PLACE to a border line.

    PLACE is {coords}. With a place known only approximately,
    the table also gives the minimum and maximum distance.
    """
    import pandas as pd

    from . import measure as _measure

    pt = _point(place)
    rows = []
    for bid in borders:
        line = _border(bid)
        dist = _measure.distance_to(pt.frame, line)
        near = _measure.nearest_point(pt.frame, line)
        row: dict[str, Any] = {"from": pt.label, "border": bid}
        row.update(_distance_columns(dist))
        row["nearest_lat"] = round(float(near.geometry.iloc[0].y), 5)
        row["nearest_lon"] = round(float(near.geometry.iloc[0].x), 5)
        if fmt == "table":
            row.update({k: round(v) for k, v in row.items() if k.startswith("distance_")})
            row["distance"] = _fmt(row["distance_m"], units)
        rows.append(row)
    _emit_frame(pd.DataFrame(rows), fmt, None)


def _distance_columns(result: Any) -> dict[str, float]:
    """distance_m (and min/max when present) of the first row of a distance result."""
    if isinstance(result, int | float):
        return {"distance_m": float(result)}
    if hasattr(result, "columns"):
        out = {c: float(result[c].iloc[0]) for c in
               ("distance_m", "distance_min_m", "distance_max_m") if c in result.columns}
    else:
        out = {"distance_m": float(result.iloc[0])}
    return out


@cli.command()
@click.argument("file", required=False, type=click.Path(exists=True, path_type=Path))
@click.option("--border", "border_id", required=True, help="Border id such as AFG-TJK.")
@click.option("--km", type=_KM, required=True, help="Distance from the border in km.")
@click.option("--format", "fmt", type=click.Choice(("geojson", "table", "csv")),
              default="geojson", show_default=True)
@_OUTPUT
def within(file: Path | None, border_id: str, km: float, fmt: str,
           output: Path | None) -> None:
    """Points of FILE within --km of a border (default FILE: the shipped places).

    GeoJSON goes to stdout unless -o is given, so the output pipes into jq.
    A GeoParquet FILE (or folder of them) is measured in partitions with
    dask-geopandas (pip install "borderkit[dask]"), memory bounded, and
    written to the GeoParquet file or folder given with -o.
    """
    from . import data as _data
    from . import io as _io
    from . import measure as _measure

    line = _border(border_id)
    if file is not None and (file.is_dir() or file.suffix.lower() in (".parquet", ".geoparquet")):
        _within_partitioned(file, line, border_id, km, output)
        return
    points = _io.read_layer(file) if file is not None else _data.places()
    result = _measure.within(points, line, _km(km))
    found = result[result["within"].to_numpy(dtype=bool)].drop(columns="within")
    _err(f"{len(found)} of {len(points)} point(s) within {km:g} km of {border_id}")
    if fmt != "geojson":
        found = found.copy()
        found["lat"] = found.geometry.y.round(5)
        found["lon"] = found.geometry.x.round(5)
    if fmt == "table":
        keep = ["id", "name", "kind", "lat", "lon", "distance_m", "distance_min_m",
                "distance_max_m", "within_certain"]
        found = found[[c for c in keep if c in found.columns]].round(
            {"distance_m": 0, "distance_min_m": 0, "distance_max_m": 0})
    _emit_frame(found, fmt, output)


def _within_partitioned(src: Path, line: Any, border_id: str, km: float,
                        output: Path | None) -> None:
    """GeoParquet in, GeoParquet out, partition by partition, with a progress bar."""
    from . import _dask

    if output is None or output.suffix.lower() not in (".parquet", ".geoparquet", ""):
        raise click.UsageError(
            "a GeoParquet input is measured in partitions: give -o OUT.parquet "
            "(or -o OUT/ for a folder of parts)"
        )
    with click.progressbar(length=1, label="partitions", file=sys.stderr) as bar:
        def progress(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        report = _dask.within_file(src, output, line, _km(km), progress=progress)
    _err(f"{report.rows_written} of {report.rows_read} point(s) within {km:g} km of "
         f"{border_id}; wrote {report.path} ({report.partitions} partition(s))")


@cli.command("buffer")
@click.argument("place")
@click.option("--km", "km", type=_KM, multiple=True, required=True,
              help="Ring radius in km (repeatable: --km 50 --km 100).")
@_OUTPUT
@_doc
def buffer_cmd(place: str, km: tuple[float, ...], output: Path | None) -> None:
    """Geodesic range rings of --km around PLACE, as GeoJSON (stdout or -o FILE).

    PLACE is {coords}.
    """
    from .buffers import rings

    pt = _point(place)
    frame = rings((pt.lon, pt.lat), [_km(k) for k in km])
    frame = frame.copy()
    frame.insert(0, "center", pt.label)
    _emit_geojson(frame, output)


# --------------------------------------------------------------------------- maps


@cli.command("map")
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
def map_cmd(spec_file: Path | None, preset: str | None, output: Path | None,
            png: Path | None, static_paths: tuple[Path, ...], dpi: int) -> None:
    """Render a brief map from SPEC_FILE (TOML) or --preset.

    The spec file format is in docs/cli.md; examples/brief.toml is a full example.
    """
    if (spec_file is None) == (preset is None):
        raise click.UsageError("give either a SPEC_FILE or --preset NAME (not both)")
    spec = _load_spec(spec_file, preset)
    from . import maps as _maps

    bmap = _maps.brief_map(spec)
    if output is None:
        click.echo(bmap.to_html(), nl=False)
    else:
        bmap.save(output)
        _err(f"wrote {output}")
    for path in static_paths:
        from . import static as _static

        _static.render_static(spec, path, dpi=dpi)
        _err(f"wrote {path}")
    if png is not None:
        from . import export as _export

        _export.to_png(bmap, png, scale=2)
        _err(f"wrote {png}")


def _load_spec(spec_file: Path | None, preset: str | None) -> Any:
    if preset is not None:
        from . import presets

        return presets.preset(preset)
    from ._specfile import read_spec

    assert spec_file is not None
    return read_spec(spec_file)


# --------------------------------------------------------------------------- demo


@dataclass
class _Step:
    label: str
    run: Callable[[], Any]
    output: str | None = None
    needs_browser: bool = False


@cli.command()
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
    from . import export as _export
    from . import maps as _maps
    from . import presets
    from . import static as _static

    out_dir.mkdir(parents=True, exist_ok=True)
    state: dict[str, Any] = {}

    def load() -> None:
        state["spec"] = presets.preset("tajikistan-2020-05").resolve()

    def html() -> None:
        state["map"] = _maps.brief_map(state["spec"])
        state["map"].save(out_dir / "brief.html")

    def static(name: str) -> Callable[[], None]:
        return lambda: _static.render_static(state["spec"], out_dir / name, dpi=300)

    def screenshot() -> None:
        _export.to_png(state["map"], out_dir / "brief.png", scale=2)

    def table() -> None:
        frame = _key_distances()
        from ._atomic import write_text

        write_text(out_dir / "distances.csv", frame.to_csv(index=False, lineterminator="\n"))
        state["distances"] = frame

    steps = [
        _Step("load the brief (preset tajikistan-2020-05)", load),
        _Step("measure key distances", table, "distances.csv"),
        _Step("interactive map", html, "brief.html"),
        _Step("print map, 300 dpi", static("brief-print.png"), "brief-print.png"),
        _Step("print map, vector", static("brief.svg"), "brief.svg"),
        _Step("print map, vector", static("brief.pdf"), "brief.pdf"),
        _Step("screenshot of brief.html, 2x", screenshot, "brief.png", needs_browser=True),
    ]
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
    if "distances" in state and not quiet:
        _err("")
        _err(_distance_summary(state["distances"]))
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

    from . import data as _data
    from . import measure as _measure
    from .presets import FACILITY_ID

    facility = _one_row_frame(_data.place(FACILITY_ID))
    kulma = _one_row_frame(_data.place("kulma-pass"))
    dushanbe = _one_row_frame(_data.place("dushanbe"))
    rows: list[dict[str, Any]] = []

    def add(quantity: str, a: Any, b: str, result: Any, method: str) -> None:
        cols = _distance_columns(result)
        value = cols["distance_m"]
        lo, hi = cols.get("distance_min_m", value), cols.get("distance_max_m", value)
        display = _measure.format_distance(value)
        if hi - lo > 0:
            display += (f" (range {_measure.format_distance(lo, units=('km',))} to "
                        f"{_measure.format_distance(hi, units=('km',))})")
        rows.append({"quantity": quantity, "from": str(a["name"].iloc[0]), "to": b,
                     "value": value, "unit": "m", "min": lo, "max": hi, "display": display,
                     "method": method})

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


def _distance_summary(frame: Any) -> str:
    lines = ["key distances (geodesic, WGS84):"]
    for _, row in frame.iterrows():
        lines.append(f"  {row['quantity']}: {row['display']}")
    return "\n".join(lines)
