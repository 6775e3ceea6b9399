"""The lab guest's initramfs as newc entries: busybox, its applet links, device nodes, ``/init`` and the modules."""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from teamkit.lab.cpio import CpioEntry, chardev, directory, gzip_newc, regular, symlink
from teamkit.lab.guestinit import INIT_SCRIPT, UDHCPC_SCRIPT

__all__ = ["BASE_DIRS", "DEVICES", "FORMAT_VERSION", "WANTED_MODULES", "GuestModule", "build_initramfs",
           "image_fingerprint", "initramfs_entries"]

#: bump when the layout changes, so cached images are rebuilt
FORMAT_VERSION: Final = 1
#: the modules the guest asks for; their dependencies come first (real-failover-lab.md §1)
WANTED_MODULES: Final = ("virtio_pci", "failover", "net_failover", "virtio_net", "e1000e", "vmxnet3")
BASE_DIRS: Final = ("bin", "sbin", "dev", "proc", "sys", "tmp", "lib", "lib/modules", "usr", "usr/bin", "usr/sbin")
#: ``(path, major, minor)``: the console must exist before devtmpfs is mounted
DEVICES: Final = (("dev/console", 5, 1), ("dev/null", 1, 3), ("dev/ttyS0", 4, 64))


@dataclass(frozen=True)
class GuestModule:
    """A module's path relative to ``/lib/modules`` in the image, and its bytes (uncompressed)."""

    path: str
    data: bytes


def _parents(path: str) -> list[str]:
    parts = path.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def initramfs_entries(*, busybox: bytes, applets: Iterable[str], modules: Sequence[GuestModule],
                      init: str = INIT_SCRIPT, udhcpc: str = UDHCPC_SCRIPT) -> list[CpioEntry]:
    """Every member in a fixed order; ``modules`` are in load order and written to ``lib/modules/load-order``."""
    entries: list[CpioEntry] = [directory(d) for d in BASE_DIRS]
    dirs = set(BASE_DIRS)
    entries += [chardev(path, major, minor) for path, major, minor in DEVICES]
    entries.append(regular("bin/busybox", busybox, 0o755))
    for applet in sorted(set(applets)):
        if not applet or "/" in applet or applet == "busybox":
            continue
        entries.append(symlink(f"bin/{applet}", "busybox"))
    entries.append(regular("init", init.encode(), 0o755))
    entries.append(regular("udhcpc.sh", udhcpc.encode(), 0o755))
    for module in modules:
        target = posixpath.join("lib/modules", module.path)
        for parent in _parents(target):
            if parent not in dirs:
                dirs.add(parent)
                entries.append(directory(parent))
        entries.append(regular(target, module.data, 0o644))
    order = "".join(f"{m.path}\n" for m in modules)
    entries.append(regular("lib/modules/load-order", order.encode()))
    return entries


def build_initramfs(*, busybox: bytes, applets: Iterable[str], modules: Sequence[GuestModule]) -> bytes:
    """The gzip-compressed newc archive (byte-for-byte reproducible)."""
    return gzip_newc(initramfs_entries(busybox=busybox, applets=applets, modules=modules))


def image_fingerprint() -> str:
    """A short hash of what shapes the image besides the packages: the layout version and the scripts."""
    digest = hashlib.sha256(f"{FORMAT_VERSION}\0{INIT_SCRIPT}\0{UDHCPC_SCRIPT}\0{WANTED_MODULES}".encode())
    return digest.hexdigest()[:10]
