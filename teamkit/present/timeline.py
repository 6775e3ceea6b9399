"""Migration timelines for people: the steps as a table or one at a time, the totals, which scenarios apply."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from teamkit.failover.scenario import Applicability
from teamkit.failover.steps import Step, actor_name, steps
from teamkit.failover.tables import SCENARIOS
from teamkit.failover.timeline import Timeline, TotalValue
from teamkit.present.rich import Rich, escape, table, text_table

__all__ = [
    "PATH_STYLE",
    "TOTAL_LABELS",
    "show_applicability",
    "show_steps",
    "show_totals",
    "show_totals_side_by_side",
    "step_html",
    "totals_rows",
]

#: datapath colours of the timeline drawing (teamkit.draw.timeline), as a background and text colour
PATH_STYLE: Final = {"vf": ("#2166ac", "#ffffff"), "virtio": ("#f4a04d", "#1a1a1a"), "none": ("#b2182b", "#ffffff")}
#: the totals of a timeline, in display order, with their labels and units
TOTAL_LABELS: Final = {
    "outcome": ("outcome", ""),
    "migration_s": ("migration time", "s"),
    "wait_unplug_s": ("in wait-unplug", "s"),
    "cancel_grace_s": ("cancel grace", "s"),
    "precopy_s": ("precopy", "s"),
    "precopy_passes": ("precopy passes", ""),
    "precopy_converged": ("precopy converged", ""),
    "ram_sent_mib": ("RAM sent", "MiB"),
    "downtime_s": ("downtime (VM paused)", "s"),
    "on_virtio_s": ("traffic on virtio", "s"),
    "off_network_s": ("off the network", "s"),
    "off_vf_s": ("off the VF fast path", "s"),
    "ends_on": ("traffic ends on", ""),
}


def _value(value: TotalValue, unit: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3f} {unit}".strip()
    return f"{value} {unit}".strip()


def totals_rows(totals: Mapping[str, TotalValue]) -> list[tuple[str, str]]:
    """(label, value with unit) for every total, the known ones first in :data:`TOTAL_LABELS` order."""
    rows = [(label, _value(totals[key], unit)) for key, (label, unit) in TOTAL_LABELS.items() if key in totals]
    rows += [(key, _value(value, "")) for key, value in totals.items() if key not in TOTAL_LABELS]
    return rows


def show_totals(timeline: Timeline) -> Rich:
    rows = totals_rows(timeline.totals)
    return Rich(table(("total", "value"), rows), text_table(("total", "value"), rows))


def show_totals_side_by_side(timelines: Sequence[Timeline]) -> Rich:
    """One column per timeline, one row per total."""
    header = ("total", *(tl.scenario for tl in timelines))
    keys = list(dict.fromkeys(k for tl in timelines for k in tl.totals))
    ordered = [k for k in TOTAL_LABELS if k in keys] + [k for k in keys if k not in TOTAL_LABELS]
    rows = [
        (TOTAL_LABELS.get(k, (k, ""))[0],
         *(_value(tl.totals[k], TOTAL_LABELS.get(k, (k, ""))[1]) if k in tl.totals else "—" for tl in timelines))
        for k in ordered
    ]
    return Rich(table(header, rows), text_table(header, rows))


def _path_chip(step: Step) -> str:
    back, fore = PATH_STYLE.get(step.path or "", ("#757575", "#ffffff"))
    return (f"<span style='padding:1px 6px;border-radius:3px;background:{back};color:{fore};font-weight:600'>"
            f"{escape(step.path_name)}</span>")


def show_steps(timeline: Timeline) -> Rich:
    """Every step: time, actor, what happens, and the NIC carrying the traffic afterwards."""
    header = ("#", "t (s)", "actor", "what happens", "traffic on")
    all_steps = steps(timeline)
    text_rows = [(str(s.index + 1), f"{s.event.t:.3f}", actor_name(s.event.actor),
                  f"{s.event.name}: {s.caption}", s.path_name) for s in all_steps]
    html_rows = [(str(s.index + 1), f"{s.event.t:.3f}", escape(actor_name(s.event.actor)),
                  f"<b>{escape(s.event.name)}</b>: {escape(s.caption)}"
                  f"<div style='opacity:.75;font-size:12px'>{escape(s.event.detail)}</div>", _path_chip(s))
                 for s in all_steps]
    return Rich(table(header, html_rows, raw_html=True), text_table(header, text_rows))


def step_html(step: Step) -> str:
    """One step for the step-through: the event, then what every actor is doing, then the datapath."""
    ev = step.event
    to = f" → {escape(actor_name(step.recipient))}" if step.recipient else ""
    inferred = " <i>(inferred)</i>" if ev.inferred else ""
    head = (f"<div style='font-size:13px;margin-bottom:4px'><b>Step {step.index + 1} of {step.count}</b> · "
            f"t = {ev.t:.3f} s · traffic on {_path_chip(step)}</div>"
            f"<div style='margin-bottom:6px'><b>{escape(actor_name(ev.actor))}{to}</b>: "
            f"<code>{escape(ev.name)}</code> — {escape(step.caption)}{inferred}"
            f"<div style='opacity:.8;font-size:12px'>{escape(ev.detail)}</div></div>")
    rows = []
    for now in step.actors:
        if now.last is None:
            doing = "<span style='opacity:.6'>nothing yet</span>"
        else:
            marker = "▶ " if now.acting else ""
            doing = f"{marker}<code>{escape(now.last.name)}</code>"
            if not now.acting:
                doing += f" <span style='opacity:.6'>(at {now.last.t:.3f} s)</span>"
        name = f"<b>{escape(now.name)}</b>" if now.acting else escape(now.name)
        rows.append((name, doing))
    return (f"<div class='teamkit-step' style='line-height:1.4'>{head}"
            f"{table(('actor', 'latest step'), rows, raw_html=True)}</div>")


def show_applicability(verdicts: Sequence[Applicability]) -> Rich:
    """Which scenarios can happen to this domain, and why (not)."""
    header = ("scenario", "applies", "why")
    rows = [(f"{v.scenario} ({SCENARIOS[v.scenario].case})" if v.scenario in SCENARIOS else v.scenario,
             "yes" if v.applicable else "no", v.reason) for v in verdicts]
    return Rich(table(header, rows), text_table(header, rows))
