"""``MigrationExplorer``: pick a migration scenario and its parameters, then step through the event timeline."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, Final

import ipywidgets as w

from teamkit.draw.timeline import timeline_dot
from teamkit.errors import TeamkitError
from teamkit.failover import Applicability, Params, Timeline, applicable_scenarios, simulate
from teamkit.failover.steps import Step, step_at
from teamkit.failover.tables import SCENARIOS
from teamkit.libvirt.parse import parse_domain_string
from teamkit.model import Domain
from teamkit.present import svg_html
from teamkit.present.rich import escape, table
from teamkit.present.timeline import show_totals, step_html
from teamkit.widgets.common import WidgetView, control_style, full_width, html_pane, section

__all__ = ["BANDWIDTH_STEPS_GBIT_S", "DIRTY_RATE_STEPS_MIB_S", "RAM_STEPS_MIB", "MigrationExplorer"]

#: slider stops (the defaults of :class:`~teamkit.failover.Params` are among them)
RAM_STEPS_MIB: Final = (32.0, 64.0, 88.0, 128.0, 256.0, 512.0, 1024.0, 2048.0, 4096.0, 8192.0, 16384.0, 32768.0,
                        65536.0)
DIRTY_RATE_STEPS_MIB_S: Final = (0.0, 1.0, 2.0, 5.0, 10.0, 25.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0)
BANDWIDTH_STEPS_GBIT_S: Final = (0.1, 0.5, 1.0, 1.3, 2.5, 5.0, 10.0, 25.0, 40.0, 100.0)


def _mib(value: float) -> str:
    return f"{value / 1024:g} GiB" if value >= 1024 else f"{value:g} MiB"


def _stops(values: Sequence[float], current: float, label: Any) -> list[tuple[str, float]]:
    stops = sorted({*values, float(current)})
    return [(label(v), v) for v in stops]


class MigrationExplorer(WidgetView):
    """A scenario, its parameters, the timeline drawing, a step-through of the events and the totals.

    State: ``applicability``, ``params``, ``scenario`` (the chosen name), ``timeline``, ``timeline_dot``, ``step``
    (the index shown), ``current`` (the :class:`~teamkit.failover.steps.Step`) and ``error``.
    """

    def __init__(self, domain: Domain, *, params: Params | None = None, scenario: str | None = None,
                 pair: str | None = None, draw: bool = True) -> None:
        self.domain = domain
        self.pair = pair
        self.draw = draw
        self.params = params or Params()
        self.applicability: tuple[Applicability, ...] = ()
        self.timeline: Timeline | None = None
        self.timeline_dot = ""
        self.current: Step | None = None
        self.error: str | None = None
        self._quiet = False
        self._make_controls()
        self.widget = self._layout()
        self._update_scenarios(prefer=scenario)
        for control in (self.scenario_choice, self.ram, self.dirty_rate, self.bandwidth, self.hotplug):
            control.observe(self._on_change, names="value")
        self.step_slider.observe(self._on_step, names="value")
        self.prev_button.on_click(lambda _b: self.go(self.step - 1))
        self.next_button.on_click(lambda _b: self.go(self.step + 1))
        self.recompute()

    @classmethod
    def from_xml(cls, text: str, **kwargs: Any) -> MigrationExplorer:
        """An explorer for a domain given as XML text."""
        return cls(parse_domain_string(text), **kwargs)

    def _make_controls(self) -> None:
        style = {"description_width": "110px"}
        p = self.params
        self.scenario_choice = w.Dropdown(description="Scenario", style=control_style(), layout=full_width())
        self.scenario_choice.add_class("teamkit-scenario")
        self.not_applicable = html_pane("teamkit-not-applicable")
        self.ram = w.SelectionSlider(options=_stops(RAM_STEPS_MIB, p.guest_ram_mib, _mib), value=p.guest_ram_mib,
                                     description="Guest RAM sent", style=style, layout=full_width())
        self.dirty_rate = w.SelectionSlider(
            options=_stops(DIRTY_RATE_STEPS_MIB_S, p.dirty_rate_mib_s, lambda v: f"{v:g} MiB/s"),
            value=p.dirty_rate_mib_s, description="Dirty rate", style=style, layout=full_width())
        self.bandwidth = w.SelectionSlider(
            options=_stops(BANDWIDTH_STEPS_GBIT_S, p.bandwidth_gbit_s, lambda v: f"{v:g} Gbit/s"),
            value=p.bandwidth_gbit_s, description="Bandwidth", style=style, layout=full_width())
        self.hotplug = w.ToggleButtons(options=(("ACPI", "acpi"), ("native PCIe", "pcie")), value=p.hotplug,
                                       style={"button_width": "110px"},
                                       tooltips=("ACPI PCI hotplug (q35 default since QEMU 6.1)",
                                                 "native PCIe hotplug: the guest waits 5 s after the button"))
        self.prev_button = w.Button(description="Previous", icon="step-backward", layout=w.Layout(width="110px"))
        self.next_button = w.Button(description="Next", icon="step-forward", layout=w.Layout(width="110px"))
        self.step_slider = w.IntSlider(min=0, max=0, description="Step", readout=False, style={"description_width":
                                       "40px"}, layout=w.Layout(flex="1 1 auto", width="auto"))
        self.step_view = html_pane("teamkit-step-pane")
        self.totals_view = html_pane("teamkit-totals")
        self.picture = html_pane("teamkit-timeline")

    def _layout(self) -> w.Widget:
        def column(min_width: str, flex: str = "1 1 0") -> w.Layout:
            return w.Layout(flex=flex, min_width=min_width, margin="0 10px 0 0")

        top = w.HBox([
            w.Box([section("Scenario", self.scenario_choice, self.not_applicable)], layout=column("300px")),
            w.Box([section("Parameters", self.ram, self.dirty_rate, self.bandwidth, w.HBox([
                w.HTML("<div style='text-align:right;padding-right:8px'>Guest hotplug</div>",
                       layout=w.Layout(width="110px", min_width="110px")),
                self.hotplug], layout=w.Layout(align_items="center")))],
                  layout=column("420px")),
        ], layout=w.Layout(width="100%", flex_flow="row wrap", align_items="stretch"))
        stepper = section("Step through the events",
                          w.HBox([self.prev_button, self.step_slider, self.next_button],
                                 layout=w.Layout(align_items="center", width="100%")),
                          self.step_view)
        middle = w.HBox([
            w.Box([stepper], layout=column("420px")),
            w.Box([section("Totals", self.totals_view)], layout=column("260px", "0 0 300px")),
        ], layout=w.Layout(width="100%", flex_flow="row wrap", align_items="stretch"))
        picture = section("Timeline (scroll to see all lanes)", self.picture)
        root = w.VBox([top, middle, picture], layout=w.Layout(width="100%"))
        root.add_class("teamkit-explorer")
        return root

    # -- state ----------------------------------------------------------------------------------------------------

    @property
    def scenario(self) -> str | None:
        value = self.scenario_choice.value
        return None if value is None else str(value)

    @property
    def step(self) -> int:
        return int(self.step_slider.value)

    def go(self, index: int) -> None:
        """Show step ``index`` (clipped to the timeline)."""
        self.step_slider.value = max(self.step_slider.min, min(index, self.step_slider.max))

    def summary(self) -> str:
        if self.error:
            return f"MigrationExplorer: {self.error}"
        return f"MigrationExplorer: {self.scenario}, step {self.step + 1}"

    def _read_params(self) -> Params:
        return dataclasses.replace(self.params, guest_ram_mib=float(self.ram.value),
                                   dirty_rate_mib_s=float(self.dirty_rate.value),
                                   bandwidth_gbit_s=float(self.bandwidth.value), hotplug=self.hotplug.value)

    def _update_scenarios(self, prefer: str | None = None) -> None:
        try:
            self.applicability = applicable_scenarios(self.domain, params=self.params, pair=self.pair)
        except TeamkitError as exc:
            self.applicability = ()
            self.error = str(exc)
        options = [(f"{SCENARIOS[a.scenario].title} ({SCENARIOS[a.scenario].case})", a.scenario)
                   for a in self.applicability if a.applicable]
        keep = prefer or self.scenario_choice.value
        self._quiet = True
        try:
            self.scenario_choice.options = options
            names = [name for _, name in options]
            if keep in names:
                self.scenario_choice.value = keep
            elif names:
                self.scenario_choice.value = names[0]
        finally:
            self._quiet = False
        others = [a for a in self.applicability if not a.applicable]
        rows = [(f"{escape(SCENARIOS[a.scenario].title)} ({SCENARIOS[a.scenario].case}, "
                 f"<code>{escape(a.scenario)}</code>)", escape(a.reason)) for a in others]
        self.not_applicable.value = (
            "" if not rows else
            f"<details style='line-height:1.4;font-size:13px'><summary>{len(rows)} scenario(s) cannot happen to "
            "this domain</summary>"
            f"{table(('scenario', 'why not'), rows, raw_html=True)}</details>")

    def _on_change(self, change: Mapping[str, Any]) -> None:
        if self._quiet:
            return
        if change.get("owner") is not self.scenario_choice:
            self.params = self._read_params()
            self._update_scenarios()
        self.recompute()

    def recompute(self) -> None:
        """Simulate the chosen scenario with the current parameters and show it from the same step (clipped)."""
        self.params = self._read_params()
        self.timeline, self.timeline_dot = None, ""
        if not self.error and self.scenario is None:
            self.error = "no scenario applies to this domain"
        if self.scenario is not None:
            try:
                self.timeline = simulate(self.domain, self.scenario, self.params, pair=self.pair)
            except TeamkitError as exc:
                self.error = str(exc)
            else:
                self.error = None
                self.timeline_dot = timeline_dot(self.timeline)
        count = len(self.timeline.events) if self.timeline is not None else 1
        self._quiet = True
        try:
            self.step_slider.max = max(count - 1, 0)
        finally:
            self._quiet = False
        self._render_timeline()
        self._render_step()

    def _on_step(self, change: Mapping[str, Any]) -> None:
        if not self._quiet:
            self._render_step()

    # -- views ----------------------------------------------------------------------------------------------------

    def _render_timeline(self) -> None:
        if self.timeline is None:
            self.picture.value = f"<p style='color:#c62828'>{escape(self.error or 'no timeline')}</p>"
            self.totals_view.value = ""
            return
        self.totals_view.value = show_totals(self.timeline).html
        self.picture.value = svg_html(self.timeline_dot, fit=False, max_height="900px") if self.draw else ""

    def _render_step(self) -> None:
        if self.timeline is None:
            self.current = None
            self.step_view.value = ""
            disabled = True
        else:
            self.current = step_at(self.timeline, self.step)
            self.step_view.value = step_html(self.current)
            disabled = False
        self.prev_button.disabled = disabled or self.step <= 0
        self.next_button.disabled = disabled or self.step >= self.step_slider.max
        self.step_slider.disabled = disabled
