"""Issue #12's table, in process: the control plane's guards. A reset names what it resets or resets
nothing; browser-driven calls (foreign origins, simple content types, rebinding hosts) are refused;
off loopback the server needs a token and every control-plane call must carry it; secrets never
leave through state, journal, coverage or logs. Each refusal is a clear 4xx in the admin shape."""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from emulator.app import create_app
from emulator.core.front_door import StartupRefused
from emulator.settings import Settings
from tests.hardening.hostile_requests import CLARIFAI_WF, FLOW, JSON, T1, Factory, admin_error

# --- row 10: reset ---------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [
    {"json": [1]}, {"json": {"tenat": "t1"}}, {"json": {}}, {"json": {"all": "yes"}},
    {"json": {}, "params": {"tenant": ""}}, {"json": {}, "headers": {"x-emulator-tenant": ""}},
    {"content": b"{nope", "headers": JSON},
])
def test_reset_without_a_tenant_resets_nothing(client: TestClient, kwargs: dict[str, Any]) -> None:
    client.post("/_emulator/faults", json={"effect": {"type": "drop"}}, headers=T1)
    r = client.post("/_emulator/reset", **kwargs)
    admin_error(r, 400)
    assert len(client.get("/_emulator/faults", headers=T1).json()["faults"]) == 1
    r = client.post("/_emulator/reset", json={"all": True})
    assert r.status_code == 200 and r.json()["all"] is True and r.json()["reset"] == ["t1"]


# --- row 11: cross-site requests and DNS rebinding ------------------------------------------

@pytest.mark.parametrize("headers, status", [
    ({"origin": "https://evil.example", **JSON}, 403),
    ({"origin": "null", **JSON}, 403),
    ({"content-type": "text/plain"}, 415),
    ({"content-type": "application/x-www-form-urlencoded"}, 415),
    ({"host": "evil.example", **JSON}, 421),
    ({"host": "rebind.attacker.example:9200", **JSON}, 421),
])
def test_control_plane_refuses_browser_driven_calls(client: TestClient, headers: dict[str, str], status: int) -> None:
    for path, body in (("/_emulator/reset", b'{"all": true}'), ("/_emulator/faults", b'{"effect":{"type":"drop"}}')):
        admin_error(client.post(path, content=body, headers=headers), status)
    assert client.get("/_emulator/faults").json() == {"faults": []}
    r = client.post("/_emulator/faults", content=b'{"effect":{"type":"drop"}}',
                    headers={"origin": "http://127.0.0.1:9200", "host": "localhost:9200", **JSON})
    assert r.status_code == 201


def test_allowed_hosts_setting_admits_a_name(client_factory: Factory) -> None:
    c = client_factory(allowed_hosts="emu.ci.internal, other")
    assert c.get("/_emulator/clock", headers={"host": "emu.ci.internal:9200"}).status_code == 200
    admin_error(c.get("/_emulator/clock", headers={"host": "nope.internal"}), 421)


# --- row 12: off loopback needs a token ----------------------------------------------------

def test_off_loopback_without_a_token_refuses_to_start() -> None:
    for host in ("0.0.0.0", "::", "192.168.1.10"):
        with pytest.raises(StartupRefused, match="EMULATOR_ADMIN_TOKEN"):
            create_app(Settings(host=host, grpc_enabled=False))
    create_app(Settings(host="0.0.0.0", admin_token="s3cret", grpc_enabled=False))


def test_with_a_token_every_control_plane_call_needs_it(client_factory: Factory,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    c = client_factory(admin_token="s3cret-token")
    caplog.set_level(logging.WARNING, logger="emulator")
    r = c.get("/_emulator/clock")
    admin_error(r, 401)
    assert "control plane refused GET /_emulator/clock from testclient: 401" in caplog.text
    assert r.headers["www-authenticate"].startswith("Bearer")
    admin_error(c.post("/_emulator/reset", json={"all": True}, headers={"authorization": "Bearer wrong"}), 401)
    assert c.get("/_emulator/clock", headers={"authorization": "Bearer s3cret-token"}).status_code == 200
    assert c.get("/_emulator/clock", headers={"x-emulator-admin-token": "s3cret-token"}).status_code == 200
    assert c.get("/").status_code == 200  # the APIs are not guarded: clients under test call them
    assert c.get("/_emulator/ui").status_code == 200  # the dashboard page holds no data; its calls need the token
    admin_error(c.post("/_emulator/ui", json={}), 401)
    info = c.get("/_emulator/info", headers={"authorization": "Bearer s3cret-token"})
    assert "s3cret-token" not in info.text and info.json()["settings"]["admin_token"].startswith("<redacted")


# --- row 13: secrets -----------------------------------------------------------------------

CONNECTOR = {"name": "c", "workflows": {"provision": {"nodes": [{"id": "create_connector", "type": "create_connector",
             "user_inputs": {"name": "c", "description": "d", "version": "1", "protocol": "http",
                             "parameters": {"endpoint": "api.openai.com"},
                             "credential": {"openAI_key": "sk-flow-secret-123"},
                             "actions": [{"action_type": "predict", "method": "POST", "url": "https://x/v1"}]}}]}}}


def test_secrets_never_leave_through_state_journal_coverage_or_logs(
        client_factory: Factory, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps({"keys": [{"key": "clarifai-key-secret-456", "type": "pat", "user_id": "me"}]}))
    c = client_factory(validate=False, clarifai_api_keys_file=str(keys))
    caplog.set_level(logging.DEBUG)
    assert c.post(FLOW, json=CONNECTOR, headers={**T1, "authorization": "Basic c2VjcmV0"}).status_code == 201
    c.get(CLARIFAI_WF, headers={**T1, "authorization": "Key clarifai-key-secret-456"})
    c.get(CLARIFAI_WF, headers={**T1, "authorization": "Key clarifai-wrong-789"})
    shown = [c.get(p, headers=T1).text for p in ("/_emulator/state", "/_emulator/journal", "/_emulator/coverage",
                                                  "/_emulator/info", "/_emulator/tenants")]
    for secret in ("sk-flow-secret-123", "clarifai-key-secret-456", "clarifai-wrong-789", "c2VjcmV0"):
        assert not any(secret in text for text in shown), secret
        assert secret not in caplog.text
    state = c.get("/_emulator/state", headers=T1).json()
    assert state["clarifai"]["keys"]  # who the keys belong to, never the keys
    assert "<redacted sha256:" in shown[0] and "<redacted sha256:" in shown[1]
