"""The flow-framework plugin's REST integration tests of provisioning, ported to opensearch-py against a
live emulator: local and remote models, agent frameworks, ingest and search pipelines, deprovision
and delete, and the default use cases created and provisioned.

Each test names the Java test it ports (src/test/java/org/opensearch/flowframework/rest/
FlowFrameworkRestApiIT.java). Every assertion a REST client can observe is kept: statuses, states,
messages, resource lists, search hits. What needs an API the emulator does not serve (ML Commons'
GET agent, core's GET _ingest/pipeline, the neural-search plugin) is checked through the emulator's
own cluster model instead, and marked so.
"""
from __future__ import annotations

from emulator.opensearch_flow.releases import parse_version
from emulator.opensearch_flow.use_cases import find_use_case, use_case_names
from tests.clients.flow_it_support import Cluster, _deprovision_to_not_started, by_step
from tests.clients.flow_it_templates import (
    agent_framework,
    connector_model_deploy_agent,
    connector_tool_flow_agent,
    ingest_search_pipelines,
    local_sparse_model,
)


def test_create_and_provision_local_model_workflow(it: Cluster) -> None:
    # FlowFrameworkRestApiIT.testCreateAndProvisionLocalModelWorkflow
    wid = it.create(local_sparse_model(inputs=False))
    assert it.status == 201
    it.ff.get_steps()
    assert it.status == 200  # getAndAssertWorkflowStep
    it.assert_state(wid, "NOT_STARTED", "NOT_STARTED")
    err = it.fails(lambda: it.ff.provision(workflow_id=wid))
    assert "Invalid workflow, node [workflow_step_1] missing the following required inputs" in str(err.info)
    it.assert_state(wid, "NOT_STARTED", "NOT_STARTED")
    it.ff.update(workflow_id=wid, body=local_sparse_model())
    assert it.status == 201
    it.assert_state(wid, "NOT_STARTED", "NOT_STARTED")
    it.ff.provision(workflow_id=wid)
    assert it.status == 202
    it.assert_state(wid, "PROVISIONING", "IN_PROGRESS")
    created = it.resources(wid)
    assert [r["workflow_step_name"] for r in created] == ["register_local_sparse_encoding_model", "deploy_model"]
    assert all(r["resource_id"] for r in created)
    it.ff.delete(workflow_id=wid)
    assert it.status == 200
    it.assert_state(wid, "COMPLETED", "DONE")  # the state document outlives the template


def test_create_and_provision_remote_model_workflow(it: Cluster) -> None:
    # FlowFrameworkRestApiIT.testCreateAndProvisionRemoteModelWorkflow
    wid = it.create(connector_model_deploy_agent())
    assert it.status == 201
    it.assert_state(wid, "NOT_STARTED", "NOT_STARTED")
    it.ff.provision(workflow_id=wid)
    assert it.status == 202
    it.assert_state(wid, "PROVISIONING", "IN_PROGRESS")
    created = it.resources(wid)
    assert [r["workflow_step_name"] for r in created] == [
        "create_connector", "register_remote_model", "deploy_model", "register_agent"]
    assert all(r["resource_id"] for r in created)
    it.ff.delete(workflow_id=wid, params={"clear_status": "true"})
    assert it.status == 200
    err = it.fails(lambda: it.ff.get_status(workflow_id=wid))  # getAndAssertWorkflowStatusNotFound
    assert err.status_code == 404


def test_create_and_provision_agent_framework_workflow(it: Cluster) -> None:
    # FlowFrameworkRestApiIT.testCreateAndProvisionAgentFrameworkWorkflow
    wid = it.create(agent_framework(), provision="true")
    assert it.status == 202
    it.advance(120)
    it.assert_state(wid, "COMPLETED", "DONE")
    hits = it.ff.search_state(body={"query": {"ids": {"values": [wid]}}})["hits"]
    assert hits["total"]["value"] == 1
    created = hits["hits"][0]["_source"]["resources_created"]
    assert len(created) == 5
    assert {r["workflow_step_id"] for r in created} == {"root_agent", "sub_agent", "openAI_connector", "gpt-3.5-model"}
    assert created[0]["resource_id"]
    _deprovision_to_not_started(it, wid)
    it.ff.delete(workflow_id=wid)
    assert it.status == 200
    assert it.fails(lambda: it.ff.get_status(workflow_id=wid)).status_code == 404


def test_create_and_provision_connector_tool_agent_framework_workflow(it: Cluster) -> None:
    # FlowFrameworkRestApiIT.testCreateAndProvisionConnectorToolAgentFrameworkWorkflow
    wid = it.create(connector_tool_flow_agent(), provision="true")
    assert it.status == 202
    created = by_step(it.resources(wid, 120))
    assert set(created) == {"create_connector", "register_agent"}
    connector_id, agent_id = created["create_connector"]["resource_id"], created["register_agent"]["resource_id"]
    # the IT reads the agent through ML Commons' GET _plugins/_ml/agents/<id>; here the emulator's cluster model
    tools = it.cluster.agents[agent_id]["tools"]
    assert len(tools) == 1 and tools[0]["parameters"]["connector_id"] == connector_id
    _deprovision_to_not_started(it, wid)
    it.ff.delete(workflow_id=wid)
    assert it.status == 200
    assert it.fails(lambda: it.ff.get_status(workflow_id=wid)).status_code == 404


def test_create_and_provision_ingest_and_search_pipeline(it: Cluster) -> None:
    # FlowFrameworkRestApiIT.testCreateAndProvisionIngestAndSearchPipeline
    wid = it.create(ingest_search_pipelines())
    assert it.status == 201
    it.assert_state(wid, "NOT_STARTED", "NOT_STARTED")
    it.ff.provision(workflow_id=wid)
    assert it.status == 202
    it.assert_state(wid, "PROVISIONING", "IN_PROGRESS")
    created = it.resources(wid)
    assert all(r["resource_id"] for r in created)
    assert {"create_connector", "register_remote_model", "deploy_model", "create_search_pipeline",
            "create_ingest_pipeline"} <= {r["workflow_step_name"] for r in created}
    assert len(created) == 5
    model_id = created[2]["resource_id"]
    assert model_id in str(it.cluster.ingest_pipelines["append-1"])  # getPipelines("append-1")


def test_default_cohere_use_case(it: Cluster) -> None:
    # FlowFrameworkRestApiIT.testDefaultCohereUseCase (createWorkflowWithUseCaseWithNoValidation)
    wid = str(it.create_use_case("cohere_embedding_model_deploy", ["create_connector.credential.key"])["workflow_id"])
    assert it.status == 201
    it.assert_state(wid, "NOT_STARTED", "NOT_STARTED")
    it.ff.provision(workflow_id=wid)
    assert it.status == 202
    it.assert_state(wid, "PROVISIONING", "IN_PROGRESS")
    created = it.resources(wid)
    assert {"create_connector", "register_remote_model", "deploy_model"} <= {r["workflow_step_name"] for r in created}
    assert len(created) == 3 and all(r["resource_id"] for r in created)


def test_default_semantic_search_use_case_with_failure_expected(it: Cluster) -> None:
    # FlowFrameworkRestApiIT.testDefaultSemanticSearchUseCaseWithFailureExpected
    err = it.fails(lambda: it.create_use_case("semantic_search", []))
    assert ("Missing the following required parameters for use case [semantic_search] : "
            "[create_ingest_pipeline.model_id]") in str(err.info)
    wid = str(it.create_use_case("semantic_search", ["create_ingest_pipeline.model_id"])["workflow_id"])
    assert it.status == 201
    it.assert_state(wid, "NOT_STARTED", "NOT_STARTED")
    it.ff.provision(workflow_id=wid)
    assert it.status == 202
    # not ported: the IT then expects FAILED/FAILED, which its test cluster produces because it runs without
    # the neural-search plugin (create_ingest_pipeline's text_embedding processor type does not exist there);
    # the emulator models no per-plugin ingest processor registry
    it.assert_state(wid, "PROVISIONING", "IN_PROGRESS")


def test_all_default_use_cases_creation(it: Cluster) -> None:
    # FlowFrameworkRestApiIT.testAllDefaultUseCasesCreation: every DefaultUseCases entry of the server's
    # release, created with its required parameters (empty strings) and validation off
    release = parse_version(it.server.emulator.settings.opensearch_version)
    names = use_case_names(release)
    assert len(names) >= 20
    for name in names:
        required = list(find_use_case(name, release)[1].required)
        wid = str(it.create_use_case(name, required)["workflow_id"])
        assert it.status == 201, name
        it.assert_state(wid, "NOT_STARTED", "NOT_STARTED")
