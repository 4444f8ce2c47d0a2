"""Fixtures of the ported flow-framework REST ITs (test_flow_framework_*_it.py): one live emulator per
module on a manual clock with the real step latencies, and a fresh tenant of it per test. Client
test modules that need a differently configured server define their own `server`.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from emulator.settings import Settings
from emulator.testing import LiveServer
from tests.clients.flow_it_support import Cluster


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with LiveServer(Settings(clock="manual", grpc_enabled=False, seed=13, step_latency_scale=1.0)) as s:
        yield s


@pytest.fixture
def it(server: LiveServer) -> Cluster:
    return Cluster(server)
