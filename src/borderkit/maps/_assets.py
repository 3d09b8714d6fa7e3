"""Leaflet, inlined: the JS and CSS of the PyPI package ``XStatic-Leaflet``.

The page loads nothing from the network, so Leaflet's script and stylesheet are
copied into it, its images become ``data:`` URIs, and its source-map comment is
dropped. borderkit's own controls (``_page.js`` / ``_page.css`` next to this file)
are inlined the same way.
"""

from __future__ import annotations

import base64
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

from ..errors import MissingDependencyError

__all__ = ["LEAFLET_VERSION", "leaflet_css", "leaflet_js", "page_css", "page_js"]

LEAFLET_VERSION = "1.9.3"


def _leaflet_dir() -> Path:
    try:
        import xstatic.pkg.leaflet as xleaflet
    except ImportError as err:  # pragma: no cover - a runtime dependency
        raise MissingDependencyError(
            "the inlined Leaflet comes from the package XStatic-Leaflet; "
            "install it with: pip install 'xstatic-leaflet==1.9.3.0'"
        ) from err
    if xleaflet.VERSION != LEAFLET_VERSION:  # pragma: no cover - pinned in pyproject
        raise MissingDependencyError(
            f"borderkit needs XStatic-Leaflet {LEAFLET_VERSION}, found {xleaflet.VERSION}; "
            "install it with: pip install 'xstatic-leaflet==1.9.3.0'"
        )
    return Path(xleaflet.BASE_DIR)


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


_SOURCE_MAP = re.compile(r"\n?//# sourceMappingURL=\S*\s*$")


@lru_cache(maxsize=1)
def leaflet_js() -> str:
    """Leaflet's minified script, without its source-map comment."""
    text = (_leaflet_dir() / "leaflet.js").read_text(encoding="utf-8")
    return _SOURCE_MAP.sub("\n", text)


@lru_cache(maxsize=1)
def leaflet_css() -> str:
    """Leaflet's stylesheet with every image as a ``data:`` URI."""
    folder = _leaflet_dir()
    text = (folder / "leaflet.css").read_text(encoding="utf-8")

    def inline(match: re.Match[str]) -> str:
        return f"url({_data_uri(folder / match.group(1))})"

    # the default marker image is never used (markers are SVG), so it is not inlined
    text = re.sub(r"\.leaflet-default-icon-path\s*\{[^}]*\}", "", text)
    text = re.sub(r"url\((images/[\w.-]+\.png)\)", inline, text)
    # old-IE VML behaviour: useless in every supported browser
    text = re.sub(r"\.lvml\s*\{[^}]*\}", "", text)
    return _compact_css(text)


def _compact_css(text: str) -> str:
    """Drop comments and runs of whitespace (the stylesheets have no strings with spaces)."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)
    text = re.sub(r"\s+", " ", text)
    return re.sub(r"\s*([{};,])\s*", r"\1", text).strip() + "\n"


def _compact_js(text: str) -> str:
    """Drop indentation, blank lines and whole-line ``//`` comments (line breaks stay)."""
    lines = (line.strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("//")) + "\n"


@lru_cache(maxsize=1)
def page_js() -> str:
    """borderkit's own page script (layers, labels, legend, scale bar, inset, ready flag)."""
    return _compact_js(
        resources.files(__package__).joinpath("_page.js").read_text(encoding="utf-8")
    )


@lru_cache(maxsize=1)
def page_css() -> str:
    """borderkit's own stylesheet for the page and its controls."""
    return _compact_css(
        resources.files(__package__).joinpath("_page.css").read_text(encoding="utf-8")
    )
