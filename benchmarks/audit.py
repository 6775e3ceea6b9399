"""Directory-audit throughput: N generated domains audited with ``--jobs 1`` and ``--jobs 2``, side by side.

Run from the repository root: ``python benchmarks/audit.py`` (20,000 domains) or ``--short`` (2,000, for CI).
Both runs must agree on the summary, and the summary must match what the generator wrote.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fleet import FleetTally, write_fleet

__all__ = ["Run", "main", "run_audit"]

FULL = 20_000
SHORT = 2_000


@dataclass(frozen=True)
class Run:
    jobs: int
    seconds: float
    cpu_seconds: float
    load: float
    returncode: int
    summary: str

    def files_per_second(self, files: int) -> float:
        return files / self.seconds


def run_audit(directory: Path, jobs: int) -> Run:
    """One ``teamkit validate DIR --jobs N`` in a fresh process (wall time includes start-up and the walk)."""
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "teamkit", "validate", str(directory), "--jobs", str(jobs)],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, check=False)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    summary = proc.stdout[proc.stdout.rindex("\nsummary\n") + 1:]
    return Run(jobs, seconds, cpu, load, proc.returncode, summary)


def _rows(summary: str) -> dict[str, int]:
    """The count rows of the summary table (``  with errors    402`` → ``{"with errors": 402}``)."""
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^  ([a-z][a-z ]*?) +(\d+)$", summary, re.M)}


def _check(run: Run, tally: FleetTally) -> None:
    rows = _rows(run.summary)
    for label, expected in tally.rows().items():
        if rows.get(label) != expected:
            raise SystemExit(f"--jobs {run.jobs}: {label} is {rows.get(label)}, the generator wrote {expected}")
    if run.returncode != (2 if tally.unreadable else 1 if tally.ok < tally.files else 0):
        raise SystemExit(f"--jobs {run.jobs}: unexpected exit code {run.returncode}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--short", action="store_true", help=f"{SHORT} domains instead of {FULL}")
    parser.add_argument("--files", type=int, default=None, help="how many domains (overrides --short)")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="job counts to compare (default: 1 2)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run each job count this many times, alternating, and keep the fastest (default: 1)")
    args = parser.parse_args(argv)
    n = args.files or (SHORT if args.short else FULL)
    with tempfile.TemporaryDirectory(prefix="teamkit-audit-") as tmp:
        directory = Path(tmp) / "fleet"
        start = time.perf_counter()
        tally = write_fleet(n, directory)
        print(f"generated {n} domains in {time.perf_counter() - start:.1f} s "
              f"({tally.ok} ok, {tally.with_errors} with errors, {tally.unreadable} unreadable); "
              f"{len(os.sched_getaffinity(0))} core(s) available")
        attempts = [run_audit(directory, jobs) for _ in range(args.repeat) for jobs in args.jobs]
    for run in attempts:
        _check(run, tally)
    runs = [min((r for r in attempts if r.jobs == jobs), key=lambda r: r.seconds) for jobs in args.jobs]
    if any(run.summary != runs[0].summary for run in runs):
        raise SystemExit("the runs disagree on the summary")
    base = runs[0]
    print(f"{'jobs':>4}  {'seconds':>8}  {'files/s':>8}  {'speed-up':>8}  {'CPU s':>6}  load before")
    for run in runs:
        speedup = base.seconds / run.seconds
        print(f"{run.jobs:>4}  {run.seconds:>8.2f}  {run.files_per_second(n):>8.0f}  {speedup:>7.2f}x  "
              f"{run.cpu_seconds:>6.1f}  {run.load:.1f}")
    cores = len(os.sched_getaffinity(0))
    if max(run.load for run in runs) > cores:
        print(f"note: the load average exceeded the {cores} core(s): other work shared the CPUs, so the "
              "speed-up understates what idle cores give")
    print("summary (identical for every run):")
    print(base.summary, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
