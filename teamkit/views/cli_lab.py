"""``teamkit lab``: prepare the guest image, run a real failover live migration, compare it with the model."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path
from typing import Final, TextIO

__all__ = ["register"]

_HELP: Final = """\
A real virtio-net failover live migration on this machine: a Debian kernel and busybox guest under two QEMUs
(TCG, no KVM, no SR-IOV: an emulated vmxnet3 or e1000e NIC stands in for the VF), migrated over 127.0.0.1. Every
QMP event of both QEMUs, the guest's kernel and topology lines and a continuous ping are recorded on one host clock
(t = 0 at the migrate command) and written as the same timeline JSON the model produces.

  teamkit lab prepare                      build (or reuse) the guest image
  teamkit lab run --scenario happy -o happy.json
  teamkit lab compare happy.json -o side.svg"""

_RUN_HELP: Final = """\
Run one experiment (12-25 s; about 50 s for guest-ignores-unplug with QEMU's 30 s cancel grace). Both QEMUs are
children of this process, QMP and the consoles are unix sockets in a private temporary directory, and the
migration stream listens on 127.0.0.1 only; every QEMU is stopped on every exit path (the end, an error, a
timeout, Ctrl-C). Prints the merged timeline; -o writes the timeline JSON with the raw recording under "raw".
Exit 1 when the migration did not end as the scenario expects, 2 when a tool is missing."""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from teamkit.lab.scenarios import LAB_SCENARIOS, PRIMARIES

    lab = sub.add_parser("lab", help="a real failover live migration under QEMU, recorded and compared with the model",
                         description=_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    steps = lab.add_subparsers(dest="lab_command", metavar="STEP", parser_class=type(lab))
    lab.set_defaults(run=lambda args, out: _usage(lab))

    p = steps.add_parser("prepare", help="fetch the Debian kernel and busybox with apt and build the guest image",
                         description="Resolve the kernel package from linux-image-amd64, fetch it and busybox-static "
                                     "with apt-get download (no root needed, nothing is installed), extract the "
                                     "kernel and the failover modules, and build the initramfs. The result is "
                                     "cached per package versions and reused.")
    _add_cache(p)
    p.add_argument("--rebuild", action="store_true", help="build the image again even if it is cached")
    p.set_defaults(run=_prepare)

    scenarios = "\n".join(textwrap.fill(s.summary, width=100, initial_indent=f"  {s.name:<22}",
                                         subsequent_indent=" " * 24, break_on_hyphens=False)
                           for s in LAB_SCENARIOS.values())
    p = steps.add_parser("run", help="run one real migration experiment", description=_RUN_HELP,
                         epilog="scenarios:\n" + scenarios, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scenario", required=True, choices=list(LAB_SCENARIOS), metavar="NAME",
                   help="the experiment (see below)")
    p.add_argument("--primary", choices=PRIMARIES, default="vmxnet3",
                   help="the emulated primary NIC: vmxnet3 reports link up at once (no loss; default), e1000e "
                        "needs 2-3 s after every plug while net_failover already drops frames on the standby")
    p.add_argument("--hotplug", choices=("acpi", "pcie"), default=None,
                   help="guest hotplug: acpi (q35's default) or pcie (native, 5 s attention-button delay); "
                        "pcie-native implies pcie, guest-ignores-unplug, slow-guest and primary-on-pci0 need acpi; "
                        "primary-on-root-bus with pcie shows QEMU refusing the primary at startup")
    p.add_argument("-o", "--output", metavar="OUT.json", default=None, help="write the timeline JSON (atomically)")
    p.add_argument("--force", action="store_true", help="overwrite OUT.json if it exists")
    p.add_argument("--qemu-binary", metavar="PATH", default=None, help="QEMU to run (default: qemu-system-x86_64)")
    _add_cache(p)
    p.set_defaults(run=_run)

    p = steps.add_parser("compare", help="line a recorded run up with the model's timeline",
                         description="Simulate the model's scenario for the run's settings (hotplug, primary "
                                     "link-up time, guest, QEMU version) and report whether each actor's shared "
                                     "events come in the same order, and how the durations differ. Exit 1 when "
                                     "the order disagrees.")
    p.add_argument("path", metavar="OUT.json", help="a file written by teamkit lab run -o")
    p.add_argument("-o", "--output", metavar="SIDE.svg", default=None,
                   help="draw model and measurement side by side: .svg, .png (need graphviz's dot) or .dot")
    p.add_argument("--force", action="store_true", help="overwrite the drawing if it exists")
    p.add_argument("--json", action="store_true", help="print the comparison as JSON")
    p.set_defaults(run=_compare)


def _add_cache(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cache", metavar="DIR", type=Path, default=None,
                   help="image cache (default: $TEAMKIT_LAB_CACHE, else ~/.cache/teamkit/lab)")


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _say(message: str) -> None:
    print(f"teamkit lab: {message}", file=sys.stderr, flush=True)


def _prepare(args: argparse.Namespace, out: TextIO) -> int:
    import time

    from teamkit.lab.prepare import prepare_image

    started = time.monotonic()
    image = prepare_image(args.cache, progress=_say, rebuild=args.rebuild)
    m = image.manifest
    print(f"kernel    {image.kernel}  ({m.get('kernel')} {m.get('kernel_version')})", file=out)
    print(f"initramfs {image.initrd}  (busybox {m.get('busybox_version')}, {len(m.get('modules', []))} modules)",
          file=out)
    _say(f"done in {time.monotonic() - started:.1f} s")
    return 0


def _run(args: argparse.Namespace, out: TextIO) -> int:
    import os

    from teamkit.errors import TeamkitError
    from teamkit.lab.channels import LabError
    from teamkit.lab.measure import timeline_from_raw
    from teamkit.lab.prepare import prepare_image
    from teamkit.lab.run import find_qemu, run_lab
    from teamkit.lab.scenarios import settings_for
    from teamkit.lab.text import timeline_text

    try:
        settings = settings_for(args.scenario, primary=args.primary, hotplug=args.hotplug)
    except ValueError as exc:
        raise TeamkitError(str(exc)) from None
    if args.output and os.path.exists(args.output) and not args.force:
        raise TeamkitError(f"{args.output}: already exists; pass --force to overwrite it")
    find_qemu(args.qemu_binary)
    image = prepare_image(args.cache, progress=_say)
    try:
        raw = run_lab(settings, image, binary=args.qemu_binary, progress=_say)
    except LabError as exc:
        print(f"teamkit lab: {exc}", file=sys.stderr)
        return 1
    timeline = timeline_from_raw(raw)
    out.write(timeline_text(timeline))
    if args.output:
        from teamkit.io import write_atomic

        document = {**timeline.to_json_dict(), "raw": raw}
        write_atomic(args.output, json.dumps(document, indent=1) + "\n", force=args.force)
        _say(f"wrote {args.output}")
    outcome = timeline.totals.get("outcome")
    if outcome != settings.expect:
        _say(f"the migration ended {outcome}, the scenario expects {settings.expect}")
        return 1
    return 0


def _compare(args: argparse.Namespace, out: TextIO) -> int:
    from teamkit.errors import InputError
    from teamkit.failover.timeline import Timeline
    from teamkit.lab.compare import compare, side_by_side_dot

    try:
        with open(args.path, encoding="utf-8") as stream:
            data = json.load(stream)
        measured = Timeline.from_json_dict(data)
    except OSError as exc:
        raise InputError(args.path, exc.strerror or str(exc)) from None
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(args.path, f"not a lab timeline: {exc}") from None
    comparison = compare(measured)
    if args.json:
        json.dump(comparison.to_json_dict(), out, indent=2)
        out.write("\n")
    else:
        out.write(comparison.text() + "\n")
    if args.output:
        from teamkit.views.cli_output import output_format, write_picture

        fmt = output_format(args.output, ("svg", "png", "dot"))
        write_picture(args.output, side_by_side_dot(comparison), fmt, force=args.force)
        _say(f"wrote {args.output}")
    return 0 if comparison.agrees else 1
