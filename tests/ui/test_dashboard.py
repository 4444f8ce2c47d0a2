"""The dashboard at /_emulator/ui in a real browser against a live emulator (manual clock):
a Flow provisioning with a failing step and two deprovision calls (202 then 200), a Clarifai
predict whose node fault is named in the request list, coverage's never-seen errors, and the
clock's advance button releasing a deprovision that waits on the clock."""
from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest

from emulator.admin_client import EmulatorTenant
from emulator.clarifai.errors import BY_NAME
from emulator.testing import while_advancing

FLOW = "/_plugins/_flow_framework/workflow"
PAT = {"Authorization": "Key ui-test-pat"}
GENERAL = ("aaa03c23b3724a16a56b629203edc62c", "aa9ca48295b37401f8af92ad1af0d91d")
DETECTOR = ("general-image-detection", "1580bb1932594c93b7e2e04456af7c6f")


def flow_template(*nodes: dict[str, Any]) -> dict[str, Any]:
    return {"name": "ui-rag", "description": "dashboard test", "use_case": "TEST",
            "workflows": {"provision": {"nodes": list(nodes)}}}


CONNECTOR = {"id": "create_connector_1", "type": "create_connector", "user_inputs": {
    "name": "c", "description": "d", "version": "1", "protocol": "http", "parameters": {"endpoint": "x"},
    "credential": {"key": "sk-secret"}, "actions": [{"action_type": "predict", "method": "POST", "url": "https://x"}]}}
MODEL = {"id": "register_model_1", "type": "register_remote_model", "user_inputs": {"name": "m", "function_name": "remote"},
         "previous_node_inputs": {"create_connector_1": "connector_id"}}
DEPLOY = {"id": "deploy_model_1", "type": "deploy_model", "previous_node_inputs": {"register_model_1": "model_id"}}


def pending(t: EmulatorTenant) -> bool:
    return int(t.clock.get()["pending_sleepers"]) > 0


def deprovision(t: EmulatorTenant, workflow_id: str) -> httpx.Response:
    """One deprovision call, the manual clock advanced while it waits between passes."""
    with httpx.Client(base_url=t.url, headers=t.headers, timeout=30) as http:
        return while_advancing(lambda: http.post(f"{FLOW}/{workflow_id}/_deprovision"), lambda: pending(t),
                               t.clock.advance)


def test_flow_failed_step_then_deprovision_202_and_200(ui: Any, tenant: EmulatorTenant) -> None:
    client = tenant.opensearch()
    tenant.faults.add({"id": "deploy-fails", "on": "flow_step", "match": {"phase": "provision", "node_id": "deploy_model_1"},
                       "effect": {"type": "step_error", "status": 500, "message": "GPU quota exhausted"}})
    created = client.transport.perform_request("POST", FLOW, body=flow_template(CONNECTOR, MODEL, DEPLOY),
                                               params={"provision": "true"})
    wid = created["workflow_id"]
    page = ui.open("flow", tenant.name)
    # live: the run waits on the manual clock, so the page shows it in progress first
    page.locator('g.node[data-node="create_connector_1"][data-state="RUNNING"]').wait_for()
    ui.shot("flow-1-provisioning")
    tenant.clock.advance(5)
    page.locator('g.node[data-node="deploy_model_1"][data-state="FAILED"]').wait_for()
    assert page.locator('g.node[data-node="create_connector_1"]').get_attribute("data-state") == "COMPLETED"
    assert "GPU quota exhausted" in page.locator(".state-error").inner_text()
    assert "fault deploy-fails" in page.locator('tr[data-node="deploy_model_1"]').inner_text()
    assert "connector_id:" in page.locator('tr[data-node="create_connector_1"]').inner_text()
    ui.shot("flow-2-failed-step")

    tenant.faults.add({"id": "connector-busy", "on": "flow_step", "count": 2,
                       "match": {"phase": "deprovision", "node_id": "create_connector_1"},
                       "effect": {"type": "step_error", "message": "connector is in use"}})
    first = deprovision(tenant, wid)
    assert first.status_code == 202, first.text
    second = deprovision(tenant, wid)
    assert second.status_code == 200, second.text
    page.locator('.deprovision[data-status="200"]').wait_for()
    calls = page.locator(".deprovision")
    assert calls.count() == 2
    accepted = page.locator('.deprovision[data-status="202"]').inner_text()
    # pass 1 deletes the model, refuses the connector, pauses 1 s; pass 2 refuses again and stops
    assert "Pass 1" in accepted and "Pass 2" in accepted and "Pass 3" not in accepted
    assert "✓ deleted model_id" in accepted and accepted.count("✗ refused connector_id") == 2
    assert "pause 100 ms" in accepted and "pause 1 s (between passes)" in accepted
    assert "202 Accepted" in accepted and "Failed to deprovision some resources" in accepted
    done = page.locator('.deprovision[data-status="200"]').inner_text()
    assert "✓ deleted connector_id" in done and "200 OK" in done
    page.locator('.deprovision[data-status="202"]').scroll_into_view_if_needed()
    ui.shot("flow-3-deprovision-timelines")


def test_clarifai_node_fault_named_in_request_list(ui: Any, tenant: EmulatorTenant) -> None:
    http = httpx.Client(base_url=tenant.url, headers={**PAT, **tenant.headers})
    nodes = [{"id": "classify", "model": {"id": GENERAL[0], "model_version": {"id": GENERAL[1]}}},
             {"id": "detect", "model": {"id": DETECTOR[0], "model_version": {"id": DETECTOR[1]}}}]
    assert http.post("/v2/workflows", json={"workflows": [{"id": "ui-wf", "nodes": nodes}]}).status_code == 200
    code = BY_NAME["MODEL_PREDICTION_FAILED"].code
    tenant.faults.add({"id": "detector-down", "match": {"node_id": "detect"}, "effect": {"type": "node_error", "code": code}})
    r = http.post("/v2/workflows/ui-wf/results",
                  json={"inputs": [{"data": {"image": {"url": "https://samples.clarifai.com/metro-north.jpg"}}}]})
    assert r.status_code == 207
    page = ui.open("requests", tenant.name)
    row = page.locator("tr.req", has_text="post_workflow_results")
    row.wait_for()
    assert "fault detector-down" in row.inner_text()
    page.get_by_label("Status class").select_option("s2")
    assert page.locator("tr.req", has_text="post_workflow_results").count() == 1  # 207 is a 2xx
    page.get_by_label("Filter text").fill("detector-down")
    assert page.locator("tr.req").count() == 1
    page.locator("tr.req").first.focus()
    page.keyboard.press("Enter")
    detail = page.locator("aside.detail")
    detail.get_by_text("Fault rule").wait_for()
    text = detail.inner_text()
    assert "detector-down" in text and "node_error" in text and "Mixed Success" in text
    assert '"authorization": "<redacted' in text and "ui-test-pat" not in text
    assert "emulator" in detail.locator(".card", has_text="Latency").inner_text()
    ui.shot("clarifai-1-request-with-node-fault")
    page.keyboard.press("Escape")
    assert detail.is_hidden()

    page.keyboard.press("4")
    page.locator('g.node[data-node="detect"][data-state="FAILED"]').wait_for()
    per_node = page.locator("table.per-node").inner_text()
    assert str(code) in per_node and "10000" in per_node
    assert "READY" in page.locator(".card", has_text="Models").inner_text()
    ui.shot("clarifai-2-workflow-graph")

    # a second version chains a suppressed classifier after the detector (its crops); the first stays drawable
    chained = [*nodes, {"id": "again", "model": nodes[0]["model"], "node_inputs": [{"node_id": "detect"}],
                        "suppress_output": True}]
    patched = http.patch("/v2/workflows", json={"action": "overwrite", "workflows": [{"id": "ui-wf", "nodes": chained}]})
    assert patched.status_code == 200, patched.text
    page.locator('g.node[data-node="again"]').wait_for()
    assert "suppressed" in page.locator('table.clarifai-nodes tr[data-node="again"]').inner_text()
    assert page.locator("tr[data-version]").count() == 2
    page.locator("tr[data-version]").nth(1).get_by_role("button", name="Show graph").click()
    page.locator('g.node[data-node="again"]').wait_for(state="detached")
    assert page.locator("g.node").count() == 2
    ui.shot("clarifai-3-older-version")


def test_coverage_lists_never_seen_errors(ui: Any, tenant: EmulatorTenant) -> None:
    client = tenant.opensearch()
    client.transport.perform_request("POST", FLOW, body=flow_template(CONNECTOR))
    with pytest.raises(Exception):  # noqa: B017 - any client error: the 404 is what coverage must show
        client.transport.perform_request("GET", f"{FLOW}/nope-not-there")
    report = tenant.coverage()["apis"]["flow"]
    page = ui.open("coverage", tenant.name)
    page.locator('tr[data-operation="create_workflow"] td[data-cls="2xx"] .count').wait_for()
    assert page.locator('tr[data-operation="create_workflow"] td[data-cls="2xx"] .count').inner_text() == "1"
    assert page.locator('tr[data-operation="get_workflow"] td[data-cls="4xx"] .count').inner_text() == "1"
    never = page.locator('table.never-seen[data-api="flow"] tbody tr')
    assert never.count() == len(report["errors_never_seen"]) > 0
    listed = page.locator('table.never-seen[data-api="flow"]').inner_text()
    for e in report["errors_never_seen"][:5]:
        assert e["constructor"] in listed
    seen = [e["message"] for e in report["errors_seen"]]
    assert seen and all(m not in listed for m in seen if m)
    ui.shot("coverage-1-heatmap-never-seen", full_page=False)


def test_clock_advance_button_releases_waiting_deprovision(ui: Any, tenant: EmulatorTenant) -> None:
    client = tenant.opensearch()
    wid = client.transport.perform_request("POST", FLOW, body=flow_template(CONNECTOR), params={"provision": "true"})[
        "workflow_id"]
    tenant.clock.advance(1)
    assert client.transport.perform_request("GET", f"{FLOW}/{wid}/_status")["state"] == "COMPLETED"
    out: dict[str, Any] = {}
    worker = threading.Thread(target=lambda: out.update(
        body=client.transport.perform_request("POST", f"{FLOW}/{wid}/_deprovision")), daemon=True)
    worker.start()
    page = ui.open("tenants", tenant.name)
    page.locator('dd[data-pending="1"]').wait_for()  # the deprovision waits on the tenant clock
    assert worker.is_alive()
    ui.shot("clock-1-deprovision-waiting")
    page.get_by_role("button", name="+1 s").click()
    worker.join(10)
    assert out.get("body") == {"workflow_id": wid}
    page.locator('dd[data-pending="0"]').wait_for()
    ui.shot("clock-2-released")
    page.keyboard.press("3")
    page.locator('.deprovision[data-status="200"]').wait_for()


def test_tenants_view_adds_deletes_and_clears_fault_rules_then_resets(ui: Any, tenant: EmulatorTenant) -> None:
    page = ui.open("tenants", tenant.name)
    rule = page.get_by_label("New fault rule (JSON)")
    rule.fill('{"id": "info-503", "match": {"operation": "get_cluster_info"}, '
              '"effect": {"type": "error", "status": 503}}')
    page.get_by_role("button", name="Add rule").click()
    row = page.locator('tr[data-fault="info-503"]')
    row.wait_for()
    assert httpx.get(tenant.url + "/", headers=tenant.headers).status_code == 503
    page.locator('tr[data-fault="info-503"] td:nth-child(7)', has_text="1").wait_for()  # fired
    assert [c.inner_text() for c in row.locator("td").all()[5:7]] == ["1", "1"]  # matched, fired
    ui.shot("tenants-1-fault-rule-fired")
    page.get_by_role("button", name="Delete fault info-503").click()
    row.wait_for(state="detached")
    assert tenant.faults.list() == []
    rule.fill('[{"id": "a", "effect": {"type": "drop"}}, {"id": "b", "effect": {"type": "drop"}}]')
    page.get_by_role("button", name="Add rule").click()
    page.locator('tr[data-fault="b"]').wait_for()
    page.get_by_role("button", name="Clear all rules").click()
    page.get_by_text("No fault rules.").wait_for()
    rule.fill("{not json")
    page.get_by_role("button", name="Add rule").click()
    page.locator("#status.error", has_text="not valid JSON").wait_for()
    reset = page.get_by_role("button", name=f"Reset tenant {tenant.name}")
    reset.click()
    page.get_by_role("button", name="Click again to reset").click()
    page.locator("#status", has_text=f"tenant {tenant.name} reset").wait_for()
    assert tenant.journal() == []
