"""Parsing the guest's serial console: ``/init``'s lines and the kernel's milestones (lines as the lab printed them)."""

from __future__ import annotations

import pytest

from teamkit.lab.console import KernelLine, LabLine, NetLine, PingReply, kernel_milestone, parse_line

NET = ("NET 11.93 eth0[virtio_net,52:54:00:12:34:56,up,lowers=eth1+eth2,rx=45,tx=63] "
       "eth1[virtio_net,52:54:00:12:34:56,up,master=eth0,rx=2,tx=9] "
       "eth2[vmxnet3,52:54:00:12:34:56,up,master=eth0,rx=43,tx=54] active=eth2")


class TestInitLines:
    def test_net_line_roles(self) -> None:
        net = parse_line(NET)
        assert isinstance(net, NetLine)
        assert net.uptime == 11.93 and net.active == "eth2"
        assert net.master is not None and net.master.lowers == ("eth1", "eth2")
        assert net.standby is not None and net.standby.name == "eth1"
        assert net.primary is not None and (net.primary.name, net.primary.driver, net.primary.tx) == ("eth2",
                                                                                                       "vmxnet3", 54)
        assert net.signature() == "master eth0(up), standby eth1(up), primary eth2(vmxnet3,up), active eth2"

    def test_net_line_after_the_unplug(self) -> None:
        net = parse_line("NET 20.1 eth0[virtio_net,52:54:00:12:34:56,up,lowers=eth1,rx=5,tx=7] "
                         "eth1[virtio_net,52:54:00:12:34:56,up,master=eth0,rx=5,tx=7] active=eth1")
        assert isinstance(net, NetLine)
        assert net.primary is None and net.signature().endswith("primary -, active eth1")

    def test_net_line_without_a_netdev(self) -> None:
        net = parse_line("NET 8.40 (no netdev) active=-")
        assert isinstance(net, NetLine)
        assert net.netdevs == () and net.active is None and net.signature() == "(no netdev)"

    def test_net_line_without_a_master(self) -> None:
        net = parse_line("NET 3.0 eth0[virtio_net,52:54:00:12:34:56,up,rx=1,tx=2] active=-")
        assert isinstance(net, NetLine)
        assert net.master is None and net.signature().endswith("(no failover master)")

    def test_ping(self) -> None:
        reply = parse_line("PING 6.00 64 bytes from 10.0.2.2: seq=0 ttl=255 time=8.362 ms")
        assert reply == PingReply(6.0, 0, 8.362)
        assert parse_line("PING 5.99 PING 10.0.2.2 (10.0.2.2): 56 data bytes") is None

    def test_lab(self) -> None:
        assert parse_line("LAB 5.96 READY master=eth0\r") == LabLine(5.96, "READY master=eth0")
        assert parse_line("LAB 5.97 BLOCKED gpe01 (mask):1         enabled      masked") == LabLine(
            5.97, "BLOCKED gpe01 (mask):1         enabled      masked")

    def test_kernel(self) -> None:
        line = parse_line("[    2.149555] Run /init as init process")
        assert line == KernelLine(2.149555, "Run /init as init process")

    @pytest.mark.parametrize("text", ["", "garbage", "NETWORK", "[ x] nope", "LAB x READY"])
    def test_other_lines(self, text: str) -> None:
        assert parse_line(text) is None


@pytest.mark.parametrize("message, milestone", [
    ("virtio_net virtio0 eth0: failover master:eth0 registered", "master-registered"),
    ("virtio_net virtio0 eth0: failover standby slave:eth1 registered", "standby-registered"),
    ("virtio_net virtio0 eth0: failover primary slave:eth2 registered", "primary-registered"),
    ("virtio_net virtio0 eth0: failover primary slave:eth2 unregistered", "primary-unregistered"),
    ("pci 0000:02:00.0: [8086:10d3] type 00 class 0x020000", "primary-enumerated"),
    ("pci 0000:02:00.0: [15ad:07b0] type 00 class 0x020000", "primary-enumerated"),
    ("e1000e 0000:02:00.0 eth2: NIC Link is Up 1000 Mbps Full Duplex, Flow Control: Rx/Tx", "primary-link-up"),
    ("vmxnet3 0000:02:00.0 eth2: NIC Link is Up 1000 Mbps", "primary-link-up"),
    ("e1000e 0000:02:00.0 eth2: NIC Link is Down", "primary-link-down"),
    ("pcieport 0000:00:02.0: pciehp: Slot(0-1): Attention button pressed", "attention-button"),
    ("Run /init as init process", "run-init"),
    ("pcieport 0000:00:02.0: pciehp: Slot(0-1): Powering off due to button press", None),
    ("pci 0000:02:00.0: BAR 0 [mem 0x00000000-0x0001ffff]", None),
    ("e1000e 0000:02:00.0 0000:02:00.0 (uninitialized): registered PHC clock", None),
])
def test_kernel_milestones(message: str, milestone: str | None) -> None:
    assert kernel_milestone(message) == milestone
