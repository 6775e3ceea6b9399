"""Independent readers of what teamkit writes: QEMU's legacy ``key=value`` option syntax and POSIX shell words."""

from __future__ import annotations

import shlex

__all__ = ["parse_legacy_option", "sh_words"]


def parse_legacy_option(arg: str) -> tuple[str, list[tuple[str, str]]]:
    """Split ``driver,key=value,…`` as QEMU's ``QemuOpts`` does: a single ``,`` ends an item, ``,,`` is a literal
    comma, the first item is the implied ``driver`` (or ``type``), and each other item is ``key=value`` split at
    its first ``=``. Raises ``ValueError`` for an item without ``=`` (QEMU would read it as a boolean flag)."""
    items: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(arg):
        c = arg[i]
        if c == ",":
            if arg[i + 1:i + 2] == ",":
                current.append(",")
                i += 2
                continue
            items.append("".join(current))
            current = []
        else:
            current.append(c)
        i += 1
    items.append("".join(current))
    lead, rest = items[0], items[1:]
    pairs: list[tuple[str, str]] = []
    for item in rest:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"item {item!r} of {arg!r} has no '='")
        pairs.append((key, value))
    return lead, pairs


def _unfold(text: str) -> str:
    """Remove backslash-newline line continuations outside single quotes, as a POSIX shell does before it splits
    words (``shlex`` keeps them as an escaped newline); only the quoting ``shell_quote`` uses is understood."""
    out: list[str] = []
    quoted = False
    i = 0
    while i < len(text):
        c = text[i]
        if quoted:
            quoted = c != "'"
            out.append(c)
        elif c == "'":
            quoted = True
            out.append(c)
        elif c == "\\" and text[i + 1:i + 2] == "\n":
            i += 2
            continue
        elif c == "\\":
            out.append(text[i:i + 2])
            i += 2
            continue
        else:
            out.append(c)
        i += 1
    return "".join(out)


def sh_words(text: str) -> list[str]:
    """The words a POSIX shell makes of ``text`` (``shlex`` after line continuations are removed)."""
    return shlex.split(_unfold(text), comments=False, posix=True)
