"""Namespace runner (under unshare -mn): bridges, taps, fake PCI/VFIO sysfs; runs a command as a reaping subreaper."""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import signal
import struct
import subprocess
import sys
from pathlib import Path

__all__ = ["config_space", "main", "run_reaping", "setup_network", "setup_private_run", "setup_sysfs"]

PCI = Path("/sys/bus/pci")
GROUPS = Path("/sys/kernel/iommu_groups")
VFIO = Path("/dev/vfio")
RUN_LIBVIRT = Path("/run/libvirt")
FIRST_GROUP = 41
PF_DRIVER = "igb"
PR_SET_CHILD_SUBREAPER = 36


def config_space(vendor: int, device: int) -> bytes:
    """A 4 KiB PCIe endpoint config space with one PCI Express capability (FLR capable)."""
    cfg = bytearray(4096)
    struct.pack_into("<HH", cfg, 0x00, vendor, device)
    struct.pack_into("<H", cfg, 0x06, 0x0010)  # status: capability list present
    cfg[0x09:0x0C] = bytes((0x00, 0x00, 0x02))  # prog-if, subclass, class: Ethernet controller
    cfg[0x0E] = 0x00  # header type 0: endpoint
    cfg[0x34] = 0x40  # capability pointer
    cfg[0x40], cfg[0x41] = 0x10, 0x00  # PCI Express capability, last in the list
    struct.pack_into("<H", cfg, 0x42, 0x0002)  # version 2, endpoint
    struct.pack_into("<I", cfg, 0x44, 1 << 28)  # DevCap: function level reset
    return bytes(cfg)


def _run(*argv: str) -> None:
    subprocess.run(argv, check=True)


def _write(path: Path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)


def _device(path: Path, vendor: int, device: int) -> None:
    path.mkdir(parents=True)
    for name, value in (("vendor", f"0x{vendor:04x}\n"), ("device", f"0x{device:04x}\n"),
                        ("class", "0x020000\n"), ("numa_node", "-1\n"), ("driver_override", "\n"),
                        ("remove", ""), ("reset", "")):
        _write(path / name, value)
    _write(path / "config", config_space(vendor, device))


def setup_sysfs(vfs: list[str], pf: str) -> None:
    """Mount tmpfs over the PCI bus, IOMMU groups and /dev/vfio, and fake one SR-IOV PF with the given VFs."""
    for mountpoint in (PCI, GROUPS, VFIO):
        mountpoint.mkdir(parents=True, exist_ok=True)
        _run("mount", "-t", "tmpfs", "-o", "mode=0755", "tmpfs", str(mountpoint))
    vfio_drv = PCI / "drivers" / "vfio-pci"
    for d in (PCI / "devices", vfio_drv, PCI / "slots", PCI / "drivers" / PF_DRIVER):
        d.mkdir(parents=True, exist_ok=True)
    for f in (PCI / "drivers_probe", PCI / "rescan", *(vfio_drv / n for n in ("bind", "unbind", "new_id",
                                                                             "remove_id"))):
        _write(f, "")
    os.mknod(VFIO / "vfio", 0o666 | 0o020000, os.makedev(10, 196))
    pf_path = PCI / "devices" / pf
    _device(pf_path, 0x8086, 0x10C9)
    (pf_path / "net" / "fakepf0").mkdir(parents=True)
    (pf_path / "driver").symlink_to(PCI / "drivers" / PF_DRIVER)
    _write(pf_path / "sriov_numvfs", f"{len(vfs)}\n")
    _write(pf_path / "sriov_totalvfs", f"{len(vfs)}\n")
    for index, bdf in enumerate(vfs):
        group = FIRST_GROUP + index
        path = PCI / "devices" / bdf
        _device(path, 0x8086, 0x10CA)
        (path / "driver").symlink_to(vfio_drv)
        (vfio_drv / bdf).symlink_to(path)
        group_dir = GROUPS / str(group)
        (group_dir / "devices").mkdir(parents=True)
        (path / "iommu_group").symlink_to(group_dir)
        (group_dir / "devices" / bdf).symlink_to(path)
        (path / "physfn").symlink_to(pf_path)
        (pf_path / f"virtfn{index}").symlink_to(path)
        os.mknod(VFIO / str(group), 0o666 | 0o020000, os.makedev(511, group))


def setup_private_run() -> None:
    """A private tmpfs on /run/libvirt, so embed-mode state (hostdev manager, locks) never touches the host."""
    _run("mount", "-t", "tmpfs", "-o", "mode=0755", "tmpfs", str(RUN_LIBVIRT))
    for sub in ("common", "hostdevmgr"):
        (RUN_LIBVIRT / sub).mkdir()


def setup_network(bridges: list[str], taps: list[str]) -> None:
    """Bring up lo and create the bridges and unmanaged taps the domains name (private network namespace)."""
    _run("ip", "link", "set", "lo", "up")
    for br in bridges:
        _run("ip", "link", "add", br, "type", "bridge")
        _run("ip", "link", "set", br, "up")
    for tap in taps:
        _run("ip", "tuntap", "add", "dev", tap, "mode", "tap")


def run_reaping(command: list[str]) -> int:
    """Run command as a child subreaper and return its exit status.

    libvirt daemonizes QEMU, so QEMU is re-parented to the nearest subreaper. Reaping it at once matters: libvirt's
    destroy polls kill(pid, 0) every 200 ms and a zombie left to a slow init costs ~1.2 s per domain. QEMUs still
    running when the command exits are ours (re-parented to us); they get SIGKILL.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")
    main_pid = os.fork()
    if main_pid == 0:  # child
        try:
            os.execvp(command[0], command)
        finally:
            os._exit(127)
    status = 0
    while True:
        try:
            pid, wstatus = os.waitpid(-1, 0)
        except ChildProcessError:
            break
        if pid == main_pid:
            status = os.waitstatus_to_exitcode(wstatus)
            _kill_children()
    return status if status >= 0 else 128 - status


def _kill_children() -> None:
    """SIGKILL our remaining children (QEMUs re-parented to this subreaper)."""
    me = str(os.getpid())
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == me:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(stat.parent.name), signal.SIGKILL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--vf", action="append", default=[], help="fake VF BDF, e.g. 0000:03:07.1")
    parser.add_argument("--pf", default="0000:7f:00.0", help="BDF of the fake SR-IOV PF")
    parser.add_argument("--bridge", action="append", default=[])
    parser.add_argument("--tap", action="append", default=[])
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    setup_private_run()
    setup_network(args.bridge, args.tap)
    if args.vf:
        setup_sysfs(args.vf, args.pf)
    return run_reaping(command)


if __name__ == "__main__":
    sys.exit(main())
