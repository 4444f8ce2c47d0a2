"""clarifai-grpc over both channels against Clarifai's public content (issue #14): predict the public
`General` workflow of clarifai/main by URL and by bytes, and workflow CRUD on the *current* General and
moderation model versions named by their legacy hex ids."""
from __future__ import annotations

import pytest
from clarifai_grpc.grpc.api import resources_pb2, service_pb2
from clarifai_grpc.grpc.api.status import status_code_pb2

from emulator.testing import LiveServer
from tests.clients.clarifai_grpc_support import METRO_NORTH, make_stub, workflow_node

OK = status_code_pb2.SUCCESS
MAIN = resources_pb2.UserAppIDSet(user_id="clarifai", app_id="main")
GENERAL_NOW = ("aaa03c23b3724a16a56b629203edc62c", "aa7f35c01e0642fda5cf400f543e7c40")
MODERATION_NOW = ("d16f390eb32cad478c7ae150069bd2c6", "aa8be956dbaa4b7a858826a84253cab9")
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")  # a PNG header is enough


def _predict(stub: object, data: resources_pb2.Data) -> object:
    return stub.call("PostWorkflowResults", service_pb2.PostWorkflowResultsRequest(  # type: ignore[attr-defined]
        user_app_id=MAIN, workflow_id="General", inputs=[resources_pb2.Input(data=data)],
        output_config=resources_pb2.OutputConfig(max_concepts=3)))


@pytest.mark.parametrize("channel", ["grpc", "json"])
def test_post_workflow_results_general_by_url_and_bytes_max_concepts_3(live_emulator: LiveServer, tenant_id: str,
                                                                       channel: str) -> None:
    stub = make_stub(channel, live_emulator, tenant_id)
    for data in (resources_pb2.Data(image=resources_pb2.Image(url=METRO_NORTH)),
                 resources_pb2.Data(image=resources_pb2.Image(base64=PNG))):
        response = _predict(stub, data)
        assert response.status.code == OK, response.status  # type: ignore[attr-defined]
        assert response.workflow.id == "General" and response.workflow.user_id == "clarifai"  # type: ignore[attr-defined]
        [result] = response.results  # type: ignore[attr-defined]
        concept, embed, cluster = result.outputs
        assert (concept.model.id, concept.model.model_version.id) == (
            "general-image-recognition", "aa7f35c01e0642fda5cf400f543e7c40")
        assert len(concept.data.concepts) == 3
        assert all(c.id.startswith("ai_") and c.app_id == "main" for c in concept.data.concepts)
        assert embed.model.id == "general-image-embedding" and len(embed.data.embeddings) == 1
        assert cluster.model.id == "general-clusterering"


@pytest.mark.parametrize("channel", ["grpc", "json"])
def test_workflow_crud_with_current_general_and_moderation_versions(live_emulator: LiveServer, tenant_id: str,
                                                                    channel: str) -> None:
    stub = make_stub(channel, live_emulator, tenant_id)
    app = resources_pb2.UserAppIDSet(user_id="me", app_id="crud-" + channel)
    created = stub.call("PostWorkflows", service_pb2.PostWorkflowsRequest(user_app_id=app, workflows=[
        resources_pb2.Workflow(id="now", nodes=[workflow_node("general", GENERAL_NOW),
                                                workflow_node("moderation", MODERATION_NOW)])]))
    assert created.status.code == OK, created.status
    nodes = created.workflows[0].nodes
    assert [(n.model.model_version.id, n.model.user_id, n.model.app_id) for n in nodes] == [
        (GENERAL_NOW[1], "clarifai", "main"), (MODERATION_NOW[1], "clarifai", "main")]
    patched = stub.call("PatchWorkflows", service_pb2.PatchWorkflowsRequest(user_app_id=app, action="overwrite",
        workflows=[resources_pb2.Workflow(id="now", nodes=[workflow_node("moderation", MODERATION_NOW)])]))
    assert patched.status.code == OK, patched.status
    got = stub.call("GetWorkflow", service_pb2.GetWorkflowRequest(user_app_id=app, workflow_id="now"))
    assert got.status.code == OK and [n.id for n in got.workflow.nodes] == ["moderation"]
    assert got.workflow.nodes[0].model.model_version.id == MODERATION_NOW[1]
    predicted = stub.call("PostWorkflowResults", service_pb2.PostWorkflowResultsRequest(
        user_app_id=app, workflow_id="now",
        inputs=[resources_pb2.Input(data=resources_pb2.Data(image=resources_pb2.Image(url=METRO_NORTH)))]))
    assert {c.id for c in predicted.results[0].outputs[0].data.concepts} <= {
        "ai_QD1zClSd", "ai_RtXh5qkR", "ai_V76bvrtj", "ai_8QQwMjQR", "ai_kBBGf7r8"}
    deleted = stub.call("DeleteWorkflow", service_pb2.DeleteWorkflowRequest(user_app_id=app, workflow_id="now"))
    assert deleted.status.code == OK
    gone = stub.call("GetWorkflow", service_pb2.GetWorkflowRequest(user_app_id=app, workflow_id="now"))
    assert gone.status.code == status_code_pb2.CONN_DOES_NOT_EXIST


def test_post_workflow_results_without_id_uses_the_apps_default_workflow(live_emulator: LiveServer,
                                                                          tenant_id: str) -> None:
    stub = make_stub("grpc", live_emulator, tenant_id)
    made = stub.call("PostApps", service_pb2.PostAppsRequest(
        user_app_id=resources_pb2.UserAppIDSet(user_id="me"),
        apps=[resources_pb2.App(id="based", default_workflow=resources_pb2.Workflow(
            id="General", app_id="main", user_id="clarifai"))]))
    assert made.status.code == OK, made.status
    response = stub.call("PostWorkflowResults", service_pb2.PostWorkflowResultsRequest(
        user_app_id=resources_pb2.UserAppIDSet(user_id="me", app_id="based"),
        inputs=[resources_pb2.Input(data=resources_pb2.Data(image=resources_pb2.Image(url=METRO_NORTH)))]))
    assert response.status.code == OK and response.workflow.id == "General"
    listed = stub.call("ListApps", service_pb2.ListAppsRequest(user_app_id=resources_pb2.UserAppIDSet(user_id="me")))
    assert [a.id for a in listed.apps] == ["based"]


def test_session_token_metadata_authenticates_over_grpc(live_emulator: LiveServer, tenant_id: str) -> None:
    import httpx

    r = httpx.post(f"{live_emulator.url}/_emulator/clarifai/keys", headers={"x-emulator-tenant": tenant_id},
                   json={"key": "session-" + tenant_id, "type": "session", "user_id": "dana"})
    assert r.status_code == 201 and "session-" not in r.text
    stub = make_stub("grpc", live_emulator, tenant_id)
    meta = (("x-clarifai-session-token", "session-" + tenant_id), ("x-emulator-tenant", tenant_id))
    made = stub.call("PostApps", service_pb2.PostAppsRequest(
        user_app_id=resources_pb2.UserAppIDSet(user_id="me"), apps=[resources_pb2.App(id="dana-app")]), meta)
    assert made.status.code == OK and made.apps[0].user_id == "dana"
    bad = stub.call("ListApps", service_pb2.ListAppsRequest(user_app_id=resources_pb2.UserAppIDSet(user_id="me")),
                    (("x-clarifai-session-token", "nope"), ("x-emulator-tenant", tenant_id)))
    assert bad.status.code == status_code_pb2.CONN_TOKEN_INVALID
