"""A served emulator says what it does: listener lines at start, an access log on demand, and a
control-plane journal of who reset, seeded or injected faults."""
from __future__ import annotations

import json
import queue
import re
from typing import Any

import pytest
from starlette.testclient import TestClient

from emulator.app import create_app
from emulator.settings import Settings

LISTEN = re.compile(r"(HTTP|gRPC) listening on (?:http://)?127\.0\.0\.1:(\d+)")


def test_serve_logs_one_line_per_listener_and_an_access_line_per_request(serve: Any) -> None:
    s = serve("--access-log")
    assert {"HTTP", "gRPC"} <= set(s.ports)
    assert any("HTTP listening on http://127.0.0.1:" in ln for ln in s.startup)
    assert any("gRPC listening on 127.0.0.1:" in ln for ln in s.startup)
    assert s.request("GET", "/_plugins/_flow_framework/workflow/nope", headers={"x-emulator-tenant": "ci-7"}) == 404
    line = s.wait_for("get_workflow")
    assert re.fullmatch(r"ci-7 flow get_workflow GET /_plugins/_flow_framework/workflow/nope 404 [\d.]+ms rest", line)
    # control-plane calls are logged too, as api "control"
    assert s.request("PUT", "/_emulator/clock", {"mode": "manual"}, {"x-emulator-tenant": "ci-7"}) == 200
    assert re.fullmatch(r"ci-7 control set_clock PUT /_emulator/clock 200 [\d.]+ms rest",
                        s.wait_for("set_clock"))


def test_access_log_as_json_lines(serve: Any) -> None:
    s = serve("--access-log", "--access-log-format", "json")
    if True:
        assert s.request("POST", "/v2/users/me/apps/main/workflows", {"workflows": [{"id": "a b"}]},
                         {"authorization": "Key secret-pat-123", "x-emulator-tenant": "j1"}) == 400
        entry = json.loads(s.wait_for('"post_workflows"'))
        assert entry["tenant"] == "j1" and entry["api"] == "clarifai" and entry["status"] == 400
        assert entry["operation"] == "post_workflows" and entry["duration_ms"] >= 0
        assert "secret-pat-123" not in json.dumps(entry)


def test_access_log_off_by_default_prints_only_the_listener_lines(serve: Any) -> None:
    s = serve()
    if True:
        assert s.request("GET", "/_plugins/_flow_framework/workflow/nope") == 404
        assert s.request("GET", "/_emulator/health") == 200
        with pytest.raises(queue.Empty):
            s.next_line(1.0)


def test_control_plane_calls_land_in_the_control_journal_not_a_tenant_journal() -> None:
    with TestClient(create_app(Settings(grpc_enabled=False, clock="manual"))) as c:
        h = {"x-emulator-tenant": "t1"}
        rule = {"match": {"operation": "get_workflow"}, "effect": {"type": "error", "status": 503}}
        assert c.post("/_emulator/faults", json=rule, headers=h).status_code in (200, 201)
        assert c.post("/_emulator/clock/advance", json={"seconds": 5}, headers=h).status_code == 200
        assert c.get("/_emulator/journal", headers=h).json()["entries"] == []
        entries = c.get("/_emulator/control/journal").json()["entries"]
        assert [(e["api"], e["operation"], e["method"], e["status"]) for e in entries] == [
            ("control", "add_faults", "POST", entries[0]["status"]), ("control", "advance_clock", "POST", 200)]
        assert entries[0]["headers"] == {"x-emulator-tenant": "t1"}
        only = c.get("/_emulator/control/journal?operation=advance_clock").json()["entries"]
        assert [e["operation"] for e in only] == ["advance_clock"]
