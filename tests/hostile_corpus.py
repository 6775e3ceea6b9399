"""Hostile XML inputs, written on demand (nothing large is committed), each with the problem and line to report."""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from tests.xmlbuild import PERSISTENT, TRANSIENT_HOSTDEV_IFACE, domain_xml

__all__ = ["CASES", "HostileCase", "Refs", "write_case"]

#: a complete, valid domain (a working failover pair) that the hostile documents wrap or imitate
GOOD: Final = domain_xml(PERSISTENT, TRANSIENT_HOSTDEV_IFACE)
_HEAD: Final = "<?xml version='1.0' encoding='UTF-8'?>\n"


@dataclass(frozen=True)
class Refs:
    """What the documents point at: a local file whose content must never leak, and a URL nobody may fetch."""

    secret: Path
    url: str


@dataclass(frozen=True)
class HostileCase:
    """One hostile input: how to write it, the words the one-line error must contain, and its line (if any)."""

    name: str
    write: Callable[[Path, Refs], None]
    problem: str
    line: int | None


def _text(content: str) -> Callable[[Path, Refs], None]:
    def write(path: Path, refs: Refs) -> None:
        path.write_text(content.replace("@SECRET@", str(refs.secret)).replace("@URL@", refs.url), encoding="utf-8")

    return write


def _bytes(content: bytes) -> Callable[[Path, Refs], None]:
    def write(path: Path, refs: Refs) -> None:
        path.write_bytes(content)

    return write


def _with_name(value: str) -> str:
    """The good domain with its <name> replaced."""
    return GOOD.replace("<name>t</name>", f"<name>{value}</name>")


def _billion_laughs() -> str:
    lines = ['<!DOCTYPE domain [', ' <!ENTITY lol0 "lol">']
    lines += [f' <!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    lines.append("]>")
    return _HEAD + "\n".join(lines) + "\n" + _with_name("&lol9;")


def _quadratic() -> str:
    # one 100 kB entity referenced 30,000 times: 3 GB once expanded, from a 220 kB file
    return (_HEAD + f'<!DOCTYPE domain [<!ENTITY a "{"a" * 100_000}">]>\n'
            + _with_name("&a;" * 30_000))


def _huge(path: Path, refs: Refs) -> None:
    """200 MB: a valid start, then a sparse hole, then a valid end (no disk blocks are spent on the hole)."""
    head = GOOD.split("</devices>")[0].encode() + b"<!-- "
    tail = b" -->\n</devices>\n</domain>\n"
    with path.open("wb") as f:
        f.write(head)
        f.seek(200 * 1024 * 1024 - len(tail))
        f.write(tail)


def _deep() -> bytes:
    return b"<domain type='qemu'>\n" + b"<a>" * 100_000 + b"</a>" * 100_000 + b"\n</domain>\n"


def _invalid_utf8() -> bytes:
    return GOOD.replace("<name>t</name>", "<name>t\udcff</name>").encode("utf-8", "surrogateescape")


def _utf16_bom_utf8_decl() -> bytes:
    return ("\ufeff" + _HEAD + GOOD).encode("utf-16-le")


def _utf8_bom_utf16_decl() -> bytes:
    return b"\xef\xbb\xbf" + ("<?xml version='1.0' encoding='UTF-16'?>\n" + GOOD).encode("utf-8")


def _binary() -> bytes:
    rng = random.Random(7)
    # an ELF header followed by noise: what a mistyped path to a program looks like
    return b"\x7fELF\x02\x01\x01\x00" + bytes(rng.randrange(256) for _ in range(4096))


def _fifo(path: Path, refs: Refs) -> None:
    os.mkfifo(path)


def _directory(path: Path, refs: Refs) -> None:
    path.mkdir()
    (path / "inner.xml").write_text(GOOD)


def _wide() -> str:
    disks = "\n".join("<disk type='file' device='disk'/>" for _ in range(1_001))
    return domain_xml(PERSISTENT, TRANSIENT_HOSTDEV_IFACE, disks)


def _many() -> str:
    return GOOD.replace("<devices>", "<devices><metadata>" + "<x><y/><y/><y/><y/></x>" * 20_001 + "</metadata>")


_XI: Final = "xmlns:xi='http://www.w3.org/2001/XInclude'"

#: every hostile input, for ``teamkit validate`` and ``teamkit xml`` alike
CASES: Final = (
    HostileCase("xxe-local-file", _text(
        _HEAD + "<!DOCTYPE domain [<!ENTITY xxe SYSTEM 'file://@SECRET@'>]>\n" + _with_name("&xxe;")),
        "DOCTYPE and ENTITY declarations are not allowed", 2),
    HostileCase("xxe-parameter-entity-http", _text(
        _HEAD + "<!DOCTYPE domain [\n<!ENTITY % remote SYSTEM '@URL@/evil.dtd'>\n%remote;\n]>\n" + GOOD),
        "DOCTYPE and ENTITY declarations are not allowed", 2),
    HostileCase("billion-laughs", _text(_billion_laughs()),
                "DOCTYPE and ENTITY declarations are not allowed", 2),
    HostileCase("quadratic-blowup", _text(_quadratic()),
                "DOCTYPE and ENTITY declarations are not allowed", 2),
    HostileCase("external-dtd-file", _text(_HEAD + "<!DOCTYPE domain SYSTEM 'file://@SECRET@'>\n" + _with_name("x")),
                "DOCTYPE and ENTITY declarations are not allowed", 2),
    HostileCase("external-dtd-http", _text(_HEAD + "<!DOCTYPE domain SYSTEM '@URL@/domain.dtd'>\n" + _with_name("x")),
                "DOCTYPE and ENTITY declarations are not allowed", 2),
    HostileCase("xinclude-etc-passwd", _text(GOOD.replace(
        "<domain type='qemu'>", f"<domain type='qemu' {_XI}>").replace(
        "<name>t</name>", "<name><xi:include href='file:///etc/passwd' parse='text'/></name>")),
        "XInclude is not allowed", 2),
    HostileCase("xinclude-local-file", _text(GOOD.replace(
        "  <devices>", f"  <devices {_XI}>\n    <xi:include href='file://@SECRET@' parse='text'/>")),
        "XInclude is not allowed", 7),
    HostileCase("xinclude-http", _text(GOOD.replace(
        "  <devices>", "  <devices>\n    <xi:include xmlns:xi='http://www.w3.org/2001/XInclude' href='@URL@/x.xml'/>")),
        "XInclude is not allowed", 7),
    HostileCase("file-200mb", _huge, "teamkit reads XML files up to 4.0 MiB", None),
    HostileCase("nesting-100000-deep", _bytes(_deep()), "nested more than 256 levels deep", 2),
    HostileCase("invalid-utf8", _bytes(_invalid_utf8()), "invalid UTF-8 (byte 0xFF", 2),
    HostileCase("bom-utf16-declared-utf8", _bytes(_utf16_bom_utf8_decl()),
                "the byte-order mark says UTF-16 but the XML declaration says encoding='UTF-8'", 1),
    HostileCase("bom-utf8-declared-utf16", _bytes(_utf8_bom_utf16_decl()),
                "the byte-order mark says UTF-8 but the XML declaration says encoding='UTF-16'", 1),
    HostileCase("utf16", _bytes(("\ufeff" + GOOD).encode("utf-16-le")), "UTF-16 text (byte-order mark)", 1),
    HostileCase("empty", _bytes(b""), "empty file", 1),
    HostileCase("whitespace-only", _bytes(b"\n \n\t\n"), "empty file", 1),
    HostileCase("non-domain-root", _text("<network>\n  <name>default</name>\n</network>\n"),
                "expecting root element of 'domain', not 'network'", 1),
    HostileCase("binary", _bytes(_binary()), "binary data (NUL byte)", 1),
    HostileCase("fifo", _fifo, "is a FIFO (named pipe), not a regular file", None),
    HostileCase("directory", _directory, "is a directory, not an XML file", None),
    HostileCase("wide-1001-devices", _text(_wide()), "1003 child nodes in one element, more than the 1000", 6),
    HostileCase("many-elements", _text(_many()), "more than 100000 elements; libvirt XML has a few thousand", None),
)


def write_case(case: HostileCase, directory: Path, refs: Refs) -> Path:
    """Write ``case`` into ``directory`` (as ``<name>.xml``) and return its path."""
    path = directory / f"{case.name}.xml"
    case.write(path, refs)
    return path
