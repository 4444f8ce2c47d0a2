"""The dashboard through the control plane's front door when it needs a token: the page and its
files hold no data, so they load without it; every call the page makes carries the token it was given
in the URL fragment (then removed from the address bar) or typed when the door asked, and sends JSON
on state-changing calls."""
from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from emulator.settings import Settings
from emulator.testing import LiveServer

TOKEN = "ui-" + uuid.uuid4().hex
pytestmark = pytest.mark.skipif("admin_token" not in {f.name for f in dataclasses.fields(Settings)},
                                reason="this emulator has no admin token setting (control-plane front door)")


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    settings = Settings(grpc_enabled=False, clock="manual", seed=16).replace(admin_token=TOKEN)
    s = LiveServer(settings).start()
    try:
        yield s
    finally:
        s.stop()


def test_get_ui_with_token_in_fragment_drives_the_guarded_control_plane(ui: Any, server: LiveServer) -> None:
    tenant = "tok-" + uuid.uuid4().hex[:8]
    assert httpx.get(f"{server.url}/_emulator/clock", headers={"x-emulator-tenant": tenant}).status_code == 401
    page = ui.open("tenants", tenant, token=TOKEN)
    page.locator('dd[data-pending="0"]').wait_for()
    assert TOKEN not in page.url
    before = int(page.locator("dd[data-now]").get_attribute("data-now"))
    page.get_by_role("button", name="+10 s").click()
    page.locator(f'dd[data-now="{before + 10_000}"]').wait_for()
    ui.shot("token-1-tenants-through-front-door")


def test_get_ui_without_token_asks_for_it(ui: Any, server: LiveServer) -> None:
    tenant = "tok-" + uuid.uuid4().hex[:8]
    page = ui.open("tenants", tenant)
    dialog = page.locator("#token-dialog")
    dialog.get_by_label("Token").fill(TOKEN)
    dialog.get_by_role("button", name="Use token").click()
    page.locator('dd[data-pending="0"]').wait_for()
    # the door's 401 before the token was typed is the only error the browser may log
    ui.errors[:] = [e for e in ui.errors if "401" not in e]
