"""The predict lane engages from the first burst: 50 identical predicts at once on a fresh tenant
(what a load test's first second is), against a real server (issue 17: in some runs it never did).

The first request is only noted, the second builds the template; from then on the lane answers,
within the first burst already, and every request of a second burst comes from the template.
"""
from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from emulator.clarifai.state import ClarifaiState
from emulator.settings import Settings
from emulator.testing import LiveServer

W = "/v2/users/me/apps/main/workflows"
TENANT = "lane-burst"
FOOD = ("bd367be194cf45149e75f01d59f77ba7", "dfebc169854e429086aceb8368662641")
GENERAL = ("aaa03c23b3724a16a56b629203edc62c", "aa9ca48295b37401f8af92ad1af0d91d")


def _request(method: str, path: str, body: object) -> bytes:
    raw = orjson.dumps(body)
    head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Authorization: Key burst-pat\r\nx-emulator-tenant: {TENANT}\r\nContent-Length: {len(raw)}\r\n\r\n")
    return head.encode() + raw


async def _read(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length"))
    return int(head[9:12]), await reader.readexactly(length)


async def _burst(port: int, request: bytes, n: int) -> list[tuple[int, bytes]]:
    """`n` connections opened first, then the same request written on all of them at once."""
    conns = await asyncio.gather(*(asyncio.open_connection("127.0.0.1", port) for _ in range(n)))
    for _, writer in conns:
        writer.write(request)
    try:
        return await asyncio.gather(*(_read(reader) for reader, _ in conns))
    finally:
        for _, writer in conns:
            writer.close()


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with LiveServer(Settings(grpc_enabled=False, seed=3)) as s:
        yield s


def test_post_workflow_results_burst_of_50_identical_requests_is_served_by_the_lane(server: LiveServer) -> None:
    wf = {"id": "burst", "nodes": [{"id": n, "model": {"id": m[0], "model_version": {"id": m[1]}}}
                                   for n, m in (("food", FOOD), ("general", GENERAL))]}
    status, body = asyncio.run(_burst(server.port, _request("POST", W, {"workflows": [wf]}), 1))[0]
    assert status == 200, body
    predict = _request("POST", f"{W}/burst/results", {"inputs": [{"data": {"image": {"url": "https://x.io/a.jpg"}}}]})
    backend = server.emulator.tenant(TENANT).backend(ClarifaiState)
    first = asyncio.run(_burst(server.port, predict, 50))
    hits_first = backend.predict_lane_hits
    second = asyncio.run(_burst(server.port, predict, 50))
    answers = [orjson.loads(b) for s, b in first + second if s == 200]
    assert len(answers) == 100
    concepts = {orjson.dumps([o["data"] for o in a["results"][0]["outputs"]]) for a in answers}
    assert len(concepts) == 1  # the same outputs, lane or not
    assert len({a["status"]["req_id"] for a in answers}) == 100  # fresh ids each time
    # the first request notes the key, the second builds the template, the other 48 of the first burst
    # already come from it: the server runs each request's task to the end before the next one (the
    # full path never waits on anything), so this holds however the burst arrives
    assert hits_first == 48, hits_first
    assert backend.predict_lane_hits - hits_first == 50
    assert len(backend.predict_templates) == 2  # the request's and its shape's


async def _pipelined(port: int, requests: bytes, n: int) -> list[tuple[int, bytes]]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(requests)
    try:
        return [await _read(reader) for _ in range(n)]
    finally:
        writer.close()


def test_pipelined_predicts_answered_at_once_arrive_whole_and_in_order(server: LiveServer,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Over a real socket, 20 templated predicts pipelined in one write come back as 20 whole
    answers in request order, each with its own ids: the first 10 answered at once by the server
    (core/server.py), a workflow list after them by the ASGI path, and the 10 queued behind it
    (pipelined while it runs) by the lane inside the ASGI path."""
    wf = {"id": "piped", "nodes": [{"id": "g", "model": {"id": GENERAL[0], "model_version": {"id": GENERAL[1]}}}]}
    status, body = asyncio.run(_burst(server.port, _request("POST", W, {"workflows": [wf]}), 1))[0]
    assert status == 200, body
    predict = _request("POST", f"{W}/piped/results", {"inputs": [{"data": {"image": {"url": "https://x.io/p.jpg"}}}]})
    for _ in range(2):  # noted, then templated
        asyncio.run(_burst(server.port, predict, 1))
    listing = (f"GET {W} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Key burst-pat\r\n"
               f"x-emulator-tenant: {TENANT}\r\n\r\n").encode()
    at_once: list[bool] = []
    given = server.app.answer_now

    def counted(scope: Any, body: bytes) -> Any:
        out = given(scope, body)
        at_once.append(out is not None)
        return out

    monkeypatch.setattr(server.app, "answer_now", counted)
    backend = server.emulator.tenant(TENANT).backend(ClarifaiState)
    before = backend.predict_lane_hits
    answers = asyncio.run(_pipelined(server.port, predict * 10 + listing + predict * 10, 21))
    assert [s for s, _ in answers] == [200] * 21
    docs = [orjson.loads(b) for _, b in answers]
    assert "workflows" in docs[10] and all("results" in d for i, d in enumerate(docs) if i != 10)
    assert len({d["status"]["req_id"] for d in docs}) == 21
    assert backend.predict_lane_hits - before == 20
    assert at_once == [True] * 10
