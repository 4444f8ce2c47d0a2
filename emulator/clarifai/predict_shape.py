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
path took without its protobuf round trip (`wire.canonical`); a new request must parse, stay
canonical and give every output successfully, otherwise the full path answers it.
"""
from __future__ import annotations

import re
from typing import Any

import orjson

from emulator.clarifai import inputs, predict, wire
from emulator.clarifai.models import Workflow, WorkflowVersion
from emulator.clarifai.state import ClarifaiState
from emulator.core.journal import secret_free

# a media value's field, then its string: what `segments` cuts a body at
_MARK = re.compile(rb'"(?:url|base64|raw)":"')
_MEDIA = {"image": ("url", "base64"), "video": ("url", "base64"), "audio": ("url", "base64"), "text": ("raw", "url")}
_REQUEST = wire.request_class("PostWorkflowResults").DESCRIPTOR
_TOP = frozenset({"inputs", "user_app_id", "version_id"})  # request fields a shape may carry


def segments(body: bytes) -> tuple[bytes, ...] | None:
    """The body without its media strings' text: the bytes before, between and after them; None
    when it has none, or has a backslash anywhere (an escape would move where a string ends)."""
    if b"\\" in body:
        return None
    out: list[bytes] = []
    at = 0
    search = _MARK.search
    while (m := search(body, at)) is not None:
        end = body.find(b'"', m.end())
        if end < 0:
            return None
        out.append(body[at:m.end()])
        at = end
    if not out:
        return None
    out.append(body[at:])
    return tuple(out)


def eligible(parsed: Any, cuts: int) -> bool:
    """Whether a request the full path answered may become a shape template: canonical (no protobuf
    round trip), only shape fields, and every cut value an input's own media string (image, video and
    audio `url`/`base64`, text `raw`/`url`), so the echo and the outputs are all that depend on it."""
    if not isinstance(parsed, dict) or not parsed.keys() <= _TOP:
        return False
    if not wire.canonical(parsed, _REQUEST):
        return False
    values = 0
    for inp in parsed.get("inputs") or ():
        if not inp.keys() <= {"data", "id"}:
            return False
        data = inp.get("data")
        if not isinstance(data, dict) or len(data) != 1:
            return False
        (kind, part), = data.items()
        if kind not in _MEDIA or not isinstance(part, dict) or len(part) != 1 or next(iter(part)) not in _MEDIA[kind]:
            return False
        values += 1
    return values == cuts


def extras(backend: ClarifaiState, workflow: Workflow, version: WorkflowVersion, body: bytes,
           cuts: int) -> list[bytes] | None:
    """A shape template's input-dependent parts, for the request the full path just answered with
    success (in the order its answer shows them); None when the request cannot make one."""
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not eligible(parsed, cuts) or not secret_free(parsed):
        return None
    filled = fills(backend, workflow, version, body)
    return filled[1] if filled is not None else None


def fills(backend: ClarifaiState, workflow: Workflow, version: WorkflowVersion,
          body: bytes) -> tuple[Any, list[bytes]] | None:
    """(the parsed request, the holes' values after the ids and time: per input its echoed `data`,
    then each shown output's `data`) for a body of a template's shape, or None when the full path
    must answer: the body is too large, does not parse or is not canonical, or some output would
    not succeed."""
    if len(body) > backend.settings.clarifai_max_request_bytes:
        return None  # a longer URL or larger image than the template's: rest_predict.py answers 413
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if type(parsed) is not dict or not wire.canonical(parsed, _REQUEST):
        return None  # e.g. an empty string, or a base64 form the gateway transcodes
    plan = predict.plan_for(backend, version)
    config = predict.config_of(parsed)
    max_image = backend.settings.clarifai_max_image_bytes
    out: list[bytes] = []
    for i, inp in enumerate(parsed["inputs"]):
        content = inputs.read_input(inp, max_image)
        if not isinstance(content, inputs.InputContent):
            return None
        run = predict.execute(backend, workflow, plan, config, i, content, True)
        if run.outcome:
            return None
        out.append(orjson.dumps(inputs.echo_data(inp["data"])))
        for _, st, _, shown in run.outputs:
            if st is not predict.OK or shown is None:
                return None
            out.append(shown)
    return parsed, out
