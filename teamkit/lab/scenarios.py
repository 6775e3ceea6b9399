"""The lab's scenarios and settings, and the QEMU command lines of both sides (pure: no process is started)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final, Literal, cast

from teamkit.lab.guestinit import BlockHow, GuestMode, kernel_cmdline

__all__ = ["LAB_SCENARIOS", "MAC", "PRIMARIES", "PRIMARY_ID", "STANDBY_ID", "LabScenario", "LabSettings",
           "Primary", "PrimaryBus", "qemu_argv", "settings_for"]

Primary = Literal["vmxnet3", "e1000e"]
Hotplug = Literal["acpi", "pcie"]
#: where the primary sits: its own q35 pcie-root-port, q35's root bus pcie.0, or the i440fx root bus pci.0 (machine
#: pc, no root ports: the standby sits on pci.0 too)
PrimaryBus = Literal["root-port", "pcie.0", "pci.0"]
PRIMARIES: Final = ("vmxnet3", "e1000e")
#: libvirt's ids for a pair (the persistent alias and the first hostdev), as QEMU device ids
STANDBY_ID: Final = "ua-backup0"
PRIMARY_ID: Final = "hostdev0"
#: both NICs carry the same MAC: Linux pairs standby and primary by MAC (real-failover-lab.md §2)
MAC: Final = "52:54:00:12:34:56"
#: q35 in QEMU 7.2 hot-plugs with ACPI unless the ICH9 LPC is told otherwise (real-failover-lab.md §7 pitfall 9)
_NATIVE_HOTPLUG: Final = ("-global", "ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off")


@dataclass(frozen=True)
class LabScenario:
    """A lab experiment: what the guest does, what management does, and the model scenario it measures."""

    name: str
    title: str
    model_scenario: str
    summary: str
    guest_mode: GuestMode = "full"
    block: BlockHow = "none"
    #: seconds the guest holds the eject request before handling it (slow-guest)
    slow_s: float = 0.0
    #: seconds in wait-unplug before management sends migrate_cancel (None: never)
    cancel_after_s: float | None = None
    #: forced hotplug mechanism (None: --hotplug decides)
    hotplug: Hotplug | None = None
    #: the source's final state when everything behaves
    expect: str = "completed"
    #: the primary's bus
    primary_bus: PrimaryBus = "root-port"


LAB_SCENARIOS: Final[Mapping[str, LabScenario]] = MappingProxyType({
    s.name: s
    for s in (
        LabScenario("happy", "Live migration, failover works", "happy",
                    "unplug on the source, precopy on virtio, re-plug on the destination"),
        LabScenario("guest-no-failover", "Guest without failover", "guest-no-failover",
                    "the guest loads no net_failover (and so no virtio_net, which needs it): no STANDBY, no "
                    "FAILOVER_NEGOTIATED, no UNPLUG_PRIMARY, a plain migration (real-failover-lab.md §4 B)",
                    guest_mode="nofailover"),
        LabScenario("guest-ignores-unplug", "Guest never ejects", "guest-ignores-unplug",
                    "the guest disables ACPI GPE 1, so the eject request is lost; migrate_cancel after 2 s; "
                    "cancelling for QEMU's 30 s grace; cancelled; QEMU re-plugs (real-failover-lab.md §5 E, K)",
                    block="disable", cancel_after_s=2.0, hotplug="acpi", expect="cancelled"),
        LabScenario("pcie-native", "Native PCIe hotplug", "happy",
                    "the unplug goes through pciehp's attention button: 5 s abort window plus 1 s power indicator "
                    "(real-failover-lab.md §4 C1)", hotplug="pcie"),
        LabScenario("slow-guest", "Guest ejects late", "happy",
                    "the guest masks ACPI GPE 1 and handles the eject request 5 s after it arrives; QEMU waits in "
                    "wait-unplug as long as it takes (real-failover-lab.md §4 G)",
                    block="mask", slow_s=5.0, hotplug="acpi"),
        LabScenario("primary-on-root-bus", "Primary on q35's pcie.0", "primary-not-hotpluggable",
                    "the primary sits on the q35 root bus pcie.0 instead of a root port: with ACPI hotplug the "
                    "domain starts, QEMU warns \"Bus 'pcie.0' does not support hotplugging\" when the guest "
                    "negotiates STANDBY and never plugs the primary, and the migration is a plain one; with "
                    "--hotplug pcie QEMU refuses the primary's -device line at startup", primary_bus="pcie.0"),
        LabScenario("primary-on-pci0", "Primary on i440fx's pci.0", "primary-not-hotpluggable",
                    "machine pc, both NICs on the conventional root bus pci.0 (ACPI hotplug): QEMU warns "
                    "\"failover primary device must be on PCIExpress bus\" when the guest negotiates STANDBY and "
                    "never plugs the primary; a plain migration", hotplug="acpi", primary_bus="pci.0"),
    )
})


@dataclass(frozen=True)
class LabSettings:
    """One experiment's settings (JSON-ready through :meth:`as_dict`)."""

    scenario: str
    primary: Primary
    hotplug: Hotplug
    guest_mode: GuestMode
    block: BlockHow
    slow_s: float
    cancel_after_s: float | None
    expect: str
    primary_bus: PrimaryBus = "root-port"

    def as_dict(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "primary": self.primary, "hotplug": self.hotplug,
                "guest_mode": self.guest_mode, "block": self.block, "slow_s": self.slow_s,
                "cancel_after_s": self.cancel_after_s, "expect": self.expect, "primary_bus": self.primary_bus}

    @property
    def cmdline(self) -> str:
        return kernel_cmdline(mode=self.guest_mode, block=self.block, slow_s=self.slow_s)


def settings_for(scenario: str, *, primary: str = "vmxnet3", hotplug: str | None = None) -> LabSettings:
    """The settings of ``scenario``; raises ``ValueError`` for unknown names or a hotplug the scenario forbids."""
    lab = LAB_SCENARIOS.get(scenario)
    if lab is None:
        raise ValueError(f"unknown lab scenario {scenario!r}; choose one of {', '.join(LAB_SCENARIOS)}")
    if primary not in PRIMARIES:
        raise ValueError(f"unknown primary {primary!r}; choose one of {', '.join(PRIMARIES)}")
    if hotplug is not None and hotplug not in ("acpi", "pcie"):
        raise ValueError(f"unknown hotplug {hotplug!r}; choose acpi or pcie")
    if lab.hotplug is not None and hotplug is not None and hotplug != lab.hotplug:
        why = ("the scenario is about machine pc, whose pci.0 hot-plugs through ACPI" if lab.primary_bus == "pci.0"
               else "the guest blocks the request on ACPI GPE 1, which native PCIe hotplug does not use"
               if lab.hotplug == "acpi" else "the scenario is about native PCIe hotplug")
        raise ValueError(f"{scenario} needs --hotplug {lab.hotplug}: {why}")
    chosen: Hotplug = lab.hotplug or ("pcie" if hotplug == "pcie" else "acpi")
    return LabSettings(scenario=scenario, primary=cast(Primary, primary), hotplug=chosen,
                       guest_mode=lab.guest_mode, block=lab.block, slow_s=lab.slow_s,
                       cancel_after_s=lab.cancel_after_s, expect=lab.expect, primary_bus=lab.primary_bus)


def qemu_argv(settings: LabSettings, *, binary: str, kernel: str, initrd: str, serial: str, qmp: str, name: str,
              incoming_port: int | None = None) -> list[str]:
    """One side's command line (real-failover-lab.md §2): q35 under TCG, two root ports, the virtio standby with
    ``failover=on`` before the primary, the primary with ``failover_pair_id`` and ``romfile=`` (an option ROM
    breaks the migration, §7 pitfall 1), a user network per NIC, serial and QMP on unix sockets; QEMU's own
    messages carry timestamps (``-msg timestamp=on``) so that they line up with its QMP events.

    ``primary_bus`` ``pcie.0`` puts the primary on q35's root bus (slot 3) instead of the second root port;
    ``pci.0`` uses machine pc with both NICs on its root bus (standby slot 4, primary slot 5)."""
    bus = settings.primary_bus
    pc = bus == "pci.0"
    ports = [] if pc else ["-device", "pcie-root-port,id=rp1,bus=pcie.0,chassis=1"]
    if bus == "root-port":
        ports += ["-device", "pcie-root-port,id=rp2,bus=pcie.0,chassis=2"]
    standby_at = "bus=pci.0,addr=0x4" if pc else "bus=rp1"
    primary_at = {"root-port": "bus=rp2", "pcie.0": "bus=pcie.0,addr=0x3", "pci.0": "bus=pci.0,addr=0x5"}[bus]
    argv = [
        binary, "-name", name, "-machine", "pc" if pc else "q35", "-accel", "tcg", "-cpu", "qemu64", "-m", "512",
        "-smp", "1",
        "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot", "-msg", "timestamp=on",
        "-kernel", kernel, "-initrd", initrd, "-append", settings.cmdline,
        "-chardev", f"socket,id=ser0,path={serial},server=on,wait=on", "-serial", "chardev:ser0",
        "-chardev", f"socket,id=qmp0,path={qmp},server=on,wait=off", "-mon", "chardev=qmp0,mode=control",
        *ports,
        "-netdev", "user,id=hn0",
        "-device", f"virtio-net-pci,netdev=hn0,id={STANDBY_ID},mac={MAC},failover=on,{standby_at}",
        "-netdev", "user,id=hn1",
        "-device", f"{settings.primary},netdev=hn1,id={PRIMARY_ID},mac={MAC},failover_pair_id={STANDBY_ID},"
                   f"{primary_at},romfile=",
    ]
    if settings.hotplug == "pcie":
        argv.extend(_NATIVE_HOTPLUG)
    if incoming_port is not None:
        argv.extend(["-incoming", f"tcp:127.0.0.1:{incoming_port}"])
    return argv
