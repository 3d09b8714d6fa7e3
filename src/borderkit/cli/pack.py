"""``borderkit pack list`` and ``borderkit pack build``: region packs, one file each."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ._common import _emit_frame, _err, _json_for_terminal


@click.group(name="pack")
def pack() -> None:
    """Region packs: detailed layers for a box of the world, carried as one file.

    A pack built here (it needs the npm registry) is a single .bkpack file; on an
    offline machine register it with BORDERKIT_PACKS=FILE_OR_FOLDER or
    borderkit.use_pack(FILE), and its layers become the first choice inside its box.
    """


@pack.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def list_cmd(as_json: bool) -> None:
    """List the registered packs in the order they are tried: name, bbox, layers, path.

    Packs come from BORDERKIT_PACKS (files or folders of .bkpack files) and the
    shipped Tajikistan pack, which is always last.
    """
    import pandas as pd

    from .. import packs as _packs

    rows = [p.describe() for p in _packs.active_packs()]
    if as_json:
        click.echo(_json_for_terminal(json.dumps(rows, ensure_ascii=False, indent=2)))
        return
    table = pd.DataFrame([{
        "name": r["name"],
        "bbox": " ".join(f"{v:g}" for v in r["bbox"]),
        "layers": ", ".join(r["layers"]),
        "path": r["path"],
    } for r in rows])
    _emit_frame(table, "table", None)


@pack.command(name="build", context_settings={"ignore_unknown_options": False})
@click.argument("name")
@click.argument("more_countries", nargs=-1, metavar="")
@click.option("--bbox", nargs=4, type=float, default=None, metavar="W S E N",
              help="The box where the pack applies: west south east north, in degrees.")
@click.option("--countries", multiple=True, metavar="ISO3 ...",
              help="Instead of --bbox: the box of these countries (e.g. --countries IND CHN PAK).")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The pack file to write (default NAME.bkpack in this folder).")
@click.option("--resolution", type=click.Choice(("10m", "100m")), default=None,
              help="geo-maps package: 10m detail, or 100m for large areas "
                   "(default: by the box's size).")
@click.option("--margin", "margin", type=click.FloatRange(0, 10), default=0.5, show_default=True,
              help="Clip the layers to the box grown by this many degrees.")
@click.option("--cache", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the npm tarballs (default ~/.cache/borderkit/npm).")
@click.option("--source", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="A local geo-maps tarball or GeoJSON to use instead of npm.")
def build_cmd(name: str, more_countries: tuple[str, ...], bbox: tuple[float, ...] | None,
              countries: tuple[str, ...], out: Path | None, resolution: str | None,
              margin: float, cache: Path | None, source: Path | None) -> None:
    """Build the region pack NAME from the npm registry into one .bkpack file.

    Give the box with --bbox W S E N, or the countries it must hold with
    --countries IND CHN PAK (after NAME). Needs npm and the registry unless the
    tarball is in the cache or given with --source; the pack it writes needs
    neither.
    """
    from .. import packs as _packs

    if more_countries and not countries:
        raise click.UsageError(f"unexpected argument(s) {' '.join(more_countries)}; "
                               "country codes follow --countries")
    codes = [*countries, *more_countries]
    if bool(bbox) == bool(codes):
        raise click.UsageError("give either --bbox W S E N or --countries ISO3 [ISO3 ...]")
    path = _packs.build_pack(name, bbox=bbox or None, countries=codes or None, out=out,
                             resolution=resolution, margin_deg=margin, cache=cache,
                             source=source, progress=_err)
    built = _packs.open_pack(path)
    counts = ", ".join(f"{n}: {len(built.layer(n))}" for n in built.layers())
    _err(f"pack {built.name}: bbox {' '.join(f'{v:g}' for v in built.bbox)}; {counts}")
    _err(f"use it offline with: BORDERKIT_PACKS={path}  (or borderkit.use_pack({str(path)!r}))")
    click.echo(str(path))
