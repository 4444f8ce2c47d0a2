"""pytest plugin: a live emulator on a free loopback port, shared by the session, a tenant per test.

Fixtures (entry point `pytest11`, so installing the package is enough):
- `emulator_server` (session): reuses `EMULATOR_URL` / `--emulator-url` when given, otherwise
  starts the emulator in a background thread on 127.0.0.1:<free port> (settings from EMULATOR_*).
- `emulator_tenant` (function): an `EmulatorTenant` handle on a fresh tenant of that server, with
  faults / clock / journal / coverage / reset / seed and client factories (opensearch-py,
  clarifai-grpc JSON and gRPC). It talks to the admin API over HTTP, so it works against any URL.
- `live_emulator` (session): the in-process `LiveServer` used by this project's own tests.
Names avoid locust's pytest plugin (`session` fixture, `--host` option).
"""
from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any, Self, TypeVar

import pytest

from emulator.admin_client import AdminClient, EmulatorAdminError, EmulatorTenant
from emulator.settings import Settings

__all__ = ["AdminClient", "EmulatorAdminError", "EmulatorTenant", "LiveServer", "RecordingTransport", "RemoteServer"]


class RecordingTransport:
    """An asyncio transport that keeps what the server writes, in order: raw HTTP bytes fed to the
    protocol class `workflow-emulator serve` runs (`server.config(...).http_protocol_class`), no
    sockets (loadtests/cpu_per_request.py, tests/clarifai/test_predict_lane_protocol.py)."""

    def __init__(self) -> None:
        self.out: list[bytes] = []
        self.closed = False

    def written(self) -> bytes:
        return b"".join(self.out)

    def write(self, data: bytes) -> None:
        self.out.append(bytes(data))

    def writelines(self, data: list[bytes]) -> None:
        self.out.extend(map(bytes, data))

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 9200), "peername": ("127.0.0.1", 50000)}.get(name, default)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


class LiveServer:
    def __init__(self, settings: Settings | None = None, app: Any = None) -> None:
        self.settings = (settings or Settings()).replace(host="127.0.0.1", port=0, grpc_port=0)
        self._app_override = app  # an ASGI app to serve instead of create_app(settings)
        self._thread: threading.Thread | None = None
        self._server: Any = None
        self.port = 0
        self.app: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def grpc_port(self) -> int:
        return int(self.app.state.emulator.ports.get("grpc", 0))

    @property
    def emulator(self) -> Any:
        return self.app.state.emulator

    def start(self, timeout: float = 10.0) -> LiveServer:
        from emulator.app import create_app
        from emulator.core.server import EmulatorServer, config

        self.app = self._app_override or create_app(self.settings)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        ready = threading.Event()
        holder = self

        class _Server(EmulatorServer):
            async def startup(self, sockets: list[socket.socket] | None = None) -> None:
                await super().startup(sockets=sockets)
                holder._loop = asyncio.get_running_loop()
                ready.set()

        self._server = _Server(config(self.app, self.settings))
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name="workflow-emulator", daemon=True)
        self._thread.start()
        if not ready.wait(timeout):
            raise RuntimeError("emulator did not start in time")
        return self

    def call(self, coro: Any) -> Any:
        """Run a coroutine on the server's event loop (e.g. advancing a manual clock)."""
        assert self._loop is not None, "server not started"
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(30)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> Self:
        """`with LiveServer(settings) as server:` starts it (unless started) and stops it at the end."""
        if self._thread is None:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


T = TypeVar("T")


def while_advancing(call: Callable[[], T], pending: Callable[[], bool], advance: Callable[[float], None],
                    step_s: float = 0.05, limit_s: float = 120.0) -> T:
    """Run a blocking client call whose server side waits on a manual clock (a Flow deprovision
    pauses 100 ms / 1 s between passes), advancing the clock by `step_s` whenever `pending()` says
    something waits on it, until the call returns or `limit_s` of virtual time has passed.

    With an `EmulatorTenant` `t`: `while_advancing(call, lambda: t.clock.get()["pending_sleepers"] > 0,
    t.clock.advance)`; in-process, pass the tenant clock's `pending` and `advance`."""
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["value"] = call()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            out["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    advanced = 0.0
    while worker.is_alive() and advanced < limit_s:
        if pending():
            advance(step_s)
            advanced += step_s
        else:
            worker.join(0.002)  # waits for the call's thread, not for time to pass
    worker.join(30)
    if "error" in out:
        raise out["error"]
    if "value" not in out:
        raise TimeoutError(f"the call did not return after {limit_s} s of virtual time")
    value: T = out["value"]
    return value


class RemoteServer:
    """An emulator someone else started (`workflow-emulator serve &`, a CI service container)."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        info = AdminClient(self.url).request("GET", "/_emulator/info")
        self.grpc_port = int((info.get("ports") or {}).get("grpc") or 0)

    def stop(self) -> None:
        pass


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--emulator-url", default=None,
                     help="use the workflow emulator at this URL instead of starting one (env EMULATOR_URL)")


def _worker_id(config: pytest.Config) -> str:
    workerinput = getattr(config, "workerinput", None)
    return str(workerinput["workerid"]) if workerinput else os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def emulator_server(request: pytest.FixtureRequest) -> Iterator[LiveServer | RemoteServer]:
    """The emulator this session talks to: EMULATOR_URL if set, else one started in a thread."""
    url = request.config.getoption("--emulator-url", None) or os.environ.get("EMULATOR_URL")
    server: LiveServer | RemoteServer = RemoteServer(url) if url else LiveServer(Settings.from_env()).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def emulator_tenant(emulator_server: LiveServer | RemoteServer,
                    request: pytest.FixtureRequest) -> Iterator[EmulatorTenant]:
    """A fresh tenant for this test (own workflows, clock, faults, journal); reset afterwards."""
    name = f"{_worker_id(request.config)}-{request.node.name[:40]}-{uuid.uuid4().hex[:8]}"
    handle = EmulatorTenant(emulator_server.url, name, grpc_port=emulator_server.grpc_port)
    try:
        yield handle
    finally:
        with contextlib.suppress(OSError, EmulatorAdminError):  # the server may already be gone at session end
            handle.reset()


@pytest.fixture(scope="session")
def live_emulator() -> Iterator[LiveServer]:
    """A session-wide emulator on free loopback ports (HTTP and gRPC)."""
    server = LiveServer(Settings(step_latency_scale=0.0)).start()
    try:
        yield server
    finally:
        server.stop()
