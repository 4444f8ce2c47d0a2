"""Clarifai's documented example answers (issue #15 item 4): for the inputs the docs use as examples,
the concepts and values the docs show, read from the catalogue data file's `documented_examples`.

Each entry names a model (slug), the versions it holds for, the input (URL or raw text, matched
case-insensitively, as `InputContent.words` holds it) and the concepts by name with their values;
concept ids come from the model's vocabulary, so they are the published `ai_...` ids. Other inputs
keep their plausible deterministic values (outputs.py).
"""
from __future__ import annotations

import functools
from typing import Any

import orjson

from emulator.clarifai.public_catalog import DATA_FILE

Answers = dict[str, dict[str, float]]  # input (lower-cased) -> concept name -> value


@functools.lru_cache(maxsize=1)
def _table() -> dict[tuple[str, str], Answers]:
    data: dict[str, Any] = orjson.loads(DATA_FILE.read_bytes())
    out: dict[tuple[str, str], Answers] = {}
    for entry in data.get("documented_examples") or ():
        answer = {str(name): float(value) for name, value in entry["concepts"]}
        for version in entry["versions"]:
            out.setdefault((str(entry["model"]), str(version)), {})[str(entry["input"]).lower()] = answer
    return out


def answers(model_id: str, version_id: str) -> Answers:
    """The documented answers of one model version (by slug id), empty when the docs show none."""
    return _table().get((model_id, version_id), {})
