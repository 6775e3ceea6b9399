"""Hand-built domains with one failover pair, for the failover and draw tests (no XML parsing involved)."""

from __future__ import annotations

from teamkit.model import Controller, Domain, Hostdev, Interface, InterfaceSource, PciAddress, Teaming

__all__ = ["MAC", "failover_domain", "i440fx_domain", "pcie0_domain", "q35_controllers"]

MAC = "52:54:00:6f:55:cc"


def q35_controllers(*, hotplug: str | None = None) -> tuple[Controller, ...]:
    """``pcie-root`` plus two ``pcie-root-port``s (index 1 for the standby, 2 for the primary)."""
    return (
        Controller(type="pci", index=0, model="pcie-root"),
        Controller(type="pci", index=1, model="pcie-root-port"),
        Controller(type="pci", index=2, model="pcie-root-port", hotplug=hotplug),
    )


def _guest_pci(bus: int) -> PciAddress:
    return PciAddress(domain=0, bus=bus, slot=0, function=0)


def failover_domain(
    *,
    machine: str = "pc-q35-8.2",
    standby_mac: str | None = MAC,
    primary_mac: str | None = MAC,
    primary: str = "interface",
    primary_bus: int | None = 2,
    primary_alias: str | None = None,
    controllers: tuple[Controller, ...] | None = None,
    features: tuple[str, ...] = ("acpi",),
    persistent_alias: str = "ua-backup0",
) -> Domain:
    """The qemu-failover.md §1 example as libvirt XML would say it: a virtio standby and a VF primary.

    ``primary`` is ``interface`` (``<interface type='hostdev'>``) or ``hostdev`` (a plain ``<hostdev>``).
    """
    standby = Interface(
        type="bridge", mac=standby_mac, model="virtio", source=InterfaceSource(bridge="br0"),
        teaming=Teaming(type_text="persistent", persistent=None), alias=persistent_alias,
        alias_written=persistent_alias, address=_guest_pci(1),
    )
    address = None if primary_bus is None else _guest_pci(primary_bus)
    vf = PciAddress(domain=0, bus=0x5E, slot=0, function=2)
    teaming = Teaming(type_text="transient", persistent="ua-backup0")
    interfaces: tuple[Interface, ...] = (standby,)
    hostdevs: tuple[Hostdev, ...] = ()
    if primary == "interface":
        interfaces += (Interface(type="hostdev", mac=primary_mac, managed="yes", source=InterfaceSource(pci=vf),
                                 teaming=teaming, alias=primary_alias, alias_written=primary_alias,
                                 address=address),)
    else:
        hostdevs = (Hostdev(mode="subsystem", type="pci", managed="yes", pci=vf, teaming=teaming,
                            alias=primary_alias, alias_written=primary_alias, address=address),)
    return Domain(
        name="failover-demo", domain_type="kvm", arch="x86_64", machine=machine, features=features,
        interfaces=interfaces, hostdevs=hostdevs,
        controllers=q35_controllers() if controllers is None else controllers,
    )


def i440fx_domain(*, features: tuple[str, ...] = ("acpi",)) -> Domain:
    """The primary on the i440fx root bus ``pci.0``: hot-pluggable with ACPI, but not PCI Express (F5)."""
    return failover_domain(machine="pc-i440fx-8.2", primary_bus=0, features=features,
                           controllers=(Controller(type="pci", index=0, model="pci-root"),))


def pcie0_domain() -> Domain:
    """The primary on q35's ``pcie.0``, which cannot hot-plug: QEMU refuses the hidden primary at startup (F5)."""
    return failover_domain(primary_bus=0)
