"""Issue 4's other must-show cases, run over the insecure gRPC channel and the JSON channel with the same
observable result: a predict mixing good and undecodable inputs (MIXED_STATUS, per-input statuses),
33 inputs (an error), and a 300-workflow listing walked page by page as the SDK's lister does
(reference clarifai-workflows.md §5 PostWorkflowResults and ListWorkflows, §10)."""
from __future__ import annotations

import uuid
from typing import Any

import pytest
from clarifai_grpc.grpc.api import resources_pb2, service_pb2
from clarifai_grpc.grpc.api.status import status_code_pb2
from google.protobuf.json_format import MessageToDict

from emulator.testing import LiveServer
from tests.clients import clarifai_examples as ex
from tests.clients.clarifai_grpc_support import PAT, Stub, make_stub, observe_predict

CHANNELS = ("grpc", "json")


def _on_both(server: LiveServer, tenant: str, scenario: Any) -> list[Any]:
    return [scenario(make_stub(kind, server, f"{tenant}-{kind}")) for kind in CHANNELS]


def _mixed(stub: Stub) -> Any:
    assert stub.call("PostWorkflows", ex.create_workflow()).status.code == status_code_pb2.SUCCESS
    response = stub.call("PostWorkflowResults", ex.predict_inputs([
        ex.image_url_input(ex.METRO_NORTH), ex.image_bytes_input(ex.NOT_AN_IMAGE),
        ex.image_bytes_input(ex.PNG_1PX)]))
    return (observe_predict(response), response.status.description,
            [(r.status.code, r.status.description, r.status.details) for r in response.results])


def test_post_workflow_results_mixed_inputs_same_over_both_channels(live_emulator: LiveServer,
                                                                   tenant_id: str) -> None:
    over_grpc, over_json = _on_both(live_emulator, tenant_id, _mixed)
    (code, results), description, statuses = over_grpc
    assert (code, description) == (status_code_pb2.MIXED_STATUS, "Mixed Success")
    assert [s[0] for s in statuses] == [status_code_pb2.SUCCESS, status_code_pb2.INPUT_UNSUPPORTED_FORMAT,
                                        status_code_pb2.SUCCESS]
    assert [o[2] for o in results[1][1]] == [status_code_pb2.INPUT_UNSUPPORTED_FORMAT] * 2
    assert all(o[3] for o in results[0][1] + results[2][1]), "good inputs still get concepts"
    assert over_grpc == over_json


def _too_many(stub: Stub) -> Any:
    stub.call("PostWorkflows", ex.create_workflow())
    response = stub.call("PostWorkflowResults", ex.predict_inputs([ex.image_url_input(ex.METRO_NORTH)] * 33))
    return response.status.code, response.status.description, response.status.details, len(response.results)


def test_post_workflow_results_33_inputs_same_error_over_both_channels(live_emulator: LiveServer,
                                                                       tenant_id: str) -> None:
    over_grpc, over_json = _on_both(live_emulator, tenant_id, _too_many)
    assert over_grpc[:2] == (status_code_pb2.WORKFLOW_INVALID_ARGUMENT, "Workflow invalid argument")
    assert over_grpc[3] == 0
    assert over_grpc == over_json


def _walk_pages(stub: Stub, app: resources_pb2.UserAppIDSet) -> list[list[str]]:
    # the SDK's Lister: page=1,2,... with per_page unset (0 = the server default) until an empty page
    pages: list[list[str]] = []
    for page in range(1, 10):
        response = stub.call("ListWorkflows", service_pb2.ListWorkflowsRequest(user_app_id=app, page=page))
        assert response.status.code == status_code_pb2.SUCCESS
        if not response.workflows:
            return pages
        pages.append([w.id for w in response.workflows])
    raise AssertionError("the listing never ended")


def _create_many(stub: Stub, app: resources_pb2.UserAppIDSet, count: int) -> list[str]:
    ids = [f"wf-{i:03d}" for i in range(count)]
    for start in range(0, count, 50):
        response = stub.call("PostWorkflows", service_pb2.PostWorkflowsRequest(user_app_id=app, workflows=[
            resources_pb2.Workflow(id=i, nodes=[ex.node(*ex.GENERAL)]) for i in ids[start:start + 50]]))
        assert response.status.code == status_code_pb2.SUCCESS, response.status
    return ids


@pytest.mark.parametrize("channel", CHANNELS)
def test_list_workflows_300_pages_like_the_sdk_lister(live_emulator: LiveServer, tenant_id: str,
                                                      channel: str) -> None:
    stub = make_stub(channel, live_emulator, tenant_id)
    app = resources_pb2.UserAppIDSet(user_id="me", app_id="paging")
    ids = _create_many(stub, app, 300)
    pages = _walk_pages(stub, app)
    assert [len(p) for p in pages] == [128, 128, 44]
    listed = [i for p in pages for i in p]
    assert sorted(listed) == ids, "no duplicates and no gaps"


def test_list_workflows_sdk_app_lister_over_grpc(live_emulator: LiveServer) -> None:
    from clarifai.client.app import App

    # the SDK sends no tenant: an app of its own in the default tenant keeps the test isolated
    app_id = "paging-" + uuid.uuid4().hex[:8]
    ids = _create_many(make_stub("grpc", live_emulator, "default"),
                       resources_pb2.UserAppIDSet(user_id="emulator-user", app_id=app_id), 300)
    app = App(user_id="emulator-user", app_id=app_id, base_url=f"http://127.0.0.1:{live_emulator.grpc_port}", pat=PAT)
    listed = [w.id for w in app.list_workflows()]
    assert sorted(listed) == ids and len(listed) == len(set(listed))


def _versions_and_ids(stub: Stub) -> list[Any]:
    seen: list[Any] = []
    stub.call("PostWorkflows", ex.create_workflow())
    stub.call("PatchWorkflows", ex.patch_overwrite())  # new nodes: a second version (§5 PatchWorkflows)
    listed = stub.call("ListWorkflowVersions", service_pb2.ListWorkflowVersionsRequest(workflow_id=ex.WORKFLOW_ID))
    versions = [v.id for v in listed.workflow_versions]
    seen.append((listed.status.code, len(versions), [[n.id for n in v.nodes] for v in listed.workflow_versions]))
    got = stub.call("GetWorkflowVersion", service_pb2.GetWorkflowVersionRequest(
        workflow_id=ex.WORKFLOW_ID, workflow_version_id=versions[-1]))
    seen.append((got.status.code, [n.id for n in got.workflow_version.nodes]))
    patched = stub.call("PatchWorkflowVersions", service_pb2.PatchWorkflowVersionsRequest(
        workflow_id=ex.WORKFLOW_ID, action="merge",
        workflow_versions=[resources_pb2.WorkflowVersion(id=versions[-1], description="first cut")]))
    seen.append((patched.status.code, [v.description for v in patched.workflow_versions]))
    for rpc, cls in (("PostWorkflowVersionsPublish", service_pb2.PostWorkflowVersionsPublishRequest),
                     ("PostWorkflowVersionsUnPublish", service_pb2.PostWorkflowVersionsUnPublishRequest)):
        done = stub.call(rpc, cls(workflow_id=ex.WORKFLOW_ID, publications=[{"version_id": versions[0]}]))
        seen.append((rpc, done.status.code))
    deleted = stub.call("DeleteWorkflowVersions", service_pb2.DeleteWorkflowVersionsRequest(
        workflow_id=ex.WORKFLOW_ID, workflow_version_ids=[versions[-1]]))
    seen.append(("delete_version", deleted.status.code))
    app = resources_pb2.UserAppIDSet(user_id="me", app_id="main")
    renamed = stub.call("PatchWorkflowIds", service_pb2.PatchWorkflowIdsRequest(
        user_app_id=app, action="overwrite", ids=[{"id": ex.WORKFLOW_ID, "new_id": "renamed-workflow"}]))
    seen.append((renamed.status.code, [w.id for w in renamed.workflows]))
    seen.append(stub.call("GetWorkflow", ex.get_workflow("renamed-workflow")).workflow.id)
    seen.append(stub.call("GetWorkflow", ex.get_workflow()).status.code)
    return seen


def test_workflow_versions_and_ids_same_over_both_channels(live_emulator: LiveServer, tenant_id: str) -> None:
    over_grpc, over_json = _on_both(live_emulator, tenant_id, _versions_and_ids)
    ok = status_code_pb2.SUCCESS
    assert over_grpc[0][:2] == (ok, 2)
    assert over_grpc[2] == (ok, ["first cut"])
    assert over_grpc[3:6] == [("PostWorkflowVersionsPublish", ok), ("PostWorkflowVersionsUnPublish", ok),
                              ("delete_version", ok)]
    assert over_grpc[6:8] == [(ok, ["renamed-workflow"]), "renamed-workflow"]
    assert over_grpc[8] != ok
    assert over_grpc == over_json


# one request per row: (rpc, request) sent after the same 15 workflows were created on each channel
_ROWS: list[tuple[str, Any]] = [
    ("ListWorkflows", service_pb2.ListWorkflowsRequest(sort_ascending=True, sort_by_id=True)),
    ("ListWorkflows", service_pb2.ListWorkflowsRequest(search="wf-1", per_page=2, page=1)),
    ("ListWorkflows", service_pb2.ListWorkflowsRequest(additional_fields=["stars"], sort_by_created_at=True)),
    ("ListWorkflows", service_pb2.ListWorkflowsRequest(user_app_id=ex.user_app("me", "main"), page=3, per_page=7)),
    ("GetWorkflow", service_pb2.GetWorkflowRequest(workflow_id="wf-10", additional_fields=["all"])),
    ("PostWorkflowResults", service_pb2.PostWorkflowResultsRequest(
        workflow_id="wf-10", inputs=[ex.image_url_input(ex.METRO_NORTH)],
        output_config=resources_pb2.OutputConfig(max_concepts=3, min_value=0.5))),
    ("PostWorkflowResults", service_pb2.PostWorkflowResultsRequest(
        workflow_id="wf-10", inputs=[resources_pb2.Input(data=resources_pb2.Data(text=resources_pb2.Text(raw="hi")))])),
    ("DeleteWorkflows", service_pb2.DeleteWorkflowsRequest()),
    ("DeleteWorkflows", service_pb2.DeleteWorkflowsRequest(ids=["wf-1", "no-such-workflow"])),
    ("PatchWorkflows", service_pb2.PatchWorkflowsRequest(action="remove", workflows=[
        resources_pb2.Workflow(id="wf-11", nodes=[resources_pb2.WorkflowNode(id=ex.GENERAL[0])])])),
    ("PatchWorkflows", service_pb2.PatchWorkflowsRequest(action="merge", workflows=[resources_pb2.Workflow(
        id="wf-12", description="d", metadata={"a": 1}, visibility=resources_pb2.Visibility(gettable=50))])),
    ("PostWorkflows", service_pb2.PostWorkflowsRequest(workflows=[
        resources_pb2.Workflow(id="bad id!", nodes=[ex.node(*ex.FOOD)])])),
    ("PostWorkflows", service_pb2.PostWorkflowsRequest(workflows=[resources_pb2.Workflow(id="cycle", nodes=[
        resources_pb2.WorkflowNode(id="a", model=ex.node(*ex.FOOD).model,
                                   node_inputs=[resources_pb2.NodeInput(node_id="b")]),
        resources_pb2.WorkflowNode(id="b", model=ex.node(*ex.GENERAL).model,
                                   node_inputs=[resources_pb2.NodeInput(node_id="a")])])])),
    ("GetModel", service_pb2.GetModelRequest(model_id=ex.FOOD[1])),
    ("GetModelType", service_pb2.GetModelTypeRequest(model_type_id="visual-classifier")),
]


def _scrub(value: Any) -> Any:
    """Drops what legitimately differs between two worlds: request ids, timestamps, generated ids."""
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items() if k not in ("req_id", "created_at", "modified_at")
                and not (k == "id" and isinstance(v, str) and len(v) == 32)}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


@pytest.fixture(scope="module")
def both_worlds(live_emulator: LiveServer) -> dict[str, Stub]:
    world = "rows-" + uuid.uuid4().hex[:8]
    stubs = {kind: make_stub(kind, live_emulator, f"{world}-{kind}") for kind in CHANNELS}
    for stub in stubs.values():
        for i in range(15):
            assert stub.call("PostWorkflows", ex.create_workflow(f"wf-{i}")).status.code == status_code_pb2.SUCCESS
    return stubs


@pytest.mark.parametrize("row", range(len(_ROWS)), ids=[f"{r}-{i}" for i, (r, _) in enumerate(_ROWS)])
def test_same_response_over_both_channels(both_worlds: dict[str, Stub], row: int) -> None:
    rpc, request = _ROWS[row]
    seen = [_scrub(MessageToDict(both_worlds[kind].call(rpc, request), preserving_proto_field_name=True))
            for kind in CHANNELS]
    assert seen[0]["status"]["code"] == seen[1]["status"]["code"]
    assert seen[0] == seen[1]
