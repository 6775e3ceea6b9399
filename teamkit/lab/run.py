"""``teamkit lab run``: two QEMUs, a live migration over loopback, everything recorded on one host clock.

Both QEMUs are child processes in their own process groups; QMP and the serial consoles are unix sockets in a
private temporary directory, the migration stream listens on 127.0.0.1 only. Every exit path (the end, an error, a
deadline, Ctrl-C, SIGTERM) stops both QEMUs and reaps them.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, Final

from teamkit.errors import ToolMissingError
from teamkit.lab.channels import LabError, QmpChannel, Recorder, connect_unix, read_serial, read_stderr
from teamkit.lab.measure import qemu_message_time
from teamkit.lab.prepare import LabImage
from teamkit.lab.scenarios import PRIMARY_ID, LabSettings, qemu_argv

__all__ = ["QEMU_BINARY", "Deadlines", "find_qemu", "run_lab"]

QEMU_BINARY: Final = "qemu-system-x86_64"
_TERMINAL: Final = frozenset({"completed", "failed", "cancelled"})
_READY: Final = re.compile(r"^LAB \S+ READY")
_SETTLED: Final = re.compile(r"^LAB \S+ SETTLED")
_PING: Final = re.compile(r"^PING \S+ \d+ bytes from")
_REGISTERED: Final = re.compile(r"failover primary slave:\S+ registered")
_LINK_UP: Final = re.compile(r"0000:02:00\.0 \S+: NIC Link is Up")
#: ``-msg timestamp=on`` prefix and the program name before QEMU's own text
_MSG_PREFIX: Final = re.compile(r"^(?:\S+Z )?qemu-system-\w+: ")

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Deadlines:
    """Timeouts, 5–10× what the reference lab measured (TCG on a shared machine is noisy)."""

    ready_s: float = 180.0
    migration_s: float = 90.0
    migration_pcie_s: float = 150.0
    resume_s: float = 30.0
    primary_back_s: float = 30.0
    settle_s: float = 1.0
    tail_s: float = 2.0


def find_qemu(binary: str | None = None) -> str:
    name = binary or QEMU_BINARY
    found = shutil.which(name)
    if found is None:
        raise ToolMissingError(f"{name} is not installed (or not on PATH): install it with "
                               "`apt-get install qemu-system-x86` (as root)")
    return found


@dataclass
class _Qemu:
    side: str
    argv: list[str]
    proc: subprocess.Popen[bytes]
    threads: list[threading.Thread] = field(default_factory=list)
    serial: socket.socket | None = None
    qmp: QmpChannel | None = None
    exit: dict[str, Any] | None = None

    def alive(self) -> bool:
        return self.exit is None and self.proc.poll() is None

    def reap(self, timeout: float) -> bool:
        """Wait up to ``timeout`` for the exit, keeping its resource usage; True once reaped."""
        end = time.monotonic() + timeout
        while self.exit is None:
            try:
                pid, status, usage = os.wait4(self.proc.pid, os.WNOHANG)
            except ChildProcessError:
                self.exit = {"rc": self.proc.returncode}
                break
            if pid:
                self.proc.returncode = os.waitstatus_to_exitcode(status)
                self.exit = {"rc": self.proc.returncode, "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
                             "maxrss_mib": round(usage.ru_maxrss / 1024, 1)}
                break
            if time.monotonic() >= end:
                return False
            time.sleep(0.02)
        return True

    def stop(self, recorder: Recorder) -> None:
        """``quit`` over QMP, then SIGTERM and SIGKILL to the process group; always reaps."""
        if self.exit is None and self.qmp is not None and not self.qmp.closed and self.proc.poll() is None:
            recorder.mark(f"quit-{self.side}", self.side)
            with contextlib.suppress(LabError):
                self.qmp.execute("quit", timeout=3)
        for sig, grace in ((None, 3.0), (signal.SIGTERM, 3.0), (signal.SIGKILL, 5.0)):
            if sig is not None and self.exit is None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(self.proc.pid, sig)
            if self.reap(grace):
                break
        if self.qmp is not None:
            self.qmp.close()
        if self.serial is not None:
            self.serial.close()
        for thread in self.threads:
            thread.join(timeout=2)
        if self.proc.stderr is not None:
            self.proc.stderr.close()


def _spawn(side: str, argv: list[str], serial: str, qmp: str, recorder: Recorder, deadline: float,
           qemus: list[_Qemu]) -> _Qemu:
    """Start one QEMU in its own process group (killed with this process where ``setpriv`` can arrange it) and
    list it in ``qemus`` at once, so that every exit path stops it."""
    prefix = ["setpriv", "--pdeathsig", "KILL", "--"] if shutil.which("setpriv") else []
    proc = subprocess.Popen([*prefix, *argv], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)
    qemu = _Qemu(side, argv, proc)
    qemus.append(qemu)
    assert proc.stderr is not None
    _thread(qemu, read_stderr, proc.stderr, side, recorder)
    try:
        # the serial socket waits for its reader (wait=on): connect it first, or QEMU never starts
        qemu.serial = connect_unix(serial, deadline, qemu.alive, 0.02)
        _thread(qemu, read_serial, qemu.serial, side, recorder)
        qemu.qmp = QmpChannel(side, qmp, recorder, deadline=deadline, alive=qemu.alive)
        # without the events capability QEMU emits no MIGRATION events at all (real-failover-lab.md Key fact 5)
        qemu.qmp.execute("migrate-set-capabilities", {"capabilities": [{"capability": "events", "state": True}]})
    except LabError as exc:
        said = _exit_message(qemu, recorder)
        if said is None:
            raise
        raise LabError(f"{exc}; the {side} QEMU exited with rc={qemu.proc.returncode}: {said}") from None
    return qemu


def _exit_message(qemu: _Qemu, recorder: Recorder) -> str | None:
    """QEMU's last message when it exited during startup (a refused -device line), else ``None``."""
    if not qemu.reap(3.0):
        return None
    for thread in qemu.threads:
        if thread.name.startswith("read_stderr"):
            thread.join(timeout=2)
    lines = [r["line"] for r in recorder.stderr if r["side"] == qemu.side and " info: " not in r["line"]]
    return _MSG_PREFIX.sub("", lines[-1]) if lines else None


def _thread(qemu: _Qemu, target: Callable[..., None], *args: Any) -> None:
    thread = threading.Thread(target=target, args=args, name=f"{target.__name__}-{qemu.side}", daemon=True)
    thread.start()
    qemu.threads.append(thread)


def _poll(qemu: _Qemu, every: float, recorder: Recorder, stop: threading.Event) -> None:
    """query-migrate every ``every`` seconds, recording status changes (a second witness beside the events)."""
    last = None
    while not stop.is_set() and qemu.qmp is not None and not qemu.qmp.closed:
        try:
            status = qemu.qmp.execute("query-migrate", timeout=5).get("status", "none")
        except LabError:
            break
        if status != last:
            recorder.add("polls", {"side": qemu.side, "t": time.monotonic(), "status": status})
            last = status
        stop.wait(every)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt in the main thread, so the cleanup runs as for Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_lab(settings: LabSettings, image: LabImage, *, binary: str | None = None, progress: Progress | None = None,
            deadlines: Deadlines | None = None) -> dict[str, Any]:
    """Run one experiment; returns the raw recording (see :mod:`teamkit.lab.measure`), times relative to migrate."""
    say = progress or (lambda _: None)
    qemu_bin = find_qemu(binary)
    limits = deadlines or Deadlines()
    recorder = Recorder()
    qemus: list[_Qemu] = []
    stop = threading.Event()
    pollers: list[threading.Thread] = []
    rundir = tempfile.mkdtemp(prefix="teamkit-lab-")
    info: dict[str, Any] = {}
    try:
        with _sigterm_as_interrupt():
            _experiment(settings, image, qemu_bin, limits, recorder, qemus, stop, pollers, rundir, info, say)
    finally:
        stop.set()
        for thread in pollers:
            thread.join(timeout=6)
        for qemu in reversed(qemus):
            qemu.stop(recorder)
        shutil.rmtree(rundir, ignore_errors=True)
    hide = {rundir: "<rundir>", str(image.directory): "<image>", qemu_bin: os.path.basename(qemu_bin)}
    return _raw(settings, image, recorder, qemus, info, hide)


def _experiment(settings: LabSettings, image: LabImage, qemu_bin: str, limits: Deadlines, recorder: Recorder,
                qemus: list[_Qemu], stop: threading.Event, pollers: list[threading.Thread], rundir: str,
                info: dict[str, Any], say: Progress) -> None:
    def argv(side: str, port: int | None = None) -> list[str]:
        return qemu_argv(settings, binary=qemu_bin, kernel=str(image.kernel), initrd=str(image.initrd),
                         serial=os.path.join(rundir, f"{side}-serial.sock"),
                         qmp=os.path.join(rundir, f"{side}-qmp.sock"), name=f"lab-{side}", incoming_port=port)

    start = recorder.mark("spawn", "src")
    say(f"starting the source QEMU ({settings.primary} primary, {settings.hotplug} hotplug)")
    src = _spawn("src", argv("src"), os.path.join(rundir, "src-serial.sock"), os.path.join(rundir, "src-qmp.sock"),
                 recorder, start + 30, qemus)
    info["qemu_version"] = src.qmp.greeting["QMP"]["version"]["qemu"] if src.qmp else {}
    ready = recorder.wait_for(lambda: recorder.console_match("src", _READY), start + limits.ready_s,
                              alive=src.alive, what="the guest's READY line")
    say(f"guest ready after {ready['t'] - start:.1f} s: {ready['line'].split(' ', 2)[2]}")
    recorder.wait_for(lambda: recorder.console_match("src", _SETTLED), time.monotonic() + 30, alive=src.alive,
                      what="the guest's SETTLED line")
    assert src.qmp is not None
    info["peripherals"] = {"src-ready": _peripherals(src)}
    if settings.guest_mode == "full":
        recorder.wait_for(lambda: recorder.console_match("src", _PING), time.monotonic() + 60, alive=src.alive,
                          what="the guest's first ping reply")
    time.sleep(limits.settle_s)
    port = _free_port()
    t_dst = recorder.mark("spawn-dst", "dst", f"port {port}")
    dst = _spawn("dst", argv("dst", port), os.path.join(rundir, "dst-serial.sock"),
                 os.path.join(rundir, "dst-qmp.sock"), recorder, t_dst + 30, qemus)
    assert src.qmp is not None and dst.qmp is not None
    if not any(dev.get("qdev_id") == PRIMARY_ID for bus in dst.qmp.execute("query-pci") for dev in bus["devices"]):
        recorder.mark("primary-hidden", "dst")
    for qemu, every in ((src, 0.05), (dst, 0.1)):
        thread = threading.Thread(target=_poll, args=(qemu, every, recorder, stop), name=f"poll-{qemu.side}",
                                  daemon=True)
        thread.start()
        pollers.append(thread)
    say(f"migrating to 127.0.0.1:{port}")
    t0 = recorder.mark("migrate", "src", f"tcp:127.0.0.1:{port}")
    info["t0"] = t0
    src.qmp.execute("migrate", {"uri": f"tcp:127.0.0.1:{port}"})
    had_primary = recorder.console_match("src", _REGISTERED) is not None
    end_state = _wait_end(settings, limits, recorder, src, t0, say)
    info["query_migrate"] = src.qmp.execute("query-migrate")
    say(f"source: {end_state} after {time.monotonic() - t0:.2f} s")
    if end_state == "completed":
        resume = recorder.wait_for(lambda: recorder.event("dst", "RESUME"), time.monotonic() + limits.resume_s,
                                   alive=dst.alive, what="RESUME on the destination")
        info["dst_status"] = dst.qmp.execute("query-status")
        if settings.guest_mode == "full" and had_primary:
            _wait_quietly(recorder, lambda: recorder.console_match("dst", _REGISTERED, after=resume["t"]),
                          limits.primary_back_s, dst.alive)
            if settings.primary == "e1000e":
                _wait_quietly(recorder, lambda: recorder.console_match("dst", _LINK_UP, after=resume["t"]),
                              limits.primary_back_s, dst.alive)
    time.sleep(limits.tail_s)
    for side, qemu in (("src-end", src), ("dst-end", dst)):
        if qemu.alive():
            info["peripherals"][side] = _peripherals(qemu)
    if dst.alive():
        dst.stop(recorder)
    src.stop(recorder)


def _peripherals(qemu: _Qemu) -> list[str] | None:
    """The ids under ``/machine/peripheral``: a hidden or never-plugged primary is not among them."""
    assert qemu.qmp is not None
    try:
        found = qemu.qmp.execute("qom-list", {"path": "/machine/peripheral"})
    except LabError:
        return None
    return sorted(str(p["name"]) for p in found if str(p.get("type", "")).startswith("child<"))


def _wait_end(settings: LabSettings, limits: Deadlines, recorder: Recorder, src: _Qemu, t0: float,
              say: Progress) -> str:
    assert src.qmp is not None
    deadline = t0 + (limits.migration_pcie_s if settings.hotplug == "pcie" else limits.migration_s)
    if settings.cancel_after_s is not None:
        deadline += 60.0
    cancelled = False

    def finished() -> str | None:
        for rec in reversed(recorder.qmp):
            if rec["side"] == "src" and rec["event"] == "MIGRATION" and rec["data"].get("status") in _TERMINAL:
                return str(rec["data"]["status"])
        for rec in reversed(recorder.polls):
            if rec["side"] == "src" and rec["status"] in _TERMINAL and rec["t"] > t0:
                return str(rec["status"])
        return None

    while True:
        wait = recorder.event("src", "MIGRATION", status="wait-unplug", after=t0)
        if settings.cancel_after_s is not None and not cancelled and wait is not None:
            due = wait["t"] + settings.cancel_after_s
            if time.monotonic() >= due:
                recorder.mark("migrate_cancel", "src")
                src.qmp.execute("migrate_cancel")
                cancelled = True
                say("migrate_cancel sent; QEMU now waits up to 30 s for the eject")
        end = finished()
        if end is not None:
            return end
        if not src.alive():
            raise LabError("the source QEMU exited during the migration")
        if time.monotonic() > deadline:
            src.qmp.execute("migrate_cancel")
            raise LabError(f"the migration did not end within {deadline - t0:.0f} s")
        time.sleep(0.02)


def _wait_quietly(recorder: Recorder, predicate: Callable[[], Any], timeout: float, alive: Callable[[], bool]) -> None:
    """Wait for something nice to have (the primary back): a timeout only shortens the recording."""
    with contextlib.suppress(LabError):
        recorder.wait_for(predicate, time.monotonic() + timeout, alive=alive, what="")


def _raw(settings: LabSettings, image: LabImage, recorder: Recorder, qemus: list[_Qemu], info: dict[str, Any],
         hide: dict[str, str]) -> dict[str, Any]:
    """The recording as JSON, machine paths replaced by placeholders."""
    t0 = info.get("t0")
    if t0 is None:
        t0 = next((m["t"] for m in recorder.marks if m["name"] == "spawn"), 0.0)

    def rel(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**r, "t": round(r["t"] - t0, 6)} for r in sorted(records, key=lambda r: r["t"])]

    def emitted(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """QMP events and QEMU's messages also on QEMU's own timestamp, mapped onto the monotonic clock."""
        out = []
        for r in rel(records):
            wall = r.get("qmp_ts") or qemu_message_time(r.get("line", ""))
            out.append({**r, "t_emit": round(wall - recorder.wall_offset - t0, 6)} if wall else r)
        return out

    version = info.get("qemu_version") or {}
    return {
        "format": 1,
        "settings": settings.as_dict(),
        "image": {k: image.manifest.get(k) for k in ("kernel", "kernel_version", "kernel_release", "busybox_version",
                                                      "modules")},
        "qemu_version": f"{version.get('major')}.{version.get('minor')}.{version.get('micro')}" if version else None,
        "argv": {q.side: [_hide(arg, hide) for arg in q.argv] for q in qemus},
        "exit": {q.side: q.exit for q in qemus},
        "completed_run": "t0" in info,
        "query_migrate": info.get("query_migrate"),
        "dst_status": info.get("dst_status"),
        "peripherals": info.get("peripherals"),
        "marks": rel(recorder.marks),
        "qmp": emitted(recorder.qmp),
        "polls": rel(recorder.polls),
        "console": rel(recorder.console),
        "stderr": [{**r, "line": _hide(r["line"], hide)} for r in emitted(recorder.stderr)],
    }


def _hide(text: str, hide: dict[str, str]) -> str:
    for path, placeholder in hide.items():
        text = text.replace(path, placeholder)
    return text
