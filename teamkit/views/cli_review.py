"""``teamkit review``: one self-contained HTML page for a design review of a domain's failover pairs."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Final, TextIO

from teamkit.model import Domain, Network
from teamkit.views.cli_output import add_io_options, load_inputs, note_refusal, output_format, write_text

__all__ = ["register", "review_page", "run"]

_HELP: Final = """\
Write one HTML page to attach to a design review: libvirt's verdict and every finding (libvirt's exact messages,
lines, fixes), the QEMU arguments, the device graph, the happy-path migration timeline and the timeline of every
failure scenario that can happen to this domain, each explained, and what teamkit does not model. The page is
self-contained (inline SVG and CSS; no scripts, nothing fetched). A domain libvirt refuses still gets a page
showing why. Needs graphviz's dot program to draw.

example: teamkit review --network default.xml --network hostpool.xml vm.xml -o vm-review.html"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("review", help="a self-contained HTML design-review page for the domain",
                       description=_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_io_options(p, formats=("html",))
    p.set_defaults(run=run)


def review_page(domain: Domain, *, path: str, networks: Mapping[str, Network] | None = None) -> str:
    """The review page of ``domain`` (read from ``path``); runs ``dot`` for the pictures."""
    from teamkit.draw.graph import device_graph_dot
    from teamkit.draw.report import ScenarioFigure, review_html
    from teamkit.draw.timeline import timeline_dot
    from teamkit.failover import NoFailoverPairError, ScenarioError, applicable_scenarios, guest_view, simulate
    from teamkit.libvirt.check import check_domain
    from teamkit.qemu import render_argv
    from teamkit.views.render import render_svg

    nets = dict(networks or {})
    findings = check_domain(domain, networks=nets)
    errors = [f for f in findings if f.is_error]
    argv = render_argv(domain, networks=nets)
    try:
        guest = guest_view(domain)
    except NoFailoverPairError:
        guest = None
    figures: list[ScenarioFigure] = []
    if guest is not None and not errors:
        for verdict in applicable_scenarios(domain):
            if not verdict.applicable:
                figures.append(ScenarioFigure(verdict))
                continue
            try:
                timeline = simulate(domain, verdict.scenario)
            except ScenarioError:
                figures.append(ScenarioFigure(verdict))
                continue
            figures.append(ScenarioFigure(verdict, timeline, render_svg(timeline_dot(timeline))))
    graph = device_graph_dot(domain, networks=nets, findings=findings, plan=argv.plan)
    refusal = errors[0].libvirt_message or errors[0].message if errors else argv.error
    return review_html(domain=domain, path=path, findings=findings, argv_text=None if refusal else argv.text(),
                       argv_error=refusal, graph_svg=render_svg(graph), guest=guest, scenarios=figures,
                       limits=argv.warnings)


def run(args: argparse.Namespace, out: TextIO) -> int:
    from teamkit.errors import ToolMissingError
    from teamkit.views.render import DOT_INSTALL_HINT, dot_available

    output_format(args.output, ("html",))
    if not dot_available():
        raise ToolMissingError(DOT_INSTALL_HINT)
    domain, networks = load_inputs(args)
    write_text(args.output, review_page(domain, path=args.path, networks=networks), force=args.force)
    note_refusal(args.path, domain, networks, what="the page shows why")
    return 0
