"""Clarifai workflow predict semantics (reference §5): DAG, output_config, states, faults, determinism."""
from __future__ import annotations

import base64
from typing import Any

from tests.clarifai.clarifai_rest_support import (
    DETECTOR,
    EMBEDDER,
    FOOD,
    GENERAL,
    SENTIMENT,
    Api,
    advance,
    backend,
    image,
    node,
    text,
    workflow,
)

W = "/v2/users/me/apps/a1/workflows"


def make(api: Api, *nodes: dict[str, Any], wf_id: str = "w") -> None:
    status, body = api("POST", W, {"workflows": [workflow(wf_id, *nodes)]})
    assert status == 200, body


def predict(api: Api, *inputs: dict[str, Any], wf_id: str = "w", **extra: Any) -> tuple[int, dict[str, Any]]:
    return api("POST", f"{W}/{wf_id}/results", {"inputs": list(inputs), **extra})


def concepts(output: dict[str, Any]) -> list[tuple[str, float]]:
    return [(c["name"], c["value"]) for c in output["data"]["concepts"]]


def test_post_workflow_results_detector_feeds_classifier_per_region(api: Api) -> None:
    make(api, node("detect", DETECTOR), node("classify", GENERAL, ("detect",)))
    status, body = predict(api, image())
    assert status == 200
    det, cls = body["results"][0]["outputs"]
    regions = det["data"]["regions"]
    assert regions and all(set(r["region_info"]["bounding_box"]) == {"top_row", "left_col", "bottom_row",
                                                                      "right_col"} for r in regions)
    assert [r["id"] for r in cls["data"]["regions"]] == [r["id"] for r in regions]
    assert all(r["data"]["concepts"] for r in cls["data"]["regions"])
    assert cls["model"]["id"] == GENERAL[0] and "concepts" not in cls["data"]


def test_post_workflow_results_suppress_output_and_stored_order(api: Api) -> None:
    make(api, node("first", FOOD), node("hidden", DETECTOR, suppress_output=True), node("last", GENERAL, ("hidden",)))
    _, body = predict(api, image())
    assert [o["model"]["id"] for o in body["results"][0]["outputs"]] == [FOOD[0], GENERAL[0]]


def test_post_workflow_results_output_config(api: Api) -> None:
    make(api, node("g", GENERAL))
    _, full = predict(api, image())
    everything = concepts(full["results"][0]["outputs"][0])
    assert len(everything) == 20  # max_concepts 0 means 20 (§3); the model knows 24 concepts
    assert [v for _, v in everything] == sorted((v for _, v in everything), reverse=True)
    _, capped = predict(api, image(), output_config={"max_concepts": 3})
    assert concepts(capped["results"][0]["outputs"][0]) == everything[:3]
    _, floor = predict(api, image(), output_config={"min_value": 0.5})
    assert concepts(floor["results"][0]["outputs"][0]) == [c for c in everything if c[1] >= 0.5]
    _, selected = predict(api, image(), output_config={"select_concepts": [{"name": "train"}, {"name": "city"}]})
    assert sorted(n for n, _ in concepts(selected["results"][0]["outputs"][0])) == ["city", "train"]


def test_post_workflow_results_is_deterministic_per_model_version_and_content(api: Api) -> None:
    make(api, node("g", GENERAL))
    make(api, node("g2", GENERAL), node("f", FOOD), wf_id="other")
    a = concepts(predict(api, image())[1]["results"][0]["outputs"][0])
    b = concepts(predict(api, image(), wf_id="other")[1]["results"][0]["outputs"][0])
    c = concepts(predict(api, image("https://samples.clarifai.com/dog2.jpeg"))[1]["results"][0]["outputs"][0])
    assert a == b and a != c
    assert all(0.0 <= v <= 1.0 for _, v in a) and a[0][1] >= 0.9


def test_post_workflow_results_every_concept_carries_value(api: Api) -> None:
    make(api, node("g", GENERAL))
    raw = api.client.post(f"{W}/w/results", json={"inputs": [image()]}, headers=api.headers).json()
    for c in raw["results"][0]["outputs"][0]["data"]["concepts"]:
        assert set(c) == {"id", "name", "value", "app_id"}


def test_post_workflow_results_text_models(api: Api) -> None:
    make(api, node("sentiment", SENTIMENT), node("embed", EMBEDDER))
    _, body = predict(api, text("I love this, positive vibes"))
    sent, emb = body["results"][0]["outputs"]
    assert sent["data"]["concepts"][0]["name"] == "positive"
    vec = emb["data"]["embeddings"][0]
    assert vec["num_dimensions"] == 32 and len(vec["vector"]) == 32
    assert abs(sum(x * x for x in vec["vector"]) - 1.0) < 1e-4
    status, mismatch = predict(api, image())
    assert status == 400 and mismatch["status"]["code"] == 10020
    assert mismatch["results"][0]["outputs"][0]["status"]["code"] == 30104


def test_post_workflow_results_inputs_base64_and_bad_data(api: Api) -> None:
    make(api, node("g", GENERAL))
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 20).decode()
    status, body = predict(api, {"id": "mine", "data": {"image": {"base64": png}}}, {"data": {}},
                           {"data": {"image": {"url": "ftp://nope"}}})
    assert status == 207 and body["status"]["code"] == 10010
    assert body["results"][0]["input"]["id"] == "mine"
    assert [r["status"]["code"] for r in body["results"]] == [10000, 30104, 30106]
    assert len(body["results"][1]["input"]["id"]) == 32
    assert body["workflow"]["id"] == "w"
    status, none = api("POST", f"{W}/w/results", {"inputs": []})
    assert status == 400 and none["status"]["code"] == 22104


def test_post_workflow_results_version_id_runs_that_version(api: Api) -> None:
    make(api, node("g", GENERAL))
    v1 = api("GET", f"{W}/w")[1]["workflow"]["version"]["id"]
    api("PATCH", W, {"action": "overwrite", "workflows": [{"id": "w", "nodes": [node("f", FOOD)]}]})
    _, latest = predict(api, image())
    assert latest["results"][0]["outputs"][0]["model"]["id"] == FOOD[0]
    _, old = api("POST", f"{W}/w/versions/{v1}/results", {"inputs": [image()]})
    assert old["results"][0]["outputs"][0]["model"]["id"] == GENERAL[0]
    status, missing = api("POST", f"{W}/w/versions/{'0' * 32}/results", {"inputs": [image()]})
    assert status == 404 and missing["status"]["code"] == 11101


def test_post_workflow_results_workflow_state_init(api: Api) -> None:
    make(api, node("g", GENERAL))
    _, first = predict(api, image(), workflow_state={"id": "init"})
    sid = first["workflow_state"]["id"]
    assert len(sid) == 32
    _, again = predict(api, image(), workflow_state={"id": sid})
    assert again["workflow_state"] == {"id": sid}
    assert "workflow_state" not in predict(api, image())[1]
    advance(api.client, 301)
    status, expired = predict(api, image(), workflow_state={"id": sid})
    assert status == 400 and expired["status"]["code"] == 22104


def test_post_workflow_results_node_error_fault_gives_mixed_status(api: Api) -> None:
    make(api, node("f", FOOD), node("g", GENERAL))
    backend(api.client)  # create the backend before adding the rule
    api.client.app.state.emulator.tenant(None).faults.add(  # type: ignore[attr-defined]
        {"match": {"node_id": "g", "input_index": 1},
         "effect": {"type": "node_error", "code": 21313, "details": "boom"}})
    status, body = predict(api, image(), image("https://x.test/2.jpg"))
    assert status == 207 and body["status"]["code"] == 10010
    assert [r["status"]["code"] for r in body["results"]] == [10000, 10010]
    failed = body["results"][1]["outputs"][1]
    assert failed["status"] == {"code": 21313, "description": "Model prediction failed", "details": "boom"}
    assert "data" not in failed


def test_set_model_state_busy_is_retryable_until_it_passes(api: Api) -> None:
    make(api, node("g", GENERAL))
    backend(api.client).set_model_state(GENERAL[0], "BUSY", 5)
    status, body = predict(api, image())
    assert status == 503 and body["status"]["code"] == 21354
    advance(api.client, 5)
    assert predict(api, image())[1]["status"]["code"] == 10000
    backend(api.client).set_model_state(GENERAL[0], "LOADING")
    assert predict(api, image())[1]["status"]["code"] == 21355
    backend(api.client).set_model_state(GENERAL[0], "READY")
    assert predict(api, image())[1]["status"]["code"] == 10000


def test_register_model_at_run_time_is_usable_in_workflows(api: Api) -> None:
    model = backend(api.client).register_model({"id": "my-model", "model_type_id": "visual-classifier",
                                                "concepts": ["cat", "dog"], "model_version": {"id": "e" * 32}})
    assert model["model_version"]["id"] == "e" * 32
    make(api, node("m", ("my-model", "e" * 32)))
    _, body = predict(api, image("https://x.test/cat.jpg"))
    assert concepts(body["results"][0]["outputs"][0])[0][0] == "cat"
    assert api("GET", "/v2/models/my-model")[1]["model"]["id"] == "my-model"
    dump = backend(api.client).dump()
    assert "my-model" in dump["catalog"]["models"] and dump["workflows"]["emulator-user/a1"][0]["id"] == "w"
