"""Clarifai workflow CRUD rules (reference §5, §6): validation, listing, patching, renaming, deleting."""
from __future__ import annotations

from typing import Any

import pytest

from tests.clarifai.clarifai_rest_support import DETECTOR, FOOD, GENERAL, Api, advance, node, workflow

W = "/v2/users/me/apps/a1/workflows"


def post(api: Api, *wfs: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return api("POST", W, {"workflows": list(wfs)})


@pytest.mark.parametrize("wf_id", ["", "-lead", "trail-", "two--dashes", "sp ace", "x" * 49, "ünïcode"])
def test_post_workflows_invalid_id_is_invalid_argument(api: Api, wf_id: str) -> None:
    status, body = post(api, workflow(wf_id))
    assert status == 400 and body["status"]["code"] == 22104 and body["workflows"] == []


def test_post_workflows_accepts_48_char_and_uuid_ids(api: Api) -> None:
    status, body = post(api, workflow("x" * 48), workflow("6b1a0c64-37f4-4a8f-8d4e-0b6b5a6f3c1e"))
    assert status == 200 and len(body["workflows"]) == 2


def test_post_workflows_duplicate_id_is_an_error_and_nothing_is_stored(api: Api) -> None:
    post(api, workflow("dup"))
    status, body = post(api, workflow("new-one"), workflow("dup"))
    assert status == 400 and body["status"]["code"] == 40010
    assert body["status"]["description"] == "Object has a duplicate ID; another object with same ID already exist"
    assert [w["id"] for w in api("GET", W)[1]["workflows"]] == ["dup"]
    status, same_request = post(api, workflow("twice"), workflow("twice"))
    assert status == 400 and same_request["status"]["code"] == 40010


def test_post_workflows_graph_rules(api: Api) -> None:
    cases = {
        "duplicate node id": ([node("a", GENERAL), node("a", FOOD)], 22107, "Duplicate node id 'a' in workflow"),
        "unknown input": ([node("a", GENERAL, ("ghost",))], 22107,
                          "Node 'a' has node_inputs node_id 'ghost' which is not a node of this workflow"),
        "cycle": ([node("a", GENERAL, ("b",)), node("b", FOOD, ("a",))], 22107,
                  "Workflow graph has a cycle: b->a, a->b"),
        "self": ([node("a", GENERAL, ("a",))], 22107, "Node 'a' cannot be its own input"),
        "no model": ([{"id": "a"}], 22104, "Node 'a' must name a model (model.id)"),
        "unknown model": ([node("a", ("nope", GENERAL[1]))], 21200, "Model 'nope' does not exist"),
        "unknown version": ([node("a", (GENERAL[0], "f" * 32))], 21200,
                            f"Model '{GENERAL[0]}' version '{'f' * 32}' does not exist"),
        "21 nodes": ([node(f"n{i}", GENERAL) for i in range(21)], 22104,
                     "A workflow can have at most 20 nodes, got 21"),
    }
    for name, (nodes, code, details) in cases.items():
        status, body = api("POST", W, {"workflows": [{"id": "g", "nodes": nodes}]})
        assert (body["status"]["code"], body["status"]["details"]) == (code, details), name
        assert status in (400, 404)
    status, body = api("POST", W, {"workflows": [{"id": "g"}]})
    assert body["status"]["details"] == "A workflow must have at least one node"
    assert post(api, workflow("twenty", *[node(f"n{i}", GENERAL) for i in range(20)]))[0] == 200


def test_post_workflows_server_fills_fields_and_first_version(api: Api) -> None:
    _, body = post(api, workflow("w", node("b", FOOD, ("a",)), node("a", DETECTOR)))
    wf = body["workflows"][0]
    assert [n["id"] for n in wf["nodes"]] == ["a", "b"]  # stored in execution order (§5)
    assert wf["nodes"][1]["node_inputs"] == [{"node_id": "a"}]
    assert (wf["user_id"], wf["app_id"], wf["visibility"], wf["metadata"]) == ("emulator-user", "a1", {"gettable": 10}, {})
    assert wf["created_at"] == wf["modified_at"]
    v = wf["version"]
    assert len(v["id"]) == 32 and v["workflow_id"] == "w"
    _, versions = api("GET", f"{W}/w/versions")
    assert [x["id"] for x in versions["workflow_versions"]] == [v["id"]]
    assert [n["id"] for n in versions["workflow_versions"][0]["nodes"]] == ["a", "b"]
    assert wf["nodes"][0]["model"]["model_version"]["status"] == {"code": 21100,
                                                                  "description": "Model is trained and ready"}


def test_list_workflows_pagination_bounds(api: Api) -> None:
    post(api, *[workflow(f"w{i}") for i in range(5)])
    assert len(api("GET", W, params={"per_page": 2, "page": 3})[1]["workflows"]) == 1
    status, past = api("GET", W, params={"per_page": 2, "page": 4})
    assert status == 200 and past == {"status": past["status"], "workflows": []}
    assert past["status"]["code"] == 10000
    assert len(api("GET", W, params={"per_page": 5000})[1]["workflows"]) == 5
    assert len(api("GET", W, params={"page": 0})[1]["workflows"]) == 5


def test_list_workflows_sort_options(api: Api) -> None:
    for wf_id in ("bravo", "alpha", "charlie"):
        post(api, workflow(wf_id))
        advance(api.client, 1)
    def ids(**q):
        return [w["id"] for w in api("GET", W, params=q)[1]["workflows"]]
    assert ids() == ["charlie", "alpha", "bravo"]  # modified_at descending
    assert ids(sort_by_created_at="True", sort_ascending="True") == ["bravo", "alpha", "charlie"]
    assert ids(sort_by_id="True") == ["charlie", "bravo", "alpha"]
    api("PATCH", W, {"action": "merge", "workflows": [{"id": "bravo", "description": "touched"}]})
    assert ids() == ["bravo", "charlie", "alpha"]
    assert ids(sort_by_modified_at="True", sort_ascending="True") == ["alpha", "charlie", "bravo"]


def test_list_workflows_search_is_prefix_over_id_description_notes(api: Api) -> None:
    post(api, workflow("general-detector", description="Finds people"), workflow("food-flow", notes="Pasta recipes"),
         workflow("other"))
    def search(s):
        return sorted(w["id"] for w in api("GET", W, params={"search": s})[1]["workflows"])
    assert search("gen") == ["general-detector"]
    assert search("PEOP") == ["general-detector"]
    assert search("pasta rec") == ["food-flow"]
    assert search("zzz") == []
    assert sorted(w["id"] for w in api("GET", W, params={"id": "*-*"})[1]["workflows"]) == [
        "food-flow", "general-detector"]


def test_get_workflow_missing_is_not_found(api: Api) -> None:
    status, body = api("GET", f"{W}/missing")
    assert status == 404 and body["status"]["code"] == 11101
    assert body["status"]["details"] == "Workflow 'missing' does not exist" and "workflow" not in body


def test_patch_workflows_merge_remove_overwrite(api: Api) -> None:
    post(api, workflow("w", node("a", DETECTOR), description="d0", metadata={"k": {"x": 1}, "drop": 1}))
    v0 = api("GET", f"{W}/w")[1]["workflow"]["version"]["id"]
    advance(api.client, 2)
    # merge: new node id appended, metadata deep-merged, scalars overwritten -> new version
    _, merged = api("PATCH", W, {"action": "merge", "workflows": [{
        "id": "w", "description": "d1", "metadata": {"k": {"y": 2}}, "use_cases": ["uc"],
        "nodes": [node("b", FOOD, ("a",))]}]})
    wf = merged["workflows"][0]
    assert [n["id"] for n in wf["nodes"]] == ["a", "b"] and wf["description"] == "d1"
    assert wf["metadata"] == {"k": {"x": 1, "y": 2}, "drop": 1} and wf["use_cases"] == ["uc"]
    assert wf["version"]["id"] != v0 and wf["modified_at"] > wf["created_at"]
    # merge of a scalar only: same version
    _, scalar = api("PATCH", W, {"action": "merge", "workflows": [{"id": "w", "notes": "n"}]})
    assert scalar["workflows"][0]["version"]["id"] == wf["version"]["id"]
    # remove: listed node ids and metadata keys given as true go away
    _, removed = api("PATCH", W, {"action": "remove", "workflows": [{
        "id": "w", "nodes": [{"id": "b"}], "metadata": {"drop": True}}]})
    assert [n["id"] for n in removed["workflows"][0]["nodes"]] == ["a"]
    assert removed["workflows"][0]["metadata"] == {"k": {"x": 1, "y": 2}}
    # removing a node others feed from breaks node_inputs
    api("PATCH", W, {"action": "merge", "workflows": [{"id": "w", "nodes": [node("b", FOOD, ("a",))]}]})
    status, broken = api("PATCH", W, {"action": "remove", "workflows": [{"id": "w", "nodes": [{"id": "a"}]}]})
    assert status == 400 and broken["status"]["code"] == 22107
    # overwrite: nodes replaced wholesale
    _, over = api("PATCH", W, {"action": "overwrite", "workflows": [{"id": "w", "nodes": [node("z", FOOD)]}]})
    assert [n["id"] for n in over["workflows"][0]["nodes"]] == ["z"]
    assert len(api("GET", f"{W}/w/versions")[1]["workflow_versions"]) == 5


def test_patch_workflows_errors(api: Api) -> None:
    post(api, workflow("w"))
    status, body = api("PATCH", W, {"action": "replace", "workflows": [{"id": "w"}]})
    assert status == 400 and body["status"]["code"] == 22999 and body["workflows"] == []
    assert api("PATCH", W, {"action": "merge", "workflows": [{"id": "nope"}]})[1]["status"]["code"] == 11101
    status, body = api("PATCH", W, {"action": "merge", "workflows": [{"id": "w", "nodes": [node("x", ("m", "v"))]}]})
    assert body["status"]["code"] == 21200


def test_patch_workflow_ids_renames(api: Api) -> None:
    post(api, workflow("old"), workflow("taken"))
    _, body = api("PATCH", f"{W}/ids", {"action": "overwrite", "ids": [{"id": "old", "new_id": "new"}]})
    assert body["workflows"][0]["id"] == "new" and body["workflows"][0]["version"]["workflow_id"] == "new"
    assert api("GET", f"{W}/old")[0] == 404 and api("GET", f"{W}/new")[0] == 200
    assert api("PATCH", f"{W}/ids", {"action": "overwrite", "ids": [{"id": "new", "new_id": "taken"}]}
               )[1]["status"]["code"] == 40010
    assert api("PATCH", f"{W}/ids", {"action": "merge", "ids": [{"id": "new", "new_id": "x"}]}
               )[1]["status"]["code"] == 22999
    assert api("PATCH", f"{W}/ids", {"action": "overwrite", "ids": [{"id": "new", "new_id": "bad id"}]}
               )[1]["status"]["code"] == 22104


def test_delete_workflow_and_delete_workflows_rules(api: Api) -> None:
    post(api, workflow("a"), workflow("b"), workflow("c"))
    assert api("DELETE", f"{W}/a")[1]["status"]["code"] == 10000
    assert api("DELETE", f"{W}/a")[0] == 404
    status, body = api("DELETE", W, {"ids": ["b", "ghost"]})  # all-or-nothing
    assert status == 404 and body["status"]["details"] == "Workflow 'ghost' does not exist"
    assert sorted(w["id"] for w in api("GET", W)[1]["workflows"]) == ["b", "c"]
    status, body = api("DELETE", W, {})
    assert status == 400 and body["status"]["code"] == 22104
    assert body["status"]["details"] == "Either ids or delete_all must be provided"
    assert api("DELETE", W, {"delete_all": True})[1]["status"]["code"] == 10000
    assert api("GET", W)[1]["workflows"] == []


def test_workflows_sharing_a_model_are_patched_independently(api: Api) -> None:
    """Stored nodes share one Model object per model version; editing one workflow never shows in another."""
    post(api, workflow("a", node("g", DETECTOR), node("f", FOOD, ("g",))), workflow("b", node("g", GENERAL)))
    before = api("GET", f"{W}/b")[1]["workflow"]
    for action, item in (("merge", {"id": "a", "metadata": {"x": 1}}),
                         ("overwrite", {"id": "a", "nodes": [node("only", FOOD)]}),
                         ("remove", {"id": "a", "metadata": {"x": 1}})):
        status, body = api("PATCH", W, {"action": action, "workflows": [item]})
        assert status == 200, body
    assert api("GET", f"{W}/b")[1]["workflow"] == before
    a = api("GET", f"{W}/a")[1]["workflow"]
    assert [n["id"] for n in a["nodes"]] == ["only"] and a["nodes"][0]["model"]["id"] == FOOD[0]
