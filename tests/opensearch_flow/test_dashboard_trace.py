"""GET /_emulator/flow/workflows: node states of a provisioning run and deprovision timelines (the
dashboard's Flow view), recorded on the tenant clock."""
from __future__ import annotations

from typing import Any

from emulator.opensearch_flow import trace
from tests.opensearch_flow.flow_builders import FlowApi, connector, deploy, model, noop, template


def view(flow: FlowApi, wid: str) -> dict[str, Any]:
    r = flow.client.get("/_emulator/flow/workflows", headers=flow.headers)
    assert r.status_code == 200, r.text
    return next(w for w in r.json()["workflows"] if w["workflow_id"] == wid)


def r_text(flow: FlowApi) -> str:
    return flow.client.get("/_emulator/flow/workflows", headers=flow.headers).text


def test_list_flow_workflows_node_states_of_a_failed_run(flow: FlowApi) -> None:
    flow.client.post("/_emulator/faults", json={"id": "boom", "on": "flow_step", "effect": {
        "type": "step_error", "message": "no GPU"}, "match": {"phase": "provision", "node_id": "register_model_1"}})
    wid = flow.create_id(template(connector(), model(), deploy()), provision="true")
    running = view(flow, wid)["provisioning"]["nodes"]
    assert running["create_connector_1"]["state"] == trace.RUNNING
    assert running["register_model_1"]["state"] == trace.PENDING  # waits for its predecessor
    flow.advance(10)
    w = view(flow, wid)
    nodes = w["provisioning"]["nodes"]
    assert nodes["create_connector_1"]["state"] == trace.COMPLETED
    assert nodes["register_model_1"]["state"] == trace.FAILED
    assert nodes["register_model_1"]["fault"] == "boom"
    assert "no GPU" in nodes["register_model_1"]["error"]
    assert nodes["deploy_model_1"]["state"] == trace.NOT_RUN
    assert w["state"]["state"] == "FAILED" and w["provisioning"]["ended_ms"] is not None
    # the connector started at once and took its 80 ms of simulated latency on the manual clock
    c = nodes["create_connector_1"]
    assert c["ended_ms"] - c["started_ms"] == 80
    cols = {n["id"]: (n["layer"], n["row"]) for n in w["graph"]["nodes"]}
    assert cols == {"create_connector_1": (0, 0), "register_model_1": (1, 0), "deploy_model_1": (2, 0)}
    assert {"source": "create_connector_1", "dest": "register_model_1"} in w["graph"]["edges"]
    # credentials never leave through the dashboard either (the template is shown as GET renders it)
    inputs = next(n for n in w["graph"]["nodes"] if n["id"] == "create_connector_1")["user_inputs"]
    assert "credential" not in inputs and inputs["name"] == "Test connector"
    assert "sk-secret" not in r_text(flow)


def test_list_flow_workflows_deprovision_timeline_202_then_200(flow: FlowApi) -> None:
    wid, _ = flow.provisioned(template(connector(), model()))
    flow.client.post("/_emulator/faults", json={"id": "busy", "on": "flow_step", "count": 2, "effect": {
        "type": "step_error", "message": "in use"}, "match": {"phase": "deprovision", "node_id": "create_connector_1"}})
    assert flow.deprovision(wid).status_code == 202
    assert flow.deprovision(wid).status_code == 200
    first, second = view(flow, wid)["deprovisions"]
    assert first["status"] == 202 and "Failed to deprovision some resources" in first["message"]
    kinds = [(e["type"], e.get("outcome") or e.get("seconds") or e.get("n")) for e in first["events"]]
    assert kinds == [("pass", 1), ("attempt", "deleted"), ("pause", 0.1), ("attempt", "refused"),
                     ("pause", 1.0), ("pass", 2), ("attempt", "refused")]
    refused = [e for e in first["events"] if e.get("outcome") == "refused"]
    assert all(e["fault"] == "busy" and e["error"] == "in use" for e in refused)
    t0 = first["started_ms"]
    # delete_model 50 ms, 100 ms pause, delete_connector 40 ms, 1 s pause, delete_connector 40 ms
    assert [e["at_ms"] - t0 for e in first["events"]] == [0, 50, 50, 190, 190, 1190, 1230]
    assert first["ended_ms"] - t0 == 1230
    assert second["status"] == 200 and second["message"] is None
    assert [e.get("outcome") for e in second["events"] if e["type"] == "attempt"] == ["deleted"]


def test_list_flow_workflows_deprovision_403_lists_skipped(flow: FlowApi) -> None:
    wid, _ = flow.provisioned(template(noop("n"), {"id": "create_index", "type": "create_index", "user_inputs": {
        "index_name": "ix", "configurations": {"settings": {}, "mappings": {}}}}))
    assert flow.deprovision(wid).status_code == 403
    (call,) = view(flow, wid)["deprovisions"]
    assert call["status"] == 403
    assert call["events"][0]["type"] == "skipped" and call["events"][0]["resources"][0].startswith("index_name ix")


def test_flow_trace_is_bounded() -> None:
    now = [0]
    t = trace.FlowTrace(lambda: now[0])
    for _ in range(trace.CALLS_KEPT + 3):
        call = t.deprovision_started("w", set())
        for _ in range(trace.EVENTS_KEPT + 2):
            t.event(call, "pause", seconds=0.1)
        t.deprovision_ended(call, 200)
    calls = t.dump("w")["deprovisions"]
    assert len(calls) == trace.CALLS_KEPT
    assert len(calls[-1]["events"]) == trace.EVENTS_KEPT and calls[-1]["events_dropped"] == 2
    for i in range(trace.WORKFLOWS_KEPT + 5):
        t.provision_started(f"w{i}", ["a"], False)
    assert len(t.runs) == trace.WORKFLOWS_KEPT and "w0" not in t.runs
