"""Everything teamkit says about one domain, computed the way the command line does: findings, argv, device graph."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from teamkit.draw.graph import device_graph_dot
from teamkit.findings import Finding
from teamkit.libvirt.check import check_domain
from teamkit.libvirt.parse import parse_domain_string, parse_network_string
from teamkit.libvirt.pci import PciPlan
from teamkit.model import Domain, Network
from teamkit.qemu.argv import ArgvResult, render_argv
from teamkit.qemu.version import LATEST, QemuVersion

__all__ = ["Evaluation", "device_graph_source", "evaluate", "evaluate_text", "parse_networks"]


@dataclass(frozen=True)
class Evaluation:
    """A domain with its findings and, unless libvirt refuses it, the QEMU arguments libvirt writes."""

    domain: Domain
    networks: Mapping[str, Network]
    qemu: QemuVersion
    #: libvirt's errors in libvirt's order, then teamkit's advisories (``teamkit validate``)
    findings: tuple[Finding, ...]
    #: what ``render_argv`` produced (``None`` when a libvirt error stops it first)
    argv_result: ArgvResult | None
    #: libvirt's message when it refuses the domain (its first error, or the command-line builder's)
    refusal: str | None

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.is_error)

    @property
    def advisories(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.is_error)

    @property
    def argv(self) -> tuple[str, ...]:
        """The ``-netdev``/``-device`` arguments (empty when libvirt refuses the domain)."""
        if self.refusal is not None or self.argv_result is None:
            return ()
        return self.argv_result.argv

    def argv_text(self) -> str:
        """``teamkit argv``'s text: the arguments one option per line, or libvirt's refusal."""
        if self.refusal is not None or self.argv_result is None:
            return f"libvirt refuses this domain: {self.refusal}\n"
        return self.argv_result.text()

    def graph_dot(self) -> str:
        """DOT source of the device graph."""
        plan = self.argv_result.plan if self.argv_result is not None else None
        return device_graph_source(self.domain, networks=self.networks, findings=self.findings, plan=plan)


def _version_tuple(qemu: QemuVersion) -> tuple[int, int, int]:
    return (qemu.major, qemu.minor, qemu.micro)


def evaluate(domain: Domain, *, networks: Mapping[str, Network] | None = None,
             qemu: QemuVersion = LATEST) -> Evaluation:
    """``teamkit validate`` and ``teamkit argv`` for one domain, with the same networks and QEMU version."""
    nets = dict(networks or {})
    findings = check_domain(domain, networks=nets, qemu=_version_tuple(qemu))
    first_error = next((f for f in findings if f.is_error), None)
    if first_error is not None:
        return Evaluation(domain, nets, qemu, findings, None, first_error.libvirt_message or first_error.message)
    result = render_argv(domain, networks=nets, qemu=qemu)
    return Evaluation(domain, nets, qemu, findings, result, result.error)


def parse_networks(texts: Sequence[str] | Mapping[str, str]) -> dict[str, Network]:
    """Network definitions (XML texts) by their ``<name>``."""
    values = texts.values() if isinstance(texts, Mapping) else texts
    nets = (parse_network_string(text) for text in values)
    return {n.name: n for n in nets}


def evaluate_text(domain_text: str, *, networks: Sequence[str] | Mapping[str, str] = (),
                  qemu: QemuVersion = LATEST, path: str = "<domain>") -> Evaluation:
    """:func:`evaluate` on XML texts (raises :class:`~teamkit.errors.InputError` for malformed XML)."""
    return evaluate(parse_domain_string(domain_text, path), networks=parse_networks(networks), qemu=qemu)


def device_graph_source(domain: Domain, *, networks: Mapping[str, Network] | None = None,
                        findings: Sequence[Finding] = (), plan: PciPlan | None = None) -> str:
    """DOT source of the domain's device graph (:func:`teamkit.draw.graph.device_graph_dot`)."""
    return device_graph_dot(domain, networks=networks, findings=tuple(findings), plan=plan)
