"""Execute the course: every notebooks/NN-*.py (jupytext py:percent) becomes NN-*.ipynb with fresh outputs.

Usage: .venv/bin/python scripts/run-notebooks.py [NN-name.py ...]   (default: all of them)

The .py files are the source; the .ipynb files are written from them, executed in notebooks/ with the python3
kernel (and the .py files are rewritten in jupytext's own form, as a paired save would). Widget outputs keep only
their plain-text stand-in: without a running kernel there is no widget to show, and the stand-in says to run the
notebook.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any, Final

import jupytext
import nbformat
from nbclient import NotebookClient

NOTEBOOKS: Final = Path(__file__).resolve().parent.parent / "notebooks"
WIDGET_VIEW: Final = "application/vnd.jupyter.widget-view+json"
KERNELSPEC: Final = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def _strip_widget_views(nb: Any) -> None:
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            output.get("data", {}).pop(WIDGET_VIEW, None)
    nb.metadata.pop("widgets", None)


def run(source: Path) -> Path:
    nb = jupytext.read(source)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["jupytext"] = {"formats": "ipynb,py:percent"}
    for n, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{n:02d}"
    client = NotebookClient(nb, timeout=300, kernel_name="python3", store_widget_state=False, record_timing=False,
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()
    _strip_widget_views(nb)
    nbformat.validate(nb)
    target = source.with_suffix(".ipynb")
    jupytext.write(nb, target, fmt="ipynb")
    jupytext.write(nb, source, fmt="py:percent")
    return target


def main(argv: list[str]) -> int:
    sources = [NOTEBOOKS / name for name in argv] or sorted(NOTEBOOKS.glob("[0-9][0-9]-*.py"))
    for source in sources:
        started = time.monotonic()
        target = run(source)
        print(f"{target.relative_to(NOTEBOOKS.parent)}: executed in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
