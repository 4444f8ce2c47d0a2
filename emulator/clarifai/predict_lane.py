"""The predict lane: a repeated REST predict answered from the response the full path gave it.

Workflow predict is the path people load-test, and the same request (same workflow, same inputs)
is what a load test repeats. Every output is a pure function of the workflow version and the
inputs (predict.py), so what differs between two answers to the same request is only what is
fresh each time: the ids (`req_id`, result, output and generated input ids) and the `created_at`
of results and outputs. The lane keeps, per request, the full path's answer split at those
places, and answers the next identical request by filling in new ids (drawn from the tenant's id
factory in the same order the full path draws them) and the current time: no routing layers, no
parsing, no DAG, no rendering.

A request is identical when its path, query, body bytes, `Authorization` and request-id prefix
are. The answer is reused only while everything else it depends on is unchanged, checked on
every request without side effects:

- no fault can fire (no tenant rule, no `x-emulator-fault` header), no rate limit, no cold-start
  profile and no forced model state (each of those makes answers time- or count-dependent);
- the key still authenticates as the same principal;
- the app still holds the same workflow object, at the same version, with the same summary.

Otherwise the request takes the full path (which also builds the next template), so the lane
can only ever answer what the full path would have answered; `tests/clarifai/test_predict_lane.py`
drives a seeded emulator with and without the lane through the same scenario and compares the
bytes of every response and the journal. `clarifai_predict_lane=False` turns it off.
"""
from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.types import Message, Receive, Scope, Send

from emulator.clarifai import auth, errors, predict, wire
from emulator.clarifai.backend import ClarifaiBackend
from emulator.clarifai.models import Workflow, WorkflowVersion
from emulator.core.emulator import TENANT_HEADER, Emulator, Tenant
from emulator.core.http import FAULT_HEADER, path_query, scope_headers
from emulator.core.journal import kept_headers

General = Callable[[Scope, Receive, Send], Awaitable[None]]
TEMPLATE_CAP = 1024  # templates per tenant
_CREATED = -1  # a hole for the `created_at` time (any other hole is the k-th id drawn)
_RAN = frozenset({errors.SUCCESS.code, errors.MIXED_STATUS.code, errors.FAILURE.code})


@dataclass(frozen=True)
class Template:
    parts: tuple[bytes, ...]  # the body between the holes (one more part than holes)
    holes: tuple[int, ...]
    n_ids: int  # ids the full path draws for this request
    status: int
    headers: tuple[tuple[bytes, bytes], ...]  # without content-length
    # what the answer depends on
    principal: auth.Principal
    app: tuple[str, str]
    workflow_id: str
    workflow: Workflow
    version: WorkflowVersion
    pinned: bool  # the request names its version (else it runs the latest)
    shown: tuple[Any, ...]  # the workflow fields the `workflow` summary shows
    model_ids: tuple[str, ...]
    # the journal entry the full path wrote, minus what varies
    operation: str
    error: str | None
    code: int | None
    request: Any


def _shown(wf: Workflow) -> tuple[Any, ...]:
    return wf.id, wf.app_id, wf.user_id, wf.created_at, wf.modified_at, wf.visibility


class PredictLane:
    """Attached to the REST PostWorkflowResults routes (routes.py); called by `EmulatorApp`."""

    def __init__(self, operation: str) -> None:
        self.operation = operation

    async def __call__(self, scope: Scope, receive: Receive, send: Send, general: General) -> None:
        emu: Emulator = scope["app"].state.emulator
        headers = scope_headers(scope)
        tenant = emu.tenant(headers.get(TENANT_HEADER))
        if FAULT_HEADER in headers or tenant.faults.armed or not tenant.settings.clarifai_predict_lane:
            await general(scope, receive, send)
            return
        started = time.perf_counter()
        body = await _read(receive)
        replay = _replay(body, receive)
        backend: ClarifaiBackend = tenant.backend("clarifai")
        key = (scope["path"], scope.get("query_string", b""), body, headers.get("authorization"),
               headers.get("x-clarifai-request-id-prefix"))
        templates: dict[Any, Template] = backend.predict_templates
        t = templates.get(key)
        if t is not None and _still_valid(t, backend, headers.get("authorization")):
            await _answer(t, tenant, backend, scope, headers, send, started)
            return
        await self._full(key, tenant, backend, scope, replay, send, general)

    async def _full(self, key: Any, tenant: Tenant, backend: ClarifaiBackend, scope: Scope, receive: Receive,
                    send: Send, general: General) -> None:
        """The full path, watched: its answer becomes the template for the next identical request."""
        sent: list[Message] = []

        async def watch(message: Message) -> None:
            sent.append(message)
            await send(message)

        ids = tenant.ids
        drawn: list[str] = []
        resolved: list[predict.Resolved] = []
        ids.recording, outer = drawn, ids.recording
        token = predict.trace.set(resolved)
        last = tenant.journal.last()
        try:
            await general(scope, receive, watch)
        finally:
            ids.recording = outer
            predict.trace.reset(token)
        entry = tenant.journal.last()
        if entry is None or entry is last or len(resolved) != 1 or tenant.faults.armed:
            return
        t = _template(self.operation, key, sent, drawn, resolved[0], backend, entry)
        if t is not None:
            templates = backend.predict_templates
            if len(templates) >= TEMPLATE_CAP:
                templates.clear()
            templates[key] = t


def _still_valid(t: Template, backend: ClarifaiBackend, authorization: str | None) -> bool:
    s = backend.settings
    if s.clarifai_rate_limit_rps > 0 or not backend.catalog.always_ready(t.model_ids, s.clarifai_cold_start_s):
        return False
    try:
        if backend.keys.authenticate(authorization) != t.principal:
            return False
    except errors.ClarifaiError:
        return False
    app = backend.store.apps.get(t.app)
    wf = app.get(t.workflow_id) if app is not None else None
    if wf is not t.workflow or _shown(wf) != t.shown:
        return False
    return (wf.versions.get(t.version.id) if t.pinned else wf.latest) is t.version


async def _answer(t: Template, tenant: Tenant, backend: ClarifaiBackend, scope: Scope, headers: dict[str, str],
                  send: Send, started: float) -> None:
    now = tenant.clock.now()
    backend.predict_lane_hits += 1
    for model_id in t.model_ids:
        backend.catalog.touch(model_id, now)
    hex32 = tenant.ids.hex32
    fresh = [hex32() for _ in range(t.n_ids)]
    created = wire.timestamp(now, nanos=True).encode()
    out = [t.parts[0]]
    for hole, part in zip(t.holes, t.parts[1:]):
        out.append(created if hole == _CREATED else fresh[hole].encode())
        out.append(part)
    body = b"".join(out)
    path, query = path_query(scope)
    tenant.journal.record(
        time_ms=tenant.clock.now_ms(), api="clarifai", operation=t.operation, method="POST", path=path,
        query=query, status=t.status, duration_ms=round((time.perf_counter() - started) * 1000, 3),
        error=t.error, code=t.code, fault=None, request=t.request, headers=kept_headers(headers),
        response_bytes=len(body))
    await send({"type": "http.response.start", "status": t.status,
                "headers": [(b"content-length", str(len(body)).encode()), *t.headers]})
    await send({"type": "http.response.body", "body": body})


def _template(operation: str, key: Any, sent: list[Message], drawn: list[str],
              resolved: predict.Resolved, backend: ClarifaiBackend,
              entry: Any) -> Template | None:
    """Split the full path's answer at its fresh parts; None when it cannot be reused."""
    if len(sent) != 2 or sent[0].get("type") != "http.response.start" or sent[1].get("more_body"):
        return None
    body: bytes = sent[1].get("body", b"")
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    results = doc.get("results") if isinstance(doc, dict) else None
    if not results or doc.get("status", {}).get("code") not in _RAN:
        return None
    created = results[0].get("created_at")
    expected = sum(1 + len(r.get("outputs") or ()) for r in results)
    if not isinstance(created, str) or body.count(created.encode()) != expected:
        return None
    spots: list[tuple[int, int, int]] = []  # (position, length, hole)
    start = 0
    needle = created.encode()
    while (at := body.find(needle, start)) >= 0:
        spots.append((at, len(needle), _CREATED))
        start = at + len(needle)
    for k, drawn_id in enumerate(drawn):
        raw = drawn_id.encode()
        if body.count(raw) != 1:
            return None  # every id the full path draws shows exactly once, or the split is unsafe
        spots.append((body.find(raw), len(raw), k))
    spots.sort()
    parts, holes, at = [], [], 0
    for pos, length, hole in spots:
        if pos < at:
            return None
        parts.append(body[at:pos])
        holes.append(hole)
        at = pos + length
    parts.append(body[at:])
    wf, v, pinned, plan, scope = resolved
    status = int(sent[0]["status"])
    headers = tuple((k, v_) for k, v_ in sent[0].get("headers", ()) if k.lower() != b"content-length")
    return Template(tuple(parts), tuple(holes), len(drawn), status, headers, scope.principal,
                    (scope.user_id, scope.app_id), wf.id, wf, v, pinned, _shown(wf), plan.model_ids,
                    operation, entry.error, entry.code, entry.request)


async def _read(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """`receive` for the full path: the body already read, then the client's own messages."""
    delivered = False

    async def again() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again
