"""Fleet audit: every ``*.xml`` under the given directories, checked on all cores, with progress and a summary."""

from __future__ import annotations

import importlib
import multiprocessing
import os
import signal
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, TextIO

from teamkit.errors import InputError
from teamkit.model import Network

__all__ = [
    "UNREADABLE_CODES",
    "AuditSummary",
    "FileSet",
    "Progress",
    "audit_one",
    "collect_files",
    "default_jobs",
    "format_summary",
    "format_text_record",
    "run_audit",
    "stream_audit",
    "unreadable_line",
]

#: findings that mean the file could not be checked at all (the exit code is then 2)
UNREADABLE_CODES: Final = frozenset({"input-error", "internal-error"})
TOP_FINDINGS: Final = 10


# --- one file -------------------------------------------------------------------------------------------------------

def audit_one(path: str, *, networks: Mapping[str, Network] | None = None,
              qemu: tuple[int, int, int] | None = None, strict: bool = False) -> dict[str, Any]:
    """The JSON record of one domain file: ``{"path", "ok", "findings": [...]}`` (``teamkit validate --json``'s shape).

    Pure apart from reading ``path``, and never raises for a bad file (an unreadable one is an ``input-error``
    finding), so a distributed engine can map it over a list of paths as it is.
    """
    from teamkit.libvirt.check import check_domain
    from teamkit.libvirt.messages import Severity
    from teamkit.libvirt.parse import parse_domain_file

    try:
        findings = check_domain(parse_domain_file(path), networks=networks, qemu=qemu)
    except InputError as exc:
        return {"path": path, "ok": False, "findings": [_input_error(exc.problem, exc.line)]}
    except Exception as exc:
        problem = f"teamkit failed on this file ({type(exc).__name__}: {exc}); please report it"
        return {"path": path, "ok": False, "findings": [_input_error(problem, None, code="internal-error")]}
    failing = any(f.is_error or (strict and f.severity is Severity.WARNING) for f in findings)
    return {"path": path, "ok": not failing, "findings": [f.to_json() for f in findings]}


def _input_error(problem: str, line: int | None, *, code: str = "input-error") -> dict[str, Any]:
    return {"code": code, "severity": "error", "message": problem, "libvirt_message": None, "line": line,
            "xpath": None, "hint": None, "stage": None}


# --- which files ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FileSet:
    """What an audit reads: the files, in order, and what it deliberately left out (counted, never silent)."""

    paths: tuple[str, ...]
    #: regular files (and links to them) whose names do not end in ``.xml``
    ignored: int = 0
    #: symbolic links leading out of the tree, and links to directories (their targets are not walked)
    links_not_followed: int = 0
    #: directories that could not be listed, with the reason; each becomes an unreadable record
    unlisted: tuple[tuple[str, str], ...] = ()


def collect_files(arguments: Sequence[str]) -> FileSet:
    """Expand directory arguments to their ``*.xml`` files (recursively, sorted by path); files stay as given.

    Symbolic links are not followed out of a directory's tree: a link to a file inside it is audited under the
    link's name, a link leading outside and a link to a directory are counted and not followed.
    """
    paths: list[str] = []
    ignored = links = 0
    unlisted: list[tuple[str, str]] = []
    for argument in arguments:
        if not os.path.isdir(argument):
            paths.append(argument)
            continue
        found, n_ignored, n_links, errors = _walk(argument)
        paths.extend(found)
        ignored += n_ignored
        links += n_links
        unlisted.extend(errors)
    unique = tuple(dict.fromkeys(paths))
    return FileSet(unique, ignored, links, tuple(unlisted))


def _walk(top: str) -> tuple[list[str], int, int, list[tuple[str, str]]]:
    root = os.path.realpath(top)
    found: list[tuple[tuple[str, ...], str]] = []
    ignored = links = 0
    errors: list[tuple[str, str]] = []
    pending = [top]
    while pending:
        directory = pending.pop()
        try:
            with os.scandir(directory) as it:
                entries = list(it)
        except OSError as exc:
            errors.append((directory, f"cannot list the directory: {exc.strerror or exc}"))
            continue
        for entry in entries:
            try:
                if entry.is_symlink():
                    target = os.path.realpath(entry.path)
                    if os.path.isdir(target) or os.path.commonpath([root, target]) != root:
                        links += 1
                        continue
                if entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
                elif entry.name.endswith(".xml"):
                    found.append((tuple(os.path.relpath(entry.path, top).split(os.sep)), entry.path))
                else:
                    ignored += 1
            except OSError as exc:
                errors.append((entry.path, f"cannot inspect: {exc.strerror or exc}"))
    return [path for _, path in sorted(found)], ignored, links, errors


def default_jobs() -> int:
    """Every core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


# --- running ----------------------------------------------------------------------------------------------------------

_worker_options: dict[str, Any] = {}


def _init_worker(options: dict[str, Any]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the pool
    _worker_options.update(options)


def _audit_in_worker(path: str) -> dict[str, Any]:
    return audit_one(path, **_worker_options)


def run_audit(files: FileSet, *, jobs: int = 1, networks: Mapping[str, Network] | None = None,
              qemu: tuple[int, int, int] | None = None, strict: bool = False) -> Iterator[dict[str, Any]]:
    """Records in the order of ``files.paths`` (unlisted directories first); ``jobs`` > 1 uses a process pool."""
    for directory, problem in files.unlisted:
        yield {"path": directory, "ok": False, "findings": [_input_error(problem, None)]}
    options: dict[str, Any] = {"networks": dict(networks) if networks else None, "qemu": qemu, "strict": strict}
    jobs = max(1, min(jobs, len(files.paths)))
    if jobs == 1:
        for path in files.paths:
            yield audit_one(path, **options)
        return
    for module in ("teamkit.libvirt.parse", "teamkit.libvirt.check"):
        importlib.import_module(module)  # once here, so that forked workers start with them loaded

    chunksize = max(1, min(64, len(files.paths) // (jobs * 16)))
    with multiprocessing.Pool(jobs, initializer=_init_worker, initargs=(options,)) as pool:
        yield from pool.imap(_audit_in_worker, files.paths, chunksize=chunksize)


# --- progress and summary ---------------------------------------------------------------------------------------------

class Progress:
    """A one-line progress bar, redrawn at most ten times a second; only ever drawn on a terminal."""

    WIDTH: Final = 30

    def __init__(self, stream: TextIO, total: int, *, enabled: bool | None = None) -> None:
        self.stream = stream
        self.total = total
        self.enabled = stream.isatty() if enabled is None else enabled
        self.done = 0
        self._start = time.monotonic()
        self._drawn = 0.0
        self._visible = False

    def advance(self) -> None:
        self.done += 1
        now = time.monotonic()
        if self.enabled and (now - self._drawn >= 0.1 or self.done == self.total):
            self._drawn = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        filled = self.WIDTH * self.done // max(1, self.total)
        rate = self.done / max(now - self._start, 1e-6)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self.stream.write(f"\r[{bar}] {self.done}/{self.total} files, {rate:.0f} files/s\x1b[K")
        self.stream.flush()
        self._visible = True

    def clear(self) -> None:
        """Erase the bar (before another line goes to the same terminal, and at the end)."""
        if self._visible:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._visible = False


@dataclass
class AuditSummary:
    """Counts over an audit. A file with errors and warnings counts in both rows; ``unreadable`` files in no other."""

    files: int = 0
    ok: int = 0
    with_errors: int = 0
    with_warnings: int = 0
    unreadable: int = 0
    ignored: int = 0
    links_not_followed: int = 0
    codes: Counter[str] = field(default_factory=Counter)
    severities: dict[str, str] = field(default_factory=dict)

    def add(self, record: Mapping[str, Any]) -> None:
        findings: list[Mapping[str, Any]] = record["findings"]
        self.files += 1
        self.ok += bool(record["ok"])
        for f in findings:
            self.codes[f["code"]] += 1
            self.severities.setdefault(f["code"], f["severity"])
        if any(f["code"] in UNREADABLE_CODES for f in findings):
            self.unreadable += 1
            return
        self.with_errors += any(f["severity"] == "error" for f in findings)
        self.with_warnings += any(f["severity"] == "warning" for f in findings)

    @property
    def exit_code(self) -> int:
        """2 if a file was unreadable, else 1 if a file failed (errors, or warnings under --strict), else 0."""
        if self.unreadable:
            return 2
        return 1 if self.ok < self.files else 0

    def top(self, n: int = TOP_FINDINGS) -> list[tuple[str, int]]:
        """The most frequent finding codes, most frequent first (ties by code)."""
        return sorted(self.codes.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def format_summary(summary: AuditSummary) -> str:
    """The closing table of a text-mode audit."""
    rows = [("files", summary.files), ("ok", summary.ok), ("with errors", summary.with_errors),
            ("with warnings", summary.with_warnings), ("unreadable", summary.unreadable)]
    width = max(len(str(summary.files)), 5)
    lines = ["", "summary"]
    lines += [f"  {label:<14}{count:>{width}}" for label, count in rows]
    lines.append(f"  ignored: {summary.ignored} file(s) not named *.xml, "
                 f"{summary.links_not_followed} symbolic link(s) not followed")
    top = summary.top()
    if top:
        lines.append("top findings")
        lines.append(f"  {'count':>{width}}  {'severity':<8}  code")
        lines += [f"  {count:>{width}}  {summary.severities[code]:<8}  {code}" for code, count in top]
    return "\n".join(lines) + "\n"


def format_text_record(record: Mapping[str, Any]) -> str:
    """A checked file as ``teamkit validate`` prints it: the verdict line, then one line (and a fix) per finding."""
    path = record["path"]
    findings: list[Mapping[str, Any]] = record["findings"]
    errors = sum(1 for f in findings if f["severity"] == "error")
    verdict = "libvirt accepts it" if not errors else "libvirt refuses it"
    lines = [f"{path}: {verdict} ({errors} error(s), {len(findings) - errors} advisory(ies))"]
    for f in findings:
        where = f"{path}:{f['line']}" if f["line"] else path
        stage = f" at {f['stage']}" if f["stage"] else ""
        lines.append(f"  {where}: {f['severity']}{stage} [{f['code']}] {f['libvirt_message'] or f['message']}")
        if f["hint"]:
            lines.append(f"      fix: {f['hint']}")
    return "\n".join(lines) + "\n"


def unreadable_line(record: Mapping[str, Any]) -> str | None:
    """The one-line message of an unreadable file (``path:line: problem``), or None for a checked file."""
    for f in record["findings"]:
        if f["code"] in UNREADABLE_CODES:
            where = f"{record['path']}:{f['line']}" if f["line"] else record["path"]
            return f"{where}: {f['message']}"
    return None


def stream_audit(files: FileSet, out: TextIO, err: TextIO, *, as_json: bool, jobs: int,
                 networks: Mapping[str, Network] | None = None, qemu: tuple[int, int, int] | None = None,
                 strict: bool = False, progress: Progress | None = None) -> AuditSummary:
    """Run the audit and write it: JSON lines or the text report with its summary table; returns the counts."""
    import json

    summary = AuditSummary(ignored=files.ignored, links_not_followed=files.links_not_followed)
    bar = progress or Progress(err, len(files.paths) + len(files.unlisted))
    try:
        for record in run_audit(files, jobs=jobs, networks=networks, qemu=qemu, strict=strict):
            summary.add(record)
            if as_json:
                out.write(json.dumps(record) + "\n")
            else:
                message = unreadable_line(record)
                if message is not None:
                    bar.clear()
                    err.write(message + "\n")
                elif any(f["severity"] != "info" for f in record["findings"]):
                    out.write(format_text_record(record))
            bar.advance()
    finally:
        bar.clear()
    if as_json:
        err.write(f"teamkit: audited {summary.files} file(s): {summary.ok} ok, {summary.with_errors} with errors, "
                  f"{summary.with_warnings} with warnings, {summary.unreadable} unreadable; ignored "
                  f"{summary.ignored} other file(s) and {summary.links_not_followed} symbolic link(s)\n")
    else:
        out.write(format_summary(summary))
    return summary
