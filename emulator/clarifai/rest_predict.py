"""Clarifai REST PostWorkflowResults on the plain path: the full path's work, without its layers.

Predict is what people load-test, with a different image every time, so the REST door's own cost
counts: Starlette's Request and Response objects, the handler's header reads, the tracked send.
A plain predict (a body that parses, no fault rule armed, no `x-emulator-fault` header) is run
here straight from the ASGI messages with the same pieces the general path uses in the same order:
`wire` parses, `backend.call` authenticates, checks the rate limit and model states and
predicts, `core/operation.py` journals. Anything else is handed to the general path
(core/http.py), which also renders every parse error, so error answers have one source.

`tests/clarifai/test_predict_lane.py` runs a seeded emulator with and without this door through
the same scenario and compares every response byte, header and journal entry.
"""
from __future__ import annotations

from typing import Any

import orjson
from starlette.types import Scope, Send

from emulator.clarifai import backend, errors, wire
from emulator.clarifai.backend import CallContext
from emulator.clarifai.state import ClarifaiState
from emulator.core.emulator import Tenant
from emulator.core.http import path_query, scope_kept_headers, unexpected
from emulator.core.operation import Operation
from emulator.core.redaction import redact, secret_free

RPC = "PostWorkflowResults"
_JSON = b"application/json"


async def answer(operation: str, scope: Scope, send: Send, tenant: Tenant, state: ClarifaiState,
                 headers: dict[str, str], body: bytes, path_params: dict[str, Any]) -> bool:
    """Answer a plain predict; False (nothing drawn, nothing sent) when the general path must."""
    if len(body) > tenant.settings.clarifai_max_request_bytes:
        return False  # the general path answers 413 in Clarifai's shape
    try:
        parsed = wire.parse_body(body)
        req = wire.merge_path(wire.request_from_json(RPC, parsed), path_params)
    except errors.ClarifaiError:
        return False  # a parse error: answered (and its req_id drawn) by routes.py
    path, query = path_query(scope)
    # no rule armed and no fault header: `Operation.begin` would decide nothing
    call = Operation(tenant, "clarifai", operation, "POST", path, query, scope_kept_headers(scope))
    ctx = CallContext(headers.get("authorization"), headers.get("x-clarifai-request-id-prefix"), "rest",
                      headers.get("x-clarifai-session-token"))
    summary = parsed if secret_free(parsed) else redact(parsed)
    try:
        out, http = await backend.call(state, RPC, req, ctx)
    except Exception:
        unexpected(scope, call, summary, len(body))  # journaled as the app's handlers answer it
        raise
    raw = orjson.dumps(out)
    status = out["status"]
    error, code = (None, None) if status["code"] == errors.SUCCESS.code else (status.get("description"),
                                                                            status["code"])
    # Starlette's JSONResponse header order: content-length, then content-type
    start = {"type": "http.response.start", "status": http,
             "headers": [(b"content-length", str(len(raw)).encode()), (b"content-type", _JSON)]}
    entry = call.record(http, error, code, summary, len(raw), len(body))
    tenant.journal.keep_response(entry, start["headers"], raw)
    await send(start)
    await send({"type": "http.response.body", "body": raw})
    return True
