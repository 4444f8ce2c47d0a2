"""A predict the lane answers at once is written by the server exactly as the ASGI path writes it.

`workflow-emulator serve`'s HTTP protocol (emulator/core/server.py) answers a request the app can
answer at once (the predict lane's templates: `EmulatorApp.answer_now`) without starting an ASGI
task. Two seeded emulators on a manual clock, one serving with that and one without, are fed the
same raw HTTP/1.1 bytes through uvicorn's protocol: keep-alive, pipelined requests, bodies split
over reads, `Connection: close`, HTTP/1.0, `Expect: 100-continue`, chunked bodies, other tenants
and keys, and the request-id prefix. Every byte written back must be the same, and so must the
journals (bar the measured duration); the first emulator must really have answered at once.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import types
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from uvicorn.server import ServerState

from emulator.app import create_app
from emulator.clarifai.state import ClarifaiState
from emulator.core import server
from emulator.settings import Settings
from emulator.testing import RecordingTransport
from tests.clarifai.clarifai_rest_support import GENERAL, METRO, image, node, workflow
from tests.clarifai.lane_steps import jpeg

W = "/v2/users/me/apps/main/workflows"
START_MS = 1_795_000_000_123
DEFAULT_HEADERS = [(b"server", b"uvicorn"), (b"date", b"Tue, 01 Dec 2026 03:00:00 GMT")]


def request(path: str, body: Any, *, method: str = "POST", version: str = "1.1", chunked: bool = False,
            **headers: str) -> bytes:
    raw = body if isinstance(body, bytes) else orjson.dumps(body)
    head = {"Host": "127.0.0.1:9200", "Content-Type": "application/json", "Authorization": "Key proto-pat",
            **{k.replace("_", "-"): v for k, v in headers.items()}}
    if chunked:
        head["Transfer-Encoding"] = "chunked"
        raw = b"%x\r\n" % len(raw) + raw + b"\r\n0\r\n\r\n"
    else:
        head["Content-Length"] = str(len(raw))
    return (f"{method} {path} HTTP/{version}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in head.items())
            + "\r\n").encode() + raw


def predict(url: str = METRO, **headers: str) -> bytes:
    return request(f"{W}/w/results", {"inputs": [image(url)]}, **headers)


def clock(tenant: str) -> bytes:
    return request("/_emulator/clock", {"mode": "manual", "now_ms": START_MS}, method="PUT", x_emulator_tenant=tenant)


def scenario() -> list[list[bytes]]:
    """Connections, each the chunks one read delivers."""
    one = predict()
    split = predict(METRO + "?split")
    return [
        [clock("default"), clock("other"),
         request(W, {"workflows": [workflow("w", node("g", GENERAL))]}),
         request(W, {"workflows": [workflow("w", node("g", GENERAL))]}, x_emulator_tenant="other"),
         *[one] * 4,  # noted, templated, then answered from the template
         one * 3,  # pipelined in one read
         *[split] * 3, split[:len(split) - 7], split[len(split) - 7:],  # the body over two reads
         split[:40], split[40:] + one,  # the head over two reads, then another request in the same read
         predict(x_clarifai_request_id_prefix="px"), predict(x_clarifai_request_id_prefix="px"),
         predict(x_clarifai_request_id_prefix="px"),
         *[predict(x_emulator_tenant="other")] * 4,
         *[predict(Authorization="Key another-pat")] * 3,
         *[predict(Expect="100-continue")] * 2,
         *[request(f"{W}/w/results", {"inputs": [image()]}, chunked=True)] * 2,
         predict(x_emulator_fault='{"type": "error", "status": 503}'),
         one,
         predict(Connection="close")],
        [one * 2 + predict(version="1.0"), one],
        [one, request(f"{W}/w/results", b"{not json"), one],
        # all different (the shape's template answers from the third on), pipelined too, and base64
        [*[predict(METRO + f"?u={i}") for i in range(5)], b"".join(predict(METRO + f"?p={i}") for i in range(3)),
         *[request(f"{W}/w/results", {"inputs": [{"data": {"image": {"base64": jpeg(i)}}}]}) for i in range(4)],
         predict("not a url"), predict(METRO + "?u=last")],
    ]


async def _drain(transport: RecordingTransport) -> None:
    """Run the loop until the server has nothing left to do for this read."""
    for _ in range(200):
        await asyncio.sleep(0)
    size = -1
    while size != len(transport.written()):
        size = len(transport.written())
        for _ in range(50):
            await asyncio.sleep(0)


class Counted:
    """The app's `answer_now`, counting the answers it gives."""

    def __init__(self, app: Any) -> None:
        self.given = app.answer_now
        self.count = 0
        app.answer_now = self

    def __call__(self, scope: Any, body: bytes) -> Any:
        out = self.given(scope, body)
        self.count += out is not None
        return out


@contextlib.contextmanager
def access_lines() -> Iterator[list[str]]:
    """uvicorn's access log lines, as formatted, while in the block (after the server's config, which
    empties the access logger's handlers and sets its level)."""
    lines: list[str] = []
    handler = logging.Handler(logging.INFO)
    handler.emit = lambda record: lines.append(record.getMessage())  # type: ignore[method-assign]
    access = logging.getLogger("uvicorn.access")
    level = access.level
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    try:
        yield lines
    finally:
        access.removeHandler(handler)
        access.setLevel(level)


def _config(answer_now: bool = True) -> tuple[Any, Counted]:
    settings = Settings(grpc_enabled=False, seed=17)
    app = create_app(settings)
    answered = Counted(app)
    config = server.config(app, settings, lifespan="on", http=server.timed_protocol(settings, answer_now=answer_now))
    config.load()
    return config, answered


Served = tuple[list[bytes], list[str], list[dict[str, Any]], int, int]


async def _serve(answer_now: bool) -> Served:
    """The scenario through the server's protocol: the bytes each connection had written back,
    uvicorn's access lines, the journals (bar durations), lane hits, answers given at once."""
    config, answered = _config(answer_now)
    state = ServerState()
    state.default_headers = DEFAULT_HEADERS
    lifespan = config.lifespan_class(config)
    await lifespan.startup()
    written = []
    with access_lines() as lines:
        for chunks in scenario():
            transport = RecordingTransport()
            protocol = config.http_protocol_class(config=config, server_state=state, app_state={},
                                                  _loop=asyncio.get_running_loop())
            protocol.connection_made(transport)
            protocol.access_log = True  # uvicorn's access lines too (read by `access_lines`)
            for chunk in chunks:
                protocol.data_received(chunk)
                await _drain(transport)
            protocol.connection_lost(None)
            written.append(transport.written())
    emu = config.app.state.emulator
    journal = [{k: v for k, v in e.to_json().items() if k != "duration_ms"}
               for name in ("default", "other") for e in emu.tenant(name).journal.entries()]
    hits = sum(emu.tenant(name).backend(ClarifaiState).predict_lane_hits for name in ("default", "other"))
    await lifespan.shutdown()
    return written, lines, journal, hits, answered.count


def test_answers_given_at_once_are_the_bytes_and_journal_of_the_asgi_path() -> None:
    written, lines, journal, hits, answered = asyncio.run(_serve(answer_now=True))
    want_written, want_lines, want_journal, want_hits, not_answered = asyncio.run(_serve(answer_now=False))
    assert lines == want_lines and len(lines) >= 40
    assert not_answered == 0
    assert answered >= 30 and hits == want_hits >= answered
    for got, want in zip(written, want_written, strict=True):
        assert got.count(b"HTTP/1.") == want.count(b"HTTP/1.")
        assert got == want
    assert journal == want_journal
    assert written[0].count(b"HTTP/1.1 200 OK") >= 30
    assert b"connection: close" in written[0] and b"connection: close" in written[1]


@pytest.mark.parametrize("head", [b"Content-Length: 12\r\nContent-Length: 12\r\n", b"Content-Length: +12\r\n"])
def test_odd_content_lengths_are_never_answered_at_once(head: bytes) -> None:
    from emulator.core.server import _may_answer_now

    class Parser:
        def get_method(self) -> bytes:
            return b"POST"

        def get_http_version(self) -> str:
            return "1.1"

        def should_upgrade(self) -> bool:
            return False

    class Protocol:
        answers_now = True
        app = type("App", (), {"answer_now": staticmethod(lambda scope, body: None)})()
        expect_100_continue = access_log = False
        limit_concurrency = cycle = None
        parser = Parser()
        flow = types.SimpleNamespace(write_paused=False)

        def __init__(self, raw: bytes) -> None:
            self.headers = [tuple(line.lower().split(b": ")) for line in raw.split(b"\r\n") if line]

    assert not _may_answer_now(Protocol(head))
    assert _may_answer_now(Protocol(b"Content-Length: 12\r\n"))
    assert not _may_answer_now(Protocol(b"Content-Length: 12\r\nTransfer-Encoding: chunked\r\n"))
    assert not _may_answer_now(Protocol(b"Content-Length: 70000\r\n"))


async def _paused_writes() -> tuple[int, int, int, int]:
    """A client that does not read its answers: once the transport asks to pause writing, a
    templated predict waits for the drain on the ASGI path instead of being written at once."""
    config, answered = _config()
    lifespan = config.lifespan_class(config)
    await lifespan.startup()
    transport = RecordingTransport()
    protocol = config.http_protocol_class(config=config, server_state=ServerState(), app_state={},
                                          _loop=asyncio.get_running_loop())
    protocol.connection_made(transport)
    for chunk in [request(W, {"workflows": [workflow("w", node("g", GENERAL))]}), *[predict()] * 4]:
        protocol.data_received(chunk)
        await _drain(transport)
    before = (answered.count, transport.written().count(b"HTTP/1.1 200"))
    protocol.pause_writing()
    protocol.data_received(predict())
    await _drain(transport)
    paused = (answered.count, transport.written().count(b"HTTP/1.1 200"))
    protocol.resume_writing()
    await _drain(transport)
    after = transport.written().count(b"HTTP/1.1 200")
    protocol.connection_lost(None)
    await lifespan.shutdown()
    assert before == (2, 5)  # noted, templated, then answered at once
    return paused[0], paused[1], after, answered.count


def test_a_client_not_reading_its_answers_is_not_written_to_at_once() -> None:
    answered_while_paused, written_while_paused, written_after, answered = asyncio.run(_paused_writes())
    assert (answered_while_paused, written_while_paused) == (2, 5)  # held on the ASGI path's drain
    assert (written_after, answered) == (6, 2)
