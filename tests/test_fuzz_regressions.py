"""Regressions for bad input found by fuzzing the contracts (contracts/, `make fuzz`): each one is
answered with a 4xx in the API's own error shape. The in-process client also checks the contract."""
from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

AUTH = {"Authorization": "Key test-pat"}


@pytest.fixture
def api(client_factory: Callable[..., TestClient]) -> TestClient:
    return client_factory()


@pytest.mark.parametrize("field", ["min_value", "minValue"])
@pytest.mark.parametrize("value", [False, True])
def test_post_workflow_results_bool_for_a_float_field_is_bad_request_format(
        api: TestClient, field: str, value: bool) -> None:
    # Python's json_format accepts booleans for float fields; the real gateway (protojson) does not
    body = {"inputs": [{"data": {"image": {"url": "https://samples.clarifai.com/metro-north.jpg"}}}],
            "output_config": {field: value}}
    r = api.post("/v2/workflows/my-custom-workflow/results", json=body, headers=AUTH)
    assert r.status_code == 400
    status = r.json()["status"]
    assert status["code"] == 11100
    assert status["description"] == "Bad request format"
    assert f"invalid value for number field output_config.min_value: {str(value).lower()}" in status["details"]


def test_post_workflows_bool_for_an_integer_field_is_bad_request_format(api: TestClient) -> None:
    body = {"workflows": [{"id": "wf-1", "visibility": {"gettable": True}}]}
    r = api.post("/v2/workflows", json=body, headers=AUTH)
    assert r.status_code == 400
    assert r.json()["status"]["code"] == 11100
    assert r.json()["workflows"] == []


FLOW = "/_plugins/_flow_framework/workflow"
NOOP_TEMPLATE = {"name": "noop", "workflows": {"provision": {"nodes": [{"id": "n1", "type": "noop"}]}}}


def test_provision_workflow_null_body_is_core_parsing_exception(api: TestClient) -> None:
    # a literal JSON `null` is a body that is not an object, not an absent body: ensureExpectedToken throws a
    # ParsingException that RestProvisionWorkflowAction's IOException catch does not see (:133-147)
    workflow_id = api.post(FLOW, json=NOOP_TEMPLATE).json()["workflow_id"]
    r = api.post(f"{FLOW}/{workflow_id}/_provision", content=b"null", headers={"content-type": "application/json"})
    assert r.status_code == 400
    reason = "Failed to parse object: expecting token of type [START_OBJECT] but found [VALUE_NULL]"
    cause = {"type": "parsing_exception", "reason": reason, "line": 1, "col": 1}
    assert r.json() == {"error": {"root_cause": [cause], **cause}, "status": 400}


@pytest.mark.parametrize("key", ["from", "size"])
def test_search_workflows_boolean_from_or_size_is_a_core_parse_error(api: TestClient, key: str) -> None:
    api.post(FLOW, json=NOOP_TEMPLATE)
    r = api.post(f"{FLOW}/_search", json={"query": {"match_all": {}}, key: False})
    assert r.status_code == 400
    error = r.json()["error"]
    assert r.json()["status"] == 400
    assert error["type"] == "parsing_exception"
    assert error["reason"].startswith(f"[{key}] failed to parse field")


def test_get_cluster_info_wrong_method_is_405_with_allow_header(api: TestClient) -> None:
    r = api.request("TRACE", "/")
    assert r.status_code == 405
    assert r.headers["allow"] == "GET"


@pytest.mark.parametrize(("method", "path"), [("TRACE", "/v2/workflows"), ("GET", "/v2/no-such-path")])
def test_clarifai_wrong_method_or_path_req_id_honours_prefix(api: TestClient, method: str, path: str) -> None:
    # found by the contract check `clarifai_req_id_prefix`: 11103/11101 fallbacks dropped the prefix
    r = api.request(method, path, headers={**AUTH, "X-Clarifai-Request-ID-Prefix": "sdk-python-12.5.0"})
    assert r.status_code in (400, 404)
    req_id = r.json()["status"]["req_id"]
    assert req_id.startswith("sdk-python-12.5.0-")
    assert len(req_id) == len("sdk-python-12.5.0-") + 32
