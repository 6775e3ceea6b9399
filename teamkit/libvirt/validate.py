"""libvirt's checks on a domain's network devices, in libvirt's order, with libvirt's exact messages."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from teamkit.findings import Finding, make_finding
from teamkit.libvirt.cparse import parse_uint
from teamkit.libvirt.networks import resolve_networks
from teamkit.libvirt.parse import NET_MODELS
from teamkit.libvirt.pci import PciAddressError, assign_pci_addresses
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
#: ``virDomainCheckVirtioOptionsAreAbsent``: ``<driver>`` attributes only virtio devices take, in its order
_VIRTIO_ONLY_OPTIONS = (("iommu", "virtio-option-iommu"), ("ats", "virtio-option-ats"),
                        ("packed", "virtio-option-packed"), ("page_per_vq", "virtio-option-page-per-vq"))
#: the address type each host device type must use (``virDomainHostdevDefValidate``)
_HOSTDEV_ADDRESS_TYPES = {
    "pci": (("none", "unassigned", "pci"), "hostdev-pci-address-type"),
    "scsi": (("none", "drive"), "hostdev-scsi-address-type"),
    "scsi_host": (("none", "pci", "ccw"), "hostdev-scsi-host-address-type"),
    "usb": (("none", "usb"), "hostdev-usb-address-type"),
}
FAILOVER_MIN_QEMU: QemuVersionTuple = (4, 2, 0)
#: the libvirt release whose address assignment the verdicts follow (Debian 12's, which the conformance tests run)
VERDICT_LIBVIRT = (9, 0)


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
    """Parse errors in ``virDomainDefParseXML``'s order: ``<os>`` and controllers, interfaces, inputs, hostdevs."""
    late = domain.issue is not None and "/devices/input" in (domain.issue.xpath or "")
    if domain.issue is not None and not late:
        yield _issue(domain.issue)
    for iface in domain.interfaces:
        if iface.issue is not None:
            yield _issue(iface.issue)
    if domain.issue is not None and late:
        yield _issue(domain.issue)
    for hostdev in domain.hostdevs:
        if hostdev.issue is not None:
            yield _issue(hostdev.issue)


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


def _address_owner(domain: Domain, address: str | int | None) -> SourceRef:
    """Where the address an assignment error names is written (the domain element when no device has it)."""
    for dev in _pci_devices(domain):
        addr = dev.address
        if addr is not None and addr.type == "pci" and any(addr.bdf()) and address == _address_text(addr):
            return addr.ref if addr.ref.line is not None else dev.ref
    return SourceRef(domain.ref.line, domain.ref.xpath)


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


def _address_rules(domain: Domain, networks: Mapping[str, Network]) -> Iterator[Finding]:
    """``qemuDomainAssignPCIAddresses`` at define: the addresses written in the XML are reserved (and checked against
    their bus), the chipset's own slots are reserved, then every other device gets one; the first failure stops it.

    Host devices whose PCI Express-ness libvirt reads from the host's sysfs are taken as PCI Express, which is what
    libvirt assumes for a host device it cannot see.
    """
    try:
        assign_pci_addresses(domain, networks=networks, conventional_pci=frozenset(), libvirt=VERDICT_LIBVIRT)
    except PciAddressError as err:
        if err.code is None:
            raise
        yield make_finding(err.code, at=_address_owner(domain, err.fields.get("address")), **err.fields)


def _info_type(dev: Interface | Hostdev) -> str:
    """The device's address type when validation runs: as written, or ``usb`` for a USB host device (libvirt gives
    it a USB address at define), else ``none``."""
    if dev.address is not None:
        return dev.address.type
    usb = dev.source.other == "usb" if isinstance(dev, Interface) else dev.type == "usb"
    return "usb" if usb else "none"


def _info_rules(dev: Interface | Hostdev) -> Iterator[Finding]:
    """``qemuValidateDomainDeviceInfo``: ACPI index and ROM tuning need a PCI device."""
    kind = _info_type(dev)
    if dev.acpi_index and kind not in ("none", "pci"):
        yield make_finding("acpi-index-not-pci", at=_at(dev, "/acpi"))
        return
    rom = dev.rom
    if rom is not None and (rom.enabled or rom.bar or rom.file) and kind not in ("pci", "none", "unassigned"):
        yield make_finding("rom-not-pci", at=_at(dev, "/rom"))


def _net_generic_rules(iface: Interface, model: str | None) -> Iterator[Finding]:
    """``virDomainDeviceInfoValidate`` and ``virDomainNetDefValidate``."""
    if iface.address is not None and iface.address.type == "unassigned":
        yield make_finding("address-unassigned-not-hostdev", type="unassigned", at=_at(iface, "/address"))
        return
    if iface.target_managed == "no" and iface.type != "ethernet":
        yield make_finding("unmanaged-tap-wrong-type", type=iface.type, at=_at(iface, "/target"))
        return
    team = iface.teaming
    if team is not None and team.type is TeamingType.TRANSIENT and not team.persistent:
        yield make_finding("teaming-transient-no-persistent", at=_teaming_at(iface))
        return
    if team is not None and team.type is TeamingType.PERSISTENT and team.persistent:
        yield make_finding("teaming-persistent-with-persistent", type="persistent",
                           at=_teaming_at(iface))
        return
    if model not in _VIRTIO_MODELS:
        written = dict(iface.driver.attrs)
        for attr, code in _VIRTIO_ONLY_OPTIONS:
            if written.get(attr) in ("on", "off"):
                yield make_finding(code, at=_at(iface, "/driver"))
                return
    if iface.type == "vhostuser" and model not in _VIRTIO_MODELS:
        yield make_finding("vhostuser-not-virtio", at=_at(iface, "/model"))


def _usb_devices(domain: Domain) -> Iterator[SourceRef]:
    """``virDomainUSBDeviceDefForeach``: hostdevs whose subsystem type is USB, then USB disks, inputs, sounds, …"""
    for iface in domain.interfaces:
        if iface.type == "hostdev" and iface.issue is None and iface.source.other == "usb":
            yield iface.ref
    for hostdev in domain.hostdevs:
        # a capabilities-mode hostdev's type shares its storage with the subsystem type: 'storage' reads as USB
        subsys = hostdev.type if (hostdev.mode or "subsystem") == "subsystem" else {"storage": "usb"}.get(
            hostdev.type or "")
        if subsys == "usb":
            yield hostdev.ref
    for other in domain.others:
        if (other.kind in ("disk", "input", "redirdev") and other.bus == "usb") or (
                other.kind in ("sound", "hub") and other.model == "usb"):
            yield other.ref
    for cont in domain.controllers:
        if cont.type == "ccid":
            yield cont.ref


def _usb_rules(domain: Domain) -> Iterator[Finding]:
    """``qemuDomainUSBAddressAddHubs`` (USB addresses are assigned at define, after PCI addresses)."""
    usb = [c for c in domain.controllers if c.type == "usb"]
    if not usb or any(c.model != "none" for c in usb):
        return
    first = next(_usb_devices(domain), None)
    if first is not None:
        yield make_finding("usb-disabled", at=first)


def _net_rules(domain: Domain, iface: Interface, actual: str | None,
               qemu: QemuVersionTuple | None) -> Iterator[Finding]:
    """``virDomainNetDefValidate``, then ``qemuValidateDomainDeviceInfo`` and ``qemuValidateDomainDeviceDefNetwork``;
    libvirt stops at the first error."""
    model = default_model(domain, iface, actual)
    for finding in (*_net_generic_rules(iface, model), *_info_rules(iface)):
        yield finding
        return
    if iface.type == "vdpa" and model != "virtio":
        known = model is not None and model in NET_MODELS
        yield make_finding("vdpa-model-not-virtio", type="vdpa", model=model if known else "unknown",
                           at=_at(iface, "/model"))
        return
    team = iface.teaming
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


def _hostdev_address_rule(subsys: str | None, dev: Interface | Hostdev) -> Iterator[Finding]:
    allowed = _HOSTDEV_ADDRESS_TYPES.get(subsys or "")
    kind = _info_type(dev)
    if allowed is not None and kind not in allowed[0]:
        yield make_finding(allowed[1], at=_at(dev, "/address"))


def _interface_hostdev_rules(iface: Interface) -> Iterator[Finding]:
    """The ``def->hostdevs`` entry of an ``<interface type='hostdev'>``: ``virDomainHostdevDefValidate`` (its
    teaming lives on the interface), then ``qemuValidateDomainDeviceInfo`` on the info it shares with it."""
    for finding in (*_hostdev_address_rule(iface.source.other or "pci", iface), *_info_rules(iface)):
        yield finding
        return


def _hostdev_rules(domain: Domain, hostdev: Hostdev) -> Iterator[Finding]:
    """``virDomainHostdevDefValidate`` (address type, then G3, G4, G5 in that order), then
    ``qemuValidateDomainDeviceInfo`` and ``qemuValidateDomainDeviceDefHostdev``."""
    if (hostdev.mode or "subsystem") == "subsystem":
        for finding in _hostdev_address_rule(hostdev.type, hostdev):
            yield finding
            return
    team = hostdev.teaming
    if team is not None:
        if team.type is not TeamingType.TRANSIENT:
            yield make_finding("teaming-hostdev-not-transient", at=_teaming_at(hostdev))
            return
        if not team.persistent:
            yield make_finding("teaming-hostdev-no-persistent", at=_teaming_at(hostdev))
            return
        if hostdev.mode != "subsystem" or hostdev.type != "pci":
            yield make_finding("teaming-hostdev-not-pci", at=_teaming_at(hostdev))
            return
    for finding in _info_rules(hostdev):
        yield finding
        return
    if hostdev.mode == "capabilities":
        yield make_finding("hostdev-capabilities-mode", virt=domain.domain_type or "(null)", at=_at(hostdev))


def _pci_backends(domain: Domain) -> Iterator[tuple[str | None, Interface | Hostdev]]:
    """The ``<driver name>`` of every PCI entry of libvirt's ``def->hostdevs``: interfaces' VFs, then plain ones."""
    for iface in domain.interfaces:
        if iface.type == "hostdev" and iface.issue is None and iface.source.other is None:
            yield iface.driver.name, iface
    for hostdev in domain.hostdevs:
        if hostdev.issue is None and (hostdev.mode or "subsystem") == "subsystem" and hostdev.type == "pci":
            yield hostdev.driver_name, hostdev


def _host_prepare_rules(domain: Domain) -> Iterator[Finding]:
    """``qemuHostdevPreparePCIDevicesCheckSupport`` at start, before the command line is built."""
    for backend, dev in _pci_backends(domain):
        if backend == "kvm":
            yield make_finding("hostdev-backend-kvm", at=_at(dev, "/driver"))
            return


def _command_line_hostdev_rules(domain: Domain) -> Iterator[Finding]:
    """``qemuBuildPCIHostdevDevProps``: only vfio builds a device (kvm was refused earlier)."""
    for backend, dev in _pci_backends(domain):
        if backend == "xen":
            yield make_finding("hostdev-backend-invalid", backend=backend, at=_at(dev, "/driver"))
            return


def _duplicate_hostdevs(domain: Domain) -> Iterator[Finding]:
    """``virDomainDefHostdevValidate``: one host device may back one device (interfaces' VFs included): the same PCI
    address, or the same USB vendor and product (``virDomainHostdevMatchSubsysUSB``; USB devices named by bus and
    device, SCSI and capabilities-mode hostdevs, and USB sources of interfaces are not compared)."""
    sources: list[tuple[tuple[object, ...], SourceRef]] = []
    for iface in domain.interfaces:
        if iface.type == "hostdev" and iface.issue is None and iface.source.pci is not None:
            sources.append((("pci", *iface.source.pci.bdf()), iface.ref))
    for hostdev in domain.hostdevs:
        if hostdev.issue is not None or (hostdev.mode or "subsystem") != "subsystem":
            continue
        if hostdev.type == "pci" and hostdev.pci is not None:
            sources.append((("pci", *hostdev.pci.bdf()), hostdev.ref))
        elif hostdev.type == "usb" and hostdev.usb_vendor is not None and hostdev.usb_product is not None:
            ids = (parse_uint(hostdev.usb_vendor, 0), parse_uint(hostdev.usb_product, 0))
            sources.append((("usb", *ids), hostdev.ref))
    seen: set[tuple[object, ...]] = set()
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
    """Per interface, while the command line is built: ``qemuDomainValidateActualNetDef``, then the ``-device``
    (``qemuBuildVirtioDevGetConfig`` needs a PCI address for virtio)."""
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
        address = iface.address.type if iface.address is not None else "pci"
        if (actual != "hostdev" and default_model(domain, iface, actual) in _VIRTIO_MODELS
                and address not in ("pci", "virtio-mmio", "ccw")):
            yield make_finding("virtio-address-type-unexpected", device="virtio-net", at=_at(iface, "/address"))
            return


def libvirt_errors(domain: Domain, *, networks: Mapping[str, Network] | None = None,
                   qemu: QemuVersionTuple | None = None) -> tuple[Finding, ...]:
    """Every error libvirt raises for this domain's network devices, in the order libvirt raises them.

    libvirt stops at the first; the rest are what it reports next, once the earlier ones are fixed.
    """
    resolution = resolve_networks(domain, networks or {})
    found: list[Finding] = list(_parse_stage(domain))
    found.extend(_boot_rules(domain))
    found.extend(_address_rules(domain, networks or {}))
    found.extend(_usb_rules(domain))
    for iface, actual in zip(domain.interfaces, resolution.actual_types, strict=True):
        if iface.issue is None:
            found.extend(_net_rules(domain, iface, actual, qemu))
    for iface in domain.interfaces:
        if iface.issue is None and iface.type == "hostdev":
            found.extend(_interface_hostdev_rules(iface))
    for hostdev in domain.hostdevs:
        if hostdev.issue is None:
            found.extend(_hostdev_rules(domain, hostdev))
    found.extend(_duplicate_hostdevs(domain))
    found.extend(_alias_rules(domain))
    found.extend(_host_prepare_rules(domain))
    found.extend(_start_rules(domain, resolution.actual_types))
    found.extend(_command_line_hostdev_rules(domain))
    return tuple(found)
