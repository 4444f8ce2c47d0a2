"""Delete, update (full, update_fields, reprovision) and `_steps` (reference §3.1-§3.3, §3.7, §9, §10)."""
from __future__ import annotations

from emulator.opensearch_flow.steps import STEPS
from tests.opensearch_flow.flow_builders import BASE, FlowApi, connector, index, model, noop, pipeline, template


def test_delete_workflow_delete_response_and_not_found(flow: FlowApi) -> None:
    wid = flow.create_id(template(noop("a")))
    r = flow.request("DELETE", f"{BASE}/{wid}")
    body = r.json()
    assert r.status_code == 200
    assert body["_index"] == ".plugins-flow-framework-templates" and body["_id"] == wid
    assert body["result"] == "deleted" and body["forced_refresh"] is True
    assert body["_shards"] == {"total": 1, "successful": 1, "failed": 0} and body["_primary_term"] == 1
    assert {"_version", "_seq_no"} <= set(body)
    # no resources: the state doc goes with the template
    assert flow.request("GET", f"{BASE}/{wid}/_status").status_code == 404
    r = flow.request("DELETE", f"{BASE}/{wid}")
    assert (r.status_code, r.json()["result"]) == (200, "not_found")


def test_delete_workflow_keeps_state_unless_clear_status(flow: FlowApi) -> None:
    wid, _ = flow.provisioned(template(connector()))
    flow.request("DELETE", f"{BASE}/{wid}")
    assert flow.status(wid)["state"] == "COMPLETED"  # resources keep the state alive
    assert flow.request("GET", f"{BASE}/{wid}").status_code == 404
    other, _ = flow.provisioned(template(connector(name="Other connector")))
    flow.request("DELETE", f"{BASE}/{other}", params={"clear_status": "true"})
    assert flow.request("GET", f"{BASE}/{other}/_status").status_code == 404
    assert len(flow.backend.cluster.connectors) == 2  # delete never deprovisions


def test_delete_workflow_clear_status_ignored_while_provisioning(flow: FlowApi) -> None:
    wid = flow.create_id(template(noop("slow", delay="5s")), provision="true")
    flow.request("DELETE", f"{BASE}/{wid}", params={"clear_status": "true"})
    assert flow.status(wid)["state"] == "PROVISIONING"


def test_update_workflow_full_replacement(flow: FlowApi) -> None:
    wid = flow.create_id(template(noop("a"), name="before"))
    created = flow.request("GET", f"{BASE}/{wid}").json()["created_time"]
    flow.advance(3)
    r = flow.request("PUT", f"{BASE}/{wid}", json={"name": "after", "workflows": {"provision": {"nodes": [noop("b")]}}})
    assert (r.status_code, r.json()) == (201, {"workflow_id": wid})
    got = flow.request("GET", f"{BASE}/{wid}").json()
    assert got["name"] == "after" and got["description"] == ""
    assert [n["id"] for n in got["workflows"]["provision"]["nodes"]] == ["b"]
    assert got["created_time"] == created and got["last_updated_time"] == created + 3000


def test_update_workflow_update_fields_merge(flow: FlowApi) -> None:
    wid, _ = flow.provisioned(template(noop("a"), name="n1", version={"template": "1.0.0"}))
    r = flow.request("PUT", f"{BASE}/{wid}", params={"update_fields": "true"},
                     json={"description": "new", "use_case": "", "version": {"compatibility": ["3.0.0"]},
                           "ui_metadata": {"x": 1}})
    assert (r.status_code, r.json()) == (201, {"workflow_id": wid})
    got = flow.request("GET", f"{BASE}/{wid}").json()
    assert (got["name"], got["description"], got["use_case"]) == ("n1", "new", "TEST")
    assert got["version"] == {"template": "1.0.0", "compatibility": ["3.0.0"]}
    assert got["ui_metadata"] == {"x": 1}
    assert flow.status(wid)["state"] == "COMPLETED"  # state untouched
    r = flow.request("PUT", f"{BASE}/{wid}", params={"update_fields": "true"}, json={"workflows": {}})
    assert r.json() == {"error": "You can not update the field [workflows] without updating the whole template."}


def test_update_workflow_reprovision_checks(flow: FlowApi) -> None:
    base = template(pipeline(), index(after="create_ingest_pipeline"))
    wid = flow.create_id(base)
    r = flow.request("PUT", f"{BASE}/{wid}", json=base, params={"reprovision": "true"})
    assert r.json() == {"error": f"The template can not be reprovisioned unless its provisioning state is DONE or "
                                 f"FAILED: {wid}"}
    r = flow.request("PUT", f"{BASE}/{wid}", json={"name": "x"}, params={"reprovision": "true", "update_fields": "true"})
    assert r.status_code == 400
    flow.provision(wid)
    flow.advance(5)
    r = flow.request("PUT", f"{BASE}/{wid}", json=base, params={"reprovision": "true"})
    assert r.json() == {"error": "Template does not contain any modifications"}
    r = flow.request("PUT", f"{BASE}/{wid}", json=template(pipeline()), params={"reprovision": "true"})
    assert r.json() == {"error": "Workflow Step deletion is not supported when reprovisioning a template."}
    conn = template(connector(), model())
    cid, _ = flow.provisioned(conn)
    changed = template(connector(name="Renamed connector"), model())
    r = flow.request("PUT", f"{BASE}/{cid}", json=changed, params={"reprovision": "true"})
    assert r.json() == {"error": "Workflow Step create_connector_1 does not support updates when reprovisioning."}
    nid, _ = flow.provisioned(template(noop("a")))
    r = flow.request("PUT", f"{BASE}/{nid}", json=template(noop("a", delay="1s")), params={"reprovision": "true"})
    assert r.json() == {"error": "Unable to find update step for step: noop"}


def test_update_workflow_reprovision_updates_index_and_adds_nodes(flow: FlowApi) -> None:
    base = template(pipeline(), index(after="create_ingest_pipeline"))
    wid, before = flow.provisioned(base)
    changed_index = index(after="create_ingest_pipeline")
    changed_index["user_inputs"]["configurations"] = {"settings": {"number_of_shards": 1, "refresh_interval": "5s"}}
    new = template(pipeline(), changed_index, pipeline("search", pid="sp", kind="search"))
    r = flow.request("PUT", f"{BASE}/{wid}", json=new, params={"reprovision": "true"})
    assert (r.status_code, r.json()) == (202, {"workflow_id": wid})
    assert flow.status(wid)["state"] == "PROVISIONING"
    flow.advance(5)
    after = flow.status(wid)
    assert after["state"] == "COMPLETED"
    assert after["resources_created"] == before["resources_created"] + [
        {"workflow_step_name": "create_search_pipeline", "workflow_step_id": "search", "resource_type": "pipeline_id",
         "resource_id": "sp"}]
    assert flow.backend.cluster.indices["my-index"]["settings"]["index"]["refresh_interval"] == "5s"
    got = flow.request("GET", f"{BASE}/{wid}").json()
    assert got["last_provisioned_time"] == flow.clock.now_ms() - 5000


def test_update_workflow_reprovision_no_index_change_fails_state(flow: FlowApi) -> None:
    base = template(pipeline(), index(after="create_ingest_pipeline"))
    wid, _ = flow.provisioned(base)
    same_settings = index(after="create_ingest_pipeline")
    same_settings["user_inputs"]["configurations"] = {"settings": {"number_of_shards": 1}, "mappings": {"x": {}}}
    r = flow.request("PUT", f"{BASE}/{wid}", json=template(pipeline(), same_settings), params={"reprovision": "true"})
    assert r.status_code == 202
    flow.advance(5)
    status = flow.status(wid)
    assert status["state"] == "FAILED"
    assert status["error"] == ("Failed to update index settings for index my-index, no settings have been updated "
                               "during step create_index, restStatus: BAD_REQUEST")


def test_get_workflow_steps_all_and_filtered(flow: FlowApi) -> None:
    steps = flow.request("GET", f"{BASE}/_steps").json()
    assert set(steps) == set(STEPS) - {"delete_index", "delete_ingest_pipeline", "delete_search_pipeline"}
    assert steps["create_connector"] == {
        "inputs": ["name", "description", "version", "protocol", "parameters", "credential", "actions"],
        "outputs": ["connector_id"], "required_plugins": ["opensearch-ml"], "timeout": "1m"}
    assert steps["create_index"] == {"inputs": ["index_name", "configurations"], "outputs": ["index_name"],
                                     "required_plugins": []}
    assert steps["register_local_pretrained_model"]["timeout"] == "1m"  # TimeValue.toString()
    r = flow.request("GET", f"{BASE}/_steps", params={"workflow_step": "deploy_model,register_agent"})
    assert r.json() == {"deploy_model": {"inputs": ["model_id"], "outputs": ["model_id"],
                                         "required_plugins": ["opensearch-ml"], "timeout": "15s"},
                        "register_agent": {"inputs": ["name", "type"], "outputs": ["agent_id"],
                                           "required_plugins": ["opensearch-ml"]}}
