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
- the app still holds the same workflow object, at the same version, with the same summary;
- the model catalogue is the same generation (no model registered since).

Otherwise the request takes the full path (which also builds the next template), so the lane
can only ever answer what the full path would have answered; `tests/clarifai/test_predict_lane.py`
drives a seeded emulator with and without the lane through the same scenario and compares the
bytes of every response and the journal. `clarifai_predict_lane=False` turns it off.

Requests all different (a new image each time, as real load tests send) are answered from the
template of their shape instead (predict_shape.py): the same request with other media strings,
whose echo and outputs the lane makes with the full path's own functions. A request answered so
that comes again gets a template of its own, baked from its shape's.

`answer_now` gives a template's answer without the ASGI cycle: the server writes it as soon as the
request's body is in (core/server.py); anything short of a valid template runs `__call__` instead.
"""
from __future__ import annotations

import dataclasses
import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from emulator.clarifai import predict, predict_shape, rest_predict, wire
from emulator.clarifai.predict_template import (
    Template,
    baked,
    file_template,
    fill_in,
    sized,
    still_valid,
    template,
)
from emulator.clarifai.state import ClarifaiState
from emulator.core.emulator import Emulator, Tenant
from emulator.core.http import receive_body, scope_headers, scope_kept_headers
from emulator.core.ids import recording
from emulator.core.journal import Entry, recorded
from emulator.core.operation import FAULT_HEADER

General = Callable[[Scope, Receive, Send], Awaitable[None]]
LANE_BODY_CAP = 64 * 1024  # request bodies the lane remembers (a 32-input URL predict is ~4 KB)
SEEN_CAP = 4096  # requests seen once (not yet worth a template) per tenant


class PredictLane:
    """Attached to the REST PostWorkflowResults routes (routes.py); called by `EmulatorApp`."""

    def __init__(self, emulator: Emulator, operation: str) -> None:
        self.emulator = emulator
        self.operation = operation

    async def __call__(self, scope: Scope, receive: Receive, send: Send, general: General,
                       path_params: dict[str, Any]) -> None:
        headers = scope_headers(scope)
        tenant = self.emulator.tenant(self.emulator.tenant_name(headers))
        if _lane_off(headers, tenant):
            # fault decisions and their renderings live on the general path (core/http.py)
            await general(scope, receive, send)
            return
        started = time.perf_counter()
        body = await receive_body(receive)
        backend = tenant.backend(ClarifaiState)

        async def plain(scope: Scope, receive: Receive, send: Send) -> None:
            # the full path without Starlette's layers (rest_predict.py), or the general one
            if not await rest_predict.answer(self.operation, scope, send, tenant, backend, headers, body,
                                             path_params):
                await general(scope, receive, send)

        replay = _replay(body, receive)
        if not _replayable(headers, tenant.settings, body):
            await plain(scope, replay, send)
            return
        key = _key(scope, headers, body)
        t, filled, shape, stale, stale_shape = _find(backend, key, body, headers)
        if t is not None:
            start, answer = _answer(t, tenant, backend, scope, started, body, filled)
            if filled is not None:
                _noted(backend, key, t, filled, len(answer))
            await send(start)
            await send({"type": "http.response.body", "body": answer})
            return
        seen = backend.predict_seen
        # noted by hash, not kept: under all-different traffic (say, a new 30 KB image each time) the
        # notes would otherwise hold thousands of request bodies; a collision only builds a template
        # early, which is then used on an exact match of the whole key only
        noted, noted_shape = hash(key), (hash(shape) if shape is not None else None)
        exact = stale or noted in seen  # a template for this very request: build it now
        shaped = noted_shape is not None and (stale_shape or noted_shape in seen)
        if not (exact or shaped):
            # a template pays off from the third request like it on: the first one only notes its key
            # (and its shape's), so a load of requests all unlike each other builds no template
            if noted_shape is None:
                _note(seen, noted)
            else:
                _note(seen, noted, noted_shape)
            await plain(scope, replay, send)
            return
        seen.pop(noted, None)
        if noted_shape is not None:
            seen.pop(noted_shape, None)
        await self._full(key if exact else None, shape if shaped else None, body, tenant, backend, scope, replay,
                         send, plain)

    def answer_now(self, scope: Scope, body: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
        """The answer `__call__` would send from a template, made without the ASGI cycle (the server
        writes it: core/server.py), or None when `__call__` must run: no template, or anything that
        sends the request elsewhere. Nothing is changed before the answer is certain; a request with
        no template (all-different traffic) is turned away after one lookup."""
        started = time.perf_counter()
        headers = scope_headers(scope)
        emulator = self.emulator
        name = emulator.tenant_name(headers)
        tenant = emulator.existing(name)  # a template is never older than its tenant
        if tenant is None:
            return None
        backend = tenant.started(ClarifaiState)
        if backend is None or _lane_off(headers, tenant) or not _replayable(headers, tenant.settings, body):
            return None
        key = _key(scope, headers, body)
        t, filled, _, _, _ = _find(backend, key, body, headers)
        if t is None:
            return None
        emulator.tenant(name)  # used: the tenant is the most recently used, as on the ASGI path
        start, answer = _answer(t, tenant, backend, scope, started, body, filled)
        if filled is not None:
            _noted(backend, key, t, filled, len(answer))
        return t.status, start["headers"], answer

    async def _full(self, key: Any, shape: Any, body: bytes, tenant: Tenant, backend: ClarifaiState, scope: Scope,
                    receive: Receive, send: Send, general: General) -> None:
        """The full path, watched: its answer becomes the template for the next identical request
        (`key`), or for the next request of its shape (`shape`), or both."""
        sent: list[Message] = []

        async def watch(message: Message) -> None:
            sent.append(message)
            await send(message)

        resolved: list[predict.Resolved] = []
        token = predict.trace.set(resolved)
        entries: list[Entry] = []  # this request's own, whatever other requests record meanwhile
        journaled = recorded.set(entries)
        try:
            with recording() as drawn:
                await general(scope, receive, watch)
        finally:
            predict.trace.reset(token)
            recorded.reset(journaled)
        entry = entries[-1] if len(entries) == 1 else None
        if entry is None or len(resolved) != 1 or tenant.faults.armed:
            return
        r = resolved[0]
        if key is not None:
            file_template(backend, key, template(self.operation, scope, sent, drawn, r, entry))
        cut = predict_shape.segments(body) if shape is not None and sent and sent[0].get("status") == 200 else None
        made = predict_shape.extras(backend, r.workflow, r.version, body, cut) if cut is not None else None
        if made is not None:
            t = template(self.operation, scope, sent, drawn, r, entry, made[1])
            file_template(backend, shape, dataclasses.replace(t, recipe=made[0]) if t is not None else None)


def _note(seen: dict[int, None], *noted: int) -> None:
    if len(seen) >= SEEN_CAP:
        seen.clear()
    for n in noted:
        seen[n] = None


def _noted(backend: ClarifaiState, key: Any, shape: Template, filled: tuple[Any, list[bytes]], length: int) -> None:
    """A request answered from its shape's template (`length` bytes) is noted like any other; when it
    comes again it gets a template of its own (the shape's, with its input-dependent parts written
    in), so repeated requests are answered without making those parts each time."""
    seen = backend.predict_seen
    noted = hash(key)
    if noted in seen:
        del seen[noted]
        file_template(backend, key, baked(shape, filled[1], filled[0], length))
    else:
        _note(seen, noted)


# what `_find` finds: the template that answers the request (None: the full path must); a shape
# template's request and input-dependent parts; the request's shape key (None: no media strings to
# cut at); whether a template for this very request, and one for its shape, exist but are stale
Found = tuple[Template | None, tuple[Any, list[bytes]] | None, Any, bool, bool]


def _find(backend: ClarifaiState, key: tuple[Any, ...], body: bytes, headers: dict[str, str]) -> Found:
    """The template for this very request, else the one for its shape (with the input-dependent
    parts made), without side effects (a plain tuple: the repeated request's path counts every call)."""
    templates = backend.predict_templates
    authorization = headers.get("authorization")
    t = templates.get(key)
    if t is not None and still_valid(t, backend, authorization):
        return (t, None, None, False, False)
    cut = predict_shape.segments(body)  # (a body over the size limit never gets here: core/front_door.py)
    if cut is None:
        return (None, None, None, t is not None, False)
    shape = (key[0], key[1], cut[0], key[3], key[4])
    s = templates.get(shape)
    if s is None or not still_valid(s, backend, authorization):
        return (None, None, shape, t is not None, s is not None)
    req = predict_shape.request(s.recipe, body, cut[1])
    parts = predict_shape.fills(backend, s.workflow, s.version, req) if req is not None else None
    if req is None or parts is None:  # an input or an output that fails: the full path answers, the shape stays
        return (None, None, None, t is not None, False)
    return (s, (req, parts), None, False, False)


def _lane_off(headers: dict[str, str], tenant: Tenant) -> bool:
    """The lane stands aside: a fault may fire (a rule armed, an `x-emulator-fault` header), or it is
    turned off."""
    return FAULT_HEADER in headers or tenant.faults.armed or not tenant.settings.clarifai_predict_lane


def _replayable(headers: dict[str, str], s: Any, body: bytes) -> bool:
    """Whether a template may answer at all: a session token (not part of the template key)
    authenticates on the full path only; answers that depend on request counts or time (rate limits,
    cold starts) are never replayed; large (or over-limit) bodies would pin megabytes per key."""
    return ("x-clarifai-session-token" not in headers and s.clarifai_rate_limit_rps <= 0
            and s.clarifai_cold_start_s <= 0 and len(body) <= LANE_BODY_CAP)


def _key(scope: Scope, headers: dict[str, str], body: bytes) -> tuple[Any, ...]:
    return (scope["path"], scope.get("query_string", b""), body, headers.get("authorization"),
            headers.get("x-clarifai-request-id-prefix"))


def _answer(t: Template, tenant: Tenant, backend: ClarifaiState, scope: Scope, started: float, body: bytes,
            filled: tuple[Any, list[bytes]] | None) -> tuple[Message, bytes]:
    """A template's answer with fresh ids and time (and a shape's input-dependent parts), journaled
    (and kept) as the full path does: (the http.response.start message, the body)."""
    now = tenant.clock.now()
    values = tenant.ids.hex32_many(t.n_ids)
    values.append(wire.timestamp(now, nanos=True).encode())
    if filled is None:
        request, start = t.request, t.start
        answer = fill_in(t, values)
        if len(answer) != t.length:  # cannot happen while ids and times keep their widths; stay correct anyway
            raise RuntimeError(f"predict lane: answer of {len(answer)} bytes, template says {t.length}")
    else:
        request, parts = filled
        answer = fill_in(t, values + parts)
        start = sized(t.start, len(answer))
        backend.predict_shape_hits += 1
    backend.predict_lane_hits += 1
    backend.catalog.touch_all(t.model_ids, now)
    entry = tenant.journal.record(time_ms=int(now * 1000), api="clarifai", operation=t.operation, method="POST",
                                  path=t.path, status=t.status,
                                  duration_ms=round((time.perf_counter() - started) * 1000, 3), query=t.query,
                                  error=t.error, code=t.code, request=request,
                                  headers=scope_kept_headers(scope), response_bytes=len(answer),
                                  body_bytes=len(body))
    if entry is not None:
        tenant.journal.keep_response(entry, start["headers"], answer)
    return start, answer


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
