"""QEMU ids as libvirt assigns them (``qemu_alias.c``): user aliases, then ``netN`` and ``hostdevN``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from teamkit.model import Domain

__all__ = ["DeviceIds", "assign_ids"]


@dataclass(frozen=True)
class DeviceIds:
    """The QEMU id of every interface and every plain hostdev, by position."""

    interfaces: tuple[str, ...]
    hostdevs: tuple[str, ...]

    def netdev(self, index: int) -> str:
        """The ``-netdev`` id of interface ``index``: ``host`` + its alias."""
        return "host" + self.interfaces[index]


def _index(alias: str, prefix: str) -> int | None:
    rest = alias[len(prefix):]
    if not alias.startswith(prefix) or not rest or not (rest.isdigit() or (rest[0] in "+-" and rest[1:].isdigit())):
        return None
    return int(rest)


def assign_ids(domain: Domain, actual_types: Sequence[str | None]) -> DeviceIds:
    """``qemuAssignDeviceAliases``: interfaces first (hostdev-actual ones take ``hostdevN``), then plain hostdevs.

    ``actual_types`` are the interface types after network resolution (``None`` when unknown: treated as not
    hostdev).
    """
    net_ids: list[str | None] = [i.alias for i in domain.interfaces]
    host_ids: list[str | None] = [h.alias for h in domain.hostdevs]

    def highest(prefix: str, *pools: Sequence[str | None]) -> int | None:
        numbers = [n for pool in pools for a in pool if a is not None
                   for n in (_index(a, prefix),) if n is not None]
        return max(numbers) if numbers else None

    top = {"hostdev": highest("hostdev", host_ids, net_ids), "net": highest("net", net_ids)}

    def next_id(prefix: str) -> str:
        last = top[prefix]
        number = 0 if last is None else last + 1
        top[prefix] = number
        return f"{prefix}{number}"

    for i, _iface in enumerate(domain.interfaces):
        if net_ids[i] is not None:
            continue
        net_ids[i] = next_id("hostdev" if actual_types[i] == "hostdev" else "net")
    for j in range(len(host_ids)):
        if host_ids[j] is None:
            host_ids[j] = next_id("hostdev")
    return DeviceIds(
        interfaces=tuple(a or "" for a in net_ids),
        hostdevs=tuple(a or "" for a in host_ids),
    )
