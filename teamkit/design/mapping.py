"""From a parsed domain back to a :class:`PairDesign`, saying what the design cannot express."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Final

from teamkit.design.spec import MAX_PAIRS, NIC_MODELS, PERSISTENT_TYPES, PairDesign
from teamkit.model import Domain, Hostdev, Interface, Network, PciAddress
from teamkit.pairs import find_pairs

__all__ = ["MappedDesign", "design_from_domain"]

#: interface settings the design has no control for: (model attribute, what to call it)
_UNMAPPED_SETTINGS: Final = (
    ("driver", "<driver>"), ("mtu", "<mtu>"), ("vlan_tags", "<vlan>"), ("boot", "<boot>"),
    ("link_state", "<link>"), ("address", "guest <address>"), ("rom", "<rom>"), ("bandwidth", "<bandwidth>"),
    ("coalesce", "<coalesce>"), ("acpi_index", "<acpi index>"), ("virtualport_type", "<virtualport>"),
)


@dataclass(frozen=True)
class MappedDesign:
    """A design read from a domain, and one sentence for everything it leaves out or changes."""

    design: PairDesign
    notes: tuple[str, ...]


def _vf_text(address: PciAddress | None) -> str | None:
    if address is None or None in (address.bus, address.slot, address.function):
        return None
    return address.host_string()


def _set_settings(dev: Interface | Hostdev, what: str) -> list[str]:
    found = []
    for attr, label in _UNMAPPED_SETTINGS:
        value = getattr(dev, attr, None)
        if attr == "driver" and isinstance(dev, Interface):
            value = dev.driver.name or dev.driver.queues or dev.driver.attrs or dev.driver.host or dev.driver.guest
        if value:
            found.append(label)
    if not found:
        return []
    return [f"{what}: {', '.join(found)} not mapped (the builder does not set them)"]


def _persistent(design: PairDesign, iface: Interface, notes: list[str]) -> PairDesign:
    changes: dict[str, object] = {}
    if iface.type in PERSISTENT_TYPES:
        changes["persistent_type"] = iface.type
        source = {
            "bridge": iface.source.bridge, "network": iface.source.network, "direct": iface.source.dev,
            "ethernet": iface.target_dev, "user": "",
        }[iface.type]
        changes["persistent_source"] = source or ""
        if iface.type == "direct" and iface.source.mode not in (None, "bridge"):
            notes.append(f"persistent NIC: macvtap mode '{iface.source.mode}' not mapped (the builder writes bridge)")
    else:
        notes.append(f"persistent NIC: type '{iface.type}' not mapped (the builder offers "
                     f"{', '.join(PERSISTENT_TYPES)}); kept as '{design.persistent_type}'")
    if iface.model is None:
        notes.append("persistent NIC: no <model> (libvirt gives x86 NICs rtl8139); shown as rtl8139")
        changes["model"] = "rtl8139"
    elif iface.model.lower() in NIC_MODELS:
        changes["model"] = iface.model.lower()
    else:
        notes.append(f"persistent NIC: model '{iface.model}' not mapped; kept as '{design.model}'")
    if iface.mac is None:
        notes.append(f"persistent NIC: no <mac> (libvirt would generate one); shown as {design.mac}")
    else:
        changes["mac"] = iface.mac
    if iface.alias_written is None:
        notes.append(f"persistent NIC: no <alias>; shown as '{design.alias}'")
    else:
        changes["alias"] = iface.alias_written
    notes.extend(_set_settings(iface, "persistent NIC"))
    return replace(design, **changes)  # type: ignore[arg-type]


def _transient(design: PairDesign, dev: Interface | Hostdev, networks: Mapping[str, Network],
               notes: list[str]) -> PairDesign:
    changes: dict[str, object] = {}
    if isinstance(dev, Hostdev):
        changes["transient"] = "plain-hostdev"
        vf = _vf_text(dev.pci)
        changes["managed"] = dev.managed == "yes"
    elif dev.type == "network":
        changes["transient"] = "hostdev-network"
        changes["pool_network"] = dev.source.network or ""
        changes["managed"] = True
        net = networks.get(dev.source.network or "")
        vf = _vf_text(net.pool[0]) if net is not None and net.pool else None
        if net is None:
            notes.append(f"network '{dev.source.network}' was not given, so its VFs are unknown; the pool is "
                         f"shown with VF {design.vf_address}")
        elif net.forward_managed is not None:
            changes["managed"] = net.forward_managed == "yes"
    elif dev.type == "hostdev":
        changes["transient"] = "interface-hostdev"
        vf = _vf_text(dev.source.pci)
        changes["managed"] = dev.managed == "yes"
    else:
        notes.append(f"transient device: type '{dev.type}' is not a VF (libvirt refuses it); shown as "
                     "<interface type='hostdev'>")
        vf = None
    if vf is not None:
        changes["vf_address"] = vf
    if isinstance(dev, Interface) and dev.mac is not None and dev.mac.lower() != design.mac.lower():
        notes.append(f"transient device: MAC {dev.mac} differs from the persistent NIC's; the builder writes "
                     f"{design.mac} on both")
    if dev.alias_written is not None:
        notes.append(f"transient device: alias '{dev.alias_written}' not mapped (the builder lets libvirt name it)")
    notes.extend(_set_settings(dev, "transient device"))
    return replace(design, **changes)  # type: ignore[arg-type]


def design_from_domain(domain: Domain, *, networks: Mapping[str, Network] | None = None,
                       base: PairDesign | None = None) -> MappedDesign:
    """The design closest to ``domain``: machine, ACPI, the first pair's members and the number of pairs.

    Every setting the design cannot hold gets a note; unmapped settings keep the values of ``base``.
    """
    nets = dict(networks or {})
    design = base or PairDesign()
    notes: list[str] = []
    machine = domain.machine or ""
    kind = "q35" if domain.is_q35 else "pc"
    if machine not in ("q35", "pc"):
        notes.append(f"machine '{machine or '(none)'}' is shown as '{kind}'")
    design = replace(design, name=domain.name or design.name, machine=kind, acpi=domain.acpi)
    if domain.arch not in (None, "x86_64"):
        notes.append(f"architecture '{domain.arch}' not mapped (the builder writes x86_64)")
    pairs = find_pairs(domain)
    if not pairs:
        notes.append("no failover pair (<teaming type='transient'>) found; the pair controls keep their defaults")
        return MappedDesign(design, tuple(notes))
    first = pairs[0]
    if first.persistent is None:
        notes.append(f"the transient device names persistent='{first.pair_id}', which no interface has; the "
                     "persistent NIC controls keep their defaults")
    else:
        design = _persistent(design, first.persistent, notes)
    design = _transient(design, first.transient, nets, notes)
    count = min(len(pairs), MAX_PAIRS)
    if len(pairs) > MAX_PAIRS:
        notes.append(f"{len(pairs)} pairs: the builder holds at most {MAX_PAIRS}")
    if len(pairs) > 1:
        notes.append("the builder writes every pair like the first one (aliases, MACs and VFs counting up)")
    design = replace(design, pairs=count)
    members = {id(p.transient) for p in pairs} | {id(p.persistent) for p in pairs if p.persistent is not None}
    spare_ifaces = [i for i in domain.interfaces if id(i) not in members]
    spare_hostdevs = [h for h in domain.hostdevs if id(h) not in members]
    if spare_ifaces or spare_hostdevs:
        notes.append(f"{len(spare_ifaces)} interface(s) and {len(spare_hostdevs)} hostdev(s) outside the pairs "
                     "are left out")
    if domain.others:
        kinds = ", ".join(dict.fromkeys(o.kind for o in domain.others))
        notes.append(f"{len(domain.others)} other device(s) ({kinds}) are left out")
    if domain.controllers:
        notes.append(f"{len(domain.controllers)} <controller>(s) are left out (libvirt adds what it needs)")
    if domain.os_boot:
        notes.append("<os><boot dev=…/> is left out")
    return MappedDesign(design, tuple(notes))
