"""Jupyter widgets over teamkit's model (ipywidgets 8). They are returned, never displayed, by the library."""

from __future__ import annotations

from teamkit.widgets.builder import TeamingBuilder
from teamkit.widgets.explorer import MigrationExplorer

__all__ = ["MigrationExplorer", "TeamingBuilder"]
