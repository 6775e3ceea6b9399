"""Runtime argv: teamkit's render_argv for QEMU 7.2 against the command line Debian's real libvirt 9.0 built.

For every case of ``tests/corpus/validate/libvirt-9.0-argv.json`` (the corpus domains the oracle defined and started
with libvirt 9.0.0 and QEMU 7.2), ``render_argv(domain, qemu=QemuVersion.parse("7.2"), include_controllers=True)``
with the oracle host's facts (``tests.differential.RUNTIME_FACTS``: ``<domain type='qemu'>`` gets no vhost-net, and
every host VF is PCI Express) must give, token for token and in command-line order:

* every ``-netdev`` option of libvirt's argv;
* every ``-device`` that is a NIC (it has a ``netdev`` property) or ``vfio-pci``;
* every ``-device`` that is a PCI controller (pcie-root-port, pci-bridge, pcie-pci-bridge, switch ports, …),
  including the ones libvirt added by itself.

Normalised, on both sides and exactly as the oracle records libvirt's argv (``tests/oracle/qemulog.py``): file
descriptor numbers (``"fd"``/``"vhostfd"`` become ``"FD"``, ``"fds"``/``"vhostfds"`` become ``"FD:FD…"`` with one
``FD`` per queue), and, when an interface has no ``<mac>``, the MACs libvirt generated at random
(``52:54:00:xx:xx:xx`` becomes ``52:54:00:RANDOM``). Nothing else is rewritten.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.differential import load_networks, select_options, teamkit_options

__all__: list[str] = []

CORPUS = Path(__file__).resolve().parent / "corpus" / "validate"
ARGV_RECORD = CORPUS / "libvirt-9.0-argv.json"
NETWORKS = load_networks(CORPUS / "networks")


def _record() -> dict[str, Any]:
    if not ARGV_RECORD.exists():
        return {"cases": {}}
    data: dict[str, Any] = json.loads(ARGV_RECORD.read_text())
    return data


RECORD = _record()


def test_record_is_libvirt_9_0_with_qemu_7_2() -> None:
    assert RECORD["libvirt"].startswith("9.0.")
    assert RECORD["qemu"].startswith("7.2.")
    assert len(RECORD["cases"]) >= 70


@pytest.mark.parametrize("name", sorted(RECORD["cases"]))
def test_teamkit_argv_equals_libvirt_9_0(name: str) -> None:
    xml = (CORPUS / name).read_text(encoding="utf-8")
    ours, error = teamkit_options(xml, NETWORKS)
    assert error is None
    theirs = select_options(RECORD["cases"][name])
    assert theirs, f"libvirt's argv for {name} has no NIC, VF or controller option"
    assert ours == theirs
