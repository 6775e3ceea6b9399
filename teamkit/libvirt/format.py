"""Domain XML written the way libvirt formats it: its child order, single quotes, parse-time normalisations."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Final

from lxml import etree

from teamkit.libvirt.cparse import parse_uint
from teamkit.libvirt.parse import DomainDocument
from teamkit.model import Hostdev, Interface, Teaming

__all__ = ["HOSTDEV_CHILD_ORDER", "INTERFACE_CHILD_ORDER", "format_domain_document", "serialize"]

#: ``virDomainNetDefFormat`` child order (libvirt-teaming.md §1.3); unknown children follow, in their own order
INTERFACE_CHILD_ORDER: Final = (
    "mac", "source", "vlan", "virtualport", "bandwidth", "port", "actual", "ip", "route", "portForward", "script",
    "downscript", "backenddomain", "target", "guest", "model", "driver", "backend", "filterref", "tune",
    "teaming", "link", "mtu", "coalesce", "boot", "alias", "master", "rom", "acpi", "address",
)
#: ``virDomainHostdevDefFormat`` child order
HOSTDEV_CHILD_ORDER: Final = (
    "driver", "source", "teaming", "readonly", "shareable", "boot", "alias", "master", "rom", "acpi", "address",
)
_PCI_FIELDS: Final = (("domain", "0x{:04x}"), ("bus", "0x{:02x}"), ("slot", "0x{:02x}"), ("function", "0x{:x}"))


#: ``virBufferEscapeString``: ``< > & ' "`` become entities
_ENTITIES: Final = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "'": "&apos;", '"': "&quot;"})
#: whitespace a reader would normalise (to a space in an attribute, ``\r`` to ``\n`` anywhere), as references
_ATTR_WHITESPACE: Final = str.maketrans({"\t": "&#9;", "\n": "&#10;", "\r": "&#13;"})
_TEXT_WHITESPACE: Final = str.maketrans({"\r": "&#13;"})


def _escape(text: str, *, attribute: bool = True) -> str:
    """``virBufferEscapeString``, except that tabs, newlines and carriage returns (which only a character
    reference puts in an attribute) are written as references: libvirt writes them raw, and reading that back
    changes the value, so the output would not read back as what libvirt holds."""
    return text.translate(_ENTITIES).translate(_ATTR_WHITESPACE if attribute else _TEXT_WHITESPACE)


def serialize(el: etree._Element, indent: int = 0) -> str:
    """libvirt's layout: two-space indentation, single-quoted attributes, no comments, text kept inline.

    Namespaced elements and attributes (``<metadata>`` content, ``qemu:commandline``) keep their prefixes, and each
    element declares the namespaces its parent does not.
    """
    pad = "  " * indent
    nsmap = el.nsmap
    attrs = "".join(f" {_name(k, nsmap, attribute=True)}='{_escape(str(v))}'" for k, v in el.attrib.items())
    parent = el.getparent()
    inherited = parent.nsmap if parent is not None and indent else {}
    attrs += "".join(f" {'xmlns' if prefix is None else 'xmlns:' + prefix}='{_escape(uri)}'"
                     for prefix, uri in nsmap.items() if inherited.get(prefix) != uri)
    children = [c for c in el if isinstance(c.tag, str)]
    text = (el.text or "").strip()
    tag = _name(el.tag, nsmap)
    if not children and not text:
        return f"{pad}<{tag}{attrs}/>\n"
    if not children:
        return f"{pad}<{tag}{attrs}>{_escape(text, attribute=False)}</{tag}>\n"
    inner = "".join(serialize(c, indent + 1) for c in children)
    return f"{pad}<{tag}{attrs}>\n{inner}{pad}</{tag}>\n"


def _name(name: object, nsmap: Mapping[str | None, str], *, attribute: bool = False) -> str:
    """The bare name, or ``prefix:local`` with the prefix the document bound the namespace to (an element in the
    default namespace stays bare; an attribute never takes the default namespace)."""
    qname = etree.QName(name)  # type: ignore[arg-type]
    if qname.namespace is None or (not attribute and nsmap.get(None) == qname.namespace):
        return qname.localname
    prefix = next((p for p, uri in nsmap.items() if p is not None and uri == qname.namespace), None)
    return qname.localname if prefix is None else f"{prefix}:{qname.localname}"


def _reorder(el: etree._Element, order: tuple[str, ...]) -> None:
    rank = {name: i for i, name in enumerate(order)}
    kids = [c for c in el if isinstance(c.tag, str)]
    kids.sort(key=lambda c: rank.get(str(c.tag), len(order)))
    for c in list(el):
        el.remove(c)
    el.extend(kids)


def _canonical_pci(addr: etree._Element) -> None:
    values = {k: parse_uint(addr.get(k, "0"), 0) for k, _ in _PCI_FIELDS}
    if any(v is None for v in values.values()):
        return
    extra = {str(k): str(v) for k, v in addr.attrib.items() if k not in ("type", "domain", "bus", "slot", "function")}
    keep_type = addr.get("type")
    addr.attrib.clear()
    if keep_type is not None:
        addr.set("type", keep_type)
    for key, fmt in _PCI_FIELDS:
        addr.set(key, fmt.format(values[key]))
    for k, v in extra.items():
        addr.set(k, v)


def _set_teaming(el: etree._Element, teaming: Teaming | None) -> None:
    for old in el.findall("teaming"):
        el.remove(old)
    if teaming is None or teaming.type is None:
        return
    node = etree.SubElement(el, "teaming")
    node.set("type", teaming.type.value)
    if teaming.persistent is not None:
        node.set("persistent", teaming.persistent)


def _set_alias(el: etree._Element, alias: str | None) -> None:
    for old in el.findall("alias"):
        el.remove(old)
    if alias is not None:
        etree.SubElement(el, "alias").set("name", alias)


def _order_attrs(el: etree._Element, first: Iterable[str]) -> None:
    items = {str(k): str(v) for k, v in el.attrib.items()}
    el.attrib.clear()
    for key in first:
        if key in items:
            el.set(key, items.pop(key))
    for key, value in items.items():
        el.set(key, value)


def _format_interface(el: etree._Element, iface: Interface) -> None:
    if iface.issue is not None:
        return
    _order_attrs(el, ("type", "managed", "trustGuestRxFilters"))
    mac = el.find("mac")
    if mac is not None and iface.mac is not None:
        mac.set("address", iface.mac)
    _set_teaming(el, iface.teaming)
    _set_alias(el, iface.alias)
    for addr in (*el.findall("address"), *el.findall("source/address")):
        if addr.get("type", "pci") == "pci":
            _canonical_pci(addr)
    _reorder(el, INTERFACE_CHILD_ORDER)


def _format_hostdev(el: etree._Element, hostdev: Hostdev) -> None:
    if hostdev.issue is not None:
        return
    _order_attrs(el, ("mode", "type", "managed"))
    _set_teaming(el, hostdev.teaming)
    _set_alias(el, hostdev.alias)
    for addr in (*el.findall("address"), *el.findall("source/address")):
        if addr.get("type", "pci") == "pci" and hostdev.type == "pci":
            _canonical_pci(addr)
    _reorder(el, HOSTDEV_CHILD_ORDER)


def format_domain_document(doc: DomainDocument) -> str:
    """The whole domain, with its interfaces and hostdevs in libvirt's canonical form (the rest as written)."""
    root = copy.deepcopy(doc.tree.getroot())
    devices = root.find("devices")
    if devices is not None:
        for el, iface in zip(devices.findall("interface"), doc.domain.interfaces, strict=True):
            _format_interface(el, iface)
        for el, hostdev in zip(devices.findall("hostdev"), doc.domain.hostdevs, strict=True):
            _format_hostdev(el, hostdev)
    return serialize(root)
