"""A straightforward implementation of workflow predict's answer, kept only to check the real one.

This is predict as it reads in the reference (§4, §5), written the obvious way: every input read
on its own, every output's `data` built as plain dicts, each concept scored, sorted and filtered
one by one, ids drawn one at a time, and the whole answer serialised by one `orjson.dumps`. The
emulator's predict (predict.py, outputs.py) must give exactly these bytes; the differential test
(test_predict_differential.py) compares the two on generated workflows, inputs and configs.
"""
from __future__ import annotations

import base64
import hashlib
import math
import struct
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from emulator.clarifai import errors, wire
from emulator.clarifai.catalog import MODEL_TYPES
from emulator.clarifai.model_defs import ModelDef

IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM", b"II*\x00", b"MM\x00*")


def f32(v: float) -> float:
    return float(f"{v:.7g}")


def units(seed: bytes, n: int, salt: bytes) -> list[float]:
    data = hashlib.shake_256(seed + salt).digest(8 * n)
    return [x * 2.0**-64 for x in struct.unpack(f">{n}Q", data)]


def read(inp: dict[str, Any]) -> tuple[str, bytes, str] | errors.ClarifaiError:
    """(kind, digest, words) of one input, or why it cannot be predicted."""
    data = inp.get("data") or {}
    image, text = data.get("image"), data.get("text")
    if image and image.get("base64"):
        raw = base64.b64decode(image["base64"])
        if not (raw.startswith(IMAGE_MAGIC) or (raw[:4] == b"RIFF" and raw[8:12] == b"WEBP")):
            return errors.ClarifaiError(30101, "Failed to decode image: the bytes are not a supported image format",
                                        "input_undecodable")
        return "image", hashlib.blake2b(raw, digest_size=16).digest(), ""
    for kind, part, key in (("image", image, "url"), ("text", text, "raw"), ("text", text, "url")):
        value = (part or {}).get(key, "")
        if value:
            if key == "url":
                try:
                    parts = urlsplit(value)
                    ok = parts.scheme in ("http", "https") and bool(parts.netloc)
                except ValueError:
                    ok = False
                if not ok:
                    return errors.ClarifaiError(30106, f"Invalid URL: '{value}'", "input_invalid_url")
            return kind, hashlib.blake2b(value.encode(), digest_size=16).digest(), value.lower()
    return errors.ClarifaiError(30104, "The input has no image, video, audio or text data (image.url, "
                                       "image.base64, video.url, video.base64, audio.url, audio.base64, text.raw "
                                       "or text.url)", "input_no_data")


def echo(data: dict[str, Any]) -> dict[str, Any]:
    """Issue #15: media bytes are echoed as the marker `true` (base64 "dHJ1ZQ==")."""
    return {k: ({**v, "base64": "dHJ1ZQ=="} if k in ("image", "video", "audio") and v.get("base64") else v)
            for k, v in data.items()}


def select_status(model: ModelDef, config: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    """(failed status, partial-match note) of select_concepts for one classifier (exact matching)."""
    selectors = [(str(c.get("id") or ""), str(c.get("name") or "")) for c in config.get("select_concepts") or ()
                 if c.get("id") or c.get("name")]
    if not selectors or not model.model_type_id.endswith("classifier"):
        return None, ""
    missing = [(i, n) for i, n in selectors
               if not ((i and i in [model.cid(c) for c in model.concepts]) or (n and n in model.concepts))]
    if not missing:
        return None, ""
    text = ", ".join(" ".join(f"{k} '{v}'" for k, v in (("id", i), ("name", n)) if v) for i, n in missing)
    if len(missing) == len(selectors):
        return wire.status(21202, "Invalid model argument",
                           f"None of the select_concepts is a concept of model '{model.id}': {text}"), ""
    return None, f"Some select_concepts are not concepts of model '{model.id}': {text}"


def seed_of(model: ModelDef, version: str, digest: bytes, extra: str = "") -> bytes:
    return hashlib.blake2b(f"{model.id}|{version}|{extra}|".encode() + digest, digest_size=16).digest()


def concepts(model: ModelDef, seed: bytes, words: str, config: dict[str, Any]) -> list[dict[str, Any]]:
    if not model.concepts:
        return []
    u = units(seed, len(model.concepts) + 1, b"concepts")
    scored = []
    for i, name in enumerate(model.concepts):
        score = 0.9 + 0.1 * u[i] if words and name.lower() in words else u[i] ** 3
        scored.append([score, name, model.cid(name)])
    top = max(range(len(scored)), key=lambda k: scored[k][0])
    scored[top][0] = max(scored[top][0], 0.9 + 0.1 * u[-1])
    scored.sort(key=lambda s: (-s[0], s[1]))
    ids = {str(c["id"]) for c in config.get("select_concepts") or () if c.get("id")}
    names = {str(c["name"]) for c in config.get("select_concepts") or () if c.get("name")}
    min_value = float(config.get("min_value") or 0.0)
    limit = int(config.get("max_concepts") or 20)
    out: list[dict[str, Any]] = []
    for score, name, cid in scored:
        if (ids or names) and cid not in ids and name not in names:
            continue
        if f32(score) < min_value:
            continue
        out.append({"id": cid, "name": name, "value": f32(score), "app_id": model.app_id})
        if len(out) >= limit:
            break
    return out


def regions(model: ModelDef, seed: bytes, config: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    n = 1 + int(units(seed, 1, b"region-count")[0] * 3)
    u_all = units(seed, 6 * n, b"regions")
    for r in range(n):
        u = u_all[6 * r: 6 * r + 6]
        top, left = 0.6 * u[0], 0.6 * u[1]
        box = {"top_row": f32(top), "left_col": f32(left), "bottom_row": f32(top + 0.1 + 0.3 * u[2]),
               "right_col": f32(left + 0.1 + 0.3 * u[3])}
        name = model.concepts[int(u[4] * len(model.concepts))] if model.concepts else "object"
        value = f32(0.5 + 0.5 * u[5])
        if value < float(config.get("min_value") or 0.0):
            continue
        out.append({"id": hashlib.blake2b(seed + r.to_bytes(2, "big"), digest_size=16).hexdigest(),
                    "region_info": {"bounding_box": box}, "value": value,
                    "data": {"concepts": [{"id": model.cid(name), "name": name, "value": value,
                                           "app_id": model.app_id}]}})
    return out


def node_data(model: ModelDef, version: str, content: tuple[str, bytes, str], upstream: dict[str, Any] | None,
              config: dict[str, Any]) -> dict[str, Any]:
    _, digest, words = content
    kind = model.model_type_id
    if upstream and upstream.get("regions") and kind.endswith("classifier"):
        return {"regions": [{"id": reg["id"], "region_info": reg["region_info"], "data": {
            "concepts": concepts(model, seed_of(model, version, digest, reg["id"]), words, config)}}
            for reg in upstream["regions"]]}
    seed = seed_of(model, version, digest)
    if kind.endswith("detector"):
        return {"regions": regions(model, seed, config)}
    if kind.endswith("embedder"):
        raw = [x * 2.0 - 1.0 for x in units(seed, model.embedding_dims or 32, b"embedding")]
        norm = math.sqrt(sum(x * x for x in raw)) or 1.0
        return {"embeddings": [{"vector": [f32(x / norm) for x in raw], "num_dimensions": model.embedding_dims or 32}]}
    return {"concepts": concepts(model, seed, words, config)}


def results(backend: Any, nodes: list[dict[str, Any]], inputs: list[dict[str, Any]], config: dict[str, Any],
            next_id: Callable[[], str], created: str) -> tuple[list[dict[str, Any]], list[int]]:
    """The answer's `results` and each input's outcome (0 ok, 1 mixed, 2 failed), drawing ids in the
    order the real service's answer shows them per input: its own, its outputs', the result's."""
    models = [backend.catalog.resolve(n["model"]["id"], n["model"]["model_version"]["id"]) for n in nodes]
    index = {n["id"]: i for i, n in enumerate(nodes)}
    ok = wire.ok_status()
    out, outcomes = [], []
    for inp in inputs:
        shown = {"id": inp.get("id") or next_id(), "data": echo(inp.get("data") or {})}
        content = read(inp)
        notes: list[str] = []
        statuses: list[dict[str, Any] | None] = []
        datas: list[dict[str, Any] | None] = []
        for n, (model, version) in zip(nodes, models, strict=True):
            up = index[n["node_inputs"][0]["node_id"]] if n.get("node_inputs") else -1
            st, data = None, None
            if isinstance(content, errors.ClarifaiError):
                st = backend.status_of(content)[0]
            elif up >= 0 and statuses[up] is not None:
                st = statuses[up]
            elif up < 0 and MODEL_TYPES[model.model_type_id].input_fields[0] != content[0]:
                st = backend.status_of(errors.ClarifaiError(
                    30104, f"Model '{model.id}' takes {MODEL_TYPES[model.model_type_id].input_fields[0]} inputs, "
                           f"got {content[0]}", "input_type_mismatch"))[0]
            else:
                st, note = select_status(model, config)
                if note:
                    notes.append(note)
                if st is None:
                    data = node_data(model, version, content, datas[up] if up >= 0 else None, config)
            statuses.append(st)
            datas.append(data)
        outputs = []
        for n, st, data in zip(nodes, statuses, datas, strict=True):
            if n.get("suppress_output"):
                continue
            o: dict[str, Any] = {"id": next_id(), "status": st or ok, "created_at": created, "model": n["model"]}
            if data is not None:
                o["data"] = data
            outputs.append(o)
        failed = [s for s in statuses if s is not None]
        if isinstance(content, errors.ClarifaiError):
            outcome, status = 2, backend.status_of(content)[0]
        elif not failed and not notes:
            outcome, status = 0, ok
        elif len(failed) == len(statuses):
            outcome, status = 2, failed[0]
        else:
            outcome, status = 1, wire.status(errors.MIXED_STATUS.code, errors.MIXED_STATUS.description,
                                             "; ".join(notes))
        out.append({"id": next_id(), "status": status, "created_at": created, "input": shown, "outputs": outputs})
        outcomes.append(outcome)
    return out, outcomes
