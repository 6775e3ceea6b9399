"""Scenario parameters: documented defaults and ``--set KEY=VALUE`` parsing."""

from __future__ import annotations

import dataclasses

import pytest

from teamkit.errors import TeamkitError
from teamkit.failover import GuestProfile, ParameterError, Params, parse_assignments

__all__: list[str] = []


class TestDefaults:
    def test_every_default_says_where_it_comes_from(self) -> None:
        for info in Params.describe():
            assert len(info.doc) > 20, info.key
            assert info.default == getattr(Params(), info.key)

    def test_defaults_follow_the_references(self) -> None:
        p = Params()
        assert p.hotplug == "acpi"  # qemu-failover.md Key fact 10
        assert p.wait_unplug_poll_s == 0.25  # Key fact 5
        assert p.pciehp_button_delay_s == 5.0  # Key fact 10
        assert p.max_downtime_s == 0.3  # QEMU DEFAULT_MIGRATE_SET_DOWNTIME
        assert p.bandwidth_gbit_s == 1.3  # real-failover-lab.md Key fact 8

    def test_keyword_only_and_frozen(self) -> None:
        with pytest.raises(TypeError):
            Params("pcie")  # type: ignore[call-arg]
        with pytest.raises(dataclasses.FrozenInstanceError):
            Params().hotplug = "pcie"  # type: ignore[misc]

    def test_guest_profile(self) -> None:
        assert Params(guest_kernel="4.9").guest == GuestProfile(kernel=(4, 9))
        assert Params(guest_kernel="5.14.0-427.el9").guest.kernel == (5, 14)
        assert not Params(guest_net_failover=False).guest.negotiates_standby

    def test_as_dict_keeps_declaration_order(self) -> None:
        assert list(Params().as_dict()) == list(Params.keys())


class TestOverrides:
    def test_parses_each_type(self) -> None:
        p = Params().with_overrides({
            "hotplug": "pcie", "libvirt": "no", "guest_ram_mib": "4096", "max_iterations": "5",
            "guest_kernel": "4.18",
        })
        assert (p.hotplug, p.libvirt, p.guest_ram_mib, p.max_iterations, p.guest_kernel) == (
            "pcie", False, 4096.0, 5, "4.18")

    @pytest.mark.parametrize("text, expected", [("true", True), ("ON", True), ("1", True), ("off", False)])
    def test_booleans(self, text: str, expected: bool) -> None:
        assert Params().with_overrides({"device_state": text}).device_state is expected

    def test_unknown_key_lists_the_valid_ones(self) -> None:
        with pytest.raises(ParameterError) as info:
            Params().with_overrides({"bandwith_gbit_s": "10"})
        text = str(info.value)
        assert text.startswith("parameter 'bandwith_gbit_s': unknown parameter (valid keys: hotplug, libvirt,")
        assert "bandwidth_gbit_s" in text
        assert isinstance(info.value, TeamkitError)

    @pytest.mark.parametrize("key, value, problem", [
        ("hotplug", "shpc", "expected one of acpi, pcie, got 'shpc'"),
        ("guest_ram_mib", "lots", "expected a number, got 'lots'"),
        ("max_iterations", "2.5", "expected a whole number, got '2.5'"),
        ("libvirt", "maybe", "expected true or false, got 'maybe'"),
        ("bandwidth_gbit_s", "0", "must be > 0, got 0.0"),
        ("setup_s", "-1", "must be >= 0, got -1.0"),
        ("dirty_rate_mib_s", "nan", "expected a finite number, got nan"),
        ("guest_kernel", "linux", "expected a Linux version such as 6.1 or 4.18, got 'linux'"),
    ])
    def test_bad_values(self, key: str, value: str, problem: str) -> None:
        with pytest.raises(ParameterError) as info:
            Params().with_overrides({key: value})
        assert str(info.value) == f"parameter {key!r}: {problem}"

    def test_direct_construction_is_checked_too(self) -> None:
        with pytest.raises(ParameterError):
            Params(max_downtime_s=-0.1)


class TestAssignments:
    def test_later_wins_and_spaces_are_trimmed(self) -> None:
        assert parse_assignments(["hotplug=acpi", " hotplug = pcie "]) == {"hotplug": "pcie"}

    def test_value_may_contain_equals(self) -> None:
        assert parse_assignments(["guest_kernel=6.1=x"]) == {"guest_kernel": "6.1=x"}

    @pytest.mark.parametrize("item", ["hotplug", "=pcie"])
    def test_missing_key_or_equals(self, item: str) -> None:
        with pytest.raises(ParameterError, match="expected KEY=VALUE"):
            parse_assignments([item])
