"""Every message of the reference's §12 error catalogue, verbatim, through the in-process client."""
from __future__ import annotations

from collections.abc import Callable

from tests.opensearch_flow.flow_builders import BASE, FlowApi, connector, noop, template


def test_create_workflow_disabled_403_create_wording(make_flow: Callable[..., FlowApi]) -> None:
    flow = make_flow(flow_enabled=False)
    r = flow.request("POST", BASE)
    assert r.status_code == 403
    assert r.json() == {"error": "This API is disabled. To enable it, set [plugins.flow_framework.enabled] to true."}
    # RestCreateWorkflowAction.java:109-116 answers before reading the content, so a body turns the answer
    # into BaseRestHandler's "does not support having a body"
    for method, path in (("POST", BASE), ("PUT", f"{BASE}/abc")):
        r = flow.request(method, path, json=template(noop("a")))
        reason = f"request [{method} {path}] does not support having a body"
        assert (r.status_code, r.json()) == (400, {"error": {
            "root_cause": [{"type": "illegal_argument_exception", "reason": reason}],
            "type": "illegal_argument_exception", "reason": reason}, "status": 400})


def test_get_workflow_disabled_403_on_every_other_endpoint(make_flow: Callable[..., FlowApi]) -> None:
    flow = make_flow(flow_enabled=False)
    msg = {"error": "This API is disabled. To enable it, update the setting [plugins.flow_framework.enabled] to true."}
    calls = [("GET", f"{BASE}/x"), ("DELETE", f"{BASE}/x"), ("POST", f"{BASE}/x/_provision"),
             ("POST", f"{BASE}/x/_deprovision"), ("GET", f"{BASE}/x/_status"), ("GET", f"{BASE}/_steps")]
    for method, path in calls:
        r = flow.request(method, path)
        assert (r.status_code, r.json()) == (403, msg), path
    for path in (f"{BASE}/_search", f"{BASE}/state/_search"):
        r = flow.request("POST", path)
        assert (r.status_code, r.json()) == (403, msg)
        r = flow.request("POST", path, json={"query": {"match_all": {}}})
        assert r.json()["error"]["reason"] == f"request [POST {path}] does not support having a body"


def test_create_workflow_max_workflows_limit(make_flow: Callable[..., FlowApi]) -> None:
    flow = make_flow(max_workflows=2)
    flow.create_id(template(noop("a")))
    flow.create_id(template(noop("a")))
    r = flow.create(template(noop("a")))
    assert (r.status_code, r.json()) == (400, {"error": "Maximum workflows limit reached: 2"})


def test_update_workflow_unknown_id_404(flow: FlowApi) -> None:
    r = flow.request("PUT", f"{BASE}/nope", json=template(noop("a")))
    assert (r.status_code, r.json()) == (404, {"error": "Failed to retrieve template (nope)."})
    flow.create_id(template(noop("a")))
    r = flow.request("PUT", f"{BASE}/nope", json=template(noop("a")))
    assert (r.status_code, r.json()) == (404, {"error": "Failed to retrieve template (nope) from global context."})


def test_update_workflow_requires_not_started(flow: FlowApi) -> None:
    wid, status = flow.provisioned(template(noop("a")))
    assert status["state"] == "COMPLETED"
    r = flow.request("PUT", f"{BASE}/{wid}", json=template(noop("b")))
    assert r.status_code == 400
    assert r.json() == {"error": f"The template can not be updated unless its provisioning state is NOT_STARTED: {wid}. "
                                 "Deprovision the workflow to reset the state."}


def test_get_workflow_no_templates_then_unknown_id(flow: FlowApi) -> None:
    r = flow.request("GET", f"{BASE}/abc")
    assert (r.status_code, r.json()) == (404, {"error": "There are no templates in the global_context"})
    flow.create_id(template(noop("a")))
    r = flow.request("GET", f"{BASE}/abc")
    assert (r.status_code, r.json()) == (404, {"error": "Failed to retrieve template (abc) from global context."})


def test_delete_workflow_no_templates_404(flow: FlowApi) -> None:
    r = flow.request("DELETE", f"{BASE}/abc")
    assert (r.status_code, r.json()) == (404, {"error": "There are no templates in the global context"})


def test_provision_workflow_unknown_id_404(flow: FlowApi) -> None:
    r = flow.provision("abc")
    assert (r.status_code, r.json()) == (404, {"error": "Failed to get template abc"})
    flow.create_id(template(noop("a")))
    r = flow.provision("abc")
    assert (r.status_code, r.json()) == (404, {"error": "Failed to retrieve template (abc) from global context."})


def test_provision_workflow_state_not_started_done_in_progress_failed(flow: FlowApi) -> None:
    def msg(progress: str, wid: str) -> dict[str, str]:
        return {"error": f"The workflow provisioning state is {progress} and can not be provisioned unless its state "
                         f"is NOT_STARTED: {wid}. Deprovision the workflow to reset the state."}

    done, _ = flow.provisioned(template(noop("a")))
    r = flow.provision(done)
    assert (r.status_code, r.json()) == (400, msg("DONE", done))
    running = flow.create_id(template(noop("slow", delay="5s")), provision="true")
    r = flow.provision(running)
    assert (r.status_code, r.json()) == (400, msg("IN_PROGRESS", running))
    failing = template(connector(), noop("n", node_timeout="1s", delay="5s"))
    failed, status = flow.provisioned(failing)
    assert status["state"] == "FAILED"
    assert flow.provision(failed).json() == msg("FAILED", failed)


def test_provision_workflow_body_errors(flow: FlowApi) -> None:
    wid = flow.create_id(template(noop("a")))
    r = flow.provision(wid, params={"k": "1"}, json={"k": "2"})
    assert (r.status_code, r.json()) == (400, {"error": "Duplicate key k"})
    r = flow.provision(wid, json={"k": 2})
    assert (r.status_code, r.json()) == (400, {"error": "Request body fields must have string values"})
    r = flow.provision(wid, content=b"{not json", headers={"content-type": "application/json"})
    assert (r.status_code, r.json()) == (400, {"error": "Request body parsing failed"})
    assert flow.status(wid)["state"] == "NOT_STARTED"


def test_get_workflow_status_unknown_404(flow: FlowApi) -> None:
    r = flow.request("GET", f"{BASE}/abc/_status")
    assert (r.status_code, r.json()) == (404, {"error": "Fail to find workflow status of abc"})


def test_deprovision_workflow_unknown_404(flow: FlowApi) -> None:
    r = flow.deprovision("abc")
    assert (r.status_code, r.json()) == (404, {"error": "Failed to get workflow state for workflow abc"})


def test_get_workflow_steps_unknown_or_denied_name_400(flow: FlowApi) -> None:
    for name in ("nope", "delete_index", "noop,bogus"):
        r = flow.request("GET", f"{BASE}/_steps", params={"workflow_step": name})
        assert (r.status_code, r.json()) == (400, {"error": "Failed to retrieve workflow step json."})


def test_provision_workflow_tenant_throttling_429(make_flow: Callable[..., FlowApi]) -> None:
    flow = make_flow(flow_multi_tenancy=True)
    h = {"x-tenant-id": "acme"}
    ids = [flow.create_id(template(noop("slow", delay="5s"))) for _ in range(3)]
    assert flow.provision(ids[0], headers=h).status_code == 202
    assert flow.provision(ids[1], headers=h).status_code == 202
    r = flow.provision(ids[2], headers=h)
    assert (r.status_code, r.json()) == (429, {"error": "Exceeded max simultaneous provisioning requests: 2"})
    assert flow.provision(ids[2], headers={"x-tenant-id": "other"}).status_code == 202
    r = flow.provision(ids[2])
    assert (r.status_code, r.json()) == (403, {"error": "No permission to access this resource"})


def test_deprovision_workflow_tenant_throttling_429(make_flow: Callable[..., FlowApi]) -> None:
    import threading

    flow = make_flow(flow_multi_tenancy=True, step_latency_scale=0)
    h = {"x-tenant-id": "acme"}
    a = flow.create_id(template(noop("a"), connector()))
    b = flow.create_id(template(noop("b")))
    assert flow.provision(a, headers=h).status_code == 202
    flow.advance(1)
    # the first deprovision waits 100 ms on the manual clock after deleting its connector
    first = threading.Thread(target=lambda: flow.request("POST", f"{BASE}/{a}/_deprovision", headers=h))
    first.start()
    while not flow.clock.pending:
        first.join(0.002)
    r = flow.request("POST", f"{BASE}/{b}/_deprovision", headers=h)
    assert (r.status_code, r.json()) == (429, {"error": "Exceeded max simultaneous deprovisioning requests: 1"})
    flow.advance(1)
    first.join(10)
    assert flow.status(a) == {"workflow_id": a, "state": "NOT_STARTED"}
