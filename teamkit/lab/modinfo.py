"""Kernel modules without kmod: the ELF ``.modinfo`` section, ``modules.dep``, and a dependency-first load order."""

from __future__ import annotations

import posixpath
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

__all__ = ["ModuleInfo", "ModuleOrderError", "info_from_elf", "load_order", "module_name", "parse_modinfo",
           "parse_modules_dep", "read_modinfo_section"]

_ELF_MAGIC: Final = b"\x7fELF"
_ELFCLASS64: Final = 2
_ELFDATA2LSB: Final = 1
#: compression suffixes a module file may carry after ``.ko``
_SUFFIXES: Final = (".ko.xz", ".ko.zst", ".ko.gz", ".ko")


class ModuleOrderError(ValueError):
    """A module is missing, or the dependencies form a cycle."""


@dataclass(frozen=True)
class ModuleInfo:
    """A module's name, its path relative to the module directory, and the modules it needs first."""

    name: str
    path: str
    depends: tuple[str, ...]


def module_name(path: str) -> str:
    """``kernel/drivers/net/virtio_net.ko`` → ``virtio_net`` (``-`` becomes ``_``, as the kernel names modules).

    >>> module_name("kernel/drivers/virtio/virtio-pci.ko.xz")
    'virtio_pci'
    """
    base = posixpath.basename(path)
    for suffix in _SUFFIXES:
        if base.endswith(suffix):
            base = base[: -len(suffix)]
            break
    return base.replace("-", "_")


def read_modinfo_section(elf: bytes) -> bytes:
    """The raw ``.modinfo`` section of a 64-bit little-endian ELF relocatable (a ``.ko``)."""
    if elf[:4] != _ELF_MAGIC:
        raise ValueError("not an ELF file")
    if elf[4] != _ELFCLASS64 or elf[5] != _ELFDATA2LSB:
        raise ValueError("only 64-bit little-endian ELF modules are read")
    (shoff,) = struct.unpack_from("<Q", elf, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", elf, 0x3A)
    if shoff == 0 or shnum == 0 or shoff + shnum * shentsize > len(elf):
        raise ValueError("no section headers")

    def section(index: int) -> tuple[int, int, int]:
        name, _type, _flags, _addr, offset, size = struct.unpack_from("<IIQQQQ", elf, shoff + index * shentsize)
        return name, offset, size

    _, str_off, str_size = section(shstrndx)
    names = elf[str_off:str_off + str_size]
    for i in range(shnum):
        name_off, offset, size = section(i)
        end = names.find(b"\0", name_off)
        if names[name_off:end] == b".modinfo":
            return elf[offset:offset + size]
    raise ValueError("no .modinfo section")


def parse_modinfo(section: bytes) -> dict[str, list[str]]:
    """NUL-separated ``key=value`` strings; a key may repeat (``alias=``), so values are lists.

    >>> parse_modinfo(b"license=GPL\\0depends=virtio_ring,virtio\\0\\0name=virtio_net\\0")["depends"]
    ['virtio_ring,virtio']
    """
    result: dict[str, list[str]] = {}
    for item in section.split(b"\0"):
        key, sep, value = item.partition(b"=")
        if sep:
            result.setdefault(key.decode(errors="replace"), []).append(value.decode(errors="replace"))
    return result


def info_from_elf(path: str, elf: bytes) -> ModuleInfo:
    """The :class:`ModuleInfo` of one ``.ko`` file's bytes."""
    fields = parse_modinfo(read_modinfo_section(elf))
    depends = ",".join(fields.get("depends", []))
    name = fields.get("name", [module_name(path)])[0].replace("-", "_")
    return ModuleInfo(name=name, path=path, depends=tuple(d.replace("-", "_") for d in depends.split(",") if d))


def parse_modules_dep(text: str) -> dict[str, ModuleInfo]:
    """``modules.dep`` (``path: dep-path dep-path …``) as module infos by name.

    >>> text = "kernel/net/core/failover.ko:\\nkernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko\\n"
    >>> parse_modules_dep(text)["net_failover"].depends
    ('failover',)
    """
    result: dict[str, ModuleInfo] = {}
    for line in text.splitlines():
        path, sep, deps = line.partition(":")
        if not sep or not path.strip():
            continue
        info = ModuleInfo(module_name(path.strip()), path.strip(), tuple(module_name(d) for d in deps.split()))
        result[info.name] = info
    return result


def load_order(index: Mapping[str, ModuleInfo], wanted: Iterable[str]) -> tuple[ModuleInfo, ...]:
    """The modules to load for ``wanted``, each after its dependencies (depth-first post-order, ``wanted`` order).

    >>> idx = {n: ModuleInfo(n, n + ".ko", d) for n, d in
    ...        [("a", ("b", "c")), ("b", ("c",)), ("c", ()), ("d", ())]}
    >>> [m.name for m in load_order(idx, ["a", "d"])]
    ['c', 'b', 'a', 'd']
    """
    order: list[ModuleInfo] = []
    done: set[str] = set()

    def visit(name: str, stack: tuple[str, ...]) -> None:
        if name in done:
            return
        if name in stack:
            raise ModuleOrderError(f"dependency cycle: {' -> '.join((*stack, name))}")
        info = index.get(name)
        if info is None:
            needed = f" (needed by {stack[-1]})" if stack else ""
            raise ModuleOrderError(f"module {name}{needed} is not in the package")
        for dep in info.depends:
            visit(dep, (*stack, name))
        done.add(name)
        order.append(info)

    for name in wanted:
        visit(name.replace("-", "_"), ())
    return tuple(order)
