"""Device graph DOT: host backends, the guest PCI tree libvirt builds, each failover pair and the guest's bond."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from teamkit.draw.dot import Html, attr_list, attr_value, edge, html_escape, html_label, node, same_rank
from teamkit.draw.graph_parts import (
    COLOURS,
    BusInfo,
    DeviceInfo,
    HostNode,
    buses_of,
    device_label,
    devices_of,
    host_nodes,
    legend_statements,
)
from teamkit.failover.errors import NoFailoverPairError
from teamkit.failover.guest import GuestNetdev, GuestPairView, GuestStandbyView, GuestView, guest_view
from teamkit.findings import Finding
from teamkit.libvirt.aliases import assign_ids
from teamkit.libvirt.networks import resolve_networks
from teamkit.libvirt.pci import PciAddressError, PciPlan, assign_pci_addresses
from teamkit.model import Domain, Network

__all__ = ["device_graph_dot"]

_FONT: Final = "Helvetica"
#: a bus's hot-plug badge is red when a failover primary sits on it, grey otherwise
_BADGE_OFF: Final = "⊘ cannot hot-plug"


@dataclass
class _Graph:
    """The statements of one device graph, built in layers (host, PCI tree, pairing, guest)."""

    domain: Domain
    findings: Sequence[Finding]
    devices: tuple[DeviceInfo, ...]
    buses: tuple[BusInfo, ...]
    hosts: tuple[HostNode, ...]
    plan_error: str | None
    view: GuestView | None
    lines: list[str] = field(default_factory=list)
    #: the nodes of the devices' column, top to bottom (devices, placeholders, other devices, missing targets)
    column: list[str] = field(default_factory=list)
    masters: list[str] = field(default_factory=list)
    #: edges from the PCI tree into the guest, written after the clusters (an edge inside a cluster would add its
    #: device to that cluster)
    crossing: list[str] = field(default_factory=list)

    def emit(self, statement: str, depth: int = 1) -> None:
        self.lines.append("  " * depth + statement)


def device_graph_dot(domain: Domain, *, networks: Mapping[str, Network] | None = None,
                     findings: Sequence[Finding] = (), plan: PciPlan | None = None, title: str | None = None,
                     legend: bool = True) -> str:
    """DOT source of the domain's NIC wiring (render with ``dot -Tsvg``); never raises for a parsed domain.

    ``plan`` is libvirt's PCI placement (computed when not given; when libvirt refuses to place the devices, the
    addresses written in the XML are drawn). ``findings`` (from ``check_domain``) become badges on the devices
    they concern, and the first error is shown as libvirt's verdict in the title.
    """
    nets = dict(networks or {})
    resolution = resolve_networks(domain, nets)
    ids = assign_ids(domain, resolution.actual_types)
    plan_error = None
    if plan is None:
        try:
            plan = assign_pci_addresses(domain, networks=nets)
        except PciAddressError as exc:
            plan_error = exc.libvirt_message
    try:
        view: GuestView | None = guest_view(domain)
    except NoFailoverPairError:
        view = None
    hosts, backends = host_nodes(domain, nets, resolution, ids)
    devices = devices_of(domain, resolution=resolution, ids=ids, plan=plan, findings=findings, backends=backends)
    g = _Graph(domain=domain, findings=findings, devices=devices, buses=buses_of(domain, plan, devices),
               hosts=hosts, plan_error=plan_error, view=view)
    g.lines.extend([
        "digraph device_graph {",
        "  graph " + attr_list({"rankdir": "LR", "newrank": "true", "fontname": _FONT, "fontsize": "12",
                                "labelloc": "t", "labeljust": "l", "nodesep": "0.25", "ranksep": "0.45",
                                "outputorder": "edgesfirst"}) + ";",
        "  node " + attr_list({"fontname": _FONT, "fontsize": "10", "shape": "plain"}) + ";",
        "  edge " + attr_list({"fontname": _FONT, "fontsize": "9", "color": "#555555", "arrowsize": "0.7"}) + ";",
        "  label=" + attr_value(_title(domain, findings, plan_error, view, title)) + ";",
    ])
    _host(g)
    _pci(g)
    _pairing(g)
    _guest(g)
    g.lines.extend("  " + s for s in g.crossing)
    if g.column:
        g.emit(same_rank(g.column))
        # an invisible node whose out-edges (ordering=out) pin the column in PCI order, bus by bus as the tree is
        # drawn; flat edges alone do not survive dot's crossing minimisation across clusters
        g.emit(node("column_order", {"shape": "point", "style": "invis", "width": "0.01", "ordering": "out"}))
        g.lines.extend("  " + edge("column_order", n, {"style": "invis"}) for n in g.column)
    if legend:
        g.lines.extend("  " + s for s in legend_statements())
        g.emit(same_rank(["legend", *(g.masters or g.column[:1])]))
    g.lines.append("}")
    return "\n".join(g.lines) + "\n"


# -- title ------------------------------------------------------------------------------------------------------


def _title(domain: Domain, findings: Sequence[Finding], plan_error: str | None, view: GuestView | None,
           heading: str | None) -> Html:
    name = heading or f"domain {domain.name or '(unnamed)'}"
    facts = [f"machine {domain.machine or 'pc'}"]
    if not domain.is_q35:
        facts.append("ACPI" if domain.acpi else "no ACPI")
    pairs = len(view.pairs) if view is not None else 0
    facts.append(f"{pairs} failover pair{'s' if pairs != 1 else ''}" if pairs else "no failover pair")
    lines = [f'<B>{html_escape(name)}</B><BR ALIGN="LEFT"/>',
             f'<FONT POINT-SIZE="10">{html_escape(" · ".join(facts))}</FONT><BR ALIGN="LEFT"/>']
    errors = [f for f in findings if f.is_error]
    if errors:
        first = errors[0]
        where = f" (line {first.line})" if first.line else ""
        lines.append(f'<FONT COLOR="{COLOURS["error"]}"><B>✖ libvirt refuses it{html_escape(where)}:</B> '
                     f"{html_escape(first.libvirt_message or first.message)}</FONT><BR ALIGN=\"LEFT\"/>")
    elif findings:
        warnings = sum(1 for f in findings if f.severity.value == "warning")
        lines.append(f'<FONT COLOR="{COLOURS["ok"]}"><B>✔ libvirt accepts it</B></FONT>'
                     f'<FONT POINT-SIZE="10"> · {warnings} warning{"s" if warnings != 1 else ""}'
                     "</FONT><BR ALIGN=\"LEFT\"/>")
    stops = [pv for pv in (view.pairs if view is not None else ()) if pv.refused_at_startup]
    if stops and not errors:
        said = stops[0].placement.qemu_message or stops[0].carrier_reason
        lines.append(f'<FONT COLOR="{COLOURS["error"]}"><B>✖ but QEMU refuses to start it:</B> '
                     f"{html_escape(said)}</FONT><BR ALIGN=\"LEFT\"/>")
    if plan_error is not None and not any(f.libvirt_message == plan_error for f in errors):
        lines.append(f'<FONT POINT-SIZE="10" COLOR="{COLOURS["error"]}">PCI addresses as written in the XML: '
                     f"libvirt stops with {html_escape(plan_error)}</FONT><BR ALIGN=\"LEFT\"/>")
    return html_label("".join(lines))


# -- host side --------------------------------------------------------------------------------------------------


def _host(g: _Graph) -> None:
    if not g.hosts:
        return
    g.emit("subgraph cluster_host {")
    g.emit("graph " + attr_list({"label": html_label("<B>Host</B>"), "style": "rounded,filled",
                                 "fillcolor": "#fbfbf7", "color": "#b0b0a0", "margin": "10"}) + ";", 2)
    groups: dict[str, list[HostNode]] = {}
    for h in g.hosts:
        groups.setdefault(h.group or "", []).append(h)
    for group, members in groups.items():
        depth = 2
        if group:
            g.emit(f"subgraph cluster_{members[0].group_id} {{", 2)
            g.emit("graph " + attr_list({"label": html_label(group), "style": "rounded,dashed",
                                         "color": "#8c8c8c", "margin": "8"}) + ";", 3)
            depth = 3
        for h in members:
            g.emit(node(h.id, {"label": h.label, **({"tooltip": h.tooltip} if h.tooltip else {})}), depth)
        if group:
            g.emit("}", 2)
    g.emit("}")
    for h in g.hosts:
        if h.parent is not None:
            g.emit(edge(h.parent, h.id, {"arrowhead": "none", "color": "#8c8c8c", "style": "dashed"}))
    for d in g.devices:
        if d.backend is None:
            continue
        attrs: dict[str, str | Html] = {"color": COLOURS[d.role + "_line"], "penwidth": "1.4"}
        if d.backend_label:
            attrs["label"] = html_label(f'<FONT COLOR="#555555">{html_escape(d.backend_label)}</FONT>')
        g.emit(edge(d.backend, d.node, attrs))


# -- guest PCI tree ---------------------------------------------------------------------------------------------


def _pci(g: _Graph) -> None:
    g.emit("subgraph cluster_qemu {")
    note = ("addresses as libvirt assigns them" if g.plan_error is None
            else "addresses as written in the XML (libvirt refuses before placing devices)")
    g.emit("graph " + attr_list({"label": html_label(
        f'<B>QEMU: the guest\'s PCI tree</B><BR ALIGN="LEFT"/><FONT POINT-SIZE="9">{html_escape(note)}</FONT>'
        '<BR ALIGN="LEFT"/>'), "style": "rounded", "color": "#9a9a9a", "margin": "10"}) + ";", 2)
    children: dict[int | None, list[BusInfo]] = {}
    for bus in g.buses:
        children.setdefault(bus.parent, []).append(bus)
    drawn: set[int] = set()
    for top in children.get(None, []):
        _bus(g, top, children, drawn, 2)
    for bus in g.buses:  # buses in a cycle or under a missing parent: drawn at the top level
        if bus.index not in drawn:
            _bus(g, bus, children, drawn, 2)
    _missing_targets(g)
    unplaced = [d for d in g.devices if d.bus is None]
    if unplaced:
        g.emit("subgraph cluster_unplaced {", 2)
        g.emit("graph " + attr_list({"label": html_label("<B>not on the PCI tree</B>"), "style": "rounded,dashed",
                                     "color": "#9a9a9a"}) + ";", 3)
        for d in unplaced:
            g.column.append(d.node)
            g.emit(node(d.node, {"label": device_label(d), "tooltip": d.tooltip}), 3)
        g.emit("}", 2)
    g.emit("}")


def _bus(g: _Graph, bus: BusInfo, children: Mapping[int | None, list[BusInfo]], drawn: set[int], depth: int) -> None:
    drawn.add(bus.index)
    on_bus = [d for d in g.devices if d.bus == bus.index]
    primary_here = any(d.role == "primary" for d in on_bus)
    badge = ""
    if not bus.hotplug:
        colour = COLOURS["error"] if primary_here else "#777777"
        badge = (f'<BR ALIGN="LEFT"/><FONT POINT-SIZE="9" COLOR="{colour}"><B>{_BADGE_OFF}</B><BR ALIGN="LEFT"/>'
                 f"{html_escape(bus.reason)}</FONT>")
    where = f" · at {bus.at}" if bus.at else ""
    auto = " · added by libvirt" if bus.auto else ""
    label = (f"<B>{html_escape(bus.name)}</B> <FONT POINT-SIZE=\"9\">{html_escape(bus.model + where + auto)}</FONT>"
             f"{badge}<BR ALIGN=\"LEFT\"/>")
    root = bus.parent is None
    g.emit(f"subgraph cluster_bus{bus.index} {{", depth)
    g.emit("graph " + attr_list({
        "label": html_label(label), "style": "rounded,filled" + ("" if bus.hotplug else ",bold"),
        "fillcolor": "#f3f3f3" if root else "#ffffff",
        "color": (COLOURS["error"] if primary_here else "#999999") if not bus.hotplug else "#b5b5b5",
        "margin": "8"}) + ";", depth + 1)
    for d in on_bus:
        g.column.append(d.node)
        g.emit(node(d.node, {"label": device_label(d), "tooltip": d.tooltip}), depth + 1)
    kids = [c for c in children.get(bus.index, []) if c.index not in drawn]
    for child in kids:
        _bus(g, child, children, drawn, depth + 1)
    if bus.others:
        text = "<BR ALIGN=\"LEFT\"/>".join(html_escape(o) for o in bus.others)
        g.column.append(f"others_bus{bus.index}")
        g.emit(node(f"others_bus{bus.index}", {"label": html_label(
            f'<FONT POINT-SIZE="8" COLOR="#777777">{text}<BR ALIGN="LEFT"/></FONT>'), "shape": "box",
            "style": "dashed", "color": "#cccccc"}), depth + 1)
    if not on_bus and not bus.others and not kids:
        g.column.append(f"empty_bus{bus.index}")
        g.emit(node(f"empty_bus{bus.index}", {"label": html_label(
            '<FONT POINT-SIZE="8" COLOR="#888888">empty: a free slot for hot-plug</FONT>' if bus.hotplug
            else '<FONT POINT-SIZE="8" COLOR="#888888">empty</FONT>')}), depth + 1)
    g.emit("}", depth)


# -- the pairs --------------------------------------------------------------------------------------------------


def _missing_targets(g: _Graph) -> None:
    """A dashed node for every id a failover_pair_id names that no NIC has (QEMU looks it up and finds nothing)."""
    ids = {d.qemu_id for d in g.devices if d.kind == "interface"}
    for d in g.devices:
        if d.pair_id is None or d.pair_id in ids:
            continue
        ghost = f"missing_{d.node}"
        g.column.append(ghost)
        g.emit(node(ghost, {"label": html_label(
            f'<TABLE BORDER="1" STYLE="ROUNDED,DASHED" COLOR="{COLOURS["error"]}" CELLBORDER="0" CELLPADDING="4">'
            f'<TR><TD><FONT COLOR="{COLOURS["error"]}"><B>{html_escape(d.pair_id)}</B>: no device has this id'
            '<BR/>QEMU does not hide the VF; nothing fails over</FONT></TD></TR></TABLE>'),
            "tooltip": f"failover_pair_id={d.pair_id} names no device"}), 2)


def _pairing(g: _Graph) -> None:
    by_id: dict[str, DeviceInfo] = {}
    for d in g.devices:
        if d.kind == "interface":
            by_id.setdefault(d.qemu_id, d)
    for d in g.devices:
        if d.pair_id is None:
            continue
        target = by_id.get(d.pair_id)
        attrs: dict[str, str | Html] = {"color": COLOURS["pair"], "penwidth": "2.2", "constraint": "false",
                                        "tooltip": f"failover_pair_id={d.pair_id}", "tailport": "w", "headport": "w"}
        if target is None:
            attrs.update(color=COLOURS["error"], style="dashed", label=html_label(
                f'<FONT COLOR="{COLOURS["error"]}"><B>✖ dangling</B></FONT>'))
            g.emit(edge(d.node, f"missing_{d.node}", attrs))
            continue
        if not target.failover:
            attrs.update(color=COLOURS["warning"], style="dashed", label=html_label(
                f'<FONT COLOR="{COLOURS["warning"]}"><B>⚠ {html_escape(target.qemu_id)} has no failover=on</B></FONT>'))
        g.emit(edge(d.node, target.node, attrs))


# -- the guest --------------------------------------------------------------------------------------------------


def _guest(g: _Graph) -> None:
    if g.view is None:
        return
    by_key = {d.key: d for d in g.devices}
    keys = {id(obj): key for key, obj in _objects(g.domain).items()}
    notes = ["net_failover bonds each pair by MAC", "(interface names as in the kernel docs)"]
    if any(f.is_error for f in g.findings):
        notes.insert(0, "what the guest would see once libvirt accepts the domain:")
    text = "".join(f'<FONT POINT-SIZE="9">{html_escape(t)}</FONT><BR ALIGN="LEFT"/>' for t in notes)
    g.emit("subgraph cluster_guest {")
    g.emit("graph " + attr_list({"label": html_label(f'<B>Linux guest</B><BR ALIGN="LEFT"/>{text}'),
                                 "style": "rounded,filled", "fillcolor": "#f7fbf7", "color": "#9ab09a",
                                 "margin": "10"}) + ";", 2)
    seen_standby: dict[int, int] = {}
    for k, pv in enumerate(g.view.pairs):
        standby = by_key.get(keys.get(id(pv.pair.persistent), ("", -1)))
        primary = by_key.get(keys.get(id(pv.pair.transient), ("", -1)))
        first = seen_standby.setdefault(id(pv.pair.persistent), k) if pv.pair.persistent is not None else k
        _bond(g, k, pv, standby, primary, duplicate=first != k)
    for j, sv in enumerate(g.view.unpaired, start=len(g.view.pairs)):
        _lone(g, j, sv, by_key.get(keys.get(id(sv.standby), ("", -1))))
    g.emit("}")


def _lone(g: _Graph, k: int, sv: GuestStandbyView, standby: DeviceInfo | None) -> None:
    """A persistent member no transient names: the guest still builds a master over it, without a primary."""
    master_name = f"ens{10 + 2 * k}"
    g.emit(f"subgraph cluster_bond{k} {{", 2)
    g.emit("graph " + attr_list({"label": html_label(f"<B>{html_escape(sv.standby_id)}: no primary names it</B>"),
                                 "style": "rounded,dashed", "color": "#b8c8b8", "margin": "8"}) + ";", 3)
    roles = {n.role: n for n in sv.netdevs}
    master, sb = roles.get("master"), roles.get("standby")
    if master is not None:
        g.masters.append(f"g{k}_master")
        g.emit(node(f"g{k}_master", {"label": _netdev_label(master_name, "net_failover master", [
            f"MAC {master.mac or '(generated)'}", "traffic: virtio (slow path)", "never gets a primary"],
            COLOURS["standby_line"]), "tooltip": sv.carrier_reason}), 3)
    if sb is not None:
        _standby_netdev(g, k, sb, master_name, has_master=master is not None, device=standby)
    g.emit("}", 2)


def _standby_netdev(g: _Graph, k: int, sb: GuestNetdev, master_name: str, *, has_master: bool,
                    device: DeviceInfo | None) -> None:
    """The guest's virtio standby netdev, linked to its QEMU device and to its failover master when there is one."""
    name = f"{master_name}nsby" if has_master else master_name
    g.emit(node(f"g{k}_standby", {"label": _netdev_label(name, "standby", [f"virtio_net · MAC {sb.mac}"],
                                                          COLOURS["standby_line"]), "tooltip": sb.note}), 3)
    if device is not None:
        g.crossing.append(edge(device.node, f"g{k}_standby", {"color": COLOURS["standby_line"]}))
    if has_master:
        g.emit(edge(f"g{k}_standby", f"g{k}_master", {"label": "standby", "color": COLOURS["standby_line"]}), 3)


def _objects(domain: Domain) -> dict[tuple[str, int | str], object]:
    found: dict[tuple[str, int | str], object] = {("interface", n): i for n, i in enumerate(domain.interfaces)}
    found.update({("hostdev", n): h for n, h in enumerate(domain.hostdevs)})
    return found


def _netdev_label(name: str, role: str, lines: Sequence[str], colour: str) -> Html:
    body = "".join(f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="9">{html_escape(t)}</FONT></TD></TR>' for t in lines)
    return html_label(f'<TABLE BORDER="1" STYLE="ROUNDED" COLOR="{colour}" BGCOLOR="#ffffff" CELLBORDER="0" '
                      f'CELLSPACING="0" CELLPADDING="3"><TR><TD ALIGN="LEFT"><B>{html_escape(name)}</B> '
                      f'<FONT POINT-SIZE="9" COLOR="{colour}">{html_escape(role)}</FONT></TD></TR>{body}</TABLE>')


def _bond(g: _Graph, k: int, pv: GuestPairView, standby: DeviceInfo | None, primary: DeviceInfo | None, *,
          duplicate: bool) -> None:
    master_name, primary_name = f"ens{10 + 2 * k}", f"ens{11 + 2 * k}"
    g.emit(f"subgraph cluster_bond{k} {{", 2)
    heading = (f"pair {pv.standby_id} ← {pv.primary_id}" if pv.paired
               else f"{pv.primary_id}: no pair ({pv.standby_id!r} names no NIC)" if pv.pair.persistent is None
               else f"{pv.primary_id}: no pair ({pv.standby_id!r} has no failover=on)")
    g.emit("graph " + attr_list({"label": html_label(f"<B>{html_escape(heading)}</B>"),
                                 "style": "rounded", "color": "#b8c8b8", "margin": "8"}) + ";", 3)
    roles = {n.role: n for n in pv.netdevs}
    master = roles.get("master")
    if master is not None and not duplicate:
        refused = pv.refused_at_startup
        carrier = {"vf": ("VF (fast path)", COLOURS["primary_line"]), "virtio": ("virtio (slow path)",
                   COLOURS["standby_line"]), "none": ("none, the VM does not start" if refused else "none",
                                                      COLOURS["error"])}[pv.carrier]
        g.masters.append(f"g{k}_master")
        facts = [f"MAC {master.mac or '(generated)'}", "holds the IP address", f"traffic: {carrier[0]}"]
        g.emit(node(f"g{k}_master", {"label": _netdev_label(master_name, "net_failover master", facts, carrier[1]),
                                     "tooltip": pv.carrier_reason}), 3)
    sb = roles.get("standby")
    if sb is not None and not duplicate:
        _standby_netdev(g, k, sb, master_name, has_master=master is not None, device=standby)
    pr = roles.get("primary")
    primary_node = f"g{k}_primary"
    if pr is not None:
        role = "primary" if pv.paired else "an ordinary NIC, not failover-managed"
        g.emit(node(primary_node, {"label": _netdev_label(primary_name, role, [
            f"VF driver · MAC {pr.mac or 'set on the host'}"], COLOURS["primary_line"]), "tooltip": pr.note}), 3)
        if primary is not None:
            g.crossing.append(edge(primary.node, primary_node, {"color": COLOURS["primary_line"]}))
        if master is not None and not duplicate:
            g.emit(edge(primary_node, f"g{k}_master", _enslave_attrs(pv, pr.mac, master.mac)), 3)
    elif pv.paired:
        why = "QEMU refuses to start the VM:" if pv.refused_at_startup else "QEMU never plugs the VF:"
        said = pv.placement.qemu_message or pv.carrier_reason
        g.emit(node(primary_node, {"label": html_label(
            f'<TABLE BORDER="1" STYLE="ROUNDED,DASHED" COLOR="{COLOURS["error"]}" CELLBORDER="0" CELLPADDING="3">'
            f'<TR><TD><FONT COLOR="{COLOURS["error"]}"><B>no VF netdev</B><BR/>{html_escape(why)}<BR/>'
            f"<I>{html_escape(said)}</I></FONT></TD>"
            "</TR></TABLE>"), "tooltip": pv.placement.explanation}), 3)
        if primary is not None:
            g.crossing.append(edge(primary.node, primary_node, {"label": "never plugged", "style": "dashed",
                                                                "color": COLOURS["error"]}))
    if duplicate:
        g.emit(node(f"g{k}_dup", {"label": html_label(
            f'<FONT COLOR="{COLOURS["error"]}">✖ a second primary for {html_escape(pv.standby_id)}:<BR/>'
            "QEMU refuses to start</FONT>")}), 3)
        g.emit(edge(primary_node, f"g{k}_dup", {"style": "invis"}), 3)
    g.emit("}", 2)


def _enslave_attrs(pv: GuestPairView, vf_mac: str | None, virtio_mac: str | None) -> dict[str, str | Html]:
    if pv.enslaved is True:
        return {"label": html_label(f'<FONT COLOR="{COLOURS["ok"]}">primary · MACs match ✔</FONT>'),
                "color": COLOURS["ok"], "penwidth": "1.6"}
    if pv.enslaved is False:
        text = (f"✖ MAC {vf_mac} ≠ {virtio_mac}" if vf_mac and virtio_mac else "✖ MAC differs")
        return {"label": html_label(f'<FONT COLOR="{COLOURS["error"]}"><B>{html_escape(text)}</B><BR/>'
                                    "not enslaved</FONT>"),
                "color": COLOURS["error"], "style": "dashed", "penwidth": "2"}
    return {"label": html_label(f'<FONT COLOR="{COLOURS["warning"]}">⚠ enslaved only if the admin<BR/>'
                                f"sets the VF MAC to {html_escape(virtio_mac or 'the virtio MAC')}</FONT>"),
            "color": COLOURS["warning"], "style": "dashed"}
