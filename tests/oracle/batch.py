"""One virsh invocation for many domains: the ;-separated command script and per-step parsing of its output."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["MARK", "Step", "StepOutput", "build_script", "split_output", "virsh_quote"]

MARK = "@@teamkit-oracle"
_MARK_RE = re.compile(rf"^{re.escape(MARK)} (\d+) (\w+)$")
# virsh's own wrapper lines that precede libvirt's message (tools/virsh-domain.c).
_WRAPPER_RE = re.compile(r"^(Failed to (define|start|destroy|undefine) domain\b.*|Failed to get domain\b.*)$")
# libvirt's logging to stderr: "2026-01-01 00:00:00.000+0000: 123: warning : func:42 : text".
_LOG_RE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+\+\d{4}: \d+: \w+ : ")


@dataclass(frozen=True)
class Step:
    """One virsh command of a case (kind names the parse slot: define, start, ...)."""

    case: int
    kind: str
    command: str


@dataclass
class StepOutput:
    """What virsh printed for one step: its plain lines and libvirt error messages (wrappers removed)."""

    lines: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def virsh_quote(arg: str) -> str:
    """Quote one argument for virsh's command-string parser (single quotes; no quote inside)."""
    if "'" in arg or "\n" in arg:
        raise ValueError(f"cannot pass {arg!r} to virsh")
    return f"'{arg}'"


def build_script(steps: list[Step]) -> str:
    """The ;-separated virsh script, each step preceded by an echo marker and a final end marker."""
    parts: list[str] = []
    for step in steps:
        parts.append(f"echo {MARK} {step.case} {step.kind}")
        parts.append(step.command)
    parts.append(f"echo {MARK} -1 end")
    return "; ".join(parts)


def split_output(text: str) -> tuple[dict[tuple[int, str], StepOutput], bool]:
    """Per-step outputs of a combined stdout+stderr stream, and whether the end marker was reached.

    virsh flushes stdout before every error, so one pipe keeps the order. A multi-line libvirt message (e.g. the tail of
    a QEMU log) continues until the next marker and is joined with newlines.
    """
    outputs: dict[tuple[int, str], StepOutput] = {}
    current: StepOutput | None = None
    finished = False
    in_error = False
    for raw in text.splitlines():
        line = raw.rstrip("\r")
        if line.startswith(MARK):
            if line == f"{MARK} -1 end":
                finished = True
                current = None
                continue
            m = _MARK_RE.match(line)
            if m:
                current = outputs.setdefault((int(m.group(1)), m.group(2)), StepOutput())
                in_error = False
                continue
        if current is None or _LOG_RE.match(line):
            continue
        if line.startswith("error: "):
            message = line[len("error: "):]
            in_error = not _WRAPPER_RE.match(message)
            if in_error:
                current.errors.append(message)
        elif not line:
            in_error = False
        elif in_error:
            current.errors[-1] += "\n" + line
        else:
            current.lines.append(line)
    for out in outputs.values():
        out.errors = [e.rstrip("\n") for e in out.errors]
    return outputs, finished
