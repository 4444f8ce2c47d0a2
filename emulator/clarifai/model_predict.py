"""Clarifai model predict, PostModelOutputs (service.proto: every google.api.http binding with and without
`version_id` and `user_app_id`): one model on up to 128 inputs, with the outputs workflow predict gives.

Outputs come from the same generators as workflow predict (outputs.py), so a model predicts the
same for an input whichever way it is called. The request's `model` may carry an output config in
`model.output_info.output_config` (the docs' examples) or `model.model_version.output_info.output_config`
(what the `clarifai` SDK sends, clarifai/client/model_client.py `_predict_by_proto`); both count, the
version's winning. Retryable model states, cold starts, node faults and the journal apply as for
workflow predict (§5, §7).
"""
from __future__ import annotations

import functools
from typing import Any

from emulator.clarifai import catalog, concept_select, errors, outputs_video, wire
from emulator.clarifai.hooks import CLARIFAI_NODE
from emulator.clarifai.inputs import InputContent, echo_data, read_input
from emulator.clarifai.listing import Reply, Request
from emulator.clarifai.outputs import OutputConfig, Scorer
from emulator.clarifai.state import CallScope, ClarifaiState

# docs (Predict, Images): "You can send up to 128 images in one API call"; SDK MAX_MODEL_PREDICT_INPUTS
MAX_INPUTS = 128
OK = wire.ok_status()


def output_config(req: Request) -> OutputConfig:
    model = req.get("model") or {}
    merged: dict[str, Any] = dict((model.get("output_info") or {}).get("output_config") or {})
    merged.update(((model.get("model_version") or {}).get("output_info") or {}).get("output_config") or {})
    return OutputConfig.from_request(merged) if merged else OutputConfig()


@functools.lru_cache(maxsize=1024)  # a Scorer prepares per-model fragments once (outputs.py)
def scorer(model: catalog.ModelDef, version_id: str) -> Scorer:
    return Scorer(model, version_id)


def input_field(model: catalog.ModelDef) -> str:
    return catalog.MODEL_TYPES[model.model_type_id].input_fields[0]


async def post_model_outputs(state: ClarifaiState, req: Request,
                             scope: CallScope) -> Reply:
    model, version = state.catalog.resolve(req.get("model_id", ""), req.get("version_id") or None,
                                             (scope.user_id, scope.app_id))
    inputs = req.get("inputs") or []
    if not inputs:
        raise errors.ClarifaiError(40001, "At least one input is required", "predict_no_inputs")
    if len(inputs) > MAX_INPUTS:
        raise errors.too_many_model_inputs(len(inputs), MAX_INPUTS)
    config = output_config(req)
    # the docs: no select_concepts matching at all is an invalid model argument, a partial match mixed success
    partial = concept_select.check(model, config.select)
    s = state.settings
    code = state.catalog.readiness(model.id, scope.now, s.clarifai_cold_start_s, s.clarifai_cold_start_idle_s)
    if code is not None:
        raise errors.model_not_ready(code, model.id)
    state.catalog.touch(model.id, scope.now)
    created = wire.timestamp(scope.now, nanos=True)
    shown = catalog.shared_model_json(model, version)  # shared, never mutated
    field = input_field(model)
    ids = state.tenant.ids
    faults = state.tenant.faults
    outputs: list[dict[str, Any]] = []
    outcomes: set[int] = set()
    for index, inp in enumerate(inputs):
        echo = {"id": inp.get("id") or ids.hex32(), "data": echo_data(inp.get("data") or {})}
        out: dict[str, Any] = {"id": ids.hex32(), "status": OK, "created_at": created, "model": shown, "input": echo}
        content: InputContent | errors.ClarifaiError = read_input(inp, s.clarifai_max_image_bytes)
        if isinstance(content, errors.ClarifaiError):
            out["status"] = state.status_of(content)[0]
        elif not outputs_video.takes(model, field, content.kind):
            out["status"] = state.status_of(errors.ClarifaiError(
                30104, f"Model '{model.id}' takes {field} inputs, got {content.kind}", "input_type_mismatch"))[0]
        else:
            effect = faults.fire(CLARIFAI_NODE, model_id=model.id, node_id=model.id, input_index=index,
                                 workflow_id="") if faults.active else None
            if effect is not None and effect.get("type") == "node_error":
                failed = int(effect.get("code", errors.BY_NAME["MODEL_PREDICTION_FAILED"].code))
                out["status"] = wire.status(failed, str(effect.get("description") or errors.spec(failed).description),
                                            str(effect.get("details") or ""))
            else:
                out["data"] = scorer(model, version).data(content, None, config, False)[0]
        outcomes.add(0 if out["status"] is OK else 2)
        outputs.append(out)
    if outcomes == {0} and not partial:
        spec, details = errors.SUCCESS, ""
    elif outcomes == {2}:
        spec, details = errors.FAILURE, ""
    else:
        spec, details = errors.MIXED_STATUS, partial or ""
    return {"status": wire.status(spec.code, spec.description, details), "outputs": outputs}, spec.http_status
