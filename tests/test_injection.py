"""Argument injection: values from the XML cannot add, drop or change a QEMU property, nor a shell word.

Every text that reaches the QEMU command line from a domain (``<rom file>``, ``<teaming persistent>``) may hold
``,``, ``=``, quotes, newlines and JSON metacharacters. Read back with QEMU's own rules (legacy ``key=value`` with
``,,`` for a comma; JSON; POSIX shell words), the arguments give exactly the properties teamkit built and nothing
more. Texts that libvirt refuses or drops (MACs it cannot parse, aliases that are not user aliases, malformed PCI
addresses, model names with other characters) never reach the command line, and teamkit says what libvirt says.
Names that the command line never carries (bridge, tap device, network) cannot change it.
"""

from __future__ import annotations

import json
import re
import subprocess
from typing import Final

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import etree

from teamkit.libvirt.check import check_domain
from teamkit.libvirt.parse import parse_domain_string
from teamkit.model import Domain, Network, is_user_alias
from teamkit.qemu import LATEST, ArgvResult, QemuVersion, render_argv, shell_quote
from teamkit.qemu.devices import NIC_KEYS, TAP_NETDEV_KEYS, VFIO_PCI_KEYS
from teamkit.qemu.props import Props, PropValue
from tests.qemuopts import parse_legacy_option, sh_words
from tests.strategies import meta_text, xml_text

__all__: list[str] = []

QEMUS: Final = (QemuVersion(6, 2), QemuVersion(7, 0), LATEST)
NETWORKS: Final = {"default": Network(name="default", forward_mode="nat", bridge="virbr0")}
SETTINGS: Final = settings(max_examples=150, deadline=None, derandomize=True,
                           suppress_health_check=(HealthCheck.too_slow,))

#: any text an XML attribute can carry, dense in what QEMU, JSON and the shell treat specially
values = st.one_of(meta_text(24), xml_text(24), st.sampled_from((
    ",", ",,", "a,id=evil", "x,", ",x", "=", "a=b", "'", '"', "\\", "\n", "}", '{"driver":"evil"}', "$(reboot)",
    "`id`", "a b", "-device", "", " ", "\t", "\r\n", "é,ü", "\u2028",
)))


def _legacy(value: PropValue) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def _read_back(option: str, arg: str) -> list[tuple[str, PropValue | str]]:
    """The properties QEMU reads from one option argument (legacy values as QEMU sees them: text)."""
    if arg.startswith("{"):
        decoded = json.loads(arg)
        assert isinstance(decoded, dict)
        return list(decoded.items())
    lead, pairs = parse_legacy_option(arg)
    return [("type" if option == "-netdev" else "driver", lead), *pairs]


def _expected(option: str, props: Props, json_form: bool) -> list[tuple[str, PropValue | str]]:
    if json_form:
        return list(props.items)
    lead_key = "type" if option == "-netdev" else "driver"
    lead = [(k, _legacy(v)) for k, v in props.items if k == lead_key]
    return lead + [(k, _legacy(v)) for k, v in props.items if k != lead_key]


# -- one option ----------------------------------------------------------------------------------------------------


class TestOneOption:
    """``Props.to_legacy``/``to_json`` on any values of the real property keys."""

    @SETTINGS
    @given(st.sampled_from(("virtio-net-pci", "vfio-pci", "e1000")),
           st.lists(st.tuples(st.sampled_from(NIC_KEYS[1:] + VFIO_PCI_KEYS[1:]), st.one_of(values, st.booleans(),
                                                                                          st.integers(0, 2**32))),
                    max_size=8, unique_by=lambda kv: kv[0]))
    @example("vfio-pci", [("romfile", "a,,b,"), ("failover_pair_id", ",id=evil,")])
    def test_legacy_reads_back_exactly(self, driver: str, items: list[tuple[str, PropValue]]) -> None:
        props = Props((("driver", driver), *items))
        lead, pairs = parse_legacy_option(props.to_legacy("driver"))
        assert lead == driver
        assert pairs == [(k, _legacy(v)) for k, v in items]

    @SETTINGS
    @given(st.lists(st.tuples(st.sampled_from(TAP_NETDEV_KEYS[1:]), values), max_size=6, unique_by=lambda kv: kv[0]))
    def test_json_reads_back_exactly(self, items: list[tuple[str, PropValue]]) -> None:
        props = Props((("type", "tap"), *items))
        text = props.to_json()
        assert list(json.loads(text).items()) == [("type", "tap"), *items]
        assert "\n" not in text and "\r" not in text

    def test_commas_are_doubled_as_libvirt_does(self) -> None:
        # virQEMUBuildBufferEscapeComma: only ',' is escaped, by doubling it; '=' and quotes are left alone
        props = Props((("driver", "vfio-pci"), ("romfile", "/a,b=c'd\"e")))
        assert props.to_legacy("driver") == "vfio-pci,romfile=/a,,b=c'd\"e"

    def test_reader_splits_on_single_commas_only(self) -> None:
        # the reader itself: a value ending in a comma followed by another key
        assert parse_legacy_option("vfio-pci,romfile=a,,,id=x") == ("vfio-pci", [("romfile", "a,"), ("id", "x")])
        with pytest.raises(ValueError, match="has no '='"):
            parse_legacy_option("vfio-pci,failover")


# -- whole domains ---------------------------------------------------------------------------------------------------


def pair_domain(*, romfile: str | None = None, persistent: str = "ua-backup0", alias: str = "ua-backup0",
                mac: str = "00:11:22:33:44:55", bridge: str = "br0", ifname: str | None = None,
                network: str = "default", slot: str = "0x05", model: str = "virtio", name: str = "inject") -> str:
    """A q35 failover pair (a bridge virtio NIC and a VF) plus a NIC on a network, with the given texts."""
    root = etree.Element("domain", type="qemu")
    etree.SubElement(root, "name").text = name
    etree.SubElement(root, "memory", unit="MiB").text = "128"
    os_el = etree.SubElement(root, "os")
    etree.SubElement(os_el, "type", arch="x86_64", machine="q35").text = "hvm"
    devices = etree.SubElement(root, "devices")
    nic = etree.SubElement(devices, "interface", type="bridge")
    etree.SubElement(nic, "mac", address=mac)
    etree.SubElement(nic, "source", bridge=bridge)
    if ifname is not None:
        etree.SubElement(nic, "target", dev=ifname)
    etree.SubElement(nic, "model", type=model)
    etree.SubElement(nic, "teaming", type="persistent")
    etree.SubElement(nic, "alias", name=alias)
    if romfile is not None:
        etree.SubElement(nic, "rom", file=romfile)
    vf = etree.SubElement(devices, "interface", type="hostdev", managed="yes")
    etree.SubElement(vf, "mac", address="00:11:22:33:44:55")
    source = etree.SubElement(vf, "source")
    etree.SubElement(source, "address", type="pci", domain="0x0000", bus="0x03", slot="0x07", function="0x1")
    etree.SubElement(vf, "teaming", type="transient", persistent=persistent)
    if romfile is not None:
        etree.SubElement(vf, "rom", bar="off", file=romfile)
    etree.SubElement(vf, "address", type="pci", domain="0x0000", bus="0x00", slot=slot, function="0x0")
    other = etree.SubElement(devices, "interface", type="network")
    etree.SubElement(other, "source", network=network)
    etree.SubElement(other, "model", type="e1000e")
    return etree.tostring(root, encoding="unicode")


def _parse(xml: str) -> Domain:
    return parse_domain_string(xml)


def _first_error(domain: Domain) -> str | None:
    errors = [f for f in check_domain(domain, networks=NETWORKS) if f.is_error]
    return errors[0].libvirt_message if errors else None


def _render(domain: Domain, qemu: QemuVersion) -> ArgvResult:
    result = render_argv(domain, networks=NETWORKS, qemu=qemu)
    assert result.ok, result.error
    return result


def _prop(result: ArgvResult, driver: str, key: str) -> PropValue | None:
    return next(o.props.get(key) for o in result.options if o.props.get("driver") == driver)


class TestRenderedArguments:
    """Values written in the XML, through ``render_argv``, read back by QEMU's rules."""

    @SETTINGS
    @given(romfile=values, persistent=values.filter(lambda v: v.strip(" \t\n\r") != ""), qemu=st.sampled_from(QEMUS))
    @example(romfile="/x,id=evil,bus=pcie.0", persistent="ua-backup0,host=0000:00:00.0", qemu=QEMUS[0])
    @example(romfile='a","id":"evil', persistent='"},{"driver":"evil', qemu=LATEST)
    def test_every_option_reads_back_as_its_properties(self, romfile: str, persistent: str,
                                                       qemu: QemuVersion) -> None:
        domain = _parse(pair_domain(romfile=romfile, persistent=persistent))
        result = _render(domain, qemu)
        for opt in result.options:
            json_form = qemu.netdev_json if opt.option == "-netdev" else qemu.device_json
            assert opt.arg.startswith("{") == json_form
            assert _read_back(opt.option, opt.arg) == _expected(opt.option, opt.props, json_form)
        # and the properties are the XML's texts, unchanged, once each
        assert _prop(result, "vfio-pci", "romfile") == romfile
        assert _prop(result, "vfio-pci", "failover_pair_id") == persistent
        assert _prop(result, "virtio-net-pci", "romfile") == romfile
        assert [o.option for o in result.options] == ["-netdev", "-device", "-netdev", "-device", "-device"]

    @SETTINGS
    @given(romfile=values, persistent=values.filter(lambda v: v.strip(" \t\n\r") != ""), qemu=st.sampled_from(QEMUS))
    @example(romfile="a\nb", persistent="ua-backup0", qemu=QEMUS[0])
    @example(romfile="a\tb\rc", persistent="x y", qemu=QEMUS[1])
    def test_text_form_splits_into_the_argv(self, romfile: str, persistent: str, qemu: QemuVersion) -> None:
        result = _render(_parse(pair_domain(romfile=romfile, persistent=persistent)), qemu)
        assert sh_words(result.text()) == list(result.argv)

    @settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=(HealthCheck.too_slow,))
    @given(romfile=values, qemu=st.sampled_from(QEMUS))
    @example(romfile="'; touch teamkit-pwned; '", qemu=QEMUS[0])
    @example(romfile="$(id)`id`\\\n\"'\\''", qemu=LATEST)
    def test_a_real_shell_gives_back_the_argv(self, romfile: str, qemu: QemuVersion) -> None:
        result = _render(_parse(pair_domain(romfile=romfile, persistent=romfile or "x")), qemu)
        out = subprocess.run(["sh", "-c", "printf '%s\\000' " + result.text()], capture_output=True, check=True,
                             env={"PATH": "/usr/bin:/bin", "LC_ALL": "C"})
        assert out.stdout.decode("utf-8").split("\0")[:-1] == list(result.argv)

    @SETTINGS
    @given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\0"),
                   max_size=12))
    @example("")
    @example("-netdev")
    @example("'")
    def test_shell_quote_round_trips_alone(self, arg: str) -> None:
        assert sh_words(shell_quote(arg)) == [arg]

    @SETTINGS
    @given(bridge=values, ifname=values, network=values)
    def test_names_the_command_line_never_carries_change_nothing(self, bridge: str, ifname: str,
                                                                  network: str) -> None:
        # libvirt hands QEMU tap file descriptors: bridge, tap device and network names stay on the host side
        plain = _render(_parse(pair_domain()), LATEST).argv
        odd = render_argv(_parse(pair_domain(bridge=bridge, ifname=ifname, network=network)), networks=NETWORKS)
        assert odd.error is None
        assert odd.argv == plain


#: verdicts of Debian's libvirt 9.0 (``virsh define``, embedded driver) on ``pair_domain(mac=…)``;
#: ``test_mac_verdicts_are_libvirts`` asks the live libvirt again where it is installed
MAC_VERDICTS: Final = [
    ("00:11:22:33:44:55", True),
    ("0:1:2:3:4:5", True),
    ("00:11:22:33:44:55 x", True),           # anything from a blank on is ignored
    ("00:11:22:33:44:55\t", True),
    ("00:11:22:33:44:55\u00e9", True),      # a non-ASCII byte is a negative char, which is "<= ' '"
    ("00:11:22:33:44:5\u00e9", True),
    ("00:11:22:33:44:55x", False),
    ("00:11:22:33:44:55,id=evil", False),
    ("00:11:22:33:44", False),
    ("000:11:22:33:44:55", False),
    (" 00:11:22:33:44:55", False),
    ("", False),
]


class TestWhatLibvirtRefusesOrDrops:
    """Texts libvirt refuses never reach the command line, and teamkit gives libvirt's message."""

    @pytest.mark.parametrize(("text", "accepted"), MAC_VERDICTS)
    def test_mac_verdicts_match_libvirt(self, text: str, accepted: bool) -> None:
        error = _first_error(_parse(pair_domain(mac=text)))
        if accepted:
            assert error is None
        else:
            assert error == f"XML error: unable to parse mac address '{text}'"

    @SETTINGS
    @given(st.one_of(values, st.builds(lambda a, b: a + b, st.sampled_from(("00:11:22:33:44:55", "2:4:6:8:a:b")),
                                       values)))
    def test_a_mac_is_refused_or_written_canonically(self, text: str) -> None:
        domain = _parse(pair_domain(mac=text))
        error = _first_error(domain)
        if error is not None:
            assert error in (f"XML error: unable to parse mac address '{text}'",
                             f"XML error: expected unicast mac address, found multicast '{text}'")
            return
        for qemu in QEMUS:
            mac = _prop(_render(domain, qemu), "virtio-net-pci", "mac")
            assert isinstance(mac, str) and re.fullmatch(r"([0-9a-f]{2}:){5}[0-9a-f]{2}", mac)
            written = re.match(r"([0-9a-fA-F]{1,2}):" * 5 + r"([0-9a-fA-F]{1,2})", text)
            assert written is not None
            assert [int(o, 16) for o in written.groups()] == [int(o, 16) for o in mac.split(":")]

    @SETTINGS
    @given(st.one_of(values, st.builds(lambda b: "ua-" + b, values)))
    @example("ua-backup0,id=evil")
    @example("ua-x y")
    @example("ua-")
    def test_an_alias_is_kept_as_the_id_or_dropped(self, alias: str) -> None:
        domain = _parse(pair_domain(alias=alias, persistent="ua-backup0"))
        nic = domain.interfaces[0]
        kept = alias.startswith("ua-") and re.fullmatch(r"[A-Za-z0-9_-]*", alias[3:]) is not None
        assert is_user_alias(alias) == kept
        assert nic.alias == (alias if kept else None)
        findings = check_domain(domain, networks=NETWORKS)
        assert not [f for f in findings if f.is_error and "alias" in f.code]
        result = _render(domain, LATEST)
        dev_id = _prop(result, "virtio-net-pci", "id")
        if nic.alias is not None:
            assert dev_id == alias
        else:
            # libvirt drops it silently and names the device itself; teamkit says so
            assert dev_id == "net0"
            if alias:
                assert any(f.code == "alias-dropped" and alias in f.message for f in findings)

    @SETTINGS
    @given(st.one_of(values, st.sampled_from(("0x05", "5", "05", "0x1f", "0x20", "-1", "0x", "+3", " 7", "0x5 "))))
    def test_a_pci_slot_is_refused_or_written_as_a_number(self, slot: str) -> None:
        domain = _parse(pair_domain(slot=slot))
        error = _first_error(domain)
        if error is not None:
            assert error.startswith((
                f"XML error: Invalid value for attribute 'slot' in element 'address': '{slot}'. Expected "
                "non-negative integer value",
                "XML error: Invalid PCI address slot=",
                "unsupported configuration: ",
                "XML error: Attempted double use of PCI Address",
                "internal error: ",
            )), error
            return
        addr = _prop(_render(domain, LATEST), "vfio-pci", "addr")
        assert isinstance(addr, str) and re.fullmatch(r"0x[0-9a-f]{1,2}", addr)

    @SETTINGS
    @given(st.one_of(values.filter(bool), st.sampled_from(("ne2k_pci", "my-nic_2", "e1000,id=evil", "x=y"))))
    def test_a_model_name_is_refused_or_a_plain_driver(self, model: str) -> None:
        xml = pair_domain(model=model).replace("<teaming type=\"persistent\"/>", "")
        domain = _parse(xml)
        issue = domain.interfaces[0].issue
        if re.fullmatch(r"[A-Za-z0-9_-]+", model) is None:
            assert issue is not None and issue.code == "net-model-invalid-chars"
            assert _first_error(domain) == "invalid argument: Model name contains invalid characters"
            return
        assert issue is None
        result = render_argv(domain, networks=NETWORKS, qemu=QEMUS[0])
        for opt in result.options:
            lead, _pairs = parse_legacy_option(opt.arg)
            assert lead == opt.props.get("driver" if opt.option == "-device" else "type")


@pytest.mark.libvirt
def test_mac_verdicts_are_libvirts() -> None:
    from tests.oracle.libvirt import judge, unavailable_reason

    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(f"real libvirt oracle unavailable: {reason}")
    xmls = [pair_domain(mac=text, name=f"inject-mac{i}") for i, (text, _ok) in enumerate(MAC_VERDICTS)]
    verdicts = judge(xmls, jobs=1)
    assert [(text, v.ok, v.error) for (text, _ok), v in zip(MAC_VERDICTS, verdicts, strict=True)] == [
        (text, ok, None if ok else f"XML error: unable to parse mac address '{text}'") for text, ok in MAC_VERDICTS]
