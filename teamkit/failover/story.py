"""The building blocks of a migration story: begin, unplug, switchover and re-plug, each as timed events."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

from teamkit.failover.guest import GuestPairView
from teamkit.failover.params import Params
from teamkit.failover.precopy import PrecopyResult, precopy
from teamkit.failover.tables import CANCEL_GRACE_POLLS
from teamkit.failover.timeline import Event, EventKind, Interval, Path, Timeline, TotalValue, build_datapath

__all__ = ["Story", "Switchover"]

_EPS: Final = 1e-9


@dataclass(frozen=True)
class Switchover:
    """When the stop-and-copy happened and what the precopy model said."""

    stop: float
    source_done: float
    resume: float
    model: PrecopyResult


@dataclass
class Story:
    """Collects events and datapath switch points; :meth:`timeline` sorts them stably by time."""

    params: Params
    view: GuestPairView
    events: list[Event] = field(default_factory=list)
    switches: list[tuple[float, Path]] = field(default_factory=list)

    @property
    def boss(self) -> str:
        """Who sends QMP commands: libvirt, or management itself with plain QEMU."""
        return "libvirt" if self.params.libvirt else "management"

    def add(self, t: float, actor: str, kind: EventKind, name: str, detail: str, *, inferred: bool = False) -> float:
        t = _r(t)
        self.events.append(Event(t=t, actor=actor, kind=kind, name=name, detail=detail, inferred=inferred))
        return t

    def path(self, t: float, path: Path) -> None:
        self.switches.append((_r(t), path))

    def timeline(self, scenario: str, totals: dict[str, TotalValue]) -> Timeline:
        events = tuple(sorted(self.events, key=lambda e: e.t))
        datapath = build_datapath(sorted(self.switches, key=lambda s: s[0]))
        totals = dict(totals)
        totals["on_virtio_s"] = _seconds_on(datapath, "virtio")
        totals["off_network_s"] = _seconds_on(datapath, "none")
        totals["off_vf_s"] = _off_vf(datapath)
        totals["ends_on"] = datapath[-1].path if datapath else None
        parameters = {"pair": f"{self.view.standby_id}/{self.view.primary_id}", **self.params.as_dict()}
        return Timeline(scenario=scenario, parameters=parameters, events=events, datapath=datapath, totals=totals)

    # -- the phases ----------------------------------------------------------------------------------------------

    def begin(self) -> float:
        """Prepare the destination and send ``migrate``; returns the time of ``migrate`` (qemu-failover.md §7 M0–M1)."""
        p, v = self.params, self.view
        if p.libvirt:
            self.add(0.0, "management", "action", "migrate-request", "virsh migrate --live (virDomainMigrate3)")
            self.add(0.0, "libvirt", "action", "prepare",
                     "Prepare on the destination host: the VF is prepared (managed detach, VF MAC set) and the "
                     "destination QEMU starts with -incoming [infer: qemu-failover.md §7 M0 marks this an inference "
                     "from libvirt's Begin/Prepare/Perform protocol]", inferred=True)
        else:
            self.add(0.0, "management", "action", "start-incoming",
                     "the destination QEMU starts with -incoming and the same -device lines")
        self.add(0.0, "dst-qemu", "action", "primary-hidden",
                 f"{v.primary_id} is hidden again at realize: not created, the destination VF is not opened yet")
        t = p.prepare_s
        allowed = f"; libvirt allows it because {v.primary_id} has <teaming type='transient'>" if p.libvirt else ""
        self.add(t, self.boss, "action", "migrate", f"QMP migrate on the source{allowed}")
        self.add(t, "src-qemu", "migration-state", "setup", "MIGRATION {\"status\": \"setup\"}")
        return t

    def unplug(self, t: float, *, ignored: bool = False) -> float | None:
        """Unplug request, wait-unplug and the guest's eject; the time of ``active`` (``None`` if it never comes)."""
        p, v = self.params, self.view
        self.add(t, "src-qemu", "qmp-event", "UNPLUG_PRIMARY",
                 f"{json.dumps({'device-id': v.primary_id})}: emitted when QEMU requests the unplug, not when the "
                 "guest completes it (qemu-failover.md Key fact 4)")
        how = ("PCIe attention button (pcie_cap_slot_unplug_request_cb)" if p.hotplug == "pcie"
               else "ACPI eject request (acpi_pcihp_device_unplug_request_cb)")
        self.add(t, "src-qemu", "action", "unplug-request", f"{how}; partially_hotplugged=true, device kept")
        self.add(t, "dst-qemu", "migration-state", "active",
                 "the source connects; the destination's own setup state is not reported (real-failover-lab.md §5)")
        wait_from = t + p.setup_s
        if ignored:
            self.add(t, "guest", "action", "unplug-ignored",
                     "the scenario's premise: the eject never completes (lost ACPI request, broken hotplug driver, "
                     "paused VM)")
            self.add(wait_from, "src-qemu", "migration-state", "wait-unplug",
                     f"polls every {p.wait_unplug_poll_s * 1000:g} ms with no timeout; query-migrate shows only the "
                     "status")
            return None
        if p.hotplug == "pcie":
            self.add(t, "guest", "action", "button-wait",
                     f"pciehp: Button press: will power off in {p.pciehp_button_delay_s:g} sec")
            released = t + p.pciehp_button_delay_s + p.guest_unplug_s
            ejected = released + p.pciehp_power_off_s
        else:
            released = ejected = t + p.guest_unplug_s
        if v.enslaved is not False:  # None: a plain <hostdev> whose MAC the admin is assumed to have set
            self.add(released, "guest", "action", "vf-released",
                     "failover primary slave unregistered: TX to the standby, RX from virtio accepted")
        else:
            self.add(released, "guest", "action", "vf-removed", "the VF driver unbinds; the master was on virtio")
        self.path(released, "virtio")
        self.add(ejected, "guest", "action", "eject-done",
                 "pending_deleted_event cleared; no DEVICE_DELETED for the primary")
        if ejected <= wait_from:
            return self.add(wait_from, "src-qemu", "migration-state", "active",
                            "the eject finished before QEMU checked, so it skips wait-unplug")
        self.add(wait_from, "src-qemu", "migration-state", "wait-unplug",
                 f"polls every {p.wait_unplug_poll_s * 1000:g} ms with no timeout; query-migrate shows only the status")
        polls = max(1, math.ceil((ejected - wait_from) / p.wait_unplug_poll_s - _EPS))
        active = wait_from + polls * p.wait_unplug_poll_s
        return self.add(active, "src-qemu", "migration-state", "active",
                        f"the first poll after the eject ({polls} × {p.wait_unplug_poll_s * 1000:g} ms in wait-unplug)")

    def precopy_model(self) -> PrecopyResult:
        p = self.params
        return precopy(ram_mib=p.guest_ram_mib, dirty_mib_s=p.dirty_rate_mib_s, bandwidth_mib_s=p.bandwidth_mib_s,
                       max_downtime_s=p.max_downtime_s, max_iterations=p.max_iterations)

    def switchover(self, active: float, *, plug: Literal["plug", "warn", "none"], warning: str = "",
                   after: Path = "virtio") -> Switchover:
        """Precopy, stop-and-copy, completion on both sides, RESUME (qemu-failover.md §7 M6–M10, M12); ``after``
        is the datapath once the guest runs on the destination."""
        p, v = self.params, self.view
        model = self.precopy_model()
        threshold = p.bandwidth_mib_s * p.max_downtime_s
        detail = (f"{model.iterations} pass(es), {sum(x.sent_mib for x in model.passes):.1f} MiB at "
                  f"{p.bandwidth_mib_s:.1f} MiB/s in {model.precopy_s:.3f} s; {model.final_mib:.2f} MiB left")
        if model.converged:
            detail += f" < {threshold:.1f} MiB (bandwidth × downtime-limit)"
        else:
            detail += (f": not below {threshold:.1f} MiB after {p.max_iterations} passes; the model forces the "
                       "switchover (QEMU itself would keep iterating until cancelled or tuned)")
        self.add(active, "src-qemu", "action", "precopy", detail, inferred=not model.converged)
        stop = self.add(active + model.precopy_s, "src-qemu", "qmp-event", "STOP", "stop-and-copy: the VM is paused")
        if p.device_state:
            self.add(stop, "src-qemu", "migration-state", "device", "device state transfer (QEMU ≥ 9.2/10.0)")
        self.path(stop, "none")
        done = self.add(stop + model.downtime_s + p.switchover_s, "src-qemu", "migration-state", "completed",
                        f"last {model.final_mib:.2f} MiB in {model.downtime_s * 1000:.1f} ms + "
                        f"{p.switchover_s * 1000:g} ms device state")
        resume = done
        negotiated = json.dumps({"device-id": v.standby_id})
        if plug != "none":
            self.add(done, "dst-qemu", "qmp-event", "FAILOVER_NEGOTIATED",
                     f"{negotiated}: loading the virtio-net state applies STANDBY, during the incoming load")
        if plug == "plug":
            resume = _r(done + p.vf_replug_s)
            self.add(done, "dst-qemu", "action", "primary-plugged",
                     f"{v.primary_id} realized: vfio open, DMA map, PCI Express check ({p.vf_replug_s * 1000:g} ms, "
                     "inside the downtime)")
        elif plug == "warn":
            self.add(done, "dst-qemu", "action", "primary-plug-failed", warning)
        self.add(resume, "dst-qemu", "qmp-event", "RESUME", "the guest runs on the destination")
        self.add(resume, "dst-qemu", "migration-state", "completed",
                 "after RESUME (qtest test_migrate_in and real-failover-lab.md §5; qemu-failover.md §4 lists it "
                 "before RESUME)")
        self.path(resume, after)
        self.add(resume, "dst-qemu", "action", "announce", "RARP / GUEST_ANNOUNCE through the virtio standby")
        self.add(resume, self.boss, "action", "source-exit",
                 "the source QEMU exits and releases its VF [infer: the time of libvirt's Confirm phase is not "
                 "documented; drawn at RESUME]", inferred=True)
        return Switchover(stop=stop, source_done=done, resume=resume, model=model)

    def replug(self, t: float) -> float:
        """The guest sees the VF come back and (re-)enslaves it; returns when it carries traffic again."""
        p, v = self.params, self.view
        added = t + p.guest_hotadd_s + (p.pciehp_hotadd_s if p.hotplug == "pcie" else 0.0)
        self.add(added, "guest", "action", "vf-hot-added", "the guest enumerates the VF on its PCI bus")
        probed = added + p.driver_probe_s
        if v.enslaved is False:
            self.add(probed, "guest", "action", "vf-independent",
                     "the VF's permanent MAC differs from the standby's: an independent NIC; the master stays on "
                     "virtio")
            return probed
        self.add(probed, "guest", "action", "vf-enslaved",
                 "failover primary slave registered; the primary is preferred"
                 + (" (assuming the admin set the VF's MAC to the standby's)" if v.enslaved is None else ""))
        if p.vf_link_up_s > 0:
            self.path(probed, "none")
            up = probed + p.vf_link_up_s
            self.add(up, "guest", "action", "vf-link-up",
                     "carrier up; meanwhile frames on the standby were dropped because a primary exists")
            self.path(up, "vf")
            return up
        self.path(probed, "vf")
        return probed

    def cancel(self, t: float) -> float:
        """migrate_cancel during wait-unplug, the 30 s grace, cancelled, re-plug (qemu-failover.md §4, §7 F2)."""
        p = self.params
        if p.libvirt:
            self.add(t, "management", "action", "abort-request", "virsh domjobabort after the management deadline")
        self.add(t, self.boss, "action", "migrate_cancel", "QEMU itself never times out in wait-unplug")
        self.add(t, "src-qemu", "migration-state", "cancelling",
                 f"QEMU now waits up to {CANCEL_GRACE_POLLS} × {p.wait_unplug_poll_s * 1000:g} ms for the eject")
        self.add(t, "dst-qemu", "migration-state", "failed",
                 "the stream closes; the destination exits and cannot be reused "
                 "(real-failover-lab.md §5, §7 pitfall 6)")
        end = t + CANCEL_GRACE_POLLS * p.wait_unplug_poll_s
        self.add(end, "src-qemu", "action", "partial-unplug-warning",
                 "warning: migration: partially unplugged device on failure")
        self.add(end, "src-qemu", "migration-state", "cancelled",
                 "migration_cleanup sets cancelled, then calls the FAILED notifiers")
        self.add(end, "src-qemu", "action", "replug-primary",
                 "failover_replug_primary(); the VF never left this guest, so nothing changes inside it "
                 "(real-failover-lab.md §5 E); FAILOVER_NEGOTIATED is not re-emitted")
        return end


def _r(value: float) -> float:
    return round(value, 6)


def _seconds_on(datapath: Sequence[Interval], path: Path) -> float:
    """Seconds spent on ``path`` in the finite intervals."""
    return _r(math.fsum(i.seconds or 0.0 for i in datapath if i.path == path))


def _off_vf(datapath: Sequence[Interval]) -> float | None:
    """Seconds from leaving the VF until it carries traffic again (``None`` when it never comes back or never was)."""
    on_vf = [i for i in datapath if i.path == "vf"]
    if not on_vf:
        return None
    if on_vf[0].end is None:
        return 0.0
    if len(on_vf) == 1:
        return None
    return _r(on_vf[-1].start - on_vf[0].end)
