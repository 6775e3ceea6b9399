"""Running QEMU for the smoke check: paused under TCG, QMP on a private unix socket, always killed and reaped."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from teamkit.errors import TeamkitError, ToolMissingError
from teamkit.model import Domain, Network
from teamkit.qemu.smoke import (
    QemuObservation,
    SmokeCommand,
    SmokeRefusal,
    SmokeResult,
    build_smoke_command,
    interpret,
    libvirt_argv_standalone,
    parse_version_banner,
    refused_result,
)
from teamkit.qemu.version import QemuVersion

__all__ = [
    "DEFAULT_BINARY",
    "DEFAULT_TIMEOUT",
    "INSTALL_HINT",
    "QmpClient",
    "QmpClosed",
    "QmpError",
    "find_qemu",
    "qemu_version",
    "run_qemu",
    "smoke_domain",
    "smoke_libvirt_argv",
]

DEFAULT_BINARY: Final = "qemu-system-x86_64"
DEFAULT_TIMEOUT: Final = 10.0
INSTALL_HINT: Final = "apt-get install qemu-system-x86"
#: seconds QEMU gets to exit after ``quit`` before it is killed
_QUIT_GRACE: Final = 2.0
#: how often the socket and the process are polled while QEMU starts
_POLL: Final = 0.002
#: ``sun_path`` is 108 bytes on Linux, including the terminating NUL
_SUN_PATH_MAX: Final = 107


class QmpError(TeamkitError):
    """A QMP exchange failed: an error answer, a malformed message or no answer in time."""


class QmpClosed(QmpError):
    """QEMU closed the QMP connection (it exited)."""


class _Timeout(QmpError):
    """The deadline passed."""


class QmpClient:
    """A minimal QMP client over a connected socket: greeting, then one command at a time; events are skipped."""

    def __init__(self, sock: socket.socket, *, deadline: float, alive: Callable[[], bool]) -> None:
        self._sock = sock
        self._deadline = deadline
        self._alive = alive
        self._buffer = b""
        sock.settimeout(0.02)

    def _message(self) -> dict[str, Any]:
        while b"\n" not in self._buffer:
            if time.monotonic() > self._deadline:
                raise _Timeout("no answer from QEMU in time")
            try:
                data = self._sock.recv(65536)
            except TimeoutError:
                if not self._alive():
                    raise QmpClosed("QEMU exited") from None
                continue
            except OSError as exc:
                raise QmpClosed(f"QMP connection lost: {exc}") from None
            if not data:
                raise QmpClosed("QEMU closed the QMP connection")
            self._buffer += data
        line, _, self._buffer = self._buffer.partition(b"\n")
        if not line.strip():
            return self._message()
        try:
            message = json.loads(line)
        except ValueError as exc:
            raise QmpError(f"malformed QMP message: {line[:200]!r}") from exc
        if not isinstance(message, dict):
            raise QmpError(f"malformed QMP message: {line[:200]!r}")
        return message

    def greeting(self) -> dict[str, Any]:
        """The ``{"QMP": {...}}`` banner QEMU sends first."""
        message = self._message()
        if "QMP" not in message:
            raise QmpError(f"no QMP greeting: {message}")
        return message

    def execute(self, command: str, arguments: Mapping[str, object] | None = None) -> Any:
        """Run one command and return its ``return`` value; an ``error`` answer raises :class:`QmpError`."""
        request: dict[str, object] = {"execute": command}
        if arguments:
            request["arguments"] = dict(arguments)
        try:
            self._sock.sendall(json.dumps(request).encode() + b"\n")
        except OSError as exc:
            raise QmpClosed(f"QMP connection lost: {exc}") from None
        while True:
            message = self._message()
            if "return" in message:
                return message["return"]
            if "error" in message:
                error = message["error"]
                desc = error.get("desc", error) if isinstance(error, dict) else error
                raise QmpError(f"{command}: {desc}")


def find_qemu(binary: str | None = None) -> str:
    """The QEMU program to run: ``binary`` (a path or a name on PATH), by default ``qemu-system-x86_64``."""
    name = binary or DEFAULT_BINARY
    if os.sep in name:
        if os.path.isfile(name) and os.access(name, os.X_OK):
            return name
        raise ToolMissingError(f"{name}: no such executable")
    found = shutil.which(name)
    if found is None:
        raise ToolMissingError(f"{name} is not installed (or not on PATH): install it with `{INSTALL_HINT}` "
                               "(as root), or give --qemu-binary PATH")
    return found


_VERSIONS: dict[tuple[str, float], QemuVersion] = {}


def qemu_version(binary: str, *, timeout: float = DEFAULT_TIMEOUT) -> QemuVersion:
    """The version ``binary --version`` reports (cached per program and modification time)."""
    try:
        key = (os.path.realpath(binary), os.stat(binary).st_mtime)
    except OSError as exc:
        raise ToolMissingError(f"{binary}: {exc.strerror}") from None
    if key in _VERSIONS:
        return _VERSIONS[key]
    try:
        proc = subprocess.run([binary, "--version"], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ToolMissingError(f"{binary} --version failed: {exc}") from None
    version = parse_version_banner(proc.stdout)
    if version is None:
        raise ToolMissingError(f"{binary} does not look like QEMU: {proc.stdout.strip()[:200]!r}")
    _VERSIONS[key] = version
    return version


@dataclass
class _Probe:
    started: bool = False
    timed_out: bool = False
    quit_sent: bool = False
    version: str | None = None
    peripherals: list[str] = field(default_factory=list)
    failover: dict[str, bool] = field(default_factory=dict)
    qmp_error: str | None = None


def _connect(proc: subprocess.Popen[bytes], path: str, deadline: float) -> socket.socket | None:
    """Connect to QEMU's QMP socket once it listens; ``None`` if QEMU exits first."""
    while True:
        if proc.poll() is not None:
            return None
        if os.path.exists(path):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.connect(path)
                return sock
            except (FileNotFoundError, ConnectionRefusedError):
                sock.close()
            except BaseException:
                sock.close()
                raise
        if time.monotonic() > deadline:
            raise _Timeout("QEMU did not open its QMP socket in time")
        time.sleep(_POLL)


def _version_text(greeting: Mapping[str, Any]) -> str | None:
    try:
        q = greeting["QMP"]["version"]["qemu"]
        return f"{q['major']}.{q['minor']}.{q['micro']}"
    except (KeyError, TypeError):
        return None


def _probe(proc: subprocess.Popen[bytes], path: str, virtio_ids: Iterable[str], deadline: float) -> _Probe:
    result = _Probe()
    try:
        sock = _connect(proc, path, deadline)
    except _Timeout:
        result.timed_out = True
        return result
    if sock is None:
        return result
    with sock:
        client = QmpClient(sock, deadline=deadline, alive=lambda: proc.poll() is None)
        try:
            result.version = _version_text(client.greeting())
            # answered from QEMU's main loop, which runs only after every -device was created
            client.execute("qmp_capabilities")
        except _Timeout:
            result.timed_out = True
            return result
        except QmpClosed:
            return result
        result.started = True
        try:
            listing = client.execute("qom-list", {"path": "/machine/peripheral"})
            result.peripherals = [str(p["name"]) for p in listing if str(p.get("type", "")).startswith("child<")]
            for vid in virtio_ids:
                if vid in result.peripherals:
                    value = client.execute("qom-get", {"path": f"/machine/peripheral/{vid}", "property": "failover"})
                    result.failover[vid] = bool(value)
            result.quit_sent = True
            client.execute("quit")
        except QmpClosed:
            if not result.quit_sent:
                result.qmp_error = "QEMU exited during the QMP queries"
        except QmpError as exc:
            result.qmp_error = str(exc)
    return result


def _reap(proc: subprocess.Popen[bytes], grace: float) -> None:
    """Wait ``grace`` seconds for QEMU to exit, then kill it; always reap it."""
    try:
        if grace > 0:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=grace)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def run_qemu(binary: str, command: SmokeCommand, *,
             timeout: float = DEFAULT_TIMEOUT) -> tuple[QemuObservation, tuple[str, ...]]:
    """Start ``command`` paused, ask QMP which peripherals exist and each virtio NIC's ``failover``, then quit.

    QEMU runs in its own session (Ctrl-C reaches only this process) and is killed and reaped on every way out,
    including exceptions and timeouts. Its QMP socket and stderr live in a private temporary directory, removed
    afterwards. Returns the observation and the full argument vector that ran.
    """
    tmp = tempfile.mkdtemp(prefix="teamkit-smoke-")
    try:
        sock_path = os.path.join(tmp, "qmp.sock")
        if len(os.fsencode(sock_path)) > _SUN_PATH_MAX:
            raise TeamkitError(f"the temporary directory path is too long for a unix socket: {tmp}")
        argv = command.command(binary, sock_path)
        err_path = os.path.join(tmp, "stderr")
        started = time.monotonic()
        probe = _Probe()
        with open(err_path, "wb") as err:
            try:
                proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                                        start_new_session=True, close_fds=True)
            except OSError as exc:
                raise ToolMissingError(f"cannot run {binary}: {exc.strerror}") from None
        try:
            probe = _probe(proc, sock_path, command.virtio_ids, started + timeout)
        finally:
            _reap(proc, _QUIT_GRACE if probe.quit_sent else 0.0)
        seconds = time.monotonic() - started
        with open(err_path, encoding="utf-8", errors="replace") as f:
            stderr = f.read()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    observed = QemuObservation(started=probe.started, stderr=stderr, exit_code=proc.returncode, seconds=seconds,
                               peripherals=tuple(probe.peripherals), failover=dict(probe.failover),
                               qemu_version=probe.version, timed_out=probe.timed_out, qmp_error=probe.qmp_error)
    return observed, argv


def smoke_domain(domain: Domain, *, networks: Mapping[str, Network] | Iterable[Network] = (),
                 binary: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> SmokeResult:
    """The whole smoke check: libvirt's verdict, then (if libvirt accepts) one paused QEMU launch."""
    program = find_qemu(binary)
    version = qemu_version(program, timeout=timeout)
    built = build_smoke_command(domain, networks=networks, qemu=version)
    if isinstance(built, SmokeRefusal):
        return refused_result(built)
    observed, argv = run_qemu(program, built, timeout=timeout)
    return interpret(built, observed, argv=argv, qemu_version=str(version))


def smoke_libvirt_argv(argv: Sequence[str], *, binary: str | None = None,
                       timeout: float = DEFAULT_TIMEOUT) -> SmokeResult:
    """Run a command line libvirt logged, outside libvirt (:func:`~teamkit.qemu.smoke.libvirt_argv_standalone`),
    and judge it like :func:`smoke_domain`."""
    command = libvirt_argv_standalone(argv)
    observed, full = run_qemu(find_qemu(binary), command, timeout=timeout)
    return interpret(command, observed, argv=full)
