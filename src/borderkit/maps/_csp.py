"""The page's Content-Security-Policy: what the brief page may load and run.

The page is self-contained, so its policy allows nothing from anywhere
(``default-src 'none'``) except what it needs: its own three scripts, each by its
SHA-256 hash (so a script that escaping ever let through would not run), inline
styles, ``data:`` images (Leaflet's icons) and, only when the spec asks for web
tiles, the tile server's hosts as image sources. Even if text escaped wrongly,
no request could leave the page: no fetch, no beacon, no image from elsewhere.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Sequence

from ..errors import SpecError

__all__ = ["policy", "tile_sources"]

_HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*"
                   r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?::[0-9]{1,5})?")
_TILE_URL = re.compile(r"(https?)://([^/?#]+)(?:[/?#].*)?", re.DOTALL)


def script_hash(text: str) -> str:
    """The CSP source ``'sha256-...'`` of an inline script whose content is *text*."""
    # surrogatepass: a page with a lone surrogate is refused later, with the text near it
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def tile_sources(url: str, subdomains: str) -> list[str]:
    """The image sources (``scheme://host``) a Leaflet tile URL template loads from.

    ``{s}`` in the host is replaced by each subdomain (Leaflet reads a string of
    subdomains one character each).

    Raises
    ------
    SpecError
        If the URL is not http(s) or its host is not a plain host name, so that it
        cannot go into the policy.
    """
    match = _TILE_URL.fullmatch(url)
    hosts = []
    if match:
        scheme, host = match.groups()
        hosts = ([host.replace("{s}", s) for s in subdomains] if "{s}" in host else [host])
    if not hosts or not all(_HOST.fullmatch(h) for h in hosts):
        raise SpecError(
            f"the tile URL {url!r} is not an http(s) URL with a plain host name (and "
            "optionally {s} for the subdomains), so the page's security policy cannot "
            "allow it; use an xyzservices provider such as 'OpenStreetMap.Mapnik'"
        )
    return list(dict.fromkeys(f"{scheme.lower()}://{h.lower()}" for h in hosts))


def policy(scripts: Sequence[str], img_sources: Sequence[str] = ()) -> str:
    """The policy of a page whose inline scripts have the contents *scripts*.

    Examples
    --------
    >>> policy([], ["https://tile.openstreetmap.org"])  # doctest: +NORMALIZE_WHITESPACE
    "default-src 'none'; script-src 'none'; style-src 'unsafe-inline';
     img-src data: https://tile.openstreetmap.org; base-uri 'none'; form-action 'none'"
    """
    hashes = " ".join(dict.fromkeys(script_hash(s) for s in scripts)) or "'none'"
    images = " ".join(["data:", *img_sources])
    return (f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; "
            f"img-src {images}; base-uri 'none'; form-action 'none'")
