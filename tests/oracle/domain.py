"""What the oracle needs to know about a domain XML before handing it to libvirt: name, start plan, host fixtures."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

__all__ = ["StartPlan", "inspect_domain", "with_memlock_limit"]

#: Interface types whose start path works in the oracle's private network namespace.
STARTABLE_NET_TYPES = frozenset({"user", "ethernet", "bridge", "hostdev"})
#: RLIMIT_MEMLOCK we can honour without CAP_SYS_RESOURCE; libvirt raises it for VFIO otherwise.
MEMLOCK_KIB = 8192


@dataclass(frozen=True)
class StartPlan:
    """How far the oracle can take a domain, and which host fixtures its start needs."""

    name: str | None
    start: bool
    why_not: str | None = None
    vfs: tuple[str, ...] = ()
    bridges: tuple[str, ...] = ()
    taps: tuple[str, ...] = ()
    random_mac: bool = False


def _parse(xml_text: str) -> etree._Element | None:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        return etree.fromstring(xml_text.encode(), parser=parser)
    except etree.XMLSyntaxError:
        return None


def _bdf(address: etree._Element) -> str | None:
    try:
        parts = [int(address.get(k, "0"), 0) for k in ("domain", "bus", "slot", "function")]
    except ValueError:
        return None
    domain, bus, slot, function = parts
    if not (0 <= domain <= 0xFFFF and 0 <= bus <= 0xFF and 0 <= slot <= 0x1F and 0 <= function <= 7):
        return None
    return f"{domain:04x}:{bus:02x}:{slot:02x}.{function:x}"


def inspect_domain(xml_text: str, *, fake_sysfs: bool) -> StartPlan:
    """Decide whether the domain can be started here (after a successful define) and what its start needs."""
    root = _parse(xml_text)
    if root is None or root.tag != "domain":
        return StartPlan(name=None, start=False, why_not="not a well-formed <domain>")
    name = (root.findtext("name") or "").strip() or None
    if name is None or "'" in name or "\\" in name:
        return StartPlan(name=name, start=False, why_not="no usable domain name")
    vfs: list[str] = []
    bridges: list[str] = []
    taps: list[str] = []
    for iface in root.iterfind("devices/interface"):
        kind = iface.get("type", "")
        if kind not in STARTABLE_NET_TYPES:
            return StartPlan(name=name, start=False, why_not=f"interface type '{kind}' cannot start here")
        if kind == "bridge" and (br := iface.find("source")) is not None and br.get("bridge"):
            bridges.append(br.get("bridge", ""))
        target = iface.find("target")
        if kind == "ethernet" and target is not None and target.get("managed") == "no" and target.get("dev"):
            taps.append(target.get("dev", ""))
        if kind == "hostdev":
            address = iface.find("source/address")
            bdf = _bdf(address) if address is not None else None
            if bdf is None:
                return StartPlan(name=name, start=False, why_not="interface hostdev without a usable PCI address")
            vfs.append(bdf)
    for hostdev in root.iterfind("devices/hostdev"):
        if hostdev.get("mode", "subsystem") != "subsystem" or hostdev.get("type") != "pci":
            return StartPlan(name=name, start=False, why_not="non-PCI hostdev cannot start here")
        address = hostdev.find("source/address")
        bdf = _bdf(address) if address is not None else None
        if bdf is None:
            return StartPlan(name=name, start=False, why_not="PCI hostdev without a usable source address")
        vfs.append(bdf)
    if vfs and not fake_sysfs:
        return StartPlan(name=name, start=False, why_not="PCI passthrough needs the fake-sysfs namespace")
    random_mac = any(i.find("mac") is None for i in root.iterfind("devices/interface"))
    return StartPlan(name=name, start=True, vfs=tuple(dict.fromkeys(vfs)), bridges=tuple(dict.fromkeys(bridges)),
                     taps=tuple(dict.fromkeys(taps)), random_mac=random_mac)


def with_memlock_limit(xml_text: str) -> str:
    """The domain with <memtune><hard_limit> at MEMLOCK_KIB when it has none (lets QEMU with VFIO start)."""
    root = _parse(xml_text)
    if root is None or root.find("memtune/hard_limit") is not None:
        return xml_text
    memtune = root.find("memtune")
    if memtune is None:
        memtune = etree.SubElement(root, "memtune")
    limit = etree.SubElement(memtune, "hard_limit", unit="KiB")
    limit.text = str(MEMLOCK_KIB)
    return etree.tostring(root, encoding="unicode")
