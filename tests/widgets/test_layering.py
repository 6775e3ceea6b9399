"""The widgets stay out of the core: importing teamkit and its pure layers never imports ipywidgets."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("module", ["teamkit", "teamkit.design", "teamkit.present", "teamkit.present.gallery",
                                    "teamkit.present.versions", "teamkit.libvirt.examples", "teamkit.failover.steps"])
def test_pure_modules_do_not_import_ipywidgets(module: str) -> None:
    code = f"import sys, {module}; print(sorted(m for m in sys.modules if m.split('.')[0] == 'ipywidgets'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
