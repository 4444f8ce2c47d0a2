"""What an operator sees of a running server: one line per listener at start, an access log on demand,
and the control-plane journal (who reset, seeded or injected faults, and when).

API requests reach the access log through their journal entry (tenant, API, operation, status and
latency are already there), so the log costs nothing while it is off. Control-plane calls are not
client traffic and never enter a tenant's journal; they are kept in the emulator-wide control journal.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from emulator.core.http import ApiMount, JsonResponse
from emulator.core.journal import Entry, Journal

logger = logging.getLogger("emulator")
access_logger = logging.getLogger("emulator.access")
CONTROL_API = "control"
CONTROL_PREFIX = "/_emulator/"
# journal polling is what dashboards and test helpers do all the time: journaling it would bury the calls
# that change something (the dashboard at /_emulator/ui polls the reads below every second)
UNJOURNALED = frozenset({"get_control_journal", "get_journal", "get_health",
                         "get_ui", "get_ui_asset", "get_journal_entry", "list_flow_workflows",
                         "list_clarifai_workflows", "list_tenants", "get_clock", "list_faults", "get_coverage"})


def access_line(fmt: str, tenant: str, e: Entry) -> str:
    if fmt == "json":
        return orjson.dumps({"time_ms": e.time_ms, "tenant": tenant, "api": e.api, "operation": e.operation,
                             "method": e.method, "path": e.path, "status": e.status,
                             "duration_ms": round(e.duration_ms, 3), "transport": e.transport,
                             "fault": e.fault}).decode()
    fault = f" fault={e.fault}" if e.fault else ""
    return (f"{tenant} {e.api} {e.operation} {e.method} {e.path} {e.status} "
            f"{e.duration_ms:.1f}ms {e.transport}{fault}")


def entry_sink(fmt: str) -> Callable[[str], Callable[[Entry], None]]:
    """Per tenant, the callable a journal hands each entry to (only installed when the log is on)."""
    def for_tenant(tenant: str) -> Callable[[Entry], None]:
        def sink(e: Entry) -> None:
            access_logger.info(access_line(fmt, tenant, e))
        return sink
    return for_tenant


def journal_control_plane(routes: list[Any], journal: Journal, log_fmt: str | None) -> None:
    """Wrap every control-plane route so its calls land in the control journal (and the access log)."""
    for r in routes:
        if isinstance(r, Route) and r.path.startswith(CONTROL_PREFIX) and r.name not in UNJOURNALED:
            r.app = _Journaled(r.app, r.name, journal, log_fmt)


class _Journaled:
    def __init__(self, app: ASGIApp, operation: str, journal: Journal, log_fmt: str | None) -> None:
        self.app, self.operation, self.journal, self.log_fmt = app, operation, journal, log_fmt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        start = time.perf_counter()
        status = 500

        async def tracked(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        finally:
            tenant = _tenant(scope)
            e = self.journal.record(time_ms=int(time.time() * 1000), api=CONTROL_API, operation=self.operation,
                                    method=scope["method"], path=scope["path"], status=status,
                                    duration_ms=(time.perf_counter() - start) * 1000,
                                    query=scope.get("query_string", b"").decode("latin-1"),
                                    headers={"x-emulator-tenant": tenant} if tenant != "-" else None)
            if e is not None and self.log_fmt is not None:
                access_logger.info(access_line(self.log_fmt, tenant, e))


def _tenant(scope: Scope) -> str:
    for k, v in scope.get("headers", ()):
        if k == b"x-emulator-tenant":
            return str(v.decode("latin-1"))
    return "-"


def install(journal: Journal) -> ApiMount:
    async def get_control_journal(request: Request) -> JsonResponse:
        limit = request.query_params.get("limit")
        n = int(limit) if limit and limit.isdigit() else None
        entries = journal.query(operation=request.query_params.get("operation"), limit=n)
        return JsonResponse({"entries": [e.to_json() for e in entries], "dropped": journal.dropped})

    return ApiMount(None, [Route("/_emulator/control/journal", get_control_journal, methods=["GET"],
                                 name="get_control_journal")])
