"""The control-plane side of the dashboard: kept answers (GET /_emulator/journal/{seq}), domain faults
and injected latency named in the journal, the static page, and the graph layout rule."""
from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from emulator.core import journal as journal_module
from emulator.core.graph import layers
from emulator.core.journal import Entry, Journal
from emulator.core.redaction import fingerprint

FLOW = "/_plugins/_flow_framework/workflow"
PAT = {"Authorization": "Key test-pat"}
GENERAL = {"id": "aaa03c23b3724a16a56b629203edc62c", "model_version": {"id": "aa9ca48295b37401f8af92ad1af0d91d"}}


def last(client: TestClient, **headers: str) -> dict[str, Any]:
    entries = client.get("/_emulator/journal", headers=headers).json()["entries"]
    seq = entries[-1]["seq"]
    r = client.get(f"/_emulator/journal/{seq}", headers=headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_get_journal_entry_keeps_the_answer_redacted(client: TestClient) -> None:
    tpl = {"name": "t", "workflows": {"provision": {"nodes": [{"id": "c", "type": "create_connector", "user_inputs": {
        "name": "c", "description": "d", "version": "1", "protocol": "http", "parameters": {},
        "credential": {"key": "sk-very-secret"}, "actions": [{"action_type": "predict", "method": "POST", "url": "u"}]}}]}}}
    wid = client.post(FLOW, json=tpl).json()["workflow_id"]
    client.get(f"{FLOW}/{wid}")
    e = last(client)
    assert e["operation"] == "get_workflow" and e["status"] == 200
    assert e["response"]["headers"]["content-type"].startswith("application/json")
    assert e["response"]["body"]["name"] == "t" and e["response"]["truncated"] is False
    create = client.get(f"/_emulator/journal/{e['seq'] - 1}").json()
    assert create["request"]["workflows"]["provision"]["nodes"][0]["user_inputs"]["credential"] == {
        "key": fingerprint("sk-very-secret")}
    assert "sk-very-secret" not in client.get(f"/_emulator/journal/{e['seq'] - 1}").text


@pytest.mark.parametrize("seq", ["999", "0", "abc", "99999999999999999999999"])
def test_get_journal_entry_unknown_is_404(client: TestClient, seq: str) -> None:
    r = client.get(f"/_emulator/journal/{seq}")
    assert r.status_code == 404 and "no journal entry" in r.json()["error"]


def test_journal_keeps_only_the_newest_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(journal_module, "RESPONSES_KEPT", 3)
    monkeypatch.setattr(journal_module, "RESPONSE_BYTES_KEPT", 100)
    j = Journal(10)
    for i in range(5):
        e = j.add(Entry(0, 0, "flow", "op", "GET", "/", 200, 0.0))
        j.keep_response(e, [(b"x-a", b"1"), (b"set-cookie", b"s=1")], b'{"i": %d, "token": "t"}' % i)
    assert j.response(1) is None and j.response(2) is None
    headers, body, truncated = j.response(5)  # type: ignore[misc]
    assert truncated is False
    assert body == {"i": 4, "token": fingerprint("t")} and headers == {"x-a": "1", "set-cookie": "<redacted>"}
    j.keep_response(j.add(Entry(0, 0, "flow", "op", "GET", "/", 200, 0.0)), [], b"x" * 80)
    assert j.response(4) is None and j.response(5) is None  # pushed out by bytes
    assert j.response(6) == ({}, "x" * 80, False)
    j.clear()
    assert j.response(6) is None


def test_journal_names_a_clarifai_node_fault(client: TestClient) -> None:
    wf = {"workflows": [{"id": "w", "nodes": [{"id": "a", "model": GENERAL}, {"id": "b", "model": GENERAL}]}]}
    assert client.post("/v2/workflows", json=wf, headers=PAT).status_code == 200
    client.post("/_emulator/faults", json={"id": "node-b", "match": {"node_id": "b"},
                                           "effect": {"type": "node_error", "code": 21313}})
    r = client.post("/v2/workflows/w/results", json={"inputs": [{"data": {"image": {"url": "https://x/y.jpg"}}}]},
                    headers=PAT)
    assert r.status_code == 207
    e = last(client)
    assert e["fault"] == "node-b" and e["extra"]["faults"] == ["node-b"]
    assert e["response"]["body"]["results"][0]["outputs"][1]["status"]["code"] == 21313


def test_journal_splits_injected_latency(client: TestClient) -> None:
    client.put("/_emulator/clock", json={"mode": "scaled", "scale": 1000})
    client.post("/_emulator/faults", json={"id": "slow", "effect": {"type": "latency", "ms": 2000}})
    assert client.get("/").status_code == 200
    e = last(client)
    assert e["fault"] == "slow" and e["extra"]["injected_ms"] == 2000
    assert 0 <= e["extra"]["emulator_ms"] <= e["duration_ms"]


def test_get_ui_serves_the_page_with_a_strict_policy(client: TestClient) -> None:
    r = client.get("/_emulator/ui")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert '<script type="module" src="/_emulator/ui/app.js">' in r.text
    js = client.get("/_emulator/ui/app.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert client.get("/_emulator/ui/style.css").headers["content-type"].startswith("text/css")


@pytest.mark.parametrize("asset", ["nope.js", "..%2fserve.py", "serve.py", "index.html.bak", "APP.JS", "%2e%2e"])
def test_get_ui_asset_unknown_is_404(client: TestClient, asset: str) -> None:
    r = client.get(f"/_emulator/ui/{asset}")
    assert r.status_code == 404


def test_every_script_the_page_imports_is_shipped(client: TestClient) -> None:
    import re

    names = {"app.js"}
    seen: set[str] = set()
    while names - seen:
        name = (names - seen).pop()
        seen.add(name)
        r = client.get(f"/_emulator/ui/{name}")
        assert r.status_code == 200, name
        names |= set(re.findall(r'from "\./([a-z-]+\.js)"', r.text))
    assert {"api.js", "dom.js", "graph.js", "requests.js", "flow.js", "clarifai.js", "coverage.js"} <= seen


def test_layers_put_each_node_after_its_deepest_predecessor() -> None:
    assert layers(["a", "b", "c", "d"], [("a", "b"), ("b", "c"), ("a", "c"), ("x", "d")]) == {
        "a": 0, "b": 1, "c": 2, "d": 0}
    assert layers(["a", "b"], [("a", "b"), ("b", "a")]) == {"a": 0, "b": 1}  # a cycle: list order


def test_dashboard_polling_stays_out_of_the_control_journal(client: TestClient) -> None:
    for path in ("/_emulator/ui", "/_emulator/ui/app.js", "/_emulator/flow/workflows", "/_emulator/clarifai/workflows",
                 "/_emulator/tenants", "/_emulator/clock", "/_emulator/faults", "/_emulator/coverage"):
        assert client.get(path).status_code == 200, path
    client.post("/_emulator/clock/advance", json={"seconds": 1})
    ops = [e["operation"] for e in client.get("/_emulator/control/journal").json()["entries"]]
    assert ops == ["advance_clock"]
