"""Fuzzing every command on generated domain XML: ``python -m tests.fuzz --examples 100000 [--seed N]``.

Each example is a domain document from ``tests/strategies.py`` (well-formed, broken, or a mutated domain of
``tests/gen_domains.py``), run through what ``validate``, ``argv`` (QEMU 6.2, 7.0 and latest), ``xml``, ``graph`` and
``timeline`` do. Only an ``InputError`` while reading the XML, and a ``ScenarioError`` for a scenario that does not
apply, are expected; anything else fails, as does an ``xml`` output that is not a fixed point of ``xml`` or an
argument that does not read back as the properties it was written from. The short run is part of ``pytest``
(``tests/test_fuzz.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Final

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from teamkit.draw.graph import device_graph_dot
from teamkit.draw.timeline import timeline_dot
from teamkit.errors import InputError
from teamkit.failover import NoFailoverPairError, ScenarioError, applicable_scenarios, simulate
from teamkit.libvirt.check import check_domain
from teamkit.libvirt.format import format_domain_document
from teamkit.libvirt.parse import domain_document_from_string, parse_network_file, parse_network_string
from teamkit.model import Network
from teamkit.qemu import LATEST, QemuVersion, render_argv
from tests.qemuopts import parse_legacy_option, sh_words
from tests.strategies import domain_xml, network_xml, seeded_domain_xml

__all__ = ["CORPUS_NETWORKS", "QEMU_VERSIONS", "documents", "exercise", "fuzz_settings", "main"]

QEMU_VERSIONS: Final = (QemuVersion(6, 2), QemuVersion(7, 0), LATEST)
NETWORKS_DIR: Final = Path(__file__).resolve().parent / "corpus" / "validate" / "networks"
CORPUS_NETWORKS: Final[Mapping[str, Network]] = {
    n.name: n for n in (parse_network_file(str(p)) for p in sorted(NETWORKS_DIR.glob("*.xml")))}


@st.composite
def documents(draw: st.DrawFn) -> tuple[bytes, Mapping[str, Network]]:
    """A domain document and the networks it is read with: none, the corpus's, or a random hostdev pool."""
    xml = draw(st.one_of(domain_xml(), seeded_domain_xml()))
    which = draw(st.sampled_from(("corpus", "corpus", "none", "random")))
    if which == "none":
        return xml, {}
    networks = dict(CORPUS_NETWORKS)
    if which == "random":
        try:
            pool = parse_network_string(draw(network_xml()), "network.xml")
        except InputError:
            pass
        else:
            networks[pool.name] = pool
    return xml, networks


def _check_option(option: str, arg: str, items: tuple[tuple[str, object], ...]) -> None:
    """The argument reads back (JSON, or QEMU's legacy syntax) as exactly the properties it was built from."""
    if arg.startswith("{"):
        assert list(json.loads(arg).items()) == list(items), (option, arg)
        return
    lead_key = "type" if option == "-netdev" else "driver"
    expected = [(k, {True: "on", False: "off"}.get(v, str(v)) if isinstance(v, bool) else str(v))
                for k, v in items]
    lead, pairs = parse_legacy_option(arg)
    assert [(lead_key, lead), *pairs] == [e for e in expected if e[0] == lead_key] + [
        e for e in expected if e[0] != lead_key], (option, arg)


def exercise(xml: bytes, networks: Mapping[str, Network]) -> str:
    """Run every command's work on ``xml``; return how far it got (``unparsable``, ``no-pair`` or ``timelines``)."""
    try:
        doc = domain_document_from_string(xml, "fuzz.xml")
    except InputError:
        return "unparsable"
    domain = doc.domain
    findings = check_domain(domain, networks=networks)
    for qemu in QEMU_VERSIONS:
        result = render_argv(domain, networks=networks, qemu=qemu, include_controllers=qemu == LATEST)
        assert (result.error is None) or not result.options
        for opt in result.options:
            _check_option(opt.option, opt.arg, opt.props.items)
        assert sh_words(result.text()) == list(result.argv)
    formatted = format_domain_document(doc)
    again = domain_document_from_string(formatted, "formatted.xml")
    assert format_domain_document(again) == formatted, "teamkit xml is not a fixed point of itself"
    device_graph_dot(domain, networks=networks, findings=findings)
    try:
        verdicts = applicable_scenarios(domain)
    except NoFailoverPairError:
        return "no-pair"
    for verdict in verdicts:
        if verdict.applicable:
            # an applicable scenario simulates: a ScenarioError here would contradict applicable_scenarios
            timeline_dot(simulate(domain, verdict.scenario))
        else:
            with pytest.raises(ScenarioError):
                simulate(domain, verdict.scenario)
    return "timelines"


def fuzz_settings(examples: int, *, derandomize: bool) -> settings:
    return settings(
        max_examples=examples, derandomize=derandomize, deadline=None, database=None, print_blob=True,
        phases=(Phase.explicit, Phase.generate, Phase.shrink), report_multiple_bugs=True,
        suppress_health_check=(HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example,
                               HealthCheck.filter_too_much),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=100_000, help="how many documents (default: 100000)")
    parser.add_argument("--seed", type=int, default=0, help="Hypothesis seed (default: 0)")
    args = parser.parse_args(argv)
    stages: Counter[str] = Counter()
    start = time.perf_counter()

    @seed(args.seed)
    @fuzz_settings(args.examples, derandomize=False)
    @given(documents())
    def run(case: tuple[bytes, Mapping[str, Network]]) -> None:
        stages[exercise(*case)] += 1

    try:
        run()
    finally:
        total = sum(stages.values())
        print(f"{total} examples in {time.perf_counter() - start:.0f} s (seed {args.seed}): "
              + ", ".join(f"{k} {v}" for k, v in sorted(stages.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
