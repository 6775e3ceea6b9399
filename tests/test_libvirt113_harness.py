"""libvirt 11.3's own qemuxmlconftest, built from Debian's source package, still produces the committed golden files.

This is the real-libvirt tier behind tests/golden/libvirt-11.3/: the build and a full run of the test program with
the committed .args/.err files as its expected output (conformance/qemuxmlconf/regenerate.sh --verify-only). It needs
root (build dependencies come from apt) and takes a few minutes the first time; later runs reuse the build in .cache/.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "conformance" / "qemuxmlconf" / "regenerate.sh"


@pytest.mark.libvirt
def test_libvirt_11_3_reproduces_the_golden_files() -> None:
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.skip("building libvirt 11.3's test program needs root and apt-get (build dependencies)")
    result = subprocess.run(["bash", str(SCRIPT), "--verify-only"], capture_output=True, text=True, timeout=1500,
                            check=False)
    assert result.returncode == 0, result.stderr[-4000:]
