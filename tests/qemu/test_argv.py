"""render_argv: exact tokens for libvirt's upstream teaming examples, ids, ordering, boot, pools, errors, text form.

The expected strings are written by hand from libvirt-teaming.md §3.3/§5 (libvirt 11.3 upstream test data and
its verified 7.0/6.2 forms) and real-libvirt-qemu.md §6.5 (q35, real start path).
"""

from __future__ import annotations

import shlex

import pytest

from teamkit.model import Boot, Domain, InterfaceDriver, Network, OtherDevice, Rom
from teamkit.qemu.argv import ArgvResult, format_args, render_argv, shell_quote
from teamkit.qemu.devices import HostFacts
from teamkit.qemu.version import QemuVersion
from tests.qemu.builders import (
    hostdev_iface,
    network_iface,
    pc_domain,
    persistent,
    plain_hostdev,
    pool,
    q35_domain,
    transient,
    virtio_nic,
)

__all__: list[str] = []

IDE_DISK = OtherDevice(kind="disk", bus="ide", model="block")


def upstream_teaming() -> Domain:
    """libvirt's tests/qemuxmlconfdata/net-virtio-teaming.xml (libvirt-teaming.md §5)."""
    return pc_domain(
        interfaces=(
            virtio_nic("ua-backup0", mac="00:11:22:33:44:55", teaming=persistent()),
            virtio_nic("ua-backup1", mac="66:44:33:22:11:00", teaming=persistent()),
            hostdev_iface("0000:03:07.1", ref="ua-backup0", mac="00:11:22:33:44:55"),
            hostdev_iface("0000:03:07.2", ref="ua-backup1", mac="66:44:33:22:11:00"),
        ),
        others=(IDE_DISK, OtherDevice(kind="memballoon", model="virtio")),
    )


def argv(domain: Domain, qemu: str = "latest", **kwargs: object) -> list[str]:
    result = render_argv(domain, qemu=QemuVersion.parse(qemu), **kwargs)  # type: ignore[arg-type]
    assert result.error is None, result.error
    return list(result.argv)


class TestUpstreamExamples:
    def test_net_virtio_teaming_latest(self) -> None:
        # §3.3 "QEMU 10.0 (latest): JSON netdev + JSON device", addresses as in the upstream .args (§5)
        assert argv(upstream_teaming()) == [
            "-netdev", '{"type":"user","id":"hostua-backup0"}',
            "-device", '{"driver":"virtio-net-pci","failover":true,"netdev":"hostua-backup0","id":"ua-backup0",'
                       '"mac":"00:11:22:33:44:55","bus":"pci.0","addr":"0x2"}',
            "-netdev", '{"type":"user","id":"hostua-backup1"}',
            "-device", '{"driver":"virtio-net-pci","failover":true,"netdev":"hostua-backup1","id":"ua-backup1",'
                       '"mac":"66:44:33:22:11:00","bus":"pci.0","addr":"0x3"}',
            "-device", '{"driver":"vfio-pci","host":"0000:03:07.1","id":"hostdev0","failover_pair_id":"ua-backup0",'
                       '"bus":"pci.0","addr":"0x4"}',
            "-device", '{"driver":"vfio-pci","host":"0000:03:07.2","id":"hostdev1","failover_pair_id":"ua-backup1",'
                       '"bus":"pci.0","addr":"0x5"}',
        ]

    def test_net_virtio_teaming_qemu_7_0_legacy_netdev_json_device(self) -> None:
        # §3.3 "QEMU 7.0: legacy netdev + JSON device"
        tokens = argv(upstream_teaming(), "7.0")
        assert tokens[:2] == ["-netdev", "user,id=hostua-backup0"]
        assert tokens[3].startswith('{"driver":"virtio-net-pci","failover":true,')

    def test_net_virtio_teaming_qemu_6_2_all_legacy(self) -> None:
        # §3.3 "QEMU 6.2: all legacy"
        assert argv(upstream_teaming(), "6.2")[:4] + argv(upstream_teaming(), "6.2")[8:10] == [
            "-netdev", "user,id=hostua-backup0",
            "-device", "virtio-net-pci,failover=on,netdev=hostua-backup0,id=ua-backup0,mac=00:11:22:33:44:55,"
                       "bus=pci.0,addr=0x2",
            "-device", "vfio-pci,host=0000:03:07.1,id=hostdev0,failover_pair_id=ua-backup0,bus=pci.0,addr=0x4",
        ]

    def test_net_virtio_teaming_hostdev(self) -> None:
        # §5 net-virtio-teaming-hostdev: plain <hostdev> transients; the upstream input pins slots 3–7
        from tests.qemu.builders import pci

        domain = pc_domain(
            interfaces=(
                virtio_nic("ua-backup0", teaming=persistent(), address=pci(0, 3)),
                virtio_nic("ua-backup1", mac="66:44:33:22:11:00", teaming=persistent(), address=pci(0, 4)),
            ),
            hostdevs=(plain_hostdev("0000:03:07.1", ref="ua-backup0", address=pci(0, 5)),
                      plain_hostdev("0000:03:07.2", ref="ua-backup1", address=pci(0, 6))),
            others=(IDE_DISK,),
        )
        tokens = argv(domain)
        assert tokens[8:] == [
            "-device", '{"driver":"vfio-pci","host":"0000:03:07.1","id":"hostdev0","failover_pair_id":"ua-backup0",'
                       '"bus":"pci.0","addr":"0x5"}',
            "-device", '{"driver":"vfio-pci","host":"0000:03:07.2","id":"hostdev1","failover_pair_id":"ua-backup1",'
                       '"bus":"pci.0","addr":"0x6"}',
        ]

    def test_net_virtio_teaming_network(self) -> None:
        # §3.3 "type='network' persistent (tap + vhost)" and §5 net-virtio-teaming-network (host 0001:02:03.4)
        domain = pc_domain(
            interfaces=(network_iface("nat-network", teaming=persistent(), alias="ua-backup0"),
                        network_iface("hostdev", teaming=transient("ua-backup0"))),
            others=(IDE_DISK,),
        )
        nets = [Network(name="nat-network", forward_mode="nat"), pool("hostdev", "0001:02:03.4")]
        assert argv(domain, networks=nets) == [
            "-netdev", '{"type":"tap","fd":"102","vhost":true,"vhostfd":"44","id":"hostua-backup0"}',
            "-device", '{"driver":"virtio-net-pci","failover":true,"netdev":"hostua-backup0","id":"ua-backup0",'
                       '"mac":"00:11:22:33:44:55","bus":"pci.0","addr":"0x2"}',
            "-device", '{"driver":"vfio-pci","host":"0001:02:03.4","id":"hostdev0","failover_pair_id":"ua-backup0",'
                       '"bus":"pci.0","addr":"0x3"}',
        ]
        assert argv(domain, "6.2", networks=nets)[1] == "tap,fd=102,vhost=on,vhostfd=44,id=hostua-backup0"

    def test_q35_real_start_path(self) -> None:
        # real-libvirt-qemu.md §6.5: user persistent + interface-hostdev transient with alias ua-backup1 on q35
        domain = q35_domain(interfaces=(
            virtio_nic("ua-backup0", teaming=persistent()),
            hostdev_iface("0000:03:07.1", ref="ua-backup0", alias="ua-backup1"),
        ))
        assert argv(domain) == [
            "-netdev", '{"type":"user","id":"hostua-backup0"}',
            "-device", '{"driver":"virtio-net-pci","failover":true,"netdev":"hostua-backup0","id":"ua-backup0",'
                       '"mac":"00:11:22:33:44:55","bus":"pci.1","addr":"0x0"}',
            "-device", '{"driver":"vfio-pci","host":"0000:03:07.1","id":"ua-backup1","failover_pair_id":"ua-backup0",'
                       '"bus":"pci.3","addr":"0x0"}',
        ]

    def test_q35_second_transient_for_the_same_alias_lands_on_the_next_root_port(self) -> None:
        # §3.3: "a second transient pointing at the same alias lands on pci.4"
        domain = q35_domain(
            interfaces=(virtio_nic("ua-backup0", teaming=persistent()),
                        hostdev_iface("0000:03:07.1", ref="ua-backup0")),
            hostdevs=(plain_hostdev("0000:03:07.2", ref="ua-backup0"),),
        )
        vfio = [t for t in argv(domain) if '"vfio-pci"' in t]
        assert ['"bus":"pci.3"' in vfio[0], '"bus":"pci.4"' in vfio[1]] == [True, True]


class TestIds:
    def test_automatic_aliases_and_host_prefix(self) -> None:
        # §2.3: netN for NICs, hostdevN for hostdev-backed interfaces and plain hostdevs, netdev id host<alias>
        domain = pc_domain(
            interfaces=(virtio_nic(None), hostdev_iface("0000:03:07.1", ref="net0"),
                        virtio_nic(None, mac="52:54:00:00:00:02")),
            hostdevs=(plain_hostdev("0000:03:07.2"),),
        )
        result = render_argv(domain)
        assert [(o.role, o.id) for o in result.options] == [
            ("netdev", "hostnet0"), ("nic", "net0"), ("netdev", "hostnet1"), ("nic", "net1"),
            ("hostdev", "hostdev0"), ("hostdev", "hostdev1"),
        ]
        # §2.3 "works by coincidence": the transient names net0, the NIC's automatic id
        assert result.options[4].props.get("failover_pair_id") == "net0"

    def test_non_ua_alias_is_dropped_but_the_reference_stays(self) -> None:
        # §2.3: <alias name='backup0'/> → virtio id net0, but failover_pair_id "backup0"
        nic = virtio_nic(None, teaming=persistent())
        domain = pc_domain(interfaces=(nic, hostdev_iface("0000:03:07.1", ref="backup0")))
        result = render_argv(domain)
        assert result.options[1].id == "net0"
        assert result.options[2].props.get("failover_pair_id") == "backup0"


class TestOrdering:
    def test_nic_pairs_first_then_hostdevs_interface_copies_plain_then_pooled(self) -> None:
        # §3.3 placement; pooled VFs join def->hostdevs only when the domain starts (qemuProcessPrepareDomainNetwork)
        domain = pc_domain(
            interfaces=(network_iface("pool", teaming=transient("ua-a")),
                        virtio_nic("ua-a", teaming=persistent()),
                        hostdev_iface("0000:03:07.1")),
            hostdevs=(plain_hostdev("0000:03:07.2"),),
        )
        result = render_argv(domain, networks=[pool("pool", "0000:04:10.0")])
        assert [(o.role, o.id, o.props.get("host")) for o in result.options] == [
            ("netdev", "hostua-a", None), ("nic", "ua-a", None),
            ("hostdev", "hostdev1", "0000:03:07.1"),
            ("hostdev", "hostdev2", "0000:03:07.2"),
            ("hostdev", "hostdev0", "0000:04:10.0"),
        ]
        # the pooled interface got its slot as an interface (first), before the hostdevs
        assert [o.props.get("addr") for o in result.options if o.role != "netdev"] == ["0x3", "0x4", "0x5", "0x2"]

    def test_pool_hands_out_vfs_in_order(self) -> None:
        domain = pc_domain(interfaces=(network_iface("pool"), network_iface("pool"), network_iface("pool")))
        result = render_argv(domain, networks=[pool("pool", "0000:04:10.0", "0000:04:10.1")])
        assert result.error == ("internal error: network 'pool' requires exclusive access to interfaces, but none "
                                "are available")
        result = render_argv(pc_domain(interfaces=domain.interfaces[:2]),
                             networks=[pool("pool", "0000:04:10.0", "0000:04:10.1")])
        assert [o.props.get("host") for o in result.options] == ["0000:04:10.0", "0000:04:10.1"]

    def test_controllers_first_when_asked(self) -> None:
        domain = q35_domain(interfaces=(virtio_nic("ua-a", teaming=persistent()),))
        result = render_argv(domain, include_controllers=True)
        roles = [o.role for o in result.options]
        assert roles == ["controller"] * roles.count("controller") + ["netdev", "nic"]
        assert result.options[0].arg == ('{"driver":"pcie-root-port","port":8,"chassis":1,"id":"pci.1",'
                                         '"bus":"pcie.0","multifunction":true,"addr":"0x1"}')


class TestBoot:
    def test_os_boot_network_goes_to_the_first_interface(self) -> None:
        # qemuProcessPrepareDeviceBootorder: bootindex = position of 'network' in <os><boot>
        domain = pc_domain(interfaces=(virtio_nic("ua-a", teaming=persistent()),
                                       hostdev_iface("0000:03:07.1", ref="ua-a")),
                           os_boot=("hd", "network"))
        result = render_argv(domain)
        assert [o.props.get("bootindex") for o in result.options] == [None, 2, None]

    def test_os_boot_network_on_a_hostdev_interface(self) -> None:
        domain = pc_domain(interfaces=(hostdev_iface("0000:03:07.1"),), os_boot=("network",))
        assert render_argv(domain).options[0].props.get("bootindex") == 1

    def test_per_device_boot_order(self) -> None:
        domain = pc_domain(interfaces=(virtio_nic("ua-a", boot=Boot(1)),),
                           hostdevs=(plain_hostdev("0000:03:07.1", ref="ua-a", boot=Boot(2), rom=Rom(bar="off")),))
        vfio = render_argv(domain).options[-1]
        assert vfio.arg == ('{"driver":"vfio-pci","host":"0000:03:07.1","id":"hostdev0","bootindex":2,'
                            '"failover_pair_id":"ua-a","bus":"pci.0","addr":"0x3","rombar":0}')


class TestHostFacts:
    def test_ethernet_and_bridge_fds_and_vhost(self) -> None:
        domain = pc_domain(interfaces=(virtio_nic("ua-a", kind="ethernet"), virtio_nic("ua-b", kind="bridge"),
                                       virtio_nic("ua-c", kind="bridge", model="e1000")))
        netdevs = [o.arg for o in render_argv(domain).options if o.role == "netdev"]
        assert netdevs == ['{"type":"tap","fd":"3","vhost":true,"vhostfd":"44","id":"hostua-a"}',
                           '{"type":"tap","fd":"102","vhost":true,"vhostfd":"44","id":"hostua-b"}',
                           '{"type":"tap","fd":"102","id":"hostua-c"}']

    def test_multiqueue(self) -> None:
        domain = pc_domain(interfaces=(virtio_nic("ua-a", kind="bridge", driver=InterfaceDriver(queues=2)),))
        assert render_argv(domain).options[0].arg == (
            '{"type":"tap","fds":"102:103","vhost":true,"vhostfds":"44:45","id":"hostua-a"}')

    def test_real_vhost_rules(self) -> None:
        facts = HostFacts(harness_vhost=False)
        qemu_domain = pc_domain(interfaces=(virtio_nic("ua-a", kind="bridge"),))
        kvm_domain = pc_domain(interfaces=(virtio_nic("ua-a", kind="bridge"),), domain_type="kvm")
        assert '"vhost"' not in render_argv(qemu_domain, host=facts).options[0].arg
        assert '"vhost":true' in render_argv(kvm_domain, host=facts).options[0].arg

    def test_generated_mac_is_flagged(self) -> None:
        result = render_argv(pc_domain(interfaces=(virtio_nic("ua-a", mac=None),)))  # type: ignore[arg-type]
        assert result.options[1].props.get("mac") == "52:54:00:00:00:00"
        assert any("no <mac>" in w for w in result.warnings)


class TestRefusals:
    def test_failover_needs_qemu_4_2(self) -> None:
        result = render_argv(upstream_teaming(), qemu=QemuVersion(4, 1))
        assert result.error == ("unsupported configuration: virtio-net failover (teaming) is not supported with "
                                "this QEMU binary")
        assert result.argv == ()

    def test_transient_on_a_bridge_network(self) -> None:
        # libvirt-teaming.md §2.4: parse OK, argv build fails
        domain = pc_domain(interfaces=(virtio_nic("ua-backup0", teaming=persistent()),
                                       network_iface("default", teaming=transient("ua-backup0"))))
        result = render_argv(domain, networks=[Network(name="default", forward_mode="nat")])
        assert result.error == ("unsupported configuration: interface 00:11:22:33:44:55 - teaming transient device "
                                "must be type='hostdev', not 'network'")

    def test_unknown_network_is_a_warning(self) -> None:
        result = render_argv(pc_domain(interfaces=(network_iface("nowhere"),)))
        assert result.ok and any("network 'nowhere' is not known" in w for w in result.warnings)


class TestText:
    def test_shell_quoting_like_virBufferEscapeShell(self) -> None:
        assert shell_quote("user,id=hostnet0") == "user,id=hostnet0"
        assert shell_quote('{"a":1}') == "'{\"a\":1}'"
        assert shell_quote("it's") == "'it'\\''s'"
        assert shell_quote("") == "''"

    def test_one_option_per_line(self) -> None:
        result: ArgvResult = render_argv(upstream_teaming(), qemu=QemuVersion(6, 2))
        lines = result.text().splitlines()
        assert lines[0] == "-netdev user,id=hostua-backup0 \\"
        assert lines[-1] == ("-device vfio-pci,host=0000:03:07.2,id=hostdev1,failover_pair_id=ua-backup1,"
                             "bus=pci.0,addr=0x5")
        assert shlex.split(result.text().replace("\\\n", " ")) == list(result.argv)

    @pytest.mark.parametrize("qemu", ["6.2", "7.0", "latest"])
    def test_text_round_trips(self, qemu: str) -> None:
        result = render_argv(upstream_teaming(), qemu=QemuVersion.parse(qemu))
        assert shlex.split(result.text().replace("\\\n", " ")) == list(result.argv)
        assert format_args([]) == ""


class TestPfPools:
    def test_vfs_of_a_pf_come_from_host_facts(self) -> None:
        net = Network(name="pfpool", forward_mode="hostdev", pf_devs=("eth0",))
        domain = pc_domain(interfaces=(network_iface("pfpool"), network_iface("pfpool")))
        facts = HostFacts(pf_vfs={"eth0": ("0000:05:10.0", "0000:05:10.2")})
        result = render_argv(domain, networks=[net], host=facts)
        assert [o.props.get("host") for o in result.options] == ["0000:05:10.0", "0000:05:10.2"]

    def test_unknown_vfs_are_a_flagged_placeholder(self) -> None:
        net = Network(name="pfpool", forward_mode="hostdev", pf_devs=("eth0",))
        result = render_argv(pc_domain(interfaces=(network_iface("pfpool"),)), networks=[net])
        assert result.options[0].props.get("host") == "0000:00:00.0"
        assert any("placeholder" in w for w in result.warnings)
