"""``teamkit argv``: the -netdev/-device arguments libvirt gives the domain's NICs and PCI hostdevs."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from teamkit.errors import TeamkitError

__all__ = ["register"]

_HELP = """\
Print the -netdev and -device arguments libvirt writes for every <interface> and every PCI <hostdev>, in
libvirt's command-line order, each value written as libvirt writes it for the chosen QEMU version (JSON -device
from 7.0 and JSON -netdev from 7.2, legacy key=value before). PCI addresses that the XML leaves out are assigned
as libvirt does (i440fx: slots on pci.0; q35: a pcie-root-port per device). Host facts libvirt only learns at
start (tap and vhost file descriptors) are the fixed placeholders libvirt's own test suite prints (fd 102, vhostfd
44, ...). If libvirt would refuse the domain, its exact error is printed instead (exit 1)."""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("argv", help="the exact QEMU arguments libvirt produces for the NICs and VFs",
                       description=_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("path", metavar="DOMAIN.xml")
    p.add_argument("--json", action="store_true", help='print {"path", "qemu", "argv": [...], "warnings": [...]}')
    p.add_argument("--controllers", action="store_true",
                   help="also print the PCI controllers (including those libvirt adds: pcie-root-port, pci-bridge)")
    p.add_argument("--network", metavar="NET.xml", action="append", default=[],
                   help="a libvirt network definition, registered under its <name>. Repeatable.")
    p.add_argument("--qemu", metavar="VER", default="latest",
                   help="QEMU version: 6.2, 7.0, 7.2, ... or latest (default; QEMU 10.0 as in libvirt 11.3)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    from teamkit.libvirt.parse import parse_domain_file, parse_network_file
    from teamkit.libvirt.validate import libvirt_errors
    from teamkit.qemu import QemuVersion, QemuVersionError, render_argv

    try:
        qemu = QemuVersion.parse(args.qemu)
    except QemuVersionError as exc:
        raise TeamkitError(f"--qemu: {exc}") from None
    networks = {n.name: n for n in (parse_network_file(p) for p in args.network)}
    domain = parse_domain_file(args.path)
    errors = libvirt_errors(domain, networks=networks, qemu=(qemu.major, qemu.minor, qemu.micro))
    refusal = errors[0].libvirt_message if errors else None
    if refusal is None:
        result = render_argv(domain, networks=networks, qemu=qemu, include_controllers=args.controllers)
        refusal = result.error
    if refusal is not None:
        where = f"{args.path}:{errors[0].line}" if errors and errors[0].line else args.path
        print(f"{where}: libvirt refuses this domain: {refusal}", file=sys.stderr)
        if args.json:
            json.dump({"path": args.path, "qemu": str(qemu), "argv": [], "error": refusal}, out)
            out.write("\n")
        return 1
    for warning in result.warnings:
        print(f"{args.path}: note: {warning}", file=sys.stderr)
    if args.json:
        json.dump({"path": args.path, "qemu": str(qemu), "argv": list(result.argv),
                   "warnings": list(result.warnings)}, out)
        out.write("\n")
    else:
        out.write(result.text())
        if not result.text().endswith("\n"):
            out.write("\n")
    return 0
