"""`make bench`: the emulator side by side with a bare Starlette baseline, plus start-up, reset,
memory and injected-latency measurements (issue 7 targets; reported, never asserted).

Throughput: the emulator (`workflow-emulator serve`: uvicorn + uvloop + httptools, orjson, the
journal and fault wrapper on) and the baseline (loadtests/baseline.py, same route, same
response size) run pinned to the same core; the generator (wrk, else loadgen.py) runs on
another core and drives them in alternation, round after round, within one run.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import bench_grpc
import bench_unique
import generators
import loadgen
import orjson
import workloads as w
from bench_state import concurrent_latency, fixture_start, ready_times, reset_times, rss_after_workflows
from servers import ROOT, start_baseline, start_emulator

TARGETS = {"ratio": 0.9, "unique_ratio": 0.7, "x32_ratio": 0.5, "grpc_ratio": 0.7, "p99_ms": 10.0, "ready_s": 0.5,
           "fixture_s": 0.5, "reset_ms": 5.0, "concurrent_s": 1.5}


def cpu_plan() -> tuple[int | None, int | None]:
    """(server core, generator core): the last allowed core serves, the first generates."""
    if not hasattr(os, "sched_getaffinity"):
        return None, None
    cpus = sorted(os.sched_getaffinity(0))
    return (cpus[-1], cpus[0]) if len(cpus) > 1 else (None, None)


def predict_target(workflow_id: str, n_inputs: int) -> generators.Target:
    return generators.Target("POST", w.predict_path(workflow_id), orjson.dumps(w.predict_body(n_inputs)),
                             {"Content-Type": "application/json", "Authorization": "Key bench"})


def parse_workload(spec: str) -> tuple[str, int]:
    """"2x1" -> ("load-2-node", 1): nodes x inputs, from workloads.WORKFLOWS and INPUT_COUNTS."""
    nodes, _, inputs = spec.partition("x")
    wid = f"load-{nodes}-node"
    if wid not in w.WORKFLOWS or not inputs.isdigit() or not 1 <= int(inputs) <= 32:
        raise SystemExit(f"--workload {spec!r}: expected <nodes>x<inputs> with nodes in 1, 2, 5 and 1..32 inputs")
    return wid, int(inputs)


def setup_workflows(port: int, workload: tuple[str, int]) -> int:
    """Create the load workflows in the default tenant; returns the measured predict's response size."""
    req = loadgen.json_request("POST", f"{w.clarifai_base()}/workflows", w.post_workflows_body(),
                               {"Authorization": "Key bench"}, port)
    status, body = loadgen.run(loadgen.send(port, req))  # type: ignore[misc]
    if status != 200:
        raise SystemExit(f"PostWorkflows failed: HTTP {status} {body[:300]!r}")
    t = predict_target(*workload)
    status, body = loadgen.run(loadgen.send(port, loadgen.encode_request(  # type: ignore[misc]
        t.method, t.path, t.body, t.headers, port)))
    if status != 200:
        raise SystemExit(f"predict failed: HTTP {status} {body[:300]!r}")
    return len(body)


def throughput(args: argparse.Namespace, server_cpu: int | None, gen_cpu: int | None,
               generator: str) -> dict[str, Any]:
    emu = start_emulator({"EMULATOR_MAX_WORKFLOWS": "10000"}, cpu=server_cpu)
    base = None
    try:
        workload = parse_workload(args.workload)
        size = setup_workflows(emu.port, workload)
        out: dict[str, Any] = {"response_bytes": size, "pinned": emu.pinned, "server_cpu": server_cpu,
                               "generator_cpu": gen_cpu}
        # every request different (issue 17): unique URLs, unique base64 images, 32 unique inputs, gRPC
        if "unique" in args.rows:
            out["unique"] = bench_unique.rows(emu, args, server_cpu, gen_cpu, generator)
        if "grpc" in args.rows:
            with tempfile.TemporaryDirectory() as tmp:
                out["grpc"] = bench_grpc.row(emu, args, server_cpu, Path(tmp))
        if "repeated" not in args.rows:
            return out
        base = start_baseline(size, cpu=server_cpu)
        target = predict_target(*workload)
        runs: dict[str, list[generators.Measurement]] = {"emulator": [], "baseline": []}
        for rnd in range(args.rounds):
            for name, srv in (("emulator", emu), ("baseline", base)):
                generators.measure(generator, srv.port, target, args.connections, args.warmup, gen_cpu)
                m = generators.measure(generator, srv.port, target, args.connections, args.duration, gen_cpu)
                runs[name].append(m)
                print(f"  round {rnd + 1} {name:8s} {m.rps:9.0f} req/s  p50 {m.p50_ms:6.2f} ms  "
                      f"p99 {m.p99_ms:6.2f} ms  errors {m.errors}", file=sys.stderr)
        out["pinned"] = emu.pinned and base.pinned
        for name, ms in runs.items():
            out[name] = {"rps": statistics.median(m.rps for m in ms),
                         "p50_ms": statistics.median(m.p50_ms for m in ms),
                         "p99_ms": statistics.median(m.p99_ms for m in ms),
                         "errors": sum(m.errors for m in ms), "requests": sum(m.requests for m in ms)}
        out["ratio"] = out["emulator"]["rps"] / out["baseline"]["rps"]
        # the same request with the predict lane off: what every request costs when none repeats
        # (each one runs the workflow's plan), so the headline number is not read as the only one
        full = start_emulator({"EMULATOR_MAX_WORKFLOWS": "10000", "EMULATOR_CLARIFAI_PREDICT_LANE": "0"},
                              cpu=server_cpu)
        try:
            setup_workflows(full.port, workload)
            generators.measure(generator, full.port, target, args.connections, args.warmup, gen_cpu)
            m = generators.measure(generator, full.port, target, args.connections, args.duration, gen_cpu)
            out["full_path"] = {"rps": m.rps, "p50_ms": m.p50_ms, "p99_ms": m.p99_ms, "errors": m.errors}
        finally:
            full.stop()
        if generator == "wrk":
            # one round with the asyncio generator as well, a client that records every request
            # (loadtests/loadgen.py), as a cross-check of wrk's percentiles
            for name, srv in (("emulator", emu), ("baseline", base)):
                m = generators.measure("python", srv.port, target, args.connections, args.duration, gen_cpu)
                out[name]["python_generator"] = {"rps": m.rps, "p50_ms": m.p50_ms, "p99_ms": m.p99_ms}
        if not args.quick:
            # in a process of its own: the rows above leave the measured one's heap in any state
            fresh = start_emulator({"EMULATOR_MAX_WORKFLOWS": "10000"}, cpu=server_cpu)
            try:
                out["rss"] = rss_after_workflows(fresh, args.workflows)
            finally:
                fresh.stop()
        return out
    finally:
        emu.stop()
        if base is not None:
            base.stop()


UNIQUE_LABELS = {"unique_url": ("a unique image URL per request", "unique_ratio"),
                 "unique_base64": ("a unique 24 KB base64 JPEG per request", "unique_ratio"),
                 "unique_url_x32": ("32 unique image URLs per request", "x32_ratio")}


def _speed(m: dict[str, Any], unit: str = "req/s") -> str:
    return f"{m['rps']:.0f} {unit}, p50 {m['p50_ms']:.2f} ms, p99 {m['p99_ms']:.2f} ms"


def _unique_rows(t: dict[str, Any]) -> list[tuple[str, str, str, bool | None]]:
    rows: list[tuple[str, str, str, bool | None]] = []
    for key, row in t.get("unique", {}).items():
        label, target = UNIQUE_LABELS[key]
        e, b = row["emulator"], row["baseline"]
        p99_ok = e["p99_ms"] <= TARGETS["p99_ms"] if target == "unique_ratio" else None
        rows.append((f"2-node predict, {label}: emulator", _speed(e),
                     f"p99 <= {TARGETS['p99_ms']:.0f} ms" if p99_ok is not None else "", p99_ok))
        rows.append((f"2-node predict, {label}: baseline ({row['response_bytes']} bytes)", _speed(b), "", None))
        if "python_generator" in e:
            pe, pb = e["python_generator"], b["python_generator"]
            rows.append((f"2-node predict, {label}: asyncio generator (1 round)",
                         (f"emulator {pe['rps']:.0f} req/s p99 {pe['p99_ms']:.2f} ms; baseline {pb['rps']:.0f} req/s "
                          f"p99 {pb['p99_ms']:.2f} ms"), "", None))
        rounds = ", ".join(f"{r:.2f}" for r in row["round_ratios"])
        rows.append((f"2-node predict, {label}: ratio", f"{row['ratio']:.2f} (rounds {rounds})",
                     f">= {TARGETS[target]}", row["ratio"] >= TARGETS[target]))
    if "grpc" in t:
        g = t["grpc"]
        e, b = g["emulator"], g["baseline"]
        rows.append(("gRPC 2-node predict, a unique image URL per call: emulator", _speed(e, "calls/s"), "", None))
        rows.append((f"gRPC 2-node predict: grpc.aio baseline servicer ({g['response_bytes']} bytes)",
                     _speed(b, "calls/s"), "", None))
        rounds = ", ".join(f"{r:.2f}" for r in g["round_ratios"])
        rows.append(("gRPC 2-node predict: ratio", f"{g['ratio']:.2f} (rounds {rounds})",
                     f">= {TARGETS['grpc_ratio']}", g["ratio"] >= TARGETS["grpc_ratio"]))
    return rows


def cpu_per_request(args: argparse.Namespace, server_cpu: int | None) -> dict[str, Any]:
    """loadtests/cpu_per_request.py in a process of its own on the server core: the servers' CPU per
    request through uvicorn's protocol, no sockets (the steady figure behind the wrk ratios)."""
    cmd = [sys.executable, str(ROOT / "loadtests" / "cpu_per_request.py"), "--json",
           "--rounds", str(max(3, args.rounds)), "--requests", str(args.cpu_requests)]
    pin = (lambda: os.sched_setaffinity(0, {server_cpu})) if server_cpu is not None else None
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False, preexec_fn=pin)
    if proc.returncode != 0:
        raise SystemExit(f"cpu_per_request.py failed: {proc.stderr[-2000:]}")
    rows: dict[str, Any] = json.loads(proc.stdout)
    return rows


CPU_LABELS = {"same": "the same request repeated", **{k: v[0] for k, v in UNIQUE_LABELS.items()}}


def report(res: dict[str, Any], generator: str, args: argparse.Namespace) -> str:
    t = res["throughput"]
    rows: list[tuple[str, str, str, bool | None]] = []
    if "emulator" in t:
        e, b = t["emulator"], t["baseline"]
        rows += [
            (f"{args.workload} predict, the same request repeated: emulator", _speed(e),
             f"p99 < {TARGETS['p99_ms']:.0f} ms", e["p99_ms"] < TARGETS["p99_ms"]),
            (f"{args.workload} predict, the same request repeated: baseline", _speed(b), "", None),
        ]
        if "python_generator" in e:
            pe, pb = e["python_generator"], b["python_generator"]
            rows.append(("same, asyncio generator (1 round)",
                         (f"emulator {pe['rps']:.0f} req/s p99 {pe['p99_ms']:.2f} ms; baseline {pb['rps']:.0f} req/s "
                          f"p99 {pb['p99_ms']:.2f} ms"), "", None))
        rows.append(("ratio emulator / baseline", f"{t['ratio']:.2f}", f">= {TARGETS['ratio']}",
                     t["ratio"] >= TARGETS["ratio"]))
        if "full_path" in t:
            fp = t["full_path"]
            rows.append(("same request, predict lane off (1 round)",
                         f"{_speed(fp)} (ratio {fp['rps'] / b['rps']:.2f})", "", None))
    rows += _unique_rows(t)
    for key, c in res.get("cpu_per_request", {}).items():
        rows.append((f"server CPU per request, no sockets, {CPU_LABELS[key]}",
                     f"emulator {c['emulator_us']:.0f} µs, baseline {c['baseline_us']:.1f} µs: ratio {c['ratio']:.2f}",
                     "", None))
    r = res["ready"]
    rows.append(("ready (spawn -> 200 /_emulator/health)",
                 f"{statistics.median(r['with_grpc']):.3f} s (no gRPC {statistics.median(r['no_grpc']):.3f} s)",
                 f"< {TARGETS['ready_s']} s", statistics.median(r["with_grpc"]) < TARGETS["ready_s"]))
    if "fixture" in res:
        f = res["fixture"]
        rows.append(("pytest fixture start (LiveServer.start)",
                     f"{f['first_s']:.3f} s (again {f['second_s']:.3f} s; plugin import {f['import_s']:.3f} s)",
                     f"< {TARGETS['fixture_s']} s", f["first_s"] < TARGETS["fixture_s"]))
    for key, label in (("clarifai", "reset, 1,000 Clarifai workflows"), ("flow", "reset, 1,000 Flow workflows")):
        if key in res.get("reset", {}):
            v = res["reset"][key]
            http = f", over HTTP {v['http_ms']:.2f} ms" if v.get("http_ms") is not None else ""
            rows.append((label, f"{v['in_process_ms']:.2f} ms in-process{http}", f"< {TARGETS['reset_ms']:.0f} ms",
                         v["in_process_ms"] < TARGETS["reset_ms"]))
    if "rss" in t:
        m = t["rss"]
        rows.append((f"RSS after {m['workflows']:,} workflows",
                     (f"{m['after_clarifai_mb']:.0f} MB with {m['workflows']:,} Clarifai 2-node workflows "
                      f"({m['clarifai_kb_per_workflow']:.1f} KB each; {m['before_mb']:.0f} MB before); "
                      f"{m['after_mb']:.0f} MB after {m['workflows']:,} Flow templates more "
                      f"({m['flow_kb_per_workflow']:.1f} KB each)"), "", None))
    if "concurrent" in res:
        c = res["concurrent"]
        for name, label in (("get_workflow", "GetWorkflow"), ("predict", "2-node predict")):
            v = c[name]
            rows.append((f"{c['count']:,} concurrent {label} requests, 1 s injected latency",
                         f"{v['wall_s']:.3f} s wall, {v['errors']} errors ({c['via']})",
                         f"< {TARGETS['concurrent_s']} s", v["wall_s"] < TARGETS["concurrent_s"] and not v["errors"]))
    lines = [f"command: {res.get('command', '')}",
             (f"generator: {generator}, {args.connections} connections, {args.rounds} x {args.duration:g} s "
             f"alternating rounds; server core {t['server_cpu']}, generator core {t['generator_cpu']}, "
             f"pinned: {t['pinned']}; response {t['response_bytes']} bytes"), "",
             "| measurement | result | target | met |", "|---|---|---|---|"]
    for name, value, target, ok in rows:
        lines.append(f"| {name} | {value} | {target} | {'' if ok is None else ('yes' if ok else 'NO')} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--generator", choices=["auto", "wrk", "python"], default="auto")
    p.add_argument("--connections", type=int, default=50)
    p.add_argument("--workload", default="2x1", help="predict measured: <nodes>x<inputs>, e.g. 2x1 or 5x32")
    p.add_argument("--duration", type=float, default=5.0, help="seconds per measured round")
    p.add_argument("--warmup", type=float, default=1.0, help="seconds of warm-up before each round")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--workflows", type=int, default=10_000, help="workflows created for the memory figure")
    p.add_argument("--concurrent", type=int, default=1_000)
    p.add_argument("--quick", action="store_true", help="throughput and ready time only")
    p.add_argument("--rows", default="repeated,unique,grpc,cpu",
                   help="throughput rows to measure: repeated (the same request), unique (REST), grpc, cpu "
                        "(server CPU per request without sockets, loadtests/cpu_per_request.py)")
    p.add_argument("--cpu-requests", type=int, default=2000, help="requests per round of the cpu rows")
    p.add_argument("--out", default=str(ROOT / "loadtests" / "out" / "bench.json"))
    args = p.parse_args(argv)
    generator = generators.available(args.generator)
    server_cpu, gen_cpu = cpu_plan()
    if gen_cpu is not None:
        os.sched_setaffinity(0, {gen_cpu})  # the python generator and set-up calls stay off the server core
    started = time.perf_counter()
    res: dict[str, Any] = {"command": " ".join(["loadtests/bench.py", *(argv if argv is not None else sys.argv[1:])]),
                           "ready": ready_times(3)}
    res["throughput"] = throughput(args, server_cpu, gen_cpu, generator)
    if "cpu" in args.rows:
        res["cpu_per_request"] = cpu_per_request(args, server_cpu)
    if not args.quick:
        res["concurrent"] = concurrent_latency(args.concurrent, server_cpu)
        res["fixture"] = fixture_start()
        res["reset"] = reset_times(1_000)
    res["wall_s"] = time.perf_counter() - started
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(res, indent=2))
    print(report(res, generator, args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
