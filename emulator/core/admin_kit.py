"""What every control-plane route shares: its error (`AdminError`, answered as `{"error", "status"}`),
JSON answers and bodies, and the tenant a call addresses (`x-emulator-tenant` or `?tenant=`).

APIs get these through `AdminKit` (core/api.py) for their own admin routes.
"""
from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from importlib import metadata
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from emulator.core import ranges
from emulator.core import seed as seeding
from emulator.core.emulator import TENANT_HEADER, Emulator, Tenant
from emulator.core.fault_effects import FaultRuleError

PREFIX = "/_emulator"


class AdminError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class AdminResponse(Response):
    media_type = "application/json"

    def __init__(self, content: Any, status_code: int = 200) -> None:
        # backends' dumps may hold values orjson does not know natively: fall back to str()
        try:
            body = orjson.dumps(content, default=str, option=orjson.OPT_NON_STR_KEYS)
        except TypeError:  # an integer beyond 64 bits in a journaled request (a fuzzed query value)
            body = json.dumps(content, default=str).encode()
        super().__init__(body, status_code)


AdminHandler = Callable[[Request], Awaitable[Any]]


def admin_route(path: str, method: str, name: str, handler: AdminHandler, status: int = 200) -> Route:
    async def endpoint(request: Request) -> Response:
        try:
            return AdminResponse(await handler(request), status)
        except AdminError as exc:
            return AdminResponse({"error": exc.message, "status": exc.status}, exc.status)
        except (FaultRuleError, seeding.SeedError, ranges.RangeError) as exc:
            return AdminResponse({"error": str(exc), "status": 400}, 400)

    endpoint.__name__ = name
    return Route(PREFIX + path, endpoint, methods=[method], name=name)


def tenant_name(request: Request) -> str | None:
    return request.query_params.get("tenant") or request.headers.get(TENANT_HEADER) or None


def emulator_of(request: Request) -> Emulator:
    emu: Emulator = request.app.state.emulator
    return emu


def tenant_of(request: Request) -> Tenant:
    return emulator_of(request).tenant(tenant_name(request))


async def json_body(request: Request, default: Any = None) -> Any:
    raw = await request.body()
    limit = request.app.state.emulator.settings.admin_max_body_bytes
    if len(raw) > limit:  # the door stops reading at limit + 1 (core/limits.py)
        raise AdminError(413, f"control-plane request bodies are limited to {limit} bytes")
    if not raw.strip():
        return default
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise AdminError(400, f"request body is not valid JSON: {exc}") from None


def version(dist: str) -> str | None:
    """The installed version of a distribution (None when it is not installed)."""
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None
