"""Issue #13 item 3: ML resources live as ml-commons keeps them, not as the workflow that made them."""
from __future__ import annotations

from typing import Any

from tests.opensearch_flow.flow_builders import BASE, FlowApi, connector, deploy, model, template


def group(node_id: str = "model_group", name: str = "test model group") -> dict[str, Any]:
    return {"id": node_id, "type": "register_model_group", "user_inputs": {"name": name, "description": "g"}}


def test_provision_workflow_second_provision_fails_on_existing_model_group(flow: FlowApi) -> None:
    grouped = {**model(after=None), "previous_node_inputs": {"create_connector_1": "connector_id",
                                                             "model_group": "model_group_id"}}
    wid, status = flow.provisioned(template(group(), connector(), grouped, deploy()))
    assert status["state"] == "COMPLETED"
    group_id = status["resources_created"][0]["resource_id"]
    r = flow.advancing(lambda: flow.request("POST", f"{BASE}/{wid}/_deprovision"))
    assert (r.status_code, r.json()) == (200, {"workflow_id": wid})
    # register_model_group undoes as a noop and deleting the last model leaves the group in ml-commons
    assert group_id in flow.backend.cluster.model_groups
    flow.provision(wid)
    flow.advance(30)
    again = flow.status(wid)
    assert (again["state"], again["error"]) == (
        "FAILED", ("WorkflowStepException during step model_group, The name you provided is already being used by a "
                   f"model group with ID: {group_id}., restStatus: BAD_REQUEST"))
    # the independent connector branch still ran; nothing after the group did
    assert [r["workflow_step_id"] for r in again["resources_created"]] == ["create_connector_1"]


def test_provision_workflow_agent_with_dangling_llm_model_id_completes(flow: FlowApi) -> None:
    # FlowFrameworkRestApiIT.testCreateAndProvisionAgentFrameworkWorkflow: llm.model_id is never looked up
    agent = {"id": "agent", "type": "register_agent", "user_inputs": {
        "name": "a", "type": "flow", "llm": {"model_id": "ldzS04kBxRPZ5cnWrqpd", "parameters": {"k": "v"}}}}
    _, status = flow.provisioned(template(agent))
    assert status["state"] == "COMPLETED"
    assert [r["resource_type"] for r in status["resources_created"]] == ["agent_id"]


def test_provision_workflow_model_without_group_gets_named_group_that_outlives_it(flow: FlowApi) -> None:
    wid, _ = flow.provisioned(template(connector(), model()))
    groups = flow.backend.cluster.model_groups
    assert [g["name"] for g in groups.values()] == ["Test model"]
    flow.advancing(lambda: flow.request("POST", f"{BASE}/{wid}/_deprovision"))
    assert [g["name"] for g in groups.values()] == ["Test model"]
    # registering the same model name again reuses that group instead of failing
    _, again = flow.provisioned(template(connector(), model()))
    assert again["state"] == "COMPLETED" and len(groups) == 1


def test_provision_workflow_missing_model_group_is_unsafe_failure(flow: FlowApi) -> None:
    _, status = flow.provisioned(template(connector(), model(model_group_id="no-such-group")))
    # MLResourceNotFoundException is not "safe" (WorkflowStepException.getSafeException): generic text, 500
    assert status["error"] == ("WorkflowStepException during step register_model_1, Failed to register remote model, "
                               "restStatus: INTERNAL_SERVER_ERROR")


def test_provision_workflow_remote_model_with_interface_skips_connector_lookup(flow: FlowApi) -> None:
    m = model(after=None, connector_id="not-there", interface={"input": "{}", "output": "{}"})
    _, status = flow.provisioned(template(m))
    assert status["state"] == "COMPLETED"
