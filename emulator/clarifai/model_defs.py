"""Clarifai's ModelType and Model as the emulator keeps them (resources.proto ModelType, Model, ModelVersion).

Both are frozen and hashable: outputs and rendered JSON are cached per definition. Fields that are
dicts (per-version params and times, concept ids, type fields) are excluded from equality, so a
change to them always comes with a change to a compared field (a new version id, a new name).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

PUBLIC = 50  # Visibility.Gettable.PUBLIC
PRIVATE = 10  # Visibility.Gettable.PRIVATE
MODELS_CREATED = 1_562_841_600.0  # 2019-07-11: a fixed past date keeps outputs reproducible


@dataclass(frozen=True)
class ModelType:
    id: str
    title: str
    input_fields: tuple[str, ...]
    output_fields: tuple[str, ...]
    # the rest of the ModelType message as the catalogue file gives it (description, trainable, ...)
    fields: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "title": self.title, "description": f"{self.title} model type",
                               "trainable": True, "creatable": True, "internal_only": False}
        out.update({k: v for k, v in self.fields.items() if k not in ("source", "unverified")})
        out["input_fields"] = list(self.input_fields)
        out["output_fields"] = list(self.output_fields)
        return out

    @property
    def param_defaults(self) -> dict[str, Any]:
        """`output_info.params` defaults from the type's `model_type_fields`."""
        out: dict[str, Any] = {}
        for f in self.fields.get("model_type_fields") or ():
            path = str(f.get("path", ""))
            if path.startswith("output_info.params.") and "default_value" in f:
                out[path.rsplit(".", 1)[1]] = f["default_value"]
        return out


@lru_cache(maxsize=65536)  # pure; predict asks once per concept per output (load helper, profile)
def concept_id(name: str) -> str:
    # public Clarifai concepts carry opaque ids such as "ai_QD1zClSd" (8 letters and digits); where the
    # catalogue does not know the real one, a stable id of the same shape stands in (issue #15)
    n = int.from_bytes(hashlib.sha1(name.encode()).digest()[:8], "big")
    out = []
    for _ in range(8):
        n, r = divmod(n, 62)
        out.append(_BASE62[r])
    return "ai_" + "".join(out)


_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


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
    display_name: str = ""
    created_at: float = MODELS_CREATED
    visibility: int = PUBLIC
    notes: str = ""
    canonical_id: str = ""  # set when this definition is a legacy alias of the model with that id
    aliases: tuple[str, ...] = ()
    version_created: dict[str, float] = field(default_factory=dict, compare=False, hash=False)
    # output_info.params per version id (e.g. an image-crop model's margin)
    version_params: dict[str, dict[str, Any]] = field(default_factory=dict, compare=False, hash=False)
    fields_map: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    modified_at: float = 0.0

    @property
    def latest_version(self) -> str:
        return self.version_ids[0] if self.version_ids else ""

    @property
    def real_id(self) -> str:
        return self.canonical_id or self.id

    def cid(self, name: str) -> str:
        return self.concept_ids.get(name) or concept_id(name)

    def params(self, version_id: str) -> dict[str, Any]:
        return self.version_params.get(version_id) or {}

    def version_time(self, version_id: str) -> float:
        return self.version_created.get(version_id, self.created_at)
