"""A timeline as steps: one event at a time, what every actor is doing then, and which NIC carries the traffic."""

from __future__ import annotations

from dataclasses import dataclass

from teamkit.failover.tables import ACTORS, DATAPATHS
from teamkit.failover.timeline import Event, Path, Timeline, caption_of, recipient_of

__all__ = ["ActorNow", "Step", "actor_name", "step_at", "steps"]


@dataclass(frozen=True)
class ActorNow:
    """One actor at one step: whether it acts now, and its latest event so far (``None``: nothing yet)."""

    actor: str
    name: str
    acting: bool
    last: Event | None


@dataclass(frozen=True)
class Step:
    """Step ``index`` (from 0) of ``count``: the event, its caption and recipient, and the datapath just after it."""

    index: int
    count: int
    event: Event
    caption: str
    recipient: str | None
    path: Path | None
    path_name: str
    actors: tuple[ActorNow, ...]

    @property
    def first(self) -> bool:
        return self.index == 0

    @property
    def last(self) -> bool:
        return self.index == self.count - 1


def actor_name(actor: str) -> str:
    """The actor's display name (the id itself for an actor the tables do not know)."""
    known = ACTORS.get(actor)
    return known.name if known is not None else actor


def step_at(timeline: Timeline, index: int) -> Step:
    """Step ``index`` of ``timeline`` (``IndexError`` outside ``0 … len(events) - 1``)."""
    events = timeline.events
    if not 0 <= index < len(events):
        raise IndexError(f"step {index} is outside 0…{len(events) - 1}")
    event = events[index]
    latest: dict[str, Event] = {}
    for earlier in events[: index + 1]:
        latest[earlier.actor] = earlier
    actors = tuple(
        ActorNow(actor=a, name=actor_name(a), acting=a == event.actor, last=latest.get(a)) for a in timeline.actors
    )
    path = timeline.path_at(event.t)
    path_name = DATAPATHS[path].name if path is not None else "unknown"
    return Step(index=index, count=len(events), event=event, caption=caption_of(event) or event.name,
                recipient=recipient_of(event, timeline.actors), path=path, path_name=path_name, actors=actors)


def steps(timeline: Timeline) -> tuple[Step, ...]:
    """Every step of ``timeline``, in order."""
    return tuple(step_at(timeline, i) for i in range(len(timeline.events)))
