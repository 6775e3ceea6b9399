"""Module metadata without kmod: the ELF ``.modinfo`` reader, ``modules.dep`` and the load order."""

from __future__ import annotations

import struct

import pytest

from teamkit.lab.modinfo import (
    ModuleInfo,
    ModuleOrderError,
    info_from_elf,
    load_order,
    module_name,
    parse_modules_dep,
    read_modinfo_section,
)

#: real-failover-lab.md §1: Debian 6.1's modules and their .modinfo depends=, and the load order it measured
DEBIAN_61: dict[str, tuple[str, str]] = {
    "virtio_ring": ("kernel/drivers/virtio/virtio_ring.ko", ""),
    "virtio_pci_modern_dev": ("kernel/drivers/virtio/virtio_pci_modern_dev.ko", ""),
    "virtio_pci_legacy_dev": ("kernel/drivers/virtio/virtio_pci_legacy_dev.ko", ""),
    "virtio": ("kernel/drivers/virtio/virtio.ko", "virtio_ring"),
    "virtio_pci": ("kernel/drivers/virtio/virtio_pci.ko",
                   "virtio_ring,virtio_pci_modern_dev,virtio_pci_legacy_dev,virtio"),
    "failover": ("kernel/net/core/failover.ko", ""),
    "net_failover": ("kernel/drivers/net/net_failover.ko", "failover"),
    "virtio_net": ("kernel/drivers/net/virtio_net.ko", "virtio_ring,virtio,net_failover"),
    "e1000e": ("kernel/drivers/net/ethernet/intel/e1000e/e1000e.ko", ""),
    "vmxnet3": ("kernel/drivers/net/vmxnet3/vmxnet3.ko", ""),
    "unrelated": ("kernel/drivers/scsi/unrelated.ko", "virtio"),
}
REFERENCE_ORDER = ["virtio_ring", "virtio_pci_modern_dev", "virtio_pci_legacy_dev", "virtio", "virtio_pci",
                   "failover", "net_failover", "virtio_net", "e1000e", "vmxnet3"]
WANTED = ["virtio_pci", "failover", "net_failover", "virtio_net", "e1000e", "vmxnet3"]


def elf_module(modinfo: bytes, *, extra_sections: int = 2) -> bytes:
    """A minimal ELF64 LE relocatable: a null section, filler sections, .modinfo, and the section-name table."""
    names = b"\0.text\0.modinfo\0.shstrtab\0"
    body = b"\x90" * 16 + modinfo + names
    text_off, modinfo_off = 64, 64 + 16
    strtab_off = modinfo_off + len(modinfo)
    shoff = 64 + len(body) + (-(64 + len(body)) % 8)
    sections = [(0, 0, 0, 0)]
    sections += [(1, 1, text_off, 16)] * extra_sections
    sections += [(7, 1, modinfo_off, len(modinfo)), (16, 3, strtab_off, len(names))]
    header = bytearray(64)
    header[:6] = b"\x7fELF\x02\x01"
    struct.pack_into("<Q", header, 0x28, shoff)
    struct.pack_into("<HHH", header, 0x3A, 64, len(sections), len(sections) - 1)
    out = bytes(header) + body + b"\0" * (shoff - 64 - len(body))
    for name, kind, offset, size in sections:
        out += struct.pack("<IIQQQQ", name, kind, 0, 0, offset, size) + b"\0" * 24
    return out


class TestElf:
    def test_reads_the_section(self) -> None:
        info = b"license=GPL\0depends=virtio_ring,virtio,net_failover\0name=virtio_net\0vermagic=6.1.0 SMP\0"
        assert read_modinfo_section(elf_module(info)) == info
        parsed = info_from_elf("kernel/drivers/net/virtio_net.ko", elf_module(info))
        assert parsed == ModuleInfo("virtio_net", "kernel/drivers/net/virtio_net.ko",
                                    ("virtio_ring", "virtio", "net_failover"))

    def test_empty_depends(self) -> None:
        parsed = info_from_elf("kernel/net/core/failover.ko", elf_module(b"depends=\0name=failover\0"))
        assert parsed.depends == ()

    def test_name_falls_back_to_the_file_and_dashes_become_underscores(self) -> None:
        parsed = info_from_elf("kernel/x/virtio-foo.ko", elf_module(b"depends=a-b\0"))
        assert (parsed.name, parsed.depends) == ("virtio_foo", ("a_b",))

    @pytest.mark.parametrize("data, match", [(b"MZ", "not an ELF"), (b"\x7fELF\x01\x01" + bytes(60), "64-bit"),
                                             (elf_module(b"x=1")[:80], "no section headers")])
    def test_rejects(self, data: bytes, match: str) -> None:
        with pytest.raises(ValueError, match=match):
            read_modinfo_section(data)

    def test_no_modinfo(self) -> None:
        elf = elf_module(b"")
        patched = elf.replace(b".modinfo", b".notinfo")
        with pytest.raises(ValueError, match=r"no \.modinfo"):
            read_modinfo_section(patched)


INDEX = {name: ModuleInfo(name, path, tuple(d for d in deps.split(",") if d))
         for name, (path, deps) in DEBIAN_61.items()}


class TestOrder:
    def test_the_reference_order(self) -> None:
        assert [m.name for m in load_order(INDEX, WANTED)] == REFERENCE_ORDER

    def test_each_module_after_its_dependencies(self) -> None:
        order = [m.name for m in load_order(INDEX, ["unrelated", *WANTED])]
        for pos, name in enumerate(order):
            assert all(order.index(dep) < pos for dep in INDEX[name].depends)

    def test_missing(self) -> None:
        with pytest.raises(ModuleOrderError, match=r"net_failover \(needed by virtio_net\)"):
            load_order({k: v for k, v in INDEX.items() if k != "net_failover"}, ["virtio_net"])

    def test_cycle(self) -> None:
        index = {"a": ModuleInfo("a", "a.ko", ("b",)), "b": ModuleInfo("b", "b.ko", ("a",))}
        with pytest.raises(ModuleOrderError, match=r"cycle: a -> b -> a"):
            load_order(index, ["a"])

    def test_modules_dep_gives_the_same_order(self) -> None:
        text = "".join(f"{path}: {' '.join(DEBIAN_61[d][0] for d in deps.split(',') if d)}\n"
                       for path, deps in DEBIAN_61.values())
        assert [m.name for m in load_order(parse_modules_dep(text), WANTED)] == REFERENCE_ORDER


@pytest.mark.parametrize("path, name", [("kernel/a/b-c.ko", "b_c"), ("x.ko.xz", "x"), ("y.ko.zst", "y")])
def test_module_name(path: str, name: str) -> None:
    assert module_name(path) == name
