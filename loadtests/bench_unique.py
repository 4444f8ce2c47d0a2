"""`make bench` rows for real traffic: every request different (issue 17).

Three REST rows, each against the bare Starlette baseline answering the same size, in alternating
rounds within one run: a unique image URL per request, a unique ~24 KB base64 JPEG per request,
and 32 unique image URLs per request. The generator numbers a slot in the body request after
request (generators.SLOT), from a start no other measurement of the run uses, so no request
repeats and neither the predict lane nor any cache can answer it.
"""
from __future__ import annotations

import base64
import itertools
import random
import statistics
import sys
from typing import Any

import generators
import loadgen
import orjson
import workloads as w
from generators import SLOT
from servers import ServerProcess, start_baseline

_starts = itertools.count(1_000_000_000, 1_000_000_000)  # every measurement's own numbers
JPEG_BYTES = 24 * 1024


def _jpeg_base64() -> str:
    """A ~24 KB JPEG-looking payload in base64 with a slot in its text past the magic bytes (chars 8-19
    are bytes 6-14: the slot's digits are base64 characters, the length stays a multiple of 4)."""
    raw = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + random.Random(17).randbytes(JPEG_BYTES - 11)
    text = base64.b64encode(raw).decode()
    return text[:8] + SLOT.decode() + text[8 + len(SLOT):]


def bodies() -> dict[str, tuple[str, bytes]]:
    """row name -> (workflow id, body with slots)."""
    url = w.SAMPLE_IMAGE + "?u=" + SLOT.decode()
    return {
        "unique_url": ("load-2-node", orjson.dumps({"inputs": [{"data": {"image": {"url": url}}}]})),
        "unique_base64": ("load-2-node", orjson.dumps({"inputs": [{"data": {"image": {"base64": _jpeg_base64()}}}]})),
        "unique_url_x32": ("load-2-node", orjson.dumps({"inputs": [{"data": {"image": {"url": url}}}] * 32})),
    }


def target(workflow_id: str, body: bytes) -> generators.Target:
    return generators.Target("POST", w.predict_path(workflow_id), body,
                             {"Content-Type": "application/json", "Authorization": "Key bench"},
                             unique=True, start=next(_starts))


def response_size(port: int, t: generators.Target) -> int:
    status, body = loadgen.run(loadgen.send(port, loadgen.encode_request(  # type: ignore[misc]
        t.method, t.path, t.numbered(t.start), t.headers, port)))
    if status != 200:
        raise SystemExit(f"unique predict failed: HTTP {status} {body[:300]!r}")
    return len(body)


def _summary(ms: list[generators.Measurement]) -> dict[str, Any]:
    return {"rps": statistics.median(m.rps for m in ms), "p50_ms": statistics.median(m.p50_ms for m in ms),
            "p99_ms": statistics.median(m.p99_ms for m in ms), "errors": sum(m.errors for m in ms),
            "requests": sum(m.requests for m in ms)}


def rows(emu: ServerProcess, args: Any, server_cpu: int | None, gen_cpu: int | None,
         generator: str, names: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The rows (all, or those `names`d) measured against `emu`, each with its own baseline."""
    out: dict[str, Any] = {}
    for name, (wid, body) in bodies().items():
        if names is not None and name not in names:
            continue
        size = response_size(emu.port, target(wid, body))
        base = start_baseline(size, cpu=server_cpu)
        try:
            runs: dict[str, list[generators.Measurement]] = {"emulator": [], "baseline": []}
            for rnd in range(args.rounds):
                for who, srv in (("emulator", emu), ("baseline", base)):
                    generators.measure(generator, srv.port, target(wid, body), args.connections, args.warmup,
                                       gen_cpu)
                    m = generators.measure(generator, srv.port, target(wid, body), args.connections,
                                           args.duration, gen_cpu)
                    runs[who].append(m)
                    print(f"  {name} round {rnd + 1} {who:8s} {m.rps:9.0f} req/s  p50 {m.p50_ms:6.2f} ms  "
                          f"p99 {m.p99_ms:6.2f} ms  errors {m.errors}", file=sys.stderr)
            if generator == "wrk":
                # wrk's percentiles against the emulator's unique rows run 10x those of a client that
                # records every request (loadtests/loadgen.py) at the same throughput, while the server
                # reads every connection at least every 30 ms (p99): one round of each side with it
                checked = {who: generators.measure("python", srv.port, target(wid, body), args.connections,
                                                   args.duration, gen_cpu)
                           for who, srv in (("emulator", emu), ("baseline", base))}
        finally:
            base.stop()
        row: dict[str, Any] = {"response_bytes": size, "request_bytes": len(body), **{
            who: _summary(ms) for who, ms in runs.items()}}
        if generator == "wrk":
            for who, m in checked.items():
                row[who]["python_generator"] = {"rps": m.rps, "p50_ms": m.p50_ms, "p99_ms": m.p99_ms}
        row["ratio"] = row["emulator"]["rps"] / row["baseline"]["rps"]
        # per round: the two sides measured back to back, so a noisy neighbour hits both
        row["round_ratios"] = [e.rps / b.rps for e, b in zip(runs["emulator"], runs["baseline"], strict=True)]
        out[name] = row
    return out
