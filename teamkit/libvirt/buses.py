"""PCI buses of a domain as libvirt sees them: controller models, slot ranges and hotplug capability."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from teamkit.model import Domain

__all__ = ["BUS_MODELS", "Bus", "BusModel", "domain_buses"]


@dataclass(frozen=True)
class BusModel:
    """One PCI controller model (``virDomainPCIAddressBusSetModel``): slot range, PCIe-ness, hotplug."""

    model: str
    min_slot: int
    max_slot: int
    express: bool
    hotplug: bool
    #: QEMU device that implements it
    qemu_driver: str


BUS_MODELS: Final[dict[str, BusModel]] = {
    m.model: m
    for m in (
        BusModel("pci-root", 1, 31, express=False, hotplug=True, qemu_driver="(i440fx host bridge)"),
        BusModel("pcie-root", 1, 31, express=True, hotplug=False, qemu_driver="(q35 host bridge)"),
        BusModel("pci-bridge", 1, 31, express=False, hotplug=True, qemu_driver="pci-bridge"),
        BusModel("pci-expander-bus", 0, 31, express=False, hotplug=True, qemu_driver="pxb"),
        BusModel("dmi-to-pci-bridge", 0, 31, express=False, hotplug=False, qemu_driver="i82801b11-bridge"),
        BusModel("pcie-to-pci-bridge", 1, 31, express=False, hotplug=True, qemu_driver="pcie-pci-bridge"),
        BusModel("pcie-root-port", 0, 0, express=True, hotplug=True, qemu_driver="pcie-root-port"),
        BusModel("pcie-switch-downstream-port", 0, 0, express=True, hotplug=True, qemu_driver="xio3130-downstream"),
        BusModel("pcie-switch-upstream-port", 0, 31, express=True, hotplug=False, qemu_driver="x3130-upstream"),
        BusModel("pcie-expander-bus", 0, 31, express=True, hotplug=False, qemu_driver="pxb-pcie"),
    )
}


@dataclass(frozen=True)
class Bus:
    index: int
    model: BusModel
    #: QEMU's name for the bus (``pci.0``, ``pcie.0``, ``pci.N``)
    qemu_name: str
    #: hotplug turned off by ``<target hotplug='off'/>``
    hotplug_off: bool = False

    @property
    def can_hotplug(self) -> bool:
        return self.model.hotplug and not self.hotplug_off


def domain_buses(domain: Domain) -> dict[int, Bus]:
    """The PCI buses the domain's XML declares, plus the implicit root bus 0."""
    q35 = domain.is_q35
    root = BUS_MODELS["pcie-root" if q35 else "pci-root"]
    buses = {0: Bus(0, root, "pcie.0" if q35 else "pci.0")}
    for c in domain.controllers:
        if c.type != "pci" or c.index is None or c.model not in BUS_MODELS:
            continue
        if c.index == 0:
            continue
        buses[c.index] = Bus(c.index, BUS_MODELS[c.model], f"pci.{c.index}", hotplug_off=c.hotplug == "off")
    return buses
