"""The history of virtio-net failover across Linux, QEMU and libvirt: one table of milestones, oldest first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = ["MILESTONES", "Milestone", "milestones"]


@dataclass(frozen=True)
class Milestone:
    """A release that changed what a failover pair is or how it is written."""

    component: str
    version: str
    #: release date (``YYYY-MM-DD`` or ``YYYY-MM``; empty when the sources give none)
    date: str
    change: str
    #: who wrote it, where the sources say
    author: str
    source: str


MILESTONES: Final[tuple[Milestone, ...]] = (
    Milestone("Linux", "4.18", "2018-08",
              "net_failover and virtio_net's STANDBY feature: the guest bonds a virtio NIC and a VF with the same "
              "MAC (the 3-netdev model)", "", "qemu-failover.md §5, §6"),
    Milestone("QEMU", "4.2", "2019-12",
              "virtio-net-pci 'failover' and the PCI 'failover_pair_id' property; the primary stays hidden until "
              "the guest negotiates STANDBY; the 'wait-unplug' migration state; the UNPLUG_PRIMARY and "
              "FAILOVER_NEGOTIATED events", "Jens Freimann", "qemu-failover.md §5"),
    Milestone("libvirt", "6.1.0", "2020-03-03",
              "<teaming type='persistent'/> and <teaming type='transient' persistent='ALIAS'/> on <interface> "
              "(series 'Support virtio-net failover (teaming)', committed 2020-01-29); migration allowed with a "
              "transient hostdev", "Laine Stump", "libvirt-teaming.md §6"),
    Milestone("QEMU", "6.1", "",
              "q35 uses ACPI PCI hotplug by default (no 5 s attention-button wait); after migrate_cancel QEMU waits "
              "up to 30 s for a pending unplug", "", "qemu-failover.md §5, Key fact 10"),
    Milestone("libvirt", "7.1.0", "2021-03-01",
              "<teaming> on a plain <hostdev> (for VFs whose MAC libvirt cannot set, e.g. unprivileged)",
              "Laine Stump", "libvirt-teaming.md §6"),
    Milestone("QEMU", "7.0", "",
              "libvirt writes -device as JSON ('failover':true, 'failover_pair_id':…)", "",
              "libvirt-teaming.md §6; teamkit.qemu.version"),
    Milestone("QEMU", "7.2", "", "libvirt writes -netdev as JSON too", "",
              "libvirt-teaming.md §6; teamkit.qemu.version"),
    Milestone("libvirt", "8.7.0", "2022-09-01",
              "support for QEMU older than 4.2 removed, and with it the 'not supported with this QEMU binary' error",
              "", "libvirt-teaming.md §6"),
    Milestone("QEMU", "9.2/10.0", "", "the 'device' migration state is always reported at the switchover", "",
              "qemu-failover.md §5"),
    Milestone("libvirt", "11.2.0", "", "QEMU 6.2 is the oldest QEMU libvirt accepts", "", "libvirt-teaming.md §6"),
    Milestone("libvirt", "12.4.0", "", "QEMU 7.2 is the oldest QEMU libvirt accepts, so -device and -netdev are "
              "always JSON", "", "libvirt-teaming.md §6"),
)


def milestones(component: str | None = None) -> tuple[Milestone, ...]:
    """The milestones, optionally of one component (``Linux``, ``QEMU`` or ``libvirt``)."""
    return tuple(m for m in MILESTONES if component is None or m.component == component)
