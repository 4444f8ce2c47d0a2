"""Flow step faults with opensearch-py against a live emulator (manual clock per tenant)."""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from emulator.admin_client import EmulatorAdminError, EmulatorTenant
from emulator.testing import while_advancing

CONNECTOR = {"id": "create_connector", "type": "create_connector", "user_inputs": {
    "name": "OpenAI Chat Connector", "description": "The connector to public OpenAI model service for GPT 3.5",
    "version": "1", "protocol": "http",
    "parameters": {"endpoint": "api.openai.com", "model": "gpt-3.5-turbo"},
    "credential": {"openAI_key": "sk-very-secret"},
    "actions": [{"action_type": "predict", "method": "POST",
                 "url": "https://${parameters.endpoint}/v1/chat/completions"}]}}
REGISTER = {"id": "register_model", "type": "register_remote_model",
            "previous_node_inputs": {"create_connector": "connector_id"},
            "user_inputs": {"name": "openAI-gpt-3.5-turbo", "function_name": "remote",
                            "description": "test model"}}
DEPLOY = {"id": "deploy_model", "type": "deploy_model", "previous_node_inputs": {"register_model": "model_id"}}


def template(*nodes: dict[str, Any]) -> dict[str, Any]:
    return {"name": "fault-demo", "description": "control-plane fault test", "use_case": "REGISTER_MODEL",
            "version": {"template": "1.0.0", "compatibility": ["2.12.0", "3.0.0"]},
            "workflows": {"provision": {"nodes": list(nodes)}}}


@pytest.fixture
def t(emulator_tenant: EmulatorTenant) -> EmulatorTenant:
    try:
        emulator_tenant.admin.request("GET", "/_emulator/health")
    except EmulatorAdminError as exc:
        if "flow" in str(exc.body):
            pytest.skip("the Flow API routes are not mounted yet")
    emulator_tenant.clock.manual()
    return emulator_tenant


def advancing(t: EmulatorTenant, call: Callable[[], Any], step_s: float = 1.0, limit_s: float = 600) -> Any:
    """A blocking client call whose server side waits on the tenant's manual clock."""
    return while_advancing(call, lambda: t.clock.get()["pending_sleepers"] > 0, t.clock.advance, step_s, limit_s)


def provision_and_settle(t: EmulatorTenant, client: Any, wid: str) -> dict[str, Any]:
    client.plugins.flow_framework.provision(workflow_id=wid)
    t.clock.advance(120)  # every step's simulated latency has elapsed
    status: dict[str, Any] = client.plugins.flow_framework.get_status(workflow_id=wid)
    return status


def test_provision_workflow_step_fault_at_deploy_model_fails_with_two_resources(t: EmulatorTenant) -> None:
    client = t.opensearch()
    t.faults.add(match={"step_type": "deploy_model"},
                 effect={"type": "step_error", "status": 500, "message": "Failed to deploy model"})
    wid = client.plugins.flow_framework.create(body=template(CONNECTOR, REGISTER, DEPLOY))["workflow_id"]
    status = provision_and_settle(t, client, wid)
    assert status["state"] == "FAILED"
    assert status["error"] == ("WorkflowStepException during step deploy_model, Failed to deploy model, "
                               "restStatus: INTERNAL_SERVER_ERROR")
    resources = {(r["workflow_step_name"], r["workflow_step_id"], r["resource_type"])
                 for r in status["resources_created"]}
    assert resources == {("create_connector", "create_connector", "connector_id"),
                         ("register_remote_model", "register_model", "model_id")}
    assert len(status["resources_created"]) == 2
    rule = t.faults.list()[0]
    assert (rule["matched"], rule["fired"]) == (1, 1)

    body = advancing(t, lambda: client.plugins.flow_framework.deprovision(workflow_id=wid))
    assert body == {"workflow_id": wid}
    assert [e["status"] for e in t.journal(operation="deprovision_workflow")] == [200]
    after = client.plugins.flow_framework.get_status(workflow_id=wid)
    assert after == {"workflow_id": wid, "state": "NOT_STARTED"}


def test_deprovision_workflow_connector_delete_fault_count_2_answers_202_202_200(t: EmulatorTenant) -> None:
    client = t.opensearch()
    wid = client.plugins.flow_framework.create(body=template(CONNECTOR))["workflow_id"]
    status = provision_and_settle(t, client, wid)
    assert status["state"] == "COMPLETED" and len(status["resources_created"]) == 1
    connector_id = status["resources_created"][0]["resource_id"]
    t.faults.add(match={"phase": "deprovision", "resource_type": "connector_id"},
                 effect={"type": "step_error", "status": 409, "message": "connector in use"}, count=2)
    bodies = [advancing(t, lambda: client.plugins.flow_framework.deprovision(workflow_id=wid))
              for _ in range(3)]
    refused = {"error": f"Failed to deprovision some resources: [connector_id {connector_id}]."}
    assert bodies == [refused, refused, {"workflow_id": wid}]
    assert [e["status"] for e in t.journal(operation="deprovision_workflow")] == [202, 202, 200]
    rule = t.faults.list()[0]
    assert (rule["fired"], rule["exhausted"]) == (2, True)


def test_create_workflow_journal_redacts_credentials_and_authorization(t: EmulatorTenant) -> None:
    client = t.opensearch(http_auth=("admin", "s3cret"))
    client.plugins.flow_framework.create(body=template(CONNECTOR))
    entry = t.journal(operation="create_workflow")[-1]
    assert entry["status"] == 201 and entry["headers"]["authorization"].startswith("<redacted sha256:")
    node = entry["request"]["workflows"]["provision"]["nodes"][0]
    assert all(v.startswith("<redacted sha256:") for v in node["user_inputs"]["credential"].values())
    assert "sk-very-secret" not in str(t.journal()) and "s3cret" not in str(t.journal())


def test_get_workflow_one_off_fault_header_fails_only_that_request(t: EmulatorTenant) -> None:
    client = t.opensearch()
    wid = client.plugins.flow_framework.create(body=template(CONNECTOR))["workflow_id"]
    import opensearchpy

    with pytest.raises(opensearchpy.TransportError) as exc:
        client.plugins.flow_framework.get(workflow_id=wid, headers={
            "x-emulator-fault": '{"type": "error", "status": 503, "message": "shard unavailable"}'})
    assert exc.value.status_code == 503 and exc.value.info == {"error": "shard unavailable"}
    assert client.plugins.flow_framework.get(workflow_id=wid)["name"] == "fault-demo"


def test_get_coverage_reports_exercised_and_never_seen_flow_operations(t: EmulatorTenant) -> None:
    client = t.opensearch()
    wid = client.plugins.flow_framework.create(body=template(CONNECTOR))["workflow_id"]
    client.plugins.flow_framework.get(workflow_id=wid)
    import opensearchpy

    with pytest.raises(opensearchpy.NotFoundError):
        client.plugins.flow_framework.get(workflow_id="nope-nope-nope")
    flow = t.coverage()["apis"]["flow"]
    ops = {o["operation"]: o for o in flow["operations"]}
    assert ops["create_workflow"]["statuses_seen"] == [201]
    assert ops["get_workflow"]["statuses_seen"] == [200, 404]
    assert not ops["provision_workflow"]["exercised"] and ops["provision_workflow"]["calls"] == 0
    assert [e["status"] for e in flow["errors_seen"]] == [404]
    assert flow["summary"]["operations_exercised"] == 2
    assert flow["summary"]["errors_never_seen"] < flow["summary"]["errors_known"]


def test_get_workflow_drop_fault_is_a_connection_error_for_opensearch_py(t: EmulatorTenant) -> None:
    import opensearchpy

    client = t.opensearch()
    wid = client.plugins.flow_framework.create(body=template(CONNECTOR))["workflow_id"]
    t.faults.add(match={"operation": "get_workflow"}, effect={"type": "drop"}, count=1)
    with pytest.raises(opensearchpy.ConnectionError):
        client.plugins.flow_framework.get(workflow_id=wid)
    assert client.plugins.flow_framework.get(workflow_id=wid)["name"] == "fault-demo"
    assert [e["status"] for e in t.journal(operation="get_workflow")] == [0, 200]


def test_reset_cancels_in_flight_provisioning_cleanly(t: EmulatorTenant) -> None:
    import opensearchpy

    client = t.opensearch()
    wid = client.plugins.flow_framework.create(body=template(CONNECTOR, REGISTER, DEPLOY))["workflow_id"]
    client.plugins.flow_framework.provision(workflow_id=wid)
    assert client.plugins.flow_framework.get_status(workflow_id=wid)["state"] == "PROVISIONING"
    assert t.state()["in_flight"] >= 1
    out = t.reset()
    assert out["reset"] == [t.name] and out["cancelled"] >= 1
    with pytest.raises(opensearchpy.NotFoundError):
        client.plugins.flow_framework.get_status(workflow_id=wid)
    assert t.state()["in_flight"] == 0 and t.clock.get()["mode"] == "real"  # a fresh tenant


def test_seed_flow_templates_then_dump_state(t: EmulatorTenant) -> None:
    out = t.seed({"flow": {"workflows": [template(CONNECTOR), {"name": "second"}]}})
    assert len(out["flow_workflows"]) == 2 and [r["status"] for r in out["results"]] == [201, 201]
    client = t.opensearch()
    assert client.plugins.flow_framework.get(workflow_id=out["flow_workflows"][1])["name"] == "second"
    assert [e["operation"] for e in t.journal()] == ["get_workflow"]  # seeding is not journaled
    dump = t.state()
    assert dump["tenant"] == t.name and "flow" in dump
    assert set(out["flow_workflows"]) <= set(str(dump["flow"]).replace("'", " ").split())
    bad = t.admin.request  # a refused seed request reports which one and why
    with pytest.raises(EmulatorAdminError) as exc:
        bad("POST", "/_emulator/seed", {"flow": {"workflows": [{"workflows": "nope"}]}})
    assert exc.value.status == 422 and "POST /_plugins/_flow_framework/workflow -> 400" in exc.value.body["error"]


def test_reset_releases_a_deprovision_request_waiting_on_the_manual_clock(t: EmulatorTenant) -> None:
    client = t.opensearch()
    wid = client.plugins.flow_framework.create(body=template(CONNECTOR))["workflow_id"]
    provision_and_settle(t, client, wid)
    out: list[Any] = []
    worker = threading.Thread(target=lambda: out.append(client.plugins.flow_framework.deprovision(workflow_id=wid)))
    worker.start()
    while worker.is_alive() and not t.clock.get()["pending_sleepers"]:
        worker.join(0.005)
    assert t.clock.get()["pending_sleepers"] == 1  # the deprovision request is parked on the clock
    t.reset()
    worker.join(10)
    assert not worker.is_alive() and out == [{"workflow_id": wid}]


def test_create_workflow_429_fault_has_retry_after_and_plugin_error_shape(t: EmulatorTenant) -> None:
    import httpx

    t.faults.add(match={"api": "flow", "operation": "create_workflow"}, count=1,
                 effect={"type": "error", "status": 429, "message": "Too many provisioning requests",
                         "retry_after": 3})
    url = t.url + "/_plugins/_flow_framework/workflow"
    r = httpx.post(url, json=template(CONNECTOR), headers=t.headers)
    assert r.status_code == 429 and r.headers["retry-after"] == "3"
    assert r.json() == {"error": "Too many provisioning requests"}
    assert httpx.post(url, json=template(CONNECTOR), headers=t.headers).status_code == 201
