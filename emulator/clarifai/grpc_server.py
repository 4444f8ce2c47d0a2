"""The gRPC door's server: grpc.aio serving `clarifai.api.V2` with the generated registration, on the
app's own event loop (started and stopped by the lifespan), insecure or TLS.

Reference: clarifai-workflows.md §10 (the official channels allow 1 GB messages; the insecure channel
and the SDK reach a local server). The servicer, what every RPC does, is in grpc_api.py.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
from clarifai_grpc.grpc.api import service_pb2_grpc
from google.protobuf.message import DecodeError, Message

from emulator.clarifai.grpc_api import ClarifaiServicer, Undecodable
from emulator.core.emulator import Emulator

# §10: the official channels allow 1 GB messages; the server must accept what they may send
MAX_MESSAGE_BYTES = 1024 * 1024 * 1024


class _CapturedHandlers:
    """Receives what the generated add_V2Servicer_to_server registers."""

    def __init__(self) -> None:
        self.handlers: tuple[grpc.GenericRpcHandler, ...] = ()

    def add_generic_rpc_handlers(self, handlers: tuple[grpc.GenericRpcHandler, ...]) -> None:
        self.handlers += tuple(handlers)


class _TolerantDecoding(grpc.GenericRpcHandler):  # type: ignore[misc]
    """Corrupt request bytes make the generated decoder raise, which grpc reports as UNKNOWN with a
    server-side traceback; hand the servicer an `Undecodable` instead so it answers INTERNAL with the
    message grpc servers use for this ("grpc: error unmarshalling request")."""

    def __init__(self, inner: grpc.GenericRpcHandler) -> None:
        self._inner = inner
        self._cache: dict[str, Any] = {}

    def service(self, details: grpc.HandlerCallDetails) -> Any:
        method = details.method
        cached = self._cache.get(method)
        if cached is None:
            cached = self._inner.service(details)
            if cached is None:
                return None  # not a V2 method; not cached, so unknown names cannot grow the cache
            if cached.request_deserializer is not None:
                cached = cached._replace(request_deserializer=_tolerant(cached.request_deserializer))
            if cached.response_serializer is not None:
                cached = cached._replace(response_serializer=_encoded(cached.response_serializer))
            self._cache[method] = cached
        return cached


def _tolerant(decode: Callable[[bytes], Message]) -> Callable[[bytes], Message | Undecodable]:
    def tolerant(data: bytes) -> Message | Undecodable:
        try:
            return decode(data)
        except DecodeError as exc:
            return Undecodable(str(exc))
    return tolerant


def _encoded(encode: Callable[[Message], bytes]) -> Callable[[Message | bytes], bytes]:
    """Predict answers come encoded (proto_render.predict_wire): sent as they are."""
    def serialize(response: Message | bytes) -> bytes:
        return response if type(response) is bytes else encode(response)
    return serialize


class GrpcServer:
    """The grpc.aio server, started and stopped by the app's lifespan on the app's own event loop, so
    gRPC calls and HTTP requests share one state root (DESIGN.md "One process, one state root")."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self._server: grpc.aio.Server | None = None

    async def start(self) -> None:
        settings = self.emulator.settings
        if not settings.grpc_enabled:
            return
        # so_reuseport off: a second emulator on the same port must fail to bind (as HTTP does)
        # instead of silently sharing the port's calls with this one
        server = grpc.aio.server(options=[("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                                          ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
                                          ("grpc.so_reuseport", 0)])
        # the generated registration, with request decoding made tolerant (see _TolerantDecoding)
        generated = _CapturedHandlers()
        service_pb2_grpc.add_V2Servicer_to_server(ClarifaiServicer(self.emulator), generated)
        server.add_generic_rpc_handlers(tuple(_TolerantDecoding(h) for h in generated.handlers))
        host = f"[{settings.host}]" if ":" in settings.host else settings.host
        address = f"{host}:{settings.grpc_port}"
        try:
            port = _bind(server, address, settings.grpc_tls_cert_file, settings.grpc_tls_key_file)
        except (RuntimeError, OSError) as exc:
            raise RuntimeError(f"cannot bind the Clarifai gRPC server to {address}: {exc}") from None
        if not port:
            raise RuntimeError(f"cannot bind the Clarifai gRPC server to {address}")
        await server.start()
        self._server = server
        # settings.grpc_port 0 means "any free port": publish the one actually bound
        self.emulator.ports["grpc"] = port

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self.emulator.ports.pop("grpc", None)
        # calls parked on a manual clock never finish by themselves: give the rest a short grace
        await server.stop(grace=1.0)


def _bind(server: grpc.aio.Server, address: str, cert_file: str | None, key_file: str | None) -> int:
    if not (cert_file and key_file):
        return int(server.add_insecure_port(address))
    with open(cert_file, "rb") as cert, open(key_file, "rb") as key:
        credentials = grpc.ssl_server_credentials([(key.read(), cert.read())])
    return int(server.add_secure_port(address, credentials))
