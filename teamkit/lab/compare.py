"""Line a measured lab timeline up with the model's: event order per actor, and the durations that differ."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, cast

from teamkit.failover.params import Params
from teamkit.failover.scenario import simulate
from teamkit.failover.timeline import Timeline
from teamkit.lab.scenarios import LAB_SCENARIOS, MAC, PRIMARY_ID, STANDBY_ID, PrimaryBus
from teamkit.model import Controller, Domain, Interface, InterfaceSource, PciAddress, Teaming

__all__ = ["CROSSING_TOLERANCE_S", "DURATIONS", "PRIMARY_FACTS", "ActorOrder", "Comparison", "Duration", "compare",
           "lab_domain", "milestones", "model_params", "side_by_side_dot"]

#: what the emulated primary NIC does, measured in the lab (real-failover-lab.md Key fact 10, §6): the guest's
#: unplug handling and the carrier delay after every (re-)plug
PRIMARY_FACTS: Final[Mapping[str, Mapping[str, float]]] = {
    "vmxnet3": {"guest_unplug_s": 0.02, "vf_link_up_s": 0.0},
    "e1000e": {"guest_unplug_s": 0.085, "vf_link_up_s": 2.5},
}
#: the durations compared, with what they measure
DURATIONS: Final = (
    ("wait_unplug_s", "time in wait-unplug (until active, or until migrate_cancel)"),
    ("guest_unplug_s", "UNPLUG_PRIMARY → the guest releases the primary"),
    ("migration_s", "migrate → the source's final state"),
    ("precopy_s", "source active → STOP"),
    ("downtime_s", "source STOP → destination RESUME"),
    ("primary_back_s", "destination RESUME → primary enslaved again"),
    ("on_virtio_s", "time on the virtio standby"),
    ("off_vf_s", "leaving the primary → traffic on the primary again"),
    ("off_network_s", "time with no working datapath"),
    ("cancel_grace_s", "cancelling → cancelled"),
)
#: cross-actor order is reported only where both timelines separate the two events by more than this
CROSSING_TOLERANCE_S: Final = 0.01
#: events whose time the lab itself chooses (it keeps the source running to record the destination)
_LAB_TIMED: Final = frozenset({"management:source-exit"})
#: QEMU versions before 9.2 report no 'device' state (real-failover-lab.md §7 pitfall 4)
_DEVICE_STATE_SINCE: Final = (9, 2)


def lab_domain(primary_bus: PrimaryBus = "root-port") -> Domain:
    """The lab's pair as libvirt would describe it: q35, the virtio standby on root port 1, the primary on root
    port 2 (or on ``pcie.0`` slot 3), one MAC; for ``pci.0``, machine pc with both on its root bus (slots 4 and 5).
    libvirt can only express the primary as a VF (``<interface type='hostdev'>``); the lab's emulated NIC stands
    in for it."""
    def slot(bus: int, number: int = 0) -> PciAddress:
        return PciAddress(domain=0, bus=bus, slot=number, function=0)

    pc = primary_bus == "pci.0"
    standby = Interface(type="user", mac=MAC, model="virtio",
                        teaming=Teaming(type_text="persistent", persistent=None), alias=STANDBY_ID,
                        alias_written=STANDBY_ID, address=slot(0, 4) if pc else slot(1))
    primary = Interface(type="hostdev", mac=MAC, managed="yes",
                        source=InterfaceSource(pci=PciAddress(domain=0, bus=0x5E, slot=0, function=2)),
                        teaming=Teaming(type_text="transient", persistent=STANDBY_ID), alias=PRIMARY_ID,
                        alias_written=PRIMARY_ID,
                        address={"root-port": slot(2), "pcie.0": slot(0, 3), "pci.0": slot(0, 5)}[primary_bus])
    controllers: tuple[Controller, ...] = (Controller(type="pci", index=0, model="pcie-root"),
                                           Controller(type="pci", index=1, model="pcie-root-port"))
    if primary_bus == "root-port":
        controllers += (Controller(type="pci", index=2, model="pcie-root-port"),)
    if pc:
        controllers = (Controller(type="pci", index=0, model="pci-root"),)
    return Domain(name="teamkit-lab", domain_type="qemu", arch="x86_64", machine="pc" if pc else "q35",
                  features=("acpi",), interfaces=(standby, primary), controllers=controllers)


def _version(text: object) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in str(text).split(".")[:2])
    except ValueError:
        return ()


def model_params(parameters: Mapping[str, Any]) -> Params:
    """The model's parameters for a lab run's settings (a measured timeline's ``parameters``)."""
    primary = PRIMARY_FACTS.get(str(parameters.get("primary")), PRIMARY_FACTS["vmxnet3"])
    version = _version(parameters.get("qemu"))
    overrides: dict[str, Any] = {
        "libvirt": False,
        "hotplug": "pcie" if parameters.get("hotplug") == "pcie" else "acpi",
        "guest_net_failover": parameters.get("guest_mode", "full") != "nofailover",
        "device_state": bool(version) and version >= _DEVICE_STATE_SINCE,
        "guest_unplug_s": primary["guest_unplug_s"] + float(parameters.get("slow_s") or 0.0),
        "vf_link_up_s": primary["vf_link_up_s"],
    }
    if parameters.get("cancel_after_s") is not None:
        overrides["cancel_after_s"] = float(parameters["cancel_after_s"])
    return Params(**overrides)


def milestones(tl: Timeline) -> dict[str, float | None]:
    """Durations read off the events and datapath the same way for the model and a measurement."""
    def first(actor: str, name: str, after: float = float("-inf")) -> float | None:
        return next((e.t for e in tl.events if e.actor == actor and e.name == name and e.t >= after), None)

    def minus(a: float | None, b: float | None) -> float | None:
        return None if a is None or b is None else round(a - b, 6)

    resume = first("dst-qemu", "RESUME")
    found: dict[str, float | None] = {
        "guest_unplug_s": minus(first("guest", "vf-released"), first("src-qemu", "UNPLUG_PRIMARY")),
        "primary_back_s": None if resume is None else minus(first("guest", "vf-enslaved", resume), resume),
    }
    for key, _ in DURATIONS:
        if key not in found:
            value = tl.totals.get(key)
            found[key] = float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
    return found


@dataclass(frozen=True)
class ActorOrder:
    """One actor's events: the names both timelines have, in each one's order."""

    actor: str
    model: tuple[str, ...]
    measured: tuple[str, ...]
    only_model: tuple[str, ...]
    only_measured: tuple[str, ...]

    @property
    def agrees(self) -> bool:
        return self.model == self.measured


@dataclass(frozen=True)
class Duration:
    key: str
    meaning: str
    model: float | None
    measured: float | None

    @property
    def difference(self) -> float | None:
        return None if self.model is None or self.measured is None else round(self.measured - self.model, 6)


@dataclass(frozen=True)
class Comparison:
    """The model next to the measurement of one lab scenario."""

    lab_scenario: str
    model_scenario: str
    model: Timeline
    measured: Timeline
    orders: tuple[ActorOrder, ...]
    durations: tuple[Duration, ...]
    #: pairs of events on different actors that the model puts one way and the measurement the other
    crossings: tuple[tuple[str, str], ...] = ()

    @property
    def agrees(self) -> bool:
        """Every actor's shared events come in the same order (what the comparison promises)."""
        return all(o.agrees for o in self.orders)

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "lab_scenario": self.lab_scenario, "model_scenario": self.model_scenario, "order_agrees": self.agrees,
            "model_parameters": dict(self.model.parameters),
            "orders": [{"actor": o.actor, "agrees": o.agrees, "model": list(o.model), "measured": list(o.measured),
                        "only_model": list(o.only_model), "only_measured": list(o.only_measured)}
                       for o in self.orders],
            "durations": [{"key": d.key, "meaning": d.meaning, "model": d.model, "measured": d.measured,
                           "difference": d.difference} for d in self.durations],
            "crossings": [list(pair) for pair in self.crossings],
        }

    def text(self) -> str:
        lines = [f"lab scenario {self.lab_scenario} vs model scenario {self.model_scenario}: event order "
                 + ("agrees" if self.agrees else "DISAGREES")]
        for o in self.orders:
            mark = "=" if o.agrees else "≠"
            lines.append(f"  {mark} {o.actor}: {' → '.join(o.measured) or '(nothing shared)'}")
            if not o.agrees:
                lines.append(f"      model:    {' → '.join(o.model)}")
            if o.only_model:
                lines.append(f"      model only: {', '.join(o.only_model)}")
            if o.only_measured:
                lines.append(f"      measured only: {', '.join(o.only_measured)}")
        for before, after in self.crossings:
            lines.append(f"  across actors: the model has {before} before {after}, the measurement the reverse")
        lines.append("  durations (s)               model   measured   difference")
        for d in self.durations:
            if d.model is None and d.measured is None:
                continue
            diff = "" if d.difference is None else f"{d.difference:+.3f}"
            lines.append(f"    {d.key:<22} {_num(d.model):>9} {_num(d.measured):>10} {diff:>12}")
        return "\n".join(lines)


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _names(tl: Timeline, actor: str) -> list[str]:
    return [e.name for e in tl.events if e.actor == actor]


def _order(actor: str, model: Sequence[str], measured: Sequence[str]) -> ActorOrder:
    shared = set(model) & set(measured)
    return ActorOrder(actor=actor, model=tuple(n for n in model if n in shared),
                      measured=tuple(n for n in measured if n in shared),
                      only_model=tuple(dict.fromkeys(n for n in model if n not in shared)),
                      only_measured=tuple(dict.fromkeys(n for n in measured if n not in shared)))


def compare(measured: Timeline, *, model: Timeline | None = None) -> Comparison:
    """Compare ``measured`` (from :func:`teamkit.lab.measure.timeline_from_raw`) with the model's timeline of the
    same scenario and settings (simulated here unless given)."""
    lab = LAB_SCENARIOS.get(measured.scenario)
    model_scenario = lab.model_scenario if lab is not None else measured.scenario
    if model is None:
        bus = measured.parameters.get("primary_bus") or (lab.primary_bus if lab is not None else "root-port")
        if bus not in ("root-port", "pcie.0", "pci.0"):
            bus = "root-port"
        model = simulate(lab_domain(cast(PrimaryBus, bus)), model_scenario, model_params(measured.parameters))
    actors = list(dict.fromkeys([*model.actors, *measured.actors]))
    orders = tuple(_order(a, _names(model, a), _names(measured, a)) for a in actors)
    mine, theirs = milestones(model), milestones(measured)
    durations = tuple(Duration(key, meaning, mine.get(key), theirs.get(key)) for key, meaning in DURATIONS)
    return Comparison(lab_scenario=measured.scenario, model_scenario=model_scenario, model=model, measured=measured,
                      orders=orders, durations=durations, crossings=_crossings(model, measured))


def _firsts(tl: Timeline) -> dict[str, float]:
    found: dict[str, float] = {}
    for e in tl.events:
        found.setdefault(f"{e.actor}:{e.name}", e.t)
    return found


def _crossings(model: Timeline, measured: Timeline) -> tuple[tuple[str, str], ...]:
    """Events of different actors (first occurrences) that the model orders strictly one way and the measurement
    strictly the other: cross-actor order is reported, but only per-actor order decides agreement."""
    mine, theirs = _firsts(model), _firsts(measured)
    shared = sorted((set(mine) & set(theirs)) - _LAB_TIMED, key=lambda k: (mine[k], k))
    out = []
    tol = CROSSING_TOLERANCE_S
    for i, a in enumerate(shared):
        for b in shared[i + 1:]:
            if a.split(":")[0] != b.split(":")[0] and mine[b] - mine[a] > tol and theirs[a] - theirs[b] > tol:
                out.append((a, b))
    return tuple(out)


def side_by_side_dot(comparison: Comparison) -> str:
    """Both swimlanes, model left and measurement right (needs :mod:`teamkit.draw`, pure string building)."""
    from teamkit.draw.timeline import timelines_dot

    p = comparison.measured.parameters
    setup = f"{p.get('primary', '?')} primary, {p.get('hotplug', '?')} hotplug"
    return timelines_dot([comparison.model, comparison.measured],
                         titles=[f"model: {comparison.model_scenario} ({setup})",
                                 f"measured: lab {comparison.lab_scenario} ({setup}, QEMU {p.get('qemu', '?')})"])
