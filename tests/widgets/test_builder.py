"""TeamingBuilder driven headless: set control values, click buttons, check the model, findings, argv and DOT."""

from __future__ import annotations

from pathlib import Path

import pytest

from teamkit.design import PairDesign, domain_xml, evaluate_text, networks_xml
from teamkit.widgets import TeamingBuilder


def codes(builder: TeamingBuilder) -> list[str]:
    return [f.code for f in builder.findings]


@pytest.fixture
def builder() -> TeamingBuilder:
    return TeamingBuilder(draw=False)


class TestDefaults:
    def test_minimal_q35_pair_is_accepted(self, builder: TeamingBuilder) -> None:
        assert builder.design == PairDesign()
        assert not any(f.is_error for f in builder.findings)
        assert codes(builder) == ["guest-requirements"]
        assert builder.domain is not None and builder.domain.is_q35

    def test_argv_has_the_failover_properties(self, builder: TeamingBuilder) -> None:
        assert builder.argv[0] == "-netdev"
        devices = [a for a in builder.argv if a.startswith("{\"driver\"")]
        assert '"failover":true' in devices[0] and '"id":"ua-backup0"' in devices[0]
        assert '"driver":"vfio-pci"' in devices[1] and '"failover_pair_id":"ua-backup0"' in devices[1]
        assert builder.argv_text.startswith("-netdev '")

    def test_graph_dot_shows_the_pair(self, builder: TeamingBuilder) -> None:
        assert builder.graph_dot.startswith("digraph device_graph {")
        assert "ua-backup0" in builder.graph_dot

    def test_same_answers_as_the_library_on_the_same_xml(self, builder: TeamingBuilder) -> None:
        design = PairDesign(transient="hostdev-network", pairs=2)
        builder.set_design(design)
        expected = evaluate_text(domain_xml(design), networks=networks_xml(design))
        assert builder.domain_xml == domain_xml(design)
        assert builder.findings == expected.findings
        assert builder.argv == expected.argv


class TestControls:
    def test_transient_kind_plain_hostdev(self, builder: TeamingBuilder) -> None:
        builder.transient_kind.value = "plain-hostdev"
        assert "<hostdev mode='subsystem' type='pci' managed='yes'>" in builder.domain_xml
        assert "vf-mac-admin" in codes(builder)

    def test_transient_kind_pool_network_brings_its_network(self, builder: TeamingBuilder) -> None:
        builder.transient_kind.value = "hostdev-network"
        assert "<source network='hostdev-pool'/>" in builder.domain_xml
        assert "<forward mode='hostdev' managed='yes'>" in builder.networks_xml["hostdev-pool"]
        assert "network-unknown" not in codes(builder)
        assert builder.pool_network.layout.display is None
        builder.transient_kind.value = "interface-hostdev"
        assert builder.pool_network.layout.display == "none"

    def test_pc_without_acpi_warns_about_hotplug(self, builder: TeamingBuilder) -> None:
        builder.machine.value = "pc"
        builder.acpi.value = False
        assert "primary-bus-no-hotplug" in codes(builder)
        assert "bus=pci.0" in builder.argv_text or '"bus":"pci.0"' in builder.argv_text

    def test_e1000e_persistent_is_refused_with_libvirts_text(self, builder: TeamingBuilder) -> None:
        builder.model.value = "e1000e"
        first = builder.findings[0]
        assert first.code == "teaming-persistent-not-virtio"
        assert first.libvirt_message == ("unsupported configuration: virtio-net teaming persistent interface must "
                                         "be <model type='virtio'/>, not 'e1000e'")
        assert builder.argv == ()
        assert builder.argv_text.startswith("libvirt refuses this domain: unsupported configuration")

    def test_old_qemu_has_no_failover(self, builder: TeamingBuilder) -> None:
        builder.qemu.value = "4.1"
        assert builder.findings[0].code == "failover-unsupported-qemu"

    def test_qemu_62_gets_the_legacy_syntax(self, builder: TeamingBuilder) -> None:
        builder.qemu.value = "6.2"
        assert "virtio-net-pci,failover=on," in builder.argv_text

    def test_pairs_count_up_aliases_macs_and_vfs(self, builder: TeamingBuilder) -> None:
        builder.pairs.value = 3
        assert builder.domain is not None
        assert [i.alias for i in builder.domain.interfaces if i.model == "virtio"] == [
            "ua-backup0", "ua-backup1", "ua-backup2"]
        assert "function='0x3'" in builder.domain_xml
        assert "52:54:00:6f:55:ce" in builder.domain_xml
        assert sum(a.count('"failover_pair_id"') for a in builder.argv) == 3

    def test_mac_text_goes_to_libvirt_unchanged(self, builder: TeamingBuilder) -> None:
        builder.mac.value = "52:54:00:zz:00:01"
        assert builder.findings[0].libvirt_message == "XML error: unable to parse mac address '52:54:00:zz:00:01'"

    def test_non_ua_alias_is_dropped(self, builder: TeamingBuilder) -> None:
        builder.alias.value = "backup0"
        assert "alias-dropped" in codes(builder)

    def test_unparsable_vf_address_is_a_problem_not_a_crash(self, builder: TeamingBuilder) -> None:
        builder.vf_address.value = "eth0"
        assert builder.problems and "DDDD:BB:SS.F" in builder.problems[0]
        assert builder.domain_xml == "" and builder.findings == () and builder.argv == ()
        builder.vf_address.value = "0000:03:07.1"
        assert builder.problems == () and builder.argv

    def test_vf_function_out_of_range_is_libvirts_error(self, builder: TeamingBuilder) -> None:
        builder.vf_address.value = "0000:03:07.9"
        assert builder.findings[0].code == "pci-function-range"

    def test_source_is_disabled_for_user(self, builder: TeamingBuilder) -> None:
        builder.persistent_type.value = "user"
        assert builder.persistent_source.disabled
        assert "<source" not in builder.domain_xml.split("<interface type='hostdev'")[0]


class TestExport:
    def test_export_writes_then_refuses_then_overwrites(self, builder: TeamingBuilder, tmp_path: Path) -> None:
        target = tmp_path / "pair.xml"
        builder.export_path.value = str(target)
        builder.export_button.click()
        assert target.read_text() == builder.domain_xml
        assert builder.export_message.startswith(f"Wrote {target}")
        builder.machine.value = "pc"
        builder.export_button.click()
        assert "already exists; tick 'overwrite'" in builder.export_message
        assert "'q35'" in target.read_text()
        builder.overwrite.value = True
        builder.export_button.click()
        assert builder.export_message.startswith("Wrote")
        assert "machine='pc'" in target.read_text()

    def test_export_into_a_missing_directory_says_so(self, builder: TeamingBuilder, tmp_path: Path) -> None:
        message = builder.export(str(tmp_path / "nope" / "pair.xml"))
        assert message.startswith("Not exported:") and "does not exist" in message

    def test_export_mentions_refusal_and_networks(self, builder: TeamingBuilder, tmp_path: Path) -> None:
        builder.model.value = "rtl8139"
        builder.transient_kind.value = "hostdev-network"
        message = builder.export(str(tmp_path / "bad.xml"))
        assert "libvirt will refuse it" in message and "hostdev-pool" in message

    def test_nothing_to_export_with_problems(self, builder: TeamingBuilder, tmp_path: Path) -> None:
        builder.vf_address.value = "x"
        assert builder.export(str(tmp_path / "x.xml")).startswith("Nothing to export")
        assert not (tmp_path / "x.xml").exists()


class TestLoading:
    def test_round_trip_of_its_own_xml(self) -> None:
        design = PairDesign(machine="pc", acpi=False, persistent_type="network", persistent_source="default",
                            model="virtio-transitional", mac="52:54:00:aa:bb:cc", alias="ua-net0",
                            transient="plain-hostdev", vf_address="0000:5e:00.2", managed=False, pairs=2)
        loaded = TeamingBuilder.from_xml(domain_xml(design), draw=False)
        assert loaded.design == design
        assert loaded.notes == ("the builder writes every pair like the first one (aliases, MACs and VFs counting up)",)

    def test_from_file_says_what_it_cannot_map(self, tmp_path: Path) -> None:
        path = tmp_path / "vm.xml"
        path.write_text("""<domain type='kvm'><name>vm</name>
  <os><type arch='x86_64' machine='pc-q35-8.2'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'><source file='a.qcow2'/><target dev='vda' bus='virtio'/></disk>
    <interface type='bridge'><mac address='52:54:00:01:02:03'/><source bridge='br1'/><model type='virtio'/>
      <driver queues='4'/><teaming type='persistent'/><alias name='ua-sriov'/></interface>
    <interface type='hostdev' managed='yes'><mac address='52:54:00:01:02:04'/>
      <source><address type='pci' domain='0x0000' bus='0x81' slot='0x10' function='0x2'/></source>
      <teaming type='transient' persistent='ua-sriov'/></interface>
  </devices></domain>""")
        loaded = TeamingBuilder.from_file(str(path), draw=False)
        d = loaded.design
        assert (d.name, d.machine, d.acpi, d.persistent_source, d.alias, d.vf_address) == (
            "vm", "q35", False, "br1", "ua-sriov", "0000:81:10.2")
        notes = " | ".join(loaded.notes)
        assert "machine 'pc-q35-8.2' is shown as 'q35'" in notes
        assert "<driver> not mapped" in notes
        assert "MAC 52:54:00:01:02:04 differs" in notes
        assert "1 other device(s) (disk) are left out" in notes
        assert loaded.machine.value == "q35" and loaded.persistent_source.value == "br1"

    def test_loading_a_pool_with_its_network(self, tmp_path: Path) -> None:
        design = PairDesign(transient="hostdev-network", vf_address="0000:04:10.1", pool_network="sriov-pool")
        net = tmp_path / "pool.xml"
        net.write_text(networks_xml(design)["sriov-pool"])
        dom = tmp_path / "dom.xml"
        dom.write_text(domain_xml(design))
        loaded = TeamingBuilder.from_file(str(dom), networks=[str(net)], draw=False)
        assert loaded.design == design and loaded.notes == ()

    def test_domain_without_pair(self) -> None:
        loaded = TeamingBuilder.from_xml("<domain type='kvm'><name>x</name><devices/></domain>", draw=False)
        assert any("no failover pair" in n for n in loaded.notes)
        assert loaded.design.alias == "ua-backup0"


def test_display_bundle_has_a_plain_text_stand_in(builder: TeamingBuilder) -> None:
    bundle = builder._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"].startswith("TeamingBuilder: q35, 1 pair(s): libvirt accepts it")
