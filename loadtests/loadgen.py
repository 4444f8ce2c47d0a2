"""A small asyncio HTTP/1.1 load generator: the benchmark's fallback when wrk is absent, and its
driver for the "many concurrent slow requests" measurement.

Requests are pre-encoded bytes written on keep-alive connections; responses are read by
Content-Length (uvicorn always sends it for these routes). No HTTP library sits in the hot
loop, so one core of generator outruns one core of server for the routes measured.
"""
from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import orjson


def encode_request(method: str, path: str, body: bytes | None = None,
                   headers: dict[str, str] | None = None, port: int = 0) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    for k, v in (headers or {}).items():
        lines.append(f"{k}: {v}")
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


def json_request(method: str, path: str, doc: object | None, headers: dict[str, str], port: int) -> bytes:
    body = orjson.dumps(doc) if doc is not None else None
    return encode_request(method, path, body, {"Content-Type": "application/json", **headers}, port)


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
            break
    body = await reader.readexactly(length) if length else b""
    return status, body


@dataclass
class LoadResult:
    requests: int = 0
    errors: int = 0
    elapsed_s: float = 0.0
    latencies_s: list[float] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return self.requests / self.elapsed_s if self.elapsed_s else 0.0

    def percentile_ms(self, q: float) -> float:
        if not self.latencies_s:
            return float("nan")
        data = sorted(self.latencies_s)
        return data[min(len(data) - 1, int(q * len(data)))] * 1000


async def closed_loop(port: int, request: bytes, connections: int, duration_s: float,
                      factory: Callable[[int], bytes] | None = None) -> LoadResult:
    """`connections` keep-alive connections each sending `request` back to back for `duration_s`
    (or, with a `factory`, the n-th request sent is `factory(n)`)."""
    result = LoadResult()
    stop_at = time.perf_counter() + duration_s
    sent = itertools.count()

    async def one_connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while True:
                t0 = time.perf_counter()
                if t0 >= stop_at:
                    return
                writer.write(request if factory is None else factory(next(sent)))
                status, _ = await read_response(reader)
                result.latencies_s.append(time.perf_counter() - t0)
                result.requests += 1
                if status >= 400:
                    result.errors += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(one_connection() for _ in range(connections)))
    result.elapsed_s = time.perf_counter() - started
    return result


async def concurrent_once(port: int, request: bytes, count: int) -> LoadResult:
    """`count` requests at once, each on its own connection; elapsed = wall time until the last answer."""
    result = LoadResult()

    async def one() -> None:
        t0 = time.perf_counter()
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(request)
            status, _ = await read_response(reader)
            writer.close()
        except (OSError, asyncio.IncompleteReadError):
            result.errors += 1
            return
        result.latencies_s.append(time.perf_counter() - t0)
        result.requests += 1
        if status >= 400:
            result.errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(count)))
    result.elapsed_s = time.perf_counter() - started
    return result


async def send(port: int, request: bytes) -> tuple[int, bytes]:
    """One request on a fresh connection (set-up calls of the benchmark)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        return await read_response(reader)
    finally:
        writer.close()


def run(coro: object) -> object:
    try:
        import uvloop

        return uvloop.run(coro)  # type: ignore[arg-type]
    except ImportError:
        return asyncio.run(coro)  # type: ignore[arg-type]


async def sequential(port: int, requests: list[bytes]) -> list[tuple[int, bytes]]:
    """Send `requests` one after another on one keep-alive connection (bulk set-up)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    out: list[tuple[int, bytes]] = []
    try:
        for req in requests:
            writer.write(req)
            out.append(await read_response(reader))
    finally:
        writer.close()
    return out
