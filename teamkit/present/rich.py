"""Display objects for notebooks: HTML for JupyterLab with a faithful plain-text twin (what nbval compares)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Final

__all__ = ["SEVERITY_COLOURS", "Rich", "badge", "code_block", "escape", "stack", "table", "text_table"]

#: severity badge colours (background, text): readable on light and dark themes
SEVERITY_COLOURS: Final = {
    "error": ("#c62828", "#ffffff"),
    "warning": ("#e6a23c", "#1a1a1a"),
    "info": ("#1f6fb2", "#ffffff"),
    "ok": ("#2e7d32", "#ffffff"),
}
_PRE_STYLE: Final = ("margin:4px 0;padding:6px 8px;background:var(--jp-layout-color2,#f5f5f5);border-radius:4px;"
                     "font-size:12px;line-height:1.35;overflow-x:auto")
_WRAP: Final = {True: "white-space:pre-wrap;overflow-wrap:anywhere", False: "white-space:pre"}
_TABLE_STYLE: Final = "border-collapse:collapse;font-size:13px;line-height:1.35;margin:4px 0"
_CELL_STYLE: Final = ("text-align:left;vertical-align:top;padding:3px 8px;"
                      "border-bottom:1px solid var(--jp-border-color2,#e0e0e0)")


def escape(text: str) -> str:
    """HTML-escape text (quotes included)."""
    return html.escape(text, quote=True)


def badge(label: str, kind: str) -> str:
    """A small coloured label; ``kind`` is a key of :data:`SEVERITY_COLOURS`."""
    back, fore = SEVERITY_COLOURS.get(kind, ("#757575", "#ffffff"))
    return (f"<span style='display:inline-block;min-width:58px;text-align:center;padding:0 6px;border-radius:3px;"
            f"background:{back};color:{fore};font-size:11px;font-weight:600;line-height:18px'>{escape(label)}</span>")


def code_block(text: str, *, css_class: str = "", wrap: bool = True) -> str:
    """Preformatted text (XML, argv) in a light box; without ``wrap``, long lines scroll instead of wrapping."""
    cls = f" class='{escape(css_class)}'" if css_class else ""
    return f"<pre{cls} style='{_PRE_STYLE};{_WRAP[wrap]}'>{escape(text)}</pre>"


def table(header: Sequence[str], rows: Sequence[Sequence[str]], *, raw_html: bool = False) -> str:
    """An HTML table; cells are escaped unless ``raw_html``."""
    def cell(value: str, tag: str) -> str:
        return f"<{tag} style='{_CELL_STYLE}'>{value if raw_html else escape(value)}</{tag}>"

    head = "".join(cell(escape(h), "th") if raw_html else cell(h, "th") for h in header)
    body = "".join("<tr>" + "".join(cell(v, "td") for v in row) + "</tr>" for row in rows)
    return f"<table style='{_TABLE_STYLE}'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table with columns padded to their widest cell."""
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    lines = ["  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
             for row in (header, *rows)]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def stack(*parts: str) -> str:
    """HTML fragments one below the other."""
    return "<div>" + "".join(parts) + "</div>"


class Rich:
    """What a notebook cell shows: ``html`` in JupyterLab, ``text`` everywhere else (and in ``repr``)."""

    def __init__(self, html_text: str, text: str) -> None:
        self.html = html_text
        self.text = text

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text
