"""Clarifai's public models as workflow nodes see them (reference §4): ids, versions, types, vocabularies.

The seed document's models keep their exact model and version ids; every model also has a
model type (whose `input_fields` the SDK reads before predicting, §10) and an output vocabulary
that predict draws from. A tenant's `ModelCatalog` starts from these built-ins plus an optional
settings file, and grows at run time through `register_model`.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import orjson

from emulator.clarifai import errors, wire

PUBLIC = 50  # Visibility.Gettable.PUBLIC
_MODELS_CREATED = 1_562_841_600.0  # 2019-07-11: a fixed past date keeps outputs reproducible


@dataclass(frozen=True)
class ModelType:
    id: str
    title: str
    input_fields: tuple[str, ...]
    output_fields: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "description": f"{self.title} model type",
                "input_fields": list(self.input_fields), "output_fields": list(self.output_fields),
                "trainable": True, "creatable": True, "internal_only": False}


MODEL_TYPES: dict[str, ModelType] = {t.id: t for t in (
    ModelType("visual-classifier", "Visual Classifier", ("image",), ("concepts",)),
    ModelType("visual-detector", "Visual Detector", ("image",), ("regions",)),
    ModelType("text-classifier", "Text Classifier", ("text",), ("concepts",)),
    ModelType("text-embedder", "Text Embedder", ("text",), ("embeddings",)),
    ModelType("visual-embedder", "Visual Embedder", ("image",), ("embeddings",)),
)}


@lru_cache(maxsize=65536)  # pure; predict asks once per concept per output (load helper, profile)
def concept_id(name: str) -> str:
    # public Clarifai concepts carry opaque ids such as "ai_QD1zClSd"
    return "ai_" + hashlib.sha1(name.encode()).hexdigest()[:8]


@dataclass(frozen=True)
class ModelDef:
    id: str
    name: str
    model_type_id: str
    version_ids: tuple[str, ...]  # latest first
    concepts: tuple[str, ...] = ()
    user_id: str = "clarifai"
    app_id: str = "main"
    description: str = ""
    embedding_dims: int = 0
    concept_ids: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def latest_version(self) -> str:
        return self.version_ids[0]

    def cid(self, name: str) -> str:
        return self.concept_ids.get(name) or concept_id(name)


_GENERAL = ("people", "train", "railway", "transportation system", "travel", "station", "city", "street",
            "urban", "vehicle", "outdoors", "no person", "adult", "man", "woman", "architecture",
            "building", "light", "business", "subway system", "road", "commuter", "platform", "indoors")
_FOOD = ("pasta", "sauce", "vegetable", "cheese", "meat", "tomato", "salad", "bread", "sushi", "pizza",
         "chicken", "rice", "soup", "fish", "dessert", "cake", "fruit", "egg", "beef", "noodle", "shrimp",
         "potato")
_TRAVEL = ("Cityscape", "Winter", "Beach", "Ski Resort", "Swimming Pool", "Island", "Mountain", "Lake",
           "Building", "Bedroom", "Bathroom", "Living Room", "Restaurant", "Street", "Train Station")
_WEDDING = ("bride", "groom", "dress", "ceremony", "reception", "cake", "bouquet", "ring", "veil",
            "suit", "dance", "couple", "love", "flowers", "church")

BUILTIN: tuple[ModelDef, ...] = (
    ModelDef("bd367be194cf45149e75f01d59f77ba7", "food-item-recognition", "visual-classifier",
             ("dfebc169854e429086aceb8368662641",), _FOOD, description="Recognizes food items and dishes"),
    ModelDef("aaa03c23b3724a16a56b629203edc62c", "general-image-recognition", "visual-classifier",
             ("aa9ca48295b37401f8af92ad1af0d91d",), _GENERAL, description="Identifies a variety of concepts"),
    ModelDef("ccc28c313d69466f836ab83287a54ed9", "travel-image-recognition", "visual-classifier",
             ("cce28c313d69466f836ab83287a54ed9",), _TRAVEL, description="Travel and hospitality concepts"),
    ModelDef("ccc76d86d2004ed1a38ba0cf39ecb4b1", "nsfw-recognition", "visual-classifier",
             ("cc76a92beaeb4d8495a58ba197998158",), ("sfw", "nsfw"), description="Not safe for work"),
    ModelDef("c386b7a870114f4a87477c0824499348", "wedding-image-recognition", "visual-classifier",
             ("787cc9a002164250800598d36b072384",), _WEDDING, description="Wedding concepts"),
    # §4 official predict example
    ModelDef("d16f390eb32cad478c7ae150069bd2c6", "moderation", "visual-classifier",
             ("b42ac907ac93483484483a0040a386be",), ("safe", "suggestive", "explicit", "drug", "gore"),
             description="Moderation recognition"),
    ModelDef("general-image-detection", "general-image-detection", "visual-detector",
             ("1580bb1932594c93b7e2e04456af7c6f",), ("Person", "Car", "Train", "Dog", "Building", "Tree",
                                                      "Bicycle", "Bag"), description="Detects objects"),
    ModelDef("sentiment-analysis-twitter-roberta-base", "sentiment-analysis-twitter-roberta-base",
             "text-classifier", ("2c9bbd5e5f2a4a7ab4d8dbbb4e0e0a1d",), ("positive", "neutral", "negative"),
             description="Sentiment of short texts"),
    ModelDef("multilingual-text-embedding", "multilingual-text-embedding", "text-embedder",
             ("a6a1c2f9e3b74c4aa0b4c1e7d8e9f0a1",), (), description="Text embeddings", embedding_dims=32),
)


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


def _output_info(m: ModelDef) -> dict[str, Any]:
    info: dict[str, Any] = {"output_config": {"max_concepts": 0, "min_value": 0},
                            "message": "Show output_info with: GET /models/{model_id}/output_info",
                            "fields_map": {f: f for f in MODEL_TYPES[m.model_type_id].output_fields},
                            "params": {}}
    return info


@lru_cache(maxsize=4096)
def _model_json_bytes(m: ModelDef, version_id: str) -> bytes:
    ts = wire.timestamp(_MODELS_CREATED)
    vis = {"gettable": PUBLIC}
    version = {"id": version_id, "created_at": ts, "modified_at": ts,
               "status": {"code": errors.MODEL_TRAINED.code, "description": errors.MODEL_TRAINED.description},
               "active_concept_count": len(m.concepts), "visibility": vis, "app_id": m.app_id,
               "user_id": m.user_id, "metadata": {}, "output_info": _output_info(m)}
    model = {"id": m.id, "name": m.name, "display_name": m.name, "created_at": ts, "modified_at": ts,
             "app_id": m.app_id, "user_id": m.user_id, "model_type_id": m.model_type_id,
             "description": m.description, "metadata": {}, "visibility": vis, "output_info": _output_info(m),
             "model_version": version, "toolkits": [], "use_cases": [], "languages": [],
             "check_consents": []}
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
        self._models: dict[str, ModelDef] = {m.id: m for m in BUILTIN}
        if models_path:
            for m in models_file(models_path):
                self._models[m.id] = m
        # model id -> (state name, until epoch seconds or None = until changed)
        self._forced: dict[str, tuple[str, float | None]] = {}
        self._ready_at: dict[str, float] = {}  # cold start in progress: warm from this instant
        self._last_used: dict[str, float] = {}

    def get(self, model_id: str) -> ModelDef | None:
        return self._models.get(model_id)

    def all(self) -> list[ModelDef]:
        return list(self._models.values())

    def resolve(self, model_id: str, version_id: str | None) -> tuple[ModelDef, str]:
        m = self._models.get(model_id)
        if m is None:
            raise errors.model_not_found(model_id)
        if version_id and version_id not in m.version_ids:
            raise errors.model_not_found(model_id, version_id)
        return m, version_id or m.latest_version

    def register(self, d: dict[str, Any]) -> ModelDef:
        m = model_def_from_json(d)
        self._models[m.id] = m
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
