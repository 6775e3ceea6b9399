"""QemuVersion: parsing and the syntax libvirt picks per version (libvirt-teaming.md §3.3, Key facts 9–10)."""

from __future__ import annotations

import pytest

from teamkit.qemu.version import LATEST, QemuVersion, QemuVersionError

__all__: list[str] = []


class TestParse:
    @pytest.mark.parametrize(("text", "expected"), [
        ("7.2", QemuVersion(7, 2, 0)),
        ("6.2.0", QemuVersion(6, 2, 0)),
        ("10.0.1", QemuVersion(10, 0, 1)),
        (" 4.2 ", QemuVersion(4, 2, 0)),
    ])
    def test_numbers(self, text: str, expected: QemuVersion) -> None:
        assert QemuVersion.parse(text) == expected

    @pytest.mark.parametrize("text", ["latest", "LATEST", " Latest "])
    def test_latest_is_the_newest_caps_of_libvirt_11_3(self, text: str) -> None:
        assert QemuVersion.parse(text) == LATEST == QemuVersion(10, 0, 0)

    @pytest.mark.parametrize("text", ["", "7", "7.x", "v7.2", "7.2.0.1", "newest"])
    def test_rejects(self, text: str) -> None:
        with pytest.raises(QemuVersionError, match="not a QEMU version"):
            QemuVersion.parse(text)

    def test_str_and_order(self) -> None:
        assert str(QemuVersion.parse("7.2")) == "7.2.0"
        assert QemuVersion(6, 2) < QemuVersion(7, 0) < QemuVersion(7, 2) < LATEST


class TestSyntax:
    # §3.3: JSON -device when QEMU >= 7.0, JSON -netdev when QEMU >= 7.2, legacy key=value before.
    @pytest.mark.parametrize(("version", "device_json", "netdev_json"), [
        ("6.2", False, False),
        ("6.99", False, False),
        ("7.0", True, False),
        ("7.1.9", True, False),
        ("7.2", True, True),
        ("latest", True, True),
    ])
    def test_json_thresholds(self, version: str, device_json: bool, netdev_json: bool) -> None:
        v = QemuVersion.parse(version)
        assert (v.device_json, v.netdev_json) == (device_json, netdev_json)

    # Key fact 10: failover needs QEMU 4.2.
    @pytest.mark.parametrize(("version", "ok"), [("4.1.1", False), ("4.2", True), ("6.2", True)])
    def test_failover(self, version: str, ok: bool) -> None:
        assert QemuVersion.parse(version).supports_failover is ok
