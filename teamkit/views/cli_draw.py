"""``teamkit graph``: the device graph of a domain as SVG, PNG or DOT source."""

from __future__ import annotations

import argparse
from typing import Final, TextIO

from teamkit.views.cli_output import add_io_options, load_inputs, note_refusal, output_format, write_picture

__all__ = ["FORMATS", "register", "run"]

FORMATS: Final = ("svg", "png", "dot")

_HELP: Final = """\
Draw how the domain's NICs are wired: the host side (VFs, the hostdev pool, the bridge, NAT network or macvtap
parent), the guest's PCI tree as libvirt builds it (root bus, pcie-root-ports, bridges, with their addresses and
QEMU ids, and whether each bus can hot-plug), each failover pair (the failover_pair_id edge) and the guest's
net_failover bond. Findings are marked on the devices they concern; a domain libvirt refuses is still drawn,
with libvirt's error in the title. .svg and .png need graphviz's dot program; .dot does not.

example: teamkit graph --network hostpool.xml vm.xml -o vm.svg"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("graph", help="draw the NIC wiring: host, guest PCI tree, pairs, the guest's bond",
                       description=_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_io_options(p, formats=FORMATS)
    p.set_defaults(run=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    from teamkit.draw.graph import device_graph_dot
    from teamkit.libvirt.check import check_domain

    fmt = output_format(args.output, FORMATS)
    domain, networks = load_inputs(args)
    findings = check_domain(domain, networks=networks)
    write_picture(args.output, device_graph_dot(domain, networks=networks, findings=findings), fmt,
                  force=args.force)
    note_refusal(args.path, domain, networks, what="the graph marks it", findings=findings)
    return 0
