"""Clarifai faults with the official clarifai-grpc client (JSON channel and real gRPC) against a
live emulator, through the pytest plugin's `emulator_tenant` handle."""
from __future__ import annotations

from typing import Any

import pytest
from clarifai_grpc.grpc.api import resources_pb2, service_pb2
from clarifai_grpc.grpc.api.status import status_code_pb2

from emulator.admin_client import EmulatorTenant

APP = resources_pb2.UserAppIDSet(user_id="me", app_id="main")
IMAGE_URLS = [f"https://samples.clarifai.com/img-{i}.jpg" for i in range(4)]


@pytest.fixture
def t(emulator_tenant: EmulatorTenant) -> EmulatorTenant:
    if emulator_tenant.admin.request("GET", "/_emulator/info")["ports"].get("grpc") is None:
        pytest.skip("gRPC front end not running")
    emulator_tenant.clock.manual()
    for mid, concepts in (("detector-a", ["cat", "dog"]), ("classifier-b", ["red", "blue"])):
        emulator_tenant.register_model({"id": mid, "model_type_id": "visual-classifier", "concepts": concepts})
    return emulator_tenant


def _create_two_node_workflow(stub: Any, t: EmulatorTenant, wf_id: str = "two-nodes") -> None:
    resp = stub.PostWorkflows(service_pb2.PostWorkflowsRequest(user_app_id=APP, workflows=[
        resources_pb2.Workflow(id=wf_id, nodes=[
            resources_pb2.WorkflowNode(id="1", model=resources_pb2.Model(id="detector-a")),
            resources_pb2.WorkflowNode(id="2", model=resources_pb2.Model(id="classifier-b")),
        ])]), metadata=t.metadata)
    assert resp.status.code == status_code_pb2.SUCCESS, resp.status


def _predict(stub: Any, t: EmulatorTenant, wf_id: str = "two-nodes", n: int = 4) -> Any:
    inputs = [resources_pb2.Input(data=resources_pb2.Data(image=resources_pb2.Image(url=u)))
              for u in IMAGE_URLS[:n]]
    return stub.PostWorkflowResults(service_pb2.PostWorkflowResultsRequest(
        user_app_id=APP, workflow_id=wf_id, inputs=inputs), metadata=t.metadata)


def test_post_workflow_results_node_fault_for_one_input_is_mixed_status(t: EmulatorTenant) -> None:
    stub = t.clarifai_json_stub()
    _create_two_node_workflow(stub, t)
    clean = _predict(stub, t)
    # node "2" fails for the third input (input_index is 0-based)
    t.faults.add(match={"node_id": "2", "input_index": 2},
                 effect={"type": "node_error", "code": 21313, "details": "injected"})
    resp = _predict(stub, t)
    assert resp.status.code == status_code_pb2.MIXED_STATUS and resp.status.description == "Mixed Success"
    statuses = [[o.status.code for o in r.outputs] for r in resp.results]
    assert statuses == [[10000, 10000], [10000, 10000], [10000, 21313], [10000, 10000]]
    failed = resp.results[2]
    assert failed.status.code == status_code_pb2.MIXED_STATUS
    assert failed.outputs[1].status.description == "Model prediction failed"
    assert failed.outputs[1].status.details == "injected" and not failed.outputs[1].data.concepts
    # every other output is exactly what an unfaulted call returns (deterministic predictions)
    for i, (r, c) in enumerate(zip(resp.results, clean.results, strict=False)):
        for j, (o, co) in enumerate(zip(r.outputs, c.outputs, strict=False)):
            if (i, j) != (2, 1):
                assert o.data == co.data
    http_status = [e["status"] for e in t.journal(operation="post_workflow_results")]
    assert http_status == [200, 207]
    assert t.faults.list()[0]["fired"] == 1


def test_post_workflow_results_503_rule_count_1_fails_next_call_only(t: EmulatorTenant) -> None:
    stub = t.clarifai_json_stub()
    _create_two_node_workflow(stub, t)
    t.faults.add(match={"api": "clarifai", "operation": "post_workflow_results"},
                 effect={"type": "error", "status": 503, "code": 10030, "message": "Try the request again"},
                 count=1)
    first, second = _predict(stub, t), _predict(stub, t)
    assert first.status.code == status_code_pb2.TRY_AGAIN and not first.results
    assert second.status.code == status_code_pb2.SUCCESS and len(second.results) == 4
    assert [e["status"] for e in t.journal(operation="post_workflow_results")] == [503, 200]
    rule = t.faults.list()[0]
    assert (rule["matched"], rule["fired"], rule["exhausted"]) == (1, 1, True)


def test_post_workflow_results_throttled_in_band_11005(t: EmulatorTenant) -> None:
    stub = t.clarifai_json_stub()
    _create_two_node_workflow(stub, t)
    t.faults.add(match={"operation": "post_workflow_results"}, count=1,
                 effect={"type": "error", "status": 429, "code": 11005, "message": "Making too many requests",
                         "retry_after": 1})
    assert _predict(stub, t).status.code == status_code_pb2.CONN_THROTTLED
    assert t.journal(status=429)[0]["code"] == 11005


def test_post_workflow_results_model_deploying_until_clock_passes_deploy_time(t: EmulatorTenant) -> None:
    stub = t.clarifai_grpc_stub()  # real gRPC this time; same backend, same tenant (metadata)
    _create_two_node_workflow(stub, t)
    state = t.set_model_state("classifier-b", "DEPLOYING", seconds=120)
    assert state["state"] == "DEPLOYING"
    assert _predict(stub, t).status.code == status_code_pb2.MODEL_DEPLOYING
    t.clock.advance(119)
    assert _predict(stub, t).status.code == status_code_pb2.MODEL_DEPLOYING
    t.clock.advance(1)
    resp = _predict(stub, t)
    assert resp.status.code == status_code_pb2.SUCCESS and len(resp.results) == 4
    assert [e["code"] for e in t.journal(operation="post_workflow_results")][:2] == [21351, 21351]
    assert t.admin.request("GET", "/_emulator/clarifai/models/classifier-b/state")["state"] == "READY"


def test_post_workflow_results_model_deploying_fault_in_band_21351(t: EmulatorTenant) -> None:
    stub = t.clarifai_json_stub()
    _create_two_node_workflow(stub, t)
    t.faults.add(match={"operation": "post_workflow_results"}, count=2,
                 effect={"type": "error", "status": 503, "code": 21351, "message": "Model is deploying"})
    codes = [_predict(stub, t).status.code for _ in range(3)]
    assert codes == [status_code_pb2.MODEL_DEPLOYING, status_code_pb2.MODEL_DEPLOYING, status_code_pb2.SUCCESS]


def test_seed_clarifai_models_and_workflows_visible_to_the_client(t: EmulatorTenant) -> None:
    out = t.seed({"clarifai": {"models": [{"id": "seeded-model", "concepts": ["a", "b"]}],
                               "workflows": [{"id": "seeded-wf", "nodes": [
                                   {"id": "n1", "model": {"id": "seeded-model"}}]}]}})
    assert out["clarifai_workflows"] == ["seeded-wf"] and out["clarifai_models"][0]["id"] == "seeded-model"
    stub = t.clarifai_json_stub()
    got = stub.GetWorkflow(service_pb2.GetWorkflowRequest(user_app_id=APP, workflow_id="seeded-wf"),
                           metadata=t.metadata)
    assert got.status.code == status_code_pb2.SUCCESS and got.workflow.nodes[0].model.id == "seeded-model"
    # seeding is not the client's doing: only the GetWorkflow above is journaled
    assert [e["operation"] for e in t.journal()] == ["get_workflow"]


def test_get_coverage_lists_clarifai_operations_and_codes_never_seen(t: EmulatorTenant) -> None:
    stub = t.clarifai_json_stub()
    _create_two_node_workflow(stub, t)
    missing = stub.GetWorkflow(service_pb2.GetWorkflowRequest(user_app_id=APP, workflow_id="nope"),
                               metadata=t.metadata)
    assert missing.status.code == status_code_pb2.WORKFLOW_DOES_NOT_EXIST or missing.status.code == 11101
    cov = t.coverage()["apis"]["clarifai"]
    ops = {o["operation"]: o for o in cov["operations"]}
    assert ops["post_workflows"]["statuses_seen"] == [200]
    assert ops["get_workflow"]["statuses_seen"] == [404]
    assert not ops["delete_workflow"]["exercised"]
    assert [e["code"] for e in cov["errors_seen"]] == [missing.status.code]
    never = {e["code"] for e in cov["errors_never_seen"]}
    assert status_code_pb2.MODEL_DEPLOYING in never and missing.status.code not in never


def test_list_workflows_empty_and_truncated_body_break_the_json_client(t: EmulatorTenant) -> None:
    from clarifai_grpc.channel.errors import ApiError

    stub = t.clarifai_json_stub()
    t.faults.add(match={"operation": "list_workflows"}, effects=[{"type": "empty_body"},
                                                               {"type": "truncate", "bytes": 12}])
    req = service_pb2.ListWorkflowsRequest(user_app_id=APP)
    for _ in range(2):
        with pytest.raises(ApiError):
            stub.ListWorkflows(req, metadata=t.metadata)
    assert stub.ListWorkflows(req, metadata=t.metadata).status.code == status_code_pb2.SUCCESS
    assert [e["response_bytes"] for e in t.journal(operation="list_workflows")][:2] == [0, 12]
