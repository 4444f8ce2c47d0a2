"""Behaviour per release (#13 item 6): `opensearch_version` picks what that release's plugin had, from one table."""
from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from emulator.opensearch_flow.releases import FEATURES, release_for
from tests.opensearch_flow.flow_builders import BASE, FlowApi, index, noop, template

EMULATOR = Path(__file__).resolve().parents[2] / "emulator"


def only_parameters(listed: str) -> dict[str, str]:
    return {"error": f"Only the parameters [{listed}] are permitted unless the provision parameter is set to true."}


def test_release_for_reads_the_feature_table() -> None:
    assert release_for("2.15.0").text == "2.15.0" and release_for("2.15.1").reprovision is False
    r = release_for("2.16.0")
    assert (r.allow_delete, r.update_fields, r.reprovision) == (True, True, False)
    r = release_for("2.18.0")
    assert (r.reprovision, r.wait_for_completion_timeout, r.accepted_202) == (True, False, False)
    r = release_for("3.6.0")
    assert (r.wait_for_completion_timeout, r.accepted_202, r.typeless_mappings, r.field_validation) == (
        True, True, True, False)
    assert release_for("3.7.0-SNAPSHOT").field_validation and release_for("3.8.0").field_validation
    assert set(FEATURES) == {"use_cases", "allow_delete", "update_fields", "reprovision", "wait_for_completion_timeout",
                             "typeless_mappings", "accepted_202", "field_validation", "search_response_reparsed"}
    assert not release_for("2.18.0").search_response_reparsed and release_for("2.19.0").search_response_reparsed


def test_release_checks_live_only_in_the_table() -> None:
    """No `if version` checks scattered through the code: the version is only printed or turned into a Release."""
    readers = {str(p.relative_to(EMULATOR)) for p in EMULATOR.rglob("*.py")
               if re.search(r"opensearch_version|_version_tuple", p.read_text())}
    # settings (+ its help text) define it; routes.py (GET /) and the Flow descriptor (/_emulator/info) print it
    assert readers <= {"settings.py", "settings_help.py", "opensearch_flow/api.py", "opensearch_flow/routes.py",
                       "opensearch_flow/releases.py", "opensearch_flow/state.py"}
    callers = {str(p.relative_to(EMULATOR)) for p in EMULATOR.rglob("*.py") if "release_for(" in p.read_text()}
    assert callers == {"opensearch_flow/releases.py", "opensearch_flow/state.py"}
    state = (EMULATOR / "opensearch_flow" / "state.py").read_text()
    assert state.count("opensearch_version") == 1  # read once: release_for(settings.opensearch_version)


def test_deprovision_workflow_allow_delete_since_2_16(make_flow: Callable[..., FlowApi]) -> None:
    old = make_flow(opensearch_version="2.15.0", step_latency_scale=0)
    wid, status = old.provisioned(template(index()))
    assert status["state"] == "COMPLETED"
    r = old.request("POST", f"{BASE}/{wid}/_deprovision", params={"allow_delete": "my-index"})
    reason = f"request [{BASE}/{wid}/_deprovision] contains unrecognized parameter: [allow_delete]"
    assert (r.status_code, r.json()) == (400, {"error": {"root_cause": [{"type": "illegal_argument_exception",
                                                                          "reason": reason}],
                                                         "type": "illegal_argument_exception", "reason": reason},
                                               "status": 400})
    # 2.15 had no delete step for indices: deprovision succeeds and leaves the index in place
    r = old.deprovision(wid)
    assert (r.status_code, r.json()) == (200, {"workflow_id": wid})
    assert old.status(wid) == {"workflow_id": wid, "state": "NOT_STARTED"}
    assert "my-index" in old.backend.cluster.indices
    new = make_flow(opensearch_version="2.16.0", step_latency_scale=0)
    wid, _ = new.provisioned(template(index()))
    r = new.deprovision(wid)
    assert (r.status_code, r.json()) == (403, {"error": "These resources require the allow_delete parameter to "
                                                        "deprovision: [index_name my-index]."})


def test_create_workflow_use_case_param_since_2_13(make_flow: Callable[..., FlowApi]) -> None:
    r = make_flow(opensearch_version="2.12.0").request("POST", BASE, params={"use_case": "semantic_search"},
                                                       json={"create_ingest_pipeline.model_id": "m"})
    assert (r.status_code, r.json()) == (400, only_parameters(
        "pretty, workflow_id, provision, format, error_trace, human, filter_path, validation"))


def test_update_workflow_update_fields_since_2_16(make_flow: Callable[..., FlowApi]) -> None:
    old = make_flow(opensearch_version="2.15.0")
    wid = old.create_id(template(noop("a")))
    r = old.request("PUT", f"{BASE}/{wid}", params={"update_fields": "true"}, json={"description": "new"})
    assert (r.status_code, r.json()) == (400, only_parameters(
        "use_case, pretty, workflow_id, provision, format, error_trace, human, filter_path, validation"))


def test_update_workflow_reprovision_and_update_steps_since_2_17(make_flow: Callable[..., FlowApi]) -> None:
    old = make_flow(opensearch_version="2.16.0")
    wid = old.create_id(template(noop("a")))
    r = old.request("PUT", f"{BASE}/{wid}", params={"reprovision": "true"}, json=template(noop("a")))
    assert (r.status_code, r.json()) == (400, only_parameters(
        "use_case, pretty, workflow_id, provision, format, error_trace, human, update_fields, filter_path, validation"))
    steps = old.request("GET", f"{BASE}/_steps").json()
    assert not {"update_index", "update_ingest_pipeline", "update_search_pipeline"} & set(steps)
    r = old.request("GET", f"{BASE}/_steps", params={"workflow_step": "update_index"})
    assert (r.status_code, r.json()) == (400, {"error": "Failed to retrieve workflow step json."})
    node = {"id": "u", "type": "update_index", "user_inputs": {"index_name": "i", "configurations": {}}}
    r = old.create(template(node))
    assert (r.status_code, r.json()) == (501, {"error": "Workflow step type [update_index] is not implemented."})
    new = make_flow(opensearch_version="2.17.0")
    assert {"update_index", "update_ingest_pipeline", "update_search_pipeline"} <= set(
        new.request("GET", f"{BASE}/_steps").json())
    assert new.create(template(node)).status_code == 201


def test_create_workflow_deny_list_and_reindex_by_release(make_flow: Callable[..., FlowApi]) -> None:
    node = {"id": "d", "type": "delete_index", "user_inputs": {"index_name": "i"}}
    r = make_flow(opensearch_version="2.15.0").create(template(noop("a"), node))
    assert (r.status_code, r.json()) == (501, {"error": "Workflow step type [delete_index] is not implemented."})
    r = make_flow(opensearch_version="2.16.0").create(template(noop("a"), node))
    assert (r.status_code, r.json()) == (403, {"error": "The step type [delete_index] for node [d] can not be used "
                                                        "in a workflow."})
    reindex = {"id": "r", "type": "reindex", "user_inputs": {"source_index": "a", "destination_index": "b"}}
    r = make_flow(opensearch_version="2.14.0").create(template(reindex))
    assert (r.status_code, r.json()) == (501, {"error": "Workflow step type [reindex] is not implemented."})


def test_provision_workflow_wait_for_completion_timeout_since_2_19(make_flow: Callable[..., FlowApi]) -> None:
    old = make_flow(opensearch_version="2.18.0", step_latency_scale=0)
    r = old.request("POST", BASE, params={"wait_for_completion_timeout": "5s"}, json=template(noop("a")))
    assert (r.status_code, r.json()) == (400, only_parameters(
        "use_case, pretty, workflow_id, provision, reprovision, format, error_trace, human, update_fields, "
        "filter_path, validation"))
    # before 2.19 it is one more substitution parameter: no time parsing, no synchronous answer
    wid = old.create_id(template(noop("a")))
    r = old.provision(wid, params={"wait_for_completion_timeout": "abc"})
    assert (r.status_code, r.json()) == (200, {"workflow_id": wid})
    new = make_flow(opensearch_version="2.19.0", step_latency_scale=0)
    wid = new.create_id(template(noop("a")))
    r = new.advancing(lambda: new.provision(wid, params={"wait_for_completion_timeout": "5s"}))
    assert (r.status_code, r.json()) == (200, {"workflow_id": wid, "state": "COMPLETED"})


@pytest.mark.parametrize(("version", "provision", "create_provision"), [("2.19.0", 200, 201), ("3.0.0", 202, 202)])
def test_provision_workflow_status_codes_by_release(version: str, provision: int, create_provision: int,
                                                    make_flow: Callable[..., FlowApi]) -> None:
    flow = make_flow(opensearch_version=version)
    wid = flow.create_id(template(noop("a")))
    r = flow.provision(wid)
    assert (r.status_code, r.json()) == (provision, {"workflow_id": wid})
    r = flow.request("POST", BASE, params={"provision": "true"}, json=template(noop("b")))
    assert r.status_code == create_provision


@pytest.mark.parametrize(("version", "state"), [("2.19.0", "COMPLETED"), ("3.0.0", "FAILED")])
def test_provision_workflow_typed_mappings_before_3_0(version: str, state: str,
                                                      make_flow: Callable[..., FlowApi]) -> None:
    flow = make_flow(opensearch_version=version, step_latency_scale=0)
    node = index()
    node["user_inputs"]["configurations"] = {"mappings": {"_doc": {"properties": {"t": {"type": "text"}}}}}
    _, status = flow.provisioned(template(node))
    assert status["state"] == state
    if state == "FAILED":
        assert status["error"] == ("WorkflowStepException during step create_index, The mapping definition cannot "
                                   "be nested under a type, restStatus: BAD_REQUEST")
