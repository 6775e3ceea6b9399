"""The model next to a measurement: settings → parameters, per-actor order, durations, the drawing, the CLI."""

from __future__ import annotations

import dataclasses
import io
import json
import shutil
from pathlib import Path

import pytest

from teamkit.cli import main
from teamkit.failover import simulate
from teamkit.failover.timeline import Timeline
from teamkit.lab.compare import compare, lab_domain, model_params, side_by_side_dot
from teamkit.lab.measure import timeline_from_raw
from teamkit.lab.scenarios import LAB_SCENARIOS
from tests.lab.recorded import load, names


class TestParams:
    def test_lab_settings_become_model_parameters(self) -> None:
        p = model_params({"primary": "e1000e", "hotplug": "pcie", "guest_mode": "full", "qemu": "7.2.22"})
        assert (p.libvirt, p.hotplug, p.device_state, p.vf_link_up_s, p.guest_net_failover) == (
            False, "pcie", False, 2.5, True)
        assert model_params({"primary": "vmxnet3", "qemu": "10.0.0"}).device_state is True
        assert model_params({"guest_mode": "nofailover"}).guest_net_failover is False
        assert model_params({"cancel_after_s": 3.0}).cancel_after_s == 3.0
        slow = model_params({"primary": "vmxnet3", "slow_s": 5.0})
        assert slow.guest_unplug_s == pytest.approx(5.02)

    @pytest.mark.parametrize("lab", list(LAB_SCENARIOS))
    def test_every_lab_scenario_can_be_simulated(self, lab: str) -> None:
        s = LAB_SCENARIOS[lab]
        params = model_params({"guest_mode": s.guest_mode, "hotplug": s.hotplug or "acpi",
                               "cancel_after_s": s.cancel_after_s, "slow_s": s.slow_s})
        assert simulate(lab_domain(s.primary_bus), s.model_scenario, params).events


@pytest.mark.parametrize("name", names())
def test_recorded_runs_agree_with_the_model_in_order(name: str) -> None:
    result = compare(timeline_from_raw(load(name)))
    assert result.agrees, result.text()
    assert result.model.parameters["libvirt"] is False


class TestDisagreement:
    measured = timeline_from_raw(load("happy-vmxnet3"))

    def swapped(self) -> Timeline:
        events = list(self.measured.events)
        i = next(k for k, e in enumerate(events) if e.actor == "src-qemu" and e.name == "STOP")
        j = next(k for k, e in enumerate(events) if e.actor == "src-qemu" and e.name == "active")
        events[i], events[j] = (dataclasses.replace(events[j], t=events[i].t),
                                dataclasses.replace(events[i], t=events[j].t))
        return dataclasses.replace(self.measured, events=tuple(events))

    def test_a_swapped_pair_is_reported(self) -> None:
        result = compare(self.swapped())
        assert not result.agrees
        src = next(o for o in result.orders if o.actor == "src-qemu")
        assert src.measured.index("STOP") < src.measured.index("active")
        assert "≠ src-qemu" in result.text() and "DISAGREES" in result.text()

    def test_durations_line_up(self) -> None:
        result = compare(self.measured)
        by_key = {d.key: d for d in result.durations}
        assert by_key["wait_unplug_s"].model == 0.25
        assert by_key["downtime_s"].measured == self.measured.totals["downtime_s"]
        assert by_key["downtime_s"].difference is not None

    def test_json(self) -> None:
        data = json.loads(json.dumps(compare(self.measured).to_json_dict()))
        assert data["order_agrees"] is True
        assert {o["actor"] for o in data["orders"]} >= {"src-qemu", "dst-qemu", "guest", "management"}

    def test_drawing_has_both_sides(self) -> None:
        dot = side_by_side_dot(compare(self.measured))
        assert "model: happy" in dot and "measured: lab happy" in dot
        assert dot.startswith("digraph")


def lab_output(tmp_path: Path, name: str = "happy-vmxnet3") -> Path:
    raw = load(name)
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps({**timeline_from_raw(raw).to_json_dict(), "raw": raw}))
    return path


class TestCli:
    def test_compare(self, tmp_path: Path) -> None:
        out = io.StringIO()
        assert main(["lab", "compare", str(lab_output(tmp_path)), "-o", str(tmp_path / "side.dot")], out=out) == 0
        assert "event order agrees" in out.getvalue()
        assert (tmp_path / "side.dot").read_text().startswith("digraph")

    def test_compare_json(self, tmp_path: Path) -> None:
        out = io.StringIO()
        assert main(["lab", "compare", "--json", str(lab_output(tmp_path, "guest-ignores-unplug"))], out=out) == 0
        assert json.loads(out.getvalue())["model_scenario"] == "guest-ignores-unplug"

    @pytest.mark.skipif(shutil.which("dot") is None, reason="needs the graphviz dot binary")
    def test_compare_svg(self, tmp_path: Path) -> None:
        assert main(["lab", "compare", str(lab_output(tmp_path)), "-o", str(tmp_path / "side.svg")],
                    out=io.StringIO()) == 0
        assert "<svg" in (tmp_path / "side.svg").read_text()

    def test_compare_refuses_garbage(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        bad = tmp_path / "bad.json"
        bad.write_text("{}")
        assert main(["lab", "compare", str(bad)], out=io.StringIO()) == 2
        assert "not a lab timeline" in capsys.readouterr().err

    def test_run_refuses_conflicting_settings(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["lab", "run", "--scenario", "pcie-native", "--hotplug", "acpi"], out=io.StringIO()) == 2
        assert "pcie-native needs --hotplug pcie" in capsys.readouterr().err

    def test_run_keeps_an_existing_output(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        existing = tmp_path / "out.json"
        existing.write_text("keep")
        assert main(["lab", "run", "--scenario", "happy", "-o", str(existing)], out=io.StringIO()) == 2
        assert "--force" in capsys.readouterr().err and existing.read_text() == "keep"

    def test_missing_qemu(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        code = main(["lab", "run", "--scenario", "happy", "--qemu-binary", str(tmp_path / "no-qemu")],
                    out=io.StringIO())
        assert code == 2 and "is not installed" in capsys.readouterr().err

    def test_missing_apt_tools(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
        monkeypatch.setenv("PATH", str(tmp_path))
        assert main(["lab", "prepare", "--cache", str(tmp_path / "cache")], out=io.StringIO()) == 2
        assert "dpkg-deb is not installed" in capsys.readouterr().err

    def test_bare_lab_prints_help(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["lab"], out=io.StringIO()) == 2
        assert "teamkit lab prepare" in capsys.readouterr().err


class TestModelFix:
    """What the lab taught the model: a Linux ≥ 4.18 guest without net_failover has no virtio_net, so no NIC."""

    def test_linux_without_net_failover_has_no_network(self) -> None:
        tl = simulate(lab_domain(), "guest-no-failover", model_params({"guest_mode": "nofailover"}))
        assert [i.path for i in tl.datapath] == ["none"]
        assert not [e for e in tl.events if e.actor == "guest"]
        assert "no NIC on this pair" in next(e.detail for e in tl.events if e.actor == "src-qemu"
                                             and e.name == "active")

    def test_an_old_kernel_still_runs_on_virtio(self) -> None:
        tl = simulate(lab_domain(), "guest-no-failover", model_params({}).with_overrides({"guest_kernel": "4.9"}))
        assert [i.path for i in tl.datapath] == ["virtio", "none", "virtio"]
        assert [e.name for e in tl.events if e.actor == "guest"] == ["guest-runs-virtio-only"]
