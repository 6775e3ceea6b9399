"""The ``-netdev``/``-device`` arguments libvirt gives a domain's interfaces and PCI hostdevs, in its order."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from teamkit.libvirt.aliases import assign_ids
from teamkit.libvirt.cparse import parse_uint
from teamkit.libvirt.messages import message
from teamkit.libvirt.networks import resolve_networks
from teamkit.libvirt.pci import (
    LIBVIRT_LATEST,
    DeviceKey,
    PciAddressError,
    PciPlan,
    PciSlot,
    assign_pci_addresses,
)
from teamkit.model import Domain, Hostdev, Interface, Network, PciAddress, Rom, Teaming, TeamingType, is_user_alias
from teamkit.qemu.devices import (
    HARNESS_FACTS,
    VIRTIO_NET_DRIVERS,
    HostFacts,
    controller_props,
    nic_props,
    tap_netdev_props,
    usb_address_values,
    user_netdev_props,
    vfio_pci_props,
)
from teamkit.qemu.props import Props, PropValue
from teamkit.qemu.version import LATEST, QemuVersion

__all__ = [
    "ArgvResult",
    "RenderedOption",
    "format_args",
    "render_argv",
    "shell_quote",
]

#: ``virBufferEscapeShell``: an argument with any of these is single-quoted
_SHELL_SPECIAL: Final = frozenset("\r\t\n !\"#$&'()*;<>?[\\]^`{|}~")
#: interface types whose backend is a tap (or macvtap) file descriptor libvirt opens itself
_TAP_TYPES: Final = ("network", "bridge", "ethernet", "direct")
#: the host address shown for a pool VF that only the host can name
_VF_PLACEHOLDER: Final = "0000:00:00.0"
#: the oldest QEMU libvirt 11.3 accepts
_MIN_QEMU: Final = QemuVersion(6, 2)


@dataclass(frozen=True)
class RenderedOption:
    """One option and its argument, with the properties and the device it came from."""

    option: str
    arg: str
    props: Props
    #: ``netdev``, ``nic``, ``hostdev`` or ``controller``
    role: str
    source: DeviceKey
    #: the QEMU id (``id`` property)
    id: str


@dataclass(frozen=True)
class ArgvResult:
    """What :func:`render_argv` produces. ``error`` is set (and ``options`` empty) when libvirt would refuse."""

    qemu: QemuVersion
    options: tuple[RenderedOption, ...]
    warnings: tuple[str, ...]
    plan: PciPlan | None
    error: str | None = None

    @property
    def argv(self) -> tuple[str, ...]:
        """The argument vector: ``("-netdev", "{…}", "-device", "{…}", …)``."""
        return tuple(token for o in self.options for token in (o.option, o.arg))

    def text(self) -> str:
        """The shell-quoted text form, one option per line, like libvirt's ``.args`` files."""
        return format_args(self.argv)

    @property
    def ok(self) -> bool:
        return self.error is None


def shell_quote(arg: str) -> str:
    """``virBufferEscapeShell``: single quotes only when needed, ``'`` written as ``'\\''``.

    >>> shell_quote("user,id=hostnet0")
    'user,id=hostnet0'
    >>> shell_quote('{"type":"user"}')
    '\\'{"type":"user"}\\''
    """
    if not arg:
        return "''"
    if not any(c in _SHELL_SPECIAL for c in arg):
        return arg
    return "'" + arg.replace("'", "'\\''") + "'"


def format_args(argv: Sequence[str]) -> str:
    """One option with its argument per line, lines joined by `` \\``, as ``virCommandToString`` writes them."""
    lines: list[str] = []
    for token in argv:
        if token.startswith("-") or not lines:
            lines.append(shell_quote(token))
        else:
            lines[-1] += " " + shell_quote(token)
    return " \\\n".join(lines) + ("\n" if lines else "")


def _networks_by_name(networks: Mapping[str, Network] | Iterable[Network]) -> dict[str, Network]:
    if isinstance(networks, Mapping):
        return dict(networks)
    return {n.name: n for n in networks}


def _pair_id(teaming: Teaming | None) -> str | None:
    if teaming is not None and teaming.type is TeamingType.TRANSIENT and teaming.persistent:
        return teaming.persistent
    return None


@dataclass(frozen=True)
class _PciHostdev:
    """One entry of libvirt's ``def->hostdevs`` that becomes ``-device vfio-pci``."""

    key: DeviceKey
    host: str
    dev_id: str
    boot: int | None
    pair_id: str | None
    rom: Rom | None
    acpi_index: int | None = None


class _Renderer:
    def __init__(self, domain: Domain, networks: dict[str, Network], qemu: QemuVersion, host: HostFacts,
                 include_controllers: bool, libvirt: tuple[int, int]) -> None:
        self.domain = domain
        self.qemu = qemu
        self.host = host
        self.include_controllers = include_controllers
        self.warnings: list[str] = []
        self.options: list[RenderedOption] = []
        self.networks = networks
        self.pf_used: dict[str, int] = {}
        self.resolution = resolve_networks(domain, networks)
        self.types = self.resolution.actual_types
        self.ids = assign_ids(domain, self.types)
        self.plan = assign_pci_addresses(domain, networks=networks, conventional_pci=host.conventional_pci,
                                         libvirt=libvirt)
        self.boot = self._boot_indexes()

    # -- ids, boot order, addresses ------------------------------------------------------------------------------
    def _boot_indexes(self) -> dict[DeviceKey, int]:
        """``<boot order>`` per device, then ``qemuProcessPrepareDeviceBootorder`` for ``<os><boot dev='network'>``."""
        boot: dict[DeviceKey, int] = {}
        for n, iface in enumerate(self.domain.interfaces):
            if iface.boot is not None:
                boot[("interface", n)] = iface.boot.order
        for n, hd in enumerate(self.domain.hostdevs):
            if hd.boot is not None:
                boot[("hostdev", n)] = hd.boot.order
        if "network" in self.domain.os_boot and self.domain.interfaces:
            boot[("interface", 0)] = self.domain.os_boot.index("network") + 1
        return boot

    def _address(self, key: DeviceKey, label: str, address: PciAddress | None) -> tuple[str | None, PciSlot | None]:
        placed = self.plan.find(key)
        if placed is None:
            kind = address.type if address is not None else "none"
            self.warnings.append(f"{label}: no PCI address (address type '{kind}'); bus/addr left out")
            return None, None
        return placed.bus_name, placed.address

    def _usb_address(self, address: PciAddress | None) -> dict[str, PropValue | None] | None:
        """A USB ``<address>`` (``bus``, ``port``) of an emulated NIC: the USB controller's id + ``.0``, and the port
        path as written (libvirt assigns USB ports only to USB devices proper, never to a NIC)."""
        if address is None or address.type != "usb":
            return None
        text = dict(address.text)
        bus = parse_uint(text.get("bus", "0"), 10) or 0
        port = ".".join(str(int(p)) for p in (text.get("port") or "").split(".") if p.isdigit() and int(p))
        cont = next((c for c in self.domain.controllers if c.type == "usb" and c.index == bus), None)
        alias = cont.alias if cont is not None and cont.alias is not None and is_user_alias(cont.alias) else (
            "usb" if bus == 0 else f"usb{bus}")
        return usb_address_values(alias, port)

    def _mac(self, iface: Interface, label: str) -> str:
        if iface.mac is not None:
            return iface.mac
        self.warnings.append(f"{label}: no <mac>; libvirt generates one at define time, shown here as "
                             f"{self.host.generated_mac} (what libvirt's test harness generates)")
        return self.host.generated_mac

    def _emit(self, option: str, props: Props, role: str, source: DeviceKey, json: bool) -> None:
        lead = "type" if option == "-netdev" else "driver"
        self.options.append(RenderedOption(option, props.render(json=json, lead_key=lead), props, role, source,
                                           str(props.get("id") or "")))

    # -- controllers ---------------------------------------------------------------------------------------------
    def controllers(self) -> None:
        for cont in self.plan.controllers:
            bus = self.plan.bus_name(cont.address.bus) if cont.address is not None else None
            props = controller_props(cont, bus_name=bus)
            if props is not None:
                key: DeviceKey = ("controller", cont.source) if cont.source is not None else ("implicit",
                                                                                               f"pci{cont.index}")
                self._emit("-device", props, "controller", key, self.qemu.device_json)

    # -- interfaces ----------------------------------------------------------------------------------------------
    def interfaces(self) -> None:
        for n, iface in enumerate(self.domain.interfaces):
            actual = self.types[n]
            label = f"interface[{n}] (id {self.ids.interfaces[n]})"
            mac = iface.mac or self.host.generated_mac
            if iface.teaming is not None and iface.teaming.type is TeamingType.TRANSIENT and actual not in (
                    "hostdev", None):
                raise _Refusal(message("teaming-transient-actual-not-hostdev").libvirt_text(mac=mac, type=actual))
            if actual == "hostdev":
                continue
            netdev = self._netdev(n, iface, actual or "network", label)
            if netdev is None:
                continue
            self._emit("-netdev", netdev, "netdev", ("interface", n), self.qemu.netdev_json)
            usb = self._usb_address(iface.address)
            bus, slot = (None, None) if usb is not None else self._address(("interface", n), label, iface.address)
            props = nic_props(iface, netdev_id=self.ids.netdev(n), dev_id=self.ids.interfaces[n],
                              mac=self._mac(iface, label), bootindex=self.boot.get(("interface", n)),
                              slot=slot, bus_name=bus, usb=usb)
            self._emit("-device", props, "nic", ("interface", n), self.qemu.device_json)

    def _queues(self, iface: Interface) -> int:
        queues = iface.driver.queues if iface.model in VIRTIO_NET_DRIVERS else None
        return queues if queues and queues > 1 else 1

    def _netdev(self, n: int, iface: Interface, actual: str, label: str) -> Props | None:
        netdev_id = self.ids.netdev(n)
        if actual == "user":
            if iface.driver.queues:
                mac = iface.mac or self.host.generated_mac
                raise _Refusal(message("multiqueue-unsupported-type").libvirt_text(mac=mac, type=actual))
            return user_netdev_props(netdev_id=netdev_id)
        if actual not in _TAP_TYPES:
            self.warnings.append(f"{label}: interface type '{actual}' is not modelled; its -netdev/-device are "
                                 "left out")
            return None
        queues = self._queues(iface)
        first = {"ethernet": self.host.ethernet_tap_fd, "direct": self.host.macvtap_fd}.get(
            actual, self.host.bridge_tap_fd)
        if actual == "direct":
            self.warnings.append(f"{label}: the macvtap fd ({first}) is a placeholder; libvirt opens it at start")
        vhost: list[int] = []
        if self._uses_vhost(iface):
            vhost = [self.host.vhost_fd + k for k in range(queues)]
        return tap_netdev_props(netdev_id=netdev_id, tap_fds=[first + k for k in range(queues)], vhost_fds=vhost)

    def _uses_vhost(self, iface: Interface) -> bool:
        """``qemuInterfaceOpenVhostNet`` (the harness mock only checks for a virtio model)."""
        if iface.model not in VIRTIO_NET_DRIVERS or not self.host.vhost_net:
            return False
        if self.host.harness_vhost:
            return True
        return self.domain.domain_type == "kvm" and iface.driver.name != "qemu"

    # -- host devices ----------------------------------------------------------------------------------------------
    def _pci_hostdevs(self) -> list[_PciHostdev]:
        """libvirt's ``def->hostdevs``: ``<interface type='hostdev'>`` copies (parse time), plain ``<hostdev>``s,
        then hostdevs handed out by ``<forward mode='hostdev'>`` networks (inserted when the domain starts)."""
        ifaces: list[_PciHostdev] = []
        plain: list[_PciHostdev] = []
        pooled: list[_PciHostdev] = []
        for n, iface in enumerate(self.domain.interfaces):
            if self.types[n] != "hostdev":
                continue
            key: DeviceKey = ("interface", n)
            label = f"interface[{n}] (id {self.ids.interfaces[n]})"
            if iface.type == "hostdev":
                if iface.source.pci is None:
                    self.warnings.append(f"{label}: a non-PCI hostdev source is not rendered")
                    continue
                host = iface.source.pci.host_string()
                target = ifaces
            else:
                vf = self.resolution.pool_vfs[n]
                host = vf.host_string() if vf is not None else self._pf_vf(iface.source.network or "", label)
                target = pooled
            if iface.address is not None and iface.address.type == "unassigned":
                continue
            target.append(_PciHostdev(key, host, self.ids.interfaces[n], self.boot.get(key),
                                      _pair_id(iface.teaming), iface.rom, iface.acpi_index))
        for n, hd in enumerate(self.domain.hostdevs):
            if not self._renders(n, hd):
                continue
            assert hd.pci is not None
            key = ("hostdev", n)
            plain.append(_PciHostdev(key, hd.pci.host_string(), self.ids.hostdevs[n], self.boot.get(key),
                                     _pair_id(hd.teaming), hd.rom, hd.acpi_index))
        return ifaces + plain + pooled

    def _pf_vf(self, network: str, label: str) -> str:
        """A VF of a ``<forward mode='hostdev'><pf dev='…'/>`` pool: libvirt lists the PF's VFs from sysfs."""
        net = self.networks.get(network)
        vfs = [vf for pf in (net.pf_devs if net else ()) for vf in self.host.pf_vfs.get(pf, ())]
        used = self.pf_used.get(network, 0)
        if net is not None and net.pf_devs and not vfs:
            self.warnings.append(f"{label}: the VFs of PF {', '.join(net.pf_devs)} are read from the host when the "
                                 f"domain starts; host {_VF_PLACEHOLDER} is a placeholder (give HostFacts.pf_vfs)")
            return _VF_PLACEHOLDER
        if used >= len(vfs):
            raise _Refusal(f"internal error: network '{network}' requires exclusive access to interfaces, but none "
                           "are available")
        self.pf_used[network] = used + 1
        return vfs[used]

    def _renders(self, n: int, hd: Hostdev) -> bool:
        label = f"hostdev[{n}] (id {self.ids.hostdevs[n]})"
        if (hd.mode or "subsystem") != "subsystem" or hd.type != "pci":
            self.warnings.append(f"{label}: type '{hd.type}' is not a PCI hostdev; not rendered")
            return False
        if hd.pci is None:
            self.warnings.append(f"{label}: no source address; not rendered")
            return False
        if hd.address is not None and hd.address.type == "unassigned":
            return False
        if hd.driver_name not in (None, "vfio"):
            self.warnings.append(f"{label}: <driver name='{hd.driver_name}'> is not vfio; libvirt refuses it")
        return True

    def hostdevs(self) -> None:
        for h in self._pci_hostdevs():
            if h.key[0] == "interface":
                address = self.domain.interfaces[int(h.key[1])].address
            else:
                address = self.domain.hostdevs[int(h.key[1])].address
            bus, slot = self._address(h.key, f"{h.key[0]}[{h.key[1]}] (id {h.dev_id})", address)
            props = vfio_pci_props(host=h.host, dev_id=h.dev_id, bootindex=h.boot, failover_pair_id=h.pair_id,
                                   slot=slot, bus_name=bus, rom=h.rom, acpi_index=h.acpi_index)
            self._emit("-device", props, "hostdev", h.key, self.qemu.device_json)

    def run(self) -> None:
        if self.include_controllers:
            self.controllers()
        self.interfaces()
        self.hostdevs()


class _Refusal(Exception):
    """libvirt stops building the command line with this message."""

    def __init__(self, text: str | None) -> None:
        super().__init__(text or "")


def render_argv(domain: Domain, *, networks: Mapping[str, Network] | Iterable[Network] = (),
                qemu: QemuVersion = LATEST, host: HostFacts = HARNESS_FACTS,
                include_controllers: bool = False, libvirt: tuple[int, int] = LIBVIRT_LATEST) -> ArgvResult:
    """The ``-netdev``/``-device`` arguments libvirt 11.3 writes for ``domain``'s interfaces and PCI hostdevs.

    Order: each interface's ``-netdev`` and ``-device`` (hostdev-backed ones skipped), then every ``vfio-pci`` in
    the hostdev block. With ``include_controllers`` the PCI controllers (including the ones libvirt adds on its own,
    such as q35's pcie-root-ports) come first, as on libvirt's command line. ``networks`` resolves
    ``<interface type='network'>``; ``host`` supplies what libvirt would learn at start (fds, vhost-net, generated
    MACs, PCIe-ness of host devices). ``libvirt`` = ``(9, 0)`` follows Debian 12's libvirt 9.0 where it differs from
    11.3 (the order of the PCI controllers libvirt adds itself, see :func:`assign_pci_addresses`). The domain is
    assumed to pass libvirt's define-time validation.
    """
    nets = _networks_by_name(networks)
    warnings: list[str] = []
    if qemu < _MIN_QEMU:
        warnings.append(f"libvirt 11.3 needs QEMU {_MIN_QEMU} or newer; QEMU {qemu} gets the syntax of the "
                        "oldest version it supports")
    teamed = any(i.teaming is not None for i in domain.interfaces) or any(
        h.teaming is not None for h in domain.hostdevs)
    if teamed and not qemu.supports_failover:
        return ArgvResult(qemu, (), tuple(warnings), None,
                          message("failover-unsupported-qemu").libvirt_text())
    try:
        renderer = _Renderer(domain, nets, qemu, host, include_controllers, libvirt)
    except PciAddressError as err:
        return ArgvResult(qemu, (), tuple(warnings), None, err.libvirt_message)
    for name in renderer.resolution.unknown_networks:
        warnings.append(f"network '{name}' is not known (pass it with --network); its interfaces are rendered "
                        "as tap devices of a libvirt-managed bridge")
    try:
        renderer.run()
    except _Refusal as refusal:
        return ArgvResult(qemu, (), tuple(warnings + renderer.warnings), renderer.plan, str(refusal))
    return ArgvResult(qemu, tuple(renderer.options), tuple(warnings + list(renderer.plan.warnings)
                                                            + renderer.warnings), renderer.plan)
