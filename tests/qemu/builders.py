"""Hand-built model objects for the qemu-layer and PCI tests (no XML parsing involved)."""

from __future__ import annotations

from dataclasses import replace

from teamkit.model import (
    Controller,
    Domain,
    Hostdev,
    Interface,
    InterfaceSource,
    Network,
    OtherDevice,
    PciAddress,
    Teaming,
)

__all__ = [
    "host",
    "hostdev_iface",
    "network_iface",
    "pc_domain",
    "pci",
    "persistent",
    "plain_hostdev",
    "pool",
    "q35_domain",
    "transient",
    "virtio_nic",
]


def pci(bus: int, slot: int, function: int = 0, *, domain: int = 0, multifunction: str | None = None) -> PciAddress:
    """A guest-side ``<address type='pci' …/>``."""
    return PciAddress(domain=domain, bus=bus, slot=slot, function=function, multifunction=multifunction)


def host(text: str) -> PciAddress:
    """A host-side source address from ``DDDD:BB:SS.F``."""
    dom, bus, rest = text.split(":")
    slot, function = rest.split(".")
    return PciAddress(domain=int(dom, 16), bus=int(bus, 16), slot=int(slot, 16), function=int(function, 16))


def persistent() -> Teaming:
    return Teaming(type_text="persistent", persistent=None)


def transient(ref: str) -> Teaming:
    return Teaming(type_text="transient", persistent=ref)


def virtio_nic(alias: str | None = None, *, mac: str = "00:11:22:33:44:55", kind: str = "user",
               teaming: Teaming | None = None, **fields: object) -> Interface:
    """A virtio ``<interface>`` (``type='user'`` unless told), optionally a persistent failover member."""
    return Interface(type=kind, mac=mac, model=fields.pop("model", "virtio"),  # type: ignore[arg-type]
                     alias=alias, alias_written=alias, teaming=teaming, **fields)  # type: ignore[arg-type]


def hostdev_iface(vf: str, *, ref: str | None = None, mac: str = "00:11:22:33:44:55", alias: str | None = None,
                  **fields: object) -> Interface:
    """``<interface type='hostdev' managed='yes'>`` with a VF source, optionally a transient failover member."""
    return Interface(type="hostdev", mac=mac, managed="yes", source=InterfaceSource(pci=host(vf)),
                     teaming=transient(ref) if ref else None, alias=alias, alias_written=alias,
                     **fields)  # type: ignore[arg-type]


def network_iface(network: str, *, model: str | None = "virtio", teaming: Teaming | None = None,
                  alias: str | None = None, mac: str = "00:11:22:33:44:55") -> Interface:
    return Interface(type="network", mac=mac, model=model, source=InterfaceSource(network=network),
                     teaming=teaming, alias=alias, alias_written=alias)


def plain_hostdev(vf: str, *, ref: str | None = None, alias: str | None = None, **fields: object) -> Hostdev:
    """``<hostdev mode='subsystem' type='pci' managed='yes'>``, optionally with transient teaming."""
    return Hostdev(mode="subsystem", type="pci", managed="yes", pci=host(vf),
                   teaming=transient(ref) if ref else None, alias=alias, alias_written=alias,
                   **fields)  # type: ignore[arg-type]


def pool(name: str, *vfs: str) -> Network:
    """A ``<forward mode='hostdev'>`` network handing out ``vfs`` in order."""
    return Network(name=name, forward_mode="hostdev", forward_managed="yes", pool=tuple(host(v) for v in vfs))


def pc_domain(*, interfaces: tuple[Interface, ...] = (), hostdevs: tuple[Hostdev, ...] = (),
              controllers: tuple[Controller, ...] = (), others: tuple[OtherDevice, ...] = (),
              **fields: object) -> Domain:
    """An i440fx (``machine='pc'``) domain like libvirt's upstream test inputs."""
    base: dict[str, object] = {"name": "QEMUGuest1", "domain_type": "qemu", "arch": "x86_64", "machine": "pc"}
    return Domain(**{**base, **fields}, interfaces=interfaces, hostdevs=hostdevs,  # type: ignore[arg-type]
                  controllers=controllers, others=others)


def q35_domain(**fields: object) -> Domain:
    """The same on ``machine='q35'``."""
    return replace(pc_domain(**fields), machine="q35")  # type: ignore[arg-type]
