"""`workflow-emulator serve`: uvicorn for HTTP (the gRPC door starts in the app's lifespan), with the
listener lines an operator expects at start."""
from __future__ import annotations

import logging
import socket
from typing import Any

import uvicorn

from emulator.app import EmulatorApp, create_app
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


class _Server(uvicorn.Server):
    """Logs one line per listener once both doors are up."""

    def __init__(self, config: uvicorn.Config, app: EmulatorApp, host: str) -> None:
        super().__init__(config)
        self._app, self._host = app, host

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.should_exit or not self.servers:
            return
        port = self.servers[0].sockets[0].getsockname()[1]
        self._app.state.emulator.ports.setdefault("http", port)
        for line in listener_lines(self._app, self._host, port):
            logger.info(line)


def serve(settings: Settings, log_level: str = "warning") -> int:
    app = create_app(settings)
    # no X-Forwarded-* rewriting (the emulator is not served behind a proxy): one ASGI layer less
    config: Any = uvicorn.Config(app, host=settings.host, port=settings.port, log_level=log_level,
                                 access_log=False, loop="auto", http="auto", lifespan="on", proxy_headers=False)
    server = _Server(config, app, settings.host)
    server.run()
    return 1 if server.started is False and not server.should_exit else 0
