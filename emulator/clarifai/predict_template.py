"""The predict lane's templates (predict_lane.py): a full-path predict answer split at its fresh parts.

What differs between two answers to the same predict is only what is fresh each time: the ids the
full path drew from the tenant's id factory (each shows once, as a run of exactly 32 hex digits)
and the `created_at` time of results and outputs. A template keeps the bytes between those holes,
which id (by draw order) or the time fills each, and what the answer depends on, so the lane can
check it is still valid and journal it as the full path did.
"""
from __future__ import annotations

import dataclasses
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from starlette.types import Message, Scope

from emulator.clarifai import auth, predict
from emulator.clarifai.models import Workflow, WorkflowVersion
from emulator.clarifai.state import ClarifaiState
from emulator.core.http import path_query

TEMPLATE_CAP = 1024  # templates per tenant
TEMPLATE_BYTES_CAP = 32 * 1024 * 1024  # their answers' bytes per tenant (a 5-node x 32-input answer is ~380 KB)
_CREATED = -1  # a hole for the `created_at` time (any other hole is the k-th id drawn)
_HEX_RUN = re.compile(rb"[0-9a-f]{32,}")


@dataclass(frozen=True)
class Template:
    parts: list[bytes | None]  # the body between the holes, with a None slot for each hole
    fill: Callable[[list[bytes]], tuple[bytes, ...]]  # [ids drawn..., created] -> the holes' values in order
    holes: tuple[int, ...]  # what fills each hole: the k-th id drawn, `n_ids` for the time, then the extras
    n_ids: int  # ids the full path draws for this request
    status: int
    length: int  # of every answer: ids and times have fixed widths
    start: Message  # the http.response.start message (shared: uvicorn only reads it)
    path: str  # as the journal shows them
    query: str
    # what the answer depends on
    api_key: auth.ApiKey | None  # the registered key it authenticated with (None: no keys registered)
    app: tuple[str, str]
    workflow_id: str
    workflow: Workflow
    version: WorkflowVersion
    pinned: bool  # the request names its version (else it runs the latest)
    shown: tuple[Any, ...]  # the workflow fields the `workflow` summary shows
    model_ids: tuple[str, ...]
    generation: int  # of the model catalogue the answer was made from
    # the journal entry the full path wrote, minus what varies
    operation: str
    error: str | None
    code: int | None
    request: Any
    # a shape template's holes after the ids and the time (predict_shape.py): per input its echoed
    # `data`, then each shown output's `data`; 0 for the template of one exact request. With any,
    # answers differ in length (`length` is then the answer the template was made from)
    extra: int = 0
    recipe: Any = None  # a shape template's: how its requests are made from their strings (predict_shape.Recipe)


def template(operation: str, request_scope: Scope, sent: list[Message], drawn: list[str],
              resolved: predict.Resolved, entry: Any, extras: list[bytes] | None = None) -> Template | None:
    """Split the full path's answer at its fresh parts (and at `extras`, the input-dependent parts of
    a shape, in the order the answer shows them); None when it cannot be reused."""
    if len(sent) != 2 or sent[0].get("type") != "http.response.start" or sent[1].get("more_body"):
        return None
    body: bytes = sent[1].get("body", b"")
    needle = resolved.created.encode()
    spots: list[tuple[int, int, int]] = []  # (position, length, hole)
    start = 0
    while (at := body.find(needle, start)) >= 0:
        spots.append((at, len(needle), _CREATED))
        start = at + len(needle)
    if len(spots) != resolved.created_count:
        return None
    # every id the full path drew shows exactly once, as a run of exactly 32 hex digits (one scan of
    # the body, not one per id: a 32-input answer draws ~200 ids), or the split is unsafe
    wanted = {i.encode(): k for k, i in enumerate(drawn)}
    found: dict[int, int] = {}
    for m in _HEX_RUN.finditer(body):
        k = wanted.get(m.group())
        if k is not None:
            if k in found:
                return None
            found[k] = m.start()
    if len(found) != len(drawn):
        return None
    spots.extend((pos, 32, k) for k, pos in found.items())
    # each input-dependent part is the `data` of an input or output, found in order: after the one before
    at = 0
    for k, part in enumerate(extras or ()):
        pos = body.find(b'"data":' + part, at)
        if pos < 0:
            return None
        at = pos + 7 + len(part)
        spots.append((pos + 7, len(part), len(drawn) + 1 + k))
    if not spots:
        return None
    spots.sort()
    parts, holes, at = [], [], 0
    for pos, length, hole in spots:
        if pos < at:
            return None
        parts.append(body[at:pos])
        holes.append(len(drawn) if hole == _CREATED else hole)  # `created` comes after the ids, extras after it
        at = pos + length
    parts.append(body[at:])
    slots, fill = _slots(parts, holes)
    status = int(sent[0]["status"])
    headers = [(k, v_) for k, v_ in sent[0].get("headers", ()) if k.lower() != b"content-length"]
    start_message = {"type": "http.response.start", "status": status,
                     "headers": [(b"content-length", str(len(body)).encode()), *headers]}
    path, query = path_query(request_scope)
    r = resolved
    t = Template(slots, fill, tuple(holes), len(drawn), status, len(body), start_message, path, query, r.api_key,
                 (r.scope.user_id, r.scope.app_id), r.workflow.id, r.workflow, r.version, r.pinned, r.shown,
                 r.plan.model_ids, r.plan.generation, operation, entry.error, entry.code, entry.request,
                 len(extras or ()))
    # filled with what it was made from, it gives back the answer it was made from
    mine = [i.encode() for i in drawn] + [needle, *(extras or ())]
    return t if fill_in(t, mine) == body else None


Fill = Callable[[list[bytes]], tuple[bytes, ...]]


def _slots(parts: list[bytes], holes: list[int]) -> tuple[list[bytes | None], Fill]:
    slots: list[bytes | None] = [None] * (2 * len(parts) - 1)
    slots[0::2] = parts
    fill: Fill = (
        _one(holes[0]) if len(holes) == 1 else operator.itemgetter(*holes))  # one index: an item, not a tuple
    return slots, fill


def sized(start: Message, length: int) -> Message:
    """An http.response.start message whose first header, the content-length, says `length`."""
    return {**start, "headers": [(b"content-length", str(length).encode()), *start["headers"][1:]]}


def baked(t: Template, extras: list[bytes], request: Any, length: int) -> Template:
    """The template of one request of a shape: the shape's template with that request's
    input-dependent parts written in (the answer it gave them, `length` bytes, with `extras`), so a
    request that repeats is answered without making them again."""
    parts: list[bytes] = []
    holes: list[int] = []
    fixed = cast(list[bytes], t.parts[0::2])  # the slots between holes are never None
    current = fixed[0]
    created = t.n_ids
    for hole, after in zip(t.holes, fixed[1:], strict=True):
        if hole > created:
            current = current + extras[hole - created - 1] + after
        else:
            parts.append(current)
            holes.append(hole)
            current = after
    parts.append(current)
    slots, fill = _slots(parts, holes)
    return dataclasses.replace(t, parts=slots, fill=fill, holes=tuple(holes), length=length,
                               start=sized(t.start, length), request=request, extra=0)


def fill_in(t: Template, values: list[bytes]) -> bytes:
    """The answer with the holes filled: `values` are the ids drawn, the time, then the extras."""
    out = t.parts.copy()
    out[1::2] = t.fill(values)
    return b"".join(out)  # type: ignore[arg-type]  # every None slot is filled


def _one(index: int) -> Callable[[list[bytes]], tuple[bytes, ...]]:
    return lambda values: (values[index],)


def file_template(backend: ClarifaiState, key: Any, t: Template | None) -> None:
    """Keep `t` for the requests `key` names, within the tenant's bounds."""
    if t is None:
        return
    templates = backend.predict_templates
    if len(templates) >= TEMPLATE_CAP or backend.predict_template_bytes + t.length > TEMPLATE_BYTES_CAP:
        templates.clear()  # start over: the requests that repeat come back first
        backend.predict_template_bytes = 0
    old = templates.get(key)
    backend.predict_template_bytes += t.length - (old.length if old is not None else 0)
    templates[key] = t


def still_valid(t: Template, backend: ClarifaiState, authorization: str | None) -> bool:
    """Whether what `t` was made from is unchanged, without side effects."""
    # (rate limits and cold starts send the request to the full path before it gets here)
    catalog = backend.catalog
    if catalog.generation != t.generation or not catalog.always_ready(t.model_ids,
                                                                      backend.settings.clarifai_cold_start_s):
        return False
    # the same header authenticates as the same principal while the registry answers with the same
    # key (`KeyRegistry.authenticate`: with no key registered, any well-formed key is the default user)
    keys = backend.keys.keys
    if keys:
        if t.api_key is None or authorization is None or keys.get(authorization[4:]) is not t.api_key:
            return False
    elif t.api_key is not None:
        return False
    app = backend.store.apps.get(t.app)
    wf = app.get(t.workflow_id) if app is not None else None
    if wf is not t.workflow or predict.summary_key(wf) != t.shown:
        return False
    return (wf.versions.get(t.version.id) if t.pinned else wf.latest) is t.version
