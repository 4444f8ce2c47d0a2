"""Shared fixtures: in-process clients on a fresh app, and the live server from emulator.testing.

The in-process client validates every response against the OpenAPI contracts in openapi/
(emulator.conformance.client): an undocumented status or a body that does not match the schema
fails the test with a ContractViolation. Opt out per client with `client_factory(validate=False)`
or for a run with EMULATOR_CONTRACT_VALIDATION=0.
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from emulator.app import create_app
from emulator.conformance.client import ContractTestClient
from emulator.settings import Settings


@pytest.fixture
def client_factory() -> Iterator[Callable[..., TestClient]]:
    """Build an in-process client on a fresh app; settings default to a manual clock, no gRPC."""
    opened: list[TestClient] = []

    def make(validate: bool = True, **overrides: Any) -> TestClient:
        base = {"grpc_enabled": False, "clock": "manual", "seed": 7}
        base.update(overrides)
        c = ContractTestClient(create_app(Settings(**base)), raise_server_exceptions=True)
        c.validate_contracts = validate and os.environ.get("EMULATOR_CONTRACT_VALIDATION", "1") != "0"
        c.__enter__()
        opened.append(c)
        return c

    yield make
    for c in opened:
        c.__exit__(None, None, None)


@pytest.fixture
def client(client_factory: Callable[..., TestClient]) -> TestClient:
    return client_factory()


def advance(client: TestClient, seconds: float, tenant: str | None = None) -> None:
    """Advance the manual clock of a tenant of an in-process app, running due work."""
    emu = client.app.state.emulator  # type: ignore[attr-defined]
    clock = emu.tenant(tenant).clock
    client.portal.call(clock.advance, seconds)  # type: ignore[union-attr]


@pytest.fixture
def tenant_id() -> str:
    return "t-" + uuid.uuid4().hex[:12]
