"""The gRPC door of the Clarifai emulator (reference clarifai-workflows.md §7, §8, §10): one state with
REST, in-band application errors, metadata (auth, tenant, request-id prefix), HTTP-level fault rules,
the journal, UNIMPLEMENTED for other RPCs and the settings that switch the server off."""
from __future__ import annotations

import re
from collections.abc import Iterator

import grpc
import pytest
from clarifai_grpc.grpc.api import resources_pb2, service_pb2
from clarifai_grpc.grpc.api.status import status_code_pb2
from starlette.routing import Route

from emulator.app import create_app
from emulator.clarifai.grpc_api import SERVED_RPCS, operation_name
from emulator.settings import Settings
from emulator.testing import LiveServer
from tests.clients.clarifai_grpc_support import (
    FOOD,
    GENERAL,
    create_shared,
    journal_of,
    make_stub,
    observe_predict,
    predict_shared,
    workflow_node,
)

OK = status_code_pb2.SUCCESS


# --- one state, two doors ---------------------------------------------------------------------------

def test_post_workflow_results_grpc_predicts_workflow_created_over_rest(live_emulator: LiveServer,
                                                                         tenant_id: str) -> None:
    rest, grpc_stub = make_stub("json", live_emulator, tenant_id), make_stub("grpc", live_emulator, tenant_id)
    assert create_shared(rest).status.code == OK
    over_grpc = predict_shared(grpc_stub)
    assert over_grpc.status.code == OK
    assert [o.model.id for o in over_grpc.results[0].outputs] == [FOOD[0], GENERAL[0]]
    # and the answer is the one REST gives for the same workflow and input
    assert observe_predict(over_grpc) == observe_predict(predict_shared(rest))


def test_post_workflow_results_rest_predicts_workflow_created_over_grpc(live_emulator: LiveServer,
                                                                         tenant_id: str) -> None:
    rest, grpc_stub = make_stub("json", live_emulator, tenant_id), make_stub("grpc", live_emulator, tenant_id)
    created = create_shared(grpc_stub, "made-over-grpc")
    assert created.status.code == OK
    listed = rest.call("ListWorkflows", service_pb2.ListWorkflowsRequest())
    assert [w.id for w in listed.workflows] == ["made-over-grpc"]
    assert listed.workflows[0].version.id == created.workflows[0].version.id
    over_rest = predict_shared(rest, "made-over-grpc")
    assert over_rest.status.code == OK
    assert observe_predict(over_rest) == observe_predict(predict_shared(grpc_stub, "made-over-grpc"))


def test_patch_workflows_grpc_visible_to_rest_get(live_emulator: LiveServer, tenant_id: str) -> None:
    rest, grpc_stub = make_stub("json", live_emulator, tenant_id), make_stub("grpc", live_emulator, tenant_id)
    create_shared(rest)
    patched = grpc_stub.call("PatchWorkflows", service_pb2.PatchWorkflowsRequest(action="overwrite", workflows=[
        resources_pb2.Workflow(id="wf-shared", nodes=[workflow_node("general", GENERAL)])]))
    assert patched.status.code == OK
    got = rest.call("GetWorkflow", service_pb2.GetWorkflowRequest(workflow_id="wf-shared"))
    assert [(n.id, n.model.id) for n in got.workflow.nodes] == [("general", GENERAL[0])]


def test_workflow_versions_grpc_list_get_publish(live_emulator: LiveServer, tenant_id: str) -> None:
    grpc_stub = make_stub("grpc", live_emulator, tenant_id)
    version_id = create_shared(grpc_stub).workflows[0].version.id
    listed = grpc_stub.call("ListWorkflowVersions", service_pb2.ListWorkflowVersionsRequest(workflow_id="wf-shared"))
    assert listed.status.code == OK
    assert [v.id for v in listed.workflow_versions] == [version_id]
    got = grpc_stub.call("GetWorkflowVersion", service_pb2.GetWorkflowVersionRequest(
        workflow_id="wf-shared", workflow_version_id=version_id))
    assert (got.status.code, got.workflow_version.id) == (OK, version_id)
    published = grpc_stub.call("PostWorkflowVersionsPublish", service_pb2.PostWorkflowVersionsPublishRequest(
        workflow_id="wf-shared", publications=[service_pb2.WorkflowVersionPublishRequest(version_id=version_id)]))
    assert published.status.code == OK


# --- metadata: auth, request id prefix, in-band errors ----------------------------------------------

def test_get_workflow_grpc_without_authorization_answers_11102_in_band(live_emulator: LiveServer,
                                                                        tenant_id: str) -> None:
    stub = make_stub("grpc", live_emulator, tenant_id)
    # §8: no header over gRPC -> 11102 with the documented details, and gRPC status OK (§7)
    response = stub.call("GetWorkflow", service_pb2.GetWorkflowRequest(workflow_id="x"),
                         metadata=(("x-emulator-tenant", tenant_id),))
    assert response.status.code == status_code_pb2.CONN_INVALID_REQUEST
    assert response.status.details == ("Empty or malformed authorization header. Please provide an API key "
                                       "or session token.")


def test_get_workflow_grpc_missing_id_is_in_band_not_found(live_emulator: LiveServer, tenant_id: str) -> None:
    rest, grpc_stub = make_stub("json", live_emulator, tenant_id), make_stub("grpc", live_emulator, tenant_id)
    request = service_pb2.GetWorkflowRequest(workflow_id="no-such-workflow")
    over_grpc, over_rest = grpc_stub.call("GetWorkflow", request), rest.call("GetWorkflow", request)
    assert over_grpc.status.code != OK
    assert (over_grpc.status.code, over_grpc.status.description, over_grpc.status.details) == \
        (over_rest.status.code, over_rest.status.description, over_rest.status.details)


def test_list_workflows_grpc_req_id_honours_request_id_prefix(live_emulator: LiveServer, tenant_id: str) -> None:
    stub = make_stub("grpc", live_emulator, tenant_id)
    response = stub.call("ListWorkflows", service_pb2.ListWorkflowsRequest(),
                         metadata=stub.metadata + (("x-clarifai-request-id-prefix", "sdk-python-12.5.0"),))
    assert response.status.code == OK
    assert re.fullmatch(r"sdk-python-12\.5\.0-[0-9a-f]{32}", response.status.req_id)
    plain = stub.call("ListWorkflows", service_pb2.ListWorkflowsRequest())
    assert re.fullmatch(r"[0-9a-f]{32}", plain.status.req_id)


def test_list_inputs_grpc_unimplemented_names_the_rpc(live_emulator: LiveServer, tenant_id: str) -> None:
    stub = make_stub("grpc", live_emulator, tenant_id)
    with pytest.raises(grpc.RpcError) as info:
        stub.call("ListInputs", service_pb2.ListInputsRequest())
    assert info.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert info.value.details() == "ListInputs (/clarifai.api.V2/ListInputs) is not modelled by the emulator"
    assert journal_of(live_emulator, tenant_id)[-1].operation == "list_inputs"


# --- the journal (its fault rules: test_clarifai_grpc_faults.py) ----------------------------------------

def test_post_workflows_grpc_journaled_like_rest(live_emulator: LiveServer, tenant_id: str) -> None:
    create_shared(make_stub("grpc", live_emulator, tenant_id))
    entry = journal_of(live_emulator, tenant_id)[-1]
    assert (entry.api, entry.operation, entry.method, entry.path, entry.status, entry.transport) == \
        ("clarifai", "post_workflows", "POST", "/clarifai.api.V2/PostWorkflows", 200, "grpc")
    assert entry.headers["authorization"].startswith("<redacted sha256:")
    assert entry.request["workflows"][0]["id"] == "wf-shared"


# --- servers with their own settings -----------------------------------------------------------------

def test_settings_grpc_disabled_binds_no_port() -> None:
    with LiveServer(Settings(grpc_enabled=False)) as server:
        assert "grpc" not in server.emulator.ports


@pytest.fixture(scope="module")
def small_server() -> Iterator[LiveServer]:
    with LiveServer(Settings(clarifai_max_request_bytes=4096)) as server:
        yield server


@pytest.fixture(scope="module")
def cold_server() -> Iterator[LiveServer]:
    with LiveServer(Settings(clock="manual", seed=12, clarifai_cold_start_s=30.0)) as server:
        yield server


def test_post_workflow_results_grpc_oversized_request_answers_40033_in_band(small_server: LiveServer,
                                                                          tenant_id: str) -> None:
    stub = make_stub("grpc", small_server, tenant_id)
    big = resources_pb2.Input(data=resources_pb2.Data(image=resources_pb2.Image(base64=b"x" * 5000)))
    response = stub.call("PostWorkflowResults", service_pb2.PostWorkflowResultsRequest(
        workflow_id="any", inputs=[big]))
    assert response.status.code == status_code_pb2.RPC_MAX_MESSAGE_SIZE_EXCEEDED
    assert response.status.details.endswith("exceeds the limit of 4096 bytes")


def test_post_workflow_results_grpc_cold_model_deploying_then_succeeds(cold_server: LiveServer,
                                                                      tenant_id: str) -> None:
    # §5/§7: a cold model answers top-level MODEL_DEPLOYING (what the SDK's predict loop retries) until
    # the configured time has passed on the tenant's clock; driven here without the SDK's real sleeps
    stub = make_stub("grpc", cold_server, tenant_id)
    created = stub.call("PostWorkflows", service_pb2.PostWorkflowsRequest(workflows=[resources_pb2.Workflow(
        id="wf-shared", nodes=[workflow_node("food", FOOD)])]))
    assert created.status.code == OK
    first = predict_shared(stub)
    assert first.status.code == status_code_pb2.MODEL_DEPLOYING
    cold_server.call(cold_server.emulator.tenant(tenant_id).clock.advance(29))
    assert predict_shared(stub).status.code == status_code_pb2.MODEL_DEPLOYING
    cold_server.call(cold_server.emulator.tenant(tenant_id).clock.advance(1))
    warm = predict_shared(stub)
    assert warm.status.code == OK
    assert [o.model.id for o in warm.results[0].outputs] == [FOOD[0]]


def test_served_rpcs_journal_operation_names_match_rest_operation_ids() -> None:
    # BRIEF "Fixed names": the logical operation is the snake_case RPC name, the same REST journals
    assert [operation_name(r) for r in SERVED_RPCS] == [
        "post_workflows", "list_workflows", "get_workflow", "patch_workflows", "patch_workflow_ids",
        "delete_workflow", "delete_workflows", "post_workflow_results", "list_workflow_versions",
        "get_workflow_version", "patch_workflow_versions", "delete_workflow_versions",
        "post_workflow_versions_publish", "post_workflow_versions_un_publish", "post_model_outputs",
        "get_model", "list_models",
        "post_models", "patch_models", "delete_model", "delete_models", "get_model_version", "list_model_versions",
        "post_model_versions", "delete_model_version", "get_model_type", "list_model_types", "post_apps", "get_app",
        "list_apps", "patch_apps", "patch_app", "delete_app"]
    app = create_app(Settings(grpc_enabled=False))
    rest_operations = {getattr(r.endpoint, "operation", None) for r in app.routes if isinstance(r, Route)}
    assert {operation_name(r) for r in SERVED_RPCS} <= rest_operations


def test_post_workflows_grpc_corrupt_request_bytes_answer_internal(live_emulator: LiveServer,
                                                                   tenant_id: str) -> None:
    channel = grpc.insecure_channel(f"127.0.0.1:{live_emulator.grpc_port}")
    raw = channel.unary_unary("/clarifai.api.V2/PostWorkflows", request_serializer=lambda b: b,
                              response_deserializer=lambda b: b)
    with pytest.raises(grpc.RpcError) as info:
        raw(b"\xff\xff\xff\xff\x0f not protobuf", metadata=(("x-emulator-tenant", tenant_id),), timeout=10)
    assert info.value.code() == grpc.StatusCode.INTERNAL
    assert info.value.details().startswith("grpc: error unmarshalling request: ")
    # the server carries on, and the journal shows the attempt
    assert make_stub("grpc", live_emulator, tenant_id).call(
        "ListWorkflows", service_pb2.ListWorkflowsRequest()).status.code == OK
    first = journal_of(live_emulator, tenant_id)[0]
    assert (first.operation, first.error) == ("post_workflows", "undecodable request")
    channel.close()
