"""`make bench`'s gRPC row: the emulator's gRPC door against a bare `grpc.aio` servicer answering the
same message, unique inputs per call (issue 17).

The baseline (`python bench_grpc.py baseline --port P --response FILE`) is clarifai-grpc's generated
V2 servicer with one method, PostWorkflowResults, returning a message parsed once from the
emulator's own answer: request decoding and response encoding by the same generated code, on the
same grpc.aio stack, and nothing else. The client sends pre-encoded requests whose image URL
carries a counter (generators.SLOT), 50 calls in flight on one channel, and reads raw bytes, so the
generator costs as little as it can on its own core.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import workloads as w
from generators import SLOT
from servers import ROOT, ServerProcess, free_port, pin

METHOD = "/clarifai.api.V2/PostWorkflowResults"
METADATA = (("authorization", "Key bench"),)
_starts = itertools.count(500_000_000_000, 1_000_000_000)


def request_template(workflow_id: str = "load-2-node") -> bytes:
    from clarifai_grpc.grpc.api import resources_pb2, service_pb2

    url = w.SAMPLE_IMAGE + "?u=" + SLOT.decode()
    req = service_pb2.PostWorkflowResultsRequest(
        user_app_id=resources_pb2.UserAppIDSet(user_id=w.USER_ID, app_id=w.APP_ID), workflow_id=workflow_id,
        inputs=[resources_pb2.Input(data=resources_pb2.Data(image=resources_pb2.Image(url=url)))])
    data: bytes = req.SerializeToString()
    return data


async def _load(port: int, template: bytes, start: int, connections: int, duration_s: float) -> dict[str, Any]:
    import grpc

    head, tail = template.split(SLOT)
    counter = itertools.count(start)
    latencies: list[float] = []
    errors = 0
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        call = channel.unary_unary(METHOD, request_serializer=None, response_deserializer=None)
        stop_at = time.perf_counter() + duration_s

        async def worker() -> None:
            nonlocal errors
            while (t0 := time.perf_counter()) < stop_at:
                try:
                    await call(head + b"%012d" % next(counter) + tail, metadata=METADATA)
                except grpc.aio.AioRpcError:
                    errors += 1
                latencies.append(time.perf_counter() - t0)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    def pick(q):
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000
    return {"rps": len(latencies) / elapsed, "p50_ms": pick(0.5), "p99_ms": pick(0.99), "errors": errors,
            "requests": len(latencies)}


def measure(port: int, connections: int, duration_s: float) -> dict[str, Any]:
    return asyncio.run(_load(port, request_template(), next(_starts), connections, duration_s))


def one_answer(port: int) -> bytes:
    """The emulator's answer to one unique call, as bytes (the baseline answers this message)."""
    async def once() -> bytes:
        import grpc

        head, tail = request_template().split(SLOT)
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            call = channel.unary_unary(METHOD, request_serializer=None, response_deserializer=None)
            data: bytes = await call(head + b"%012d" % next(_starts) + tail, metadata=METADATA)
            return data

    return asyncio.run(once())


def start_baseline(response: bytes, cpu: int | None, tmp: Path) -> ServerProcess:
    path = tmp / "grpc-response.bin"
    path.write_bytes(response)
    port = free_port()
    spawned = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(ROOT / "loadtests" / "bench_grpc.py"), "baseline", "--port",
                             str(port), "--response", str(path)], cwd=ROOT, stdout=subprocess.PIPE)
    server = ServerProcess("grpc-baseline", port, proc, spawned, pinned=pin(proc.pid, cpu))
    assert proc.stdout is not None
    if proc.stdout.readline().strip() != b"ready":  # printed once the port is bound and serving
        server.stop()
        raise RuntimeError("the gRPC baseline did not start")
    return server


def row(emu: ServerProcess, args: Any, server_cpu: int | None, tmp: Path) -> dict[str, Any]:
    port = emu.extra["grpc_port"]
    response = one_answer(port)
    base = start_baseline(response, server_cpu, tmp)
    runs: dict[str, list[dict[str, Any]]] = {"emulator": [], "baseline": []}
    try:
        for rnd in range(args.rounds):
            for who, p in (("emulator", port), ("baseline", base.port)):
                measure(p, args.connections, args.warmup)
                m = measure(p, args.connections, args.duration)
                runs[who].append(m)
                print(f"  grpc round {rnd + 1} {who:8s} {m['rps']:9.0f} calls/s  p50 {m['p50_ms']:6.2f} ms  "
                      f"p99 {m['p99_ms']:6.2f} ms  errors {m['errors']}", file=sys.stderr)
    finally:
        base.stop()
    out: dict[str, Any] = {"response_bytes": len(response)}
    for who, ms in runs.items():
        out[who] = {k: statistics.median(m[k] for m in ms) for k in ("rps", "p50_ms", "p99_ms")}
        out[who]["errors"] = sum(m["errors"] for m in ms)
    out["ratio"] = out["emulator"]["rps"] / out["baseline"]["rps"]
    out["round_ratios"] = [e["rps"] / b["rps"] for e, b in zip(runs["emulator"], runs["baseline"], strict=True)]
    return out


async def _serve_baseline(port: int, response_file: str) -> None:
    import grpc
    from clarifai_grpc.grpc.api import service_pb2, service_pb2_grpc

    answer = service_pb2.PostWorkflowResultsResponse.FromString(Path(response_file).read_bytes())

    class Baseline(service_pb2_grpc.V2Servicer):  # type: ignore[misc]
        async def PostWorkflowResults(self, request: Any, context: Any) -> Any:
            return answer

    server = grpc.aio.server()
    service_pb2_grpc.add_V2Servicer_to_server(Baseline(), server)
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    print("ready", flush=True)
    await server.wait_for_termination()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("baseline")
    b.add_argument("--port", type=int, required=True)
    b.add_argument("--response", required=True)
    args = p.parse_args()
    try:
        import uvloop

        uvloop.run(_serve_baseline(args.port, args.response))
    except ImportError:
        asyncio.run(_serve_baseline(args.port, args.response))


if __name__ == "__main__":
    main()
