"""Every Flow error message of reference §3.1, §4.2, §5, §7, §10 and §12, verbatim with its status, via HTTP.

§12 rows not repeated here are asserted through HTTP in test_error_catalogue.py (disabled 403s, max_workflows,
update/get/delete/provision/status/deprovision 404s, provision state and body 400s, _steps 400, tenant 429s).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml

from tests.opensearch_flow.flow_builders import BASE, FlowApi, connector, index, model, noop, pipeline, template


def err(r: Any) -> tuple[int, Any]:
    return r.status_code, r.json()


def e(status: int, message: str) -> tuple[int, dict[str, str]]:
    return status, {"error": message}


def test_create_workflow_rest_level_messages_3_1(flow: FlowApi) -> None:
    t = template(noop("a"))
    assert err(flow.create(t, foo="1")) == e(400, (
        "Only the parameters [use_case, pretty, workflow_id, provision, reprovision, format, error_trace, human, "
        "update_fields, wait_for_completion_timeout, filter_path, validation] are permitted unless the provision "
        "parameter is set to true."))
    assert err(flow.create(t, provision="true", update_fields="true")) == e(
        400, "You can not use both the provision and update_fields parameters in the same request.")
    assert err(flow.create(t, reprovision="true")) == e(
        400, "You can not use the reprovision parameter to create a new template.")
    wid = flow.create_id(t)
    r = flow.request("PUT", f"{BASE}/{wid}", json=t, params={"reprovision": "true", "use_case": "semantic_search"})
    assert err(r) == e(400, "You cannot use the reprovision and use_case parameters in the same request.")
    assert err(flow.create(t, wait_for_completion_timeout="1s")) == e(
        400, "Request parameter 'wait_for_completion_timeout' is not allowed unless the 'provision' or 'reprovision' "
             "parameter is set to true.")
    assert err(flow.request("POST", BASE, params={"use_case": "no_such_case"})) == e(
        400, "Unable to find substitution ready file for use case: no_such_case")
    r = flow.request("POST", BASE, content=b"{broken", headers={"content-type": "application/json"})
    assert err(r) == e(400, "IOException: template content invalid for specified Content-Type.")
    bad_timeout = template(noop("a", node_timeout="soon"), name="tmpl")
    assert err(flow.create(bad_timeout)) == e(400, "Workflow validation failed for template tmpl")


def test_create_workflow_template_parse_messages_4_2(flow: FlowApi) -> None:
    def wf(**provision: Any) -> dict[str, Any]:
        return {"name": "t", "workflows": {"provision": provision}}

    node = noop("a")
    cases: list[tuple[Any, tuple[int, dict[str, str]]]] = [
        ({"name": "t", "bogus": 1}, e(400, "Unable to parse field [bogus] in a template object.")),
        ({"description": "no name"}, e(400, "A template object requires a name.")),
        ({"name": "t", "version": {"template": "1.0.0", "x": 1}},
         e(400, "Unable to parse field [version] in a version object.")),
        (wf(nodes=[]), e(400, "A workflow must have at least one node.")),
        (wf(nodes=[node], edges=[{"source": "a", "dest": "a", "x": "y"}]),
         e(400, "Unable to parse field [x] in an edge object.")),
        (wf(nodes=[node], edges=[{"source": "a"}]), e(400, "An edge object requires both a source and dest field.")),
        (wf(nodes=[{**node, "extra": 1}]), e(400, "Unable to parse field [extra] in a node object.")),
        (wf(nodes=[{"id": "a"}]), e(400, "An node object requires both an id and type field.")),
        (wf(nodes=[{"id": "a", "type": "noop", "user_inputs": {"k": None}}]),
         e(400, "Unable to parse field [k] in a node object.")),
    ]
    for body, expected in cases:
        assert err(flow.create(body)) == expected, body


def test_create_workflow_validation_messages_5(make_flow: Callable[..., FlowApi]) -> None:
    flow = make_flow(max_workflow_steps=2)
    a, b = noop("a"), noop("b")

    def wf(nodes: list[dict[str, Any]], edges: list[dict[str, str]] | None = None) -> dict[str, Any]:
        return {"name": "t", "workflows": {"provision": {"nodes": nodes, "edges": edges or []}}}

    cases: list[tuple[dict[str, Any], tuple[int, dict[str, str]]]] = [
        (wf([a, b, noop("c")]), e(400, "Workflow null has 3 nodes, which exceeds the maximum of 2. Change the "
                                       "setting [plugins.flow_framework.max_workflow_steps] to increase this.")),
        (wf([a, {"id": "d", "type": "delete_ingest_pipeline"}]),
         e(403, "The step type [delete_ingest_pipeline] for node [d] can not be used in a workflow.")),
        (wf([a, noop("a")]), e(400, "Duplicate node id a.")),
        (wf([a], [{"source": "x", "dest": "a"}]), e(400, "Edge source x does not correspond to a node.")),
        (wf([a], [{"source": "a", "dest": "y"}]), e(400, "Edge destination y does not correspond to a node.")),
        (wf([a, b], [{"source": "b", "dest": "b"}]), e(400, "Edge connects node b to itself.")),
        (wf([a, b], [{"source": "a", "dest": "b"}, {"source": "b", "dest": "a"}]),
         e(400, "No start node detected: all nodes have a predecessor.")),
        (wf([a, {"id": "x", "type": "warp_drive"}]), e(501, "Workflow step type [warp_drive] is not implemented.")),
        (wf([noop("a", node_timeout="-1")]),
         e(400, "Failed to parse timeout value [-1] for field [a.user_inputs.node_timeout]. Must be positive")),
        (wf([{"id": "m", "type": "register_remote_model", "user_inputs": {"name": "x"}}]),
         e(400, "Invalid workflow, node [m] missing the following required inputs : [connector_id]")),
        (wf([connector(name="bad ${{ name }}")]),
         e(400, "Validation Failed: 1: Model connector name [node create_connector_1] can only contain letters, "
                "numbers, spaces, and basic punctuation (.,!?():@-_'/\\\");")),
    ]
    for body, expected in cases:
        assert err(flow.create(body)) == expected, body
    big = make_flow(max_workflow_steps=3)
    cyc = wf([noop("c"), a, b], [{"source": "a", "dest": "b"}, {"source": "b", "dest": "a"}])
    assert err(big.create(cyc)) == e(400, "Cycle detected: [a->b, b->a]")
    # the provision-time variant names the workflow id instead of null
    small = make_flow(max_workflow_steps=1)
    sid = small.create_id(wf([a, b]), validation="none")
    assert err(small.provision(sid)) == e(400, f"Workflow {sid} has 2 nodes, which exceeds the maximum of 1. Change "
                                                "the setting [plugins.flow_framework.max_workflow_steps] to increase this.")


def test_create_workflow_required_plugin_missing_5(make_flow: Callable[..., FlowApi]) -> None:
    flow = make_flow(flow_ml_plugin_installed=False)
    assert err(flow.create(template(connector()))) == e(
        400, "The workflowStep create_connector requires the following plugins to be installed : [opensearch-ml]")
    wid = flow.create_id(template(connector()), validation="none")
    assert err(flow.provision(wid)) == e(
        400, "The workflowStep create_connector requires the following plugins to be installed : [opensearch-ml]")
    assert flow.create(template(index())).status_code == 201  # core steps need no plugin


def test_provision_workflow_generic_validation_messages(flow: FlowApi) -> None:
    wid = flow.create_id(template(noop("a", node_timeout="soon")), validation="none")
    assert err(flow.provision(wid)) == e(
        400, f"Failed to retrieve template from global context for workflow {wid}")
    no_provision = flow.create_id({"name": "t", "workflows": {"other": {"nodes": [noop("a")]}}})
    assert err(flow.provision(no_provision)) == e(
        500, f"Failed to retrieve template from global context for workflow {no_provision}")


def test_update_workflow_partial_and_reprovision_messages_10(flow: FlowApi) -> None:
    base = template(pipeline(), index(after="create_ingest_pipeline"))
    wid = flow.create_id(base)
    r = flow.request("PUT", f"{BASE}/{wid}", params={"update_fields": "true"}, json={"workflows": {}})
    assert err(r) == e(400, "You can not update the field [workflows] without updating the whole template.")
    r = flow.request("PUT", f"{BASE}/{wid}", json=base, params={"reprovision": "true"})
    assert err(r) == e(400, f"The template can not be reprovisioned unless its provisioning state is DONE or "
                            f"FAILED: {wid}")
    flow.provision(wid)
    flow.advance(5)
    def put(body):
        return flow.request("PUT", f"{BASE}/{wid}", json=body, params={"reprovision": "true"})
    assert err(put(base)) == e(400, "Template does not contain any modifications")
    assert err(put(template(pipeline()))) == e(
        400, "Workflow Step deletion is not supported when reprovisioning a template.")
    invalid = template(pipeline(), index(after="create_ingest_pipeline"), {"id": "x", "type": "warp_drive"})
    assert err(put(invalid))[0] == 501  # validation=all: the plugin error passes through (§3.1 PUT step 2)
    r = flow.request("PUT", f"{BASE}/{wid}", json=invalid, params={"reprovision": "true", "validation": "none"})
    assert err(r) == e(400, f"Workflow validation failed for workflow {wid}")
    cid, _ = flow.provisioned(template(connector(), model()))
    r = flow.request("PUT", f"{BASE}/{cid}", json=template(connector(name="Renamed"), model()),
                     params={"reprovision": "true"})
    assert err(r) == e(400, "Workflow Step create_connector_1 does not support updates when reprovisioning.")
    nid, _ = flow.provisioned(template(noop("a")))
    r = flow.request("PUT", f"{BASE}/{nid}", json=template(noop("a", delay="1s")), params={"reprovision": "true"})
    assert err(r) == e(400, "Unable to find update step for step: noop")
    # an index change that changes no setting fails the reprovision run with the §10.2 text
    same = index(after="create_ingest_pipeline")
    same["user_inputs"]["configurations"] = {"settings": {"number_of_shards": 1}, "mappings": {"x": {}}}
    r = put(template(pipeline(), same))
    assert r.status_code == 202
    flow.advance(5)
    assert flow.status(wid)["error"] == (
        "Failed to update index settings for index my-index, no settings have been updated during step create_index, "
        "restStatus: BAD_REQUEST")  # §7: reprovision's own error format


def test_search_workflows_body_required_core_400(flow: FlowApi) -> None:
    flow.create_id(template(noop("a")))
    for path in (f"{BASE}/_search", f"{BASE}/state/_search"):
        r = flow.request("GET", path)
        reason = {"type": "parse_exception", "reason": "request body or source parameter is required"}
        assert err(r) == (400, {"error": {"root_cause": [reason], **reason}, "status": 400}), path


def test_update_workflow_2x_profile_provision_param_201(make_flow: Callable[..., FlowApi]) -> None:
    flow = make_flow(opensearch_version="2.19.1")
    wid = flow.create_id(template(noop("a")))
    r = flow.request("PUT", f"{BASE}/{wid}", json=template(noop("b")), params={"provision": "true"})
    assert err(r) == (201, {"workflow_id": wid})
    assert flow.status(wid) == {"workflow_id": wid, "state": "NOT_STARTED"}  # §16.1: PUT never provisions


def test_create_workflow_unserializable_configurations_map(flow: FlowApi) -> None:
    # a YAML integer beyond 64 bits cannot be re-serialized as the §4.2 JSON string
    body = ("name: t\nworkflows:\n  provision:\n    nodes:\n      - id: i\n        type: create_index\n"
            "        user_inputs:\n          index_name: x\n          configurations:\n"
            "            n: 123456789012345678901234567890\n")
    r = flow.request("POST", BASE, content=body.encode(), headers={"content-type": "application/yaml"})
    # a YAML request is answered in YAML, errors included (AbstractRestChannel.newErrorBuilder)
    assert r.headers["content-type"] == "application/yaml" and r.text.startswith("---\n")
    assert (r.status_code, yaml.safe_load(r.text)) == e(400, "Failed to parse configurations map")
