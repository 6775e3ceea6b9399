"""libvirt's verdicts for teaming configurations, as documented in libvirt-teaming.md §2.4 (libvirt 11.3 runs)."""

from __future__ import annotations

import pytest

from teamkit.libvirt.check import check_domain
from teamkit.libvirt.parse import parse_domain_string, parse_network_string
from teamkit.libvirt.validate import libvirt_errors
from tests.xmlbuild import PERSISTENT, TRANSIENT_HOSTDEV_IFACE, TRANSIENT_PLAIN_HOSTDEV, domain_xml


def first_error(xml: str, **kw: object) -> str | None:
    errors = libvirt_errors(parse_domain_string(xml), **kw)  # type: ignore[arg-type]
    return errors[0].libvirt_message if errors else None


def persistent(teaming: str = "<teaming type='persistent'/>", model: str = "virtio", extra: str = "") -> str:
    return f"""<interface type='user'><mac address='00:11:22:33:44:55'/><model type='{model}'/>{teaming}
      <alias name='ua-backup0'/>{extra}</interface>"""


CU = "unsupported configuration: "


@pytest.mark.parametrize(
    ("devices", "expected"),
    [
        ((persistent("<teaming type='foo'/>"),), CU + "unknown teaming type 'foo'"),
        ((persistent("<teaming type='none'/>"),), CU + "unknown teaming type 'none'"),
        ((persistent("<teaming persistent='ua-x'/>"),), CU + "unknown teaming type '(null)'"),
        ((persistent("<teaming/>"),), None),
        ((persistent("<teaming type='Persistent'/>"),), CU + "unknown teaming type 'Persistent'"),
        ((PERSISTENT, TRANSIENT_HOSTDEV_IFACE.replace(" persistent='ua-backup0'", "")),
         CU + "teaming persistent attribute must be set if teaming type is 'transient'"),
        ((persistent("<teaming type='persistent' persistent='ua-x'/>"),),
         CU + "teaming persistent attribute not allowed if teaming type is 'persistent'"),
        ((persistent(model="e1000"), TRANSIENT_HOSTDEV_IFACE),
         CU + "virtio-net teaming persistent interface must be <model type='virtio'/>, not 'e1000'"),
        ((TRANSIENT_HOSTDEV_IFACE.replace("transient' persistent='ua-backup0'", "persistent'"),),
         CU + "virtio-net teaming persistent interface must be <model type='virtio'/>, not '(null)'"),
        ((PERSISTENT, "<interface type='user'><teaming type='transient' persistent='ua-backup0'/></interface>"),
         CU + "virtio-net teaming transient interface must be type='hostdev', not 'user'"),
        ((PERSISTENT, "<interface type='bridge'><source bridge='br0'/>"
                      "<teaming type='transient' persistent='ua-backup0'/></interface>"),
         CU + "virtio-net teaming transient interface must be type='hostdev', not 'bridge'"),
        ((PERSISTENT, TRANSIENT_PLAIN_HOSTDEV.replace("type='transient' persistent='ua-backup0'", "type='persistent'")),
         CU + "teaming hostdev devices must have type='transient'"),
        ((PERSISTENT, TRANSIENT_PLAIN_HOSTDEV.replace(" persistent='ua-backup0'", "")),
         CU + "missing required persistent attribute in hostdev teaming element"),
        ((PERSISTENT, """<hostdev mode='subsystem' type='usb'><source><vendor id='0x1234'/><product id='0xbeef'/>
            </source><teaming type='transient' persistent='ua-backup0'/></hostdev>"""),
         CU + "teaming is only supported for pci hostdev devices"),
        ((PERSISTENT, TRANSIENT_PLAIN_HOSTDEV.replace("</hostdev>", "<alias name='ua-backup0'/></hostdev>")),
         CU + "non unique alias detected: ua-backup0"),
        ((persistent(model="virtio-transitional"), TRANSIENT_HOSTDEV_IFACE), None),
        ((PERSISTENT, TRANSIENT_HOSTDEV_IFACE), None),
        ((PERSISTENT, TRANSIENT_PLAIN_HOSTDEV), None),
    ],
)
def test_first_error_is_libvirts(devices: tuple[str, ...], expected: str | None) -> None:
    assert first_error(domain_xml(*devices)) == expected


def test_transient_network_resolving_to_bridge_fails_at_start() -> None:
    net = parse_network_string("<network><name>br</name><forward mode='bridge'/><bridge name='br0'/></network>")
    xml = domain_xml(PERSISTENT, """<interface type='network'><mac address='00:11:22:33:44:55'/>
        <source network='br'/><teaming type='transient' persistent='ua-backup0'/></interface>""")
    errors = libvirt_errors(parse_domain_string(xml), networks={"br": net})
    assert [(e.stage, e.libvirt_message) for e in errors] == [
        ("start", CU + "interface 00:11:22:33:44:55 - teaming transient device must be type='hostdev', not 'bridge'")
    ]


def test_below_qemu_4_2_libvirt_gave_its_capability_error() -> None:
    xml = domain_xml(PERSISTENT, TRANSIENT_HOSTDEV_IFACE)
    expected = CU + "virtio-net failover (teaming) is not supported with this QEMU binary"
    assert first_error(xml, qemu=(4, 1, 0)) == expected
    assert first_error(xml, qemu=(4, 2, 0)) is None


def test_parse_errors_come_before_validation_errors() -> None:
    xml = domain_xml(persistent(model="e1000"), persistent("<teaming type='bogus'/>").replace("backup0", "b1"))
    errors = libvirt_errors(parse_domain_string(xml))
    assert [e.stage for e in errors] == ["parse", "define"]
    assert errors[0].libvirt_message == CU + "unknown teaming type 'bogus'"


def test_findings_carry_line_and_xpath() -> None:
    xml = domain_xml(persistent("<teaming type='foo'/>"))
    (finding,) = libvirt_errors(parse_domain_string(xml))
    assert finding.line == xml.splitlines().index(next(li for li in xml.splitlines() if "teaming" in li)) + 1
    assert finding.xpath == "/domain/devices/interface/teaming"
    assert finding.hint


@pytest.mark.parametrize(
    ("devices", "machine", "features", "code"),
    [
        ((PERSISTENT, TRANSIENT_HOSTDEV_IFACE.replace("ua-backup0", "ua-nosuch")), "q35", "<acpi/>", "pair-dangling"),
        ((PERSISTENT.replace("ua-backup0", "backup0"), TRANSIENT_HOSTDEV_IFACE.replace("ua-backup0", "backup0")),
         "q35", "<acpi/>", "alias-dropped"),
        ((PERSISTENT.replace("ua-backup0", "ua-back.up0"),
          TRANSIENT_HOSTDEV_IFACE.replace("ua-backup0", "ua-back.up0")),
         "q35", "<acpi/>", "alias-dropped"),
        ((PERSISTENT, TRANSIENT_HOSTDEV_IFACE.replace("00:11:22:33:44:55", "00:11:22:33:44:66")), "q35", "<acpi/>",
         "mac-mismatch"),
        ((PERSISTENT, TRANSIENT_HOSTDEV_IFACE, TRANSIENT_PLAIN_HOSTDEV.replace("function='0x1'", "function='0x2'")),
         "q35", "<acpi/>", "primary-duplicate"),
        ((PERSISTENT, TRANSIENT_HOSTDEV_IFACE), "pc", "", "primary-bus-no-hotplug"),
        ((PERSISTENT, TRANSIENT_HOSTDEV_IFACE), "pc", "<acpi/>", "primary-not-pcie"),
        ((PERSISTENT.replace("</interface>", "<link state='down'/></interface>"), TRANSIENT_HOSTDEV_IFACE), "q35",
         "<acpi/>", "persistent-link-down"),
        ((PERSISTENT, TRANSIENT_PLAIN_HOSTDEV), "q35", "<acpi/>", "vf-mac-admin"),
    ],
)
def test_advisories_are_warnings_libvirt_accepts(devices: tuple[str, ...], machine: str, features: str,
                                                 code: str) -> None:
    findings = check_domain(parse_domain_string(domain_xml(*devices, machine=machine, features=features)))
    assert not [f for f in findings if f.is_error]
    assert code in {f.code for f in findings}


def test_good_q35_pair_has_no_warnings() -> None:
    findings = check_domain(parse_domain_string(domain_xml(PERSISTENT, TRANSIENT_HOSTDEV_IFACE)))
    assert [f.code for f in findings] == ["guest-requirements"]
