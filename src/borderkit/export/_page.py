"""The page that Chromium exports: where it comes from, loading it offline, capturing it.

A page is a :class:`~borderkit.BriefMap`, a spec or preset name, an HTML string
or an ``.html`` file (:func:`_source`); :func:`_open_page` loads it with every
network request blocked except ``file:``, ``data:``, ``blob:`` and ``about:``
and waits for its ready flag. The checks of the size options live here too.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import BorderkitWarning, ExportError, RenderError, SpecError
from ..spec import BriefSpec, ResolvedSpec

log = logging.getLogger(__name__)

#: URL schemes a page may load while exported; everything else is blocked.
ALLOWED_SCHEMES: tuple[str, ...] = ("file:", "data:", "blob:", "about:")


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
    from .. import maps

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
