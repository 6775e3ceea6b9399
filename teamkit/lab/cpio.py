"""A reproducible newc (``070701``) cpio writer and reader, as the Linux initramfs unpacker reads it."""

from __future__ import annotations

import gzip
import io
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Final, Literal

__all__ = ["MAGIC", "TRAILER", "CpioEntry", "CpioError", "chardev", "directory", "gzip_newc", "iter_newc", "read_newc",
           "regular", "symlink", "write_newc"]

MAGIC: Final = b"070701"
TRAILER: Final = "TRAILER!!!"
_HEADER_LEN: Final = 110
_FIELDS: Final = 13
#: the fields after the magic, each 8 hex digits: ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor,
#: rdevmajor, rdevminor, namesize, check
_FIELD_NAMES: Final = ("ino", "mode", "uid", "gid", "nlink", "mtime", "filesize", "devmajor", "devminor",
                       "rdevmajor", "rdevminor", "namesize", "check")

EntryKind = Literal["dir", "file", "symlink", "chardev"]


class CpioError(ValueError):
    """A malformed newc archive."""


@dataclass(frozen=True)
class CpioEntry:
    """One archive member; ``name`` is relative (no leading ``/``), ``data`` is a symlink's target for links."""

    name: str
    mode: int
    data: bytes = b""
    rdev: tuple[int, int] = (0, 0)
    nlink: int = 1

    @property
    def kind(self) -> EntryKind:
        if stat.S_ISDIR(self.mode):
            return "dir"
        if stat.S_ISLNK(self.mode):
            return "symlink"
        if stat.S_ISCHR(self.mode):
            return "chardev"
        return "file"

    @property
    def permissions(self) -> int:
        return stat.S_IMODE(self.mode)


def directory(name: str, perm: int = 0o755) -> CpioEntry:
    return CpioEntry(name.lstrip("/"), stat.S_IFDIR | perm, nlink=2)


def regular(name: str, data: bytes, perm: int = 0o644) -> CpioEntry:
    return CpioEntry(name.lstrip("/"), stat.S_IFREG | perm, data)


def symlink(name: str, target: str) -> CpioEntry:
    return CpioEntry(name.lstrip("/"), stat.S_IFLNK | 0o777, target.encode())


def chardev(name: str, major: int, minor: int, perm: int = 0o600) -> CpioEntry:
    return CpioEntry(name.lstrip("/"), stat.S_IFCHR | perm, rdev=(major, minor))


def _pad(n: int) -> bytes:
    return b"\0" * (-n % 4)


def _header(ino: int, entry: CpioEntry, namesize: int) -> bytes:
    values = (ino, entry.mode, 0, 0, entry.nlink, 0, len(entry.data), 0, 0, *entry.rdev, namesize, 0)
    return MAGIC + "".join(f"{v:08X}" for v in values).encode("ascii")


def write_newc(entries: Iterable[CpioEntry]) -> bytes:
    """The archive: owner root, mtime 0 and inode numbers counted from 1, so equal input gives equal bytes.

    >>> raw = write_newc([directory("bin"), regular("bin/hello", b"hi\\n", 0o755)])
    >>> [(e.name, e.kind, e.data) for e in read_newc(raw)]
    [('bin', 'dir', b''), ('bin/hello', 'file', b'hi\\n')]
    """
    out = io.BytesIO()
    ino = 0
    seen: set[str] = set()
    for entry in [*entries, CpioEntry(TRAILER, 0, nlink=1)]:
        if not entry.name or entry.name.startswith("/"):
            raise CpioError(f"bad member name {entry.name!r}")
        if entry.name in seen:
            raise CpioError(f"duplicate member {entry.name!r}")
        seen.add(entry.name)
        name = entry.name.encode() + b"\0"
        is_trailer = entry.name == TRAILER
        ino = 0 if is_trailer else ino + 1
        out.write(_header(ino, entry, len(name)))
        out.write(name + _pad(_HEADER_LEN + len(name)))
        out.write(entry.data + _pad(len(entry.data)))
    return out.getvalue()


def gzip_newc(entries: Iterable[CpioEntry]) -> bytes:
    """:func:`write_newc` compressed with gzip level 9 and a zero gzip timestamp (reproducible)."""
    return gzip.compress(write_newc(entries), compresslevel=9, mtime=0)


def _fields(raw: bytes, offset: int) -> dict[str, int]:
    header = raw[offset:offset + _HEADER_LEN]
    if len(header) < _HEADER_LEN:
        raise CpioError(f"truncated header at offset {offset}")
    if header[:6] != MAGIC:
        raise CpioError(f"bad magic {header[:6]!r} at offset {offset} (only newc 070701 is read)")
    try:
        values = [int(header[6 + 8 * i:14 + 8 * i], 16) for i in range(_FIELDS)]
    except ValueError:
        raise CpioError(f"non-hex header field at offset {offset}") from None
    return dict(zip(_FIELD_NAMES, values, strict=True))


def iter_newc(raw: bytes) -> Iterator[tuple[dict[str, int], CpioEntry]]:
    """Header fields and entry of every member up to (not including) the trailer."""
    offset = 0
    while True:
        fields = _fields(raw, offset)
        name_start = offset + _HEADER_LEN
        name_end = name_start + fields["namesize"]
        if fields["namesize"] < 1 or name_end > len(raw) or raw[name_end - 1] != 0:
            raise CpioError(f"bad name at offset {offset}")
        name = raw[name_start:name_end - 1].decode()
        data_start = name_end + (-(_HEADER_LEN + fields["namesize"]) % 4)
        data_end = data_start + fields["filesize"]
        if data_end > len(raw):
            raise CpioError(f"truncated data of {name!r}")
        if name == TRAILER:
            return
        entry = CpioEntry(name, fields["mode"], raw[data_start:data_end], (fields["rdevmajor"], fields["rdevminor"]),
                          fields["nlink"])
        yield fields, entry
        offset = data_end + (-fields["filesize"] % 4)


def read_newc(raw: bytes) -> list[CpioEntry]:
    """The members of a newc archive (gzip-compressed or not), trailer excluded."""
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return [entry for _, entry in iter_newc(raw)]
