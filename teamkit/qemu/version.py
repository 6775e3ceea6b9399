"""QEMU versions as libvirt sees them: which command-line syntax each one gets, and whether failover exists."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

__all__ = [
    "DEVICE_JSON",
    "FAILOVER",
    "LATEST",
    "NETDEV_JSON",
    "SYNTAX_FEATURES",
    "QemuVersion",
    "QemuVersionError",
    "SyntaxFeature",
]

_VERSION_RE: Final = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")


class QemuVersionError(ValueError):
    """A ``--qemu`` value that is neither ``latest`` nor ``MAJOR.MINOR[.MICRO]``."""


@dataclass(frozen=True, order=True)
class QemuVersion:
    """A QEMU release; ``latest`` is the newest capability set libvirt 11.3 ships (QEMU 10.0)."""

    major: int
    minor: int
    micro: int = 0

    @classmethod
    def parse(cls, text: str) -> QemuVersion:
        """``"7.2"``, ``"6.2.0"`` or ``"latest"`` (any case, surrounding blanks ignored).

        >>> QemuVersion.parse("7.2")
        QemuVersion(major=7, minor=2, micro=0)
        >>> QemuVersion.parse("latest") == LATEST
        True
        """
        value = text.strip()
        if value.lower() == "latest":
            return LATEST
        match = _VERSION_RE.fullmatch(value)
        if match is None:
            raise QemuVersionError(f"not a QEMU version: {text!r} (expected 'latest' or MAJOR.MINOR[.MICRO])")
        return cls(int(match[1]), int(match[2]), int(match[3] or 0))

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.micro}"

    def has(self, feature: SyntaxFeature) -> bool:
        """True when this version is at least the one that introduced ``feature``."""
        return self >= feature.since

    @property
    def device_json(self) -> bool:
        """libvirt writes ``-device`` as JSON (``QEMU_CAPS_DEVICE_JSON``)."""
        return self.has(DEVICE_JSON)

    @property
    def netdev_json(self) -> bool:
        """libvirt writes ``-netdev`` as JSON (``QEMU_CAPS_NETDEV_JSON``)."""
        return self.has(NETDEV_JSON)

    @property
    def supports_failover(self) -> bool:
        """QEMU has ``virtio-net-pci.failover`` and ``failover_pair_id`` (4.2 and later)."""
        return self.has(FAILOVER)


@dataclass(frozen=True)
class SyntaxFeature:
    """A QEMU capability that changes what libvirt writes, and the first QEMU version that has it."""

    name: str
    since: QemuVersion
    what: str


LATEST: Final = QemuVersion(10, 0, 0)

DEVICE_JSON: Final = SyntaxFeature(
    "device-json", QemuVersion(7, 0), "-device arguments are JSON objects; before, driver,key=value with commas doubled"
)
NETDEV_JSON: Final = SyntaxFeature(
    "netdev-json", QemuVersion(7, 2), "-netdev arguments are JSON objects; before, type,key=value with commas doubled"
)
FAILOVER: Final = SyntaxFeature(
    "virtio-net-failover", QemuVersion(4, 2), "virtio-net-pci has 'failover' and PCI devices have 'failover_pair_id'"
)

#: the one table of version-dependent behaviour the renderer uses
SYNTAX_FEATURES: Final = (DEVICE_JSON, NETDEV_JSON, FAILOVER)
