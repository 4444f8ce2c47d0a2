"""What an API package hands core: one descriptor (DESIGN.md house rule 11), so core never names an API.

An API is one package plus one line in `emulator/apis.py`: its `api.py` builds an `ApiDescriptor`
and core reads everything API-specific from it: path prefixes, the contract document, the
explicit list of error constructors (coverage), the health probe, seed requests, fault hooks with
their match keys, control-plane routes and the contract-test rules.
"""
from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emulator.core.emulator import BackendSlot
from emulator.core.fault_effects import FaultHook

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.routing import Route

    from emulator.core.emulator import Emulator, Tenant
    from emulator.core.http import ApiMount
    from emulator.settings import Settings


@dataclass(frozen=True)
class StatusCode:
    """A row of an API status-code table that no constructor builds with a fixed code (coverage)."""

    name: str
    code: int
    http_status: int
    description: str


@dataclass(frozen=True)
class Contract:
    """The API's OpenAPI document: `document` is its name in URLs and `contract-test --api`."""

    document: str
    file: str
    # where the file lives; None = the project's `openapi/` directory (core/contracts.py)
    directory: Path | None = None


@dataclass(frozen=True)
class SeedRequest:
    method: str
    path: str
    body: Any = None
    query: dict[str, Any] | None = None
    headers: dict[str, str] | None = None
    # which `SeedSection` planned it (its created ids are collected under that section's `created`)
    section: str | None = None


@dataclass(frozen=True)
class SeedSection:
    """The part of a seed document (`{"<key>": {...}}`) an API turns into its own requests."""

    key: str
    plan: Callable[[Any, Settings], list[SeedRequest]]
    # the answer's list of ids created by the planned requests, e.g. "flow_workflows"
    created: str
    created_id: Callable[[Any], str | None]
    # work done before the requests (e.g. registering models): returns extra answer fields
    prepare: Callable[[Tenant, Any, Callable[[int, str], Exception]], Awaitable[dict[str, Any]]] | None = None


@dataclass(frozen=True)
class AdminKit:
    """What core's control plane lends an API's admin routes (clarifai/admin.py)."""

    route: Callable[..., Route]  # route(path, method, name, handler, status=200)
    tenant_of: Callable[[Request], Tenant]
    json_body: Callable[..., Awaitable[Any]]
    error: Callable[[int, str], Exception]


@dataclass(frozen=True)
class ContractRules:
    """contract-test adjustments for statuses that are real service behaviour, not crashes."""

    not_a_server_error: tuple[str, ...] = ("2xx", "3xx", "4xx")
    disabled_checks: tuple[str, ...] = ()
    # (operationIds, per-check overrides)
    operation_checks: tuple[tuple[tuple[str, ...], Mapping[str, Any]], ...] = ()


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one object per API
class ApiDescriptor:
    name: str
    # the path prefixes it owns (its 404s and 405s answer in its shape), and exact paths outside them
    prefixes: tuple[str, ...]
    contract: Contract
    # every named error constructor of the API, listed explicitly (coverage's "errors never seen")
    errors: tuple[Callable[..., Exception], ...]
    # a GET that answers in the API's own shape below 500 when the API is up (control-plane health)
    health_probe: str
    # routes, error rendering and lifecycle hooks (called once per app)
    install: Callable[[Emulator], ApiMount]
    # the per-tenant state objects, created lazily and looked up by type (`tenant.backend(kind)`)
    backends: tuple[BackendSlot[Any], ...] = ()
    status_codes: tuple[StatusCode, ...] = ()
    # whether a seen outcome matches a catalogue entry by API status code (not only by message)
    match_errors_by_code: bool = False
    fault_hooks: tuple[FaultHook, ...] = ()
    seed: SeedSection | None = None
    admin_routes: Callable[[AdminKit], list[Route]] | None = None
    contract_rules: ContractRules = ContractRules()
    paths: tuple[str, ...] = ()
    # the largest request body the API accepts (the front door stops reading one byte past it, so
    # the API's own check answers in its shape); None = settings.max_body_bytes
    max_body_bytes: Callable[[Settings], int] | None = None
    # what it reports it emulates (control-plane info), e.g. {"clarifai_api": "v2"}
    emulates: Callable[[Settings], dict[str, Any]] | None = None
    # readiness of its doors other than HTTP (control-plane health), e.g. {"grpc": "up"}
    doors: Callable[[Emulator], dict[str, str]] | None = None

    def owns(self, path: str) -> bool:
        """Whether a request path belongs to this API: one of its exact paths, a prefix itself, or a
        path below a prefix (asked by the front door for every request: one set lookup and one
        `startswith` of a tuple)."""
        exact, below = self._owned
        return path in exact or path.startswith(below)

    @functools.cached_property
    def _owned(self) -> tuple[frozenset[str], tuple[str, ...]]:
        return frozenset(self.paths) | frozenset(self.prefixes), tuple(p.rstrip("/") + "/" for p in self.prefixes)


def register(emulator: Emulator, api: ApiDescriptor) -> None:
    """Let an emulator's tenants serve `api`: its backends and fault hooks (its routes come from
    `api.install`, called by app.py)."""
    emulator.fault_schema.apis.add(api.name)
    for hook in api.fault_hooks:
        emulator.fault_schema.add_hook(hook)
    for slot in api.backends:
        emulator.register_backend(slot)
