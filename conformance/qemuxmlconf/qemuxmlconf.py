#!/usr/bin/env python3
"""Run teamkit's argv corpus through libvirt 11.3.0's own ``tests/qemuxmlconftest`` (driven by regenerate.sh).

Subcommands (all take ``--repo`` and ``--libvirt``, the unpacked libvirt source tree with its ``build`` dir):

``build``       ninja the test program and the mock libraries it preloads (only those targets).
``prepare``     patch ``tests/qemuxmlconftest.c`` once: an ``#include`` of a generated registration file, placed
                before the first upstream test so that the corpus tests are numbers 1..4N (``VIR_TEST_RANGE``).
``regenerate``  install the corpus, let libvirt decide every verdict (parse error first, then failure, else
                accepted, per capability set), regenerate, run the whole test program without regeneration,
                then copy the outputs to ``tests/golden/libvirt-11.3/`` and write ``MANIFEST.json``.
``verify``      install the corpus and the committed golden files as the expected output, register the
                verdicts from ``MANIFEST.json`` and run the whole test program; fail on any difference.

Only the standard library is used, so any Python 3.11 runs it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

LIBVIRT_VERSION: Final = "11.3.0"
CASE_PREFIX: Final = "teamkit-"  # libvirt test name = CASE_PREFIX + corpus file stem
NET_PREFIX: Final = "tk-"  # libvirt network / port file name = NET_PREFIX + network name
ARCH: Final = "x86_64"
CAPS: Final = ("latest", "7.0.0", "6.2.0")
TESTS_PER_CASE: Final = 4  # testRun(): parse, def -> XML, OUT -> XML, def -> ARGV

PARSE_ERROR: Final = "parse_error"
FAILURE: Final = "failure"
ACCEPTED: Final = "accepted"
VERDICTS: Final = (PARSE_ERROR, FAILURE, ACCEPTED)
MACRO_SUFFIX: Final = {PARSE_ERROR: "_PARSE_ERROR", FAILURE: "_FAILURE", ACCEPTED: ""}

# the test program and the mock libraries it preloads (VIR_TEST_MAIN_PRELOAD in qemuxmlconftest.c)
NINJA_TARGETS: Final = (
    "tests/qemuxmlconftest",
    *(f"tests/lib{m}mock.so" for m in ("qemuxml2argv", "domaincaps", "virrandom", "qemucpu", "virpci", "virnuma")),
)

INCLUDE_FILE: Final = "qemuxmlconftest-teamkit.inc"
INCLUDE_LINE: Final = f'#include "{INCLUDE_FILE}" /* teamkit corpus (conformance/qemuxmlconf) */\n'
# the corpus is registered right before the first upstream test case
ANCHOR: Final = '    DO_TEST_CAPS_ARCH_LATEST_FULL("nonexistent-file", "x86_64",\n'

CORPUS_REL: Final = "tests/corpus/argv"
NETWORKS_REL: Final = "tests/corpus/argv/networks"
GOLDEN_REL: Final = "tests/golden/libvirt-11.3"
MANIFEST: Final = "MANIFEST.json"

CASE_NAME_RE: Final = re.compile(r"^[a-z0-9][a-z0-9-]*$")
SOURCE_NETWORK_RE: Final = re.compile(r"""(<source\b[^>]*?\bnetwork\s*=\s*)(['"])(.*?)\2""", re.DOTALL)
# "N) TITLE ... " then, possibly after lines of error output, the status at the end of a line
TEST_START_RE: Final = re.compile(r"^\s*(\d+)\) (.+?)\s+\.\.\. ?(.*)$")
TEST_STATUS_RE: Final = re.compile(r"(OK|FAILED|SKIP)\s*$")


class HarnessError(Exception):
    """A problem that stops the run; printed without a traceback."""


def say(msg: str) -> None:
    print(f"qemuxmlconf: {msg}", file=sys.stderr, flush=True)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def record_timing(label: str, seconds: float) -> None:
    say(f"  {label}: {seconds:.1f}s")
    target = os.environ.get("TEAMKIT_TIMINGS_FILE")
    if target:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(f"{label:<28} {seconds:7.1f}s\n")


# ---- corpus -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Network:
    name: str
    path: Path
    port_path: Path
    forward_mode: str | None
    plug_type: str
    #: the VF the port file hands out (hostdev pools only), as DDDD:BB:SS.F
    port_vf: str | None

    @property
    def libvirt_name(self) -> str:
        return f"{NET_PREFIX}{self.name};{NET_PREFIX}{self.name}"

    @property
    def is_pool(self) -> bool:
        return self.plug_type == "hostdev-pci"


@dataclass
class Case:
    name: str
    path: Path
    description: str
    networks: list[str] = field(default_factory=list)
    has_direct: bool = False

    @property
    def libvirt_name(self) -> str:
        return CASE_PREFIX + self.name


def _pci(elem: ET.Element) -> str:
    def num(attr: str) -> int:
        return int(elem.get(attr, "0"), 0)

    return f"{num('domain'):04x}:{num('bus'):02x}:{num('slot'):02x}.{num('function'):x}"


def load_networks(repo: Path) -> dict[str, Network]:
    netdir = repo / NETWORKS_REL
    nets: dict[str, Network] = {}
    if not netdir.is_dir():
        return nets
    for path in sorted(netdir.glob("*.xml")):
        if path.name.endswith(".port.xml"):
            continue
        root = ET.parse(path).getroot()
        name = (root.findtext("name") or "").strip()
        if root.tag != "network" or name != path.stem:
            raise HarnessError(f"{path}: expected <network> whose <name> is '{path.stem}'")
        if path.stat().st_size > 4000:
            raise HarnessError(f"{path}: the fake network driver reads at most 4 KiB")
        port_path = path.with_name(f"{name}.port.xml")
        if not port_path.is_file():
            raise HarnessError(f"{path}: missing its port file {port_path.name}")
        port = ET.parse(port_path).getroot()
        plug = port.find("plug")
        if port.tag != "networkport" or plug is None:
            raise HarnessError(f"{port_path}: expected <networkport> with a <plug>")
        plug_type = plug.get("type", "")
        forward = root.find("forward")
        forward_mode = forward.get("mode") if forward is not None else None
        port_vf = None
        if plug_type == "hostdev-pci":
            addr = plug.find("address")
            pool = forward.findall("address") if forward is not None else []
            if forward_mode != "hostdev" or addr is None or not pool:
                raise HarnessError(f"{port_path}: a hostdev-pci plug needs a <forward mode='hostdev'> pool")
            port_vf = _pci(addr)
            # teamkit allocates the first free VF; a port file always yields the same one, so it must be that VF
            if port_vf != _pci(pool[0]):
                raise HarnessError(f"{port_path}: plug address {port_vf} is not the pool's first VF {_pci(pool[0])}")
            forward_managed = (forward.get("managed") if forward is not None else None) or "no"
            if (plug.get("managed") or "no") != forward_managed:
                raise HarnessError(f"{port_path}: plug managed= differs from the network's <forward managed=>")
        elif plug_type == "direct":
            raise HarnessError(f"{port_path}: direct (macvtap) plugs would make qemuxmlconftest create real macvtaps")
        nets[name] = Network(name, path, port_path, forward_mode, plug_type, port_vf)
    return nets


def load_corpus(repo: Path, networks: Mapping[str, Network]) -> list[Case]:
    corpus = repo / CORPUS_REL
    cases: list[Case] = []
    for path in sorted(corpus.glob("*.xml")):
        name = path.stem
        if not CASE_NAME_RE.match(name):
            raise HarnessError(f"{path}: case names must match {CASE_NAME_RE.pattern}")
        text = path.read_text(encoding="utf-8")
        m = re.search(r"<!--(.*?)-->", text, re.DOTALL)
        description = " ".join(m.group(1).split()) if m else ""
        root = ET.fromstring(text)
        case = Case(name, path, description)
        pools = 0
        for iface in root.iter("interface"):
            itype = iface.get("type")
            if itype == "direct":
                case.has_direct = True
            target = iface.find("target")
            if (
                itype == "ethernet"
                and target is not None
                and target.get("managed") == "no"
                and target.get("dev") != "mytap0"
            ):
                raise HarnessError(f"{path}: the test mock knows only one unmanaged tap, 'mytap0'")
            source = iface.find("source")
            net = source.get("network") if source is not None and itype == "network" else None
            if net is None:
                continue
            if net not in networks:
                raise HarnessError(f"{path}: network '{net}' has no {NETWORKS_REL}/{net}.xml")
            if net not in case.networks:
                case.networks.append(net)
            pools += networks[net].is_pool
        if pools > 1:
            raise HarnessError(f"{path}: at most one hostdev-pool port per case (a port file always yields one VF)")
        cases.append(case)
    if not cases:
        raise HarnessError(f"no corpus files in {CORPUS_REL}")
    return cases


def libvirt_input(case: Case, networks: Mapping[str, Network]) -> str:
    """The corpus file with each ``<source network='NAME'>`` turned into the fake driver's ``tk-NAME;tk-NAME``."""

    def repl(m: re.Match[str]) -> str:
        net = networks.get(m.group(3))
        value = net.libvirt_name if net is not None else m.group(3)
        return f"{m.group(1)}{m.group(2)}{value}{m.group(2)}"

    return SOURCE_NETWORK_RE.sub(repl, case.path.read_text(encoding="utf-8"))


# ---- the libvirt tree -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tree:
    src: Path

    @property
    def tests(self) -> Path:
        return self.src / "tests"

    @property
    def data(self) -> Path:
        return self.tests / "qemuxmlconfdata"

    @property
    def netdir(self) -> Path:
        return self.tests / "networkxml2xmlin"

    @property
    def portdir(self) -> Path:
        return self.tests / "virnetworkportxml2xmldata"

    @property
    def build(self) -> Path:
        return self.src / "build"

    @property
    def program(self) -> Path:
        return self.build / "tests" / "qemuxmlconftest"

    @property
    def work(self) -> Path:
        return self.src.parent.parent

    def output(self, case: Case, caps: str, ext: str) -> Path:
        return self.data / f"{case.libvirt_name}.{ARCH}-{caps}.{ext}"


def golden_name(case: Case, caps: str, ext: str) -> str:
    return f"{case.name}.{ARCH}-{caps}.{ext}"


def patch_test_program(tree: Tree) -> None:
    cfile = tree.tests / "qemuxmlconftest.c"
    text = cfile.read_text(encoding="utf-8")
    if INCLUDE_LINE not in text:
        if text.count(ANCHOR) != 1:
            raise HarnessError(f"{cfile}: cannot find where to register the corpus ({ANCHOR.strip()!r})")
        cfile.write_text(text.replace(ANCHOR, INCLUDE_LINE + ANCHOR), encoding="utf-8")
        say(f"patched {cfile.relative_to(tree.src)}: #include \"{INCLUDE_FILE}\"")
    inc = tree.tests / INCLUDE_FILE
    if not inc.exists():
        inc.write_text("/* no teamkit cases registered yet */\n", encoding="utf-8")


def remove_glob(directory: Path, pattern: str) -> None:
    for path in directory.glob(pattern):
        path.unlink()


def install_corpus(tree: Tree, cases: Iterable[Case], networks: Mapping[str, Network]) -> None:
    remove_glob(tree.data, f"{CASE_PREFIX}*")
    remove_glob(tree.netdir, f"{NET_PREFIX}*.xml")
    remove_glob(tree.portdir, f"{NET_PREFIX}*.xml")
    for net in networks.values():
        shutil.copyfile(net.path, tree.netdir / f"{NET_PREFIX}{net.name}.xml")
        shutil.copyfile(net.port_path, tree.portdir / f"{NET_PREFIX}{net.name}.xml")
    for case in cases:
        (tree.data / f"{case.libvirt_name}.xml").write_text(libvirt_input(case, networks), encoding="utf-8")


def clean_outputs(tree: Tree, keys: Iterable[tuple[Case, str]]) -> None:
    for case, caps in keys:
        for ext in ("args", "err", "xml"):
            tree.output(case, caps, ext).unlink(missing_ok=True)


def registration(case: Case, caps: str, verdict: str) -> str:
    suffix = MACRO_SUFFIX[verdict]
    if caps == "latest":
        return f'DO_TEST_CAPS_LATEST{suffix}("{case.libvirt_name}");'
    return f'DO_TEST_CAPS_VER{suffix}("{case.libvirt_name}", "{caps}");'


def write_registrations(tree: Tree, cases: list[Case], verdicts: Mapping[tuple[str, str], str]) -> None:
    lines = ["/* Generated by teamkit conformance/qemuxmlconf/qemuxmlconf.py; do not edit. */"]
    for case in cases:
        for caps in CAPS:
            lines.append("    " + registration(case, caps, verdicts[(case.name, caps)]))
    text = "\n".join(lines) + "\n"
    inc = tree.tests / INCLUDE_FILE
    if not inc.exists() or inc.read_text(encoding="utf-8") != text:
        inc.write_text(text, encoding="utf-8")


def build(tree: Tree, jobs: int, log_name: str = "ninja-rebuild.log") -> None:
    proc = subprocess.run(
        ["ninja", "-C", str(tree.build), f"-j{jobs}", *NINJA_TARGETS],
        capture_output=True,
        text=True,
        check=False,
    )
    (tree.work / log_name).write_text(proc.stdout + proc.stderr, encoding="utf-8")
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr)[-4000:]
        raise HarnessError(f"building qemuxmlconftest failed (log: {tree.work / log_name}):\n{tail}")


@dataclass(frozen=True)
class RunResult:
    returncode: int
    output: str

    def results(self) -> dict[int, tuple[str, str]]:
        """Test number -> (title, OK/FAILED/SKIP), from the VIR_TEST_VERBOSE output."""
        found: dict[int, tuple[str, str]] = {}
        current: tuple[int, str] | None = None
        for line in self.output.splitlines():
            start = TEST_START_RE.match(line)
            if start:
                current = (int(start.group(1)), start.group(2))
                line = start.group(3)
            status = TEST_STATUS_RE.search(line)
            if current is not None and status:
                found[current[0]] = (current[1], status.group(1))
                current = None
        return found


def run_tests(tree: Tree, *, regenerate: bool, count: int | None, log_name: str) -> RunResult:
    """Run qemuxmlconftest; ``count`` limits it to the first ``count`` tests (the corpus)."""
    env = dict(os.environ)
    for var in ("VIR_TEST_REGENERATE_OUTPUT", "VIR_TEST_RANGE", "VIR_TEST_DEBUG", "VIR_TEST_EXPENSIVE"):
        env.pop(var, None)
    env["VIR_TEST_VERBOSE"] = "1"
    if regenerate:
        env["VIR_TEST_REGENERATE_OUTPUT"] = "1"
    if count is not None:
        env["VIR_TEST_RANGE"] = f"1-{count}"
    proc = subprocess.run(
        [str(tree.program)],
        cwd=tree.build / "tests",
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
    )
    out = proc.stdout + proc.stderr
    (tree.work / log_name).write_text(out, encoding="utf-8")
    result = RunResult(proc.returncode, out)
    ran = result.results()
    if not ran or (count is not None and len(ran) < count):
        tail = "\n".join(out.strip().splitlines()[-20:])
        raise HarnessError(f"qemuxmlconftest did not run its tests (log: {tree.work / log_name}):\n{tail}")
    if count is not None:
        # make sure the range really is the corpus and nothing else
        for num, (title, _status) in ran.items():
            if num <= count and CASE_PREFIX not in title:
                raise HarnessError(f"test #{num} '{title}' is not a corpus test: registration is misplaced")
    return result


def failed_titles(result: RunResult) -> list[str]:
    return [title for title, status in result.results().values() if status == "FAILED"]


# ---- subcommands ----------------------------------------------------------------------------------------------------


def latest_caps_version(tree: Tree) -> str:
    best: tuple[int, ...] = ()
    for path in (tree.tests / "qemucapabilitiesdata").glob(f"caps_*_{ARCH}.xml"):
        ver = path.name.split("_")[1]
        if re.fullmatch(r"\d+\.\d+\.\d+", ver):
            best = max(best, tuple(int(x) for x in ver.split(".")))
    return ".".join(str(x) for x in best)


def cmd_prepare(tree: Tree) -> None:
    patch_test_program(tree)


def cmd_build(tree: Tree, jobs: int) -> None:
    patch_test_program(tree)
    build(tree, jobs, "ninja.log")


def decide_verdicts(tree: Tree, cases: list[Case], jobs: int) -> dict[tuple[str, str], str]:
    """libvirt's own verdict per (case, caps): parse error first, then failure, else accepted."""
    keys = [(case, caps) for case in cases for caps in CAPS]
    count = len(keys) * TESTS_PER_CASE
    verdicts: dict[tuple[str, str], str] = {}

    for verdict in (PARSE_ERROR, FAILURE):
        pending = [(c, k) for c, k in keys if (c.name, k) not in verdicts]
        if not pending:
            break
        started = time.monotonic()
        clean_outputs(tree, pending)
        trial = dict(verdicts)
        trial.update({(c.name, k): verdict for c, k in pending})
        write_registrations(tree, cases, trial)
        build(tree, jobs)
        run_tests(tree, regenerate=True, count=count, log_name=f"round-{verdict}.log")
        for case, caps in pending:
            if tree.output(case, caps, "err").exists():
                verdicts[(case.name, caps)] = verdict
        found = sum(1 for v in verdicts.values() if v == verdict)
        record_timing(f"round {verdict}", time.monotonic() - started)
        say(f"{found} of {len(pending)} remaining (case, caps) pairs are {verdict.replace('_', ' ')}s")
        if verdict == PARSE_ERROR:
            # direct (macvtap) interfaces would be created for real when the command line is built
            risky = sorted({c.name for c, k in pending if c.has_direct and (c.name, k) not in verdicts})
            if risky:
                raise HarnessError(
                    "cases with <interface type='direct'> must be parse errors for every caps version, "
                    f"otherwise qemuxmlconftest would create real macvtap devices: {', '.join(risky)}"
                )

    pending = [(c, k) for c, k in keys if (c.name, k) not in verdicts]
    clean_outputs(tree, pending)
    verdicts.update({(c.name, k): ACCEPTED for c, k in pending})
    started = time.monotonic()
    write_registrations(tree, cases, verdicts)
    build(tree, jobs)
    # a regenerating run reports every file it (re)writes as FAILED; the check is the run after it
    run_tests(tree, regenerate=True, count=count, log_name="round-accepted.log")
    record_timing("round accepted", time.monotonic() - started)
    started = time.monotonic()
    result = run_tests(tree, regenerate=False, count=count, log_name="corpus-check.log")
    record_timing("corpus check (no regen)", time.monotonic() - started)
    missing = [f"{c.name} ({k})" for c, k in pending if not tree.output(c, k, "args").exists()]
    if result.returncode != 0 or missing:
        detail = "\n  ".join(failed_titles(result) + [f"no .args for {m}" for m in missing])
        raise HarnessError(f"the regenerated corpus does not pass (log: {tree.work / 'corpus-check.log'}):\n  {detail}")
    return verdicts


def full_run(tree: Tree, label: str) -> RunResult:
    started = time.monotonic()
    result = run_tests(tree, regenerate=False, count=None, log_name=f"{label}.log")
    record_timing(f"{label} (full program)", time.monotonic() - started)
    results = result.results()
    ok = sum(1 for _t, s in results.values() if s == "OK")
    say(f"qemuxmlconftest: exit {result.returncode}, {ok} of {len(results)} tests OK")
    if result.returncode != 0:
        failed = failed_titles(result)
        tail = "\n".join(result.output.strip().splitlines()[-15:])
        raise HarnessError(
            f"qemuxmlconftest does not pass (log: {tree.work / (label + '.log')}):\n  "
            + "\n  ".join(failed[:40])
            + f"\n{tail}"
        )
    return result


def read_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def write_golden(
    repo: Path,
    tree: Tree,
    cases: list[Case],
    networks: Mapping[str, Network],
    verdicts: Mapping[tuple[str, str], str],
    tarball_sha256: str,
    debian_version: str,
    total_tests: int,
) -> None:
    golden = repo / GOLDEN_REL
    golden.mkdir(parents=True, exist_ok=True)
    for pattern in ("*.args", "*.err", "*.xml", MANIFEST):
        remove_glob(golden, pattern)
    latest = latest_caps_version(tree)
    manifest_cases: dict[str, object] = {}
    for case in cases:
        results: dict[str, object] = {}
        for caps in CAPS:
            verdict = verdicts[(case.name, caps)]
            files: list[str] = []
            entry: dict[str, object] = {"verdict": verdict}
            for ext in ("args", "err", "xml"):
                out = tree.output(case, caps, ext)
                if out.exists():
                    shutil.copyfile(out, golden / golden_name(case, caps, ext))
                    files.append(golden_name(case, caps, ext))
            if verdict != ACCEPTED:
                entry["error"] = read_text(tree.output(case, caps, "err")).rstrip("\n")
            entry["files"] = files
            results[caps] = entry
        manifest_cases[case.name] = {
            "description": case.description,
            "input": f"{CORPUS_REL}/{case.path.name}",
            "input_sha256": sha256(case.path),
            "libvirt_test_name": case.libvirt_name,
            "networks": {n: networks[n].libvirt_name for n in case.networks},
            "results": results,
        }
    manifest = {
        "generator": "conformance/qemuxmlconf/regenerate.sh",
        "libvirt": {
            "version": LIBVIRT_VERSION,
            "source": "Debian source package 'libvirt' (trixie): the upstream orig tarball; "
            "Debian's patches are not applied",
            "debian_source_version": debian_version,
            "tarball": f"libvirt_{LIBVIRT_VERSION}.orig.tar.xz",
            "tarball_sha256": tarball_sha256,
            "test_program": "tests/qemuxmlconftest",
            "full_program_tests_passed": total_tests,
        },
        "arch": ARCH,
        "caps": {
            "latest": {"qemu": latest, "file": f"tests/qemucapabilitiesdata/caps_{latest}_{ARCH}.xml"},
            **{v: {"qemu": v, "file": f"tests/qemucapabilitiesdata/caps_{v}_{ARCH}.xml"} for v in CAPS[1:]},
        },
        "verdicts": {
            PARSE_ERROR: "DO_TEST_CAPS_*_PARSE_ERROR: rejected while parsing/validating the XML (define time); .err",
            FAILURE: "DO_TEST_CAPS_*_FAILURE: parsed, rejected while building the command line (start time); "
            ".err and the formatted .xml",
            ACCEPTED: "DO_TEST_CAPS_LATEST / DO_TEST_CAPS_VER: .args and the formatted .xml",
        },
        "file_names": "CASE.x86_64-CAPS.{args,err,xml}; CAPS is latest, 7.0.0 or 6.2.0",
        "harness_fakes": [
            "file descriptors are fixed by mocks: tap fd 102 (bridge/network; 102:103:... with queues), "
            "tap fd 3 (ethernet), vhostfd 44 (44:45:...), monitor fd 1729",
            "network ports come from the port files (a pool always hands out the same VF), not from a real pool",
            "host PCI sysfs is virpcimock's: a VF it does not know is assumed to be PCI Express "
            "(libvirt logs 'Device ... not found' and carries on); all corpus VFs are unknown to it",
            "MACs libvirt generates come from a mocked random source",
            "<interface type='direct'> (macvtap) is not mocked, so it appears only in parse-error cases",
        ],
        "network_mapping": {
            "how": "corpus domains name networks plainly (<source network='NAME'/>, teamkit --network NAME.xml); "
            "the copy given to libvirt says <source network='tk-NAME;tk-NAME'/>, and the harness's fake network "
            "driver reads tests/networkxml2xmlin/tk-NAME.xml (= networks/NAME.xml) and "
            "tests/virnetworkportxml2xmldata/tk-NAME.xml (= networks/NAME.port.xml). The formatted .xml and any "
            "message naming a network show the libvirt name.",
            "networks": {
                n.name: {
                    "network_xml": f"{NETWORKS_REL}/{n.path.name}",
                    "port_xml": f"{NETWORKS_REL}/{n.port_path.name}",
                    "libvirt_source_network": n.libvirt_name,
                    "forward_mode": n.forward_mode,
                    "plug_type": n.plug_type,
                    **({"port_vf": n.port_vf} if n.port_vf else {}),
                }
                for n in networks.values()
            },
        },
        "cases": manifest_cases,
    }
    (golden / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    say(f"wrote {len(list(golden.iterdir()))} files to {GOLDEN_REL}")


def print_table(cases: list[Case], verdicts: Mapping[tuple[str, str], str]) -> None:
    short = {PARSE_ERROR: "parse-error", FAILURE: "FAILURE", ACCEPTED: "ok"}
    width = max(len(c.name) for c in cases)
    print(f"{'case':<{width}}  " + "  ".join(f"{c:<11}" for c in CAPS), file=sys.stderr)
    for case in cases:
        row = "  ".join(f"{short[verdicts[(case.name, caps)]]:<11}" for caps in CAPS)
        print(f"{case.name:<{width}}  {row}", file=sys.stderr)


def cmd_regenerate(repo: Path, tree: Tree, jobs: int, tarball_sha256: str, debian_version: str) -> None:
    networks = load_networks(repo)
    cases = load_corpus(repo, networks)
    say(f"{len(cases)} corpus cases x {len(CAPS)} caps sets, {len(networks)} networks")
    patch_test_program(tree)
    install_corpus(tree, cases, networks)
    verdicts = decide_verdicts(tree, cases, jobs)
    result = full_run(tree, "final-check")
    total = sum(1 for _t, s in result.results().values() if s == "OK")
    write_golden(repo, tree, cases, networks, verdicts, tarball_sha256, debian_version, total)
    print_table(cases, verdicts)


def cmd_verify(repo: Path, tree: Tree, jobs: int) -> None:
    golden = repo / GOLDEN_REL
    manifest_path = golden / MANIFEST
    if not manifest_path.is_file():
        raise HarnessError(f"{GOLDEN_REL}/{MANIFEST} is missing: run conformance/qemuxmlconf/regenerate.sh")
    manifest = json.loads(read_text(manifest_path))
    networks = load_networks(repo)
    cases = load_corpus(repo, networks)
    recorded: dict[str, dict[str, object]] = manifest["cases"]
    stale = sorted(
        {c.name for c in cases if c.name not in recorded or recorded[c.name]["input_sha256"] != sha256(c.path)}
        | (set(recorded) - {c.name for c in cases})
    )
    if stale:
        raise HarnessError(
            "corpus and golden files disagree (new, changed or removed cases: "
            + ", ".join(stale)
            + "): run conformance/qemuxmlconf/regenerate.sh"
        )
    patch_test_program(tree)
    install_corpus(tree, cases, networks)
    verdicts: dict[tuple[str, str], str] = {}
    for case in cases:
        results = recorded[case.name]["results"]
        assert isinstance(results, dict)
        for caps in CAPS:
            verdicts[(case.name, caps)] = results[caps]["verdict"]
            for ext in ("args", "err", "xml"):
                src = golden / golden_name(case, caps, ext)
                if src.exists():
                    shutil.copyfile(src, tree.output(case, caps, ext))
    started = time.monotonic()
    write_registrations(tree, cases, verdicts)
    build(tree, jobs)
    record_timing("rebuild with registrations", time.monotonic() - started)
    full_run(tree, "verify")
    say(f"the committed golden files match libvirt {LIBVIRT_VERSION} for all {len(cases)} cases")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("prepare", "build", "regenerate", "verify"):
        p = sub.add_parser(name)
        p.add_argument("--repo", type=Path, required=True)
        p.add_argument("--libvirt", type=Path, required=True, help="unpacked libvirt source tree")
        if name != "prepare":
            p.add_argument("--jobs", type=int, default=2)
        if name == "regenerate":
            p.add_argument("--tarball-sha256", required=True)
            p.add_argument("--debian-version", default="unknown")
    args = parser.parse_args(argv)
    repo: Path = args.repo.resolve()
    tree = Tree(args.libvirt.resolve())
    try:
        if args.command == "prepare":
            cmd_prepare(tree)
        elif args.command == "build":
            cmd_build(tree, args.jobs)
        elif args.command == "regenerate":
            cmd_regenerate(repo, tree, args.jobs, args.tarball_sha256, args.debian_version)
        else:
            cmd_verify(repo, tree, args.jobs)
    except (HarnessError, ET.ParseError, subprocess.TimeoutExpired) as exc:
        say(f"error: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
