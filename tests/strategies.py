"""Hypothesis strategies: property values full of metacharacters, and libvirt domain XML across the whole model.

``domain_xml()`` draws a ``<domain>`` document as bytes: machine, features, boot order, PCI and USB controllers,
interfaces of every type, plain hostdevs, other devices, every ``<teaming>`` variant, aliases, MACs, ROMs, ACPI
indexes and addresses, and broken variants of all of them (random attribute values, missing, duplicated and unknown
elements, namespaced and mixed content, comments, deep or wide nesting up to and just past teamkit's limits, and
random bytes spliced into the text). ``seeded_domain_xml()`` mutates the realistic domains of ``tests/gen_domains``.
``network_xml()`` draws ``<network>`` definitions for the names the domains use.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Final

from hypothesis import strategies as st
from lxml import etree

from tests.gen_domains import generate_domain

__all__ = [
    "ALIASES",
    "METACHARACTERS",
    "NETWORK_NAMES",
    "domain_xml",
    "meta_text",
    "network_xml",
    "seeded_domain_xml",
    "xml_char",
    "xml_text",
]

#: characters that mean something to QEMU's option parser, to JSON, to a POSIX shell or to XML
METACHARACTERS: Final = ",=\"'\\{}[]:;\n\t\r $`|&<>()*?~#!%^/-.+@"
#: user aliases the pairs name each other by, plus ones libvirt drops
ALIASES: Final = ("ua-backup0", "ua-vf0", "ua-net_1", "ua-", "net0", "hostdev0", "ua-bad,alias", "ua-x y")
NETWORK_NAMES: Final = ("default", "br-net", "hostdev-pool", "missing")
_MACS: Final = ("00:11:22:33:44:55", "52:54:00:12:34:56", "02:00:00:00:00:01", "0:1:2:3:4:5", "AA:BB:CC:DD:EE:FE",
                "01:00:5e:00:00:01", "00:11:22:33:44", "00:11:22:33:44:zz", "00:11:22:33:44:55 x",
                "00:11:22:33:44:55\u00e9", "00-11-22-33-44-55", "")
_NUMBERS: Final = ("0", "1", "2", "3", "7", "8", "0x0", "0x1", "0x02", "0x1f", "0x20", "0xff", "0x100", "010", "-1",
                   "+3", " 4", "0x", "4294967295", "4294967296", "", "1e3")
_NET_TYPES: Final = ("user", "bridge", "ethernet", "network", "direct", "hostdev", "vhostuser", "mcast", "udp",
                     "server", "client", "vdpa", "null", "internal", "vds")
_NET_MODELS: Final = ("virtio", "virtio-transitional", "virtio-non-transitional", "e1000", "e1000e", "rtl8139",
                      "VirtIO", "vmxnet3", "usb-net", "ne2k_pci", "-x", "vir tio")
_PCI_MODELS: Final = ("pci-root", "pcie-root", "pcie-root-port", "pci-bridge", "dmi-to-pci-bridge",
                      "pcie-to-pci-bridge", "pcie-switch-upstream-port", "pcie-switch-downstream-port",
                      "pci-expander-bus", "pcie-expander-bus")
_OTHER_TAGS: Final = ("disk", "memballoon", "video", "sound", "rng", "watchdog", "input", "serial", "graphics",
                      "tpm", "panic", "filesystem", "hub", "redirdev")
_ADDRESS_TYPES: Final = ("pci", "pci", "pci", "usb", "drive", "virtio-serial", "ccw", "unassigned", "isa", "none")
_ON_OFF: Final = ("on", "off")
_NAME_START: Final = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"
_NAME_CHARS: Final = _NAME_START + "0123456789-."
_NAMESPACE: Final = "http://example.org/teamkit-fuzz"


def _xml_legal(c: str) -> bool:
    code = ord(c)
    return c in "\t\n\r" or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or code >= 0x10000


#: any character an XML 1.0 document can carry (as a character reference when it is a control character)
xml_char: Final = st.characters(codec="utf-8").filter(_xml_legal)


def xml_text(max_size: int = 16) -> st.SearchStrategy[str]:
    """Any text an XML attribute or element can hold."""
    return st.text(alphabet=xml_char, max_size=max_size)


def meta_text(max_size: int = 16, *, min_size: int = 0) -> st.SearchStrategy[str]:
    """Text dense in metacharacters (with letters, digits and some non-ASCII), or any XML text."""
    dense = st.text(alphabet=st.sampled_from(METACHARACTERS + "abcXYZ019\u00e9\u2028\U0001f600"), min_size=min_size,
                    max_size=max_size)
    return st.one_of(dense, st.text(alphabet=xml_char, min_size=min_size, max_size=max_size))


def _tag_name() -> st.SearchStrategy[str]:
    return st.builds(lambda a, b: a + b, st.sampled_from(_NAME_START), st.text(alphabet=_NAME_CHARS, max_size=8))


class _Draw:
    """One document's drawing context: ``clean`` documents choose only from the well-formed values."""

    def __init__(self, draw: st.DrawFn, clean: bool) -> None:
        self.draw = draw
        self.clean = clean

    def flag(self) -> bool:
        return bool(self.draw(st.booleans()))

    def value(self, good: Sequence[str]) -> str:
        """One of ``good``, or (in a noisy document) any text."""
        if self.clean or self.flag():
            return str(self.draw(st.sampled_from(good)))
        return str(self.draw(meta_text(12)))

    def number(self, good: Sequence[str] = _NUMBERS) -> str:
        return self.value(good)

    def attr(self, el: etree._Element, name: str, good: Sequence[str]) -> None:
        """Set ``name`` (or, sometimes, leave it out)."""
        if self.flag():
            el.set(name, self.value(good))

    def child(self, parent: etree._Element, tag: str, **attrs: Sequence[str]) -> etree._Element:
        el = etree.SubElement(parent, tag)
        for name, good in attrs.items():
            self.attr(el, name, good)
        return el

    def maybe(self) -> bool:
        """Whether to write an optional element."""
        return self.flag()

    def junk(self, parent: etree._Element, depth: int = 2) -> None:
        """Unknown elements, attributes, text, comments and namespaced nodes: libvirt ignores most of them."""
        if self.clean:
            return
        for _ in range(int(self.draw(st.integers(0, 2)))):
            kind = self.draw(st.sampled_from(("element", "ns-element", "attr", "ns-attr", "text", "comment", "pi")))
            if kind in ("element", "ns-element"):
                tag = str(self.draw(_tag_name()))
                el = etree.SubElement(parent, f"{{{_NAMESPACE}}}{tag}" if kind == "ns-element" else tag)
                if self.flag():
                    el.set(str(self.draw(_tag_name())), str(self.draw(meta_text(8))))
                if self.flag():
                    el.text = str(self.draw(xml_text(8)))
                if depth > 0:
                    self.junk(el, depth - 1)
            elif kind == "attr":
                parent.set(str(self.draw(_tag_name())), str(self.draw(meta_text(8))))
            elif kind == "ns-attr":
                parent.set(f"{{{_NAMESPACE}}}{self.draw(_tag_name())}", str(self.draw(meta_text(8))))
            elif kind == "text":
                text = str(self.draw(xml_text(8)))
                if len(parent):
                    parent[-1].tail = text
                else:
                    parent.text = text
            elif kind == "comment":
                body = str(self.draw(xml_text(8))).replace("--", "- -").rstrip("-")
                parent.append(etree.Comment(body))
            else:
                parent.append(etree.ProcessingInstruction(str(self.draw(_tag_name())).replace("xml", "x"),
                                                          str(self.draw(st.text(alphabet="abc =", max_size=6)))))


def _address(d: _Draw, parent: etree._Element, *, tag: str = "address", pci_only: bool = False) -> None:
    el = etree.SubElement(parent, tag)
    kind = "pci" if pci_only else d.value(_ADDRESS_TYPES)
    if d.clean or d.flag():
        el.set("type", kind)
    if kind == "pci":
        d.attr(el, "domain", ("0x0000", "0", "0x0001"))
        el.set("bus", d.value(("0x00", "0x01", "0x02", "0x03", "0x04", "0x05", "0", "1", "0x100")))
        el.set("slot", d.value(("0x01", "0x02", "0x03", "0x04", "0x05", "0x07", "0x10", "0x1f", "0x00", "0x20")))
        el.set("function", d.value(("0x0", "0x1", "0x2", "0x7", "0x8")))
        d.attr(el, "multifunction", _ON_OFF)
    elif kind == "usb":
        d.attr(el, "bus", ("0", "1", "2"))
        d.attr(el, "port", ("1", "2", "1.2", "0", "1.0.3", "x"))
    elif kind == "drive":
        for name in ("controller", "bus", "target", "unit"):
            d.attr(el, name, ("0", "1"))
    d.junk(el, 0)


def _device_info(d: _Draw, el: etree._Element, *, aliases: Sequence[str] = ALIASES) -> None:
    """The children every device may have: boot, alias, rom, acpi, address."""
    if d.maybe():
        d.child(el, "boot", order=("1", "2", "3", "0", "x"))
    if d.maybe():
        d.child(el, "alias", name=aliases)
    if d.maybe():
        rom = d.child(el, "rom", bar=_ON_OFF, enabled=("yes", "no"))
        if d.flag():
            rom.set("file", str(d.draw(meta_text(16))))
    if d.maybe():
        d.child(el, "acpi", index=("1", "2", "17", "0"))
    if d.maybe():
        _address(d, el)


def _teaming(d: _Draw, el: etree._Element) -> None:
    team = etree.SubElement(el, "teaming")
    d.attr(team, "type", ("persistent", "transient", "transient", "none", ""))
    if d.flag():
        team.set("persistent", d.value(ALIASES[:3]) if d.flag() else str(d.draw(meta_text(12))))
    d.junk(team, 0)


def _interface(d: _Draw, parent: etree._Element) -> None:
    el = etree.SubElement(parent, "interface")
    net_type = d.value(_NET_TYPES)
    if d.clean or d.flag():
        el.set("type", net_type)
    d.attr(el, "managed", ("yes", "no"))
    d.attr(el, "trustGuestRxFilters", ("yes", "no"))
    if d.maybe():
        d.child(el, "mac", address=_MACS)
    if d.maybe() or net_type in ("network", "bridge", "direct", "hostdev"):
        source = etree.SubElement(el, "source")
        if net_type == "network":
            source.set("network", d.value(NETWORK_NAMES))
            d.attr(source, "portgroup", ("pg0",))
        elif net_type == "bridge":
            source.set("bridge", d.value(("br0", "virbr0")) if d.flag() else str(d.draw(meta_text(15))))
        elif net_type in ("direct", "vdpa", "ethernet"):
            source.set("dev", d.value(("eth0", "/dev/vhost-vdpa-0")))
            d.attr(source, "mode", ("vepa", "private", "bridge", "passthrough"))
        elif net_type == "hostdev":
            _address(d, source, pci_only=d.clean or d.flag())
        elif net_type in ("mcast", "udp", "client", "server"):
            d.attr(source, "address", ("230.0.0.1", "127.0.0.1"))
            d.attr(source, "port", ("5558", "x"))
            if net_type == "udp" and d.maybe():
                d.child(source, "local", address=("127.0.0.1",), port=("5559",))
        elif net_type == "vhostuser":
            d.attr(source, "type", ("unix",))
            d.attr(source, "path", ("/run/vhost.sock",))
            d.attr(source, "mode", ("client", "server"))
        d.junk(source, 0)
    if d.maybe():
        target = etree.SubElement(el, "target")
        target.set("dev", d.value(("tap0", "vnet3", "macvtap1")) if d.flag() else str(d.draw(meta_text(15))))
        d.attr(target, "managed", ("yes", "no"))
    if d.maybe():
        d.child(el, "model", type=_NET_MODELS)
    if d.maybe():
        drv = d.child(el, "driver", name=("vhost", "qemu", "vfio"), queues=("1", "2", "4", "0"),
                      txmode=("iothread", "timer"), ioeventfd=_ON_OFF, event_idx=_ON_OFF,
                      rx_queue_size=("256", "1024"), tx_queue_size=("256",), iommu=_ON_OFF, ats=_ON_OFF,
                      packed=_ON_OFF, page_per_vq=_ON_OFF, rss=_ON_OFF, rss_hash_report=_ON_OFF)
        if d.maybe():
            d.child(drv, "host", csum=_ON_OFF, gso=_ON_OFF, tso4=_ON_OFF, tso6=_ON_OFF, ecn=_ON_OFF, ufo=_ON_OFF,
                    mrg_rxbuf=_ON_OFF)
        if d.maybe():
            d.child(drv, "guest", csum=_ON_OFF, tso4=_ON_OFF, tso6=_ON_OFF, ecn=_ON_OFF, ufo=_ON_OFF)
    if d.maybe() or d.maybe():
        _teaming(d, el)
    if d.maybe():
        d.child(el, "link", state=("up", "down"))
    if d.maybe():
        d.child(el, "mtu", size=("1500", "9000", "0"))
    if d.maybe():
        vlan = etree.SubElement(el, "vlan")
        d.child(vlan, "tag", id=("42", "4095"))
    if d.maybe():
        d.child(el, "virtualport", type=("openvswitch", "802.1Qbh"))
    if d.maybe():
        bandwidth = etree.SubElement(el, "bandwidth")
        d.child(bandwidth, "inbound", average=("1000",))
    if d.maybe():
        rx = etree.SubElement(etree.SubElement(el, "coalesce"), "rx")
        d.child(rx, "frames", max=("7",))
    _device_info(d, el)
    d.junk(el)


def _hostdev(d: _Draw, parent: etree._Element) -> None:
    el = etree.SubElement(parent, "hostdev")
    d.attr(el, "mode", ("subsystem", "subsystem", "capabilities"))
    kind = d.value(("pci", "pci", "pci", "usb", "scsi", "mdev"))
    if d.clean or d.flag():
        el.set("type", kind)
    d.attr(el, "managed", ("yes", "no"))
    if d.maybe() or d.clean:
        source = etree.SubElement(el, "source")
        d.attr(source, "writeFiltering", ("yes", "no"))
        if kind == "usb":
            d.child(source, "vendor", id=("0x1234",))
            d.child(source, "product", id=("0xbeef",))
        elif d.clean or d.maybe():
            _address(d, source, pci_only=True)
    if d.maybe():
        d.child(el, "driver", name=("vfio", "kvm", "xen", "default"))
    if d.maybe() or d.maybe():
        _teaming(d, el)
    _device_info(d, el)
    d.junk(el)


def _controller(d: _Draw, parent: etree._Element) -> None:
    el = etree.SubElement(parent, "controller")
    kind = d.value(("pci", "pci", "pci", "usb", "sata", "virtio-serial", "scsi", "ide"))
    el.set("type", kind)
    if d.clean or d.flag():
        el.set("index", d.value(("0", "1", "2", "3", "4", "5", "8")))
    if kind == "pci":
        d.attr(el, "model", _PCI_MODELS)
    elif kind == "usb":
        d.attr(el, "model", ("none", "qemu-xhci", "piix3-uhci", "ich9-ehci1"))
    if d.maybe():
        d.child(el, "target", hotplug=_ON_OFF, chassis=("1", "7"), port=("0x10", "0x8"), busNr=("254",))
    if d.maybe():
        d.child(el, "alias", name=("ua-bus1", "pci.1", "ua-usb", "ua-x,y"))
    if d.maybe():
        _address(d, el)
    d.junk(el)


def _other(d: _Draw, parent: etree._Element) -> None:
    tag = str(d.draw(st.sampled_from(_OTHER_TAGS)))
    el = etree.SubElement(parent, tag)
    d.attr(el, "model", ("virtio", "none", "i6300esb", "ich9", "virtio-transitional"))
    d.attr(el, "type", ("file", "tablet", "pty", "vnc"))
    d.attr(el, "bus", ("usb", "virtio", "ps2"))
    if tag in ("disk", "input") and d.maybe():
        d.child(el, "target", dev=("vda", "sda", "hdc"), bus=("virtio", "sata", "ide", "usb"))
    if tag == "video" and d.maybe():
        d.child(el, "model", type=("vga", "virtio", "none", "qxl"))
    _device_info(d, el, aliases=("ua-disk0", "video0", "ua-backup0"))
    d.junk(el, 1)


def _nested(d: _Draw, parent: etree._Element) -> None:
    """A chain of nested elements (libvirt XML nests fewer than 10 levels; teamkit refuses past 256)."""
    depth = int(d.draw(st.sampled_from((3, 20, 120, 240, 250, 257, 300))))
    el = parent
    for _ in range(depth):
        el = etree.SubElement(el, "x")


def _wide(d: _Draw, parent: etree._Element) -> None:
    """An element with many children, around teamkit's limit of 1,000."""
    width = int(d.draw(st.sampled_from((50, 999, 1001))))
    holder = etree.SubElement(parent, "metadata")
    for _ in range(width):
        etree.SubElement(holder, "item")


_DEVICES: Final = (
    (_interface, 5), (_hostdev, 3), (_controller, 2), (_other, 1),
)


@st.composite
def domain_tree(draw: st.DrawFn) -> etree._Element:
    """A ``<domain>`` element tree; about a third of the trees are drawn from well-formed values only."""
    d = _Draw(draw, clean=bool(draw(st.integers(0, 2)) == 0))
    root = etree.Element("domain")
    if d.clean:
        root.set("type", "qemu")
    else:
        d.attr(root, "type", ("qemu", "kvm"))
    if d.clean or d.maybe():
        etree.SubElement(root, "name").text = d.value(("fuzz", "dom-1")) if d.clean else str(draw(xml_text(12)))
    if d.clean or d.maybe():
        os_el = etree.SubElement(root, "os")
        d.child(os_el, "type", arch=("x86_64", "i686", "aarch64"),
                machine=("pc", "q35", "pc-q35-7.2", "pc-i440fx-7.2", "pc-q35-7.2", "virt")).text = "hvm"
        for _ in range(int(draw(st.integers(0, 2)))):
            d.child(os_el, "boot", dev=("network", "hd", "cdrom", "fd"))
    if d.maybe():
        features = etree.SubElement(root, "features")
        if d.clean or d.flag():
            etree.SubElement(features, "acpi")
        d.junk(features, 0)
    devices = etree.SubElement(root, "devices")
    weights = [fn for fn, w in _DEVICES for _ in range(w)]
    for fn in draw(st.lists(st.sampled_from(weights), max_size=7)):
        fn(d, devices)
    d.junk(devices)
    if not d.clean and d.maybe():
        if d.flag():
            devices.append(etree.Element("devices"))
        else:
            copy_of = [c for c in devices if isinstance(c.tag, str)]
            if copy_of:
                devices.append(copy.deepcopy(copy_of[draw(st.integers(0, len(copy_of) - 1))]))
    if not d.clean and not draw(st.integers(0, 9)):
        (_nested if d.flag() else _wide)(d, root)
    d.junk(root)
    if not d.clean and d.maybe():
        children = list(devices)
        order = draw(st.permutations(range(len(children))))
        devices[:] = [children[i] for i in order]
    return root


def _splice(data: bytes, draw: st.DrawFn) -> bytes:
    """Random bytes inserted at, or written over, a random position."""
    pos = int(draw(st.integers(0, len(data))))
    junk = bytes(draw(st.binary(min_size=1, max_size=6)))
    if draw(st.booleans()):
        return data[:pos] + junk + data[pos:]
    return data[:pos] + junk + data[pos + len(junk):]


def _serialize(root: etree._Element, draw: st.DrawFn) -> bytes:
    declaration = bool(draw(st.booleans()))
    if draw(st.booleans()):
        etree.indent(root, space="  ")
    data = etree.tostring(root, encoding="utf-8", xml_declaration=declaration)
    return bytes(data) + b"\n"


@st.composite
def domain_xml(draw: st.DrawFn) -> bytes:
    """A domain document as bytes; one in eight has random bytes spliced in."""
    data = _serialize(draw(domain_tree()), draw)
    if not draw(st.integers(0, 7)):
        data = _splice(data, draw)
    return data


def _mutate(d: _Draw, root: etree._Element) -> None:
    """One structural change: drop, duplicate or empty an element, or give an attribute a random value."""
    elements = [e for e in root.iter() if isinstance(e.tag, str)]
    target = elements[int(d.draw(st.integers(0, len(elements) - 1)))]
    action = d.draw(st.sampled_from(("drop", "duplicate", "attr", "attr", "clear-attrs", "junk")))
    parent = target.getparent()
    if action == "drop" and parent is not None:
        parent.remove(target)
    elif action == "duplicate" and parent is not None:
        parent.insert(parent.index(target), copy.deepcopy(target))
    elif action == "attr":
        names = list(target.attrib) or ["type"]
        target.set(str(d.draw(st.sampled_from(names))), str(d.draw(meta_text(12))))
    elif action == "clear-attrs":
        target.attrib.clear()
    else:
        d.junk(target)


@st.composite
def seeded_domain_xml(draw: st.DrawFn) -> bytes:
    """A realistic domain from ``tests/gen_domains`` with up to four random changes (or none)."""
    generated = generate_domain(int(draw(st.integers(0, 2**16))), int(draw(st.integers(0, 2**16))))
    root = etree.fromstring(generated.xml.encode())
    d = _Draw(draw, clean=False)
    for _ in range(int(draw(st.integers(0, 4)))):
        _mutate(d, root)
    data = _serialize(root, draw)
    if not draw(st.integers(0, 15)):
        data = _splice(data, draw)
    return data


@st.composite
def network_xml(draw: st.DrawFn, name: str = "hostdev-pool") -> bytes:
    """A ``<network>`` named ``name``: NAT, bridge, macvtap or a hostdev pool (VF addresses or a PF)."""
    d = _Draw(draw, clean=bool(draw(st.booleans())))
    root = etree.Element("network")
    etree.SubElement(root, "name").text = name
    mode = d.value(("nat", "bridge", "hostdev", "hostdev", "passthrough", "private", "route"))
    forward = etree.SubElement(root, "forward", mode=mode)
    d.attr(forward, "managed", ("yes", "no"))
    if mode == "hostdev":
        if d.flag():
            for _ in range(int(draw(st.integers(0, 3)))):
                _address(d, forward, pci_only=True)
        else:
            d.child(forward, "pf", dev=("eth0", "enp3s0"))
    elif mode in ("passthrough", "private"):
        for _ in range(int(draw(st.integers(0, 2)))):
            d.child(forward, "interface", dev=("eth1", "eth2"))
    if mode in ("nat", "bridge", "route") or d.maybe():
        d.child(root, "bridge", name=("virbr0", "br0"))
    d.junk(root)
    return bytes(etree.tostring(root, encoding="utf-8")) + b"\n"
