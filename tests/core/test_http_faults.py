"""HTTP-level fault effects through the real server stack (uvicorn on a free port).

A toy API binding stands in for Flow/Clarifai so the wrapper's effects are tested on their own;
the real APIs' renderings are covered in tests/core/test_must_show.py.
"""
from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response

from emulator.admin_client import EmulatorTenant
from emulator.app import EmulatorApp
from emulator.core.admin import install as install_admin
from emulator.core.emulator import Emulator, Tenant
from emulator.core.http import ApiBinding, JsonResponse, operation_route
from emulator.settings import Settings
from emulator.testing import LiveServer


class ToyError(Exception):
    pass


def _render_status(status: int, message: str, code: int | None, headers: dict[str, str] | None,
                   request: Request | None = None) -> Response:
    body: dict[str, Any] = {"error": message} if code is None else {"status": {"code": code, "description": message}}
    return JsonResponse(body, status, headers=headers)


TOY = ApiBinding("flow", ("/toy",), ToyError, lambda e, request: JsonResponse({"error": str(e)}, 400), _render_status,
                 lambda e: (str(e), None))
PAYLOAD = {"toy": True, "pad": "x" * 200}


def toy_app(settings: Settings) -> EmulatorApp:
    emu = Emulator(settings)

    async def get_toy(request: Request, tenant: Tenant) -> Response:
        return JsonResponse(PAYLOAD)

    async def get_broken(request: Request, tenant: Tenant) -> Response:
        raise KeyError("a bug in a handler")

    routes = [operation_route(TOY, "/toy", "GET", get_toy, "get_toy"),
              operation_route(TOY, "/toy/broken", "GET", get_broken, "get_broken"), *install_admin(emu).routes]
    # the app users run: API operations are dispatched past Starlette's layers (EmulatorApp)
    return EmulatorApp(emu, routes, [TOY])


@pytest.fixture(scope="module")
def toy_server() -> Iterator[LiveServer]:
    settings = Settings(grpc_enabled=False)
    with LiveServer(settings, app=toy_app(settings)) as server:
        yield server


@pytest.fixture
def toy(toy_server: LiveServer, tenant_id: str) -> EmulatorTenant:
    return EmulatorTenant(toy_server.url, tenant_id)


def _get(t: EmulatorTenant, **headers: str) -> httpx.Response:
    return httpx.get(t.url + "/toy", headers={**t.headers, **headers})


def test_get_toy_error_fault_429_with_retry_after(toy: EmulatorTenant) -> None:
    toy.faults.add(effect={"type": "error", "status": 429, "message": "Too Many Requests", "retry_after": 7},
                   count=1)
    r = _get(toy)
    assert r.status_code == 429 and r.headers["retry-after"] == "7"
    assert r.json() == {"error": "Too Many Requests"}
    assert _get(toy).status_code == 200
    rule = toy.faults.list()[0]
    assert (rule["matched"], rule["fired"], rule["exhausted"]) == (1, 1, True)


def test_get_toy_error_fault_carries_api_code_in_band(toy: EmulatorTenant) -> None:
    toy.faults.add(effect={"type": "error", "status": 503, "code": 21351, "message": "Model is deploying"})
    r = _get(toy)
    assert r.status_code == 503 and r.json() == {"status": {"code": 21351, "description": "Model is deploying"}}


def test_get_toy_drop_closes_connection_without_response(toy: EmulatorTenant) -> None:
    toy.faults.add(effect={"type": "drop"}, count=1)
    host, port = toy.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    conn.request("GET", "/toy", headers=toy.headers)
    with pytest.raises(http.client.RemoteDisconnected):
        conn.getresponse()
    conn.close()
    assert _get(toy).status_code == 200  # the server is fine afterwards
    assert [e["status"] for e in toy.journal()] == [0, 200]
    assert toy.journal()[0]["fault"] == "fault-1"


def test_get_toy_empty_and_truncated_body(toy: EmulatorTenant) -> None:
    toy.faults.add(effects=[{"type": "empty_body"}, {"type": "truncate", "bytes": 10}])
    empty, cut = _get(toy), _get(toy)
    assert empty.status_code == 200 and empty.content == b""
    assert cut.status_code == 200 and cut.content == b'{"toy":tru'
    assert _get(toy).json() == PAYLOAD


def test_get_toy_one_off_fault_header(toy: EmulatorTenant) -> None:
    r = _get(toy, **{"x-emulator-fault": '{"type": "error", "status": 418, "message": "teapot"}'})
    assert r.status_code == 418 and r.json() == {"error": "teapot"}
    bad = _get(toy, **{"x-emulator-fault": "{oops"})
    assert bad.status_code == 400 and bad.json()["error"].startswith("invalid x-emulator-fault header: not JSON")
    assert _get(toy).status_code == 200
    assert toy.faults.list() == []  # header rules never become tenant rules


def test_get_toy_latency_waits_on_manual_clock(toy: EmulatorTenant) -> None:
    toy.clock.manual()
    toy.faults.add(effect={"type": "latency", "ms": 5000})
    result: list[int] = []
    worker = threading.Thread(target=lambda: result.append(_get(toy).status_code))
    worker.start()
    # the request is parked on the tenant clock until virtual time passes its deadline
    deadline = time.monotonic() + 5
    while toy.clock.get()["pending_sleepers"] == 0 and time.monotonic() < deadline:
        worker.join(0.01)
    assert result == [] and toy.clock.get()["pending_sleepers"] == 1
    assert toy.clock.advance(4.9)["woken"] == 0 and result == []
    assert toy.clock.advance(0.1)["woken"] == 1
    worker.join(5)
    assert result == [200]


def concurrent_gets(url: str, path: str, headers: dict[str, str], n: int) -> tuple[list[int], float]:
    """n requests in flight at once from n threads (each connects first, then all send together);
    returns the statuses and the wall time from the common start to the last response."""
    host, port = url.removeprefix("http://").split(":")
    barrier = threading.Barrier(n + 1)
    statuses: list[int] = []
    done: list[float] = []

    def one() -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        conn.connect()
        barrier.wait()
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        resp.read()
        statuses.append(resp.status)
        done.append(time.perf_counter())
        conn.close()

    threads = [threading.Thread(target=one) for _ in range(n)]
    for th in threads:
        th.start()
    barrier.wait()
    t0 = time.perf_counter()
    for th in threads:
        th.join(10)
    return statuses, max(done) - t0


def latency_overlap(t: EmulatorTenant, path: str, rule: dict[str, Any]) -> float:
    """200 concurrent GETs of `path` under a 1 s latency `rule`; returns the wall time. They must
    overlap: the time beyond the injected second stays within what the same 200 requests take without
    the rule, measured just before (a same-run baseline, so a loaded machine slows both). Awaiting the
    latency on a worker (a blocking sleep) would serialise them: 200 s, far past any bound here.
    One retry of the pair absorbs a burst of load between the two measurements."""
    extra: list[tuple[float, float]] = []
    for _ in range(2):
        t.faults.clear()
        statuses, baseline = concurrent_gets(t.url, path, t.headers, 200)
        assert statuses == [200] * 200
        t.faults.add(rule)
        statuses, wall = concurrent_gets(t.url, path, t.headers, 200)
        assert statuses == [200] * 200
        assert wall >= 1.0, wall
        if wall - 1.0 < max(0.5, 2 * baseline):
            return wall
        extra.append((wall - 1.0, baseline))
    pytest.fail(f"200 delayed requests did not overlap: (seconds past the latency, baseline) = {extra}")


def test_get_toy_latency_200_concurrent_requests_overlap(toy: EmulatorTenant) -> None:
    latency_overlap(toy, "/toy", {"effect": {"type": "latency", "ms": 1000}})


def test_get_workflow_steps_latency_200_concurrent_requests_real_api(emulator_tenant: EmulatorTenant) -> None:
    t = emulator_tenant  # real clock: the injected second is awaited, never blocking a worker
    latency_overlap(t, "/_plugins/_flow_framework/workflow/_steps",
                    {"match": {"api": "flow", "operation": "get_workflow_steps"},
                     "effect": {"type": "latency", "ms": 1000}})
    assert t.faults.list()[0]["fired"] == 200


def test_get_broken_unexpected_exception_is_a_500_in_the_api_shape_and_the_server_goes_on(
        toy: EmulatorTenant) -> None:
    r = httpx.get(toy.url + "/toy/broken", headers=toy.headers)
    assert r.status_code == 500 and r.json() == {"error": "Internal emulator error: KeyError"}
    assert _get(toy).status_code == 200


def test_toy_404_405_and_control_plane_still_go_through_starlette(toy: EmulatorTenant) -> None:
    assert httpx.get(toy.url + "/toy/nope", headers=toy.headers).status_code == 404
    r = httpx.post(toy.url + "/toy", headers=toy.headers)
    assert r.status_code == 405 and r.headers["allow"] == "GET"
    assert httpx.get(toy.url + "/_emulator/tenants").status_code == 200
