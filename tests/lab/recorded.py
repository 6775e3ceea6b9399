"""Recorded lab runs under ``tests/lab/data``: loading them, and trimming a fresh ``teamkit lab run -o`` output.

Regenerate a data file after a real run::

    teamkit lab run --scenario happy -o happy.json
    python -m tests.lab.recorded happy.json happy-vmxnet3-acpi

Trimming keeps the lines the derivation reads: every QMP event, poll, mark and stderr line; ``LAB`` lines; kernel
lines that mark a failover, hotplug or link milestone; ``NET`` lines where the topology changes; ``PING`` replies
from two seconds before the migration on.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Final

from teamkit.lab.console import KernelLine, LabLine, NetLine, PingReply, kernel_milestone, parse_line

__all__ = ["DATA", "load", "names", "trim"]

DATA: Final = Path(__file__).parent / "data"
_PING_FROM_S: Final = -2.0


def load(name: str) -> dict[str, Any]:
    """The raw recording of ``tests/lab/data/<name>.json``."""
    with open(DATA / f"{name}.json", encoding="utf-8") as stream:
        data: dict[str, Any] = json.load(stream)
    return data["raw"]


def names() -> list[str]:
    return sorted(p.stem for p in DATA.glob("*.json"))


def trim(raw: dict[str, Any]) -> dict[str, Any]:
    kept = []
    last_net: dict[str, str] = {}
    for rec in raw["console"]:
        parsed = parse_line(rec["line"])
        if (isinstance(parsed, LabLine)
                or (isinstance(parsed, KernelLine) and kernel_milestone(parsed.message) is not None)
                or (isinstance(parsed, PingReply) and rec["t"] >= _PING_FROM_S)):
            kept.append(rec)
        elif isinstance(parsed, NetLine) and last_net.get(rec["side"]) != parsed.signature():
            last_net[rec["side"]] = parsed.signature()
            kept.append(rec)
    argv = {side: [arg.rsplit("/", 1)[-1] if i == 0 else arg for i, arg in enumerate(args)]
            for side, args in raw.get("argv", {}).items()}
    return {**raw, "console": kept, "argv": argv}


def _main(argv: list[str]) -> int:
    source, name = argv
    with open(source, encoding="utf-8") as stream:
        document = json.load(stream)
    raw = trim(document["raw"])
    (DATA / f"{name}.json").write_text(json.dumps({"raw": raw}, indent=1) + "\n", encoding="utf-8")
    print(f"{name}: {len(raw['console'])} console lines kept of {len(document['raw']['console'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
