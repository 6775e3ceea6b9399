"""Review advisories libvirt does not make: configurations it accepts in which the failover pair will not work."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from teamkit.findings import Finding, make_finding
from teamkit.libvirt.aliases import DeviceIds, assign_ids
from teamkit.libvirt.buses import domain_buses
from teamkit.libvirt.networks import Resolution, resolve_networks
from teamkit.model import Domain, Hostdev, Interface, Network, SourceRef, TeamingType

__all__ = ["ReviewContext", "advisories", "review_context"]


@dataclass(frozen=True)
class ReviewContext:
    """What the advisories need beyond the domain: resolved networks and the QEMU ids libvirt will assign."""

    domain: Domain
    networks: Mapping[str, Network]
    resolution: Resolution
    ids: DeviceIds


def review_context(domain: Domain, networks: Mapping[str, Network] | None = None) -> ReviewContext:
    nets = dict(networks or {})
    resolution = resolve_networks(domain, nets)
    return ReviewContext(domain, nets, resolution, assign_ids(domain, resolution.actual_types))


def _ref(dev: Interface | Hostdev) -> SourceRef:
    return dev.teaming.ref if dev.teaming is not None else dev.ref


def _transients(ctx: ReviewContext) -> Iterator[tuple[Interface | Hostdev, str]]:
    devices: list[Interface | Hostdev] = [*ctx.domain.interfaces, *ctx.domain.hostdevs]
    for dev in devices:
        team = dev.teaming
        if team is not None and team.type is TeamingType.TRANSIENT and team.persistent:
            yield dev, team.persistent


def _alias_rules(ctx: ReviewContext) -> Iterator[Finding]:
    for index, iface in enumerate(ctx.domain.interfaces):
        if iface.alias_written is not None and iface.alias is None:
            yield make_finding("alias-dropped", at=SourceRef(iface.ref.line, f"{iface.ref.xpath}/alias"),
                               alias=iface.alias_written, auto=ctx.ids.interfaces[index])
    for index, hostdev in enumerate(ctx.domain.hostdevs):
        if hostdev.alias_written is not None and hostdev.alias is None:
            yield make_finding("alias-dropped", at=SourceRef(hostdev.ref.line, f"{hostdev.ref.xpath}/alias"),
                               alias=hostdev.alias_written, auto=ctx.ids.hostdevs[index])


def _pair_rules(ctx: ReviewContext) -> Iterator[Finding]:
    domain = ctx.domain
    by_id = {qid: iface for qid, iface in zip(ctx.ids.interfaces, domain.interfaces, strict=True)}
    transients = list(_transients(ctx))
    persistents = [i for i in domain.interfaces if i.teaming is not None and i.teaming.type is TeamingType.PERSISTENT]
    if transients and not persistents:
        yield make_finding("transient-no-persistent-member", at=_ref(transients[0][0]))
    counts: dict[str, int] = {}
    for dev, ref in transients:
        counts[ref] = counts.get(ref, 0) + 1
        target = by_id.get(ref)
        if target is None:
            if persistents:
                yield make_finding("pair-dangling", at=_ref(dev), ref=ref)
            continue
        if target.teaming is None or target.teaming.type is not TeamingType.PERSISTENT:
            yield make_finding("pair-target-not-persistent", at=_ref(dev), ref=ref)
            continue
        yield from _mac_rules(ctx, target, dev)
        if counts[ref] == 2:
            yield make_finding("primary-duplicate", at=_ref(dev), ref=ref)


def _transient_mac(ctx: ReviewContext, dev: Interface | Hostdev) -> str | None:
    return dev.mac if isinstance(dev, Interface) else None


def _mac_rules(ctx: ReviewContext, persistent: Interface, dev: Interface | Hostdev) -> Iterator[Finding]:
    if isinstance(dev, Hostdev):
        if persistent.mac is not None:
            yield make_finding("vf-mac-admin", at=dev.ref, what="plain <hostdev>", mac=persistent.mac)
        return
    if persistent.mac is None or dev.mac is None:
        which = "the persistent" if persistent.mac is None else "the transient"
        yield make_finding("mac-missing", at=(persistent if persistent.mac is None else dev).ref, which=which)
        return
    if persistent.mac != dev.mac:
        yield make_finding("mac-mismatch", at=_ref(dev), persistent_mac=persistent.mac, transient_mac=dev.mac)
    elif dev.type == "hostdev" and dev.managed == "no":
        yield make_finding("vf-mac-admin", at=dev.ref, what="<interface type='hostdev' managed='no'>", mac=dev.mac)


def _persistent_rules(ctx: ReviewContext) -> Iterator[Finding]:
    for index, iface in enumerate(ctx.domain.interfaces):
        if iface.teaming is None or iface.teaming.type is not TeamingType.PERSISTENT:
            continue
        if iface.type == "network" and ctx.resolution.actual_types[index] == "hostdev":
            yield make_finding("persistent-on-hostdev-pool", at=_ref(iface), network=iface.source.network or "")
        if iface.link_state == "down":
            yield make_finding("persistent-link-down", at=SourceRef(iface.ref.line, f"{iface.ref.xpath}/link"))


_PCIE0_CONSEQUENCE = (
    "QEMU starts the domain but only warns \"Bus 'pcie.0' does not support hotplugging\" when the guest "
    "negotiates failover; the VF is never plugged and the guest stays on virtio (with native PCIe hotplug, "
    "-global ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off or QEMU before 6.1, QEMU refuses to start instead)"
)
_PCI0_CONSEQUENCE = "QEMU refuses the hidden primary at startup with Bus 'pci.0' does not support hotplugging"


def _bus_rules(ctx: ReviewContext) -> Iterator[Finding]:
    """Where libvirt would put each primary (explicit addresses only; automatic placement is the argv layer's)."""
    domain = ctx.domain
    buses = domain_buses(domain)
    for dev, _ref_id in _transients(ctx):
        addr = dev.address
        q35 = domain.is_q35
        if addr is not None and addr.type == "pci" and any(addr.bdf()):
            bus = buses.get(addr.bus or 0)
            bus_name = bus.qemu_name if bus is not None else f"pci.{addr.bus}"
            on_root = (addr.bus or 0) == 0
        else:
            # libvirt places a PCIe device on a new pcie-root-port on q35 and on pci.0 (slot by slot) on i440fx
            bus_name, on_root = ("pci.N (pcie-root-port)", False) if q35 else ("pci.0", True)
        if on_root and q35:
            yield make_finding("primary-bus-no-hotplug", at=_ref(dev), bus="pcie.0", consequence=_PCIE0_CONSEQUENCE,
                               fix="Drop the <address> so libvirt places the VF on its own pcie-root-port, or "
                                   "address it to a pcie-root-port.")
        elif on_root and not domain.acpi:
            yield make_finding("primary-bus-no-hotplug", at=_ref(dev), bus="pci.0", consequence=_PCI0_CONSEQUENCE,
                               fix="Add <features><acpi/></features> (pci.0 hotplug on i440fx is ACPI-based); "
                                   "better, use machine q35.")
        if not q35:
            yield make_finding("primary-not-pcie", at=_ref(dev), bus=bus_name)


def _boot_rules(ctx: ReviewContext) -> Iterator[Finding]:
    domain = ctx.domain
    if "network" not in domain.os_boot or not domain.interfaces:
        return
    first = domain.interfaces[0]
    if first.teaming is not None and first.teaming.type is TeamingType.TRANSIENT:
        yield make_finding("boot-on-vf", at=first.ref, device=ctx.ids.interfaces[0])


def advisories(ctx: ReviewContext) -> tuple[Finding, ...]:
    """Every review advisory for the domain, grouped by rule, each in document order."""
    found: list[Finding] = [
        *_alias_rules(ctx), *_pair_rules(ctx), *_persistent_rules(ctx), *_bus_rules(ctx), *_boot_rules(ctx),
    ]
    if any(True for _ in _transients(ctx)):
        first = next(_transients(ctx))[0]
        found.append(make_finding("guest-requirements", at=_ref(first)))
    return tuple(found)
