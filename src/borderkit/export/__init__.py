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

The rooms: :mod:`._browser` (Chromium, Playwright, :func:`to_png`, :func:`to_pdf`),
:mod:`._page` (the page loaded offline and captured), :mod:`._bundle`
(:func:`export_brief`), :mod:`._layers` (:func:`write_layers`) and
:mod:`._report` (:class:`ExportReport`). The functions that start or find
Chromium call one another through this package, so a replacement set here is
the one used.
"""

from __future__ import annotations

from ._browser import CHROMIUM_ARGS, browser, find_chromium, to_pdf, to_png
from ._browser import _bundled_chromium as _bundled_chromium  # looked up here at call time
from ._browser import _off_loop as _off_loop  # looked up here at call time
from ._bundle import BRIEF_FORMATS, export_brief
from ._layers import DERIVED_KINDS, LAYER_FORMATS, write_layers
from ._page import ALLOWED_SCHEMES as ALLOWED_SCHEMES
from ._report import ExportReport

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
