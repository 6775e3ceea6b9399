"""Parsing the lab guest's serial console: ``/init``'s ``LAB``, ``NET`` and ``PING`` lines and the kernel's own.

>>> parse_line("PING 6.25 64 bytes from 10.0.2.2: seq=1 ttl=255 time=2.757 ms")
PingReply(uptime=6.25, seq=1, rtt_ms=2.757)
>>> kernel_milestone("virtio_net virtio0 eth0: failover primary slave:eth2 unregistered")
'primary-unregistered'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

__all__ = ["PRIMARY_PCI", "KernelLine", "LabLine", "NetLine", "Netdev", "PingReply", "kernel_milestone",
           "parse_line"]

#: where the primary sits in the guest: its own root port, bus 2 (real-failover-lab.md §2)
PRIMARY_PCI: Final = "0000:02:00.0"

_LAB: Final = re.compile(r"^LAB (\d+(?:\.\d+)?) (.*)$")
_NET: Final = re.compile(r"^NET (\d+(?:\.\d+)?) (.*?)(?: active=(\S+))?$")
_NETDEV: Final = re.compile(r"([\w.-]+)\[([^,\]]*),([0-9a-f:]+),(\w+)((?:,master=[\w.-]+)?)((?:,lowers=[\w.+-]+)?)"
                            r",rx=(\d+),tx=(\d+)\]")
_PING: Final = re.compile(r"^PING (\d+(?:\.\d+)?) \d+ bytes from \S+: seq=(\d+) ttl=\d+ time=([\d.]+) ms")
_KERNEL: Final = re.compile(r"^\[\s*(\d+\.\d+)\] (.*)$")


@dataclass(frozen=True)
class LabLine:
    """``LAB <uptime> <message>`` from ``/init``."""

    uptime: float
    message: str


@dataclass(frozen=True)
class Netdev:
    """One netdev of a ``NET`` line: ``eth2[e1000e,52:54:…,up,master=eth0,rx=3,tx=5]``."""

    name: str
    driver: str
    mac: str
    state: str
    master: str | None
    lowers: tuple[str, ...]
    rx: int
    tx: int


@dataclass(frozen=True)
class NetLine:
    """The guest's topology at one moment; ``active`` is the slave whose TX grew most (``None``: none did)."""

    uptime: float
    netdevs: tuple[Netdev, ...]
    active: str | None

    @property
    def master(self) -> Netdev | None:
        return next((n for n in self.netdevs if n.lowers), None)

    def slaves(self) -> tuple[Netdev, ...]:
        master = self.master
        return () if master is None else tuple(n for n in self.netdevs if n.master == master.name)

    @property
    def standby(self) -> Netdev | None:
        return next((n for n in self.slaves() if n.driver == "virtio_net"), None)

    @property
    def primary(self) -> Netdev | None:
        return next((n for n in self.slaves() if n.driver != "virtio_net"), None)

    def signature(self) -> str:
        """What a reader cares about: roles, drivers, states, and which slave carries TX."""
        if not self.netdevs:
            return "(no netdev)"
        master, standby, primary = self.master, self.standby, self.primary
        if master is None:
            return " ".join(f"{n.name}({n.driver},{n.state})" for n in self.netdevs) + " (no failover master)"
        parts = [f"master {master.name}({master.state})"]
        parts.append(f"standby {standby.name}({standby.state})" if standby else "standby -")
        parts.append(f"primary {primary.name}({primary.driver},{primary.state})" if primary else "primary -")
        parts.append(f"active {self.active or '-'}")
        return ", ".join(parts)


@dataclass(frozen=True)
class PingReply:
    """One echo reply the guest's ping printed."""

    uptime: float
    seq: int
    rtt_ms: float


@dataclass(frozen=True)
class KernelLine:
    """A kernel message: ``[  5.03] text``."""

    uptime: float
    message: str


Parsed = LabLine | NetLine | PingReply | KernelLine


def parse_line(text: str) -> Parsed | None:
    """The structured form of one console line, or ``None`` for anything else (ping's banner, garbled lines)."""
    text = text.rstrip("\r\n")
    if (m := _KERNEL.match(text)) is not None:
        return KernelLine(float(m[1]), m[2])
    if (m := _PING.match(text)) is not None:
        return PingReply(float(m[1]), int(m[2]), float(m[3]))
    if (m := _NET.match(text)) is not None:
        netdevs = tuple(
            Netdev(name=d[0], driver=d[1], mac=d[2], state=d[3], master=d[4].partition("=")[2] or None,
                   lowers=tuple(d[5].partition("=")[2].split("+")) if d[5] else (), rx=int(d[6]), tx=int(d[7]))
            for d in _NETDEV.findall(m[2])
        )
        active = m[3] if m[3] and m[3] != "-" else None
        return NetLine(float(m[1]), netdevs, active)
    if (m := _LAB.match(text)) is not None:
        return LabLine(float(m[1]), m[2])
    return None


_MILESTONES: Final = (
    ("primary-unregistered", re.compile(r"failover primary slave:\S+ unregistered")),
    ("primary-registered", re.compile(r"failover primary slave:\S+ registered")),
    ("standby-registered", re.compile(r"failover standby slave:\S+ registered")),
    ("standby-unregistered", re.compile(r"failover standby slave:\S+ unregistered")),
    ("master-registered", re.compile(r"failover master:\S+ registered")),
    ("primary-enumerated", re.compile(rf"^pci {re.escape(PRIMARY_PCI)}: \[[0-9a-f]{{4}}:[0-9a-f]{{4}}\]")),
    ("primary-link-up", re.compile(rf"{re.escape(PRIMARY_PCI)} \S+: NIC Link is Up")),
    ("primary-link-down", re.compile(rf"{re.escape(PRIMARY_PCI)} \S+: NIC Link is Down")),
    ("attention-button", re.compile(r"pciehp: Slot\(\S+\): (?:Attention )?[Bb]utton press")),
    ("run-init", re.compile(r"^Run /init as init process")),
)


def kernel_milestone(message: str) -> str | None:
    """The milestone a kernel message marks (``primary-registered``, ``primary-link-up``, …), or ``None``."""
    for name, pattern in _MILESTONES:
        if pattern.search(message):
            return name
    return None
