"""Clarifai's models as workflow nodes see them (reference §4): ids, versions, types, vocabularies.

The built-ins are clarifai/main's public models from the catalogue data file (public_catalog.py),
reachable by slug and by legacy hex id; every model has a model type (whose `input_fields` the SDK
reads before predicting, §10) and an output vocabulary predict draws from. A tenant's
`ModelCatalog` adds an optional settings file, control-plane registrations and, per app, the
custom models PostModels creates (models_api.py).
"""
from __future__ import annotations

import dataclasses
import hashlib
from functools import lru_cache
from typing import Any

import orjson

from emulator.clarifai import errors, public_catalog, wire
from emulator.clarifai.model_defs import MODELS_CREATED, PUBLIC, ModelDef, ModelType, concept_id

__all__ = ["BUILTIN", "MODEL_TYPES", "PUBLIC", "ModelCatalog", "ModelDef", "ModelType", "concept_id"]

_MODELS_CREATED = MODELS_CREATED

# the model types and models of clarifai/main, from the catalogue data file (public_catalog.py)
MODEL_TYPES: dict[str, ModelType] = dict(public_catalog.load().model_types)
BUILTIN: tuple[ModelDef, ...] = public_catalog.load().models


def _alias_views(cat: public_catalog.PublicCatalog) -> dict[str, ModelDef]:
    """Every public model under its slug and under each legacy id (reference "Known corrections")."""
    out: dict[str, ModelDef] = {}
    for m in cat.models:
        out[m.id] = m
        for alias in m.aliases:
            out[alias] = dataclasses.replace(m, id=alias, canonical_id=m.id) if cat.alias_echo == "as_given" else m
    return out


def model_def_from_json(d: dict[str, Any]) -> ModelDef:
    """A model added at run time: {id, model_type_id, concepts?, name?, version_ids?|model_version.id?}."""
    if not isinstance(d, dict) or not isinstance(d.get("id"), str) or not d["id"]:
        raise errors.invalid_argument("A model needs a non-empty string `id`")
    mtype = str(d.get("model_type_id") or "visual-classifier")
    if mtype not in MODEL_TYPES:
        raise errors.invalid_argument(f"Unknown model_type_id '{mtype}'; expected one of {sorted(MODEL_TYPES)}")
    versions = d.get("version_ids") or [((d.get("model_version") or {}).get("id"))
                                        or hashlib.md5(d["id"].encode()).hexdigest()]
    concepts = tuple(str(c.get("name") or c.get("id")) if isinstance(c, dict) else str(c)
                     for c in d.get("concepts") or ())
    ids = {str(c.get("name") or c["id"]): str(c["id"]) for c in d.get("concepts") or ()
           if isinstance(c, dict) and c.get("id")}
    dims = int(d.get("embedding_dims") or (32 if "embedder" in mtype else 0))
    return ModelDef(d["id"], str(d.get("name") or d["id"]), mtype, tuple(str(v) for v in versions), concepts,
                    str(d.get("user_id") or "clarifai"), str(d.get("app_id") or "main"),
                    str(d.get("description") or ""), dims, ids)


@lru_cache(maxsize=8)
def models_file(path: str) -> tuple[ModelDef, ...]:
    with open(path, "rb") as fh:
        data = orjson.loads(fh.read())
    items = data.get("models", []) if isinstance(data, dict) else data
    return tuple(model_def_from_json(d) for d in items)


def output_info(m: ModelDef, version_id: str) -> dict[str, Any]:
    mt = MODEL_TYPES.get(m.model_type_id)
    fields_map = m.fields_map or {f: f for f in (mt.output_fields if mt else ())}
    return {"output_config": {"max_concepts": 0, "min_value": 0},
            "message": "Show output_info with: GET /models/{model_id}/output_info",
            "fields_map": dict(fields_map), "params": dict(m.params(version_id))}


def version_json(m: ModelDef, version_id: str) -> dict[str, Any]:
    """The ModelVersion message (resources.proto ModelVersion)."""
    ts = wire.timestamp(m.version_time(version_id))
    return {"id": version_id, "created_at": ts, "modified_at": ts,
            "status": {"code": errors.MODEL_TRAINED.code, "description": errors.MODEL_TRAINED.description},
            "active_concept_count": len(m.concepts), "visibility": {"gettable": m.visibility},
            "app_id": m.app_id, "user_id": m.user_id, "metadata": {},
            "output_info": output_info(m, version_id)}


@lru_cache(maxsize=4096)
def _model_json_bytes(m: ModelDef, version_id: str) -> bytes:
    model = {"id": m.id, "name": m.name, "display_name": m.display_name or m.name,
             "created_at": wire.timestamp(m.created_at), "modified_at": wire.timestamp(m.modified_at or m.created_at),
             "app_id": m.app_id, "user_id": m.user_id, "model_type_id": m.model_type_id,
             "description": m.description, "metadata": {}, "visibility": {"gettable": m.visibility},
             "output_info": output_info(m, version_id),
             "toolkits": [], "use_cases": [], "languages": [], "check_consents": []}
    if version_id:  # a model made by PostModels has no version until PostModelVersions
        model["model_version"] = version_json(m, version_id)
    if m.notes:
        model["notes"] = m.notes
    return orjson.dumps(model)


def model_json(m: ModelDef, version_id: str | None = None) -> dict[str, Any]:
    """The full Model message with `model_version` (§4); a fresh copy callers may embed."""
    out: dict[str, Any] = orjson.loads(_model_json_bytes(m, version_id or m.latest_version))
    return out


@lru_cache(maxsize=4096)
def shared_model_json(m: ModelDef, version_id: str) -> dict[str, Any]:
    """The Model message stored in workflow nodes: one object per model version, shared by every
    workflow that uses it (memory, and a reset frees far fewer objects). Never mutate it: code that
    edits a node copies it first (patching.py)."""
    return model_json(m, version_id)


# Retryable dependency states (§5 predict, §7) the SDK retries when they are the top-level status
MODEL_STATES: dict[str, int] = {"DEPLOYING": 21351, "LOADING": 21355, "BUSY": 21354, "NOT_DEPLOYED": 21353}
READY_STATES = {"READY", "DEPLOYED", "WARM"}


class ModelCatalog:
    """One tenant's models (built-ins + settings file + run-time additions) and their readiness."""

    def __init__(self, models_path: str | None = None) -> None:
        self.public = public_catalog.load()
        self._models: dict[str, ModelDef] = _alias_views(self.public)
        if models_path:
            for m in models_file(models_path):
                self._models[m.id] = m
        # custom models (PostModels), per (user_id, app_id), then model id
        self.apps: dict[tuple[str, str], dict[str, ModelDef]] = {}
        # model id -> (state name, until epoch seconds or None = until changed)
        self._forced: dict[str, tuple[str, float | None]] = {}
        self._ready_at: dict[str, float] = {}  # cold start in progress: warm from this instant
        self._last_used: dict[str, float] = {}
        # bumped whenever a model definition changes: predict plans made from an older catalogue are
        # rebuilt (predict.plan_for), so existing workflows predict with the new definition too
        self.generation = 0

    def get(self, model_id: str, owner: tuple[str, str] | None = None) -> ModelDef | None:
        if owner is not None:
            m = self.apps.get(owner, {}).get(model_id)
            if m is not None:
                return m
        return self._models.get(model_id)

    def all(self) -> list[ModelDef]:
        return [m for k, m in self._models.items() if not m.canonical_id and k == m.id]

    def app_models(self, owner: tuple[str, str]) -> dict[str, ModelDef]:
        return self.apps.setdefault(owner, {})

    def resolve(self, model_id: str, version_id: str | None,
                owner: tuple[str, str] | None = None) -> tuple[ModelDef, str]:
        """The model a node or GetModel names: first among `owner`'s app models, then the public and
        registered ones (a node's model.user_id/app_id may point to clarifai/main, §4)."""
        m = self.get(model_id, owner)
        if m is None:
            raise errors.model_not_found(model_id)
        if version_id and version_id not in m.version_ids:
            raise errors.model_not_found(model_id, version_id)
        return m, version_id or m.latest_version

    def register(self, d: dict[str, Any]) -> ModelDef:
        m = model_def_from_json(d)
        self._models[m.id] = m
        self.generation += 1
        return m

    def set_state(self, model_id: str, state: str, until: float | None) -> None:
        state = state.upper()
        if state in READY_STATES:
            self._forced.pop(model_id, None)
            self._ready_at.pop(model_id, None)
            return
        if state not in MODEL_STATES:
            raise errors.invalid_argument(
                f"Unknown model state '{state}'; expected one of {sorted(MODEL_STATES) + sorted(READY_STATES)}")
        self._forced[model_id] = (state, until)

    def readiness(self, model_id: str, now: float, cold_start_s: float, idle_s: float) -> int | None:
        """The retryable status code this model answers at `now`, or None when it can predict.

        Cold-start profile: the first prediction after `idle_s` without traffic starts a deployment
        that answers MODEL_DEPLOYING for `cold_start_s` seconds of tenant-clock time."""
        forced = self._forced.get(model_id)
        if forced is not None:
            state, until = forced
            if until is None or now < until:
                return MODEL_STATES[state]
            del self._forced[model_id]
        if cold_start_s > 0:
            ready_at = self._ready_at.get(model_id)
            if ready_at is not None:
                if now < ready_at:
                    return MODEL_STATES["DEPLOYING"]
                del self._ready_at[model_id]
            else:
                last = self._last_used.get(model_id)
                if last is None or now - last > idle_s:
                    self._ready_at[model_id] = now + cold_start_s
                    return MODEL_STATES["DEPLOYING"]
        return None

    def always_ready(self, model_ids: tuple[str, ...], cold_start_s: float) -> bool:
        """True when `readiness` answers None for these models at any time, without side effects
        (no cold-start profile and no forced state)."""
        return cold_start_s <= 0 and (not self._forced or self._forced.keys().isdisjoint(model_ids))

    def touch(self, model_id: str, now: float) -> None:
        self._last_used[model_id] = now

    def touch_all(self, model_ids: tuple[str, ...], now: float) -> None:
        self._last_used.update(dict.fromkeys(model_ids, now))

    def dump(self) -> dict[str, Any]:
        return {"models": sorted(self._models),
                "forced_states": {k: {"state": s, "until": u} for k, (s, u) in self._forced.items()},
                "deploying_until": dict(self._ready_at), "last_used": dict(self._last_used)}
