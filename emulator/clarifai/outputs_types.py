"""Outputs of the model types beyond classifiers, detectors and embedders (resources.proto Data):
clusters for clusterers, crops for image croppers, text for text and speech models, audio for
speech synthesis. Deterministic per (model, version, input content) like every other output.

Chains pass the right data (issue #15): a cropper crops the regions its detector found (each crop
a region with `data.image`, its box grown by the model's `margin` param), which a classifier after
it classifies crop by crop (outputs.py); a clusterer places the embedding its embedder gave.
The exact shape of crop images and cluster ids in real answers is unverified: crops carry small
JPEG-looking bytes, cluster ids are `<cell>_<level>` strings derived from the embedding.
"""
from __future__ import annotations

import base64
import hashlib
from typing import Any

from emulator.clarifai.model_defs import ModelDef

TEXT_OUTPUT_TYPES = frozenset({"text-to-text", "audio-to-text", "image-to-text", "multimodal-to-text"})
_WORDS = ("the", "a", "model", "quick", "image", "shows", "people", "walking", "near", "train", "station",
          "city", "light", "day", "on", "with", "and", "in", "of", "street", "morning", "busy", "platform",
          "travel", "today", "weather", "is", "good", "very", "new", "we", "see", "it")


def clusters(seed: bytes, upstream: dict[str, Any] | None) -> list[dict[str, Any]]:
    embeddings = (upstream or {}).get("embeddings") or []
    vector = embeddings[0].get("vector") if embeddings else None
    if vector:
        # nearby embeddings share a cell: the signs of the first ten dimensions
        cell = sum(1 << i for i, x in enumerate(vector[:10]) if x > 0)
    else:
        cell = int.from_bytes(seed[:2], "big") % 1024
    return [{"id": f"{cell}_0"}, {"id": f"{cell >> 4}_1"}]


def _box_grown(box: dict[str, float], margin: float) -> dict[str, float]:
    top, left, bottom, right = box["top_row"], box["left_col"], box["bottom_row"], box["right_col"]
    dh, dw = (bottom - top) * (margin - 1) / 2, (right - left) * (margin - 1) / 2
    return {"top_row": _f32(max(0.0, top - dh)), "left_col": _f32(max(0.0, left - dw)),
            "bottom_row": _f32(min(1.0, bottom + dh)), "right_col": _f32(min(1.0, right + dw))}


def _f32(v: float) -> float:
    return float(f"{v:.7g}")


def crops(model: ModelDef, version_id: str, seed: bytes, upstream: dict[str, Any] | None) -> list[dict[str, Any]]:
    """One crop per upstream region (an image-crop model after a detector), or the whole image."""
    margin = float(model.params(version_id).get("margin") or 1.0)
    regions = (upstream or {}).get("regions") or [
        {"id": hashlib.blake2b(seed, digest_size=16).hexdigest(),
         "region_info": {"bounding_box": {"top_row": 0.0, "left_col": 0.0, "bottom_row": 1.0, "right_col": 1.0}}}]
    out = []
    for reg in regions:
        box = (reg.get("region_info") or {}).get("bounding_box") or {}
        crop = b"\xff\xd8\xff\xe0" + hashlib.blake2b(seed + reg["id"].encode(), digest_size=24).digest()
        info = {"bounding_box": _box_grown(box, margin)} if box else {}
        image = {"base64": base64.b64encode(crop).decode()}
        out.append({"id": reg["id"], "region_info": info, "data": {"image": image}})
    return out


def sentence(seed: bytes, words: str) -> str:
    """A deterministic sentence; a text-to-text model starts from its input's first words."""
    picks = hashlib.shake_256(seed + b"text").digest(12)
    made = [_WORDS[b % len(_WORDS)] for b in picks[: 6 + picks[0] % 6]]
    head = words.split()[:4] if words and not words.startswith(("http://", "https://")) else []
    text = " ".join(head + made)
    return text[:1].upper() + text[1:] + "."


def speech(seed: bytes) -> str:
    """A short WAV file (base64) standing for synthesised speech."""
    body = hashlib.shake_256(seed + b"audio").digest(64)
    return base64.b64encode(b"RIFF" + (36 + len(body)).to_bytes(4, "little") + b"WAVEfmt " + body).decode()


def data(model: ModelDef, version_id: str, seed: bytes, words: str,
         upstream: dict[str, Any] | None) -> dict[str, Any] | None:
    """The `data` of a model of these types, None for the types outputs.py answers itself."""
    kind = model.model_type_id
    if kind == "clusterer":
        return {"clusters": clusters(seed, upstream)}
    if kind == "image-crop":
        return {"regions": crops(model, version_id, seed, upstream)}
    if kind in TEXT_OUTPUT_TYPES:
        return {"text": {"raw": sentence(seed, words)}}
    if kind == "text-to-audio":
        return {"audio": {"base64": speech(seed)}}
    return None
