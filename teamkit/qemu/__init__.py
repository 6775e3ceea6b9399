"""QEMU layer: the -netdev/-device arguments libvirt writes for a domain's failover pair, per QEMU version."""

from __future__ import annotations

from teamkit.qemu.argv import ArgvResult, RenderedOption, format_args, render_argv, shell_quote
from teamkit.qemu.devices import HARNESS_FACTS, HostFacts
from teamkit.qemu.version import LATEST, QemuVersion, QemuVersionError

__all__ = [
    "HARNESS_FACTS",
    "LATEST",
    "ArgvResult",
    "HostFacts",
    "QemuVersion",
    "QemuVersionError",
    "RenderedOption",
    "format_args",
    "render_argv",
    "shell_quote",
]
