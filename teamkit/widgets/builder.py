"""``TeamingBuilder``: design a failover pair with controls and see libvirt's verdict, the argv and the graph live."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, Final

import ipywidgets as w

from teamkit.design import (
    MAX_PAIRS,
    NIC_MODELS,
    PERSISTENT_TYPES,
    QEMU_CHOICES,
    SOURCE_LABELS,
    Evaluation,
    PairDesign,
    design_from_domain,
    design_problems,
    domain_xml,
    evaluate_text,
    networks_xml,
)
from teamkit.errors import TeamkitError
from teamkit.findings import Finding
from teamkit.io import OutputExistsError, write_atomic
from teamkit.libvirt.parse import parse_domain_file, parse_domain_string, parse_network_file, parse_network_string
from teamkit.model import Domain, Network
from teamkit.present import code_block, findings_html, svg_html, verdict, verdict_html
from teamkit.present.rich import escape
from teamkit.widgets.common import WidgetView, control_style, full_width, html_pane, section

__all__ = ["TRANSIENT_LABELS", "TeamingBuilder"]

#: the transient member's kinds as the dropdown names them
TRANSIENT_LABELS: Final = (
    ("<interface type='hostdev'>", "interface-hostdev"),
    ("plain <hostdev> (libvirt ≥ 7.1)", "plain-hostdev"),
    ("network: hostdev pool", "hostdev-network"),
)
_MACHINE_LABELS: Final = (("q35 (PCI Express)", "q35"), ("pc (i440fx, PCI)", "pc"))
_TABS: Final = ("Findings", "QEMU argv", "Domain XML", "Device graph")


class TeamingBuilder(WidgetView):
    """Controls for one failover design and live views of what teamkit says about it.

    The state is plain attributes: ``design``, ``domain_xml``, ``networks_xml``, ``domain``, ``evaluation``,
    ``findings``, ``argv``, ``argv_text``, ``graph_dot``, ``problems``, ``notes`` and ``export_message``. The
    root widget is ``widget``; the notebook displays it (or the builder itself).
    """

    def __init__(self, design: PairDesign | None = None, *, notes: Sequence[str] = (), draw: bool = True) -> None:
        self.design = design or PairDesign()
        self.notes: tuple[str, ...] = tuple(notes)
        self.draw = draw
        self.domain_xml = ""
        self.networks_xml: dict[str, str] = {}
        self.domain: Domain | None = None
        self.evaluation: Evaluation | None = None
        self.findings: tuple[Finding, ...] = ()
        self.argv: tuple[str, ...] = ()
        self.argv_text = ""
        self.graph_dot = ""
        self.problems: tuple[str, ...] = ()
        self.export_message = ""
        self._quiet = False
        self._make_controls()
        self.widget = self._layout()
        self._show_design(self.design)
        for control in self._controls():
            control.observe(self._on_change, names="value")
        self.export_button.on_click(self._on_export)
        self.refresh()

    # -- construction ---------------------------------------------------------------------------------------------

    @classmethod
    def from_xml(cls, text: str, *, networks: Sequence[str] = (), path: str = "<string>",
                 draw: bool = True) -> TeamingBuilder:
        """A builder set up from domain XML (and network XML texts); ``notes`` says what did not map."""
        nets = {n.name: n for n in (parse_network_string(x) for x in networks)}
        return cls._from_domain(parse_domain_string(text, path), nets, draw)

    @classmethod
    def from_file(cls, path: str, *, networks: Sequence[str] = (), draw: bool = True) -> TeamingBuilder:
        """A builder set up from a domain XML file (and network XML files)."""
        nets = {n.name: n for n in (parse_network_file(p) for p in networks)}
        return cls._from_domain(parse_domain_file(path), nets, draw)

    @classmethod
    def _from_domain(cls, domain: Domain, networks: Mapping[str, Network], draw: bool) -> TeamingBuilder:
        mapped = design_from_domain(domain, networks=networks)
        return cls(mapped.design, notes=mapped.notes, draw=draw)

    def _make_controls(self) -> None:
        style = control_style()
        self.machine = w.Dropdown(options=_MACHINE_LABELS, description="Machine", style=style, layout=full_width())
        self.acpi = w.Checkbox(description="ACPI", style=style, indent=True,
                               tooltip="<features><acpi/>: on machine pc, pci.0 hot-plugs only with ACPI")
        self.qemu = w.Dropdown(options=QEMU_CHOICES, description="QEMU", style=style, layout=full_width())
        self.pairs = w.IntSlider(min=1, max=MAX_PAIRS, description="Pairs", style=style, layout=full_width())
        self.persistent_type = w.Dropdown(options=PERSISTENT_TYPES, description="Type", style=style,
                                          layout=full_width())
        self.persistent_source = w.Text(description="Source", style=style, layout=full_width(),
                                        continuous_update=False)
        self.model = w.Dropdown(options=NIC_MODELS, description="Model", style=style, layout=full_width())
        self.mac = w.Text(description="MAC", style=style, layout=full_width(), continuous_update=False)
        self.alias = w.Text(description="Alias", style=style, layout=full_width(), continuous_update=False)
        self.transient_kind = w.Dropdown(options=TRANSIENT_LABELS, description="Kind", style=style,
                                         layout=full_width())
        self.transient_kind.add_class("teamkit-transient-kind")
        self.pool_network = w.Text(description="Pool", style=style, layout=full_width(), continuous_update=False,
                                   tooltip="the <forward mode='hostdev'> network that hands out the VFs")
        self.vf_address = w.Text(description="VF address", style=style, layout=full_width(),
                                 continuous_update=False, placeholder="0000:03:07.1")
        self.managed = w.Checkbox(description="managed by libvirt", style=style, indent=True,
                                  tooltip="libvirt detaches the VF from its host driver and binds it to vfio-pci")
        self.export_path = w.Text(value="teaming-demo.xml", description="Export to", style=style,
                                  layout=w.Layout(flex="1 1 auto", width="auto", max_width="520px"))
        self.overwrite = w.Checkbox(description="overwrite", indent=False, layout=w.Layout(width="110px"))
        self.export_button = w.Button(description="Export XML", icon="download", button_style="primary",
                                      layout=w.Layout(width="130px"))
        self.export_status = html_pane("teamkit-export-status")
        self.summary_view = html_pane("teamkit-summary")
        self.notes_view = html_pane("teamkit-notes")
        self.findings_view = html_pane("teamkit-findings-pane")
        self.argv_view = html_pane("teamkit-argv")
        self.xml_view = html_pane("teamkit-xml")
        self.graph_view = html_pane("teamkit-graph")

    def _controls(self) -> tuple[w.ValueWidget, ...]:
        return (self.machine, self.acpi, self.qemu, self.pairs, self.persistent_type, self.persistent_source,
                self.model, self.mac, self.alias, self.transient_kind, self.pool_network, self.vf_address,
                self.managed)

    def _layout(self) -> w.Widget:
        column = {"flex": "1 1 0", "min_width": "270px", "margin": "0 10px 0 0"}
        form = w.HBox([
            w.Box([section("Machine", self.machine, self.acpi, self.qemu, self.pairs)], layout=w.Layout(**column)),
            w.Box([section("Persistent NIC (virtio, always present)", self.persistent_type, self.persistent_source,
                           self.model, self.mac, self.alias)], layout=w.Layout(**column)),
            w.Box([section("Transient VF (unplugged for migration)", self.transient_kind, self.pool_network,
                           self.vf_address, self.managed)], layout=w.Layout(**column)),
        ], layout=w.Layout(width="100%", flex_flow="row wrap", align_items="stretch"))
        self.tabs = w.Tab(children=[self.findings_view, self.argv_view, self.xml_view, self.graph_view],
                          layout=w.Layout(width="auto"))
        for i, title in enumerate(_TABS):
            self.tabs.set_title(i, title)
        export = w.HBox([self.export_path, self.overwrite, self.export_button],
                        layout=w.Layout(width="100%", align_items="center", margin="8px 0 0 0"))
        root = w.VBox([form, self.summary_view, self.notes_view, self.tabs, export, self.export_status],
                      layout=w.Layout(width="100%"))
        root.add_class("teamkit-builder")
        return root

    # -- design ↔ controls ----------------------------------------------------------------------------------------

    def _show_design(self, design: PairDesign) -> None:
        self._quiet = True
        try:
            self.machine.value = design.machine
            self.acpi.value = design.acpi
            self.qemu.value = design.qemu if design.qemu in QEMU_CHOICES else "latest"
            self.pairs.value = design.pairs
            self.persistent_type.value = design.persistent_type
            self.persistent_source.value = design.persistent_source
            self.model.value = design.model
            self.mac.value = design.mac
            self.alias.value = design.alias
            self.transient_kind.value = design.transient
            self.pool_network.value = design.pool_network
            self.vf_address.value = design.vf_address
            self.managed.value = design.managed
        finally:
            self._quiet = False

    def _read_design(self) -> PairDesign:
        return dataclasses.replace(
            self.design, machine=self.machine.value, acpi=self.acpi.value, qemu=self.qemu.value,
            pairs=self.pairs.value, persistent_type=self.persistent_type.value,
            persistent_source=self.persistent_source.value, model=self.model.value, mac=self.mac.value.strip(),
            alias=self.alias.value.strip(), transient=self.transient_kind.value,
            pool_network=self.pool_network.value.strip(), vf_address=self.vf_address.value.strip(),
            managed=self.managed.value,
        )

    def set_design(self, design: PairDesign) -> None:
        """Show ``design`` in the controls and recompute everything once."""
        self._show_design(design)
        self.refresh()

    # -- computing ------------------------------------------------------------------------------------------------

    def _on_change(self, change: Mapping[str, Any]) -> None:
        if not self._quiet:
            self.refresh()

    def refresh(self) -> None:
        """Read the controls, rebuild the XML, and recompute findings, argv and graph (as the CLI would)."""
        self.design = self._read_design()
        self._adapt_controls()
        self.problems = design_problems(self.design)
        self.domain_xml, self.networks_xml, self.domain, self.evaluation = "", {}, None, None
        self.findings, self.argv, self.argv_text, self.graph_dot = (), (), "", ""
        if not self.problems:
            self.domain_xml = domain_xml(self.design)
            self.networks_xml = networks_xml(self.design)
            try:
                evaluation = evaluate_text(self.domain_xml, networks=self.networks_xml,
                                           qemu=self.design.qemu_version, path=f"{self.design.name}.xml")
            except TeamkitError as exc:
                self.problems = (str(exc),)
            else:
                self.evaluation = evaluation
                self.domain = evaluation.domain
                self.findings = evaluation.findings
                self.argv = evaluation.argv
                self.argv_text = evaluation.argv_text()
                self.graph_dot = evaluation.graph_dot()
        self._render()

    def _adapt_controls(self) -> None:
        label = SOURCE_LABELS.get(self.design.persistent_type)
        self.persistent_source.disabled = label is None
        self.persistent_source.placeholder = "(none for type user)" if label is None else label
        pool = self.design.transient == "hostdev-network"
        self.pool_network.layout.display = None if pool else "none"
        self.vf_address.description = "First VF" if pool else "VF address"

    # -- views ----------------------------------------------------------------------------------------------------

    def summary(self) -> str:
        if self.problems:
            return "TeamingBuilder: " + "; ".join(self.problems)
        return f"TeamingBuilder: {self.design.machine}, {self.design.pairs} pair(s): {verdict(self.findings)}"

    def _render(self) -> None:
        self.notes_view.value = self._notes_html()
        if self.problems:
            items = "".join(f"<li>{escape(p)}</li>" for p in self.problems)
            self.summary_view.value = (f"<div style='color:#c62828;line-height:1.4'><b>Cannot build the XML:</b>"
                                       f"<ul style='margin:2px 0'>{items}</ul></div>")
            for pane in (self.findings_view, self.argv_view, self.xml_view, self.graph_view):
                pane.value = ""
            return
        self.summary_view.value = verdict_html(self.findings)
        self.findings_view.value = findings_html(self.findings, with_verdict=False)
        self.argv_view.value = code_block(self.argv_text, css_class="teamkit-argv-text", wrap=False)
        nets = "".join(f"<div style='margin-top:6px'>network <b>{escape(name)}</b> "
                       f"(<code>virsh net-define</code>):</div>{code_block(text, wrap=False)}"
                       for name, text in self.networks_xml.items())
        self.xml_view.value = code_block(self.domain_xml, css_class="teamkit-xml-text", wrap=False) + nets
        self.graph_view.value = (svg_html(self.graph_dot, fit=False, max_height="640px") if self.draw
                                 else code_block(self.graph_dot, wrap=False))

    def _notes_html(self) -> str:
        if not self.notes:
            return ""
        items = "".join(f"<li>{escape(n)}</li>" for n in self.notes)
        return ("<div style='border-left:3px solid #e6a23c;padding:2px 8px;margin-bottom:6px'>"
                f"<b>Loaded; not everything maps to the controls:</b><ul style='margin:2px 0'>{items}</ul></div>")

    # -- export ---------------------------------------------------------------------------------------------------

    def export(self, path: str | None = None, *, overwrite: bool | None = None) -> str:
        """Write the domain XML atomically; an existing file is replaced only with ``overwrite``. Returns the
        message also shown under the button."""
        target = (path if path is not None else self.export_path.value).strip()
        force = self.overwrite.value if overwrite is None else overwrite
        if self.problems or not self.domain_xml:
            message = "Nothing to export: " + "; ".join(self.problems or ("no XML yet",))
        elif not target:
            message = "Give a file name to export to."
        else:
            try:
                write_atomic(target, self.domain_xml, force=force)
            except OutputExistsError:
                message = f"{target} already exists; tick 'overwrite' to replace it."
            except TeamkitError as exc:
                message = f"Not exported: {exc}"
            else:
                message = f"Wrote {target}" + self._export_caveats()
        self.export_message = message
        self.export_status.value = f"<div style='font-size:12px'>{escape(message)}</div>"
        return message

    def _export_caveats(self) -> str:
        notes = []
        errors = [f for f in self.findings if f.is_error]
        if errors:
            notes.append(f"libvirt will refuse it: {errors[0].libvirt_message or errors[0].message}")
        if self.networks_xml:
            notes.append(f"it uses network(s) {', '.join(self.networks_xml)} (definitions under Domain XML)")
        return "".join(f"; {n}" for n in notes) + "."

    def _on_export(self, _button: w.Button) -> None:
        self.export()
