"""pytest plugin: a live emulator on a free loopback port, shared by the session.

`LiveServer` runs uvicorn in a background thread on a socket bound to 127.0.0.1:0 (and gRPC on
another free port), so tests never touch 9200/18080 and can run beside a real `make serve`.
"""
from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from emulator.settings import Settings


class LiveServer:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = (settings or Settings()).replace(host="127.0.0.1", port=0, grpc_port=0)
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

    def start(self, timeout: float = 10.0) -> "LiveServer":
        import uvicorn

        from emulator.app import create_app

        self.app = create_app(self.settings)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        ready = threading.Event()
        holder = self

        class _Server(uvicorn.Server):
            async def startup(self, sockets: list[socket.socket] | None = None) -> None:
                await super().startup(sockets=sockets)
                holder._loop = asyncio.get_running_loop()
                ready.set()

        config = uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="on")
        self._server = _Server(config)
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


@pytest.fixture(scope="session")
def live_emulator() -> Iterator[LiveServer]:
    """A session-wide emulator on free loopback ports (HTTP and gRPC)."""
    server = LiveServer(Settings(step_latency_scale=0.0)).start()
    try:
        yield server
    finally:
        server.stop()
