"""What the app relies on from Starlette and uvicorn beyond their public API, pinned under the installed
versions (pyproject.toml bounds them), and honest ASGI: a user's middleware wraps API operations too."""
from __future__ import annotations

import inspect
from typing import Any

import pytest
import uvicorn
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.testclient import TestClient
from uvicorn.protocols.http import h11_impl, httptools_impl

from emulator.app import create_app
from emulator.core.routing import get_route_path
from emulator.settings import Settings


@pytest.mark.parametrize("path, root, expected", [
    ("/v2/workflows", "", "/v2/workflows"), ("/api/v2/workflows", "/api", "/v2/workflows"),
    ("/api", "/api", ""), ("/apis/x", "/api", "/apis/x"), ("/other", "/api", "/other"),
])
def test_get_route_path_matches_starlette_routing(path: str, root: str, expected: str) -> None:
    scope = {"type": "http", "path": path, "root_path": root}
    assert get_route_path(scope) == expected
    private = pytest.importorskip("starlette._utils")
    if hasattr(private, "get_route_path"):  # the function Starlette's own routes use, where it exists
        assert private.get_route_path(scope) == expected


@pytest.mark.parametrize("impl", [h11_impl, httptools_impl], ids=["h11", "httptools"])
def test_uvicorn_cycle_exposes_what_a_drop_fault_closes(impl: Any) -> None:
    # app.py `_drop_connection` closes `receive.__self__.transport` and marks the cycle complete
    # (uvicorn has no public way to drop a connection); any uvicorn inside the pyproject bounds
    # must keep these names, and the live drop test (test_http_faults.py) proves the effect
    source = inspect.getsource(impl.RequestResponseCycle)
    for attribute in ("self.transport", "self.response_complete", "self.disconnected", "async def receive"):
        assert attribute in source, (uvicorn.__version__, attribute)
    major, minor = (int(x) for x in uvicorn.__version__.split(".")[:2])
    assert (0, 30) <= (major, minor) < (0, 60), uvicorn.__version__


class _Stamp(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers["x-stamped"] = request.url.path
        return response


def test_add_middleware_wraps_api_operations_too() -> None:
    app = create_app(Settings(grpc_enabled=False, clock="manual", seed=7))
    app.add_middleware(_Stamp)
    with TestClient(app) as c:
        auth = {"authorization": "Key k", "x-emulator-tenant": "mw"}
        for method, path, headers in [("GET", "/", {}), ("GET", "/_plugins/_flow_framework/workflow/_steps", {}),
                                      ("GET", "/v2/workflows", auth), ("GET", "/_emulator/health", {})]:
            r = c.request(method, path, headers=headers)
            assert r.status_code < 500 and r.headers.get("x-stamped") == path, (path, r.status_code)
        # the operation wrapper still journals and applies faults behind the user's middleware
        c.post("/_emulator/faults", json={"effect": {"type": "error", "status": 503}, "count": 1}, headers=auth)
        r = c.get("/v2/workflows", headers=auth)
        assert r.status_code == 503 and r.headers["x-stamped"] == "/v2/workflows"
        ops = [e["operation"] for e in c.get("/_emulator/journal", headers=auth).json()["entries"]]
        assert ops == ["list_workflows", "list_workflows"]
