"""The Starlette application: both APIs and the control plane on one port, one Emulator state root."""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from emulator.core.emulator import Emulator
from emulator.core.http import ApiBinding, ApiMount, DropConnection, JsonResponse
from emulator.core.routing import IndexedRouter
from emulator.settings import Settings


def _mounts(emulator: Emulator) -> list[ApiMount]:
    from emulator.clarifai.grpc_api import install as install_clarifai_grpc
    from emulator.clarifai.routes import install as install_clarifai
    from emulator.core.admin import install as install_admin
    from emulator.core.contracts import install as install_contracts
    from emulator.opensearch_flow.routes import install as install_flow

    # the Clarifai gRPC door (no HTTP routes) comes after the REST install that registers the backend
    return [install_flow(emulator), install_clarifai(emulator), install_clarifai_grpc(emulator),
            install_admin(emulator), install_contracts(emulator)]


def create_app(settings: Settings | None = None, emulator: Emulator | None = None) -> Starlette:
    emulator = emulator or Emulator(settings or Settings())
    mounts = _mounts(emulator)
    routes: list[Any] = [r for m in mounts for r in m.routes]
    bindings = [m.binding for m in mounts if m.binding is not None]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        for m in mounts:
            for hook in m.on_startup:
                await hook()
        try:
            yield
        finally:
            for t in list(emulator.tenants.values()):
                t.close()
            for m in reversed(mounts):
                for hook in m.on_shutdown:
                    await hook()

    def binding_for(path: str) -> ApiBinding | None:
        for b in bindings:
            if any(path == p or path.startswith(p.rstrip("/") + "/") for p in b.prefixes):
                return b
        return None

    async def http_exception(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        b = binding_for(request.url.path)
        if exc.status_code == 405 and b is not None and b.method_not_allowed is not None:
            allowed = _allowed_methods(routes, request.scope)
            return b.method_not_allowed(request, allowed)
        if exc.status_code == 404 and b is not None and b.not_found is not None:
            return b.not_found(request)
        if exc.status_code == 405:
            # RFC 9110: a 405 lists the allowed methods (OpenSearch sends `Allow` too), e.g. TRACE /
            allowed = _allowed_methods(routes, request.scope)
            return JsonResponse({"error": exc.detail, "status": 405}, 405, headers={"Allow": ", ".join(allowed)})
        return JsonResponse({"error": exc.detail, "status": exc.status_code}, exc.status_code)

    async def unexpected(request: Request, exc: Exception) -> Response:
        b = binding_for(request.url.path)
        if b is not None:
            return b.render_status(500, f"Internal emulator error: {type(exc).__name__}", None, None)
        return JsonResponse({"error": "internal emulator error", "status": 500}, 500)

    app = Starlette(routes=routes, lifespan=lifespan,
                    exception_handlers={HTTPException: http_exception, Exception: unexpected})
    # same routing semantics, without trying ~70 route regexes per request (core/routing.py)
    app.router = IndexedRouter(app.router.routes, lifespan=lifespan)
    app.state.emulator = emulator
    app.state.bindings = bindings
    app.add_middleware(_DropConnectionMiddleware)
    return app


def _allowed_methods(routes: list[Any], scope: Scope) -> list[str]:
    allowed: list[str] = []
    for r in routes:
        if isinstance(r, Route):
            match, _ = r.matches({**scope, "method": "__none__"})
            if match is not Match.NONE and r.methods:
                allowed.extend(m for m in sorted(r.methods) if m != "HEAD" and m not in allowed)
    return allowed


class _DropConnectionMiddleware:
    """Closes the client's socket for `drop` faults (uvicorn exposes the transport on its cycle)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        except DropConnection:
            cycle = getattr(receive, "__self__", None)
            transport = getattr(cycle, "transport", None)
            if transport is None:
                raise
            transport.close()
            # tell uvicorn the response is over so it does not try to write a 500
            with contextlib.suppress(Exception):
                cycle.response_complete = True  # type: ignore[union-attr]
                cycle.disconnected = True  # type: ignore[union-attr]
