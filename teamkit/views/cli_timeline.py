"""``teamkit timeline``: a migration scenario of a domain's failover pair as a swimlane SVG, DOT or JSON."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from typing import Final, TextIO

from teamkit.views.cli_output import add_io_options, load_inputs, output_format, write_picture, write_text

__all__ = ["FORMATS", "register", "run"]

FORMATS: Final = ("svg", "dot", "json")

_HELP: Final = """\
Simulate a live migration of the domain with its failover pair and write the event timeline: one lane per actor
(management, libvirt, source and destination QEMU, the guest), one row per step, and the guest's datapath (VF,
virtio, none) beside it. .json is the timeline's data ({"scenario", "parameters", "events", "datapath",
"totals"}); .svg needs graphviz's dot program. A domain libvirt refuses gives libvirt's error (exit 1); a domain
without a failover pair, an unknown scenario or parameter, or a scenario that cannot happen to this domain is a
usage error (exit 2).

example: teamkit timeline --scenario guest-ignores-unplug --set cancel_after_s=5 vm.xml -o stuck.svg"""


def _epilog() -> str:
    from teamkit.failover import Params
    from teamkit.failover.tables import SCENARIOS

    lines = ["scenarios (--scenario):"]
    for s in SCENARIOS.values():
        lines.append(f"  {s.name:<26}{s.case:<4}{s.title}")
    lines.append("")
    lines.append("parameters (--set KEY=VALUE; times in seconds, sizes in MiB):")
    for info in Params.describe():
        default = str(info.default).lower() if isinstance(info.default, bool) else info.default
        lines.append(f"  {info.key} = {default}")
        lines.extend(textwrap.wrap(info.doc, width=100, initial_indent="      ", subsequent_indent="      ",
                                   break_on_hyphens=False))
    return "\n".join(lines)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("timeline", help="a migration scenario of the failover pair as a swimlane timeline",
                       description=_HELP, epilog=_epilog(), formatter_class=argparse.RawDescriptionHelpFormatter)
    add_io_options(p, formats=FORMATS)
    p.add_argument("--scenario", metavar="NAME", default="happy", help="the scenario to simulate (default: happy)")
    p.add_argument("--set", metavar="KEY=VALUE", action="append", default=[], dest="assignments",
                   help="override a parameter (see below). Repeatable.")
    p.add_argument("--pair", metavar="ID", default=None,
                   help="the pair to follow, by the standby's or the primary's QEMU id (default: the first pair)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    from teamkit.draw.timeline import timeline_dot
    from teamkit.failover import Params, parse_assignments, simulate
    from teamkit.libvirt.check import check_domain

    fmt = output_format(args.output, FORMATS)
    params = Params().with_overrides(parse_assignments(args.assignments))
    domain, networks = load_inputs(args)
    errors = [f for f in check_domain(domain, networks=networks) if f.is_error]
    if errors:
        where = f"{args.path}:{errors[0].line}" if errors[0].line else args.path
        print(f"{where}: libvirt refuses this domain: {errors[0].libvirt_message or errors[0].message}",
              file=sys.stderr)
        return 1
    timeline = simulate(domain, args.scenario, params, pair=args.pair)
    if fmt == "json":
        write_text(args.output, json.dumps(timeline.to_json_dict(), indent=2, ensure_ascii=False) + "\n",
                   force=args.force)
    else:
        write_picture(args.output, timeline_dot(timeline), fmt, force=args.force)
    return 0
