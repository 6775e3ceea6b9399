"""A lab recording as a model-shaped :class:`Timeline`: QMP events, guest milestones, datapath and totals.

The recording (``raw``) is plain JSON: ``qmp``, ``polls``, ``console``, ``stderr`` and ``marks`` lists of records
stamped ``t`` seconds on the host's monotonic clock relative to the ``migrate`` command, plus ``settings`` and
``query_migrate``. Everything here is pure, so recorded runs can be re-derived and tested without QEMU.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from teamkit.failover.timeline import Event, EventKind, Interval, Path, Timeline, TotalValue, build_datapath
from teamkit.lab.console import KernelLine, LabLine, NetLine, PingReply, kernel_milestone, parse_line
from teamkit.lab.scenarios import PRIMARY_ID, STANDBY_ID

__all__ = ["NOISE_EVENTS", "PING_INTERVAL_S", "GuestEvent", "PingStats", "derive_datapath", "guest_events",
           "ping_stats", "qemu_message_time", "qmp_sequence", "timeline_from_raw"]

#: QMP events left out of the timeline (kept in the raw recording)
NOISE_EVENTS: Final = frozenset({"MIGRATION_PASS", "NIC_RX_FILTER_CHANGED", "SHUTDOWN"})
#: ``/init`` pings every 250 ms
PING_INTERVAL_S: Final = 0.25
_ACTOR: Final = {"src": "src-qemu", "dst": "dst-qemu"}
_QMP_KINDS: Final = frozenset({"FAILOVER_NEGOTIATED", "UNPLUG_PRIMARY", "STOP", "RESUME"})
_TERMINAL: Final = ("completed", "failed", "cancelled")
_MIB: Final = 1024 * 1024
#: QEMU's warnings when it cannot plug the primary after STANDBY was negotiated (failover_add_primary)
_PLUG_WARNING: Final = re.compile(r"warning: (Bus '\S+' does not support hotplugging"
                                  r"|failover primary device must be on PCIExpress bus)")
#: ``-msg timestamp=on``: QEMU prefixes its messages with the host's wall-clock time
_MSG_TIME: Final = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) ")
#: guest milestone → the model's action name
_GUEST_ACTIONS: Final = {
    "primary-unregistered": ("vf-released", "failover primary slave unregistered: TX to the standby"),
    "primary-enumerated": ("vf-hot-added", "the guest enumerates the primary on its PCI bus"),
    "primary-registered": ("vf-enslaved", "failover primary slave registered: the primary is preferred"),
    "primary-link-up": ("vf-link-up", "the primary reports carrier"),
    "attention-button": ("button-wait", "pciehp: attention button pressed, 5 s abort window"),
}
_MARKS: Final = {
    "spawn-dst": ("management", "start-incoming", "the destination QEMU starts with -incoming on 127.0.0.1"),
    "migrate": ("management", "migrate", "QMP migrate on the source (t = 0)"),
    "migrate_cancel": ("management", "migrate_cancel", "QMP migrate_cancel on the source"),
    "primary-hidden": ("dst-qemu", "primary-hidden", f"query-pci on the destination lists no {PRIMARY_ID}"),
}


@dataclass(frozen=True)
class GuestEvent:
    """A guest milestone on a host timestamp: which console (side) and the kernel or ``/init`` line."""

    t: float
    side: str
    milestone: str
    line: str


@dataclass(frozen=True)
class PingStats:
    """The guest's ping across both sides: replies, lost requests, and every gap as ``(t_before, t_after, lost)``."""

    replies: int
    lost: int
    max_gap_s: float
    gaps: tuple[tuple[float, float, int], ...]
    first_dst_seq: int | None
    last_src_seq: int | None


def qemu_message_time(line: str) -> float | None:
    """The wall-clock time (seconds since the epoch) of a QEMU message printed with ``-msg timestamp=on``.

    >>> qemu_message_time("2026-11-26T07:10:01.250000Z qemu-system-x86_64: warning: migration: partially ...")
    1795677001.25
    """
    match = _MSG_TIME.match(line)
    if match is None:
        return None
    return datetime.fromisoformat(match[1].replace("Z", "+00:00")).timestamp()


def _records(raw: Mapping[str, Any], kind: str) -> list[dict[str, Any]]:
    """Records in time order. What QEMU reports (QMP events, its messages) counts at the time QEMU stamped it
    (``t_emit``), which a busy host may deliver a few milliseconds later (``t``)."""
    if kind in ("qmp", "stderr"):
        return sorted(({**r, "t": r.get("t_emit", r["t"])} for r in raw.get(kind, [])), key=lambda r: float(r["t"]))
    return sorted(raw.get(kind, []), key=lambda r: float(r["t"]))


def guest_events(raw: Mapping[str, Any]) -> list[GuestEvent]:
    """Kernel milestones and ``/init`` progress from both consoles, in time order."""
    out = []
    for rec in _records(raw, "console"):
        parsed = parse_line(rec["line"])
        if isinstance(parsed, KernelLine):
            milestone = kernel_milestone(parsed.message)
            if milestone is not None:
                out.append(GuestEvent(float(rec["t"]), rec["side"], milestone, parsed.message))
        elif isinstance(parsed, LabLine):
            word = parsed.message.split(" ", 1)[0]
            if word in ("READY", "SETTLED", "PENDING", "UNBLOCKED", "BLOCKED"):
                out.append(GuestEvent(float(rec["t"]), rec["side"], word.lower(), parsed.message))
    return out


def net_lines(raw: Mapping[str, Any]) -> list[tuple[float, str, NetLine]]:
    out = []
    for rec in _records(raw, "console"):
        parsed = parse_line(rec["line"])
        if isinstance(parsed, NetLine):
            out.append((float(rec["t"]), str(rec["side"]), parsed))
    return out


def ping_stats(raw: Mapping[str, Any]) -> PingStats:
    """Replies from both consoles: one busybox ping spans the migration, so ``seq`` continues on the destination."""
    replies: list[tuple[float, str, int]] = []
    for rec in _records(raw, "console"):
        parsed = parse_line(rec["line"])
        if isinstance(parsed, PingReply):
            replies.append((float(rec["t"]), rec["side"], parsed.seq))
    gaps = []
    max_gap = 0.0
    for (t_a, _, a), (t_b, _, b) in itertools.pairwise(replies):
        max_gap = max(max_gap, t_b - t_a)
        if b > a + 1:
            gaps.append((t_a, t_b, b - a - 1))
    first_dst = next((seq for _, side, seq in replies if side == "dst"), None)
    last_src = next((seq for _, side, seq in reversed(replies) if side == "src"), None)
    return PingStats(replies=len(replies), lost=sum(g[2] for g in gaps), max_gap_s=round(max_gap, 6),
                     gaps=tuple(gaps), first_dst_seq=first_dst, last_src_seq=last_src)


def qmp_sequence(raw: Mapping[str, Any], side: str, *, after: float = float("-inf")) -> list[str]:
    """One side's QMP events as names (``MIGRATION`` as its status), noise left out: the order tests assert."""
    return [rec["data"].get("status", "?") if rec["event"] == "MIGRATION" else rec["event"]
            for rec in _records(raw, "qmp")
            if rec["side"] == side and rec["event"] not in NOISE_EVENTS and float(rec["t"]) > after]


def _qmp_events(raw: Mapping[str, Any], start: float) -> list[tuple[float, str, EventKind, str, str]]:
    out: list[tuple[float, str, EventKind, str, str]] = []
    seen: set[tuple[str, str]] = set()
    for rec in _records(raw, "qmp"):
        t, side, name, data = float(rec["t"]), rec["side"], rec["event"], rec.get("data", {})
        if t < start or name in NOISE_EVENTS or side not in _ACTOR:
            continue
        if name == "MIGRATION":
            status = str(data.get("status"))
            seen.add((side, status))
            out.append((t, _ACTOR[side], "migration-state", status, f"MIGRATION {json.dumps(data)}"))
        elif name in _QMP_KINDS:
            out.append((t, _ACTOR[side], "qmp-event", name, json.dumps(data)))
    for rec in _records(raw, "polls"):
        t, side, status = float(rec["t"]), rec["side"], str(rec["status"])
        if t >= start and side in _ACTOR and (side, status) not in seen and status not in ("none", "setup"):
            seen.add((side, status))
            out.append((t, _ACTOR[side], "migration-state", status,
                        "seen by query-migrate polling only (no MIGRATION event)"))
    return out


def _guest_rows(events: Sequence[GuestEvent], start: float, block: str) -> list[tuple[float, str, EventKind, str, str]]:
    out: list[tuple[float, str, EventKind, str, str]] = []
    registered = linked = False
    for ev in events:
        was_linked = linked
        if ev.milestone == "primary-registered":
            registered = True
        elif ev.milestone == "primary-unregistered":
            registered = linked = False
        elif ev.milestone == "primary-enumerated":
            linked = False
        elif ev.milestone == "primary-link-up":
            linked = True
        if ev.t < start:
            continue
        where = f" ({ev.side} console: {ev.line})"
        if (ev.milestone == "attention-button" and not registered) or (ev.milestone == "primary-link-up"
                                                                         and was_linked):
            continue
        if ev.milestone in _GUEST_ACTIONS:
            name, text = _GUEST_ACTIONS[ev.milestone]
            out.append((ev.t, "guest", "action", name, text + where))
        elif ev.milestone == "pending" and block == "disable":
            out.append((ev.t, "guest", "action", "unplug-ignored",
                        "the eject request reached the guest, which has ACPI GPE 1 disabled and never handles it"
                        + where))
    return out


def _state_switches(events: Sequence[GuestEvent], qmp: Iterable[Mapping[str, Any]],
                    nets: Sequence[tuple[float, str, NetLine]]) -> list[tuple[float, Path]]:
    """The path the guest's state allows: stopped → none; failover master with a registered primary → vf once
    its link is up (none before: frames on the standby are dropped); otherwise virtio; no netdev → none."""
    changes: list[tuple[float, int, str]] = []
    changes += [(ev.t, 0, ev.milestone) for ev in events]
    changes += [(float(r["t"]), 1, "stop") for r in qmp if r["side"] == "src" and r["event"] == "STOP"]
    changes += [(float(r["t"]), 1, "resume") for r in qmp if r["side"] == "dst" and r["event"] == "RESUME"]
    plain = [(t, 2, "plain-up") for t, _, net in nets
             if net.master is None and any(n.state == "up" and n.driver == "virtio_net" for n in net.netdevs)]
    changes += plain[:1]
    master = registered = link = plain_up = False
    running = True
    out: list[tuple[float, Path]] = [(float("-inf"), "none")]
    for t, _, what in sorted(changes):
        if what == "master-registered":
            master = True
        elif what == "primary-registered":
            registered = True
        elif what == "primary-unregistered":
            registered = link = False
        elif what == "primary-enumerated":
            link = False
        elif what == "primary-link-up":
            link = True
        elif what == "stop":
            running = False
        elif what == "resume":
            running = True
        elif what == "plain-up":
            plain_up = True
        path: Path
        if not running or not (master or plain_up):
            path = "none"
        elif master and registered:
            path = "vf" if link else "none"
        else:
            path = "virtio"
        out.append((t, path))
    return out


def derive_datapath(state: Sequence[tuple[float, Path]], ping: PingStats, start: float) -> tuple[Interval, ...]:
    """Intervals from ``start``: the state's path, overridden by ``none`` wherever ping replies were lost (from
    when the first missing reply was due until the next reply)."""
    windows = [(t_a + PING_INTERVAL_S, t_b) for t_a, t_b, lost in ping.gaps if lost > 0 and t_b > t_a + PING_INTERVAL_S]
    points = sorted({start, *(t for t, _ in state if t > start), *(w for pair in windows for w in pair if w > start)})

    def state_at(t: float) -> Path:
        current: Path = "none"
        for when, path in state:
            if when <= t:
                current = path
        return current

    switches: list[tuple[float, Path]] = []
    for t in points:
        lost = any(a <= t < b for a, b in windows)
        switches.append((round(t, 6), "none" if lost else state_at(t)))
    return build_datapath(switches)


def _first(rows: Sequence[tuple[float, str, EventKind, str, str]], actor: str, name: str) -> float | None:
    return next((t for t, a, _, n, _ in rows if a == actor and n == name), None)


def _minus(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(a - b, 6)


def _seconds_on(datapath: Sequence[Interval], path: Path) -> float:
    return round(math.fsum(i.seconds or 0.0 for i in datapath if i.path == path), 6)


def _off_vf(datapath: Sequence[Interval]) -> float | None:
    on_vf = [i for i in datapath if i.path == "vf"]
    if not on_vf or len(on_vf) == 1:
        return 0.0 if on_vf and on_vf[0].end is None else None
    return round(on_vf[-1].start - (on_vf[0].end or 0.0), 6)


def timeline_from_raw(raw: Mapping[str, Any]) -> Timeline:
    """The measured timeline, shaped like :func:`teamkit.failover.simulate`'s (same actors, kinds and names)."""
    settings = dict(raw.get("settings", {}))
    marks = _records(raw, "marks")
    spawn_dst = next((float(m["t"]) for m in marks if m["name"] == "spawn-dst"), 0.0)
    start = min(spawn_dst, 0.0)
    rows: list[tuple[float, str, EventKind, str, str]] = []
    for m in marks:
        if m["name"] in _MARKS:
            actor, name, text = _MARKS[m["name"]]
            rows.append((float(m["t"]), actor, "action", name, text + (f": {m['detail']}" if m.get("detail") else "")))
    rows += _qmp_events(raw, start)
    src_end = next((r["data"]["status"] for r in _records(raw, "qmp") if r["side"] == "src"
                    and r["event"] == "MIGRATION" and r["data"].get("status") in _TERMINAL), None)
    active = _first(rows, "src-qemu", "active")
    final = raw.get("query_migrate") or {}
    ram = final.get("ram", {})
    if active is not None:
        mib = ram.get("transferred", 0) / _MIB
        rows.append((active, "src-qemu", "action", "precopy",
                     f"RAM precopy: {mib:.1f} MiB sent at {ram.get('mbps', 0):.0f} Mbit/s (query-migrate)"))
    for rec in _records(raw, "stderr"):
        if float(rec["t"]) < start or rec["side"] not in _ACTOR:
            continue
        if rec["side"] == "src" and "partially unplugged device" in rec["line"]:
            rows.append((float(rec["t"]), "src-qemu", "action", "partial-unplug-warning",
                         _MSG_TIME.sub("", rec["line"])))
        elif _PLUG_WARNING.search(rec["line"]):
            rows.append((float(rec["t"]), _ACTOR[rec["side"]], "action", "primary-plug-failed",
                         "QEMU cannot plug the primary after FAILOVER_NEGOTIATED: " + _MSG_TIME.sub("", rec["line"])))
    quit_src = next((float(m["t"]) for m in marks if m["name"] == "quit-src"), None)
    if src_end == "completed" and quit_src is not None:
        rows.append((quit_src, "management", "action", "source-exit", "QMP quit on the source after the run"))
    gevents = guest_events(raw)
    rows += _guest_rows(gevents, start, str(settings.get("block", "none")))
    rows.sort(key=lambda r: r[0])
    events = tuple(Event(t=round(t, 6), actor=a, kind=k, name=n, detail=d) for t, a, k, n, d in rows)
    ping = ping_stats(raw)
    state = _state_switches(gevents, _records(raw, "qmp"), net_lines(raw))
    datapath = derive_datapath(state, ping, start)
    totals = _totals(raw, rows, datapath, ping, src_end, gevents)
    parameters = {"pair": f"{STANDBY_ID}/{PRIMARY_ID}", "libvirt": False, **settings,
                  "measured": True, "qemu": raw.get("qemu_version"), "kernel": raw.get("image", {}).get("kernel")}
    return Timeline(scenario=str(settings.get("scenario", "lab")), parameters=parameters, events=events,
                    datapath=datapath, totals=totals)


def _totals(raw: Mapping[str, Any], rows: Sequence[tuple[float, str, EventKind, str, str]],
            datapath: Sequence[Interval], ping: PingStats, src_end: str | None,
            gevents: Sequence[GuestEvent]) -> dict[str, TotalValue]:
    final = raw.get("query_migrate") or {}
    t_end = _first(rows, "src-qemu", src_end) if src_end else None
    wait = _first(rows, "src-qemu", "wait-unplug")
    active = _first(rows, "src-qemu", "active")
    cancelling = _first(rows, "src-qemu", "cancelling")
    stop = _first(rows, "src-qemu", "STOP")
    resume = _first(rows, "dst-qemu", "RESUME")
    unplug = _first(rows, "src-qemu", "UNPLUG_PRIMARY")
    released = _first(rows, "guest", "vf-released")
    enslaved = next((t for t, a, _, n, _ in rows if a == "guest" and n == "vf-enslaved" and resume is not None
                     and t >= resume), None)
    ready = next((ev.t for ev in gevents if ev.milestone == "ready" and ev.side == "src"), None)
    spawn = next((float(m["t"]) for m in raw.get("marks", []) if m["name"] == "spawn"), None)
    negotiated = [r for r in raw.get("qmp", []) if r["event"] == "FAILOVER_NEGOTIATED"]
    ram = final.get("ram", {})
    passes = [int(r["data"].get("pass", 0)) for r in raw.get("qmp", []) if r["event"] == "MIGRATION_PASS"
              and r["side"] == "src"]
    return {
        "outcome": src_end or "unfinished",
        "migration_s": _minus(t_end, 0.0),
        "wait_unplug_s": 0.0 if wait is None else _minus(active if active is not None else cancelling, wait),
        "cancel_grace_s": _minus(_first(rows, "src-qemu", "cancelled"), cancelling) or 0.0,
        "precopy_s": _minus(stop, active),
        "precopy_passes": None,
        "precopy_converged": True if src_end == "completed" else None,
        "qemu_dirty_sync_count": max(passes) if passes else None,
        "ram_sent_mib": round(ram["transferred"] / _MIB, 3) if "transferred" in ram else None,
        "downtime_s": _minus(resume, stop),
        "on_virtio_s": _seconds_on(datapath, "virtio"),
        "off_network_s": _seconds_on(datapath, "none"),
        "off_vf_s": _off_vf(datapath),
        "ends_on": datapath[-1].path if datapath else None,
        "guest_unplug_s": _minus(released, unplug),
        "primary_back_s": _minus(enslaved, resume),
        "qemu_downtime_ms": final.get("downtime"),
        "qemu_total_time_ms": final.get("total-time"),
        "qemu_setup_time_ms": final.get("setup-time"),
        "ping_replies": ping.replies,
        "ping_lost": ping.lost,
        "ping_max_gap_s": ping.max_gap_s,
        "boot_ready_s": _minus(ready, spawn),
        "failover_negotiated_at_boot": any(r["side"] == "src" and spawn is not None and float(r["t"]) < 0
                                           for r in negotiated),
    }
