"""The swimlane DOT: structure, golden sources, and (with the ``dot`` marker) rendering and lane order."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from teamkit.draw import timeline_dot, timelines_dot
from teamkit.draw.timeline import PATH_COLOURS, switch_rows
from teamkit.failover import Params, Timeline, simulate
from teamkit.failover.timeline import recipient_of
from tests.failover.domains import failover_domain, i440fx_domain, pcie0_domain

__all__: list[str] = []

GOLDEN = Path(__file__).parent / "golden"
REGENERATE = os.environ.get("TEAMKIT_REGEN_GOLDEN") == "1"
HAVE_DOT = shutil.which("dot") is not None

CASES: dict[str, Timeline] = {
    "happy": simulate(failover_domain(), "happy"),
    "happy-pcie-slow-link": simulate(failover_domain(), "happy", Params(hotplug="pcie", vf_link_up_s=2.5)),
    "guest-no-failover": simulate(failover_domain(), "guest-no-failover"),
    "guest-ignores-unplug": simulate(failover_domain(), "guest-ignores-unplug"),
    "fails-after-active": simulate(failover_domain(), "fails-after-active", Params(fail_after_active_s=0.3)),
    "no-vf-on-destination": simulate(failover_domain(), "no-vf-on-destination"),
    "no-vf-on-destination-plain-qemu": simulate(failover_domain(), "no-vf-on-destination", Params(libvirt=False)),
    "primary-not-hotpluggable-i440fx": simulate(i440fx_domain(), "primary-not-hotpluggable"),
    "primary-not-hotpluggable-pcie0": simulate(pcie0_domain(), "primary-not-hotpluggable"),
}


def sources() -> dict[str, str]:
    found = {name: timeline_dot(tl) for name, tl in CASES.items()}
    found["side-by-side"] = timelines_dot(
        [CASES["happy"], CASES["happy-pcie-slow-link"]], titles=["ACPI hotplug", "native PCIe hotplug, slow link"])
    return found


SOURCES = sources()


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_golden(name: str) -> None:
    path = GOLDEN / f"{name}.dot"
    if REGENERATE:
        path.write_text(SOURCES[name], encoding="utf-8")
    assert path.read_text(encoding="utf-8") == SOURCES[name], "set TEAMKIT_REGEN_GOLDEN=1, then review the diff"


def test_no_stray_golden_files() -> None:
    assert sorted(p.stem for p in GOLDEN.glob("*.dot") if not p.stem.startswith("graph-")) == sorted(SOURCES)


class TestStructure:
    tl = CASES["happy"]
    src = SOURCES["happy"]

    def test_graph_settings(self) -> None:
        assert self.src.startswith("digraph timeline {\n")
        assert 'newrank="true"' in self.src and 'rankdir="TB"' in self.src

    def test_one_rank_per_step(self) -> None:
        for i in range(len(self.tl.events)):
            (rank,) = [line for line in self.src.splitlines() if f" time_{i};" in line]
            assert rank.strip().startswith("{rank=same; time_") and f" src_qemu_{i};" in rank

    def test_one_cluster_per_actor(self) -> None:
        clusters = re.findall(r"subgraph cluster_(\w+)_lane \{", self.src)
        assert clusters == ["management", "libvirt", "src_qemu", "dst_qemu", "guest"]

    def test_events_sit_in_their_lane(self) -> None:
        for i, event in enumerate(self.tl.events):
            lane = event.actor.replace("-", "_")
            line = next(line for line in self.src.splitlines() if line.strip().startswith(f"{lane}_{i} ["))
            assert f"<B>{event.name}</B>" in line

    def test_messages_follow_the_action_table(self) -> None:
        expected = sum(1 for e in self.tl.events if recipient_of(e, self.tl.actors) is not None)
        assert self.src.count('constraint="false"') == expected
        assert re.search(r"^  src_qemu_\d+ -> guest_\d+ \[constraint", self.src, re.M)  # the unplug request
        assert re.search(r'^  src_qemu_\d+ -> guest_\d+ \[.*dir="back"', self.src, re.M)  # the eject, right to left

    def test_band_colours_follow_the_datapath(self) -> None:
        colours = re.findall(r'^  band_\w+ -> band_\w+ \[arrowhead="none", penwidth="14", color="(#\w+)"', self.src,
                             re.M)
        collapsed = [c for i, c in enumerate(colours) if i == 0 or c != colours[i - 1]]
        assert collapsed == [PATH_COLOURS[i.path] for i in self.tl.datapath]

    def test_intervals_are_labelled_in_seconds(self) -> None:
        assert "0.080 s – 0.822 s (0.742 s)" in self.src
        assert "from 1.162 s" in self.src

    def test_switches_sit_on_the_events_that_cause_them(self) -> None:
        rows = switch_rows(self.tl)
        assert [self.tl.events[i].name for i in sorted(rows)] == [
            "migrate-request", "vf-released", "STOP", "RESUME", "vf-enslaved"]

    def test_legend_and_title(self) -> None:
        assert "subgraph cluster_legend {" in self.src
        assert "happy: Live migration, failover works" in self.src
        assert "downtime 0.030 s" in self.src

    def test_long_gaps_are_called_out(self) -> None:
        assert "30.000 s later" in SOURCES["guest-ignores-unplug"]

    def test_inferred_steps_are_dashed(self) -> None:
        line = next(line for line in self.src.splitlines() if "<B>prepare</B>" in line)
        assert 'style="rounded,filled,dashed"' in line

    def test_side_by_side_prefixes_every_id(self) -> None:
        side = SOURCES["side-by-side"]
        assert "subgraph cluster_t0_guest_lane {" in side and "subgraph cluster_t1_guest_lane {" in side
        assert "ACPI hotplug" in side and "native PCIe hotplug, slow link" in side

    def test_bad_calls(self) -> None:
        with pytest.raises(ValueError):
            timelines_dot([])
        with pytest.raises(ValueError):
            timelines_dot([self.tl], titles=["a", "b"])


def test_any_text_in_a_timeline_is_escaped() -> None:
    weird = 'a "quoted" <b>name</b> \\N & co\nline two'
    data = CASES["happy"].to_json_dict()
    data["scenario"] = weird
    data["events"][0] = {**data["events"][0], "name": weird, "detail": weird}
    src = timeline_dot(Timeline.from_json_dict(data))
    assert "&lt;b&gt;name&lt;/b&gt; \\\\N &amp; co" in src
    assert '"a \\"quoted\\" <b>name</b> \\\\N & co\\nline two"' in src  # the tooltip


def test_import_teamkit_stays_light() -> None:
    code = ("import sys, teamkit, teamkit.failover, teamkit.draw; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('graphviz', 'ipywidgets')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# --- rendering ----------------------------------------------------------------------------------------------------


def _render(source: str) -> str:
    done = subprocess.run(["dot", "-Tsvg"], input=source, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return done.stdout


def _head_x(svg: str) -> dict[str, float]:
    ns = {"s": "http://www.w3.org/2000/svg"}
    found = {}
    for group in ET.fromstring(svg).iterfind(".//s:g[@class='node']", ns):
        title = group.find("s:title", ns)
        text = group.find(".//s:text", ns)
        if title is not None and title.text and title.text.endswith("_h") and text is not None:
            found[title.text] = float(text.attrib["x"])
    return found


@pytest.mark.dot
@pytest.mark.skipif(not HAVE_DOT, reason="needs the graphviz dot binary")
@pytest.mark.parametrize("name", sorted(SOURCES))
def test_renders_without_warnings(name: str) -> None:
    assert "<svg" in _render(SOURCES[name])


@pytest.mark.dot
@pytest.mark.skipif(not HAVE_DOT, reason="needs the graphviz dot binary")
@pytest.mark.parametrize("name", ["happy", "no-vf-on-destination-plain-qemu", "side-by-side"])
def test_lanes_stay_in_order(name: str) -> None:
    x = _head_x(_render(SOURCES[name]))
    for prefix in ("t0_", "t1_") if name == "side-by-side" else ("",):
        lanes = [f"{prefix}{lane}_h" for lane in ("time", "management", "libvirt", "src_qemu", "dst_qemu", "guest")
                 if f"{prefix}{lane}_h" in x]
        assert len(lanes) >= 5
        assert [x[n] for n in lanes] == sorted(x[n] for n in lanes), lanes
    if name == "side-by-side":
        assert max(v for k, v in x.items() if k.startswith("t0_")) < min(v for k, v in x.items() if k.startswith("t1_"))
