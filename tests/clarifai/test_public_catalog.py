"""The clarifai/main catalogue data file: well-formed, self-consistent, and holding the ids clients use."""
from __future__ import annotations

from emulator.clarifai import public_catalog
from emulator.clarifai.catalog import ModelCatalog

CAT = public_catalog.load()


def test_catalogue_every_model_has_a_known_type_and_versions() -> None:
    for m in CAT.models:
        assert m.model_type_id in CAT.model_types, m.id
        assert m.version_ids and all(len(v) == 32 for v in m.version_ids), m.id
        assert (m.user_id, m.app_id) == ("clarifai", "main")


def test_catalogue_legacy_hex_ids_are_aliases_of_slugs() -> None:
    general = CAT.model("aaa03c23b3724a16a56b629203edc62c")
    assert general is not None and general.id == "general-image-recognition"
    assert general.latest_version == "aa7f35c01e0642fda5cf400f543e7c40"
    assert general.cid("train") == "ai_HLmqFqBf"
    moderation = CAT.model("d16f390eb32cad478c7ae150069bd2c6")
    assert moderation is not None and moderation.id == "moderation-recognition"
    assert moderation.latest_version == "aa8be956dbaa4b7a858826a84253cab9"
    assert moderation.cid("safe") == "ai_QD1zClSd"


def test_catalogue_sdk_fixture_models_resolve() -> None:
    cat = ModelCatalog()
    for model_id, version in (("face-detection", "fe995da8cb73490f8556416ecf25cea3"),
                              ("margin-110-image-crop", "b9987421b40a46649566826ef9325303"),
                              ("general-image-embedding", "bb186755eda04f9cbb6fe32e816be104"),
                              ("general-clusterering", "cc2074cff6dc4c02b6f4e1b8606dcb54"),
                              ("moderation-recognition", "aa8be956dbaa4b7a858826a84253cab9"),
                              ("food-item-recognition", "1d5fd481e0cf4826aa72ec3ff049e044")):
        m, v = cat.resolve(model_id, version)
        assert v == version and m.id == model_id
    assert cat.get("margin-110-image-crop") is not None
    crop = cat.get("margin-110-image-crop")
    assert crop is not None and crop.params("b9987421b40a46649566826ef9325303") == {"margin": 1.1}


def test_catalogue_public_workflows_name_catalogue_models() -> None:
    by_id = {w["id"]: w for w in CAT.workflows}
    assert [n["id"] for n in by_id["General"]["nodes"]] == [
        "general-v1.5-concept", "general-v1.5-embed", "general-v1.5-cluster"]
    for wf in CAT.workflows:
        for n in wf["nodes"]:
            m = CAT.model(n["model"]["id"])
            assert m is not None and n["model"]["model_version_id"] in m.version_ids, (wf["id"], n["id"])


def test_catalogue_model_types_carry_input_and_output_fields() -> None:
    crop = CAT.model_types["image-crop"]
    assert crop.input_fields == ("image", "regions") and crop.param_defaults == {"margin": 1.0}
    assert CAT.model_types["clusterer"].to_json()["output_fields"] == ["clusters"]
