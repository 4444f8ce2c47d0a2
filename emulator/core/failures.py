"""An API operation's exception answered as Starlette's own stack would, and journaled as answered.

EmulatorApp (app.py) calls operations straight from its router, past Starlette's middleware, so
it answers their exceptions itself, the way `ExceptionMiddleware` and the 500 handler of
`Starlette.build_middleware_stack` would: the same handlers, in the same order. An unexpected
exception (an emulator bug) noted by the operation (core/http.py `unexpected`, or a lane's plain
path) is journaled with the status and bytes of the answer its handler gave, so a failing call
still shows in the journal and on the dashboard.
"""
from __future__ import annotations

import inspect
import logging
from collections.abc import Mapping
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.types import Message, Receive, Scope, Send

from emulator.core.http import UNEXPECTED
from emulator.core.operation import Operation

logger = logging.getLogger("emulator")


async def answer_exception(exception_handlers: Mapping[Any, Any], exc: Exception, request: Request, scope: Scope,
                           receive: Receive, send: Send) -> None:
    """Answer an API operation's exception as Starlette's own stack would: its ExceptionMiddleware
    picks the handler (a status-code handler for an HTTPException first, then the exception's
    classes in MRO order; sync handlers in a thread), and what it leaves unhandled gets the 500
    handler, `500` or `Exception` as `Starlette.build_middleware_stack` picks it."""

    async def reraise(scope: Scope, receive: Receive, send: Send) -> None:
        raise exc

    failed = scope.pop(UNEXPECTED, None)
    if failed is not None:
        call, summary, body_bytes = failed
        send = _journaling(send, call, summary, body_bytes, f"Internal emulator error: {type(exc).__name__}")

    handlers = {k: v for k, v in exception_handlers.items() if k not in (500, Exception)}
    try:
        await ExceptionMiddleware(reraise, handlers=handlers)(scope, receive, send)
        return
    except Exception as unhandled:
        if unhandled is not exc:
            raise
    handler = exception_handlers.get(500) or exception_handlers.get(Exception)
    if handler is None:
        raise exc
    response = await handler(request, exc) if inspect.iscoroutinefunction(handler) else \
        await run_in_threadpool(handler, request, exc)
    await response(scope, receive, send)
    logger.error("Exception in API operation %s", scope.get("path"), exc_info=exc)


def _journaling(send: Send, call: Operation, summary: Any, body_bytes: int | None, error: str) -> Send:
    """`send` that journals the answer to an operation's unexpected exception once it is sent: its
    status, as the handler that answered chose it, and its bytes (kept for the dashboard)."""
    start: Message = {}
    chunks: list[bytes] = []

    async def send_journaled(message: Message) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                body = b"".join(chunks)
                entry = call.record(int(start.get("status", 500)), error, None, summary, len(body), body_bytes)
                call.tenant.journal.keep_response(entry, start.get("headers", []), body)
        await send(message)

    return send_journaled
