"""libvirt's checks on a domain's network devices, in libvirt's order, with libvirt's exact messages."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from teamkit.findings import Finding, make_finding
from teamkit.libvirt.buses import domain_buses
from teamkit.libvirt.networks import resolve_networks
from teamkit.model import (
    Controller,
    Domain,
    Hostdev,
    Interface,
    Network,
    OtherDevice,
    ParseIssue,
    PciAddress,
    SourceRef,
    TeamingType,
)

__all__ = ["QemuVersionTuple", "default_model", "libvirt_errors"]

#: a QEMU version as (major, minor, micro); ``None`` means the newest behaviour
QemuVersionTuple = tuple[int, int, int]

_VIRTIO_MODELS = ("virtio", "virtio-transitional", "virtio-non-transitional")
_MTU_TYPES = ("network", "bridge", "ethernet", "vhostuser")
_MULTIQUEUE_TYPES = ("network", "bridge", "direct", "ethernet", "vhostuser", "vdpa")
FAILOVER_MIN_QEMU: QemuVersionTuple = (4, 2, 0)


def default_model(domain: Domain, iface: Interface, actual: str | None) -> str | None:
    """The model after ``qemuDomainDeviceNetDefPostParse``: x86 NICs without one get ``rtl8139``."""
    if iface.model is not None:
        return iface.model
    if iface.type == "hostdev" or actual == "hostdev":
        return None
    if iface.type == "vdpa":
        return "virtio"
    if domain.arch in (None, "x86_64", "i686"):
        return "rtl8139"
    return None


def _issue(issue: ParseIssue) -> Finding:
    return make_finding(issue.code, at=SourceRef(issue.line, issue.xpath), **issue.field_dict())


def _at(dev: Interface | Hostdev | OtherDevice, suffix: str = "") -> SourceRef:
    xpath = dev.ref.xpath
    return SourceRef(dev.ref.line, (xpath + suffix) if xpath and suffix else xpath)


def _teaming_at(dev: Interface | Hostdev) -> SourceRef:
    return dev.teaming.ref if dev.teaming is not None else _at(dev)


def _parse_stage(domain: Domain) -> Iterator[Finding]:
    if domain.issue is not None:
        yield _issue(domain.issue)
    devices: list[Interface | Hostdev] = [*domain.interfaces, *domain.hostdevs]
    for dev in devices:
        if dev.issue is not None:
            yield _issue(dev.issue)


def _bootable(domain: Domain) -> list[Interface | Hostdev | OtherDevice]:
    """Devices in ``virDomainDeviceInfoIterate`` order: disks, nets, …, hostdevs, then the rest."""
    disks = [o for o in domain.others if o.kind == "disk"]
    rest = [o for o in domain.others if o.kind != "disk"]
    return [*disks, *domain.interfaces, *domain.hostdevs, *rest]


def _boot_rules(domain: Domain) -> Iterator[Finding]:
    seen: set[int] = set()
    any_boot = False
    for dev in _bootable(domain):
        if dev.boot is None or dev.boot.order == 0:
            continue
        any_boot = True
        if dev.boot.order in seen:
            yield make_finding("boot-order-duplicate", at=dev.boot.ref, order=dev.boot.order)
            return
        seen.add(dev.boot.order)
    if any_boot and domain.os_boot:
        yield make_finding("boot-with-os-boot", at=SourceRef(domain.ref.line, "/domain/os/boot"))


def _address_text(addr: PciAddress) -> str:
    d, b, s, f = addr.bdf()
    return f"{d:04x}:{b:02x}:{s:02x}.{f}"


def _pci_devices(domain: Domain) -> list[Interface | Hostdev | OtherDevice | Controller]:
    """Devices in ``virDomainDeviceInfoIterate`` order: disks, nets, sounds, hostdevs, videos, controllers, …"""
    def kind(name: str) -> list[OtherDevice]:
        return [o for o in domain.others if o.kind == name]

    listed = ("disk", "sound", "video")
    rest = [o for o in domain.others if o.kind not in listed]
    return [*kind("disk"), *domain.interfaces, *kind("sound"), *domain.hostdevs, *kind("video"),
            *domain.controllers, *rest]


def _address_rules(domain: Domain) -> Iterator[Finding]:
    """Reserving the PCI addresses written in the XML: ``virDomainPCIAddressValidate`` and double use."""
    buses = domain_buses(domain)
    taken: set[tuple[int, int, int, int]] = set()
    for dev in _pci_devices(domain):
        if isinstance(dev, Interface | Hostdev) and dev.issue is not None:
            continue
        addr = dev.address
        if addr is None or addr.type != "pci" or not any(addr.bdf()):
            continue
        text = _address_text(addr)
        domain_no, bus_no, slot, _fn = addr.bdf()
        if domain_no != 0:
            yield make_finding("pci-domain-nonzero", address=text, at=addr.ref)
            return
        bus = buses.get(bus_no)
        if bus is not None and slot < bus.model.min_slot:
            yield make_finding("pci-slot-min", address=text, min=bus.model.min_slot, at=addr.ref)
            return
        if bus is not None and slot > bus.model.max_slot:
            yield make_finding("pci-slot-max", address=text, max=bus.model.max_slot, at=addr.ref)
            return
        if addr.bdf() in taken:
            yield make_finding("pci-address-reused", address=text, at=addr.ref)
            return
        taken.add(addr.bdf())


def _net_rules(domain: Domain, iface: Interface, actual: str | None,
               qemu: QemuVersionTuple | None) -> Iterator[Finding]:
    """``virDomainNetDefValidate`` then ``qemuValidateDomainDeviceDefNetwork``; each stops at its first error."""
    team = iface.teaming
    if team is not None and team.type is TeamingType.TRANSIENT and not team.persistent:
        yield make_finding("teaming-transient-no-persistent", at=_teaming_at(iface))
        return
    if team is not None and team.type is TeamingType.PERSISTENT and team.persistent:
        yield make_finding("teaming-persistent-with-persistent", type="persistent",
                           at=_teaming_at(iface))
        return
    model = default_model(domain, iface, actual)
    virtio = model in _VIRTIO_MODELS
    if virtio and iface.driver.rx_queue_size and iface.driver.rx_queue_size & (iface.driver.rx_queue_size - 1):
        yield make_finding("rx-queue-size-not-pow2", at=_at(iface, "/driver"))
        return
    if virtio and iface.driver.tx_queue_size and iface.driver.tx_queue_size & (iface.driver.tx_queue_size - 1):
        yield make_finding("tx-queue-size-not-pow2", at=_at(iface, "/driver"))
        return
    if iface.mtu and iface.type not in _MTU_TYPES:
        yield make_finding("mtu-unsupported-type", type=iface.type, at=_at(iface, "/mtu"))
        return
    if team is None:
        yield from _coalesce_rule(iface)
        return
    if qemu is not None and qemu < FAILOVER_MIN_QEMU:
        yield make_finding("failover-unsupported-qemu", at=_teaming_at(iface))
        return
    if team.type is TeamingType.PERSISTENT and not virtio:
        yield make_finding("teaming-persistent-not-virtio", model=model if model is not None else "(null)",
                           at=_teaming_at(iface))
        return
    if team.type is TeamingType.TRANSIENT and iface.type not in ("hostdev", "network"):
        yield make_finding("teaming-transient-wrong-type", type=iface.type,
                           at=_teaming_at(iface))
        return
    yield from _coalesce_rule(iface)


def _coalesce_rule(iface: Interface) -> Iterator[Finding]:
    if iface.coalesce and iface.type not in ("network", "bridge"):
        yield make_finding("coalesce-unsupported-type", type=iface.type, at=_at(iface, "/coalesce"))


def _hostdev_rules(hostdev: Hostdev) -> Iterator[Finding]:
    """``virDomainHostdevDefValidate``: G3, G4, G5 in that order."""
    team = hostdev.teaming
    if team is None:
        return
    if team.type is not TeamingType.TRANSIENT:
        yield make_finding("teaming-hostdev-not-transient", at=_teaming_at(hostdev))
    elif not team.persistent:
        yield make_finding("teaming-hostdev-no-persistent", at=_teaming_at(hostdev))
    elif hostdev.mode != "subsystem" or hostdev.type != "pci":
        yield make_finding("teaming-hostdev-not-pci", at=_teaming_at(hostdev))


def _duplicate_hostdevs(domain: Domain) -> Iterator[Finding]:
    """``virDomainDefHostdevValidate``: one host PCI device may back one device (interfaces' VFs included)."""
    sources: list[tuple[tuple[int, int, int, int], SourceRef]] = []
    for iface in domain.interfaces:
        if iface.type == "hostdev" and iface.issue is None and iface.source.pci is not None:
            sources.append((iface.source.pci.bdf(), iface.ref))
    for hostdev in domain.hostdevs:
        if hostdev.issue is None and hostdev.type == "pci" and hostdev.pci is not None:
            sources.append((hostdev.pci.bdf(), hostdev.ref))
    seen: set[tuple[int, int, int, int]] = set()
    for bdf, ref in sources:
        if bdf in seen:
            yield make_finding("hostdev-duplicate", at=ref)
            return
        seen.add(bdf)


def _alias_rules(domain: Domain) -> Iterator[Finding]:
    """``virDomainDeviceDefValidateAliasesIterator``: user aliases must be unique across all devices."""
    seen: set[str] = set()
    for dev in _bootable(domain):
        if dev.alias is None:
            continue
        if dev.alias in seen:
            yield make_finding("alias-duplicate", alias=dev.alias, at=_at(dev, "/alias"))
            return
        seen.add(dev.alias)


def _start_rules(domain: Domain, actual_types: tuple[str | None, ...]) -> Iterator[Finding]:
    """``qemuDomainValidateActualNetDef``, run per interface while the command line is built."""
    for iface, actual in zip(domain.interfaces, actual_types, strict=True):
        if iface.issue is not None or actual is None:
            continue
        mac = iface.mac or "(generated)"
        vlan_ok = actual == "hostdev" or (actual == "direct" and iface.source.mode == "passthrough") or (
            actual == "bridge" and iface.virtualport_type == "openvswitch")
        if iface.vlan_tags and not vlan_ok:
            yield make_finding("vlan-unsupported-type", mac=mac, at=_at(iface, "/vlan"))
            return
        if iface.bandwidth and actual == "hostdev":
            yield make_finding("bandwidth-on-hostdev", mac=mac, at=_at(iface, "/bandwidth"))
            return
        if iface.driver.queues and actual not in _MULTIQUEUE_TYPES:
            yield make_finding("multiqueue-unsupported-type", mac=mac, type=actual,
                               at=_at(iface, "/driver"))
            return
        team = iface.teaming
        if team is not None and team.type is TeamingType.TRANSIENT and actual != "hostdev":
            yield make_finding("teaming-transient-actual-not-hostdev", mac=mac, type=actual,
                               at=_teaming_at(iface))
            return


def libvirt_errors(domain: Domain, *, networks: Mapping[str, Network] | None = None,
                   qemu: QemuVersionTuple | None = None) -> tuple[Finding, ...]:
    """Every error libvirt raises for this domain's network devices, in the order libvirt raises them.

    libvirt stops at the first; the rest are what it reports next, once the earlier ones are fixed.
    """
    resolution = resolve_networks(domain, networks or {})
    found: list[Finding] = list(_parse_stage(domain))
    found.extend(_boot_rules(domain))
    found.extend(_address_rules(domain))
    for iface, actual in zip(domain.interfaces, resolution.actual_types, strict=True):
        if iface.issue is None:
            found.extend(_net_rules(domain, iface, actual, qemu))
    for hostdev in domain.hostdevs:
        if hostdev.issue is None:
            found.extend(_hostdev_rules(hostdev))
    found.extend(_duplicate_hostdevs(domain))
    found.extend(_alias_rules(domain))
    found.extend(_start_rules(domain, resolution.actual_types))
    return tuple(found)
