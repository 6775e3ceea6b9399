"""Real lab experiments, shared by the tests: prepared once per session, run once per module and scenario."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from typing import Any

import pytest

from teamkit.errors import ToolMissingError
from teamkit.failover.timeline import Timeline
from teamkit.lab.measure import timeline_from_raw
from teamkit.lab.prepare import LabImage, PrepareError, prepare_image
from teamkit.lab.run import QEMU_BINARY, run_lab
from teamkit.lab.scenarios import settings_for

Experiment = tuple[dict[str, Any], Timeline]
_RUNS: dict[tuple[str, str, str | None], Experiment] = {}


def _say(message: str) -> None:
    print(f"[lab] {message}", file=sys.stderr, flush=True)


@pytest.fixture(scope="session")
def lab_image() -> LabImage:
    """The guest image, prepared exactly as ``teamkit lab prepare`` does (cached between sessions)."""
    if shutil.which(QEMU_BINARY) is None:
        pytest.skip(f"{QEMU_BINARY} is not installed: the lab tests run a real QEMU "
                    "(apt-get install qemu-system-x86)")
    try:
        return prepare_image(progress=_say)
    except (ToolMissingError, PrepareError) as exc:
        pytest.skip(f"cannot prepare the lab guest image: {exc}")


@pytest.fixture(scope="session")
def experiment(lab_image: LabImage) -> Callable[..., Experiment]:
    """Run a scenario once per session and settings; returns the raw recording and the measured timeline."""
    def run(scenario: str, primary: str = "vmxnet3", hotplug: str | None = None) -> Experiment:
        key = (scenario, primary, hotplug)
        if key not in _RUNS:
            raw = run_lab(settings_for(scenario, primary=primary, hotplug=hotplug), lab_image, progress=_say)
            _RUNS[key] = (raw, timeline_from_raw(raw))
        return _RUNS[key]

    return run


def require_slow(config: pytest.Config) -> None:
    """Slow experiments run only when asked for with ``-m slow`` (or any marker expression naming it)."""
    if "slow" not in (config.getoption("markexpr") or ""):
        pytest.skip("a slow lab experiment: run it with -m slow")
