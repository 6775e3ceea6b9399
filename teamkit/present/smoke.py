"""``teamkit smoke`` from a notebook: the real QEMU check of a domain, or a clear note when QEMU is missing."""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Mapping

from teamkit.errors import ToolMissingError
from teamkit.present.rich import Rich, code_block

__all__ = ["run_smoke"]


def run_smoke(domain_xml: str, *, networks_xml: Mapping[str, str] | None = None,
              name: str = "domain.xml") -> Rich:
    """Run ``teamkit smoke`` on the domain (written to a private temporary file called ``name``).

    Without ``qemu-system-x86_64`` nothing runs, and the result says so and how to install it.
    """
    from teamkit.cli import main
    from teamkit.qemu.qmp import find_qemu

    try:
        find_qemu()
    except ToolMissingError as exc:
        text = f"skipped: QEMU is not installed here, so teamkit smoke cannot run ({exc})"
        return Rich(f"<p><b>Smoke check skipped.</b> {text.removeprefix('skipped: ')}</p>", text)
    with tempfile.TemporaryDirectory(prefix="teamkit-course-") as folder:
        args = ["smoke"]
        for net_name, text in (networks_xml or {}).items():
            net_path = os.path.join(folder, f"{net_name}.network.xml")
            with open(net_path, "w", encoding="utf-8") as f:
                f.write(text)
            args += ["--network", net_path]
        path = os.path.join(folder, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(domain_xml)
        out = io.StringIO()
        status = main([*args, path], out=out)
        report = out.getvalue().replace(folder + os.sep, "")
    text = f"$ teamkit smoke {name}\n{report}(exit status {status})"
    return Rich(code_block(text), text)
