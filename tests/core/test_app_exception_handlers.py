"""API operations skip Starlette's layers (app.py: EmulatorApp), yet an exception they raise is answered by the
app's exception handlers exactly as Starlette picks them (ExceptionMiddleware, then the 500 handler)."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

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
    _journaled_as(client, 500, len(r.content))


def _journaled_as(client: TestClient, status: int, size: int) -> None:
    """The failed call is in the journal, with the status and size of the answer its handler gave."""
    last = client.get("/_emulator/journal", headers=T).json()["entries"][-1]
    assert (last["path"], last["status"], last["error"], last["response_bytes"]) == (
        "/widgets/w1/polish", status, "Internal emulator error: ZeroDivisionError", size)


def test_api_operation_exception_uses_a_user_500_handler(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    async def oops(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("custom 500", 500)

    client.app.add_exception_handler(500, oops)  # type: ignore[attr-defined]
    _raising(monkeypatch, ZeroDivisionError("no"))
    r = client.post("/widgets/w1/polish", headers=T)
    assert (r.status_code, r.text) == (500, "custom 500")
    _journaled_as(client, 500, len("custom 500"))


# The predict lane (clarifai/predict_lane.py) answers most REST predicts before the operation's endpoint runs; an
# exception it raises must take the same way out as one raised inside the endpoint: the same handlers, answer and
# journal. Two seeded apps, lane on and lane off, get the same request with the same bug injected.
def _predict_with_a_bug(lane: bool, monkeypatch: pytest.MonkeyPatch,
                        handlers: dict[Any, Any]) -> tuple[int, list[tuple[str, str]], bytes, list[dict[str, Any]]]:
    from emulator.clarifai import backend, predict_lane
    from tests.clarifai.clarifai_rest_support import GENERAL, image, node, workflow

    calls: list[str] = []

    async def counted_lane(*args: Any) -> None:
        calls.append("lane")
        await real_lane(*args)

    real_lane = predict_lane.PredictLane.__call__
    headers = {"Authorization": "Key k", "x-emulator-tenant": "w"}
    app = create_app(Settings(grpc_enabled=False, clock="manual", seed=7, clarifai_predict_lane=lane))
    for key, handler in handlers.items():
        app.add_exception_handler(key, handler)
    with TestClient(app, raise_server_exceptions=False) as c, monkeypatch.context() as m:
        r = c.post("/v2/users/me/apps/main/workflows", json={"workflows": [workflow("wf", node("g", GENERAL))]},
                   headers=headers)
        assert r.status_code == 200

        async def bug(*args: Any) -> Any:
            raise ZeroDivisionError("no")

        m.setattr(backend, "call", bug)  # what the lane's plain path and the general path both call
        m.setattr(predict_lane.PredictLane, "__call__", counted_lane)
        r = c.post("/v2/users/me/apps/main/workflows/wf/results", json={"inputs": [image()]}, headers=headers)
        journal = c.get("/_emulator/journal", headers=headers).json()["entries"]
    assert calls == ["lane"]  # both apps go through the lane; only one answers inside it
    # the tenant's whole journal (what each app recorded of both requests), bar wall times
    return r.status_code, sorted(r.headers.items()), r.content, [
        {k: v for k, v in e.items() if k not in ("time_ms", "duration_ms")} for e in journal]


async def _custom_500(request: Request, exc: Exception) -> Response:
    return PlainTextResponse(f"custom 500 for {type(exc).__name__} at {request.url.path}", 500)


async def _zero_division(request: Request, exc: Exception) -> Response:
    return JSONResponse({"handled": type(exc).__name__}, 409)


@pytest.mark.parametrize(("handlers", "status", "says"), [
    ({}, 500, b'"Internal emulator error: ZeroDivisionError"'),
    ({500: _custom_500}, 500, b"custom 500 for ZeroDivisionError at /v2/users/me/apps/main/workflows/wf/results"),
    ({ArithmeticError: _zero_division}, 409, b'{"handled":"ZeroDivisionError"}'),
], ids=["app-500-handler", "user-500-handler", "user-class-handler"])
def test_post_workflow_results_lane_exception_is_answered_as_an_operation_exception(
        monkeypatch: pytest.MonkeyPatch, handlers: dict[Any, Any], status: int, says: bytes) -> None:
    from emulator.clarifai import predict_lane, rest_predict

    raised_in_lane: list[bool] = []
    real_answer = rest_predict.answer

    async def watched(*args: Any) -> bool:
        try:
            return await real_answer(*args)
        except ZeroDivisionError:
            raised_in_lane.append(True)
            raise

    monkeypatch.setattr(rest_predict, "answer", watched)
    assert predict_lane.rest_predict is rest_predict
    in_lane = _predict_with_a_bug(True, monkeypatch, handlers)
    assert raised_in_lane == [True]  # the bug surfaced inside the lane, not in the operation's endpoint
    in_operation = _predict_with_a_bug(False, monkeypatch, handlers)
    assert raised_in_lane == [True]
    assert in_lane == in_operation
    assert in_lane[0] == status and says in in_lane[2]
    # the failed predict is journaled with the status its handler answered (and the answer kept)
    from tests.clarifai.clarifai_rest_support import METRO

    failed = in_lane[3][-1]
    assert failed["operation"] == "post_workflow_results" and failed["status"] == status
    assert failed["error"] == "Internal emulator error: ZeroDivisionError"
    assert failed["request"] == {"inputs": [{"data": {"image": {"url": METRO}}}]}
    assert failed["response_bytes"] == len(in_lane[2])
