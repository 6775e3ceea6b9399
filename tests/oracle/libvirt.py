"""Real libvirt (embedded QEMU driver via virsh) as the conformance oracle for teamkit's domain validation."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .batch import Step, StepOutput, build_script, split_output, virsh_quote
from .domain import StartPlan, inspect_domain, with_memlock_limit
from .host import (
    OracleError,
    build_shim,
    cache_dir,
    clean_env,
    fake_sysfs_possible,
    libvirt_version,
    qemu_version,
    temp_beside,
    unavailable_reason,
)
from .qemulog import last_argv, qemu_launch_error, unrandomise_mac

__all__ = [
    "LibvirtOracle",
    "OracleError",
    "Verdict",
    "cache_dir",
    "corpus_files",
    "judge",
    "libvirt_version",
    "main",
    "qemu_version",
    "record_path",
    "regenerate",
    "unavailable_reason",
]

Stage = Literal["define", "start"]

NSRUN = Path(__file__).resolve().parent / "nsrun.py"
QEMU_CONF = """\
user = "root"
group = "root"
stdio_handler = "file"
cgroup_controllers = [ ]
namespaces = [ ]
"""
_STARTED_RE = re.compile(r"^Domain '.*' started$")
#: cases per virsh invocation: the whole script is one argument, which Linux caps at 128 KiB (MAX_ARG_STRLEN)
MAX_BATCH = 120


@dataclass(frozen=True)
class Verdict:
    """libvirt's verdict on one domain XML.

    ok/error/stage: libvirt's own decision; error is its first message as virsh prints it after ``error: ``.
    checked: how far the oracle took the domain (``define`` only, or define and ``start``).
    qemu_error: libvirt accepted the domain and built the command line, but the launch failed afterwards (QEMU refused
    the arguments, e.g. an unpaired vfio-pci opening a host device that does not exist). Not a libvirt rule.
    argv: the QEMU command line libvirt built (environment dropped, volatile parts normalised), when start got that far.
    """

    ok: bool
    error: str | None
    stage: Stage | None
    checked: Stage = "define"
    qemu_error: str | None = None
    argv: tuple[str, ...] | None = None

    def record(self) -> dict[str, Any]:
        """The JSON form stored in the corpus verdict file (argv is stored separately)."""
        rec: dict[str, Any] = {"ok": self.ok, "error": self.error, "stage": self.stage, "checked": self.checked}
        if self.qemu_error is not None:
            rec["qemu_error"] = self.qemu_error
        return rec


def _first_line(message: str) -> str:
    return message.split("\n", 1)[0]


class LibvirtOracle:
    """A private embed root (``qemu:///embed?root=…``) driven by batched virsh invocations.

    Each instance owns its root (libvirt allows one process per root) and runs one virsh at a time; use one instance per
    thread or process (see judge()).
    """

    def __init__(self, *, cache: Path | None = None, fake_sysfs: bool = True, timeout: float = 120.0) -> None:
        reason = unavailable_reason()
        if reason is not None:
            raise OracleError(reason)
        self.cache = cache or cache_dir()
        self.cpu = min(os.sched_getaffinity(0))
        self.caps_cache = self.cache / f"capabilities-cpu{self.cpu}"
        self.shim = build_shim(self.cache) if fake_sysfs and fake_sysfs_possible() else None
        self.timeout = timeout
        self.root = Path(tempfile.mkdtemp(prefix="tk-lv-"))
        (self.root / "etc").mkdir()
        (self.root / "etc" / "qemu.conf").write_text(QEMU_CONF)
        self.uri = f"qemu:///embed?root={self.root}"
        caps = self.root / "cache" / "qemu" / "capabilities"
        caps.mkdir(parents=True)
        if self.caps_cache.is_dir():
            for f in self.caps_cache.glob("*.xml"):
                shutil.copy2(f, caps / f.name)

    def __enter__(self) -> LibvirtOracle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Save the (possibly re-probed) capability cache and remove the embed root."""
        caps = self.root / "cache" / "qemu" / "capabilities"
        if caps.is_dir() and any(caps.glob("*.xml")):
            self.caps_cache.mkdir(parents=True, exist_ok=True)
            for f in caps.glob("*.xml"):
                dest = self.caps_cache / f.name
                if not dest.exists() or dest.read_bytes() != f.read_bytes():
                    tmp = temp_beside(dest)
                    shutil.copy2(f, tmp)
                    tmp.replace(dest)
        shutil.rmtree(self.root, ignore_errors=True)

    def define_verdict(self, xml_text: str) -> Verdict:
        """libvirt's verdict on one domain: define, then (when it can run here) start --paused and destroy."""
        return self.verdicts([xml_text])[0]

    def verdicts(self, xml_texts: Sequence[str]) -> list[Verdict]:
        """Verdicts for many domains, batched into as few virsh invocations as names allow."""
        plans = [inspect_domain(x, fake_sysfs=self.shim is not None) for x in xml_texts]
        results: list[Verdict | None] = [None] * len(xml_texts)
        pending = list(range(len(xml_texts)))
        while pending:
            batch: list[int] = []
            names: set[str | None] = set()
            for i in pending:
                if plans[i].taps and batch:
                    continue  # pre-created taps would collide with managed taps of other cases: run alone
                if plans[i].name in names and plans[i].name is not None:
                    continue
                names.add(plans[i].name)
                batch.append(i)
                if plans[i].taps or len(batch) >= MAX_BATCH:
                    break
            done = self._run_batch([(i, xml_texts[i], plans[i]) for i in batch])
            for i, verdict in done.items():
                results[i] = verdict
            pending = [i for i in pending if results[i] is None]
        return [v for v in results if v is not None]

    def _run_batch(self, cases: list[tuple[int, str, StartPlan]]) -> dict[int, Verdict]:
        inputs = self.root / "in"
        shutil.rmtree(inputs, ignore_errors=True)
        inputs.mkdir()
        logs = self.root / "log" / "qemu"
        if logs.is_dir():
            for f in logs.iterdir():
                f.unlink()
        steps: list[Step] = []
        vfs: dict[str, None] = {}
        bridges: dict[str, None] = {}
        taps: dict[str, None] = {}
        for i, text, plan in cases:
            path = inputs / f"{i}.xml"
            path.write_text(text, encoding="utf-8")
            steps.append(Step(i, "define", f"define {virsh_quote(str(path))}"))
            if plan.name is None:
                continue
            name = virsh_quote(plan.name)
            if plan.start:
                if plan.vfs:
                    variant = inputs / f"{i}-start.xml"
                    variant.write_text(with_memlock_limit(text), encoding="utf-8")
                    steps.append(Step(i, "undefine0", f"undefine {name}"))
                    steps.append(Step(i, "define2", f"define {virsh_quote(str(variant))}"))
                steps.append(Step(i, "start", f"start --paused {name}"))
                steps.append(Step(i, "destroy", f"destroy {name}"))
            steps.append(Step(i, "undefine", f"undefine {name}"))
            vfs.update(dict.fromkeys(plan.vfs))
            bridges.update(dict.fromkeys(plan.bridges))
            taps.update(dict.fromkeys(plan.taps))
        argv = ["unshare", "-mn", "--propagation", "private", "--", sys.executable, str(NSRUN)]
        if vfs:
            argv += ["--pf", next(pf for pf in (f"0000:{b:02x}:00.0" for b in range(0x7F, 0, -1)) if pf not in vfs)]
        for vf in vfs:
            argv += ["--vf", vf]
        for br in bridges:
            argv += ["--bridge", br]
        for tap in taps:
            argv += ["--tap", tap]
        argv += ["--", "taskset", "-c", str(self.cpu), "virsh", "-c", self.uri, build_script(steps)]
        extra = {"LD_PRELOAD": str(self.shim)} if vfs and self.shim else {}
        try:
            proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, encoding="utf-8",
                                  errors="replace", env=clean_env(extra), cwd=self.root, check=False,
                                  timeout=self.timeout + 10 * len(cases))
        except subprocess.TimeoutExpired as exc:
            raise OracleError(f"virsh timed out after {exc.timeout:.0f} s") from exc
        outputs, finished = split_output(proc.stdout)
        verdicts: dict[int, Verdict] = {}
        for i, _text, plan in cases:
            if not finished and (i, "undefine") not in outputs and plan.name is not None:
                break  # virsh died in or before this case: leave it and the rest for the next batch
            verdicts[i] = self._verdict(i, plan, outputs)
        if not verdicts:
            raise OracleError(f"virsh failed (rc={proc.returncode}) on the first case:\n{proc.stdout[-2000:]}")
        return verdicts

    def _verdict(self, i: int, plan: StartPlan, outputs: dict[tuple[int, str], StepOutput]) -> Verdict:
        define = outputs.get((i, "define"), StepOutput())
        if define.errors:
            return Verdict(ok=False, error=_first_line(define.errors[0]), stage="define")
        if not plan.start or plan.name is None:
            return Verdict(ok=True, error=None, stage=None)
        if (i, "define2") in outputs and outputs[(i, "define2")].errors:
            return Verdict(ok=True, error=None, stage=None)  # the memlock variant is not definable: define only
        start = outputs.get((i, "start"), StepOutput())
        argv = last_argv(self.root / "log" / "qemu" / f"{plan.name}.log", self.root)
        if argv is not None and plan.random_mac:
            argv = unrandomise_mac(argv)
        if any(_STARTED_RE.match(line) for line in start.lines):
            return Verdict(ok=True, error=None, stage=None, checked="start", argv=argv)
        if not start.errors:
            raise OracleError(f"start of case {i} neither succeeded nor failed: {start.lines}")
        if argv is not None:  # the command line was built: libvirt accepted; the launch failed later
            qemu_error = qemu_launch_error(start.errors[0], self.root)
            return Verdict(ok=True, error=None, stage=None, checked="start", qemu_error=qemu_error, argv=argv)
        return Verdict(ok=False, error=_first_line(start.errors[0]), stage="start", checked="start")


def judge(xml_texts: Sequence[str], *, jobs: int = 3) -> list[Verdict]:
    """Verdicts for many domains from several oracles (own roots and namespaces) working in parallel threads.

    The work is mostly waiting (QEMU launch, libvirt's 200 ms kill polling), so parallel oracles pinned to the same CPU
    share one capability cache and still cut the wall time.
    """
    jobs = max(1, min(jobs, len(xml_texts)))
    chunks = [list(range(len(xml_texts)))[k::jobs] for k in range(jobs)]
    results: list[Verdict | None] = [None] * len(xml_texts)

    def work(indices: list[int]) -> None:
        with LibvirtOracle() as oracle:
            for i, verdict in zip(indices, oracle.verdicts([xml_texts[i] for i in indices]), strict=True):
                results[i] = verdict

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for future in [pool.submit(work, chunk) for chunk in chunks if chunk]:
            future.result()
    return [v for v in results if v is not None]


def corpus_files(directory: Path) -> list[Path]:
    """The domain XML cases of a corpus directory (network definitions live in its networks/ subfolder)."""
    return sorted(p for p in directory.glob("*.xml") if p.is_file())


def record_path(directory: Path, version: str | None = None) -> Path:
    """Where the recorded verdicts of a corpus live, e.g. DIR/libvirt-9.0.json."""
    major_minor = ".".join((version or libvirt_version()).split(".")[:2])
    return directory / f"libvirt-{major_minor}.json"


def regenerate(directory: Path, *, jobs: int = 3) -> tuple[Path, float]:
    """Run every case of a corpus through real libvirt and write the verdict and argv records; returns path, seconds."""
    files = corpus_files(directory)
    started = time.monotonic()
    verdicts = judge([f.read_text(encoding="utf-8") for f in files], jobs=jobs)
    elapsed = time.monotonic() - started
    version = libvirt_version()
    head = {"libvirt": version, "qemu": qemu_version()}
    out = record_path(directory, version)
    cases = {f.name: v.record() for f, v in zip(files, verdicts, strict=True)}
    out.write_text(json.dumps({**head, "cases": cases}, indent=2, sort_keys=False) + "\n")
    argvs = {f.name: list(v.argv) for f, v in zip(files, verdicts, strict=True) if v.argv is not None}
    out.with_name(out.stem + "-argv.json").write_text(json.dumps({**head, "cases": argvs}, indent=1) + "\n")
    return out, elapsed


def _print_verdicts(files: Iterable[Path], jobs: int) -> int:
    paths = list(files)
    verdicts = judge([p.read_text(encoding="utf-8") for p in paths], jobs=jobs)
    for p, v in zip(paths, verdicts, strict=True):
        print(json.dumps({"file": str(p), **v.record(), "argv": list(v.argv) if v.argv else None}))
    return 0 if all(v.ok for v in verdicts) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.oracle.libvirt", description=__doc__)
    parser.add_argument("--regenerate", metavar="DIR", type=Path,
                        help="record real libvirt's verdicts for every DIR/*.xml into DIR/libvirt-X.Y.json")
    parser.add_argument("-j", "--jobs", type=int, default=3, help="parallel oracles (default 3)")
    parser.add_argument("files", nargs="*", type=Path, help="domain XML files to judge (prints JSON lines)")
    args = parser.parse_args(argv)
    if (reason := unavailable_reason()) is not None:
        print(f"libvirt oracle unavailable: {reason}", file=sys.stderr)
        return 2
    try:
        if args.regenerate:
            out, seconds = regenerate(args.regenerate, jobs=args.jobs)
            print(f"wrote {out} ({len(corpus_files(args.regenerate))} cases, {seconds:.1f} s)", file=sys.stderr)
            return 0
        if not args.files:
            parser.error("give --regenerate DIR or domain XML files")
        return _print_verdicts(args.files, args.jobs)
    except OracleError as exc:
        print(f"libvirt oracle: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
