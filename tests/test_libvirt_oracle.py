"""Conformance: real libvirt reproduces the recorded corpus verdicts, and teamkit agrees with them."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from tests.oracle.batch import split_output
from tests.oracle.libvirt import (
    Verdict,
    corpus_files,
    judge,
    libvirt_version,
    record_path,
    unavailable_reason,
)

__all__: list[str] = []

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "corpus" / "validate"
NETWORKS = CORPUS / "networks"
RECORDED_VERSION = "9.0.0"
RECORD = record_path(CORPUS, RECORDED_VERSION)
ARGV_RECORD = RECORD.with_name(RECORD.stem + "-argv.json")
FILES = corpus_files(CORPUS)
REGENERATE = "regenerate: .venv/bin/python -m tests.oracle.libvirt --regenerate tests/corpus/validate"
NAMES = [f.name for f in FILES]


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


RECORDED: dict[str, dict[str, Any]] = _load(RECORD)["cases"] if RECORD.exists() else {}
RECORDED_ARGV: dict[str, list[str]] = _load(ARGV_RECORD)["cases"] if ARGV_RECORD.exists() else {}


# ---- the record itself (no libvirt needed) ---------------------------------------------------------------------------


def test_record_covers_the_corpus() -> None:
    assert len(FILES) >= 80
    assert sorted(RECORDED) == NAMES, REGENERATE
    assert _load(RECORD)["libvirt"] == RECORDED_VERSION
    for name, rec in RECORDED.items():
        assert rec["ok"] == (rec["error"] is None), name
        assert rec["stage"] in (None, "define", "start"), name
        assert rec["checked"] in ("define", "start"), name


def test_networks_named_by_the_corpus_exist() -> None:
    for f in FILES:
        for net in _networks_used(f):
            assert net.exists(), f"{f.name} names network {net.stem!r}; add {net.relative_to(REPO)}"


def test_batch_output_is_split_per_step() -> None:
    text = "\n".join([
        "@@teamkit-oracle 0 define",
        "error: Failed to define domain from /r/in/0.xml",
        "error: unsupported configuration: unknown teaming type 'foo'",
        "",
        "@@teamkit-oracle 1 define",
        "Domain 'b' defined from /r/in/1.xml",
        "",
        "@@teamkit-oracle 1 start",
        "2026-01-01 00:00:00.000+0000: 7: warning : qemuDomainObjTaintMsg:6603 : Domain id=1 is tainted",
        "error: Failed to start domain 'b'",
        "error: internal error: qemu unexpectedly closed the monitor: line one",
        "line two",
        "",
        "@@teamkit-oracle -1 end",
    ])
    outputs, finished = split_output(text)
    assert finished
    assert outputs[(0, "define")].errors == ["unsupported configuration: unknown teaming type 'foo'"]
    assert outputs[(1, "define")].errors == []
    assert outputs[(1, "start")].errors == ["internal error: qemu unexpectedly closed the monitor: line one\nline two"]


# ---- (a) live libvirt reproduces the record --------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveRun:
    verdicts: dict[str, Verdict]
    seconds: float


@pytest.fixture(scope="session")
def live() -> LiveRun:
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(f"real libvirt oracle unavailable: {reason}")
    version = libvirt_version()
    if version.split(".")[:2] != RECORDED_VERSION.split(".")[:2]:
        pytest.skip(f"live libvirt is {version}; the corpus verdicts were recorded with libvirt {RECORDED_VERSION}")
    started = time.monotonic()
    verdicts = judge([f.read_text() for f in FILES], jobs=3)
    return LiveRun(dict(zip(NAMES, verdicts, strict=True)), time.monotonic() - started)


@pytest.mark.libvirt
@pytest.mark.parametrize("name", NAMES)
def test_live_libvirt_reproduces_recorded_verdict(live: LiveRun, name: str) -> None:
    got, want = live.verdicts[name].record(), RECORDED[name]
    if got["checked"] != want["checked"]:
        if want["stage"] != "define" and got["stage"] != "define":
            pytest.skip(f"this host checked {name} only up to {got['checked']!r}; recorded: {want['checked']!r}")
        got = {k: got[k] for k in ("ok", "error", "stage")}
        want = {k: want[k] for k in ("ok", "error", "stage")}
    assert got == want


@pytest.mark.libvirt
@pytest.mark.parametrize("name", sorted(RECORDED_ARGV))
def test_live_libvirt_reproduces_recorded_argv(live: LiveRun, name: str) -> None:
    argv = live.verdicts[name].argv
    if argv is None:
        pytest.skip(f"this host did not start {name}")
    assert list(argv) == RECORDED_ARGV[name]


@pytest.mark.libvirt
def test_live_oracle_is_fast_enough(live: LiveRun) -> None:
    print(f"libvirt oracle: {len(FILES)} corpus cases in {live.seconds:.1f} s")
    assert live.seconds < 120


# ---- (b) teamkit agrees with libvirt ---------------------------------------------------------------------------------


def _networks_used(path: Path) -> tuple[Path, ...]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.parse(str(path), parser).getroot()
    names = [src.get("network", "") for src in root.iterfind("devices/interface[@type='network']/source")]
    return tuple(NETWORKS / f"{n}.xml" for n in dict.fromkeys(names) if n)


@dataclass(frozen=True)
class TeamkitResult:
    findings: list[dict[str, Any]] | None
    problem: str | None = None


@pytest.fixture(scope="session")
def teamkit_results() -> dict[str, TeamkitResult]:
    """One `teamkit validate --json` run per distinct set of networks the cases use."""
    groups: dict[tuple[Path, ...], list[Path]] = defaultdict(list)
    for f in FILES:
        groups[_networks_used(f)].append(f)
    results: dict[str, TeamkitResult] = {}
    for networks, files in groups.items():
        argv = [sys.executable, "-m", "teamkit", "validate", "--json"]
        for net in networks:
            argv += ["--network", str(net)]
        argv += [str(f) for f in files]
        proc = subprocess.run(argv, capture_output=True, text=True, cwd=REPO, timeout=300, check=False)
        problem = None
        try:
            doc = json.loads(proc.stdout)
            by_path = {Path(entry["path"]).name: entry for entry in doc["files"]}
        except (ValueError, KeyError, TypeError) as exc:
            problem = f"teamkit validate --json gave rc={proc.returncode}, no usable JSON ({exc}): {proc.stderr[-800:]}"
            by_path = {}
        for f in files:
            if f.name in by_path:
                results[f.name] = TeamkitResult(findings=list(by_path[f.name]["findings"]))
            else:
                results[f.name] = TeamkitResult(findings=None, problem=problem or f"no result for {f.name}")
    return results


def _describe(findings: list[dict[str, Any]]) -> str:
    return "\n".join(f"  [{f.get('severity')}/{f.get('stage')}] {f.get('code')}: {f.get('libvirt_message')}"
                     for f in findings) or "  (no findings)"


@pytest.mark.parametrize("name", NAMES)
def test_teamkit_agrees_with_libvirt(teamkit_results: dict[str, TeamkitResult], name: str) -> None:
    result, want = teamkit_results[name], RECORDED[name]
    assert result.findings is not None, result.problem
    errors = [f for f in result.findings if f.get("severity") == "error"]
    context = f"libvirt {RECORDED_VERSION}: {want}\nteamkit:\n{_describe(result.findings)}"
    if want["ok"]:
        # When the oracle could only define (networks, direct, non-PCI hostdevs), start-time rules were not judged.
        judged = errors if want["checked"] == "start" else [f for f in errors if f.get("stage") != "start"]
        assert not judged, f"libvirt accepts {name}, teamkit reports errors\n{context}"
        return
    define_stage = [f for f in errors if f.get("stage") in ("parse", "define")]
    candidates = define_stage if want["stage"] == "define" else errors
    assert candidates, f"libvirt rejects {name} at {want['stage']}, teamkit reports no such error\n{context}"
    assert candidates[0].get("libvirt_message") == want["error"], context
