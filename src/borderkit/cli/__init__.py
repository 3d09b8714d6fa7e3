"""The ``borderkit`` command line. It orchestrates library calls; it never computes.

Every command is a thin layer over the public API: it parses arguments, calls
:mod:`borderkit.data`, :mod:`borderkit.io`, :mod:`borderkit.measure`,
:mod:`borderkit.buffers`, the renderers and :mod:`borderkit.export`, and decides
what the user sees. The reference is ``docs/cli.md``.

Exit codes: 0 success, 1 a data error (any :class:`~borderkit.errors.BorderkitError`
or an unreadable/unwritable file), 2 a usage error (unknown option, missing
argument, bad choice). Errors are one line plus a hint on stderr; ``--debug``
shows the traceback and debug logging instead.

The command groups live in their own modules, as rasterio's CLI does:
:mod:`.data` (layers, places), :mod:`.measure` (distance, distance-to, within,
buffer) and :mod:`.map` (map, demo); :mod:`._common` holds what they share.
This module is the group, its error handling and the entry point.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import warnings
from collections.abc import Sequence
from typing import Any

import click

from ..errors import (
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
from ._common import COORD_HELP as COORD_HELP
from ._common import EXIT_DATA, _err
from ._common import EXIT_OK as EXIT_OK
from ._common import EXIT_USAGE as EXIT_USAGE
from ._common import FORMATS as FORMATS
from ._common import UNITS as UNITS
from .data import layers, places
from .map import _distance_summary as _distance_summary  # used by tests/test_readme.py
from .map import _key_distances as _key_distances  # used by tests/test_readme.py
from .map import demo, map_cmd
from .measure import buffer_cmd, distance, distance_to, within
from .pack import pack

__all__ = ["main", "cli"]

log = logging.getLogger(__name__)

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
        from .. import data

        ids = sorted(data.load("borders")["id"])
    except Exception:  # noqa: BLE001 - a hint must never raise
        return ""
    return f"; border ids: {', '.join(ids)}"


_DEG = r"(\d+(?:\.\d*)?|\.\d+)"
_LATLON = re.compile(rf"^\s*(-?){_DEG}\s*,\s*(-?){_DEG}\s*$")


def _explain_negative_number(err: click.exceptions.NoSuchOption,
                             argv: list[str]) -> click.exceptions.NoSuchOption:
    """*err*, or for "No such option '-7'" one that says a negative coordinate needs ``--``."""
    name = err.option_name
    if not re.match(r"^-[\d.]", name):
        return err
    token = next((a for a in argv if a.startswith(name)), name)
    command = f"borderkit {argv[0]} " if argv else "borderkit COMMAND "
    m = _LATLON.match(token)
    if m:
        plain = (f"{m.group(2)}{'S' if m.group(1) else 'N'},"
                 f"{m.group(4)}{'W' if m.group(3) else 'E'}")
    else:
        plain = "38.5S,70.1W"
    return click.exceptions.NoSuchOption(name, ctx=err.ctx, message=(
        f"No such option {name!r}. A negative coordinate such as {token!r} looks like an "
        f"option: put -- before it, after every option ({command}[OPTIONS] -- {token} ...), "
        f"or write the hemisphere letter instead of the minus sign ({plain!r})"
    ))


def _show_warning(message: Any, category: type[Warning], *args: Any, **kwargs: Any) -> None:
    _err(f"warning: {message}")


class _Group(click.Group):
    """A click group that turns library errors into one line, a hint and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        debug = bool(ctx.params.get("debug"))
        argv = [*getattr(ctx, "_protected_args", []), *ctx.args]  # before click consumes them
        with warnings.catch_warnings():
            if not debug:
                warnings.showwarning = _show_warning
            try:
                return super().invoke(ctx)
            except click.exceptions.NoSuchOption as err:
                raise _explain_negative_number(err, argv) from None
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


# in the order the one-module CLI declared them (``borderkit --help`` sorts them anyway)
cli.add_command(layers)
cli.add_command(places)
cli.add_command(distance)
cli.add_command(distance_to)
cli.add_command(within)
cli.add_command(buffer_cmd)
cli.add_command(map_cmd)
cli.add_command(demo)
cli.add_command(pack)
