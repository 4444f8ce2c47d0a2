"""REST conventions (reference §1, §3.1): parameters, error shapes, 405, unknown paths, YAML, create/update checks."""
from __future__ import annotations

from collections.abc import Callable

import yaml

from tests.opensearch_flow.flow_builders import BASE, FlowApi, connector, noop, template


def core(type_: str, reason: str, status: int = 400) -> dict[str, object]:
    cause = {"type": type_, "reason": reason}
    return {"error": {"root_cause": [cause], **cause}, "status": status}


def test_create_workflow_bad_boolean_is_core_error(flow: FlowApi) -> None:
    r = flow.create(template(noop("a")), provision="yes")
    assert r.status_code == 400
    assert r.json() == core("illegal_argument_exception",
                            "Failed to parse value [yes] as only [true] or [false] are allowed.")
    assert r.headers["content-type"] == "application/json; charset=UTF-8"


def test_get_workflow_unrecognized_parameter_core_400(flow: FlowApi) -> None:
    wid = flow.create_id(template(noop("a")))
    r = flow.request("GET", f"{BASE}/{wid}", params={"foo": "1"})
    assert r.json() == core("illegal_argument_exception",
                            f"request [{BASE}/{wid}] contains unrecognized parameter: [foo]")
    r = flow.request("GET", f"{BASE}/{wid}/_status", params={"al": "true"})
    assert r.json()["error"]["reason"].endswith("contains unrecognized parameter: [al] -> did you mean [all]?")
    r = flow.request("DELETE", f"{BASE}/{wid}", params={"allow_delete": "x"})
    assert r.status_code == 400 and "unrecognized parameter: [allow_delete]" in r.json()["error"]["reason"]
    r = flow.request("POST", f"{BASE}/{wid}/_deprovision", params={"clear_status": "true"})
    assert r.status_code == 400 and "unrecognized parameter: [clear_status]" in r.json()["error"]["reason"]
    assert flow.request("GET", f"{BASE}/{wid}", params={"pretty": "true", "error_trace": "true"}).status_code == 200


def test_create_workflow_other_params_need_provision(flow: FlowApi) -> None:
    r = flow.create(template(noop("a")), my_param="v")
    assert r.status_code == 400
    assert r.json()["error"].endswith("] are permitted unless the provision parameter is set to true.")
    assert r.json()["error"].startswith("Only the parameters [")


def test_create_workflow_rest_checks_in_order(flow: FlowApi) -> None:
    body = template(noop("a"))
    cases = [
        ({"provision": "true", "update_fields": "true"},
         "You can not use both the provision and update_fields parameters in the same request."),
        ({"reprovision": "true"}, "You can not use the reprovision parameter to create a new template."),
        ({"wait_for_completion_timeout": "2s"},
         ("Request parameter 'wait_for_completion_timeout' is not allowed unless the 'provision' or 'reprovision' "
         "parameter is set to true.")),
    ]
    for params, message in cases:
        r = flow.create(body, **params)
        assert (r.status_code, r.json()) == (400, {"error": message}), params
    wid = flow.create_id(body)
    r = flow.request("PUT", f"{BASE}/{wid}", json=body, params={"reprovision": "true", "use_case": "semantic_search"})
    assert r.json() == {"error": "You cannot use the reprovision and use_case parameters in the same request."}


def test_create_workflow_malformed_body_generic_message(flow: FlowApi) -> None:
    msg = {"error": "IOException: template content invalid for specified Content-Type."}
    for content in (b"{broken", b"", b"[1, 2]", b'{"name": "x", "version": {"template": "one"}}'):
        r = flow.request("POST", BASE, content=content, headers={"content-type": "application/json"})
        assert (r.status_code, r.json()) == (400, msg), content


def test_create_workflow_bad_wait_time_value_core_error(flow: FlowApi) -> None:
    r = flow.create(template(noop("a")), provision="true", wait_for_completion_timeout="soon")
    # TimeValue.parseTimeValue throws IllegalArgumentException (OpenSearch libs/common/.../unit/TimeValue.java)
    assert r.json() == core("illegal_argument_exception", "failed to parse setting [wait_for_completion_timeout] "
                                                          "with value [soon] as a time value: unit is missing or "
                                                          "unrecognized")


def test_create_workflow_yaml_body(flow: FlowApi) -> None:
    body = yaml.safe_dump(template(connector(), name="from-yaml"))
    r = flow.request("POST", BASE, content=body.encode(), headers={"content-type": "application/yaml"})
    # answered in the request's own media type: YAML, as Jackson writes it
    assert r.status_code == 201 and r.headers["content-type"] == "application/yaml"
    wid = yaml.safe_load(r.text)["workflow_id"]
    assert r.text == f'---\nworkflow_id: "{wid}"\n'
    got = flow.request("GET", f"{BASE}/{wid}").json()
    assert got["name"] == "from-yaml"
    assert got["workflows"]["provision"]["nodes"][0]["user_inputs"]["parameters"]["max_tokens"] == "100"


def test_create_workflow_unsupported_content_type_406(make_flow: Callable[..., FlowApi]) -> None:
    flow = make_flow()
    r = flow.request("POST", BASE, content=b"name=x", headers={"content-type": "text/plain"})
    # RestController.sendContentTypeErrorMessage: createSimpleErrorResponse, the flat shape
    assert (r.status_code, r.json()) == (406, {"error": "Content-Type header [text/plain] is not supported",
                                               "status": 406})


def test_get_workflow_wrong_method_405(make_flow: Callable[..., FlowApi]) -> None:
    # PUT .../_search matches update_workflow's path template: the contract lists its 405
    flow = make_flow()
    r = flow.request("GET", BASE)
    assert r.status_code == 405
    assert r.json() == {"error": f"Incorrect HTTP method for uri [{BASE}] and method [GET], allowed: [POST]",
                        "status": 405}
    r = flow.request("PUT", f"{BASE}/_search")
    assert r.json() == {"error": f"Incorrect HTTP method for uri [{BASE}/_search] and method [PUT], "
                                 "allowed: [GET, POST]", "status": 405}
    r = flow.request("POST", f"{BASE}/_steps")
    assert r.json()["error"].endswith("allowed: [GET]")
    r = flow.request("GET", f"{BASE}/abc/_provision")
    assert r.status_code == 405 and r.json()["error"].endswith("and method [GET], allowed: [POST]")
    assert r.headers["allow"] == "POST"


def test_get_workflow_unknown_plugin_path_400(flow: FlowApi) -> None:
    r = flow.request("GET", "/_plugins/_flow_framework/workflows")
    assert r.status_code == 400
    assert r.json() == {"error": "no handler found for uri [/_plugins/_flow_framework/workflows] and method [GET]"}
    r = flow.request("POST", f"{BASE}/abc/_bogus", params={"x": "1"})
    assert r.json() == {"error": f"no handler found for uri [{BASE}/abc/_bogus?x=1] and method [POST]"}


def test_get_cluster_info_reports_version(make_flow: Callable[..., FlowApi]) -> None:
    info = make_flow().request("GET", "/").json()
    assert info["version"]["number"] == "3.7.0" and info["version"]["distribution"] == "opensearch"
    assert info["tagline"] == "The OpenSearch Project: https://opensearch.org/"
    old = make_flow(opensearch_version="2.19.1").request("GET", "/").json()
    assert old["version"]["number"] == "2.19.1"


def test_provision_workflow_2x_version_profile_status_codes(make_flow: Callable[..., FlowApi]) -> None:
    flow = make_flow(opensearch_version="2.19.1")
    wid = flow.create_id(template(noop("a")))
    assert flow.provision(wid).status_code == 200
    r = flow.create(template(noop("a")), provision="true")
    assert r.status_code == 201
    flow.advance(30)
    new = make_flow()
    assert new.provision(new.create_id(template(noop("a")))).status_code == 202
    assert new.create(template(noop("a")), provision="true").status_code == 202


def test_update_workflow_provision_param_202_without_provisioning(flow: FlowApi) -> None:
    wid = flow.create_id(template(noop("a")))
    r = flow.request("PUT", f"{BASE}/{wid}", json=template(noop("b")), params={"provision": "true"})
    assert (r.status_code, r.json()) == (202, {"workflow_id": wid})
    flow.advance(10)
    assert flow.status(wid) == {"workflow_id": wid, "state": "NOT_STARTED"}


def test_create_workflow_provision_error_keeps_workflow(flow: FlowApi) -> None:
    bad = template(noop("a"), {"id": "b", "type": "no_such_step"})
    r = flow.create(bad, provision="true", validation="none")
    assert (r.status_code, r.json()) == (501, {"error": "Workflow step type [no_such_step] is not implemented."})
    r = flow.request("POST", f"{BASE}/_search", json={"query": {"match_all": {}}})
    assert r.json()["hits"]["total"]["value"] == 1


def test_get_workflow_format_and_accept_choose_the_answer_media_type(flow: FlowApi) -> None:
    wid = flow.create_id(template(connector(), name="media"))
    as_yaml = flow.request("GET", f"{BASE}/{wid}/_status", params={"format": "yaml"})
    assert as_yaml.headers["content-type"] == "application/yaml"
    assert yaml.safe_load(as_yaml.text) == {"workflow_id": wid, "state": "NOT_STARTED"}
    accepted = flow.request("GET", f"{BASE}/{wid}/_status", headers={"accept": "application/yaml"})
    assert accepted.text == as_yaml.text
    # format wins over Accept; unknown types fall back to JSON
    assert flow.request("GET", f"{BASE}/{wid}/_status", params={"format": "json"},
                        headers={"accept": "application/yaml"}).json()["state"] == "NOT_STARTED"
    assert flow.request("GET", f"{BASE}/{wid}/_status", headers={"accept": "text/html"}).json()["workflow_id"] == wid
    missing = flow.request("GET", f"{BASE}/nope/_status", params={"format": "yaml"})
    assert missing.status_code == 404 and yaml.safe_load(missing.text) == {"error": "Fail to find workflow status of nope"}
    nested = flow.request("GET", f"{BASE}/{wid}", params={"format": "yaml"})
    doc = yaml.safe_load(nested.text)
    assert doc["name"] == "media" and doc["workflows"]["provision"]["nodes"][0]["type"] == "create_connector"
