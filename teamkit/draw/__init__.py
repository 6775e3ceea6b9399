"""The draw layer: DOT source builders (pure text); rendering with ``dot`` happens elsewhere."""

from __future__ import annotations

from teamkit.draw.timeline import timeline_dot, timelines_dot

__all__ = ["timeline_dot", "timelines_dot"]
