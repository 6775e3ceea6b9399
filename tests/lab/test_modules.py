"""The lab's docstring examples run, its pure modules stay pure, and importing teamkit stays light."""

from __future__ import annotations

import doctest
import importlib
import subprocess
import sys

import pytest

PURE = ["teamkit.lab.cpio", "teamkit.lab.modinfo", "teamkit.lab.guestinit", "teamkit.lab.image",
        "teamkit.lab.console", "teamkit.lab.scenarios", "teamkit.lab.measure", "teamkit.lab.compare",
        "teamkit.lab.text"]
#: what only the I/O modules (prepare, channels, run) may import
IO_ONLY = ("subprocess", "socket", "threading", "tarfile", "signal", "shutil", "teamkit.lab.run",
           "teamkit.lab.channels", "teamkit.lab.prepare")


@pytest.mark.parametrize("name", PURE)
def test_docstring_examples(name: str) -> None:
    failures, _ = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert failures == 0


@pytest.mark.parametrize("name", PURE)
def test_pure_modules_do_no_io(name: str) -> None:
    source = importlib.import_module(name).__file__
    assert source is not None
    with open(source, encoding="utf-8") as stream:
        text = stream.read()
    for module in IO_ONLY:
        assert f"import {module}\n" not in text and f"from {module} import" not in text, (name, module)


def test_importing_teamkit_and_the_lab_stays_light() -> None:
    code = ("import sys, teamkit, teamkit.cli, teamkit.lab, teamkit.lab.measure, teamkit.lab.compare\n"
            "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('graphviz', 'ipywidgets', 'IPython', 'jupyterlab', 'teamkit.lab.run'))))\n"
            "print('teamkit.lab.run' in sys.modules, 'teamkit.draw.timeline' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0] == "" and out[1] == "False False"
