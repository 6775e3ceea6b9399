"""Scenario timelines checked against qemu-failover.md §7 (steps M0–M12 and failure paths F1–F5).

The expected orders below are written from the document, step by step, not from teamkit's output.
"""

from __future__ import annotations

import json

import pytest

from teamkit.failover import (
    SCENARIO_NAMES,
    NoFailoverPairError,
    Params,
    ScenarioError,
    Timeline,
    applicable_scenarios,
    simulate,
)
from teamkit.failover.tables import ACTIONS, ACTORS, MIGRATION_STATES, QMP_EVENTS
from teamkit.model import Domain
from tests.failover.domains import failover_domain, i440fx_domain, pcie0_domain

__all__: list[str] = []

# --- what the document says, as data ------------------------------------------------------------------------------

#: Key fact 4 (setup → wait-unplug → active → device → completed), §4 (UNPLUG_PRIMARY from the setup notifier,
#: before the thread waits), §7 M7 (STOP; MIGRATION device)
HAPPY_SOURCE = ["setup", "UNPLUG_PRIMARY", "wait-unplug", "active", "STOP", "device", "completed"]
#: §7 M0 (primary hidden again), Key fact 7 (FAILOVER_NEGOTIATED → primary present → RESUME → completed)
HAPPY_DESTINATION = ["primary-hidden", "FAILOVER_NEGOTIATED", "primary-plugged", "RESUME", "completed"]
#: §7 steps in order across actors: M1 migrate, M2 UNPLUG_PRIMARY, M4 the guest drops the VF, M5 active,
#: M7 STOP, M8 FAILOVER_NEGOTIATED (DQ), M9 RESUME, M11 the guest enslaves the new VF
HAPPY_STEPS = [("libvirt", "migrate"), ("src-qemu", "UNPLUG_PRIMARY"), ("guest", "vf-released"),
               ("src-qemu", "active"), ("src-qemu", "STOP"), ("dst-qemu", "FAILOVER_NEGOTIATED"),
               ("dst-qemu", "RESUME"), ("guest", "vf-enslaved")]
#: §7 datapath column: VF (M0–M3), VIO (M4–M6), NONE (M7–M9), VIO (M10), VF (M11–M12)
HAPPY_DATAPATH = ["vf", "virtio", "none", "virtio", "vf"]

#: F1 + Key fact 8: no FAILOVER_NEGOTIATED, no UNPLUG_PRIMARY, no wait-unplug; "migrates like plain virtio"
F1_SOURCE = ["setup", "active", "STOP", "device", "completed"]
F1_DESTINATION = ["RESUME", "completed"]
F1_ABSENT = {"FAILOVER_NEGOTIATED", "UNPLUG_PRIMARY", "wait-unplug"}
#: "guest VIO-only throughout"; the stop-and-copy blackout (M7) applies to any migration
F1_DATAPATH = ["virtio", "none", "virtio"]

#: F2: wait-unplug forever; migrate_cancel → cancelling; 30 s (120 × 250 ms); warning; cancelled; then the FAILED
#: notifier re-plugs (§4: migration_cleanup → notifiers → failover_replug_primary)
F2_SOURCE = ["setup", "UNPLUG_PRIMARY", "wait-unplug", "cancelling", "partial-unplug-warning", "cancelled",
             "replug-primary"]
F2_DATAPATH = ["vf"]  # "datapath stays VF"

#: F3: failure after active → failover_replug_primary(): hot-add on source; VIO → VF
F3_SOURCE = ["setup", "UNPLUG_PRIMARY", "wait-unplug", "active", "failed", "replug-primary"]
F3_DATAPATH = ["vf", "virtio", "vf"]

#: F4 (libvirt): fails in Prepare before the source gets migrate: nothing unplugged
F4_DATAPATH = ["vf"]
#: F4' (plain QEMU): failover_add_primary only warns; completes; destination VIO-only
F4Q_DESTINATION = ["FAILOVER_NEGOTIATED", "primary-plug-failed", "RESUME", "completed"]
F4Q_DATAPATH = ["vf", "virtio", "none", "virtio"]

#: F5 on a non-express bus, and on q35's pcie.0 with QEMU's default ACPI PCI hotplug (measured with QEMU 7.2, teamkit
#: lab primary-on-root-bus): FAILOVER_NEGOTIATED, then only a warning; VIO-only; a plain migration whose destination
#: warns the same way. On i440fx pci.0 without ACPI: refused at startup.
F5_DATAPATH = ["virtio", "none", "virtio"]
F5_SOURCE = ["primary-plug-failed", "setup", "active", "precopy", "STOP", "device", "completed"]
F5_DESTINATION = ["primary-hidden", "active", "FAILOVER_NEGOTIATED", "primary-plug-failed", "RESUME", "completed"]


# --- helpers ------------------------------------------------------------------------------------------------------


def names(tl: Timeline, actor: str) -> list[str]:
    return [e.name for e in tl.events if e.actor == actor]


def paths(tl: Timeline) -> list[str]:
    return [i.path for i in tl.datapath]


def is_subsequence(expected: list[str], actual: list[str]) -> bool:
    it = iter(actual)
    return all(name in it for name in expected)


def index(tl: Timeline, actor: str, name: str) -> int:
    return next(i for i, e in enumerate(tl.events) if e.actor == actor and e.name == name)


def event_t(tl: Timeline, actor: str, name: str) -> float:
    return tl.events[index(tl, actor, name)].t


# --- the scenarios --------------------------------------------------------------------------------------------------


class TestHappy:
    tl = simulate(failover_domain(), "happy")

    def test_source_order(self) -> None:
        assert is_subsequence(HAPPY_SOURCE, names(self.tl, "src-qemu")), names(self.tl, "src-qemu")

    def test_destination_order(self) -> None:
        assert is_subsequence(HAPPY_DESTINATION, names(self.tl, "dst-qemu")), names(self.tl, "dst-qemu")

    def test_steps_across_actors(self) -> None:
        positions = [index(self.tl, actor, name) for actor, name in HAPPY_STEPS]
        assert positions == sorted(positions)

    def test_datapath(self) -> None:
        assert paths(self.tl) == HAPPY_DATAPATH

    def test_wait_unplug_is_one_poll_with_acpi(self) -> None:
        # eject at 0.08 s (guest_unplug_s), wait-unplug from 0.004 s: the first 250 ms poll ends it at 0.254 s
        assert event_t(self.tl, "src-qemu", "wait-unplug") == 0.004
        assert event_t(self.tl, "src-qemu", "active") == 0.254
        assert self.tl.totals["wait_unplug_s"] == 0.25

    def test_totals_agree_with_the_events(self) -> None:
        stop, resume = event_t(self.tl, "src-qemu", "STOP"), event_t(self.tl, "dst-qemu", "RESUME")
        assert self.tl.totals["downtime_s"] == pytest.approx(resume - stop)
        assert self.tl.totals["migration_s"] == pytest.approx(event_t(self.tl, "src-qemu", "completed"))
        off_vf = self.tl.datapath[-1].start - self.tl.datapath[0].end  # type: ignore[operator]
        assert self.tl.totals["off_vf_s"] == pytest.approx(off_vf)
        assert self.tl.totals["outcome"] == "completed"

    def test_native_pcie_waits_for_the_button(self) -> None:
        # eject done at 5 s (button) + 0.08 s (driver) + 1 s (power indicator) = 6.08 s; polls from 0.004 s:
        # ceil(6.076 / 0.25) = 25 polls = 6.25 s in wait-unplug (the lab measured 6.26–6.51 s)
        tl = simulate(failover_domain(), "happy", Params(hotplug="pcie"))
        assert tl.totals["wait_unplug_s"] == 6.25
        assert event_t(tl, "guest", "vf-released") == 5.08
        assert "button-wait" in names(tl, "guest")

    def test_slow_link_up_drops_frames(self) -> None:
        tl = simulate(failover_domain(), "happy", Params(vf_link_up_s=2.5))
        assert paths(tl) == ["vf", "virtio", "none", "virtio", "none", "vf"]
        assert event_t(tl, "guest", "vf-link-up") - event_t(tl, "guest", "vf-enslaved") == 2.5

    def test_eject_before_the_check_skips_wait_unplug(self) -> None:
        tl = simulate(failover_domain(), "happy", Params(guest_unplug_s=0.0))
        assert "wait-unplug" not in names(tl, "src-qemu")

    def test_macs_differ_the_guest_stays_on_virtio(self) -> None:
        tl = simulate(failover_domain(primary_mac="52:54:00:00:00:01"), "happy")
        assert "vf" not in paths(tl)
        assert {"vf-removed", "vf-independent"} <= set(names(tl, "guest"))
        assert is_subsequence(HAPPY_SOURCE, names(tl, "src-qemu"))

    def test_plain_hostdev_assumes_the_admin_set_the_mac(self) -> None:
        tl = simulate(failover_domain(primary="hostdev"), "happy")
        assert paths(tl) == HAPPY_DATAPATH

    def test_without_device_state(self) -> None:
        tl = simulate(failover_domain(), "happy", Params(device_state=False))
        assert "device" not in names(tl, "src-qemu")

    def test_plain_qemu_has_no_libvirt_lane(self) -> None:
        tl = simulate(failover_domain(), "happy", Params(libvirt=False))
        assert "libvirt" not in tl.actors
        assert names(tl, "management")[:2] == ["start-incoming", "migrate"]


def test_f1_guest_without_failover() -> None:
    tl = simulate(failover_domain(), "guest-no-failover")
    assert is_subsequence(F1_SOURCE, names(tl, "src-qemu"))
    assert is_subsequence(F1_DESTINATION, names(tl, "dst-qemu"))
    assert not F1_ABSENT & {e.name for e in tl.events}
    assert paths(tl) == F1_DATAPATH


def test_f2_guest_ignores_the_unplug() -> None:
    tl = simulate(failover_domain(), "guest-ignores-unplug")
    assert is_subsequence(F2_SOURCE, names(tl, "src-qemu"))
    assert "active" not in names(tl, "src-qemu")
    assert paths(tl) == F2_DATAPATH
    # 120 × 250 ms after the cancel (Key fact 5)
    assert event_t(tl, "src-qemu", "cancelled") - event_t(tl, "src-qemu", "cancelling") == pytest.approx(30.0)
    assert index(tl, "libvirt", "migrate_cancel") < index(tl, "src-qemu", "cancelling")
    assert tl.totals["cancel_grace_s"] == 30.0 and tl.totals["outcome"] == "cancelled"


def test_f3_fails_after_active() -> None:
    tl = simulate(failover_domain(), "fails-after-active", Params(fail_after_active_s=0.2))
    assert is_subsequence(F3_SOURCE, names(tl, "src-qemu"))
    assert paths(tl) == F3_DATAPATH
    assert index(tl, "src-qemu", "replug-primary") < index(tl, "guest", "vf-enslaved")
    assert "FAILOVER_NEGOTIATED" not in {e.name for e in tl.events}  # not re-emitted on re-plug


def test_f3_failure_must_fall_inside_the_precopy() -> None:
    with pytest.raises(ScenarioError, match="not inside the modelled precopy"):
        simulate(failover_domain(), "fails-after-active", Params(fail_after_active_s=60))


def test_f4_libvirt_fails_before_anything_is_unplugged() -> None:
    tl = simulate(failover_domain(), "no-vf-on-destination")
    assert names(tl, "src-qemu") == []
    assert paths(tl) == F4_DATAPATH
    failed = tl.events[index(tl, "libvirt", "prepare-failed")]
    assert failed.inferred and "infer" in failed.detail


def test_f4_plain_qemu_warns_and_stays_on_virtio() -> None:
    tl = simulate(failover_domain(), "no-vf-on-destination", Params(libvirt=False))
    assert is_subsequence(F4Q_DESTINATION, names(tl, "dst-qemu"))
    assert paths(tl) == F4Q_DATAPATH
    assert "vf-enslaved" not in names(tl, "guest")


def test_f5_non_express_bus() -> None:
    tl = simulate(i440fx_domain(), "primary-not-hotpluggable")
    assert paths(tl) == F5_DATAPATH
    assert "UNPLUG_PRIMARY" not in {e.name for e in tl.events}
    warning = tl.events[index(tl, "dst-qemu", "primary-plug-failed")]
    assert warning.detail.startswith("failover primary device must be on PCIExpress bus")


def test_f5_pcie0_starts_and_only_warns() -> None:
    tl = simulate(pcie0_domain(), "primary-not-hotpluggable")
    assert names(tl, "src-qemu") == F5_SOURCE
    assert is_subsequence(F5_DESTINATION, names(tl, "dst-qemu"))
    assert not {"UNPLUG_PRIMARY", "wait-unplug", "startup-refused"} & {e.name for e in tl.events}
    for actor in ("src-qemu", "dst-qemu"):
        warning = tl.events[index(tl, actor, "primary-plug-failed")]
        assert "Bus 'pcie.0' does not support hotplugging" in warning.detail and not warning.inferred
    assert paths(tl) == F5_DATAPATH
    assert tl.totals["outcome"] == "completed" and tl.totals["wait_unplug_s"] == 0.0


def test_f5_pci0_without_acpi_refused_at_startup() -> None:
    tl = simulate(i440fx_domain(features=()), "primary-not-hotpluggable")
    refused = tl.events[index(tl, "src-qemu", "startup-refused")]
    assert refused.detail.startswith("Bus 'pci.0' does not support hotplugging")
    assert "migrate" not in {e.name for e in tl.events}
    assert paths(tl) == ["none"]
    assert tl.totals["outcome"] == "refused"


# --- every timeline ----------------------------------------------------------------------------------------------

ALL_CASES: list[tuple[str, Domain, str, Params]] = [
    *((name, failover_domain(), name, Params()) for name in SCENARIO_NAMES if name != "primary-not-hotpluggable"),
    ("plain-qemu-f4", failover_domain(), "no-vf-on-destination", Params(libvirt=False)),
    ("pcie-happy", failover_domain(), "happy", Params(hotplug="pcie", vf_link_up_s=2.5)),
    ("f5-i440fx", i440fx_domain(), "primary-not-hotpluggable", Params()),
    ("f5-pcie0", pcie0_domain(), "primary-not-hotpluggable", Params()),
    ("f5-pc-no-acpi", i440fx_domain(features=()), "primary-not-hotpluggable", Params()),
]


@pytest.mark.parametrize("label, domain, scenario, params", ALL_CASES, ids=[c[0] for c in ALL_CASES])
class TestEveryTimeline:
    def test_names_come_from_the_tables(self, label: str, domain: Domain, scenario: str, params: Params) -> None:
        tables = {"qmp-event": QMP_EVENTS, "migration-state": MIGRATION_STATES, "action": ACTIONS}
        for e in simulate(domain, scenario, params).events:
            assert e.name in tables[e.kind], e
            assert e.actor in ACTORS

    def test_inferred_steps_say_why(self, label: str, domain: Domain, scenario: str, params: Params) -> None:
        for e in simulate(domain, scenario, params).events:
            assert not e.inferred or "infer" in e.detail or "model" in e.detail, e

    def test_time_and_datapath_are_consistent(self, label: str, domain: Domain, scenario: str,
                                              params: Params) -> None:
        tl = simulate(domain, scenario, params)
        assert [e.t for e in tl.events] == sorted(e.t for e in tl.events)
        assert tl.datapath[0].start == 0.0 and tl.datapath[-1].end is None
        for a, b in zip(tl.datapath, tl.datapath[1:], strict=False):
            assert a.end == b.start and a.path != b.path

    def test_json_shape_and_round_trip(self, label: str, domain: Domain, scenario: str, params: Params) -> None:
        tl = simulate(domain, scenario, params)
        data = json.loads(json.dumps(tl.to_json_dict()))
        assert list(data) == ["scenario", "parameters", "events", "datapath", "totals"]
        assert all(list(e) == ["t", "actor", "kind", "name", "detail", "inferred"] for e in data["events"])
        assert all(list(i) == ["from", "to", "path"] for i in data["datapath"])
        assert data["parameters"]["pair"] == "ua-backup0/hostdev0"
        assert Timeline.from_json_dict(data).to_json_dict() == data


# --- applicability and errors -------------------------------------------------------------------------------------


def verdicts(domain: Domain, params: Params | None = None) -> dict[str, bool]:
    found = applicable_scenarios(domain, params=params)
    assert all(a.reason for a in found)
    return {a.scenario: a.applicable for a in found}


def test_a_good_pair_can_do_everything_but_f5() -> None:
    got = verdicts(failover_domain())
    assert got == {name: name != "primary-not-hotpluggable" for name in SCENARIO_NAMES}


def test_pcie0_starts_so_it_is_like_i440fx() -> None:
    # measured with QEMU 7.2: the domain starts, the plug only warns (teamkit lab primary-on-root-bus)
    assert verdicts(pcie0_domain()) == verdicts(i440fx_domain())
    assert verdicts(pcie0_domain())["guest-no-failover"]


def test_pc_without_acpi_allows_only_f5() -> None:
    domain = i440fx_domain(features=())
    assert verdicts(domain) == {name: name == "primary-not-hotpluggable" for name in SCENARIO_NAMES}


def test_i440fx() -> None:
    assert verdicts(i440fx_domain()) == {
        "happy": False, "guest-no-failover": True, "guest-ignores-unplug": False, "fails-after-active": False,
        "no-vf-on-destination": True, "primary-not-hotpluggable": True,
    }
    assert not verdicts(i440fx_domain(), Params(libvirt=False))["no-vf-on-destination"]


def test_old_guest_points_to_f1() -> None:
    params = Params(guest_kernel="4.9")
    got = verdicts(failover_domain(), params)
    assert got["guest-no-failover"] and not got["happy"]
    with pytest.raises(ScenarioError, match=r"does not negotiate STANDBY.*applicable here: guest-no-failover"):
        simulate(failover_domain(), "happy", params)


def test_unknown_scenario() -> None:
    with pytest.raises(ScenarioError, match="unknown scenario; choose one of happy, guest-no-failover"):
        simulate(failover_domain(), "sunny")


def test_pair_selection() -> None:
    assert simulate(failover_domain(), "happy", pair="hostdev0").parameters["pair"] == "ua-backup0/hostdev0"
    with pytest.raises(NoFailoverPairError, match="no failover pair with id 'nope'"):
        simulate(failover_domain(), "happy", pair="nope")
