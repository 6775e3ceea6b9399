"""The image cache without apt's package lists, and the notebook helpers where the lab cannot run (no processes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from teamkit.lab import prepare
from teamkit.lab.image import image_fingerprint
from teamkit.lab.prepare import PrepareError, prepare_image
from teamkit.present import lab as present_lab


def _fake_image(cache: Path) -> Path:
    directory = cache / f"linux-image-x_1+busybox-static_1+{image_fingerprint()}"
    directory.mkdir(parents=True)
    (directory / "vmlinuz").write_bytes(b"kernel")
    (directory / "initramfs.cpio.gz").write_bytes(b"initrd")
    (directory / "manifest.json").write_text(json.dumps({"kernel": "linux-image-x", "modules": []}))
    return directory


def _no_lists() -> dict[str, str]:
    raise PrepareError("apt-cache depends linux-image-amd64 names no linux-image package")


def test_cached_image_serves_when_apt_knows_no_kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    directory = _fake_image(tmp_path)
    monkeypatch.setattr(prepare, "resolve_packages", _no_lists)
    monkeypatch.setattr(prepare, "need_tool", lambda name, hint: name)
    said: list[str] = []
    image = prepare_image(tmp_path, progress=said.append)
    assert image.directory == directory
    assert "using the cached image" in said[-1]


def test_without_a_cached_image_the_apt_error_stands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prepare, "resolve_packages", _no_lists)
    monkeypatch.setattr(prepare, "need_tool", lambda name, hint: name)
    with pytest.raises(PrepareError, match="names no linux-image"):
        prepare_image(tmp_path)
    with pytest.raises(PrepareError, match="names no linux-image"):
        prepare_image(tmp_path, rebuild=True)


def test_notebook_helpers_skip_without_qemu(capsys: pytest.CaptureFixture[str]) -> None:
    missing = "no-such-qemu-binary"
    assert present_lab.lab_missing(binary=missing) is not None
    assert present_lab.prepare_lab_image(binary=missing) is None
    assert present_lab.run_experiment("happy", None) is None
    out = capsys.readouterr().out
    assert "The lab is skipped on this machine: no-such-qemu-binary is not installed" in out
    assert "happy: not run" in out
    for show in (present_lab.show_side_by_side, present_lab.show_order_agreement, present_lab.show_durations,
                 present_lab.show_unshared):
        assert "the lab did not run here" in repr(show(None))
    assert "not run" in repr(present_lab.show_verdicts({"happy": None}))


def test_messages_name_no_machine_paths(tmp_path: Path) -> None:
    home = str(Path.home())
    cache = Path(home) / ".cache" / "teamkit" / "lab"
    assert present_lab._tidy(f"cached: {cache}/img", cache) == "cached: ~/.cache/teamkit/lab/img"
    assert present_lab._tidy(f"cached: {tmp_path}/img", tmp_path) == "cached: <cache>/img"
