"""Atomic writes: all or nothing, never over an existing file without --force, no temporary file left behind."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import BinaryIO

import pytest

from teamkit.errors import TeamkitError
from teamkit.io import OutputError, OutputExistsError, write_atomic, write_rendered
from tests.xmlbuild import PERSISTENT, TRANSIENT_HOSTDEV_IFACE, domain_xml


class RenderFailed(Exception):
    pass


def listing(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


class TestWriteAtomic:
    def test_writes_bytes_and_text(self, tmp_path: Path) -> None:
        write_atomic(tmp_path / "a.bin", b"\x00\x01")
        write_atomic(tmp_path / "b.txt", "h\u00e9")
        assert (tmp_path / "a.bin").read_bytes() == b"\x00\x01"
        assert (tmp_path / "b.txt").read_bytes() == "h\u00e9".encode()
        assert listing(tmp_path) == ["a.bin", "b.txt"]

    def test_accepts_a_str_path_in_the_current_directory(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.chdir(tmp_path)
        write_atomic("out.xml", "x")
        assert (tmp_path / "out.xml").read_text() == "x"

    def test_refuses_to_overwrite_without_force(self, tmp_path: Path) -> None:
        target = tmp_path / "out.xml"
        target.write_text("old")
        with pytest.raises(OutputExistsError) as err:
            write_atomic(target, "new")
        assert isinstance(err.value, TeamkitError)
        assert str(err.value) == f"{target}: already exists; pass --force to overwrite it"
        assert target.read_text() == "old"
        assert listing(tmp_path) == ["out.xml"]

    def test_refuses_a_dangling_symlink_without_force(self, tmp_path: Path) -> None:
        link = tmp_path / "out.xml"
        link.symlink_to(tmp_path / "nowhere")
        with pytest.raises(OutputExistsError):
            write_atomic(link, "new")
        assert not (tmp_path / "nowhere").exists()
        assert listing(tmp_path) == ["out.xml"]

    def test_force_replaces_and_keeps_the_mode(self, tmp_path: Path) -> None:
        target = tmp_path / "out.xml"
        target.write_text("old")
        target.chmod(0o640)
        write_atomic(target, "new", force=True)
        assert target.read_text() == "new"
        assert stat.S_IMODE(target.stat().st_mode) == 0o640
        assert listing(tmp_path) == ["out.xml"]

    def test_a_new_file_gets_0666_less_the_umask(self, tmp_path: Path) -> None:
        old = os.umask(0o027)
        try:
            write_atomic(tmp_path / "out.xml", "x")
        finally:
            os.umask(old)
        assert stat.S_IMODE((tmp_path / "out.xml").stat().st_mode) == 0o640

    def test_replacement_is_a_new_inode_so_readers_keep_the_old_content(self, tmp_path: Path) -> None:
        target = tmp_path / "out.xml"
        target.write_text("old")
        with target.open() as reader:
            write_atomic(target, "new", force=True)
            assert reader.read() == "old"
        assert target.read_text() == "new"

    def test_a_directory_is_not_a_target(self, tmp_path: Path) -> None:
        with pytest.raises(OutputError, match="is a directory"):
            write_atomic(tmp_path, "x", force=True)

    def test_a_missing_directory_is_named(self, tmp_path: Path) -> None:
        with pytest.raises(OutputError, match="does not exist"):
            write_atomic(tmp_path / "no" / "out.xml", "x")

    def test_a_fifo_is_never_replaced(self, tmp_path: Path) -> None:
        fifo = tmp_path / "out.xml"
        os.mkfifo(fifo)
        with pytest.raises(OutputError, match="not a regular file"):
            write_atomic(fifo, "x", force=True)
        assert stat.S_ISFIFO(fifo.lstat().st_mode)


class TestWriteRendered:
    def test_streams_the_rendered_output(self, tmp_path: Path) -> None:
        def render(stream: BinaryIO) -> None:
            for i in range(3):
                stream.write(f"line {i}\n".encode())

        write_rendered(tmp_path / "out.txt", render)
        assert (tmp_path / "out.txt").read_text() == "line 0\nline 1\nline 2\n"

    def test_a_renderer_that_fails_at_once_leaves_the_previous_file(self, tmp_path: Path) -> None:
        target = tmp_path / "out.xml"
        target.write_text("previous")

        def render(stream: BinaryIO) -> None:
            raise RenderFailed("before any output")

        with pytest.raises(RenderFailed):
            write_rendered(target, render, force=True)
        assert target.read_text() == "previous"
        assert listing(tmp_path) == ["out.xml"]

    def test_a_renderer_that_fails_halfway_leaves_the_previous_file(self, tmp_path: Path) -> None:
        target = tmp_path / "out.xml"
        target.write_text("previous")
        seen: list[Path] = []

        def render(stream: BinaryIO) -> None:
            stream.write(b"<domain>" + b"x" * 200_000)  # past any buffer: bytes are on disk in the temporary file
            stream.flush()
            seen.extend(p for p in tmp_path.iterdir() if p.name != "out.xml")
            raise RenderFailed("halfway")

        with pytest.raises(RenderFailed, match="halfway"):
            write_rendered(target, render, force=True)
        assert target.read_text() == "previous"
        assert len(seen) == 1 and seen[0].name.startswith(".out.xml.") and seen[0].name.endswith(".tmp")
        assert listing(tmp_path) == ["out.xml"]

    def test_a_failed_first_write_creates_nothing(self, tmp_path: Path) -> None:
        def render(stream: BinaryIO) -> None:
            stream.write(b"half")
            raise RenderFailed("halfway")

        with pytest.raises(RenderFailed):
            write_rendered(tmp_path / "new.xml", render)
        assert listing(tmp_path) == []

    def test_an_interrupt_leaves_no_temporary_file(self, tmp_path: Path) -> None:
        def render(stream: BinaryIO) -> None:
            stream.write(b"half")
            raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            write_rendered(tmp_path / "new.xml", render)
        assert listing(tmp_path) == []

    def test_the_renderer_is_not_called_when_the_target_exists(self, tmp_path: Path) -> None:
        target = tmp_path / "out.xml"
        target.write_text("previous")
        calls: list[int] = []
        with pytest.raises(OutputExistsError):
            write_rendered(target, lambda stream: calls.append(1))
        assert calls == []

    def test_a_file_that_appears_while_rendering_is_not_overwritten(self, tmp_path: Path) -> None:
        target = tmp_path / "out.xml"

        def render(stream: BinaryIO) -> None:
            stream.write(b"mine")
            target.write_text("someone else's")

        with pytest.raises(OutputExistsError):
            write_rendered(target, render)
        assert target.read_text() == "someone else's"
        assert listing(tmp_path) == ["out.xml"]

    def test_a_storage_error_is_an_output_error_and_leaves_nothing(self, tmp_path: Path) -> None:
        # a file-size limit makes the write itself fail (EFBIG), as a full disk would (ENOSPC)
        script = (
            "import resource, signal, sys\n"
            "from teamkit.io import OutputError, write_atomic\n"
            "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
            "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))\n"
            "try:\n"
            "    write_atomic(sys.argv[1], b'x' * 100_000)\n"
            "except OutputError as exc:\n"
            "    print(exc)\n"
        )
        target = tmp_path / "out.xml"
        r = subprocess.run([sys.executable, "-c", script, str(target)], capture_output=True, text=True, timeout=60)
        assert r.stdout == f"{target}: cannot write: File too large\n", r.stderr
        assert listing(tmp_path) == []


class TestXmlCommandOutput:
    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "teamkit", "xml", *args], capture_output=True, text=True,
                              timeout=60)

    @pytest.fixture
    def domain(self, tmp_path: Path) -> Path:
        path = tmp_path / "in.xml"
        path.write_text(domain_xml(PERSISTENT, TRANSIENT_HOSTDEV_IFACE))
        return path

    def test_output_file_matches_stdout(self, domain: Path, tmp_path: Path) -> None:
        printed = self.run(str(domain))
        out = tmp_path / "out.xml"
        written = self.run(str(domain), "-o", str(out))
        assert (printed.returncode, written.returncode) == (0, 0)
        assert written.stdout == ""
        assert out.read_text() == printed.stdout
        assert "<teaming type='persistent'/>" in printed.stdout

    def test_existing_output_needs_force(self, domain: Path, tmp_path: Path) -> None:
        out = tmp_path / "out.xml"
        out.write_text("keep me")
        r = self.run(str(domain), "--output", str(out))
        assert r.returncode == 2
        assert r.stderr == f"teamkit: {out}: already exists; pass --force to overwrite it\n"
        assert out.read_text() == "keep me"
        r = self.run(str(domain), "--output", str(out), "--force")
        assert r.returncode == 0, r.stderr
        assert out.read_text().startswith("<domain type='qemu'>")
        assert listing(tmp_path) == ["in.xml", "out.xml"]

    def test_unreadable_input_leaves_the_previous_output(self, tmp_path: Path) -> None:
        bad = tmp_path / "bad.xml"
        bad.write_text("<domain><devices>")
        out = tmp_path / "out.xml"
        out.write_text("previous")
        r = self.run(str(bad), "-o", str(out), "--force")
        assert r.returncode == 2
        assert "malformed XML" in r.stderr and "Traceback" not in r.stderr
        assert out.read_text() == "previous"
        assert listing(tmp_path) == ["bad.xml", "out.xml"]

    def test_dash_means_stdout(self, domain: Path) -> None:
        r = self.run(str(domain), "-o", "-")
        assert r.returncode == 0 and r.stdout.startswith("<domain")
