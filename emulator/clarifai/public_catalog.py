"""Clarifai's public app `clarifai/main` (reference "Known corrections"): its model types, models and
workflows, read from the catalogue data file `data/clarifai_main.json`.

The file is data, not code: every model has its slug id, legacy hex ids as `aliases`, versions
latest first (with creation times), a vocabulary (with the real `ai_...` concept ids where Clarifai
published them) and `output_info`; every public workflow names its nodes by model slug and
version. Anything unverified is marked `unverified` in the file itself.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson

from emulator.clarifai.model_defs import MODELS_CREATED, PUBLIC, ModelDef, ModelType

DATA_FILE = Path(__file__).with_name("data") / "clarifai_main.json"


@dataclass(frozen=True, eq=False)
class PublicCatalog:
    user_id: str
    app_id: str
    app: dict[str, Any]
    model_types: dict[str, ModelType]
    models: tuple[ModelDef, ...]  # canonical ids only
    aliases: dict[str, str]  # legacy id -> slug id
    workflows: tuple[dict[str, Any], ...] = field(default=())
    # how a node or GetModel naming a model by a legacy id echoes it: "as_given" or "canonical"
    alias_echo: str = "as_given"

    def model(self, model_id: str) -> ModelDef | None:
        slug = self.aliases.get(model_id, model_id)
        return next((m for m in self.models if m.id == slug), None)


def model_type_from_json(d: dict[str, Any]) -> ModelType:
    rest = {k: v for k, v in d.items() if k not in ("id", "title", "input_fields", "output_fields")}
    return ModelType(str(d["id"]), str(d.get("title") or d["id"]), tuple(d.get("input_fields") or ()),
                     tuple(d.get("output_fields") or ()), rest)


def model_from_json(d: dict[str, Any], user_id: str, app_id: str) -> ModelDef:
    versions = d.get("versions") or []
    concepts = [c if isinstance(c, dict) else {"name": str(c)} for c in d.get("concepts") or ()]
    info = d.get("output_info") or {}
    params = dict(info.get("params") or {})
    return ModelDef(
        id=str(d["id"]), name=str(d.get("name") or d["id"]), model_type_id=str(d["model_type_id"]),
        version_ids=tuple(str(v["id"]) for v in versions),
        concepts=tuple(str(c.get("name") or c["id"]) for c in concepts),
        user_id=user_id, app_id=app_id, description=str(d.get("description") or ""),
        embedding_dims=int(d.get("embedding_dims") or 0),
        concept_ids={str(c.get("name") or c["id"]): str(c["id"]) for c in concepts if c.get("id")},
        display_name=str(d.get("display_name") or ""), created_at=float(d.get("created_at") or MODELS_CREATED),
        visibility=PUBLIC, notes=str(d.get("notes") or ""), aliases=tuple(d.get("aliases") or ()),
        version_created={str(v["id"]): float(v.get("created_at") or d.get("created_at") or MODELS_CREATED)
                         for v in versions},
        version_params={str(v["id"]): dict(v.get("params") or params) for v in versions if v.get("params") or params},
        fields_map={str(k): str(v) for k, v in (info.get("fields_map") or {}).items()},
        modified_at=float(d.get("modified_at") or d.get("created_at") or MODELS_CREATED))


def catalog_from_json(data: dict[str, Any]) -> PublicCatalog:
    user_id, app_id = str(data.get("user_id") or "clarifai"), str(data.get("app_id") or "main")
    models = tuple(model_from_json(d, user_id, app_id) for d in data.get("models") or ())
    aliases = {a: m.id for m in models for a in m.aliases}
    return PublicCatalog(user_id, app_id, dict(data.get("app") or {"id": app_id}),
                         {t.id: t for t in (model_type_from_json(d) for d in data.get("model_types") or ())},
                         models, aliases, tuple(data.get("workflows") or ()),
                         str(data.get("alias_echo") or "as_given"))


@lru_cache(maxsize=1)
def load() -> PublicCatalog:
    """The packaged catalogue, read once per process (it is immutable)."""
    return catalog_from_json(orjson.loads(DATA_FILE.read_bytes()))
