"""teamkit's speed measured side by side with its yardsticks, in one run, printed as ratios.

1. parse + validate + render throughput on several thousand generated domains, against a bare lxml parse of the
   same files (goal: within 3x);
2. per file, teamkit in batch against ``virsh define`` in libvirt's embedded driver, run as users run it (one
   virsh per file) and also batched in one virsh process (goal: at least 50x faster);
3. cold start of ``teamkit validate`` on one file, against ``virsh define`` on the same file (goal: no slower);
4. ``import teamkit`` imports neither ipywidgets, graphviz nor jupyter.

Usage: .venv/bin/python benchmarks/throughput.py [--short]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from lxml import etree  # noqa: E402

from teamkit.libvirt.check import check_domain  # noqa: E402
from teamkit.libvirt.parse import parse_domain_file, parse_network_file  # noqa: E402
from teamkit.qemu import render_argv  # noqa: E402

CORPUS = REPO / "tests" / "corpus" / "argv"


def generate(count: int, directory: Path) -> list[Path]:
    """``count`` domains: the argv corpus with each copy's name, MACs and aliases made unique."""
    bases = sorted(CORPUS.glob("*.xml"))
    texts = [b.read_text() for b in bases]
    paths = []
    for i in range(count):
        text = texts[i % len(texts)]
        text = re.sub(r"<name>([^<]*)</name>", rf"<name>\g<1>-{i}</name>", text, count=1)
        text = re.sub(r"(<uuid>)[^<]*(</uuid>)", rf"\g<1>{i:08x}-0000-4000-8000-000000000000\g<2>", text)
        text = text.replace("ua-backup", f"ua-b{i % 97}x")
        path = directory / f"d{i:05d}.xml"
        path.write_text(text)
        paths.append(path)
    return paths


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def throughput(paths: Sequence[Path]) -> tuple[float, float]:
    networks = {n.name: n for n in (parse_network_file(str(p)) for p in sorted((CORPUS / "networks").glob("*.xml"))
                                    if not p.name.endswith(".port.xml"))}

    def bare() -> None:
        for p in paths:
            etree.parse(str(p))

    def full() -> None:
        for p in paths:
            domain = parse_domain_file(str(p))
            check_domain(domain, networks=networks)
            render_argv(domain, networks=networks)

    bare()  # warm the page cache for both
    return timed(bare), timed(full)


def _embed_root(tmp: Path) -> Path | None:
    if shutil.which("virsh") is None or os.geteuid() != 0:
        return None
    root = tmp / "embed"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "qemu.conf").write_text('user = "root"\ngroup = "root"\nstdio_handler = "file"\n')
    cache = REPO / ".cache" / "libvirt-oracle" / "capabilities-cpu0"
    if cache.is_dir():
        shutil.copytree(cache, root / "cache" / "qemu" / "capabilities")
    return root


def _virsh(root: Path, script: str) -> float:
    argv = ["taskset", "-c", "0", "virsh", "-q", "-c", f"qemu:///embed?root={root}", script]
    start = time.perf_counter()
    subprocess.run(argv, capture_output=True, check=False)
    return time.perf_counter() - start


def _name(path: Path) -> str:
    found = re.search(r"<name>([^<]*)</name>", path.read_text())
    return found.group(1) if found else ""


def virsh_batch(root: Path, paths: Sequence[Path]) -> float:
    script = "; ".join(f"define {p}; undefine {_name(p)}" for p in paths)
    _virsh(root, "uri")  # probe capabilities once, outside the measurement
    return _virsh(root, script)


def virsh_each(root: Path, paths: Sequence[Path]) -> float:
    return sum(_virsh(root, f"define {p}; undefine {_name(p)}") for p in paths)


def cold_starts(root: Path | None, path: Path, runs: int) -> tuple[float, float | None]:
    teamkit = [sys.executable, "-m", "teamkit", "validate", str(path)]
    tk = [timed(lambda: subprocess.run(teamkit, capture_output=True, check=False)) for _ in range(runs)]
    if root is None:
        return statistics.median(tk), None
    lv = [_virsh(root, f"define {path}; undefine {_name(path)}") for _ in range(runs)]
    return statistics.median(tk), statistics.median(lv)


def heavy_imports() -> str:
    code = "import sys, teamkit, teamkit.cli, teamkit.qemu, teamkit.libvirt.check\n" \
           "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in " \
           "('ipywidgets', 'graphviz', 'jupyter', 'jupyterlab', 'IPython'))))"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--short", action="store_true", help="a quick run for CI (fewer files and repetitions)")
    args = parser.parse_args(argv)
    count, batch, runs = (500, 50, 3) if args.short else (4000, 400, 9)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.platform()}")
    with tempfile.TemporaryDirectory(prefix="teamkit-bench-") as tmp_name:
        tmp = Path(tmp_name)
        paths = generate(count, tmp)
        t_lxml, t_full = throughput(paths)
        print(f"1. {count} domains: lxml parse {t_lxml / count * 1e6:.0f} us/file, teamkit parse+validate+render "
              f"{t_full / count * 1e6:.0f} us/file ({count / t_full:.0f} files/s); ratio {t_full / t_lxml:.1f}x "
              f"(goal: within 3x)")
        root = _embed_root(tmp)
        if root is None:
            print("2. skipped: virsh is not installed or this is not root")
            print("3. teamkit only:", end=" ")
        else:
            per_tk = t_full / count
            each = virsh_each(root, paths[:runs * 10]) / (runs * 10)
            batched = virsh_batch(root, paths[:batch]) / batch
            print(f"2. virsh define+undefine (embedded driver): one virsh per file {each * 1e3:.1f} ms/file, "
                  f"{batch} files in one virsh {batched * 1e3:.2f} ms/file; teamkit in batch "
                  f"{per_tk * 1e3:.2f} ms/file is {each / per_tk:.0f}x faster than one virsh per file "
                  f"(goal: at least 50x) and {batched / per_tk:.1f}x faster than batched virsh")
        tk_cold, lv_cold = cold_starts(root, paths[0], runs)
        if lv_cold is None:
            print(f"teamkit validate cold start {tk_cold * 1e3:.0f} ms")
        else:
            print(f"3. cold start, median of {runs}: teamkit validate {tk_cold * 1e3:.0f} ms, virsh define (embedded "
                  f"driver, capability cache warm) {lv_cold * 1e3:.0f} ms; ratio {tk_cold / lv_cold:.2f} "
                  f"(goal: <= 1.00)")
    heavy = heavy_imports()
    print(f"4. import teamkit pulls in: {heavy or 'no ipywidgets, graphviz or jupyter'}")
    return 1 if heavy else 0


if __name__ == "__main__":
    sys.exit(main())
