"""Lab scenarios, settings, the guest's kernel command line and the QEMU command lines (pure)."""

from __future__ import annotations

import pytest

from teamkit.lab.guestinit import INIT_SCRIPT, kernel_cmdline
from teamkit.lab.scenarios import LAB_SCENARIOS, PRIMARY_ID, STANDBY_ID, qemu_argv, settings_for


def argv(scenario: str = "happy", port: int | None = None, **kw: str) -> list[str]:
    return qemu_argv(settings_for(scenario, **kw), binary="qemu-system-x86_64", kernel="vmlinuz", initrd="initrd",
                     serial="s.sock", qmp="q.sock", name="lab-src", incoming_port=port)


def device(args: list[str], dev_id: str) -> str:
    return next(a for a in args if f"id={dev_id}," in a)


class TestSettings:
    def test_every_scenario_maps_to_a_model_scenario(self) -> None:
        from teamkit.failover import SCENARIO_NAMES

        assert {s.model_scenario for s in LAB_SCENARIOS.values()} <= set(SCENARIO_NAMES)

    def test_defaults(self) -> None:
        s = settings_for("happy")
        assert (s.primary, s.hotplug, s.guest_mode, s.block, s.expect) == ("vmxnet3", "acpi", "full", "none",
                                                                           "completed")

    def test_forced_hotplug(self) -> None:
        assert settings_for("pcie-native").hotplug == "pcie"
        assert settings_for("slow-guest", hotplug="acpi").hotplug == "acpi"

    @pytest.mark.parametrize("scenario, hotplug", [("pcie-native", "acpi"), ("guest-ignores-unplug", "pcie"),
                                                   ("slow-guest", "pcie")])
    def test_conflicting_hotplug(self, scenario: str, hotplug: str) -> None:
        with pytest.raises(ValueError, match=f"{scenario} needs --hotplug"):
            settings_for(scenario, hotplug=hotplug)

    @pytest.mark.parametrize("kw", [{"primary": "virtio-net-pci"}, {"hotplug": "shpc"}])
    def test_unknown_values(self, kw: dict[str, str]) -> None:
        with pytest.raises(ValueError, match="unknown"):
            settings_for("happy", **kw)

    def test_unknown_scenario(self) -> None:
        with pytest.raises(ValueError, match="choose one of happy"):
            settings_for("nope")

    def test_cancel_scenario(self) -> None:
        s = settings_for("guest-ignores-unplug")
        assert (s.block, s.cancel_after_s, s.expect) == ("disable", 2.0, "cancelled")


class TestCommandLine:
    def test_standby_before_primary(self) -> None:
        args = argv()
        assert args.index(device(args, STANDBY_ID)) < args.index(device(args, PRIMARY_ID))
        assert "failover=on" in device(args, STANDBY_ID)
        assert f"failover_pair_id={STANDBY_ID}" in device(args, PRIMARY_ID)

    def test_primary_has_no_option_rom(self) -> None:
        # real-failover-lab.md §7 pitfall 1: the ROM RAMBlock is unknown on the destination
        assert device(argv(), PRIMARY_ID).endswith(",romfile=")

    def test_primary_model(self) -> None:
        assert device(argv(primary="e1000e"), PRIMARY_ID).startswith("e1000e,")
        assert device(argv(), PRIMARY_ID).startswith("vmxnet3,")

    def test_same_mac(self) -> None:
        args = argv()
        mac = device(args, STANDBY_ID).split("mac=")[1].split(",")[0]
        assert f"mac={mac}," in device(args, PRIMARY_ID)

    def test_native_hotplug_switch(self) -> None:
        assert "ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off" in argv("pcie-native")
        assert "ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off" not in argv()

    def test_only_loopback_and_unix_sockets(self) -> None:
        args = argv(port=4444)
        assert args[args.index("-incoming") + 1] == "tcp:127.0.0.1:4444"
        assert "-incoming" not in argv()
        chardevs = [args[i + 1] for i, a in enumerate(args) if a == "-chardev"]
        assert all(c.startswith("socket,") and ",path=" in c for c in chardevs)
        assert "-display" in args and args[args.index("-display") + 1] == "none"
        assert not any("hostfwd" in a or "vnc" in a for a in args)

    def test_primary_on_q35_root_bus(self) -> None:
        args = argv("primary-on-root-bus")
        assert ",bus=pcie.0,addr=0x3,romfile=" in device(args, PRIMARY_ID)
        assert device(args, STANDBY_ID).endswith(",bus=rp1")
        assert not any(a.startswith("pcie-root-port,id=rp2") for a in args)
        assert args[args.index("-machine") + 1] == "q35"
        native = argv("primary-on-root-bus", hotplug="pcie")
        assert "ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off" in native

    def test_primary_on_i440fx_root_bus(self) -> None:
        args = argv("primary-on-pci0")
        assert args[args.index("-machine") + 1] == "pc"
        assert ",bus=pci.0,addr=0x5,romfile=" in device(args, PRIMARY_ID)
        assert device(args, STANDBY_ID).endswith(",bus=pci.0,addr=0x4")
        assert not any("pcie-root-port" in a for a in args)
        with pytest.raises(ValueError, match="primary-on-pci0 needs --hotplug acpi: the scenario is about machine pc"):
            settings_for("primary-on-pci0", hotplug="pcie")

    def test_guest_words(self) -> None:
        args = argv("slow-guest")
        assert "lab.block=mask lab.slow=5" in args[args.index("-append") + 1]
        assert "lab.mode=nofailover" in argv("guest-no-failover")[argv().index("-append") + 1]


def test_kernel_cmdline_needs_mask_for_slow() -> None:
    with pytest.raises(ValueError, match="mask"):
        kernel_cmdline(block="disable", slow_s=3)


def test_init_reads_every_word_the_cmdline_writes() -> None:
    for word in kernel_cmdline(block="mask", slow_s=2).split():
        if word.startswith("lab."):
            assert f"{word.split('=')[0]}=*)" in INIT_SCRIPT
