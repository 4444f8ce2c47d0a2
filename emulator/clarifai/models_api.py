"""Clarifai models and model versions (service.proto GetModel, ListModels, PostModels, PatchModels,
DeleteModel(s), GetModelVersion, ListModelVersions, PostModelVersions, DeleteModelVersion,
ListModelTypes).

Models live in apps: an app's own models come first, then Clarifai's public ones (ListModels'
`dont_fetch_from_main` turns those off). Custom models made here (the SDK's workflow YAML defines
an image-crop model inline) can be used in workflows and predict with outputs of their type; a
model without a version cannot (22002).
"""
from __future__ import annotations

import dataclasses
from typing import Any

from emulator.clarifai import catalog, errors
from emulator.clarifai.app_store import gettable
from emulator.clarifai.listing import Reply, Request, ok, paginate, patch_request
from emulator.clarifai.model_defs import PRIVATE, PUBLIC, ModelDef
from emulator.clarifai.state import CallScope, ClarifaiState
from emulator.clarifai.validation import WORKFLOW_ID

MAX_ID = 48


def _owner(scope: CallScope) -> tuple[str, str]:
    return scope.user_id, scope.app_id


def _visible(m: ModelDef, scope: CallScope) -> bool:
    return m.visibility == PUBLIC or m.user_id == scope.principal.user_id


def find_model(state: ClarifaiState, scope: CallScope, model_id: str) -> ModelDef:
    m = state.catalog.get(model_id, _owner(scope))
    if m is None or not _visible(m, scope):
        raise errors.model_not_found(model_id)
    return m


def _own_model(state: ClarifaiState, scope: CallScope, model_id: str) -> ModelDef:
    """A model the caller may change: one of the addressed app's own models."""
    m = state.catalog.app_models(_owner(scope)).get(model_id)
    if m is None:
        if state.catalog.get(model_id) is not None:
            raise errors.ClarifaiError(21201, f"Model '{model_id}' belongs to another app", "model_permission_denied")
        raise errors.model_not_found(model_id)
    return m


async def get_model(state: ClarifaiState, req: Request, scope: CallScope) -> Reply:
    m = find_model(state, scope, req.get("model_id", ""))
    vid = req.get("version_id") or None
    if vid and vid not in m.version_ids:
        raise errors.model_not_found(m.id, vid)
    return ok({"model": catalog.model_json(m, vid)})


def _matches(m: ModelDef, req: Request) -> bool:
    mt = catalog.MODEL_TYPES.get(m.model_type_id)
    if req.get("model_type_id") and m.model_type_id != req["model_type_id"]:
        return False
    if req.get("trained_only") and not m.version_ids:
        return False
    fields = (("input_fields", mt.input_fields if mt else ()), ("output_fields", mt.output_fields if mt else ()))
    for key, have in fields:
        if req.get(key) and not set(req[key]) <= set(have):
            return False
    if req.get("name") and str(req["name"]).lower() not in (m.name + " " + m.display_name).lower():
        return False
    text = str(req.get("search") or req.get("query") or "").lower()
    if text and not any(text in f.lower() for f in (m.id, m.name, m.display_name, m.description)):
        return False
    gettable = (req.get("visibility") or {}).get("gettable")
    return not (gettable and m.visibility != gettable)


async def list_models(state: ClarifaiState, req: Request, scope: CallScope) -> Reply:
    ua = req.get("user_app_id") or {}
    cat = state.catalog
    if not scope.app_given and ua.get("user_id"):
        # /v2/users/{user_id}/models: across that user's apps
        items = [m for (u, _), ms in cat.apps.items() if u == scope.user_id for m in ms.values()]
    else:
        items = list(cat.app_models(_owner(scope)).values())
    pub = state.public
    if not req.get("dont_fetch_from_main") or (scope.user_id, scope.app_id) == (pub.user_id, pub.app_id):
        own = {m.id for m in items}
        items += [m for m in cat.all() if m.id not in own and m.visibility == PUBLIC]
    items = [m for m in items if _visible(m, scope) and _matches(m, req)]
    descending = not req.get("sort_ascending", False)
    if req.get("sort_by_name"):
        items.sort(key=lambda m: m.name.lower(), reverse=descending)
    elif req.get("sort_by_created_at"):
        items.sort(key=lambda m: (m.created_at, m.id), reverse=descending)
    else:  # sort_by_modified_at is the default
        items.sort(key=lambda m: (m.modified_at or m.created_at, m.id), reverse=descending)
    return ok({"models": [catalog.model_json(m) for m in paginate(items, req)]})


def _check_model_id(model_id: str) -> None:
    if not model_id:
        raise errors.model_invalid_argument("Model ID is required")
    if len(model_id) > MAX_ID or not WORKFLOW_ID.match(model_id):
        raise errors.model_invalid_argument(
            f"Invalid model ID '{model_id}': use letters, digits and single '-' or '_' separators, "
            f"at most {MAX_ID} characters")


def _version_params(mv: dict[str, Any]) -> dict[str, Any]:
    return dict(((mv.get("output_info") or {}).get("params")) or {})


def _concepts(item: dict[str, Any]) -> tuple[tuple[str, ...], dict[str, str]]:
    found = ((item.get("output_info") or {}).get("data") or {}).get("concepts") or []
    names = tuple(str(c.get("name") or c.get("id")) for c in found if c.get("name") or c.get("id"))
    return names, {str(c.get("name") or c["id"]): str(c["id"]) for c in found if c.get("id")}


def _new_version(state: ClarifaiState, m: ModelDef, mv: dict[str, Any], now: float) -> tuple[ModelDef, str]:
    vid = state.tenant.ids.hex32()
    params = _version_params(mv)
    return dataclasses.replace(
        m, version_ids=(vid, *m.version_ids), version_created={**m.version_created, vid: now},
        version_params={**m.version_params, vid: params}, modified_at=now), vid


async def post_models(state: ClarifaiState, req: Request, scope: CallScope) -> Reply:
    items = list(req.get("models") or ([req["model"]] if req.get("model") else []))
    if not items:
        raise errors.model_invalid_argument("At least one model must be provided")
    app = state.catalog.app_models(_owner(scope))
    made: list[tuple[ModelDef, str]] = []
    for item in items:  # validate all before storing any
        model_id = str(item.get("id") or "")
        _check_model_id(model_id)
        if model_id in app or any(m.id == model_id for m, _ in made):
            raise errors.model_duplicate(model_id)
        mtype = str(item.get("model_type_id") or "visual-classifier")
        if mtype not in catalog.MODEL_TYPES:
            raise errors.model_invalid_argument(f"Invalid model type '{mtype}'")
        names, ids = _concepts(item)
        m = ModelDef(model_id, str(item.get("name") or model_id), mtype, (), names, scope.user_id, scope.app_id,
                     str(item.get("description") or ""), 32 if "embedder" in mtype else 0, ids,
                     display_name=str(item.get("display_name") or ""), created_at=scope.now,
                     visibility=gettable(item, PRIVATE),
                     notes=str(item.get("notes") or ""), modified_at=scope.now)
        vid = ""
        if item.get("model_version") is not None:  # a model sent with its first version
            m, vid = _new_version(state, m, {"output_info": item.get("output_info") or {}}, scope.now)
        made.append((m, vid))
    for m, _ in made:
        app[m.id] = m
    m, vid = made[0]
    return ok({"model": catalog.model_json(m, vid or None)})


async def post_model_versions(state: ClarifaiState, req: Request,
                              scope: CallScope) -> Reply:
    m = _own_model(state, scope, req.get("model_id", ""))
    versions = req.get("model_versions") or [{}]
    vid = ""
    for mv in versions:
        m, vid = _new_version(state, m, mv, scope.now)
    state.catalog.app_models(_owner(scope))[m.id] = m
    return ok({"model": catalog.model_json(m, vid)})


async def patch_models(state: ClarifaiState, req: Request, scope: CallScope) -> Reply:
    action, items = patch_request(req, "models", "model")
    app = state.catalog.app_models(_owner(scope))
    staged = []
    for item in items:
        m = _own_model(state, scope, str(item.get("id") or ""))
        changes: dict[str, Any] = {}
        for k in ("name", "description", "notes", "display_name"):
            if k in item:
                changes[k] = "" if action == "remove" else str(item[k])
        changes["visibility"] = gettable(item, m.visibility)
        staged.append(dataclasses.replace(m, modified_at=scope.now, **changes))
    for m in staged:
        app[m.id] = m
    state.catalog.generation += 1  # predict plans made from the old definitions are remade
    return ok({"models": [catalog.model_json(m) for m in staged]})


async def delete_model(state: ClarifaiState, req: Request, scope: CallScope) -> Reply:
    m = _own_model(state, scope, req.get("model_id", ""))
    del state.catalog.app_models(_owner(scope))[m.id]
    state.catalog.generation += 1
    return ok({})


async def delete_models(state: ClarifaiState, req: Request, scope: CallScope) -> Reply:
    app = state.catalog.app_models(_owner(scope))
    state.catalog.generation += 1
    if req.get("delete_all"):
        app.clear()
        return ok({})
    ids = req.get("ids") or []
    if not ids:
        raise errors.model_invalid_argument("Either ids or delete_all must be provided")
    for model_id in ids:  # all-or-nothing
        _own_model(state, scope, model_id)
    for model_id in ids:
        app.pop(model_id, None)
    return ok({})


def _version_of(state: ClarifaiState, scope: CallScope, req: Request) -> tuple[ModelDef, str]:
    m = find_model(state, scope, req.get("model_id", ""))
    vid = req.get("version_id", "")
    if vid not in m.version_ids:
        raise errors.model_not_found(m.id, vid)
    return m, vid


async def get_model_version(state: ClarifaiState, req: Request,
                            scope: CallScope) -> Reply:
    m, vid = _version_of(state, scope, req)
    return ok({"model_version": catalog.version_json(m, vid)})


async def list_model_versions(state: ClarifaiState, req: Request,
                              scope: CallScope) -> Reply:
    m = find_model(state, scope, req.get("model_id", ""))
    ordered = list(m.version_ids)  # newest first
    if req.get("sort_ascending"):
        ordered.reverse()
    return ok({"model_versions": [catalog.version_json(m, v) for v in paginate(ordered, req)]})


async def delete_model_version(state: ClarifaiState, req: Request,
                               scope: CallScope) -> Reply:
    m = _own_model(state, scope, req.get("model_id", ""))
    vid = req.get("version_id", "")
    if vid not in m.version_ids:
        raise errors.model_not_found(m.id, vid)
    state.catalog.app_models(_owner(scope))[m.id] = dataclasses.replace(
        m, version_ids=tuple(v for v in m.version_ids if v != vid), modified_at=scope.now)
    state.catalog.generation += 1
    return ok({})


async def list_model_types(state: ClarifaiState, req: Request,
                           scope: CallScope) -> Reply:
    types = [t.to_json() for t in catalog.MODEL_TYPES.values()]
    return ok({"model_types": paginate(types, req)})
