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
#: conventional PCI buses that hot-plug (SHPC or ACPI) but are not PCI Express
_CONVENTIONAL_HOTPLUG: Final = frozenset({"pci-root", "pci-bridge", "pcie-to-pci-bridge"})
#: buses without hot-plug slots for endpoints
_NO_HOTPLUG: Final = frozenset({
    "pcie-root", "pci-expander-bus", "pcie-expander-bus", "dmi-to-pci-bridge", "pcie-switch-upstream-port",
})


@dataclass(frozen=True)
class PrimaryPlacement:
    """The primary's bus as QEMU sees it and what that means for the failover plug."""

    bus: str
    controller: str | None
    express: bool
    hotpluggable: bool
    #: True when teamkit had to assume (no address in the XML, or no controller for the bus)
    assumed: bool
    explanation: str

    @property
    def outcome(self) -> PlugOutcome:
        if not self.hotpluggable:
            return "refused-at-startup"
        return "plugs" if self.express else "plug-warning"

    @property
    def qemu_message(self) -> str | None:
        """QEMU's text for the outcome, ``None`` when the primary plugs."""
        if self.outcome == "refused-at-startup":
            return QEMU_MESSAGES["no-hotplug"] % self.bus
        if self.outcome == "plug-warning":
            return QEMU_MESSAGES["not-express"]
        return None


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
            explanation="no PCI address in the XML, so libvirt uses pci.0, and without <acpi/> the i440fx root bus "
                        "cannot hot-plug [infer: qemu-failover.md §3 needs a hot-pluggable bus]",
        )
    return PrimaryPlacement(
        bus="pci.0", controller="pci-root", express=False, hotpluggable=True, assumed=True,
        explanation="no PCI address in the XML: on a non-q35 machine libvirt places it on the conventional "
                    "pci.0 bus, which hot-plugs but is not PCI Express (qemu-failover.md §3)",
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
                explanation=f"{model} with hotplug='off': the hidden primary needs a hot-pluggable bus "
                            "(qemu-failover.md §2 [infer: the same check as pcie.0])",
            )
        return PrimaryPlacement(
            bus=bus, controller=model, express=True, hotpluggable=True, assumed=assumed,
            explanation=f"{model}: a hot-pluggable PCI Express port, as failover needs (qemu-failover.md Key fact 11)",
        )
    if model == "pci-root" and not domain.acpi:
        return PrimaryPlacement(
            bus=bus, controller=model, express=False, hotpluggable=False, assumed=assumed,
            explanation="pci-root without <acpi/>: the i440fx root bus hot-plugs only through ACPI, so QEMU refuses "
                        "the hidden primary [infer: qemu-failover.md §3 needs a hot-pluggable bus]",
        )
    if model in _CONVENTIONAL_HOTPLUG:
        return PrimaryPlacement(
            bus=bus, controller=model, express=False, hotpluggable=True, assumed=assumed,
            explanation=f"{model}: conventional PCI; QEMU accepts the hidden primary but the plug after "
                        "negotiation fails the PCI Express check, only with a warning (qemu-failover.md §3)",
        )
    if model in _NO_HOTPLUG:
        return PrimaryPlacement(
            bus=bus, controller=model, express=model in {"pcie-root", "pcie-expander-bus"}, hotpluggable=False,
            assumed=assumed,
            explanation=f"{model}: no hot-plug slot, so QEMU refuses the hidden primary at startup "
                        "(qemu-failover.md Key fact 3, §3)",
        )
    return PrimaryPlacement(
        bus=bus, controller=model, express=domain.is_q35, hotpluggable=True, assumed=True,
        explanation=f"controller model {model!r} is not known to teamkit; assumed hot-pluggable",
    )
