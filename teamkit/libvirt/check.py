"""The full check of a domain: libvirt's errors in libvirt's order, then teamkit's review advisories."""

from __future__ import annotations

from collections.abc import Mapping

from teamkit.findings import Finding, make_finding
from teamkit.libvirt.review import advisories, review_context
from teamkit.libvirt.validate import QemuVersionTuple, libvirt_errors
from teamkit.model import Domain, Network, SourceRef

__all__ = ["check_domain"]


def check_domain(domain: Domain, *, networks: Mapping[str, Network] | None = None,
                 qemu: QemuVersionTuple | None = None) -> tuple[Finding, ...]:
    """Errors first (the first is the one libvirt reports), then warnings and notes."""
    ctx = review_context(domain, networks)
    notes = [
        make_finding("network-unknown", at=next(
            (i.ref for i in domain.interfaces if i.source.network == name), SourceRef()), name=name)
        for name in ctx.resolution.unknown_networks
    ]
    return (*libvirt_errors(domain, networks=ctx.networks, qemu=qemu), *advisories(ctx), *notes)
