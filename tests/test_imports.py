"""Layering: importing the library core never pulls in Jupyter, widgets or graphviz."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("ipywidgets", "graphviz", "jupyter", "jupyterlab", "IPython", "notebook", "ipykernel")


@pytest.mark.parametrize(
    "module",
    ["teamkit", "teamkit.cli", "teamkit.libvirt.check", "teamkit.libvirt.format", "teamkit.qemu"],
)
def test_core_imports_stay_light(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        f"heavy = sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"importing {module} imported {out}"
