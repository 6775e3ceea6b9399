"""The timeline a scenario produces: ordered events per actor, datapath intervals and totals (JSON-ready)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from teamkit.failover.tables import ACTIONS, ACTORS, DATAPATHS, EVENT_KINDS, MIGRATION_STATES, QMP_EVENTS

__all__ = [
    "Event", "EventKind", "Interval", "Path", "Timeline", "TotalValue", "build_datapath", "caption_of", "recipient_of",
]

EventKind = Literal["qmp-event", "migration-state", "action"]
Path = Literal["vf", "virtio", "none"]
TotalValue = float | int | bool | str | None
_DIGITS: Final = 6


@dataclass(frozen=True)
class Event:
    """One step: at ``t`` seconds, ``actor`` emits a QMP event, reaches a migration state, or acts."""

    t: float
    actor: str
    kind: EventKind
    name: str
    detail: str
    #: True when the step rests on inference, not on code, tests or measurement; ``detail`` says why
    inferred: bool = False

    def to_json_dict(self) -> dict[str, Any]:
        return {"t": round(self.t, _DIGITS), "actor": self.actor, "kind": self.kind, "name": self.name,
                "detail": self.detail, "inferred": self.inferred}


@dataclass(frozen=True)
class Interval:
    """The datapath from ``start`` to ``end`` seconds; ``end`` is ``None`` for the state the timeline ends in."""

    start: float
    end: float | None
    path: Path

    @property
    def seconds(self) -> float | None:
        return None if self.end is None else self.end - self.start

    def to_json_dict(self) -> dict[str, Any]:
        end = None if self.end is None else round(self.end, _DIGITS)
        return {"from": round(self.start, _DIGITS), "to": end, "path": self.path}


@dataclass(frozen=True)
class Timeline:
    """A scenario's outcome. ``parameters`` and ``totals`` are plain JSON values."""

    scenario: str
    parameters: Mapping[str, Any]
    events: tuple[Event, ...]
    datapath: tuple[Interval, ...]
    totals: Mapping[str, TotalValue]

    def __post_init__(self) -> None:
        for event in self.events:
            if event.kind not in EVENT_KINDS:
                raise ValueError(f"unknown event kind {event.kind!r}")
        times = [e.t for e in self.events]
        if times != sorted(times):
            raise ValueError("events must be in time order")
        for interval in self.datapath:
            if interval.path not in DATAPATHS:
                raise ValueError(f"unknown datapath {interval.path!r}")

    @property
    def actors(self) -> tuple[str, ...]:
        """The actors that take part, in the order of :data:`ACTORS` (unknown ids last, by appearance)."""
        seen = {e.actor for e in self.events}
        known = [a for a in ACTORS if a in seen]
        extra = [a for a in dict.fromkeys(e.actor for e in self.events) if a not in ACTORS]
        return tuple(known + extra)

    def path_at(self, t: float) -> Path | None:
        """The datapath in effect just after ``t`` (``None`` outside the intervals)."""
        for interval in self.datapath:
            if interval.start <= t and (interval.end is None or t < interval.end):
                return interval.path
        return None

    def to_json_dict(self) -> dict[str, Any]:
        """``{"scenario", "parameters", "events", "datapath", "totals"}``."""
        return {
            "scenario": self.scenario,
            "parameters": dict(self.parameters),
            "events": [e.to_json_dict() for e in self.events],
            "datapath": [i.to_json_dict() for i in self.datapath],
            "totals": dict(self.totals),
        }

    @classmethod
    def from_json_dict(cls, data: Mapping[str, Any]) -> Timeline:
        """The inverse of :meth:`to_json_dict`, for measured timelines stored as JSON."""
        events = tuple(
            Event(t=float(e["t"]), actor=str(e["actor"]), kind=e["kind"], name=str(e["name"]),
                  detail=str(e.get("detail", "")), inferred=bool(e.get("inferred", False)))
            for e in data["events"]
        )
        datapath = tuple(
            Interval(start=float(i["from"]), end=None if i.get("to") is None else float(i["to"]), path=i["path"])
            for i in data.get("datapath", ())
        )
        return cls(scenario=str(data["scenario"]), parameters=dict(data.get("parameters", {})), events=events,
                   datapath=datapath, totals=dict(data.get("totals", {})))


def caption_of(event: Event) -> str:
    """The short caption the tables give an event's name (empty when the name is not in a table)."""
    if event.kind == "qmp-event" and event.name in QMP_EVENTS:
        return QMP_EVENTS[event.name].caption
    if event.kind == "migration-state" and event.name in MIGRATION_STATES:
        return MIGRATION_STATES[event.name].caption
    if event.kind == "action" and event.name in ACTIONS:
        return ACTIONS[event.name].caption
    return ""


def recipient_of(event: Event, actors: Sequence[str]) -> str | None:
    """The actor an action's message goes to: the first of the table's recipients present in ``actors``."""
    if event.kind != "action" or event.name not in ACTIONS:
        return None
    return next((a for a in ACTIONS[event.name].to if a in actors and a != event.actor), None)


def build_datapath(switches: Sequence[tuple[float, Path]]) -> tuple[Interval, ...]:
    """Intervals from ``(t, path)`` switch points in time order: equal neighbours merge, empty intervals vanish."""
    merged: list[tuple[float, Path]] = []
    for t, path in switches:
        if merged and merged[-1][0] == t:
            merged[-1] = (t, path)
        elif not merged or merged[-1][1] != path:
            merged.append((t, path))
        if len(merged) >= 2 and merged[-1][1] == merged[-2][1]:
            merged.pop()
    intervals = [
        Interval(start=t, end=merged[i + 1][0] if i + 1 < len(merged) else None, path=path)
        for i, (t, path) in enumerate(merged)
    ]
    return tuple(intervals)
