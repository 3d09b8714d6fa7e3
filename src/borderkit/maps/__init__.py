"""Interactive brief maps: one self-contained, offline, escaped, deterministic HTML page.

:func:`brief_map` (or :class:`BriefMap`) draws a :class:`borderkit.BriefSpec` with
Leaflet 1.9.3 inlined from ``XStatic-Leaflet``: the page loads nothing from the
network unless web tiles are asked for with ``BriefSpec(tiles=...)``.

Contract for page consumers (PNG/PDF export, tests)
----------------------------------------------------
* ``BriefMap.to_html() -> str`` renders the page; the same inputs give the same
  bytes. ``BriefMap.save(path)`` writes it atomically (render first, then
  ``borderkit._atomic``). ``BriefMap.spec`` is the :class:`~borderkit.BriefSpec`,
  ``BriefMap.resolved`` the :class:`~borderkit.spec.ResolvedSpec` that was drawn.
* The map element is ``<div id="bk-map" class="bk-map">``, absolutely positioned to
  fill the viewport: a screenshot of a ``spec.width`` x ``spec.height`` viewport
  shows the whole map with every panel.
* Animations are off (``fadeAnimation``, ``zoomAnimation``, ``markerZoomAnimation``
  are false). When every layer is added, the bounds are fitted, fonts are loaded
  (``document.fonts.ready``) and the labels, scale bar and inset are drawn, the page
  sets ``window.borderkitReady = true`` and adds class ``bk-ready`` to ``#bk-map``
  (two animation frames later, so the last paint is done). Wait for
  ``window.borderkitReady === true``.
* ``window.borderkitErrors`` is a list of strings: script errors and parts of the
  map that could not be drawn (one bad layer does not blank the others; a
  non-finite extent falls back to a world view). It should be empty; an exporter
  should fail (or warn) when it is not.
* Adding class ``bk-static`` to ``<html>`` (``document.documentElement``) hides the
  interactive-only controls (zoom buttons, layer switcher) for print output.
* ``window.bk.maps[0]`` is the Leaflet map (for tests and scripted inspection).
* Ids in the page: ``#bk-title`` (title, subtitle, notes), ``#bk-legend``,
  ``#bk-sources`` (sources and data attribution), ``#bk-scale`` (km and nmi),
  ``#bk-north``, ``#bk-inset`` (locator map); layer data sits in
  ``<script type="application/json" id="bk-data-<layer id>">`` blocks.

Safety: every text is escaped for its context by :mod:`borderkit.maps._escape`;
trusted markup only through ``notes_html=`` or a :class:`TrustedHTML` wrapper.
"""

from __future__ import annotations

from ._escape import TrustedHTML
from ._map import BriefMap, brief_map, explore

__all__ = ["BriefMap", "TrustedHTML", "brief_map", "explore"]
