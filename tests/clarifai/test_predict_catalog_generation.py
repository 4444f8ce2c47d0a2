"""Re-registering a model changes what existing workflows predict (issue 17, the stale-plan defect).

A workflow version's predict plan is made from the model catalogue once; it must be made again
when a model definition changes (`ModelCatalog.generation`), whether the workflow already
predicted (its plan exists) or not, and over both the full path and the predict lane.
"""
from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.clarifai.clarifai_rest_support import AUTH, METRO, image, node, workflow

W = "/v2/users/me/apps/main/workflows"
MODEL = ("my-tagger", "v1")


def register(c: TestClient, concepts: list[Any]) -> None:
    r = c.post("/_emulator/clarifai/models", json={"id": MODEL[0], "model_type_id": "visual-classifier",
                                                   "model_version": {"id": MODEL[1]}, "concepts": concepts})
    assert r.status_code == 201, r.text


def concepts(c: TestClient, wf: str) -> list[tuple[str, str]]:
    r = c.post(f"{W}/{wf}/results", json={"inputs": [image(METRO)]}, headers=AUTH)
    assert r.status_code == 200, r.text
    return sorted((x["id"], x["name"]) for x in r.json()["results"][0]["outputs"][0]["data"]["concepts"])


def test_post_workflow_results_after_a_model_is_registered_again_predicts_its_new_concepts(
        client: TestClient) -> None:
    register(client, ["cat", "dog"])
    assert client.post(W, json={"workflows": [workflow("old", node("tag", MODEL))]}, headers=AUTH).status_code == 200
    before = [concepts(client, "old") for _ in range(4)]  # enough for the lane to answer some
    assert {name for _, name in before[0]} == {"cat", "dog"} and all(b == before[0] for b in before)
    register(client, ["train", {"id": "c-station", "name": "station"}, "platform"])
    after = concepts(client, "old")
    assert {name for _, name in after} == {"train", "station", "platform"}
    assert ("c-station", "station") in after
    # a workflow created now predicts exactly what the existing one does
    assert client.post(W, json={"workflows": [workflow("new", node("tag", MODEL))]}, headers=AUTH).status_code == 200
    assert concepts(client, "new") == after == concepts(client, "old") == concepts(client, "old")
    # the same names with other concept ids are a new definition too
    register(client, [{"id": "other-train", "name": "train"}, "station", "platform"])
    assert ("other-train", "train") in concepts(client, "old")
