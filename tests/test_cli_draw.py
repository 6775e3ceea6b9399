"""``teamkit graph``, ``timeline`` and ``review``: formats by extension, exit codes, atomic writes, missing dot."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from teamkit.failover import Params, simulate
from teamkit.libvirt.parse import parse_domain_file

__all__: list[str] = []

ROOT = Path(__file__).resolve().parents[1]
ARGV = ROOT / "tests" / "corpus" / "argv"
VALIDATE = ROOT / "tests" / "corpus" / "validate"
Q35 = ARGV / "q35-two-pairs.xml"
REFUSED = VALIDATE / "pci-duplicate-address.xml"
NO_PAIR = VALIDATE / "persistent-only.xml"
HAVE_DOT = shutil.which("dot") is not None
needs_dot = [pytest.mark.dot, pytest.mark.skipif(not HAVE_DOT, reason="needs the graphviz dot binary")]


def run(*args: str | Path, without_dot: bool = False) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if without_dot:
        env["PATH"] = ""  # sys.executable is absolute; nothing else is found, dot included
    return subprocess.run([sys.executable, "-m", "teamkit", *map(str, args)], capture_output=True, text=True,
                          timeout=120, env=env, cwd=ROOT)


def one_line_error(r: subprocess.CompletedProcess[str], needle: str) -> None:
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], r.stderr
    assert "Traceback" not in r.stderr


# -- graph ------------------------------------------------------------------------------------------------------


def test_graph_dot_needs_no_dot_binary(tmp_path: Path) -> None:
    out = tmp_path / "g.dot"
    r = run("graph", Q35, "-o", out, without_dot=True)
    assert r.returncode == 0, r.stderr
    assert out.read_text(encoding="utf-8").startswith("digraph device_graph {")


def test_graph_without_dot_binary_is_exit_2_with_the_fix(tmp_path: Path) -> None:
    out = tmp_path / "g.svg"
    r = run("graph", Q35, "-o", out, without_dot=True)
    one_line_error(r, "apt-get install graphviz")
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_graph_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    out = tmp_path / "g.dot"
    out.write_text("keep me")
    one_line_error(run("graph", Q35, "-o", out), "already exists; pass --force")
    assert out.read_text() == "keep me"
    assert run("graph", Q35, "-o", out, "--force").returncode == 0
    assert out.read_text().startswith("digraph")


def test_failed_rendering_leaves_the_previous_file(tmp_path: Path) -> None:
    out = tmp_path / "g.svg"
    out.write_text("previous")
    one_line_error(run("graph", Q35, "-o", out, "--force", without_dot=True), "graphviz")
    assert out.read_text() == "previous" and sorted(p.name for p in tmp_path.iterdir()) == ["g.svg"]


@pytest.mark.parametrize("name", ["g.txt", "g", "g.jpeg"])
def test_graph_unknown_format(tmp_path: Path, name: str) -> None:
    r = run("graph", Q35, "-o", tmp_path / name)
    one_line_error(r, "use .svg, .png, .dot")
    assert not (tmp_path / name).exists()


def test_graph_of_a_refused_domain_still_draws(tmp_path: Path) -> None:
    out = tmp_path / "refused.dot"
    r = run("graph", REFUSED, "-o", out)
    assert r.returncode == 0, r.stderr
    assert "libvirt refuses this domain (XML error: Attempted double use of PCI Address 0000:00:05.0)" in r.stderr
    assert "XML error: Attempted double use of PCI Address 0000:00:05.0" in out.read_text(encoding="utf-8")


def test_graph_with_networks(tmp_path: Path) -> None:
    out = tmp_path / "pool.dot"
    r = run("graph", "--network", ARGV / "networks" / "default.xml", "--network", ARGV / "networks" / "hostpool.xml",
            ROOT / "tests" / "draw" / "domains" / "q35-two-pairs-pool.xml", "-o", out)
    assert r.returncode == 0, r.stderr
    assert "handed to hostdev1" in out.read_text(encoding="utf-8")


def test_graph_bad_input_is_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text("<domain><devices>")
    one_line_error(run("graph", bad, "-o", tmp_path / "g.dot"), "malformed XML")
    one_line_error(run("graph", tmp_path / "missing.xml", "-o", tmp_path / "g.dot"), "missing.xml")


@pytest.mark.parametrize("fmt", ["svg", "png"])
@pytest.mark.dot
@pytest.mark.skipif(not HAVE_DOT, reason="needs the graphviz dot binary")
def test_graph_renders(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"g.{fmt}"
    r = run("graph", Q35, "-o", out)
    assert r.returncode == 0, r.stderr
    data = out.read_bytes()
    assert data.startswith(b"\x89PNG") if fmt == "png" else b"<svg" in data


# -- timeline ---------------------------------------------------------------------------------------------------


def test_timeline_json_is_the_timeline(tmp_path: Path) -> None:
    out = tmp_path / "t.json"
    r = run("timeline", "--scenario", "guest-ignores-unplug", "--set", "cancel_after_s=5", "--set", "hotplug=pcie",
            Q35, "-o", out)
    assert r.returncode == 0, r.stderr
    expected = simulate(parse_domain_file(str(Q35)), "guest-ignores-unplug",
                        Params(cancel_after_s=5.0, hotplug="pcie")).to_json_dict()
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(json.dumps(expected))


def test_timeline_follows_the_chosen_pair(tmp_path: Path) -> None:
    out = tmp_path / "t.json"
    assert run("timeline", "--pair", "ua-backup1", Q35, "-o", out).returncode == 0
    assert json.loads(out.read_text())["parameters"]["pair"] == "ua-backup1/hostdev1"


def test_timeline_dot(tmp_path: Path) -> None:
    out = tmp_path / "t.dot"
    assert run("timeline", Q35, "-o", out, without_dot=True).returncode == 0
    assert out.read_text(encoding="utf-8").startswith("digraph timeline {")


def test_timeline_help_lists_scenarios_and_parameters() -> None:
    r = run("timeline", "--help")
    assert r.returncode == 0
    for scenario in ("happy", "guest-no-failover", "guest-ignores-unplug", "fails-after-active",
                     "no-vf-on-destination", "primary-not-hotpluggable"):
        assert scenario in r.stdout
    for info in Params.describe():
        default = str(info.default).lower() if isinstance(info.default, bool) else str(info.default)
        assert f"  {info.key} = {default}\n" in r.stdout


@pytest.mark.parametrize(("args", "needle"), [
    (["--scenario", "nope"], "scenario 'nope': unknown scenario; choose one of happy,"),
    (["--set", "nope=1"], "parameter 'nope': unknown parameter"),
    (["--set", "guest_ram_mib=lots"], "parameter 'guest_ram_mib': expected a number, got 'lots'"),
    (["--set", "hotplug=usb"], "parameter 'hotplug': expected one of acpi, pcie"),
    (["--set", "novalue"], "expected KEY=VALUE"),
    (["--pair", "ua-nope"], "no failover pair with id 'ua-nope'"),
])
def test_timeline_usage_errors(tmp_path: Path, args: list[str], needle: str) -> None:
    out = tmp_path / "t.json"
    one_line_error(run("timeline", *args, Q35, "-o", out), needle)
    assert not out.exists()


def test_timeline_scenario_that_cannot_happen(tmp_path: Path) -> None:
    r = run("timeline", "--scenario", "happy", ARGV / "pc-user-iface-hostdev.xml", "-o", tmp_path / "t.json")
    one_line_error(r, "applicable here: primary-not-hotpluggable")


def test_timeline_without_a_pair(tmp_path: Path) -> None:
    r = run("timeline", NO_PAIR, "-o", tmp_path / "t.json")
    one_line_error(r, "domain persistent-only: no failover pair")


def test_timeline_of_a_refused_domain_is_exit_1(tmp_path: Path) -> None:
    out = tmp_path / "t.json"
    r = run("timeline", REFUSED, "-o", out)
    assert r.returncode == 1
    assert r.stderr.strip() == (f"{REFUSED}:13: libvirt refuses this "
                                "domain: XML error: Attempted double use of PCI Address 0000:00:05.0")
    assert not out.exists()


def test_timeline_unknown_format(tmp_path: Path) -> None:
    one_line_error(run("timeline", Q35, "-o", tmp_path / "t.png"), "use .svg, .dot, .json")


@pytest.mark.dot
@pytest.mark.skipif(not HAVE_DOT, reason="needs the graphviz dot binary")
def test_timeline_svg(tmp_path: Path) -> None:
    out = tmp_path / "t.svg"
    assert run("timeline", Q35, "-o", out).returncode == 0
    assert b"<svg" in out.read_bytes()


# -- review -----------------------------------------------------------------------------------------------------


def test_review_needs_html(tmp_path: Path) -> None:
    one_line_error(run("review", Q35, "-o", tmp_path / "r.pdf"), "use .html")


def test_review_without_dot_binary(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    one_line_error(run("review", Q35, "-o", out, without_dot=True), "apt-get install graphviz")
    assert not out.exists()


@pytest.mark.dot
@pytest.mark.skipif(not HAVE_DOT, reason="needs the graphviz dot binary")
@pytest.mark.parametrize("domain", [Q35, REFUSED, NO_PAIR])
def test_review_writes_a_self_contained_page(tmp_path: Path, domain: Path) -> None:
    out = tmp_path / "r.html"
    r = run("review", domain, "-o", out)
    assert r.returncode == 0, r.stderr
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page and "http" not in page
    assert "src=" not in page and "<script" not in page
    one_line_error(run("review", domain, "-o", out), "already exists")
    assert run("review", domain, "-o", out, "--force").returncode == 0


def test_help_lists_the_picture_commands() -> None:
    r = run("--help")
    for command in ("graph", "timeline", "review"):
        assert f"    {command} " in r.stdout


def test_picture_modules_stay_light() -> None:
    """Building the command line and the pictures never imports graphviz or Jupyter; only rendering runs dot."""
    code = ("import sys, teamkit.cli, teamkit.draw.graph, teamkit.draw.report, teamkit.views.render\n"
            "teamkit.cli.build_parser()\n"
            "heavy = ('graphviz', 'ipywidgets', 'IPython', 'jupyter', 'ipykernel')\n"
            "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in heavy)))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == ""
