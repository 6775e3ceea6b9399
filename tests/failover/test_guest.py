"""The guest's view of a pair, the primary's placement, and QEMU ids."""

from __future__ import annotations

import dataclasses

import pytest

from teamkit.errors import TeamkitError
from teamkit.failover import GuestProfile, NoFailoverPairError, guest_view, primary_placement
from teamkit.failover.guest import GuestPairView, primary_qemu_ids
from teamkit.model import Controller, Domain, Hostdev, Interface, InterfaceSource, PciAddress, Teaming
from tests.failover.domains import MAC, failover_domain, i440fx_domain, pcie0_domain, q35_controllers

__all__: list[str] = []


def view(domain: Domain, guest: GuestProfile | None = None) -> GuestPairView:
    (only,) = guest_view(domain, guest=guest).pairs
    return only


def codes(v: GuestPairView) -> list[str]:
    return [p.code for p in v.problems]


class TestGoodPair:
    def test_three_netdevs_and_the_vf_carries_traffic(self) -> None:
        v = view(failover_domain())
        assert [(n.role, n.example_name, n.driver) for n in v.netdevs] == [
            ("master", "ens10", "net_failover"),
            ("standby", "ens10nsby", "virtio_net"),
            ("primary", "ens11", "VF driver (iavf, mlx5_core, ixgbevf, …)"),
        ]
        assert (v.carrier, v.enslaved, v.primary_plugged) == ("vf", True, True)
        assert (v.standby_id, v.primary_id) == ("ua-backup0", "hostdev0")
        assert all(n.mac == MAC for n in v.netdevs)
        assert v.problems == ()

    def test_kernel_4_18_is_enough(self) -> None:
        assert view(failover_domain(), GuestProfile(kernel=(4, 18))).problems == ()

    def test_mac_case_does_not_matter(self) -> None:
        assert view(failover_domain(primary_mac=MAC.upper())).enslaved is True


class TestProblems:
    def test_macs_differ(self) -> None:
        v = view(failover_domain(primary_mac="52:54:00:00:00:01"))
        assert codes(v) == ["mac-mismatch"]
        assert (v.carrier, v.enslaved) == ("virtio", False)
        assert "never enslaves the VF" in v.problems[0].message
        assert v.netdevs[-1].enslaved is False

    def test_transient_without_mac_gets_a_random_one(self) -> None:
        v = view(failover_domain(primary_mac=None))
        assert codes(v) == ["primary-mac-missing"]
        assert v.problems[0].severity == "error"
        assert "libvirt generates a random one and sets it on the VF" in v.problems[0].message
        assert v.carrier == "virtio"

    def test_standby_without_mac(self) -> None:
        v = view(failover_domain(standby_mac=None))
        assert codes(v) == ["standby-mac-missing"]
        assert v.enslaved is False

    def test_plain_hostdev_mac_is_the_admins_job(self) -> None:
        v = view(failover_domain(primary="hostdev"))
        assert codes(v) == ["primary-mac-admin"]
        assert v.problems[0].severity == "warning"
        assert f"the admin must set it to {MAC}" in v.problems[0].message
        assert (v.enslaved, v.carrier) == (None, "vf")

    def test_old_kernel(self) -> None:
        v = view(failover_domain(), GuestProfile(kernel=(4, 9)))
        assert codes(v) == ["guest-kernel-too-old"]
        assert "Linux 4.9 predates net_failover (4.18)" in v.problems[0].message
        assert (v.carrier, v.primary_plugged) == ("virtio", False)
        assert [n.role for n in v.netdevs] == ["standby"]
        assert v.netdevs[0].example_name == "ens10"

    def test_guest_without_net_failover(self) -> None:
        v = view(failover_domain(), GuestProfile(net_failover=False))
        assert codes(v) == ["guest-no-failover"]
        assert v.carrier == "virtio"

    def test_primary_on_pcie0(self) -> None:
        v = view(pcie0_domain())
        assert codes(v) == ["primary-not-hotpluggable"]
        assert "\"Bus 'pcie.0' does not support hotplugging\"" in v.problems[0].message
        assert v.carrier == "none"

    def test_primary_on_i440fx(self) -> None:
        v = view(i440fx_domain())
        assert codes(v) == ["primary-not-hotpluggable"]
        assert "'failover primary device must be on PCIExpress bus'" in v.problems[0].message
        assert v.carrier == "virtio"

    def test_dangling_reference(self) -> None:
        v = view(failover_domain(persistent_alias="ua-other"))
        assert codes(v) == ["dangling-pair"]
        assert [n.role for n in v.netdevs] == ["primary"]

    def test_no_pair_is_a_typed_error(self) -> None:
        domain = dataclasses.replace(failover_domain(), interfaces=failover_domain().interfaces[:1])
        with pytest.raises(NoFailoverPairError, match="no failover pair") as info:
            guest_view(domain)
        assert isinstance(info.value, TeamkitError)


class TestPlacement:
    def test_root_port(self) -> None:
        p = primary_placement(failover_domain(), failover_domain().interfaces[1])
        assert (p.bus, p.controller, p.outcome, p.assumed) == ("pci.2", "pcie-root-port", "plugs", False)

    @pytest.mark.parametrize("domain, bus, outcome, message", [
        (pcie0_domain(), "pcie.0", "refused-at-startup", "Bus 'pcie.0' does not support hotplugging"),
        (failover_domain(controllers=q35_controllers(hotplug="off")), "pci.2", "refused-at-startup",
         "Bus 'pci.2' does not support hotplugging"),
        (i440fx_domain(), "pci.0", "plug-warning", "failover primary device must be on PCIExpress bus"),
        (i440fx_domain(features=()), "pci.0", "refused-at-startup", "Bus 'pci.0' does not support hotplugging"),
        (failover_domain(controllers=(*q35_controllers()[:2], Controller("pci", 2, "pcie-to-pci-bridge"))),
         "pci.2", "plug-warning", "failover primary device must be on PCIExpress bus"),
        (failover_domain(controllers=(*q35_controllers()[:2], Controller("pci", 2, "pcie-expander-bus"))),
         "pci.2", "refused-at-startup", "Bus 'pci.2' does not support hotplugging"),
    ])
    def test_outcomes(self, domain: Domain, bus: str, outcome: str, message: str) -> None:
        member = domain.interfaces[1]
        p = primary_placement(domain, member)
        assert (p.bus, p.outcome, p.qemu_message) == (bus, outcome, message)

    def test_no_address_on_q35_means_a_root_port(self) -> None:
        domain = failover_domain(primary_bus=None)
        p = primary_placement(domain, domain.interfaces[1])
        assert (p.outcome, p.assumed) == ("plugs", True)

    def test_no_address_on_i440fx_means_pci0(self) -> None:
        domain = failover_domain(machine="pc", primary_bus=None)
        assert primary_placement(domain, domain.interfaces[1]).outcome == "plug-warning"

    def test_missing_controller_is_an_assumption(self) -> None:
        domain = failover_domain(primary_bus=7)
        p = primary_placement(domain, domain.interfaces[1])
        assert (p.bus, p.outcome, p.assumed) == ("pci.7", "plugs", True)


class TestQemuIds:
    def test_libvirt_numbering(self) -> None:
        vf = PciAddress(domain=0, bus=0x5E, slot=0, function=3)
        domain = dataclasses.replace(
            failover_domain(),
            hostdevs=(Hostdev(mode="subsystem", type="pci", pci=vf),
                      Hostdev(mode="subsystem", type="pci", pci=vf, alias="ua-mine")),
        )
        extra = Interface(type="network", mac=MAC, source=InterfaceSource(network="pool"),
                          teaming=Teaming("transient", "ua-backup0"))
        domain = dataclasses.replace(domain, interfaces=(*domain.interfaces, extra))
        ids = primary_qemu_ids(domain)
        assert [ids[id(i)] for i in domain.interfaces] == ["ua-backup0", "hostdev0", "hostdev1"]
        assert [ids[id(h)] for h in domain.hostdevs] == ["hostdev2", "ua-mine"]

    def test_user_alias_on_the_primary(self) -> None:
        assert view(failover_domain(primary_alias="ua-vf")).primary_id == "ua-vf"
