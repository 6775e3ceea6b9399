"""The real failover lab in a notebook: prepare the guest, run an experiment, show it next to the model.

Every step degrades to a printed reason instead of an exception when the lab cannot run here (no QEMU, no apt,
no image), so that a notebook keeps going without it. Progress is printed as it happens, without machine paths.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from teamkit.errors import TeamkitError
from teamkit.failover.timeline import Timeline
from teamkit.lab.compare import Comparison, compare, side_by_side_dot
from teamkit.lab.prepare import LabImage, default_cache_dir
from teamkit.present.rich import Rich, escape, table, text_table
from teamkit.present.svg import Svg

__all__ = ["LabRun", "lab_missing", "prepare_lab_image", "run_experiment", "show_durations", "show_order_agreement",
           "show_side_by_side", "show_unshared", "show_verdicts"]

_APT_TOOLS: Final = ("apt-cache", "apt-get", "dpkg-deb")


@dataclass(frozen=True)
class LabRun:
    """One experiment: the raw recording, the measured timeline, and its comparison with the model."""

    scenario: str
    raw: dict[str, Any]
    measured: Timeline
    comparison: Comparison


def _tidy(message: str, cache: Path) -> str:
    """``message`` without machine paths: the cache and the home directory are named, not spelled out."""
    home = str(Path.home())
    root = str(cache)
    if root.startswith(home + os.sep):
        message = message.replace(root, "~" + root[len(home):])
    message = message.replace(root, "<cache>")
    return message.replace(home, "~")


def lab_missing(*, binary: str | None = None) -> str | None:
    """Why the lab cannot run on this machine (QEMU missing; neither apt nor a cached image), or ``None``."""
    from teamkit.lab.run import QEMU_BINARY

    qemu = binary or QEMU_BINARY
    if shutil.which(qemu) is None:
        return f"{qemu} is not installed (apt-get install qemu-system-x86, as root)"
    missing = [tool for tool in _APT_TOOLS if shutil.which(tool) is None]
    if missing and not _has_cached_image(default_cache_dir()):
        return (f"{', '.join(missing)} not found and no guest image is cached: the image is built from Debian "
                "packages fetched with apt-get download")
    return None


def _has_cached_image(cache: Path) -> bool:
    return cache.is_dir() and any((d / "manifest.json").is_file() for d in cache.iterdir() if d.is_dir())


def _printer(started: float, cache: Path) -> Callable[[str], None]:
    def say(message: str) -> None:
        print(f"[{time.monotonic() - started:5.1f} s] {_tidy(message, cache)}", flush=True)

    return say


def prepare_lab_image(cache: Path | None = None, *, binary: str | None = None) -> LabImage | None:
    """The guest image (built once, then cached), with progress printed; ``None`` with the reason printed when the
    lab cannot run here."""
    from teamkit.lab.prepare import prepare_image

    reason = lab_missing(binary=binary)
    if reason is not None:
        print(f"The lab is skipped on this machine: {reason}.")
        return None
    root = cache or default_cache_dir()
    say = _printer(time.monotonic(), root)
    try:
        image = prepare_image(root, progress=say)
    except TeamkitError as exc:
        print(f"The lab is skipped: the guest image cannot be prepared: {_tidy(str(exc), root)}")
        return None
    m = image.manifest
    print(f"guest image: {m.get('kernel')} {m.get('kernel_version')}, busybox {m.get('busybox_version')}, "
          f"{len(m.get('modules', []))} kernel modules, initramfs {image.initrd.stat().st_size / 1e6:.2f} MB")
    return image


def run_experiment(scenario: str, image: LabImage | None, *, primary: str = "vmxnet3", hotplug: str | None = None,
                   binary: str | None = None) -> LabRun | None:
    """Run one lab scenario live (two QEMUs, a migration over loopback), printing its progress; ``None`` with the
    reason printed when there is no image or the experiment fails."""
    from teamkit.lab.channels import LabError
    from teamkit.lab.measure import timeline_from_raw
    from teamkit.lab.run import run_lab
    from teamkit.lab.scenarios import settings_for

    if image is None:
        print(f"{scenario}: not run, the lab is not available here (see the preparation above).")
        return None
    settings = settings_for(scenario, primary=primary, hotplug=hotplug)
    say = _printer(time.monotonic(), image.directory.parent)
    try:
        raw = run_lab(settings, image, binary=binary, progress=say)
    except (LabError, TeamkitError) as exc:
        print(f"{scenario}: the experiment failed: {_tidy(str(exc), image.directory.parent)}")
        return None
    measured = timeline_from_raw(raw)
    outcome = measured.totals.get("outcome")
    say(f"done: the migration ended {outcome} (the scenario expects {settings.expect}), "
        f"{len(measured.events)} events recorded")
    return LabRun(scenario, raw, measured, compare(measured))


def _not_run(what: str) -> Rich:
    text = f"({what}: no measurement, the lab did not run here)"
    return Rich(f"<p><i>{escape(text)}</i></p>", text)


def show_side_by_side(run: LabRun | None) -> Svg | Rich:
    """The model's swimlanes (left) next to the measurement's (right)."""
    if run is None:
        return _not_run("drawing")
    c = run.comparison
    return Svg(side_by_side_dot(c), f"model {c.model_scenario} and measured lab {c.lab_scenario}, side by side")


def show_order_agreement(run: LabRun | None) -> Rich:
    """Per actor: whether the events both timelines have come in the same order, and that order."""
    if run is None:
        return _not_run("event order")
    header = ("actor", "order", "shared events, in order")
    rows = []
    for o in run.comparison.orders:
        shared = " → ".join(o.measured) or "(nothing shared)"
        if not o.agrees:
            shared += f"   (model: {' → '.join(o.model)})"
        rows.append((o.actor, "agrees" if o.agrees else "DISAGREES", shared))
    return Rich(table(header, rows), text_table(header, rows))


def show_unshared(run: LabRun | None) -> Rich:
    """Per actor: the events only the model has, and those only the measurement has."""
    if run is None:
        return _not_run("unshared events")
    header = ("actor", "only in the model", "only measured")
    rows = [(o.actor, ", ".join(o.only_model) or "—", ", ".join(o.only_measured) or "—")
            for o in run.comparison.orders if o.only_model or o.only_measured]
    return Rich(table(header, rows), text_table(header, rows))


def _seconds(value: float | None, sign: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value:+.3f}" if sign else f"{value:.3f}"


def show_durations(run: LabRun | None) -> Rich:
    """The durations both timelines define, model against measurement (seconds)."""
    if run is None:
        return _not_run("durations")
    header = ("duration", "what it measures", "model (s)", "measured (s)", "difference (s)")
    rows = [(d.key, d.meaning, _seconds(d.model), _seconds(d.measured), _seconds(d.difference, sign=True))
            for d in run.comparison.durations if not (d.model is None and d.measured is None)]
    return Rich(table(header, rows), text_table(header, rows))


def show_verdicts(runs: dict[str, LabRun | None]) -> Rich:
    """One line per experiment: how the migration ended, and whether the event order agrees with the model."""
    header = ("lab scenario", "model scenario", "outcome", "event order")
    rows = []
    for name, run in runs.items():
        if run is None:
            rows.append((name, "—", "not run", "—"))
            continue
        c = run.comparison
        rows.append((name, c.model_scenario, str(run.measured.totals.get("outcome")),
                     "agrees with the model" if c.agrees else "DISAGREES with the model"))
    return Rich(table(header, rows), text_table(header, rows))
