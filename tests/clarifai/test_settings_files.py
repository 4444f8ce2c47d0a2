"""Clarifai settings-driven behaviour: models file, body size limit (reference §4, §7)."""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.clarifai.clarifai_rest_support import Api, image, node, workflow


def test_models_file_adds_models_to_the_catalogue(api_factory: Callable[..., Api], tmp_path: Path) -> None:
    path = tmp_path / "models.json"
    path.write_text(json.dumps({"models": [
        {"id": "logo-detector", "model_type_id": "visual-detector", "concepts": ["logo"],
         "version_ids": ["1" * 32, "0" * 32], "user_id": "acme", "app_id": "vision"}]}))
    api = api_factory(clarifai_models_file=str(path))
    status, body = api("GET", "/v2/models/logo-detector")
    assert status == 200
    m = body["model"]
    assert (m["user_id"], m["app_id"], m["model_type_id"], m["model_version"]["id"]) == (
        "acme", "vision", "visual-detector", "1" * 32)
    assert api("POST", "/v2/workflows", {"workflows": [workflow("old", node("d", ("logo-detector", "0" * 32)))]}
               )[0] == 200
    _, pred = api("POST", "/v2/workflows/old/results", {"inputs": [image()]})
    regions = pred["results"][0]["outputs"][0]["data"]["regions"]
    assert {r["data"]["concepts"][0]["name"] for r in regions} == {"logo"}


def test_post_workflow_results_oversized_body_is_rejected(api_factory: Callable[..., Api]) -> None:
    api = api_factory(clarifai_max_request_bytes=1000)
    status, body = api("POST", "/v2/workflows/w/results", {"inputs": [{"data": {"text": {"raw": "x" * 2000}}}]})
    assert status == 413 and body["status"]["code"] == 40033
    assert body["status"]["details"].startswith("Request body of ")
