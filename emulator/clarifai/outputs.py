"""Deterministic model outputs for workflow predict (reference §4 Output/Data, §5 output_config).

Scores come from a keyed hash of (model id, model version id, input content), so they are stable
across runs, transports and tenants; the top concept of a classifier always scores at least 0.9
and concepts named in the input's text (URL or raw text) score high, which keeps results plausible.
"""
from __future__ import annotations

import functools
import hashlib
import math
import struct
from dataclasses import dataclass
from typing import Any

from emulator.clarifai.catalog import ModelDef
from emulator.clarifai.inputs import InputContent

DEFAULT_MAX_CONCEPTS = 20  # §3: max_concepts 0 means the server default of 20


@dataclass(frozen=True)
class OutputConfig:
    min_value: float = 0.0
    max_concepts: int = DEFAULT_MAX_CONCEPTS
    select: frozenset[str] = frozenset()

    @classmethod
    def from_request(cls, d: dict[str, Any]) -> OutputConfig:
        select = frozenset(str(c.get(k)).lower() for c in d.get("select_concepts") or () for k in ("id", "name")
                           if c.get(k))
        return cls(float(d.get("min_value") or 0.0), int(d.get("max_concepts") or DEFAULT_MAX_CONCEPTS), select)


def _f32(v: float) -> float:
    # Concept.value is a proto float: 7 significant digits is what survives the wire
    return float(f"{v:.7g}")


def _units(seed: bytes, n: int, salt: bytes = b"") -> list[float]:
    """`n` uniform values in [0, 1) drawn from (seed, salt): one SHAKE-256 stream, not a hash each."""
    data = hashlib.shake_256(seed + salt).digest(8 * n)
    return [x * _TWO_TO_MINUS_64 for x in struct.unpack(f">{n}Q", data)]


_TWO_TO_MINUS_64 = 2.0**-64


def _seed(model: ModelDef, version_id: str, content: InputContent, extra: str = "") -> bytes:
    return hashlib.blake2b(f"{model.id}|{version_id}|{extra}|".encode() + content.digest, digest_size=16).digest()


def concepts(model: ModelDef, seed: bytes, words: str, config: OutputConfig) -> list[dict[str, Any]]:
    vocab = vocabulary(model)
    if not vocab:
        return []
    u = _units(seed, len(vocab) + 1, b"concepts")
    scored = [(0.9 + 0.1 * u[i] if words and low in words else u[i] ** 3, name, cid)
              for i, (name, low, cid) in enumerate(vocab)]
    # the top concept of a classifier always scores at least 0.9
    top = max(range(len(scored)), key=lambda k: scored[k][0])
    value, name, cid = scored[top]
    scored[top] = (max(value, 0.9 + 0.1 * u[-1]), name, cid)
    scored.sort(key=lambda s: (-s[0], s[1]))
    out = []
    select = config.select
    for value, name, cid in scored:
        if select and cid.lower() not in select and name.lower() not in select:
            continue
        v = _f32(value)
        if v < config.min_value:
            continue
        # Concept.value is always emitted: the JSON client would read a missing value as 1.0 (§1)
        out.append({"id": cid, "name": name, "value": v, "app_id": model.app_id})
        if len(out) >= config.max_concepts:
            break
    return out


@functools.lru_cache(maxsize=1024)
def vocabulary(model: ModelDef) -> tuple[tuple[str, str, str], ...]:
    """(name, lower-cased name, concept id) per concept, in vocabulary order."""
    return tuple((name, name.lower(), model.cid(name)) for name in model.concepts)


def regions(model: ModelDef, seed: bytes, config: OutputConfig) -> list[dict[str, Any]]:
    out = []
    n = 1 + int(_units(seed, 1, b"region-count")[0] * 3)
    u_all = _units(seed, 6 * n, b"regions")
    for r in range(n):
        u = u_all[6 * r: 6 * r + 6]
        top, left = 0.6 * u[0], 0.6 * u[1]
        box = {"top_row": _f32(top), "left_col": _f32(left), "bottom_row": _f32(top + 0.1 + 0.3 * u[2]),
               "right_col": _f32(left + 0.1 + 0.3 * u[3])}
        name = model.concepts[int(u[4] * len(model.concepts))] if model.concepts else "object"
        value = _f32(0.5 + 0.5 * u[5])
        if value < config.min_value:
            continue
        rid = hashlib.blake2b(seed + r.to_bytes(2, "big"), digest_size=16).hexdigest()
        out.append({"id": rid, "region_info": {"bounding_box": box}, "value": value,
                    "data": {"concepts": [{"id": model.cid(name), "name": name, "value": value,
                                           "app_id": model.app_id}]}})
    return out


def embedding(model: ModelDef, seed: bytes) -> list[dict[str, Any]]:
    dims = model.embedding_dims or 32
    raw = [x * 2.0 - 1.0 for x in _units(seed, dims, b"embedding")]
    norm = math.sqrt(sum(x * x for x in raw)) or 1.0
    return [{"vector": [_f32(x / norm) for x in raw], "num_dimensions": dims}]


def node_data(model: ModelDef, version_id: str, content: InputContent, upstream: dict[str, Any] | None,
              config: OutputConfig) -> dict[str, Any]:
    """The `data` of one node's output; a classifier fed by a detector classifies each region (§5)."""
    kind = model.model_type_id
    if upstream and upstream.get("regions") and kind.endswith("classifier"):
        regs = []
        for reg in upstream["regions"]:
            seed = _seed(model, version_id, content, reg["id"])
            regs.append({"id": reg["id"], "region_info": reg["region_info"],
                         "data": {"concepts": concepts(model, seed, content.words, config)}})
        return {"regions": regs}
    seed = _seed(model, version_id, content)
    if kind.endswith("detector"):
        return {"regions": regions(model, seed, config)}
    if kind.endswith("embedder"):
        return {"embeddings": embedding(model, seed)}
    return {"concepts": concepts(model, seed, content.words, config)}
