"""Stateful Flow Framework contract: scenarios follow the OpenAPI links
create -> provision -> status -> deprovision -> delete, one fresh tenant per scenario, every check."""
from __future__ import annotations

import copy
import uuid
from typing import Any, ClassVar

import hypothesis
from contract_support import SEED, STATEFUL_EXAMPLES, contract_app, state_machine

from emulator.conformance.runner import load_schema, make_config

CREATE_LABEL = "POST /_plugins/_flow_framework/workflow"
CHAIN = [("create_workflow", 201), ("provision_workflow", 202), ("get_workflow_status", 200),
         ("deprovision_workflow", 200), ("delete_workflow", 200)]
# reference §4.1: connector -> remote model -> deploy, every required input present (§9)
TEMPLATE: dict[str, Any] = {
    "name": "contract-remote-model",
    "workflows": {"provision": {"nodes": [
        {"id": "create_connector_1", "type": "create_connector", "user_inputs": {
            "name": "OpenAI Chat Connector", "description": "contract test", "version": "1", "protocol": "http",
            "parameters": {"endpoint": "api.openai.com", "model": "gpt-3.5-turbo"},
            "credential": {"openAI_key": "12345"},
            "actions": [{"action_type": "predict", "method": "POST",
                         "url": "https://${parameters.endpoint}/v1/chat/completions"}]}},
        {"id": "register_model_2", "type": "register_remote_model",
         "previous_node_inputs": {"create_connector_1": "connector_id"}, "user_inputs": {"name": "gpt-35"}},
        {"id": "deploy_model_3", "type": "deploy_model", "previous_node_inputs": {"register_model_2": "model_id"}},
    ]}},
}


def _machine() -> Any:
    config = make_config("flow", max_examples=STATEFUL_EXAMPLES, seed=SEED, mode="positive", stateful=True)
    schema = load_schema("flow", config, app=contract_app())
    base = state_machine(schema)

    class FlowScenario(base):  # type: ignore[misc, valid-type]
        trace: ClassVar[list[list[tuple[str, int]]]] = []

        def setup(self) -> None:
            # a fresh tenant per scenario: its own indices, cluster, clock and journal
            self.tenant = "contract-" + uuid.uuid4().hex[:12]
            self.steps: list[tuple[str, int]] = []
            type(self).trace.append(self.steps)

        def before_call(self, case: Any) -> None:
            # Random templates almost never validate, so the scenario's create and provision are steered
            # to a provisionable template; the stateless run fuzzes those operations instead.
            oid = case.operation.definition.raw["operationId"]
            if oid == "create_workflow":
                case.body = copy.deepcopy(TEMPLATE)
                case.query = {}
            elif oid == "provision_workflow":
                case.body = {}
                case.query = {}

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": {"x-emulator-tenant": self.tenant}}

        def after_call(self, response: Any, case: Any) -> None:
            self.steps.append((case.operation.definition.raw["operationId"], response.status_code))

    assert _root_rule(CREATE_LABEL) in vars(base), sorted(n for n in vars(base) if n.startswith("RANDOM"))
    for name in list(vars(base)):  # scenarios start with a create; the rest is reached through links
        if name.startswith("RANDOM") and name != _root_rule(CREATE_LABEL):
            setattr(FlowScenario, name, None)
    return FlowScenario


def _root_rule(label: str) -> str:
    from schemathesis.generation.stateful.state_machine import normalize_name

    return normalize_name(f"RANDOM -> {label}")


def test_flow_stateful_links_create_provision_status_deprovision_delete() -> None:
    machine = _machine()
    machine.trace.clear()
    machine.run(settings=hypothesis.settings(
        max_examples=STATEFUL_EXAMPLES, phases=[hypothesis.Phase.generate], database=None, deadline=None,
        derandomize=True, stateful_step_count=10, suppress_health_check=list(hypothesis.HealthCheck)))
    # the links were really followed: some scenario walked the whole chain with the documented successes
    assert any(_is_subsequence(CHAIN, steps) for steps in machine.trace), machine.trace[:10]


def _is_subsequence(needle: list[Any], hay: list[Any]) -> bool:
    it = iter(hay)
    return all(any(x == y for y in it) for x in needle)
