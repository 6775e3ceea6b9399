"""Rendering DOT source to SVG or PNG with graphviz's ``dot`` program (the only place teamkit runs it)."""

from __future__ import annotations

import shutil
import subprocess
from typing import Final

from teamkit.errors import TeamkitError, ToolMissingError

__all__ = ["DOT_INSTALL_HINT", "RENDER_FORMATS", "RenderError", "dot_available", "render_dot", "render_svg"]

#: what ``dot`` renders for teamkit (DOT text itself needs no rendering)
RENDER_FORMATS: Final = ("svg", "png")
DOT_INSTALL_HINT: Final = (
    "graphviz's 'dot' program is not installed (or not on PATH); it draws the pictures. Install it with "
    "'sudo apt-get install graphviz' (Debian, Ubuntu), or write the DOT source instead (-o OUT.dot), which needs "
    "no dot")
_TIMEOUT_S: Final = 120.0
#: PNG resolution: 1.5 times graphviz's 96 dpi, sharp enough to read small labels
_PNG_DPI: Final = "144"


class RenderError(TeamkitError):
    """``dot`` ran but could not render the source (the message is dot's own first line)."""


def dot_available() -> bool:
    """True when the ``dot`` program is on ``PATH``."""
    return shutil.which("dot") is not None


def render_dot(source: str, *, fmt: str = "svg") -> bytes:
    """``source`` rendered by ``dot -T<fmt>``; raises :class:`ToolMissingError` when ``dot`` is not installed."""
    if fmt not in RENDER_FORMATS:
        raise ValueError(f"cannot render {fmt!r}; choose one of {', '.join(RENDER_FORMATS)}")
    exe = shutil.which("dot")
    if exe is None:
        raise ToolMissingError(DOT_INSTALL_HINT)
    command = [exe, f"-T{fmt}"]
    if fmt == "png":
        command.append(f"-Gdpi={_PNG_DPI}")
    try:
        done = subprocess.run(command, input=source.encode("utf-8"), capture_output=True, timeout=_TIMEOUT_S,
                              check=False)
    except FileNotFoundError:
        raise ToolMissingError(DOT_INSTALL_HINT) from None
    except subprocess.TimeoutExpired:
        raise RenderError(f"dot did not finish within {_TIMEOUT_S:.0f} s") from None
    if done.returncode != 0 or not done.stdout:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RenderError(f"dot failed: {lines[0] if lines else f'exit status {done.returncode}'}")
    return done.stdout


def render_svg(source: str) -> str:
    """``source`` as SVG text."""
    return render_dot(source, fmt="svg").decode("utf-8")
