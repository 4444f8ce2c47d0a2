"""Issue #13 item 4: REST conventions as OpenSearch core answers them (RestController, BaseRestHandler, TimeValue)."""
from __future__ import annotations

from typing import Any

from tests.opensearch_flow.flow_builders import BASE, FlowApi, noop, template


def core(kind: str, reason: str, status: int = 400, **extra: Any) -> dict[str, Any]:
    cause = {"type": kind, "reason": reason, **extra}
    return {"error": {"root_cause": [cause], **cause}, "status": status}


def test_create_workflow_unsupported_content_type_simple_406(flow: FlowApi) -> None:
    # RestController.sendContentTypeErrorMessage -> BytesRestResponse.createSimpleErrorResponse
    ctype = "application/x-www-form-urlencoded"
    r = flow.request("POST", BASE, content=b"name=x", headers={"content-type": ctype})
    assert (r.status_code, r.json()) == (406, {"error": f"Content-Type header [{ctype}] is not supported",
                                               "status": 406})
    # checked before the handler: even a bad boolean parameter loses to it
    r = flow.request("POST", BASE, params={"provision": "maybe"}, content=b"name=x", headers={"content-type": ctype})
    assert r.status_code == 406
    r = flow.request("POST", BASE, content=b"{}", headers={"content-type": ""})
    assert (r.status_code, r.json()["error"]) == (406, "Content-Type header [] is not supported")


def test_provision_workflow_bad_time_values_are_core_illegal_argument(flow: FlowApi) -> None:
    wid = flow.create_id(template(noop("a")))
    key = "wait_for_completion_timeout"
    cases = {
        "abc": core("illegal_argument_exception", f"failed to parse setting [{key}] with value [abc] as a time "
                                                  "value: unit is missing or unrecognized"),
        "5": core("illegal_argument_exception", f"failed to parse setting [{key}] with value [5] as a time value: "
                                                "unit is missing or unrecognized"),
        "-5s": core("illegal_argument_exception", f"failed to parse setting [{key}] with value [-5s] as a time "
                                                  "value: negative durations are not supported"),
    }
    for value, want in cases.items():
        r = flow.provision(wid, params={key: value})
        assert (r.status_code, r.json()) == (400, want), value
    # a fractional value: TimeValue.parse rethrows with the NumberFormatException as the cause
    r = flow.provision(wid, params={key: "1.5s"})
    reason = "failed to parse [1.5s], fractional time values are not supported"
    assert (r.status_code, r.json()) == (400, {"error": {
        "root_cause": [{"type": "illegal_argument_exception", "reason": reason}],
        "type": "illegal_argument_exception", "reason": reason,
        "caused_by": {"type": "number_format_exception", "reason": 'For input string: "1.5"'}}, "status": 400})
    r = flow.create(template(noop("a")), provision="true", wait_for_completion_timeout="-5s")
    assert r.json()["error"]["reason"].endswith("negative durations are not supported")


def test_create_workflow_unknown_use_case_with_body_does_not_support_having_a_body(flow: FlowApi) -> None:
    r = flow.request("POST", BASE, params={"use_case": "nope"})
    assert (r.status_code, r.json()) == (400, {"error": "Unable to find substitution ready file for use case: nope"})
    # the use case is looked up before the content is read; BaseRestHandler then rejects the unread body
    r = flow.create({"create_connector.credential.key": "x"}, use_case="nope")
    assert (r.status_code, r.json()) == (400, core(
        "illegal_argument_exception", f"request [POST {BASE}] does not support having a body"))


def test_get_workflow_head_is_405(flow: FlowApi) -> None:
    wid = flow.create_id(template(noop("a")))
    r = flow.request("HEAD", f"{BASE}/{wid}")
    assert r.status_code == 405 and r.headers["allow"] == "GET,PUT,DELETE"
    assert flow.request("HEAD", f"{BASE}/{wid}/_status").status_code == 405
    assert flow.request("HEAD", f"{BASE}/_steps").status_code == 405
    assert flow.request("HEAD", "/").status_code == 200  # RestMainAction registers HEAD /


def test_provision_workflow_non_object_body_parsing_exception(flow: FlowApi) -> None:
    wid = flow.create_id(template(noop("a")))
    cases = [(b"[1]", "START_ARRAY", 1, 1), (b'"x"', "VALUE_STRING", 1, 1), (b"  42", "VALUE_NUMBER", 1, 3),
             (b"\ntrue", "VALUE_BOOLEAN", 2, 1), (b"null", "VALUE_NULL", 1, 1)]
    for content, token, line, col in cases:
        r = flow.provision(wid, content=content, headers={"content-type": "application/json"})
        reason = f"Failed to parse object: expecting token of type [START_OBJECT] but found [{token}]"
        assert (r.status_code, r.json()) == (400, core("parsing_exception", reason, line=line, col=col)), content
    # a first token Jackson cannot read is an IOException: the plugin's own message
    r = flow.provision(wid, content=b"nope", headers={"content-type": "application/json"})
    assert (r.status_code, r.json()) == (400, {"error": "Request body parsing failed"})


def test_provision_workflow_key_in_query_and_body_is_duplicate(flow: FlowApi) -> None:
    wid = flow.create_id(template(noop("a")))
    r = flow.provision(wid, params={"x": "1"}, json={"x": "2"})
    assert (r.status_code, r.json()) == (400, {"error": "Duplicate key x"})
    # every query parameter counts, also the ones the action reads itself; and before the value's type
    r = flow.provision(wid, params={"wait_for_completion_timeout": "1s"}, json={"wait_for_completion_timeout": 5})
    assert (r.status_code, r.json()) == (400, {"error": "Duplicate key wait_for_completion_timeout"})
