"""One brief in several formats from one spec: :func:`export_brief`.

The spec is resolved once; each step below writes its outputs into the same
:class:`ExportReport`: the HTML page, the Chromium outputs (one browser for
all), the print maps (one drawing for all) and the derived layers.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..errors import ExportError, MissingDependencyError, RenderError
from ..spec import ResolvedSpec
from ._browser import _api
from ._layers import LAYER_FORMATS, write_layers
from ._page import _brief_map
from ._report import ExportReport, _check_on_error, _output_folder

#: Brief formats of :func:`export_brief`: file name pattern and renderer.
BRIEF_FORMATS: dict[str, tuple[str, str]] = {
    "html": ("{}.html", "page"),
    "png": ("{}.png", "browser"),
    "browser.pdf": ("{}-browser.pdf", "browser"),
    "print.png": ("{}-print.png", "static"),
    "svg": ("{}.svg", "static"),
    "pdf": ("{}.pdf", "static"),
}


def export_brief(
    spec: Any,
    out_dir: str | os.PathLike[str],
    /,
    *,
    formats: Sequence[str] = ("html", "png", "print.png", "svg", "pdf"),
    basename: str = "brief",
    scale: float = 2,
    dpi: float = 300,
    crs: Any = None,
    timeout: float = 60.0,
    on_error: str = "raise",
    executable: str | os.PathLike[str] | None = None,
) -> ExportReport:
    """Write one brief in several formats, all from the same spec.

    The spec is resolved once; the HTML page, its Chromium screenshot and the
    print maps all show the same layers, title and notes.

    ============== ============================== ===================================
    format         file                           made by
    ============== ============================== ===================================
    ``html``       ``<basename>.html``            :func:`borderkit.brief_map`
    ``png``        ``<basename>.png``             :func:`to_png` (Chromium, *scale*)
    ``browser.pdf`` ``<basename>-browser.pdf``    :func:`to_pdf` (Chromium)
    ``print.png``  ``<basename>-print.png``       :func:`borderkit.render_static`, *dpi*
    ``svg``        ``<basename>.svg``             :func:`borderkit.render_static`
    ``pdf``        ``<basename>.pdf``             :func:`borderkit.render_static`
    ``geojson``,   ``<basename>-<layer>.geojson``, :func:`write_layers` (derived layers)
    ``gpkg``,      ``<basename>-layers.gpkg``,
    ``kml``, ...   ``<basename>-layers.kml``
    ============== ============================== ===================================

    Parameters
    ----------
    spec : BriefSpec, ResolvedSpec, BriefMap or str
        The brief, or a preset name.
    out_dir : str or path-like
        Folder for the files (created if missing).
    formats : sequence of str
        Outputs to write (see the table).
    basename : str
        Start of every file name.
    scale : float
        Device scale factor of the Chromium PNG.
    dpi : float
        Resolution of the print PNG.
    crs : CRS-like, optional
        Projection of the print maps (default: chosen for the area).
    timeout : float
        Seconds allowed for Chromium to draw the page.
    on_error : {"raise", "report"}
        When an output fails (the others are still written): raise an
        :class:`~borderkit.errors.ExportError` whose message and ``.report``
        list what was and was not written, or just return the report.
    executable : str or path-like, optional
        Chromium to use.

    Returns
    -------
    ExportReport
        The files written (format -> path), failures, notes and timings.

    Raises
    ------
    ExportError
        If a format is unknown, or (with ``on_error="raise"``) an output failed.
    SpecError
        If the spec is invalid.

    Examples
    --------
    >>> import geopandas as gpd, shapely, borderkit as bk
    >>> pts = gpd.GeoDataFrame({"name": ["Dushanbe"]}, geometry=[shapely.Point(68.78, 38.56)],
    ...                        crs=4326)
    >>> spec = bk.BriefSpec(title="One city", layers=[bk.Layer(pts, kind="capital")],
    ...                     inset=False, uncertainty=False)
    >>> import tempfile
    >>> out = tempfile.TemporaryDirectory()
    >>> report = bk.export_brief(spec, out.name, formats=("svg",), dpi=72)
    >>> sorted(report.written), report.ok, report.written["svg"].name
    (['svg'], True, 'brief.svg')
    >>> out.cleanup()
    """
    _check_on_error(on_error)
    wanted = _wanted_formats(formats)
    if not basename or os.sep in basename or basename.startswith("."):
        raise ExportError(f"basename must be a plain file name start, not {basename!r}")
    folder = _output_folder(out_dir)
    from .. import static

    resolved = static._resolved(spec)
    report = ExportReport(notes=list(resolved.report))
    paths = {f: folder / BRIEF_FORMATS[f][0].format(basename) for f in wanted
             if f in BRIEF_FORMATS}
    page = _page_once(spec, resolved)
    if "html" in paths:
        report._run("html", lambda: page().save(paths["html"]))
    _browser_outputs(report, paths, page, scale=scale, timeout=timeout, executable=executable)
    _static_outputs(report, paths, resolved, dpi=dpi, crs=crs)
    layer_formats = [f for f in wanted if f in LAYER_FORMATS]
    if layer_formats:
        report.merge(write_layers(resolved, folder, formats=layer_formats, basename=basename,
                                  on_error="report"))
    return report._finish(on_error, f"export of {resolved.title!r} to {str(folder)!r}")


def _wanted_formats(formats: Sequence[str]) -> list[str]:
    """*formats* without repeats, each checked against the brief and layer formats."""
    wanted = list(dict.fromkeys(formats))
    unknown = [f for f in wanted if f not in BRIEF_FORMATS and f not in LAYER_FORMATS]
    if unknown or not wanted:
        raise ExportError(f"unknown export format(s) {unknown or wanted!r}; use: "
                          f"{', '.join([*BRIEF_FORMATS, *LAYER_FORMATS])}")
    return wanted


def _page_once(spec: Any, resolved: ResolvedSpec) -> Callable[[], Any]:
    """The brief's interactive map, drawn on first use and then shared (HTML, PNG, PDF).

    A :class:`~borderkit.BriefMap` given as *spec* is used as it is.
    """
    bmap: list[Any] = []

    def page() -> Any:
        if not bmap:
            bmap.append(spec if hasattr(spec, "to_html") and hasattr(spec, "resolved")
                        else _brief_map(resolved))
        return bmap[0]

    return page


def _browser_outputs(report: ExportReport, paths: dict[str, Path], page: Callable[[], Any], *,
                     scale: float, timeout: float, executable: Any) -> None:
    """The Chromium outputs (``png``, ``browser.pdf``) from one browser.

    Without Chromium or Playwright, or when Chromium does not start, each of
    them is reported as failed with that reason.
    """
    browser_formats = [f for f in paths if BRIEF_FORMATS[f][1] == "browser"]
    if not browser_formats:
        return
    api = _api()

    def shots(b: Any) -> None:
        if "png" in paths:
            report._run("png", lambda: api.to_png(page(), paths["png"], scale=scale,
                                                  timeout=timeout, browser=b))
        if "browser.pdf" in paths:
            report._run("browser.pdf", lambda: api.to_pdf(page(), paths["browser.pdf"],
                                                          timeout=timeout, browser=b))

    def run() -> None:
        with api.browser(executable=executable) as b:
            shots(b)

    try:
        api._off_loop(run)
    except (MissingDependencyError, RenderError) as err:
        for f in browser_formats:
            if f not in report.written and f not in report.failed:
                report.failed[f] = f"{type(err).__name__}: {err}"
                report.errors[f] = err


def _static_outputs(report: ExportReport, paths: dict[str, Path], resolved: ResolvedSpec, *,
                    dpi: float, crs: Any) -> None:
    """The print maps (``print.png``, ``svg``, ``pdf``), all saved from one drawing."""
    static_formats = [f for f in paths if BRIEF_FORMATS[f][1] == "static"]
    if not static_formats:
        return
    from .. import static

    fig: list[Any] = []

    def draw(f: str) -> Path:
        if not fig:
            fig.append(static.render_static(resolved, dpi=dpi, crs=crs))
        return static.save_figure(fig[0], paths[f], format=f.rsplit(".", 1)[-1], dpi=dpi)

    for f in static_formats:
        report._run(f, functools.partial(draw, f))
    if fig:
        report.notes.extend(n for n in fig[0].borderkit.report if n not in report.notes)
