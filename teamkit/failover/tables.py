"""The failover facts as tables: actors, QMP events, migration states, actions, datapaths, scenarios, constants."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

__all__ = [
    "ACTIONS",
    "ACTORS",
    "CANCEL_GRACE_POLLS",
    "DATAPATHS",
    "DATAPATH_EVENTS",
    "EVENT_KINDS",
    "LINUX_FAILOVER_SINCE",
    "MIGRATION_STATES",
    "PCIEHP_BUTTON_DELAY_S",
    "QEMU_FAILOVER_SINCE",
    "QEMU_MESSAGES",
    "QMP_EVENTS",
    "SCENARIOS",
    "STANDBY_FEATURE_BIT",
    "WAIT_UNPLUG_POLL_S",
    "Action",
    "Actor",
    "Datapath",
    "MigrationState",
    "QmpEvent",
    "Scenario",
]

#: ``VIRTIO_NET_F_STANDBY`` (qemu-failover.md Key fact 1)
STANDBY_FEATURE_BIT: Final = 62
#: ``qemu_savevm_wait_unplug`` re-checks every 250 ms (qemu-failover.md Key fact 5, §4)
WAIT_UNPLUG_POLL_S: Final = 0.25
#: after ``migrate_cancel`` QEMU waits at most 120 polls (30 s) for the eject (qemu-failover.md Key fact 5, §4)
CANCEL_GRACE_POLLS: Final = 120
#: Linux pciehp waits 5 s after an attention-button press (qemu-failover.md Key fact 10, §3)
PCIEHP_BUTTON_DELAY_S: Final = 5.0
#: net_failover and virtio_net STANDBY appeared in Linux 4.18 (qemu-failover.md Key fact 9, §5)
LINUX_FAILOVER_SINCE: Final = (4, 18)
#: ``failover`` and ``failover_pair_id`` appeared in QEMU 4.2 (qemu-failover.md §5)
QEMU_FAILOVER_SINCE: Final = (4, 2)

#: events that move the guest between datapaths (a drawing puts a switch on their row)
DATAPATH_EVENTS: Final = frozenset({"STOP", "RESUME", "vf-released", "vf-enslaved", "vf-link-up"})

#: the three kinds of timeline event
EVENT_KINDS: Final = ("qmp-event", "migration-state", "action")


@dataclass(frozen=True)
class Actor:
    """A swimlane: who acts (qemu-failover.md §7 actors MGMT, LV, SQ, DQ, G)."""

    id: str
    name: str
    abbreviation: str
    meaning: str


ACTORS: Final[Mapping[str, Actor]] = MappingProxyType({
    a.id: a
    for a in (
        Actor("management", "Management", "MGMT", "the user or orchestrator that asks for the migration"),
        Actor("libvirt", "libvirt", "LV", "libvirtd on both hosts (Begin/Prepare/Perform/Finish/Confirm)"),
        Actor("src-qemu", "Source QEMU", "SQ", "the QEMU process the guest runs in before the migration"),
        Actor("dst-qemu", "Destination QEMU", "DQ", "the QEMU process started with -incoming on the destination"),
        Actor("guest", "Guest kernel", "G", "the Linux guest: virtio_net, net_failover, PCI hotplug, VF driver"),
    )
})


@dataclass(frozen=True)
class QmpEvent:
    """A QMP event with its documented payload and meaning."""

    name: str
    data: str
    caption: str
    meaning: str
    since: str
    source: str


QMP_EVENTS: Final[Mapping[str, QmpEvent]] = MappingProxyType({
    e.name: e
    for e in (
        QmpEvent(
            "FAILOVER_NEGOTIATED", "{device-id: standby (virtio) id}", "STANDBY negotiated, primary plugged",
            "the guest negotiated VIRTIO_NET_F_STANDBY; QEMU now hot-plugs the hidden primary. On the destination "
            "it is emitted while loading state, before RESUME; it is not re-emitted when QEMU re-plugs after a "
            "cancel or failure",
            "QEMU 4.2", "qemu-failover.md §2; real-failover-lab.md §5",
        ),
        QmpEvent(
            "UNPLUG_PRIMARY", "{device-id: primary id}", "unplug requested",
            "the source asked the guest to unplug the primary (emitted when QEMU requests the unplug, not when the "
            "guest completes it; the QAPI doc says otherwise)",
            "QEMU 4.2", "qemu-failover.md Key fact 4, §2",
        ),
        QmpEvent(
            "MIGRATION", "{status: migration state}", "migration state change",
            "a migration state change; emitted only with the 'events' migration capability, which libvirt enables",
            "QEMU 2.4", "qemu-failover.md §4",
        ),
        QmpEvent(
            "STOP", "{}", "vCPUs stopped", "the source stops the VM for the stop-and-copy phase",
            "QEMU 0.13", "qemu-failover.md §7 M7",
        ),
        QmpEvent(
            "RESUME", "{}", "vCPUs running", "the destination resumes the VM after loading its state",
            "QEMU 0.13", "qemu-failover.md Key fact 7, §7 M9",
        ),
    )
})


@dataclass(frozen=True)
class MigrationState:
    """A ``MigrationStatus`` value as QMP reports it."""

    name: str
    caption: str
    meaning: str
    terminal: bool
    source: str


MIGRATION_STATES: Final[Mapping[str, MigrationState]] = MappingProxyType({
    s.name: s
    for s in (
        MigrationState("setup", "migration set up", "migrate_init() ran; query-migrate reports only the status",
                       False, "qemu-failover.md §4"),
        MigrationState("wait-unplug", "waiting for the eject",
                       "wait for the guest to complete the primary's unplug; polled every 250 ms with no timeout; "
                       "query-migrate reports only the status (since 4.2)", False, "qemu-failover.md Key fact 5, §4"),
        MigrationState("active", "precopy running", "iterative RAM transfer while the VM keeps running", False,
                       "qemu-failover.md §4, §7 M5–M6"),
        MigrationState("pre-switchover", "paused before switchover",
                       "only with the pause-before-switchover capability", False, "qemu-failover.md §4"),
        MigrationState("device", "device state",
                       "stop-and-copy of the device state; always reported from QEMU 9.2/10.0", False,
                       "qemu-failover.md §4, §7 M7"),
        MigrationState("completed", "done on this side", "the migration finished on this side", True,
                       "qemu-failover.md §4, §7 M9"),
        MigrationState("cancelling", "cancel requested",
                       "migrate_cancel received; with a pending unplug QEMU waits up to 120 × 250 ms (30 s) for it",
                       False, "qemu-failover.md Key fact 5, §4"),
        MigrationState("cancelled", "cancel finished",
                       "the cancel finished; QEMU re-plugs a partially unplugged primary", True,
                       "qemu-failover.md §4, §7 F2"),
        MigrationState("failed", "migration failed",
                       "the migration failed; QEMU re-plugs a partially unplugged primary", True,
                       "qemu-failover.md §4, §7 F3; real-failover-lab.md §5"),
    )
})


@dataclass(frozen=True)
class Action:
    """A step that is neither a QMP event nor a state: a command, a guest reaction, a QEMU internal step.

    ``to`` names the recipient of the message the action sends: the first of these actors that takes part in
    the timeline (empty for a step that stays inside its own lane).
    """

    name: str
    caption: str
    meaning: str
    step: str
    source: str
    to: tuple[str, ...] = ()


ACTIONS: Final[Mapping[str, Action]] = MappingProxyType({
    a.name: a
    for a in (
        Action("migrate-request", "virsh migrate --live", "management asks libvirt for a live migration",
               "M1", "qemu-failover.md §7 M1", ("libvirt",)),
        Action("prepare", "Prepare: VF + -incoming",
               "libvirt's Prepare phase on the destination: the VF is prepared (managed detach, VF MAC set) and "
               "the destination QEMU starts with -incoming and the same -device lines",
               "M0", "qemu-failover.md §7 M0 [infer]", ("dst-qemu",)),
        Action("start-incoming", "start QEMU -incoming",
               "the destination QEMU is started with -incoming and the same -device lines", "M0",
               "qemu-failover.md §7 M0", ("dst-qemu",)),
        Action("primary-hidden", "not realized yet", "the primary is hidden again: not realized, VF not opened",
               "M0", "qemu-failover.md §2, §7 M0"),
        Action("prepare-failed", "Prepare fails: no VF",
               "hostdev prepare or hostdev-network pool allocation fails on the destination; the source never "
               "gets migrate, so nothing is unplugged", "F4", "qemu-failover.md §7 F4 [infer]", ("management",)),
        Action("migrate", "QMP migrate",
               "the migrate command on the source; libvirt allows it only because the hostdev has "
               "teaming type='transient'", "M1", "qemu-failover.md §7 M1", ("src-qemu",)),
        Action("unplug-request", "eject request",
               "MIG_EVENT_PRECOPY_SETUP notifier: partially_hotplugged=true, unplug request (ACPI eject or PCIe "
               "attention button), pending_deleted_event=true, primary vmstate unregistered", "M2",
               "qemu-failover.md §2, §7 M2", ("guest",)),
        Action("button-wait", "pciehp: off in 5 s",
               "Linux pciehp starts a 5 s abort window after the attention button, then waits for the power "
               "indicator", "M4", "qemu-failover.md Key fact 10, §3; real-failover-lab.md §7 pitfall 9"),
        Action("vf-released", "VF gone: traffic on virtio",
               "VF driver removed, NETDEV_UNREGISTER, failover_slave_unregister; TX to the standby, RX from virtio "
               "accepted", "M4", "qemu-failover.md §6, §7 M4"),
        Action("vf-removed", "VF gone (was not enslaved)",
               "the VF driver is removed; it was not a failover slave, so the master's traffic is unaffected",
               "M4", "qemu-failover.md §6 (pairing by permanent MAC)"),
        Action("eject-done", "eject completes",
               "the eject reaches acpi_pcihp_eject_slot / pcie_unplug_device and clears pending_deleted_event; "
               "the device object is kept (no DEVICE_DELETED)", "M5", "qemu-failover.md §2, §7 M5", ("src-qemu",)),
        Action("precopy", "RAM pages → destination",
               "iterative RAM precopy while the VM keeps running on the source", "M6", "qemu-failover.md §7 M6",
               ("dst-qemu",)),
        Action("primary-plugged", "primary hot-plugged",
               "the destination plugs the primary during the load: vfio realize, DMA-map of guest RAM, PCI Express "
               "check; the guest handles the hot-add after RESUME", "M8", "qemu-failover.md Key fact 7, §7 M8",
               ("guest",)),
        Action("primary-plug-failed", "plug fails: warning only",
               "failover_add_primary cannot plug the primary (no VF to open, or a bus that cannot take it: q35's "
               "pcie.0 with ACPI PCI hotplug, conventional PCI); warn_report_err only, the guest is left with "
               "virtio", "F4'", "qemu-failover.md §2, §7 F4', F5; teamkit lab primary-on-root-bus, primary-on-pci0"),
        Action("announce", "announce via virtio", "RARP / virtio GUEST_ANNOUNCE through the standby", "M10",
               "qemu-failover.md §7 M10"),
        Action("vf-hot-added", "VF hot-add seen", "the guest enumerates the hot-added VF on the PCI bus", "M11",
               "qemu-failover.md §7 M10–M11; real-failover-lab.md §6"),
        Action("vf-enslaved", "VF enslaved: fast path",
               "VF driver probe and failover_slave_register (same permanent MAC); net_failover prefers the primary",
               "M11", "qemu-failover.md §6, §7 M11"),
        Action("vf-independent", "VF probed, not enslaved",
               "the VF driver probes an independent NIC: its permanent MAC differs from the standby's, so "
               "net_failover does not enslave it", "M11", "qemu-failover.md §6; real-failover-lab.md §5 D1"),
        Action("vf-link-up", "VF link up",
               "the VF reports carrier; until then frames arriving on the standby were dropped because a primary "
               "exists (RX_HANDLER_EXACT)", "M11", "qemu-failover.md §6; real-failover-lab.md §7 pitfall 2"),
        Action("source-exit", "source QEMU exits", "the source QEMU exits and releases the source VF", "M12",
               "qemu-failover.md §7 M12", ("src-qemu",)),
        Action("abort-request", "virsh domjobabort", "management asks libvirt to abort the migration job", "F2",
               "qemu-failover.md §7 F2", ("libvirt",)),
        Action("migrate_cancel", "QMP migrate_cancel", "migrate_cancel on the source", "F2",
               "qemu-failover.md §4, §7 F2", ("src-qemu",)),
        Action("unplug-ignored", "eject never happens",
               "the guest ignores or cannot finish the eject (broken hotplug driver, lost ACPI request, paused VM)",
               "F2", "qemu-failover.md §7 F2; real-failover-lab.md §5 E, K"),
        Action("partial-unplug-warning", "warning: partially unplugged",
               "warning: migration: partially unplugged device on failure", "F2", "qemu-failover.md §4, §7 F2"),
        Action("replug-primary", "re-plug primary on source",
               "MIG_EVENT_PRECOPY_FAILED notifier: failover_replug_primary() hot-adds the primary on the source; "
               "FAILOVER_NEGOTIATED is not re-emitted", "F3", "qemu-failover.md §2, §7 F2–F3; "
               "real-failover-lab.md §5", ("guest",)),
        Action("stream-error", "stream broken",
               "the migration stream fails (network error or destination load error)", "F3",
               "qemu-failover.md §7 F3; real-failover-lab.md §5 X0", ("src-qemu",)),
        Action("start", "start the domain", "the domain is started with the rendered -device lines", "B1",
               "qemu-failover.md §7 B1", ("src-qemu",)),
        Action("startup-refused", "refused at startup",
               "the hidden primary sits on a bus QEMU cannot hot-plug at -device time (i440fx pci.0 without ACPI, "
               "a PCI expander bus, a root port with hotplug='off'; q35's pcie.0 only with native PCIe hotplug): "
               "QEMU refuses the -device line", "F5",
               "qemu-failover.md §3, §7 F5; measured with QEMU 7.2", ("libvirt", "management")),
        Action("guest-runs-virtio-only", "virtio only",
               "the guest never negotiated STANDBY: no net_failover master, the primary stays hidden", "F1",
               "qemu-failover.md Key fact 8, §7 F1"),
    )
})


@dataclass(frozen=True)
class Datapath:
    """Which device carries the guest's traffic during an interval (qemu-failover.md §7 legend)."""

    id: str
    name: str
    meaning: str


DATAPATHS: Final[Mapping[str, Datapath]] = MappingProxyType({
    d.id: d
    for d in (
        Datapath("vf", "VF (fast path)", "net_failover transmits through the primary VF"),
        Datapath("virtio", "virtio (slow path)", "traffic goes through the virtio standby"),
        Datapath("none", "off the network", "the VM is stopped, or arriving frames are dropped"),
    )
})


@dataclass(frozen=True)
class Scenario:
    """A migration story the model can tell."""

    name: str
    case: str
    title: str
    summary: str
    source: str


SCENARIOS: Final[Mapping[str, Scenario]] = MappingProxyType({
    s.name: s
    for s in (
        Scenario("happy", "M", "Live migration, failover works",
                 "unplug on the source, precopy on virtio, replug on the destination", "qemu-failover.md §7 M0–M12"),
        Scenario("guest-no-failover", "F1", "Guest without failover support",
                 "no FAILOVER_NEGOTIATED, the primary is never plugged, no wait-unplug; a plain virtio migration",
                 "qemu-failover.md Key fact 8, §7 F1"),
        Scenario("guest-ignores-unplug", "F2", "Guest ignores the unplug",
                 "wait-unplug forever until migrate_cancel; 30 s grace; cancelled; re-plug on the source",
                 "qemu-failover.md Key fact 5, §4, §7 F2"),
        Scenario("fails-after-active", "F3", "Migration fails after active",
                 "the stream fails during precopy; QEMU re-plugs the primary on the source",
                 "qemu-failover.md §7 F3"),
        Scenario("no-vf-on-destination", "F4", "No free VF on the destination",
                 "libvirt: Prepare fails before anything is unplugged; plain QEMU: warning, virtio-only destination",
                 "qemu-failover.md §7 F4, F4'"),
        Scenario("primary-not-hotpluggable", "F5", "Primary on a bus that cannot hot-plug it",
                 "q35's pcie.0 (QEMU ≥ 6.1, ACPI hotplug) or a conventional PCI bus: the plug after negotiation "
                 "fails with a warning, virtio only, a plain migration; i440fx pci.0 without ACPI, a PCI expander "
                 "bus, a root port with hotplug='off' (or pcie.0 with native PCIe hotplug): refused at startup",
                 "qemu-failover.md §3, §7 F5; teamkit lab primary-on-root-bus, primary-on-pci0"),
    )
})

#: QEMU's exact texts for the conditions the model names. "no-hotplug" is an error at startup when QEMU checks
#: the hidden primary's bus at -device time, and only a warning when the bus passes that check but fails at the
#: plug after negotiation (q35's pcie.0 with ACPI PCI hotplug, measured with QEMU 7.2: teamkit lab
#: primary-on-root-bus); "not-express" is always a plug-time warning
QEMU_MESSAGES: Final[Mapping[str, str]] = MappingProxyType({
    "not-express": "failover primary device must be on PCIExpress bus",
    "no-hotplug": "Bus '%s' does not support hotplugging",
    "partial-unplug": "migration: partially unplugged device on failure",
    "primary-not-found": "Primary device not found",
})
