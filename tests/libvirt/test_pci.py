"""libvirt's PCI address assignment (qemu_domain_address.c + domain_addr.c), written from its documented rules."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from teamkit.libvirt.pci import PciAddressError, PciPlan, PciSlot, assign_pci_addresses, bus_hotplug, machine_family
from teamkit.model import Controller, Domain, OtherDevice
from tests.qemu.builders import (
    hostdev_iface,
    network_iface,
    pc_domain,
    pci,
    persistent,
    plain_hostdev,
    pool,
    q35_domain,
    virtio_nic,
)

__all__: list[str] = []

NO_USB = Controller(type="usb", index=0, model="none")
NO_BALLOON = OtherDevice(kind="memballoon", model="none")


def slots(plan: PciPlan) -> dict[object, str]:
    """Device key → ``bus_name@addr`` for every placed device."""
    return {d.key: f"{d.bus_name}@{d.address.addr_prop()}" for d in plan.devices}


class TestI440fx:
    def test_upstream_teaming_layout(self) -> None:
        # libvirt-teaming.md §5 (net-virtio-teaming): NICs, then hostdev interfaces, then the memballoon; the
        # PIIX3 owns slot 1 (IDE at 1.1, USB at 1.2)
        domain = pc_domain(
            interfaces=(virtio_nic("ua-backup0", teaming=persistent()), virtio_nic("ua-backup1"),
                        hostdev_iface("0000:03:07.1", ref="ua-backup0"), hostdev_iface("0000:03:07.2")),
            others=(OtherDevice(kind="disk", bus="ide"),),
        )
        plan = assign_pci_addresses(domain)
        assert plan.family == "i440fx"
        assert slots(plan) == {
            ("interface", 0): "pci.0@0x2", ("interface", 1): "pci.0@0x3",
            ("interface", 2): "pci.0@0x4", ("interface", 3): "pci.0@0x5",
            ("implicit", "memballoon"): "pci.0@0x6",
            ("implicit", "usb0"): "pci.0@0x1.0x2", ("implicit", "ide0"): "pci.0@0x1.0x1",
        }
        assert [c.model for c in plan.controllers] == ["pci-root"]

    def test_primary_video_takes_slot_2(self) -> None:
        domain = pc_domain(interfaces=(virtio_nic("ua-a"),), others=(OtherDevice(kind="graphics", model="vnc"),))
        plan = assign_pci_addresses(domain)
        assert slots(plan)[("implicit", "video0")] == "pci.0@0x2"
        assert slots(plan)[("interface", 0)] == "pci.0@0x3"

    def test_xml_addresses_are_kept_and_others_fill_the_lowest_free_slots(self) -> None:
        domain = pc_domain(
            interfaces=(virtio_nic("ua-a", address=pci(0, 5)), virtio_nic("ua-b")),
            hostdevs=(plain_hostdev("0000:03:07.1"),),
            others=(NO_BALLOON,),
        )
        plan = assign_pci_addresses(domain)
        assert slots(plan)[("interface", 0)] == "pci.0@0x5"
        assert slots(plan)[("interface", 1)] == "pci.0@0x2"
        assert slots(plan)[("hostdev", 0)] == "pci.0@0x3"
        assert plan.find(("interface", 0)).assigned is False  # type: ignore[union-attr]
        assert plan.find(("interface", 1)).assigned is True  # type: ignore[union-attr]

    def test_an_all_zero_address_means_pick_one(self) -> None:
        plan = assign_pci_addresses(pc_domain(interfaces=(virtio_nic("ua-a", address=pci(0, 0)),)))
        assert slots(plan)[("interface", 0)] == "pci.0@0x2"

    def test_pci_bridge_is_added_when_pci_0_is_full(self) -> None:
        # 29 NICs + memballoon: the first pass reserves one spare slot for a bridge, so the 30th device needs a
        # new bus; the pci-bridge takes the spare slot (0x2) and the memballoon lands behind it
        nics = tuple(virtio_nic(f"ua-n{i}", mac=f"52:54:00:00:00:{i:02x}") for i in range(29))
        plan = assign_pci_addresses(pc_domain(interfaces=nics))
        bridge = plan.controller(1)
        assert bridge is not None and bridge.auto_added
        assert (bridge.model, bridge.address, bridge.chassis_nr) == ("pci-bridge", PciSlot(0, 2), 1)
        assert slots(plan)[("interface", 0)] == "pci.0@0x3"
        assert slots(plan)[("interface", 28)] == "pci.0@0x1f"
        assert slots(plan)[("implicit", "memballoon")] == "pci.1@0x1"

    def test_explicit_pci_controller_index_without_index_attribute(self) -> None:
        # virDomainAssignControllerIndexes: a controller without index gets the lowest unused one
        domain = pc_domain(controllers=(Controller(type="usb", index=None, model="none"),),
                           interfaces=(virtio_nic("ua-a"),))
        assert ("implicit", "usb0") not in slots(assign_pci_addresses(domain))


class TestQ35:
    def test_each_pcie_device_gets_a_root_port_plus_one_spare(self) -> None:
        domain = q35_domain(
            interfaces=(virtio_nic("ua-a", teaming=persistent()), hostdev_iface("0000:03:07.1", ref="ua-a")),
        )
        plan = assign_pci_addresses(domain)
        # nets, then the default USB controller (qemu-xhci), then hostdevs, then the memballoon, then a spare
        assert slots(plan)[("interface", 0)] == "pci.1@0x0"
        assert slots(plan)[("implicit", "usb0")] == "pci.2@0x0"
        assert slots(plan)[("interface", 1)] == "pci.3@0x0"
        assert slots(plan)[("implicit", "memballoon")] == "pci.4@0x0"
        assert slots(plan)[("implicit", "sata0")] == "pcie.0@0x1f.0x2"
        ports = plan.auto_added()
        assert [(c.index, c.model, str(c.address), c.chassis, c.port) for c in ports] == [
            (1, "pcie-root-port", "0000:00:01.0", 1, 8), (2, "pcie-root-port", "0000:00:01.1", 2, 9),
            (3, "pcie-root-port", "0000:00:01.2", 3, 10), (4, "pcie-root-port", "0000:00:01.3", 4, 11),
            (5, "pcie-root-port", "0000:00:01.4", 5, 12),
        ]
        assert ports[0].address is not None and ports[0].address.multifunction is True
        assert ports[1].address is not None and ports[1].address.multifunction is None

    def test_root_ports_fill_slot_1_then_slot_2(self) -> None:
        nics = tuple(virtio_nic(f"ua-n{i}") for i in range(8))
        plan = assign_pci_addresses(q35_domain(interfaces=nics, controllers=(NO_USB,), others=(NO_BALLOON,)))
        addrs = [str(c.address) for c in plan.auto_added()]
        assert addrs == [f"0000:00:01.{f}" for f in range(8)] + ["0000:00:02.0"]  # 8 NICs + the spare

    def test_video_on_pcie_0_slot_1_pushes_root_ports_to_slot_2(self) -> None:
        domain = q35_domain(interfaces=(virtio_nic("ua-a"),), controllers=(NO_USB,),
                            others=(NO_BALLOON, OtherDevice(kind="video", model="vga")))
        plan = assign_pci_addresses(domain)
        assert slots(plan)[("other", 1)] == "pcie.0@0x1"
        assert str(plan.controller(1).address) == "0000:00:02.0"  # type: ignore[union-attr]

    def test_conventional_pci_device_goes_behind_a_pcie_to_pci_bridge(self) -> None:
        # 0000:06:12.1 is a conventional-PCI VF in libvirt's test harness (virpcimock + virpcitestdata)
        domain = q35_domain(interfaces=(virtio_nic("ua-a"),), hostdevs=(plain_hostdev("0000:06:12.1"),),
                            controllers=(NO_USB,), others=(NO_BALLOON,))
        plan = assign_pci_addresses(domain)
        models = {c.index: (c.model, str(c.address)) for c in plan.controllers}
        assert models == {0: ("pcie-root", "None"), 1: ("pcie-root-port", "0000:00:01.0"),
                          2: ("pcie-root-port", "0000:00:01.1"), 3: ("pcie-to-pci-bridge", "0000:01:00.0"),
                          4: ("pcie-root-port", "0000:00:01.2")}
        assert slots(plan)[("interface", 0)] == "pci.2@0x0"
        assert slots(plan)[("hostdev", 0)] == "pci.3@0x1"
        # an unknown host device is assumed to be PCI Express
        plan = assign_pci_addresses(domain, conventional_pci=frozenset())
        assert slots(plan)[("hostdev", 0)] == "pci.2@0x0"

    def test_hostdev_pool_interface_is_pcie(self) -> None:
        domain = q35_domain(interfaces=(network_iface("pool", model=None),), controllers=(NO_USB,),
                            others=(NO_BALLOON,))
        plan = assign_pci_addresses(domain, networks={"pool": pool("pool", "0000:04:10.0")})
        assert slots(plan)[("interface", 0)] == "pci.1@0x0"

    def test_apply_puts_the_result_into_the_model(self) -> None:
        domain = q35_domain(interfaces=(virtio_nic("ua-a"),), controllers=(NO_USB,))
        done = assign_pci_addresses(domain).apply(domain)
        assert done.interfaces[0].address is not None and done.interfaces[0].address.bdf() == (0, 1, 0, 0)
        assert [(c.type, c.index, c.model) for c in done.controllers] == [
            ("usb", 0, "none"), ("pci", 0, "pcie-root"), ("pci", 1, "pcie-root-port"),
            ("pci", 2, "pcie-root-port"), ("pci", 3, "pcie-root-port"), ("sata", 0, None),
        ]
        balloon = [o for o in done.others if o.kind == "memballoon"]
        assert balloon and balloon[0].address is not None and balloon[0].address.bus == 2


class TestErrors:
    def test_double_use(self) -> None:
        domain = pc_domain(interfaces=(virtio_nic("ua-a", address=pci(0, 3)), virtio_nic("ua-b", address=pci(0, 3))))
        with pytest.raises(PciAddressError) as err:
            assign_pci_addresses(domain)
        assert err.value.libvirt_message == "XML error: Attempted double use of PCI Address 0000:00:03.0"

    def test_root_port_has_one_slot(self) -> None:
        domain = q35_domain(controllers=(Controller(type="pci", index=1, model="pcie-root-port"),),
                            interfaces=(virtio_nic("ua-a", address=pci(1, 2)),))
        with pytest.raises(PciAddressError, match=r"XML error: Invalid PCI address 0000:01:02.0. slot must be <= 0"):
            assign_pci_addresses(domain)

    def test_domain_must_be_zero(self) -> None:
        domain = pc_domain(interfaces=(virtio_nic("ua-a", address=pci(0, 3, domain=1)),))
        with pytest.raises(PciAddressError, match="Only PCI domain 0 is available"):
            assign_pci_addresses(domain)


class TestHotplug:
    def test_pci_0_needs_acpi(self) -> None:
        plan = assign_pci_addresses(pc_domain(interfaces=(virtio_nic("ua-a"),)))
        assert bus_hotplug(plan, 0)[0] is False
        plan = assign_pci_addresses(pc_domain(interfaces=(virtio_nic("ua-a"),), features=("acpi",)))
        assert bus_hotplug(plan, 0) == (True, "pci-root 'pci.0': ACPI hotplug")

    def test_pcie_0_never_root_ports_yes_unless_off(self) -> None:
        plan = assign_pci_addresses(q35_domain(interfaces=(virtio_nic("ua-a"),), features=("acpi",)))
        assert bus_hotplug(plan, 0)[0] is False
        assert bus_hotplug(plan, 1)[0] is True
        domain = q35_domain(controllers=(Controller(type="pci", index=1, model="pcie-root-port", hotplug="off"),))
        assert bus_hotplug(assign_pci_addresses(domain), 1) == (False, "pcie-root-port 'pci.1' has hotplug='off'")
        assert bus_hotplug(plan, 99)[0] is False


def test_machine_family() -> None:
    base = pc_domain()
    assert machine_family(base) == "i440fx"
    for machine, family in [("pc-i440fx-7.2", "i440fx"), ("pc-q35-7.2", "q35"), ("q35", "q35"), ("microvm", None)]:
        assert machine_family(Domain(**{**base.__dict__, "machine": machine})) == family
    assert machine_family(Domain(**{**base.__dict__, "arch": "aarch64", "machine": "virt"})) is None
    plan = assign_pci_addresses(Domain(**{**base.__dict__, "machine": "microvm"}))
    assert any("not i440fx or q35" in w for w in plan.warnings)


NIC_MODELS = ("virtio", "virtio-transitional", "virtio-non-transitional", "e1000", "e1000e", "rtl8139")
HOSTS = ("0000:03:07.1", "0000:03:07.2", "0000:06:12.1", "0000:06:12.2", "0000:81:00.3")


@st.composite
def domains(draw: st.DrawFn) -> Domain:
    models = draw(st.lists(st.sampled_from(NIC_MODELS), max_size=6))
    nics = tuple(virtio_nic(f"ua-n{i}", model=m) for i, m in enumerate(models))
    hosts = draw(st.lists(st.sampled_from(HOSTS), unique=True, max_size=4))
    split = draw(st.integers(min_value=0, max_value=len(hosts)))
    ifaces = tuple(hostdev_iface(h) for h in hosts[:split])
    plain = tuple(plain_hostdev(h) for h in hosts[split:])
    controllers = (NO_USB,) if draw(st.booleans()) else ()
    others = ((NO_BALLOON,) if draw(st.booleans()) else ()) + (
        (OtherDevice(kind="video", model="vga"),) if draw(st.booleans()) else ())
    build = q35_domain if draw(st.booleans()) else pc_domain
    return build(interfaces=nics + ifaces, hostdevs=plain, controllers=controllers, others=others)


class TestInvariants:
    @given(domains())
    @settings(max_examples=150, deadline=None)
    def test_assignment_is_consistent(self, domain: Domain) -> None:
        plan = assign_pci_addresses(domain)
        used = [(d.address.bus, d.address.slot, d.address.function) for d in plan.devices]
        used += [(c.address.bus, c.address.slot, c.address.function) for c in plan.controllers if c.address]
        assert len(used) == len(set(used)), "two devices share a PCI address"
        indexes = [c.index for c in plan.controllers]
        assert indexes == list(range(len(indexes)))
        models = {c.index: c.model for c in plan.controllers}
        for bus, slot, _ in used:
            assert bus in models
            if models[bus] == "pcie-root-port":
                assert slot == 0
        placed = [d for d in plan.devices if d.key[0] in ("interface", "hostdev")]
        assert len(placed) == len(domain.interfaces) + len(domain.hostdevs)
        if plan.family == "q35":
            assert all(d.address.bus != 0 for d in placed), "auto-assigned endpoints never sit on pcie.0"


def test_device_hotplug_for_a_failover_primary() -> None:
    from teamkit.libvirt.pci import device_hotplug

    domain = q35_domain(interfaces=(virtio_nic("ua-a", teaming=persistent()),
                                    hostdev_iface("0000:03:07.1", ref="ua-a")))
    assert device_hotplug(assign_pci_addresses(domain), ("interface", 1)) == (
        True, "pcie-root-port 'pci.3' supports hotplug")
    pinned = q35_domain(interfaces=(hostdev_iface("0000:03:07.1", address=pci(0, 5)),))
    assert device_hotplug(assign_pci_addresses(pinned), ("interface", 0))[0] is False
    assert device_hotplug(assign_pci_addresses(pinned), ("hostdev", 7)) == (False, "the device has no PCI address")
