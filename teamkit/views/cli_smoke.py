"""``teamkit smoke``: a real QEMU (TCG, paused) proves whether the domain's failover pairs are wired."""

from __future__ import annotations

import argparse
import json
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TYPE_CHECKING, Final, TextIO

if TYPE_CHECKING:
    from teamkit.qemu.smoke import SmokeResult

__all__ = ["register", "run"]

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
#: the same as in :mod:`teamkit.qemu.qmp`, repeated here so that building the parser stays cheap
DEFAULT_BINARY: Final = "qemu-system-x86_64"
DEFAULT_TIMEOUT: Final = 10.0
INSTALL_HINT: Final = "apt-get install qemu-system-x86"

_HELP = f"""\
Start the domain's NICs and VFs in a real QEMU, paused and under TCG (no KVM, no root, no SR-IOV hardware), and
ask it over QMP (a unix socket in a private temporary directory) whether each failover pair is wired.

QEMU hides a VF whose failover_pair_id names a virtio-net NIC with failover=on, and so never opens the host
device. A correctly paired VF is therefore absent from /machine/peripheral and QEMU starts. A VF that is not
hidden (a dangling persistent= reference, an alias libvirt dropped, a transient without its persistent NIC) makes
QEMU open a host device this host does not have, and QEMU refuses to start (on a host that has the VF, QEMU
starts but the VF shows up among the peripherals: the check fails all the same).

The command line holds the machine type (acpi=off without <features><acpi/>, as libvirt writes it), libvirt's
PCI controllers and every -device exactly as libvirt renders it for the installed QEMU; each netdev becomes a
'user' netdev with the same id, so no host network device is touched. A domain libvirt itself refuses is
reported with libvirt's exact error, and QEMU is not started.

exit codes: 0 QEMU started and hid every VF (each pair is wired); 1 libvirt refuses the domain, QEMU refused to
start, or a VF was not hidden; 2 bad input, or QEMU is missing (install it: {INSTALL_HINT})."""


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds: {text!r}")
    return value


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("smoke", help="real QEMU proves the pair is wired (TCG, paused, QMP)", description=_HELP,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("path", metavar="DOMAIN.xml")
    p.add_argument("--json", action="store_true",
                   help='print {"path", "starts", "ok", "error", "peripherals", "hidden_primaries", '
                        '"explanation", "qemu_version", "command", ...}')
    p.add_argument("--network", metavar="NET.xml", action="append", default=[],
                   help="a libvirt network definition, registered under its <name>. Repeatable.")
    p.add_argument("--qemu-binary", metavar="PATH", default=None,
                   help=f"the QEMU to run (default: {DEFAULT_BINARY} on PATH)")
    p.add_argument("--timeout", metavar="SECONDS", type=_seconds, default=DEFAULT_TIMEOUT,
                   help=f"give up on a QEMU that neither answers nor exits (default {DEFAULT_TIMEOUT:g})")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    from teamkit.libvirt.parse import parse_domain_file, parse_network_file
    from teamkit.qemu.qmp import smoke_domain

    networks = {n.name: n for n in (parse_network_file(p) for p in args.network)}
    domain = parse_domain_file(args.path)
    with _terminate_as_interrupt():
        result = smoke_domain(domain, networks=networks, binary=args.qemu_binary, timeout=args.timeout)
    if args.json:
        json.dump({"path": args.path, **result.to_json()}, out, indent=2)
        out.write("\n")
    else:
        _print(args.path, result, out)
    return EXIT_OK if result.ok else EXIT_FAILED


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM unwinds like Ctrl-C while QEMU runs, so the launcher still kills and reaps it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _headline(path: str, r: SmokeResult) -> str:
    qemu = f"QEMU {r.qemu_version}" if r.qemu_version else "QEMU"
    took = f", {r.seconds:.2f} s" if r.seconds is not None else ""
    if r.refused_by == "libvirt":
        where = f"{path}:{r.line}" if r.line else path
        return f"{where}: libvirt refuses this domain, so QEMU was not started"
    if any(n.code == "timeout" for n in r.notes):
        return f"{path}: {qemu} did not answer in time and was killed{took.replace(',', ' after', 1)}"
    if not r.starts:
        return f"{path}: {qemu} refused to start (paused, TCG{took})"
    if r.visible_primaries:
        names = ", ".join(r.visible_primaries)
        return f"{path}: {qemu} started (paused, TCG{took}) but created {names} instead of hiding it: not wired"
    if r.hidden_primaries:
        return f"{path}: {qemu} started (paused, TCG{took}) and hid every VF: each failover pair is wired"
    return f"{path}: {qemu} started (paused, TCG{took}); no VF to pair"


def _print(path: str, r: SmokeResult, out: TextIO) -> None:
    print(_headline(path, r), file=out)
    if r.error is not None:
        print(f"  {'libvirt' if r.refused_by == 'libvirt' else 'QEMU'}: {r.error}", file=out)
    for primary in r.hidden_primaries:
        standby = r.pairs.get(primary, "")
        on = r.failover.get(standby)
        state = "" if on is None else f" (failover={'true' if on else 'false'})"
        print(f"  hidden primary: {primary}, paired with standby {standby}{state}", file=out)
    if r.starts:
        print(f"  peripherals: {' '.join(sorted(r.peripherals)) or '(none)'}", file=out)
    for note in r.notes:
        if note.code == "primary-hidden":
            continue
        if note.code == "libvirt-refuses":
            print(f"      fix: {note.fix}", file=out)
            continue
        label = {"error": "why", "warning": "warning", "info": "note"}.get(note.severity, note.severity)
        print(f"  {label}: {note.message}", file=out)
        if note.fix:
            print(f"      fix: {note.fix}", file=out)
