"""`workflow-emulator serve`: uvicorn for HTTP (the gRPC door starts in the app's lifespan), with the
listener lines an operator expects at start."""
from __future__ import annotations

import asyncio
import gc
import logging
import socket
import sys

import uvicorn

from emulator.app import EmulatorApp, create_app
from emulator.core import snapshot, state_file
from emulator.core.front_door import StartupRefused
from emulator.core.server import EmulatorServer, config
from emulator.settings import Settings

logger = logging.getLogger("emulator")


def listener_lines(app: EmulatorApp, host: str, http_port: int) -> list[str]:
    shown = f"[{host}]" if ":" in host else host
    lines = [(f"workflow-emulator: HTTP listening on http://{shown}:{http_port} "
             "(Flow Framework, Clarifai REST, control plane /_emulator/)")]
    grpc_port = app.state.emulator.ports.get("grpc")
    if grpc_port:
        tls = " TLS" if app.state.emulator.settings.grpc_tls_cert_file else ""
        lines.append(f"workflow-emulator: gRPC{tls} listening on {shown}:{grpc_port} (Clarifai clarifai.api.V2)")
    return lines


class _Server(EmulatorServer):
    """Logs one line per listener once both doors are up; loads and keeps the state file."""

    def __init__(self, config: uvicorn.Config, app: EmulatorApp, host: str) -> None:
        super().__init__(config)
        self._app, self._host = app, host
        self._saver: asyncio.Task[None] | None = None
        self.failed = False  # the state file could not be loaded: exit non-zero and leave the file alone

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.should_exit or not self.servers:
            return
        emulator = self._app.state.emulator
        path = emulator.settings.state_file
        if path:
            try:
                loaded = state_file.load(emulator, path)
            except snapshot.SnapshotError as exc:
                logger.error("workflow-emulator: %s", exc)
                self.failed = self.should_exit = True
                return
            logger.info("workflow-emulator: state loaded from %s (%d tenants)", path, len(loaded))
            if emulator.settings.state_save_interval_s > 0:
                self._saver = asyncio.create_task(
                    state_file.save_every(emulator, path, emulator.settings.state_save_interval_s))
        if emulator.settings.gc_freeze:
            # a full collection scans every tracked object; the ~50,000 that start built (catalogues,
            # routes, protobuf descriptors) live as long as the process, so they leave its scans
            # (the p99 of a predict benchmark is set by those pauses); no collection first: it would
            # cost start-up a full scan of them to free the little garbage start leaves
            gc.freeze()
        port = self.servers[0].sockets[0].getsockname()[1]
        emulator.ports.setdefault("http", port)
        for line in listener_lines(self._app, self._host, port):
            logger.info(line)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        emulator = self._app.state.emulator
        if self._saver is not None:
            self._saver.cancel()
        if emulator.settings.state_file and self.started and not self.failed:
            n = state_file.save(emulator, emulator.settings.state_file)
            logger.info("workflow-emulator: state saved to %s (%d tenants)", emulator.settings.state_file, n)
        await super().shutdown(sockets=sockets)


def serve(settings: Settings, log_level: str = "warning") -> int:
    try:
        app = create_app(settings)
    except StartupRefused as exc:
        print(f"workflow-emulator: {exc}", file=sys.stderr)
        return 2
    # read timeouts, header limit, bounded shutdown (core/server.py)
    server = _Server(config(app, settings, log_level), app, settings.host)
    server.run()
    if not server.started and getattr(getattr(server, "lifespan", None), "should_exit", False):
        return 3  # the lifespan failed (e.g. the gRPC port is taken): uvicorn itself exits quietly
    return 1 if server.failed else 0
