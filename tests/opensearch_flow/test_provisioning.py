"""The provisioning engine (reference §3.4, §6.2, §7): parallel branches, inputs, substitution, timeouts, sync mode."""
from __future__ import annotations

from collections.abc import Callable

from tests.opensearch_flow.flow_builders import BASE, FlowApi, connector, deploy, model, noop, pipeline, template


def test_provision_workflow_independent_branches_run_in_parallel(flow: FlowApi) -> None:
    wid = flow.create_id(template(connector("c1"), connector("c2", name="Second connector")))
    assert flow.provision(wid).status_code == 202
    flow.advance(0.079)
    assert "resources_created" not in flow.status(wid)
    flow.advance(0.001)  # both 80 ms connectors finish together: they did not run one after the other
    status = flow.status(wid)
    assert status["state"] == "COMPLETED"
    assert sorted(r["workflow_step_id"] for r in status["resources_created"]) == ["c1", "c2"]


def test_provision_workflow_step_latency_scale_zero_is_instant(make_flow: Callable[..., FlowApi]) -> None:
    flow = make_flow(step_latency_scale=0)
    wid = flow.create_id(template(connector(), model(), deploy()), provision="true")
    flow.advance(0)
    status = flow.status(wid, all="true")
    assert status["state"] == "COMPLETED" and len(status["resources_created"]) == 3
    assert status["provision_start_time"] == status["provision_end_time"]


def test_provision_workflow_input_resolution_order(flow: FlowApi) -> None:
    ids = {}
    for name in ("mapped", "param", "input"):
        _, s = flow.provisioned(template(connector(name=f"{name} connector")))
        ids[name] = s["resources_created"][0]["resource_id"]
    node = model(after=None, connector_id=ids["input"])
    body = template(connector("c"), {**node, "previous_node_inputs": {"c": "connector_id"}})
    body["workflows"]["provision"]["user_params"] = {"connector_id": ids["param"]}
    _, status = flow.provisioned(body)
    mapped_connector = status["resources_created"][0]["resource_id"]
    model_id = status["resources_created"][1]["resource_id"]
    assert flow.backend.cluster.models[model_id].connector_id == mapped_connector  # 1: previous_node_inputs
    body = template({**node, "id": "m"})
    body["workflows"]["provision"]["user_params"] = {"connector_id": ids["param"]}
    _, status = flow.provisioned(body)
    assert flow.backend.cluster.models[status["resources_created"][0]["resource_id"]].connector_id == ids["param"]
    _, status = flow.provisioned(template({**node, "id": "m"}))
    assert flow.backend.cluster.models[status["resources_created"][0]["resource_id"]].connector_id == ids["input"]


def test_provision_workflow_substitutes_node_outputs_and_params(flow: FlowApi) -> None:
    pipe = pipeline(pid="${{ pipeline_name }}")
    pipe["user_inputs"]["configurations"] = {"description": "${{ description }}", "processors": [
        {"text_embedding": {"model_id": "${{register_model_1.model_id}}", "field_map": {"a": "b"}}}]}
    pipe["previous_node_inputs"] = {"register_model_1": "model_id"}
    wid = flow.create_id(template(connector(), model(), pipe))
    r = flow.provision(wid, params={"pipeline_name": "subst-pipeline"}, json={"description": 'say "hi"\n'})
    assert r.status_code == 202
    flow.advance(5)
    status = flow.status(wid)
    assert status["state"] == "COMPLETED", status
    model_id = status["resources_created"][1]["resource_id"]
    stored = flow.backend.cluster.ingest_pipelines["subst-pipeline"]
    assert stored["description"] == 'say "hi"\n'
    assert stored["processors"][0]["text_embedding"]["model_id"] == model_id
    # the template keeps its placeholders
    got = flow.request("GET", f"{BASE}/{wid}").json()["workflows"]["provision"]["nodes"][2]["user_inputs"]
    assert got["pipeline_id"] == "${{ pipeline_name }}"


def test_provision_workflow_node_timeout_fails_with_timeout_exception(flow: FlowApi) -> None:
    slow = {**deploy(), "user_inputs": {"node_timeout": "100ms"}}
    _wid, status = flow.provisioned(template(connector(), model(), slow))
    assert status["state"] == "FAILED"
    assert status["error"] == "TimeoutException during step deploy_model_1, restStatus: INTERNAL_SERVER_ERROR"
    assert len(status["resources_created"]) == 2


def test_provision_workflow_missing_step_inputs_flow_framework_exception(flow: FlowApi) -> None:
    custom = {"id": "m", "type": "register_local_custom_model", "user_inputs": {
        k: "x" for k in ("name", "version", "model_format", "function_name", "model_content_hash_value", "url",
                         "model_type", "embedding_dimension", "framework_type")}}
    wid, status = flow.provisioned(template(custom))
    assert status == {"workflow_id": wid, "state": "FAILED",
                      "error": f"FlowFrameworkException during step m, Missing required inputs [model_config] in "
                               f"workflow [{wid}] node [m], restStatus: BAD_REQUEST"}


def test_provision_workflow_failure_does_not_cancel_other_branches(flow: FlowApi) -> None:
    failing = model("bad", after=None, connector_id="no-such-connector")
    late = {**connector("late"), "previous_node_inputs": {"slow": "x"}}
    wid = flow.create_id(template(failing, noop("slow", delay="1s"), late))
    flow.provision(wid)
    flow.advance(0.15)
    status = flow.status(wid)
    assert status == {"workflow_id": wid, "state": "FAILED", "error": "WorkflowStepException during step bad, "
                      "Failed to find connector, restStatus: NOT_FOUND"}
    flow.advance(1)  # the independent branch keeps going and records its connector after FAILED
    status = flow.status(wid)
    assert status["state"] == "FAILED"
    assert [r["workflow_step_id"] for r in status["resources_created"]] == ["late"]


def test_provision_workflow_successor_of_failed_node_fails_same_error(flow: FlowApi) -> None:
    failing = model("bad", after=None, connector_id="nope")
    follower = deploy("d", after="bad")
    _wid, status = flow.provisioned(template(failing, follower))
    assert status["error"].startswith("WorkflowStepException during step bad, Failed to find connector")


def test_provision_workflow_register_with_deploy_records_two_entries(flow: FlowApi) -> None:
    _, status = flow.provisioned(template(connector(), model(deploy=True)))
    assert [(r["workflow_step_name"], r["workflow_step_id"]) for r in status["resources_created"]] == [
        ("create_connector", "create_connector_1"), ("register_remote_model", "register_model_1"),
        ("deploy_model", "register_model_1")]
    model_id = status["resources_created"][1]["resource_id"]
    assert status["resources_created"][2]["resource_id"] == model_id
    assert flow.backend.cluster.models[model_id].state == "DEPLOYED"


def test_provision_workflow_wait_for_completion_sync_outcomes(flow: FlowApi) -> None:
    wid = flow.create_id(template(connector()))
    r = flow.advancing(lambda: flow.provision(wid, params={"wait_for_completion_timeout": "2s"}))
    assert r.status_code == 202
    assert r.json() == {"workflow_id": wid, "state": "COMPLETED", "resources_created": flow.status(wid)["resources_created"]}
    slow = flow.create_id(template(noop("slow", delay="10s")))
    r = flow.advancing(lambda: flow.provision(slow, params={"wait_for_completion_timeout": "1s"}))
    assert (r.status_code, r.json()) == (202, {"workflow_id": slow, "state": "PROVISIONING"})
    bad = flow.create_id(template(model("bad", after=None, connector_id="nope")))
    r = flow.advancing(lambda: flow.provision(bad, params={"wait_for_completion_timeout": "5s"}))
    assert r.status_code == 404
    # a connector exists by now, so ml-commons' connector index does: MLModelManager.getConnector names the id
    assert r.json() == {"error": "WorkflowStepException during step bad, Failed to find connector:nope, "
                                 "restStatus: NOT_FOUND"}
    assert flow.status(bad)["error"] == r.json()["error"]


def test_provision_workflow_state_lifecycle_all_fields(flow: FlowApi) -> None:
    wid = flow.create_id(template(connector()))
    start = flow.clock.now_ms()
    flow.provision(wid)
    running = flow.status(wid, all="true")
    assert running == {"workflow_id": wid, "state": "PROVISIONING", "provisioning_progress": "IN_PROGRESS",
                       "provision_start_time": start}
    flow.advance(1)
    done = flow.status(wid, all="true")
    assert list(done) == ["workflow_id", "state", "provisioning_progress", "provision_start_time",
                          "provision_end_time", "resources_created"]
    assert done["provision_end_time"] == start + 80
    r = flow.request("POST", f"{BASE}/state/_search", json={"query": {"ids": {"values": [wid]}}})
    assert r.json()["hits"]["hits"][0]["_source"]["provisioning_progress"] == "DONE"
