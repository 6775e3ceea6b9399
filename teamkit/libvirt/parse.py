"""Domain and network XML to the model, mirroring libvirt's inactive-XML parser and its first error per device."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from lxml import etree

from teamkit.libvirt.cparse import format_mac, parse_mac, parse_uint
from teamkit.libvirt.xmlsafe import load_xml, parse_xml_bytes
from teamkit.model import (
    Boot,
    Controller,
    Domain,
    Hostdev,
    Interface,
    InterfaceDriver,
    InterfaceSource,
    Network,
    OtherDevice,
    ParseIssue,
    PciAddress,
    Rom,
    SourceRef,
    Teaming,
    is_user_alias,
)

__all__ = [
    "NET_MODELS",
    "DomainDocument",
    "load_domain_document",
    "parse_domain_file",
    "parse_domain_string",
    "parse_network_file",
    "parse_network_string",
]

#: ``virDomainNetType`` strings (libvirt 9.0)
_NET_TYPES: Final = (
    "user", "ethernet", "vhostuser", "server", "client", "mcast", "network", "bridge", "internal", "direct",
    "hostdev", "udp", "vdpa", "null", "vds",
)
_VIRTIO_MODELS: Final = ("virtio", "virtio-transitional", "virtio-non-transitional")
#: ``virDomainNetModel`` strings (libvirt 9.0), matched case-insensitively
NET_MODELS: Final = (
    "netfront", "rtl8139", "virtio", "e1000", "e1000e", "virtio-transitional", "virtio-non-transitional", "usb-net",
    "spapr-vlan", "lan9118", "scm91c111", "vlance", "vmxnet", "vmxnet2", "vmxnet3", "Am79C970A", "Am79C973",
    "82540EM", "82545EM", "82543GC",
)
_MODEL_CHARS: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
_MACVLAN_MODES: Final = ("vepa", "private", "bridge", "passthrough")
_HOSTDEV_MODES: Final = ("subsystem", "capabilities")
_HOSTDEV_SUBSYS_TYPES: Final = ("usb", "pci", "scsi", "scsi_host", "mdev")
_YES_NO: Final = ("yes", "no")
#: ``virDomainHostdevSubsysPCIBackend`` names a ``<driver name>`` may give (``default`` is refused: NONZERO)
_PCI_BACKENDS: Final = ("kvm", "vfio", "xen")
_ON_OFF: Final = ("on", "off")
#: device elements whose PCI slot matters for addressing, besides interfaces, hostdevs and controllers
_OTHER_DEVICES: Final = (
    "disk", "filesystem", "sound", "video", "memballoon", "rng", "watchdog", "input", "shmem",
    "vsock", "iommu", "panic", "tpm", "serial", "channel", "console", "graphics", "redirdev", "smartcard", "hub",
    "audio", "crypto", "memory", "lease", "parallel", "nvram",
)


class _Stop(Exception):
    """The first libvirt parse error of an element; parsing of that element stops here, as in libvirt."""

    def __init__(self, issue: ParseIssue) -> None:
        super().__init__(issue.code)
        self.issue = issue


@dataclass(frozen=True)
class DomainDocument:
    """A parsed domain together with its XML tree (for formatting)."""

    domain: Domain
    tree: etree._ElementTree
    path: str


class _Reader:
    """Helpers bound to one document: line/xpath lookup and libvirt-style attribute readers."""

    def __init__(self, tree: etree._ElementTree) -> None:
        self.tree = tree

    def ref(self, el: etree._Element) -> SourceRef:
        return SourceRef(line=_line(el), xpath=self.tree.getpath(el))

    def stop(self, el: etree._Element, code: str, **fields: str | int) -> _Stop:
        return _Stop(ParseIssue(code, tuple(fields.items()), _line(el), self.tree.getpath(el)))

    def enum(self, el: etree._Element, attr: str, allowed: tuple[str, ...]) -> str | None:
        """``virXMLPropEnum``/``virXMLPropTristate*``: absent is fine, an unknown word stops the parse."""
        value = el.get(attr)
        if value is not None and value not in allowed:
            raise self.stop(el, "xml-attr-invalid", attr=attr, element=_tag(el), value=value)
        return value

    def uint(self, el: etree._Element, attr: str, base: int, *, required: bool = False,
             nonzero: bool = False) -> int | None:
        """``virXMLPropUInt``."""
        value = el.get(attr)
        if value is None:
            if required:
                raise self.stop(el, "xml-attr-missing", attr=attr, element=_tag(el))
            return None
        number = parse_uint(value, base)
        if number is None:
            raise self.stop(el, "xml-attr-not-uint", attr=attr, element=_tag(el), value=value)
        if nonzero and number == 0:
            raise self.stop(el, "xml-attr-zero", attr=attr, element=_tag(el))
        return number

    def required(self, el: etree._Element, attr: str) -> str:
        value = el.get(attr)
        if value is None:
            raise self.stop(el, "xml-attr-missing", attr=attr, element=_tag(el))
        return value


def _line(el: etree._Element) -> int | None:
    line = el.sourceline
    return line if isinstance(line, int) else None


def _attrs(el: etree._Element) -> tuple[tuple[str, str], ...]:
    return tuple((str(k), str(v)) for k, v in el.attrib.items())


def _tag(el: etree._Element) -> str:
    return el.tag if isinstance(el.tag, str) else ""


def _child(el: etree._Element, name: str) -> etree._Element | None:
    for c in el:
        if c.tag == name:
            return c
    return None


def _first(el: etree._Element, name: str) -> etree._Element:
    """The first ``name`` child, or ``el`` itself when there is none (for error locations)."""
    found = _child(el, name)
    return el if found is None else found


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if c.tag == name]


def _first_attr(el: etree._Element, path: str, attr: str) -> str | None:
    """libvirt's ``virXPathString("string(./path/@attr)")``: the first in document order; empty counts as absent."""
    for node in el.iterfind(path):
        value = node.get(attr)
        if value is not None:
            return value or None
    return None


def _pci_address(r: _Reader, el: etree._Element) -> PciAddress:
    """``virPCIDeviceAddressParseXML``: base-0 unsigned fields, then the range check when not all zero."""
    domain = r.uint(el, "domain", 0)
    bus = r.uint(el, "bus", 0)
    slot = r.uint(el, "slot", 0)
    function = r.uint(el, "function", 0)
    multi = r.enum(el, "multifunction", _ON_OFF)
    addr = PciAddress(
        domain=domain, bus=bus, slot=slot, function=function, multifunction=multi,
        text=tuple((k, v) for k, v in _attrs(el) if k != "type"), type="pci", ref=r.ref(el),
    )
    if any((domain, bus, slot, function)):
        if (bus or 0) > 0xFF:
            raise r.stop(el, "pci-bus-range", bus=bus or 0)
        if (slot or 0) > 0x1F:
            raise r.stop(el, "pci-slot-range", slot=slot or 0)
        if (function or 0) > 7:
            raise r.stop(el, "pci-function-range", function=function or 0)
    return addr


def _device_address(r: _Reader, el: etree._Element) -> PciAddress | None:
    node = _child(el, "address")
    if node is None:
        return None
    if node.get("type") == "pci":
        return _pci_address(r, node)
    return PciAddress(type=node.get("type") or "", text=_attrs(node), ref=r.ref(node))


def _device_info(r: _Reader, el: etree._Element) -> tuple[str | None, str | None, Boot | None, Rom | None,
                                                          PciAddress | None, int | None]:
    """``virDomainDeviceInfoParseXML``: alias (dropped unless a user alias), boot, rom, acpi, address."""
    written = _first_attr(el, "alias", "name")
    alias = written if written is not None and is_user_alias(written) else None
    boot = None
    boot_el = _child(el, "boot")
    if boot_el is not None:
        order = r.uint(boot_el, "order", 10, required=True, nonzero=True)
        boot = Boot(order=order or 0, ref=r.ref(boot_el))
    rom = None
    rom_el = _child(el, "rom")
    if rom_el is not None:
        enabled = r.enum(rom_el, "enabled", _YES_NO)
        bar = r.enum(rom_el, "bar", _ON_OFF)
        rom = Rom(bar=bar, file=rom_el.get("file"), enabled=enabled)
        if enabled == "no" and (bar is not None or rom.file is not None):
            raise r.stop(rom_el, "rom-disabled-tuned")
    acpi = _child(el, "acpi")
    acpi_index = r.uint(acpi, "index", 10, nonzero=True) if acpi is not None else None
    return alias, written, boot, rom, _device_address(r, el), acpi_index


def _teaming(r: _Reader, el: etree._Element) -> Teaming | None:
    """``virDomainNetTeamingInfoParseXML``: first non-empty ``type`` and ``persistent``; none when both absent."""
    type_text = _first_attr(el, "teaming", "type")
    persistent = _first_attr(el, "teaming", "persistent")
    if type_text is None and persistent is None:
        return None
    node = _child(el, "teaming")
    assert node is not None
    if type_text not in ("persistent", "transient"):
        raise r.stop(node, "teaming-type-unknown", value=type_text if type_text is not None else "(null)")
    return Teaming(type_text=type_text, persistent=persistent, ref=r.ref(node))


def _interface(r: _Reader, el: etree._Element) -> Interface:
    got: dict[str, object] = {"type": el.get("type") or "user", "ref": r.ref(el)}
    try:
        _interface_fields(r, el, got)
    except _Stop as stop:
        got["issue"] = stop.issue
    return Interface(**got)  # type: ignore[arg-type]


def _interface_fields(r: _Reader, el: etree._Element, got: dict[str, object]) -> None:
    net_type = r.enum(el, "type", _NET_TYPES) or "user"
    got["managed"] = el.get("managed")
    got["trust_guest_rx_filters"] = r.enum(el, "trustGuestRxFilters", _YES_NO)
    model = _net_model(r, el)
    got["model"] = model
    source_el = _child(el, "source")
    source = InterfaceSource()
    if net_type in ("network", "bridge", "direct", "vhostuser", "internal", "vds", "udp", "server", "client",
                    "mcast", "vdpa") and source_el is None:
        raise r.stop(el, "net-source-missing", type=net_type)
    if source_el is not None:
        if net_type == "network":
            source = InterfaceSource(network=r.required(source_el, "network"), portgroup=source_el.get("portgroup"))
        elif net_type == "bridge":
            source = InterfaceSource(bridge=r.required(source_el, "bridge"))
        elif net_type == "direct":
            source = InterfaceSource(dev=r.required(source_el, "dev"),
                                     mode=r.enum(source_el, "mode", _MACVLAN_MODES))
        elif net_type == "hostdev":
            pass
        elif net_type in ("client", "server", "mcast", "udp"):
            _socket_source(r, source_el, net_type)
        elif net_type == "vdpa":
            source = InterfaceSource(dev=r.required(source_el, "dev"))
        elif net_type == "vhostuser":
            _vhostuser_source(r, source_el)
        else:
            source = InterfaceSource(dev=source_el.get("dev"))
    if net_type == "hostdev":
        source = _hostdev_interface_source(r, el, source_el)
    got["source"] = source
    virtualport = _child(el, "virtualport")
    got["virtualport_type"] = virtualport.get("type") if virtualport is not None else None
    got["bandwidth"] = any(c.tag in ("inbound", "outbound") for b in _children(el, "bandwidth") for c in b)
    got["vlan_tags"] = tuple(
        parse_uint(t.get("id", ""), 10) or 0 for v in _children(el, "vlan") for t in _children(v, "tag")
    )
    target = _child(el, "target")
    if target is not None:
        got["target_dev"] = target.get("dev")
        got["target_managed"] = r.enum(target, "managed", _YES_NO)
    mac_el = _child(el, "mac")
    if mac_el is not None and mac_el.get("address") is not None:
        text = mac_el.get("address") or ""
        octets = parse_mac(text)
        if octets is None:
            raise r.stop(mac_el, "mac-unparsable", mac=text)
        if octets[0] & 1:
            raise r.stop(mac_el, "mac-multicast", mac=text)
        got["mac"] = format_mac(octets)
    alias, written, boot, rom, address, acpi_index = _device_info(r, el)
    got.update(alias=alias, alias_written=written, boot=boot, rom=rom, address=address, acpi_index=acpi_index)
    got["driver"] = _net_driver(r, el, net_type, model)
    link = _first_attr(el, "link", "state")
    if link is not None and link not in ("up", "down"):
        raise r.stop(_first(el, "link"), "link-state-unknown", state=link)
    got["link_state"] = link
    got["teaming"] = _teaming(r, el)
    got["coalesce"] = _first_attr(el, "coalesce/rx/frames", "max") is not None
    mtu_text = _first_attr(el, "mtu", "size")
    if mtu_text is not None:
        mtu = parse_uint(mtu_text, 10)
        if mtu is None:
            raise r.stop(_first(el, "mtu"), "mtu-malformed")
        got["mtu"] = mtu or None


def _c_int(text: str) -> int | None:
    """``virStrToLong_i`` in base 10: optional blanks and sign, digits to the end, within a C ``int``."""
    digits = text.lstrip(" \t\n\v\f\r")
    sign = -1 if digits.startswith("-") else 1
    digits = digits[1:] if digits[:1] in ("+", "-") else digits
    if not digits or not digits.isascii() or not digits.isdigit():
        return None
    value = sign * int(digits)
    return value if -(2**31) <= value < 2**31 else None


def _int_attr(r: _Reader, el: etree._Element, attr: str) -> int:
    """``virXMLPropInt`` with ``VIR_XML_PROP_REQUIRED``, base 10."""
    text = r.required(el, attr)
    value = _c_int(text)
    if value is None:
        raise r.stop(el, "xml-attr-not-int", attr=attr, element=_tag(el), value=text)
    return value


def _socket_source(r: _Reader, source_el: etree._Element, net_type: str) -> None:
    """``virDomainNetDefParseXML`` for client, server, mcast and udp: address (optional for server), port, and for
    udp the ``<local>`` address and port."""
    if net_type != "server":
        r.required(source_el, "address")
    _int_attr(r, source_el, "port")
    if net_type == "udp":
        local = _child(source_el, "local")
        if local is None:
            raise r.stop(source_el, "udp-local-missing")
        r.required(local, "address")
        _int_attr(r, local, "port")


def _vhostuser_source(r: _Reader, source_el: etree._Element) -> None:
    """``virDomainNetDefParseXML`` for vhostuser: a unix socket with a path and a client or server mode."""
    kind = r.required(source_el, "type")
    if kind != "unix":
        raise r.stop(source_el, "vhostuser-type-unsupported", type=kind)
    r.required(source_el, "path")
    mode = r.required(source_el, "mode")
    if mode not in ("client", "server"):
        raise r.stop(source_el, "xml-attr-invalid", attr="mode", element="source", value=mode)


def _net_model(r: _Reader, el: etree._Element) -> str | None:
    """``virDomainNetSetModelString``: known models case-insensitively (stored in libvirt's spelling)."""
    model = _first_attr(el, "model", "type")
    if model is None:
        return None
    for known in NET_MODELS:
        if known.lower() == model.lower():
            return known
    if any(c not in _MODEL_CHARS for c in model):
        raise r.stop(_first(el, "model"), "net-model-invalid-chars")
    return model


def _hostdev_interface_source(r: _Reader, el: etree._Element,
                              source_el: etree._Element | None) -> InterfaceSource:
    """``virDomainHostdevDefParseXMLSubsys`` as called for ``<interface type='hostdev'>``."""
    addr_type = _first_attr(el, "source/address", "type")
    if addr_type is None and source_el is not None and _child(source_el, "vendor") is not None:
        addr_type = "usb"
    if addr_type is None:
        raise r.stop(el, "hostdev-address-type-missing")
    if addr_type not in _HOSTDEV_SUBSYS_TYPES:
        raise r.stop(el, "hostdev-type-unknown", type=addr_type)
    if source_el is None:
        raise r.stop(el, "hostdev-source-missing")
    if addr_type != "pci":
        return InterfaceSource(other=addr_type)
    r.enum(source_el, "writeFiltering", _YES_NO)
    addr_el = _child(source_el, "address")
    pci = _pci_address(r, addr_el) if addr_el is not None else None
    driver = _child(el, "driver")
    if driver is not None:
        r.enum(driver, "name", _PCI_BACKENDS)
    return InterfaceSource(pci=pci)


def _net_driver(r: _Reader, el: etree._Element, net_type: str, model: str | None) -> InterfaceDriver:
    """``virDomainNetDefParseXMLDriver``: virtio options, then (virtio, not hostdev) the virtio-net attributes."""
    node = _child(el, "driver")
    if node is None:
        return InterfaceDriver()
    for attr in ("iommu", "ats", "packed", "page_per_vq"):
        r.enum(node, attr, _ON_OFF)
    attrs = _attrs(node)
    host = tuple(h for n in _children(node, "host") for h in _attrs(n))
    guest = tuple(g for n in _children(node, "guest") for g in _attrs(n))
    if net_type == "hostdev" or model not in _VIRTIO_MODELS:
        return InterfaceDriver(name=node.get("name"), attrs=attrs, host=host, guest=guest)
    r.enum(node, "name", ("qemu", "vhost"))
    r.enum(node, "txmode", ("iothread", "timer"))
    r.enum(node, "ioeventfd", _ON_OFF)
    r.enum(node, "event_idx", _ON_OFF)
    queues = r.uint(node, "queues", 10)
    rx = r.uint(node, "rx_queue_size", 10)
    tx = r.uint(node, "tx_queue_size", 10)
    r.enum(node, "rss", _ON_OFF)
    r.enum(node, "rss_hash_report", _ON_OFF)
    for sub in ("host", "guest"):
        sub_el = _child(node, sub)
        if sub_el is not None:
            for key, _value in _attrs(sub_el):
                r.enum(sub_el, key, _ON_OFF)
    return InterfaceDriver(
        name=node.get("name"), queues=queues if queues not in (0, 1) else None,
        rx_queue_size=rx or None, tx_queue_size=tx or None, attrs=attrs, host=host, guest=guest,
    )


def _hostdev(r: _Reader, el: etree._Element, *, usb_none: bool = False) -> Hostdev:
    got: dict[str, object] = {"mode": el.get("mode") or "subsystem", "type": el.get("type"), "ref": r.ref(el),
                              "managed": el.get("managed")}
    try:
        _hostdev_fields(r, el, got)
        # virDomainDefParseXML, once the hostdev parsed: its subsystem type (a capabilities-mode hostdev's type
        # shares that storage, and 'storage' reads as USB) must not be USB when the USB controller is 'none'
        subsys = got["type"] if got["mode"] == "subsystem" else {"storage": "usb"}.get(str(got["type"]))
        if usb_none and subsys == "usb":
            raise r.stop(el, "hostdev-usb-disabled")
    except _Stop as stop:
        got["issue"] = stop.issue
    return Hostdev(**got)  # type: ignore[arg-type]


def _hostdev_fields(r: _Reader, el: etree._Element, got: dict[str, object]) -> None:
    mode = el.get("mode")
    if mode is not None and mode not in _HOSTDEV_MODES:
        raise r.stop(el, "hostdev-mode-unknown", mode=mode)
    source = _child(el, "source")
    if (mode or "subsystem") == "subsystem":
        sub_type = el.get("type")
        if sub_type is None:
            raise r.stop(el, "hostdev-address-type-missing")
        if sub_type not in _HOSTDEV_SUBSYS_TYPES:
            raise r.stop(el, "hostdev-type-unknown", type=sub_type)
        if source is None:
            raise r.stop(el, "hostdev-source-missing")
        if sub_type == "pci":
            r.enum(source, "writeFiltering", _YES_NO)
            addr = _child(source, "address")
            if addr is not None:
                got["pci"] = _pci_address(r, addr)
            drv = _child(el, "driver")
            if drv is not None:
                got["driver_name"] = r.enum(drv, "name", _PCI_BACKENDS)
        elif sub_type == "usb":
            vendor = _child(source, "vendor")
            product = _child(source, "product")
            got["usb_vendor"] = vendor.get("id") if vendor is not None else None
            got["usb_product"] = product.get("id") if product is not None else None
    alias, written, boot, rom, address, acpi_index = _device_info(r, el)
    got.update(alias=alias, alias_written=written, boot=boot, rom=rom, address=address, acpi_index=acpi_index)
    got["teaming"] = _teaming(r, el)


def _controller(r: _Reader, el: etree._Element) -> Controller:
    index_text = el.get("index")
    return Controller(
        type=el.get("type") or "",
        index=parse_uint(index_text, 10) if index_text is not None else None,
        model=el.get("model"),
        alias=_first_attr(el, "alias", "name"),
        address=_safe_address(r, el),
        hotplug=_first_attr(el, "target", "hotplug"),
        ref=r.ref(el),
    )


def _safe_address(r: _Reader, el: etree._Element) -> PciAddress | None:
    try:
        return _device_address(r, el)
    except _Stop:
        return None


def _other(r: _Reader, el: etree._Element) -> OtherDevice:
    target = _child(el, "target")
    model = _child(el, "model")
    boot = _child(el, "boot")
    written = _first_attr(el, "alias", "name")
    order = parse_uint(boot.get("order", ""), 10) if boot is not None else None
    return OtherDevice(
        kind=_tag(el),
        bus=target.get("bus") if target is not None else el.get("bus"),
        model=el.get("model") or (model.get("type") if model is not None else None) or el.get("type"),
        alias=written if written is not None and is_user_alias(written) else None,
        alias_written=written,
        address=_safe_address(r, el),
        boot=Boot(order=order, ref=r.ref(boot)) if boot is not None and order else None,
        ref=r.ref(el),
    )


def _domain(tree: etree._ElementTree) -> Domain:
    r = _Reader(tree)
    root = tree.getroot()
    os_el = _child(root, "os")
    type_el = _child(os_el, "type") if os_el is not None else None
    features = _child(root, "features")
    devices = _child(root, "devices")
    dev_list = list(devices) if devices is not None else []

    def collect(tag: str, fn: Callable[[_Reader, etree._Element], object]) -> list[object]:
        return [fn(r, d) for d in dev_list if d.tag == tag]

    issue = None
    os_boot: list[str] = []
    if os_el is not None:
        for b in _children(os_el, "boot"):
            dev = b.get("dev")
            if dev is None:
                issue = issue or ParseIssue(
                    "xml-attr-missing", (("attr", "dev"), ("element", "boot")), _line(b), tree.getpath(b))
            elif dev not in ("fd", "cdrom", "hd", "network"):
                issue = issue or ParseIssue(
                    "xml-attr-invalid", (("attr", "dev"), ("element", "boot"), ("value", dev)), _line(b),
                    tree.getpath(b))
            else:
                os_boot.append(dev)
    others = [_other(r, d) for d in dev_list if isinstance(d.tag, str) and d.tag in _OTHER_DEVICES]
    usb_none = any(d.tag == "controller" and d.get("type") == "usb" and d.get("model") == "none" for d in dev_list)
    if issue is None and usb_none:
        # virDomainDefParseXML parses inputs after interfaces and before hostdevs
        usb_input = next((d for d in dev_list if d.tag == "input" and d.get("bus") == "usb"), None)
        if usb_input is not None:
            issue = ParseIssue("input-usb-disabled", (), _line(usb_input), tree.getpath(usb_input))
    return Domain(
        name=(_child(root, "name").text or "").strip() if _child(root, "name") is not None else None,  # type: ignore[union-attr]
        domain_type=root.get("type"),
        arch=type_el.get("arch") if type_el is not None else None,
        machine=type_el.get("machine") if type_el is not None else None,
        os_boot=tuple(os_boot),
        features=tuple(_tag(f) for f in features if isinstance(f.tag, str)) if features is not None else (),
        interfaces=tuple(collect("interface", _interface)),  # type: ignore[arg-type]
        hostdevs=tuple(_hostdev(r, d, usb_none=usb_none) for d in dev_list if d.tag == "hostdev"),
        controllers=tuple(collect("controller", _controller)),  # type: ignore[arg-type]
        others=tuple(others),
        issue=issue,
        ref=r.ref(root),
    )


def load_domain_document(path: str) -> DomainDocument:
    tree = load_xml(path, root="domain")
    return DomainDocument(domain=_domain(tree), tree=tree, path=path)


def parse_domain_file(path: str) -> Domain:
    """Parse a domain XML file (safely; an :class:`~teamkit.errors.InputError` names the file and line)."""
    return load_domain_document(path).domain


def parse_domain_string(text: str | bytes, path: str = "<string>") -> Domain:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return _domain(parse_xml_bytes(data, path, root="domain"))


def domain_document_from_string(text: str | bytes, path: str = "<string>") -> DomainDocument:
    data = text.encode("utf-8") if isinstance(text, str) else text
    tree = parse_xml_bytes(data, path, root="domain")
    return DomainDocument(domain=_domain(tree), tree=tree, path=path)


def _network(tree: etree._ElementTree) -> Network:
    r = _Reader(tree)
    root = tree.getroot()
    name_el = _child(root, "name")
    forward = _child(root, "forward")
    bridge = _child(root, "bridge")
    pool: list[PciAddress] = []
    pfs: list[str] = []
    ifaces: list[str] = []
    if forward is not None:
        for addr in _children(forward, "address"):
            try:
                pool.append(_pci_address(r, addr))
            except _Stop:
                continue
        pfs = [p.get("dev", "") for p in _children(forward, "pf")]
        ifaces = [i.get("dev", "") for i in _children(forward, "interface")]
    return Network(
        name=(name_el.text or "").strip() if name_el is not None else "",
        forward_mode=(forward.get("mode") or "nat") if forward is not None else None,
        forward_managed=forward.get("managed") if forward is not None else None,
        bridge=bridge.get("name") if bridge is not None else None,
        forward_dev=forward.get("dev") if forward is not None else None,
        pool=tuple(pool),
        pf_devs=tuple(pfs),
        interface_devs=tuple(ifaces),
        ref=r.ref(root),
    )


def parse_network_file(path: str) -> Network:
    """Parse a libvirt network definition file."""
    from teamkit.errors import InputError

    net = _network(load_xml(path, root="network"))
    if not net.name:
        raise InputError(path, "network definition has no <name>", element="network")
    return net


def parse_network_string(text: str | bytes, path: str = "<string>") -> Network:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return _network(parse_xml_bytes(data, path, root="network"))
