"""The benchmark scripts run in short mode and print their ratios (the goals themselves are not asserted here).

Each script's output is written through pytest's terminal reporter (so it shows in CI's log with or without
``-s``) and to ``artifacts/benchmarks/<script>-short.txt``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Final

import pytest

__all__: list[str] = []

REPO: Final = Path(__file__).resolve().parents[1]
ARTIFACTS: Final = REPO / "artifacts" / "benchmarks"

#: lines each script must print: (what, pattern)
THROUGHPUT_LINES: Final = (
    ("machine", r"^machine: .+, \d+ cores, Python 3\.\d+"),
    ("throughput ratio", r"^1\. \d+ domains: lxml parse \d+ us/file, .* ratio \d+\.\dx \(goal: within 3x\)$"),
    ("virsh ratio", r"^2\. (skipped: .+|virsh define\+undefine .* is \d+x faster than one virsh per file "
                    r"\(goal: at least 50x\) and \d+\.\dx faster than batched virsh)$"),
    ("cold start", r"^(3\. cold start, median of \d+: .* ratio \d+\.\d\d \(goal: <= 1\.00\)|"
                   r"3\. teamkit only: teamkit validate cold start \d+ ms)$"),
    ("imports", r"^4\. import teamkit pulls in: no ipywidgets, graphviz or jupyter$"),
)
AUDIT_LINES: Final = (
    ("fleet", r"^generated 2000 domains in [\d.]+ s \(\d+ ok, \d+ with errors, \d+ unreadable\); \d+ core\(s\)"),
    ("header", r"^jobs\s+seconds\s+files/s\s+speed-up\s+CPU s\s+load before$"),
    ("jobs 1", r"^\s+1\s+[\d.]+\s+\d+\s+1\.00x\s+[\d.]+\s+[\d.]+$"),
    ("jobs 2", r"^\s+2\s+[\d.]+\s+\d+\s+\d+\.\d\dx\s+[\d.]+\s+[\d.]+$"),
    ("summary", r"^  files\s+2000$"),
)


@pytest.fixture
def report(request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]) -> object:
    """Writes a section through the terminal reporter, output capturing suspended (shown with or without ``-s``)."""
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")

    def write(title: str, text: str) -> None:
        if reporter is None:
            return
        with capsys.disabled():
            reporter.ensure_newline()
            reporter.section(title, sep="-")
            reporter.write(text if text.endswith("\n") else text + "\n")

    return write


def _run(script: str, report: object) -> str:
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / script), "--short"], cwd=REPO,
                          capture_output=True, text=True, timeout=900, check=False)
    output = proc.stdout + (f"\n[stderr]\n{proc.stderr}" if proc.stderr.strip() else "")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{Path(script).stem}-short.txt").write_text(output)
    report(f"benchmarks/{script} --short", output)  # type: ignore[operator]
    assert proc.returncode == 0, output
    return proc.stdout


def _missing(stdout: str, lines: tuple[tuple[str, str], ...]) -> list[str]:
    return [what for what, pattern in lines if not re.search(pattern, stdout, re.M)]


@pytest.mark.timeout(900)
def test_throughput_short_prints_its_ratios(report: object) -> None:
    assert _missing(_run("throughput.py", report), THROUGHPUT_LINES) == []


@pytest.mark.timeout(900)
def test_audit_short_prints_its_speed_up(report: object) -> None:
    assert _missing(_run("audit.py", report), AUDIT_LINES) == []
