"""Binder, replayed without repo2docker: a fresh virtual environment built from binder/ the way repo2docker builds
its image (pip install -r binder/requirements.txt from the repository root, then binder/postBuild, which builds the
lab's guest image into a fresh home's cache), and then the course run under nbval with that environment alone.

repo2docker's base image brings JupyterLab and ipywidgets itself; binder/requirements.txt lists them anyway, so the
replay (and a Binder image) has everything the notebooks import. The system packages of binder/apt.txt are not
installed here: they must already be on this machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"
#: what each binder/apt.txt package provides on PATH
APT_COMMANDS = {"graphviz": "dot", "qemu-system-x86": "qemu-system-x86_64"}


def _repository_files() -> list[str]:
    """The files repo2docker would see: tracked, plus new files that are not ignored."""
    out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if line and (ROOT / line).is_file()]


def _copy_repository(target: Path) -> None:
    for name in _repository_files():
        dest = target / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, dest)


def _run(command: list[str], *, cwd: Path, env: dict[str, str], log: list[str]) -> None:
    started = time.monotonic()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    took = time.monotonic() - started
    log.append(f"$ {' '.join(command)}  ({took:.0f} s)\n{done.stdout[-4000:]}{done.stderr[-4000:]}")
    assert done.returncode == 0, "\n".join(log)


def test_binder_files_follow_repo2docker_rules() -> None:
    names = sorted(p.name for p in BINDER.iterdir())
    assert names == ["apt.txt", "postBuild", "requirements.txt", "runtime.txt"]
    assert not (ROOT / "environment.yml").exists() and not (BINDER / "environment.yml").exists()
    assert not (ROOT / "Dockerfile").exists() and not (ROOT / ".binder").exists()
    runtime = (BINDER / "runtime.txt").read_text().strip()
    assert runtime == f"python-{sys.version_info.major}.{sys.version_info.minor}", (
        "binder/runtime.txt should name the Python this replay runs with")
    requirements = (BINDER / "requirements.txt").read_text()
    assert "-e ." not in requirements, "teamkit is installed by postBuild, so the requirements layer stays cached"
    post = (BINDER / "postBuild").read_bytes()
    assert post.startswith(b"#!/bin/bash\n") and b"\r\n" not in post
    assert b"set -euo pipefail" in post and b"pip install --no-deps -e ." in post
    assert post.index(b"pip install --no-deps -e .") < post.index(b"teamkit lab prepare"), (
        "postBuild builds notebook 7's guest image, after installing teamkit")
    assert os.access(BINDER / "postBuild", os.X_OK)
    assert sorted((BINDER / "apt.txt").read_text().split()) == sorted(APT_COMMANDS)


@pytest.mark.slow
def test_binder_build_replayed_runs_the_course(tmp_path: Path) -> None:
    """About 90 s: most of it is pip installing JupyterLab into the fresh environment."""
    missing = [pkg for pkg, cmd in APT_COMMANDS.items() if shutil.which(cmd) is None]
    if missing:
        pytest.skip(f"binder/apt.txt packages missing on this machine: {' '.join(missing)}")
    repo = tmp_path / "repo"
    _copy_repository(repo)
    env_dir = tmp_path / "env"
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    env = dict(os.environ)
    for name in ("VIRTUAL_ENV", "PYTHONPATH", "XDG_CACHE_HOME", "TEAMKIT_LAB_CACHE"):
        env.pop(name, None)
    # a fresh home, as Binder's user has: postBuild builds the lab image into its default cache (pip keeps the
    # machine's own cache, so that only the lab image is built from nothing)
    home = tmp_path / "home"
    home.mkdir()
    pip_cache = os.environ.get("PIP_CACHE_DIR") or str(Path.home() / ".cache" / "pip")
    env.update(PATH=f"{env_dir / 'bin'}{os.pathsep}{env.get('PATH', '')}", PIP_DISABLE_PIP_VERSION_CHECK="1",
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
               HOME=str(home), PIP_CACHE_DIR=pip_cache)
    python = str(env_dir / "bin" / "python")
    log: list[str] = []
    # repo2docker: RUN pip install -r binder/requirements.txt (WORKDIR is the repository), then ./binder/postBuild
    _run([python, "-m", "pip", "install", "--quiet", "-r", "binder/requirements.txt"], cwd=repo, env=env, log=log)
    _run([str(repo / "binder" / "postBuild")], cwd=repo, env=env, log=log)
    if all(shutil.which(tool) for tool in ("apt-cache", "apt-get", "dpkg-deb")):
        images = list((home / ".cache" / "teamkit" / "lab").glob("*/manifest.json"))
        assert images, "postBuild should have built the lab's guest image in ~/.cache/teamkit/lab\n" + log[-1]
    # only for the replay: the test runner, which the Binder image does not need
    _run([python, "-m", "pip", "install", "--quiet", "pytest>=8", "nbval>=0.11"], cwd=repo, env=env, log=log)
    _run([python, "-c", "import teamkit, teamkit.widgets; print(teamkit.__file__)"], cwd=tmp_path, env=env, log=log)
    assert str(repo) in log[-1], "teamkit must be imported from the replayed checkout"
    _run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "notebooks"], cwd=repo, env=env, log=log)
    assert " passed" in log[-1] and "failed" not in log[-1]
