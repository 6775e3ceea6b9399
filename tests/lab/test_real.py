"""Real failover live migrations under QEMU: event ORDER and presence, never durations (TCG on a shared machine is
noisy; real-failover-lab.md §8).

``lab`` (the CI subset, about a minute): happy with ACPI hotplug, a guest without failover, native PCIe hotplug,
the start-time refusal of a primary on pcie.0 with native hotplug, and a deadline that must stop every QEMU.
``slow`` (run with ``-m slow``, about four minutes): e1000e's link-up blackout, a guest that never ejects
(QEMU's 30 s cancel grace), a guest that ejects late, native hotplug with e1000e, the primary on q35's pcie.0 and
on i440fx's pci.0.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from teamkit.failover.timeline import Timeline
from teamkit.lab.channels import LabError
from teamkit.lab.compare import compare
from teamkit.lab.measure import ping_stats, qmp_sequence
from teamkit.lab.prepare import LabImage
from teamkit.lab.run import Deadlines, run_lab
from teamkit.lab.scenarios import settings_for
from tests.lab.conftest import Experiment, require_slow

Run = Callable[..., Experiment]

#: real-failover-lab.md §5 (identical in all 18 reference runs); MIGRATION events as their status
HAPPY_SOURCE = ["setup", "UNPLUG_PRIMARY", "wait-unplug", "active", "STOP", "completed"]
HAPPY_DESTINATION = ["active", "FAILOVER_NEGOTIATED", "RESUME", "completed"]
PLAIN_SOURCE = ["setup", "active", "STOP", "completed"]
PLAIN_DESTINATION = ["active", "RESUME", "completed"]
CANCEL_SOURCE = ["setup", "UNPLUG_PRIMARY", "wait-unplug", "cancelling", "cancelled"]
CANCEL_DESTINATION = ["active", "failed"]


def first(tl: Timeline, actor: str, name: str, after: float = float("-inf")) -> float:
    return next(e.t for e in tl.events if e.actor == actor and e.name == name and e.t >= after)


def guest(tl: Timeline) -> list[str]:
    return [e.name for e in tl.events if e.actor == "guest"]


def paths(tl: Timeline) -> list[str]:
    return [i.path for i in tl.datapath]


def assert_failover_migration(raw: dict[str, Any], tl: Timeline) -> None:
    """What every completed failover migration shows, whatever the hotplug and the NIC."""
    assert qmp_sequence(raw, "src", after=0.0) == HAPPY_SOURCE
    assert qmp_sequence(raw, "dst") == HAPPY_DESTINATION
    assert qmp_sequence(raw, "src", after=float("-inf"))[0] == "FAILOVER_NEGOTIATED"  # at boot
    # the guest gives the primary up before the source goes active, and takes the new one after RESUME
    assert first(tl, "src-qemu", "UNPLUG_PRIMARY") < first(tl, "guest", "vf-released") < first(tl, "src-qemu",
                                                                                               "active")
    resume = first(tl, "dst-qemu", "RESUME")
    assert first(tl, "src-qemu", "STOP") < resume
    assert resume < first(tl, "guest", "vf-hot-added", resume) < first(tl, "guest", "vf-enslaved", resume)
    # datapath measured from the guest: the primary, then virtio, back on the primary at the end
    assert paths(tl)[0] == "vf" and paths(tl)[-1] == "vf" and "virtio" in paths(tl)
    assert paths(tl).index("virtio") < paths(tl).index("none")
    assert tl.totals["outcome"] == "completed"
    assert ping_stats(raw).first_dst_seq is not None
    assert compare(tl).agrees, compare(tl).text()


@pytest.mark.lab
class TestHappyAcpi:
    def test_order(self, experiment: Run) -> None:
        raw, tl = experiment("happy")
        assert_failover_migration(raw, tl)
        assert "button-wait" not in guest(tl)

    def test_guest_saw_acpi_hotplug(self, experiment: Run) -> None:
        raw, _ = experiment("happy")
        assert any("acpiphp: Slot" in c["line"] for c in raw["console"] if c["side"] == "src")

    def test_destination_hid_the_primary_until_the_load(self, experiment: Run) -> None:
        _, tl = experiment("happy")
        assert first(tl, "dst-qemu", "primary-hidden") < first(tl, "dst-qemu", "FAILOVER_NEGOTIATED")

    def test_everything_stopped(self, experiment: Run) -> None:
        raw, _ = experiment("happy")
        assert set(raw["exit"]) == {"src", "dst"}
        assert all(info is not None and "rc" in info for info in raw["exit"].values())


@pytest.mark.lab
class TestGuestWithoutFailover:
    def test_plain_migration(self, experiment: Run) -> None:
        raw, tl = experiment("guest-no-failover")
        assert qmp_sequence(raw, "src", after=0.0) == PLAIN_SOURCE
        assert qmp_sequence(raw, "dst") == PLAIN_DESTINATION
        assert tl.totals["outcome"] == "completed"

    def test_no_failover_events_at_all(self, experiment: Run) -> None:
        raw, tl = experiment("guest-no-failover")
        seen = {r["event"] for r in raw["qmp"]} | {r["data"].get("status") for r in raw["qmp"]}
        assert not seen & {"FAILOVER_NEGOTIATED", "UNPLUG_PRIMARY", "wait-unplug"}
        assert tl.totals["failover_negotiated_at_boot"] is False

    def test_guest_has_no_failover_master(self, experiment: Run) -> None:
        raw, tl = experiment("guest-no-failover")
        assert any("insmod net_failover skipped" in c["line"] for c in raw["console"])
        assert not any("failover master" in c["line"] for c in raw["console"])
        assert guest(tl) == []

    def test_model_order(self, experiment: Run) -> None:
        _, tl = experiment("guest-no-failover")
        assert compare(tl).agrees, compare(tl).text()


@pytest.mark.lab
class TestNativePcie:
    def test_order(self, experiment: Run) -> None:
        raw, tl = experiment("pcie-native")
        assert_failover_migration(raw, tl)

    def test_attention_button_first(self, experiment: Run) -> None:
        raw, tl = experiment("pcie-native")
        assert guest(tl).index("button-wait") < guest(tl).index("vf-released")
        assert any("pciehp: Slot(" in c["line"] and "Attention button pressed" in c["line"]
                   for c in raw["console"] if c["side"] == "src")


@pytest.fixture(scope="module")
def slow(request: pytest.FixtureRequest, experiment: Run) -> Run:
    require_slow(request.config)
    return experiment


@pytest.mark.slow
class TestSlowExperiments:
    def test_e1000e_link_up_blackout(self, slow: Run) -> None:
        raw, tl = slow("happy", "e1000e")
        assert_failover_migration(raw, tl)
        resume = first(tl, "dst-qemu", "RESUME")
        enslaved, link_up = first(tl, "guest", "vf-enslaved", resume), first(tl, "guest", "vf-link-up", resume)
        assert enslaved < link_up
        # the primary is enslaved before its carrier: frames on the standby are dropped (ping replies stop) until
        # the link comes up (real-failover-lab.md §7 pitfall 2)
        assert any(t_b > link_up and t_a < link_up for t_a, t_b, lost in ping_stats(raw).gaps if lost)
        assert "none" in paths(tl)[paths(tl).index("virtio", 2):]

    def test_guest_never_ejects(self, slow: Run) -> None:
        raw, tl = slow("guest-ignores-unplug")
        assert qmp_sequence(raw, "src", after=0.0) == CANCEL_SOURCE
        assert qmp_sequence(raw, "dst") == CANCEL_DESTINATION
        assert "vf-released" not in guest(tl) and "unplug-ignored" in guest(tl)
        assert first(tl, "management", "migrate_cancel") < first(tl, "src-qemu", "cancelling")
        assert any("partially unplugged device on failure" in r["line"] for r in raw["stderr"])
        assert paths(tl) == ["vf"]
        assert compare(tl).agrees, compare(tl).text()

    def test_guest_ejects_late(self, slow: Run) -> None:
        raw, tl = slow("slow-guest")
        assert_failover_migration(raw, tl)
        lines = [c["line"] for c in raw["console"] if c["side"] == "src" and c["t"] > 0]
        pending = next(i for i, line in enumerate(lines) if "PENDING gpe01" in line)
        unblocked = next(i for i, line in enumerate(lines) if "UNBLOCKED gpe01" in line)
        released = next(i for i, line in enumerate(lines) if "primary slave" in line and "unregistered" in line)
        assert pending < unblocked < released

    def test_native_pcie_with_e1000e(self, slow: Run) -> None:
        raw, tl = slow("pcie-native", "e1000e")
        assert_failover_migration(raw, tl)


@pytest.mark.slow
class TestPrimaryOnRootBus:
    """The primary directly on a root bus, QEMU's default ACPI hotplug: the domain starts, the plug only warns."""

    @pytest.mark.parametrize("scenario, warning", [
        ("primary-on-root-bus", "warning: Bus 'pcie.0' does not support hotplugging"),
        ("primary-on-pci0", "warning: failover primary device must be on PCIExpress bus"),
    ])
    def test_negotiated_never_plugged_plain_migration(self, slow: Run, scenario: str, warning: str) -> None:
        raw, tl = slow(scenario)
        assert qmp_sequence(raw, "src", after=float("-inf")) == ["FAILOVER_NEGOTIATED", *PLAIN_SOURCE]
        assert qmp_sequence(raw, "dst") == ["active", "FAILOVER_NEGOTIATED", "RESUME", "completed"]
        assert [r["side"] for r in raw["stderr"] if warning in r["line"]] == ["src", "dst"]
        assert all("hostdev0" not in ids for ids in raw["peripherals"].values())
        assert any("failover master" in c["line"] for c in raw["console"] if c["side"] == "src")
        assert not any("failover primary" in c["line"] for c in raw["console"])
        assert paths(tl) == ["virtio", "none", "virtio"]
        assert compare(tl).agrees, compare(tl).text()


@pytest.mark.lab
def test_primary_on_pcie0_with_native_hotplug_is_refused_at_startup(lab_image: LabImage) -> None:
    before = own_children()
    with pytest.raises(LabError, match=r"rc=1: -device vmxnet3,.*bus=pcie\.0.*: Bus 'pcie\.0' does not support "
                                       r"hotplugging"):
        run_lab(settings_for("primary-on-root-bus", hotplug="pcie"), lab_image)
    assert own_children() == before


def own_children() -> list[int]:
    """Processes whose parent is this test process."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(os.getpid()):
            found.append(int(status.parent.name))
    return found


@pytest.mark.lab
def test_a_deadline_stops_every_qemu(lab_image: LabImage) -> None:
    before = own_children()
    with pytest.raises(LabError, match="timed out waiting for the guest's READY line"):
        run_lab(settings_for("happy"), lab_image, deadlines=Deadlines(ready_s=1.0))
    assert own_children() == before
