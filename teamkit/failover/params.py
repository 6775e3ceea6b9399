"""Scenario parameters with documented defaults, and parsing of ``--set KEY=VALUE`` overrides."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal, cast, get_args, get_origin, get_type_hints

from teamkit.failover.errors import ParameterError
from teamkit.failover.guest import GuestProfile
from teamkit.failover.precopy import gbit_to_mib_s

__all__ = ["HOTPLUG_MECHANISMS", "ParamInfo", "ParamValue", "Params", "parse_assignments"]

HOTPLUG_MECHANISMS: Final = ("acpi", "pcie")
ParamValue = float | int | bool | str
_TRUE: Final = frozenset({"1", "true", "yes", "on"})
_FALSE: Final = frozenset({"0", "false", "no", "off"})
_KERNEL: Final = re.compile(r"^(\d+)\.(\d+)")
#: fields that may be zero; every other number must be strictly positive
_MAY_BE_ZERO: Final = frozenset({
    "prepare_s", "setup_s", "guest_unplug_s", "pciehp_button_delay_s", "pciehp_power_off_s", "switchover_s",
    "vf_replug_s", "guest_hotadd_s", "pciehp_hotadd_s", "driver_probe_s", "vf_link_up_s", "cancel_after_s",
    "fail_after_active_s", "dirty_rate_mib_s", "guest_ram_mib",
})


def _p(default: Any, doc: str) -> Any:
    return field(default=default, metadata={"doc": doc})


@dataclass(frozen=True)
class ParamInfo:
    """One parameter for help texts: its key, default and documentation (with the default's source)."""

    key: str
    default: ParamValue
    doc: str


@dataclass(frozen=True, kw_only=True)
class Params:
    """Everything a scenario needs beyond the domain. Times in seconds, sizes in MiB, rates per second."""

    hotplug: Literal["acpi", "pcie"] = _p(
        "acpi", "guest hotplug mechanism: acpi (q35 default since QEMU 6.1, qemu-failover.md Key fact 10) or pcie "
                "(native PCIe with the 5 s attention-button delay)")
    libvirt: bool = _p(True, "libvirt manages both hosts (teamkit's subject); false = plain QEMU driven over QMP")
    guest_kernel: str = _p(
        "6.1", "guest Linux version; net_failover needs 4.18 (qemu-failover.md Key fact 9); default: the lab "
               "guest's Debian 6.1 kernel (real-failover-lab.md Key fact 1)")
    guest_net_failover: bool = _p(
        True, "the guest's virtio_net offers STANDBY (CONFIG_VIRTIO_NET selects NET_FAILOVER, qemu-failover.md §6). "
              "False on a kernel before 4.18 is a virtio-only guest; from 4.18 virtio_net cannot exist without it "
              "(Debian 6.1's virtio_net.ko declares depends=virtio_ring,virtio,net_failover), so false means no "
              "virtio_net and no NIC on the pair at all: teamkit lab guest-no-failover measured no "
              "FAILOVER_NEGOTIATED, no UNPLUG_PRIMARY, a plain migration and no guest network")
    guest_ram_mib: float = _p(
        88.0, "RAM the first precopy pass sends (zero pages cost almost nothing, so for an idle guest this is "
              "the used RAM); default: the lab's 512 MiB guest sent 86.8–91.1 MiB (real-failover-lab.md §6); "
              "teamkit lab: 86.6–94.8 MiB")
    dirty_rate_mib_s: float = _p(
        2.0, "guest dirty rate; default: an idle guest, consistent with the lab's single pass and 11–75 ms "
             "downtime (real-failover-lab.md §6) [infer]")
    bandwidth_gbit_s: float = _p(1.3, "migration bandwidth; default: the lab's ≈1.3 Gbit/s (real-failover-lab.md "
                                      "Key fact 8); teamkit lab: 1.2–1.37 Gbit/s on a quiet host, 0.46–1.1 "
                                      "Gbit/s while other jobs shared its two cores (precopy 0.51–1.6 s)")
    max_downtime_s: float = _p(
        0.3, "QEMU downtime-limit; default: DEFAULT_MIGRATE_SET_DOWNTIME = 300 ms (QEMU migration/options.c)")
    max_iterations: int = _p(
        30, "precopy pass cap after which the switchover is forced; a modelling choice: QEMU itself iterates "
            "until it converges or is cancelled")
    prepare_s: float = _p(
        0.0, "libvirt Begin/Prepare before the source gets migrate; default 0: no reference measures it")
    setup_s: float = _p(
        0.004, "migrate to wait-unplug (savevm setup); default: 3–5 ms in the lab (real-failover-lab.md §6)")
    wait_unplug_poll_s: float = _p(
        0.25, "wait-unplug poll period (qemu-failover.md Key fact 5); teamkit lab, on QEMU's own timestamps: "
              "0.250–0.253 s in wait-unplug with ACPI, and 30.07 s from cancelling to cancelled for the 120 polls "
              "after a cancel (30.2–30.3 s when stamped on arrival at a busy host)")
    guest_unplug_s: float = _p(
        0.08, "guest handling of the eject until the VF is unregistered; default: ≈85 ms e1000e, 16–20 ms "
              "vmxnet3 in the lab (real-failover-lab.md §6); teamkit lab, UNPLUG_PRIMARY to 'primary slave "
              "unregistered': e1000e 79–92 ms, vmxnet3 27–30 ms")
    pciehp_button_delay_s: float = _p(
        5.0, "pcie only: pciehp abort window after the attention button (qemu-failover.md Key fact 10); teamkit "
             "lab: the guest released the primary 5.06–5.35 s after UNPLUG_PRIMARY, so pciehp's disable work adds "
             "up to ≈0.25 s to the driver's own unplug time (real-failover-lab.md §4 C1: 5.23 s)")
    pciehp_power_off_s: float = _p(
        1.0, "pcie only: wait for the power indicator, when QEMU completes the unplug (real-failover-lab.md §7 "
             "pitfall 9); teamkit lab: the source went active 1.0–1.35 s after the guest released the primary, "
             "6.09–6.55 s after UNPLUG_PRIMARY")
    switchover_s: float = _p(
        0.02, "stop-and-copy cost beyond the last RAM pass (device state); default: STOP→completed 10–75 ms in "
              "the lab (real-failover-lab.md §6)")
    vf_replug_s: float = _p(
        0.003, "destination plug of the primary during the load (vfio realize, DMA map), inside the downtime; "
               "default: FAILOVER_NEGOTIATED 0–3 ms before RESUME with the lab's emulated NIC "
               "(real-failover-lab.md §5; teamkit lab: 1–18 ms); a real VF maps all guest RAM here "
               "(qemu-failover.md §7 M8, §8 [infer])")
    device_state: bool = _p(
        True, "the source reports the 'device' state at switchover, always from QEMU 9.2/10.0 (qemu-failover.md "
              "§4); false for older QEMU (real-failover-lab.md §7 pitfall 4; teamkit lab with QEMU 7.2: active, "
              "STOP, completed)")
    guest_hotadd_s: float = _p(
        0.06, "RESUME to the guest's PCI enumeration of the VF; default: 50–70 ms with ACPI in the lab "
              "(real-failover-lab.md §6); teamkit lab: 0.10 s on a quiet host, up to 0.43 s on a busy one")
    pciehp_hotadd_s: float = _p(
        0.1, "pcie only: extra hot-add time; default: ≈160 ms native vs 60 ms ACPI in the lab "
             "(real-failover-lab.md §6)")
    driver_probe_s: float = _p(
        0.25, "VF enumeration to failover_slave_register; default: RESUME→primary registered 0.19–0.43 s in the "
              "lab minus the enumeration (real-failover-lab.md §6); teamkit lab: vmxnet3 0.08–0.2 s, e1000e "
              "0.39–0.46 s, both up to 0.6–0.8 s on a busy host")
    vf_link_up_s: float = _p(
        0.0, "VF registered to carrier up; frames on the standby are dropped meanwhile; default 0: vmxnet3 in "
             "the lab; e1000e takes 2–3 s (real-failover-lab.md Key fact 10; teamkit lab: 2.0–2.9 s, and the "
             "guest's ping lost every reply in between)")
    cancel_after_s: float = _p(
        2.0, "guest-ignores-unplug: time in wait-unplug before management cancels; default: the lab's "
             "orchestrator cancelled ≈2 s in (real-failover-lab.md §4 E, §5 K)")
    fail_after_active_s: float = _p(
        0.0, "fails-after-active: time in active before the stream fails; default 0: the lab's destination "
             "load error surfaced as the source went active (real-failover-lab.md §5 X0)")

    def __post_init__(self) -> None:
        hints = get_type_hints(type(self))
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            _check(f.name, hints[f.name], value)

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        """The valid parameter names, in declaration order."""
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def describe(cls) -> tuple[ParamInfo, ...]:
        """Every parameter with its default and documentation, for ``--help`` texts."""
        return tuple(ParamInfo(f.name, cast(ParamValue, f.default), f.metadata["doc"]) for f in dataclasses.fields(cls))

    def with_overrides(self, overrides: Mapping[str, str]) -> Params:
        """A copy with ``{"key": "text"}`` values parsed as ``--set key=text`` gives them.

        >>> Params().with_overrides({"hotplug": "pcie", "guest_ram_mib": "4096"}).hotplug
        'pcie'
        """
        hints = get_type_hints(type(self))
        changes: dict[str, Any] = {}
        for key, text in overrides.items():
            if key not in hints:
                raise ParameterError(key, "unknown parameter", valid_keys=self.keys())
            changes[key] = _parse(key, hints[key], text)
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, ParamValue]:
        """The values by key, in declaration order (JSON-ready)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    @property
    def bandwidth_mib_s(self) -> float:
        return gbit_to_mib_s(self.bandwidth_gbit_s)

    @property
    def guest(self) -> GuestProfile:
        """The guest these parameters describe."""
        match = _KERNEL.match(self.guest_kernel)
        assert match is not None
        return GuestProfile(kernel=(int(match[1]), int(match[2])), net_failover=self.guest_net_failover)


def parse_assignments(items: Iterable[str]) -> dict[str, str]:
    """``["key=value", …]`` (the CLI's repeated ``--set``) as a dict; a later key wins.

    >>> parse_assignments(["hotplug=pcie", "guest_ram_mib=4096"])
    {'hotplug': 'pcie', 'guest_ram_mib': '4096'}
    """
    result: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ParameterError(item, "expected KEY=VALUE", valid_keys=Params.keys())
        result[key.strip()] = value.strip()
    return result


def _parse(key: str, hint: Any, text: str) -> ParamValue:
    text = text.strip()
    if hint is bool:
        lowered = text.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ParameterError(key, f"expected true or false, got {text!r}")
    if hint is int:
        try:
            return int(text)
        except ValueError:
            raise ParameterError(key, f"expected a whole number, got {text!r}") from None
    if hint is float:
        try:
            return float(text)
        except ValueError:
            raise ParameterError(key, f"expected a number, got {text!r}") from None
    return text


def _check(key: str, hint: Any, value: Any) -> None:
    if get_origin(hint) is Literal:
        choices = get_args(hint)
        if value not in choices:
            raise ParameterError(key, f"expected one of {', '.join(choices)}, got {value!r}")
    elif hint is bool:
        if not isinstance(value, bool):
            raise ParameterError(key, f"expected true or false, got {value!r}")
    elif hint is int or hint is float:
        wrong_type = isinstance(value, bool) or not isinstance(value, int | float)
        if wrong_type or (hint is int and not isinstance(value, int)):
            raise ParameterError(key, f"expected a number, got {value!r}")
        if not math.isfinite(value):
            raise ParameterError(key, f"expected a finite number, got {value!r}")
        if key in _MAY_BE_ZERO and value < 0:
            raise ParameterError(key, f"must be >= 0, got {value!r}")
        if key not in _MAY_BE_ZERO and value <= 0:
            raise ParameterError(key, f"must be > 0, got {value!r}")
    elif key == "guest_kernel" and (not isinstance(value, str) or not _KERNEL.match(value)):
        raise ParameterError(key, f"expected a Linux version such as 6.1 or 4.18, got {value!r}")
