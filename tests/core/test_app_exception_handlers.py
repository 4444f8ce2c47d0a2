"""API operations skip Starlette's layers (app.py: EmulatorApp), yet an exception they raise is answered by the
app's exception handlers exactly as Starlette picks them (ExceptionMiddleware, then the 500 handler)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.testclient import TestClient

from emulator.app import create_app
from emulator.settings import Settings
from tests.core.widgets_api.api import WidgetStore

T = {"x-emulator-tenant": "w"}


class Tarnished(Exception):
    pass


class BadlyTarnished(Tarnished):
    pass


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    app = create_app(Settings(grpc_enabled=False, clock="manual", seed=7), apis=["tests.core.widgets_api"])
    with TestClient(app, raise_server_exceptions=False) as c:
        c.post("/widgets", json={"name": "w1"}, headers=T)
        yield c


def _raising(monkeypatch: pytest.MonkeyPatch, exc: Exception) -> None:
    def polish(self: WidgetStore, widget_id: str) -> None:
        raise exc

    monkeypatch.setattr(WidgetStore, "polish", polish)


def test_api_operation_exception_uses_a_user_handler_by_class(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    async def tarnished(request: Request, exc: Exception) -> Response:
        return JSONResponse({"handled": type(exc).__name__, "path": request.url.path}, 409)

    client.app.add_exception_handler(Tarnished, tarnished)  # type: ignore[attr-defined]
    _raising(monkeypatch, BadlyTarnished())  # a subclass: found through the MRO, as Starlette does
    r = client.post("/widgets/w1/polish", headers=T)
    assert (r.status_code, r.json()) == (409, {"handled": "BadlyTarnished", "path": "/widgets/w1/polish"})


def test_api_operation_http_exception_uses_a_status_code_handler(client: TestClient,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    def teapot(request: Request, exc: Exception) -> Response:  # a sync handler (Starlette runs it in a thread)
        return PlainTextResponse("short and stout", 418)

    client.app.add_exception_handler(418, teapot)  # type: ignore[attr-defined]
    _raising(monkeypatch, HTTPException(418))
    r = client.post("/widgets/w1/polish", headers=T)
    assert (r.status_code, r.text) == (418, "short and stout")
    _raising(monkeypatch, HTTPException(409, "taken"))  # no 409 handler: the app's HTTPException handler
    r = client.post("/widgets/w1/polish", headers=T)
    assert (r.status_code, r.json()) == (409, {"error": "taken", "status": 409})


def test_api_operation_unhandled_exception_is_a_500_in_the_api_shape(client: TestClient,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    _raising(monkeypatch, ZeroDivisionError("no"))
    r = client.post("/widgets/w1/polish", headers=T)
    assert (r.status_code, r.json()) == (500, {"widget_error": "Internal emulator error: ZeroDivisionError"})


def test_api_operation_exception_uses_a_user_500_handler(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    async def oops(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("custom 500", 500)

    client.app.add_exception_handler(500, oops)  # type: ignore[attr-defined]
    _raising(monkeypatch, ZeroDivisionError("no"))
    r = client.post("/widgets/w1/polish", headers=T)
    assert (r.status_code, r.text) == (500, "custom 500")
