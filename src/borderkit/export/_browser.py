"""Headless Chromium for PNG and PDF export: finding it, starting it, to_png, to_pdf.

The system ``chromium`` is driven by Playwright (``pip install "borderkit[export]"``);
without one, a Chromium from ``playwright install chromium`` is the last resort.
The page itself (loading it offline, waiting for it, capturing it) is in
:mod:`._page`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from .._atomic import atomic_path
from ..errors import MissingDependencyError, RenderError
from ._page import _capturing, _check_size, _open_page, _scale, _source

log = logging.getLogger(__name__)

#: Flags for headless Chromium: no sandbox (containers), no GPU, nothing phoning home.
CHROMIUM_ARGS: tuple[str, ...] = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
)

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


def _api() -> Any:
    """The ``borderkit.export`` package itself, looked up when called.

    :func:`browser`, :func:`find_chromium`, :func:`to_png`, :func:`to_pdf`,
    ``_off_loop`` and ``_bundled_chromium`` call one another through it, as
    they did when the package was one module: a replacement set on
    ``borderkit.export`` (a test's fake browser, say) is the one used.
    """
    return sys.modules[__package__]


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
        exe = _api().find_chromium(executable)
    except MissingDependencyError as err:
        if executable is not None:
            raise
        exe, missing = "", err
    with sync_playwright() as pw:
        if missing is not None:  # last resort: a Chromium from `playwright install chromium`
            exe = _api()._bundled_chromium(pw) or ""
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


def _with_browser(b: Any, executable: Any, fn: Callable[[Any], T]) -> T:
    if b is not None:
        return fn(b)
    api = _api()

    def run() -> T:
        with api.browser(executable=executable) as own:
            return fn(own)

    return api._off_loop(run)


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
