"""PCI placement where libvirt 9.0 and 11.3 differ, and PCI assignment errors as entries of the message table."""

from __future__ import annotations

import pytest

from teamkit.libvirt.check import check_domain
from teamkit.libvirt.messages import MESSAGES
from teamkit.libvirt.parse import parse_domain_string
from teamkit.libvirt.pci import PciAddressError, assign_pci_addresses
from tests.xmlbuild import PERSISTENT, TRANSIENT_HOSTDEV_IFACE, domain_xml

__all__: list[str] = []

GAP = domain_xml("<controller type='pci' index='3' model='pcie-root-port'/>", PERSISTENT, TRANSIENT_HOSTDEV_IFACE)


def _ports(libvirt: tuple[int, int]) -> list[tuple[str, str]]:
    plan = assign_pci_addresses(parse_domain_string(GAP), libvirt=libvirt)
    return [(c.alias, c.address.addr_prop()) for c in plan.controllers if c.address is not None]


def test_libvirt_11_3_inserts_added_controllers_in_index_order() -> None:
    assert _ports((11, 3))[:3] == [("pci.1", "0x1"), ("pci.2", "0x1.0x1"), ("pci.3", "0x1.0x2")]


def test_libvirt_9_0_appends_added_controllers() -> None:
    assert _ports((9, 0))[:3] == [("pci.3", "0x1"), ("pci.1", "0x1.0x1"), ("pci.2", "0x1.0x2")]


def test_assignment_errors_come_from_the_message_table() -> None:
    domain = parse_domain_string(domain_xml(
        PERSISTENT.replace("</interface>", "<address type='pci' domain='0x0000' bus='0x00' slot='0x1f' "
                                           "function='0x0'/></interface>")))
    with pytest.raises(PciAddressError) as err:
        assign_pci_addresses(domain)
    assert err.value.code == "pci-address-reused"
    assert err.value.libvirt_message == "XML error: Attempted double use of PCI Address 0000:00:1f.0"
    assert MESSAGES["pci-address-reused-internal"].libvirt_text(address="x") == (
        "internal error: Attempted double use of PCI Address x")
    first = next(f for f in check_domain(domain) if f.is_error)
    assert (first.code, first.stage) == ("pci-address-reused", "define")
