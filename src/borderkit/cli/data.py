"""``borderkit layers`` and ``borderkit places``: what the package ships."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import _CSV_FORMULAS, _OUTPUT, _emit_frame, _emit_geojson


@click.command()
@click.option("--format", "fmt", type=click.Choice(("table", "csv", "json")), default="table",
              show_default=True)
@_CSV_FORMULAS
def layers(fmt: str) -> None:
    """List the shipped layers with their sources and licenses."""
    from .. import data as _data

    frame = _data.datasets()
    if fmt == "table":
        cols = [c for c in ("name", "feature_count", "geometry_type", "license", "sources",
                            "title") if c in frame.columns]
        frame = frame[cols]
    _emit_frame(frame, fmt, None)


@click.command()
@click.option("--kind", default=None, help="Only places of this kind (e.g. checkpoint, city).")
@click.option("--format", "fmt", type=click.Choice(("table", "csv", "geojson")),
              default="table", show_default=True)
@_CSV_FORMULAS
@_OUTPUT
def places(kind: str | None, fmt: str, output: Path | None) -> None:
    """List the shipped places (name, kind, position, precision, source)."""
    from .. import data as _data

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
