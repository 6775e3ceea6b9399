"""Property lists and libvirt's two syntaxes: compact JSON (json-c) and legacy key=value (virqemu.c)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from teamkit.qemu.props import Props, build_props, json_string, legacy_escape

__all__: list[str] = []

keys = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_-", min_size=1, max_size=12)
values = st.one_of(st.booleans(), st.integers(min_value=0, max_value=2**32), st.text(max_size=30))


class TestJson:
    def test_compact_in_insertion_order(self) -> None:
        props = Props((("type", "tap"), ("fd", "102"), ("vhost", True), ("vhostfd", "44"), ("id", "hostnet0")))
        # libvirt-teaming.md §3.3: the tap netdev of net-virtio-teaming-network (latest)
        assert props.to_json() == '{"type":"tap","fd":"102","vhost":true,"vhostfd":"44","id":"hostnet0"}'

    def test_numbers_and_false(self) -> None:
        assert Props((("rombar", 0), ("event_idx", False))).to_json() == '{"rombar":0,"event_idx":false}'

    @pytest.mark.parametrize(("text", "expected"), [
        ('a"b', '"a\\"b"'),
        ("a\\b", '"a\\\\b"'),
        ("/etc/fake/boot.bin", '"/etc/fake/boot.bin"'),  # JSON_C_TO_STRING_NOSLASHESCAPE
        ("tab\there", '"tab\\there"'),
        ("nl\n", '"nl\\n"'),
        ("\b\f\r", '"\\b\\f\\r"'),
        ("\x01\x1f", '"\\u0001\\u001f"'),
        ("\x7f", '"\x7f"'),
        ("ünïcode", '"ünïcode"'),
        ("", '""'),
    ])
    def test_string_escaping_like_json_c(self, text: str, expected: str) -> None:
        assert json_string(text) == expected

    @given(st.lists(st.tuples(keys, values), max_size=8, unique_by=lambda kv: kv[0]))
    def test_round_trips_through_a_json_parser(self, items: list[tuple[str, str | int | bool]]) -> None:
        decoded = json.loads(Props(tuple(items)).to_json())
        assert list(decoded.items()) == items


class TestLegacy:
    def test_driver_first_then_key_value(self) -> None:
        # libvirt-teaming.md §3.3, QEMU 6.2 form of net-virtio-teaming
        props = Props((("driver", "virtio-net-pci"), ("failover", True), ("netdev", "hostua-backup0"),
                       ("id", "ua-backup0"), ("mac", "00:11:22:33:44:55"), ("bus", "pci.0"), ("addr", "0x2")))
        assert props.to_legacy("driver") == ("virtio-net-pci,failover=on,netdev=hostua-backup0,id=ua-backup0,"
                                             "mac=00:11:22:33:44:55,bus=pci.0,addr=0x2")

    def test_bools_numbers_and_empty_strings(self) -> None:
        props = Props((("driver", "vfio-pci"), ("x", False), ("rombar", 0), ("romfile", "")))
        assert props.to_legacy("driver") == "vfio-pci,x=off,rombar=0,romfile="

    def test_commas_doubled_in_values_only(self) -> None:
        props = Props((("driver", "vfio-pci"), ("romfile", "/a,b,,c")))
        assert props.to_legacy("driver") == "vfio-pci,romfile=/a,,b,,,,c"
        assert legacy_escape(",") == ",,"

    def test_netdev_type_leads(self) -> None:
        props = Props((("type", "user"), ("id", "hostua-backup0")))
        assert props.to_legacy("type") == "user,id=hostua-backup0"
        assert props.render(json=True, lead_key="type") == '{"type":"user","id":"hostua-backup0"}'

    def test_lead_key_required(self) -> None:
        with pytest.raises(ValueError, match="no 'driver'"):
            Props((("id", "x"),)).to_legacy("driver")

    @given(st.text(max_size=30))
    def test_undoubling_recovers_the_value(self, text: str) -> None:
        rendered = Props((("driver", "d"), ("v", text))).to_legacy("driver")
        assert rendered.removeprefix("d,v=").replace(",,", ",") == text


class TestBuildProps:
    def test_order_comes_from_the_table_and_none_is_left_out(self) -> None:
        props = build_props(("driver", "a", "b", "c"), {"c": 3, "driver": "x", "a": None, "b": False})
        assert props.items == (("driver", "x"), ("b", False), ("c", 3))

    def test_zero_and_empty_are_kept(self) -> None:
        assert build_props(("rombar", "romfile"), {"rombar": 0, "romfile": ""}).keys() == ("rombar", "romfile")

    def test_unknown_key_is_a_table_bug(self) -> None:
        with pytest.raises(KeyError, match="missing from the order table"):
            build_props(("driver",), {"driver": "x", "surprise": 1})

    def test_accessors(self) -> None:
        props = Props((("driver", "x"), ("id", "y")))
        assert len(props) == 2 and props.get("id") == "y" and props.get("nope") is None
        assert list(props) == [("driver", "x"), ("id", "y")]
