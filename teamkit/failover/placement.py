"""Where the primary sits on the guest's PCI tree, and whether QEMU can hot-plug it there."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from teamkit.failover.tables import QEMU_MESSAGES
from teamkit.model import Domain, Hostdev, Interface, PciAddress

__all__ = ["PlugOutcome", "PrimaryPlacement", "primary_placement"]

#: what happens to the hidden primary: plugged, refused on the command line, or a plug-time warning
PlugOutcome = Literal["plugs", "refused-at-startup", "plug-warning"]

#: PCI Express ports with a hot-plug slot (qemu-failover.md §3, Key fact 11)
_EXPRESS_HOTPLUG: Final = frozenset({"pcie-root-port", "pcie-switch-downstream-port"})
#: conventional PCI buses that hot-plug (SHPC or ACPI) but are not PCI Express; QEMU 7.2 accepts the hidden
#: primary on a dmi-to-pci-bridge too and only warns at the plug (measured, see _DMI_MEASURED)
_CONVENTIONAL_HOTPLUG: Final = frozenset({"pci-root", "pci-bridge", "pcie-to-pci-bridge", "dmi-to-pci-bridge"})
#: buses without hot-plug slots for endpoints, on which QEMU refuses the hidden primary at startup
_NO_HOTPLUG: Final = frozenset({"pci-expander-bus", "pcie-expander-bus"})

#: how the q35 root bus was measured (teamkit lab primary-on-root-bus, QEMU 7.2.22, Debian 6.1 guest)
_PCIE0_MEASURED: Final = (
    "pcie.0, the q35 root complex, has no hot-plug slot. Measured with QEMU 7.2 and q35's default ACPI PCI "
    "hotplug (teamkit lab primary-on-root-bus): the domain starts with the primary hidden; when the guest "
    "negotiates STANDBY QEMU emits FAILOVER_NEGOTIATED, then only warns \"Bus 'pcie.0' does not support "
    "hotplugging\" and never plugs the primary, so the guest runs on virtio and migrates without UNPLUG_PRIMARY "
    "or wait-unplug (the destination warns the same way); the same with -machine q35,acpi=off (libvirt without "
    "<acpi/>). With native PCIe hotplug instead (-global "
    "ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off, measured; QEMU before 6.1, whose q35 had no ACPI PCI "
    "hotplug [infer]) QEMU refuses the -device line at startup with the same text. teamkit cannot see QEMU's "
    "version or -global options, so it assumes the ACPI default of QEMU 6.1 and later"
)
#: how a dmi-to-pci-bridge was measured (the lab's guest and command line, the primary behind an i82801b11-bridge)
_DMI_MEASURED: Final = (
    "dmi-to-pci-bridge: conventional PCI; measured with QEMU 7.2 (ACPI hotplug): the domain starts and the plug "
    "after negotiation fails the PCI Express check with a warning only, so the guest stays on virtio"
)


@dataclass(frozen=True)
class PrimaryPlacement:
    """The primary's bus as QEMU sees it and what that means for the failover plug."""

    bus: str
    controller: str | None
    express: bool
    #: QEMU can hot-plug the primary onto this bus once the guest negotiates STANDBY
    hotpluggable: bool
    #: True when teamkit had to assume (no address in the XML, or no controller for the bus)
    assumed: bool
    explanation: str
    #: QEMU refuses the hidden primary's -device line, so the domain does not start
    refused_at_startup: bool = False

    @property
    def outcome(self) -> PlugOutcome:
        """Refused at startup, plugged after negotiation, or a plug-time warning that leaves the guest on virtio."""
        if self.refused_at_startup:
            return "refused-at-startup"
        return "plugs" if self.hotpluggable and self.express else "plug-warning"

    @property
    def qemu_message(self) -> str | None:
        """QEMU's text for the outcome (an error at startup, else a warning at the plug), ``None`` when the primary
        plugs."""
        if self.outcome == "plugs":
            return None
        if not self.hotpluggable:
            return QEMU_MESSAGES["no-hotplug"] % self.bus
        return QEMU_MESSAGES["not-express"]


def primary_placement(domain: Domain, primary: Interface | Hostdev) -> PrimaryPlacement:
    """Classify the guest-side PCI address of ``primary`` (qemu-failover.md §3 "Practical consequences")."""
    address = primary.address
    if address is None or address.type != "pci" or address.bus is None:
        return _auto_placement(domain)
    return _placement_on_bus(domain, address)


def _auto_placement(domain: Domain) -> PrimaryPlacement:
    if domain.is_q35:
        return PrimaryPlacement(
            bus="pcie-root-port", controller="pcie-root-port", express=True, hotpluggable=True, assumed=True,
            explanation="no PCI address in the XML: on q35 libvirt gives the device its own pcie-root-port "
                        "(libvirt-teaming.md §3.3)",
        )
    if not domain.acpi:
        return PrimaryPlacement(
            bus="pci.0", controller="pci-root", express=False, hotpluggable=False, assumed=True,
            refused_at_startup=True,
            explanation="no PCI address in the XML, so libvirt uses pci.0, and without <acpi/> the i440fx root bus "
                        "cannot hot-plug: QEMU 7.2 refuses the hidden primary at startup (measured with "
                        "-machine pc,acpi=off)",
        )
    return PrimaryPlacement(
        bus="pci.0", controller="pci-root", express=False, hotpluggable=True, assumed=True,
        explanation="no PCI address in the XML: on a non-q35 machine libvirt places it on the conventional "
                    "pci.0 bus, which hot-plugs but is not PCI Express; measured with QEMU 7.2 (teamkit lab "
                    "primary-on-pci0): the domain starts and the plug after negotiation fails "
                    "the PCI Express check with a warning only (qemu-failover.md §3)",
    )


def _placement_on_bus(domain: Domain, address: PciAddress) -> PrimaryPlacement:
    index = address.bus or 0
    found = next(
        (c for c in domain.controllers if c.type == "pci" and c.index == index and c.model is not None), None
    )
    if found is not None:
        model = found.model or ""
        hotplug_off = found.hotplug == "off"
        assumed = False
    elif index == 0:
        model = "pcie-root" if domain.is_q35 else "pci-root"
        hotplug_off = False
        assumed = False
    else:
        return PrimaryPlacement(
            bus=f"pci.{index}", controller=None, express=domain.is_q35, hotpluggable=True, assumed=True,
            explanation=f"no <controller type='pci' index='{index}'> in the XML; assumed libvirt adds a "
                        "hot-pluggable port for it",
        )
    bus = ("pcie.0" if model == "pcie-root" else "pci.0") if index == 0 else f"pci.{index}"
    if model in _EXPRESS_HOTPLUG:
        if hotplug_off:
            return PrimaryPlacement(
                bus=bus, controller=model, express=True, hotpluggable=False, assumed=assumed,
                refused_at_startup=True,
                explanation=f"{model} with hotplug='off': the hidden primary needs a hot-pluggable bus; measured "
                            "with QEMU 7.2 and q35's default ACPI PCI hotplug, QEMU refuses it at startup (with "
                            "native PCIe hotplug, -global ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off, the "
                            "same command line starts; teamkit cannot see QEMU's -global options)",
            )
        return PrimaryPlacement(
            bus=bus, controller=model, express=True, hotpluggable=True, assumed=assumed,
            explanation=f"{model}: a hot-pluggable PCI Express port, as failover needs (qemu-failover.md Key fact 11)",
        )
    if model == "pcie-root":
        return PrimaryPlacement(bus=bus, controller=model, express=True, hotpluggable=False, assumed=assumed,
                                explanation=_PCIE0_MEASURED)
    if model == "pci-root" and not domain.acpi:
        return PrimaryPlacement(
            bus=bus, controller=model, express=False, hotpluggable=False, assumed=assumed, refused_at_startup=True,
            explanation="pci-root without <acpi/>: the i440fx root bus hot-plugs only through ACPI, so QEMU refuses "
                        "the hidden primary at startup (measured with QEMU 7.2, -machine pc,acpi=off)",
        )
    if model == "dmi-to-pci-bridge":
        return PrimaryPlacement(bus=bus, controller=model, express=False, hotpluggable=True, assumed=assumed,
                                explanation=_DMI_MEASURED)
    if model == "pci-root":
        return PrimaryPlacement(
            bus=bus, controller=model, express=False, hotpluggable=True, assumed=assumed,
            explanation="pci-root: the i440fx root bus hot-plugs through ACPI but is conventional PCI; measured with "
                        "QEMU 7.2 (teamkit lab primary-on-pci0): the domain starts and the plug "
                        "after negotiation fails the PCI Express check with a warning only (qemu-failover.md §3)",
        )
    if model in _CONVENTIONAL_HOTPLUG:
        return PrimaryPlacement(
            bus=bus, controller=model, express=False, hotpluggable=True, assumed=assumed,
            explanation=f"{model}: conventional PCI; QEMU accepts the hidden primary but the plug after "
                        "negotiation fails the PCI Express check, only with a warning (qemu-failover.md §3)",
        )
    if model in _NO_HOTPLUG:
        return PrimaryPlacement(
            bus=bus, controller=model, express=model == "pcie-expander-bus", hotpluggable=False, assumed=assumed,
            refused_at_startup=True,
            explanation=f"{model}: no hot-plug slot, so QEMU refuses the hidden primary at startup (measured with "
                        "QEMU 7.2 on pxb and pxb-pcie)",
        )
    if model == "pcie-switch-upstream-port":
        return PrimaryPlacement(
            bus=bus, controller=model, express=True, hotpluggable=True, assumed=True,
            explanation="pcie-switch-upstream-port: libvirt connects only pcie-switch-downstream-port to it and "
                        "refuses an endpoint there; QEMU 7.2 itself plugs and unplugs a primary on it (measured), "
                        "but the measured Linux guest found no bridge window for the primary's BARs",
        )
    return PrimaryPlacement(
        bus=bus, controller=model, express=domain.is_q35, hotpluggable=True, assumed=True,
        explanation=f"controller model {model!r} is not known to teamkit; assumed hot-pluggable",
    )
