"""teamkit smoke agrees with real QEMU on the command lines real libvirt 9.0 built for the validation corpus."""

from __future__ import annotations

import json
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from teamkit.libvirt.parse import parse_domain_file, parse_network_file
from teamkit.qemu.qmp import smoke_domain, smoke_libvirt_argv
from teamkit.qemu.smoke import SmokeResult, libvirt_argv_standalone

__all__: list[str] = []

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "corpus" / "validate"
NETWORKS = CORPUS / "networks"
QEMU = shutil.which("qemu-system-x86_64")
SKIP = pytest.mark.skipif(QEMU is None, reason="qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)")
#: parallel QEMU launches (each is mostly waiting on QEMU's start-up)
JOBS = 3


def _load(name: str) -> dict[str, Any]:
    path = CORPUS / name
    if not path.exists():
        return {}
    cases: dict[str, Any] = json.loads(path.read_text())["cases"]
    return cases


VERDICTS = _load("libvirt-9.0.json")
ARGVS: dict[str, list[str]] = _load("libvirt-9.0-argv.json")
CASES = sorted(ARGVS)

#: the part of a vfio error that depends on the host: libvirt's oracle ran inside a fake sysfs with fake
#: /dev/vfio/N nodes ("failed to open /dev/vfio/41: …"); standalone there is no such device at all
_VFIO_RE = re.compile(r": vfio \S+: .*$")


#: the oracle's placeholder for a MAC libvirt generated at random, and a valid MAC to run with instead
_RANDOM_MAC = ("52:54:00:RANDOM", "52:54:00:00:00:00")


def _runnable(argv: list[str]) -> list[str]:
    return [a.replace(*_RANDOM_MAC) for a in argv]


def _host_neutral(line: str | None) -> str | None:
    return None if line is None else _VFIO_RE.sub(": vfio <host device cannot be opened>", line)


def _networks(path: Path) -> list[Path]:
    root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    names = [s.get("network", "") for s in root.iterfind("devices/interface[@type='network']/source")]
    return [NETWORKS / f"{n}.xml" for n in dict.fromkeys(names) if n]


@dataclass(frozen=True)
class Pair:
    libvirt: SmokeResult
    teamkit: SmokeResult


def _run(name: str) -> Pair:
    path = CORPUS / name
    nets = [parse_network_file(str(p)) for p in _networks(path)]
    standalone = smoke_libvirt_argv(_runnable(ARGVS[name]), binary=QEMU, timeout=20)
    ours = smoke_domain(parse_domain_file(str(path)), networks=nets, binary=QEMU, timeout=20)
    return Pair(standalone, ours)


@pytest.fixture(scope="module")
def results() -> dict[str, Pair]:
    with ThreadPoolExecutor(max_workers=JOBS) as pool:
        return dict(zip(CASES, pool.map(_run, CASES), strict=True))


def test_record_has_argv_for_started_cases() -> None:
    if not ARGVS:
        pytest.skip("no recorded libvirt argv (tests/corpus/validate/libvirt-9.0-argv.json)")
    assert len(CASES) >= 50
    for name in CASES:
        assert VERDICTS[name]["ok"] and VERDICTS[name]["checked"] == "start", name


def test_standalone_drops_only_libvirts_private_options() -> None:
    if not ARGVS:
        pytest.skip("no recorded libvirt argv")
    for name in CASES:
        args = libvirt_argv_standalone(ARGVS[name]).args
        text = " ".join(args)
        assert "charmonitor" not in text and "masterKey0" not in text and "-sandbox" not in args, name
        assert '"type":"tap"' not in text and "-mon" not in args, name
        assert args.count("-device") == ARGVS[name].count("-device"), name


@SKIP
@pytest.mark.qemu
@pytest.mark.parametrize("name", CASES)
def test_smoke_agrees_with_libvirts_own_argv(results: dict[str, Pair], name: str) -> None:
    pair = results[name]
    recorded = VERDICTS[name].get("qemu_error")
    lv, tk = pair.libvirt, pair.teamkit
    # libvirt's own argv, run standalone, reproduces what QEMU said under libvirt
    assert lv.starts == (recorded is None), (name, lv.error, recorded)
    assert _host_neutral(lv.error) == _host_neutral(recorded), name
    # teamkit smoke gives the same verdict, and the same QEMU error line
    assert tk.refused_by != "libvirt", (name, tk.error)
    assert tk.starts == lv.starts, (name, tk.error, lv.error)
    assert tk.error == lv.error, name
    assert tk.ok == lv.ok, name
    assert sorted(tk.hidden_primaries) == sorted(lv.hidden_primaries), name
    assert tk.failover == lv.failover, name
