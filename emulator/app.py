"""The Starlette application: both APIs and the control plane on one port, one Emulator state root."""
from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Iterable
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from emulator import apis as api_registry
from emulator.core.access_log import entry_sink, journal_control_plane
from emulator.core.api import ApiDescriptor
from emulator.core.api import register as register_api
from emulator.core.emulator import Emulator
from emulator.core.failures import answer_exception
from emulator.core.front_door import FrontDoor, check_startup
from emulator.core.http import ApiBinding, ApiMount, DropConnection, JsonResponse
from emulator.core.routing import IndexedRouter
from emulator.settings import Settings

logger = logging.getLogger("emulator")


def _mounts(emulator: Emulator, descriptors: tuple[ApiDescriptor, ...]) -> list[ApiMount]:
    from emulator.core.access_log import install as install_control_journal
    from emulator.core.admin import install as install_admin
    from emulator.core.contracts import install as install_contracts
    from emulator.ui.serve import install as install_ui

    names = [d.name for d in descriptors]
    if len(set(names)) != len(names):
        raise ValueError(f"two APIs share a name: {names}")
    for d in descriptors:
        register_api(emulator, d)
    # each API's routes in the given order, then the control plane (which reads the descriptors)
    return [*(d.install(emulator) for d in descriptors), install_admin(emulator, descriptors),
            install_contracts(emulator, descriptors), install_control_journal(emulator.control_journal),
            install_ui()]


def create_app(settings: Settings | None = None, emulator: Emulator | None = None,
               apis: Iterable[ApiDescriptor | str] | None = None) -> EmulatorApp:
    """The app serving `apis` (descriptors or API package names; default `emulator.apis.API_PACKAGES`)."""
    emulator = emulator or Emulator(settings or Settings())
    check_startup(emulator.settings)
    descriptors = api_registry.descriptors(apis)
    mounts = _mounts(emulator, descriptors)
    routes: list[Any] = [r for m in mounts for r in m.routes]
    fmt = emulator.settings.access_log_format if emulator.settings.access_log else None
    if fmt is not None:
        emulator.entry_sink = entry_sink(fmt)
    journal_control_plane(routes, emulator.control_journal, fmt)
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

    app = EmulatorApp(emulator, routes, bindings, lifespan=lifespan)
    app.state.apis = descriptors
    app.door = FrontDoor(emulator.settings, tuple((d.owns, d.max_body_bytes(emulator.settings))
                                                  for d in descriptors if d.max_body_bytes is not None))
    return app


def _allowed_methods(routes: list[Any], scope: Scope) -> list[str]:
    allowed: list[str] = []
    for r in routes:
        if isinstance(r, Route):
            match, _ = r.matches({**scope, "method": "__none__"})
            if match is not Match.NONE and r.methods:
                allowed.extend(m for m in sorted(r.methods) if m != "HEAD" and m not in allowed)
    return allowed


class EmulatorApp(Starlette):
    """Starlette, with API operations dispatched straight to their endpoint.

    An API operation (a route built by `core/http.py:operation_route`) already does everything
    Starlette's layers would: it renders its own errors, journals and applies faults. So when the
    indexed router finds one for a request, the request skips the middleware stack, the router and
    the request/response wrappers (about 30 µs, half of what a bare Starlette app spends on a
    request). Everything else (control plane, 404, 405, redirects, lifespan) is plain Starlette.
    Unexpected exceptions still reach the app's exception handlers, and a `drop` fault still closes
    the socket.
    """

    def __init__(self, emulator: Emulator, routes: list[Any], bindings: list[ApiBinding],
                 lifespan: Any = None) -> None:
        super().__init__(routes=routes, lifespan=lifespan,
                         exception_handlers={HTTPException: self._http_exception, Exception: self._unexpected})
        # same routing semantics, without trying ~70 route regexes per request (core/routing.py)
        self.router = IndexedRouter(self.router.routes, lifespan=lifespan)
        self.state.emulator = emulator
        self.state.bindings = bindings
        self.door = FrontDoor(emulator.settings)
        self.add_middleware(_DropConnectionMiddleware)
        # API operations are dispatched past Starlette's layers only while the app has no middleware
        # of its users: `add_middleware` turns that off, so a user's middleware wraps every request
        self.dispatches_direct = True

    def add_middleware(self, middleware_class: Any, *args: Any, **kwargs: Any) -> None:
        """Starlette's add_middleware; the middleware then wraps API operations too (every request
        takes Starlette's full stack from then on, the predict lane's shortcut included)."""
        super().add_middleware(middleware_class, *args, **kwargs)
        if middleware_class is not _DropConnectionMiddleware:
            self.dispatches_direct = False

    def binding_for(self, path: str) -> ApiBinding | None:
        for b in self.state.bindings:
            if any(path == p or path.startswith(p.rstrip("/") + "/") for p in b.prefixes):
                return b  # type: ignore[no-any-return]
        return None

    async def _http_exception(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        b = self.binding_for(request.url.path)
        if exc.status_code == 405 and b is not None and b.method_not_allowed is not None:
            return b.method_not_allowed(request, _allowed_methods(self.routes, request.scope))
        if exc.status_code == 404 and b is not None and b.not_found is not None:
            return b.not_found(request)
        if exc.status_code == 405:
            # RFC 9110: a 405 lists the allowed methods (OpenSearch sends `Allow` too), e.g. TRACE /
            allowed = _allowed_methods(self.routes, request.scope)
            return JsonResponse({"error": exc.detail, "status": 405}, 405, headers={"Allow": ", ".join(allowed)})
        return JsonResponse({"error": exc.detail, "status": exc.status_code}, exc.status_code)

    async def _unexpected(self, request: Request, exc: Exception) -> Response:
        b = self.binding_for(request.url.path)
        if b is not None:
            return b.render_status(500, f"Internal emulator error: {type(exc).__name__}", None, None, request)
        return JsonResponse({"error": "internal emulator error", "status": 500}, 500)

    def _door_answer(self, scope: Scope, status: int, message: str, headers: dict[str, str]) -> Response:
        b = self.binding_for(scope["path"])
        if b is not None:
            return b.render_status(status, message, None, headers, None)
        return JsonResponse({"error": message, "status": status}, status, headers=headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            admitted = await self.door.admit(scope, receive, send, self._door_answer)
            if admitted is None:
                return
            receive = admitted
        router = self.router
        if scope["type"] == "http" and self.dispatches_direct and isinstance(router, IndexedRouter):
            hit = router.remembered(scope)
            if hit is not None and getattr(hit[1], "lane", None) is not None:
                # a lane answers most requests itself: the scope is completed only if it hands over
                scope["app"] = self
                await self._lane(hit[1].lane, scope, receive, send, functools.partial(self._general, *hit), hit[2])
                return
            route, match, child_scope = router.lookup(scope)
            if match is Match.FULL and getattr(getattr(route, "endpoint", None), "direct", False):
                scope["app"] = self
                scope["router"] = router
                scope["route"] = route
                scope.update(child_scope)
                await self._direct(route.endpoint, scope, receive, send)  # type: ignore[union-attr]
                return
        await super().__call__(scope, receive, send)

    def answer_now(self, scope: Scope, body: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
        """The answer to a whole request (its body read) that a route's lane can give at once, without
        the ASGI cycle: the server writes it (core/server.py); None, and nothing changed, when `__call__`
        must run. Only where the door would admit the request untouched and routing remembers it."""
        router = self.router
        if not (self.dispatches_direct and isinstance(router, IndexedRouter) and self.door.admits_now(scope, body)):
            return None
        hit = router.remembered(scope)
        now = getattr(getattr(hit[1], "lane", None), "answer_now", None) if hit is not None else None
        return now(scope, body) if now is not None else None

    async def _direct(self, endpoint: Any, scope: Scope, receive: Receive, send: Send) -> None:
        lane = endpoint.lane
        if lane is None:
            await self._operation(endpoint, scope, receive, send)
            return
        await self._lane(lane, scope, receive, send, functools.partial(self._operation, endpoint),
                         scope.get("path_params", {}))

    async def _general(self, route: Any, endpoint: Any, path_params: dict[str, Any], scope: Scope,
                       receive: Receive, send: Send) -> None:
        """A lane handing over a remembered match: complete the scope as routing would, then run it."""
        scope["router"] = self.router
        scope["route"] = route
        scope["endpoint"] = endpoint
        scope["path_params"] = dict(path_params)
        await self._operation(endpoint, scope, receive, send)

    async def _lane(self, lane: Any, scope: Scope, receive: Receive, send: Send, general: Any,
                    path_params: dict[str, Any]) -> None:
        try:
            await lane(scope, receive, send, general, path_params)
        except Exception as exc:  # noqa: BLE001 - answered (and logged) by the app's handlers
            # answered as an exception of any other API operation is (`_operation`): the app's handlers
            # as Starlette picks them, the 500 handler last. The lane does not track whether its answer
            # started (a wrapped `send` per request costs the hot path); if it had, the server refuses
            # a second start and the original error is what is raised.
            try:
                await self._handle_exception(exc, Request(scope, receive), scope, receive, send)
            except (RuntimeError, OSError):
                raise exc from None

    async def _operation(self, endpoint: Any, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        request = Request(scope, receive, tracked_send)
        try:
            response: Response = await endpoint(request)
            await response(scope, receive, tracked_send)
        except DropConnection:
            _drop_connection(receive)
        except Exception as exc:
            if started:
                raise
            await self._handle_exception(exc, request, scope, receive, send)

    async def _handle_exception(self, exc: Exception, request: Request, scope: Scope, receive: Receive,
                                send: Send) -> None:
        await answer_exception(self.exception_handlers, exc, request, scope, receive, send)


def _drop_connection(receive: Receive) -> None:
    """Close the client's socket without an answer (uvicorn exposes the transport on its cycle)."""
    cycle = getattr(receive, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        raise DropConnection()
    transport.close()
    # tell uvicorn the response is over so it does not try to write a 500
    with contextlib.suppress(Exception):
        cycle.response_complete = True  # type: ignore[union-attr]
        cycle.disconnected = True  # type: ignore[union-attr]


class _DropConnectionMiddleware:
    """Closes the client's socket for `drop` faults (uvicorn exposes the transport on its cycle)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        except DropConnection:
            _drop_connection(receive)
