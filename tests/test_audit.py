"""Directory audits: which files, in what order, the same records in parallel, a correct summary, exit codes."""

from __future__ import annotations

import functools
import io
import json
import os
import pickle
import pty
import re
import select
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from teamkit.views import audit
from teamkit.views.audit import AuditSummary, FileSet, Progress, audit_one, collect_files, run_audit, stream_audit
from tests.fleet import VARIANTS, FleetTally, write_fleet
from tests.xmlbuild import PERSISTENT, TRANSIENT_HOSTDEV_IFACE, domain_xml

GOOD = domain_xml(PERSISTENT, TRANSIENT_HOSTDEV_IFACE)
BAD = domain_xml(PERSISTENT.replace("'persistent'", "'foo'"), TRANSIENT_HOSTDEV_IFACE)
WARNS = domain_xml(PERSISTENT, TRANSIENT_HOSTDEV_IFACE, machine="pc", features="")


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "teamkit", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def summary_rows(text: str) -> dict[str, int]:
    """The count rows of the closing table (``  with errors    402``)."""
    block = text[text.rindex("\nsummary\n"):]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^  ([a-z][a-z ]*?) +(\d+)$", block, re.M)}


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, FleetTally]:
    directory = tmp_path_factory.mktemp("fleet")
    return directory, write_fleet(300, directory, seed=3)


class TestFleetGenerator:
    @pytest.mark.parametrize("variant", VARIANTS, ids=[v.name for v in VARIANTS])
    def test_each_variant_is_what_it_claims(self, variant: Any, tmp_path: Path) -> None:
        import random

        for seed in range(3):
            path = tmp_path / f"{variant.name}-{seed}.xml"
            path.write_text(variant.build(random.Random(seed)))
            record = audit_one(str(path))
            codes = [f["code"] for f in record["findings"]]
            errors = [f["code"] for f in record["findings"] if f["severity"] == "error"]
            if variant.unreadable:
                assert codes == ["input-error"], record
                continue
            assert (errors[0] if errors else None) == variant.first_error, record
            assert any(f["severity"] == "warning" for f in record["findings"]) == variant.warns, record

    def test_the_fleet_mixes_every_variant_and_both_machine_families(self, fleet: tuple[Path, FleetTally]) -> None:
        directory, tally = fleet
        assert set(tally.variants) == {v.name for v in VARIANTS}
        texts = [p.read_text() for p in directory.rglob("*.xml")]
        assert any("machine='q35'" in t or "machine='pc-q35-7.2'" in t for t in texts)
        assert any("machine='pc'" in t or "machine='pc-i440fx-7.2'" in t for t in texts)


class TestCollectFiles:
    def test_recurses_sorts_and_counts_what_it_ignores(self, tmp_path: Path) -> None:
        for name in ("b.xml", "a/z.xml", "a/b/c.xml", "a-b/x.xml", "notes.txt", "a/README", "a/b/d.XML"):
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(GOOD)
        files = collect_files([str(tmp_path)])
        rel = [os.path.relpath(p, tmp_path) for p in files.paths]
        assert rel == ["a/b/c.xml", "a/z.xml", "a-b/x.xml", "b.xml"]
        assert files.ignored == 3
        assert files.links_not_followed == 0

    def test_symlinks_are_not_followed_out_of_the_tree(self, tmp_path: Path) -> None:
        tree, outside = tmp_path / "tree", tmp_path / "outside"
        (tree / "sub").mkdir(parents=True)
        outside.mkdir()
        (tree / "sub" / "real.xml").write_text(GOOD)
        (outside / "secret.xml").write_text(GOOD)
        (tree / "inside-link.xml").symlink_to(tree / "sub" / "real.xml")
        (tree / "outside-link.xml").symlink_to(outside / "secret.xml")
        (tree / "outside-dir").symlink_to(outside)
        (tree / "loop").symlink_to(tree)
        (tree / "broken.xml").symlink_to(tree / "gone.xml")
        files = collect_files([str(tree)])
        rel = [os.path.relpath(p, tree) for p in files.paths]
        assert rel == ["broken.xml", "inside-link.xml", "sub/real.xml"]
        assert files.links_not_followed == 3
        summary = stream_audit(files, io.StringIO(), io.StringIO(), as_json=True, jobs=1)
        assert (summary.files, summary.unreadable) == (3, 1)

    def test_plain_files_stay_as_given_and_duplicates_go(self, tmp_path: Path) -> None:
        (tmp_path / "d").mkdir()
        (tmp_path / "d" / "x.xml").write_text(GOOD)
        (tmp_path / "y.txt").write_text(GOOD)
        files = collect_files([str(tmp_path / "y.txt"), str(tmp_path / "d"), str(tmp_path / "d" / "x.xml")])
        assert files.paths == (str(tmp_path / "y.txt"), str(tmp_path / "d" / "x.xml"))

    def test_a_directory_that_cannot_be_listed_is_reported(self, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
        (tmp_path / "ok").mkdir()
        (tmp_path / "ok" / "a.xml").write_text(GOOD)
        (tmp_path / "locked").mkdir()
        real_scandir = os.scandir

        def scandir(path: Any) -> Any:
            if str(path).endswith("locked"):
                raise PermissionError(13, "Permission denied")
            return real_scandir(path)

        monkeypatch.setattr(os, "scandir", scandir)
        files = collect_files([str(tmp_path)])
        assert files.unlisted == ((str(tmp_path / "locked"), "cannot list the directory: Permission denied"),)
        out, err = io.StringIO(), io.StringIO()
        summary = stream_audit(files, out, err, as_json=False, jobs=1)
        assert (summary.files, summary.unreadable, summary.exit_code) == (2, 1, 2)
        assert err.getvalue() == f"{tmp_path / 'locked'}: cannot list the directory: Permission denied\n"


class TestAuditCommand:
    def test_summary_matches_the_generated_fleet(self, fleet: tuple[Path, FleetTally]) -> None:
        directory, tally = fleet
        r = run("validate", str(directory), "--jobs", "2")
        assert r.returncode == 2  # the fleet has unreadable files
        assert summary_rows(r.stdout) == tally.rows()
        assert f"ignored: {tally.ignored} file(s) not named *.xml" in r.stdout
        assert len(r.stderr.splitlines()) == tally.unreadable
        assert "Traceback" not in r.stderr
        top = [(line.split()[2], int(line.split()[0]))
               for line in r.stdout[r.stdout.index("top findings"):].splitlines()[2:]]
        records = json_lines(run("validate", "--json", "--jobs", "1", str(directory)).stdout)
        counted = Counter(f["code"] for rec in records for f in rec["findings"])
        assert top == sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
        assert counted["input-error"] == tally.unreadable
        for code, n in tally.first_errors.items():
            assert sum(1 for rec in records if rec["findings"] and rec["findings"][0]["code"] == code) == n

    def test_parallel_json_lines_equal_the_in_process_run(self, fleet: tuple[Path, FleetTally]) -> None:
        directory, tally = fleet
        one = run("validate", "--json", "--jobs", "1", str(directory))
        two = run("validate", "--json", "--jobs", "2", str(directory))
        assert one.returncode == two.returncode == 2
        assert one.stdout == two.stdout
        records = json_lines(two.stdout)
        assert [r["path"] for r in records] == list(collect_files([str(directory)]).paths)
        assert len(records) == tally.files
        assert sum(r["ok"] for r in records) == tally.ok
        assert one.stderr.startswith(f"teamkit: audited {tally.files} file(s): {tally.ok} ok")

    def test_records_have_the_single_document_shape(self, tmp_path: Path) -> None:
        for name, text in (("a.xml", GOOD), ("b.xml", BAD), ("c.xml", WARNS), ("d.xml", "<domain>")):
            (tmp_path / name).write_text(text)
        paths = [str(tmp_path / n) for n in ("a.xml", "b.xml", "c.xml", "d.xml")]
        single = json.loads(run("validate", "--json", *paths).stdout)["files"]
        lines = json_lines(run("validate", "--json", str(tmp_path)).stdout)
        assert lines == single

    def test_text_blocks_are_the_single_file_blocks(self, tmp_path: Path) -> None:
        (tmp_path / "b.xml").write_text(BAD)
        (tmp_path / "c.xml").write_text(WARNS)
        (tmp_path / "a.xml").write_text(GOOD)
        single = run("validate", str(tmp_path / "b.xml"), str(tmp_path / "c.xml"))
        audited = run("validate", str(tmp_path), "--jobs", "1")
        assert audited.stdout.startswith(single.stdout)
        assert f"{tmp_path / 'a.xml'}:" not in audited.stdout  # only notes: counted as ok, not listed

    @pytest.mark.parametrize(("contents", "strict", "code"), [
        ((GOOD,), False, 0),
        ((GOOD, WARNS), False, 0),
        ((GOOD, WARNS), True, 1),
        ((GOOD, BAD), False, 1),
        ((GOOD, BAD, "not xml"), False, 2),
    ])
    def test_exit_codes(self, tmp_path: Path, contents: tuple[str, ...], strict: bool, code: int) -> None:
        for i, text in enumerate(contents):
            (tmp_path / f"{i}.xml").write_text(text)
        r = run("validate", *(["--strict"] if strict else []), "--jobs", "2", str(tmp_path))
        assert r.returncode == code, r.stdout + r.stderr
        assert summary_rows(r.stdout)["files"] == len(contents)

    def test_bad_jobs_value_is_a_usage_error(self, tmp_path: Path) -> None:
        r = run("validate", "--jobs", "0", str(tmp_path))
        assert r.returncode == 2 and "--jobs" in r.stderr and "Traceback" not in r.stderr

    def test_help_explains_directories_symlinks_and_jobs(self) -> None:
        r = run("validate", "--help")
        text = " ".join(r.stdout.split())
        assert "every *.xml file below DIR" in text
        assert "symbolic links are not followed out of DIR" in text
        assert "--jobs N" in text and "every core" in text


class TestProgress:
    def test_progress_bar_only_on_a_terminal(self, tmp_path: Path) -> None:
        for i in range(40):
            (tmp_path / f"{i:02d}.xml").write_text(GOOD)
        piped = run("validate", str(tmp_path), "--jobs", "2")
        assert piped.stderr == ""
        primary, secondary = pty.openpty()
        try:
            proc = subprocess.Popen([sys.executable, "-m", "teamkit", "validate", str(tmp_path), "--jobs", "2"],
                                    stdout=subprocess.PIPE, stderr=secondary, text=True)
            os.close(secondary)
            chunks = []
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                ready, _, _ = select.select([primary], [], [], 0.5)
                if ready:
                    try:
                        data = os.read(primary, 4096)
                    except OSError:
                        break
                    if not data:
                        break
                    chunks.append(data)
                elif proc.poll() is not None:
                    break
            stdout, _ = proc.communicate(timeout=60)
        finally:
            os.close(primary)
        seen = b"".join(chunks).decode()
        assert "40/40 files" in seen and "\r[" in seen
        assert seen.endswith("\r\x1b[K")  # the bar is erased before the summary
        assert "summary" in stdout and "40/40" not in stdout

    def test_progress_draws_nothing_when_disabled(self) -> None:
        stream = io.StringIO()
        bar = Progress(stream, 3)
        for _ in range(3):
            bar.advance()
        bar.clear()
        assert stream.getvalue() == ""


class TestAuditOne:
    def test_is_picklable_and_maps_like_a_distributed_engine_would(self, fleet: tuple[Path, FleetTally]) -> None:
        directory, _ = fleet
        paths = list(collect_files([str(directory)]).paths)[:40]
        strict = functools.partial(audit_one, strict=True)
        assert pickle.loads(pickle.dumps(audit_one)) is audit_one
        with ProcessPoolExecutor(2) as pool:
            mapped = list(pool.map(audit_one, paths))
            mapped_strict = list(pool.map(pickle.loads(pickle.dumps(strict)), paths))
        assert mapped == [audit_one(p) for p in paths]
        cli = json_lines(run("validate", "--json", "--jobs", "1", str(directory)).stdout)[:40]
        assert mapped == cli
        summary = AuditSummary()
        for record in mapped_strict:
            summary.add(record)
        assert summary.ok == sum(1 for r in mapped if not any(f["severity"] in ("error", "warning")
                                                                   for f in r["findings"]))

    def test_never_raises_for_a_bad_file(self, tmp_path: Path) -> None:
        record = audit_one(str(tmp_path / "missing.xml"))
        assert record == {"path": str(tmp_path / "missing.xml"), "ok": False, "findings": [
            {"code": "input-error", "severity": "error", "message": "no such file", "libvirt_message": None,
             "line": None, "xpath": None, "hint": None, "stage": None}]}

    def test_a_crash_in_the_checks_is_reported_and_the_run_carries_on(self, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
        import teamkit.libvirt.check as check

        (tmp_path / "a.xml").write_text(GOOD)
        (tmp_path / "b.xml").write_text(GOOD)
        calls: list[int] = []

        def flaky(domain: Any, **kwargs: Any) -> Any:
            calls.append(1)
            if len(calls) == 1:
                raise RuntimeError("boom")
            return ()

        monkeypatch.setattr(check, "check_domain", flaky)
        records = list(run_audit(FileSet((str(tmp_path / "a.xml"), str(tmp_path / "b.xml"))), jobs=1))
        assert records[0]["findings"][0]["code"] == "internal-error"
        assert "RuntimeError: boom" in records[0]["findings"][0]["message"]
        assert records[1] == {"path": str(tmp_path / "b.xml"), "ok": True, "findings": []}


class TestSummary:
    def test_counts_rows_and_top_findings(self) -> None:
        def finding(code: str, severity: str) -> dict[str, Any]:
            return {"code": code, "severity": severity}

        summary = AuditSummary(ignored=2)
        summary.add({"ok": True, "findings": [finding("guest-requirements", "info")]})
        mac = finding("mac-mismatch", "warning")
        summary.add({"ok": True, "findings": [mac, mac]})
        summary.add({"ok": False, "findings": [finding("alias-duplicate", "error"), mac]})
        summary.add({"ok": False, "findings": [finding("input-error", "error")]})
        assert (summary.files, summary.ok, summary.with_errors, summary.with_warnings, summary.unreadable) == (
            4, 2, 1, 2, 1)
        assert summary.top() == [("mac-mismatch", 3), ("alias-duplicate", 1), ("guest-requirements", 1),
                                 ("input-error", 1)]
        assert summary.exit_code == 2
        text = audit.format_summary(summary)
        assert "  with warnings     2\n" in text
        assert "      3  warning   mac-mismatch\n" in text
        assert "ignored: 2 file(s) not named *.xml" in text
