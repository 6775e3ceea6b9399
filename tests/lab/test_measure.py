"""Recorded lab runs (tests/lab/data) re-derived into timelines: the shape the model has, the measured order, and
the datapath read from the guest's kernel lines and ping."""

from __future__ import annotations

import json

import pytest

from teamkit.failover import Params, simulate
from teamkit.failover.tables import ACTIONS, ACTORS, MIGRATION_STATES, QMP_EVENTS
from teamkit.failover.timeline import Timeline
from teamkit.lab.compare import lab_domain
from teamkit.lab.measure import PingStats, derive_datapath, guest_events, ping_stats, qmp_sequence, timeline_from_raw
from tests.lab.recorded import load, names

RECORDED = names()
TABLES = {"qmp-event": QMP_EVENTS, "migration-state": MIGRATION_STATES, "action": ACTIONS}


def actor_names(tl: Timeline, actor: str) -> list[str]:
    return [e.name for e in tl.events if e.actor == actor]


def paths(tl: Timeline) -> list[str]:
    return [i.path for i in tl.datapath]


def test_there_are_recordings() -> None:
    assert {"happy-vmxnet3", "happy-e1000e", "guest-no-failover", "guest-ignores-unplug", "pcie-native-vmxnet3",
            "slow-guest-vmxnet3", "primary-on-root-bus-vmxnet3", "primary-on-pci0-vmxnet3"} <= set(RECORDED)


@pytest.mark.parametrize("name", RECORDED)
class TestEveryRecording:
    def test_same_shape_as_the_model(self, name: str) -> None:
        tl = timeline_from_raw(load(name))
        model = simulate(lab_domain(), "happy", Params(libvirt=False)).to_json_dict()
        data = json.loads(json.dumps(tl.to_json_dict()))
        assert list(data) == list(model)
        assert set(model["totals"]) <= set(data["totals"])
        assert Timeline.from_json_dict(data) == tl

    def test_names_come_from_the_model_tables(self, name: str) -> None:
        for e in timeline_from_raw(load(name)).events:
            assert e.actor in ACTORS and e.name in TABLES[e.kind], e
            assert not e.inferred

    def test_datapath_covers_the_timeline(self, name: str) -> None:
        tl = timeline_from_raw(load(name))
        assert tl.datapath[0].start == tl.events[0].t and tl.datapath[-1].end is None
        for a, b in zip(tl.datapath, tl.datapath[1:], strict=False):
            assert a.end == b.start and a.path != b.path

    def test_totals_agree_with_the_events(self, name: str) -> None:
        tl = timeline_from_raw(load(name))
        firsts = {(e.actor, e.name): e.t for e in reversed(tl.events)}
        if ("src-qemu", "STOP") in firsts and ("dst-qemu", "RESUME") in firsts:
            assert tl.totals["downtime_s"] == pytest.approx(firsts["dst-qemu", "RESUME"] - firsts["src-qemu", "STOP"])
        assert tl.totals["outcome"] in ("completed", "cancelled")
        assert tl.totals["migration_s"] == pytest.approx(firsts["src-qemu", str(tl.totals["outcome"])])

    def test_no_machine_paths(self, name: str) -> None:
        text = json.dumps(load(name))
        for top in ("tmp", "root", "work", "home"):
            assert f"/{top}/" not in text


class TestHappy:
    raw = load("happy-vmxnet3")
    tl = timeline_from_raw(raw)

    def test_per_side_qmp_order(self) -> None:
        assert qmp_sequence(self.raw, "src") == ["FAILOVER_NEGOTIATED", "setup", "UNPLUG_PRIMARY", "wait-unplug",
                                                 "active", "STOP", "completed"]
        assert qmp_sequence(self.raw, "dst") == ["active", "FAILOVER_NEGOTIATED", "RESUME", "completed"]

    def test_timeline_order(self) -> None:
        assert actor_names(self.tl, "src-qemu") == ["setup", "UNPLUG_PRIMARY", "wait-unplug", "active", "precopy",
                                                    "STOP", "completed"]
        assert actor_names(self.tl, "dst-qemu") == ["primary-hidden", "active", "FAILOVER_NEGOTIATED", "RESUME",
                                                    "completed"]
        assert actor_names(self.tl, "management") == ["start-incoming", "migrate", "source-exit"]
        assert [n for n in actor_names(self.tl, "guest") if n != "vf-link-up"] == ["vf-released", "vf-hot-added",
                                                                                   "vf-enslaved"]

    def test_datapath(self) -> None:
        assert paths(self.tl) == ["vf", "virtio", "none", "virtio", "vf"]
        assert self.tl.totals["ping_lost"] == 0 and self.tl.totals["ends_on"] == "vf"

    def test_ping_continues_across_the_migration(self) -> None:
        ping = ping_stats(self.raw)
        assert ping.first_dst_seq is not None and ping.last_src_seq is not None
        assert ping.first_dst_seq == ping.last_src_seq + 1

    def test_boot_is_summarised_not_drawn(self) -> None:
        assert self.tl.totals["failover_negotiated_at_boot"] is True
        assert all(e.t >= self.tl.events[0].t for e in self.tl.events)
        assert any(ev.milestone == "primary-registered" and ev.t < 0 for ev in guest_events(self.raw))


class TestE1000e:
    raw = load("happy-e1000e")
    tl = timeline_from_raw(raw)

    def test_blackout_between_enslaving_and_link_up(self) -> None:
        assert paths(self.tl) == ["vf", "virtio", "none", "virtio", "none", "vf"]
        enslaved = next(e.t for e in self.tl.events if e.name == "vf-enslaved")
        link_up = next(e.t for e in self.tl.events if e.name == "vf-link-up" and e.t > enslaved)
        blackout = self.tl.datapath[4]
        assert blackout.start == pytest.approx(enslaved) and blackout.end is not None and blackout.end >= link_up
        assert self.tl.totals["ping_lost"]


class TestWithoutFailover:
    tl = timeline_from_raw(load("guest-no-failover"))

    def test_plain_migration_and_no_network(self) -> None:
        assert actor_names(self.tl, "src-qemu") == ["setup", "active", "precopy", "STOP", "completed"]
        assert actor_names(self.tl, "guest") == []
        assert paths(self.tl) == ["none"]
        assert self.tl.totals["failover_negotiated_at_boot"] is False
        assert self.tl.totals["wait_unplug_s"] == 0.0


class TestGuestIgnoresUnplug:
    tl = timeline_from_raw(load("guest-ignores-unplug"))

    def test_cancel_path(self) -> None:
        assert actor_names(self.tl, "src-qemu") == ["setup", "UNPLUG_PRIMARY", "wait-unplug", "cancelling",
                                                    "partial-unplug-warning", "cancelled"]
        assert actor_names(self.tl, "dst-qemu") == ["primary-hidden", "active", "failed"]
        assert actor_names(self.tl, "guest") == ["unplug-ignored"]
        assert paths(self.tl) == ["vf"]
        assert self.tl.totals["outcome"] == "cancelled" and self.tl.totals["cancel_grace_s"]


class TestNativePcie:
    tl = timeline_from_raw(load("pcie-native-vmxnet3"))

    def test_button_then_release(self) -> None:
        assert actor_names(self.tl, "guest")[:2] == ["button-wait", "vf-released"]
        assert paths(self.tl) == ["vf", "virtio", "none", "virtio", "vf"]


@pytest.mark.parametrize("name, warning", [
    ("primary-on-root-bus-vmxnet3", "warning: Bus 'pcie.0' does not support hotplugging"),
    ("primary-on-pci0-vmxnet3", "warning: failover primary device must be on PCIExpress bus"),
])
class TestPrimaryOnRootBus:
    """Measured with QEMU 7.2 (ACPI hotplug): the domain starts, QEMU emits FAILOVER_NEGOTIATED and only warns that
    it cannot plug the primary; nothing is unplugged at migration; the destination warns the same way."""

    def test_negotiated_then_a_plain_migration(self, name: str, warning: str) -> None:
        raw = load(name)
        assert qmp_sequence(raw, "src") == ["FAILOVER_NEGOTIATED", "setup", "active", "STOP", "completed"]
        assert qmp_sequence(raw, "dst") == ["active", "FAILOVER_NEGOTIATED", "RESUME", "completed"]

    def test_the_plug_only_warns_on_both_sides(self, name: str, warning: str) -> None:
        raw = load(name)
        warned = [r["side"] for r in raw["stderr"] if warning in r["line"]]
        assert warned == ["src", "dst"]
        negotiated = [r["t_emit"] for r in raw["qmp"] if r["event"] == "FAILOVER_NEGOTIATED"]
        assert [r["t_emit"] for r in raw["stderr"] if warning in r["line"]] >= negotiated

    def test_the_primary_is_never_plugged(self, name: str, warning: str) -> None:
        raw = load(name)
        assert all("hostdev0" not in ids for ids in raw["peripherals"].values())
        assert {"src-ready", "src-end", "dst-end"} <= set(raw["peripherals"])
        milestones = {ev.milestone for ev in guest_events(raw)}
        assert "master-registered" in milestones
        assert not milestones & {"primary-registered", "primary-enumerated", "primary-unregistered"}

    def test_timeline(self, name: str, warning: str) -> None:
        tl = timeline_from_raw(load(name))
        assert actor_names(tl, "src-qemu") == ["setup", "active", "precopy", "STOP", "completed"]
        assert actor_names(tl, "dst-qemu") == ["primary-hidden", "active", "FAILOVER_NEGOTIATED",
                                               "primary-plug-failed", "RESUME", "completed"]
        assert actor_names(tl, "guest") == []
        assert paths(tl) == ["virtio", "none", "virtio"]
        assert tl.totals["wait_unplug_s"] == 0.0 and tl.totals["failover_negotiated_at_boot"] is True


def test_slow_guest_releases_after_unmasking() -> None:
    raw = load("slow-guest-vmxnet3")
    order = [ev.milestone for ev in guest_events(raw) if ev.t > 0]
    assert order.index("pending") < order.index("unblocked") < order.index("primary-unregistered")


class TestDerivation:
    def test_ping_gaps_override_the_state(self) -> None:
        state = [(float("-inf"), "none"), (0.0, "vf"), (1.0, "virtio"), (2.0, "vf")]
        ping = PingStats(replies=10, lost=3, max_gap_s=1.0, gaps=((2.5, 3.5, 3),), first_dst_seq=None,
                         last_src_seq=None)
        got = [(i.start, i.end, i.path) for i in derive_datapath(state, ping, -0.5)]  # type: ignore[arg-type]
        assert got == [(-0.5, 0.0, "none"), (0.0, 1.0, "vf"), (1.0, 2.0, "virtio"), (2.0, 2.75, "vf"),
                       (2.75, 3.5, "none"), (3.5, None, "vf")]

    def test_ping_stats(self) -> None:
        lines = [(0.0, "src", 1), (0.25, "src", 2), (0.9, "dst", 3), (2.0, "dst", 8)]
        raw = {"console": [{"t": t, "side": side, "line": f"PING 1.0 64 bytes from 10.0.2.2: seq={seq} ttl=255 "
                                                          "time=0.5 ms"} for t, side, seq in lines]}
        stats = ping_stats(raw)
        assert (stats.replies, stats.lost, stats.max_gap_s) == (4, 4, 1.1)
        assert (stats.last_src_seq, stats.first_dst_seq) == (2, 3)
        assert stats.gaps == ((0.9, 2.0, 4),)
