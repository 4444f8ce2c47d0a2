"""REST binding of the Clarifai API (reference §1, §2): routes, query strings, bodies, envelope."""
from __future__ import annotations

import re

from tests.clarifai.clarifai_rest_support import GENERAL, Api, node, workflow


def test_list_workflows_query_string_as_the_json_client_writes_it(api: Api) -> None:
    for wf_id in ("b-wf", "a-wf", "c-wf"):
        api("POST", "/v2/users/me/apps/a1/workflows", {"workflows": [workflow(wf_id)]})
    status, body = api("GET", "/v2/users/me/apps/a1/workflows?user_app_id.user_id=me&user_app_id.app_id=a1"
                              "&page=1&per_page=5&sort_ascending=True&sort_by_id=True"
                              "&additional_fields=stars&additional_fields=all")
    assert status == 200 and body["status"]["code"] == 10000
    assert [w["id"] for w in body["workflows"]] == ["a-wf", "b-wf", "c-wf"]
    assert body["workflows"][0]["is_starred"] is False and body["workflows"][0]["star_count"] == 0
    _, lower = api("GET", "/v2/users/me/apps/a1/workflows?sort_ascending=false&sort_by_id=true")
    assert [w["id"] for w in lower["workflows"]] == ["c-wf", "b-wf", "a-wf"]


def test_list_workflows_query_enum_name_and_bad_values(api: Api) -> None:
    api("POST", "/v2/workflows", {"workflows": [workflow("pub", visibility={"gettable": "PUBLIC"}), workflow("priv")]})
    _, body = api("GET", "/v2/workflows?visibility.gettable=PUBLIC")
    assert [w["id"] for w in body["workflows"]] == ["pub"]
    status, bad = api("GET", "/v2/workflows?sort_ascending=maybe")
    assert status == 400 and bad["status"]["code"] == 11100 and bad["workflows"] == []
    assert bad["status"]["details"] == "Invalid boolean value 'maybe' for 'sort_ascending'"
    status, unknown = api("GET", "/v2/workflows?colour=red")
    assert status == 400 and unknown["status"]["details"] == "Unknown query parameter 'colour'"


def test_post_workflows_accepts_lower_camel_and_enum_names_and_emits_snake_case_ints(api: Api) -> None:
    status, body = api("POST", "/v2/workflows", {"workflows": [{
        "id": "camel", "visibility": {"gettable": "PUBLIC"},
        "nodes": [{"id": "n", "model": {"id": GENERAL[0], "modelVersion": {"id": GENERAL[1]}},
                   "suppressOutput": True}]}]})
    assert status == 200, body
    wf = body["workflows"][0]
    assert wf["visibility"] == {"gettable": 50}
    assert wf["nodes"][0]["suppress_output"] is True
    assert wf["nodes"][0]["model"]["model_version"]["id"] == GENERAL[1]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", wf["created_at"])
    assert wf["use_cases"] == [] and wf["check_consents"] == [] and wf["metadata"] == {}


def test_status_envelope_req_id_is_32_hex_or_prefixed(api: Api) -> None:
    _, plain = api("GET", "/v2/workflows")
    assert re.fullmatch(r"[0-9a-f]{32}", plain["status"]["req_id"])
    _, pref = api("GET", "/v2/workflows", headers={"X-Clarifai-Request-ID-Prefix": "sdk-python-11.7.5"})
    assert re.fullmatch(r"sdk-python-11\.7\.5-[0-9a-f]{32}", pref["status"]["req_id"])


def test_unknown_path_under_v2_is_resource_does_not_exist(api: Api) -> None:
    status, body = api("GET", "/v2/nothing/here")
    assert status == 404
    assert body["status"]["code"] == 11101 and body["status"]["description"] == "Resource does not exist"


def test_wrong_method_is_method_not_allowed(api: Api) -> None:
    status, body = api("PUT", "/v2/workflows", {})
    assert status == 400
    assert body["status"] == {"code": 11103, "description": "Method not allowed", "details": "Method Not Allowed",
                              "req_id": body["status"]["req_id"]}


def test_post_workflows_malformed_json_and_unknown_fields_are_bad_request_format(api: Api) -> None:
    r = api.client.post("/v2/workflows", content=b"{not json", headers=api.headers)
    assert r.status_code == 400 and r.json()["status"]["code"] == 11100 and r.json()["workflows"] == []
    status, body = api("POST", "/v2/workflows", {"workflows": [{"id": "x", "colour": "red"}]})
    assert status == 400 and body["status"]["code"] == 11100 and "colour" in body["status"]["details"]
    status, body = api("POST", "/v2/workflows", {"workflows": "nope"})
    assert status == 400 and body["status"]["code"] == 11100
    status, body = api("POST", "/v2/workflows", [1, 2])
    assert status == 400 and body["status"]["details"] == "The request body must be a JSON object"


def test_delete_workflows_takes_a_json_body_on_delete(api: Api) -> None:
    api("POST", "/v2/users/me/apps/a1/workflows", {"workflows": [workflow("w1"), workflow("w2"), workflow("w3")]})
    status, body = api("DELETE", "/v2/users/me/apps/a1/workflows",
                       {"user_app_id": {"user_id": "me", "app_id": "a1"}, "ids": ["w1", "w3"]})
    assert status == 200 and body["status"]["code"] == 10000
    _, listed = api("GET", "/v2/users/me/apps/a1/workflows")
    assert [w["id"] for w in listed["workflows"]] == ["w2"]


def test_me_is_the_callers_user_and_path_params_win_over_body(api: Api) -> None:
    status, body = api("POST", "/v2/users/me/apps/app9/workflows",
                       {"user_app_id": {"user_id": "someone", "app_id": "other"}, "workflows": [workflow("mine")]})
    assert status == 200
    # `me` is the caller: an unregistered key is the default user (setting clarifai_default_user_id)
    assert body["workflows"][0]["user_id"] == "emulator-user" and body["workflows"][0]["app_id"] == "app9"
    _, across = api("GET", "/v2/users/me/workflows")
    assert [(w["id"], w["app_id"]) for w in across["workflows"]] == [("mine", "app9")]


def test_short_routes_use_the_default_app(api_factory) -> None:  # type: ignore[no-untyped-def]
    api = api_factory(clarifai_default_user_id="emu-user", clarifai_default_app_id="emu-app")
    _, body = api("POST", "/v2/workflows", {"workflows": [workflow("w")]})
    assert (body["workflows"][0]["user_id"], body["workflows"][0]["app_id"]) == ("emu-user", "emu-app")
    _, got = api("GET", "/v2/users/emu-user/apps/emu-app/workflows/w")
    assert got["workflow"]["id"] == "w"


def test_get_model_and_model_type_routes_for_the_sdk(api: Api) -> None:
    status, body = api("GET", f"/v2/users/clarifai/apps/main/models/{GENERAL[0]}")
    assert status == 200 and body["model"]["model_type_id"] == "visual-classifier"
    # the legacy hex id reaches general-image-recognition, whose current version is aa7f35c0... (issue #14)
    assert body["model"]["model_version"]["id"] == "aa7f35c01e0642fda5cf400f543e7c40"
    assert body["model"]["app_id"] == "main"
    _, old = api("GET", f"/v2/users/clarifai/apps/main/models/{GENERAL[0]}",
                 params={"version_id": GENERAL[1]})
    assert old["model"]["model_version"]["id"] == GENERAL[1]
    _, mt = api("GET", "/v2/models/types/visual-classifier")
    assert mt["model_type"]["input_fields"] == ["image"]
    status, missing = api("GET", "/v2/models/nope")
    assert status == 404 and missing["status"]["description"] == "Model does not exist"
    status, missing_type = api("GET", "/v2/users/me/apps/a/models/types/nope")
    assert status == 404 and missing_type["status"]["code"] == 11101


def test_every_versioned_route_answers(api: Api) -> None:
    api("POST", "/v2/users/me/apps/a/workflows", {"workflows": [workflow("w", node("n", GENERAL))]})
    _, got = api("GET", "/v2/users/me/apps/a/workflows/w")
    vid = got["workflow"]["version"]["id"]
    for method, path, body in [
        ("GET", "/v2/users/me/apps/a/workflows/w/versions", None),
        ("GET", f"/v2/users/me/apps/a/workflows/w/versions/{vid}", None),
        ("PATCH", "/v2/users/me/apps/a/workflows/w/versions",
         {"action": "merge", "workflow_versions": [{"id": vid, "description": "d"}]}),
        ("POST", "/v2/users/me/apps/a/workflows/w/publish", {"publications": [{"version_id": vid}]}),
        ("POST", "/v2/users/me/apps/a/workflows/w/unpublish", {"publications": [{"version_id": vid}]}),
        ("POST", f"/v2/users/me/apps/a/workflows/w/versions/{vid}/results",
         {"inputs": [{"data": {"image": {"url": "https://x.test/a.jpg"}}}]}),
        ("POST", "/v2/users/me/apps/a/workflows/w/results",
         {"inputs": [{"data": {"image": {"url": "https://x.test/a.jpg"}}}]}),
        ("PATCH", "/v2/users/me/apps/a/workflows/ids", {"action": "overwrite", "ids": [{"id": "w", "new_id": "w2"}]}),
        ("DELETE", "/v2/users/me/apps/a/workflows/w2", None),
    ]:
        status, resp = api(method, path, body)
        assert (status, resp["status"]["code"]) == (200, 10000), (method, path, resp)
