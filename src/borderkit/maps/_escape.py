"""The one place that escapes text for the brief page.

Every text that reaches the HTML passes through one of these functions, chosen by
its context:

* :func:`html` - HTML body text and quoted attribute values;
* :func:`js_string` - a JavaScript string literal inside a ``<script>`` element;
* :func:`js_template` - the text part of a JavaScript template literal;
* :func:`script_json` - JSON inside a ``<script>`` element (data blocks);
* :func:`srcdoc` - a whole page for an ``<iframe srcdoc="...">`` attribute.

All of them make ``<``, ``>`` and ``&`` harmless, so no text can close a
``<script>`` or open a tag, and the JavaScript ones also escape U+2028 / U+2029
(line terminators in older JavaScript engines). Trusted HTML passes unchanged only
when wrapped in :class:`TrustedHTML`, the explicit opt-in.
"""

from __future__ import annotations

import html as _html
import json
import math
import re
from typing import Any

from ..errors import SpecError

__all__ = [
    "TrustedHTML",
    "css_color",
    "css_number",
    "html",
    "js_string",
    "js_template",
    "safe_url",
    "script_json",
    "srcdoc",
]


class TrustedHTML(str):
    """A string of HTML that the page inserts *without* escaping.

    Use it only for markup you wrote yourself; text from data files, place names
    or sources must stay plain strings (they are escaped).

    Examples
    --------
    >>> html(TrustedHTML("<b>bold</b>"))
    '<b>bold</b>'
    >>> html("<b>bold</b>")
    '&lt;b&gt;bold&lt;/b&gt;'
    """

    __slots__ = ()


# characters that end a <script> element, start a comment or break old JS parsers
_SCRIPT_UNSAFE = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


def html(text: Any) -> str:
    """Escape *text* for HTML body text or a double- or single-quoted attribute.

    Parameters
    ----------
    text : str or object
        Converted with ``str``; a :class:`TrustedHTML` passes unchanged.

    Returns
    -------
    str

    Examples
    --------
    >>> html('<img src=x onerror="alert(1)">')
    '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
    """
    if isinstance(text, TrustedHTML):
        return str(text)
    return _html.escape(str(text), quote=True)


def js_string(text: Any) -> str:
    """Return a double-quoted JavaScript string literal of *text*, safe in ``<script>``.

    Examples
    --------
    >>> print(js_string('</script><script>alert("x")</script>'))
    "\\u003c/script\\u003e\\u003cscript\\u003ealert(\\"x\\")\\u003c/script\\u003e"
    """
    return json.dumps(str(text), ensure_ascii=False).translate(_SCRIPT_UNSAFE)


def js_template(text: Any) -> str:
    r"""Escape *text* for the literal part of a JavaScript template (between backticks).

    Examples
    --------
    >>> print(js_template(r"${alert(1)} `x` C:\new"))
    \${alert(1)} \`x\` C:\\new
    """
    out = str(text).replace("\\", "\\\\").replace("`", "\\`").replace("$", "\\$")
    return out.translate(_SCRIPT_UNSAFE)


def script_json(value: Any) -> str:
    """Serialise *value* as compact JSON that is safe inside a ``<script>`` element.

    Keys are sorted so the output is deterministic. NaN and infinity are refused
    (they are not JSON and would stop the page script).

    Raises
    ------
    SpecError
        If *value* holds NaN, infinity or an object JSON cannot represent.

    Examples
    --------
    >>> script_json({"b": "</script>", "a": 1})
    '{"a":1,"b":"\\\\u003c/script\\\\u003e"}'
    """
    try:
        text = json.dumps(
            value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
        )
    except (TypeError, ValueError) as err:
        raise SpecError(f"cannot write map data as JSON: {err}") from err
    return text.translate(_SCRIPT_UNSAFE)


def srcdoc(page: str) -> str:
    """Escape a whole HTML page for an ``<iframe srcdoc="...">`` attribute."""
    return _html.escape(page, quote=True)


_COLOR = re.compile(
    r"#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,30}|rgba?\(\s*[0-9.,%\s]+\)|hsla?\(\s*[0-9.,%deg\s]+\)"
)


def css_color(value: Any, *, where: str = "style") -> str:
    """Check that *value* is a plain CSS colour (``#rgb``, a name, ``rgb()``, ``hsl()``).

    Raises
    ------
    SpecError
        If the value could carry anything else into the page.

    Examples
    --------
    >>> css_color("#c0392b")
    '#c0392b'
    """
    text = str(value)
    if not _COLOR.fullmatch(text):
        raise SpecError(
            f"{where}: {text!r} is not a CSS colour; use '#rrggbb', a colour name or rgb(...)"
        )
    return text


def css_number(value: Any, *, where: str = "style") -> float:
    """Return *value* as a finite float, or raise :class:`SpecError` naming *where*."""
    try:
        number = float(value)
    except (TypeError, ValueError) as err:
        raise SpecError(f"{where}: {value!r} is not a number") from err
    if not math.isfinite(number):
        raise SpecError(f"{where}: {value!r} is not a finite number")
    return number


def safe_url(value: Any) -> str | None:
    """Return *value* if it is an absolute http(s) URL without quotes or spaces, else None.

    Used for the links in popups and the sources box (never for fetched resources).

    Examples
    --------
    >>> safe_url("javascript:alert(1)") is None
    True
    >>> safe_url("https://asiaplustj.info/ru/news")
    'https://asiaplustj.info/ru/news'
    """
    text = str(value).strip()
    if re.fullmatch(r"https?://[^\s\"'<>`\\]+", text, flags=re.IGNORECASE):
        return text
    return None
