"""``borderkit distance``, ``distance-to``, ``within`` and ``buffer``: measuring from the shell.

Every number comes from :mod:`borderkit.measure` and :mod:`borderkit.buffers`;
these commands parse the arguments and lay out the results.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ._common import (
    _CSV_FORMULAS,
    _KM,
    _OUTPUT,
    FORMATS,
    UNITS,
    _Area,
    _border,
    _distance_columns,
    _doc,
    _emit_frame,
    _emit_geojson,
    _end,
    _err,
    _fmt,
    _km,
    _places,
    _Point,
    _point,
)


@click.command()
@click.argument("a")
@click.argument("b")
@click.option("--units", type=click.Choice(UNITS), default=None,
              help="Show only this unit (default: km, mi and nmi).")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text",
              show_default=True)
@_doc
def distance(a: str, b: str, units: str | None, fmt: str) -> None:
    """Geodesic distance between A and B.

    A and B are each {coords}; or a border id such as AFG-TJK or a region name
    such as Khatlon, for the distance to the nearest point of that line or area
    (0 inside a region). At least one end is a place or coordinate.
    """
    from .. import measure as _measure

    ea, eb = _end(a), _end(b)
    if isinstance(ea, _Area) and isinstance(eb, _Area):
        raise click.BadParameter(
            f"{a!r} and {b!r} are both a border or region: give a place or coordinate "
            "as one end (e.g. borderkit distance Kulob AFG-TJK)")
    if isinstance(ea, _Area):
        ea, eb = eb, ea  # the point first; the distance is symmetric
    assert isinstance(ea, _Point)
    if isinstance(eb, _Point):
        cols = _distance_columns(_measure.distance((ea.lon, ea.lat), (eb.lon, eb.lat)))
        spread, to, what = ea.precision_m + eb.precision_m, eb.label, ""
        cols["distance_min_m"] = max(cols["distance_m"] - spread, 0.0)
        cols["distance_max_m"] = cols["distance_m"] + spread
    else:
        cols = _distance_columns(_measure.distance_to(ea.frame, eb.frame))
        cols.setdefault("distance_min_m", cols["distance_m"])
        cols.setdefault("distance_max_m", cols["distance_m"])
        spread, to = ea.precision_m, eb.label
        what = f"to the nearest point of {eb.label}"
        if eb.kind == "region":
            what += ", 0 inside it"
    _print_distance(ea.label, to, cols, spread, what, units, fmt)


def _print_distance(frm: str, to: str, cols: dict[str, float], spread: float, what: str,
                    units: str | None, fmt: str) -> None:
    """One line (or a JSON object) for ``borderkit distance``; *what* says what was measured."""
    metres = cols["distance_m"]
    method = "geodesic, WGS84" + (f", {what}" if what else "")
    if fmt == "json":
        import json

        click.echo(json.dumps({"from": frm, "to": to, **cols, "method": method},
                              ensure_ascii=False))
        return
    text = f"{frm} → {to}: {_fmt(metres, units)}"
    if spread > 0:
        text += f" (± {_fmt(spread, units or 'km')} from the places' precision)"
    click.echo(text + f"  [{method}]")


@click.command("distance-to")
@click.argument("place")
@click.option("--border", "borders", multiple=True, required=True,
              help="Border id such as CHN-TJK (repeatable); see: borderkit layers.")
@click.option("--units", type=click.Choice(UNITS), default=None,
              help="Show only this unit (default: km, mi and nmi).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table",
              show_default=True)
@_CSV_FORMULAS
@_doc
def distance_to(place: str, borders: tuple[str, ...], units: str | None, fmt: str) -> None:
    """Shortest geodesic distance from PLACE to a border line.

    PLACE is {coords}; or a FILE of places (GeoJSON, GPKG, SHP, KML, CSV, ...:
    anything borderkit.read_layer reads), for one row per place and border,
    named by the file's name (or id) column. With a place known only
    approximately (precision_m), the table also gives the minimum and maximum
    distance.
    """
    import pandas as pd

    from .. import measure as _measure

    points, labels = _places(place)
    rows: list[tuple[int, dict[str, Any]]] = []
    for bid in borders:
        line = _border(bid)
        dist = _measure.distance_to(points, line)
        near = _measure.nearest_point(points, line)
        for i, label in enumerate(labels):
            row: dict[str, Any] = {"from": label, "border": bid}
            row.update(_distance_columns(dist, i))
            row["nearest_lat"] = round(float(near.geometry.iloc[i].y), 5)
            row["nearest_lon"] = round(float(near.geometry.iloc[i].x), 5)
            if fmt == "table":
                row.update({k: round(v) for k, v in row.items() if k.startswith("distance_")})
                row["distance"] = _fmt(row["distance_m"], units)
            rows.append((i, row))
    ordered = [row for _, row in sorted(rows, key=lambda r: r[0])]  # by place, then border
    _emit_frame(pd.DataFrame(ordered), fmt, None)


@click.command()
@click.argument("file", required=False)
@click.option("--border", "border_id", required=True, help="Border id such as AFG-TJK.")
@click.option("--km", type=_KM, required=True, help="Distance from the border in km.")
@click.option("--format", "fmt", type=click.Choice(("geojson", "table", "csv")),
              default="geojson", show_default=True)
@_CSV_FORMULAS
@_OUTPUT
def within(file: str | None, border_id: str, km: float, fmt: str,
           output: Path | None) -> None:
    """Points of FILE within --km of a border (default FILE: the shipped places).

    FILE is a file of places (anything borderkit.read_layer reads), or one place:
    a shipped place name, "lat,lon", DMS or MGRS.

    GeoJSON goes to stdout unless -o is given, so the output pipes into jq.
    A GeoParquet FILE (or folder of them) is measured in partitions with
    dask-geopandas (pip install "borderkit[dask]"), memory bounded, and
    written to the GeoParquet file or folder given with -o.
    """
    from .. import data as _data
    from .. import measure as _measure

    line = _border(border_id)
    src = Path(file) if file is not None else None
    if src is not None and src.exists() and (
            src.is_dir() or src.suffix.lower() in (".parquet", ".geoparquet")):
        _within_partitioned(src, line, border_id, km, output)
        return
    points = _places(file)[0] if file is not None else _data.places()
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
    from .. import _dask

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


@click.command("buffer")
@click.argument("place")
@click.option("--km", "km", type=_KM, multiple=True, required=True,
              help="Ring radius in km (repeatable: --km 50 --km 100).")
@_OUTPUT
@_doc
def buffer_cmd(place: str, km: tuple[float, ...], output: Path | None) -> None:
    """Geodesic range rings of --km around PLACE, as GeoJSON (stdout or -o FILE).

    PLACE is {coords}.
    """
    from ..buffers import rings

    pt = _point(place)
    frame = rings((pt.lon, pt.lat), [_km(k) for k in km])
    frame = frame.copy()
    frame.insert(0, "center", pt.label)
    _emit_geojson(frame, output)
