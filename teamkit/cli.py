"""The ``teamkit`` command line: a thin adapter over the library; errors go to stderr, never as tracebacks."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Final, TextIO

from teamkit import __version__
from teamkit.errors import InputError, TeamkitError

__all__ = ["main"]

EXIT_OK: Final = 0
EXIT_FINDINGS: Final = 1
EXIT_USAGE: Final = 2

_DESCRIPTION: Final = """\
teamkit answers questions about virtio-net failover pairs (libvirt <teaming>): what libvirt will accept and
why, the exact QEMU arguments it produces, and what happens during a migration.

exit codes: 0 fine; 1 a finding of severity error (with --strict, also a warning) or a failed smoke check;
2 a usage error or an unreadable or malformed input."""


class _Parser(argparse.ArgumentParser):
    """argparse that exits with 2 and a one-line message (its default already uses 2; keep the text short)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(EXIT_USAGE)


def _add_network(p: argparse.ArgumentParser) -> None:
    p.add_argument("--network", metavar="NET.xml", action="append", default=[],
                   help="a libvirt network definition (virsh net-dumpxml); registered under its <name>. "
                        "Repeatable.")


def _add_qemu(p: argparse.ArgumentParser) -> None:
    p.add_argument("--qemu", metavar="VER", default=None,
                   help="QEMU version whose behaviour to reproduce, e.g. 6.2, 7.0, 7.2 (default: the newest). "
                        "JSON -device from 7.0, JSON -netdev from 7.2; no failover below 4.2.")


def build_parser() -> argparse.ArgumentParser:
    return _build_parser(_EXTRA_COMMANDS)


def _build_parser(extra_commands: Sequence[tuple[str, str]]) -> argparse.ArgumentParser:
    parser = _Parser(prog="teamkit", description=_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"teamkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("validate", help="check domains as libvirt does, plus failover review advisories",
                       description="Check domain XML files: libvirt's errors with libvirt's exact messages, in "
                                   "libvirt's order (the first error is the one virsh define or start reports), "
                                   "then teamkit's advisories for pairs libvirt accepts but that will not work.")
    p.add_argument("paths", nargs="+", metavar="DOMAIN.xml|DIR",
                   help="domain XML files, or directories to audit: every *.xml file below DIR, recursively, "
                        "sorted by path (symbolic links are not followed out of DIR, nor to directories; "
                        "other files are ignored and counted); an unreadable file is reported and the audit "
                        "carries on")
    p.add_argument("--json", action="store_true",
                   help="print one JSON document; for a directory audit, one JSON record per file per line")
    p.add_argument("--strict", action="store_true", help="warnings fail too (exit 1)")
    p.add_argument("--jobs", "-j", metavar="N", type=_positive_int, default=None,
                   help="processes for a directory audit (default: every core; 1 checks in this process). "
                        "A directory audit ends with a summary table (files, ok, with errors, with warnings, "
                        "unreadable, top findings) and shows a progress bar when stderr is a terminal.")
    _add_network(p)
    _add_qemu(p)
    p.set_defaults(run=_run_validate)

    p = sub.add_parser("xml", help="print the domain the way libvirt formats it",
                       description="Print the domain as libvirt would store it after define: libvirt's element "
                                   "order inside <interface> and <hostdev>, single quotes, <teaming> in its "
                                   "place, aliases libvirt drops removed.")
    p.add_argument("path", metavar="DOMAIN.xml")
    p.add_argument("-o", "--output", metavar="FILE", default=None,
                   help="write to FILE instead of stdout (atomically: a temporary file beside it, then a rename; "
                        "on any error the previous FILE is left as it was)")
    p.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    _add_network(p)
    p.set_defaults(run=_run_xml)

    for _command, module in extra_commands:
        try:
            register = __import__(module, fromlist=["register"]).register
        except ImportError:
            continue
        register(sub)
    return parser


#: further subcommands, each a module with ``register(subparsers)``; a missing module is simply not offered (nor
#: imported when the command line starts with one of :data:`_BUILTIN_COMMANDS`, which never need them)
_EXTRA_COMMANDS: Final = (
    ("argv", "teamkit.views.cli_argv"),
    ("smoke", "teamkit.views.cli_smoke"),
    ("graph", "teamkit.views.cli_draw"),
    ("timeline", "teamkit.views.cli_timeline"),
    ("review", "teamkit.views.cli_review"),
    ("lab", "teamkit.views.cli_lab"),
)
_BUILTIN_COMMANDS: Final = ("validate", "xml")


def _load_networks(paths: Sequence[str]) -> dict[str, object]:
    from teamkit.libvirt.parse import parse_network_file

    nets: dict[str, object] = {}
    for path in paths:
        net = parse_network_file(path)
        nets[net.name] = net
    return nets


def _parse_qemu(text: str | None) -> tuple[int, int, int] | None:
    if text is None:
        return None
    from teamkit.qemu.version import QemuVersion, QemuVersionError

    try:
        v = QemuVersion.parse(text)
    except QemuVersionError as exc:
        raise TeamkitError(f"--qemu: {exc}") from None
    return (v.major, v.minor, v.micro)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of processes, 1 or more, not {text!r}")
    return value


def _run_validate(args: argparse.Namespace, out: TextIO) -> int:
    import os
    from typing import cast

    from teamkit.libvirt.check import check_domain
    from teamkit.libvirt.messages import Severity
    from teamkit.libvirt.parse import parse_domain_file
    from teamkit.model import Network

    networks = _load_networks(args.network)
    qemu = _parse_qemu(args.qemu)
    if any(os.path.isdir(path) for path in args.paths):
        from teamkit.views.audit import collect_files, default_jobs, stream_audit

        summary = stream_audit(collect_files(args.paths), out, sys.stderr, as_json=args.json,
                               jobs=args.jobs or default_jobs(), networks=cast(dict[str, Network], networks),
                               qemu=qemu, strict=args.strict)
        return summary.exit_code
    records = []
    status = EXIT_OK
    for path in args.paths:
        try:
            domain = parse_domain_file(path)
        except InputError as exc:
            records.append({"path": path, "ok": False, "findings": [_input_error_finding(exc)]})
            if not args.json:
                print(f"{exc}", file=sys.stderr)
            status = max(status, EXIT_USAGE)
            continue
        findings = check_domain(domain, networks=networks, qemu=qemu)  # type: ignore[arg-type]
        failing = [f for f in findings if f.is_error or (args.strict and f.severity is Severity.WARNING)]
        ok = not failing
        if not ok:
            status = max(status, EXIT_FINDINGS)
        records.append({"path": path, "ok": ok, "findings": [f.to_json() for f in findings]})
        if not args.json:
            _print_findings(path, findings, ok, out)
    if args.json:
        import json

        json.dump({"files": records}, out, indent=2)
        out.write("\n")
    return status


def _input_error_finding(exc: InputError) -> dict[str, object]:
    return {"code": "input-error", "severity": "error", "message": exc.problem, "libvirt_message": None,
            "line": exc.line, "xpath": None, "hint": None, "stage": None}


def _print_findings(path: str, findings: Sequence[object], ok: bool, out: TextIO) -> None:
    from teamkit.findings import Finding

    errors = sum(1 for f in findings if isinstance(f, Finding) and f.is_error)
    others = len(findings) - errors
    verdict = "libvirt accepts it" if not errors else "libvirt refuses it"
    print(f"{path}: {verdict} ({errors} error(s), {others} advisory(ies))", file=out)
    for f in findings:
        assert isinstance(f, Finding)
        where = f"{path}:{f.line}" if f.line else path
        text = f.libvirt_message or f.message
        stage = f" at {f.stage}" if f.stage else ""
        print(f"  {where}: {f.severity.value}{stage} [{f.code}] {text}", file=out)
        if f.hint:
            print(f"      fix: {f.hint}", file=out)


def _run_xml(args: argparse.Namespace, out: TextIO) -> int:
    from teamkit.libvirt.format import format_domain_document
    from teamkit.libvirt.parse import load_domain_document

    text = format_domain_document(load_domain_document(args.path))
    if args.output is None or args.output == "-":
        out.write(text)
    else:
        from teamkit.io import write_atomic

        write_atomic(args.output, text, force=args.force)
    return EXIT_OK


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    """Run the command line; returns the exit code instead of raising (except for ``--help``/``--version``)."""
    stream = out or sys.stdout
    words = list(sys.argv[1:] if argv is None else argv)
    parser = _build_parser(() if words[:1] and words[0] in _BUILTIN_COMMANDS else _EXTRA_COMMANDS)
    try:
        args = parser.parse_args(words)
    except SystemExit as exc:
        return int(exc.code or 0)
    run: Callable[[argparse.Namespace, TextIO], int] | None = getattr(args, "run", None)
    if run is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return run(args, stream)
    except InputError as exc:
        print(f"teamkit: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except TeamkitError as exc:
        print(f"teamkit: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("teamkit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
