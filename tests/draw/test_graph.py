"""The device graph DOT: golden sources, structure (pairing edge, dangling edge, hot-plug badge, bond), every corpus
domain, escaping, and (with the ``dot`` marker) rendering."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from teamkit.draw.graph import device_graph_dot
from teamkit.draw.graph_parts import COLOURS
from teamkit.libvirt.check import check_domain
from teamkit.libvirt.parse import parse_domain_file, parse_network_file
from teamkit.model import Domain, Interface, InterfaceSource, Network, Teaming

__all__: list[str] = []

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "corpus"
GOLDEN = Path(__file__).parent / "golden"
REGENERATE = os.environ.get("TEAMKIT_REGEN_GOLDEN") == "1"
HAVE_DOT = shutil.which("dot") is not None


def networks_in(directory: Path) -> dict[str, Network]:
    found = {}
    for path in sorted(directory.glob("*.xml")):
        if not path.name.endswith(".port.xml"):
            net = parse_network_file(str(path))
            found[net.name] = net
    return found


ARGV_NETWORKS = networks_in(CORPUS / "argv" / "networks")
VALIDATE_NETWORKS = networks_in(CORPUS / "validate" / "networks")

#: golden name → (domain file, whether to pass the argv corpus networks)
CASES: dict[str, tuple[Path, bool]] = {
    "graph-pc-no-acpi": (CORPUS / "argv" / "pc-user-iface-hostdev.xml", False),
    "graph-q35-one-pair": (CORPUS / "argv" / "q35-user-iface-hostdev.xml", False),
    "graph-q35-two-pairs-pool": (Path(__file__).parent / "domains" / "q35-two-pairs-pool.xml", True),
    "graph-dangling": (CORPUS / "argv" / "pc-dangling-ref.xml", False),
    "graph-plain-hostdev": (CORPUS / "argv" / "q35-plain-hostdev-unmanaged.xml", False),
    "graph-mac-mismatch": (CORPUS / "validate" / "mac-mismatch-in-pair.xml", False),
    "graph-refused-pci-address": (CORPUS / "validate" / "pci-duplicate-address.xml", False),
}


def source_of(path: Path, networks: dict[str, Network] | None = None) -> str:
    domain = parse_domain_file(str(path))
    nets = networks or {}
    return device_graph_dot(domain, networks=nets, findings=check_domain(domain, networks=nets))


SOURCES = {name: source_of(path, ARGV_NETWORKS if nets else None) for name, (path, nets) in CASES.items()}


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_golden(name: str) -> None:
    path = GOLDEN / f"{name}.dot"
    if REGENERATE:
        path.write_text(SOURCES[name], encoding="utf-8")
    assert path.read_text(encoding="utf-8") == SOURCES[name], "set TEAMKIT_REGEN_GOLDEN=1, then review the diff"


def test_no_stray_golden_files() -> None:
    assert sorted(p.stem for p in GOLDEN.glob("graph-*.dot")) == sorted(SOURCES)


def edge_line(src: str, tail: str, head: str) -> str:
    (line,) = [s for s in src.splitlines() if s.strip().startswith(f"{tail} -> {head} ")]
    return line


def cluster_label(src: str, cluster: str) -> str:
    lines = src.splitlines()
    start = next(i for i, s in enumerate(lines) if s.strip() == f"subgraph cluster_{cluster} {{")
    return lines[start + 1]


class TestStructure:
    def test_three_layers_and_a_legend(self) -> None:
        src = SOURCES["graph-q35-one-pair"]
        assert src.startswith("digraph device_graph {\n") and src.endswith("}\n")
        for cluster in ("host", "qemu", "bus0", "guest", "bond0", "legend"):
            assert f"subgraph cluster_{cluster} {{" in src
        assert 'rankdir="LR"' in src

    def test_pairing_edge_runs_from_the_primary_to_the_standby(self) -> None:
        line = edge_line(SOURCES["graph-q35-one-pair"], "dev_interface_1", "dev_interface_0")
        assert f'color="{COLOURS["pair"]}"' in line and 'constraint="false"' in line
        assert 'tooltip="failover_pair_id=ua-backup0"' in line and "dashed" not in line

    def test_each_pair_of_two_gets_its_edge_and_bond(self) -> None:
        src = SOURCES["graph-q35-two-pairs-pool"]
        edge_line(src, "dev_interface_1", "dev_interface_0")
        edge_line(src, "dev_interface_3", "dev_interface_2")
        assert "pair ua-backup0 ← hostdev0" in src and "pair ua-backup1 ← hostdev1" in src

    def test_dangling_reference_is_a_red_dashed_edge_to_a_missing_node(self) -> None:
        src = SOURCES["graph-dangling"]
        line = edge_line(src, "dev_interface_1", "missing_dev_interface_1")
        assert 'style="dashed"' in line and f'color="{COLOURS["error"]}"' in line and "dangling" in line
        assert "ua-nonexistent</B>: no device has this id" in src
        assert "an ordinary NIC, not failover-managed" in src

    def test_bus_that_cannot_hotplug_has_a_badge(self) -> None:
        label = cluster_label(SOURCES["graph-pc-no-acpi"], "bus0")
        assert "pci.0" in label and "cannot hot-plug" in label and "needs ACPI" in label
        assert COLOURS["error"] in label  # the primary sits on it
        q35 = SOURCES["graph-q35-one-pair"]
        assert "cannot hot-plug" in cluster_label(q35, "bus0") and COLOURS["error"] not in cluster_label(q35, "bus0")
        assert "cannot hot-plug" not in cluster_label(q35, "bus2")

    def test_primary_that_is_never_plugged(self) -> None:
        src = SOURCES["graph-pc-no-acpi"]
        assert "Bus &#39;pci.0&#39; does not support hotplugging" in src
        assert 'label="never plugged"' in edge_line(src, "dev_interface_1", "g0_primary")
        assert "✖ but QEMU refuses to start it" in src

    def test_mac_mismatch_is_marked_on_the_bond(self) -> None:
        line = edge_line(SOURCES["graph-mac-mismatch"], "g0_primary", "g0_master")
        assert 'style="dashed"' in line and f'color="{COLOURS["error"]}"' in line
        assert "66:44:33:22:11:00 ≠ 00:11:22:33:44:55" in line and "not enslaved" in line

    def test_matching_macs_enslave(self) -> None:
        line = edge_line(SOURCES["graph-q35-one-pair"], "g0_primary", "g0_master")
        assert f'color="{COLOURS["ok"]}"' in line and "MACs match" in line

    def test_findings_are_badges_on_their_device(self) -> None:
        src = SOURCES["graph-plain-hostdev"]
        (device,) = [s for s in src.splitlines() if s.strip().startswith("dev_hostdev_0 [")]
        assert "vf-mac-admin (line 25)" in device

    def test_pool_vfs_show_who_has_them(self) -> None:
        src = SOURCES["graph-q35-two-pairs-pool"]
        assert "<B>network 'hostpool'</B>" in src
        assert src.count("handed to hostdev0") == 1 and src.count("handed to hostdev1") == 1
        assert src.count(">free<") == 2

    def test_placement_comes_from_the_pci_plan(self) -> None:
        src = SOURCES["graph-q35-two-pairs-pool"]
        assert "guest PCI 02:00.0 · placed by libvirt" in src
        assert re.search(r"<B>pci\.2</B> <FONT[^>]*>pcie-root-port · at 00:01\.1 · added by libvirt", src)

    def test_refused_domain_shows_libvirt_error_and_xml_addresses(self) -> None:
        src = SOURCES["graph-refused-pci-address"]
        assert "libvirt refuses it (line 13):</B> XML error: Attempted double use of PCI Address 0000:00:05.0" in src
        assert "addresses as written in the XML" in src
        assert "✖ libvirt error</B> pci-address-reused (line 13)" in src


def test_no_pair_no_guest_cluster() -> None:
    src = source_of(CORPUS / "validate" / "persistent-only.xml")
    assert "cluster_guest" not in src and "no failover pair" in src


def test_anything_from_the_xml_is_escaped() -> None:
    weird = 'br<0>&"x\\'
    domain = Domain(name='vm <"&>', machine="q35", interfaces=(
        Interface(type="bridge", mac="52:54:00:00:00:01", model="virtio", source=InterfaceSource(bridge=weird),
                  teaming=Teaming("persistent", None), alias="ua-a"),
        Interface(type="network", mac="52:54:00:00:00:01", source=InterfaceSource(network='n"et<'),
                  teaming=Teaming("transient", 'ua-"b<'))))
    src = device_graph_dot(domain)
    assert weird not in src and "br&lt;0&gt;&amp;&quot;x\\\\" in src
    assert "vm &lt;&quot;&amp;&gt;" in src and "ua-&quot;b&lt;" in src
    if HAVE_DOT:
        assert render(src) == ""


def corpus_cases() -> list[tuple[Path, bool]]:
    return [(path, nets) for directory in ("argv", "validate") for path in sorted((CORPUS / directory).glob("*.xml"))
            for nets in (True, False)]


@pytest.mark.parametrize(("path", "with_networks"), corpus_cases(),
                         ids=lambda v: v.name if isinstance(v, Path) else ("nets" if v else "bare"))
def test_every_corpus_domain_draws(path: Path, with_networks: bool) -> None:
    networks = (ARGV_NETWORKS if path.parent.name == "argv" else VALIDATE_NETWORKS) if with_networks else None
    src = source_of(path, networks)
    assert src.count("{") == src.count("}")


def render(source: str) -> str:
    """dot's complaints about ``source`` (empty when it renders cleanly)."""
    done = subprocess.run(["dot", "-Tsvg"], input=source, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.lstrip().startswith("<?xml")
    return done.stderr.strip()


@pytest.mark.dot
@pytest.mark.skipif(not HAVE_DOT, reason="needs the graphviz dot binary")
@pytest.mark.parametrize("name", sorted(SOURCES))
def test_renders_without_warnings(name: str) -> None:
    assert render(SOURCES[name]) == ""


@pytest.mark.dot
@pytest.mark.skipif(not HAVE_DOT, reason="needs the graphviz dot binary")
def test_every_corpus_domain_renders() -> None:
    cases = [(path, nets) for path, nets in corpus_cases() if nets]
    sources = [source_of(path, ARGV_NETWORKS if path.parent.name == "argv" else VALIDATE_NETWORKS)
               for path, _ in cases]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        said = list(pool.map(render, sources))
    assert {path.name: text for (path, _), text in zip(cases, said, strict=True) if text} == {}
