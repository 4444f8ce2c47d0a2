"""Clarifai workflow nodes as typed values (reference §4): parsed from the wire once, stored as
`WorkflowNode`, rendered back to exactly the wire form GetWorkflow answers, and saved by the state codec."""
from __future__ import annotations

from emulator.clarifai.models import (
    ModelRef,
    NodeModel,
    NodeSpec,
    Workflow,
    WorkflowNode,
    WorkflowSpec,
    WorkflowVersion,
)
from emulator.core.snapshot import from_data, to_data
from tests.clarifai.clarifai_rest_support import DETECTOR, GENERAL, Api, backend, node, workflow

W = "/v2/users/me/apps/a1/workflows"


def stored(api: Api, wf_id: str) -> Workflow:
    state = backend(api.client)
    wf: Workflow = state.store.app(state.settings.clarifai_default_user_id, "a1")[wf_id]  # `me` in the open mode
    return wf


def test_node_spec_from_json_reads_every_field_of_a_wire_node() -> None:
    wire_node = {"id": "crop", "model": {"id": "m", "model_version": {"id": "V1"}, "user_id": "u", "app_id": "a"},
                 "node_inputs": [{"node_id": "detect"}], "suppress_output": True,
                 "output_info_override": {"params": {"margin": 1.5}}}
    assert NodeSpec.from_json(wire_node) == NodeSpec("crop", ModelRef("m", "V1", "u", "a"), ("detect",), True,
                                                     {"params": {"margin": 1.5}})
    # absent parts are absent, not empty strings: a model without `id` is "no model" (validation says so)
    assert NodeSpec.from_json({"id": "n", "model": {"model_version": {"id": "v"}}}) == NodeSpec("n", None)
    assert NodeSpec.from_json({"id": "n", "model": {"id": "m"}}).model == ModelRef("m")


def test_workflow_spec_from_json_defaults_what_the_request_omits() -> None:
    spec = WorkflowSpec.from_json({"id": "w", "nodes": [node("g", GENERAL)], "visibility": {"gettable": 50}})
    assert (spec.id, spec.visibility, spec.description, spec.metadata, spec.use_cases, spec.image) == (
        "w", 50, "", {}, (), None)
    assert spec.nodes == (NodeSpec("g", ModelRef(*GENERAL)),)
    assert WorkflowSpec.from_json({"id": "w"}).visibility == 0  # not given: the handler's default applies


def test_post_workflows_stores_typed_nodes_that_render_as_get_workflow_answers(api: Api) -> None:
    wf = workflow("typed", node("detect", DETECTOR), node("classify", GENERAL, ("detect",), suppress_output=True))
    status, _ = api("POST", W, {"workflows": [wf]})
    assert status == 200
    nodes = stored(api, "typed").nodes
    assert all(isinstance(n, WorkflowNode) and isinstance(n.model, NodeModel) for n in nodes)
    detect, classify = nodes
    assert (detect.model.id, detect.model.version_id, detect.model.user_id, detect.model.app_id) == (
        DETECTOR[0], DETECTOR[1], "clarifai", "main")
    assert (classify.node_inputs, classify.suppress_output, classify.model.model_type_id) == (
        ("detect",), True, "visual-classifier")
    _, got = api("GET", f"{W}/typed")
    assert got["workflow"]["nodes"] == [n.to_json() for n in nodes]
    shown = got["workflow"]["nodes"][1]
    assert (shown["id"], shown["model"]["id"], shown["model"]["model_version"]["id"]) == ("classify", *GENERAL)
    assert (shown["node_inputs"], shown["suppress_output"]) == ([{"node_id": "detect"}], True)
    assert "node_inputs" not in got["workflow"]["nodes"][0] and "suppress_output" not in got["workflow"]["nodes"][0]
    # the PATCH form keeps only what a request names, and parses back to the same node request
    assert NodeSpec.from_json(classify.to_patch()) == NodeSpec("classify", ModelRef(*GENERAL), ("detect",), True)


def test_workflow_version_nodes_survive_the_state_codec(api: Api) -> None:
    api("POST", W, {"workflows": [workflow("saved", node("detect", DETECTOR), node("g", GENERAL, ("detect",)))]})
    version = stored(api, "saved").latest
    loaded = from_data(WorkflowVersion, to_data(version))
    assert loaded.nodes == version.nodes and loaded.to_json() == version.to_json()
