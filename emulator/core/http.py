"""The REST door around every API operation: the call (core/operation.py) adapted to Starlette.

Each API describes itself once with an `ApiBinding` (how it renders its own errors); its route
table is built with `operation_route(...)`, whose Starlette route name is the OpenAPI operationId.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.datastructures import URL
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope

from emulator.core.emulator import Emulator, Tenant
from emulator.core.operation import FAULT_HEADER, BadFaultHeader, Fault, Operation
from emulator.core.redaction import kept_headers, redact, secret_free

Handler = Callable[[Request, Tenant], Awaitable[Response]]


class DropConnection(Exception):
    """Raised to make the server close the socket without answering (a `drop` fault)."""


@dataclass(frozen=True)
class ApiBinding:
    name: str  # "flow" | "clarifai"
    prefixes: tuple[str, ...]
    error_type: type[Exception]
    # renders an exception of `error_type` in the API's own error shape (the request, when known,
    # may choose the media type)
    render_error: Callable[[Exception, Request | None], Response]
    # renders (status, message, optional API code, extra headers, the request) in the API's own error shape
    render_status: Callable[[int, str, int | None, dict[str, str] | None, Request | None], Response]
    # the message / API code an error carries, for the journal and coverage
    outcome: Callable[[Exception], tuple[str | None, int | None]]
    not_found: Callable[[Request], Response] | None = None
    method_not_allowed: Callable[[Request, list[str]], Response] | None = None


class JsonResponse(Response):
    media_type = "application/json"

    def __init__(self, content: Any, status_code: int = 200, headers: dict[str, str] | None = None,
                 media_type: str | None = None) -> None:
        super().__init__(orjson.dumps(content), status_code, headers, media_type or self.media_type)


def emulator_of(request: Request) -> Emulator:
    emu: Emulator = request.app.state.emulator
    return emu


def tenant_of(request: Request) -> Tenant:
    return emulator_of(request).tenant(emulator_of(request).tenant_name(headers_of(request)))


def header(request: Request, name: str) -> str | None:
    """The first value of a request header (`name` lower-case), like `request.headers.get(name)`."""
    return headers_of(request).get(name)


def headers_of(request: Request) -> dict[str, str]:
    return scope_headers(request.scope)


def scope_headers(scope: Scope) -> dict[str, str]:
    """The request headers by lower-case name (first value wins, as in Starlette's `Headers.get`).

    The API handlers read four or five headers per request; Starlette's `Headers.get` scans and
    decodes the whole list each time, so the request's headers are read into a dict once, and
    a client that sends the same headers again (a load test, an SDK loop) gets the same dict.
    Shared: read it, never write to it."""
    headers: dict[str, str] | None = scope.get("emulator.headers")
    if headers is None:
        headers = scope["emulator.headers"] = _header_view(scope)[0]
    return headers


def scope_kept_headers(scope: Scope) -> dict[str, str]:
    """`redaction.kept_headers` of the request (shared like `scope_headers`)."""
    return _header_view(scope)[1]


_HEADER_VIEWS: dict[tuple[tuple[bytes, bytes], ...], tuple[dict[str, str], dict[str, str]]] = {}
HEADER_VIEWS_CAP = 512


def _header_view(scope: Scope) -> tuple[dict[str, str], dict[str, str]]:
    raw = tuple(scope["headers"])
    view = _HEADER_VIEWS.get(raw)
    if view is None:
        headers: dict[str, str] = {}
        for k, v in raw:
            key = k.decode("latin-1").lower()
            if key not in headers:
                headers[key] = v.decode("latin-1")
        if len(_HEADER_VIEWS) >= HEADER_VIEWS_CAP:
            _HEADER_VIEWS.clear()
        view = _HEADER_VIEWS[raw] = (headers, kept_headers(headers))
    return view


async def receive_body(receive: Receive) -> bytes:
    """The whole request body from ASGI `receive` (one message in the common case)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.request":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        elif message["type"] == "http.disconnect":
            raise ClientDisconnect()
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def read_body(request: Request) -> bytes:
    """`await request.body()` without Starlette's stream generator (the common one-message body
    costs one `receive`); the body is cached on the request the way Starlette caches it."""
    cached: bytes | None = getattr(request, "_body", None)
    if cached is not None:
        return cached
    body = await receive_body(request.receive)
    request._body = body  # Starlette's own cache, so request.body() agrees
    return body


def operation_route(api: ApiBinding, path: str, method: str, handler: Handler, name: str,
                    operation: str | None = None, lane: Any = None) -> Route:
    """A route whose name is its operationId; `operation` is the logical operation (e.g. the
    Clarifai RPC) used by fault matching, the journal and coverage, defaulting to `name`."""
    op = operation or name

    async def endpoint(request: Request) -> Response:
        scope = request.scope
        headers = scope_headers(scope)
        emu: Emulator = request.app.state.emulator
        path, query = path_query(scope)
        call = Operation(emu.tenant(emu.tenant_name(headers)), api.name, op, request.method, path, query,
                         scope_kept_headers(scope))
        error: str | None = None
        code: int | None = None
        try:
            try:
                response = await _run(api, handler, request, call, call.begin(headers.get(FAULT_HEADER)))
            except DropConnection:
                # the client sees no response at all; the journal still shows what happened
                call.record(0, request=_request_summary(request))
                raise
        except BadFaultHeader as exc:
            response = api.render_status(400, str(exc), None, None, request)
        except api.error_type as exc:
            response = api.render_error(exc, request)
            error, code = api.outcome(exc)
        except DropConnection:
            raise
        except Exception:
            # an emulator bug: the app's handlers answer it, and journal it as answered (app.py)
            unexpected(scope, call, _request_summary(request), _body_bytes(request))
            raise
        finally:
            call.end()
        if error is None:
            st = scope.get("state") or {}
            error, code = st.get("outcome_error"), st.get("outcome_code")
        body = getattr(response, "body", b"") or b""
        entry = call.record(response.status_code, error, code, _request_summary(request), len(body),
                            _body_bytes(request))
        call.tenant.journal.keep_response(entry, response.raw_headers, bytes(body))
        return response

    endpoint.__name__ = name
    # read by the control plane's coverage report (operationId -> logical operation)
    endpoint.operation = op  # type: ignore[attr-defined]
    endpoint.api = api.name  # type: ignore[attr-defined]
    # the app dispatches straight to it, past Starlette's layers (app.py: EmulatorApp)
    endpoint.direct = True  # type: ignore[attr-defined]
    # an optional shortcut the app tries first: lane(scope, receive, send, general, path_params)
    # answers the request itself or hands it to `general`, the route's own path (clarifai/predict_lane.py)
    endpoint.lane = lane  # type: ignore[attr-defined]
    return Route(path, endpoint, methods=[method], name=name)


def path_query(scope: Scope) -> tuple[str, str]:
    """`request.url.path` and `.query` read straight from the ASGI scope: building Starlette's URL
    object cost more than the journal entry itself. URL escapes `?`, `#` and `\\` in paths and
    cuts a query at `#`, so those rare requests still go through it."""
    path: str = scope["path"]
    raw_query: bytes = scope.get("query_string", b"")
    if "?" in path or "#" in path or "\\" in path or b"#" in raw_query:
        url = URL(scope=scope)
        return url.path, url.query
    return path, raw_query.decode()


async def _run(api: ApiBinding, handler: Handler, request: Request, call: Operation, fault: Fault | None) -> Response:
    """The REST door's rendering of the call's fault decision (core/operation.py)."""
    if fault is None:
        return await handler(request, call.tenant)
    if fault.kind == "error":
        return api.render_status(fault.status, fault.message, fault.code, dict(fault.headers), request)
    if fault.kind == "drop":
        raise DropConnection()
    await call.delay()
    response = await handler(request, call.tenant)
    if fault.kind in ("empty_body", "truncate"):
        return Response(fault.cut(bytes(response.body)), response.status_code, media_type=response.media_type)
    return response


def _body_bytes(request: Request) -> int | None:
    body: bytes | None = getattr(request, "_body", None)
    return None if body is None else len(body)


def _request_summary(request: Request) -> Any:
    st = request.scope.get("state", {})
    body = st.get("parsed_body")
    if body is None or st.get("parsed_body_clean"):
        return body
    return redact(body)


def remember_body(request: Request, parsed: Any, raw: bytes | None = None) -> None:
    """Handlers call this with the parsed body so the journal can show it (redacted).

    With the `raw` bytes it was parsed from, a body that cannot hold a secret key is kept as it
    is instead of copied through `redact` (the caller must not mutate `parsed` afterwards)."""
    st = request.scope.setdefault("state", {})
    st["parsed_body"] = parsed
    st["parsed_body_clean"] = raw is not None and secret_free(parsed)


UNEXPECTED = "emulator.unexpected"  # scope key: (operation, request summary, body bytes) of a failed call


def unexpected(scope: Scope, call: Operation, summary: Any, body_bytes: int | None) -> None:
    """Note an operation that raised an unexpected exception, for the handler that answers it to
    journal it (core/failures.py `answer_exception`): a failing call still shows in the journal."""
    scope[UNEXPECTED] = (call, summary, body_bytes)


def set_outcome(request: Request, error: str | None, code: int | None) -> None:
    """For responses that are not exceptions but still carry an API outcome (Clarifai 207 etc.)."""
    st = request.scope.setdefault("state", {})
    st["outcome_error"], st["outcome_code"] = error, code


@dataclass
class ApiMount:
    """What an API package contributes to the app: its binding, routes and lifecycle hooks."""

    binding: ApiBinding | None
    routes: list[Route]
    on_startup: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    on_shutdown: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
