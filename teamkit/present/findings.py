"""Findings for people: libvirt's verdict, each finding with its exact text, why the rule exists and the fix."""

from __future__ import annotations

from collections.abc import Sequence

from teamkit.findings import Finding
from teamkit.libvirt.messages import MESSAGES
from teamkit.present.rich import Rich, badge, escape

__all__ = ["findings_html", "findings_text", "show_findings", "verdict", "verdict_html"]


def verdict(findings: Sequence[Finding]) -> str:
    """``libvirt accepts it (0 error(s), 2 advisory(ies))``, as ``teamkit validate`` says it."""
    errors = sum(1 for f in findings if f.is_error)
    word = "refuses" if errors else "accepts"
    return f"libvirt {word} it ({errors} error(s), {len(findings) - errors} advisory(ies))"


def verdict_html(findings: Sequence[Finding]) -> str:
    errors = sum(1 for f in findings if f.is_error)
    kind = "error" if errors else "ok"
    label = "refused" if errors else "accepted"
    return (f"<div class='teamkit-verdict' style='margin:2px 0 6px 0;line-height:1.4'>{badge(label, kind)} "
            f"<span style='font-weight:600'>{escape(verdict(findings))}</span></div>")


def _why(code: str) -> str | None:
    entry = MESSAGES.get(code)
    return entry.why if entry is not None else None


def _one_html(f: Finding, *, with_why: bool) -> str:
    text = f.libvirt_message or f.message
    where = []
    if f.stage:
        where.append(f"at {f.stage}")
    if f.line:
        where.append(f"line {f.line}")
    meta = f" <span style='opacity:.7'>[{escape(f.code)}{', ' if where else ''}{escape(', '.join(where))}]</span>"
    shown = f"<code>{escape(text)}</code>" if f.libvirt_message else escape(text)
    parts = [f"<div>{badge(f.severity.value, f.severity.value)} {shown}{meta}</div>"]
    why = _why(f.code) if with_why else None
    if why:
        parts.append(f"<div style='margin-left:66px'><i>why:</i> {escape(why)}</div>")
    if f.hint:
        parts.append(f"<div style='margin-left:66px'><i>fix:</i> {escape(f.hint)}</div>")
    return f"<li style='list-style:none;margin:0 0 6px 0'>{''.join(parts)}</li>"


def findings_html(findings: Sequence[Finding], *, with_why: bool = True, with_verdict: bool = True) -> str:
    """The verdict, then every finding (errors first, in libvirt's order) with why and fix."""
    if not findings:
        items = "<li style='list-style:none'>no findings</li>"
    else:
        items = "".join(_one_html(f, with_why=with_why) for f in findings)
    head = verdict_html(findings) if with_verdict else ""
    return (f"<div class='teamkit-findings' style='line-height:1.45;font-size:13px'>{head}"
            f"<ul style='padding-left:0;margin:0'>{items}</ul></div>")


def findings_text(findings: Sequence[Finding], *, with_why: bool = False) -> str:
    """The same as plain text, one finding per line with its fix indented (like ``teamkit validate``)."""
    lines = [verdict(findings)]
    for f in findings:
        stage = f" at {f.stage}" if f.stage else ""
        line = f" (line {f.line})" if f.line else ""
        lines.append(f"  {f.severity.value}{stage} [{f.code}]{line} {f.libvirt_message or f.message}")
        why = _why(f.code) if with_why else None
        if why:
            lines.append(f"      why: {why}")
        if f.hint:
            lines.append(f"      fix: {f.hint}")
    return "\n".join(lines)


def show_findings(findings: Sequence[Finding], *, with_why: bool = True) -> Rich:
    """Findings as a notebook display object."""
    return Rich(findings_html(findings, with_why=with_why), findings_text(findings, with_why=with_why))
