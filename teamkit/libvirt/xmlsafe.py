"""Safe XML loading: bounded size, UTF-8 only, no DTD, entities or XInclude, no network; failures are InputErrors."""

from __future__ import annotations

import codecs
import os
import re
import stat
from typing import Final

from lxml import etree

from teamkit.errors import InputError

__all__ = ["MAX_BYTES", "MAX_CHILDREN", "MAX_DEPTH", "MAX_ELEMENTS", "load_xml", "parse_xml_bytes", "read_bounded"]

#: libvirt domain and network definitions are a few kilobytes; anything past this is refused unread
MAX_BYTES: Final = 4 * 1024 * 1024
#: libxml2's element nesting limit without XML_PARSE_HUGE (libvirt XML nests fewer than 10 levels)
MAX_DEPTH: Final = 256
#: elements in one document (a large libvirt domain has a few thousand); bounds memory before the tree is built
MAX_ELEMENTS: Final = 100_000
#: element children of one element (a domain lists at most a few hundred devices); bounds the per-device checks
MAX_CHILDREN: Final = 1_000

_XINCLUDE_NAMESPACES: Final = ("http://www.w3.org/2001/XInclude", "http://www.w3.org/2003/XInclude")
#: markup that declares or pulls in a DTD: internal subsets (entities, billion laughs) and external DTDs
_DECLARATIONS: Final = ("<!DOCTYPE", "<!ENTITY", "<!ELEMENT", "<!ATTLIST", "<!NOTATION")
_ENCODING_DECL: Final = re.compile(rb"""^<\?xml\s[^>]*?\bencoding\s*=\s*(["'])([A-Za-z0-9._:-]+)\1""")
#: byte-order marks, longest first (the UTF-32 LE mark starts with the UTF-16 LE one): (mark, name, codec)
_BOMS: Final = (
    (codecs.BOM_UTF32_LE, "UTF-32", "utf-32-le"),
    (codecs.BOM_UTF32_BE, "UTF-32", "utf-32-be"),
    (codecs.BOM_UTF8, "UTF-8", "utf-8"),
    (codecs.BOM_UTF16_LE, "UTF-16", "utf-16-le"),
    (codecs.BOM_UTF16_BE, "UTF-16", "utf-16-be"),
)
#: wide text without a mark, recognised by its first character '<' (XML 1.0 appendix F)
_WIDE_STARTS: Final = (
    (b"<\x00\x00\x00", "UTF-32", "utf-32-le"),
    (b"\x00\x00\x00<", "UTF-32", "utf-32-be"),
    (b"<\x00", "UTF-16", "utf-16-le"),
    (b"\x00<", "UTF-16", "utf-16-be"),
)
_WIDE: Final = ("UTF-16", "UTF-32")
_SLICE: Final = 1 << 16


def _pull_parser() -> etree.XMLPullParser:
    # The bytes handed to libxml2 are always UTF-8 (see _decode): the encoding override ignores the declaration.
    return etree.XMLPullParser(
        events=("start",), encoding="utf-8", resolve_entities=False, no_network=True, load_dtd=False,
        dtd_validation=False, huge_tree=False, remove_comments=False, collect_ids=False,
    )


def _plain_parser() -> etree.XMLParser:
    return etree.XMLParser(
        encoding="utf-8", resolve_entities=False, no_network=True, load_dtd=False,
        dtd_validation=False, huge_tree=False, remove_comments=False, collect_ids=False,
    )


def read_bounded(path: str, *, limit: int = MAX_BYTES) -> bytes:
    """Read at most ``limit`` bytes of a regular file, refusing anything larger, a directory, a FIFO or a device."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
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
            raise InputError(path, f"is a {_file_kind(st.st_mode)}, not a regular file")
        if st.st_size > limit:
            raise InputError(path, f"file is {_size(st.st_size)}; teamkit reads XML files up to {_size(limit)}")
        chunks = []
        total = 0
        while True:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            total += len(chunk)
            if total > limit:
                raise InputError(path, f"file is larger than {_size(limit)}; teamkit reads XML files up to that size")
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "character device"
    if stat.S_ISBLK(mode):
        return "block device"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "special file"


def _size(n: int) -> str:
    if n >= 1 << 20:
        return f"{n / (1 << 20):.1f} MiB ({n} bytes)"
    return f"{n} bytes"


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _declared_encoding(head: bytes) -> str | None:
    match = _ENCODING_DECL.match(head)
    return match.group(2).decode("ascii") if match else None


def _same_encoding(declared: str, name: str) -> bool:
    try:
        return codecs.lookup(declared).name.split("-")[:2] == codecs.lookup(name).name.split("-")[:2]
    except LookupError:
        return False


def _sniff(data: bytes) -> tuple[bytes, str, str]:
    """The byte-order mark (or b""), the encoding it or the first character implies, and its codec ("" if none)."""
    for mark, name, codec in _BOMS:
        if data.startswith(mark):
            return mark, name, codec
    for start, name, codec in _WIDE_STARTS:
        if data.startswith(start):
            return b"", name, codec
    return b"", "", ""


def _decode(data: bytes, path: str) -> str:
    """The document as text, read the way libvirt reads it: UTF-8, whatever the declaration says.

    A byte-order mark that contradicts the XML declaration, and UTF-16 or UTF-32 text (which ``virsh define`` cuts
    at its first NUL byte), are refused; so are NUL bytes (binary data) and invalid UTF-8.
    """
    bom, name, codec = _sniff(data)
    if name in _WIDE:
        head = data[len(bom):len(bom) + 1024].decode(codec, "replace")
        declared = _declared_encoding(head.encode("ascii", "replace"))
        if declared is not None and not _same_encoding(declared, name):
            what = "byte-order mark" if bom else "text"
            raise InputError(path, f"the {what} says {name} but the XML declaration says encoding='{declared}'",
                             line=1)
        how = " (byte-order mark)" if bom else ""
        raise InputError(path, f"{name} text{how}; libvirt reads domain XML as UTF-8", line=1)
    body = data[len(bom):]
    declared = _declared_encoding(body[:1024])
    if bom and declared is not None and not _same_encoding(declared, "UTF-8"):
        raise InputError(path, f"the byte-order mark says UTF-8 but the XML declaration says encoding='{declared}'",
                         line=1)
    if declared is not None and any(_same_encoding(declared, wide) for wide in _WIDE):
        raise InputError(path, f"the XML declaration says encoding='{declared}' but the text is not {declared} "
                               "(libvirt reads domain XML as UTF-8)", line=1)
    nul = body.find(b"\x00")
    if nul >= 0:
        raise InputError(path, "binary data (NUL byte), not an XML document", line=_line_of(body, nul))
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = _line_of(body, exc.start)
        column = exc.start - (body.rfind(b"\n", 0, exc.start) + 1) + 1
        declared_note = ""
        if declared is not None and not _same_encoding(declared, "UTF-8"):
            declared_note = f"; the declaration says {declared}, but libvirt reads UTF-8"
        raise InputError(path, f"invalid UTF-8 (byte 0x{body[exc.start]:02X} at column {column}){declared_note}",
                         line=line) from None


def _refuse_declarations(text: str, path: str) -> None:
    for marker in _DECLARATIONS:
        pos = text.find(marker)
        if pos >= 0:
            raise InputError(
                path,
                "DOCTYPE and ENTITY declarations are not allowed (libvirt XML has none; entities and external DTDs "
                "are never loaded)",
                line=text.count("\n", 0, pos) + 1,
            )


def _build_tree(data: bytes, path: str) -> etree._ElementTree:
    """Parse in slices, counting elements as they open, so an oversized document stops before it is all built."""
    parser = _pull_parser()
    elements = 0
    try:
        for start in range(0, len(data), _SLICE):
            parser.feed(data[start:start + _SLICE])
            elements += sum(1 for _ in parser.read_events())
            if elements > MAX_ELEMENTS:
                raise InputError(path, f"more than {MAX_ELEMENTS} elements; libvirt XML has a few thousand at most")
        return etree.ElementTree(parser.close())
    except etree.XMLSyntaxError as exc:
        problem, line = _syntax_problem(exc, data)
        raise InputError(path, problem, line=line) from None


def _refuse_wide(root: etree._Element, path: str) -> None:
    for el in root.iter():
        if len(el) > MAX_CHILDREN:
            tag = el.tag if isinstance(el.tag, str) else None
            raise InputError(path, f"{len(el)} child nodes in one element, more than the {MAX_CHILDREN} teamkit reads",
                             line=el.sourceline if isinstance(el.sourceline, int) else None, element=tag)


def _syntax_problem(exc: etree.XMLSyntaxError, data: bytes) -> tuple[str, int | None]:
    """libxml2's message and line for a document that failed to parse."""
    if not exc.lineno:
        # A feed parser may only say "no element found"; one plain parse (it stops at the same first error, before
        # MAX_ELEMENTS elements) gives libxml2's own message and line.
        try:
            etree.fromstring(data, parser=_plain_parser())
        except etree.XMLSyntaxError as plain:
            exc = plain
    msg = (exc.msg or "not well-formed").strip()
    # lxml appends ", line N, column M"; the line is reported separately
    msg = re.sub(r", line \d+, column \d+.*$", "", msg)
    if msg.startswith("Excessive depth in document"):
        return f"elements nested more than {MAX_DEPTH} levels deep (libvirt XML needs about 10)", exc.lineno or None
    return f"malformed XML: {msg}", exc.lineno or None


def parse_xml_bytes(data: bytes, path: str, *, root: str) -> etree._ElementTree:
    """Parse ``data`` safely and check that the root element is ``root``."""
    if len(data) > MAX_BYTES:
        raise InputError(path, f"input is {_size(len(data))}; teamkit reads XML up to {_size(MAX_BYTES)}")
    if not data.strip() or data == codecs.BOM_UTF8:
        raise InputError(path, "empty file, expected a <" + root + "> XML document", line=1)
    text = _decode(data, path)
    if not text.strip(" \t\r\n\ufeff"):
        raise InputError(path, "empty file, expected a <" + root + "> XML document", line=1)
    _refuse_declarations(text, path)
    tree = _build_tree(text.encode("utf-8"), path)
    docinfo = tree.docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.system_url or docinfo.public_id:
        raise InputError(path, "DOCTYPE declarations are not allowed (libvirt XML has none)")
    doc_root = tree.getroot()
    for xinclude in doc_root.iter(*(f"{{{ns}}}*" for ns in _XINCLUDE_NAMESPACES)):
        raise InputError(
            path,
            "XInclude is not allowed (teamkit never loads other files; libvirt does not process XInclude)",
            line=xinclude.sourceline if isinstance(xinclude.sourceline, int) else None,
            element=f"xi:{etree.QName(xinclude).localname}",
        )
    _refuse_wide(doc_root, path)
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
