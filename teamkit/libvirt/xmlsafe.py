"""Safe XML loading: bounded size, no DTD, no entities, no network; every failure is an InputError with a line."""

from __future__ import annotations

import os
import stat
from typing import Final

from lxml import etree

from teamkit.errors import InputError

__all__ = ["MAX_BYTES", "load_xml", "parse_xml_bytes", "read_bounded"]

#: libvirt domain and network definitions are a few kilobytes; anything past this is refused unread
MAX_BYTES: Final = 4 * 1024 * 1024


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
        collect_ids=False,
    )


def read_bounded(path: str, *, limit: int = MAX_BYTES) -> bytes:
    """Read at most ``limit`` bytes of a regular file, refusing anything larger, a directory or a device."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except IsADirectoryError:
        raise InputError(path, "is a directory, not an XML file") from None
    except PermissionError:
        raise InputError(path, "permission denied") from None
    except OSError as exc:
        raise InputError(path, f"cannot open: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise InputError(path, "is a directory, not an XML file")
        if not stat.S_ISREG(st.st_mode):
            raise InputError(path, "is not a regular file")
        if st.st_size > limit:
            raise InputError(path, f"file is {st.st_size} bytes; teamkit reads XML files up to {limit} bytes")
        chunks = []
        total = 0
        while True:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            total += len(chunk)
            if total > limit:
                raise InputError(path, f"file is larger than {limit} bytes; teamkit reads XML files up to that size")
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def parse_xml_bytes(data: bytes, path: str, *, root: str) -> etree._ElementTree:
    """Parse ``data`` safely and check that the root element is ``root``."""
    if len(data) > MAX_BYTES:
        raise InputError(path, f"input is {len(data)} bytes; teamkit reads XML up to {MAX_BYTES} bytes")
    if not data.strip():
        raise InputError(path, "empty file, expected a <" + root + "> XML document", line=1)
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(path, "binary data, not an XML document", line=_line_of(data, data.index(b"\x00")))
    for marker in (b"<!DOCTYPE", b"<!ENTITY"):
        pos = data.find(marker)
        if pos >= 0:
            raise InputError(
                path,
                "DOCTYPE and ENTITY declarations are not allowed (libvirt XML has none; entities are never expanded)",
                line=_line_of(data, pos),
            )
    try:
        tree = etree.ElementTree(etree.fromstring(data, parser=_parser()))
    except etree.XMLSyntaxError as exc:
        msg = (exc.msg or "not well-formed").strip()
        # lxml appends ", line N, column M"; the line is reported separately
        msg = msg.split(", line ")[0]
        raise InputError(path, f"malformed XML: {msg}", line=exc.lineno or None) from None
    except ValueError as exc:  # e.g. unicode strings with an encoding declaration
        raise InputError(path, f"malformed XML: {exc}") from None
    doc_root = tree.getroot()
    tag = doc_root.tag if isinstance(doc_root.tag, str) else ""
    if tag != root:
        raise InputError(
            path,
            f"expecting root element of '{root}', not '{etree.QName(doc_root).localname if tag else '?'}'",
            line=doc_root.sourceline if isinstance(doc_root.sourceline, int) else None,
            element=tag or None,
        )
    return tree


def load_xml(path: str, *, root: str) -> etree._ElementTree:
    """Read and safely parse an XML file whose root element must be ``root``."""
    return parse_xml_bytes(read_bounded(path), path, root=root)
