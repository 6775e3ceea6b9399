"""The lab's live channels to a QEMU: a QMP client that records events, the serial console and stderr readers.

Every reader thread stamps what it receives with ``time.monotonic()`` into one :class:`Recorder`; the
orchestrator waits on the recorder's condition for the lines and events it needs.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import re
import socket
import threading
import time
from collections.abc import Callable
from typing import IO, Any, Final

from teamkit.errors import TeamkitError

__all__ = ["LabError", "QmpChannel", "Recorder", "connect_unix", "read_serial", "read_stderr"]

_SERIAL_RETRY: Final = 0.02
_QMP_RETRY: Final = 0.05


class LabError(TeamkitError):
    """An experiment could not be carried out (QEMU died, a deadline passed, a QMP command failed)."""


class Recorder:
    """Thread-safe lists of stamped records, and a condition to wait for new ones."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.qmp: list[dict[str, Any]] = []
        self.console: list[dict[str, Any]] = []
        self.stderr: list[dict[str, Any]] = []
        self.polls: list[dict[str, Any]] = []
        self.marks: list[dict[str, Any]] = []
        self._console_t: list[float] = []
        #: host wall clock minus monotonic clock: turns QMP event timestamps (QEMU's wall clock) into monotonic time
        self.wall_offset = time.time() - time.monotonic()

    def add(self, kind: str, record: dict[str, Any]) -> None:
        with self.changed:
            getattr(self, kind).append(record)
            if kind == "console":
                self._console_t.append(record["t"])
            self.changed.notify_all()

    def mark(self, name: str, side: str = "host", detail: str = "", *, t: float | None = None) -> float:
        now = time.monotonic() if t is None else t
        self.add("marks", {"t": now, "name": name, "side": side, "detail": detail})
        return now

    def wait_for(self, predicate: Callable[[], Any], deadline: float, *, alive: Callable[[], bool] | None = None,
                 what: str = "") -> Any:
        """``predicate()``'s first true value, checked whenever something is recorded; :class:`LabError` at
        ``deadline`` (monotonic) or when ``alive()`` turns false."""
        with self.changed:
            while True:
                value = predicate()
                if value:
                    return value
                if alive is not None and not alive():
                    raise LabError(f"QEMU exited while waiting for {what}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise LabError(f"timed out waiting for {what}")
                self.changed.wait(min(left, 0.1))

    def console_match(self, side: str, pattern: re.Pattern[str], *, after: float = float("-inf")) -> Any:
        """The first console record of ``side`` after ``after`` whose line matches, else ``None``."""
        start = 0 if after == float("-inf") else max(0, bisect.bisect_right(self._console_t, after) - 16)
        for rec in self.console[start:]:
            if rec["side"] == side and rec["t"] > after and pattern.search(rec["line"]):
                return rec
        return None

    def event(self, side: str, name: str, *, status: str | None = None, after: float = float("-inf")) -> Any:
        for rec in self.qmp:
            if rec["side"] != side or rec["event"] != name or rec["t"] <= after:
                continue
            if status is None or rec["data"].get("status") == status:
                return rec
        return None


def connect_unix(path: str, deadline: float, alive: Callable[[], bool], retry: float) -> socket.socket:
    """Connect to a QEMU server socket, retrying until it exists (QEMU creates it while starting)."""
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
            return sock
        except OSError:
            sock.close()
        if not alive():
            raise LabError(f"QEMU exited before it opened {path.rsplit('/', 1)[-1]}")
        if time.monotonic() > deadline:
            raise LabError(f"QEMU did not open {path.rsplit('/', 1)[-1]} in time")
        time.sleep(retry)


def read_serial(sock: socket.socket, side: str, recorder: Recorder) -> None:
    """Reader thread body: split the console into lines, stamp each on arrival."""
    pending = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            now = time.monotonic()
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for raw in lines:
                text = raw.decode(errors="replace").rstrip("\r")
                if text:
                    recorder.add("console", {"side": side, "t": now, "line": text})
    except OSError:
        pass
    if pending.strip():
        recorder.add("console", {"side": side, "t": time.monotonic(), "line": pending.decode(errors="replace")})


def read_stderr(stream: IO[bytes], side: str, recorder: Recorder) -> None:
    """Reader thread body for QEMU's stderr (warnings such as the partial-unplug one), stamped per line."""
    for raw in iter(stream.readline, b""):
        text = raw.decode(errors="replace").rstrip()
        if text:
            recorder.add("stderr", {"side": side, "t": time.monotonic(), "line": text})


class QmpChannel:
    """A QMP connection: commands from any thread, replies matched by id, events recorded with host time."""

    def __init__(self, side: str, path: str, recorder: Recorder, *, deadline: float,
                 alive: Callable[[], bool]) -> None:
        self.side = side
        self._recorder = recorder
        self._alive = alive
        self._sock = connect_unix(path, deadline, alive, _QMP_RETRY)
        self._file = self._sock.makefile("rb")
        self._lock = threading.Lock()
        self._replies: dict[int, dict[str, Any]] = {}
        self._cond = threading.Condition()
        self._next_id = 0
        self.closed = False
        try:
            greeting = self._file.readline()
        except OSError:
            greeting = b""
        if not greeting:
            self._sock.close()
            raise LabError(f"{side}: QMP closed before its greeting")
        self.greeting: dict[str, Any] = json.loads(greeting)
        self._thread = threading.Thread(target=self._read, name=f"qmp-{side}", daemon=True)
        self._thread.start()
        self.execute("qmp_capabilities")

    def _read(self) -> None:
        try:
            for line in iter(self._file.readline, b""):
                now = time.monotonic()
                try:
                    msg = json.loads(line)
                except ValueError:
                    continue
                if "event" in msg:
                    ts = msg.get("timestamp", {})
                    self._recorder.add("qmp", {"side": self.side, "t": now, "event": msg["event"],
                                               "data": msg.get("data", {}),
                                               "qmp_ts": ts.get("seconds", 0) + ts.get("microseconds", 0) / 1e6})
                elif isinstance(msg.get("id"), int):
                    with self._cond:
                        self._replies[msg["id"]] = msg
                        self._cond.notify_all()
        except (OSError, ValueError):
            pass
        with self._cond:
            self.closed = True
            self._cond.notify_all()

    def execute(self, command: str, arguments: dict[str, Any] | None = None, *, timeout: float = 10.0) -> Any:
        """Send ``command`` and wait for its answer; :class:`LabError` on an error reply, a close or a timeout."""
        with self._lock:
            self._next_id += 1
            ident = self._next_id
            msg: dict[str, Any] = {"execute": command, "id": ident}
            if arguments:
                msg["arguments"] = arguments
            try:
                self._sock.sendall(json.dumps(msg).encode() + b"\n")
            except OSError as exc:
                raise LabError(f"{self.side}: QMP {command}: {exc}") from None
        deadline = time.monotonic() + timeout
        with self._cond:
            while ident not in self._replies:
                if self.closed:
                    raise LabError(f"{self.side}: QMP closed during {command}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise LabError(f"{self.side}: no answer to QMP {command} within {timeout:g} s")
                self._cond.wait(min(left, 0.1))
            reply = self._replies.pop(ident)
        if "error" in reply:
            raise LabError(f"{self.side}: QMP {command}: {reply['error'].get('desc', reply['error'])}")
        return reply.get("return")

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        self._thread.join(timeout=2)
