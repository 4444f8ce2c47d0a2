"""An in-process Starlette TestClient that checks every response against the OpenAPI contracts.

The operation is found the way the app routes the request (route name = operationId), so the
check needs no path-template matching of its own. Injected faults (`x-emulator-fault` or active
tenant rules) may legitimately answer statuses the contract does not list or cut bodies, so those
responses are checked only when their status is documented and their body is JSON.
"""
from __future__ import annotations

from typing import Any

from starlette.routing import Match, Route
from starlette.testclient import TestClient

from emulator.conformance.validator import Contracts, ContractViolation, default_contracts, document_for_path
from emulator.core.emulator import TENANT_HEADER
from emulator.core.operation import FAULT_HEADER


def operation_id_for(app: Any, method: str, path: str) -> str | None:
    """The name of the route that serves `method path` on `app` (None when nothing matches)."""
    scope = {"type": "http", "path": path, "method": method, "root_path": "", "query_string": b"",
             "headers": []}
    for route in getattr(app, "routes", []):
        if isinstance(route, Route):
            match, _ = route.matches(scope)
            if match is Match.FULL:
                return route.name
    return None


def response_violations(app: Any, response: Any, contracts: Contracts | None = None) -> list[str]:
    contracts = contracts or default_contracts()
    request = response.request
    oid = operation_id_for(app, request.method, request.url.path)
    document = document_for_path(request.url.path)
    if oid is None or document is None:
        return []
    op = contracts.operations.get((document, oid))
    if op is None:
        return []
    faulted = FAULT_HEADER in request.headers
    if not faulted:
        emu = getattr(getattr(app, "state", None), "emulator", None)
        tenant = emu.tenants.get(request.headers.get(TENANT_HEADER) or "default") if emu else None
        faulted = bool(tenant is not None and tenant.faults.active)
    if faulted:
        if contracts.response_spec(op, response.status_code) is None:
            return []
        try:
            response.json()
        except ValueError:
            return []  # empty_body / truncate faults break the body on purpose
    if request.method == "HEAD":
        # a HEAD answer has the status of the GET operation but never a body (RFC 9110 9.3.2)
        if contracts.response_spec(op, response.status_code) is None:
            return [f"{oid}: status {response.status_code} is not documented"]
        return []
    return contracts.check(document, oid, response.status_code, response.content,
                           response.headers.get("content-type"))


class ContractTestClient(TestClient):
    """TestClient that raises ContractViolation on any response the contract does not allow."""

    validate_contracts = True

    def request(self, method: str, url: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().request(method, url, *args, **kwargs)
        if self.validate_contracts:
            violations = response_violations(self.app, response)
            if violations:
                raise ContractViolation(
                    f"{response.request.method} {response.request.url} -> {response.status_code} "
                    f"violates the contract:\n  " + "\n  ".join(violations)
                    + f"\nbody: {response.text[:500]}")
        return response
