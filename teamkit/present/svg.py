"""Drawings for notebooks and widgets: DOT rendered by ``dot`` (``teamkit.views.render``), fit into HTML."""

from __future__ import annotations

import base64
import html
import itertools
import re
from typing import Final

from teamkit.draw.report import inline_svg
from teamkit.errors import TeamkitError
from teamkit.views.render import render_svg as _dot_svg

__all__ = ["Svg", "render_svg", "svg_html"]

_SIZE: Final = re.compile(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"')
#: each inlined drawing gets its own id prefix, so that several on one page do not clash
_PREFIXES: Final = itertools.count()


def render_svg(dot_source: str, *, fit: bool = True) -> str:
    """The drawing as an inline ``<svg>`` element (ids made unique); with ``fit``, scaled down to its container's
    width, else at its natural size."""
    svg = inline_svg(_dot_svg(dot_source), prefix=f"tk{next(_PREFIXES)}_")
    if not fit:
        return svg
    return _SIZE.sub(r'<svg style="max-width:100%;height:auto" width="\1pt" height="\2pt"', svg, count=1)


def svg_html(dot_source: str, *, css_class: str = "", fit: bool = True, max_height: str = "720px") -> str:
    """:func:`render_svg` in a scrollable ``<div>`` (or the reason it cannot be drawn)."""
    cls = f" class='{css_class}'" if css_class else ""
    try:
        body = render_svg(dot_source, fit=fit)
    except (TeamkitError, ValueError) as exc:
        body = f"<p>The drawing is not available: {exc}</p>"
    return f"<div{cls} style='overflow:auto;max-width:100%;max-height:{max_height};line-height:normal'>{body}</div>"


class Svg:
    """A drawing for a notebook, as an ``<img>`` holding the SVG (JupyterLab shows it even in a notebook it does not
    trust, where it hides SVG output), at three quarters of its natural size, scrolling when wider than the page;
    ``text`` is the plain-text stand-in."""

    def __init__(self, dot_source: str, text: str = "a drawing (rendered by Graphviz dot)") -> None:
        self.source = dot_source
        self.text = text

    def _repr_html_(self) -> str:
        svg = _dot_svg(self.source)
        size = _SIZE.search(svg)
        width = f" width='{float(size.group(1)):.0f}'" if size else ""
        uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
        return (f"<div style='overflow-x:auto'><img src='{uri}'{width} style='max-width:none' "
                f"alt='{html.escape(self.text, quote=True)}'/></div>")

    def __repr__(self) -> str:
        return self.text
