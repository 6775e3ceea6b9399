"""``teamkit lab prepare``: fetch Debian's kernel and busybox with apt, and build the guest image in a cache."""

from __future__ import annotations

import json
import lzma
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final

from teamkit.errors import TeamkitError, ToolMissingError
from teamkit.lab.guestinit import APPLETS
from teamkit.lab.image import WANTED_MODULES, GuestModule, build_initramfs, image_fingerprint
from teamkit.lab.modinfo import (
    ModuleInfo,
    ModuleOrderError,
    info_from_elf,
    load_order,
    module_name,
    parse_modules_dep,
)

__all__ = ["CACHE_ENV", "KERNEL_METAPACKAGE", "LabImage", "PrepareError", "default_cache_dir", "need_tool",
           "prepare_image"]

CACHE_ENV: Final = "TEAMKIT_LAB_CACHE"
KERNEL_METAPACKAGE: Final = "linux-image-amd64"
BUSYBOX_PACKAGE: Final = "busybox-static"
_APT_HINT: Final = "teamkit lab needs Debian's apt tools (apt-cache, apt-get) and dpkg-deb"
_MODULE_PATH: Final = re.compile(r"^(?:usr/)?lib/modules/([^/]+)/(kernel/.+\.ko(?:\.xz)?)$")
_VMLINUZ: Final = re.compile(r"^boot/vmlinuz-(.+)$")
_MODULES_DEP: Final = re.compile(r"^(?:usr/)?lib/modules/([^/]+)/modules\.dep$")
_DEPENDS: Final = re.compile(r"^\s*Depends:\s*(linux-image-\d\S*)", re.MULTILINE)
_VERSION: Final = re.compile(r"^Version:\s*(\S+)", re.MULTILINE)
_PACKAGE: Final = re.compile(r"^Package:\s*(\S+)", re.MULTILINE)

Progress = Callable[[str], None]


class PrepareError(TeamkitError):
    """The guest image cannot be built (apt failure, unexpected package contents)."""


@dataclass(frozen=True)
class LabImage:
    """A built guest: kernel, initramfs and the manifest that describes them."""

    directory: Path
    manifest: dict[str, Any]

    @property
    def kernel(self) -> Path:
        return self.directory / "vmlinuz"

    @property
    def initrd(self) -> Path:
        return self.directory / "initramfs.cpio.gz"


def default_cache_dir() -> Path:
    """``$TEAMKIT_LAB_CACHE``, else ``$XDG_CACHE_HOME/teamkit/lab``, else ``~/.cache/teamkit/lab``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "teamkit" / "lab"


def need_tool(name: str, hint: str) -> str:
    """The tool's path on PATH, or :class:`ToolMissingError` with ``hint``."""
    found = shutil.which(name)
    if found is None:
        raise ToolMissingError(f"{name} is not installed (or not on PATH): {hint}")
    return found


def _run(argv: list[str], *, cwd: Path | None = None, timeout: float = 600) -> str:
    try:
        proc = subprocess.run(argv, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise PrepareError(f"{' '.join(argv)}: no answer within {timeout:g} s") from None
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise PrepareError(f"{' '.join(argv)} failed (exit {proc.returncode}): {' / '.join(tail)}")
    return proc.stdout


def resolve_packages() -> dict[str, str]:
    """``{"kernel": package, "kernel_version": …, "busybox": …, "busybox_version": …}`` from apt's candidates."""
    need_tool("apt-cache", _APT_HINT)
    depends = _run(["apt-cache", "depends", KERNEL_METAPACKAGE])
    match = _DEPENDS.search(depends)
    if match is None:
        raise PrepareError(f"apt-cache depends {KERNEL_METAPACKAGE} names no linux-image package; is the Debian "
                           "archive in apt's sources (apt-get update)?")
    kernel = match[1]
    versions = _candidates([kernel, BUSYBOX_PACKAGE])
    return {"kernel": kernel, "kernel_version": versions[kernel], "busybox": BUSYBOX_PACKAGE,
            "busybox_version": versions[BUSYBOX_PACKAGE]}


def _candidates(packages: list[str]) -> dict[str, str]:
    """The candidate version of each package (one ``apt-cache show`` stanza per package)."""
    found: dict[str, str] = {}
    for stanza in _run(["apt-cache", "show", "--no-all-versions", *packages]).split("\n\n"):
        name, version = _PACKAGE.search(stanza), _VERSION.search(stanza)
        if name is not None and version is not None:
            found.setdefault(name[1], version[1])
    for package in packages:
        if package not in found:
            raise PrepareError(f"apt-cache show {package}: no version; is it in apt's sources (apt-get update)?")
    return found


def _cache_key(packages: dict[str, str]) -> str:
    text = (f"{packages['kernel']}_{packages['kernel_version']}+{packages['busybox']}_"
            f"{packages['busybox_version']}+{image_fingerprint()}")
    return re.sub(r"[^A-Za-z0-9._+-]", "_", text)


def _deb(package: str, version: str, debs: Path, progress: Progress) -> Path:
    """The package's ``.deb`` in ``debs``: reused when that version is there, else ``apt-get download``."""
    for path in sorted(debs.glob(f"{package}_*.deb")):
        if _run(["dpkg-deb", "-f", str(path), "Version"]).strip() == version:
            return path
    need_tool("apt-get", _APT_HINT)
    progress(f"downloading {package} {version} (apt-get download)")
    with tempfile.TemporaryDirectory(prefix="teamkit-apt-", dir=debs) as tmp:
        _run(["apt-get", "download", f"{package}={version}"], cwd=Path(tmp))
        found = sorted(Path(tmp).glob(f"{package}_*.deb"))
        if not found:
            raise PrepareError(f"apt-get download {package} left no .deb")
        target = debs / found[0].name
        os.replace(found[0], target)
    progress(f"  {target.name}: {target.stat().st_size / 1e6:.1f} MB")
    return target


def _members(deb: Path) -> Iterator[tuple[str, tarfile.TarFile, tarfile.TarInfo]]:
    """Stream the data archive of ``deb`` (``dpkg-deb --fsys-tarfile``); names without the leading ``./``."""
    proc = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        stream: IO[bytes] | None = proc.stdout
        assert stream is not None
        with tarfile.open(fileobj=stream, mode="r|*") as tar:
            for member in tar:
                yield member.name.removeprefix("./"), tar, member
    finally:
        if proc.stdout is not None:
            proc.stdout.close()
        _, err = proc.communicate()
        if proc.returncode not in (0, None) and proc.returncode != -13:
            raise PrepareError(f"dpkg-deb --fsys-tarfile {deb.name} failed: {err.decode(errors='replace').strip()}")


def _read(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    handle = tar.extractfile(member)
    if handle is None:
        raise PrepareError(f"{member.name}: not a regular file")
    data = handle.read()
    return lzma.decompress(data) if member.name.endswith(".xz") else data


@dataclass
class _KernelScan:
    release: str = ""
    vmlinuz: bytes = b""
    modules_dep: str | None = None
    index: dict[str, ModuleInfo] | None = None
    kept: dict[str, bytes] | None = None


def _scan_kernel(deb: Path, progress: Progress, keep: set[str]) -> _KernelScan:
    """One pass over the kernel package: vmlinuz, every module's ``depends=``, and the bytes of modules in ``keep``
    (which grows with the dependencies seen, so one pass usually suffices)."""
    scan = _KernelScan(index={}, kept={})
    assert scan.index is not None and scan.kept is not None
    count = 0
    for name, tar, member in _members(deb):
        if not member.isfile():
            continue
        if (m := _VMLINUZ.match(name)) is not None:
            scan.vmlinuz, scan.release = _read(tar, member), m[1]
        elif _MODULES_DEP.match(name):
            scan.modules_dep = _read(tar, member).decode()
        elif (m := _MODULE_PATH.match(name)) is not None:
            path = m[2].removesuffix(".xz")
            base = module_name(path)
            data = _read(tar, member)
            try:
                info = info_from_elf(path, data)
            except ValueError:
                info = ModuleInfo(base, path, ())
            scan.index[info.name] = info
            if info.name in keep:
                scan.kept[info.name] = data
                keep.update(info.depends)
            count += 1
            if count % 500 == 0:
                progress(f"  {count} modules read")
    progress(f"  {count} modules read")
    return scan


def _kernel_modules(deb: Path, progress: Progress) -> tuple[str, bytes, tuple[GuestModule, ...]]:
    progress(f"reading {deb.name} (dpkg-deb --fsys-tarfile; nothing is installed)")
    scan = _scan_kernel(deb, progress, set(WANTED_MODULES))
    assert scan.index is not None and scan.kept is not None
    if not scan.vmlinuz:
        raise PrepareError(f"{deb.name} has no boot/vmlinuz-*")
    index = parse_modules_dep(scan.modules_dep) if scan.modules_dep else scan.index
    try:
        order = load_order(index, WANTED_MODULES)
    except ModuleOrderError as exc:
        raise PrepareError(f"{deb.name}: {exc}") from None
    missing = {m.name for m in order} - set(scan.kept)
    if missing:
        progress(f"second pass for {', '.join(sorted(missing))}")
        again = _scan_kernel(deb, lambda _: None, missing)
        assert again.kept is not None
        scan.kept.update(again.kept)
    modules = tuple(GuestModule(m.path, scan.kept[m.name]) for m in order)
    return scan.release, scan.vmlinuz, modules


def _busybox(deb: Path) -> bytes:
    for name, tar, member in _members(deb):
        if name == "bin/busybox" and member.isfile():
            return _read(tar, member)
    raise PrepareError(f"{deb.name} has no bin/busybox")


def _applets(busybox: bytes, workdir: Path) -> tuple[str, ...]:
    """``busybox --list`` run on this host (it is static); the fixed list when it cannot run."""
    exe = workdir / "busybox"
    exe.write_bytes(busybox)
    exe.chmod(0o755)
    try:
        out = subprocess.run([str(exe), "--list"], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                             timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return APPLETS
    names = tuple(line.strip() for line in out.splitlines() if line.strip())
    return names or APPLETS


def _cached(directory: Path) -> LabImage | None:
    manifest = directory / "manifest.json"
    if not manifest.is_file():
        return None
    try:
        data = json.loads(manifest.read_text())
    except (OSError, ValueError):
        return None
    image = LabImage(directory, data)
    return image if image.kernel.is_file() and image.initrd.is_file() else None


def _latest_cached(cache: Path) -> LabImage | None:
    found = [img for d in cache.glob(f"*+{image_fingerprint()}") if (img := _cached(d)) is not None]
    return max(found, key=lambda img: img.directory.stat().st_mtime) if found else None


def _prune(root: Path, keep: set[Path]) -> None:
    """Remove the images and packages a new build replaced (other package versions, an older layout)."""
    for path in root.iterdir():
        if path in keep:
            continue
        if path.is_dir() and (path / "manifest.json").is_file():
            shutil.rmtree(path, ignore_errors=True)
    for deb in (root / "debs").glob("*.deb"):
        if deb not in keep:
            deb.unlink(missing_ok=True)


def prepare_image(cache: Path | None = None, *, progress: Progress | None = None, rebuild: bool = False) -> LabImage:
    """The guest image for the current Debian kernel and busybox, built once per package versions and cached."""
    say = progress or (lambda _: None)
    root = cache or default_cache_dir()
    if shutil.which("apt-cache") is None and not rebuild and root.is_dir():
        fallback = _latest_cached(root)
        if fallback is not None:
            say(f"apt-cache is not available: using the cached image {fallback.directory.name}")
            return fallback
    need_tool("dpkg-deb", _APT_HINT)
    try:
        packages = resolve_packages()
    except PrepareError as exc:
        # apt knows no kernel package (its lists were removed, as container images do): an image built
        # earlier (at image build time, say) still serves
        fallback = None if rebuild or not root.is_dir() else _latest_cached(root)
        if fallback is None:
            raise
        say(f"{exc}: using the cached image {fallback.directory.name}")
        return fallback
    say(f"{KERNEL_METAPACKAGE} -> {packages['kernel']} {packages['kernel_version']}; "
        f"{BUSYBOX_PACKAGE} {packages['busybox_version']}")
    directory = root / _cache_key(packages)
    if not rebuild and (hit := _cached(directory)) is not None:
        say(f"cached: {directory}")
        return hit
    debs = root / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    kernel_deb = _deb(packages["kernel"], packages["kernel_version"], debs, say)
    busybox_deb = _deb(BUSYBOX_PACKAGE, packages["busybox_version"], debs, say)
    release, vmlinuz, modules = _kernel_modules(kernel_deb, say)
    say("load order: " + ", ".join(module_name(m.path) for m in modules))
    busybox = _busybox(busybox_deb)
    with tempfile.TemporaryDirectory(prefix=".build-", dir=root) as tmp:
        staging = Path(tmp) / "image"
        staging.mkdir()
        applets = _applets(busybox, Path(tmp))
        initrd = build_initramfs(busybox=busybox, applets=applets, modules=modules)
        (staging / "vmlinuz").write_bytes(vmlinuz)
        (staging / "initramfs.cpio.gz").write_bytes(initrd)
        manifest = {
            **packages, "kernel_release": release, "fingerprint": image_fingerprint(),
            "modules": [m.path for m in modules], "applets": len(applets),
            "vmlinuz_bytes": len(vmlinuz), "initramfs_bytes": len(initrd),
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        if directory.exists():
            shutil.rmtree(directory, ignore_errors=True)
        try:
            os.replace(staging, directory)
        except OSError:
            # another teamkit built the same (byte-identical) image at the same moment
            if _cached(directory) is None:
                raise
    say(f"initramfs {len(initrd) / 1e6:.2f} MB, kernel {release}: {directory}")
    _prune(root, keep={directory, kernel_deb, busybox_deb})
    image = _cached(directory)
    assert image is not None
    return image
