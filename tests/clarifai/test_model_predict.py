"""PostModelOutputs over REST (issue #15 item 7): every binding, shared generators, states, faults."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.clarifai.clarifai_rest_support import DETECTOR, GENERAL, Api, advance, backend, image, node, workflow

U = "/v2/users/me/apps/a1"


def test_post_model_outputs_every_binding_answers_the_same_outputs(api: Api) -> None:
    model, old = GENERAL  # the legacy hex id and the 2016 version (seeds/002)
    bodies = []
    for path in (f"{U}/models/{model}/versions/{old}/outputs", f"/v2/models/{model}/versions/{old}/outputs",
                 f"{U}/models/{model}/outputs", f"/v2/models/{model}/outputs"):
        status, body = api("POST", path, {"inputs": [image()]})
        assert status == 200, body
        [out] = body["outputs"]
        assert list(out) == ["id", "status", "created_at", "model", "input", "data"]
        bodies.append((out["model"]["model_version"]["id"], out["data"]))
    latest = bodies[2][0]
    assert latest != old and [v for v, _ in bodies] == [old, old, latest, latest]
    assert bodies[0] == bodies[1] and bodies[2] == bodies[3] and bodies[0][1] != bodies[2][1]
    # the same generators as workflow predict: a one-node workflow predicts the same
    api("POST", f"{U}/workflows", {"workflows": [workflow("w", node("g", GENERAL))]})
    _, wf = api("POST", f"{U}/workflows/w/results", {"inputs": [image()]})
    assert wf["results"][0]["outputs"][0]["data"] == bodies[0][1]


def test_post_model_outputs_errors(api: Api) -> None:
    status, body = api("POST", "/v2/models/nope/outputs", {"inputs": [image()]})
    assert status == 404 and body["status"]["code"] == 21200 and "outputs" not in body
    status, body = api("POST", f"/v2/models/{GENERAL[0]}/outputs", {"inputs": []})
    assert status == 400 and body["status"]["code"] == 40001
    status, body = api("POST", f"/v2/models/{GENERAL[0]}/outputs", {"inputs": [image()] * 129})
    assert status == 400 and body["status"]["code"] == 40001 and "129 inputs" in body["status"]["details"]
    status, body = api("POST", f"/v2/models/{DETECTOR[0]}/outputs", {"inputs": [image()]})
    assert status == 200 and body["outputs"][0]["data"]["regions"]


def test_post_model_outputs_output_config_from_the_sdk_place(api: Api) -> None:
    sdk = {"model_version": {"output_info": {"output_config": {"max_concepts": 3}}},
           "output_info": {"output_config": {"max_concepts": 5, "min_value": 0.0}}}
    _, body = api("POST", f"/v2/models/{GENERAL[0]}/outputs", {"inputs": [image()], "model": sdk})
    assert len(body["outputs"][0]["data"]["concepts"]) == 3


def test_post_model_outputs_model_states_faults_and_journal(api_factory: Callable[..., Api]) -> None:
    api = api_factory(clock="manual", clarifai_cold_start_s=10.0)
    path = f"/v2/models/{GENERAL[0]}/outputs"
    status, body = api("POST", path, {"inputs": [image()]})
    assert status == 503 and body["status"]["code"] == 21351
    advance(api.client, 10)
    assert api("POST", path, {"inputs": [image()]})[0] == 200
    backend(api.client).set_model_state(GENERAL[0], "BUSY", 5)
    assert api("POST", path, {"inputs": [image()]})[1]["status"]["code"] == 21354
    advance(api.client, 5)
    rule: dict[str, Any] = {"effect": {"type": "node_error", "code": 21313}, "match": {"model_id": GENERAL[0],
                                                                                     "input_index": 1}}
    status, _ = api("POST", "/_emulator/faults", rule)
    assert status in (200, 201)
    status, body = api("POST", path, {"inputs": [image(), image()]})
    assert status == 207 and [o["status"]["code"] for o in body["outputs"]] == [10000, 21313]
    _, journal = api("GET", "/_emulator/journal")
    ops = [e["operation"] for e in journal["entries"]]
    assert ops.count("post_model_outputs") >= 4  # the logical RPC name, as for workflow predict
