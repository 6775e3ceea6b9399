"""The newc writer against the format's rules, its own reader and (when installed) GNU cpio."""

from __future__ import annotations

import gzip
import shutil
import stat
import subprocess

import pytest

from teamkit.lab.cpio import (
    MAGIC,
    CpioEntry,
    CpioError,
    chardev,
    directory,
    gzip_newc,
    iter_newc,
    read_newc,
    regular,
    symlink,
    write_newc,
)
from teamkit.lab.image import GuestModule, initramfs_entries

LAYOUT = initramfs_entries(busybox=b"BB", applets=["sh", "ping", "busybox", "sh"],
                           modules=[GuestModule("kernel/net/core/failover.ko", b"F"),
                                    GuestModule("kernel/drivers/net/net_failover.ko", b"N")])

ENTRIES = [
    directory("bin"),
    regular("bin/busybox", b"\x7fELF" + bytes(range(256)) * 3, 0o755),
    symlink("bin/sh", "busybox"),
    chardev("dev/console", 5, 1),
    regular("init", b"#!/bin/sh\necho hi\n", 0o755),
    regular("empty", b""),
    regular("odd-name-of-length-13", b"x"),
]


class TestWriter:
    raw = write_newc(ENTRIES)

    def test_round_trip(self) -> None:
        assert read_newc(self.raw) == ENTRIES

    def test_every_header_is_aligned_and_well_formed(self) -> None:
        offsets = []
        offset = 0
        for fields, entry in iter_newc(self.raw):
            assert self.raw[offset:offset + 6] == MAGIC
            offsets.append(offset)
            assert fields["namesize"] == len(entry.name.encode()) + 1
            assert fields["filesize"] == len(entry.data)
            assert (fields["uid"], fields["gid"], fields["mtime"], fields["check"]) == (0, 0, 0, 0)
            offset += 110 + fields["namesize"]
            offset += -offset % 4 + fields["filesize"]
            offset += -offset % 4
        assert all(o % 4 == 0 for o in offsets)
        # the trailer follows the last member, then nothing but padding
        assert self.raw[offset:offset + 6] == MAGIC
        assert b"TRAILER!!!\0" in self.raw[offset:]
        assert len(self.raw) % 4 == 0

    def test_inodes_count_from_one(self) -> None:
        assert [f["ino"] for f, _ in iter_newc(self.raw)] == list(range(1, len(ENTRIES) + 1))

    def test_kinds_and_device_numbers(self) -> None:
        by_name = {e.name: e for e in read_newc(self.raw)}
        assert by_name["bin"].kind == "dir" and by_name["bin"].nlink == 2
        assert by_name["bin/sh"].kind == "symlink" and by_name["bin/sh"].data == b"busybox"
        assert by_name["dev/console"].kind == "chardev" and by_name["dev/console"].rdev == (5, 1)
        assert stat.S_IMODE(by_name["init"].mode) == 0o755

    def test_reproducible_including_gzip(self) -> None:
        assert gzip_newc(ENTRIES) == gzip_newc(list(ENTRIES))
        packed = gzip_newc(ENTRIES)
        assert packed[4:8] == b"\0\0\0\0"  # gzip MTIME
        assert gzip.decompress(packed) == self.raw

    def test_reader_takes_gzip(self) -> None:
        assert read_newc(gzip_newc(ENTRIES)) == ENTRIES

    @pytest.mark.parametrize("name", ["", "/abs"])
    def test_bad_names(self, name: str) -> None:
        with pytest.raises(CpioError):
            write_newc([CpioEntry(name, stat.S_IFREG | 0o644)])

    def test_duplicates(self) -> None:
        with pytest.raises(CpioError, match="duplicate"):
            write_newc([regular("a", b"1"), regular("a", b"2")])

    def test_reader_rejects_garbage(self) -> None:
        with pytest.raises(CpioError, match="magic"):
            read_newc(b"070707" + b"0" * 200)
        with pytest.raises(CpioError, match="truncated"):
            read_newc(self.raw[:50])


@pytest.mark.skipif(shutil.which("cpio") is None, reason="GNU cpio is not installed")
def test_gnu_cpio_lists_the_same_members() -> None:
    listed = subprocess.run(["cpio", "-t", "--quiet"], input=write_newc(ENTRIES), capture_output=True,
                            check=True).stdout.decode().split()
    assert listed == [e.name for e in ENTRIES]


BY_NAME = {e.name: e for e in LAYOUT}


class TestInitramfsLayout:

    def test_parents_come_first(self) -> None:
        seen: set[str] = set()
        for entry in LAYOUT:
            parent = entry.name.rpartition("/")[0]
            assert not parent or parent in seen, entry.name
            seen.add(entry.name)

    def test_console_and_init(self) -> None:
        assert BY_NAME["dev/console"].rdev == (5, 1)
        assert BY_NAME["dev/ttyS0"].rdev == (4, 64)
        assert BY_NAME["init"].permissions == 0o755
        assert BY_NAME["init"].data.startswith(b"#!/bin/sh\n")

    def test_applets_link_to_busybox_once(self) -> None:
        links = [e.name for e in LAYOUT if e.kind == "symlink"]
        assert links == ["bin/ping", "bin/sh"]

    def test_load_order_file(self) -> None:
        assert BY_NAME["lib/modules/load-order"].data == (
            b"kernel/net/core/failover.ko\nkernel/drivers/net/net_failover.ko\n")
        assert BY_NAME["lib/modules/kernel/net/core/failover.ko"].data == b"F"
