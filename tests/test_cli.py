"""The command-line contract: JSON shape, exit codes 0/1/2, one-line errors with file and line, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.xmlbuild import PERSISTENT, TRANSIENT_HOSTDEV_IFACE, domain_xml


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "teamkit", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=60)


@pytest.fixture
def good(tmp_path: Path) -> Path:
    p = tmp_path / "good.xml"
    p.write_text(domain_xml(PERSISTENT, TRANSIENT_HOSTDEV_IFACE))
    return p


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    p = tmp_path / "bad.xml"
    p.write_text(domain_xml(PERSISTENT.replace("'persistent'", "'foo'")))
    return p


def test_validate_json_shape(good: Path, bad: Path) -> None:
    r = run("validate", "--json", str(good), str(bad))
    assert r.returncode == 1, r.stderr
    doc = json.loads(r.stdout)
    assert [f["path"] for f in doc["files"]] == [str(good), str(bad)]
    assert [f["ok"] for f in doc["files"]] == [True, False]
    finding = doc["files"][1]["findings"][0]
    assert set(finding) >= {"code", "severity", "message", "libvirt_message", "line", "xpath", "hint"}
    assert finding["libvirt_message"] == "unsupported configuration: unknown teaming type 'foo'"
    assert finding["severity"] == "error"


def test_strict_fails_on_warnings(tmp_path: Path) -> None:
    p = tmp_path / "pc.xml"
    p.write_text(domain_xml(PERSISTENT, TRANSIENT_HOSTDEV_IFACE, machine="pc", features=""))
    assert run("validate", str(p)).returncode == 0
    assert run("validate", "--strict", str(p)).returncode == 1


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"", "empty file"),
        (b"<domain><devices>", "malformed XML"),
        (b"<network><name>x</name></network>", "expecting root element of 'domain', not 'network'"),
        (b"\x7fELF\x00\x00\x01", "binary data"),
        (b'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<domain>&x;</domain>',
         "DOCTYPE"),
    ],
)
def test_bad_input_is_one_line_exit_2(tmp_path: Path, content: bytes, needle: str) -> None:
    p = tmp_path / "in.xml"
    p.write_bytes(content)
    r = run("validate", str(p))
    assert r.returncode == 2
    assert needle in r.stderr
    assert str(p) in r.stderr
    assert "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_missing_file_and_bad_option() -> None:
    r = run("validate", "/nonexistent/d.xml")
    assert r.returncode == 2 and "no such file" in r.stderr and "Traceback" not in r.stderr
    r = run("validate", "--qemu", "banana", "/nonexistent/d.xml")
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_xml_is_libvirt_formatted_and_a_fixed_point(tmp_path: Path) -> None:
    p = tmp_path / "d.xml"
    p.write_text(domain_xml(
        PERSISTENT.replace("<teaming type='persistent'/>",
                           "<teaming/><teaming type='persistent'/><teaming type='transient'/>")
        .replace("00:11:22:33:44:55", "00:11:22:33:44:AA"),
        TRANSIENT_HOSTDEV_IFACE,
    ))
    first = run("xml", str(p))
    assert first.returncode == 0, first.stderr
    lines = [li.strip() for li in first.stdout.splitlines()]
    start = lines.index("<interface type='user'>")
    assert lines[start + 1: start + 6] == [
        "<mac address='00:11:22:33:44:aa'/>",
        "<model type='virtio'/>",
        "<teaming type='persistent'/>",
        "<alias name='ua-backup0'/>",
        "</interface>",
    ]
    again = tmp_path / "again.xml"
    again.write_text(first.stdout)
    assert run("xml", str(again)).stdout == first.stdout


def test_help_lists_commands() -> None:
    r = run("--help")
    assert r.returncode == 0
    for cmd in ("validate", "xml"):
        assert cmd in r.stdout
