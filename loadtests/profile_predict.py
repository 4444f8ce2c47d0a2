"""Profile the workflow-predict path in-process: the ASGI app called directly, no sockets, no server.

    .venv/bin/python loadtests/profile_predict.py                 # µs per request for each workload
    .venv/bin/python loadtests/profile_predict.py --profile 2x1   # + pyinstrument tree of 2-node x1

What is left is exactly the emulator's own per-request work (routing, the journal and fault
wrapper, auth, parsing, DAG execution, rendering), which is what the benchmark's ratio against
the bare baseline measures on top of uvicorn.
"""
from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import workloads as w

Message = dict[str, Any]


async def start(app: Any) -> asyncio.Task[None]:
    """Drive the ASGI lifespan startup (backends register, admin marks itself started); keep the
    returned task referenced, or its collection runs the app's shutdown (which clears tenants)."""
    inbox: asyncio.Queue[Message] = asyncio.Queue()
    outbox: asyncio.Queue[Message] = asyncio.Queue()
    await inbox.put({"type": "lifespan.startup"})
    task = asyncio.get_running_loop().create_task(
        app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, inbox.get, outbox.put))
    msg = await outbox.get()
    if msg["type"] != "lifespan.startup.complete":
        raise RuntimeError(f"startup failed: {msg}")
    return task


def caller(app: Any) -> Callable[[str, str, bytes], Awaitable[tuple[int, bytes]]]:
    async def call(method: str, path: str, body: bytes) -> tuple[int, bytes]:
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
                 "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
                 "root_path": "", "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 9200),
                 "headers": [(b"host", b"127.0.0.1:9200"), (b"content-type", b"application/json"),
                             (b"authorization", b"Key profile"), (b"content-length", str(len(body)).encode())],
                 "state": {}}
        delivered = False
        status = 0
        chunks: list[bytes] = []

        async def receive() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.Event().wait()
            return {"type": "http.disconnect"}

        async def send(msg: Message) -> None:
            nonlocal status
            if msg["type"] == "http.response.start":
                status = msg["status"]
            elif msg["type"] == "http.response.body":
                chunks.append(msg.get("body", b""))

        await app(scope, receive, send)
        return status, b"".join(chunks)

    return call


async def main_async(args: argparse.Namespace) -> None:
    from emulator.app import create_app
    from emulator.settings import Settings

    app = create_app(Settings(grpc_enabled=False, seed=7))
    lifespan = await start(app)
    call = caller(app)
    status, body = await call("POST", f"{w.clarifai_base()}/workflows", orjson.dumps(w.post_workflows_body()))
    assert status == 200, body[:300]
    workloads = [(nodes, n) for nodes in (1, 2, 5) for n in w.INPUT_COUNTS]
    for nodes, n in workloads:
        path, req = w.predict_path(f"load-{nodes}-node"), orjson.dumps(w.predict_body(n))
        status, body = await call("POST", path, req)
        assert status == 200, body[:300]
        reps = max(20, args.requests // n)
        t0 = time.perf_counter()
        for _ in range(reps):
            await call("POST", path, req)
        per = (time.perf_counter() - t0) / reps
        print(f"{nodes}-node x{n:<2d}: {per * 1e6:8.0f} µs/request  {len(body):7d} bytes  "
              f"({per * 1e6 / n:6.0f} µs/input)")
    # every request different (a salted URL): no template, the full path each time
    path = w.predict_path("load-2-node")
    bodies = [orjson.dumps(w.predict_body(1, salt=i + 1)) for i in range(args.requests)]
    t0 = time.perf_counter()
    for req in bodies:
        await call("POST", path, req)
    print(f"2-node x1 unique: {(time.perf_counter() - t0) / len(bodies) * 1e6:5.0f} µs/request  (full path: "
          f"every input new)")
    # the same loop through the benchmark's bare Starlette baseline: what any app pays in-process
    from baseline import create_app as create_baseline

    bare = caller(create_baseline(6092))
    path, req = w.predict_path("load-2-node"), orjson.dumps(w.predict_body(1))
    t0 = time.perf_counter()
    for _ in range(args.requests):
        await bare("POST", path, req)
    print(f"baseline   : {(time.perf_counter() - t0) / args.requests * 1e6:8.0f} µs/request  (bare Starlette, "
          f"same route and size)")
    if args.profile:
        from pyinstrument import Profiler

        nodes, n = (int(x) for x in args.profile.split("x"))
        path, req = w.predict_path(f"load-{nodes}-node"), orjson.dumps(w.predict_body(n))
        profiler = Profiler(interval=0.0002, async_mode="disabled")
        profiler.start()
        for _ in range(max(50, args.requests // n)):
            await call("POST", path, req)
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=args.show_all))
    lifespan.cancel()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--requests", type=int, default=2000)
    p.add_argument("--profile", default=None, help="workload to profile, e.g. 2x1 or 5x32")
    p.add_argument("--show-all", action="store_true")
    args = p.parse_args()
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
