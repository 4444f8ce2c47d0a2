"""In-process Flow API fixtures: a fresh app on a manual clock per test."""
from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from tests.opensearch_flow.flow_builders import FlowApi


@pytest.fixture
def flow(client_factory: Callable[..., TestClient]) -> FlowApi:
    return FlowApi(client_factory())


@pytest.fixture
def make_flow(client_factory: Callable[..., TestClient]) -> Callable[..., FlowApi]:
    return lambda **settings: FlowApi(client_factory(**settings))
