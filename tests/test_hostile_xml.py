"""Hostile XML: every case ends fast, small, with exit 2 and one line naming the file; nothing is fetched or leaked."""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from teamkit.errors import InputError
from teamkit.libvirt.parse import parse_domain_string
from teamkit.libvirt.xmlsafe import MAX_CHILDREN, parse_xml_bytes, read_bounded
from tests.hostile_corpus import CASES, GOOD, HostileCase, Refs, write_case

TIME_LIMIT_S = 2.0
MEMORY_LIMIT_MB = 200.0
COMMANDS = ("validate", "xml")


@dataclass(frozen=True)
class Measured:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    cpu_seconds: float
    max_rss_mb: float


def wall_limit() -> float:
    """TIME_LIMIT_S of wall time, stretched only while other work overloads this machine (load above its cores)."""
    return TIME_LIMIT_S * max(1.0, os.getloadavg()[0] / (os.cpu_count() or 1))


#: runs one command and records its wall time and peak RSS (RUSAGE_CHILDREN of this small, freshly started
#: launcher: a process forked from pytest itself would inherit pytest's high-water mark across exec)
_LAUNCHER = """
import json, resource, subprocess, sys, time
report, timeout, *command = sys.argv[1:]
start = time.monotonic()
try:
    returncode = subprocess.run(command, stdin=subprocess.DEVNULL, timeout=float(timeout)).returncode
except subprocess.TimeoutExpired:
    returncode = -1
seconds = time.monotonic() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(report, "w") as f:
    json.dump({"returncode": returncode, "seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime,
               "max_rss_kb": usage.ru_maxrss}, f)
"""


def run_measured(*args: str, timeout: float = 20.0) -> Measured:
    """Run teamkit in a fresh process; its wall time and peak RSS (with any worker processes it waited for)."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        with open(Path(tmp) / "out", "w+b") as out, open(Path(tmp) / "err", "w+b") as err:
            subprocess.run([sys.executable, "-c", _LAUNCHER, str(report), str(timeout), sys.executable, "-m",
                            "teamkit", *args], stdin=subprocess.DEVNULL, stdout=out, stderr=err, check=True,
                           timeout=timeout + 30)
            out.seek(0)
            err.seek(0)
            stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
        measured = json.loads(report.read_text())
    return Measured(measured["returncode"], stdout, stderr, measured["seconds"], measured["cpu_seconds"],
                    measured["max_rss_kb"] / 1024)


@pytest.fixture(scope="module")
def listener() -> Iterator[socket.socket]:
    """A local HTTP-ish endpoint the hostile documents point at; nobody may ever connect to it."""
    server = socket.create_server(("127.0.0.1", 0))
    server.setblocking(False)
    yield server
    server.close()


@pytest.fixture(scope="module")
def refs(tmp_path_factory: pytest.TempPathFactory, listener: socket.socket) -> Refs:
    secret = tmp_path_factory.mktemp("secret") / "secret.txt"
    secret.write_text(f"TOP-SECRET-{secrets.token_hex(8)}\n")
    return Refs(secret=secret, url=f"http://127.0.0.1:{listener.getsockname()[1]}")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, refs: Refs) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("hostile")
    paths = {case.name: write_case(case, directory, refs) for case in CASES}
    good = tmp_path_factory.mktemp("good") / "good.xml"
    good.write_text(GOOD)
    return {**paths, "good": good}


def _assert_nothing_fetched(listener: socket.socket) -> None:
    with pytest.raises(BlockingIOError):
        conn, _ = listener.accept()
        conn.close()


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input_is_refused_fast_small_and_in_one_line(
        case: HostileCase, command: str, corpus: dict[str, Path], refs: Refs, listener: socket.socket) -> None:
    path = corpus[case.name]
    args = [command, str(path)]
    if case.name == "directory" and command == "validate":
        # validate audits a directory (tests/test_audit.py); here the directory is given where a file must be
        args = ["validate", "--network", str(path), str(corpus["good"])]
    r = run_measured(*args)
    report = (f"{case.name} {command}: rc={r.returncode} {r.seconds:.2f} s ({r.cpu_seconds:.2f} s CPU) "
              f"{r.max_rss_mb:.0f} MB stderr={r.stderr!r}")
    assert r.returncode == 2, report
    assert r.cpu_seconds < TIME_LIMIT_S, report
    assert r.seconds < wall_limit(), report
    assert r.max_rss_mb < MEMORY_LIMIT_MB, report
    assert "Traceback" not in r.stderr, report
    assert r.stdout == "", report
    lines = r.stderr.splitlines()
    assert len(lines) == 1, report
    message = lines[0]
    assert case.problem in message, report
    where = f"{path}:{case.line}:" if case.line is not None else f"{path}:"
    assert where in message, report
    if case.line is None:
        assert not re.search(re.escape(str(path)) + r":\d", message), report
    leaked = refs.secret.read_text().strip()
    assert leaked not in r.stdout + r.stderr
    assert "root:x:0:0" not in r.stdout + r.stderr
    _assert_nothing_fetched(listener)


def test_auditing_the_whole_corpus_reports_every_file_and_finishes(corpus: dict[str, Path], refs: Refs,
                                                                   listener: socket.socket) -> None:
    directory = corpus["empty"].parent
    r = run_measured("validate", "--jobs", "2", str(directory))
    assert r.returncode == 2
    assert r.seconds < 10 * TIME_LIMIT_S and r.max_rss_mb < MEMORY_LIMIT_MB
    assert "Traceback" not in r.stderr
    hostile_files = [c for c in CASES if c.name != "directory"]
    lines = r.stderr.splitlines()
    assert len(lines) == len(hostile_files)
    for case in hostile_files:
        assert any(line.startswith(f"{corpus[case.name]}:") and case.problem in line for line in lines), case.name
    assert re.search(rf"^  unreadable +{len(hostile_files)}$", r.stdout, re.M)
    assert re.search(r"^  ok +1$", r.stdout, re.M)  # directory.xml/inner.xml, the good domain inside the directory
    assert refs.secret.read_text().strip() not in r.stdout + r.stderr
    _assert_nothing_fetched(listener)


def test_validate_json_records_the_hostile_file_and_carries_on(corpus: dict[str, Path], tmp_path: Path,
                                                              refs: Refs) -> None:
    good = tmp_path / "good.xml"
    good.write_text(GOOD)
    hostile = corpus["xxe-local-file"]
    r = run_measured("validate", "--json", str(hostile), str(good))
    assert r.returncode == 2
    doc = json.loads(r.stdout)
    assert [f["path"] for f in doc["files"]] == [str(hostile), str(good)]
    first = doc["files"][0]
    assert first["ok"] is False
    assert first["findings"][0]["code"] == "input-error"
    assert first["findings"][0]["line"] == 2
    assert doc["files"][1]["ok"] is True
    assert refs.secret.read_text().strip() not in r.stdout + r.stderr


def test_the_good_domain_behind_the_corpus_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "good.xml"
    path.write_text(GOOD)
    for command in COMMANDS:
        r = run_measured(command, str(path))
        assert r.returncode == 0, r.stderr
        assert r.stderr == ""


class TestEncodings:
    """libvirt reads domain XML as UTF-8 whatever the declaration says; teamkit reads it the same way."""

    def test_utf8_bom_with_matching_declaration_is_accepted(self) -> None:
        data = b"\xef\xbb\xbf<?xml version='1.0' encoding='utf-8'?>\n" + GOOD.encode()
        assert parse_domain_string(data).name == "t"

    def test_ascii_under_a_latin1_declaration_is_read_as_utf8(self) -> None:
        data = ("<?xml version='1.0' encoding='ISO-8859-1'?>\n" + GOOD.replace(">t<", ">t\u00e9<")).encode()
        assert parse_domain_string(data).name == "t\u00e9"

    def test_latin1_bytes_are_invalid_utf8_with_line_and_column(self) -> None:
        data = ("<?xml version='1.0' encoding='ISO-8859-1'?>\n" + GOOD.replace(">t<", ">t\u00e9<")).encode("latin-1")
        with pytest.raises(InputError) as err:
            parse_xml_bytes(data, "d.xml", root="domain")
        assert err.value.line == 3
        assert err.value.problem == ("invalid UTF-8 (byte 0xE9 at column 10); the declaration says ISO-8859-1, "
                                     "but libvirt reads UTF-8")

    def test_invalid_utf8_under_a_utf8_declaration_says_only_that(self) -> None:
        data = b"<?xml version='1.0' encoding='UTF-8'?>\n<domain>\xc3</domain>"
        with pytest.raises(InputError) as err:
            parse_xml_bytes(data, "d.xml", root="domain")
        assert (err.value.line, err.value.problem) == (2, "invalid UTF-8 (byte 0xC3 at column 9)")

    @pytest.mark.parametrize(("data", "problem"), [
        ("<?xml version='1.0' encoding='UTF-16'?>\n<domain/>".encode("utf-16-le"), "UTF-16 text;"),
        ("\ufeff<domain/>".encode("utf-32-le"), "UTF-32 text (byte-order mark)"),
        (b"<?xml version='1.0' encoding='UTF-16'?>\n<domain/>", "the XML declaration says encoding='UTF-16' but"),
    ])
    def test_wide_encodings_are_refused(self, data: bytes, problem: str) -> None:
        with pytest.raises(InputError) as err:
            parse_xml_bytes(data, "d.xml", root="domain")
        assert problem in err.value.problem


class TestStructure:
    def test_xinclude_2003_namespace_is_refused_too(self) -> None:
        data = GOOD.replace("<devices>", "<devices><xi:include xmlns:xi='http://www.w3.org/2003/XInclude' "
                                         "href='a.xml'/>").encode()
        with pytest.raises(InputError, match="XInclude is not allowed") as err:
            parse_xml_bytes(data, "d.xml", root="domain")
        assert err.value.line == 6

    def test_an_element_with_exactly_the_maximum_children_is_read(self) -> None:
        disks = "".join("<disk/>" for _ in range(MAX_CHILDREN - 2))
        domain = parse_domain_string(GOOD.replace("</devices>", disks + "</devices>"))
        assert len(domain.interfaces) == 2

    def test_deep_but_legal_nesting_is_read(self) -> None:
        data = GOOD.replace("<devices>", "<metadata>" + "<a>" * 200 + "</a>" * 200 + "</metadata><devices>")
        assert parse_domain_string(data).name == "t"

    def test_an_undeclared_entity_is_malformed_with_its_line(self) -> None:
        data = GOOD.replace("<name>t</name>", "<name>&xxe;</name>").encode()
        with pytest.raises(InputError) as err:
            parse_xml_bytes(data, "d.xml", root="domain")
        assert (err.value.line, err.value.problem) == (2, "malformed XML: Entity 'xxe' not defined")

    def test_doctype_inside_a_comment_is_still_refused(self) -> None:
        data = GOOD.replace("<devices>", "<!-- <!DOCTYPE x> --><devices>").encode()
        with pytest.raises(InputError, match="DOCTYPE"):
            parse_xml_bytes(data, "d.xml", root="domain")


class TestReadBounded:
    def test_a_file_that_grows_past_its_stat_size_is_cut_off(self) -> None:
        # /proc files report size 0 and still have content: the read loop, not fstat, must bound them
        if not os.path.exists("/proc/self/maps"):
            pytest.skip("needs /proc")
        with pytest.raises(InputError, match="larger than 16 bytes"):
            read_bounded("/proc/self/maps", limit=16)

    def test_a_character_device_is_refused_unread(self) -> None:
        with pytest.raises(InputError, match="character device"):
            read_bounded("/dev/zero")

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(InputError, match="no such file"):
            read_bounded(str(tmp_path / "absent.xml"))
