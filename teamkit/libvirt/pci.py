"""libvirt's PCI address assignment (i440fx and q35) for devices without ``<address>``, with auto-added controllers."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from enum import IntFlag
from typing import Final

from teamkit.errors import TeamkitError
from teamkit.libvirt.buses import BUS_MODELS
from teamkit.libvirt.messages import message
from teamkit.libvirt.networks import actual_type
from teamkit.libvirt.parse import NET_MODELS
from teamkit.model import Controller, Domain, Network, OtherDevice, PciAddress, is_user_alias

__all__ = [
    "CONNECT_FLAGS",
    "CONTROLLERS_INSERTED_SINCE",
    "HARNESS_CONVENTIONAL_PCI_HOSTS",
    "LIBVIRT_LATEST",
    "Connect",
    "DeviceKey",
    "PciAddressError",
    "PciPlan",
    "PciSlot",
    "PlacedDevice",
    "PlannedController",
    "assign_pci_addresses",
    "bus_hotplug",
    "device_hotplug",
    "machine_family",
]

#: a device in the domain: ``("interface", i)``, ``("hostdev", i)``, ``("controller", i)``, ``("other", i)`` index
#: the domain's tuples; ``("implicit", name)`` names a device libvirt adds by itself (``usb0``, ``memballoon``…)
DeviceKey = tuple[str, int | str]


class Connect(IntFlag):
    """``virDomainPCIConnectFlags`` (``src/conf/domain_addr.h``)."""

    AUTOASSIGN = 1 << 0
    HOTPLUGGABLE = 1 << 1
    INTEGRATED = 1 << 2
    AGGREGATE_SLOT = 1 << 3
    PCI_DEVICE = 1 << 4
    PCIE_DEVICE = 1 << 5
    PCIE_ROOT_PORT = 1 << 6
    PCIE_SWITCH_UPSTREAM_PORT = 1 << 7
    PCIE_SWITCH_DOWNSTREAM_PORT = 1 << 8
    DMI_TO_PCI_BRIDGE = 1 << 9
    PCI_EXPANDER_BUS = 1 << 10
    PCIE_EXPANDER_BUS = 1 << 11
    PCI_BRIDGE = 1 << 12
    PCIE_TO_PCI_BRIDGE = 1 << 13


_NONE: Final = Connect(0)
_TYPES_MASK: Final = Connect(sum(1 << b for b in range(4, 14)))
_ENDPOINT: Final = Connect.PCI_DEVICE | Connect.PCIE_DEVICE
#: the flags as plain ints, for the address set's inner loops (``IntFlag`` operators are slow)
_I_AUTOASSIGN: Final = int(Connect.AUTOASSIGN)
_I_HOTPLUGGABLE: Final = int(Connect.HOTPLUGGABLE)
_I_INTEGRATED: Final = int(Connect.INTEGRATED)
_I_AGGREGATE_SLOT: Final = int(Connect.AGGREGATE_SLOT)
_I_PCI_DEVICE: Final = int(Connect.PCI_DEVICE)
_I_PCI_BRIDGE: Final = int(Connect.PCI_BRIDGE)
_I_PCIE_TO_PCI_BRIDGE: Final = int(Connect.PCIE_TO_PCI_BRIDGE)
_I_PCIE_OR_UPSTREAM: Final = int(Connect.PCIE_DEVICE | Connect.PCIE_SWITCH_UPSTREAM_PORT)
_I_TYPES_MASK: Final = int(_TYPES_MASK)
_I_ENDPOINT: Final = int(_ENDPOINT)
_PCI_FLAGS: Final = Connect.PCI_DEVICE | Connect.AUTOASSIGN
_PCIE_FLAGS: Final = Connect.PCIE_DEVICE | Connect.AUTOASSIGN
_SLOT_LAST: Final = 31


_A: Final = Connect.AUTOASSIGN
#: per PCI controller model: what plugs into its bus (``virDomainPCIAddressBusSetModel``) and how the controller
#: itself plugs in (``virDomainPCIControllerModelToConnectType``); slot ranges, hotplug and QEMU device names are
#: in :data:`teamkit.libvirt.buses.BUS_MODELS`
CONNECT_FLAGS: Final[Mapping[str, tuple[Connect, Connect]]] = {
    "pci-root": (_A | Connect.PCI_DEVICE | Connect.PCI_BRIDGE | Connect.PCI_EXPANDER_BUS, _NONE),
    "pcie-root": (Connect.PCIE_DEVICE | Connect.PCIE_ROOT_PORT | Connect.DMI_TO_PCI_BRIDGE
                  | Connect.PCIE_EXPANDER_BUS, _NONE),
    "pci-bridge": (_A | Connect.PCI_DEVICE | Connect.PCI_BRIDGE, Connect.PCI_BRIDGE),
    "pci-expander-bus": (_A | Connect.PCI_DEVICE | Connect.PCI_BRIDGE, Connect.PCI_EXPANDER_BUS),
    "dmi-to-pci-bridge": (Connect.PCI_DEVICE | Connect.PCI_BRIDGE, Connect.DMI_TO_PCI_BRIDGE),
    "pcie-to-pci-bridge": (_A | Connect.PCI_DEVICE | Connect.PCI_BRIDGE, Connect.PCIE_TO_PCI_BRIDGE),
    "pcie-root-port": (_A | Connect.PCIE_DEVICE | Connect.PCIE_SWITCH_UPSTREAM_PORT | Connect.PCIE_TO_PCI_BRIDGE,
                       Connect.PCIE_ROOT_PORT | Connect.AGGREGATE_SLOT),
    "pcie-switch-downstream-port": (_A | Connect.PCIE_DEVICE | Connect.PCIE_SWITCH_UPSTREAM_PORT
                                    | Connect.PCIE_TO_PCI_BRIDGE, Connect.PCIE_SWITCH_DOWNSTREAM_PORT),
    "pcie-switch-upstream-port": (Connect.PCIE_SWITCH_DOWNSTREAM_PORT, Connect.PCIE_SWITCH_UPSTREAM_PORT),
    "pcie-expander-bus": (Connect.PCIE_ROOT_PORT | Connect.DMI_TO_PCI_BRIDGE, Connect.PCIE_EXPANDER_BUS),
}

#: the libvirt release teamkit follows unless told otherwise (the one whose test suite made the golden argv files)
LIBVIRT_LATEST: Final = (11, 3)
#: ``virDomainDefAddController`` appends in libvirt 9.0.0 and inserts in index order (``virDomainControllerInsert``) in
#: 11.3.0; the release in between that changed it is not pinned down, so every release before 11.3 is taken to append
CONTROLLERS_INSERTED_SINCE: Final = (11, 3)

#: host PCI devices that libvirt's test harness (``virpcimock`` + ``virpcitestdata``) presents as conventional PCI;
#: every other host address is absent there, and libvirt then assumes PCI Express
HARNESS_CONVENTIONAL_PCI_HOSTS: Final = frozenset({
    "0000:00:02.0", "0000:06:12.0", "0000:06:12.1", "0000:06:12.2", "0005:90:01.0", "0005:90:01.1", "0005:90:01.2",
})


class PciAddressError(TeamkitError):
    """libvirt refuses the domain while assigning PCI addresses; ``libvirt_message`` is what it prints, ``code`` and
    ``fields`` name the entry of :mod:`teamkit.libvirt.messages` it comes from."""

    def __init__(self, libvirt_message: str, *, code: str | None = None,
                 fields: Mapping[str, str | int] | None = None) -> None:
        super().__init__(libvirt_message)
        self.libvirt_message = libvirt_message
        self.code = code
        self.fields: dict[str, str | int] = dict(fields or {})

    @classmethod
    def of(cls, code: str, **fields: str | int) -> PciAddressError:
        """The error of message ``code`` with its fields filled in."""
        return cls(message(code).libvirt_text(**fields) or code, code=code, fields=fields)


def _error(code: str, *, from_config: bool = True, **fields: str | int) -> PciAddressError:
    """An address check's error: an XML error for an address from the XML, an internal error for one libvirt chose."""
    return PciAddressError.of(code if from_config else f"{code}-internal", **fields)


@dataclass(frozen=True)
class PciSlot:
    """A guest PCI address (domain 0)."""

    bus: int
    slot: int
    function: int = 0
    #: ``multifunction`` as libvirt writes it: ``True`` (on), ``False`` (off) or ``None`` (absent)
    multifunction: bool | None = None

    def addr_prop(self) -> str:
        """QEMU's ``addr`` property: ``0x2`` or ``0x1.0x2``."""
        return f"0x{self.slot:x}" if self.function == 0 else f"0x{self.slot:x}.0x{self.function:x}"

    def __str__(self) -> str:
        return f"0000:{self.bus:02x}:{self.slot:02x}.{self.function}"


@dataclass(frozen=True)
class PlacedDevice:
    """A device with the PCI address libvirt gives it."""

    key: DeviceKey
    label: str
    address: PciSlot
    bus_name: str
    #: libvirt chose the address (the XML had none)
    assigned: bool
    #: the device is not in the XML: libvirt adds it by default (USB controller, memballoon, video, …)
    implicit: bool = False
    #: ``interface``, ``hostdev``, ``controller`` (with ``controller_type``) or the element name of another device
    kind: str = ""
    model: str | None = None
    controller_type: str | None = None
    controller_index: int | None = None


@dataclass(frozen=True)
class PlannedController:
    """A PCI controller after assignment, with the options libvirt fills in."""

    index: int
    model: str
    alias: str
    address: PciSlot | None
    auto_added: bool
    hotplug: str | None = None
    chassis: int | None = None
    port: int | None = None
    chassis_nr: int | None = None
    #: position in ``Domain.controllers`` for controllers from the XML
    source: int | None = None

    @property
    def driver(self) -> str | None:
        """The QEMU device (``None`` for the implicit root buses, which are not on the command line)."""
        if self.model in ("pci-root", "pcie-root") or self.model not in BUS_MODELS:
            return None
        return BUS_MODELS[self.model].qemu_driver


@dataclass(frozen=True)
class PciPlan:
    """The outcome of libvirt's PCI address assignment for one domain."""

    family: str
    controllers: tuple[PlannedController, ...]
    devices: tuple[PlacedDevice, ...]
    warnings: tuple[str, ...] = ()
    acpi: bool = True

    def find(self, key: DeviceKey) -> PlacedDevice | None:
        return next((d for d in self.devices if d.key == key), None)

    def controller(self, index: int) -> PlannedController | None:
        return next((c for c in self.controllers if c.index == index), None)

    def bus_name(self, bus: int) -> str:
        cont = self.controller(bus)
        return cont.alias if cont else f"pci.{bus}"

    def auto_added(self) -> tuple[PlannedController, ...]:
        return tuple(c for c in self.controllers if c.auto_added)

    def model_controllers(self) -> tuple[Controller, ...]:
        """Every PCI controller (from the XML or auto-added) as a model :class:`Controller` with its address."""
        return tuple(
            Controller(type="pci", index=c.index, model=c.model, alias=c.alias, hotplug=c.hotplug,
                       address=_model_address(c.address) if c.address else None)
            for c in self.controllers
        )

    def apply(self, domain: Domain) -> Domain:
        """``domain`` as libvirt completes it: assigned addresses written in, and the controllers and devices libvirt
        adds by itself (pcie-root-ports, bridges, the default USB controller, memballoon, …) appended."""
        def addressed(key: DeviceKey, current: PciAddress | None) -> PciAddress | None:
            placed = self.find(key)
            return _model_address(placed.address) if placed and placed.assigned else current

        controllers = list(domain.controllers)
        for c in self.controllers:
            if c.source is not None:
                old = controllers[c.source]
                controllers[c.source] = replace(old, model=c.model, address=_model_address(c.address)
                                                if c.address else old.address)
        controllers.extend(mc for mc, c in zip(self.model_controllers(), self.controllers, strict=True)
                           if c.source is None)
        others = [replace(o, address=addressed(("other", n), o.address)) for n, o in enumerate(domain.others)]
        for d in self.devices:
            if not d.implicit:
                continue
            if d.kind == "controller" and d.controller_type != "pci":
                controllers.append(Controller(type=d.controller_type or "", index=d.controller_index,
                                              model=d.model, address=_model_address(d.address)))
            elif d.kind != "controller":
                others.append(OtherDevice(kind=d.kind, model=d.model, address=_model_address(d.address)))
        for n, xml_cont in enumerate(controllers):
            placed = self.find(("controller", n))
            if placed is not None and placed.assigned and xml_cont.type != "pci":
                controllers[n] = replace(xml_cont, address=_model_address(placed.address))
        return replace(
            domain,
            interfaces=tuple(replace(i, address=addressed(("interface", n), i.address))
                             for n, i in enumerate(domain.interfaces)),
            hostdevs=tuple(replace(h, address=addressed(("hostdev", n), h.address))
                           for n, h in enumerate(domain.hostdevs)),
            others=tuple(others),
            controllers=tuple(controllers),
        )


def _model_address(slot: PciSlot) -> PciAddress:
    multi = None if slot.multifunction is None else ("on" if slot.multifunction else "off")
    return PciAddress(domain=0, bus=slot.bus, slot=slot.slot, function=slot.function, multifunction=multi)


def machine_family(domain: Domain) -> str | None:
    """``"i440fx"`` or ``"q35"`` as ``qemuDomainIsI440FX``/``qemuDomainIsQ35`` decide (x86 only), else ``None``."""
    if domain.arch not in (None, "x86_64", "i686"):
        return None
    machine = domain.machine or "pc"
    if machine == "q35" or machine.startswith("pc-q35-"):
        return "q35"
    if machine == "pc" or machine.startswith(("pc-0.", "pc-1.", "pc-i440fx-", "rhel")):
        return "i440fx"
    return None


def bus_hotplug(plan: PciPlan, bus: int) -> tuple[bool, str]:
    """Whether a device on ``bus`` can be hot-unplugged (what QEMU needs for a failover primary), and why."""
    cont = plan.controller(bus)
    if cont is None:
        return False, f"there is no PCI controller with index {bus}"
    name = f"{cont.model} '{cont.alias}'"
    if cont.hotplug == "off":
        return False, f"{name} has hotplug='off'"
    if cont.model == "pci-root":
        if not plan.acpi:
            return False, f"{name}: PCI hotplug on the i440fx root bus needs ACPI"
        return True, f"{name}: ACPI hotplug"
    model = BUS_MODELS.get(cont.model)
    if model is None or not model.hotplug or cont.model == "pci-expander-bus":
        return False, f"{name} does not support hotplug"
    return True, f"{name} supports hotplug"


def device_hotplug(plan: PciPlan, key: DeviceKey) -> tuple[bool, str]:
    """Whether the device ``key`` (e.g. a failover primary) sits on a hot-pluggable bus, and why."""
    placed = plan.find(key)
    if placed is None:
        return False, "the device has no PCI address"
    return bus_hotplug(plan, placed.address.bus)


# ---------------------------------------------------------------------------------------------------------------
# the address set (``virDomainPCIAddressSet``)


@dataclass
class _Bus:
    model: str
    accepts: int
    min_slot: int
    max_slot: int
    functions: list[int] = field(default_factory=lambda: [0] * (_SLOT_LAST + 1))
    aggregate: list[bool] = field(default_factory=lambda: [False] * (_SLOT_LAST + 1))

    @classmethod
    def of(cls, model: str, hotplug: bool) -> _Bus:
        bm = BUS_MODELS[model]
        accepts = int(CONNECT_FLAGS[model][0])
        if hotplug and accepts & _I_AUTOASSIGN:
            accepts |= _I_HOTPLUGGABLE
        return cls(model, accepts, bm.min_slot, bm.max_slot)

    def fully_reserved(self) -> bool:
        return all(self.functions[s] for s in range(self.min_slot, self.max_slot + 1))


@dataclass
class _Addr:
    bus: int
    slot: int
    function: int = 0
    multi: bool | None = None
    domain: int = 0

    def text(self) -> str:
        return f"{self.domain:04x}:{self.bus:02x}:{self.slot:02x}.{self.function}"


class _AddressSet:
    def __init__(self, nbuses: int, *, dry_run: bool, pcie_to_pci_bridge: bool = True) -> None:
        self.buses: list[_Bus | None] = [None] * nbuses
        self.dry_run = dry_run
        self.pcie_to_pci_bridge = pcie_to_pci_bridge

    def bus(self, n: int) -> _Bus:
        b = self.buses[n]
        assert b is not None
        return b

    @staticmethod
    def compatible(addr: _Addr, bus_flags: int, dev_flags: int,
                   from_config: bool) -> tuple[str, dict[str, str | int]] | None:
        """``virDomainPCIAddressFlagsCompatible``; the message code and fields, or ``None`` when compatible."""
        bus_flags = int(bus_flags)
        dev_flags = int(dev_flags)
        if dev_flags & _I_INTEGRATED:
            if addr.bus != 0:
                return "pci-needs-integrated", {"address": addr.text()}
            bus_flags |= _I_PCI_DEVICE | _I_AUTOASSIGN
        if from_config:
            if bus_flags & _I_ENDPOINT:
                bus_flags |= _I_ENDPOINT
            if dev_flags & _I_PCI_BRIDGE:
                dev_flags |= _I_PCI_DEVICE
        elif dev_flags & _I_AUTOASSIGN and not bus_flags & _I_AUTOASSIGN:
            return "pci-auto-assign-refused", {"address": addr.text(), "bus": addr.bus}
        if dev_flags & _I_HOTPLUGGABLE and not bus_flags & _I_HOTPLUGGABLE:
            return "pci-bus-no-hotplug", {"address": addr.text(), "bus": addr.bus}
        if not dev_flags & bus_flags & _I_TYPES_MASK:
            s = addr.text()
            kind = next((name for flag, name in _CONNECT_NAMES if dev_flags & flag), None)
            if kind is None:
                return "pci-connect-flags-unknown", {"address": s, "flags": dev_flags & _I_TYPES_MASK}
            return "pci-bus-incompatible", {"address": s, "bus": addr.bus, "kind": kind}
        return None

    def validate(self, addr: _Addr, flags: int, from_config: bool) -> None:
        if not self.buses:
            raise _error("pci-no-buses", from_config=from_config)
        if addr.domain != 0:
            raise _error("pci-domain-nonzero", from_config=from_config, address=addr.text())
        if addr.bus >= len(self.buses):
            raise _error("pci-bus-missing", from_config=from_config, address=addr.text(), last=len(self.buses) - 1)
        bus = self.bus(addr.bus)
        problem = self.compatible(addr, bus.accepts, flags, from_config)
        if problem:
            code, fields = problem
            if code == "pci-auto-assign-refused":
                raise PciAddressError.of(code, **fields)
            raise _error(code, from_config=from_config, **fields)
        if bus.min_slot and addr.slot < bus.min_slot:
            raise _error("pci-slot-min", from_config=from_config, address=addr.text(), min=bus.min_slot)
        if addr.slot > bus.max_slot:
            raise _error("pci-slot-max", from_config=from_config, address=addr.text(), max=bus.max_slot)
        if addr.function > 7:
            raise _error("pci-function-max", from_config=from_config, address=addr.text())

    def grow(self, addr: _Addr, flags: int) -> None:
        """``virDomainPCIAddressSetGrow``: add the buses (and bridges) ``addr`` needs."""
        add = addr.bus - len(self.buses) + 1
        if add <= 0:
            return
        need_dmi = need_pcie_bridge = False
        flags = int(flags)
        if flags & _I_PCI_DEVICE:
            model = "pci-bridge"
            if not any(b is not None and b.accepts & _I_PCI_BRIDGE for b in self.buses):
                need_dmi, need_pcie_bridge = not self.pcie_to_pci_bridge, self.pcie_to_pci_bridge
            if (need_dmi or need_pcie_bridge) and add == 1:
                add += 1
                addr.bus += 1
        elif flags & _I_PCIE_OR_UPSTREAM:
            model = "pcie-root-port"
        else:
            existing = next((model for flag, model in _CONNECT_TYPE_MODELS if flags & flag), None)
            if existing:
                raise PciAddressError.of("pci-controller-slot-unavailable", model=existing)
            raise PciAddressError.of("pci-cannot-add-bus", flags=flags)
        new: list[_Bus] = []
        if need_dmi:
            new.append(_Bus.of("dmi-to-pci-bridge", False))
        if need_pcie_bridge:
            port = _Bus.of("pcie-root-port", True)
            port.accepts = _I_PCIE_TO_PCI_BRIDGE
            new.extend([port, _Bus.of("pcie-to-pci-bridge", True)])
        while len(new) < add:
            new.append(_Bus.of(model, True))
        self.buses.extend(new)

    def slot_in_use(self, addr: _Addr) -> bool:
        return bool(self.bus(addr.bus).functions[addr.slot])

    def reserve(self, addr: _Addr, flags: int, *, from_config: bool) -> None:
        """``virDomainPCIAddressReserveAddrInternal``."""
        flags = int(flags)
        if self.dry_run:
            self.grow(addr, flags)
        self.validate(addr, flags, from_config)
        bus = self.bus(addr.bus)
        if bus.functions[addr.slot] & (1 << addr.function):
            raise _error("pci-address-reused", from_config=from_config, address=addr.text())
        if not bus.functions[addr.slot] and flags & _I_AGGREGATE_SLOT:
            bus.aggregate[addr.slot] = True
        bus.functions[addr.slot] |= 1 << addr.function

    def next_addr(self, flags: int, function: int = -1) -> _Addr:
        """``virDomainPCIAddressGetNextAddr`` (no isolation groups: they only exist on pSeries)."""
        flags = int(flags)
        if not self.buses:
            raise _error("pci-no-buses")
        for n, bus in enumerate(self.buses):
            assert bus is not None
            a = _Addr(n, bus.min_slot, max(function, 0))
            if self.compatible(a, bus.accepts, flags, False) is not None:
                continue
            while a.slot <= bus.max_slot:
                if bus.functions[a.slot] == 0:
                    return a
                if flags & _I_AGGREGATE_SLOT and bus.aggregate[a.slot]:
                    if not bus.functions[a.slot] & (1 << a.function):
                        return a
                    if function == -1:
                        free = next((f for f in range(a.function, 8) if not bus.functions[a.slot] & (1 << f)), None)
                        if free is not None:
                            a.function = free
                            return a
                        a.function = 0
                a.slot += 1
        if self.dry_run:
            a = _Addr(len(self.buses), 0, max(function, 0))
            self.grow(a, flags)
            a.slot = self.bus(a.bus).min_slot
            return a
        raise PciAddressError.of("pci-no-free-slot")

    def reserve_next(self, flags: int, function: int = -1) -> _Addr:
        addr = self.next_addr(flags, function)
        self.reserve(addr, flags, from_config=False)
        return addr


#: ``virDomainPCIControllerConnectTypeToModel``: the controller a connect type stands for, in the order it tests them
#: (a pcie-to-pci-bridge has none)
_CONNECT_TYPE_MODELS: Final = tuple((int(flag), name) for flag, name in (
    (Connect.PCIE_ROOT_PORT, "pcie-root-port"), (Connect.PCIE_SWITCH_UPSTREAM_PORT, "pcie-switch-upstream-port"),
    (Connect.PCIE_SWITCH_DOWNSTREAM_PORT, "pcie-switch-downstream-port"),
    (Connect.DMI_TO_PCI_BRIDGE, "dmi-to-pci-bridge"), (Connect.PCI_EXPANDER_BUS, "pci-expander-bus"),
    (Connect.PCIE_EXPANDER_BUS, "pcie-expander-bus"), (Connect.PCI_BRIDGE, "pci-bridge"),
))
#: the connection names libvirt's placement errors use, in the order it tests them
_CONNECT_NAMES: Final = tuple((int(flag), name) for flag, name in (
    (Connect.PCI_DEVICE, "standard PCI device"), (Connect.PCIE_DEVICE, "PCI Express device"),
    (Connect.PCIE_ROOT_PORT, "pcie-root-port"), (Connect.PCIE_SWITCH_UPSTREAM_PORT, "pcie-switch-upstream-port"),
    (Connect.PCIE_SWITCH_DOWNSTREAM_PORT, "pcie-switch-downstream-port"),
    (Connect.DMI_TO_PCI_BRIDGE, "dmi-to-pci-bridge"), (Connect.PCIE_TO_PCI_BRIDGE, "pcie-to-pci-bridge"),
    (Connect.PCI_EXPANDER_BUS, "pci-expander-bus"), (Connect.PCIE_EXPANDER_BUS, "pcie-expander-bus"),
    (Connect.PCI_BRIDGE, "pci-bridge"),
))


# ---------------------------------------------------------------------------------------------------------------
# the devices libvirt addresses, in its own array orders


#: ``qemuDomainAssignDevicePCISlots``: the order in which device classes get the next free slot
_ASSIGN_ORDER: Final = (
    "pci-controller", "filesystem", "interface", "sound", "controller", "disk", "hostdev", "memballoon", "rng",
    "watchdog", "video", "shmem", "input", "serial", "iommu", "vsock", "memory", "crypto", "panic",
)
#: ``virDomainDeviceInfoIterate``: the order in which XML addresses are collected (decides which error wins)
_COLLECT_ORDER: Final = (
    "disk", "interface", "sound", "hostdev", "video", "controller", "serial", "input", "filesystem", "watchdog",
    "memballoon", "rng", "shmem", "panic", "memory", "iommu", "vsock", "crypto",
)
_ASSIGN_RANK: Final = {cls: n for n, cls in enumerate(_ASSIGN_ORDER)}
_COLLECT_RANK: Final = {cls: n for n, cls in enumerate(_COLLECT_ORDER)}
_VIRTIO_MODELS: Final = ("virtio", "virtio-non-transitional")
#: USB2 companion controllers share one slot: model → function
_USB2_FUNCTION: Final = {"ich9-ehci1": 7, "ich9-uhci1": 0, "ich9-uhci2": 1, "ich9-uhci3": 2}
_PCI_USB_MODELS: Final = ("piix3-uhci", "piix4-uhci", "ehci", "ich9-ehci1", "ich9-uhci1", "ich9-uhci2", "ich9-uhci3",
                          "vt82c686b-uhci", "pci-ohci")
_PCI_SCSI_MODELS: Final = ("auto", "buslogic", "lsilogic", "lsisas1068", "vmpvscsi", "ibmvscsi", "lsisas1078",
                           "dc390", "am53c974", "virtio-transitional")


@dataclass
class _Dev:
    key: DeviceKey
    label: str
    cls: str
    seq: int
    flags: Connect
    addr: _Addr | None = None
    #: a non-PCI ``<address type>`` (drive, usb, ccw, …): libvirt leaves the device alone
    other_type: str | None = None
    implicit: bool = False
    from_xml: bool = False
    skip: bool = False
    ctype: str | None = None
    cidx: int = 0
    model: str | None = None
    hotplug: str | None = None
    alias: str | None = None
    source: int | None = None
    auto_added: bool = False
    #: what the device is in the model: ``interface``, ``hostdev``, ``controller`` or another element name
    kind: str = ""
    #: the class whose ``virDomainDeviceInfoIterate`` turn collects its XML address, when not ``cls``
    collect: str | None = None

    @property
    def wanted(self) -> bool:
        return self.addr is None and self.other_type is None


def _xml_addr(address: PciAddress | None) -> tuple[_Addr | None, str | None]:
    """``virDeviceInfoPCIAddressIsPresent``/``IsWanted``: an all-zero PCI address means "pick one"."""
    if address is None:
        return None, None
    if address.type != "pci":
        return None, address.type or "none"
    if not (address.domain or address.bus or address.slot):
        return None, None
    multi = None if address.multifunction is None else address.multifunction == "on"
    return _Addr(address.bus or 0, address.slot or 0, address.function or 0, multi, address.domain or 0), None


def _insert_controller(conts: list[_Dev], new: _Dev) -> None:
    """``virDomainControllerInsertPreAlloced``: keep each controller type sorted by index."""
    at = -1
    for n in range(len(conts) - 1, -1, -1):
        cur = conts[n]
        if cur.ctype != new.ctype:
            continue
        if new.cidx == -1:
            at = n + 1
            break
        if cur.cidx > new.cidx:
            at = n
        elif at == -1:
            at = n + 1
    if at == -1:
        conts.append(new)
    else:
        conts.insert(at, new)


class _Inventory:
    """Everything that may take a PCI slot, with its ``qemuDomainDeviceCalculatePCIConnectFlags`` flags."""

    def __init__(self, domain: Domain, family: str, networks: Mapping[str, Network],
                 conventional: Collection[str], *, append_added: bool = False) -> None:
        self.domain = domain
        #: libvirt appends the controllers it adds itself instead of inserting them in index order
        self.append_added = append_added
        self.family = family
        self.q35 = family == "q35"
        self.pcie = _PCIE_FLAGS if self.q35 else _PCI_FLAGS
        self.virtio = self.pcie
        self.networks = networks
        self.conventional = conventional
        self.warnings: list[str] = []
        self.devs: list[_Dev] = []
        self.controllers: list[_Dev] = []
        self._controllers()
        self._interfaces_and_hostdevs()
        self._others()
        self._implicit()

    def add(self, dev: _Dev, address: PciAddress | None = None) -> _Dev:
        dev.addr, dev.other_type = _xml_addr(address)
        dev.from_xml = dev.addr is not None
        self.devs.append(dev)
        return dev

    # -- controllers -----------------------------------------------------------------------------------------
    def _controllers(self) -> None:
        for n, c in enumerate(self.domain.controllers):
            model = c.model
            if c.type == "pci" and model is None:
                if c.index == 0:
                    model = "pcie-root" if self.q35 else "pci-root"
                else:
                    model = "pcie-root-port" if self.q35 else "pci-bridge"
                    self.warnings.append(f"PCI controller index {c.index} has no model; assumed '{model}'")
            if c.type == "pci" and model not in CONNECT_FLAGS:
                self.warnings.append(f"PCI controller model '{model}' is not modelled; assumed 'pci-bridge'")
                model = "pci-bridge"
            alias = c.alias if c.alias is not None and is_user_alias(c.alias) else None
            dev = _Dev(("controller", n), f"controller {c.type} index {c.index}", "controller", n, _NONE,
                       ctype=c.type, cidx=-1 if c.index is None else c.index, model=model, hotplug=c.hotplug,
                       alias=alias, source=n, kind="controller")
            dev.addr, dev.other_type = _xml_addr(c.address)
            dev.from_xml = dev.addr is not None
            _insert_controller(self.controllers, dev)
        for dev in self.controllers:
            if dev.cidx == -1:
                # virDomainAssignControllerIndexes: the lowest index unused by that controller type
                used = {c.cidx for c in self.controllers if c.ctype == dev.ctype}
                dev.cidx = next(i for i in range(len(used) + 1) if i not in used)
                dev.label = f"controller {dev.ctype} index {dev.cidx}"

    def has_controller(self, ctype: str, idx: int) -> bool:
        return any(c.ctype == ctype and c.cidx == idx for c in self.controllers)

    def implicit_controller(self, ctype: str, idx: int, model: str | None) -> None:
        if self.has_controller(ctype, idx):
            return
        dev = _Dev(("implicit", f"{ctype}{idx}"), f"controller {ctype} index {idx} (implicit)", "controller", 0,
                   _NONE, implicit=True, ctype=ctype, cidx=idx, model=model, kind="controller")
        self.add_controller(dev)

    def add_controller(self, dev: _Dev) -> None:
        """``virDomainDefAddController``: libvirt 11.3 inserts in index order, libvirt 9.0 appends."""
        if self.append_added:
            self.controllers.append(dev)
        else:
            _insert_controller(self.controllers, dev)

    # -- interfaces and host devices ---------------------------------------------------------------------------
    def hostdev_flags(self, host: str | None, guest: PciAddress | None) -> Connect:
        """A guest address in the XML, or a host device libvirt cannot see, counts as PCI Express."""
        if not self.q35 or _xml_addr(guest)[0] is not None:
            return self.pcie
        if host is not None and host in self.conventional:
            return _PCI_FLAGS
        return self.pcie

    def _interfaces_and_hostdevs(self) -> None:
        """``qemuDomainDeviceCalculatePCIConnectFlags`` for nets and hostdevs. Devices that get no flags (USB and
        other non-PCI host devices, ``usb-net``) still have an ``<address type='pci'>`` of theirs reserved (as a
        conventional PCI device); host devices among them are never given one, a NIC without one fails."""
        hostdevs: list[_Dev] = []
        for n, iface in enumerate(self.domain.interfaces):
            label = f"interface[{n}] type '{iface.type}'"
            if iface.type == "hostdev":
                if iface.source.other is not None:
                    hostdevs.append(self.add(_Dev(("interface", n), label, "hostdev", len(hostdevs), _NONE,
                                                  kind="interface", collect="interface", skip=True), iface.address))
                    continue
                host = iface.source.pci.host_string() if iface.source.pci is not None else None
                flags = self.hostdev_flags(host, iface.address)
                hostdevs.append(self.add(_Dev(("interface", n), label, "hostdev", len(hostdevs), flags,
                                              kind="interface", collect="interface"), iface.address))
                continue
            actual = actual_type(iface, self.networks)
            if actual is None:
                self.warnings.append(f"{label}: network '{iface.source.network}' is not known (pass it with "
                                     "--network); it is addressed like a tap-backed interface")
            model = iface.model
            if model is None and actual != "hostdev":
                model = "rtl8139"
            if model == "usb-net":
                flags = _NONE
            elif model in _VIRTIO_MODELS:
                flags = self.virtio
            elif model is None or model == "e1000e" or model not in NET_MODELS:
                flags = self.pcie
            else:
                flags = _PCI_FLAGS
            self.add(_Dev(("interface", n), label, "interface", n, flags, kind="interface", model=model),
                     iface.address)
        for n, hd in enumerate(self.domain.hostdevs):
            label = f"hostdev[{n}] type '{hd.type}'"
            if hd.mode not in (None, "subsystem") or hd.type not in ("pci", "scsi_host", "mdev"):
                self.add(_Dev(("hostdev", n), label, "hostdev", len(hostdevs), _NONE, kind="hostdev", skip=True),
                         hd.address)
                hostdevs.append(self.devs[-1])
                continue
            if hd.type == "pci":
                flags = self.hostdev_flags(hd.pci.host_string() if hd.pci is not None else None, hd.address)
            elif hd.type == "scsi_host":
                flags = self.virtio
            else:
                self.warnings.append(f"{label}: mdev devices are assumed to be vfio-pci (PCI Express)")
                flags = self.pcie
            self.add(_Dev(("hostdev", n), label, "hostdev", len(hostdevs), flags, kind="hostdev"), hd.address)
            hostdevs.append(self.devs[-1])

    # -- everything else ---------------------------------------------------------------------------------------
    def _other_flags(self, o: OtherDevice) -> tuple[str, Connect] | None:
        model = o.model or ""
        transitional = model == "virtio-transitional"
        kind = o.kind
        if kind == "disk":
            return ("disk", _PCI_FLAGS if transitional else self.virtio) if o.bus == "virtio" else None
        if kind == "filesystem":
            return "filesystem", _PCI_FLAGS if transitional else self.virtio
        if kind == "sound":
            if model in ("es1370", "ac97", "ich6", "ich9"):
                return "sound", _PCI_FLAGS
            return ("sound", self.virtio) if model == "virtio" else None
        if kind == "memballoon":
            if model == "none" or model == "xen":
                return None
            return "memballoon", _PCI_FLAGS if transitional else self.virtio
        if kind == "rng":
            return "rng", _PCI_FLAGS if transitional else self.virtio
        if kind == "watchdog":
            return ("watchdog", _PCI_FLAGS) if model == "i6300esb" else None
        if kind == "video":
            if model in ("none", "ramfb", "gop"):
                return None
            if model == "virtio":
                return "video", self.virtio
            return "video", self.pcie if model == "bochs" else _PCI_FLAGS
        if kind == "shmem":
            return "shmem", _PCI_FLAGS
        if kind == "input":
            return ("input", _PCI_FLAGS if transitional else self.virtio) if o.bus == "virtio" else None
        if kind == "iommu":
            return ("iommu", self.virtio | Connect.INTEGRATED) if model == "virtio" else None
        if kind == "vsock":
            return "vsock", _PCI_FLAGS if transitional else self.virtio
        if kind == "memory":
            return ("memory", self.virtio) if model in ("virtio-pmem", "virtio-mem") else None
        if kind == "crypto":
            return "crypto", _PCI_FLAGS
        if kind == "panic":
            return ("panic", _PCI_FLAGS | Connect.INTEGRATED) if model == "pvpanic" else None
        return None

    def _others(self) -> None:
        seq: dict[str, int] = {}
        for n, o in enumerate(self.domain.others):
            found = self._other_flags(o)
            if found is None:
                if o.kind == "disk" and o.bus in ("scsi", "sata", "ide", "fdc"):
                    self._disk_controller(o)
                if o.kind == "channel":
                    self.implicit_controller("virtio-serial", 0, "virtio")
                    self.warnings.append(f"{o.kind}[{n}]: assumed to be a virtio channel, which adds an implicit "
                                         "virtio-serial controller")
                continue
            cls, flags = found
            seq[cls] = seq.get(cls, 0) + 1
            if cls == "video" and o.model is None:
                self.warnings.append(f"video[{n}] has no model; libvirt's default (vga) is assumed")
            self.add(_Dev(("other", n), f"{o.kind} '{o.model or o.bus or ''}'", cls, seq[cls], flags, kind=o.kind,
                          model=o.model), o.address)

    def _disk_controller(self, disk: OtherDevice) -> None:
        idx = 0
        if disk.address is not None and disk.address.type == "drive":
            idx = int(dict(disk.address.text).get("controller", "0") or 0)
        ctype = disk.bus or ""
        if ctype == "sata" and self.q35 and idx == 0:
            return
        model = "lsilogic" if ctype == "scsi" else None
        self.implicit_controller(ctype, idx, model)

    def _implicit(self) -> None:
        """``qemuDomainDefAddDefaultDevices`` and ``virDomainDefAddImplicitDevices`` for x86."""
        kinds = {o.kind for o in self.domain.others}
        if not self.has_controller("usb", 0):
            self.implicit_controller("usb", 0, "qemu-xhci" if self.q35 else "piix3-uhci")
        if self.q35:
            self.implicit_controller("sata", 0, None)
        self.implicit_controller("pci", 0, "pcie-root" if self.q35 else "pci-root")
        if "memballoon" not in kinds:
            self.add(_Dev(("implicit", "memballoon"), "memballoon 'virtio' (implicit)", "memballoon", 0, self.virtio,
                          implicit=True, kind="memballoon", model="virtio"))
        if "graphics" in kinds and "video" not in kinds:
            self.add(_Dev(("implicit", "video0"), "video 'vga' (implicit, for <graphics>)", "video", 0, _PCI_FLAGS,
                          implicit=True, kind="video", model="vga"))
        for n, c in enumerate(self.controllers):
            c.seq = n
            if c.ctype == "usb" and c.model is None:
                c.model = "qemu-xhci" if self.q35 else "piix3-uhci"
            c.flags = self._controller_flags(c)
            if c.ctype == "pci":
                c.cls = "pci-controller"
            if c.ctype == "usb" and c.model == "none":
                c.skip = True
            if c.ctype in ("fdc", "ccid") or (c.ctype == "ide" and c.cidx == 0) or (
                    c.ctype == "scsi" and c.model == "ncr53c90"):
                c.skip = True
            if c.ctype == "pci" and c.model in ("pci-root", "pcie-root"):
                c.skip = True
            self.devs.append(c)

    def _controller_flags(self, c: _Dev) -> Connect:
        model = c.model or ""
        if c.ctype == "pci":
            return CONNECT_FLAGS[model][1] if model in CONNECT_FLAGS else _NONE
        if c.ctype in ("sata", "ide"):
            return _PCI_FLAGS
        if c.ctype == "usb":
            if model in ("nec-xhci", "qemu-xhci"):
                return self.pcie
            return _PCI_FLAGS if model in _PCI_USB_MODELS else _NONE
        if c.ctype == "scsi":
            if model in ("virtio-scsi", "virtio-non-transitional"):
                return self.virtio
            return _PCI_FLAGS if model in _PCI_SCSI_MODELS or not model else _NONE
        if c.ctype == "virtio-serial":
            return _PCI_FLAGS if model == "virtio-transitional" else self.virtio
        return _NONE


# ---------------------------------------------------------------------------------------------------------------
# qemuDomainAssignPCIAddresses


class _Assigner:
    def __init__(self, inv: _Inventory) -> None:
        self.inv = inv
        self.devs = inv.devs
        self.q35 = inv.q35

    @property
    def pci_controllers(self) -> list[_Dev]:
        return [c for c in self.inv.controllers if c.ctype == "pci"]

    def has_root(self, model: str) -> bool:
        return any(c.cidx == 0 and c.model == model for c in self.pci_controllers)

    def create_set(self, nbuses: int, *, dry_run: bool) -> _AddressSet:
        """``qemuDomainPCIAddressSetCreate``: buses from the controllers, then every XML address collected."""
        s = _AddressSet(nbuses, dry_run=dry_run)
        for c in self.pci_controllers:
            if c.cidx >= nbuses:
                raise PciAddressError.of("pci-controller-index-too-big", index=c.cidx)
            s.buses[c.cidx] = _Bus.of(c.model or "pci-root", c.hotplug != "off")
        if nbuses and s.buses[0] is None:
            s.buses[0] = _Bus.of("pci-root", True)
        default = "pcie-root-port" if self.has_root("pcie-root") else "pci-bridge"
        for n in range(1, nbuses):
            if s.buses[n] is None:
                s.buses[n] = _Bus.of(default, True)
        for d in sorted(self.devs, key=lambda d: (_COLLECT_RANK[_collect_class(d)], d.seq)):
            if d.addr is None:
                continue
            flags = d.flags or Connect.PCI_DEVICE
            a = d.addr
            if d.ctype in ("ide", "usb") and d.cidx == 0 and a.domain == 0 and a.bus == 0 and a.slot == 1 and (
                    (d.ctype == "ide" and a.function == 1)
                    or (d.ctype == "usb" and d.model == "piix3-uhci" and a.function == 2)):
                if s.buses and not s.bus(0).accepts & _I_PCI_DEVICE:
                    raise PciAddressError.of("pci-piix3-bus0-not-pci")
                continue
            s.reserve(a, flags, from_config=True)
        return s

    def chipset(self, s: _AddressSet) -> None:
        """``qemuDomainValidateDevicePCISlotsPIIX3`` / ``…Q35``: the slots the chipset owns, and the primary video."""
        if self.q35:
            self._chipset_q35(s)
        else:
            self._chipset_piix3(s)

    def _fixed(self, s: _AddressSet, dev: _Dev, want: _Addr, flags: Connect, what: str, where: str) -> bool:
        if dev.addr is not None:
            if (dev.addr.domain, dev.addr.bus, dev.addr.slot, dev.addr.function) != (0, want.bus, want.slot,
                                                                                      want.function):
                raise PciAddressError.of("pci-chipset-address", what=what, address=where)
        else:
            dev.addr = _Addr(want.bus, want.slot, want.function, want.multi)
        return True

    def _chipset_piix3(self, s: _AddressSet) -> None:
        flags = _PCI_FLAGS
        for c in self.inv.controllers:
            if c.ctype == "ide" and c.cidx == 0:
                self._fixed(s, c, _Addr(0, 1, 1), flags, "Primary IDE controller", "0:0:1.1")
            elif c.ctype == "usb" and c.cidx == 0 and c.model == "piix3-uhci":
                self._fixed(s, c, _Addr(0, 1, 2), flags,
                            "PIIX3 USB controller at index 0", "0:0:1.2")
            else:
                continue
            if s.buses:
                assert c.addr is not None
                s.reserve(c.addr, flags, from_config=True)
        if s.buses:
            s.reserve(_Addr(0, 1, 0), flags, from_config=True)
            s.reserve(_Addr(0, 1, 3), flags, from_config=True)
        self._primary_video(s, _Addr(0, 2), flags)

    def _chipset_q35(self, s: _AddressSet) -> None:
        flags = Connect.PCIE_DEVICE
        for c in self.inv.controllers:
            if c.ctype == "sata" and c.cidx == 0:
                self._fixed(s, c, _Addr(0, 0x1F, 2), flags, "Primary SATA controller", "0:0:1f.2")
            elif c.ctype == "usb" and c.model == "ich9-uhci1" and c.addr is None and c.other_type is None:
                for slot in (0x1D, 0x1A):
                    if not s.slot_in_use(_Addr(0, slot)):
                        s.reserve(_Addr(0, slot), flags, from_config=True)
                        c.addr = _Addr(0, slot, 0, True)
                        break
            elif (c.ctype == "pci" and c.model == "dmi-to-pci-bridge" and c.addr is None and c.other_type is None
                  and not s.slot_in_use(_Addr(0, 0x1E))):
                s.reserve(_Addr(0, 0x1E), flags, from_config=True)
                c.addr = _Addr(0, 0x1E)
        if s.buses:
            s.reserve(_Addr(0, 0x1F, 0, True), flags, from_config=True)
            s.reserve(_Addr(0, 0x1F, 3), flags, from_config=True)
        self._primary_video(s, _Addr(0, 1), flags)
        if not s.slot_in_use(_Addr(0, 0x1B)):
            for d in self._ordered("sound"):
                if d.wanted and self.inv.domain.others[int(d.key[1])].model == "ich9":
                    s.reserve(_Addr(0, 0x1B), flags, from_config=True)
                    d.addr = _Addr(0, 0x1B)
                    break

    def _ordered(self, cls: str) -> list[_Dev]:
        return sorted((d for d in self.devs if d.cls == cls), key=lambda d: d.seq)

    def _primary_video(self, s: _AddressSet, want: _Addr, flags: Connect) -> None:
        videos = self._ordered("video")
        if not videos or not videos[0].wanted:
            return
        video = videos[0]
        s.validate(want, flags, True)
        if s.slot_in_use(want):
            self.reserve_next(s, video)
        else:
            s.reserve(want, flags, from_config=True)
            video.addr = want

    @staticmethod
    def reserve_next(s: _AddressSet, d: _Dev, function: int = -1) -> None:
        addr = s.reserve_next(d.flags, function)
        if not s.dry_run:
            d.addr = addr

    def assign_slots(self, s: _AddressSet) -> None:
        """``qemuDomainAssignDevicePCISlots``."""
        for d in sorted(self.devs, key=lambda d: (_ASSIGN_RANK[d.cls], d.seq)):
            if d.skip or not d.wanted:
                continue
            if d.cls == "disk" and d.other_type is not None:
                raise PciAddressError.of("virtio-disk-address-type", type=d.other_type)
            if d.model in _USB2_FUNCTION and d.ctype == "usb":
                self._usb2(s, d)
                continue
            if not d.flags and d.cls != "interface":
                self.inv.warnings.append(f"{d.label}: libvirt has no PCI connection type for it; not addressed")
                continue
            self.reserve_next(s, d)

    def _usb2(self, s: _AddressSet, d: _Dev) -> None:
        function = _USB2_FUNCTION[d.model or ""]
        multi = True if function == 0 else None
        mate = next((c for c in self.inv.controllers if c.ctype == "usb" and c.model in _USB2_FUNCTION
                     and c.cidx == d.cidx and c.addr is not None), None)
        if mate is not None and mate.addr is not None:
            addr = _Addr(mate.addr.bus, mate.addr.slot, function, multi)
            s.reserve(addr, d.flags, from_config=True)
            d.addr = addr
            return
        addr = s.reserve_next(d.flags, function)
        if not s.dry_run:
            d.addr = _Addr(addr.bus, addr.slot, addr.function, multi)

    def run(self) -> None:
        max_idx = max((c.cidx for c in self.pci_controllers), default=-1)
        nbuses = max_idx + 1
        if nbuses > 0:
            s = self.create_set(nbuses, dry_run=True)
            self.chipset(s)
            if self.has_root("pci-root") and not all(b is not None and b.fully_reserved() for b in s.buses):
                s.reserve_next(_PCI_FLAGS)
            self.assign_slots(s)
            if max_idx <= 0 and len(s.buses) > max_idx + 1 and self.has_root("pcie-root"):
                s.reserve_next(_PCIE_FLAGS)
            for n in range(1, len(s.buses)):
                if self.inv.has_controller("pci", n):
                    continue
                model = s.bus(n).model
                cont = _Dev(("implicit", f"pci{n}"), f"controller pci index {n} ({model}, auto-added)",
                            "pci-controller", 0, CONNECT_FLAGS[model][1], implicit=True, ctype="pci", cidx=n,
                            model=model, auto_added=True, kind="controller")
                self.inv.add_controller(cont)
                self.devs.append(cont)
                s.reserve_next(cont.flags)
            nbuses = len(s.buses)
            for n, c in enumerate(self.inv.controllers):
                c.seq = n
        s = self.create_set(nbuses, dry_run=False)
        self.chipset(s)
        self.assign_slots(s)
        self._set_all_multi()

    def _set_all_multi(self) -> None:
        """``virDomainPCIAddressSetAllMulti``: function 0 of a slot with other functions in use gets multi=on."""
        placed = [d for d in self.devs if d.addr is not None]
        for d in placed:
            assert d.addr is not None
            if d.addr.function == 0:
                continue
            for other in placed:
                assert other.addr is not None
                if (other.addr.bus, other.addr.slot, other.addr.function) == (d.addr.bus, d.addr.slot, 0):
                    if other.addr.multi is None:
                        other.addr.multi = True
                    break


def _collect_class(d: _Dev) -> str:
    if d.collect is not None:
        return d.collect
    return "controller" if d.cls == "pci-controller" else d.cls


def _controller_alias(c: _Dev) -> str:
    if c.alias is not None and c.model not in ("pci-root", "pcie-root"):
        return c.alias
    return "pcie.0" if c.model == "pcie-root" else f"pci.{c.cidx}"


def assign_pci_addresses(domain: Domain, *, networks: Mapping[str, Network] | None = None,
                         conventional_pci: Collection[str] = HARNESS_CONVENTIONAL_PCI_HOSTS,
                         libvirt: tuple[int, int] = LIBVIRT_LATEST) -> PciPlan:
    """Assign PCI addresses as libvirt does when the domain is defined (``qemuDomainAssignPCIAddresses``).

    ``networks`` resolves ``<interface type='network'>`` (a hostdev pool makes the NIC a PCI Express device);
    ``conventional_pci`` lists host devices (``DDDD:BB:SS.F``) that are conventional PCI, which on q35 go behind a
    pcie-to-pci-bridge instead of a root port. ``libvirt`` is the libvirt release to follow: before
    :data:`CONTROLLERS_INSERTED_SINCE` the controllers libvirt adds by itself (the PCI buses it grows, the default
    USB controller, …) are appended after the domain's own, which changes their order on the command line and the
    order in which they get addresses when the domain's own controllers leave gaps in the indexes. Raises
    :class:`PciAddressError` when libvirt would refuse.
    """
    family = machine_family(domain)
    pre: list[str] = []
    if family is None:
        pre.append(f"machine '{domain.machine}' (arch '{domain.arch}') is not i440fx or q35: PCI addresses are "
                   "computed as for i440fx and are guesses")
        family = "i440fx"
    inv = _Inventory(domain, family, networks or {}, conventional_pci,
                     append_added=libvirt < CONTROLLERS_INSERTED_SINCE)
    _Assigner(inv).run()
    pci_conts = [c for c in inv.controllers if c.ctype == "pci"]
    aliases = {c.cidx: _controller_alias(c) for c in pci_conts}

    def root_name(bus: int) -> str:
        cont = next((c for c in pci_conts if c.cidx == bus), None)
        if cont is not None and cont.model in ("pci-root", "pcie-root"):
            return "pcie.0" if cont.model == "pcie-root" else "pci.0"
        return aliases.get(bus, f"pci.{bus}")

    def slot(a: _Addr) -> PciSlot:
        return PciSlot(a.bus, a.slot, a.function, a.multi)

    planned: list[PlannedController] = []
    for c in pci_conts:
        addr = c.addr
        chassis = port = chassis_nr = None
        if c.model == "pcie-root-port" and addr is not None:
            chassis, port = c.cidx, (addr.slot << 3) + addr.function
        elif c.model == "pcie-switch-downstream-port" and addr is not None:
            chassis, port = c.cidx, addr.slot
        elif c.model == "pci-bridge":
            chassis_nr = c.cidx
            if addr is not None and c.cidx <= addr.bus:
                raise PciAddressError.of("pci-bridge-index-not-above-bus", index=c.cidx, bus=addr.bus)
        planned.append(PlannedController(
            index=c.cidx, model=c.model or "pci-root", alias=aliases[c.cidx],
            address=slot(addr) if addr is not None else None, auto_added=c.auto_added, hotplug=c.hotplug,
            chassis=chassis, port=port, chassis_nr=chassis_nr, source=c.source,
        ))
    devices = tuple(
        PlacedDevice(key=d.key, label=d.label, address=slot(d.addr), bus_name=root_name(d.addr.bus),
                     assigned=not d.from_xml, implicit=d.implicit, kind=d.kind, model=d.model,
                     controller_type=d.ctype, controller_index=d.cidx if d.ctype else None)
        for d in inv.devs if d.addr is not None and d.cls != "pci-controller"
    )
    return PciPlan(family=family, controllers=tuple(planned), devices=devices,
                   warnings=tuple(pre + inv.warnings), acpi=domain.acpi)
