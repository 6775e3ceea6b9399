"""A QEMU command line as the smoke check sees it: its -device arguments, and libvirt's own command made runnable."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from teamkit.libvirt.buses import BUS_MODELS
from teamkit.qemu.devices import user_netdev_props
from teamkit.qemu.version import QemuVersion

__all__ = [
    "DeviceArg",
    "SmokeCommand",
    "libvirt_argv_standalone",
    "parse_device_arg",
    "parse_version_banner",
    "qemu_error_line",
]

#: options (with their argument) dropped from libvirt's own command line to run it outside libvirt: the
#: monitor libvirt passes as a file descriptor, the master-key secret in libvirt's private directory, the sandbox
_LIBVIRT_ONLY: Final = (("-chardev", "charmonitor"), ("-mon", ""), ("-object", "masterKey0"), ("-sandbox", ""))
#: ``-msg timestamp=on`` prefix and QEMU's program-name prefix on an error line
_TIMESTAMP_RE: Final = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z ")
_PROGNAME_RE: Final = re.compile(r"^(?:\S*/)?qemu[\w.-]*: ")
_VERSION_RE: Final = re.compile(r"QEMU emulator version (\d+)\.(\d+)(?:\.(\d+))?")
#: root buses QEMU creates with the machine (not on the command line): name → PCI Express
_ROOT_BUSES: Final = {"pci.0": False, "pcie.0": True}


@dataclass(frozen=True)
class DeviceArg:
    """One ``-device`` argument, with what the failover check needs from it."""

    #: position among the command line's ``-device`` options (QEMU creates them in this order)
    position: int
    driver: str
    id: str | None
    bus: str | None
    #: ``virtio-net-pci``'s ``failover`` (``None`` when absent or not a boolean)
    failover: bool | None
    failover_pair_id: str | None
    host: str | None
    arg: str

    @property
    def is_virtio_net(self) -> bool:
        return self.driver.startswith("virtio-net")

    @property
    def label(self) -> str:
        what = f"{self.driver} {self.host}" if self.host else self.driver
        return f"'{self.id}' ({what})" if self.id else f"a {what}"


def _split_legacy(text: str) -> list[str]:
    """``driver,key=value,…`` split on single commas (``,,`` is an escaped comma)."""
    parts: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == ",":
            if text[i + 1:i + 2] == ",":
                current.append(",")
                i += 2
                continue
            parts.append("".join(current))
            current = []
        else:
            current.append(text[i])
        i += 1
    parts.append("".join(current))
    return parts


def _bool(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return {"on": True, "yes": True, "true": True, "off": False, "no": False, "false": False}.get(value)
    return None


def _str(value: object) -> str | None:
    return None if value is None else str(value)


def parse_device_arg(arg: str, position: int = 0) -> DeviceArg:
    """A ``-device`` argument in JSON or legacy ``key=value`` syntax.

    >>> parse_device_arg('{"driver":"vfio-pci","host":"0000:03:07.1","id":"hostdev0","failover_pair_id":"ua-b"}').label
    "'hostdev0' (vfio-pci 0000:03:07.1)"
    >>> parse_device_arg("virtio-net-pci,failover=on,id=ua-b,mac=00:11:22:33:44:55").failover
    True
    """
    props: dict[str, Any]
    if arg.lstrip().startswith("{"):
        try:
            loaded = json.loads(arg)
        except ValueError:
            loaded = {}
        props = loaded if isinstance(loaded, dict) else {}
    else:
        first, *rest = _split_legacy(arg)
        props = {"driver": first}
        for part in rest:
            key, _, value = part.partition("=")
            props[key] = value
    return DeviceArg(position=position, driver=str(props.get("driver", "")), id=_str(props.get("id")),
                     bus=_str(props.get("bus")), failover=_bool(props.get("failover")),
                     failover_pair_id=_str(props.get("failover_pair_id")), host=_str(props.get("host")), arg=arg)


def _devices(args: Sequence[str]) -> tuple[DeviceArg, ...]:
    values = [args[i + 1] for i in range(len(args) - 1) if args[i] == "-device"]
    return tuple(parse_device_arg(v, n) for n, v in enumerate(values))


def _express_buses(devices: Iterable[DeviceArg]) -> dict[str, bool]:
    """Every bus name on the command line → whether it is PCI Express (by the controller device that makes it)."""
    express = dict(_ROOT_BUSES)
    by_driver = {m.qemu_driver: m.express for m in BUS_MODELS.values()}
    for d in devices:
        if d.id is not None and d.driver in by_driver:
            express[d.id] = by_driver[d.driver]
    return express


@dataclass(frozen=True)
class SmokeCommand:
    """The arguments QEMU is started with (without the program and the QMP socket), and what they contain."""

    args: tuple[str, ...]
    #: the machine type (``-machine``'s first value)
    machine: str | None
    #: the machine has ACPI (no ``acpi=off``, no ``-no-acpi``)
    acpi: bool
    #: notes about the rendering (teamkit's argv warnings), shown to the user
    notes: tuple[str, ...] = ()
    #: user aliases the domain wrote that libvirt drops (they do not start with ``ua-``)
    dropped_aliases: tuple[str, ...] = ()
    devices: tuple[DeviceArg, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "devices", _devices(self.args))

    def command(self, binary: str, qmp_socket: str) -> tuple[str, ...]:
        """The full argument vector, QMP on a unix socket (QEMU listens; nothing else does)."""
        return (binary, *self.args, "-qmp", f"unix:{qmp_socket},server=on,wait=off")

    @property
    def virtio_ids(self) -> tuple[str, ...]:
        return tuple(d.id for d in self.devices if d.is_virtio_net and d.id)

    @property
    def primaries(self) -> tuple[DeviceArg, ...]:
        """Devices that name a failover standby (``failover_pair_id``): the transients QEMU should hide."""
        return tuple(d for d in self.devices if d.failover_pair_id is not None)

    def device(self, dev_id: str) -> DeviceArg | None:
        return next((d for d in self.devices if d.id == dev_id), None)

    def express(self, bus: str | None) -> bool | None:
        """Whether ``bus`` is PCI Express (``None``: unknown)."""
        if bus is None:
            return None
        return _express_buses(self.devices).get(bus)


def _tap_to_user(arg: str) -> str:
    """A ``-netdev`` of any host-backed type becomes ``user`` with the same id (JSON or legacy syntax)."""
    if arg.lstrip().startswith("{"):
        props = json.loads(arg)
        if props.get("type") == "user":
            return arg
        return user_netdev_props(netdev_id=str(props.get("id"))).to_json()
    kind, *rest = _split_legacy(arg)
    if kind == "user":
        return arg
    ids = [p.partition("=")[2] for p in rest if p.startswith("id=")]
    return user_netdev_props(netdev_id=ids[0] if ids else "").to_legacy("type")


def libvirt_argv_standalone(argv: Sequence[str]) -> SmokeCommand:
    """libvirt's logged QEMU command line, made runnable outside libvirt, with no root, namespace or sysfs.

    The program (``argv[0]``, when it is not an option) and the libvirt-only options (monitor chardev and ``-mon``,
    the ``masterKey0`` secret, ``-sandbox``) are dropped, and every host-backed netdev becomes a ``user`` netdev with
    the same id. Everything else, including the machine and libvirt's order, stays as it is.

    >>> libvirt_argv_standalone(["qemu", "-netdev", '{"type":"tap","fd":"8","id":"hostnet0"}']).args
    ('-netdev', '{"type":"user","id":"hostnet0"}')
    """
    words = list(argv[1:] if argv and not argv[0].startswith("-") else argv)
    args: list[str] = []
    i = 0
    while i < len(words):
        option = words[i]
        value = words[i + 1] if i + 1 < len(words) and not words[i + 1].startswith("-") else None
        if option.startswith("-") and value is not None:
            if any(option == o and needle in value for o, needle in _LIBVIRT_ONLY):
                i += 2
                continue
            args += [option, _tap_to_user(value) if option == "-netdev" else value]
            i += 2
        else:
            args.append(option)
            i += 1
    machine = next((args[k + 1] for k in range(len(args) - 1) if args[k] == "-machine"), "pc")
    acpi = "-no-acpi" not in args and "acpi=off" not in machine.split(",")
    return SmokeCommand(tuple(args), machine=machine.split(",")[0], acpi=acpi)


def qemu_error_line(stderr: str) -> str | None:
    """QEMU's error from its stderr: the first line that is not a warning, without timestamp and program name.

    >>> qemu_error_line("qemu-system-x86_64: warning: x\\nqemu-system-x86_64: -device vfio-pci: Bus 'pci.0' does not "
    ...                 "support hotplugging\\n")
    "-device vfio-pci: Bus 'pci.0' does not support hotplugging"
    """
    for raw in stderr.splitlines():
        line = _PROGNAME_RE.sub("", _TIMESTAMP_RE.sub("", raw.strip()))
        if line and not line.startswith("warning:"):
            return line
    return None


def parse_version_banner(text: str) -> QemuVersion | None:
    """``qemu-system-x86_64 --version`` → the version (``None`` when the banner is not QEMU's).

    >>> parse_version_banner("QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)")
    QemuVersion(major=7, minor=2, micro=22)
    """
    match = _VERSION_RE.search(text)
    if match is None:
        return None
    return QemuVersion(int(match[1]), int(match[2]), int(match[3] or 0))
