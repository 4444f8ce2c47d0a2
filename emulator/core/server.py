"""Serving the app with uvicorn: read timeouts, header limits and a bounded, clean shutdown.

uvicorn (0.3x) closes idle keep-alive connections, but a connection that never completes its
request head, or sends its body at a byte a second, is held forever (3,000 such sockets were
held at once). `TimedHttpToolsProtocol` closes a connection whose request head is not complete
`header_timeout_s` after the connection opened or the request began, and one whose body is not
complete `body_timeout_s` after its head.

A request the app can answer at once (`EmulatorApp.answer_now`: a route's lane, such as Clarifai's
repeated predict) is answered when its body is in, without an ASGI task: the same bytes uvicorn's
`send` writes for the same messages (tests/clarifai/test_predict_lane_protocol.py feeds the same
raw requests through the protocol with and without this). The task, the ASGI messages and uvicorn's
per-header checks were about a sixth of a repeated predict's CPU (loadtests/cpu_per_request.py).

On SIGTERM / SIGINT uvicorn stops accepting and waits for in-flight requests, without limit by
default: a request parked in injected latency on a manual clock kept the process (and its gRPC
port) alive. `EmulatorServer` wakes every clock wait on the first signal, and gives what still runs
`shutdown_grace_s` before uvicorn cancels it; the lifespan then stops the gRPC server.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Iterator
from types import FrameType
from typing import Any

import uvicorn

from emulator.settings import Settings

logger = logging.getLogger("emulator")

try:
    from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
    from uvicorn.protocols.utils import get_client_addr, get_path_with_query_string

    HAVE_HTTPTOOLS = True
except ImportError:  # pragma: no cover - uvicorn without httptools: h11 without head/body timeouts
    HAVE_HTTPTOOLS = False


def timed_protocol(settings: Settings, answer_now: bool = True) -> Any:
    """The HTTP protocol class for uvicorn, with this server's read timeouts; with `answer_now`, a
    request the app can answer at once is answered without an ASGI task (`_answered_now`).

    A read deadline is a number on the connection, moved as the request advances; one sweep per
    server closes the connections past theirs. A timer per connection and request (two
    `call_later` and two `cancel` per request) cost the predict benchmark about 7% of its time
    (py-spy, issue #17); a connection now closes within a quarter of its timeout after it."""
    if not HAVE_HTTPTOOLS:  # pragma: no cover
        logger.warning("httptools is not installed: request head and body read timeouts are not enforced")
        return "h11"
    header_s, body_s = settings.header_timeout_s, settings.body_timeout_s
    positive = [t for t in (header_s, body_s) if t > 0]
    every = max(0.05, min(positive) / 4) if positive else 0.0

    class TimedHttpToolsProtocol(HttpToolsProtocol):
        _read_deadline = 0.0  # loop time after which a read is late; 0: no read pending
        _deferring = False  # inside on_headers_complete, for a request the app may answer at once
        _deferred: tuple[Any, Any] | None = None  # its (cycle, app), until its body is in
        # the ASGI task is started through uvicorn's `_start_asgi_task` (0.30 on): without it, never defer
        answers_now = answer_now and hasattr(HttpToolsProtocol, "_start_asgi_task")

        def _arm(self, seconds: float) -> None:
            self._read_deadline = self.loop.time() + seconds if seconds > 0 else 0.0

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm(header_s)
            if every:
                _sweep_later(self.loop, self.server_state, every)

        def on_message_begin(self) -> None:
            # a request answered at once in this same read armed the keep-alive timer (uvicorn arms it
            # when an answer completes): this one is not idle
            self._unset_keepalive_if_required()
            super().on_message_begin()
            self._arm(header_s)

        def on_headers_complete(self) -> None:
            self._arm(body_s)
            self._deferring = _may_answer_now(self)
            super().on_headers_complete()
            self._deferring = False

        def _start_asgi_task(self, cycle: Any, app: Any) -> None:
            if self._deferring:  # from on_headers_complete: the request may be answered once its body is in
                self._deferred = (cycle, app)
                return
            super()._start_asgi_task(cycle, app)

        def on_message_complete(self) -> None:
            self._read_deadline = 0.0  # no read pending
            super().on_message_complete()
            deferred = self._deferred
            if deferred is not None:
                self._deferred = None
                if not _answered_now(self, *deferred):
                    super()._start_asgi_task(*deferred)

    return TimedHttpToolsProtocol


ANSWER_NOW_BODY_CAP = 64 * 1024  # uvicorn's HIGH_WATER_LIMIT: a body it buffers without pausing reads


def _may_answer_now(protocol: Any) -> bool:
    """Whether the request whose head just arrived may be answered by the app's `answer_now` once its
    body is in (and its ASGI task is started only if not): a POST with its whole, small body announced
    by Content-Length, over HTTP/1.1, to an app that answers at once (core `EmulatorApp.answer_now`:
    a route's lane), with nothing uvicorn would do differently (no upgrade, no `Expect: 100-continue`,
    no concurrency limit, no request still answering before it on the connection, no paused writes)."""
    if not protocol.answers_now or getattr(protocol.app, "answer_now", None) is None or protocol.expect_100_continue:
        return False
    parser = protocol.parser
    if parser.get_method() != b"POST" or parser.get_http_version() != "1.1" or parser.should_upgrade():
        return False
    if protocol.limit_concurrency is not None or (protocol.cycle is not None and not protocol.cycle.response_complete):
        return False
    if protocol.flow.write_paused:
        # a client not reading its answers: the ASGI path waits for the transport to drain (and
        # stops reading meanwhile), where answers written at once would pile up in its buffer
        return False
    length = None
    for name, value in protocol.headers:
        if name == b"content-length":
            if length is not None or not value.isdigit():
                return False
            length = int(value)
        elif name == b"transfer-encoding":
            return False
    return length is not None and length <= ANSWER_NOW_BODY_CAP


def _answered_now(protocol: Any, cycle: Any, app: Any) -> bool:
    """Write the app's immediate answer to a deferred request as uvicorn's `send` would write the same
    ASGI messages (status line, default headers, the answer's, `connection: close` when the connection
    ends, the body), and finish the cycle as uvicorn does; False to run the ASGI app instead."""
    if cycle.response_complete or cycle.disconnected or protocol.transport.is_closing():
        return False
    # the same bytes object for the ASGI path if it runs (uvicorn's `receive` hands `bytes(cycle.body)`
    # on): its hash, computed for a lookup here, is not computed again there
    body = cycle.body = bytes(cycle.body)
    try:
        answer = app.answer_now(cycle.scope, body)
    except Exception:  # the ASGI path runs the request again and answers the error its way
        logger.exception("answering a request at once failed; running it through the app")
        return False
    if answer is None:
        return False
    status, headers, body = answer
    if cycle.access_log:  # uvicorn's access line, as its `send` logs it
        cycle.access_logger.info('%s - "%s %s HTTP/%s" %d', get_client_addr(cycle.scope), cycle.scope["method"],
                                 get_path_with_query_string(cycle.scope), cycle.scope["http_version"], status)
    content = [STATUS_LINE[status]]
    closes = False
    for name, value in (*cycle.default_headers, *headers):
        name = name.lower()
        if name == b"connection" and b"close" in [token.lower().strip() for token in value.split(b",")]:
            cycle.keep_alive, closes = False, True
        content += (name, b": ", value, b"\r\n")
    if not cycle.keep_alive and not closes:
        content.append(b"connection: close\r\n")
    content += (b"\r\n", body)
    cycle.response_started = cycle.response_complete = True
    protocol.transport.write(b"".join(content))
    if not cycle.keep_alive:
        protocol.transport.close()
    protocol.on_response_complete()
    return True


def _sweep_later(loop: asyncio.AbstractEventLoop, state: Any, every: float) -> None:
    """Close the server's connections whose read deadline passed, every `every` seconds while it
    has connections (one timer per server, not one per connection and request)."""
    if getattr(state, "emulator_read_sweep", None) is not None:
        return

    def sweep() -> None:
        now = loop.time()
        for conn in list(state.connections):
            deadline = getattr(conn, "_read_deadline", 0.0)
            if deadline and now >= deadline:
                conn._read_deadline = 0.0
                if not conn.transport.is_closing():
                    conn.transport.close()
        state.emulator_read_sweep = loop.call_later(every, sweep) if state.connections else None

    state.emulator_read_sweep = loop.call_later(every, sweep)


def config(app: Any, settings: Settings, log_level: str = "warning", **overrides: Any) -> uvicorn.Config:
    """The uvicorn configuration every server of the emulator runs with (CLI and pytest plugin)."""
    options: dict[str, Any] = {
        "host": settings.host, "port": settings.port, "log_level": log_level, "access_log": False, "loop": "auto",
        "http": timed_protocol(settings), "lifespan": "on",
        # no X-Forwarded-* rewriting (the emulator is not served behind a proxy): one ASGI layer less
        "proxy_headers": False,
        "timeout_keep_alive": settings.keep_alive_timeout_s,
        "timeout_graceful_shutdown": settings.shutdown_grace_s,
        "h11_max_incomplete_event_size": settings.max_header_bytes}
    options.update(overrides)
    return uvicorn.Config(app, **options)


class EmulatorServer(uvicorn.Server):
    """uvicorn's server, waking the emulator's waits when asked to stop."""

    _loop: asyncio.AbstractEventLoop | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        self._loop = asyncio.get_running_loop()
        await super().startup(sockets=sockets)

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # uvicorn re-raises a captured signal once it has shut down, so a clean stop on SIGTERM
        # still ends as "killed by SIGTERM" and Ctrl-C prints a KeyboardInterrupt traceback; the
        # emulator has stopped cleanly by then and exits 0
        with super().capture_signals():
            try:
                yield
            finally:
                self._captured_signals.clear()

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        emulator = getattr(getattr(self.config.app, "state", None), "emulator", None)
        # with a state file the waits are state to save (its timers resume after a restart): they are
        # left to the grace period instead of woken
        if (emulator is not None and not emulator.settings.state_file and self._loop is not None
                and not self._loop.is_closed()):
            # a signal handler may run between any two bytecodes: touch futures from the loop only
            self._loop.call_soon_threadsafe(emulator.release_waits)
