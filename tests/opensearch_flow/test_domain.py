"""The typed Flow domain (issue #11): values and typed documents keep the stored and wire shapes exactly,
and provisioning sees the state only through its narrow `Ledger` interface."""
from __future__ import annotations

import ast
from pathlib import Path

import orjson

from emulator.opensearch_flow import deprovision, provisioning
from emulator.opensearch_flow.domain import Node, Workflow
from emulator.opensearch_flow.models import STATE_FIELDS, initial_state
from emulator.opensearch_flow.template import parse_template, render_template
from tests.opensearch_flow.flow_builders import connector, deploy, model, template


def test_workflow_values_give_back_the_stored_shape_byte_for_byte() -> None:
    body = template(connector(), model(), deploy())
    body["workflows"]["provision"]["user_params"] = {"a": "b"}
    body["workflows"]["provision"]["edges"] = [{"source": "create_connector_1", "dest": "register_model_1"}]
    stored = parse_template(body)["workflows"]["provision"]
    workflow = Workflow.of(stored)
    assert orjson.dumps(workflow.doc()) == orjson.dumps(stored)
    assert [Node.of(n).doc() for n in stored["nodes"]] == stored["nodes"]
    # explicit edges first, then those inferred from previous_node_inputs (§4.2), without duplicates
    assert [(e.source, e.dest) for e in workflow.edges] == [(e["source"], e["dest"]) for e in stored["edges"]]
    assert workflow.predecessors() == {"create_connector_1": [], "register_model_1": ["create_connector_1"],
                                      "deploy_model_1": ["register_model_1"]}


def test_render_template_keeps_field_order_and_omits_empties() -> None:
    stored = parse_template({"name": "n", "description": "d", "version": {"template": "1.0.0", "compatibility": []},
                             "workflows": {}})
    stored["created_time"] = 1
    stored["last_updated_time"] = 2
    assert list(render_template(stored)) == ["name", "description", "use_case", "version", "workflows",
                                             "created_time", "last_updated_time"]
    assert render_template(stored)["version"] == {"template": "1.0.0"}


def test_state_document_fields_are_the_plugins() -> None:
    # WorkflowState.toXContent order (§6.1): the `_status?all=true` answer follows it
    assert STATE_FIELDS == ("workflow_id", "error", "state", "provisioning_progress", "provision_start_time",
                            "provision_end_time", "user", "user_outputs", "resources_created", "tenant_id",
                            "all_shared_principals")
    assert list(initial_state("w")) == ["workflow_id", "state", "provisioning_progress"]


def test_provisioning_and_deprovision_see_only_the_ledger() -> None:
    for module in (provisioning, deprovision):
        tree = ast.parse(Path(str(module.__file__)).read_text(encoding="utf-8"))
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert "emulator.opensearch_flow.ledger" in imported
        assert not imported & {"emulator.opensearch_flow.state", "emulator.opensearch_flow.backend"}, module
