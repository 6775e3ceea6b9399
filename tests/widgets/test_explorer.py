"""MigrationExplorer driven headless: scenarios, parameters and the step-through, checked on the model."""

from __future__ import annotations

import pytest

from teamkit.design import PairDesign, domain_xml
from teamkit.failover import Params, simulate
from teamkit.libvirt.parse import parse_domain_string
from teamkit.widgets import MigrationExplorer


def explorer_for(**design: object) -> MigrationExplorer:
    return MigrationExplorer(parse_domain_string(domain_xml(PairDesign(**design))), draw=False)  # type: ignore[arg-type]


@pytest.fixture
def explorer() -> MigrationExplorer:
    return explorer_for()


def test_only_applicable_scenarios_are_offered(explorer: MigrationExplorer) -> None:
    offered = [value for _, value in explorer.scenario_choice.options]
    applicable = [a.scenario for a in explorer.applicability if a.applicable]
    assert offered == applicable
    assert "primary-not-hotpluggable" not in offered
    assert "primary-not-hotpluggable" in explorer.not_applicable.value


def test_pc_without_acpi_offers_the_hotplug_failure() -> None:
    explorer = explorer_for(machine="pc", acpi=False)
    offered = [value for _, value in explorer.scenario_choice.options]
    assert "primary-not-hotpluggable" in offered


def test_starts_on_the_happy_path_at_step_one(explorer: MigrationExplorer) -> None:
    assert explorer.scenario == "happy"
    assert explorer.step == 0
    assert explorer.timeline == simulate(explorer.domain, "happy", Params())
    assert explorer.current is not None and explorer.current.event == explorer.timeline.events[0]
    assert explorer.prev_button.disabled and not explorer.next_button.disabled
    assert explorer.timeline_dot.startswith("digraph timeline {")


def test_next_and_previous_move_one_step(explorer: MigrationExplorer) -> None:
    explorer.next_button.click()
    explorer.next_button.click()
    assert explorer.step == 2
    explorer.prev_button.click()
    assert explorer.step == 1
    assert explorer.current is not None and explorer.current.index == 1


def test_the_traffic_moves_vf_virtio_none_virtio_vf(explorer: MigrationExplorer) -> None:
    assert explorer.timeline is not None
    paths = []
    for i in range(len(explorer.timeline.events)):
        explorer.step_slider.value = i
        assert explorer.current is not None
        if not paths or paths[-1] != explorer.current.path:
            paths.append(explorer.current.path)
    assert paths == ["vf", "virtio", "none", "virtio", "vf"]
    assert explorer.next_button.disabled


def test_every_actor_is_reported_at_each_step(explorer: MigrationExplorer) -> None:
    explorer.go(5)
    assert explorer.current is not None
    actors = {a.actor: a for a in explorer.current.actors}
    assert set(actors) == set(explorer.timeline.actors)  # type: ignore[union-attr]
    acting = [a for a in explorer.current.actors if a.acting]
    assert [a.actor for a in acting] == [explorer.current.event.actor]
    assert acting[0].last == explorer.current.event


def test_parameters_change_the_totals(explorer: MigrationExplorer) -> None:
    assert explorer.timeline is not None
    fast = explorer.timeline.totals["precopy_s"]
    explorer.bandwidth.value = 0.1
    assert explorer.params.bandwidth_gbit_s == 0.1
    assert explorer.timeline.totals["precopy_s"] > fast  # type: ignore[operator]
    explorer.ram.value = 4096.0
    assert explorer.params.guest_ram_mib == 4096.0


def test_native_pcie_hotplug_waits_for_the_button(explorer: MigrationExplorer) -> None:
    assert explorer.timeline is not None
    acpi_wait = explorer.timeline.totals["wait_unplug_s"]
    explorer.hotplug.value = "pcie"
    assert explorer.params.hotplug == "pcie"
    assert explorer.timeline.totals["wait_unplug_s"] > acpi_wait + 4  # type: ignore[operator]


def test_step_is_kept_within_a_shorter_timeline(explorer: MigrationExplorer) -> None:
    explorer.go(10_000)
    last = explorer.step
    assert last == len(explorer.timeline.events) - 1  # type: ignore[union-attr]
    explorer.scenario_choice.value = "no-vf-on-destination"
    assert explorer.timeline is not None and explorer.timeline.scenario == "no-vf-on-destination"
    assert 0 <= explorer.step < len(explorer.timeline.events)


def test_failure_scenario_outcome(explorer: MigrationExplorer) -> None:
    explorer.scenario_choice.value = "guest-ignores-unplug"
    assert explorer.timeline is not None and explorer.timeline.totals["outcome"] == "cancelled"


def test_domain_without_pair_reports_instead_of_raising() -> None:
    explorer = MigrationExplorer(parse_domain_string("<domain type='kvm'><name>x</name><devices/></domain>"),
                                 draw=False)
    assert explorer.timeline is None and explorer.error
    assert explorer.scenario_choice.options == ()
    assert explorer.next_button.disabled and explorer.prev_button.disabled


def test_from_xml_and_text_stand_in() -> None:
    explorer = MigrationExplorer.from_xml(domain_xml(PairDesign()), draw=False)
    assert explorer._repr_mimebundle_()["text/plain"].startswith("MigrationExplorer: happy, step 1")
