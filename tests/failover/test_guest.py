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

    def test_guest_without_net_failover_has_no_nic(self) -> None:
        # measured in teamkit lab guest-no-failover: Debian's virtio_net.ko depends on net_failover, so a Linux
        # >= 4.18 guest without net_failover cannot load virtio_net; the scenario model draws datapath none
        v = view(failover_domain(), GuestProfile(net_failover=False))
        assert codes(v) == ["guest-no-failover"]
        assert "virtio_net cannot load" in v.problems[0].message
        assert (v.carrier, v.primary_plugged, v.netdevs) == ("none", False, ())
        assert "cannot load virtio_net" in v.carrier_reason

    def test_old_guest_without_net_failover_runs_on_virtio(self) -> None:
        v = view(failover_domain(), GuestProfile(kernel=(4, 9), net_failover=False))
        assert codes(v) == ["guest-kernel-too-old"]
        assert v.carrier == "virtio" and [n.role for n in v.netdevs] == ["standby"]

    def test_primary_on_pcie0(self) -> None:
        # measured with QEMU 7.2 (teamkit lab primary-on-root-bus): the domain starts, FAILOVER_NEGOTIATED, then
        # only a warning; the primary is never plugged and the guest runs on virtio
        v = view(pcie0_domain())
        assert codes(v) == ["primary-not-hotpluggable"]
        message = v.problems[0].message
        assert "QEMU only warns \"Bus 'pcie.0' does not support hotplugging\"" in message
        assert "teamkit cannot see QEMU's version" in message and "refuses the -device line at startup" in message
        assert (v.carrier, v.primary_plugged) == ("virtio", False)
        assert [n.role for n in v.netdevs] == ["master", "standby"]

    def test_primary_on_i440fx(self) -> None:
        v = view(i440fx_domain())
        assert codes(v) == ["primary-not-hotpluggable"]
        assert "'failover primary device must be on PCIExpress bus'" in v.problems[0].message
        assert v.carrier == "virtio"

    def test_dangling_reference(self) -> None:
        v = view(failover_domain(persistent_alias="ua-other"))
        assert codes(v) == ["dangling-pair"]
        assert [n.role for n in v.netdevs] == ["primary"]
        assert not v.paired

    def test_dangling_reference_leaves_a_lone_failover_master(self) -> None:
        # the persistent NIC still has failover=on: the guest builds a master over the standby, without a primary
        found = guest_view(failover_domain(persistent_alias="ua-other"))
        (lone,) = found.unpaired
        assert (lone.standby_id, lone.carrier) == ("ua-other", "virtio")
        assert [(n.role, n.driver, n.qemu_id) for n in lone.netdevs] == [
            ("master", "net_failover", None), ("standby", "virtio_net", "ua-other")]
        assert [p.code for p in lone.problems] == ["standby-unpaired"]

    def test_lone_standby_in_a_guest_without_failover(self) -> None:
        domain = failover_domain(persistent_alias="ua-other")
        old = guest_view(domain, guest=GuestProfile(kernel=(4, 9))).unpaired[0]
        assert [n.role for n in old.netdevs] == ["standby"] and old.carrier == "virtio"
        none = guest_view(domain, guest=GuestProfile(net_failover=False)).unpaired[0]
        assert (none.netdevs, none.carrier) == ((), "none")
        assert [p.code for p in none.problems] == ["standby-unpaired", "guest-no-failover"]

    def test_a_named_standby_is_not_unpaired(self) -> None:
        assert guest_view(failover_domain()).unpaired == ()

    def test_second_persistent_member_without_transient(self) -> None:
        base = failover_domain()
        spare = dataclasses.replace(base.interfaces[0], alias="ua-spare", alias_written="ua-spare",
                                    address=PciAddress(domain=0, bus=3, slot=0, function=0))
        found = guest_view(dataclasses.replace(base, interfaces=(*base.interfaces, spare)))
        assert [p.standby_id for p in found.pairs] == ["ua-backup0"]
        assert [u.standby_id for u in found.unpaired] == ["ua-spare"]

    def test_reference_to_a_nic_without_persistent_teaming(self) -> None:
        base = failover_domain()
        plain = dataclasses.replace(base.interfaces[0], teaming=None)
        v = view(dataclasses.replace(base, interfaces=(plain, *base.interfaces[1:])))
        assert codes(v) == ["pair-target-not-persistent"]
        assert (v.carrier, v.paired, [n.role for n in v.netdevs]) == ("vf", False, ["primary"])

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
        # measured with QEMU 7.2 and q35's default ACPI PCI hotplug: starts, then a plug-time warning
        (pcie0_domain(), "pcie.0", "plug-warning", "Bus 'pcie.0' does not support hotplugging"),
        (failover_domain(controllers=(Controller("pci", 0, "pcie-root"),), primary_bus=0), "pcie.0",
         "plug-warning", "Bus 'pcie.0' does not support hotplugging"),
        (failover_domain(controllers=q35_controllers(hotplug="off")), "pci.2", "refused-at-startup",
         "Bus 'pci.2' does not support hotplugging"),
        (i440fx_domain(), "pci.0", "plug-warning", "failover primary device must be on PCIExpress bus"),
        (i440fx_domain(features=()), "pci.0", "refused-at-startup", "Bus 'pci.0' does not support hotplugging"),
        (failover_domain(controllers=(*q35_controllers()[:2], Controller("pci", 2, "pcie-to-pci-bridge"))),
         "pci.2", "plug-warning", "failover primary device must be on PCIExpress bus"),
        (failover_domain(controllers=(*q35_controllers()[:2], Controller("pci", 2, "pcie-expander-bus"))),
         "pci.2", "refused-at-startup", "Bus 'pci.2' does not support hotplugging"),
        (failover_domain(machine="pc", controllers=(Controller("pci", 0, "pci-root"),
                                                    Controller("pci", 2, "pci-expander-bus"))),
         "pci.2", "refused-at-startup", "Bus 'pci.2' does not support hotplugging"),
        # measured with QEMU 7.2: an i82801b11-bridge takes the hidden primary, the plug fails the Express check
        (failover_domain(controllers=(*q35_controllers()[:2], Controller("pci", 2, "dmi-to-pci-bridge"))),
         "pci.2", "plug-warning", "failover primary device must be on PCIExpress bus"),
    ])
    def test_outcomes(self, domain: Domain, bus: str, outcome: str, message: str) -> None:
        member = domain.interfaces[1]
        p = primary_placement(domain, member)
        assert (p.bus, p.outcome, p.qemu_message) == (bus, outcome, message)

    def test_pcie0_names_the_version_dependence(self) -> None:
        p = primary_placement(pcie0_domain(), pcie0_domain().interfaces[1])
        assert (p.express, p.hotpluggable, p.refused_at_startup) == (True, False, False)
        assert "ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off" in p.explanation
        assert "teamkit lab primary-on-root-bus" in p.explanation

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

    def test_pairs_by_automatic_qemu_id(self) -> None:
        # tests/corpus/validate/reference-to-automatic-net0.xml: the persistent NIC has no alias, libvirt names it
        # net0, and the transient's persistent='net0' is its failover_pair_id: QEMU really pairs them
        base = failover_domain()
        standby = dataclasses.replace(base.interfaces[0], alias=None, alias_written=None)
        primary = dataclasses.replace(base.interfaces[1], teaming=Teaming("transient", "net0"), alias="ua-backup1",
                                      alias_written="ua-backup1")
        found = guest_view(dataclasses.replace(base, interfaces=(standby, primary)))
        (v,) = found.pairs
        assert (v.standby_id, v.primary_id, v.paired, v.carrier) == ("net0", "ua-backup1", True, "vf")
        assert v.pair.persistent is standby and v.problems == ()
        assert found.unpaired == ()

    def test_automatic_hostdev_ids_do_not_shift_net_numbering(self) -> None:
        # a transient interface takes hostdevN, so the next alias-less virtio NIC is still net0
        base = failover_domain()
        standby = dataclasses.replace(base.interfaces[0], alias=None, alias_written=None)
        primary = dataclasses.replace(base.interfaces[1], teaming=Teaming("transient", "net0"))
        (v,) = guest_view(dataclasses.replace(base, interfaces=(primary, standby))).pairs
        assert (v.standby_id, v.primary_id, v.paired) == ("net0", "hostdev0", True)
