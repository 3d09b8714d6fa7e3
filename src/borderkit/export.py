"""Export a brief: PNG/PDF of the interactive map, print maps, and derived layers.

* :func:`to_png` and :func:`to_pdf` render the offline HTML page in headless
  Chromium (the system ``chromium``, driven by Playwright; ``pip install
  "borderkit[export]"``). They wait for the page's ``window.borderkitReady``
  flag (no sleeping), block every network request except ``file:``, ``data:``,
  ``blob:`` and ``about:``, and capture the ``#bk-map`` element.
* :func:`export_brief` writes one brief in several formats from one spec
  (HTML, PNG screenshot, print PNG/SVG/PDF, derived layers) and reports what
  was written.
* :func:`write_layers` writes the derived layers of a brief (buffers, range
  rings, distance lines and their end points, ceded areas, uncertainty
  circles) to GeoJSON, GeoPackage and KML for QGIS or Google Earth.

Every file is written atomically: a failure leaves no half-written file, and an
existing file is replaced only by a complete new one.

Without Chromium, :func:`borderkit.render_static` draws the same spec for print.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import logging
import os
import shutil
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import shapely

from ._atomic import atomic_path
from .errors import (
    BorderkitError,
    BorderkitWarning,
    ExportError,
    MissingDependencyError,
    RenderError,
    SpecError,
)
from .spec import BriefSpec, ResolvedLayer, ResolvedSpec

log = logging.getLogger(__name__)

__all__ = [
    "to_png",
    "to_pdf",
    "export_brief",
    "write_layers",
    "browser",
    "find_chromium",
    "ExportReport",
    "BRIEF_FORMATS",
    "LAYER_FORMATS",
    "DERIVED_KINDS",
    "CHROMIUM_ARGS",
]

#: Flags for headless Chromium: no sandbox (containers), no GPU, nothing phoning home.
CHROMIUM_ARGS: tuple[str, ...] = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
)

#: URL schemes a page may load while exported; everything else is blocked.
ALLOWED_SCHEMES: tuple[str, ...] = ("file:", "data:", "blob:", "about:")

#: Style kinds written by :func:`write_layers` by default (plus distance-line ends).
DERIVED_KINDS: tuple[str, ...] = ("buffer", "ring", "distance_line", "ceded_area",
                                  "uncertainty")

#: Layer formats: file suffix and whether one file holds every layer.
LAYER_FORMATS: dict[str, tuple[str, bool]] = {
    "geojson": (".geojson", False),
    "gpkg": (".gpkg", True),
    "kml": (".kml", True),
    "shp": (".shp", False),
    "csv": (".csv", False),
}

#: Brief formats of :func:`export_brief`: file name pattern and renderer.
BRIEF_FORMATS: dict[str, tuple[str, str]] = {
    "html": ("{}.html", "page"),
    "png": ("{}.png", "browser"),
    "browser.pdf": ("{}-browser.pdf", "browser"),
    "print.png": ("{}-print.png", "static"),
    "svg": ("{}.svg", "static"),
    "pdf": ("{}.pdf", "static"),
}

_READY = "window.borderkitReady === true"
_SELECTOR = "#bk-map"
_NO_CHROMIUM = (
    "{what} needs the Chromium browser, which was not found (looked for $BORDERKIT_CHROMIUM, "
    "'chromium' and 'chromium-browser' on PATH, and Playwright's own). Install it with "
    "`apt-get install chromium` (Debian/Ubuntu) or `playwright install chromium`, or set "
    "BORDERKIT_CHROMIUM to its path. To draw the map without a "
    "browser, use borderkit.render_static(spec, 'map.png') (PNG, SVG or PDF), or "
    "`borderkit map ... --static map.png` on the command line."
)
_NO_PLAYWRIGHT = (
    "{what} drives Chromium with Playwright, which is not installed: "
    'pip install "borderkit[export]". To draw the map without a browser, use '
    "borderkit.render_static(spec, 'map.png') (PNG, SVG or PDF), or "
    "`borderkit map ... --static map.png` on the command line."
)

T = TypeVar("T")


# --------------------------------------------------------------------------- report


@dataclass
class ExportReport:
    """What an export wrote.

    Attributes
    ----------
    written : dict of str to pathlib.Path
        Format (or ``layer id.format``) -> the file written, complete.
    failed : dict of str to str
        Format -> why it was not written (no partial file is left).
    notes : list of str
        Repairs, dropped features and other remarks from resolving the spec.
    seconds : dict of str to float
        Wall time of each output, in seconds.
    """

    written: dict[str, Path] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    errors: dict[str, BaseException] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        """True when every requested output was written."""
        return not self.failed

    def merge(self, other: ExportReport, prefix: str = "") -> None:
        self.written.update({prefix + k: path for k, path in other.written.items()})
        self.failed.update({prefix + k: why for k, why in other.failed.items()})
        self.errors.update({prefix + k: err for k, err in other.errors.items()})
        self.notes.extend(n for n in other.notes if n not in self.notes)
        self.seconds.update({prefix + k: v for k, v in other.seconds.items()})

    def __str__(self) -> str:
        lines = [f"wrote {len(self.written)} file(s)" +
                 (f", {len(self.failed)} failed" if self.failed else "")]
        lines += [f"  {key}: {path}" for key, path in self.written.items()]
        lines += [f"  FAILED {key}: {why}" for key, why in self.failed.items()]
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def _run(self, key: str, fn: Callable[[], Path]) -> None:
        start = time.perf_counter()
        try:
            path = fn()
        except (BorderkitError, OSError, ValueError, RuntimeError) as err:
            self.failed[key] = f"{type(err).__name__}: {err}"
            self.errors[key] = err
            log.warning("export %s failed: %s", key, err)
        else:
            self.written[key] = Path(path)
        self.seconds[key] = time.perf_counter() - start

    def _finish(self, on_error: str, what: str) -> ExportReport:
        if self.failed and on_error == "raise":
            first = next(iter(self.errors.values()), None)
            err = ExportError(f"{what}: {len(self.failed)} output(s) failed; nothing partial was "
                              f"left behind.\n{self}")
            err.report = self  # type: ignore[attr-defined]
            raise err from first
        return self


def _check_on_error(on_error: str) -> None:
    if on_error not in ("raise", "report"):
        raise ExportError(f"on_error must be 'raise' or 'report', not {on_error!r}")


# --------------------------------------------------------------------------- chromium


def find_chromium(executable: str | os.PathLike[str] | None = None, /, *,
                  what: str = "PNG/PDF export") -> str:
    """The path of the Chromium executable used for PNG/PDF export.

    Parameters
    ----------
    executable : str or path-like, optional
        An explicit path. Otherwise ``$BORDERKIT_CHROMIUM``, then ``chromium``
        and ``chromium-browser`` on ``PATH``.
    what : str
        What needs the browser, for the error message.

    Returns
    -------
    str
        An absolute path.

    Raises
    ------
    MissingDependencyError
        If no Chromium is found; the message says how to install it and points
        to :func:`borderkit.render_static`.
    """
    wanted = [os.fspath(executable)] if executable is not None else [
        os.environ.get("BORDERKIT_CHROMIUM", ""), "chromium", "chromium-browser"]
    for name in wanted:
        if name:
            found = shutil.which(name)
            if found:
                return found
    raise MissingDependencyError(_NO_CHROMIUM.format(what=what))


def _sync_playwright(what: str) -> Any:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as err:
        raise MissingDependencyError(_NO_PLAYWRIGHT.format(what=what)) from err
    return sync_playwright


def _off_loop(fn: Callable[[], T]) -> T:
    """Run *fn* here, or in a worker thread when an asyncio loop runs (Jupyter):
    Playwright's sync API refuses to run inside a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn).result()


@contextlib.contextmanager
def browser(*, executable: str | os.PathLike[str] | None = None,
            timeout: float = 30.0) -> Iterator[Any]:
    """Start headless Chromium once, to export several maps with it.

    Pass the yielded object as ``browser=`` to :func:`to_png` / :func:`to_pdf`.
    Use it from one thread, outside a running asyncio loop (in Jupyter call
    :func:`to_png` without ``browser=``; it starts its own).

    Parameters
    ----------
    executable : str or path-like, optional
        Chromium to use (see :func:`find_chromium`). Without one on the system,
        a Chromium installed by ``playwright install chromium`` is used.
    timeout : float
        Seconds allowed for Chromium to start.

    Yields
    ------
    playwright.sync_api.Browser

    Raises
    ------
    MissingDependencyError
        If Playwright or Chromium is missing.
    RenderError
        If Chromium does not start.
    """
    sync_playwright = _sync_playwright("PNG/PDF export")
    missing: MissingDependencyError | None = None
    try:
        exe = find_chromium(executable)
    except MissingDependencyError as err:
        if executable is not None:
            raise
        exe, missing = "", err
    with sync_playwright() as pw:
        if missing is not None:  # last resort: a Chromium from `playwright install chromium`
            exe = _bundled_chromium(pw) or ""
            if not exe:
                raise missing
        try:
            b = pw.chromium.launch(executable_path=exe, args=list(CHROMIUM_ARGS), headless=True,
                                   timeout=timeout * 1000)
        except Exception as err:  # playwright raises its own Error types
            raise RenderError(f"cannot start Chromium at {exe!r}: {err}".strip()) from err
        try:
            yield b
        finally:
            with contextlib.suppress(Exception):
                b.close()


def _bundled_chromium(pw: Any) -> str | None:
    try:
        path = pw.chromium.executable_path
    except Exception:  # noqa: BLE001 - playwright without its browsers
        return None
    return path if path and os.path.isfile(path) else None


@dataclass
class _Source:
    url: str
    name: str
    width: int
    height: int


@contextlib.contextmanager
def _source(page: Any, width: int | None, height: int | None) -> Iterator[_Source]:
    """A file URL for the page to export, with its name and default size."""
    w, h, name, text, file = 1200, 800, None, None, None
    if isinstance(page, str) and page.lstrip().startswith("<"):
        text, name = page, "the HTML string"
    elif isinstance(page, os.PathLike) or (isinstance(page, str) and (
            page.lower().endswith((".html", ".htm")) or os.sep in page)):
        file = Path(page)
        if not file.is_file():
            raise ExportError(f"page {str(file)!r} does not exist; give an existing .html file, "
                              "an HTML string, a BriefMap or a BriefSpec")
        name = f"page {str(file)!r}"
    else:
        bmap = page if hasattr(page, "to_html") and hasattr(page, "spec") else _brief_map(page)
        text = bmap.to_html()
        w, h = int(bmap.spec.width), int(bmap.spec.height)
        name = f"brief map {bmap.spec.title!r}"
    width = _pixels(width if width is not None else w, "width")
    height = _pixels(height if height is not None else h, "height")
    if file is not None:
        yield _Source(file.resolve().as_uri(), name, width, height)
        return
    with tempfile.TemporaryDirectory(prefix="borderkit-page-") as tmp:
        html_path = Path(tmp) / "page.html"
        html_path.write_text(text or "", encoding="utf-8")
        yield _Source(html_path.as_uri(), name, width, height)


def _brief_map(spec: Any) -> Any:
    from . import maps

    if isinstance(spec, BriefSpec | ResolvedSpec | str):
        return maps.brief_map(spec)
    raise SpecError("to_png/to_pdf need a BriefMap, a BriefSpec, a preset name, an HTML "
                    f"string or an .html path, not {type(spec).__name__}")


def _pixels(value: Any, what: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if number != value or not 16 <= number <= 10_000:
        raise ExportError(f"{what} must be a whole number of pixels from 16 to 10000, "
                          f"not {value!r}")
    return number


def _open_page(b: Any, src: _Source, *, scale: float, timeout: float, ready: str,
               static_controls: bool) -> Any:
    """A page with the map loaded and ready (the caller closes its context)."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    ctx = b.new_context(viewport={"width": src.width, "height": src.height},
                        device_scale_factor=scale, service_workers="block")
    blocked: list[str] = []
    errors: list[str] = []  # uncaught script errors
    console: list[str] = []  # console errors (include the blocked requests)

    def route(r: Any) -> None:
        url = r.request.url
        if url.startswith(ALLOWED_SCHEMES):
            r.continue_()
        else:
            blocked.append(url)
            r.abort("blockedbyclient")

    ctx.route("**/*", route)
    page = ctx.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: console.append(msg.text) if msg.type == "error" else None)
    ms = timeout * 1000
    try:
        page.goto(src.url, wait_until="load", timeout=ms)
        page.wait_for_function(ready, timeout=ms)
    except PlaywrightTimeout as err:
        ctx.close()
        detail = "".join(
            [f"; page errors: {(errors + console)[:5]}" if errors or console else "",
             f"; blocked network requests: {blocked[:5]}" if blocked else ""])
        raise RenderError(
            f"{src.name} did not become ready ({ready}) within {timeout:g} s{detail}. "
            "Pages made by borderkit.brief_map set window.borderkitReady; for other pages "
            "pass ready='<JS expression>'"
        ) from err
    except PlaywrightError as err:
        ctx.close()
        raise RenderError(f"Chromium could not load {src.name}: {err}") from err
    if blocked:
        log.warning("blocked %d network request(s) from %s (exports are offline): %s",
                    len(blocked), src.name, ", ".join(blocked[:5]))
    page_errors = page.evaluate("Array.isArray(window.borderkitErrors) ? "
                                "window.borderkitErrors.map(String) : []")
    if page_errors or errors:
        msg = f"{src.name} reported problems: {(page_errors + errors)[:5]}"
        warnings.warn(msg, BorderkitWarning, stacklevel=4)
    if static_controls:
        page.evaluate("() => { document.documentElement.classList.add('bk-static'); return "
                      "new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))); }")
    return page


@contextlib.contextmanager
def _capturing(src: _Source, target: Path) -> Iterator[None]:
    from playwright.sync_api import Error as PlaywrightError

    try:
        yield
    except PlaywrightError as err:
        raise RenderError(f"Chromium could not capture {src.name}: {err}") from err
    except OSError as err:  # a full disk or a permission error while writing the file
        raise ExportError(f"cannot write {str(target)!r}: {err.strerror or err}") from err


def _with_browser(b: Any, executable: Any, fn: Callable[[Any], T]) -> T:
    if b is not None:
        return fn(b)

    def run() -> T:
        with browser(executable=executable) as own:
            return fn(own)

    return _off_loop(run)


def to_png(
    map: Any,  # noqa: A002 - the public name of the argument
    path: str | os.PathLike[str],
    /,
    *,
    width: int | None = None,
    height: int | None = None,
    scale: float = 2,
    timeout: float = 30.0,
    selector: str = _SELECTOR,
    ready: str = _READY,
    static_controls: bool = True,
    browser: Any = None,
    executable: str | os.PathLike[str] | None = None,
) -> Path:
    """Screenshot of the interactive map, through headless Chromium.

    Parameters
    ----------
    map : BriefMap, BriefSpec, str or path-like
        The map: a :class:`~borderkit.BriefMap`, a spec or preset name (drawn
        with :func:`borderkit.brief_map`), an HTML string, or an ``.html`` file.
    path : str or path-like
        The PNG to write (atomically).
    width, height : int, optional
        Viewport in CSS pixels; default the spec's ``width`` x ``height``
        (1200 x 800 for plain HTML).
    scale : float
        Device scale factor: the PNG is ``width * scale`` x ``height * scale``
        pixels (2 or 3 for print).
    timeout : float
        Seconds to wait for the page to load and set its ready flag.
    selector : str
        CSS selector of the element captured (the map, ``#bk-map``).
    ready : str
        JavaScript expression that is true once the map is drawn.
    static_controls : bool
        Hide interactive-only controls (zoom buttons, layer switcher).
    browser : playwright Browser, optional
        A browser from :func:`borderkit.export.browser`, reused; default: start
        one for this call.
    executable : str or path-like, optional
        Chromium to use (see :func:`find_chromium`).

    Returns
    -------
    pathlib.Path
        The PNG written.

    Raises
    ------
    MissingDependencyError
        If Chromium or Playwright is missing (the message says how to install
        them, and points to :func:`borderkit.render_static`).
    RenderError
        If the page does not become ready in time (the message names it) or has
        no element matching *selector*.
    ExportError
        If the file cannot be written or an option is out of range.

    Examples
    --------
    >>> import borderkit as bk
    >>> bk.to_png("<div id='bk-map'></div>", "map.png", scale=0)
    Traceback (most recent call last):
    ...
    borderkit.errors.ExportError: scale must be a number from 0.5 to 4, not 0
    """
    scale = _scale(scale)
    _check_size(width, height, timeout)
    target = Path(path)

    def shoot(b: Any) -> Path:
        with _source(map, width, height) as src:
            page = _open_page(b, src, scale=scale, timeout=timeout, ready=ready,
                              static_controls=static_controls)
            try:
                element = page.locator(selector)
                if element.count() == 0:
                    raise RenderError(f"{src.name} has no element {selector!r} to capture; "
                                      "pass selector=")
                with _capturing(src, target), atomic_path(target) as tmp:
                    box = element.first.bounding_box()
                    inside = box is not None and box["x"] >= 0 and box["y"] >= 0 and \
                        box["x"] + box["width"] <= src.width + 0.5 and \
                        box["y"] + box["height"] <= src.height + 0.5
                    if inside:  # the usual case, and faster than an element screenshot
                        page.screenshot(path=tmp, type="png", clip=box, animations="disabled",
                                        timeout=timeout * 1000)
                    else:
                        element.first.screenshot(path=tmp, type="png", animations="disabled",
                                                 timeout=timeout * 1000)
            finally:
                page.context.close()
        log.info("wrote %s", target)
        return target

    return _with_browser(browser, executable, shoot)


def to_pdf(
    map: Any,  # noqa: A002 - the public name of the argument
    path: str | os.PathLike[str],
    /,
    *,
    width: int | None = None,
    height: int | None = None,
    timeout: float = 30.0,
    ready: str = _READY,
    static_controls: bool = True,
    browser: Any = None,
    executable: str | os.PathLike[str] | None = None,
) -> Path:
    """The interactive map printed to a one-page PDF by headless Chromium.

    The page is the map's viewport size (``width`` x ``height`` CSS pixels);
    its styles are those of the screen. For a vector print map with a scale bar
    true to the projection, see :func:`borderkit.render_static`.

    Parameters
    ----------
    map : BriefMap, BriefSpec, str or path-like
        As for :func:`to_png`.
    path : str or path-like
        The PDF to write (atomically).
    width, height : int, optional
        Page size in CSS pixels; default the spec's size.
    timeout, ready, static_controls, browser, executable
        As for :func:`to_png`.

    Returns
    -------
    pathlib.Path
        The PDF written.

    Raises
    ------
    MissingDependencyError
        If Chromium or Playwright is missing.
    RenderError
        If the page does not become ready in time.
    ExportError
        If the file cannot be written.
    """
    _check_size(width, height, timeout)
    target = Path(path)

    def print_pdf(b: Any) -> Path:
        with _source(map, width, height) as src:
            page = _open_page(b, src, scale=1, timeout=timeout, ready=ready,
                              static_controls=static_controls)
            try:
                page.emulate_media(media="screen")
                with _capturing(src, target), atomic_path(target) as tmp:
                    page.pdf(path=tmp, width=f"{src.width}px", height=f"{src.height}px",
                             print_background=True, page_ranges="1",
                             margin={"top": "0", "right": "0", "bottom": "0", "left": "0"})
            finally:
                page.context.close()
        log.info("wrote %s", target)
        return target

    return _with_browser(browser, executable, print_pdf)


def _scale(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if not 0.5 <= number <= 4:
        raise ExportError(f"scale must be a number from 0.5 to 4, not {value!r}")
    return number


def _check_size(width: Any, height: Any, timeout: Any) -> None:
    for value, what in ((width, "width"), (height, "height")):
        if value is not None:
            _pixels(value, what)
    if not isinstance(timeout, int | float) or not 0 < timeout <= 3600:
        raise ExportError(f"timeout must be seconds between 0 and 3600, not {timeout!r}")


# --------------------------------------------------------------------------- one brief


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
    wanted = list(dict.fromkeys(formats))
    unknown = [f for f in wanted if f not in BRIEF_FORMATS and f not in LAYER_FORMATS]
    if unknown or not wanted:
        raise ExportError(f"unknown export format(s) {unknown or wanted!r}; use: "
                          f"{', '.join([*BRIEF_FORMATS, *LAYER_FORMATS])}")
    if not basename or os.sep in basename or basename.startswith("."):
        raise ExportError(f"basename must be a plain file name start, not {basename!r}")
    folder = Path(out_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ExportError(f"cannot create the output folder {str(folder)!r}: {err}") from err
    from . import static

    resolved = static._resolved(spec)
    report = ExportReport(notes=list(resolved.report))
    paths = {f: folder / BRIEF_FORMATS[f][0].format(basename) for f in wanted
             if f in BRIEF_FORMATS}

    bmap: list[Any] = []

    def page() -> Any:
        if not bmap:
            bmap.append(spec if hasattr(spec, "to_html") and hasattr(spec, "resolved")
                        else _brief_map(resolved))
        return bmap[0]

    if "html" in paths:
        report._run("html", lambda: page().save(paths["html"]))
    browser_formats = [f for f in paths if BRIEF_FORMATS[f][1] == "browser"]
    if browser_formats:
        def shots(b: Any) -> None:
            if "png" in paths:
                report._run("png", lambda: to_png(page(), paths["png"], scale=scale,
                                                  timeout=timeout, browser=b))
            if "browser.pdf" in paths:
                report._run("browser.pdf", lambda: to_pdf(page(), paths["browser.pdf"],
                                                          timeout=timeout, browser=b))

        def run() -> None:
            with browser(executable=executable) as b:
                shots(b)

        try:
            _off_loop(run)
        except (MissingDependencyError, RenderError) as err:
            for f in browser_formats:
                if f not in report.written and f not in report.failed:
                    report.failed[f] = f"{type(err).__name__}: {err}"
                    report.errors[f] = err
    static_formats = [f for f in paths if BRIEF_FORMATS[f][1] == "static"]
    if static_formats:
        fig: list[Any] = []

        def draw(f: str) -> Path:
            if not fig:
                fig.append(static.render_static(resolved, dpi=dpi, crs=crs))
            return static.save_figure(fig[0], paths[f], format=f.rsplit(".", 1)[-1], dpi=dpi)

        for f in static_formats:
            report._run(f, functools.partial(draw, f))
        if fig:
            report.notes.extend(n for n in fig[0].borderkit.report if n not in report.notes)
    layer_formats = [f for f in wanted if f in LAYER_FORMATS]
    if layer_formats:
        report.merge(write_layers(resolved, folder, formats=layer_formats, basename=basename,
                                  on_error="report"))
    return report._finish(on_error, f"export of {resolved.title!r} to {str(folder)!r}")


# --------------------------------------------------------------------------- layers out


def _ends(lyr: ResolvedLayer) -> Any:
    """The two ends of each distance line as points (one is the nearest point when
    that end was a border or area)."""
    import geopandas as gpd

    rows = []
    frame = lyr.frame
    for idx, row in frame.iterrows():
        xy = shapely.get_coordinates(row.geometry)
        if not len(xy):
            continue
        name = str(row.get("name", idx))
        a, _, b = name.partition(" → ")
        length = row.get("length_m", np.nan)
        for role, (x, y), label in (("start", xy[0], a), ("end", xy[-1], b or name)):
            rows.append({"name": label, "role": role, "line": name,
                         "distance_m": float(length), "lon": float(x), "lat": float(y),
                         "geometry": shapely.Point(x, y)})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326") if rows else None


def _layers_to_write(resolved: ResolvedSpec, which: Any) -> list[tuple[str, str, Any]]:
    """(id, display name, frame) of the layers to write."""
    if which == "derived":
        chosen = [lyr for lyr in resolved.layers if lyr.kind in DERIVED_KINDS]
    elif which == "all":
        chosen = list(resolved.layers)
    elif isinstance(which, list | tuple | set):
        ids = {lyr.id: lyr for lyr in resolved.layers}
        missing = [i for i in which if i not in ids]
        if missing:
            raise ExportError(f"layer id(s) {missing} not in the brief; ids: {', '.join(ids)}")
        chosen = [ids[i] for i in which]
    else:
        raise ExportError(f"layers must be 'derived', 'all' or a list of layer ids, "
                          f"not {which!r}")
    out = []
    for lyr in chosen:
        if not len(lyr.frame):
            continue
        out.append((lyr.id, lyr.name, lyr.frame))
        if lyr.kind == "distance_line":
            ends = _ends(lyr)
            if ends is not None:
                out.append((f"{lyr.id}-ends", f"{lyr.name}: end points", ends))
    return out


def write_layers(
    spec_or_resolved: Any,
    out_dir: str | os.PathLike[str],
    /,
    *,
    formats: Sequence[str] = ("geojson", "gpkg", "kml"),
    layers: str | Sequence[str] = "derived",
    basename: str = "brief",
    on_error: str = "raise",
) -> ExportReport:
    """Write a brief's derived layers for QGIS or Google Earth.

    Derived layers are those the brief computed or highlights: buffers, range
    rings, geodesic distance lines (and their end points: where a line ends on
    a border, that end is the nearest point), ceded areas and location
    uncertainty circles. All in EPSG:4326 (lon, lat), lengths in metres.

    GeoJSON, shapefile and CSV get one file per layer
    (``<basename>-<layer id>.<suffix>``); GeoPackage and KML get one file with
    every layer (``<basename>-layers.gpkg``, layers named by id;
    ``<basename>-layers.kml``, one folder per layer). Each file is written
    atomically by :func:`borderkit.write_layer`.

    Parameters
    ----------
    spec_or_resolved : BriefSpec, ResolvedSpec, BriefMap or str
        The brief, or a preset name.
    out_dir : str or path-like
        Folder for the files (created if missing).
    formats : sequence of {"geojson", "gpkg", "kml", "shp", "csv"}
        Formats to write.
    layers : "derived", "all" or sequence of str
        Which layers: the derived kinds (:data:`DERIVED_KINDS`), all, or
        these layer ids.
    basename : str
        Start of every file name.
    on_error : {"raise", "report"}
        As for :func:`export_brief`.

    Returns
    -------
    ExportReport
        ``written`` maps ``"<layer id>.<format>"`` (or ``"layers.gpkg"``) to
        each file.

    Raises
    ------
    ExportError
        If a format or layer id is unknown, or (with ``on_error="raise"``) a
        file could not be written.

    Examples
    --------
    >>> import borderkit as bk
    >>> spec = bk.BriefSpec(title="Rings", rings=[bk.RangeRings((68.78, 38.56), [50_000])],
    ...                     inset=False, uncertainty=False)
    >>> import tempfile
    >>> out = tempfile.TemporaryDirectory()
    >>> report = bk.write_layers(spec, out.name, formats=("geojson",))
    >>> sorted(report.written), report.written["range-rings.geojson"].name
    (['range-rings.geojson'], 'brief-range-rings.geojson')
    >>> out.cleanup()
    """
    _check_on_error(on_error)
    bad = [f for f in formats if f not in LAYER_FORMATS]
    if bad or not formats:
        raise ExportError(f"unknown layer format(s) {bad or list(formats)!r}; use: "
                          f"{', '.join(LAYER_FORMATS)}")
    from . import io as _io
    from . import static

    resolved = static._resolved(spec_or_resolved)
    chosen = _layers_to_write(resolved, layers)
    folder = Path(out_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ExportError(f"cannot create the output folder {str(folder)!r}: {err}") from err
    report = ExportReport(notes=list(resolved.report))
    if not chosen:
        report.notes.append("the brief has no layers of the kinds asked for; nothing written")
        return report
    for fmt in dict.fromkeys(formats):
        suffix, combined = LAYER_FORMATS[fmt]
        if combined:
            names: dict[str, Any] = {}
            for lid, name, frame in chosen:
                key = lid if fmt == "gpkg" or name in names else name
                names[key] = frame
            path = folder / f"{basename}-layers{suffix}"
            report._run(f"layers.{fmt}", functools.partial(_io.write_layer, names, path))
        else:
            for lid, _name, frame in chosen:
                path = folder / f"{basename}-{lid}{suffix}"
                report._run(f"{lid}.{fmt}", functools.partial(_io.write_layer, frame, path))
    return report._finish(on_error, f"writing the layers of {resolved.title!r}")
