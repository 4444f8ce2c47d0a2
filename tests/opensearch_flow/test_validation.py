"""Workflow validation (reference §5): checks in order, verbatim messages, 403/501 statuses, create vs provision."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from emulator.opensearch_flow import errors
from emulator.opensearch_flow.domain import Workflow
from emulator.opensearch_flow.errors import FlowError
from emulator.opensearch_flow.releases import release_for
from emulator.opensearch_flow.sorter import validate_workflow
from emulator.opensearch_flow.template import parse_workflow
from tests.opensearch_flow.flow_builders import BASE, FlowApi, connector, model, noop, template


def check(nodes: list[dict[str, Any]], edges: list[dict[str, str]] | None = None, *, max_steps: int = 50,
          version: str = "3.7.0") -> list[str]:
    wf = Workflow.of(parse_workflow({"nodes": nodes, "edges": edges or []}))
    order = validate_workflow(wf, workflow_id=None, max_steps=max_steps, release=release_for(version),
                              generic=errors.validation_failed_template("t"))
    return [n.id for n in order]


def failure(nodes: list[dict[str, Any]], edges: list[dict[str, str]] | None = None, **kw: Any) -> tuple[int, str]:
    with pytest.raises(FlowError) as exc:
        check(nodes, edges, **kw)
    return exc.value.status, exc.value.message


def test_create_workflow_validation_messages_and_statuses() -> None:
    a, b = noop("a"), noop("b")
    assert failure([a, b], max_steps=1) == (400, ("Workflow null has 2 nodes, which exceeds the maximum of 1. Change "
                                                 "the setting [plugins.flow_framework.max_workflow_steps] to increase this."))
    assert failure([a, {"id": "d", "type": "delete_index"}]) == (
        403, "The step type [delete_index] for node [d] can not be used in a workflow.")
    assert failure([a, noop("a")]) == (400, "Duplicate node id a.")
    assert failure([a], [{"source": "x", "dest": "a"}]) == (400, "Edge source x does not correspond to a node.")
    assert failure([a], [{"source": "a", "dest": "y"}]) == (400, "Edge destination y does not correspond to a node.")
    assert failure([a, b], [{"source": "a", "dest": "a"}]) == (400, "Edge connects node a to itself.")
    assert failure([a, b], [{"source": "a", "dest": "b"}, {"source": "b", "dest": "a"}]) == (
        400, "No start node detected: all nodes have a predecessor.")
    c = noop("c")
    assert failure([c, a, b], [{"source": "a", "dest": "b"}, {"source": "b", "dest": "a"}]) == (
        400, "Cycle detected: [a->b, b->a]")
    assert failure([a, {"id": "x", "type": "warp_drive"}]) == (501, "Workflow step type [warp_drive] is not implemented.")
    assert failure([noop("a", node_timeout="-1")]) == (
        400, "Failed to parse timeout value [-1] for field [a.user_inputs.node_timeout]. Must be positive")
    assert failure([noop("a", node_timeout="soon")]) == (400, "Workflow validation failed for template t")
    assert failure([{"id": "m", "type": "register_remote_model", "user_inputs": {"name": "x"}}]) == (
        400, "Invalid workflow, node [m] missing the following required inputs : [connector_id]")
    assert failure([{"id": "c", "type": "create_connector", "user_inputs": {}}]) == (
        400, ("Invalid workflow, node [c] missing the following required inputs : [name, description, version, "
             "protocol, parameters, credential, actions]"))


def test_create_workflow_required_inputs_satisfied_by_predecessor_outputs() -> None:
    assert check([connector(), model()]) == ["create_connector_1", "register_model_1"]


def test_create_workflow_topological_order_kahn_roots_in_node_order() -> None:
    nodes = [noop("late", x="1"), noop("root1"), noop("root2")]
    nodes[0]["previous_node_inputs"] = {"root2": "x"}
    assert check(nodes) == ["root1", "root2", "late"]


def test_create_workflow_name_safety_since_3_7() -> None:
    bad = connector(name="${{ connector_name }}")
    assert failure([bad, model(name="")]) == (400, (
        # Java HashMap order (checked with jshell), not node order
        "Validation Failed: 1: Model name [node register_model_1] is required and cannot be null or blank;"
        "2: Model connector name [node create_connector_1] can only contain letters, numbers, "
        "spaces, and basic punctuation (.,!?():@-_'/\\\");"))
    assert check([bad, model()], version="3.6.0") == ["create_connector_1", "register_model_1"]


def test_create_workflow_validation_none_skips_checks_but_provision_validates(flow: FlowApi) -> None:
    body = template(noop("a"), {"id": "x", "type": "warp_drive"})
    r = flow.create(body)
    assert (r.status_code, r.json()) == (501, {"error": "Workflow step type [warp_drive] is not implemented."})
    wid = flow.create_id(body, validation="none")
    r = flow.provision(wid)
    assert (r.status_code, r.json()) == (501, {"error": "Workflow step type [warp_drive] is not implemented."})
    assert flow.status(wid)["state"] == "NOT_STARTED"
    r = flow.create(template(noop("a"), {"id": "d", "type": "delete_search_pipeline"}))
    assert r.status_code == 403


def test_provision_workflow_bad_node_timeout_generic_message(flow: FlowApi) -> None:
    wid = flow.create_id(template(noop("a", node_timeout="soon")), validation="none")
    r = flow.provision(wid)
    assert (r.status_code, r.json()) == (400, {"error": f"Failed to retrieve template from global context for "
                                                        f"workflow {wid}"})


def test_provision_workflow_without_provision_workflow_500(flow: FlowApi) -> None:
    wid = flow.create_id({"name": "no-workflows"})
    r = flow.provision(wid)
    assert (r.status_code, r.json()) == (500, {"error": f"Failed to retrieve template from global context for "
                                                        f"workflow {wid}"})


def test_create_workflow_max_workflow_steps_setting(make_flow: Callable[..., FlowApi]) -> None:
    flow = make_flow(max_workflow_steps=2)
    r = flow.create(template(noop("a"), noop("b"), noop("c")))
    assert r.json()["error"].startswith("Workflow null has 3 nodes, which exceeds the maximum of 2.")
    wid = flow.create_id(template(noop("a"), noop("b"), noop("c")), validation="none")
    assert flow.provision(wid).json()["error"].startswith(f"Workflow {wid} has 3 nodes")
    assert flow.request("GET", f"{BASE}/{wid}").status_code == 200
