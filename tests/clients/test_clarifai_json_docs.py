"""The seed document's examples (seeds/002) over the real clarifai-grpc JSON channel (§10),
against a live emulator on a free loopback port."""
from __future__ import annotations

from typing import Any

import pytest
from clarifai_grpc.channel.clarifai_channel import ClarifaiChannel
from clarifai_grpc.grpc.api import service_pb2_grpc
from clarifai_grpc.grpc.api.status import status_code_pb2

from emulator.core.emulator import TENANT_HEADER
from emulator.testing import LiveServer
from tests.clients import clarifai_examples as ex

SUCCESS = status_code_pb2.SUCCESS


def json_stub(server: LiveServer, tenant: str) -> Any:
    # the channel and its stub are built together: clarifai-grpc picks the response decoder
    # from the most recent get_*_channel call; always pass base_url (CLARIFAI_API_BASE is read at import)
    channel = ClarifaiChannel.get_json_channel(base_url=server.url)
    channel.session.headers[TENANT_HEADER] = tenant
    return service_pb2_grpc.V2Stub(channel)


@pytest.fixture
def stub(live_emulator: LiveServer, tenant_id: str) -> Any:
    return json_stub(live_emulator, tenant_id)


def test_post_workflows_seed_create_food_and_general(stub: Any) -> None:
    resp = stub.PostWorkflows(ex.create_workflow(), metadata=ex.AUTH)
    assert resp.status.code == SUCCESS, resp.status
    assert resp.status.description == "Ok"
    assert resp.status.req_id.startswith("python-json-")
    wf = resp.workflows[0]
    assert wf.id == ex.WORKFLOW_ID
    assert [(n.id, n.model.id, n.model.model_version.id) for n in wf.nodes] == [ex.FOOD, ex.GENERAL]
    assert len(wf.version.id) == 32 and wf.visibility.gettable == 10
    assert wf.created_at.seconds > 0 and wf.app_id == "main"


def test_post_workflow_results_seed_metro_north_one_output_per_model(stub: Any) -> None:
    stub.PostWorkflows(ex.create_workflow(), metadata=ex.AUTH)
    resp = stub.PostWorkflowResults(ex.predict_url(), metadata=ex.AUTH)
    assert resp.status.code == SUCCESS, resp.status
    assert len(resp.results) == 1
    result = resp.results[0]
    assert result.status.code == SUCCESS
    assert result.input.data.image.url == ex.METRO_NORTH
    assert [o.model.id for o in result.outputs] == [ex.FOOD[1], ex.GENERAL[1]]
    for output in result.outputs:
        assert output.status.code == SUCCESS
        values = [c.value for c in output.data.concepts]
        assert 0 < len(values) <= 20
        assert values == sorted(values, reverse=True) and all(0.0 <= v <= 1.0 for v in values)
        assert output.model.model_version.id in (ex.FOOD[2], ex.GENERAL[2])
    again = stub.PostWorkflowResults(ex.predict_url(), metadata=ex.AUTH)
    assert [[(c.id, c.value) for c in o.data.concepts] for o in again.results[0].outputs] == \
        [[(c.id, c.value) for c in o.data.concepts] for o in result.outputs]


def test_list_workflows_seed_lists_the_created_workflow(stub: Any) -> None:
    stub.PostWorkflows(ex.create_workflow(), metadata=ex.AUTH)
    resp = stub.ListWorkflows(ex.list_workflows(), metadata=ex.AUTH)
    assert resp.status.code == SUCCESS
    assert [w.id for w in resp.workflows] == [ex.WORKFLOW_ID]
    assert [n.model.id for n in resp.workflows[0].nodes] == [ex.FOOD[1], ex.GENERAL[1]]


def test_get_workflow_seed_returns_its_models(stub: Any) -> None:
    stub.PostWorkflows(ex.create_workflow(), metadata=ex.AUTH)
    resp = stub.GetWorkflow(ex.get_workflow(), metadata=ex.AUTH)
    assert resp.status.code == SUCCESS
    assert [n.model.id for n in resp.workflow.nodes] == [ex.FOOD[1], ex.GENERAL[1]]


def test_patch_workflows_seed_overwrite_with_travel_nsfw_wedding(stub: Any) -> None:
    created = stub.PostWorkflows(ex.create_workflow(), metadata=ex.AUTH).workflows[0]
    resp = stub.PatchWorkflows(ex.patch_overwrite(), metadata=ex.AUTH)
    assert resp.status.code == SUCCESS, resp.status
    got = stub.GetWorkflow(ex.get_workflow(), metadata=ex.AUTH).workflow
    assert [(n.id, n.model.id, n.model.model_version.id) for n in got.nodes] == [ex.TRAVEL, ex.NSFW, ex.WEDDING]
    assert got.version.id != created.version.id
    pred = stub.PostWorkflowResults(ex.predict_url(), metadata=ex.AUTH)
    assert [o.model.id for o in pred.results[0].outputs] == [ex.TRAVEL[1], ex.NSFW[1], ex.WEDDING[1]]


def test_delete_workflow_seed_by_id(stub: Any) -> None:
    stub.PostWorkflows(ex.create_workflow(), metadata=ex.AUTH)
    resp = stub.DeleteWorkflow(ex.delete_workflow(), metadata=ex.AUTH)
    assert resp.status.code == SUCCESS
    gone = stub.GetWorkflow(ex.get_workflow(), metadata=ex.AUTH)
    assert gone.status.code == status_code_pb2.CONN_DOES_NOT_EXIST
    assert gone.status.details == "Workflow 'my-custom-workflow' does not exist"


def test_delete_workflows_seed_delete_all(stub: Any) -> None:
    stub.PostWorkflows(ex.create_workflow(), metadata=ex.AUTH)
    stub.PostWorkflows(ex.create_workflow("second-workflow"), metadata=ex.AUTH)
    resp = stub.DeleteWorkflows(ex.delete_all(), metadata=ex.AUTH)
    assert resp.status.code == SUCCESS
    assert list(stub.ListWorkflows(ex.list_workflows(), metadata=ex.AUTH).workflows) == []


def test_seed_examples_with_user_app_id_use_the_app_routes(stub: Any) -> None:
    app = ex.user_app("me", "my-app")
    assert stub.PostWorkflows(ex.create_workflow(app=app), metadata=ex.AUTH).status.code == SUCCESS
    assert stub.PostWorkflowResults(ex.predict_url(app=app), metadata=ex.AUTH).status.code == SUCCESS
    listed = stub.ListWorkflows(ex.list_workflows(app=app), metadata=ex.AUTH)
    assert [w.id for w in listed.workflows] == [ex.WORKFLOW_ID] and listed.workflows[0].app_id == "my-app"
    assert stub.PatchWorkflows(ex.patch_overwrite(app=app), metadata=ex.AUTH).status.code == SUCCESS
    assert stub.DeleteWorkflow(ex.delete_workflow(app=app), metadata=ex.AUTH).status.code == SUCCESS
    assert stub.DeleteWorkflows(ex.delete_all(app=app), metadata=ex.AUTH).status.code == SUCCESS
