"""Plain-text views of a lab run: the merged event list, the datapath and the totals."""

from __future__ import annotations

from typing import Final

from teamkit.failover.timeline import Timeline

__all__ = ["timeline_text"]

_DETAIL: Final = 70


def timeline_text(tl: Timeline) -> str:
    """One line per event (``t`` in seconds after ``migrate``), then the datapath intervals and the totals."""
    p = tl.parameters
    lines = [f"lab {tl.scenario}: {p.get('primary', '?')} primary, {p.get('hotplug', '?')} hotplug, "
             f"QEMU {p.get('qemu', '?')}, {p.get('kernel', '?')}"]
    for e in tl.events:
        detail = e.detail if len(e.detail) <= _DETAIL else e.detail[: _DETAIL - 1] + "…"
        lines.append(f"  {e.t:+9.3f}  {e.actor:<10}  {e.name:<22} {detail}")
    lines.append("datapath:")
    for i in tl.datapath:
        end = "…" if i.end is None else f"{i.end:+.3f}"
        lines.append(f"  {i.start:+9.3f} → {end:>8}  {i.path}")
    lines.append("totals:")
    for key, value in tl.totals.items():
        if value is not None:
            lines.append(f"  {key} = {value}")
    return "\n".join(lines) + "\n"
