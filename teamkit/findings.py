"""A finding is data: code, severity, message, libvirt's exact text, where it is, and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from teamkit.libvirt.messages import Severity, message
from teamkit.model import SourceRef

__all__ = ["Finding", "make_finding"]


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    message: str
    libvirt_message: str | None
    line: int | None
    xpath: str | None
    hint: str | None
    #: ``parse``, ``define`` or ``start`` for libvirt errors; ``None`` for teamkit's advisories
    stage: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "libvirt_message": self.libvirt_message,
            "line": self.line,
            "xpath": self.xpath,
            "hint": self.hint,
            "stage": self.stage,
        }


def make_finding(code: str, *, at: SourceRef, **fields: object) -> Finding:
    """Build a finding from the message table; ``fields`` fill the template (and the hint, for advisories)."""
    entry = message(code)
    text = entry.text(**fields)
    hint = entry.hint.format(**fields) if "{" in entry.hint else entry.hint
    return Finding(
        code=code,
        severity=entry.severity,
        message=text,
        libvirt_message=entry.libvirt_text(**fields),
        line=at.line,
        xpath=at.xpath,
        hint=hint,
        stage=entry.stage.value if entry.stage is not None else None,
    )
