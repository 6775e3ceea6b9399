"""Device and netdev properties in libvirt's key order (libvirt-teaming.md §3.1, §3.2, §3.3)."""

from __future__ import annotations

import pytest

from teamkit.libvirt.pci import PciSlot, PlannedController
from teamkit.model import Boot, InterfaceDriver, Rom
from teamkit.qemu.devices import (
    NIC_KEYS,
    VFIO_PCI_KEYS,
    controller_props,
    nic_props,
    tap_netdev_props,
    user_netdev_props,
    vfio_pci_props,
)
from tests.qemu.builders import persistent, virtio_nic

__all__: list[str] = []

FULL_DRIVER = InterfaceDriver(
    name="qemu", rx_queue_size=512, tx_queue_size=256,
    attrs=(("name", "qemu"), ("txmode", "iothread"), ("ioeventfd", "on"), ("event_idx", "off"),
           ("rx_queue_size", "512"), ("tx_queue_size", "256"), ("iommu", "on"), ("ats", "on"), ("packed", "on")),
    host=(("csum", "off"), ("mrg_rxbuf", "off")),
    guest=(("csum", "off"),),
)


class TestVirtioNet:
    def test_fully_optioned_nic_in_libvirts_key_order(self) -> None:
        # libvirt-teaming.md §3.1 "Verified (the fully optioned NIC of §1.3)"
        nic = virtio_nic("ua-backup0", teaming=persistent(), driver=FULL_DRIVER, boot=Boot(1), rom=Rom(bar="off"))
        props = nic_props(nic, netdev_id="hostua-backup0", dev_id="ua-backup0", mac=nic.mac or "", bootindex=1,
                          slot=PciSlot(0, 2), bus_name="pci.0")
        assert props.to_json() == (
            '{"driver":"virtio-net-pci","iommu_platform":true,"ats":true,"packed":true,"tx":"bh","ioeventfd":true,'
            '"event_idx":false,"csum":false,"mrg_rxbuf":false,"guest_csum":false,"rx_queue_size":512,'
            '"tx_queue_size":256,"failover":true,"netdev":"hostua-backup0","id":"ua-backup0",'
            '"mac":"00:11:22:33:44:55","bootindex":1,"bus":"pci.0","addr":"0x2","rombar":0}'
        )

    def test_failover_sits_after_host_mtu_and_before_netdev(self) -> None:
        # §3.1 key order: … mq, vectors, rx/tx_queue_size, rss, hash, host_mtu, failover, netdev, id, mac …
        assert NIC_KEYS.index("host_mtu") + 1 == NIC_KEYS.index("failover") == NIC_KEYS.index("netdev") - 1
        nic = virtio_nic("ua-backup0", teaming=persistent(), mtu=1400, driver=InterfaceDriver(queues=4))
        props = nic_props(nic, netdev_id="hostua-backup0", dev_id="ua-backup0", mac="00:11:22:33:44:55",
                          bootindex=None, slot=PciSlot(1, 0), bus_name="pci.1")
        assert props.keys() == ("driver", "mq", "vectors", "host_mtu", "failover", "netdev", "id", "mac", "bus",
                                "addr")
        assert props.get("vectors") == 10  # 2 * queues + 2

    def test_no_failover_without_persistent_teaming(self) -> None:
        # §3.1: failover is added only for persistent teaming; libvirt never writes failover=off
        props = nic_props(virtio_nic("ua-x"), netdev_id="hostua-x", dev_id="ua-x", mac="00:11:22:33:44:55",
                          bootindex=None, slot=None, bus_name=None)
        assert "failover" not in props

    @pytest.mark.parametrize(("model", "driver"), [
        ("virtio", "virtio-net-pci"),
        ("virtio-transitional", "virtio-net-pci-transitional"),
        ("virtio-non-transitional", "virtio-net-pci-non-transitional"),
        ("e1000", "e1000"),
        ("rtl8139", "rtl8139"),
    ])
    def test_driver_by_model(self, model: str, driver: str) -> None:
        # §2.4: persistent <model type='virtio-transitional'/> gives "driver":"virtio-net-pci-transitional"
        nic = virtio_nic("ua-a", model=model, teaming=persistent())
        props = nic_props(nic, netdev_id="hostua-a", dev_id="ua-a", mac="00:11:22:33:44:55", bootindex=None,
                          slot=None, bus_name=None)
        assert props.get("driver") == driver
        assert ("failover" in props) is model.startswith("virtio")

    def test_emulated_nic_has_no_virtio_keys(self) -> None:
        nic = virtio_nic(None, model="e1000", driver=InterfaceDriver(queues=4), mtu=9000)
        props = nic_props(nic, netdev_id="hostnet0", dev_id="net0", mac="52:54:00:00:00:01", bootindex=None,
                          slot=PciSlot(0, 3), bus_name="pci.0")
        assert props.to_legacy("driver") == "e1000,netdev=hostnet0,id=net0,mac=52:54:00:00:00:01,bus=pci.0,addr=0x3"


class TestVfioPci:
    def test_failover_pair_id_after_id_and_bootindex_before_bus(self) -> None:
        # libvirt-teaming.md §3.2 "Verified"
        props = vfio_pci_props(host="0000:03:07.1", dev_id="hostdev0", bootindex=2, failover_pair_id="ua-backup0",
                               slot=PciSlot(0, 3), bus_name="pci.0", rom=Rom(bar="off", file="/etc/fake/boot.bin"))
        assert props.to_json() == (
            '{"driver":"vfio-pci","host":"0000:03:07.1","id":"hostdev0","bootindex":2,'
            '"failover_pair_id":"ua-backup0","bus":"pci.0","addr":"0x3","rombar":0,"romfile":"/etc/fake/boot.bin"}'
        )
        assert VFIO_PCI_KEYS[:5] == ("driver", "host", "id", "bootindex", "failover_pair_id")

    def test_legacy_form(self) -> None:
        # §3.3 QEMU 6.2 form
        props = vfio_pci_props(host="0000:03:07.1", dev_id="hostdev0", bootindex=None,
                               failover_pair_id="ua-backup0", slot=PciSlot(0, 4), bus_name="pci.0", rom=None)
        assert props.to_legacy("driver") == ("vfio-pci,host=0000:03:07.1,id=hostdev0,failover_pair_id=ua-backup0,"
                                             "bus=pci.0,addr=0x4")

    def test_rom_disabled_gives_empty_romfile(self) -> None:
        # qemuBuildRomProps: <rom enabled='no'/> → romfile "" and no rombar
        props = vfio_pci_props(host="0000:03:07.1", dev_id="hostdev0", bootindex=None, failover_pair_id=None,
                               slot=None, bus_name=None, rom=Rom(enabled="no"))
        assert props.to_json() == '{"driver":"vfio-pci","host":"0000:03:07.1","id":"hostdev0","romfile":""}'
        assert props.to_legacy("driver") == "vfio-pci,host=0000:03:07.1,id=hostdev0,romfile="

    def test_multifunction_and_function_address(self) -> None:
        props = vfio_pci_props(host="0000:03:07.1", dev_id="hostdev0", bootindex=None, failover_pair_id=None,
                               slot=PciSlot(0, 5, 1, None), bus_name="pci.0", rom=None)
        assert props.get("addr") == "0x5.0x1"
        props = vfio_pci_props(host="0000:03:07.1", dev_id="hostdev0", bootindex=None, failover_pair_id=None,
                               slot=PciSlot(0, 5, 0, True), bus_name="pci.0", rom=None)
        assert props.keys()[-3:] == ("bus", "multifunction", "addr")


class TestNetdevs:
    def test_user(self) -> None:
        assert user_netdev_props(netdev_id="hostua-backup0").to_json() == '{"type":"user","id":"hostua-backup0"}'

    def test_tap_with_vhost_both_syntaxes(self) -> None:
        # libvirt-teaming.md §3.3: type='network' persistent (tap + vhost), QEMU 6.2 / latest
        props = tap_netdev_props(netdev_id="hostua-backup0", tap_fds=[102], vhost_fds=[44])
        assert props.to_legacy("type") == "tap,fd=102,vhost=on,vhostfd=44,id=hostua-backup0"
        assert props.to_json() == '{"type":"tap","fd":"102","vhost":true,"vhostfd":"44","id":"hostua-backup0"}'

    def test_multiqueue_uses_fds_and_vhostfds(self) -> None:
        props = tap_netdev_props(netdev_id="hostnet0", tap_fds=[102, 103], vhost_fds=[44, 45])
        assert props.to_json() == '{"type":"tap","fds":"102:103","vhost":true,"vhostfds":"44:45","id":"hostnet0"}'

    def test_tap_without_vhost(self) -> None:
        assert tap_netdev_props(netdev_id="hostnet0", tap_fds=[3], vhost_fds=[]).to_json() == (
            '{"type":"tap","fd":"3","id":"hostnet0"}')


class TestControllers:
    def test_pcie_root_port(self) -> None:
        cont = PlannedController(index=1, model="pcie-root-port", alias="pci.1", address=PciSlot(0, 1, 0, True),
                                 auto_added=True, chassis=1, port=8)
        props = controller_props(cont, bus_name="pcie.0")
        assert props is not None
        assert props.to_json() == ('{"driver":"pcie-root-port","port":8,"chassis":1,"id":"pci.1","bus":"pcie.0",'
                                   '"multifunction":true,"addr":"0x1"}')
        assert props.to_legacy("driver") == ("pcie-root-port,port=8,chassis=1,id=pci.1,bus=pcie.0,"
                                             "multifunction=on,addr=0x1")

    def test_pci_bridge_and_roots(self) -> None:
        bridge = PlannedController(index=1, model="pci-bridge", alias="pci.1", address=PciSlot(0, 2),
                                   auto_added=True, chassis_nr=1)
        props = controller_props(bridge, bus_name="pci.0")
        assert props is not None
        assert props.to_json() == '{"driver":"pci-bridge","chassis_nr":1,"id":"pci.1","bus":"pci.0","addr":"0x2"}'
        root = PlannedController(index=0, model="pcie-root", alias="pcie.0", address=None, auto_added=False)
        assert controller_props(root, bus_name=None) is None
