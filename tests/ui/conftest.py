"""Browser fixtures for the dashboard: Debian's Chromium driven by Playwright (never a downloaded
browser), one browser and one live emulator per module, a fresh page per test that records console
errors; screenshots go to tests/ui/out/ (ignored by git).

Outside CI a machine without /usr/bin/chromium (or without Playwright) skips these tests; in CI
(`CI=true`) that is a failure, since .ci/run installs both.
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from emulator.admin_client import EmulatorTenant
from emulator.settings import Settings
from emulator.testing import LiveServer

CHROMIUM = os.environ.get("EMULATOR_UI_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
OUT = Path(__file__).resolve().parent / "out"
VIEWPORT = {"width": 1440, "height": 900}  # a laptop screen
TIMEOUT_MS = 15_000


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}: .ci/run installs it, so CI must have it")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        _unavailable(f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    s = LiveServer(Settings(grpc_enabled=False, clock="manual", seed=16)).start()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture
def tenant(server: LiveServer) -> EmulatorTenant:
    return EmulatorTenant(server.url, "ui-" + uuid.uuid4().hex[:10])


class Page:
    """A browser page on the dashboard that remembers console errors and uncaught exceptions."""

    def __init__(self, page: Any, base: str) -> None:
        self.page = page
        self.base = base
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        page.set_default_timeout(TIMEOUT_MS)

    def open(self, view: str, tenant: str, token: str | None = None) -> Any:
        frag = f"view={view}&tenant={tenant}" + (f"&token={token}" if token else "")
        self.page.goto(f"{self.base}/_emulator/ui#{frag}")
        return self.page

    def shot(self, name: str, full_page: bool = True) -> Path:
        OUT.mkdir(exist_ok=True)
        path = OUT / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path


@pytest.fixture
def ui(browser: Any, server: LiveServer) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORT)
    page = Page(context.new_page(), server.url)
    try:
        yield page
        assert page.errors == [], f"the dashboard logged errors: {page.errors}"
    finally:
        context.close()
