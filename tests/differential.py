"""Differential testing: generated domains through real libvirt (the oracle) and through teamkit, disagreements listed.

    .venv/bin/python -m tests.differential --count 1000 --seed 1

For every generated domain (``tests/gen_domains.py``) it compares

* the verdict and libvirt's first error, exactly (class prefix included). When the oracle could only define the
  domain (``checked: define``: networks, macvtap, non-PCI hostdevs), teamkit's errors that libvirt raises only at
  start are left out of the comparison; when it started the domain, all of teamkit's errors count. The oracle's
  embedded libvirt has no network driver, so it cannot resolve ``<interface type='network'>`` at define; teamkit is
  given no network definitions either;
* for every domain libvirt started, the ``-netdev``/``-device`` options of the NICs, the ``vfio-pci`` devices and the
  PCI controllers: teamkit's ``render_argv(..., qemu=7.2, include_controllers=True)`` against the argv libvirt 9.0
  really built, token for token, after the oracle's normalisation (file descriptors, generated MACs).

Disagreeing cases are written, each with its XML and a JSON report, to ``--out`` (default
``.cache/differential/seed-S``).
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from teamkit.findings import Finding
from teamkit.libvirt.check import check_domain
from teamkit.libvirt.parse import parse_domain_string, parse_network_file
from teamkit.model import Network
from teamkit.qemu import HostFacts, QemuVersion, render_argv
from tests.gen_domains import NETWORKS_DIR, GeneratedDomain, generate
from tests.oracle.domain import inspect_domain
from tests.oracle.host import OracleError, unavailable_reason
from tests.oracle.libvirt import Verdict, judge, libvirt_version, qemu_version
from tests.oracle.qemulog import normalise, unrandomise_mac

__all__ = [
    "CONTROLLER_DRIVERS",
    "ENVIRONMENT",
    "RUNTIME_FACTS",
    "RUNTIME_LIBVIRT",
    "RUNTIME_QEMU",
    "CaseResult",
    "Comparison",
    "Disagreement",
    "Report",
    "compare_argv",
    "compare_case",
    "load_networks",
    "main",
    "run",
    "select_options",
    "teamkit_options",
]

REPO = Path(__file__).resolve().parents[1]
#: the QEMU libvirt 9.0 drives on Debian 12, as teamkit's --qemu spells it
RUNTIME_QEMU = QemuVersion.parse("7.2")
#: the libvirt release of the oracle (Debian 12)
RUNTIME_LIBVIRT = (9, 0)
#: what the oracle's host looks like to libvirt at start: ``<domain type='qemu'>`` gets no vhost-net, and the fake
#: VFs have PCI Express config space
RUNTIME_FACTS = HostFacts(harness_vhost=False, conventional_pci=frozenset())
#: QEMU devices that are PCI controllers on libvirt's command line
CONTROLLER_DRIVERS = frozenset({
    "pcie-root-port", "pci-bridge", "pcie-pci-bridge", "i82801b11-bridge", "x3130-upstream", "xio3130-downstream",
    "pxb", "pxb-pcie", "ioh3420",
})
_GENERATED_MAC_RE = re.compile(r"\b52:54:00:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}\b")
#: start-time failures that come from the oracle's host, not from a libvirt rule teamkit could model
ENVIRONMENT: Final = (
    (re.compile(r"^internal error: Child process \(tc "),
     "<bandwidth>: the oracle's kernel has no traffic-control qdisc for libvirt's tc commands"),
    (re.compile(r"^internal error: Unable to add port \S+ to OVS bridge "),
     "<virtualport type='openvswitch'>: the oracle's host has no Open vSwitch"),
    (re.compile(r"^Requested operation is not valid: PCI device \S+ is not assignable$"),
     "non-VFIO <driver name>: libvirt's ACS check reads the host's PCI topology (the fake sysfs has none)"),
    (re.compile(r"^Requested operation is not valid: The \S+ interface already exists$"),
     "<target dev> of a managed tap names a device that exists on the oracle's host"),
    (re.compile(r"^Unable to create tap device \S+: Invalid argument$"),
     "unmanaged tap opened with several queues: the oracle pre-creates it without multi_queue"),
)


def _props(arg: str) -> dict[str, Any]:
    if arg.startswith("{"):
        data: dict[str, Any] = json.loads(arg)
        return data
    head, _, rest = arg.partition(",")
    props: dict[str, Any] = {"driver": head}
    for part in rest.split(","):
        key, _, value = part.partition("=")
        props[key] = value
    return props


def select_options(argv: Sequence[str]) -> list[tuple[str, str]]:
    """From a full QEMU argv: every ``-netdev``, and every ``-device`` that is a NIC, ``vfio-pci`` or a PCI
    controller, in command-line order."""
    picked: list[tuple[str, str]] = []
    for option, arg in itertools.pairwise(argv):
        if option == "-netdev":
            picked.append((option, arg))
        elif option == "-device":
            props = _props(arg)
            if "netdev" in props or props.get("driver") == "vfio-pci" or props.get("driver") in CONTROLLER_DRIVERS:
                picked.append((option, arg))
    return picked


def load_networks(directory: Path = NETWORKS_DIR) -> dict[str, Network]:
    """The network definitions the corpus and the generated domains name, by name."""
    nets = [parse_network_file(str(p)) for p in sorted(directory.glob("*.xml"))]
    return {n.name: n for n in nets}


def teamkit_options(xml: str, networks: Mapping[str, Network]) -> tuple[list[tuple[str, str]], str | None]:
    """teamkit's NIC, vfio-pci and controller options for libvirt 9.0 + QEMU 7.2, normalised like the oracle's argv
    (file descriptors as ``FD``; generated MACs as ``52:54:00:RANDOM`` when the domain has a NIC without ``<mac>``)."""
    domain = parse_domain_string(xml)
    result = render_argv(domain, networks=networks, qemu=RUNTIME_QEMU, host=RUNTIME_FACTS, include_controllers=True,
                         libvirt=RUNTIME_LIBVIRT)
    argv = tuple(normalise(a, REPO) for a in result.argv)
    if inspect_domain(xml, fake_sysfs=True).random_mac:
        argv = unrandomise_mac(argv)
    return [(argv[i], argv[i + 1]) for i in range(0, len(argv), 2)], result.error


@dataclass(frozen=True)
class Disagreement:
    """One way teamkit and libvirt differ on a case."""

    #: ``accept`` (teamkit rejects what libvirt accepts), ``reject`` (teamkit accepts what libvirt rejects),
    #: ``message`` (both reject, different first error), ``stage``, ``argv``, ``argv-error`` or ``crash``
    kind: str
    detail: str


@dataclass
class Comparison:
    """teamkit against libvirt on one case."""

    disagreements: list[Disagreement] = field(default_factory=list)
    #: the comparison needed an environment normalisation (a generated MAC in libvirt's message)
    normalised: bool = False
    #: libvirt failed at start for a reason of the oracle's host (see ``ENVIRONMENT``); not compared
    environment: str | None = None


@dataclass
class CaseResult:
    case: GeneratedDomain
    verdict: Verdict
    comparison: Comparison

    @property
    def disagreements(self) -> list[Disagreement]:
        return self.comparison.disagreements


def _errors(findings: Sequence[Finding], verdict: Verdict) -> list[Finding]:
    errors = [f for f in findings if f.is_error]
    if verdict.checked == "define":
        errors = [f for f in errors if f.stage != "start"]
    return errors


def _same_message(ours: str | None, theirs: str, xml: str) -> tuple[bool, bool]:
    """(equal, equal only after replacing a generated MAC); libvirt generates a random MAC for a NIC without one."""
    if ours == theirs:
        return True, False
    if ours is None or "(generated)" not in ours or not inspect_domain(xml, fake_sysfs=True).random_mac:
        return False, False
    return _GENERATED_MAC_RE.sub("(generated)", theirs) == ours, True


def _environment(verdict: Verdict) -> str | None:
    if verdict.ok or verdict.stage != "start" or verdict.error is None:
        return None
    return next((why for pattern, why in ENVIRONMENT if pattern.search(verdict.error)), None)


def compare_case(xml: str, verdict: Verdict, networks: Mapping[str, Network]) -> Comparison:
    """The disagreements between teamkit and libvirt's verdict on one domain."""
    environment = _environment(verdict)
    if environment is not None:
        return Comparison(environment=environment)
    try:
        findings = check_domain(parse_domain_string(xml), networks=networks, qemu=(7, 2, 0))
    except Exception as exc:
        return Comparison([Disagreement("crash", f"check_domain: {type(exc).__name__}: {exc}")])
    errors = _errors(findings, verdict)
    first = errors[0] if errors else None
    out: list[Disagreement] = []
    normalised = False
    if verdict.ok and first is not None:
        out.append(Disagreement("accept", f"libvirt accepts (checked {verdict.checked}); teamkit: "
                                          f"[{first.stage}] {first.libvirt_message}"))
    elif not verdict.ok:
        assert verdict.error is not None
        if first is None:
            out.append(Disagreement("reject", f"libvirt rejects at {verdict.stage}: {verdict.error}; "
                                              "teamkit: no error"))
        else:
            same, normalised = _same_message(first.libvirt_message, verdict.error, xml)
            if not same:
                out.append(Disagreement("message", f"libvirt [{verdict.stage}]: {verdict.error}\n"
                                                   f"teamkit [{first.stage}]: {first.libvirt_message}"))
            elif (first.stage == "start") != (verdict.stage == "start"):
                out.append(Disagreement("stage", f"libvirt raises it at {verdict.stage}, teamkit at {first.stage}: "
                                                 f"{verdict.error}"))
    if verdict.argv is not None and verdict.ok:
        out.extend(compare_argv(xml, verdict.argv, networks))
    return Comparison(out, normalised)


def compare_argv(xml: str, argv: Sequence[str], networks: Mapping[str, Network]) -> list[Disagreement]:
    """teamkit's options against the ones in libvirt's real argv."""
    try:
        ours, error = teamkit_options(xml, networks)
    except Exception as exc:
        return [Disagreement("crash", f"render_argv: {type(exc).__name__}: {exc}")]
    if error is not None:
        return [Disagreement("argv-error", f"libvirt built the command line; teamkit's render_argv: {error}")]
    theirs = select_options(argv)
    if ours == theirs:
        return []
    lines = []
    for mine, real in itertools.zip_longest(ours, theirs):
        mark = "  " if mine == real else "! "
        lines.append(f"{mark}teamkit: {' '.join(mine) if mine else '-'}")
        if mine != real:
            lines.append(f"{mark}libvirt: {' '.join(real) if real else '-'}")
    return [Disagreement("argv", "\n".join(lines))]


@dataclass
class Report:
    results: list[CaseResult]
    oracle_seconds: float
    teamkit_seconds: float

    @property
    def disagreeing(self) -> list[CaseResult]:
        return [r for r in self.results if r.disagreements]

    @property
    def environment(self) -> list[CaseResult]:
        return [r for r in self.results if r.comparison.environment is not None]

    def kinds(self) -> Counter[str]:
        return Counter(d.kind for r in self.results for d in r.disagreements)

    def summary(self) -> str:
        started = sum(1 for r in self.results if r.verdict.checked == "start")
        accepted = sum(1 for r in self.results if r.verdict.ok)
        argv_cases = sum(1 for r in self.results if r.verdict.ok and r.verdict.argv is not None)
        lines = [
            f"libvirt {libvirt_version()} + QEMU {qemu_version()} vs teamkit (--qemu {RUNTIME_QEMU})",
            f"cases: {len(self.results)} (libvirt accepted {accepted}, started {started}, argv compared {argv_cases})",
            f"agreements: {len(self.results) - len(self.disagreeing) - len(self.environment)}"
            f" ({sum(1 for r in self.results if r.comparison.normalised)} after replacing a generated MAC)",
            f"not compared (the oracle's host failed the start): {len(self.environment)}",
        ]
        lines += [f"  {why}: {n}" for why, n in sorted(Counter(r.comparison.environment
                                                                for r in self.environment).items())]
        lines.append(f"disagreements: {len(self.disagreeing)} case(s)")
        lines += [f"  {kind}: {n}" for kind, n in sorted(self.kinds().items())]
        lines.append(f"time: oracle {self.oracle_seconds:.1f} s, teamkit {self.teamkit_seconds:.2f} s")
        return "\n".join(lines)


def run(count: int, seed: int, *, jobs: int = 3, start: int = 0,
        networks: Mapping[str, Network] | None = None) -> Report:
    """Generate ``count`` domains, judge them with real libvirt and with teamkit, and compare."""
    nets = dict(networks) if networks is not None else {}
    cases = generate(count, seed, start=start)
    workdir = Path(tempfile.mkdtemp(prefix="tk-diff-"))
    try:
        for case in cases:
            (workdir / f"{case.name}.xml").write_text(case.xml, encoding="utf-8")
        texts = [(workdir / f"{case.name}.xml").read_text(encoding="utf-8") for case in cases]
        began = time.monotonic()
        verdicts = judge(texts, jobs=jobs)
        oracle_seconds = time.monotonic() - began
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    began = time.monotonic()
    results = []
    for case, verdict in zip(cases, verdicts, strict=True):
        results.append(CaseResult(case, verdict, compare_case(case.xml, verdict, nets)))
    return Report(results, oracle_seconds, time.monotonic() - began)


def write_disagreements(report: Report, out: Path) -> None:
    """Each disagreeing case as ``NAME.xml`` plus ``NAME.json`` (libvirt's verdict, teamkit's view, the diff)."""
    out.mkdir(parents=True, exist_ok=True)
    nets: dict[str, Network] = {}
    for r in report.disagreeing:
        (out / f"{r.case.name}.xml").write_text(r.case.xml, encoding="utf-8")
        try:
            findings = [f.to_json() for f in check_domain(parse_domain_string(r.case.xml), networks=nets,
                                                           qemu=(7, 2, 0)) if f.is_error]
        except Exception as exc:
            findings = [{"crash": f"{type(exc).__name__}: {exc}"}]
        doc = {
            "name": r.case.name, "seed": r.case.seed, "index": r.case.index,
            "libvirt": r.verdict.record(), "teamkit_errors": findings,
            "disagreements": [{"kind": d.kind, "detail": d.detail} for d in r.disagreements],
        }
        (out / f"{r.case.name}.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.differential", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=200, help="number of generated domains (default 200)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument("--start", type=int, default=0, help="first domain index of the stream (default 0)")
    parser.add_argument("-j", "--jobs", type=int, default=3, help="parallel libvirt oracles (default 3)")
    parser.add_argument("--out", type=Path, help="where to write disagreeing cases (default .cache/differential/"
                                                 "seed-S)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every disagreement in full")
    args = parser.parse_args(argv)
    if (reason := unavailable_reason()) is not None:
        print(f"libvirt oracle unavailable: {reason}", file=sys.stderr)
        return 2
    try:
        report = run(args.count, args.seed, jobs=args.jobs, start=args.start)
    except OracleError as exc:
        print(f"libvirt oracle: {exc}", file=sys.stderr)
        return 2
    if args.verbose:
        for r in report.disagreeing:
            for d in r.disagreements:
                print(f"--- {r.case.name} [{d.kind}]\n{d.detail}")
    print(report.summary())
    if report.disagreeing:
        out = args.out or REPO / ".cache" / "differential" / f"seed-{args.seed}"
        write_disagreements(report, out)
        print(f"disagreeing cases written to {out}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
