"""One minimal domain per message code that makes teamkit (and libvirt) report exactly that code."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from teamkit.findings import Finding
from teamkit.libvirt.check import check_domain
from teamkit.libvirt.messages import MESSAGES
from teamkit.libvirt.parse import parse_domain_string, parse_network_string

__all__ = ["EXAMPLES", "UNREACHABLE", "Example", "example_findings", "wrap_domain"]

_MAC: Final = "52:54:00:6f:55:cc"
_VF: Final = "<address type='pci' domain='0x0000' bus='0x03' slot='0x07' function='0x1'/>"
_PLAIN_VF: Final = "<address domain='0x0000' bus='0x03' slot='0x07' function='0x1'/>"
_TEAM_T: Final = "<teaming type='transient' persistent='ua-backup0'/>"


def _persistent(*extra: str, kind: str = "user", mac: str = _MAC, model: str = "virtio",
                alias: str = "ua-backup0", source: str = "") -> str:
    inner = [f"<mac address='{mac}'/>", *([source] if source else []), f"<model type='{model}'/>",
             "<teaming type='persistent'/>", *extra, f"<alias name='{alias}'/>"]
    return f"<interface type='{kind}'>\n" + "".join(f"  {x}\n" for x in inner) + "</interface>"


def _transient(*extra: str, mac: str = _MAC, teaming: str = _TEAM_T) -> str:
    inner = [f"<mac address='{mac}'/>", f"<source>{_VF}</source>", teaming, *extra]
    return "<interface type='hostdev' managed='yes'>\n" + "".join(f"  {x}\n" for x in inner) + "</interface>"


def _plain(*extra: str, teaming: str = _TEAM_T, attrs: str = "mode='subsystem' type='pci' managed='yes'",
           source: str = f"<source>{_PLAIN_VF}</source>") -> str:
    inner = [x for x in (source, teaming, *extra) if x]
    return f"<hostdev {attrs}>\n" + "".join(f"  {x}\n" for x in inner) + "</hostdev>"


def _user(*extra: str, mac: str = _MAC, model: str = "virtio") -> str:
    inner = [f"<mac address='{mac}'/>", f"<model type='{model}'/>", *extra]
    return "<interface type='user'>\n" + "".join(f"  {x}\n" for x in inner) + "</interface>"


def wrap_domain(*devices: str, machine: str = "q35", acpi: bool = True, os_extra: str = "") -> str:
    """A minimal x86_64 domain around ``devices`` (each an XML element as text)."""
    body = "".join("    " + line + "\n" for dev in devices for line in dev.splitlines())
    features = "  <features>\n    <acpi/>\n  </features>\n" if acpi else ""
    boot = f"    {os_extra}\n" if os_extra else ""
    return ("<domain type='kvm'>\n  <name>example</name>\n  <memory unit='MiB'>1024</memory>\n  <os>\n"
            f"    <type arch='x86_64' machine='{machine}'>hvm</type>\n{boot}  </os>\n{features}"
            f"  <devices>\n{body}  </devices>\n</domain>\n")


@dataclass(frozen=True)
class Example:
    """A domain that breaks one rule; ``focus`` is the part to look at, ``networks`` the network definitions."""

    code: str
    focus: str
    domain_xml: str
    networks: tuple[str, ...] = ()
    #: the QEMU version the rule needs (``None``: the newest)
    qemu: tuple[int, int, int] | None = None
    #: what else the reader needs to know (the machine, a network, a QEMU version)
    setting: str = "machine q35 with ACPI"


def _ex(code: str, *devices: str, focus: str | None = None, machine: str = "q35", acpi: bool = True,
        os_extra: str = "", networks: tuple[str, ...] = (), qemu: tuple[int, int, int] | None = None,
        setting: str | None = None) -> Example:
    shown = focus if focus is not None else "\n".join(devices)
    if os_extra:
        shown = f"<os>…{os_extra}</os>\n{shown}"
    where = setting or f"machine {machine}{' with ACPI' if acpi else ' without ACPI'}"
    return Example(code, shown, wrap_domain(*devices, machine=machine, acpi=acpi, os_extra=os_extra),
                   networks, qemu, where)


_NAT_NET: Final = "<network>\n  <name>default</name>\n  <forward mode='nat'/>\n  <bridge name='virbr0'/>\n</network>\n"
_POOL_NET: Final = ("<network>\n  <name>hostdev-pool</name>\n  <forward mode='hostdev' managed='yes'>\n"
                    f"    {_VF}\n  </forward>\n</network>\n")
_PAIR: Final = (_persistent(), _transient())
_ROOT_PORT_NO_HOTPLUG: Final = ("<controller type='pci' index='1' model='pcie-root-port'>\n"
                                "  <target hotplug='off'/>\n</controller>")
_ON_BUS1: Final = "<address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>"
#: a USB stick as a plain hostdev, without teaming
_USB: Final = {"attrs": "mode='subsystem' type='usb' managed='yes'", "teaming": "",
               "source": "<source><vendor id='0x0781'/><product id='0x5567'/></source>"}


def _addr(bus: str = "0x00", slot: str = "0x03", function: str = "0x0", domain: str = "0x0000") -> str:
    return f"<address type='pci' domain='{domain}' bus='{bus}' slot='{slot}' function='{function}'/>"


_EXAMPLES: Final[tuple[Example, ...]] = (
    # ---- parse ---------------------------------------------------------------------------------------------------
    _ex("xml-attr-invalid", _persistent(source="<source bridge='br0'/>", kind="bridge").replace(
        "<interface type='bridge'>", "<interface type='bridge' trustGuestRxFilters='maybe'>"), _transient()),
    _ex("xml-attr-not-uint", _persistent("<boot order='first'/>"), _transient()),
    _ex("xml-attr-zero", _persistent("<boot order='0'/>"), _transient()),
    _ex("xml-attr-missing", _persistent("<boot/>"), _transient()),
    _ex("net-model-invalid-chars", _persistent(model="virtio net"), _transient()),
    _ex("net-source-missing", _persistent(kind="bridge"), _transient()),
    _ex("hostdev-mode-unknown", _persistent(), _plain(attrs="mode='passthrough' type='pci' managed='yes'")),
    _ex("hostdev-address-type-missing", _persistent(), _plain(attrs="mode='subsystem' managed='yes'")),
    _ex("hostdev-type-unknown", _persistent(), _plain(attrs="mode='subsystem' type='sriov' managed='yes'")),
    _ex("hostdev-source-missing", _persistent(), _plain(source="")),
    _ex("mac-unparsable", _persistent(mac="52:54:00:6f:55"), _transient(mac="52:54:00:6f:55")),
    _ex("mac-multicast", _persistent(mac="01:00:5e:00:00:01"), _transient(mac="01:00:5e:00:00:01")),
    _ex("link-state-unknown", _persistent("<link state='sideways'/>"), _transient()),
    _ex("teaming-type-unknown", _persistent().replace("type='persistent'", "type='standby'"), _transient()),
    _ex("mtu-malformed", _persistent("<mtu size='jumbo'/>", kind="bridge", source="<source bridge='br0'/>"),
        _transient()),
    _ex("pci-bus-range", _persistent(_addr(bus="0x100", slot="0x00")), _transient()),
    _ex("pci-slot-range", _persistent(_addr(slot="0x20")), _transient()),
    _ex("pci-function-range", _persistent(_addr(function="0x8")), _transient()),
    _ex("rom-disabled-tuned", *_PAIR[:1], _transient("<rom enabled='no' bar='on'/>")),
    # ---- define: addresses ---------------------------------------------------------------------------------------
    _ex("boot-order-duplicate", _persistent("<boot order='1'/>"), _user("<boot order='1'/>", mac="52:54:00:00:00:02"),
        _transient()),
    _ex("boot-with-os-boot", _persistent("<boot order='1'/>"), _transient(), os_extra="<boot dev='network'/>"),
    _ex("pci-slot-min", "<controller type='pci' index='1' model='pci-bridge'/>",
        _persistent(_addr(bus="0x01", slot="0x00")), _transient(), machine="pc"),
    _ex("pci-slot-max", "<controller type='pci' index='1' model='pcie-root-port'/>",
        _persistent(_addr(bus="0x01", slot="0x01")), _transient()),
    _ex("pci-address-reused", _persistent(_addr()), _user(_addr(), mac="52:54:00:00:00:02"), _transient()),
    _ex("pci-domain-nonzero", _persistent(_addr(domain="0x0001")), _transient()),
    _ex("pci-needs-integrated", *_PAIR, f"<panic model='pvpanic'>\n  {_ON_BUS1}\n</panic>"),
    _ex("pci-bus-incompatible", *_PAIR,
        f"<controller type='pci' index='1' model='pcie-root-port'>\n  {_addr(slot='0x05')}\n</controller>",
        machine="pc"),
    _ex("pci-bridge-index-not-above-bus",
        f"<controller type='pci' index='1' model='pci-bridge'>\n  {_addr(bus='0x01', slot='0x01')}\n</controller>",
        *_PAIR, machine="pc"),
    _ex("pci-controller-slot-unavailable", *_PAIR, "<controller type='pci' index='1' model='pcie-root-port'/>",
        machine="pc"),
    _ex("pci-piix3-bus0-not-pci", *_PAIR,
        f"<controller type='usb' index='0' model='piix3-uhci'>\n  {_addr(slot='0x01', function='0x2')}\n"
        "</controller>"),
    _ex("pci-chipset-address", *_PAIR, f"<controller type='sata' index='0'>\n  {_addr(slot='0x05')}\n</controller>"),
    _ex("address-unassigned-not-hostdev", _persistent("<address type='unassigned'/>"), _transient()),
    _ex("unmanaged-tap-wrong-type", _persistent("<target dev='tap0' managed='no'/>"), _transient()),
    _ex("virtio-option-iommu", _persistent(), _transient(), _user("<driver iommu='on'/>", model="e1000e",
                                                                   mac="52:54:00:00:00:02")),
    _ex("virtio-option-ats", _persistent(), _transient(), _user("<driver ats='on'/>", model="e1000e",
                                                                 mac="52:54:00:00:00:02")),
    _ex("virtio-option-packed", _persistent(), _transient(), _user("<driver packed='on'/>", model="e1000e",
                                                                    mac="52:54:00:00:00:02")),
    _ex("virtio-option-page-per-vq", _persistent(), _transient(),
        _user("<driver page_per_vq='on'/>", model="e1000e", mac="52:54:00:00:00:02")),
    _ex("vdpa-model-not-virtio", *_PAIR, "<interface type='vdpa'>\n  <mac address='52:54:00:00:00:02'/>\n"
        "  <source dev='/dev/vhost-vdpa-0'/>\n  <model type='e1000e'/>\n</interface>"),
    _ex("usb-disabled", *_PAIR, "<controller type='usb' model='none'/>",
        "<disk type='file' device='disk'>\n  <source file='stick.img'/>\n  <target dev='sda' bus='usb'/>\n</disk>"),
    _ex("virtio-address-type-unexpected", _persistent("<address type='isa' iobase='0x300'/>"), _transient()),
    _ex("vhostuser-not-virtio", _persistent(kind="vhostuser", model="e1000e",
                                            source="<source type='unix' path='vhost.sock' mode='client'/>"),
        _transient()),
    _ex("acpi-index-not-pci", _persistent(), _transient(), _plain("<acpi index='3'/>", **_USB)),
    _ex("rom-not-pci", _persistent(), _transient(), _plain("<rom bar='off'/>", **_USB)),
    _ex("hostdev-usb-disabled", _persistent(), _transient(), "<controller type='usb' model='none'/>", _plain(**_USB)),
    _ex("input-usb-disabled", *_PAIR, "<controller type='usb' model='none'/>", "<input type='tablet' bus='usb'/>"),
    _ex("xml-attr-not-int", *_PAIR, "<interface type='udp'>\n  <mac address='52:54:00:00:00:02'/>\n"
        "  <source address='192.0.2.1' port='fifty'>\n    <local address='192.0.2.2' port='5556'/>\n  </source>\n"
        "  <model type='virtio'/>\n</interface>"),
    _ex("udp-local-missing", *_PAIR, "<interface type='udp'>\n  <mac address='52:54:00:00:00:02'/>\n"
        "  <source address='192.0.2.1' port='5555'/>\n  <model type='virtio'/>\n</interface>"),
    _ex("vhostuser-type-unsupported", _persistent(kind="vhostuser",
                                                  source="<source type='tcp' path='vhost.sock' mode='client'/>"),
        _transient()),
    _ex("hostdev-pci-address-type", _persistent(), _plain("<address type='usb' bus='0' port='1'/>")),
    _ex("hostdev-usb-address-type", _persistent(), _transient(), _plain(_addr(), **_USB)),
    _ex("hostdev-scsi-address-type", _persistent(), _transient(),
        _plain(_addr(), attrs="mode='subsystem' type='scsi'", teaming="",
               source="<source><adapter name='scsi_host0'/><address bus='0' target='0' unit='0'/></source>")),
    _ex("hostdev-scsi-host-address-type", _persistent(), _transient(),
        _plain("<address type='drive' controller='0' bus='0' target='0' unit='0'/>",
               attrs="mode='subsystem' type='scsi_host'", teaming="",
               source="<source protocol='vhost' wwpn='naa.5123456789abcde0'/>")),
    # ---- define: devices -----------------------------------------------------------------------------------------
    _ex("teaming-transient-no-persistent", _persistent(), _transient(teaming="<teaming type='transient'/>")),
    _ex("teaming-persistent-with-persistent",
        _persistent().replace("<teaming type='persistent'/>", "<teaming type='persistent' persistent='ua-x'/>"),
        _transient()),
    _ex("rx-queue-size-not-pow2", _persistent("<driver rx_queue_size='300'/>"), _transient()),
    _ex("tx-queue-size-not-pow2", _persistent("<driver tx_queue_size='300'/>"), _transient()),
    _ex("mtu-unsupported-type", _persistent("<mtu size='9000'/>"), _transient()),
    _ex("failover-unsupported-qemu", *_PAIR, qemu=(4, 1, 0), setting="machine q35 with ACPI, QEMU 4.1"),
    _ex("teaming-persistent-not-virtio", _persistent(model="e1000e"), _transient()),
    _ex("teaming-transient-wrong-type", _persistent(),
        _user(_TEAM_T)),
    _ex("coalesce-unsupported-type", _persistent("<coalesce><rx><frames max='7'/></rx></coalesce>"), _transient()),
    _ex("teaming-hostdev-not-transient", _persistent(), _plain(teaming="<teaming type='persistent'/>")),
    _ex("teaming-hostdev-no-persistent", _persistent(), _plain(teaming="<teaming type='transient'/>")),
    _ex("teaming-hostdev-not-pci", _persistent(),
        _plain(attrs="mode='subsystem' type='usb' managed='yes'",
               source="<source><vendor id='0x0781'/><product id='0x5567'/></source>")),
    _ex("hostdev-capabilities-mode", _persistent(),
        _plain(attrs="mode='capabilities' type='net'", source="<source><interface>eth0</interface></source>",
               teaming="")),
    _ex("hostdev-duplicate", _persistent(), _transient(), _plain(teaming="")),
    _ex("alias-duplicate", _persistent(), _transient("<alias name='ua-backup0'/>")),
    # ---- start ---------------------------------------------------------------------------------------------------
    _ex("hostdev-backend-kvm", _persistent(), _plain("<driver name='kvm'/>")),
    _ex("hostdev-backend-invalid", _persistent(), _plain("<driver name='xen'/>")),
    _ex("vlan-unsupported-type", _persistent("<vlan><tag id='42'/></vlan>"), _transient()),
    _ex("bandwidth-on-hostdev", _persistent(), _transient("<bandwidth><inbound average='1000'/></bandwidth>")),
    _ex("multiqueue-unsupported-type", _persistent("<driver queues='2'/>"), _transient()),
    _ex("teaming-transient-actual-not-hostdev", _persistent(),
        "<interface type='network'>\n"
        f"  <mac address='{_MAC}'/>\n  <source network='default'/>\n  {_TEAM_T}\n</interface>",
        networks=(_NAT_NET,), setting="machine q35 with ACPI; network 'default' is a NAT network"),
    # ---- advisories ----------------------------------------------------------------------------------------------
    _ex("pair-dangling", _persistent(),
        _transient(teaming="<teaming type='transient' persistent='ua-backup1'/>")),
    _ex("pair-target-not-persistent", _persistent().replace("  <teaming type='persistent'/>\n", ""), _transient()),
    _ex("alias-dropped", _persistent(alias="backup0"),
        _transient(teaming="<teaming type='transient' persistent='backup0'/>")),
    _ex("mac-mismatch", _persistent(), _transient(mac="52:54:00:6f:55:cd")),
    _ex("mac-missing", _persistent().replace(f"  <mac address='{_MAC}'/>\n", ""), _transient()),
    _ex("primary-duplicate", *_PAIR, _plain(source=f"<source>{_PLAIN_VF.replace('0x1', '0x2')}</source>")),
    _ex("persistent-on-hostdev-pool", _persistent(kind="network", source="<source network='hostdev-pool'/>"),
        _transient(), networks=(_POOL_NET,),
        setting="machine q35 with ACPI; network 'hostdev-pool' is a <forward mode='hostdev'> pool"),
    _ex("primary-bus-no-hotplug", *_PAIR, machine="pc", acpi=False),
    _ex("primary-not-pcie", *_PAIR, machine="pc"),
    _ex("boot-on-vf", _transient(), _persistent(), os_extra="<boot dev='network'/>"),
    _ex("persistent-link-down", _persistent("<link state='down'/>"), _transient()),
    _ex("vf-mac-admin", _persistent(), _plain()),
    _ex("guest-requirements", *_PAIR),
    _ex("network-unknown", _persistent(kind="network", source="<source network='default'/>"), _transient(),
        setting="machine q35 with ACPI; the definition of network 'default' is not given"),
    _ex("transient-no-persistent-member", _user("<alias name='ua-backup0'/>"), _transient()),
)

#: every example by code (see :func:`example_findings`)
EXAMPLES: Final[Mapping[str, Example]] = MappingProxyType({e.code: e for e in _EXAMPLES})

#: codes no domain XML can trigger, with the reason (libvirt reports them for states it creates itself)
UNREACHABLE: Final[Mapping[str, str]] = MappingProxyType({
    "pci-function-max": "the parser refuses a function above 7 first (pci-function-range)",
    "pci-no-buses": "the x86 machines pc and q35 always have a PCI root bus",
    "pci-bus-missing": "at define libvirt first adds every bus an address in the XML names, so the bus exists",
    "pci-auto-assign-refused": "libvirt auto-assigns only to buses that allow it; the check guards libvirt's own "
                               "address choice",
    "pci-bus-no-hotplug": "libvirt asks a bus for hotplug capability only when a device is hot-plugged "
                          "(virsh attach-device), never at define",
    "pci-connect-flags-unknown": "every device libvirt places on PCI has known connection flags",
    "pci-no-free-slot": "at define libvirt adds buses as needed, so it runs out of slots for the new controllers "
                        "first (pci-controller-slot-unavailable)",
    "pci-cannot-add-bus": "on pc and q35 libvirt can add a bus for every kind of PCI device",
    "pci-controller-index-too-big": "libvirt sizes its bus array from the largest controller index itself",
    "virtio-disk-address-type": "teamkit models disks only for their PCI slots; no example domain reaches this check",
    **{code: f"raised only for an address libvirt chose itself; an address written in the XML gets "
             f"{code.removesuffix('-internal')} instead"
       for code in MESSAGES if code.endswith("-internal")},
})


def example_findings(example: Example) -> tuple[Finding, ...]:
    """``check_domain`` on the example, with its networks and QEMU version (what ``teamkit validate`` reports)."""
    networks = {n.name: n for n in (parse_network_string(x) for x in example.networks)}
    return check_domain(parse_domain_string(example.domain_xml, f"{example.code}.xml"), networks=networks,
                        qemu=example.qemu)
