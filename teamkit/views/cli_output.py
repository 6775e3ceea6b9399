"""Shared plumbing of the picture commands: -o/--force/--network options, output formats, atomic writes."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence

from teamkit.errors import TeamkitError
from teamkit.findings import Finding
from teamkit.model import Domain, Network

__all__ = ["add_io_options", "load_inputs", "note_refusal", "output_format", "write_picture", "write_text"]


def add_io_options(p: argparse.ArgumentParser, *, formats: Sequence[str]) -> None:
    """``DOMAIN.xml``, ``-o OUT.<fmt>`` (required), ``--force`` and the repeatable ``--network``."""
    p.add_argument("path", metavar="DOMAIN.xml")
    listed = ", ".join(f".{f}" for f in formats)
    p.add_argument("-o", "--output", metavar="OUT", required=True,
                   help=f"the file to write; its extension picks the format ({listed}). Written atomically: on "
                        "any error an existing file is left as it was")
    p.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
    p.add_argument("--network", metavar="NET.xml", action="append", default=[],
                   help="a libvirt network definition (virsh net-dumpxml), registered under its <name>. Repeatable.")


def output_format(path: str, formats: Sequence[str]) -> str:
    """The format named by ``path``'s extension, which must be one of ``formats``."""
    ext = os.path.splitext(path)[1].lower().lstrip(".")
    if ext not in formats:
        what = f"unknown output format '.{ext}'" if ext else "no extension to choose the output format by"
        raise TeamkitError(f"-o {path}: {what}; use {', '.join('.' + f for f in formats)}")
    return ext


def load_inputs(args: argparse.Namespace) -> tuple[Domain, dict[str, Network]]:
    """The domain and the networks named on the command line (input errors raise ``InputError``: exit 2)."""
    from teamkit.libvirt.parse import parse_domain_file, parse_network_file

    networks = {n.name: n for n in (parse_network_file(p) for p in args.network)}
    return parse_domain_file(args.path), networks


def write_text(path: str, text: str, *, force: bool) -> None:
    """Write ``text`` (UTF-8) atomically."""
    from teamkit.io import write_atomic

    write_atomic(path, text, force=force)


def write_picture(path: str, source: str, fmt: str, *, force: bool) -> None:
    """Write DOT ``source`` as ``fmt``: the DOT text itself, or rendered by ``dot`` (checked before anything is
    written; if rendering fails, an existing file is left as it was)."""
    if fmt == "dot":
        write_text(path, source, force=force)
        return
    from teamkit.errors import ToolMissingError
    from teamkit.io import write_rendered
    from teamkit.views.render import DOT_INSTALL_HINT, dot_available, render_dot

    if not dot_available():
        raise ToolMissingError(DOT_INSTALL_HINT)
    write_rendered(path, lambda stream: stream.write(render_dot(source, fmt=fmt)), force=force)


def note_refusal(path: str, domain: Domain, networks: Mapping[str, Network], *, what: str,
                 findings: Sequence[Finding] | None = None) -> None:
    """One line on stderr when libvirt refuses the domain (the output was still written)."""
    from teamkit.libvirt.check import check_domain

    found = check_domain(domain, networks=networks) if findings is None else findings
    errors = [f for f in found if f.is_error]
    if errors:
        where = f"{path}:{errors[0].line}" if errors[0].line else path
        print(f"{where}: note: libvirt refuses this domain ({errors[0].libvirt_message or errors[0].message}); "
              f"{what}", file=sys.stderr)
