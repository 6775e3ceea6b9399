"""Presenting teamkit's results in notebooks and widgets: HTML with a plain-text twin, and SVG drawings."""

from __future__ import annotations

from teamkit.present.findings import findings_html, findings_text, show_findings, verdict, verdict_html
from teamkit.present.rich import Rich, code_block
from teamkit.present.svg import Svg, render_svg, svg_html

__all__ = [
    "Rich",
    "Svg",
    "code_block",
    "findings_html",
    "findings_text",
    "render_svg",
    "show_findings",
    "svg_html",
    "verdict",
    "verdict_html",
]
