"""Server CPU per request through uvicorn's own HTTP protocol, with no sockets: emulator vs baseline.

    .venv/bin/python loadtests/cpu_per_request.py            # a table; --json for bench.json

The wrk rows of `make bench` measure what a client sees, and on a shared VM their baselines move
by half between runs (12k-20k req/s for the same baseline). This measures what those ratios are
made of, steadily: the CPU time (`time.process_time`) each server spends per request when raw
HTTP/1.1 request bytes are fed to the protocol class `workflow-emulator serve` runs
(emulator/core/server.py: uvicorn's httptools protocol with the read deadlines) and answered
into a transport that keeps the written bytes. Parsing, the ASGI cycle, the app and the response
headers all run; only the socket calls and the event loop's polling do not. The baseline
(loadtests/baseline.py, the same route answering the same number of bytes) goes through
uvicorn's own httptools protocol the same way. Rounds alternate between the two, each on new
request bodies; the figure is the median over rounds of µs per request.

The rows are `make bench`'s: the same request repeated (the predict lane answers), a unique image
URL, a unique 24 KB base64 image, 32 unique image URLs per request (2-node workflow).
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import statistics
import time
from typing import Any

import bench_unique
import orjson
import workloads as w
from profile_predict import caller, start

from emulator.testing import RecordingTransport

_numbers = itertools.count(70_000_000)  # times the slots per body: no overlap with make bench's


def raw_request(path: str, body: bytes) -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:9200\r\nContent-Type: application/json\r\n"
            f"Authorization: Key bench\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body


def bodies(row: str, n: int) -> list[bytes]:
    """`n` request bodies of a row, each slot numbered as `make bench`'s generator numbers them."""
    if row == "same":
        return [orjson.dumps(w.predict_body(1))] * n
    t = bench_unique.target(*bench_unique.bodies()[row])
    return [t.numbered(next(_numbers) * t.slots()) for _ in range(n)]


def _complete(out: list[bytes]) -> bool:
    """Whether the bytes written hold a whole answer (the head is always written in one piece)."""
    if not out:
        return False
    head = out[0]
    end = head.find(b"\r\n\r\n")
    at = head.find(b"content-length: ")
    length = int(head[at + 16:head.find(b"\r\n", at)])
    return sum(map(len, out)) - end - 4 >= length


class Door:
    """One server's protocol on one fake connection."""

    def __init__(self, config: Any) -> None:
        from uvicorn.server import ServerState

        config.load()
        self.transport = RecordingTransport()
        self.protocol = config.http_protocol_class(config=config, server_state=ServerState(), app_state={},
                                                   _loop=asyncio.get_running_loop())
        self.protocol.connection_made(self.transport)

    async def answer(self, request: bytes) -> bytes:
        out = self.transport.out
        out.clear()
        self.protocol.data_received(request)
        while not _complete(out):  # the head and the body: in two writes, or one (an answer given at once)
            await asyncio.sleep(0)
        return out[0]

    def close(self) -> None:
        self.protocol.connection_lost(None)


async def doors() -> tuple[Door, Door, Any]:
    import uvicorn
    from baseline import create_app as create_baseline

    from emulator.app import create_app
    from emulator.core import server
    from emulator.settings import Settings

    settings = Settings(grpc_enabled=False, seed=7)
    app = create_app(settings)
    lifespan = await start(app)
    call = caller(app)
    status, body = await call("POST", f"{w.clarifai_base()}/workflows", orjson.dumps(w.post_workflows_body()))
    assert status == 200, body[:300]
    emulator = Door(server.config(app, settings, lifespan="off"))
    size = len((await call("POST", w.predict_path("load-2-node"), bodies("same", 1)[0]))[1])
    baseline = Door(uvicorn.Config(create_baseline(size), http="httptools", lifespan="off", access_log=False,
                                   log_level="warning"))
    return emulator, baseline, lifespan


async def measure(rows: list[str], rounds: int, requests: int) -> dict[str, Any]:
    emulator, baseline, lifespan = await doors()
    path = w.predict_path("load-2-node")
    gc.freeze()
    out: dict[str, Any] = {}
    for row in rows:
        n = max(50, requests // (32 if row.endswith("x32") else 1))
        per: dict[str, list[float]] = {"emulator": [], "baseline": []}
        for _ in range(rounds):
            for who, door in (("emulator", emulator), ("baseline", baseline)):
                reqs = [raw_request(path, b) for b in bodies(row, n)]
                t0 = time.process_time()
                for r in reqs:
                    head = await door.answer(r)
                per[who].append((time.process_time() - t0) / n * 1e6)
                if not head.startswith(b"HTTP/1.1 200"):
                    raise SystemExit(f"{who} {row}: {head[:200]!r}")
        e, b = statistics.median(per["emulator"]), statistics.median(per["baseline"])
        out[row] = {"emulator_us": e, "baseline_us": b, "ratio": b / e, "requests": n, "rounds": rounds}
    emulator.close()
    baseline.close()
    lifespan.cancel()
    return out


def run(rows: list[str], rounds: int = 5, requests: int = 2000) -> dict[str, Any]:
    import uvloop

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(measure(rows, rounds, requests))


ROWS = ("same", "unique_url", "unique_base64", "unique_url_x32")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", default=",".join(ROWS))
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--requests", type=int, default=2000)
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    res = run(args.rows.split(","), args.rounds, args.requests)
    if args.json:
        print(orjson.dumps(res).decode())
        return
    for row, r in res.items():
        print(f"{row:15s} emulator {r['emulator_us']:8.1f} µs  baseline {r['baseline_us']:6.1f} µs  "
              f"ratio {r['ratio']:.2f}")


if __name__ == "__main__":
    main()
