"""The smoke check's pure part: the QEMU command that boots a domain's NICs and VFs, and what QEMU's answers mean."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from teamkit.errors import TeamkitError
from teamkit.libvirt.networks import resolve_networks
from teamkit.libvirt.validate import libvirt_errors
from teamkit.model import Domain, Network, is_user_alias
from teamkit.qemu.argv import render_argv
from teamkit.qemu.devices import HostFacts, user_netdev_props
from teamkit.qemu.smoke_cmdline import (
    DeviceArg,
    SmokeCommand,
    libvirt_argv_standalone,
    parse_device_arg,
    parse_version_banner,
    qemu_error_line,
)
from teamkit.qemu.smoke_explain import SmokeNote, diagnose_error, diagnose_visible_primary
from teamkit.qemu.version import QemuVersion

__all__ = [
    "BASE_ARGS",
    "DeviceArg",
    "QemuObservation",
    "SmokeCommand",
    "SmokeNote",
    "SmokeRefusal",
    "SmokeResult",
    "build_smoke_command",
    "interpret",
    "libvirt_argv_standalone",
    "parse_device_arg",
    "parse_version_banner",
    "qemu_error_line",
    "refused_result",
]

#: what every smoke launch gets besides the machine: TCG, paused, no default devices, no display, no config files
BASE_ARGS: Final = ("-accel", "tcg", "-m", "128", "-nodefaults", "-no-user-config", "-display", "none", "-S")
#: host VFs are PCI Express (SR-IOV VFs are; libvirt also assumes it when it cannot read the host's sysfs), so
#: libvirt gives each one a pcie-root-port on q35
_SMOKE_HOST: Final = HostFacts(conventional_pci=frozenset())


@dataclass(frozen=True)
class SmokeRefusal:
    """libvirt refuses the domain, so no QEMU is started: libvirt's exact message and its line in the XML."""

    message: str
    line: int | None = None


def _machine_args(domain: Domain) -> tuple[str, ...]:
    """``-machine``: the domain's machine type, ``acpi=off`` without ``<features><acpi/>`` (as libvirt writes it
    for QEMU 10.0; for QEMU 7.2 libvirt 9.0 writes ``-no-acpi``, which QEMU treats the same)."""
    machine = domain.machine or "pc"
    return ("-machine", machine if domain.acpi else f"{machine},acpi=off")


def build_smoke_command(domain: Domain, *, networks: Mapping[str, Network] | Iterable[Network] = (),
                        qemu: QemuVersion) -> SmokeCommand | SmokeRefusal:
    """The QEMU command that proves whether ``domain``'s failover pairs are wired, for QEMU version ``qemu``.

    It holds the machine type (``acpi=off`` without ``<acpi/>``), the PCI controllers libvirt has (and adds), and
    every NIC and VF exactly as libvirt renders them; every netdev becomes a ``user`` netdev with the same id, so no
    host network device is touched. A domain libvirt itself refuses gives a :class:`SmokeRefusal`. Raises
    :class:`~teamkit.errors.TeamkitError` when an ``<interface type='network'>`` names an unknown network.
    """
    nets = dict(networks) if isinstance(networks, Mapping) else {n.name: n for n in networks}
    if domain.arch not in (None, "x86_64", "i686"):
        raise TeamkitError(f"the smoke check boots qemu-system-x86_64; arch '{domain.arch}' is not supported")
    unknown = resolve_networks(domain, nets).unknown_networks
    if unknown:
        names = ", ".join(f"'{n}'" for n in unknown)
        what = f"network {names} is" if len(unknown) == 1 else f"networks {names} are"
        raise TeamkitError(f"{what} not defined: give each definition (virsh net-dumpxml) with --network NET.xml")
    errors = libvirt_errors(domain, networks=nets, qemu=(qemu.major, qemu.minor, qemu.micro))
    if errors:
        return SmokeRefusal(errors[0].libvirt_message or errors[0].message, errors[0].line)
    rendered = render_argv(domain, networks=nets, qemu=qemu, host=_SMOKE_HOST, include_controllers=True)
    if rendered.error is not None:
        return SmokeRefusal(rendered.error)
    args: list[str] = [*_machine_args(domain), *BASE_ARGS]
    for o in rendered.options:
        if o.role == "netdev" and o.props.get("type") != "user":
            netdev = user_netdev_props(netdev_id=str(o.props.get("id")))
            args += [o.option, netdev.render(json=qemu.netdev_json, lead_key="type")]
        else:
            args += [o.option, o.arg]
    written = [i.alias_written for i in domain.interfaces] + [h.alias_written for h in domain.hostdevs]
    dropped = [a for a in written if a and not is_user_alias(a)]
    return SmokeCommand(tuple(args), machine=domain.machine or "pc", acpi=domain.acpi,
                        notes=rendered.warnings, dropped_aliases=tuple(dict.fromkeys(dropped)))


@dataclass(frozen=True)
class QemuObservation:
    """What one QEMU launch showed: did it start, what it printed, and its answers over QMP."""

    started: bool
    stderr: str
    exit_code: int | None
    seconds: float
    #: the children of ``/machine/peripheral`` (devices with an id that QEMU created)
    peripherals: tuple[str, ...] = ()
    #: ``failover`` of each virtio-net device found among the peripherals
    failover: Mapping[str, bool] = field(default_factory=dict)
    qemu_version: str | None = None
    #: QEMU neither opened its QMP socket nor exited in time
    timed_out: bool = False
    #: a QMP exchange that failed after QEMU started
    qmp_error: str | None = None


@dataclass(frozen=True)
class SmokeResult:
    """The verdict: ``ok`` when QEMU started and hid every primary (so each pair is wired)."""

    starts: bool
    ok: bool
    #: QEMU's error line (program name and timestamp removed), or libvirt's message when ``refused_by`` is libvirt
    error: str | None
    #: ``"libvirt"`` (refused before QEMU), ``"qemu"`` (QEMU did not start) or ``None``
    refused_by: str | None
    peripherals: tuple[str, ...]
    hidden_primaries: tuple[str, ...]
    visible_primaries: tuple[str, ...]
    failover: Mapping[str, bool]
    notes: tuple[SmokeNote, ...]
    qemu_version: str | None
    command: tuple[str, ...]
    seconds: float | None
    #: the standby each hidden primary is paired with
    pairs: Mapping[str, str] = field(default_factory=dict)
    #: the domain XML line libvirt's refusal is about
    line: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "starts": self.starts,
            "ok": self.ok,
            "error": self.error,
            "refused_by": self.refused_by,
            "peripherals": list(self.peripherals),
            "hidden_primaries": list(self.hidden_primaries),
            "visible_primaries": list(self.visible_primaries),
            "pairs": dict(self.pairs),
            "failover": dict(self.failover),
            "explanation": [n.to_json() for n in self.notes],
            "qemu_version": self.qemu_version,
            "command": list(self.command),
            "seconds": None if self.seconds is None else round(self.seconds, 3),
            "line": self.line,
        }


def refused_result(refusal: SmokeRefusal) -> SmokeResult:
    """The verdict for a domain libvirt refuses: QEMU is never started."""
    note = SmokeNote("libvirt-refuses", "error", f"libvirt refuses this domain, so it never reaches QEMU: "
                     f"{refusal.message}", "Fix the domain first (teamkit validate explains each error).")
    return SmokeResult(starts=False, ok=False, error=refusal.message, refused_by="libvirt", peripherals=(),
                       hidden_primaries=(), visible_primaries=(), failover={}, notes=(note,), qemu_version=None,
                       command=(), seconds=None, line=refusal.line)


def interpret(command: SmokeCommand, observed: QemuObservation, *, argv: Sequence[str] = (),
              qemu_version: str | None = None) -> SmokeResult:
    """Turn one launch into a verdict with plain explanations.

    ``argv`` is the full command that ran (kept in the result); ``qemu_version`` is used when QEMU exited before
    its QMP greeting told its version.
    """
    notes: list[SmokeNote] = [SmokeNote("rendering", "info", n, None) for n in command.notes]
    error = qemu_error_line(observed.stderr) if not observed.started else None
    peripherals = set(observed.peripherals)
    hidden: list[str] = []
    visible: list[str] = []
    pairs: dict[str, str] = {}
    if observed.timed_out:
        notes.append(SmokeNote("timeout", "error", "QEMU neither answered over QMP nor exited in time, so it was "
                               "killed. The verdict is unknown.", "Retry with a longer --timeout."))
    elif not observed.started:
        if error is None:
            error = f"QEMU exited with status {observed.exit_code} and no message"
        notes.extend(diagnose_error(error, command))
    else:
        if observed.qmp_error is not None:
            notes.append(SmokeNote("qmp-error", "error", f"QEMU started but a QMP query failed: "
                                   f"{observed.qmp_error}", None))
        for p in command.primaries:
            if p.id is not None and p.id in peripherals:
                visible.append(p.id)
                notes.extend(diagnose_visible_primary(p, command))
            elif p.id is not None:
                hidden.append(p.id)
                pairs[p.id] = p.failover_pair_id or ""
        notes.extend(_started_notes(command, observed, hidden))
    starts = observed.started
    ok = starts and not visible and not observed.timed_out and observed.qmp_error is None
    return SmokeResult(starts=starts, ok=ok, error=error, refused_by=None if starts else "qemu",
                       peripherals=tuple(observed.peripherals), hidden_primaries=tuple(hidden),
                       visible_primaries=tuple(visible), failover=dict(observed.failover), notes=tuple(notes),
                       qemu_version=observed.qemu_version or qemu_version, command=tuple(argv),
                       seconds=observed.seconds, pairs=pairs)


def _started_notes(command: SmokeCommand, observed: QemuObservation, hidden: Sequence[str]) -> list[SmokeNote]:
    notes: list[SmokeNote] = []
    for pid in hidden:
        primary = command.device(pid)
        assert primary is not None
        standby = primary.failover_pair_id or ""
        notes.append(SmokeNote("primary-hidden", "info", f"QEMU hid {primary.label} behind its standby '{standby}' "
                               f"(failover={str(observed.failover.get(standby)).lower()}): the pair is wired. QEMU "
                               "plugs the VF in when the guest's virtio-net driver negotiates failover.", None))
        if primary.bus == "pcie.0":
            notes.append(SmokeNote(
                "primary-on-pcie-root", "warning",
                f"{primary.label} sits on the q35 root complex 'pcie.0', which has no hot-plug slot. QEMU 7.2 with "
                "q35's default ACPI PCI hotplug starts it hidden, but when the guest negotiates failover it only "
                "warns \"Bus 'pcie.0' does not support hotplugging\": the VF is never plugged and the guest stays on "
                "virtio (measured with a real guest, teamkit lab primary-on-root-bus).",
                "Remove the VF's <address> (libvirt puts it on a new pcie-root-port) or give it a pcie-root-port bus."))
        elif command.express(primary.bus) is False:
            notes.append(SmokeNote(
                "primary-not-express", "warning",
                f"{primary.label} sits on conventional PCI bus '{primary.bus}'. QEMU accepts it hidden, but when the "
                "guest negotiates failover the plug fails with 'failover primary device must be on PCIExpress bus' "
                "(only a warning), and the guest keeps using virtio alone.",
                "Use machine q35, where libvirt puts each VF on its own pcie-root-port."))
    paired = {primary.failover_pair_id for p in hidden if (primary := command.device(p)) is not None}
    for vid, on in observed.failover.items():
        if on and vid not in paired:
            notes.append(SmokeNote("standby-without-primary", "info", f"'{vid}' has failover on but no VF names it: "
                                   "the guest uses this virtio NIC alone.", None))
    if not command.primaries:
        notes.append(SmokeNote("no-primaries", "info", "QEMU started; there is no transient (VF) to check.", None))
    return notes
