"""Device and netdev properties in libvirt's key order (virtio-net, vfio-pci, PCI controllers, tap and user)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from teamkit.libvirt.pci import HARNESS_CONVENTIONAL_PCI_HOSTS, PciSlot, PlannedController
from teamkit.model import Interface, Rom, TeamingType
from teamkit.qemu.props import Props, PropValue, build_props

__all__ = [
    "ADDRESS_KEYS",
    "CONTROLLER_KEYS",
    "HARNESS_FACTS",
    "NIC_KEYS",
    "ROM_KEYS",
    "TAP_NETDEV_KEYS",
    "USER_NETDEV_KEYS",
    "VFIO_PCI_KEYS",
    "VIRTIO_NET_DRIVERS",
    "HostFacts",
    "controller_props",
    "nic_props",
    "tap_netdev_props",
    "usb_address_values",
    "user_netdev_props",
    "vfio_pci_props",
]


@dataclass(frozen=True)
class HostFacts:
    """What libvirt learns from the host when the domain starts. The defaults are what libvirt's test harness
    (``qemuxmlconftest`` with ``qemuxml2argvmock``, ``virrandommock`` and ``virpcimock``) prints."""

    #: first tap fd of a bridge/network interface (mocked ``virDomainInterfaceBridgeConnect``: ``STDERR_FILENO+100+i``)
    bridge_tap_fd: int = 102
    #: first tap fd of an ethernet interface (mocked ``virNetDevTapCreate``: ``STDERR_FILENO+1+i``)
    ethernet_tap_fd: int = 3
    #: first macvtap fd of a direct interface: a placeholder, libvirt's harness cannot create macvtap devices
    macvtap_fd: int = 3
    #: first vhost-net fd (mocked ``qemuInterfaceOpenVhostNet``: ``STDERR_FILENO+42+i``)
    vhost_fd: int = 44
    #: ``/dev/vhost-net`` can be opened
    vhost_net: bool = True
    #: open vhost-net for every virtio tap NIC as the harness mock does; ``False`` applies libvirt's real rules
    #: (only ``<domain type='kvm'>``, and not with ``<driver name='qemu'/>``)
    harness_vhost: bool = True
    #: the MAC libvirt generates for an interface without ``<mac>`` (``virrandommock`` makes it all zeros)
    generated_mac: str = "52:54:00:00:00:00"
    #: host PCI devices that are conventional PCI (on q35 they go behind a pcie-to-pci-bridge)
    conventional_pci: frozenset[str] = HARNESS_CONVENTIONAL_PCI_HOSTS
    #: VFs of a ``<forward mode='hostdev'><pf dev='…'/>`` pool, by PF name (libvirt reads them from sysfs)
    pf_vfs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


HARNESS_FACTS: Final = HostFacts()

#: ``qemuBuildDeviceAddressProps`` for a PCI address
ADDRESS_KEYS: Final = ("bus", "multifunction", "addr", "acpi-index")
#: ``qemuBuildDeviceAddressProps`` for a PCI or (``bus``, ``port``) a USB address, as a NIC may have either
_NIC_ADDRESS_KEYS: Final = ("bus", "multifunction", "port", "addr", "acpi-index")
ROM_KEYS: Final = ("rombar", "romfile")

#: ``qemuBuildNicDevProps`` (+ ``qemuBuildVirtioDevProps``): the virtio-only keys stay absent for other models
NIC_KEYS: Final = (
    "driver", "iommu_platform", "ats", "packed", "page-per-vq",
    "tx", "ioeventfd", "event_idx", "csum", "gso", "host_tso4", "host_tso6", "host_ecn", "host_ufo", "mrg_rxbuf",
    "guest_csum", "guest_tso4", "guest_tso6", "guest_ecn", "guest_ufo",
    "mq", "vectors", "rx_queue_size", "tx_queue_size", "rss", "hash", "host_mtu", "failover",
    "netdev", "id", "mac", "bootindex", "loadparm", *_NIC_ADDRESS_KEYS, *ROM_KEYS,
)
#: ``qemuBuildPCIHostdevDevProps``
VFIO_PCI_KEYS: Final = (
    "driver", "host", "id", "bootindex", "failover_pair_id", "display", "ramfb", *ADDRESS_KEYS, *ROM_KEYS,
)
#: ``qemuBuildHostNetProps`` for bridge, network, direct and ethernet (``fd``/``fds`` and ``vhostfd``/``vhostfds``
#: depend on the number of queues)
TAP_NETDEV_KEYS: Final = ("type", "fd", "fds", "vhost", "vhostfd", "vhostfds", "sndbuf", "id")
#: ``qemuBuildHostNetProps`` for user (slirp)
USER_NETDEV_KEYS: Final = ("type", "net", "ipv6-prefix", "ipv6-prefixlen", "id")
#: ``qemuBuildControllerPCIDevProps`` + ``qemuBuildDeviceAddressProps``, by controller model
CONTROLLER_KEYS: Final[Mapping[str, tuple[str, ...]]] = {
    "pcie-root-port": ("driver", "port", "chassis", "id", "hotplug", "mem-reserve", *ADDRESS_KEYS),
    "pcie-switch-downstream-port": ("driver", "port", "chassis", "id", "hotplug", "mem-reserve", *ADDRESS_KEYS),
    "pci-bridge": ("driver", "chassis_nr", "mem-reserve", "id", *ADDRESS_KEYS),
    "dmi-to-pci-bridge": ("driver", "id", *ADDRESS_KEYS),
    "pcie-to-pci-bridge": ("driver", "id", *ADDRESS_KEYS),
    "pcie-switch-upstream-port": ("driver", "id", *ADDRESS_KEYS),
    "pci-expander-bus": ("driver", "bus_nr", "id", "numa_node", *ADDRESS_KEYS),
    "pcie-expander-bus": ("driver", "bus_nr", "id", "numa_node", *ADDRESS_KEYS),
}

#: interface model → QEMU device (``qemuBuildVirtioDevGetConfig`` with a PCI address)
VIRTIO_NET_DRIVERS: Final = {
    "virtio": "virtio-net-pci",
    "virtio-transitional": "virtio-net-pci-transitional",
    "virtio-non-transitional": "virtio-net-pci-non-transitional",
}

#: ``<driver>`` attributes → virtio device properties (``virDomainVirtioOptions`` and ``driver.virtio``)
_VIRTIO_OPTION_KEYS: Final = (("iommu", "iommu_platform"), ("ats", "ats"), ("packed", "packed"),
                              ("page_per_vq", "page-per-vq"))
_DRIVER_KEYS: Final = (("ioeventfd", "ioeventfd"), ("event_idx", "event_idx"), ("rss", "rss"),
                       ("rss_hash_report", "hash"))
_HOST_KEYS: Final = (("csum", "csum"), ("gso", "gso"), ("tso4", "host_tso4"), ("tso6", "host_tso6"),
                     ("ecn", "host_ecn"), ("ufo", "host_ufo"), ("mrg_rxbuf", "mrg_rxbuf"))
_GUEST_KEYS: Final = (("csum", "guest_csum"), ("tso4", "guest_tso4"), ("tso6", "guest_tso6"),
                      ("ecn", "guest_ecn"), ("ufo", "guest_ufo"))
_TXMODE: Final = {"iothread": "bh", "timer": "timer"}


def _switch(attrs: Sequence[tuple[str, str]], name: str) -> bool | None:
    """A virTristateSwitch attribute: ``on`` → True, ``off`` → False, absent (or unparsable) → None."""
    value = dict(attrs).get(name)
    return {"on": True, "off": False}.get(value or "")


def address_values(slot: PciSlot | None, bus_name: str | None,
                   acpi_index: int | None = None) -> dict[str, PropValue | None]:
    """``qemuBuildDeviceAddressProps`` for a PCI address (with the ``<acpi index>``, written after ``addr``)."""
    if slot is None or bus_name is None:
        return {}
    return {"bus": bus_name, "multifunction": slot.multifunction, "addr": slot.addr_prop(),
            "acpi-index": acpi_index or None}


def rom_values(rom: Rom | None) -> dict[str, PropValue | None]:
    """``qemuBuildRomProps``: ``enabled='no'`` → ``romfile=""``; ``bar`` → ``rombar`` 0/1."""
    if rom is None or (rom.enabled is None and rom.bar is None and rom.file is None):
        return {}
    if rom.enabled == "no":
        return {"romfile": ""}
    return {"rombar": {"off": 0, "on": 1}.get(rom.bar or ""), "romfile": rom.file}


def usb_address_values(controller_alias: str, port: str) -> dict[str, PropValue | None]:
    """``qemuBuildDeviceAddressProps`` for a USB address: the controller's bus and the port path (``""`` for none)."""
    return {"bus": f"{controller_alias}.0", "port": port}


def nic_props(iface: Interface, *, netdev_id: str, dev_id: str, mac: str, bootindex: int | None,
              slot: PciSlot | None, bus_name: str | None,
              usb: Mapping[str, PropValue | None] | None = None) -> Props:
    """``-device`` properties of an emulated NIC (``qemuBuildNicDevProps``); ``usb`` gives the address properties of
    a NIC with a USB ``<address>`` (see :func:`usb_address_values`)."""
    model = iface.model or "rtl8139"
    values: dict[str, PropValue | None] = {}
    driver = VIRTIO_NET_DRIVERS.get(model)
    if driver is not None:
        d = iface.driver
        values["driver"] = driver
        for attr, key in _VIRTIO_OPTION_KEYS:
            values[key] = _switch(d.attrs, attr)
        values["tx"] = _TXMODE.get(dict(d.attrs).get("txmode") or "")
        for attr, key in _DRIVER_KEYS:
            values[key] = _switch(d.attrs, attr)
        for attr, key in _HOST_KEYS:
            values[key] = _switch(d.host, attr)
        for attr, key in _GUEST_KEYS:
            values[key] = _switch(d.guest, attr)
        if d.queues is not None and d.queues > 1:
            values["mq"] = True
            values["vectors"] = 2 * d.queues + 2
        values["rx_queue_size"] = d.rx_queue_size or None
        values["tx_queue_size"] = d.tx_queue_size or None
        values["host_mtu"] = iface.mtu or None
        teaming = iface.teaming
        values["failover"] = True if teaming is not None and teaming.type is TeamingType.PERSISTENT else None
    else:
        values["driver"] = model
    values.update(netdev=netdev_id, id=dev_id, mac=mac, bootindex=bootindex or None)
    values.update(address_values(slot, bus_name, iface.acpi_index))
    values.update(usb or {})
    values.update(rom_values(iface.rom))
    return build_props(NIC_KEYS, values)


def vfio_pci_props(*, host: str, dev_id: str, bootindex: int | None, failover_pair_id: str | None,
                   slot: PciSlot | None, bus_name: str | None, rom: Rom | None,
                   acpi_index: int | None = None) -> Props:
    """``-device vfio-pci`` properties (``qemuBuildPCIHostdevDevProps``)."""
    values: dict[str, PropValue | None] = {
        "driver": "vfio-pci", "host": host, "id": dev_id, "bootindex": bootindex or None,
        "failover_pair_id": failover_pair_id,
    }
    values.update(address_values(slot, bus_name, acpi_index))
    values.update(rom_values(rom))
    return build_props(VFIO_PCI_KEYS, values)


def tap_netdev_props(*, netdev_id: str, tap_fds: Sequence[int], vhost_fds: Sequence[int]) -> Props:
    """``-netdev tap`` with pre-opened fds (``fd``/``fds``, ``vhost``, ``vhostfd``/``vhostfds``)."""
    values: dict[str, PropValue | None] = {"type": "tap", "id": netdev_id}
    values["fds" if len(tap_fds) > 1 else "fd"] = ":".join(str(f) for f in tap_fds)
    if vhost_fds:
        values["vhost"] = True
        values["vhostfds" if len(vhost_fds) > 1 else "vhostfd"] = ":".join(str(f) for f in vhost_fds)
    return build_props(TAP_NETDEV_KEYS, values)


def user_netdev_props(*, netdev_id: str) -> Props:
    """``-netdev user`` (slirp); guest ``<ip>`` addresses are not modelled."""
    return build_props(USER_NETDEV_KEYS, {"type": "user", "id": netdev_id})


def controller_props(cont: PlannedController, *, bus_name: str | None) -> Props | None:
    """``-device`` properties of a PCI controller; ``None`` for the implicit roots."""
    keys = CONTROLLER_KEYS.get(cont.model)
    if keys is None or cont.driver is None:
        return None
    values: dict[str, PropValue | None] = {"driver": cont.driver, "id": cont.alias}
    if cont.model in ("pcie-root-port", "pcie-switch-downstream-port"):
        values.update(port=cont.port, chassis=cont.chassis, hotplug={"on": True, "off": False}.get(cont.hotplug or ""))
    elif cont.model == "pci-bridge":
        values["chassis_nr"] = cont.chassis_nr
    values.update(address_values(cont.address, bus_name))
    return build_props(keys, values)
