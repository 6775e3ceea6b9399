r"""DOT source helpers: quoting, HTML-like label escaping, attribute lists and statements (pure string building).

>>> quote('say "hi"\nback\\slash')
'"say \\"hi\\"\\nback\\\\slash"'
>>> html_escape("<b> & </b>")
'&lt;b&gt; &amp; &lt;/b&gt;'
>>> attr_list({"label": html_label("<B>" + html_escape("a<b") + "</B>")})
'[label=<<B>a&lt;b</B>>]'
>>> edge("a", "b", {"label": "x"})
'a -> b [label="x"];'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

__all__ = [
    "AttrValue",
    "Html",
    "attr_list",
    "attr_value",
    "edge",
    "html_escape",
    "html_label",
    "node",
    "quote",
    "safe_id",
    "same_rank",
    "visible_text",
]

_ID: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_UNSAFE_ID_CHARS: Final = re.compile(r"[^A-Za-z0-9_]")
_HTML: Final = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}


def visible_text(text: str) -> str:
    """``text`` with line ends unified to ``\n``, tabs as spaces, and other control characters as visible symbols.

    C0 controls become their Unicode "control picture" (U+2400 + code), DEL becomes U+2421, so nothing invisible or
    invalid in XML reaches the renderer.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    out = []
    for ch in text:
        code = ord(ch)
        if ch == "\n":
            out.append(ch)
        elif code < 0x20:
            out.append(chr(0x2400 + code))
        elif code == 0x7F:
            out.append("\u2421")
        else:
            out.append(ch)
    return "".join(out)


def quote(text: str, *, justify: str = "n") -> str:
    r"""A double-quoted DOT string that shows ``text`` literally as a label.

    Backslashes and quotes are escaped; each newline becomes the label line break ``\n`` (centred), or ``\l`` / ``\r``
    with ``justify="l"`` / ``"r"`` (then the last line is terminated too, as DOT wants for justified lines).
    """
    if justify not in ("n", "l", "r"):
        raise ValueError("justify must be 'n', 'l' or 'r'")
    body = visible_text(text).replace("\\", "\\\\").replace('"', '\\"')
    body = body.replace("\n", "\\" + justify)
    if justify != "n":
        body += "\\" + justify
    return f'"{body}"'


def html_escape(text: str) -> str:
    r"""``text`` for the inside of an HTML-like label: entities for ``& < > " '``, newlines as ``<BR/>``.

    Graphviz expands ``\N``, ``\G`` and friends in HTML-like labels too (after decoding entities), so backslashes
    are doubled as in quoted strings.
    """
    escaped = "".join(_HTML.get(ch, ch) for ch in visible_text(text).replace("\\", "\\\\"))
    return escaped.replace("\n", '<BR ALIGN="CENTER"/>')


@dataclass(frozen=True)
class Html:
    """Already-escaped HTML-like label markup; :func:`attr_list` writes it as ``<…>`` instead of quoting it."""

    markup: str


def html_label(markup: str) -> Html:
    """Mark escaped markup (built with :func:`html_escape`) as an HTML-like label value."""
    return Html(markup)


def safe_id(*parts: str) -> str:
    """A bare DOT identifier from ``parts`` joined by ``_`` (anything outside ``[A-Za-z0-9_]`` becomes ``_``)."""
    joined = "_".join(_UNSAFE_ID_CHARS.sub("_", p) for p in parts)
    if not joined or joined[0].isdigit():
        joined = "n_" + joined
    return joined


AttrValue = str | Html


def attr_value(value: AttrValue) -> str:
    """One attribute value: quoted text, or ``<…>`` for :class:`Html`."""
    if isinstance(value, Html):
        return f"<{value.markup}>"
    return quote(value)


def attr_list(attrs: Mapping[str, AttrValue]) -> str:
    """``[key="value", …]`` in the mapping's order; :class:`Html` values are written as ``<…>``."""
    for key in attrs:
        if not _ID.match(key):
            raise ValueError(f"not a DOT attribute name: {key!r}")
    if not attrs:
        return ""
    return "[" + ", ".join(f"{k}={attr_value(v)}" for k, v in attrs.items()) + "]"


def node(name: str, attrs: Mapping[str, AttrValue] | None = None) -> str:
    """A node statement; ``name`` must already be a safe identifier (see :func:`safe_id`)."""
    _check_id(name)
    listed = attr_list(attrs or {})
    return f"{name} {listed};" if listed else f"{name};"


def edge(tail: str, head: str, attrs: Mapping[str, AttrValue] | None = None, *, directed: bool = True) -> str:
    """An edge statement between two safe identifiers."""
    _check_id(tail)
    _check_id(head)
    arrow = "->" if directed else "--"
    listed = attr_list(attrs or {})
    return f"{tail} {arrow} {head} {listed};" if listed else f"{tail} {arrow} {head};"


def same_rank(names: Iterable[str]) -> str:
    """``{rank=same; a; b; …}``."""
    listed = list(names)
    for name in listed:
        _check_id(name)
    return "{rank=same; " + "; ".join(listed) + ";}"


def _check_id(name: str) -> None:
    if not _ID.match(name):
        raise ValueError(f"not a safe DOT identifier: {name!r}")

