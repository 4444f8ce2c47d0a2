"""Clarifai models, model versions and model types over REST (issue #14): the public catalogue by slug and
legacy id, custom models made with PostModels / PostModelVersions, and their use in workflows."""
from __future__ import annotations

from tests.clarifai.clarifai_rest_support import Api, image

A = "/v2/users/me/apps/lab"
GENERAL_SLUG, GENERAL_HEX = "general-image-recognition", "aaa03c23b3724a16a56b629203edc62c"
FACE = ("face-detection", "fe995da8cb73490f8556416ecf25cea3")


def test_get_model_by_slug_and_legacy_id_in_clarifai_main(api: Api) -> None:
    status, body = api("GET", f"/v2/users/clarifai/apps/main/models/{GENERAL_SLUG}")
    assert status == 200 and body["model"]["id"] == GENERAL_SLUG
    assert body["model"]["model_version"]["id"] == "aa7f35c01e0642fda5cf400f543e7c40"
    assert body["model"]["display_name"] == "general-visual-classifier"
    _, by_hex = api("GET", f"/v2/users/clarifai/apps/main/models/{GENERAL_HEX}")
    assert by_hex["model"]["model_version"]["id"] == "aa7f35c01e0642fda5cf400f543e7c40"
    status, missing = api("GET", f"/v2/users/clarifai/apps/main/models/{GENERAL_SLUG}",
                          params={"version_id": "0" * 32})
    assert status == 404 and missing["status"]["code"] == 21200


def test_list_model_types_carry_input_output_and_param_fields(api: Api) -> None:
    status, body = api("GET", "/v2/models/types")
    assert status == 200
    types = {t["id"]: t for t in body["model_types"]}
    assert types["visual-detector"]["output_fields"] == ["regions"]
    assert types["image-crop"]["input_fields"] == ["image", "regions"]
    assert types["image-crop"]["model_type_fields"][0]["path"] == "output_info.params.margin"
    _, one = api("GET", "/v2/users/me/apps/lab/models/types/clusterer")
    assert one["model_type"]["input_fields"] == ["embeddings"]


def test_list_models_pages_filters_and_leaves_out_main_on_request(api: Api) -> None:
    _, body = api("GET", f"{A}/models", params={"model_type_id": "visual-detector"})
    assert {m["id"] for m in body["models"]} >= {"face-detection", "general-image-detection"}
    assert all(m["model_type_id"] == "visual-detector" for m in body["models"])
    _, page = api("GET", f"{A}/models", params={"per_page": 2, "page": 2})
    assert len(page["models"]) == 2
    api("POST", f"{A}/models", {"models": [{"id": "mine", "model_type_id": "visual-classifier"}]})
    _, own = api("GET", f"{A}/models", params={"dont_fetch_from_main": "true"})
    assert [m["id"] for m in own["models"]] == ["mine"]
    assert "model_version" not in own["models"][0]  # no version until PostModelVersions


def test_custom_cropper_versions_and_its_use_in_a_workflow(api: Api) -> None:
    status, made = api("POST", f"{A}/models", {"models": [{"id": "my-crop", "model_type_id": "image-crop",
                                                          "description": "Custom crop model"}]})
    assert status == 200 and made["model"]["user_id"] == "emulator-user" and made["model"]["app_id"] == "lab"
    # a model without a version cannot be a workflow node
    wf = {"id": "sb", "nodes": [{"id": "detector", "model": {"id": FACE[0], "user_id": "clarifai", "app_id": "main",
                                                            "model_version": {"id": FACE[1]}}},
                                {"id": "cropper", "model": {"id": "my-crop"}, "node_inputs": [{"node_id": "detector"}]}]}
    status, body = api("POST", f"{A}/workflows", {"workflows": [wf]})
    assert status == 400 and body["status"]["code"] == 22002
    _, v1 = api("POST", f"{A}/models/my-crop/versions", {"model_versions": [{"output_info": {"params": {"margin": 1.3}}}]})
    _, v2 = api("POST", f"{A}/models/my-crop/versions", {"model_versions": [{"output_info": {"params": {"margin": 1.5}}}]})
    first, second = v1["model"]["model_version"]["id"], v2["model"]["model_version"]["id"]
    assert v2["model"]["model_version"]["output_info"]["params"] == {"margin": 1.5} and first != second
    _, listed = api("GET", f"{A}/models/my-crop/versions")
    assert [v["id"] for v in listed["model_versions"]] == [second, first]
    _, got = api("GET", f"{A}/models/my-crop/versions/{first}")
    assert got["model_version"]["output_info"]["params"] == {"margin": 1.3}
    status, body = api("POST", f"{A}/workflows", {"workflows": [wf]})
    assert status == 200, body
    cropper = body["workflows"][0]["nodes"][1]["model"]
    assert (cropper["id"], cropper["model_version"]["id"], cropper["app_id"]) == ("my-crop", second, "lab")
    status, out = api("POST", f"{A}/workflows/sb/results", {"inputs": [image()]})
    assert status == 200 and [o["model"]["id"] for o in out["results"][0]["outputs"]] == ["face-detection", "my-crop"]
    # another app of the same user does not see lab's model
    assert api("GET", "/v2/users/me/apps/other/models/my-crop")[0] == 404


def test_patch_and_delete_models(api: Api) -> None:
    api("POST", f"{A}/models", {"models": [{"id": "m1"}, {"id": "m2"}]})
    _, patched = api("PATCH", f"{A}/models", {"action": "merge", "models": [{"id": "m1", "description": "new"}]})
    assert patched["models"][0]["description"] == "new"
    status, body = api("PATCH", f"{A}/models", {"action": "merge", "models": [{"id": GENERAL_SLUG, "name": "x"}]})
    assert status == 403 and body["status"]["code"] == 21201  # the public model is not the app's
    assert api("DELETE", f"{A}/models/m1")[0] == 200
    assert api("GET", f"{A}/models/m1")[0] == 404
    status, body = api("DELETE", f"{A}/models", {"ids": ["m2", "nope"]})
    assert status == 404 and api("GET", f"{A}/models/m2")[0] == 200  # all-or-nothing
    assert api("DELETE", f"{A}/models", {"delete_all": True})[0] == 200
    status, dup = api("POST", f"{A}/models", {"models": [{"id": "m3"}, {"id": "m3"}]})
    assert status == 400 and dup["status"]["code"] == 40010
