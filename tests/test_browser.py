"""The course in a real browser: JupyterLab driven by Playwright on Debian's Chromium.

The builder notebook runs in a temporary copy of the notebooks; its widgets must render, and changing the transient
member in the page must update the QEMU arguments and the findings (the kernel computes, the page shows).
Screenshots go to artifacts/browser/.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts" / "browser"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1440, "height": 1400}
#: JupyterLab settings for a quiet test run: no news or update notifications over the page
#: and every cell rendered (no windowing), so that the page can be checked for widgets that failed to show
QUIET_SETTINGS = {"@jupyterlab/apputils-extension/notification.jupyterlab-settings":
                  {"fetchNews": "false", "checkForUpdates": False},
                  "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"}}


@dataclass
class Lab:
    url: str
    token: str
    root: Path

    def page_url(self, notebook: str) -> str:
        """The notebook alone in a workspace of its own (nothing restored from another test's page)."""
        workspace = "test-" + notebook.removesuffix(".ipynb")
        return f"{self.url}/lab/workspaces/{workspace}/tree/{notebook}?token={self.token}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _quiet_settings(folder: Path) -> Path:
    for name, values in QUIET_SETTINGS.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    return folder


def _wait_for_server(url: str, token: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"JupyterLab exited early:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"JupyterLab did not answer within 90 s:\n{log.read_text()[-3000:]}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _jupyter_env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(JUPYTER_RUNTIME_DIR=str(tmp / "runtime"), JUPYTER_CONFIG_DIR=str(tmp / "config"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"), PYTHONUNBUFFERED="1")
    return env


def _lab_options(tmp: Path) -> list[str]:
    options = [f"--LabApp.user_settings_dir={_quiet_settings(tmp / 'settings')}",
               f"--LabApp.workspaces_dir={tmp / 'workspaces'}", "--ServerApp.port_retries=0"]
    if os.geteuid() == 0:
        options.append("--allow-root")
    return options


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (scripts/bootstrap.sh --tests installs it)")
    pytest.importorskip("playwright.sync_api")
    tmp = tmp_path_factory.mktemp("lab")
    root = tmp / "notebooks"
    shutil.copytree(ROOT / "notebooks", root, ignore=shutil.ignore_patterns("artifacts", ".ipynb_checkpoints"))
    port, token = _free_port(), secrets.token_hex(16)
    log = tmp / "jupyterlab.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--ip=127.0.0.1", f"--port={port}", "--no-browser",
             f"--ServerApp.token={token}", f"--ServerApp.root_dir={root}", *_lab_options(tmp)],
            cwd=root, stdout=out, stderr=subprocess.STDOUT, env=_jupyter_env(tmp), start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_for_server(url, token, proc, log)
        yield Lab(url, token, root)
    finally:
        _stop(proc)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


#: the notebook shown (the workspace may hold others, hidden)
_CURRENT = ".jp-NotebookPanel:not(.lm-mod-hidden)"


def _open(page: Any, url: str) -> None:
    """Open a notebook and wait until its kernel is up and idle."""
    page.goto(url)
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
    page.locator(".jp-StatusBar-Widget", has_text=re.compile(r"Python 3 \(ipykernel\) \| Idle")).wait_for(
        timeout=90_000)


def _menu(page: Any, menu: str, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{menu}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{item}$")).click()


def _run_all_cells(page: Any) -> None:
    """Clear the stored outputs, run every cell, and wait until each code cell has run."""
    _menu(page, "Edit", "Clear Outputs of All Cells")
    page.wait_for_function("sel => document.querySelectorAll(sel + ' .jp-CodeCell .jp-OutputArea-child').length === 0",
                           arg=_CURRENT)
    _menu(page, "Run", "Run All Cells")
    page.wait_for_function(
        """sel => {
            const prompts = [...document.querySelectorAll(sel + ' .jp-CodeCell .jp-InputPrompt')];
            return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
        }""", arg=_CURRENT, timeout=120_000)


def _shot(target: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    target.screenshot(path=str(path))
    return path


def test_builder_notebook_runs_and_reacts(lab: Lab, browser: Any) -> None:
    from playwright.sync_api import expect

    page = browser.new_page(viewport=VIEWPORT)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _open(page, lab.page_url("02-build-a-pair.ipynb"))
    _run_all_cells(page)

    builder = page.locator(".teamkit-builder")
    expect(builder).to_be_visible(timeout=60_000)
    notebook = page.locator(_CURRENT)
    expect(notebook).not_to_contain_text("Error displaying widget")
    expect(notebook).not_to_contain_text("Loading widget")
    builder.scroll_into_view_if_needed()
    _shot(builder, "02-builder-findings.png")

    findings = builder.locator(".teamkit-findings")
    argv = builder.locator(".teamkit-argv-text")
    expect(builder.locator(".teamkit-summary")).to_contain_text("libvirt accepts it (0 error(s), 1 advisory(ies))")
    expect(findings).to_contain_text("guest-requirements")
    expect(findings).not_to_contain_text("vf-mac-admin")
    builder.locator(".lm-TabBar-tab", has_text="QEMU argv").click()
    expect(argv).to_be_visible()
    argv_before = argv.inner_text()
    assert '"failover_pair_id":"ua-backup0"' in argv_before and '"bus":"pci.3"' in argv_before

    kind = builder.locator(".teamkit-transient-kind select")
    kind.select_option(value=kind.locator("option", has_text="hostdev pool").get_attribute("value"))
    expect(argv).to_contain_text('"bus":"pci.2"')
    assert argv.inner_text() != argv_before
    _shot(builder, "02-builder-argv-pool.png")

    kind.select_option(value=kind.locator("option", has_text="plain <hostdev>").get_attribute("value"))
    builder.locator(".lm-TabBar-tab", has_text="Findings").click()
    expect(findings).to_contain_text("vf-mac-admin")
    expect(findings).to_contain_text("libvirt does not set the VF's MAC")
    _shot(builder, "02-builder-plain-hostdev.png")

    builder.locator(".lm-TabBar-tab", has_text="Device graph").click()
    expect(builder.locator(".teamkit-graph svg")).to_be_visible()
    _shot(builder, "02-builder-graph.png")
    _shot(page, "02-page.png")
    assert errors == []
    page.close()


def test_explorer_renders_and_steps(lab: Lab, browser: Any) -> None:
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": VIEWPORT["width"], "height": 2400})
    _open(page, lab.page_url("04-migration-timeline.ipynb"))
    _run_all_cells(page)
    explorer = page.locator(".teamkit-explorer")
    expect(explorer).to_be_visible(timeout=60_000)
    explorer.scroll_into_view_if_needed()
    step = explorer.locator(".teamkit-step")
    expect(step).to_contain_text("Step 1 of")
    explorer.locator("button", has_text="Next").click()
    explorer.locator("button", has_text="Next").click()
    expect(step).to_contain_text("Step 3 of")
    _shot(explorer, "04-explorer.png")
    page.close()


def test_lab_script_opens_the_first_notebook(tmp_path: Path, browser: Any) -> None:
    """scripts/lab.sh (the README's first command) prints a URL that opens 01-what-is-failover in JupyterLab."""
    from playwright.sync_api import expect

    port = _free_port()
    log = tmp_path / "lab.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(ROOT / "scripts" / "lab.sh"), f"--port={port}", *_lab_options(tmp_path)],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=_jupyter_env(tmp_path), start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        url = None
        while url is None and time.monotonic() < deadline and proc.poll() is None:
            found = re.search(r"http://127\.0\.0\.1:\d+/lab/tree/01-what-is-failover\.ipynb\?token=[0-9a-f]{32,}",
                              log.read_text(errors="replace"))
            url = found.group(0) if found else None
            time.sleep(0.5)
        assert url is not None, log.read_text(errors="replace")[-3000:]
        assert url.startswith(f"http://127.0.0.1:{port}/")
        page = browser.new_page(viewport=VIEWPORT)
        page.goto(url)
        expect(page.locator(".jp-NotebookPanel .jp-RenderedMarkdown h1").first).to_contain_text(
            "What is a virtio-net failover pair?", timeout=90_000)
        tab = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current")
        expect(tab).to_contain_text("01-what-is-failover.ipynb")
        page.locator(".jp-StatusBar-Widget", has_text=re.compile(r"Python 3 \(ipykernel\) \| Idle")).wait_for(
            timeout=90_000)
        # opening the committed notebook changes nothing in it (no unsaved-changes mark, nothing to autosave)
        expect(tab).not_to_have_class(re.compile(r"jp-mod-dirty"))
        _shot(page, "01-opened-by-lab-sh.png")
        page.close()
    finally:
        _stop(proc)
