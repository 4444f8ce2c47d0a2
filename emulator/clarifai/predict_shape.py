"""The predict lane's shapes: one template for every request that differs from another only in its media.

Real load tests send a different image each time (a new URL, new base64 bytes), so an answer
is rarely reused whole. What is reused is its shape: the same workflow, inputs laid out the
same way, the same key. A shape template (predict_template.py) is a full-path answer with holes
at its fresh parts (ids, `created_at`) and, per input, at its input-dependent parts: the input's
echoed `data` and each shown output's `data`. The lane fills those from the same functions the
full path uses (`inputs.read_input`, `inputs.echo_data`, `predict.execute`), so only the layers
around them (routing, parsing twice, auth objects, per-field rendering) are skipped.

Which requests share a shape is decided from their bytes. A body is cut at the string values of
its `"url"`, `"base64"` and `"raw"` fields; two bodies with the same pieces in between, neither
with a backslash anywhere (no JSON escapes), differ only in the text of those strings: JSON
strings without escapes end at the next quote, so both parse to the same structure. A template
is made only from a request whose every cut value is an input's media field and that the full
path took without its protobuf round trip (`wire.canonical`). A new request is then its
template's request with other strings: it is built from the template's `Recipe` and the strings
as cut, without parsing the body again (a 24 KB base64 image is most of what a parse reads).
Each string must be what a JSON parse and `wire.canonical` accept (UTF-8 without control
characters, not empty, standard padded base64 for bytes) and every output must succeed;
otherwise the full path answers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson

from emulator.clarifai import inputs, predict, wire
from emulator.clarifai.models import Workflow, WorkflowVersion
from emulator.clarifai.outputs import OutputConfig
from emulator.clarifai.state import ClarifaiState
from emulator.core.redaction import secret_free

# a media value's field, then its string: what `segments` cuts a body at
_MARK = re.compile(rb'"(?:url|base64|raw)":"')
_MEDIA = {"image": ("url", "base64"), "video": ("url", "base64"), "audio": ("url", "base64"), "text": ("raw", "url")}
_REQUEST = wire.request_class("PostWorkflowResults").DESCRIPTOR
_TOP = frozenset({"inputs", "user_app_id", "version_id"})  # request fields a shape may carry


Cut = tuple[tuple[bytes, ...], list[tuple[int, int]]]  # what `segments` gives: the pieces, the strings' spans
_CONTROL = re.compile("[\x00-\x1f]")  # not allowed raw in a JSON string


@dataclass(frozen=True)
class Recipe:
    """How a shape's request is made from its strings: the template request's fields in order, with
    `inputs` (and each input's `data`) made anew around each string."""
    top: tuple[tuple[str, Any], ...]
    inputs: tuple[tuple[tuple[tuple[str, Any], ...], str, str], ...]  # (the input's fields, kind, field)


def segments(body: bytes) -> Cut | None:
    """(the body without its media strings' text: the bytes before, between and after them; where each
    string's text is), or None when it has none, or has a backslash anywhere (an escape would move
    where a string ends)."""
    if b"\\" in body:
        return None
    out: list[bytes] = []
    spans: list[tuple[int, int]] = []
    at = 0
    search = _MARK.search
    while (m := search(body, at)) is not None:
        start = m.end()
        end = body.find(b'"', start)
        if end < 0:
            return None
        out.append(body[at:start])
        spans.append((start, end))
        at = end
    if not out:
        return None
    out.append(body[at:])
    return tuple(out), spans


def recipe(parsed: Any, cuts: int) -> Recipe | None:
    """The recipe of a request the full path answered, when it may become a shape template: canonical
    (no protobuf round trip), only shape fields, and every cut value an input's own media string
    (image, video and audio `url`/`base64`, text `raw`/`url`), so the echo and the outputs are all
    that depend on it; else None."""
    if not isinstance(parsed, dict) or not parsed.keys() <= _TOP or not wire.canonical(parsed, _REQUEST):
        return None
    made = []
    for inp in parsed.get("inputs") or ():
        if not inp.keys() <= {"data", "id"}:
            return None
        data = inp.get("data")
        if not isinstance(data, dict) or len(data) != 1:
            return None
        (kind, part), = data.items()
        if kind not in _MEDIA or not isinstance(part, dict) or len(part) != 1 or next(iter(part)) not in _MEDIA[kind]:
            return None
        made.append((tuple(inp.items()), kind, next(iter(part))))
    if len(made) != cuts:
        return None
    return Recipe(tuple(parsed.items()), tuple(made))


def request(r: Recipe, body: bytes, spans: list[tuple[int, int]]) -> dict[str, Any] | None:
    """The request a body of the recipe's shape parses to, or None when a string is not what a JSON
    parse and `wire.canonical` take (the full path then answers it)."""
    made = []
    for (items, kind, field), (start, end) in zip(r.inputs, spans, strict=True):
        raw = body[start:end]
        try:
            text = raw.decode("ascii" if field == "base64" else "utf-8")
        except UnicodeDecodeError:
            return None
        if not text or not (wire.canonical_base64(text) if field == "base64" else _CONTROL.search(text) is None):
            return None
        made.append({k: {kind: {field: text}} if k == "data" else v for k, v in items})
    return {k: made if k == "inputs" else v for k, v in r.top}


def extras(backend: ClarifaiState, workflow: Workflow, version: WorkflowVersion, body: bytes,
           cut: Cut) -> tuple[Recipe, list[bytes]] | None:
    """A shape template's recipe and input-dependent parts, for the request the full path just
    answered with success (in the order its answer shows them); None when it cannot make one."""
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    r = recipe(parsed, len(cut[1]))
    if r is None or not secret_free(parsed) or request(r, body, cut[1]) != parsed:
        return None
    filled = fills(backend, workflow, version, parsed)
    return (r, filled) if filled is not None else None


def fills(backend: ClarifaiState, workflow: Workflow, version: WorkflowVersion,
          req: dict[str, Any]) -> list[bytes] | None:
    """The holes' values after the ids and time for a request of a template's shape: per input its
    echoed `data`, then each shown output's `data`; None when the full path must answer: an input or
    an output that does not succeed."""
    plan = predict.plan_for(backend, version)
    config = OutputConfig.of(req)
    max_image = backend.settings.clarifai_max_image_bytes
    out: list[bytes] = []
    for i, inp in enumerate(req["inputs"]):
        content = inputs.read_input(inp, max_image)
        if not isinstance(content, inputs.InputContent):
            return None
        run = predict.execute(backend, workflow, plan, config, i, content, True)
        if run.outcome:
            return None
        out.append(orjson.dumps(inputs.echo_data(inp["data"])))
        for _, _, _, shown in run.outputs:  # (every status is OK: outcome 0)
            if shown is None:
                return None
            out.append(shown)
    return out
