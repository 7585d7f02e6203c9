"""The playground in a real browser: JupyterLab headless, Debian's Chromium through Playwright.

Starts ``jupyter lab`` on a free port (no token, throw-away config, runtime and settings folders),
opens a copy of ``notebooks/playground.ipynb``, runs all cells, clicks *docker pull* and checks
that the graph picture and the status line changed and that the log shows docker's output.

Without Chromium the test is skipped with the command that installs it; with ``CI=true`` a
missing browser is a failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from helpers import CHROMIUM_ARGS, chromium_or_skip

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "playground.ipynb"
TIMEOUT_MS = 120_000  # a loaded 2-core machine starts a kernel slowly; each wait ends as soon as its condition holds


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_server(url: str, proc: subprocess.Popen, log: Path, deadline: float) -> None:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"jupyter lab exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/api/status", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    raise TimeoutError(f"jupyter lab did not answer at {url} in time:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def jupyter_lab(tmp_path_factory):
    """A headless JupyterLab serving a folder with a copy of the playground notebook."""
    chromium = chromium_or_skip()
    home = tmp_path_factory.mktemp("lab")
    work = home / "work"
    work.mkdir()
    shutil.copy(NOTEBOOK, work / NOTEBOOK.name)
    settings = home / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    port = _free_port()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
           "JUPYTER_DATA_DIR": str(home / "data"), "JUPYTER_PLATFORM_DIRS": "1"}
    env.pop("MPLBACKEND", None)
    log = home / "jupyter.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
             "--ServerApp.port_retries=0", "--IdentityProvider.token=", "--ServerApp.password=",
             "--ServerApp.disable_check_xsrf=True", "--ServerApp.allow_root=True", f"--ServerApp.root_dir={work}",
             "--LabApp.extension_manager=readonly",
             "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
             f"--LabApp.user_settings_dir={home / 'settings'}", f"--LabApp.workspaces_dir={home / 'workspaces'}"],
            cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for_server(url, proc, log, time.monotonic() + 60)
        yield url, chromium, log
    finally:
        try:
            request = urllib.request.Request(f"{url}/api/shutdown", method="POST")
            urllib.request.urlopen(request, timeout=5).close()
            proc.wait(timeout=15)
        except (urllib.error.URLError, OSError, subprocess.TimeoutExpired):
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_clicking_pull_in_the_browser_changes_the_graph(jupyter_lab):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)  # expect() has its own 5 s default, apart from the page's

    url, chromium, log = jupyter_lab
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(f"{url}/lab/tree/{NOTEBOOK.name}")
            page.wait_for_selector(".jp-NotebookPanel .jp-Cell")
            # the kernel has started (before that the status bar says "No Kernel | Initializing")
            expect(page.locator(".jp-StatusBar-Widget").first).to_contain_text(re.compile(r"Python 3.*\| Idle"))
            page.locator(".lm-MenuBar-itemLabel").get_by_text("Run", exact=True).click()
            page.locator(".lm-Menu-itemLabel").get_by_text("Run All Cells", exact=True).click()

            graph = page.locator("img.regsim-graph").first
            status = page.locator(".regsim-status").first
            expect(graph).to_be_visible()
            expect(status).to_contain_text("ready")
            page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=graph.element_handle())
            src_before = graph.get_attribute("src")
            size_before = graph.evaluate("img => [img.naturalWidth, img.naturalHeight]")

            page.locator("button.regsim-pull").first.click()

            expect(status).to_contain_text("pull:")
            expect(status).to_contain_text("downloaded")
            expect(page.locator(".regsim-log").first).to_contain_text("Pull complete")
            page.wait_for_function("([img, before]) => img.getAttribute('src') !== before && img.complete "
                                   "&& img.naturalWidth > 0", arg=[graph.element_handle(), src_before])
            size_after = graph.evaluate("img => [img.naturalWidth, img.naturalHeight]")
            assert size_after != size_before  # the host's store grew: a taller picture
        except Exception:
            print(log.read_text()[-3000:])
            raise
        finally:
            browser.close()
