"""DOT quoting and escaping: any label text survives, checked as text and, with the marker, through ``dot``."""

from __future__ import annotations

import doctest
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

import teamkit.draw.dot
from teamkit.draw.dot import (
    attr_list,
    edge,
    html_escape,
    html_label,
    node,
    quote,
    safe_id,
    same_rank,
    visible_text,
)

__all__: list[str] = []

NASTY = [
    'say "hi"',
    "back\\slash",
    "ends with a backslash\\",
    "two\nlines",
    "windows\r\nline end",
    "<B>not html</B> & <i>",
    "\\N \\G \\l escapes stay literal",
    "tab\there",
    "bell\x07 and nul\x00",
    "ünïcödé → ✓",
    '{"device-id": "hostdev0"}',
]


def unquote(quoted: str) -> str:
    """Undo :func:`quote` the way Graphviz reads a centred label: ``\\\\`` → ``\\``, ``\\"`` → ``"``, ``\\n`` → NL."""
    assert quoted.startswith('"') and quoted.endswith('"')
    body, out, i = quoted[1:-1], [], 0
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            nxt = body[i + 1]
            out.append({"n": "\n", "\\": "\\", '"': '"'}[nxt])
            i += 2
        else:
            assert ch != '"', "unescaped quote"
            out.append(ch)
            i += 1
    return "".join(out)


class TestQuote:
    @pytest.mark.parametrize("text, expected", [
        ("plain", '"plain"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("a\\b", '"a\\\\b"'),
        ("x\\", '"x\\\\"'),
        ("a\nb", '"a\\nb"'),
        ("a\r\nb\rc", '"a\\nb\\nc"'),
        ("\x07", '"\u2407"'),
    ])
    def test_examples(self, text: str, expected: str) -> None:
        assert quote(text) == expected

    def test_left_justified_lines_end_with_l(self) -> None:
        assert quote("a\nb", justify="l") == '"a\\lb\\l"'

    @given(st.text())
    def test_round_trip(self, text: str) -> None:
        quoted = quote(text)
        assert "\n" not in quoted and "\r" not in quoted
        assert unquote(quoted) == visible_text(text)

    def test_visible_text_has_no_control_characters(self) -> None:
        assert visible_text("a\tb\x1b\x7f") == "a b\u241b\u2421"


class TestHtml:
    @given(st.text())
    def test_no_markup_leaks(self, text: str) -> None:
        escaped = html_escape(text).replace('<BR ALIGN="CENTER"/>', "")
        assert not re.search(r"[<>\"']|&(?!(amp|lt|gt|quot|#39);)", escaped)
        assert all(len(run) % 2 == 0 for run in re.findall(r"\\+", escaped)), "a lone backslash starts an escape"

    def test_label_values_pass_unquoted(self) -> None:
        assert attr_list({"label": html_label("<B>" + html_escape("a<b") + "</B>")}) == "[label=<<B>a&lt;b</B>>]"

    def test_text_that_looks_like_html_is_quoted(self) -> None:
        assert attr_list({"label": "<B>x</B>"}) == '[label="<B>x</B>"]'


class TestStatements:
    def test_safe_id(self) -> None:
        assert safe_id("src-qemu", "3") == "src_qemu_3"
        assert safe_id("0lane") == "n_0lane"

    def test_node_edge_rank(self) -> None:
        assert node("a") == "a;"
        assert node("a", {"shape": "box"}) == 'a [shape="box"];'
        assert edge("a", "b", {"style": "invis"}) == 'a -> b [style="invis"];'
        assert edge("a", "b", directed=False) == "a -- b;"
        assert same_rank(["a", "b"]) == "{rank=same; a; b;}"

    @pytest.mark.parametrize("bad", ["a b", "a;b", '"a"', ""])
    def test_rejects_unsafe_identifiers(self, bad: str) -> None:
        with pytest.raises(ValueError):
            node(bad)

    def test_rejects_bad_attribute_names(self) -> None:
        with pytest.raises(ValueError):
            attr_list({"label=x": "y"})


def test_docstring_examples() -> None:
    failures, tried = doctest.testmod(teamkit.draw.dot)
    assert failures == 0 and tried > 0


def _svg_texts(source: str) -> dict[str, list[str]]:
    svg = subprocess.run(["dot", "-Tsvg"], input=source, capture_output=True, text=True, check=True).stdout
    root = ET.fromstring(svg)
    ns = {"s": "http://www.w3.org/2000/svg"}
    found = {}
    for group in root.iterfind(".//s:g[@class='node']", ns):
        title = group.find("s:title", ns)
        assert title is not None and title.text is not None
        found[title.text] = [t.text or "" for t in group.iterfind(".//s:text", ns)]
    return found


@pytest.mark.dot
@pytest.mark.skipif(shutil.which("dot") is None, reason="needs the graphviz dot binary")
@pytest.mark.parametrize("text", NASTY)
def test_dot_shows_the_text_literally(text: str) -> None:
    source = "digraph g {\n" + node("plain", {"label": text}) + "\n" + node("html", {
        "label": html_label(html_escape(text))}) + "\n}\n"
    texts = _svg_texts(source)
    expected = [line.strip() for line in visible_text(text).split("\n")]
    assert [t.strip() for t in texts["plain"]] == expected
    assert [t.strip() for t in texts["html"]] == expected
