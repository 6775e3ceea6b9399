"""Plain explanations of why QEMU refused a failover pair, from its error line and the command that caused it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from teamkit.qemu.smoke_cmdline import DeviceArg, SmokeCommand

__all__ = ["ERROR_PATTERNS", "SmokeNote", "diagnose_error", "diagnose_visible_primary"]


@dataclass(frozen=True)
class SmokeNote:
    """One explanation: a code, a severity (``error``, ``warning``, ``info``), the plain text and the fix."""

    code: str
    severity: str
    message: str
    fix: str | None

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "message": self.message, "fix": self.fix}


_Explainer = Callable[["re.Match[str]", "DeviceArg | None", "SmokeCommand"], list[SmokeNote]]


def _unpaired(device: DeviceArg | None, command: SmokeCommand) -> list[SmokeNote]:
    """Why a VF was not hidden, so QEMU tried to open the host device."""
    if device is None:
        return [SmokeNote("vf-not-hidden", "error", "QEMU tried to open a host VF: no failover standby hid it.",
                          "Pair it: <teaming type='transient' persistent='ua-…'/> naming a persistent virtio NIC.")]
    label = device.label
    pair = device.failover_pair_id
    opened = ("QEMU therefore created it at start and opened the host device, instead of hiding it until the guest "
              "negotiates failover")
    if pair is None:
        return [SmokeNote(
            "vf-not-teamed", "error",
            f"{label} is not a failover primary (no <teaming type='transient'>). {opened}. This host has no such "
            "device; on a host that has it, the VF is simply passed through, without failover.",
            "If it should be the VF of a failover pair, add <teaming type='transient' persistent='ua-…'/>.")]
    target = command.device(pair)
    if target is None:
        if pair in command.dropped_aliases:
            return [SmokeNote(
                "alias-dropped", "error",
                f"{label} names '{pair}', but libvirt dropped that alias (user aliases must start with 'ua-'), so the "
                f"virtio NIC got an automatic id and nothing is called '{pair}'. {opened}. The pair is not wired.",
                f"Rename the alias to 'ua-{pair}' (and persistent='ua-{pair}').")]
        return [SmokeNote(
            "dangling-reference", "error",
            f"{label} names failover standby '{pair}', but no device has that id (a dangling persistent= reference "
            f"or a transient without its persistent NIC). {opened}. The pair is not wired.",
            f"Add the persistent virtio NIC: <teaming type='persistent'/> with <alias name='{pair}'/>, or point "
            "persistent= at the alias of an existing one.")]
    if not target.is_virtio_net or not target.failover:
        what = "is not a virtio-net NIC" if not target.is_virtio_net else "has no failover=on"
        return [SmokeNote(
            "standby-not-failover", "error",
            f"{label} names '{pair}', which {what} (it lacks <teaming type='persistent'/>, a transient-only pair). "
            f"{opened}. The pair is not wired.",
            f"Give '{pair}' <model type='virtio'/> and <teaming type='persistent'/>.")]
    if target.position > device.position:
        return [SmokeNote(
            "vf-before-standby", "error",
            f"{label} comes before its standby '{pair}' on the command line. QEMU installs the hiding hook when it "
            f"creates the virtio NIC, so a VF created earlier is not hidden. {opened}.",
            "List the virtio NIC before the VF (libvirt always writes NICs before hostdevs).")]
    return [SmokeNote("vf-not-hidden", "error", f"{label} was not hidden, although '{pair}' has failover on. "
                      f"{opened}.", None)]


def _vfio_open(match: re.Match[str], device: DeviceArg | None, command: SmokeCommand) -> list[SmokeNote]:
    return _unpaired(device, command)


def _no_hotplug(match: re.Match[str], device: DeviceArg | None, command: SmokeCommand) -> list[SmokeNote]:
    bus = match["bus"]
    label = device.label if device is not None else "the VF"
    lead = (f"QEMU keeps a hidden primary to hotplug it later, so its bus must support hotplug; {label} is on "
            f"'{bus}', which does not.")
    if bus == "pci.0" and not command.acpi:
        return [SmokeNote(
            "i440fx-no-acpi", "error",
            f"{lead} On i440fx (machine {command.machine}) pci.0 hotplugs through ACPI, and this domain has no "
            "<features><acpi/></features> (libvirt tells QEMU acpi=off). libvirt accepts it; QEMU refuses to start.",
            "Add <features><acpi/></features>; better, use machine q35 (the VF then gets a pcie-root-port).")]
    if bus == "pcie.0":
        return [SmokeNote(
            "primary-on-pcie-root", "error",
            f"{lead} The q35 root complex pcie.0 has no hot-plug slot. QEMU checks this at startup only when q35 uses "
            "native PCIe hotplug (-global ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off, or QEMU before 6.1); "
            "with the default ACPI PCI hotplug, QEMU 7.2 starts and fails only at the plug, printing the same text "
            "as a warning and leaving the guest on virtio.",
            "Remove the VF's <address> (libvirt puts it on a new pcie-root-port) or give it a pcie-root-port bus.")]
    return [SmokeNote("bus-no-hotplug", "error", f"{lead} (a controller with hotplug='off', or one that never "
                      "hotplugs).", "Put the VF on a pcie-root-port with hotplug on (machine q35).")]


def _two_primaries(match: re.Match[str], device: DeviceArg | None, command: SmokeCommand) -> list[SmokeNote]:
    return [SmokeNote(
        "two-primaries", "error",
        f"Two transients ('{match['first']}' and '{match['second']}') name the same persistent NIC "
        f"'{match['standby']}'. QEMU pairs exactly one primary with each virtio standby and refuses the second.",
        "Give each VF its own persistent virtio NIC (its own ua- alias) and point each persistent= at a different "
        "one.")]


def _needs_id(match: re.Match[str], device: DeviceArg | None, command: SmokeCommand) -> list[SmokeNote]:
    return [SmokeNote("primary-without-id", "error", "A device with failover_pair_id has no id; QEMU cannot track it.",
                      "Give the device an id (libvirt always does).")]


def _machine(match: re.Match[str], device: DeviceArg | None, command: SmokeCommand) -> list[SmokeNote]:
    return [SmokeNote("unsupported-machine", "error",
                      f"This QEMU does not know machine type '{command.machine}'.",
                      "Use a machine type this QEMU lists in -machine help (for example pc or q35).")]


def _property(match: re.Match[str], device: DeviceArg | None, command: SmokeCommand) -> list[SmokeNote]:
    return [SmokeNote("unknown-property", "error", f"This QEMU has no property '{match['prop']}' (a misspelling, "
                      "or a QEMU too old for it; failover needs QEMU 4.2 or newer).", None)]


#: QEMU's messages that matter for a failover pair → the explanation; the first match wins
ERROR_PATTERNS: Final[tuple[tuple[re.Pattern[str], _Explainer], ...]] = (
    (re.compile(r"vfio \S+: (no such host device|failed to open /dev/vfio/)"), _vfio_open),
    (re.compile(r"Bus '(?P<bus>[^']+)' does not support hotplugging"), _no_hotplug),
    (re.compile(r"Cannot attach more than one primary device to '(?P<standby>[^']*)': '(?P<first>[^']*)' and "
                r"'(?P<second>[^']*)'"), _two_primaries),
    (re.compile(r"Device with failover_pair_id (needs to have|don't have) id"), _needs_id),
    (re.compile(r"[Uu]nsupported machine type"), _machine),
    (re.compile(r"Property '(?P<prop>[^']+)' not found"), _property),
)


def _failed_device(line: str, command: SmokeCommand) -> DeviceArg | None:
    """The ``-device`` QEMU names at the start of its error line."""
    return next((d for d in command.devices if line.startswith(f"-device {d.arg}: ")), None)


def diagnose_error(line: str, command: SmokeCommand) -> list[SmokeNote]:
    """Explain QEMU's error ``line`` (without program name) for ``command``; a generic note when it is unknown."""
    device = _failed_device(line, command)
    for pattern, explain in ERROR_PATTERNS:
        match = pattern.search(line)
        if match is not None:
            return explain(match, device, command)
    return [SmokeNote("qemu-refused", "error", f"QEMU refused the arguments: {line}", None)]


def diagnose_visible_primary(device: DeviceArg, command: SmokeCommand) -> list[SmokeNote]:
    """Explain a primary QEMU created at start (it opened a host VF that exists here) instead of hiding it."""
    return _unpaired(device, command)
