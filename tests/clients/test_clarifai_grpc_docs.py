"""The source document's examples (seeds/002: create, predict, list, get, patch, delete, delete all) run
with clarifai-grpc over the insecure gRPC channel and over the JSON channel, with the same observable
results, against one live emulator (reference clarifai-workflows.md §1, §2, §5, §10)."""
from __future__ import annotations

from typing import Any

import pytest
from clarifai_grpc.grpc.api import resources_pb2
from clarifai_grpc.grpc.api.status import status_code_pb2

from emulator.testing import LiveServer
from tests.clients import clarifai_examples as ex
from tests.clients.clarifai_grpc_support import (
    FOOD,
    GENERAL,
    NSFW,
    TRAVEL,
    WEDDING,
    Stub,
    make_stub,
    node_models,
    observe_predict,
)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

CHANNELS = ("grpc", "json")


# --- the examples of the source document: the shared builders of clarifai_examples.py -------------

def create_example(stub: Stub, app: resources_pb2.UserAppIDSet | None) -> Any:
    return stub.call("PostWorkflows", ex.create_workflow(app=app))


def predict_example(stub: Stub, app: resources_pb2.UserAppIDSet | None) -> Any:
    return stub.call("PostWorkflowResults", ex.predict_url(app=app))


def list_example(stub: Stub, app: resources_pb2.UserAppIDSet | None) -> Any:
    return stub.call("ListWorkflows", ex.list_workflows(app=app))


def get_example(stub: Stub, app: resources_pb2.UserAppIDSet | None) -> Any:
    return stub.call("GetWorkflow", ex.get_workflow(app=app))


def patch_example(stub: Stub, app: resources_pb2.UserAppIDSet | None) -> Any:
    return stub.call("PatchWorkflows", ex.patch_overwrite(app=app))


def delete_example(stub: Stub, app: resources_pb2.UserAppIDSet | None) -> Any:
    return stub.call("DeleteWorkflow", ex.delete_workflow(app=app))


def delete_all_example(stub: Stub, app: resources_pb2.UserAppIDSet | None) -> Any:
    return stub.call("DeleteWorkflows", ex.delete_all(app=app))


def run_document(stub: Stub, user_app_id: resources_pb2.UserAppIDSet | None) -> dict[str, Any]:
    """Every example in document order; returns what a user of each example can observe."""
    seen: dict[str, Any] = {}
    r = create_example(stub, user_app_id)
    seen["create"] = (r.status.code, [(w.id, node_models(w)) for w in r.workflows])
    r = predict_example(stub, user_app_id)
    seen["predict"] = observe_predict(r)
    r = list_example(stub, user_app_id)
    seen["list"] = (r.status.code, [(w.id, node_models(w)) for w in r.workflows])
    r = get_example(stub, user_app_id)
    seen["get"] = (r.status.code, r.workflow.id, node_models(r.workflow))
    r = patch_example(stub, user_app_id)
    seen["patch"] = (r.status.code, [(w.id, node_models(w)) for w in r.workflows])
    seen["get_after_patch"] = node_models(get_example(stub, user_app_id).workflow)
    seen["predict_after_patch"] = observe_predict(predict_example(stub, user_app_id))
    r = delete_example(stub, user_app_id)
    seen["delete"] = r.status.code
    seen["get_after_delete"] = get_example(stub, user_app_id).status.code
    # delete all needs something to delete: the create example again, plus a second workflow
    create_example(stub, user_app_id)
    stub.call("PostWorkflows", ex.create_workflow("second-workflow", app=user_app_id, nodes=(ex.GENERAL,)))
    seen["list_before_delete_all"] = sorted(w.id for w in list_example(stub, user_app_id).workflows)
    seen["delete_all"] = delete_all_example(stub, user_app_id).status.code
    r = list_example(stub, user_app_id)
    seen["list_after_delete_all"] = (r.status.code, [w.id for w in r.workflows])
    return seen


def _user_app(variant: str) -> resources_pb2.UserAppIDSet | None:
    # the Java/NodeJS/cURL examples rely on the key's app; the Python/JS-REST ones name user and app
    return None if variant == "key_app" else resources_pb2.UserAppIDSet(user_id="me", app_id="docs-app")


@pytest.mark.parametrize("variant", ["key_app", "user_app_id"])
@pytest.mark.parametrize("channel", CHANNELS)
def test_document_examples_run_as_written(live_emulator: LiveServer, tenant_id: str, channel: str,
                                          variant: str) -> None:
    seen = run_document(make_stub(channel, live_emulator, tenant_id), _user_app(variant))
    ok = status_code_pb2.SUCCESS
    assert seen["create"] == (ok, [("my-custom-workflow", [("food-concepts", *FOOD), ("general-concepts", *GENERAL)])])
    code, results = seen["predict"]
    assert code == ok
    assert len(results) == 1, "one WorkflowResult per input"
    result_code, outputs = results[0]
    assert result_code == ok
    assert [(o[0], o[1]) for o in outputs] == [FOOD, GENERAL], "one output per model, in node order"
    for model_id, _, out_code, concepts in outputs:
        assert out_code == ok
        assert concepts, f"model {model_id} predicted no concepts"
        values = [v for _, _, v in concepts]
        assert all(0.0 <= v <= 1.0 for v in values) and values == sorted(values, reverse=True)
    assert seen["list"] == (ok, [("my-custom-workflow", seen["create"][1][0][1])])
    assert seen["get"] == (ok, "my-custom-workflow", seen["create"][1][0][1])
    patched = [("travel-concepts", *TRAVEL), ("nsfw-concepts", *NSFW), ("wedding-concepts", *WEDDING)]
    assert seen["patch"] == (ok, [("my-custom-workflow", patched)])
    assert seen["get_after_patch"] == patched
    code, results = seen["predict_after_patch"]
    assert code == ok and [(o[0], o[1]) for o in results[0][1]] == [TRAVEL, NSFW, WEDDING]
    assert seen["delete"] == ok
    assert seen["get_after_delete"] != ok
    assert seen["list_before_delete_all"] == ["my-custom-workflow", "second-workflow"]
    assert seen["delete_all"] == ok
    assert seen["list_after_delete_all"] == (ok, [])


@pytest.mark.parametrize("variant", ["key_app", "user_app_id"])
def test_document_examples_same_result_over_both_channels(live_emulator: LiveServer, tenant_id: str,
                                                          variant: str) -> None:
    grpc_seen = run_document(make_stub("grpc", live_emulator, tenant_id + "-g"), _user_app(variant))
    json_seen = run_document(make_stub("json", live_emulator, tenant_id + "-j"), _user_app(variant))
    # predictions are deterministic functions of model, version and input (issue 4 item 7), so even the
    # concept names and scores agree between the transports
    assert grpc_seen == json_seen
