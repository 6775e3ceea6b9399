"""Resolving ``<interface type='network'>`` the way libvirt's network driver does: actual types and VF pools."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from teamkit.model import Domain, Interface, Network, PciAddress

__all__ = ["Resolution", "actual_type", "resolve_networks"]

_MACVTAP_MODES = ("private", "vepa", "passthrough")


def actual_type(iface: Interface, networks: Mapping[str, Network]) -> str | None:
    """The interface type after network resolution; ``None`` when its network is not known."""
    if iface.type != "network":
        return iface.type
    net = networks.get(iface.source.network or "")
    if net is None:
        return None
    mode = net.forward_mode
    if mode == "hostdev":
        return "hostdev"
    if mode in _MACVTAP_MODES or (mode == "bridge" and net.bridge is None):
        return "direct"
    if mode == "bridge":
        return "bridge"
    # nat, route, open, isolated (no <forward>): a libvirt-managed bridge, reported as type 'network'
    return "network"


@dataclass(frozen=True)
class Resolution:
    """Per interface (by position): the actual type, and the VF a hostdev pool handed out (or ``None``)."""

    actual_types: tuple[str | None, ...]
    pool_vfs: tuple[PciAddress | None, ...]
    #: networks named by interfaces but not supplied
    unknown_networks: tuple[str, ...]
    #: pools that ran out of VFs: (network name, interface index)
    exhausted: tuple[tuple[str, int], ...]


def resolve_networks(domain: Domain, networks: Mapping[str, Network]) -> Resolution:
    """Resolve every interface; hostdev pools hand out their VFs in document order, as libvirt allocates ports."""
    used: dict[str, int] = {}
    types: list[str | None] = []
    vfs: list[PciAddress | None] = []
    unknown: list[str] = []
    exhausted: list[tuple[str, int]] = []
    for index, iface in enumerate(domain.interfaces):
        kind = actual_type(iface, networks)
        types.append(kind)
        vf = None
        if iface.type == "network":
            name = iface.source.network or ""
            net = networks.get(name)
            if net is None:
                if name not in unknown:
                    unknown.append(name)
            elif kind == "hostdev":
                n = used.get(name, 0)
                if n < len(net.pool):
                    vf = net.pool[n]
                    used[name] = n + 1
                else:
                    exhausted.append((name, index))
        vfs.append(vf)
    return Resolution(tuple(types), tuple(vfs), tuple(unknown), tuple(exhausted))
