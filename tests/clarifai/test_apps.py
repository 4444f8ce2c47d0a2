"""Clarifai apps and ownership (issue #14): PostApps/GetApp/ListApps/PatchApps/PatchApp/DeleteApp, the
public clarifai/main app, and what another user may read or write."""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.clarifai.clarifai_rest_support import GENERAL, METRO, Api, image, node, workflow

ALICE, BOB = "a" * 31 + "1", "b" * 31 + "2"
EMPTY = {"id": "Empty", "app_id": "main", "user_id": "clarifai"}


def two_users(api_factory: Callable[..., Api], tmp_path: Path, **settings: object) -> tuple[Api, Api]:
    path = tmp_path / "keys.json"
    path.write_text(json.dumps({"keys": [{"key": ALICE, "type": "pat", "user_id": "alice"},
                                         {"key": BOB, "type": "pat", "user_id": "bob"}]}))
    alice = api_factory(clarifai_api_keys_file=str(path), headers={"Authorization": "Key " + ALICE}, **settings)
    return alice, Api(alice.client, {"Authorization": "Key " + BOB})


def test_post_apps_with_base_workflow_then_get_list_patch_delete(api: Api) -> None:
    status, body = api("POST", "/v2/users/me/apps", {"apps": [{"id": "my-app", "default_workflow": EMPTY}]})
    assert status == 200 and body["status"]["code"] == 10000
    app = body["apps"][0]
    assert (app["id"], app["user_id"], app["default_workflow_id"]) == ("my-app", "emulator-user", "Empty")
    assert app["default_workflow"] == {"id": "Empty", "user_id": "clarifai", "app_id": "main"}
    assert api("GET", "/v2/users/me/apps/my-app")[1]["app"]["id"] == "my-app"
    api("POST", "/v2/users/me/apps", {"apps": [{"id": "other-app", "default_workflow_id": "General"}]})
    _, listed = api("GET", "/v2/users/me/apps", params={"sort_by_id": "true", "sort_ascending": "true"})
    assert [a["id"] for a in listed["apps"]] == ["my-app", "other-app"]
    _, patched = api("PATCH", "/v2/users/me/apps", {"action": "merge", "apps": [{"id": "my-app", "description": "d"}]})
    assert patched["apps"][0]["description"] == "d"
    _, one = api("PATCH", "/v2/users/me/apps/my-app", {"action": "overwrite", "app": {"name": "Mine"}})
    assert one["app"]["name"] == "Mine"
    status, dup = api("POST", "/v2/users/me/apps", {"apps": [{"id": "my-app"}]})
    assert status == 400 and dup["status"]["code"] == 40010 and "already exists" in dup["status"]["details"]


def test_delete_app_deletes_its_workflows_and_models(api: Api) -> None:
    api("POST", "/v2/users/me/apps", {"apps": [{"id": "doomed"}]})
    api("POST", "/v2/users/me/apps/doomed/workflows", {"workflows": [workflow("w")]})
    api("POST", "/v2/users/me/apps/doomed/models", {"models": [{"id": "crop", "model_type_id": "image-crop"}]})
    status, body = api("DELETE", "/v2/users/me/apps/doomed")
    assert status == 200 and body["status"]["code"] == 10000
    status, _ = api("GET", "/v2/users/me/apps/doomed")
    assert status == 200  # implicit apps (default): the caller's app exists again, empty
    assert api("GET", "/v2/users/me/apps/doomed/workflows")[1]["workflows"] == []
    assert api("GET", "/v2/users/me/apps/doomed/models/crop")[0] == 404
    assert api("DELETE", "/v2/users/me/apps/never-made")[0] == 404


def test_post_apps_refuses_invalid_ids_and_unknown_base_workflows(api: Api) -> None:
    status, body = api("POST", "/v2/users/me/apps", {"apps": [{"id": "{YOUR_APP_ID}"}]})
    assert status == 400 and body["status"]["code"] == 11100
    status, body = api("POST", "/v2/users/me/apps", {"apps": [{"id": "x", "default_workflow_id": "NoSuchBase"}]})
    assert status == 404 and body["status"]["code"] == 11101
    # the docs' literal placeholders never name an app, even with implicit apps
    status, body = api("POST", "/v2/users/me/apps/{YOUR_APP_ID}/workflows", {"workflows": [workflow("w")]})
    assert status == 404 and body["status"]["code"] == 11101
    assert body["status"]["details"] == "app identified by path /users/emulator-user/apps/{YOUR_APP_ID} not found"


def test_strict_apps_refuse_an_app_never_created(api_factory: Callable[..., Api]) -> None:
    api = api_factory(clarifai_implicit_apps=False)
    status, body = api("POST", "/v2/users/me/apps/nope/workflows", {"workflows": [workflow("w")]})
    assert status == 404 and body["status"]["code"] == 11101
    assert api("GET", "/v2/users/me/apps/nope")[0] == 404
    api("POST", "/v2/users/me/apps", {"apps": [{"id": "nope"}]})
    assert api("POST", "/v2/users/me/apps/nope/workflows", {"workflows": [workflow("w")]})[0] == 200


def test_clarifai_main_is_readable_by_everyone_and_writable_by_nobody(api: Api) -> None:
    _, general = api("GET", "/v2/users/clarifai/apps/main/workflows/General")
    assert [n["id"] for n in general["workflow"]["nodes"]] == [
        "general-v1.5-concept", "general-v1.5-embed", "general-v1.5-cluster"]
    assert general["workflow"]["visibility"] == {"gettable": 50}
    status, body = api("POST", "/v2/users/clarifai/apps/main/workflows", {"workflows": [workflow("General2")]})
    assert status == 403 and body["status"]["code"] == 11007
    status, body = api("DELETE", "/v2/users/clarifai/apps/main/workflows", {"delete_all": True})
    assert status == 403 and body["status"]["code"] == 11007
    assert api("GET", "/v2/users/clarifai/apps/main/workflows/General")[0] == 200
    assert api("DELETE", "/v2/users/clarifai/apps/main")[0] == 403
    assert api("POST", "/v2/users/clarifai/apps/main/models", {"models": [{"id": "m"}]})[0] == 403


def test_get_workflow_and_predict_fall_back_to_clarifai_workflows(api: Api) -> None:
    # service.proto GetWorkflowRequest: an id not in the app is looked up among Clarifai's workflows
    status, body = api("GET", "/v2/users/me/apps/mine/workflows/General")
    assert status == 200 and (body["workflow"]["user_id"], body["workflow"]["app_id"]) == ("clarifai", "main")
    status, body = api("POST", "/v2/users/me/apps/mine/workflows/General/results",
                       {"inputs": [image()], "output_config": {"max_concepts": 3}})
    assert status == 200, body
    concept, embed, cluster = body["results"][0]["outputs"]
    assert len(concept["data"]["concepts"]) == 3
    assert concept["model"]["id"] == "general-image-recognition"
    assert concept["model"]["model_version"]["id"] == "aa7f35c01e0642fda5cf400f543e7c40"
    assert embed["data"]["embeddings"] and cluster["model"]["id"] == "general-clusterering"
    # the app's own workflow of the same id wins
    api("POST", "/v2/users/me/apps/mine/workflows", {"workflows": [workflow("General", node("g", GENERAL))]})
    assert api("GET", "/v2/users/me/apps/mine/workflows/General")[1]["workflow"]["user_id"] == "emulator-user"
    assert METRO


def test_other_users_private_workflows_are_invisible_public_ones_readable(api_factory: Callable[..., Api],
                                                                            tmp_path: Path) -> None:
    alice, bob = two_users(api_factory, tmp_path)
    alice("POST", "/v2/users/alice/apps", {"apps": [{"id": "shop"}]})
    alice("POST", "/v2/users/alice/apps/shop/workflows",
          {"workflows": [workflow("secret"), workflow("shared", visibility={"gettable": 50})]})
    assert [w["id"] for w in bob("GET", "/v2/users/alice/apps/shop/workflows")[1]["workflows"]] == ["shared"]
    assert [w["id"] for w in bob("GET", "/v2/users/alice/workflows")[1]["workflows"]] == ["shared"]
    assert bob("GET", "/v2/users/alice/apps/shop/workflows/secret")[0] == 404
    assert bob("GET", "/v2/users/alice/apps/shop/workflows/shared")[0] == 200
    status, body = bob("POST", "/v2/users/alice/apps/shop/workflows/shared/results", {"inputs": [image()]})
    assert status == 200 and body["status"]["code"] == 10000
    # writes to another user's app are refused, public or not
    for method, path, payload in (("POST", "/v2/users/alice/apps/shop/workflows", {"workflows": [workflow("x")]}),
                                  ("DELETE", "/v2/users/alice/apps/shop/workflows", {"delete_all": True}),
                                  ("PATCH", "/v2/users/alice/apps/shop/workflows",
                                   {"action": "merge", "workflows": [{"id": "shared", "description": "mine"}]}),
                                  ("DELETE", "/v2/users/alice/apps/shop", None)):
        status, body = bob(method, path, payload)
        assert (status, body["status"]["code"]) == (403, 11007), (method, path)
    assert bob("POST", "/v2/users/alice/apps", {"apps": [{"id": "sneaky"}]})[0] == 403
    assert [a["id"] for a in bob("GET", "/v2/users/alice/apps")[1]["apps"]] == []  # alice's app is private
    assert alice("GET", "/v2/users/alice/apps/shop/workflows/secret")[0] == 200
    # an app of another user that does not exist: not found, never created
    assert bob("GET", "/v2/users/alice/apps/nothing/workflows")[0] == 404


def test_registered_pat_on_a_short_route_needs_an_app(api_factory: Callable[..., Api], tmp_path: Path) -> None:
    alice, _ = two_users(api_factory, tmp_path)
    status, body = alice("POST", "/v2/workflows", {"workflows": [workflow("w")]})
    assert status == 401 and body["status"]["code"] == 11008
    assert body["status"]["details"] == "Must provide app external ID in API authorizer"


def test_session_token_header_authenticates_as_its_user(api_factory: Callable[..., Api], tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    path.write_text(json.dumps({"keys": [{"key": "sess-1", "type": "session", "user_id": "carol"}]}))
    api = api_factory(clarifai_api_keys_file=str(path), headers={"X-Clarifai-Session-Token": "sess-1"})
    status, body = api("POST", "/v2/users/me/apps/a/workflows", {"workflows": [workflow("w")]})
    assert status == 200 and body["workflows"][0]["user_id"] == "carol"
    status, body = api("GET", "/v2/users/me/apps/a/workflows", headers={"X-Clarifai-Session-Token": "nope"})
    assert status == 401 and body["status"]["code"] == 11001
    # a session token is not an API key
    status, body = api("GET", "/v2/users/me/apps/a/workflows", headers={"Authorization": "Key sess-1"})
    assert status == 401 and body["status"]["code"] == 11009
