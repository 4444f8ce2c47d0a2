"""Issue #13 item 5: query-parameter rules as the plugin's REST actions code them."""
from __future__ import annotations

from emulator.opensearch_flow.steps import DENY_LISTED, STEPS
from tests.opensearch_flow.flow_builders import BASE, FlowApi, connector, noop, template


def test_create_workflow_post_update_fields_rejects_full_template(flow: FlowApi) -> None:
    # Template.parse(parser, updateFields) runs for POST too (RestCreateWorkflowAction.java:232)
    r = flow.create(template(noop("a")), update_fields="true")
    assert (r.status_code, r.json()) == (400, {
        "error": "You can not update the field [workflows] without updating the whole template."})


def test_create_workflow_post_with_workflow_id_param_updates(flow: FlowApi) -> None:
    wid = flow.create_id(template(noop("a"), name="first"))
    r = flow.create(template(noop("b"), name="second"), workflow_id=wid)
    assert (r.status_code, r.json()) == (201, {"workflow_id": wid})
    got = flow.request("GET", f"{BASE}/{wid}").json()
    assert got["name"] == "second" and got["workflows"]["provision"]["nodes"][0]["id"] == "b"
    r = flow.create(template(noop("b")), workflow_id="missing0000000000000")
    assert (r.status_code, r.json()) == (404, {
        "error": "Failed to retrieve template (missing0000000000000) from global context."})


def test_update_workflow_reprovision_with_extra_param_only_parameters_error(flow: FlowApi) -> None:
    wid = flow.create_id(template(noop("a")))
    r = flow.request("PUT", f"{BASE}/{wid}", json=template(noop("a")),
                     params={"provision": "true", "reprovision": "true", "foo": "bar"})
    assert r.status_code == 400
    assert r.json()["error"].startswith("Only the parameters [") and r.json()["error"].endswith(
        "] are permitted unless the provision parameter is set to true.")


def test_update_workflow_reprovision_with_update_fields_merges_then_reprovisions(flow: FlowApi) -> None:
    wid, status = flow.provisioned(template(connector()))
    assert status["state"] == "COMPLETED"
    r = flow.advancing(lambda: flow.request("PUT", f"{BASE}/{wid}", json={"description": "new words"},
                                            params={"reprovision": "true", "update_fields": "true"}))
    # the merged template still holds the same workflow: nothing to reprovision
    assert (r.status_code, r.json()) == (400, {"error": "Template does not contain any modifications"})
    fresh = flow.create_id(template(noop("a")))
    r = flow.request("PUT", f"{BASE}/{fresh}", json={"name": "renamed"},
                     params={"reprovision": "true", "update_fields": "true"})
    assert (r.status_code, r.json()) == (400, {
        "error": f"The template can not be reprovisioned unless its provisioning state is DONE or FAILED: {fresh}"})


def test_get_workflow_steps_empty_and_empty_entries(flow: FlowApi) -> None:
    every = {n for n in STEPS if n not in DENY_LISTED}
    r = flow.request("GET", f"{BASE}/_steps", params={"workflow_step": ""})
    assert r.status_code == 200 and set(r.json()) == every
    r = flow.request("GET", f"{BASE}/_steps", params={"workflow_step": "noop,,create_index"})
    assert (r.status_code, r.json()) == (400, {"error": "Failed to retrieve workflow step json."})
    # Java's String.split drops trailing empty strings only
    r = flow.request("GET", f"{BASE}/_steps", params={"workflow_step": "noop,"})
    assert (r.status_code, list(r.json())) == (200, ["noop"])
    r = flow.request("GET", f"{BASE}/_steps", params={"workflow_step": " noop"})
    assert r.status_code == 400


def test_get_workflow_steps_timeout_is_time_value_string(flow: FlowApi) -> None:
    steps = flow.request("GET", f"{BASE}/_steps", params={"workflow_step": "create_connector,deploy_model"}).json()
    assert steps["create_connector"]["timeout"] == "1m"
    assert steps["deploy_model"]["timeout"] == "15s"


def test_delete_workflow_clear_status_booleans_parse_boolean(flow: FlowApi) -> None:
    wid, status = flow.provisioned(template(connector()))
    r = flow.request("DELETE", f"{BASE}/{wid}", params={"clear_status": "yes"})
    assert (r.status_code, r.json()) == (400, {"error": "Failed to get workflow."})
    # present but empty is false here (Booleans.parseBoolean(value, false)), unlike RestRequest.paramAsBoolean
    r = flow.request("DELETE", f"{BASE}/{wid}", params={"clear_status": ""})
    assert r.status_code == 200 and r.json()["result"] == "deleted"
    assert flow.status(wid)["resources_created"] == status["resources_created"]


def test_create_workflow_arrays_inside_array_objects_are_stringified(flow: FlowApi) -> None:
    node = connector()
    node["user_inputs"]["actions"] = [{"action_type": "predict", "method": "POST", "url": "https://x",
                                       "codes": [200, 1.5, "ok", True]}]
    wid = flow.create_id(template(node))
    action = flow.request("GET", f"{BASE}/{wid}").json()["workflows"]["provision"]["nodes"][0]["user_inputs"][
        "actions"][0]
    assert action["codes"] == '[200, 1.5, "ok", "true"]'
    # parser.text() on a nested array throws: Template.parse's generic failure
    node["user_inputs"]["actions"] = [{"codes": [[1]]}]
    r = flow.create(template(node))
    assert (r.status_code, r.json()) == (400, {"error": "IOException: template content invalid for specified "
                                                        "Content-Type."})


def test_create_workflow_non_string_name_skipped_by_field_validation(flow: FlowApi) -> None:
    node = connector(name="x")
    node["user_inputs"]["name"] = 12345
    r = flow.create(template(node))
    assert r.status_code == 201, r.text
