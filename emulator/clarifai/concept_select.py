"""`output_config.select_concepts` as Clarifai's docs describe it (Prediction Parameters, "Select Concepts").

"The concept names and ids are case sensitive; and so, these must be exact matches. [...] If you
submit a request with not an exact match of the concept id or name, you will receive an invalid
model argument error. However, if one or more matches while one or more do not, the API will
respond with a Mixed Success." A selector names a concept by `id` and/or `name`; either matching
is a match. Only models that answer concepts are concerned (a detector or embedder ignores it).
"""
from __future__ import annotations

import functools

from emulator.clarifai import errors
from emulator.clarifai.catalog import ModelDef

Selector = tuple[str, str]  # (id, name), either may be ""


def answers_concepts(model: ModelDef) -> bool:
    return model.model_type_id.endswith("classifier")


@functools.lru_cache(maxsize=1024)
def unmatched(model: ModelDef, select: tuple[Selector, ...]) -> tuple[Selector, ...]:
    """The selectors that name no concept of `model`."""
    ids = {model.cid(name) for name in model.concepts}
    names = set(model.concepts)
    return tuple(s for s in select if not ((s[0] and s[0] in ids) or (s[1] and s[1] in names)))


def describe(selectors: tuple[Selector, ...]) -> str:
    return ", ".join(" ".join(f"{k} '{v}'" for k, v in (("id", s[0]), ("name", s[1])) if v) for s in selectors)


def check(model: ModelDef, select: tuple[Selector, ...]) -> str | None:
    """None when every selector matches; the details of a partial match (mixed success); raises
    MODEL_INVALID_ARGUMENT when none matches."""
    if not select or not answers_concepts(model):
        return None
    missing = unmatched(model, select)
    if not missing:
        return None
    if len(missing) == len(select):
        raise errors.model_invalid_argument(
            f"None of the select_concepts is a concept of model '{model.id}': {describe(missing)}")
    return f"Some select_concepts are not concepts of model '{model.id}': {describe(missing)}"
