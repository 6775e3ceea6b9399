"""Frozen dataclasses for what a libvirt domain (and network) says about networking; no I/O, no policy."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Final

__all__ = [
    "NET_TYPES",
    "USER_ALIAS_CHARS",
    "USER_ALIAS_PREFIX",
    "Boot",
    "Controller",
    "Domain",
    "Hostdev",
    "Interface",
    "InterfaceDriver",
    "InterfaceSource",
    "Network",
    "OtherDevice",
    "ParseIssue",
    "PciAddress",
    "Rom",
    "SourceRef",
    "Teaming",
    "TeamingType",
    "is_user_alias",
]

USER_ALIAS_PREFIX: Final = "ua-"
USER_ALIAS_CHARS: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")

#: interface types a failover pair can use; others are parsed but not modelled in depth
NET_TYPES: Final = ("user", "bridge", "ethernet", "network", "direct", "hostdev")


def is_user_alias(alias: str) -> bool:
    """True when libvirt keeps ``alias`` in inactive XML: ``ua-`` followed by ``[A-Za-z0-9_-]*``."""
    return alias.startswith(USER_ALIAS_PREFIX) and all(c in USER_ALIAS_CHARS for c in alias)


@dataclass(frozen=True)
class ParseIssue:
    """The first error libvirt's parser raises for an element: a message code and its fields, with the location."""

    code: str
    fields: tuple[tuple[str, str | int], ...] = ()
    line: int | None = None
    xpath: str | None = None

    def field_dict(self) -> dict[str, str | int]:
        return dict(self.fields)


@dataclass(frozen=True)
class SourceRef:
    """Where an element came from: its line in the input file and an XPath to it."""

    line: int | None = None
    xpath: str | None = None


class TeamingType(Enum):
    """libvirt's ``virDomainNetTeamingType`` (``none`` is never produced by the parser)."""

    PERSISTENT = "persistent"
    TRANSIENT = "transient"


_TEAMING_TYPES: dict[str | None, TeamingType] = {member.value: member for member in TeamingType}


@dataclass(frozen=True)
class Teaming:
    """``<teaming>`` after libvirt's parse: ``type_text`` is the raw ``type`` attribute (``None`` when absent)."""

    type_text: str | None
    persistent: str | None
    ref: SourceRef = field(default_factory=SourceRef, compare=False)

    @property
    def type(self) -> TeamingType | None:
        """The parsed type, or ``None`` when libvirt would reject it as unknown."""
        return _TEAMING_TYPES.get(self.type_text)


@dataclass(frozen=True)
class PciAddress:
    """A PCI address as written in XML; numeric fields are ``None`` when absent or unparsable."""

    domain: int | None = None
    bus: int | None = None
    slot: int | None = None
    function: int | None = None
    multifunction: str | None = None
    #: the raw attribute texts, kept for error messages and faithful formatting
    text: tuple[tuple[str, str], ...] = ()
    #: the address ``type`` attribute (``pci`` for PCI; others such as ``drive`` or ``usb`` are kept as-is)
    type: str = "pci"
    ref: SourceRef = field(default_factory=SourceRef, compare=False)

    def host_string(self) -> str:
        """``DDDD:BB:SS.F`` as QEMU's vfio-pci ``host`` property wants it."""
        return f"{self.domain or 0:04x}:{self.bus or 0:02x}:{self.slot or 0:02x}.{self.function or 0:x}"

    def bdf(self) -> tuple[int, int, int, int]:
        return (self.domain or 0, self.bus or 0, self.slot or 0, self.function or 0)


@dataclass(frozen=True)
class InterfaceSource:
    """The ``<source>`` of an interface: which attributes apply depends on the interface type."""

    network: str | None = None
    bridge: str | None = None
    dev: str | None = None
    mode: str | None = None
    portgroup: str | None = None
    #: for ``type='hostdev'``: the VF's PCI address
    pci: PciAddress | None = None
    #: for ``type='hostdev'``: anything other than a PCI source (``usb`` and friends) is kept by name
    other: str | None = None


@dataclass(frozen=True)
class InterfaceDriver:
    """``<driver>`` of an interface; integers stay ``None`` when absent, raw text kept for unparsable values."""

    name: str | None = None
    queues: int | None = None
    rx_queue_size: int | None = None
    tx_queue_size: int | None = None
    attrs: tuple[tuple[str, str], ...] = ()
    host: tuple[tuple[str, str], ...] = ()
    guest: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Rom:
    bar: str | None = None
    file: str | None = None
    enabled: str | None = None


@dataclass(frozen=True)
class Boot:
    order: int
    ref: SourceRef = field(default_factory=SourceRef, compare=False)


@dataclass(frozen=True)
class Interface:
    """One ``<interface>``."""

    type: str
    mac: str | None = None
    model: str | None = None
    source: InterfaceSource = field(default_factory=InterfaceSource)
    target_dev: str | None = None
    target_managed: str | None = None
    driver: InterfaceDriver = field(default_factory=InterfaceDriver)
    teaming: Teaming | None = None
    link_state: str | None = None
    mtu: int | None = None
    boot: Boot | None = None
    #: the alias libvirt keeps (after dropping non-``ua-`` aliases from inactive XML)
    alias: str | None = None
    #: the alias exactly as written, even when libvirt drops it
    alias_written: str | None = None
    rom: Rom | None = None
    address: PciAddress | None = None
    vlan_tags: tuple[int, ...] = ()
    managed: str | None = None
    trust_guest_rx_filters: str | None = None
    #: ``<virtualport type=…>`` (``openvswitch`` allows VLAN tags on a bridge)
    virtualport_type: str | None = None
    #: ``<bandwidth>`` with an inbound or outbound limit
    bandwidth: bool = False
    #: ``<coalesce><rx><frames max=…/></rx></coalesce>``
    coalesce: bool = False
    #: ``<acpi index=…/>``
    acpi_index: int | None = None
    #: the first error libvirt's parser raises for this interface, if any
    issue: ParseIssue | None = None
    ref: SourceRef = field(default_factory=SourceRef, compare=False)


@dataclass(frozen=True)
class Hostdev:
    """One plain ``<hostdev>`` (PCI, USB or anything else by name)."""

    mode: str | None
    type: str | None
    managed: str | None = None
    pci: PciAddress | None = None
    usb_vendor: str | None = None
    usb_product: str | None = None
    driver_name: str | None = None
    teaming: Teaming | None = None
    boot: Boot | None = None
    alias: str | None = None
    alias_written: str | None = None
    rom: Rom | None = None
    address: PciAddress | None = None
    #: ``<acpi index=…/>``
    acpi_index: int | None = None
    #: the first error libvirt's parser raises for this hostdev, if any
    issue: ParseIssue | None = None
    ref: SourceRef = field(default_factory=SourceRef, compare=False)


@dataclass(frozen=True)
class Controller:
    """A ``<controller>``; PCI controllers matter for addressing and hotplug."""

    type: str
    index: int | None
    model: str | None = None
    alias: str | None = None
    address: PciAddress | None = None
    hotplug: str | None = None
    ref: SourceRef = field(default_factory=SourceRef, compare=False)


@dataclass(frozen=True)
class OtherDevice:
    """Any other device (disk, memballoon, video, …), kept so that its PCI slot is known."""

    kind: str
    bus: str | None = None
    model: str | None = None
    alias: str | None = None
    alias_written: str | None = None
    address: PciAddress | None = None
    boot: Boot | None = None
    ref: SourceRef = field(default_factory=SourceRef, compare=False)


@dataclass(frozen=True)
class Domain:
    """What a libvirt ``<domain>`` says about networking and PCI placement."""

    name: str | None
    domain_type: str | None = None
    arch: str | None = None
    machine: str | None = None
    os_boot: tuple[str, ...] = ()
    features: tuple[str, ...] = ()
    interfaces: tuple[Interface, ...] = ()
    hostdevs: tuple[Hostdev, ...] = ()
    controllers: tuple[Controller, ...] = ()
    others: tuple[OtherDevice, ...] = ()
    #: the first error libvirt's parser raises outside interfaces and hostdevs (``<os>``, controllers), if any
    issue: ParseIssue | None = None
    ref: SourceRef = field(default_factory=SourceRef, compare=False)

    @property
    def acpi(self) -> bool:
        return "acpi" in self.features

    @property
    def is_q35(self) -> bool:
        return self.machine is not None and "q35" in self.machine


@dataclass(frozen=True)
class Network:
    """A libvirt ``<network>`` definition."""

    name: str
    forward_mode: str | None = None
    forward_managed: str | None = None
    bridge: str | None = None
    forward_dev: str | None = None
    #: ``<forward mode='hostdev'>`` pool: VF addresses in document order
    pool: tuple[PciAddress, ...] = ()
    #: ``<forward>`` ``<pf dev='…'/>`` (for hostdev pools built from a PF) and ``<interface dev='…'/>`` (macvtap pools)
    pf_devs: tuple[str, ...] = ()
    interface_devs: tuple[str, ...] = ()
    ref: SourceRef = field(default_factory=SourceRef, compare=False)
