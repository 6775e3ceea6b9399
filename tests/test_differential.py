"""A short differential run: generated domains through Debian's real libvirt 9.0 and through teamkit, no disagreement.

The long run is ``python -m tests.differential --count N --seed S`` (see the README's test section); this one keeps a
fixed seed and 40 domains so that the default test run stays fast. The generator itself is checked without libvirt.
"""

from __future__ import annotations

import pytest
from lxml import etree

from tests.differential import run
from tests.gen_domains import generate, generate_domain
from tests.oracle.libvirt import libvirt_version, unavailable_reason

__all__: list[str] = []

SEED = 20260101
COUNT = 40


def test_generator_is_deterministic_and_well_formed() -> None:
    cases = generate(60, SEED)
    assert [c.xml for c in cases] == [c.xml for c in generate(60, SEED)]
    assert generate_domain(SEED, 7).xml == cases[7].xml
    assert len({c.name for c in cases}) == len(cases)
    kinds: set[str] = set()
    for case in cases:
        root = etree.fromstring(case.xml.encode())
        assert root.findtext("name") == case.name
        kinds.update(i.get("type", "") for i in root.iterfind("devices/interface"))
        if root.find("devices/hostdev") is not None:
            kinds.add("plain hostdev")
    assert {"user", "bridge", "ethernet", "network", "hostdev", "plain hostdev"} <= kinds


@pytest.mark.libvirt
def test_short_differential_run_agrees() -> None:
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(f"real libvirt oracle unavailable: {reason}")
    if not libvirt_version().startswith("9.0."):
        pytest.skip(f"live libvirt is {libvirt_version()}; teamkit's argv is compared with libvirt 9.0's")
    report = run(COUNT, SEED)
    print(report.summary())
    details = "\n".join(f"--- {r.case.name} [{d.kind}]\n{d.detail}\n{r.case.xml}"
                        for r in report.disagreeing for d in r.disagreements)
    assert not report.disagreeing, details
    assert sum(1 for r in report.results if r.verdict.argv is not None) >= 5
