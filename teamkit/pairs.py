"""Failover pairs as libvirt will wire them: which transient device names which persistent NIC."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from teamkit.model import Domain, Hostdev, Interface, TeamingType

__all__ = ["Pair", "Transient", "effective_alias", "find_pairs", "persistent_members", "transient_members"]

#: a transient member is an ``<interface>`` (type hostdev or network) or a plain ``<hostdev>``
Transient = Interface | Hostdev


@dataclass(frozen=True)
class Pair:
    """One transient member and the persistent NIC it names (``None`` when the reference dangles)."""

    transient: Transient
    persistent: Interface | None
    #: the raw ``persistent=`` string that becomes ``failover_pair_id``
    pair_id: str


def effective_alias(dev: Interface | Hostdev) -> str | None:
    """The user alias libvirt keeps, or ``None`` when libvirt will assign ``netN``/``hostdevN``."""
    return dev.alias


def persistent_members(domain: Domain) -> tuple[Interface, ...]:
    """Interfaces carrying ``<teaming type='persistent'/>``."""
    return tuple(
        i for i in domain.interfaces if i.teaming is not None and i.teaming.type is TeamingType.PERSISTENT
    )


def transient_members(domain: Domain) -> tuple[Transient, ...]:
    """Interfaces then plain hostdevs carrying ``<teaming type='transient' …/>``."""
    found: list[Transient] = [
        i for i in domain.interfaces if i.teaming is not None and i.teaming.type is TeamingType.TRANSIENT
    ]
    found.extend(h for h in domain.hostdevs if h.teaming is not None and h.teaming.type is TeamingType.TRANSIENT)
    return tuple(found)


def find_pairs(domain: Domain, ids: Sequence[tuple[Interface, str]] = ()) -> tuple[Pair, ...]:
    """Pair every transient member with the persistent NIC whose QEMU id equals its ``persistent=`` string.

    ``ids`` maps interfaces to the QEMU ids libvirt gives them (user alias, else ``netN``); without it only user
    aliases are matched.
    """
    id_of = {id(iface): qid for iface, qid in ids}
    by_id: dict[str, Interface] = {}
    for iface in domain.interfaces:
        qid = id_of.get(id(iface), iface.alias)
        if qid is not None:
            by_id.setdefault(qid, iface)
    pairs = []
    for member in transient_members(domain):
        assert member.teaming is not None
        ref = member.teaming.persistent or ""
        pairs.append(Pair(transient=member, persistent=by_id.get(ref), pair_id=ref))
    return tuple(pairs)
