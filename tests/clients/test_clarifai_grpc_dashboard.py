"""A gRPC predict as the dashboard shows it: the journal keeps the answer (rendered as JSON only when
asked), names the node fault that fired, and the Clarifai view reads the per-node statuses from it."""
from __future__ import annotations

import httpx
from clarifai_grpc.grpc.api import resources_pb2, service_pb2

from emulator.core.emulator import TENANT_HEADER
from emulator.testing import LiveServer
from tests.clients.clarifai_grpc_support import FOOD, GENERAL, METRO_NORTH, make_stub, workflow_node


def test_post_workflow_results_grpc_answer_kept_for_the_dashboard(live_emulator: LiveServer, tenant_id: str) -> None:
    stub = make_stub("grpc", live_emulator, tenant_id)
    created = stub.call("PostWorkflows", service_pb2.PostWorkflowsRequest(workflows=[resources_pb2.Workflow(
        id="dash", nodes=[workflow_node("food", FOOD), workflow_node("general", GENERAL)])]))
    assert created.status.code == 10000
    admin = httpx.Client(base_url=live_emulator.url, headers={TENANT_HEADER: tenant_id})
    admin.post("/_emulator/faults", json={"id": "general-down", "match": {"node_id": "general"},
                                          "effect": {"type": "node_error", "code": 21313}})
    answer = stub.call("PostWorkflowResults", service_pb2.PostWorkflowResultsRequest(
        workflow_id="dash", inputs=[resources_pb2.Input(data=resources_pb2.Data(image=resources_pb2.Image(url=METRO_NORTH)))]))
    assert answer.results[0].outputs[1].status.code == 21313
    seq = admin.get("/_emulator/journal", params={"operation": "post_workflow_results"}).json()["entries"][-1]["seq"]
    entry = admin.get(f"/_emulator/journal/{seq}").json()
    assert entry["transport"] == "grpc" and entry["fault"] == "general-down"
    assert entry["headers"]["authorization"].startswith("<redacted")
    body = entry["response"]["body"]
    assert body["results"][0]["outputs"][1]["status"]["code"] == 21313
    (wf,) = admin.get("/_emulator/clarifai/workflows").json()["workflows"]
    (pred,) = wf["predictions"]
    assert pred["transport"] == "grpc" and pred["fault"] == "general-down"
    assert [(n["node_id"], n["code"]) for n in pred["inputs"][0]["nodes"]] == [("food", 10000), ("general", 21313)]
