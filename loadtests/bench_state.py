"""The benchmark's non-throughput figures: ready time, fixture start, reset, memory, injected latency.

Each one exercises the emulator the way its users do: a spawned `workflow-emulator serve`, the
pytest plugin's `LiveServer`, the control plane (or the `x-emulator-fault` header when the
admin routes are absent) and bulk creation through the public APIs.
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import time
from typing import Any

import loadgen
import orjson
import workloads as w
from servers import ROOT, ServerProcess, start_emulator

AUTH = {"Authorization": "Key bench"}


def ready_times(n: int) -> dict[str, list[float]]:
    """Seconds from spawning `workflow-emulator serve` to the first 200 from /_emulator/health."""
    out: dict[str, list[float]] = {"with_grpc": [], "no_grpc": []}
    for _ in range(n):
        for key, grpc in (("with_grpc", True), ("no_grpc", False)):
            srv = start_emulator(grpc=grpc)
            out[key].append(srv.ready_s)
            srv.stop()
    return out


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _check(results: list[tuple[int, bytes]], what: str) -> None:
    bad = [(s, b[:200]) for s, b in results if s >= 300]
    if bad:
        raise RuntimeError(f"{what}: {len(bad)} failed, first: {bad[0]!r}")


def create_clarifai(port: int, tenant: str, count: int, batch: int = 100) -> None:
    reqs = [loadgen.json_request("POST", f"{w.clarifai_base()}/workflows",
                                 w.bulk_workflows("bulk", start, min(batch, count - start)),
                                 {**AUTH, w.TENANT_HEADER: tenant}, port)
            for start in range(0, count, batch)]
    _check(loadgen.run(loadgen.sequential(port, reqs)), "PostWorkflows")  # type: ignore[arg-type]


def create_flow(port: int, tenant: str, count: int) -> None:
    reqs = [loadgen.json_request("POST", w.FLOW_BASE, w.flow_template(f"bulk-{n}"),
                                 {w.TENANT_HEADER: tenant}, port) for n in range(count)]
    _check(loadgen.run(loadgen.sequential(port, reqs)), "create_workflow")  # type: ignore[arg-type]


def rss_after_workflows(emu: ServerProcess, count: int) -> dict[str, Any]:
    """Resident memory of the serving process before and after `count` Clarifai and `count` Flow
    workflows (each in its own tenant; the emulator runs with EMULATOR_MAX_WORKFLOWS=10000)."""
    before = _rss_mb(emu.proc.pid)
    create_clarifai(emu.port, "bench-memory-clarifai", count)
    mid = _rss_mb(emu.proc.pid)
    create_flow(emu.port, "bench-memory-flow", count)
    after = _rss_mb(emu.proc.pid)
    return {"workflows": count, "before_mb": before, "after_clarifai_mb": mid, "after_mb": after,
            "clarifai_kb_per_workflow": (mid - before) * 1024 / count,
            "flow_kb_per_workflow": (after - mid) * 1024 / count}


def concurrent_latency(count: int, server_cpu: int | None) -> dict[str, Any]:
    """Wall time of `count` simultaneous requests, each delayed 1 s by a fault rule: a GetWorkflow
    (what the injected latency itself costs) and a 2-node predict (plus the predicts' own CPU)."""
    emu = start_emulator(grpc=False, cpu=server_cpu)
    tenant = "bench-latency"
    try:
        headers = {**AUTH, w.TENANT_HEADER: tenant}
        _check(loadgen.run(loadgen.sequential(emu.port, [loadgen.json_request(  # type: ignore[arg-type]
            "POST", f"{w.clarifai_base()}/workflows", w.post_workflows_body(["load-2-node"]), headers,
            emu.port)])), "PostWorkflows")
        rule = {"match": {"api": "clarifai"}, "effect": {"type": "latency", "ms": 1000}}
        status, _ = loadgen.run(loadgen.send(emu.port, loadgen.json_request(  # type: ignore[misc]
            "POST", "/_emulator/faults", rule, {w.TENANT_HEADER: tenant}, emu.port)))
        via = "admin API rule"
        if status >= 300:  # control plane not there: the same rule as a one-off request header
            headers["x-emulator-fault"] = orjson.dumps(rule).decode()
            via = "x-emulator-fault header"
        requests = {
            "get_workflow": loadgen.encode_request("GET", f"{w.clarifai_base()}/workflows/load-2-node", None,
                                                   headers, emu.port),
            "predict": loadgen.json_request("POST", w.predict_path("load-2-node"), w.predict_body(1), headers,
                                            emu.port)}
        out: dict[str, Any] = {"count": count, "via": via}
        for name, req in requests.items():
            res = loadgen.run(loadgen.concurrent_once(emu.port, req, count))
            assert isinstance(res, loadgen.LoadResult)
            out[name] = {"wall_s": res.elapsed_s, "errors": res.errors,
                         "min_s": min(res.latencies_s, default=float("nan"))}
        return out
    finally:
        emu.stop()


_FIXTURE_SCRIPT = """
import json, time
t0 = time.perf_counter()
from emulator.testing import LiveServer
from emulator.settings import Settings
t1 = time.perf_counter()
s1 = LiveServer(Settings(step_latency_scale=0.0)).start()
t2 = time.perf_counter()
s2 = LiveServer(Settings(step_latency_scale=0.0)).start()
t3 = time.perf_counter()
import http.client
c = http.client.HTTPConnection("127.0.0.1", s1.port); c.request("GET", "/_emulator/health")
ok = c.getresponse().status
s1.stop(); s2.stop()
print(json.dumps({"import_s": t1 - t0, "first_s": t2 - t1, "second_s": t3 - t2, "health": ok}))
"""


def fixture_start() -> dict[str, Any]:
    """LiveServer.start() in a fresh interpreter, as the session fixture does after the plugin import."""
    out = subprocess.run([sys.executable, "-c", _FIXTURE_SCRIPT], cwd=ROOT, capture_output=True, text=True,
                         timeout=60, check=True).stdout
    res: dict[str, Any] = orjson.loads(out.strip().splitlines()[-1])
    return res


def reset_times(count: int) -> dict[str, Any]:
    """Reset of a tenant holding `count` workflows: in-process `Emulator.reset(name)` timed on the
    server's loop, and POST /_emulator/reset over HTTP when the control plane serves it."""
    from emulator.settings import Settings
    from emulator.testing import LiveServer

    server = LiveServer(Settings(grpc_enabled=False, step_latency_scale=0.0)).start()

    async def timed_reset(name: str) -> float:
        t0 = time.perf_counter()
        server.emulator.reset(name)
        return time.perf_counter() - t0

    def count_clarifai(tenant: str) -> int:
        status, body = loadgen.run(loadgen.send(server.port, loadgen.encode_request(  # type: ignore[misc]
            "GET", f"{w.clarifai_base()}/workflows?per_page=1000", None, {**AUTH, w.TENANT_HEADER: tenant},
            server.port)))
        return len(orjson.loads(body).get("workflows") or []) if status == 200 else -1

    out: dict[str, Any] = {}
    try:
        for kind, fill in (("clarifai", create_clarifai), ("flow", create_flow)):
            samples, http_ms = [], None
            for i in range(3):
                tenant = f"bench-reset-{kind}-{i}"
                fill(server.port, tenant, count)
                samples.append(server.call(timed_reset(tenant)) * 1000)
            tenant = f"bench-reset-{kind}-http"
            fill(server.port, tenant, count)
            t0 = time.perf_counter()
            status, _ = loadgen.run(loadgen.send(server.port, loadgen.json_request(  # type: ignore[misc]
                "POST", "/_emulator/reset", {"tenant": tenant}, {w.TENANT_HEADER: tenant}, server.port)))
            elapsed = (time.perf_counter() - t0) * 1000
            if status < 300 and (kind != "clarifai" or count_clarifai(tenant) == 0):
                http_ms = elapsed
            out[kind] = {"in_process_ms": statistics.median(samples), "samples_ms": samples, "http_ms": http_ms}
    finally:
        server.stop()
    return out
