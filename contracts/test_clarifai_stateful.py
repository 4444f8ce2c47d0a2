"""Stateful Clarifai contract: scenarios follow the OpenAPI links
create -> get -> predict -> patch -> delete, one fresh tenant per scenario, every check on every step."""
from __future__ import annotations

import uuid
from typing import Any

from contracts.contract_support import (
    AUTH,
    SEED,
    STATEFUL_EXAMPLES,
    contract_app,
    is_subsequence,
    run_scenarios,
    scenario_machine,
)
from emulator.conformance.runner import load_schema, make_config

# models of the built-in catalogue (the seed document's general and food models)
GENERAL = {"id": "aaa03c23b3724a16a56b629203edc62c", "model_version": {"id": "aa9ca48295b37401f8af92ad1af0d91d"}}
FOOD = {"id": "bd367be194cf45149e75f01d59f77ba7", "model_version": {"id": "dfebc169854e429086aceb8368662641"}}
IMAGE = {"data": {"image": {"url": "https://samples.clarifai.com/metro-north.jpg"}}}
CREATE_LABEL = "POST /v2/users/{user_id}/apps/{app_id}/workflows"
CHAIN = ["post_workflows", "get_workflow", "post_workflow_results", "patch_workflows", "delete_workflow"]


def _steer(case: Any) -> None:
    # Random bodies almost never name existing models, so creates and predicts are steered to
    # valid ones; everything else (ids, query, other fields) stays generated.
    oid = case.operation.definition.raw["operationId"]
    if "user_id" in case.path_parameters:
        case.path_parameters["user_id"] = "me"
    if "app_id" in case.path_parameters:
        case.path_parameters["app_id"] = "main"
    if oid == "post_workflows":
        wid = "wf-" + uuid.uuid5(uuid.NAMESPACE_URL, repr(case.body)).hex[:10]
        case.body = {"workflows": [{"id": wid, "nodes": [{"id": "general", "model": GENERAL},
                                                         {"id": "food", "model": FOOD}]}]}
    elif oid == "post_workflow_results":
        case.body = {"inputs": [IMAGE]}


def test_clarifai_stateful_links_create_get_predict_patch_delete() -> None:
    config = make_config("clarifai", headers=AUTH, max_examples=STATEFUL_EXAMPLES, seed=SEED, mode="positive",
                         stateful=True)
    schema = load_schema("clarifai", config, app=contract_app())
    trace = run_scenarios(scenario_machine(schema, CREATE_LABEL, _steer, AUTH))
    # the links were really followed: some scenario walked the whole chain with successes
    walked = [[op for op, status in steps if status == 200] for steps in trace]
    assert any(is_subsequence(CHAIN, ops) for ops in walked), trace[:10]
