"""What a Linux guest sees of each failover pair: the net_failover master, the standby, the VF, and what goes wrong."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from teamkit.failover.errors import NoFailoverPairError
from teamkit.failover.placement import PrimaryPlacement, primary_placement
from teamkit.failover.tables import LINUX_FAILOVER_SINCE
from teamkit.libvirt.aliases import assign_ids
from teamkit.model import Domain, Hostdev, Interface, TeamingType
from teamkit.pairs import Pair, find_pairs, persistent_members

__all__ = [
    "Carrier",
    "GuestNetdev",
    "GuestPairView",
    "GuestProblem",
    "GuestProfile",
    "GuestStandbyView",
    "GuestView",
    "guest_view",
    "primary_qemu_ids",
]

#: which device carries the master's traffic
Carrier = Literal["vf", "virtio", "none"]
Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True, kw_only=True)
class GuestProfile:
    """The guest operating system, as far as failover cares."""

    #: Linux (major, minor)
    kernel: tuple[int, int] = (6, 1)
    #: virtio_net built with net_failover (``CONFIG_VIRTIO_NET`` selects ``NET_FAILOVER``)
    net_failover: bool = True

    @property
    def negotiates_standby(self) -> bool:
        """True when virtio_net accepts ``VIRTIO_NET_F_STANDBY`` (Linux ≥ 4.18 with net_failover)."""
        return self.net_failover and self.kernel >= LINUX_FAILOVER_SINCE

    @property
    def has_virtio_net(self) -> bool:
        """False for Linux ≥ 4.18 without net_failover: virtio_net.ko depends on net_failover, so it cannot load
        and the guest has no virtio NIC at all (measured in teamkit lab guest-no-failover)."""
        return self.net_failover or self.kernel < LINUX_FAILOVER_SINCE


@dataclass(frozen=True)
class GuestProblem:
    """Something that keeps the guest off the fast path, with the fact it rests on."""

    code: str
    severity: Severity
    message: str
    source: str


@dataclass(frozen=True)
class GuestNetdev:
    """One Linux netdev of the 3-netdev model; ``example_name`` follows net_failover.rst (udev decides)."""

    role: Literal["master", "standby", "primary"]
    example_name: str
    driver: str
    mac: str | None
    qemu_id: str | None
    #: for the primary: whether net_failover enslaves it (``None``: teamkit cannot know)
    enslaved: bool | None
    note: str


@dataclass(frozen=True)
class GuestPairView:
    """One pair as the guest sees it before any migration."""

    pair: Pair
    standby_id: str
    primary_id: str
    placement: PrimaryPlacement
    #: QEMU plugs the primary into the guest at all (STANDBY negotiated and the bus can hot-plug it)
    primary_plugged: bool
    enslaved: bool | None
    carrier: Carrier
    carrier_reason: str
    netdevs: tuple[GuestNetdev, ...]
    problems: tuple[GuestProblem, ...]

    @property
    def paired(self) -> bool:
        """QEMU pairs the two: the named interface exists and is a persistent member (rendered ``failover=on``)."""
        return self.pair.persistent is not None and _is_persistent(self.pair.persistent)

    @property
    def refused_at_startup(self) -> bool:
        """QEMU refuses the hidden primary's -device line, so the domain does not start (only a paired primary is
        hidden; an unpaired one is an ordinary NIC whatever its bus)."""
        return self.paired and self.placement.outcome == "refused-at-startup"


@dataclass(frozen=True)
class GuestStandbyView:
    """A persistent member (virtio with ``failover=on``) that no transient names by its QEMU id.

    QEMU still offers STANDBY, so a failover-capable guest builds its own net_failover master over the standby;
    no primary ever joins it.
    """

    standby: Interface
    standby_id: str
    carrier: Carrier
    carrier_reason: str
    netdevs: tuple[GuestNetdev, ...]
    problems: tuple[GuestProblem, ...]


@dataclass(frozen=True)
class GuestView:
    """Every pair of a domain as a given guest sees it, and the persistent members no transient names."""

    guest: GuestProfile
    pairs: tuple[GuestPairView, ...]
    unpaired: tuple[GuestStandbyView, ...] = ()


def _actual_types(domain: Domain) -> list[str]:
    """Interface types after network resolution, as far as the XML tells: a transient ``type='network'``
    interface counts as hostdev because libvirt requires its actual type to be hostdev (libvirt-teaming.md Q3);
    other network interfaces are taken as not hostdev."""
    return [
        "hostdev" if i.type == "hostdev" or (i.type == "network" and i.teaming is not None
                                               and i.teaming.type is TeamingType.TRANSIENT) else i.type
        for i in domain.interfaces
    ]


def primary_qemu_ids(domain: Domain) -> dict[int, str]:
    """QEMU ids of interfaces and plain hostdevs as libvirt assigns them, keyed by ``id()`` of the model object.

    A transient ``type='network'`` interface counts as hostdev because libvirt requires its actual type to be
    hostdev (libvirt-teaming.md Q3); other network interfaces are taken as not hostdev.
    """
    ids = assign_ids(domain, _actual_types(domain))
    found = {id(i): qid for i, qid in zip(domain.interfaces, ids.interfaces, strict=True)}
    found.update({id(h): qid for h, qid in zip(domain.hostdevs, ids.hostdevs, strict=True)})
    return found


def guest_view(domain: Domain, *, guest: GuestProfile | None = None) -> GuestView:
    """The guest's view of every failover pair; raises :class:`NoFailoverPairError` when there is none.

    Pairs are matched as QEMU matches them: a transient's ``persistent=`` string against the QEMU id of every
    interface (its user alias, else the automatic ``netN``/``hostdevN`` libvirt assigns).
    """
    profile = guest if guest is not None else GuestProfile()
    ids = primary_qemu_ids(domain)
    pairs = find_pairs(domain, [(i, ids[id(i)]) for i in domain.interfaces])
    if not pairs:
        raise NoFailoverPairError(domain.name)
    named = {id(p.persistent) for p in pairs if p.persistent is not None}
    return GuestView(
        guest=profile,
        pairs=tuple(_pair_view(domain, p, ids.get(id(p.transient), "hostdev"), profile) for p in pairs),
        unpaired=tuple(_standby_view(s, ids[id(s)], profile) for s in persistent_members(domain)
                       if id(s) not in named),
    )


def _is_persistent(iface: Interface) -> bool:
    return iface.teaming is not None and iface.teaming.type is TeamingType.PERSISTENT


def _no_nic_problem(standby_id: str) -> GuestProblem:
    return GuestProblem(
        "guest-no-failover", "error",
        f"the guest has no net_failover, and from Linux 4.18 virtio_net.ko depends on net_failover, so virtio_net "
        f"cannot load: the guest has no NIC for {standby_id!r} at all, never negotiates STANDBY, and QEMU never "
        "plugs the primary (measured in teamkit lab guest-no-failover)",
        "real-failover-lab.md §1 (virtio_net depends=net_failover); qemu-failover.md Key fact 8, §7 F1",
    )


def _standby_view(standby: Interface, standby_id: str, guest: GuestProfile) -> GuestStandbyView:
    """A persistent member nobody pairs with: its own master over the standby, no primary."""
    problem = GuestProblem(
        "standby-unpaired", "warning",
        f"no transient device names {standby_id!r} (persistent= is matched against QEMU ids): QEMU still "
        "renders it with failover=on, so the guest builds a net_failover master with this standby and no primary",
        "qemu-failover.md §2, §6; libvirt-teaming.md §3.1",
    )
    if not guest.has_virtio_net:
        return GuestStandbyView(
            standby=standby, standby_id=standby_id, carrier="none",
            carrier_reason="no NIC: virtio_net cannot load without net_failover",
            netdevs=(), problems=(problem, _no_nic_problem(standby_id)),
        )
    netdevs: list[GuestNetdev] = []
    if guest.negotiates_standby:
        netdevs.append(GuestNetdev(
            role="master", example_name="ens10", driver="net_failover", mac=standby.mac, qemu_id=None,
            enslaved=None, note="created by virtio_net because STANDBY is offered; it never gets a primary",
        ))
    netdevs.append(GuestNetdev(
        role="standby", example_name="ens10nsby" if guest.negotiates_standby else "ens10", driver="virtio_net",
        mac=standby.mac, qemu_id=standby_id, enslaved=None,
        note="the only slave of its master" if guest.negotiates_standby else "a plain virtio NIC",
    ))
    return GuestStandbyView(
        standby=standby, standby_id=standby_id, carrier="virtio",
        carrier_reason=("a failover master with the virtio standby only" if guest.negotiates_standby
                        else "a plain virtio NIC"),
        netdevs=tuple(netdevs), problems=(problem,),
    )


def _pair_view(domain: Domain, pair: Pair, primary_id: str, guest: GuestProfile) -> GuestPairView:
    placement = primary_placement(domain, pair.transient)
    problems: list[GuestProblem] = []
    standby = pair.persistent
    if standby is None or not _is_persistent(standby):
        if standby is None:
            problems.append(GuestProblem(
                "dangling-pair", "error",
                f"no interface has QEMU id {pair.pair_id!r} (a ua- alias, or the automatic netN libvirt assigns): "
                "QEMU finds no standby with that id, so it does not hide the primary; the VF is an ordinary NIC "
                "from boot and nothing fails over",
                "qemu-failover.md §2 (failover_hide_primary_device, step 3)",
            ))
        else:
            problems.append(GuestProblem(
                "pair-target-not-persistent", "error",
                f"{pair.pair_id!r} has no <teaming type='persistent'/>, so libvirt renders it without failover=on: "
                "QEMU does not hide the primary; the VF is an ordinary NIC from boot and nothing fails over",
                "qemu-failover.md Key fact 2, §2; libvirt-teaming.md §3.1",
            ))
        return GuestPairView(
            pair=pair, standby_id=pair.pair_id, primary_id=primary_id, placement=placement, primary_plugged=True,
            enslaved=False, carrier="vf", carrier_reason="the VF is an ordinary NIC, not failover-managed",
            netdevs=(_primary_netdev(pair, primary_id, enslaved=False),), problems=tuple(problems),
        )
    negotiates = guest.negotiates_standby
    no_nic = not guest.has_virtio_net
    if no_nic:
        problems.append(_no_nic_problem(pair.pair_id))
    elif not negotiates:
        problems.append(GuestProblem(
            "guest-kernel-too-old", "error",
            f"Linux {guest.kernel[0]}.{guest.kernel[1]} predates net_failover (4.18): virtio_net does not negotiate "
            "STANDBY, QEMU never plugs the primary, and the guest runs on virtio only (F1)",
            "qemu-failover.md Key fact 9, §5",
        ))
    outcome = placement.outcome
    if outcome != "plugs":
        if outcome == "refused-at-startup":
            said = f"QEMU refuses the primary's -device line with {placement.qemu_message!r}; the domain does not start"
        else:
            said = (f"when the guest negotiates STANDBY, QEMU only warns {placement.qemu_message!r}; the primary is "
                    "never plugged and the guest runs on virtio only")
        problems.append(GuestProblem(
            "primary-not-hotpluggable", "error", f"{placement.explanation}. {said[0].upper()}{said[1:]}",
            "qemu-failover.md §3, §7 F5; teamkit lab primary-on-root-bus, primary-on-pci0",
        ))
    enslaved, mac_problems = _mac_match(standby, pair.transient)
    problems.extend(mac_problems)
    plugged = negotiates and outcome == "plugs"
    carrier: Carrier
    if outcome == "refused-at-startup":
        carrier, reason = "none", "QEMU refuses the primary's -device line, so the VM never runs"
    elif no_nic:
        carrier, reason = "none", ("no NIC on this pair: without net_failover a Linux ≥ 4.18 guest cannot load "
                                   "virtio_net, and QEMU never plugs the primary")
    elif not plugged:
        carrier, reason = "virtio", "the primary is never plugged into the guest; virtio carries everything"
    elif enslaved is False:
        carrier, reason = "virtio", "the VF is plugged but not enslaved (MACs differ); the master uses virtio"
    elif enslaved is None:
        carrier, reason = "vf", "the VF, provided its MAC was set to the standby's MAC"
    else:
        carrier, reason = "vf", "net_failover transmits through the enslaved VF (active-backup, primary preferred)"
    netdevs: list[GuestNetdev] = []
    if negotiates:
        netdevs.append(GuestNetdev(
            role="master", example_name="ens10", driver="net_failover", mac=standby.mac, qemu_id=None, enslaved=None,
            note="created by virtio_net when STANDBY is negotiated; the IP address lives here",
        ))
    if not no_nic:
        netdevs.append(GuestNetdev(
            role="standby", example_name="ens10nsby" if negotiates else "ens10", driver="virtio_net",
            mac=standby.mac, qemu_id=pair.pair_id, enslaved=None,
            note="the virtio standby, 'master ens10'" if negotiates else "a plain virtio NIC (no failover master)",
        ))
    if plugged:
        netdevs.append(_primary_netdev(pair, primary_id, enslaved=enslaved))
    return GuestPairView(
        pair=pair, standby_id=pair.pair_id, primary_id=primary_id, placement=placement, primary_plugged=plugged,
        enslaved=enslaved if plugged else False, carrier=carrier, carrier_reason=reason, netdevs=tuple(netdevs),
        problems=tuple(problems),
    )


def _primary_netdev(pair: Pair, primary_id: str, *, enslaved: bool | None) -> GuestNetdev:
    mac = pair.transient.mac if isinstance(pair.transient, Interface) else None
    note = {
        True: "the VF primary, 'master ens10'; preferred while present",
        False: "the VF as an independent NIC: net_failover does not enslave it",
        None: "the VF; enslaved only if its permanent MAC equals the standby's",
    }[enslaved]
    return GuestNetdev(
        role="primary", example_name="ens11", driver="VF driver (iavf, mlx5_core, ixgbevf, …)", mac=mac,
        qemu_id=primary_id, enslaved=enslaved, note=note,
    )


def _mac_match(standby: Interface, transient: Interface | Hostdev) -> tuple[bool | None, list[GuestProblem]]:
    """Whether net_failover pairs the VF with the standby by permanent MAC (qemu-failover.md §6 Pairing)."""
    problems: list[GuestProblem] = []
    if standby.mac is None:
        problems.append(GuestProblem(
            "standby-mac-missing", "warning",
            "the virtio NIC has no <mac>: libvirt generates a random 52:54:00 address at define time, which the "
            "VF's MAC must then equal; write the same <mac> on both members",
            "libvirt-teaming.md §7 NB2; qemu-failover.md §6",
        ))
    if isinstance(transient, Hostdev):
        target = standby.mac or "the virtio NIC's MAC"
        problems.append(GuestProblem(
            "primary-mac-admin", "warning",
            f"a plain <hostdev> carries no MAC and libvirt does not set the VF's MAC: the admin must set it to "
            f"{target} on the PF (ip link set PF vf N mac …), or the guest never enslaves the VF",
            "libvirt-teaming.md §3.2, §7; qemu-failover.md §6",
        ))
        return None, problems
    if transient.mac is None:
        problems.append(GuestProblem(
            "primary-mac-missing", "error",
            "the transient interface has no <mac>: libvirt generates a random one and sets it on the VF through "
            "the PF, so it cannot equal the virtio MAC and the guest never enslaves the VF; give it the virtio "
            "NIC's MAC",
            "libvirt-teaming.md §3.2; qemu-failover.md §6",
        ))
        return False, problems
    if standby.mac is None:
        return False, problems
    if standby.mac.lower() != transient.mac.lower():
        problems.append(GuestProblem(
            "mac-mismatch", "error",
            f"virtio MAC {standby.mac} ≠ VF MAC {transient.mac}: net_failover pairs by permanent MAC, so the guest "
            "never enslaves the VF; it becomes an independent NIC and the master stays on virtio (libvirt does "
            "not enforce equal MACs)",
            "qemu-failover.md §6; libvirt-teaming.md §7 NB2; real-failover-lab.md §5 D1",
        ))
        return False, problems
    return True, problems
