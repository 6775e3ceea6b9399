"""nbval settings for the course: SVG drawings are not compared (their coordinates differ between Graphviz
versions); everything else a cell prints is, after notebooks/nbval_sanitize.cfg."""

from __future__ import annotations

from typing import Any


def pytest_collectstart(collector: Any) -> None:
    path = getattr(collector, "path", None)
    if path is not None and path.suffix == ".ipynb":
        collector.skip_compare += ("image/svg+xml",)
