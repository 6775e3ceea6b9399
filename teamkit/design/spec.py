"""A failover pair described by a handful of choices, written out as libvirt domain and network XML."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from teamkit.qemu.version import QemuVersion, QemuVersionError

__all__ = [
    "MACHINES",
    "MAX_PAIRS",
    "NIC_MODELS",
    "PERSISTENT_TYPES",
    "QEMU_CHOICES",
    "SOURCE_LABELS",
    "TRANSIENT_KINDS",
    "PairDesign",
    "VfAddress",
    "design_problems",
    "domain_xml",
    "networks_xml",
    "pair_alias",
    "pair_mac",
    "pair_vf",
]

#: machine choices: q35 (PCI Express, a pcie-root-port per device) or pc (i440fx, conventional PCI)
MACHINES: Final = ("q35", "pc")
#: interface types the persistent (virtio) member can have
PERSISTENT_TYPES: Final = ("user", "bridge", "network", "direct", "ethernet")
#: what the source field means for each persistent type (``None``: the type has no source)
SOURCE_LABELS: Final[dict[str, str | None]] = {
    "user": None, "bridge": "bridge", "network": "network", "direct": "host device", "ethernet": "tap device",
}
NIC_MODELS: Final = ("virtio", "virtio-transitional", "virtio-non-transitional", "e1000e", "rtl8139")
#: the transient (VF) member: ``<interface type='hostdev'>``, a plain ``<hostdev>`` (libvirt 7.1 and later), or an
#: ``<interface type='network'>`` on a ``<forward mode='hostdev'>`` pool
TRANSIENT_KINDS: Final = ("interface-hostdev", "plain-hostdev", "hostdev-network")
QEMU_CHOICES: Final = ("4.1", "4.2", "6.2", "7.0", "7.2", "8.2", "9.2", "latest")
MAX_PAIRS: Final = 4
_VF_RE: Final = re.compile(r"^(?:([0-9a-fA-F]{1,4}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\.([0-9a-fA-F])$")
_MAC_RE: Final = re.compile(r"^([0-9a-fA-F]{2}:){5}([0-9a-fA-F]{2})$")
_TRAILING_DIGITS: Final = re.compile(r"^(.*?)(\d+)$")


@dataclass(frozen=True)
class VfAddress:
    """A host PCI address ``DDDD:BB:SS.F`` (the VF); fields may be out of range, libvirt then says so."""

    domain: int
    bus: int
    slot: int
    function: int

    @classmethod
    def parse(cls, text: str) -> VfAddress | None:
        """``0000:03:07.1`` or ``03:07.1``; ``None`` when the text is not of that shape.

        >>> VfAddress.parse("0000:03:07.1")
        VfAddress(domain=0, bus=3, slot=7, function=1)
        >>> VfAddress.parse("eth0") is None
        True
        """
        match = _VF_RE.match(text.strip())
        if match is None:
            return None
        return cls(int(match[1] or "0", 16), int(match[2], 16), int(match[3], 16), int(match[4], 16))

    def offset(self, n: int) -> VfAddress:
        """The ``n``-th VF after this one (functions 0-7, then the next slot), as SR-IOV VFs are laid out."""
        if n == 0 or self.function > 7:
            return VfAddress(self.domain, self.bus, self.slot, self.function + n)
        total = self.slot * 8 + self.function + n
        return VfAddress(self.domain, self.bus, total // 8, total % 8)

    def xml(self, *, with_type: bool = True) -> str:
        kind = "type='pci' " if with_type else ""
        return (f"<address {kind}domain='0x{self.domain:04x}' bus='0x{self.bus:02x}' slot='0x{self.slot:02x}' "
                f"function='0x{self.function:x}'/>")

    def __str__(self) -> str:
        return f"{self.domain:04x}:{self.bus:02x}:{self.slot:02x}.{self.function:x}"


@dataclass(frozen=True, kw_only=True)
class PairDesign:
    """Every choice the builder offers. Texts are written into the XML as given, so libvirt's rules judge them."""

    name: str = "teaming-demo"
    machine: str = "q35"
    acpi: bool = True
    persistent_type: str = "bridge"
    #: bridge name, network name, host device or tap device, depending on ``persistent_type`` (unused for user)
    persistent_source: str = "br0"
    model: str = "virtio"
    mac: str = "52:54:00:6f:55:cc"
    alias: str = "ua-backup0"
    transient: str = "interface-hostdev"
    #: the first VF's host PCI address (for a pool: the pool's first VF)
    vf_address: str = "0000:03:07.1"
    #: the ``<forward mode='hostdev'>`` network for ``transient='hostdev-network'``
    pool_network: str = "hostdev-pool"
    managed: bool = True
    pairs: int = 1
    qemu: str = "latest"

    @property
    def qemu_version(self) -> QemuVersion:
        """The QEMU version (raises :class:`~teamkit.qemu.QemuVersionError` for an unparsable text)."""
        return QemuVersion.parse(self.qemu)


def design_problems(design: PairDesign) -> tuple[str, ...]:
    """What keeps the design from becoming XML at all (everything else is left to libvirt's own rules)."""
    problems = []
    if design.machine not in MACHINES:
        problems.append(f"machine must be one of {', '.join(MACHINES)}, not {design.machine!r}")
    if design.persistent_type not in PERSISTENT_TYPES:
        problems.append(f"the persistent NIC's type must be one of {', '.join(PERSISTENT_TYPES)}")
    if design.transient not in TRANSIENT_KINDS:
        problems.append(f"the transient kind must be one of {', '.join(TRANSIENT_KINDS)}")
    if VfAddress.parse(design.vf_address) is None:
        problems.append(f"VF PCI address {design.vf_address!r} is not of the form DDDD:BB:SS.F (e.g. 0000:03:07.1)")
    if not 1 <= design.pairs <= MAX_PAIRS:
        problems.append(f"the number of pairs must be between 1 and {MAX_PAIRS}")
    try:
        QemuVersion.parse(design.qemu)
    except QemuVersionError as exc:
        problems.append(str(exc))
    return tuple(problems)


def _attr(value: str) -> str:
    """An attribute value in libvirt's style: single quotes, the five XML characters escaped."""
    escaped = (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
               .replace("'", "&apos;").replace('"', "&quot;"))
    return f"'{escaped}'"


def pair_alias(alias: str, n: int) -> str:
    """The alias of pair ``n``: ``ua-backup0``, ``ua-backup1``, … (a trailing number counts up; else one is added)."""
    if n == 0:
        return alias
    match = _TRAILING_DIGITS.match(alias)
    if match is None:
        return f"{alias}{n}"
    return f"{match[1]}{int(match[2]) + n}"


def pair_mac(mac: str, n: int) -> str:
    """The MAC of pair ``n``: the last octet counts up (an unparsable MAC is kept, for libvirt to refuse)."""
    if n == 0 or _MAC_RE.match(mac) is None:
        return mac
    head, last = mac.rsplit(":", 1)
    return f"{head}:{(int(last, 16) + n) % 256:02x}"


def pair_vf(design: PairDesign, n: int) -> VfAddress:
    """The host VF of pair ``n``."""
    first = VfAddress.parse(design.vf_address)
    if first is None:
        raise ValueError(f"not a PCI address: {design.vf_address!r}")
    return first.offset(n)


def _persistent_xml(design: PairDesign, n: int) -> list[str]:
    kind = design.persistent_type
    source = design.persistent_source.strip()
    lines = [f"<interface type={_attr(kind)}>", f"  <mac address={_attr(pair_mac(design.mac, n))}/>"]
    if source:
        if kind == "bridge":
            lines.append(f"  <source bridge={_attr(source)}/>")
        elif kind == "network":
            lines.append(f"  <source network={_attr(source)}/>")
        elif kind == "direct":
            lines.append(f"  <source dev={_attr(source)} mode='bridge'/>")
        elif kind == "ethernet":
            lines.append(f"  <target dev={_attr(source)}/>")
    lines += [
        f"  <model type={_attr(design.model)}/>",
        "  <teaming type='persistent'/>",
        f"  <alias name={_attr(pair_alias(design.alias, n))}/>",
        "</interface>",
    ]
    return lines


def _transient_xml(design: PairDesign, n: int) -> list[str]:
    teaming = f"<teaming type='transient' persistent={_attr(pair_alias(design.alias, n))}/>"
    managed = "yes" if design.managed else "no"
    mac = f"<mac address={_attr(pair_mac(design.mac, n))}/>"
    if design.transient == "plain-hostdev":
        return [
            f"<hostdev mode='subsystem' type='pci' managed='{managed}'>",
            "  <source>", f"    {pair_vf(design, n).xml(with_type=False)}", "  </source>",
            f"  {teaming}",
            "</hostdev>",
        ]
    if design.transient == "hostdev-network":
        return ["<interface type='network'>", f"  {mac}", f"  <source network={_attr(design.pool_network)}/>",
                f"  {teaming}", "</interface>"]
    return [
        f"<interface type='hostdev' managed='{managed}'>",
        f"  {mac}",
        "  <source>", f"    {pair_vf(design, n).xml()}", "  </source>",
        f"  {teaming}",
        "</interface>",
    ]


def domain_xml(design: PairDesign) -> str:
    """The domain as a libvirt domain XML document (raises ``ValueError`` when :func:`design_problems` finds any).

    Interfaces come pair by pair (persistent, then transient); plain hostdevs follow them, as libvirt formats them.
    """
    problems = design_problems(design)
    if problems:
        raise ValueError("; ".join(problems))
    interfaces: list[str] = []
    hostdevs: list[str] = []
    for n in range(design.pairs):
        interfaces += _persistent_xml(design, n)
        (hostdevs if design.transient == "plain-hostdev" else interfaces).extend(_transient_xml(design, n))
    devices = "".join(f"    {line}\n" for line in (*interfaces, *hostdevs))
    features = "  <features>\n    <acpi/>\n  </features>\n" if design.acpi else ""
    return (
        "<domain type='kvm'>\n"
        f"  <name>{_text(design.name)}</name>\n"
        "  <memory unit='MiB'>1024</memory>\n"
        "  <os>\n"
        f"    <type arch='x86_64' machine={_attr(design.machine)}>hvm</type>\n"
        "  </os>\n"
        f"{features}"
        "  <devices>\n"
        f"{devices}"
        "  </devices>\n"
        "</domain>\n"
    )


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def networks_xml(design: PairDesign) -> dict[str, str]:
    """The libvirt network definitions the domain names, by name (as ``virsh net-dumpxml`` would give them).

    A persistent ``type='network'`` NIC gets a NAT network; a ``hostdev-network`` transient gets a
    ``<forward mode='hostdev'>`` pool with one VF per pair.
    """
    nets: dict[str, str] = {}
    if design.transient == "hostdev-network" and VfAddress.parse(design.vf_address) is not None:
        vfs = "".join(f"    {pair_vf(design, n).xml()}\n" for n in range(max(design.pairs, 1)))
        nets[design.pool_network] = (
            f"<network>\n  <name>{_text(design.pool_network)}</name>\n"
            f"  <forward mode='hostdev' managed='{'yes' if design.managed else 'no'}'>\n{vfs}  </forward>\n"
            "</network>\n"
        )
    source = design.persistent_source.strip()
    if design.persistent_type == "network" and source and source not in nets:
        nets[source] = (f"<network>\n  <name>{_text(source)}</name>\n  <forward mode='nat'/>\n"
                        "  <bridge name='virbr0'/>\n</network>\n")
    return nets
