"""One API operation whatever the door (REST or gRPC): the call's one-off fault rules, the http
hook's fault decision, the outcome the client saw and its journal entry (DESIGN.md rule 12).

Doors adapt: `core/http.py` (REST) and an API's gRPC servicer describe the call, ask `begin` for
the fault decision, render it on their wire (an error in the API's shape, a dropped connection,
a cut body) and `record` what was answered. A new effect or journal field is written here once.
"""
from __future__ import annotations

import contextvars
import time
from dataclasses import dataclass
from typing import Any

from emulator.core.emulator import Tenant
from emulator.core.fault_effects import FaultRuleError
from emulator.core.faults import (
    FaultRule,
    fired_log,
    latency_seconds,
    parse_header_rules,
    request_rules,
)
from emulator.core.journal import Entry

FAULT_HEADER = "x-emulator-fault"
INJECTED_MESSAGE = "Injected fault"


class BadFaultHeader(ValueError):
    """An `x-emulator-fault` header that is not a valid rule (answered 400 in the API's shape)."""


@dataclass(frozen=True, slots=True)
class Fault:
    """What the http hook decided for one call; the door renders it on its wire."""

    kind: str  # "error" | "latency" | "drop" | "empty_body" | "truncate"
    rule: str
    status: int = 500
    message: str = INJECTED_MESSAGE
    code: int | None = None
    # answer headers an error carries, `Retry-After` included (lower-case names)
    headers: tuple[tuple[str, str], ...] = ()
    delay_s: float = 0.0
    keep_bytes: int | None = None  # truncate: bytes kept (None = half the body)

    def cut(self, body: bytes) -> bytes:
        """The body an `empty_body` / `truncate` fault lets through."""
        if self.kind == "empty_body":
            return b""
        return body[: len(body) // 2 if self.keep_bytes is None else self.keep_bytes]


def decide(effect: dict[str, Any], tenant: Tenant) -> Fault:
    """The fired http effect as a decision (latency drawn now, from the tenant's seeded randomness)."""
    kind = str(effect["type"])
    headers = {str(k).lower(): str(v) for k, v in (effect.get("headers") or {}).items()}
    if "retry_after" in effect:
        headers["retry-after"] = str(effect["retry_after"])
    code = effect.get("code")
    return Fault(kind, str(effect.get("rule")), int(effect.get("status", 500)),
                 str(effect.get("message", INJECTED_MESSAGE)), code if isinstance(code, int) else None,
                 tuple(headers.items()),
                 latency_seconds(effect, tenant.ids.random()) if kind == "latency" else 0.0,
                 None if effect.get("bytes") is None else int(effect["bytes"]))


class Operation:
    """One call of one API operation, from its arrival to its journal entry."""

    __slots__ = ("_log_token", "_token", "api", "fault", "fired", "headers", "injected", "method", "operation",
                 "path", "query", "started", "tenant", "transport")

    def __init__(self, tenant: Tenant, api: str, operation: str, method: str, path: str, query: str = "",
                 headers: dict[str, str] | None = None, transport: str = "rest") -> None:
        self.started = time.perf_counter()
        self.tenant = tenant
        self.api = api
        self.operation = operation
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers  # as the journal keeps them (credentials redacted)
        self.transport = transport
        self.fault: Fault | None = None
        # every rule that fired for this call, domain hooks included (faults.fired_log), while faults are on
        self.fired: list[str] | None = None
        # injected latency: (tenant-clock seconds, wall seconds waited)
        self.injected: tuple[float, float] | None = None
        self._token: contextvars.Token[tuple[FaultRule, ...]] | None = None
        self._log_token: contextvars.Token[list[str] | None] | None = None

    def begin(self, fault_header: str | None) -> Fault | None:
        """`arm` then `decide`: raises BadFaultHeader. Pair with `end`."""
        self.arm(fault_header)
        return self.decide()

    def arm(self, fault_header: str | None) -> None:
        """Arm the call's one-off rules (x-emulator-fault); they follow it into the work it spawns."""
        if fault_header:
            try:
                rules = parse_header_rules(fault_header, self.tenant.faults.schema)
            except FaultRuleError as exc:
                raise BadFaultHeader(f"invalid {FAULT_HEADER} header: {exc}") from None
            self._token = request_rules.set(rules)

    def decide(self) -> Fault | None:
        """The http hook's fault decision for this call (None: no rule fired)."""
        faults = self.tenant.faults
        if faults.active:
            self.fired = []
            self._log_token = fired_log.set(self.fired)
            fired = faults.http(api=self.api, operation=self.operation, method=self.method, path=self.path,
                                tenant=self.tenant.name)
            if fired is not None:
                self.fault = decide(fired, self.tenant)
        return self.fault

    def end(self) -> None:
        if self._log_token is not None:
            fired_log.reset(self._log_token)
            self._log_token = None
        if self._token is not None:
            request_rules.reset(self._token)
            self._token = None

    async def delay(self) -> None:
        """Wait out a latency fault on the tenant's clock (never blocks the loop)."""
        if self.fault is not None and self.fault.kind == "latency":
            slept = time.perf_counter()
            await self.tenant.clock.sleep(self.fault.delay_s)
            self.injected = (self.fault.delay_s, time.perf_counter() - slept)

    def record(self, status: int, error: str | None = None, code: int | None = None, request: Any = None,
               response_bytes: int | None = None, body_bytes: int | None = None) -> Entry | None:
        """Journal what the client saw (status 0: no answer at all). An injected error is the
        outcome when the handler reported none (journal queries, coverage)."""
        fault, fired = self.fault, self.fired
        if error is None and fault is not None and fault.kind == "error":
            error, code = fault.message, fault.code
        duration_ms = round((time.perf_counter() - self.started) * 1000, 3)
        extra: dict[str, Any] = {}
        if fired:
            # the journal's fault facts: every rule that fired, and the latency split (injected
            # latency on the tenant clock vs the rest of the call's wall time)
            extra["faults"] = list(fired)
            if self.injected is not None:
                extra["injected_ms"] = round(self.injected[0] * 1000, 3)
                extra["emulator_ms"] = round(max(0.0, duration_ms - self.injected[1] * 1000), 3)
        return self.tenant.journal.record(
            time_ms=self.tenant.clock.now_ms(), api=self.api, operation=self.operation, method=self.method,
            path=self.path, status=status, duration_ms=duration_ms, query=self.query, error=error, code=code,
            fault=fault.rule if fault is not None else (fired[0] if fired else None), request=request,
            headers=self.headers, response_bytes=response_bytes, transport=self.transport, extra=extra,
            body_bytes=body_bytes)
