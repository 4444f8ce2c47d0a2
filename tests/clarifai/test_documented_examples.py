"""Documented example answers (issue #15 item 4): the docs' inputs get the docs' concepts and ids."""
from __future__ import annotations

import re

from emulator.clarifai import documented
from emulator.clarifai.model_defs import concept_id
from tests.clarifai.clarifai_rest_support import FOOD, GENERAL, METRO, Api, image, node, workflow

W = "/v2/users/me/apps/a1/workflows"
# Clarifai/old-docs predict.md: general-v1.3 (version aa9ca48295b37401f8af92ad1af0d91d) on metro-north.jpg
DOCS_2016 = [("ai_HLmqFqBf", "train", 0.9989112), ("ai_fvlBqXZR", "railway", 0.9975532),
             ("ai_Xxjc3MhT", "transportation system", 0.9959158), ("ai_6kTjGfF6", "station", 0.992573),
             ("ai_RRXLczch", "locomotive", 0.992556)]


def test_post_workflow_results_seed_workflow_metro_north_shows_the_docs_answer(api: Api) -> None:
    # seeds/002: my-custom-workflow (Food + General 2016 versions), predicted on metro-north.jpg
    status, _ = api("POST", W, {"workflows": [workflow("my-custom-workflow", node("food-concepts", FOOD),
                                                       node("general-concepts", GENERAL))]})
    assert status == 200
    _, body = api("POST", f"{W}/my-custom-workflow/results", {"inputs": [image(METRO)]})
    general = body["results"][0]["outputs"][1]["data"]["concepts"]
    assert [(c["id"], c["name"], c["value"]) for c in general[:5]] == DOCS_2016
    assert len(general) == 20 and general[-1] == {"id": "ai_VSVscs9k", "name": "terminal", "value": 0.9230834,
                                                  "app_id": "main"}
    # the current version answers the current docs' list (train first too)
    status, model = api("POST", f"/v2/models/{GENERAL[0]}/outputs", {"inputs": [image(METRO)]})
    assert status == 200
    top = model["outputs"][0]["data"]["concepts"]
    assert [(c["id"], c["name"], c["value"]) for c in top[:3]] == [
        ("ai_HLmqFqBf", "train", 0.9996054), ("ai_fvlBqXZR", "railway", 0.9992987),
        ("ai_SHNDcmJ3", "subway system", 0.9982515)]
    # max_concepts and select_concepts apply to documented answers as to any other
    _, picked = api("POST", f"/v2/models/{GENERAL[0]}/outputs", {"inputs": [image(METRO)], "model": {
        "output_info": {"output_config": {"select_concepts": [{"name": "train"}, {"id": "ai_6kTjGfF6"}]}}}})
    assert [c["name"] for c in picked["outputs"][0]["data"]["concepts"]] == ["train", "station"]


def test_documented_examples_name_concepts_of_their_model_and_ids_look_like_clarifai() -> None:
    assert documented.answers("general-image-recognition", GENERAL[1])[METRO.lower()]["train"] == 0.9989112
    assert re.fullmatch(r"ai_[0-9A-Za-z]{8}", concept_id("some concept"))
    assert concept_id("some concept") == concept_id("some concept") != concept_id("another")


def test_post_model_outputs_docs_text_example(api: Api) -> None:
    # Clarifai/docs text_via_raw_text: "I love your product very much" on product-review-sentiment-multi
    status, body = api("POST", "/v2/models/91ff804429654ce25e93e710beea82ea/outputs",
                       {"inputs": [{"data": {"text": {"raw": "I love your product very much"}}}]})
    assert status == 200, body
    got = [(c["id"], c["name"], c["value"]) for c in body["outputs"][0]["data"]["concepts"]]
    assert got == [("ai_372MvFLZ", "5 stars", 0.866518), ("ai_qbKLQz68", "4 stars", 0.1198528),
                   ("ai_xhvBFMxc", "3 stars", 0.009703088), ("ai_1l3VDCQM", "1 star", 0.002005926),
                   ("ai_dRpwfL86", "2 stars", 0.001920198)]
    _, other = api("POST", "/v2/models/91ff804429654ce25e93e710beea82ea/outputs",
                   {"inputs": [{"data": {"text": {"raw": "Not what I ordered"}}}]})
    assert other["outputs"][0]["data"]["concepts"][0]["value"] >= 0.9  # any other text: plausible values
