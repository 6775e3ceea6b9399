"""A fleet of varied domains for directory audits: ``python -m tests.fleet N DIR`` writes N of them and their tally.

Each variant states what libvirt and teamkit say about it (its first error code, whether teamkit warns, whether the
file is unreadable), so an audit's summary can be checked against the counts written here.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from tests.xmlbuild import PERSISTENT, TRANSIENT_HOSTDEV_IFACE, TRANSIENT_PLAIN_HOSTDEV, domain_xml

__all__ = ["HOSTS", "VARIANTS", "FleetTally", "Variant", "write_fleet"]

#: the fleet is spread over this many host directories (each also holds a README that the audit must ignore)
HOSTS: Final = 20
_MAC: Final = "00:11:22:33:44:55"
_VF: Final = "bus='0x03' slot='0x07' function='0x1'"


@dataclass(frozen=True)
class Variant:
    """One kind of domain: how to build it (randomised MAC, VF, machine) and what an audit must say about it."""

    name: str
    build: Callable[[random.Random], str]
    first_error: str | None = None
    warns: bool = False
    unreadable: bool = False
    weight: int = 1


def _mac(rng: random.Random) -> str:
    return "52:54:00:" + ":".join(f"{rng.randrange(256):02x}" for _ in range(3))


def _vf(rng: random.Random) -> str:
    return f"bus='0x{rng.randrange(1, 0x40):02x}' slot='0x{rng.randrange(0x20):02x}' function='0x{rng.randrange(8):x}'"


def _pair(rng: random.Random, transient: str = TRANSIENT_HOSTDEV_IFACE, *, machine: str = "q35",
          features: str = "<acpi/>", persistent: str = PERSISTENT, mac2: str | None = None) -> str:
    mac = _mac(rng)
    vf = _vf(rng)
    return domain_xml(persistent.replace(_MAC, mac),
                      transient.replace(_MAC, mac2 or mac).replace(_VF, vf),
                      machine=machine, features=features)


def _q35(rng: random.Random) -> str:
    return rng.choice(("q35", "pc-q35-7.2"))


def _i440fx(rng: random.Random) -> str:
    return rng.choice(("pc", "pc-i440fx-7.2"))


VARIANTS: Final = (
    Variant("good-q35", lambda rng: _pair(rng, machine=_q35(rng)), weight=6),
    Variant("good-q35-plain-hostdev", lambda rng: _pair(rng, TRANSIENT_PLAIN_HOSTDEV, machine=_q35(rng)),
            warns=True, weight=2),
    Variant("i440fx-acpi", lambda rng: _pair(rng, machine=_i440fx(rng)), warns=True, weight=2),
    Variant("i440fx-no-acpi", lambda rng: _pair(rng, machine=_i440fx(rng), features=""), warns=True),
    Variant("teaming-type-foo", lambda rng: _pair(rng, persistent=PERSISTENT.replace("'persistent'", "'foo'")),
            first_error="teaming-type-unknown", warns=True),
    Variant("transient-without-persistent", lambda rng: _pair(
        rng, TRANSIENT_HOSTDEV_IFACE.replace(" persistent='ua-backup0'", "")),
        first_error="teaming-transient-no-persistent"),
    Variant("persistent-e1000", lambda rng: _pair(rng, persistent=PERSISTENT.replace("virtio", "e1000")),
            first_error="teaming-persistent-not-virtio"),
    Variant("mac-mismatch", lambda rng: _pair(rng, mac2="52:54:00:ff:ff:ff"), warns=True),
    Variant("dangling-persistent", lambda rng: _pair(
        rng, TRANSIENT_HOSTDEV_IFACE.replace("persistent='ua-backup0'", "persistent='ua-backup9'")), warns=True),
    Variant("duplicate-alias", lambda rng: domain_xml(
        PERSISTENT, PERSISTENT.replace(_MAC, _mac(rng)), TRANSIENT_HOSTDEV_IFACE),
        first_error="alias-duplicate", warns=True),
    Variant("no-pair", lambda rng: domain_xml(
        f"<interface type='user'><mac address='{_mac(rng)}'/><model type='virtio'/></interface>")),
    Variant("truncated", lambda rng: _pair(rng)[: rng.randrange(40, 200)], unreadable=True),
    Variant("network-not-domain", lambda rng: "<network>\n  <name>default</name>\n</network>\n", unreadable=True),
)


@dataclass(frozen=True)
class FleetTally:
    """What a correct audit of the fleet reports (without --strict)."""

    files: int
    ok: int
    with_errors: int
    with_warnings: int
    unreadable: int
    ignored: int
    variants: dict[str, int]
    first_errors: dict[str, int]

    def rows(self) -> dict[str, int]:
        return {"files": self.files, "ok": self.ok, "with errors": self.with_errors,
                "with warnings": self.with_warnings, "unreadable": self.unreadable}


def write_fleet(n: int, directory: Path, *, seed: int = 0) -> FleetTally:
    """Write ``n`` domains as ``DIR/host-HH/vm-NNNNNN.xml`` (plus a README per host) and return their tally."""
    rng = random.Random(seed)
    weights = [v.weight for v in VARIANTS]
    chosen = rng.choices(VARIANTS, weights=weights, k=n)
    hosts = min(HOSTS, max(1, n))
    for h in range(hosts):
        host = directory / f"host-{h:02d}"
        host.mkdir(parents=True, exist_ok=True)
        (host / "README.txt").write_text("domains of one host; only *.xml files are audited\n")
    for i, variant in enumerate(chosen):
        text = variant.build(rng).replace("<name>t</name>", f"<name>vm-{i:06d}</name>")
        (directory / f"host-{i % hosts:02d}" / f"vm-{i:06d}.xml").write_text(text)
    readable = [v for v in chosen if not v.unreadable]
    return FleetTally(
        files=n,
        ok=sum(1 for v in readable if v.first_error is None),
        with_errors=sum(1 for v in readable if v.first_error is not None),
        with_warnings=sum(1 for v in readable if v.warns),
        unreadable=n - len(readable),
        ignored=hosts,
        variants=dict(Counter(v.name for v in chosen)),
        first_errors=dict(Counter(v.first_error for v in readable if v.first_error)),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fleet", description=__doc__)
    parser.add_argument("n", type=int, help="how many domains")
    parser.add_argument("directory", type=Path, help="where to write them (created if missing)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    tally = write_fleet(args.n, args.directory, seed=args.seed)
    json.dump({"expected": tally.rows(), "ignored": tally.ignored, "variants": tally.variants,
               "first_errors": tally.first_errors}, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
