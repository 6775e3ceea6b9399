"""Migration scenarios of a failover pair: which ones can happen to a domain, and their event timelines."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from teamkit.failover.errors import NoFailoverPairError, ScenarioError
from teamkit.failover.guest import GuestPairView, guest_view
from teamkit.failover.params import Params
from teamkit.failover.story import Story, Switchover
from teamkit.failover.tables import CANCEL_GRACE_POLLS, QEMU_MESSAGES, SCENARIOS
from teamkit.failover.timeline import Timeline, TotalValue
from teamkit.model import Domain

__all__ = ["SCENARIO_NAMES", "Applicability", "applicable_scenarios", "select_pair", "simulate"]

#: every scenario, in the order of qemu-failover.md §7
SCENARIO_NAMES: Final = tuple(SCENARIOS)


@dataclass(frozen=True)
class Applicability:
    """Whether a scenario can happen to this domain and guest, and why."""

    scenario: str
    applicable: bool
    reason: str


def select_pair(domain: Domain, params: Params, *, pair: str | None = None) -> GuestPairView:
    """The pair a scenario follows: the one whose standby or primary id is ``pair``, else the first."""
    pairs = guest_view(domain, guest=params.guest).pairs
    if pair is None:
        return pairs[0]
    for view in pairs:
        if pair in (view.standby_id, view.primary_id):
            return view
    known = ", ".join(f"{v.standby_id}/{v.primary_id}" for v in pairs)
    raise NoFailoverPairError(domain.name, f"no failover pair with id {pair!r} (pairs: {known})")


def applicable_scenarios(
    domain: Domain, *, params: Params | None = None, pair: str | None = None
) -> tuple[Applicability, ...]:
    """Every scenario with whether it applies to ``domain`` and the guest in ``params``, and the reason."""
    view = select_pair(domain, params or Params(), pair=pair)
    return tuple(_applicability(name, view, params or Params()) for name in SCENARIO_NAMES)


def simulate(domain: Domain, scenario: str, params: Params | None = None, *, pair: str | None = None) -> Timeline:
    """The event timeline of ``scenario`` for one pair of ``domain`` (see :data:`SCENARIO_NAMES`).

    Raises :class:`ScenarioError` for an unknown scenario or one that cannot happen to this domain and guest, and
    :class:`NoFailoverPairError` when the domain has no pair.
    """
    if scenario not in SCENARIOS:
        raise ScenarioError(scenario, f"unknown scenario; choose one of {', '.join(SCENARIO_NAMES)}")
    p = params or Params()
    view = select_pair(domain, p, pair=pair)
    verdict = _applicability(scenario, view, p)
    if not verdict.applicable:
        possible = [a.scenario for a in (_applicability(n, view, p) for n in SCENARIO_NAMES) if a.applicable]
        raise ScenarioError(scenario, f"{verdict.reason}; applicable here: {', '.join(possible) or 'none'}")
    story = Story(params=p, view=view)
    totals = _BUILDERS[scenario](story)
    return story.timeline(scenario, totals)


# -- applicability ------------------------------------------------------------------------------------------------


def _applicability(name: str, view: GuestPairView, params: Params) -> Applicability:
    guest = params.guest
    placement = view.placement
    outcome = placement.outcome
    starts = outcome != "refused-at-startup"
    plugged = view.primary_plugged
    why_not_plugged = _why_not_plugged(view, params)
    if not view.paired:
        what = ("no interface has QEMU id" if view.pair.persistent is None
                else "no persistent member (failover=on) has QEMU id")
        return Applicability(name, False, f"the pair is dangling: {what} {view.standby_id!r}, so there is no "
                                          "failover to migrate")
    if name == "primary-not-hotpluggable":
        if outcome == "plugs":
            return Applicability(name, False, f"the primary plugs: {placement.explanation}")
        if starts and not guest.negotiates_standby:
            return Applicability(name, False, "the guest never negotiates STANDBY, so QEMU never tries the plug "
                                              "(see guest-no-failover)")
        return Applicability(name, True, f"{placement.explanation}: QEMU says {placement.qemu_message!r}")
    if not starts:
        return Applicability(name, False, f"QEMU refuses to start the domain: {placement.qemu_message!r}")
    if name == "guest-no-failover":
        if not guest.negotiates_standby:
            return Applicability(name, True, "the configured guest does not negotiate STANDBY")
        return Applicability(name, True, "always possible: a guest without STANDBY support (Linux < 4.18, no "
                                         "net_failover, firmware only, another OS) migrates like plain virtio")
    if name == "no-vf-on-destination" and params.libvirt:
        return Applicability(name, True, "libvirt's Prepare needs a free VF on the destination whatever the guest "
                                         "does (qemu-failover.md §7 F4)")
    if not plugged:
        return Applicability(name, False, why_not_plugged)
    mac_note = "; the VF is never enslaved (MACs differ), so traffic stays on virtio" if view.enslaved is False else ""
    reasons = {
        "happy": "the guest negotiates STANDBY and the primary sits on a hot-pluggable PCIe port",
        "guest-ignores-unplug": "any guest can fail to finish the eject (broken hotplug driver, lost ACPI request, "
                                "paused VM)",
        "fails-after-active": "the stream can break during precopy (network error, destination load error)",
        "no-vf-on-destination": "with plain QEMU the destination plugs the primary during the load and only warns "
                                "when it cannot",
    }
    return Applicability(name, True, reasons[name] + mac_note)


def _why_not_plugged(view: GuestPairView, params: Params) -> str:
    if not params.guest.negotiates_standby:
        return "the guest does not negotiate STANDBY, so QEMU never plugs the primary (see guest-no-failover)"
    return f"QEMU cannot plug the primary: {view.placement.explanation} (see primary-not-hotpluggable)"


# -- the scenarios --------------------------------------------------------------------------------------------------


def _happy(story: Story) -> dict[str, TotalValue]:
    story.path(0.0, story.view.carrier)
    migrate = story.begin()
    active = story.unplug(migrate)
    assert active is not None
    switch = story.switchover(active, plug="plug")
    story.replug(switch.resume)
    return _totals("completed", migrate, active, migrate + story.params.setup_s, switch, switch.source_done)


def _guest_no_failover(story: Story) -> dict[str, TotalValue]:
    p = story.params
    # Linux from 4.18 cannot have virtio_net without STANDBY (virtio_net.ko depends on net_failover), so a guest
    # configured without net_failover has no NIC on the pair at all: measured in teamkit lab guest-no-failover
    no_nic = not p.guest.has_virtio_net
    note = ""
    if no_nic:
        story.path(0.0, "none")
        note = ("; the guest has no NIC on this pair: without net_failover a Linux ≥ 4.18 guest cannot load "
                "virtio_net (its module depends on net_failover; measured in teamkit lab guest-no-failover)")
    else:
        story.path(0.0, "virtio")
        story.add(0.0, "guest", "action", "guest-runs-virtio-only",
                  "no FAILOVER_NEGOTIATED at boot: the primary stays hidden and the guest has no net_failover master")
    migrate = story.begin()
    story.add(migrate, "dst-qemu", "migration-state", "active", "the source connects")
    active = story.add(migrate + p.setup_s, "src-qemu", "migration-state", "active",
                       "no primary to unplug: no UNPLUG_PRIMARY, no wait-unplug (qemu-failover.md Key fact 8)" + note)
    switch = story.switchover(active, plug="none", after="none" if no_nic else "virtio")
    return _totals("completed", migrate, active, None, switch, switch.source_done)


def _guest_ignores_unplug(story: Story) -> dict[str, TotalValue]:
    p = story.params
    story.path(0.0, story.view.carrier)
    migrate = story.begin()
    story.unplug(migrate, ignored=True)
    waiting = migrate + p.setup_s
    cancelled = story.cancel(waiting + p.cancel_after_s)
    totals = _totals("cancelled", migrate, None, waiting, None, cancelled)
    totals["wait_unplug_s"] = round(p.cancel_after_s, 6)
    totals["cancel_grace_s"] = round(CANCEL_GRACE_POLLS * p.wait_unplug_poll_s, 6)
    return totals


def _fails_after_active(story: Story) -> dict[str, TotalValue]:
    p = story.params
    story.path(0.0, story.view.carrier)
    migrate = story.begin()
    active = story.unplug(migrate)
    assert active is not None
    model = story.precopy_model()
    if p.fail_after_active_s >= model.precopy_s:
        raise ScenarioError("fails-after-active", f"fail_after_active_s={p.fail_after_active_s:g} is not inside the "
                                                  f"modelled precopy ({model.precopy_s:.3f} s)")
    story.add(active, "src-qemu", "action", "precopy",
              f"precopy starts; the model needs {model.precopy_s:.3f} s for {model.iterations} pass(es)")
    failed = active + p.fail_after_active_s
    story.add(failed, "dst-qemu", "action", "stream-error",
              "a destination load error or a network error breaks the stream (real-failover-lab.md §5 X0)")
    story.add(failed, "dst-qemu", "migration-state", "failed", "the destination gives up and exits")
    story.add(failed, "src-qemu", "migration-state", "failed", "MIG_EVENT_PRECOPY_FAILED follows in migration_cleanup")
    story.add(failed, "src-qemu", "action", "replug-primary",
              "failover_replug_primary() hot-adds the primary on the source; FAILOVER_NEGOTIATED is not re-emitted")
    story.replug(failed)
    return _totals("failed", migrate, active, migrate + p.setup_s, None, failed)


def _no_vf_on_destination(story: Story) -> dict[str, TotalValue]:
    p, v = story.params, story.view
    story.path(0.0, v.carrier)
    if p.libvirt:
        story.add(0.0, "management", "action", "migrate-request", "virsh migrate --live (virDomainMigrate3)")
        story.add(0.0, "libvirt", "action", "prepare",
                  "Prepare on the destination host needs a free VF [infer: qemu-failover.md §7 M0 and F4 infer the "
                  "hostdev preparation from libvirt's Begin/Prepare/Perform protocol]", inferred=True)
        story.add(p.prepare_s, "libvirt", "action", "prepare-failed",
                  "hostdev prepare or hostdev-network allocation fails before the source gets migrate, so nothing "
                  "is unplugged [infer: qemu-failover.md §7 F4, from libvirt's Begin/Prepare/Perform protocol]",
                  inferred=True)
        return _totals("refused", None, None, None, None, None)
    migrate = story.begin()
    active = story.unplug(migrate)
    assert active is not None
    switch = story.switchover(active, plug="warn", warning=(
        "vfio cannot open a host VF on this host: failover_add_primary only warns (warn_report_err); the guest "
        "stays on virtio (qemu-failover.md §7 F4')"))
    return _totals("completed", migrate, active, migrate + p.setup_s, switch, switch.source_done)


def _primary_not_hotpluggable(story: Story) -> dict[str, TotalValue]:
    p, v = story.params, story.view
    message = v.placement.qemu_message or QEMU_MESSAGES["not-express"]
    if v.placement.outcome == "refused-at-startup":
        story.path(0.0, "none")
        story.add(0.0, story.boss, "action", "start", "the domain is started")
        story.add(0.0, "src-qemu", "action", "startup-refused",
                  f"{message}: QEMU refuses the hidden primary's -device line ({v.placement.explanation})")
        return _totals("refused", None, None, None, None, None)
    story.path(0.0, "virtio")
    story.add(0.0, "src-qemu", "action", "primary-plug-failed",
              f"at boot: FAILOVER_NEGOTIATED, then only a warning, {message}; the primary is never realized and "
              "the guest runs on virtio (measured: teamkit lab primary-on-root-bus, primary-on-pci0)")
    migrate = story.begin()
    story.add(migrate, "dst-qemu", "migration-state", "active", "the source connects")
    active = story.add(migrate + p.setup_s, "src-qemu", "migration-state", "active",
                       "no primary was realized on the source, so nothing is unplugged: no UNPLUG_PRIMARY, no "
                       "wait-unplug (measured: teamkit lab primary-on-root-bus, primary-on-pci0)")
    switch = story.switchover(active, plug="warn", warning=(
        f"{message}: the same warning on the destination while it loads the state; the guest stays on virtio "
        "(measured: teamkit lab primary-on-root-bus, primary-on-pci0)"))
    return _totals("completed", migrate, active, None, switch, switch.source_done)


def _totals(
    outcome: str,
    migrate: float | None,
    active: float | None,
    wait_from: float | None,
    switch: Switchover | None,
    end: float | None,
) -> dict[str, TotalValue]:
    model = switch.model if switch is not None else None
    return {
        "outcome": outcome,
        "migration_s": None if migrate is None or end is None else round(end - migrate, 6),
        "wait_unplug_s": round(active - wait_from, 6) if active is not None and wait_from is not None else 0.0,
        "cancel_grace_s": 0.0,
        "precopy_s": None if model is None else round(model.precopy_s, 6),
        "precopy_passes": None if model is None else model.iterations,
        "precopy_converged": None if model is None else model.converged,
        "ram_sent_mib": None if model is None else round(model.sent_mib, 3),
        "downtime_s": None if switch is None else round(switch.resume - switch.stop, 6),
    }


_BUILDERS: Final[dict[str, Callable[[Story], dict[str, TotalValue]]]] = {
    "happy": _happy,
    "guest-no-failover": _guest_no_failover,
    "guest-ignores-unplug": _guest_ignores_unplug,
    "fails-after-active": _fails_after_active,
    "no-vf-on-destination": _no_vf_on_destination,
    "primary-not-hotpluggable": _primary_not_hotpluggable,
}
