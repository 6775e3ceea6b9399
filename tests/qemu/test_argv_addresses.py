"""render_argv for a NIC with a USB address, which the differential run against libvirt 9.0 found.

The expected token is the one Debian 12's libvirt 9.0.0 wrote for this NIC under the oracle of
``tests/oracle/`` (``virsh start --paused``, argv read from the domain log).
"""

from __future__ import annotations

from teamkit.libvirt.parse import parse_domain_string
from teamkit.qemu.argv import render_argv
from teamkit.qemu.devices import HostFacts
from teamkit.qemu.version import QemuVersion
from tests.xmlbuild import PERSISTENT, TRANSIENT_HOSTDEV_IFACE, domain_xml

__all__: list[str] = []

FACTS = HostFacts(harness_vhost=False, conventional_pci=frozenset())


def _devices(xml: str) -> list[str]:
    result = render_argv(parse_domain_string(xml), qemu=QemuVersion.parse("7.2"), host=FACTS, libvirt=(9, 0))
    assert result.error is None
    return [o.arg for o in result.options if o.option == "-device"]


def test_rtl8139_with_a_usb_address_gets_the_usb_bus_and_an_empty_port() -> None:
    nic = ("<interface type='user'><mac address='52:54:00:00:00:09'/><model type='rtl8139'/>"
           "<address type='usb'/></interface>")
    devices = _devices(domain_xml(PERSISTENT, nic, TRANSIENT_HOSTDEV_IFACE, machine="pc"))
    assert devices[1] == ('{"driver":"rtl8139","netdev":"hostnet0","id":"net0","mac":"52:54:00:00:00:09",'
                          '"bus":"usb.0","port":""}')

