"""libvirt's scalar parsers (strtoul rules, MAC addresses, yes/no and on/off words), reproduced exactly."""

from __future__ import annotations

from typing import Final

__all__ = ["UINT_MAX", "format_mac", "parse_mac", "parse_uint"]

UINT_MAX: Final = 0xFFFFFFFF
_C_SPACE: Final = " \t\n\v\f\r"
_HEX: Final = "0123456789abcdefABCDEF"


def parse_uint(text: str, base: int) -> int | None:
    """``virStrToLong_uip``: the whole string is an unsigned int in ``base`` (0: C prefixes); else ``None``."""
    s = text.lstrip(_C_SPACE)
    if s.startswith("+"):
        s = s[1:]
    elif s.startswith("-"):
        return None
    if not s:
        return None
    if base == 0:
        if s[:2] in ("0x", "0X") and len(s) > 2 and s[2] in _HEX:
            base, s = 16, s[2:]
        elif s.startswith("0") and len(s) > 1:
            base, s = 8, s[1:]
        else:
            base = 10
    elif base == 16 and s[:2] in ("0x", "0X") and len(s) > 2 and s[2] in _HEX:
        s = s[2:]
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"[:base]
    if not s or any(c.lower() not in digits for c in s):
        return None
    value = int(s, base)
    return value if value <= UINT_MAX else None


def parse_mac(text: str) -> tuple[int, ...] | None:
    """``virMacAddrParse``: six 1–2 digit hex octets separated by ':'; ``None`` when libvirt cannot parse it.

    >>> parse_mac("00:11:22:33:44:55 trailing")
    (0, 17, 34, 51, 68, 85)
    >>> parse_mac("00:11:22:33:44:55\u00e9") is not None, parse_mac("00:11:22:33:44:55x")
    (True, None)
    """
    octets: list[int] = []
    pos = 0
    for i in range(6):
        if pos >= len(text) or text[pos] not in _HEX:
            return None
        end = pos
        while end < len(text) and text[end] in _HEX:
            end += 1
        if not 1 <= end - pos <= 2:
            return None
        octets.append(int(text[pos:end], 16))
        if i == 5:
            # ``*end_ptr <= ' '`` on a signed char: a blank, a control character or any non-ASCII byte ends it
            return tuple(octets) if end >= len(text) or text[end] <= " " or text[end] > "\x7f" else None
        if end >= len(text) or text[end] != ":":
            return None
        pos = end + 1
    return None


def format_mac(octets: tuple[int, ...]) -> str:
    """``virMacAddrFormat``: lower-case, two digits per octet."""
    return ":".join(f"{o:02x}" for o in octets)
