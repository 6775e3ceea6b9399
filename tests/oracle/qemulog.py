"""QEMU command lines and launch errors from libvirt's domain logs, with run-specific parts normalised."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

__all__ = ["last_argv", "normalise", "qemu_launch_error", "unrandomise_mac"]

_QEMU_TS_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z ")
# libvirt's wrappers around a QEMU that died during launch; which one appears is a race.
_LAUNCH_RE = re.compile(r"^internal error: (qemu unexpectedly closed the monitor|process exited while connecting to "
                        r"monitor): (qemu-system-\w+: )?")
_RANDOM_MAC_RE = re.compile(r"(52:54:00:)[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}")
_VOLATILE = ((re.compile(r"domain-\d+-"), "domain-ID-"), (re.compile(r'"(fd|vhostfd)":"\d+"'), r'"\1":"FD"'),
             (re.compile(r"\b(fd|vhostfd)=\d+"), r"\1=FD"))
# multiqueue taps: "fds":"9:10" (one fd per queue; the count stays visible)
_FDS_RE = re.compile(r'("(?:fds|vhostfds)":"|\b(?:fds|vhostfds)=)(\d+(?::\d+)*)')


def last_argv(log: Path, root: Path) -> tuple[str, ...] | None:
    """The last command line in a QEMU domain log: env assignments dropped, the embed root replaced by $ROOT."""
    if not log.exists():
        return None
    lines = log.read_text(errors="replace").splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("LC_ALL=")]
    if not starts:
        return None
    block: list[str] = []
    for line in lines[starts[-1]:]:
        block.append(line[:-1] if line.endswith("\\") else line)
        if not line.endswith("\\"):
            break
    words = shlex.split(" ".join(block))
    while words and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):
        words.pop(0)
    return tuple(normalise(w, root) for w in words)


def normalise(text: str, root: Path) -> str:
    """Replace run-specific parts (embed root, per-run domain ids, file descriptor numbers) with placeholders."""
    text = text.replace(str(root), "$ROOT")
    for pattern, replacement in _VOLATILE:
        text = pattern.sub(replacement, text)
    return _FDS_RE.sub(lambda m: m.group(1) + ":".join("FD" for _ in m.group(2).split(":")), text)


def qemu_launch_error(message: str, root: Path) -> str:
    """QEMU's own complaint from libvirt's launch-failure message (libvirt's racy wrapper and timestamps dropped)."""
    return normalise(_LAUNCH_RE.sub("", _QEMU_TS_RE.sub("", message)), root)


def unrandomise_mac(argv: tuple[str, ...]) -> tuple[str, ...]:
    """Replace MACs libvirt generated at random (52:54:00:xx:xx:xx) by a placeholder."""
    return tuple(_RANDOM_MAC_RE.sub(r"\1RANDOM", a) for a in argv)
