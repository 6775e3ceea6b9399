"""Every message code has a minimal failing example (or a stated reason why no domain reaches it), and checking the
example really reports that code: first among the errors for a libvirt rule, with no error for an advisory."""

from __future__ import annotations

import pytest

from teamkit.libvirt.examples import EXAMPLES, UNREACHABLE, example_findings
from teamkit.libvirt.messages import MESSAGES, Severity


def test_every_code_is_covered_exactly_once() -> None:
    missing = sorted(set(MESSAGES) - set(EXAMPLES) - set(UNREACHABLE))
    assert missing == [], f"codes without an example: {missing}"
    assert sorted(set(EXAMPLES) & set(UNREACHABLE)) == []
    assert sorted((set(EXAMPLES) | set(UNREACHABLE)) - set(MESSAGES)) == []


@pytest.mark.parametrize("code", sorted(EXAMPLES))
def test_example_reports_its_code(code: str) -> None:
    findings = example_findings(EXAMPLES[code])
    errors = [f.code for f in findings if f.is_error]
    if MESSAGES[code].severity is Severity.ERROR:
        assert errors[:1] == [code], [f.code for f in findings]
        error_class = MESSAGES[code].error_class
        assert error_class is not None
        assert findings[0].libvirt_message == f"{error_class.value}: {findings[0].message}"
    else:
        assert errors == []
        assert code in [f.code for f in findings]


def test_unreachable_codes_say_why() -> None:
    for code, reason in UNREACHABLE.items():
        assert len(reason) > 20, code
