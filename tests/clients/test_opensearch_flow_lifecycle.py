"""opensearch-py (max_retries=0) against a live emulator with a manual clock: the issue's "must show" lifecycles."""
from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import opensearchpy
import pytest
from opensearchpy import OpenSearch

from emulator.settings import Settings
from emulator.testing import LiveServer, while_advancing
from tests.clients.flow_it_support import RecordingConnection

CONNECTOR = {"id": "create_connector_1", "type": "create_connector", "user_inputs": {
    "name": "OpenAI Chat Connector", "description": "The connector to public OpenAI model service for GPT 3.5",
    "version": "1", "protocol": "http", "parameters": {"endpoint": "api.openai.com", "model": "gpt-3.5-turbo"},
    "credential": {"openAI_key": "sk-secret-value"},
    "actions": [{"action_type": "predict", "method": "POST", "url": "https://${parameters.endpoint}/v1/chat/completions",
                 "headers": {"Authorization": "Bearer ${credential.openAI_key}"}}]}}
REGISTER = {"id": "register_model_2", "type": "register_remote_model",
            "previous_node_inputs": {"create_connector_1": "connector_id"},
            "user_inputs": {"name": "openAI-gpt-3.5-turbo", "function_name": "remote", "description": "test model"}}
DEPLOY = {"id": "deploy_model_3", "type": "deploy_model", "previous_node_inputs": {"register_model_2": "model_id"}}
PIPELINE = {"id": "create_ingest_pipeline", "type": "create_ingest_pipeline", "user_inputs": {
    "pipeline_id": "nlp-ingest-pipeline",
    "configurations": {"description": "A text embedding pipeline",
                       "processors": [{"text_embedding": {"model_id": "abc", "field_map": {"t": "e"}}}]}}}
INDEX = {"id": "create_index", "type": "create_index", "previous_node_inputs": {"create_ingest_pipeline": "pipeline_id"},
         "user_inputs": {"index_name": "my-nlp-index",
                         "configurations": {"settings": {"index.knn": True, "default_pipeline": "nlp-ingest-pipeline"},
                                            "mappings": {"properties": {"t": {"type": "text"}}}}}}


def template(name: str, *nodes: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "description": "client lifecycle", "use_case": "REGISTER_MODEL",
            "version": {"template": "1.0.0", "compatibility": ["2.12.0", "3.0.0"]},
            "workflows": {"provision": {"nodes": list(nodes)}}}


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with LiveServer(Settings(clock="manual", grpc_enabled=False, seed=11, step_latency_scale=1.0)) as s:
        yield s


class Flow:
    """One tenant of the live server: the real client plus clock control."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.tenant = "flow-" + uuid.uuid4().hex[:10]
        self.client = OpenSearch(hosts=[server.url], max_retries=0, timeout=30,
                                 headers={"x-emulator-tenant": self.tenant}, connection_class=RecordingConnection)
        self.ff = self.client.plugins.flow_framework
        self.clock = server.emulator.tenant(self.tenant).clock

    @property
    def status_code(self) -> int:
        conn = self.client.transport.connection_pool.connections[0]
        return int(conn.last_status)

    def advance(self, seconds: float) -> None:
        self.server.call(self.clock.advance(seconds))

    def while_advancing(self, call: Callable[[], Any], step_s: float = 0.05, limit_s: float = 120) -> Any:
        """Run a call whose server side waits on the manual clock, advancing time while it waits."""
        return while_advancing(call, lambda: bool(self.clock.pending), self.advance, step_s, limit_s)

    def provisioned(self, body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        wid = self.ff.create(body=body, params={"provision": "true"})["workflow_id"]
        self.advance(30)
        return wid, self.ff.get_status(workflow_id=wid)


@pytest.fixture
def flow(server: LiveServer) -> Flow:
    return Flow(server)


def test_provision_workflow_full_lifecycle_with_opensearch_py(flow: Flow) -> None:
    ff = flow.ff
    wid = ff.create(body=template("lifecycle", CONNECTOR, REGISTER, DEPLOY))["workflow_id"]
    assert flow.status_code == 201 and len(wid) == 20
    assert ff.get_status(workflow_id=wid) == {"workflow_id": wid, "state": "NOT_STARTED"}
    assert ff.provision(workflow_id=wid) == {"workflow_id": wid}
    assert flow.status_code == 202
    assert ff.get_status(workflow_id=wid) == {"workflow_id": wid, "state": "PROVISIONING"}
    flow.advance(0.08)  # create_connector's simulated latency
    partial = ff.get_status(workflow_id=wid)
    assert partial["state"] == "PROVISIONING"
    assert [r["workflow_step_name"] for r in partial["resources_created"]] == ["create_connector"]
    flow.advance(0.15)
    assert ff.get_status(workflow_id=wid)["state"] == "PROVISIONING"
    flow.advance(0.6)
    status = ff.get_status(workflow_id=wid)
    assert status["state"] == "COMPLETED"
    connector_id = status["resources_created"][0]["resource_id"]
    model_id = status["resources_created"][1]["resource_id"]
    assert status["resources_created"] == [
        {"workflow_step_name": "create_connector", "workflow_step_id": "create_connector_1",
         "resource_type": "connector_id", "resource_id": connector_id},
        {"workflow_step_name": "register_remote_model", "workflow_step_id": "register_model_2",
         "resource_type": "model_id", "resource_id": model_id},
        {"workflow_step_name": "deploy_model", "workflow_step_id": "deploy_model_3",
         "resource_type": "model_id", "resource_id": model_id}]
    full = ff.get_status(workflow_id=wid, params={"all": "true"})
    assert full["provisioning_progress"] == "DONE"
    assert full["provision_end_time"] - full["provision_start_time"] == 830  # 80 + 150 + 600 ms
    assert flow.while_advancing(lambda: ff.deprovision(workflow_id=wid)) == {"workflow_id": wid}
    assert flow.status_code == 200
    assert ff.get_status(workflow_id=wid) == {"workflow_id": wid, "state": "NOT_STARTED"}
    assert ff.get_status(workflow_id=wid, params={"all": "true"}) == {
        "workflow_id": wid, "state": "NOT_STARTED", "provisioning_progress": "NOT_STARTED"}


def test_deprovision_workflow_connector_used_by_other_workflow_202_then_retry_200(flow: Flow) -> None:
    ff = flow.ff
    w1, s1 = flow.provisioned(template("w1", CONNECTOR))
    connector_id = s1["resources_created"][0]["resource_id"]
    node = {"id": "register_model", "type": "register_remote_model",
            "user_inputs": {"name": "borrowing model", "function_name": "remote", "connector_id": connector_id}}
    w2, s2 = flow.provisioned(template("w2", node))
    assert s2["state"] == "COMPLETED" and s2["resources_created"][0]["resource_type"] == "model_id"
    refused = flow.while_advancing(lambda: ff.deprovision(workflow_id=w1))
    assert flow.status_code == 202
    assert refused == {"error": f"Failed to deprovision some resources: [connector_id {connector_id}]."}
    still = ff.get_status(workflow_id=w1)
    assert still["state"] == "COMPLETED"
    assert [r["resource_id"] for r in still["resources_created"]] == [connector_id]
    assert flow.while_advancing(lambda: ff.deprovision(workflow_id=w2)) == {"workflow_id": w2}
    assert flow.status_code == 200
    assert flow.while_advancing(lambda: ff.deprovision(workflow_id=w1)) == {"workflow_id": w1}
    assert flow.status_code == 200
    assert ff.get_status(workflow_id=w1) == {"workflow_id": w1, "state": "NOT_STARTED"}


def test_deprovision_workflow_allow_delete_403_then_200(flow: Flow) -> None:
    ff = flow.ff
    wid, status = flow.provisioned(template("index-and-pipeline", PIPELINE, INDEX))
    assert [r["resource_id"] for r in status["resources_created"]] == ["nlp-ingest-pipeline", "my-nlp-index"]
    with pytest.raises(opensearchpy.AuthorizationException) as exc:
        flow.while_advancing(lambda: ff.deprovision(workflow_id=wid))
    assert exc.value.status_code == 403
    assert exc.value.info == {"error": "These resources require the allow_delete parameter to deprovision: "
                                       "[pipeline_id nlp-ingest-pipeline, index_name my-nlp-index]."}
    assert len(ff.get_status(workflow_id=wid)["resources_created"]) == 2
    body = flow.while_advancing(lambda: ff.deprovision(
        workflow_id=wid, params={"allow_delete": "nlp-ingest-pipeline,my-nlp-index"}))
    assert body == {"workflow_id": wid} and flow.status_code == 200
    assert ff.get_status(workflow_id=wid) == {"workflow_id": wid, "state": "NOT_STARTED"}


def test_deprovision_workflow_failed_and_allow_delete_combined_202(flow: Flow) -> None:
    ff = flow.ff
    wid, status = flow.provisioned(template("connector-and-index", CONNECTOR, PIPELINE, INDEX))
    connector_id = next(r["resource_id"] for r in status["resources_created"] if r["resource_type"] == "connector_id")
    user = {"id": "user", "type": "register_remote_model",
            "user_inputs": {"name": "outside model", "connector_id": connector_id}}
    flow.provisioned(template("user", user))
    body = flow.while_advancing(lambda: ff.deprovision(workflow_id=wid, params={"allow_delete": "nlp-ingest-pipeline"}))
    assert flow.status_code == 202
    assert body == {"error": f"Failed to deprovision some resources: [connector_id {connector_id}]. These resources "
                             "require the allow_delete parameter to deprovision: [index_name my-nlp-index]."}
    left = ff.get_status(workflow_id=wid)["resources_created"]
    assert [(r["resource_type"], r["resource_id"]) for r in left] == [
        ("connector_id", connector_id), ("index_name", "my-nlp-index")]


def test_provision_workflow_step_failure_leaves_failed_state_and_partial_resources(flow: Flow) -> None:
    ff = flow.ff
    bad_index = {**INDEX, "user_inputs": {**INDEX["user_inputs"], "index_name": "Bad-Index"}}
    wid, status = flow.provisioned(template("bad-index", PIPELINE, bad_index))
    assert status == {
        "workflow_id": wid, "state": "FAILED",
        "error": "WorkflowStepException during step create_index, Invalid index name [Bad-Index], must be "
                 "lowercase, restStatus: BAD_REQUEST",
        "resources_created": [{"workflow_step_name": "create_ingest_pipeline",
                               "workflow_step_id": "create_ingest_pipeline", "resource_type": "pipeline_id",
                               "resource_id": "nlp-ingest-pipeline"}]}
    assert ff.get_status(workflow_id=wid, params={"all": "true"})["provisioning_progress"] == "FAILED"
    body = flow.while_advancing(lambda: ff.deprovision(workflow_id=wid, params={"allow_delete": "nlp-ingest-pipeline"}))
    assert body == {"workflow_id": wid}
    assert ff.get_status(workflow_id=wid) == {"workflow_id": wid, "state": "NOT_STARTED"}


def test_provision_workflow_injected_step_fault_fails_deploy(flow: Flow) -> None:
    flow.server.emulator.tenant(flow.tenant).faults.add(
        {"match": {"step_type": "deploy_model", "phase": "provision"},
         "effect": {"type": "step_error", "status": 503, "message": "Deploy queue full"}})
    wid, status = flow.provisioned(template("fault", CONNECTOR, REGISTER, DEPLOY))
    assert status["state"] == "FAILED"
    assert status["error"] == ("WorkflowStepException during step deploy_model_3, Deploy queue full, "
                               "restStatus: SERVICE_UNAVAILABLE")
    assert [r["workflow_step_name"] for r in status["resources_created"]] == ["create_connector",
                                                                             "register_remote_model"]
    assert flow.while_advancing(lambda: flow.ff.deprovision(workflow_id=wid)) == {"workflow_id": wid}


def test_create_workflow_provision_wait_for_completion_returns_state(flow: Flow) -> None:
    body = flow.while_advancing(lambda: flow.ff.create(
        body=template("sync", CONNECTOR), params={"provision": "true", "wait_for_completion_timeout": "5s"}))
    assert flow.status_code == 202
    assert body["state"] == "COMPLETED" and body["resources_created"][0]["resource_type"] == "connector_id"
    assert set(body) == {"workflow_id", "state", "resources_created"}


def test_get_workflow_opensearch_py_round_trip_hides_credentials(flow: Flow) -> None:
    wid = flow.ff.create(body=template("get", CONNECTOR))["workflow_id"]
    got = flow.ff.get(workflow_id=wid)
    assert list(got) == ["name", "description", "use_case", "version", "workflows", "created_time",
                         "last_updated_time"]
    assert "credential" not in got["workflows"]["provision"]["nodes"][0]["user_inputs"]
    with pytest.raises(opensearchpy.NotFoundError) as exc:
        flow.ff.get(workflow_id="missing-workflow-id-00")
    assert exc.value.info == {"error": "Failed to retrieve template (missing-workflow-id-00) from global context."}
    assert flow.client.info()["version"]["number"] == "3.7.0"
