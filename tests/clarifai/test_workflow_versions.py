"""Clarifai workflow-version RPCs (reference §5 "Workflow versions") and proto fidelity of responses."""
from __future__ import annotations

from typing import Any

from clarifai_grpc.grpc.api import service_pb2
from google.protobuf import json_format

from emulator.clarifai import wire
from tests.clarifai.clarifai_rest_support import DETECTOR, EMBEDDER, FOOD, GENERAL, Api, image, node, text, workflow

W = "/v2/users/me/apps/a1/workflows"


def two_versions(api: Api) -> tuple[str, str]:
    api("POST", W, {"workflows": [workflow("w", node("g", GENERAL))]})
    v1 = api("GET", f"{W}/w")[1]["workflow"]["version"]["id"]
    api("PATCH", W, {"action": "overwrite", "workflows": [{"id": "w", "nodes": [node("f", FOOD)]}]})
    v2 = api("GET", f"{W}/w")[1]["workflow"]["version"]["id"]
    return v1, v2


def test_list_workflow_versions_newest_first_and_paginated(api: Api) -> None:
    v1, v2 = two_versions(api)
    _, body = api("GET", f"{W}/w/versions")
    assert [v["id"] for v in body["workflow_versions"]] == [v2, v1]
    assert [n["id"] for n in body["workflow_versions"][1]["nodes"]] == ["g"]
    _, page2 = api("GET", f"{W}/w/versions", params={"page": 2, "per_page": 1})
    assert [v["id"] for v in page2["workflow_versions"]] == [v1]
    _, past = api("GET", f"{W}/w/versions", params={"page": 3, "per_page": 1})
    assert past["workflow_versions"] == []
    status, missing = api("GET", f"{W}/nope/versions")
    assert status == 404 and missing["workflow_versions"] == []


def test_get_workflow_version(api: Api) -> None:
    v1, _ = two_versions(api)
    _, body = api("GET", f"/v2/workflows/w/versions/{v1}", headers={})
    status, body = api("GET", f"{W}/w/versions/{v1}")
    assert status == 200 and body["workflow_version"]["id"] == v1
    assert body["workflow_version"]["nodes"][0]["model"]["id"] == GENERAL[0]
    status, missing = api("GET", f"{W}/w/versions/{'0' * 32}")
    assert status == 404 and missing["status"]["code"] == 11101


def test_patch_workflow_versions_merge_overwrite_remove(api: Api) -> None:
    v1, _ = two_versions(api)
    url = f"{W}/w/versions"
    _, merged = api("PATCH", url, {"action": "merge", "workflow_versions": [
        {"id": v1, "description": "first", "metadata": {"a": 1, "b": {"c": 2}}, "license": "MIT"}]})
    v = merged["workflow_versions"][0]
    assert (v["description"], v["metadata"], v["license"]) == ("first", {"a": 1, "b": {"c": 2}}, "MIT")
    _, merged2 = api("PATCH", url, {"action": "merge", "workflow_versions": [{"id": v1, "metadata": {"b": {"d": 3}}}]})
    assert merged2["workflow_versions"][0]["metadata"] == {"a": 1, "b": {"c": 2, "d": 3}}
    _, removed = api("PATCH", url, {"action": "remove", "workflow_versions": [{"id": v1, "metadata": {"a": True}}]})
    assert removed["workflow_versions"][0]["metadata"] == {"b": {"c": 2, "d": 3}}
    _, over = api("PATCH", url, {"action": "overwrite", "workflow_versions": [
        {"id": v1, "metadata": {"z": 0}, "visibility": {"gettable": "PUBLIC"}}]})
    assert over["workflow_versions"][0]["metadata"] == {"z": 0}
    assert over["workflow_versions"][0]["visibility"] == {"gettable": 50}
    status, bad = api("PATCH", url, {"action": "nope", "workflow_versions": [{"id": v1}]})
    assert status == 400 and bad["workflow_versions"] == []


def test_delete_workflow_versions(api: Api) -> None:
    v1, v2 = two_versions(api)
    url = f"{W}/w/versions"
    status, body = api("DELETE", url, {"workflow_version_ids": [v1, v2]})
    assert status == 400 and body["status"]["code"] == 22104
    assert api("DELETE", url, {"workflow_version_ids": ["0" * 32]})[0] == 404
    assert api("DELETE", url, {"workflow_version_ids": [v2]})[1]["status"]["code"] == 10000
    _, wf = api("GET", f"{W}/w")
    assert wf["workflow"]["version"]["id"] == v1 and [n["id"] for n in wf["workflow"]["nodes"]] == ["g"]


def test_post_workflow_versions_publish_and_unpublish(api: Api) -> None:
    v1, _ = two_versions(api)
    assert api("POST", f"{W}/w/publish", {"publications": [{"version_id": v1}]})[1]["status"]["code"] == 10000
    assert api("GET", f"{W}/w/versions/{v1}")[1]["workflow_version"]["visibility"] == {"gettable": 50}
    assert api("POST", "/v2/workflows/w/unpublish", {"publications": [{"version_id": v1}]})[0] == 404  # default app
    assert api("POST", f"{W}/w/unpublish", {"publications": [{"version_id": v1}]})[1]["status"]["code"] == 10000
    assert api("GET", f"{W}/w/versions/{v1}")[1]["workflow_version"]["visibility"] == {"gettable": 10}
    assert api("POST", f"{W}/w/publish", {})[0] == 400


def _strict(rpc_response: type[Any], body: dict[str, Any]) -> None:
    # every field the emulator emits exists in clarifai-grpc's messages (what the gRPC door relies on)
    json_format.ParseDict(body, rpc_response(), ignore_unknown_fields=False)


def test_responses_parse_strictly_into_clarifai_grpc_messages(api: Api) -> None:
    _, created = api("POST", W, {"workflows": [workflow("w", node("d", DETECTOR), node("g", GENERAL, ("d",)))]})
    _strict(service_pb2.MultiWorkflowResponse, created)
    _strict(service_pb2.SingleWorkflowResponse, api("GET", f"{W}/w")[1])
    _strict(service_pb2.MultiWorkflowResponse, api("GET", W, params={"additional_fields": "all"})[1])
    _strict(service_pb2.MultiWorkflowVersionResponse, api("GET", f"{W}/w/versions")[1])
    _strict(service_pb2.PostWorkflowResultsResponse,
            api("POST", f"{W}/w/results", {"inputs": [image(), {"data": {}}], "workflow_state": {"id": "init"}})[1])
    api("POST", W, {"workflows": [workflow("t", node("e", EMBEDDER))]})
    _strict(service_pb2.PostWorkflowResultsResponse, api("POST", f"{W}/t/results", {"inputs": [text("hi")]})[1])
    _strict(service_pb2.SingleModelResponse, api("GET", f"/v2/models/{GENERAL[0]}")[1])
    _strict(service_pb2.SingleModelTypeResponse, api("GET", "/v2/models/types/text-embedder")[1])
    _strict(wire.response_class("DeleteWorkflow"), api("DELETE", f"{W}/w")[1])
    _strict(service_pb2.MultiWorkflowResponse, api("GET", f"{W}?sort_ascending=maybe")[1])
