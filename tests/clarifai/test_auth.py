"""Clarifai authentication, scopes and rate limits (reference §8, §9)."""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.clarifai.clarifai_rest_support import Api, advance, workflow

APP_KEY = "a" * 32
PAT = "b" * 32
READ_ONLY = "c" * 32


def keys_file(tmp_path: Path) -> str:
    path = tmp_path / "keys.json"
    path.write_text(json.dumps({"keys": [
        {"key": APP_KEY, "type": "app", "user_id": "u1", "app_id": "a1"},
        {"key": PAT, "type": "pat", "user_id": "u1"},
        {"key": READ_ONLY, "type": "pat", "user_id": "u1", "scopes": ["Apps_Get", "Models_Get", "Workflows_Get"]},
    ]}))
    return str(path)


def test_list_workflows_without_authorization_is_invalid_request(api_factory: Callable[..., Api]) -> None:
    api = api_factory(headers={})
    for headers in ({}, {"Authorization": "key abc"}, {"Authorization": "Key "}, {"Authorization": "Bearer x"}):
        status, body = api("GET", "/v2/workflows", headers=headers)
        assert status == 401 and body["workflows"] == []
        assert body["status"]["code"] == 11102 and body["status"]["description"] == "Invalid request"
        assert body["status"]["details"] == ("Empty or malformed authorization header. Please provide an API key "
                                             "or session token.")


def test_list_workflows_any_well_formed_key_is_a_pat_by_default(api_factory: Callable[..., Api]) -> None:
    api = api_factory(headers={"Authorization": "Key whatever-token"})
    status, body = api("GET", "/v2/workflows")
    assert status == 200 and body["status"]["code"] == 10000


def test_registered_keys_unknown_key_is_not_found_and_bad_key_invalid(api_factory: Callable[..., Api],
                                                                        tmp_path: Path) -> None:
    api = api_factory(clarifai_api_keys_file=keys_file(tmp_path))
    status, body = api("GET", "/v2/workflows", headers={"Authorization": "Key " + "d" * 32})
    assert status == 401 and body["status"]["code"] == 11009
    assert (body["status"]["description"], body["status"]["details"]) == ("API key not found", "invalid key(None)")
    status, body = api("GET", "/v2/workflows", headers={"Authorization": "Key SOME_INVALID_KEY"})
    assert status == 401 and body["status"]["code"] == 11008
    assert body["status"]["description"] == "Invalid API key or Invalid API key/application pair"


def test_app_key_implies_user_and_app_and_reaches_only_that_app(api_factory: Callable[..., Api],
                                                                  tmp_path: Path) -> None:
    api = api_factory(clarifai_api_keys_file=keys_file(tmp_path), headers={"Authorization": "Key " + APP_KEY})
    _, body = api("POST", "/v2/workflows", {"workflows": [workflow("w")]})
    assert (body["workflows"][0]["user_id"], body["workflows"][0]["app_id"]) == ("u1", "a1")
    _, same = api("GET", "/v2/users/u1/apps/a1/workflows/w")
    assert same["status"]["code"] == 10000
    status, other = api("GET", "/v2/users/u1/apps/other/workflows")
    assert status == 401 and other["status"]["code"] == 11008


def test_key_without_scope_is_insufficient_scopes(api_factory: Callable[..., Api], tmp_path: Path) -> None:
    api = api_factory(clarifai_api_keys_file=keys_file(tmp_path), headers={"Authorization": "Key " + READ_ONLY})
    assert api("GET", "/v2/users/me/apps/a1/workflows")[1]["status"]["code"] == 10000
    status, body = api("POST", "/v2/users/me/apps/a1/workflows", {"workflows": [workflow("w")]})
    assert status == 403 and body["status"]["code"] == 11007
    assert body["status"]["details"] == "Missing scopes: Workflows_Add"


def test_rate_limit_answers_throttled_per_key_on_the_tenant_clock(api_factory: Callable[..., Api]) -> None:
    api = api_factory(clarifai_rate_limit_rps=2)
    assert [api("GET", "/v2/workflows")[0] for _ in range(2)] == [200, 200]
    status, body = api("GET", "/v2/workflows")
    assert status == 429
    assert body["status"] == {"code": 11005, "description": "Making too many requests",
                              "details": "exceeded limit of 2 requests per second", "req_id": body["status"]["req_id"]}
    assert api("GET", "/v2/workflows", headers={"Authorization": "Key other"})[0] == 200  # per key
    advance(api.client, 1.0)
    assert api("GET", "/v2/workflows")[0] == 200


def test_status_overrides_change_unverified_codes(api_factory: Callable[..., Api]) -> None:
    overrides: dict[str, Any] = {"workflow_duplicate": {"code": 22100, "http_status": 409},
                                 "CONN_DOES_NOT_EXIST": {"http_status": 410}}
    api = api_factory(clarifai_status_overrides=overrides, validate=False)
    api("POST", "/v2/workflows", {"workflows": [workflow("w")]})
    status, body = api("POST", "/v2/workflows", {"workflows": [workflow("w")]})
    assert (status, body["status"]["code"]) == (409, 22100)
    assert body["status"]["details"] == "Workflow with ID 'w' already exists in this app"
    status, missing = api("GET", "/v2/workflows/nope")
    assert (status, missing["status"]["code"]) == (410, 11101)


def test_pat_without_app_and_no_default_app_is_key_invalid(api_factory: Callable[..., Api]) -> None:
    api = api_factory(clarifai_default_app_id="")
    status, body = api("POST", "/v2/workflows", {"workflows": [workflow("w")]})
    assert status == 401 and body["status"]["code"] == 11008
    assert body["status"]["details"] == "Must provide app external ID in API authorizer"
    assert api("GET", "/v2/users/me/workflows")[0] == 200  # across the user's apps needs no app
