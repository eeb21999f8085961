"""Fixtures for the browser tests: a JupyterLab server on loopback and headless Debian Chromium driven by Playwright.

The server runs on a copy of the notebooks in a temporary folder (JupyterLab autosaves, the repository stays
untouched), with its own settings, workspaces and runtime folders and nothing that reaches the network.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("SEIS_SCREENSHOTS", REPO / "tests" / "browser" / "screenshots"))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# without the background-networking flags Chromium keeps dialling Google's hosts, which a closed network refuses
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
SERVER_START_S = 90  # JupyterLab's first start on 2 busy cores takes 5-20 s


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_json(url: str, method: str = "GET", timeout: float = 5.0):
    request = urllib.request.Request(url, method=method)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        body = response.read()
    return json.loads(body) if body else None


def _lab_settings(folder: Path):
    "User settings that keep JupyterLab quiet and deterministic: no news or update checks, every cell in the DOM."
    settings = {
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
        "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    }
    for name, value in settings.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))


class LabServer:
    "A JupyterLab process on 127.0.0.1 with a random token; `stop` shuts its kernels down, then the server."

    def __init__(self, root: Path, home: Path):
        self.root, self.port, self.token = root, free_port(), secrets.token_hex(16)
        self.base = f"http://127.0.0.1:{self.port}"
        _lab_settings(home / "user-settings")
        env = dict(os.environ, JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_RUNTIME_DIR=str(home / "runtime"),
                   MPLBACKEND="module://matplotlib_inline.backend_inline", PYTHONUNBUFFERED="1")
        self.log = open(home / "jupyterlab.log", "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
             f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={root}",
             "--ServerApp.port_retries=0", "--ServerApp.allow_root=True", "--LabApp.news_url=None", "--LabApp.extension_manager=readonly",
             "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
             f"--LabApp.user_settings_dir={home / 'user-settings'}", f"--LabApp.workspaces_dir={home / 'workspaces'}"],
            cwd=root, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def api(self, path: str, method: str = "GET"):
        return http_json(f"{self.base}/api/{path}?token={self.token}", method)

    def wait_ready(self, timeout: float = SERVER_START_S):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with code {self.process.returncode}; see {self.log.name}")
            try:
                self.api("status")
                return self
            except OSError:
                time.sleep(0.5)
        raise TimeoutError(f"JupyterLab did not answer on {self.base} within {timeout:.0f} s; see {self.log.name}")

    def url(self, path: str) -> str:
        return f"{self.base}/{path}?token={self.token}"

    def stop(self):
        if self.process.poll() is None:
            try:  # kernels run in sessions of their own; ask the server to end them before it goes
                for kernel in self.api("kernels"): self.api(f"kernels/{kernel['id']}", "DELETE")
            except OSError:
                pass
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self.log.close()


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    "JupyterLab serving a copy of `nbs/`, stopped (kernels included) at the end of the session."
    root = tmp_path_factory.mktemp("nbs")
    for notebook in (REPO / "nbs").glob("*.ipynb"): shutil.copy(notebook, root)
    server = LabServer(root, tmp_path_factory.mktemp("jupyter-home"))
    try:
        yield server.wait_ready()
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser():
    playwright_sync = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"no Chromium at {CHROMIUM}: run scripts/browser_test.sh (installs Debian's chromium) "
                    "or set CHROMIUM to the browser's path")
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, timeout=60_000)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
