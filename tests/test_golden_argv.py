"""Golden argv: teamkit's render_argv against libvirt 11.3's own qemuxmlconftest output, token for token.

What is compared, per corpus case and caps version (latest = QEMU 10.0, 7.0.0, 6.2.0):

* every ``-netdev`` option of the golden ``.args`` file;
* every ``-device`` whose driver is a NIC (it has a ``netdev`` property) or ``vfio-pci``;
* every ``-device`` of a PCI controller (pcie-root-port, pci-bridge, pcie-pci-bridge, …), including the ones
  libvirt adds by itself; teamkit renders them with ``include_controllers=True``.

Each is compared as the exact argument string, in command-line order. ``.err`` cases are compared with the first
error of ``teamkit.libvirt.validate`` (define-time errors) or with ``render_argv``'s error (start-time errors).
"""

from __future__ import annotations

import itertools
import json
import shlex
from pathlib import Path
from typing import Any

import pytest

from teamkit.libvirt.parse import parse_domain_file, parse_network_file
from teamkit.model import Network
from teamkit.qemu.argv import ArgvResult, render_argv
from teamkit.qemu.version import QemuVersion

__all__: list[str] = []

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "tests" / "golden" / "libvirt-11.3"
MANIFEST = GOLDEN / "MANIFEST.json"
NETWORKS = REPO / "tests" / "corpus" / "argv" / "networks"

#: QEMU devices that are PCI controllers on libvirt's command line
CONTROLLER_DRIVERS = frozenset({
    "pcie-root-port", "pci-bridge", "pcie-pci-bridge", "i82801b11-bridge", "x3130-upstream", "xio3130-downstream",
    "pxb", "pxb-pcie", "ioh3420",
})


def _manifest() -> dict[str, Any]:
    if not MANIFEST.exists():
        return {"cases": {}}
    data: dict[str, Any] = json.loads(MANIFEST.read_text())
    return data


def _cases(*, accepted: bool) -> list[tuple[str, str]]:
    """(case, caps) pairs whose verdict is ``accepted`` (or, with ``accepted=False``, an error)."""
    return [(name, caps) for name, case in sorted(_manifest()["cases"].items())
            for caps, result in case["results"].items() if (result["verdict"] == "accepted") == accepted]


def read_args(path: Path) -> list[str]:
    """The argument vector of a libvirt ``.args`` file (one option per line, joined by `` \\``)."""
    tokens: list[str] = []
    for line in path.read_text().splitlines():
        tokens.extend(shlex.split(line.removesuffix("\\").rstrip()))
    return tokens


def _driver(arg: str) -> str:
    if arg.startswith("{"):
        return str(json.loads(arg).get("driver", ""))
    return arg.split(",", 1)[0]


def _is_nic(arg: str) -> bool:
    if arg.startswith("{"):
        return "netdev" in json.loads(arg)
    return any(part.startswith("netdev=") for part in arg.split(","))


def select(argv: list[str]) -> list[tuple[str, str]]:
    """The options this test compares, in order."""
    picked: list[tuple[str, str]] = []
    for option, arg in itertools.pairwise(argv):
        if option == "-netdev":
            picked.append((option, arg))
        elif option == "-device":
            driver = _driver(arg)
            if driver == "vfio-pci" or driver in CONTROLLER_DRIVERS or _is_nic(arg):
                picked.append((option, arg))
    return picked


def _networks(case: dict[str, Any]) -> list[Network]:
    return [parse_network_file(str(NETWORKS / f"{name}.xml")) for name in case.get("networks", {})]


def _render(name: str, caps: str) -> tuple[dict[str, Any], ArgvResult]:
    case = _manifest()["cases"][name]
    domain = parse_domain_file(str(REPO / case["input"]))
    qemu = QemuVersion.parse(caps)
    return case, render_argv(domain, networks=_networks(case), qemu=qemu, include_controllers=True)


@pytest.mark.skipif(not MANIFEST.exists(), reason="tests/golden/libvirt-11.3/MANIFEST.json is not there yet")
@pytest.mark.parametrize(("name", "caps"), _cases(accepted=True))
def test_accepted_cases_match_libvirt(name: str, caps: str) -> None:
    _, result = _render(name, caps)
    golden = select(read_args(GOLDEN / f"{name}.x86_64-{caps}.args"))
    assert result.error is None
    ours = [(o.option, o.arg) for o in result.options]
    assert ours == golden


def _first_validation_error(name: str, caps: str) -> str | None:
    validate = pytest.importorskip("teamkit.libvirt.validate", reason="the validator is not there yet")
    case = _manifest()["cases"][name]
    domain = parse_domain_file(str(REPO / case["input"]))
    nets = {n.name: n for n in _networks(case)}
    version = QemuVersion.parse(caps)
    qemu = None if caps == "latest" else (version.major, version.minor, version.micro)
    errors = validate.libvirt_errors(domain, networks=nets, qemu=qemu)
    return next((e.libvirt_message for e in errors if e.is_error), None)


@pytest.mark.skipif(not MANIFEST.exists(), reason="tests/golden/libvirt-11.3/MANIFEST.json is not there yet")
@pytest.mark.parametrize(("name", "caps"), _cases(accepted=False))
def test_error_cases_match_libvirt(name: str, caps: str) -> None:
    case, result = _render(name, caps)
    expected = case["results"][caps]
    golden = (GOLDEN / f"{name}.x86_64-{caps}.err").read_text().strip()
    assert golden == expected["error"]
    if expected["verdict"] == "failure":
        assert result.error == golden
        return
    assert _first_validation_error(name, caps) == golden


@pytest.mark.skipif(not MANIFEST.exists(), reason="tests/golden/libvirt-11.3/MANIFEST.json is not there yet")
@pytest.mark.parametrize(("name", "caps"), _cases(accepted=True))
def test_text_form_matches_the_args_file_lines(name: str, caps: str) -> None:
    """The shell-quoted text form equals the corresponding lines of libvirt's ``.args`` file, byte for byte."""
    _, result = _render(name, caps)
    wanted = {f"{option} {arg}" for option, arg in select(read_args(GOLDEN / f"{name}.x86_64-{caps}.args"))}
    lines = [line.removesuffix(" \\") for line in (GOLDEN / f"{name}.x86_64-{caps}.args").read_text().splitlines()]
    golden_lines = [line for line in lines if " ".join(shlex.split(line)) in wanted]
    assert [line.removesuffix(" \\") for line in result.text().splitlines()] == golden_lines


def test_latest_is_the_qemu_of_the_golden_latest_caps() -> None:
    caps = _manifest().get("caps", {}).get("latest")
    if caps is None:
        pytest.skip("no MANIFEST.json yet")
    assert QemuVersion.parse("latest") == QemuVersion.parse(caps["qemu"])
