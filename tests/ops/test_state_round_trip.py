"""State you can keep: two tenants of both APIs (a Flow workflow mid-provisioning, a deprovision that ended
202, Clarifai workflows, a registered model and key, fault rules, a manual clock) survive a restart through
`--state-file`, every GET, status and search answering the same; the run in flight then finishes."""
from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

FLOW = "/_plugins/_flow_framework/workflow"
SECRET = "sk-live-do-not-print-42"
PAT = {"authorization": "Key user-pat-1"}
CONNECTOR = {"id": "c1", "type": "create_connector", "user_inputs": {
    "name": "openai", "description": "d", "version": "1", "protocol": "http", "parameters": {"endpoint": "x"},
    "credential": {"openAI_key": SECRET},
    "actions": [{"action_type": "predict", "method": "POST", "url": "https://api.openai.com/v1/embeddings"}]}}
MODEL = {"id": "m1", "type": "register_remote_model", "previous_node_inputs": {"c1": "connector_id"},
         "user_inputs": {"name": "emb"}}
DEPLOY = {"id": "d1", "type": "deploy_model", "previous_node_inputs": {"m1": "model_id"}}
CLARIFAI_WF = {"workflows": [{"id": "wf1", "nodes": [{"id": "general", "model": {
    "id": "aaa03c23b3724a16a56b629203edc62c", "model_version": {"id": "aa9ca48295b37401f8af92ad1af0d91d"}}}]}]}


def _template(name: str, *nodes: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "description": "kept", "workflows": {"provision": {"nodes": list(nodes)}}}


def _strip(body: Any) -> Any:
    """Clarifai answers carry a fresh req_id and Flow searches a `took`: everything else must match."""
    if isinstance(body, dict):
        return {k: _strip(v) for k, v in body.items() if k not in ("req_id", "took")}
    if isinstance(body, list):
        return [_strip(v) for v in body]
    return body


def _answers(c: httpx.Client, tenant: str, wids: list[str]) -> dict[str, Any]:
    h = {"x-emulator-tenant": tenant}
    out: dict[str, Any] = {}
    for wid in wids:
        out[f"get {wid}"] = c.get(f"{FLOW}/{wid}", headers=h).json()
        out[f"status {wid}"] = c.get(f"{FLOW}/{wid}/_status", params={"all": "true"}, headers=h).json()
    for index in ("", "/state"):
        r = c.post(f"{FLOW}{index}/_search", json={"query": {"match_all": {}}}, headers=h)
        out[f"search{index}"] = r.json()
    hc = {**h, **PAT}
    out["clarifai list"] = c.get("/v2/users/me/apps/main/workflows", headers=hc).json()
    out["clarifai get"] = c.get("/v2/users/me/apps/main/workflows/wf1", headers=hc).json()
    out["clarifai versions"] = c.get("/v2/users/me/apps/main/workflows/wf1/versions", headers=hc).json()
    out["clarifai app"] = c.get("/v2/users/me/apps/kept-app", headers=hc).json()
    out["faults"] = c.get("/_emulator/faults", headers=h).json()
    clock = c.get("/_emulator/clock", headers=h).json()
    # the step that was running when the server stopped starts again at load, so its timers restart
    # from the saved instant: their number is kept, their deadlines move
    timers = clock.pop("next_timers_ms", None)
    clock["timers"] = None if timers is None else len(timers)
    out["clock"] = clock if clock["mode"] == "manual" else clock["mode"]
    return _strip(out)


def test_state_file_round_trip_across_a_restart(serve: Any, tmp_path: Path) -> None:
    state_file = tmp_path / "state" / "emulator.json"
    s1 = serve("--state-file", str(state_file))
    url = f"http://127.0.0.1:{s1.ports['HTTP']}"
    a, b = {"x-emulator-tenant": "tenant-a"}, {"x-emulator-tenant": "tenant-b"}
    with httpx.Client(base_url=url, timeout=30) as c:
        # tenant A: manual clock, a three-step workflow stopped after its first step
        assert c.put("/_emulator/clock", json={"mode": "manual"}, headers=a).status_code == 200
        wa = c.post(FLOW, json=_template("mid", CONNECTOR, MODEL, DEPLOY), headers=a).json()["workflow_id"]
        assert c.post(f"{FLOW}/{wa}/_provision", headers=a).status_code == 202
        c.post("/_emulator/clock/advance", json={"seconds": 0.1}, headers=a)
        mid = c.get(f"{FLOW}/{wa}/_status", params={"all": "true"}, headers=a).json()
        assert mid["state"] == "PROVISIONING" and [r["resource_type"] for r in mid["resources_created"]] == [
            "connector_id"]
        assert c.post("/v2/users/me/apps/main/workflows", json=CLARIFAI_WF, headers={**a, **PAT}).status_code == 200
        app = {"apps": [{"id": "kept-app", "description": "made by PostApps", "default_workflow_id": "General"}]}
        assert c.post("/v2/users/me/apps", json=app, headers={**a, **PAT}).status_code == 200
        rule = {"match": {"operation": "delete_workflow"}, "effect": {"type": "error", "status": 503}, "count": 7}
        assert c.post("/_emulator/faults", json=rule, headers=a).status_code == 201
        # tenant B: real clock, a deprovision that ends 202 because the connector refuses deletion
        wb = c.post(FLOW, json=_template("partial", CONNECTOR), headers=b).json()["workflow_id"]
        # synchronous provisioning (wait_for_completion_timeout) answers once the run is over: no polling
        done_b = c.post(f"{FLOW}/{wb}/_provision", params={"wait_for_completion_timeout": "20s"}, headers=b)
        assert done_b.json()["state"] == "COMPLETED", done_b.text
        refuse = {"match": {"phase": "deprovision", "resource_type": "connector_id"},
                  "effect": {"type": "step_error", "status": 409}}
        assert c.post("/_emulator/faults", json=refuse, headers=b).status_code == 201
        assert c.post(f"{FLOW}/{wb}/_deprovision", headers=b).status_code == 202
        assert c.post("/v2/users/me/apps/main/workflows", json=CLARIFAI_WF, headers={**b, **PAT}).status_code == 200
        before = {"a": _answers(c, "tenant-a", [wa]), "b": _answers(c, "tenant-b", [wb])}
        assert before["a"]["clarifai app"]["app"]["description"] == "made by PostApps"
        printed = c.get("/_emulator/state", params={"all": "true"}).content
        assert SECRET.encode() not in printed  # secrets are stored, never printed
    s1.stop()  # SIGTERM: a clean shutdown saves the file
    assert "state saved to" in s1.wait_for("state saved to", timeout=5)
    assert stat.S_IMODE(os.stat(state_file).st_mode) == 0o600
    assert sorted(t["tenant"] for t in orjson.loads(state_file.read_bytes())["tenants"]) == ["tenant-a", "tenant-b"]

    s2 = serve("--state-file", str(state_file))
    with httpx.Client(base_url=f"http://127.0.0.1:{s2.ports['HTTP']}", timeout=30) as c:
        after = {"a": _answers(c, "tenant-a", [wa]), "b": _answers(c, "tenant-b", [wb])}
        for tenant, answers in before.items():
            for what, body in answers.items():
                assert after[tenant][what] == body, (tenant, what)
        # the provisioning run resumes: the connector made before the restart is kept, the rest is made now
        c.post("/_emulator/clock/advance", json={"seconds": 5}, headers=a)
        done = c.get(f"{FLOW}/{wa}/_status", params={"all": "true"}, headers=a).json()
        assert done["state"] == "COMPLETED"
        assert done["resources_created"][0] == mid["resources_created"][0]
        assert [r["resource_type"] for r in done["resources_created"]] == ["connector_id", "model_id", "model_id"]


def test_state_document_reloads_through_seed_into_another_tenant(serve: Any) -> None:
    s = serve()
    with httpx.Client(base_url=f"http://127.0.0.1:{s.ports['HTTP']}", timeout=30) as c:
        a, b = {"x-emulator-tenant": "src"}, {"x-emulator-tenant": "copy"}
        c.put("/_emulator/clock", json={"mode": "manual", "now_ms": 1_800_000_000_000}, headers=a)
        wid = c.post(FLOW, json=_template("seeded", CONNECTOR), headers=a).json()["workflow_id"]
        c.post("/v2/users/me/apps/main/workflows", json=CLARIFAI_WF, headers={**a, **PAT})
        doc = c.get("/_emulator/state", headers=a).json()
        assert SECRET not in orjson.dumps(doc).decode()
        assert c.post("/_emulator/seed", json=doc, headers=b).json() == {"loaded": ["copy"]}
        assert _answers(c, "copy", [wid]) == _answers(c, "src", [wid])
        bad = c.post("/_emulator/seed", json={"format": "workflow-emulator/state@1", "tenants": [{"tenant": "x"}]})
        assert bad.status_code == 400 and "malformed state of tenant 'x'" in bad.json()["error"]


@pytest.mark.parametrize("content", [b"{not json", b"[1]"])
def test_a_broken_state_file_stops_the_server_with_one_line(serve: Any, tmp_path: Path, content: bytes) -> None:
    import subprocess
    import sys

    path = tmp_path / "state.json"
    path.write_bytes(content)
    proc = subprocess.run([sys.executable, "-m", "emulator", "serve", "--port", "0", "--grpc-port", "0",
                           "--state-file", str(path)], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert f"state file {path}" in proc.stderr
    assert path.read_bytes() == content  # never overwritten by the shutdown that follows
