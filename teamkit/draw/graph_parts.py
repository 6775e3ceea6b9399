"""What a device graph shows, gathered from the model: devices with their placement, PCI buses, host backends."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from teamkit.draw.dot import Html, attr_list, html_escape, html_label, node, safe_id
from teamkit.findings import Finding
from teamkit.libvirt.aliases import DeviceIds
from teamkit.libvirt.buses import domain_buses
from teamkit.libvirt.networks import Resolution
from teamkit.libvirt.pci import DeviceKey, PciPlan, bus_hotplug
from teamkit.model import Domain, Hostdev, Interface, Network, PciAddress, TeamingType
from teamkit.qemu.devices import VIRTIO_NET_DRIVERS

__all__ = [
    "COLOURS",
    "BusInfo",
    "DeviceInfo",
    "HostNode",
    "buses_of",
    "device_label",
    "devices_of",
    "host_nodes",
    "legend_statements",
]

Role = Literal["standby", "primary", "other"]

#: the timeline's datapath colours: blue for the VF (fast path), orange for virtio (slow path)
COLOURS: Final = {
    "standby_fill": "#fde5cc", "standby_line": "#b8650f", "primary_fill": "#dbe9f6", "primary_line": "#2166ac",
    "other_fill": "#f2f2f2", "other_line": "#8c8c8c", "pair": "#5b2c83", "error": "#b2182b", "warning": "#9a5b00",
    "ok": "#1a7f37",
}
_ROLE_TAG: Final = {"standby": "persistent · standby", "primary": "transient · primary", "other": ""}


@dataclass(frozen=True)
class DeviceInfo:
    """One ``<interface>`` or ``<hostdev>`` as QEMU sees it, and where libvirt puts it."""

    key: DeviceKey
    node: str
    kind: str
    qemu_id: str
    driver: str
    role: Role
    mac: str | None
    #: guest PCI bus index and ``BB:SS.F`` (``None`` when the device is not on the PCI tree)
    bus: int | None
    at: str | None
    assigned: bool
    pair_id: str | None
    failover: bool
    backend: str | None
    backend_label: str
    #: (severity, text) of the findings about this device
    badges: tuple[tuple[str, str], ...]
    tooltip: str


@dataclass(frozen=True)
class BusInfo:
    """One guest PCI bus: its controller, where that sits, and whether it can hot-plug."""

    index: int
    name: str
    model: str
    parent: int | None
    at: str | None
    auto: bool
    hotplug: bool
    reason: str
    #: other devices on this bus (disks, video, implicit controllers), as short texts
    others: tuple[str, ...] = ()


@dataclass(frozen=True)
class HostNode:
    """A host-side node: a VF, a bridge, a network, a macvtap parent or slirp."""

    id: str
    label: Html
    tooltip: str
    #: the cluster it belongs to (escaped label markup) and that cluster's id
    group: str | None = None
    group_id: str = ""
    parent: str | None = None


def _short(bus: int, slot: int, function: int) -> str:
    return f"{bus:02x}:{slot:02x}.{function}"


def _role(dev: Interface | Hostdev) -> Role:
    team = dev.teaming
    if team is None or team.type is None:
        return "other"
    return "standby" if team.type is TeamingType.PERSISTENT and isinstance(dev, Interface) else (
        "primary" if team.type is TeamingType.TRANSIENT else "other")


def _badges(findings: Sequence[Finding], xpath: str | None) -> tuple[tuple[str, str], ...]:
    if not xpath:
        return ()
    found = []
    for f in findings:
        if f.severity.value == "info" or not f.xpath:
            continue
        if f.xpath == xpath or f.xpath.startswith(xpath + "/"):
            where = f" (line {f.line})" if f.line else ""
            found.append((f.severity.value, f"{f.code}{where}"))
    return tuple(found)


def devices_of(domain: Domain, *, resolution: Resolution, ids: DeviceIds, plan: PciPlan | None,
               findings: Sequence[Finding], backends: Mapping[DeviceKey, tuple[str, str]]) -> tuple[DeviceInfo, ...]:
    """Every interface, then every hostdev, with QEMU id, driver, role and guest PCI placement."""
    found: list[DeviceInfo] = []
    devices: list[tuple[DeviceKey, Interface | Hostdev, str, str]] = []
    for n, iface in enumerate(domain.interfaces):
        vf = iface.type == "hostdev" or resolution.actual_types[n] == "hostdev"
        model = iface.model or "rtl8139"
        devices.append((("interface", n), iface, ids.interfaces[n],
                        "vfio-pci" if vf else VIRTIO_NET_DRIVERS.get(model.lower(), model)))
    for n, hd in enumerate(domain.hostdevs):
        driver = "vfio-pci" if hd.type == "pci" else f"{hd.type or 'unknown'} hostdev (not PCI)"
        devices.append((("hostdev", n), hd, ids.hostdevs[n], driver))
    for key, dev, qemu_id, driver in devices:
        role = _role(dev)
        bus, at, assigned = _placement(plan, key, dev.address)
        team = dev.teaming
        pair_id = team.persistent if team is not None and team.type is TeamingType.TRANSIENT else None
        backend, backend_label = backends.get(key, (None, ""))
        found.append(DeviceInfo(
            key=key, node=safe_id("dev", str(key[0]), str(key[1])), kind=str(key[0]), qemu_id=qemu_id, driver=driver,
            role=role, mac=dev.mac if isinstance(dev, Interface) else None, bus=bus, at=at, assigned=assigned,
            pair_id=pair_id if pair_id else None, failover=role == "standby" and driver.startswith("virtio-net"),
            backend=backend, backend_label=backend_label, badges=_badges(findings, dev.ref.xpath),
            tooltip=f"<{'interface' if key[0] == 'interface' else 'hostdev'}> at line {dev.ref.line}",
        ))
    return tuple(found)


def _placement(plan: PciPlan | None, key: DeviceKey, address: PciAddress | None) -> tuple[int | None, str | None, bool]:
    if plan is not None:
        placed = plan.find(key)
        if placed is None:
            return None, None, False
        a = placed.address
        return a.bus, _short(a.bus, a.slot, a.function), placed.assigned
    if address is None or address.type != "pci" or address.bus is None:
        return None, None, False
    return address.bus, _short(address.bus, address.slot or 0, address.function or 0), False


def device_label(d: DeviceInfo) -> Html:
    """The device as an HTML-like table: id and role, QEMU driver and failover property, guest address, MAC."""
    fill, line = COLOURS[d.role + "_fill"], COLOURS[d.role + "_line"]
    tag = f'<FONT POINT-SIZE="8" COLOR="{line}">{html_escape(_ROLE_TAG[d.role])}</FONT>' if _ROLE_TAG[d.role] else ""
    prop = ""
    if d.failover:
        prop = " · failover=on"
    elif d.pair_id is not None:
        prop = f" · failover_pair_id={d.pair_id}"
    rows = [f'<TR><TD ALIGN="LEFT"><B>{html_escape(d.qemu_id)}</B></TD><TD ALIGN="RIGHT">{tag}</TD></TR>',
            f'<TR><TD ALIGN="LEFT" COLSPAN="2">{html_escape(d.driver + prop)}</TD></TR>']
    facts = []
    if d.at is not None:
        facts.append(f"guest PCI {d.at}" + (" · placed by libvirt" if d.assigned else " · from the XML"))
    if d.mac:
        facts.append(f"MAC {d.mac}")
    rows.extend(f'<TR><TD ALIGN="LEFT" COLSPAN="2"><FONT POINT-SIZE="8" COLOR="#444444">{html_escape(fact)}</FONT>'
                "</TD></TR>" for fact in facts)
    for severity, text in d.badges:
        colour, mark = (COLOURS["error"], "✖ libvirt error") if severity == "error" else (COLOURS["warning"], "⚠")
        rows.append(f'<TR><TD ALIGN="LEFT" COLSPAN="2"><FONT POINT-SIZE="8" COLOR="{colour}"><B>{mark}</B> '
                    f"{html_escape(text)}</FONT></TD></TR>")
    border = COLOURS["error"] if any(s == "error" for s, _ in d.badges) else line
    width = "2" if border == COLOURS["error"] else "1"
    return html_label(f'<TABLE BORDER="{width}" STYLE="ROUNDED" COLOR="{border}" BGCOLOR="{fill}" CELLBORDER="0" '
                      f'CELLSPACING="0" CELLPADDING="3">{"".join(rows)}</TABLE>')


# -- buses ------------------------------------------------------------------------------------------------------


def buses_of(domain: Domain, plan: PciPlan | None, devices: Sequence[DeviceInfo]) -> tuple[BusInfo, ...]:
    """The PCI buses from libvirt's plan (or, without one, from the XML's controllers), root first."""
    found = _plan_buses(plan) if plan is not None else _xml_buses(domain)
    known = {b.index for b in found}
    for d in devices:
        if d.bus is not None and d.bus not in known:
            known.add(d.bus)
            found.append(BusInfo(d.bus, f"pci.{d.bus}", "no such controller", 0, None, False, False,
                                 f"there is no PCI controller with index {d.bus}"))
    return tuple(found)


def _plan_buses(plan: PciPlan) -> list[BusInfo]:
    found = []
    for c in plan.controllers:
        root = c.model in ("pci-root", "pcie-root")
        name = ("pcie.0" if c.model == "pcie-root" else "pci.0") if root else c.alias
        parent = None if c.index == 0 else (c.address.bus if c.address is not None else 0)
        at = _short(c.address.bus, c.address.slot, c.address.function) if c.address is not None else None
        hotplug, reason = bus_hotplug(plan, c.index)
        others = tuple(f"{d.label} · {_short(d.address.bus, d.address.slot, d.address.function)}"
                       for d in plan.devices if d.key[0] not in ("interface", "hostdev") and d.address.bus == c.index)
        found.append(BusInfo(c.index, name, c.model, parent, at, c.auto_added, hotplug, reason, others))
    return found


def _xml_buses(domain: Domain) -> list[BusInfo]:
    found = []
    for index, bus in sorted(domain_buses(domain).items()):
        cont = next((c for c in domain.controllers if c.type == "pci" and c.index == index), None)
        addr = cont.address if cont is not None else None
        parent = None if index == 0 else (addr.bus or 0 if addr is not None else 0)
        at = _short(addr.bus or 0, addr.slot or 0, addr.function or 0) if addr is not None else None
        hotplug, reason = bus.can_hotplug, f"{bus.model.model} supports hotplug"
        if bus.hotplug_off:
            reason = f"{bus.model.model} has hotplug='off'"
        elif not bus.model.hotplug:
            reason = f"{bus.model.model} does not support hotplug"
        elif bus.model.model == "pci-root" and not domain.acpi:
            hotplug, reason = False, "pci-root: PCI hotplug on the i440fx root bus needs ACPI"
        others = tuple(f"{o.kind} · {_short(o.address.bus or 0, o.address.slot or 0, o.address.function or 0)}"
                       for o in domain.others if o.address is not None and o.address.type == "pci"
                       and (o.address.bus or 0) == index)
        found.append(BusInfo(index, bus.qemu_name, bus.model.model, parent, at, False, hotplug, reason, others))
    return found


# -- host side --------------------------------------------------------------------------------------------------


def _host_label(title: str, *lines: str, dashed: bool = False) -> Html:
    body = "".join(f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="8" COLOR="#555555">{html_escape(t)}</FONT></TD></TR>'
                   for t in lines)
    style = "ROUNDED,DASHED" if dashed else "ROUNDED"
    return html_label(f'<TABLE BORDER="1" STYLE="{style}" COLOR="#8c8c8c" BGCOLOR="#ffffff" CELLBORDER="0" '
                      f'CELLSPACING="0" CELLPADDING="3"><TR><TD ALIGN="LEFT"><B>{html_escape(title)}</B></TD></TR>'
                      f"{body}</TABLE>")


_VF_GROUP: Final = ("<B>SR-IOV virtual functions</B><BR/>"
                    '<FONT POINT-SIZE="8">the PF is not named in the domain XML</FONT>')


def host_nodes(domain: Domain, networks: Mapping[str, Network], resolution: Resolution, ids: DeviceIds,
               ) -> tuple[tuple[HostNode, ...], dict[DeviceKey, tuple[str, str]]]:
    """Host-side nodes, and for each device the node that backs it with the edge's label."""
    nodes: dict[str, HostNode] = {}
    backs: dict[DeviceKey, tuple[str, str]] = {}

    names: dict[tuple[str, ...], str] = {}

    def add(h: HostNode) -> str:
        nodes.setdefault(h.id, h)
        return h.id

    def nid(*what: str) -> str:
        """A node id per distinct host object (names from the XML may differ only in punctuation)."""
        return names.setdefault(what, f"host{len(names)}")

    for n, iface in enumerate(domain.interfaces):
        key: DeviceKey = ("interface", n)
        src = iface.source
        netdev = f"netdev {ids.netdev(n)}"
        if iface.type == "user":
            backs[key] = (add(HostNode(f"host_user{n}", _host_label("user-mode networking (slirp)",
                                       "inside QEMU; no host device"), netdev)), "slirp")
        elif iface.type == "bridge":
            name = src.bridge or "?"
            backs[key] = (add(HostNode(nid("bridge", name), _host_label(f"bridge {name}", "a host bridge"),
                                       "")), "tap")
        elif iface.type == "direct":
            dev = src.dev or "?"
            backs[key] = (add(HostNode(nid("nic", dev), _host_label(f"host NIC {dev}", "macvtap parent"),
                                       "")), f"macvtap ({src.mode or 'vepa'})")
        elif iface.type == "ethernet":
            tap = iface.target_dev or "created by libvirt"
            backs[key] = (add(HostNode(f"host_tap{n}", _host_label(f"tap {tap}", "no bridge: routed by the host"),
                                       netdev)), "tap")
        elif iface.type == "hostdev":
            vf = src.pci.host_string() if src.pci is not None else src.other or "no source address"
            managed = (("managed: libvirt binds it to vfio-pci", "and sets its MAC") if iface.managed != "no"
                       else ("managed='no': the admin binds vfio-pci", "and sets its MAC"))
            backs[key] = (add(HostNode(f"host_vf_i{n}", _host_label(f"VF {vf}", *managed), "",
                                       group=_VF_GROUP, group_id="vfs")), "vfio")
        elif iface.type == "network":
            backs[key] = _network(n, domain, networks, resolution, ids, add, nid)
        else:
            backs[key] = (add(HostNode(f"host_other{n}", _host_label(f"type '{iface.type}'", "not modelled"),
                                       "")), "")
    for n, hd in enumerate(domain.hostdevs):
        key = ("hostdev", n)
        if hd.type == "pci":
            where = hd.pci.host_string() if hd.pci is not None else "no source address"
            binder = "libvirt binds vfio-pci" if hd.managed == "yes" else "the admin binds vfio-pci"
            backs[key] = (add(HostNode(f"host_vf_h{n}", _host_label(f"VF {where}", "plain <hostdev>:",
                                       "the admin sets its MAC", binder), "", group=_VF_GROUP, group_id="vfs")),
                          "vfio")
        else:
            what = f"{hd.usb_vendor}:{hd.usb_product}" if hd.usb_vendor else (hd.type or "unknown")
            backs[key] = (add(HostNode(f"host_dev_h{n}", _host_label(f"{hd.type or 'host'} device {what}"), "")), "")
    return tuple(nodes.values()), backs


def _network(n: int, domain: Domain, networks: Mapping[str, Network], resolution: Resolution, ids: DeviceIds,
             add: Callable[[HostNode], str], nid: Callable[..., str]) -> tuple[str, str]:
    iface = domain.interfaces[n]
    name = iface.source.network or "?"
    net = networks.get(name)
    if net is None:
        return add(HostNode(nid("net", name), _host_label(
            f"network '{name}'", "definition not supplied:", "pass --network to resolve it", dashed=True),
            "")), ""
    if resolution.actual_types[n] != "hostdev":
        mode = net.forward_mode or "isolated"
        via = f"bridge {net.bridge}" if net.bridge else (f"on {net.forward_dev}" if net.forward_dev else "")
        return add(HostNode(nid("net", name), _host_label(f"network '{name}'", f"forward {mode}", via),
                            "")), "macvtap" if resolution.actual_types[n] == "direct" else "tap"
    group = (f"<B>network '{html_escape(name)}'</B><BR/>"
             '<FONT POINT-SIZE="8">hostdev pool: hands out one VF per NIC</FONT>')
    gid = "pool_" + nid("net", name)
    parent = None
    for pf in net.pf_devs:
        parent = add(HostNode(nid("pf", name, pf), _host_label(f"PF {pf}", "its VFs are read at start"), "",
                              group=group, group_id=gid))
    given = resolution.pool_vfs[n]
    owners = {vf.bdf(): ids.interfaces[i] for i, (i_net, vf) in enumerate(zip(
        (i.source.network for i in domain.interfaces), resolution.pool_vfs, strict=True))
        if vf is not None and i_net == name}
    chosen = ""
    for k, vf in enumerate(net.pool):
        owner = owners.get(vf.bdf())
        node_id = add(HostNode(nid("pool", name, str(k)), _host_label(
            f"VF {vf.host_string()}", f"handed to {owner}" if owner else "free"), "",
            group=group, group_id=gid, parent=parent))
        if given is not None and vf.bdf() == given.bdf():
            chosen = node_id
    if not chosen:
        text = "a VF of the PF, chosen at start" if net.pf_devs else "none left: the pool is exhausted"
        chosen = add(HostNode(nid("pool", name, f"n{n}"), _host_label("VF", text, dashed=True), "",
                              group=group, group_id=gid, parent=parent))
    return chosen, "vfio"


# -- legend -----------------------------------------------------------------------------------------------------


def legend_statements() -> list[str]:
    """A legend cluster: what the colours, edges and badges mean."""
    c = COLOURS

    def swatch(fill: str, line: str) -> str:
        return f'<TD BGCOLOR="{fill}" BORDER="1" COLOR="{line}" WIDTH="26"> </TD>'

    def stroke(colour: str, text: str) -> str:
        return f'<TD><FONT COLOR="{colour}"><B>{text}</B></FONT></TD>'

    rows = [
        (swatch(c["standby_fill"], c["standby_line"]), "virtio standby (persistent, failover=on)"),
        (swatch(c["primary_fill"], c["primary_line"]), "VF primary (transient, failover_pair_id)"),
        (swatch(c["other_fill"], c["other_line"]), "not part of a pair"),
        (stroke(c["pair"], "━━▶"), "failover_pair_id → the standby's id"),
        (stroke(c["ok"], "━━▶"), "the guest enslaves the VF (same MAC)"),
        (stroke(c["error"], "╍╍▶"), "broken: dangling, MACs differ, unplugged"),
        (stroke(c["error"], "⊘"), "bus cannot hot-plug (red: a primary is on it)"),
        (stroke(c["error"], "✖"), "libvirt's error (code, line)"),
        (stroke(c["warning"], "⚠"), "teamkit's warning (code, line)"),
    ]
    body = "".join(f'<TR>{cell}<TD ALIGN="LEFT">{html_escape(text)}</TD></TR>' for cell, text in rows)
    table = ('<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" CELLPADDING="1">'
             f'<TR><TD COLSPAN="2" ALIGN="LEFT"><B>Legend</B></TD></TR>{body}</TABLE>')
    return ["subgraph cluster_legend {",
            "  graph " + attr_list({"label": "", "style": "rounded", "color": "#bbbbbb", "margin": "6"}) + ";",
            "  " + node("legend", {"label": html_label(table), "fontsize": "8"}),
            "}"]
