"""The host side of the libvirt oracle: availability, versions, environment, caches and the VF shim."""

from __future__ import annotations

import hashlib
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = [
    "OracleError",
    "build_shim",
    "cache_dir",
    "clean_env",
    "fake_sysfs_possible",
    "libvirt_version",
    "qemu_version",
    "temp_beside",
    "unavailable_reason",
]

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SHIM_SOURCE = HERE / "vf_shim.c"


class OracleError(RuntimeError):
    """The oracle itself failed (virsh crashed, timed out, or printed something unexpected)."""


def cache_dir() -> Path:
    """Persistent cache (QEMU capabilities, compiled shim): $TEAMKIT_LIBVIRT_CACHE or .cache/libvirt-oracle/."""
    env = os.environ.get("TEAMKIT_LIBVIRT_CACHE")
    return Path(env) if env else REPO / ".cache" / "libvirt-oracle"


def unavailable_reason() -> str | None:
    """Why the oracle cannot run on this machine, or None when it can."""
    missing = [t for t in ("virsh", "unshare", "taskset", "qemu-system-x86_64") if shutil.which(t) is None]
    if missing:
        return f"not installed: {', '.join(missing)} (run scripts/bootstrap.sh --tests)"
    if os.geteuid() != 0:
        return "the libvirt oracle needs root (private namespaces, embedded QEMU driver start path)"
    try:
        pwd.getpwnam("libvirt-qemu")
    except KeyError:
        return "system user libvirt-qemu is missing (run scripts/setup-libvirt-oracle.sh)"
    for d in ("/run/libvirt", "/dev/vfio"):
        if not Path(d).is_dir():
            return f"mount point {d} is missing (run scripts/setup-libvirt-oracle.sh)"
    return None


def _version_of(argv: list[str], pattern: str) -> str:
    out = subprocess.run(argv, capture_output=True, encoding="utf-8", check=True, env=clean_env()).stdout
    m = re.search(pattern, out)
    if not m:
        raise OracleError(f"cannot read a version from {argv[0]}: {out!r}")
    return m.group(1)


def libvirt_version() -> str:
    """The libvirt library version virsh (and so the embedded QEMU driver) uses, e.g. '9.0.0'."""
    return _version_of(["virsh", "--version"], r"(\d+\.\d+\.\d+)")


def qemu_version() -> str:
    """The version of qemu-system-x86_64, e.g. '7.2.22'."""
    return _version_of(["qemu-system-x86_64", "--version"], r"version (\d+\.\d+\.\d+)")


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for virsh: untranslated messages, no inherited preload or default URI, plus extra."""
    env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "LANGUAGE", "LANG")}
    env["LC_ALL"] = "C.UTF-8"  # untranslated messages, UTF-8 names
    env.pop("VIRSH_DEFAULT_CONNECT_URI", None)
    env.pop("LIBVIRT_DEFAULT_URI", None)
    env.update(extra or {})
    return env


def build_shim(cache: Path) -> Path | None:
    """Compile the VF netlink shim into the cache (once per source version); None without a C compiler."""
    source = SHIM_SOURCE.read_bytes()
    target = cache / f"vf_shim-{hashlib.sha256(source).hexdigest()[:12]}.so"
    if target.exists():
        return target
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        return None
    cache.mkdir(parents=True, exist_ok=True)
    tmp = temp_beside(target)
    done = subprocess.run([cc, "-shared", "-fPIC", "-O2", "-o", str(tmp), str(SHIM_SOURCE)], capture_output=True)
    if done.returncode != 0:
        tmp.unlink(missing_ok=True)
        return None
    tmp.replace(target)
    return target


def temp_beside(target: Path) -> Path:
    """A fresh temporary file next to target, for an atomic replace (safe across processes and threads)."""
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    return Path(name)


def fake_sysfs_possible() -> bool:
    """The fake-sysfs namespace mounts over these; without them PCI hostdev domains are judged at define only."""
    return all(Path(d).is_dir() for d in ("/sys/bus/pci", "/sys/kernel/iommu_groups", "/dev/vfio"))
