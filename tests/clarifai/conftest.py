"""Fixtures for the Clarifai route tests (helpers live in clarifai_rest_support)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.clarifai.clarifai_rest_support import Api


@pytest.fixture
def api(client: TestClient) -> Api:
    return Api(client)


@pytest.fixture
def api_factory(client_factory: Callable[..., TestClient]) -> Callable[..., Api]:
    def make(headers: dict[str, str] | None = None, **settings: Any) -> Api:
        return Api(client_factory(**settings), headers)
    return make
