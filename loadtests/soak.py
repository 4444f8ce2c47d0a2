"""`make soak`: a bounded soak of one emulator process under ordinary and hostile traffic (issue #12).

Ordinary clients spread over 200 tenants: Clarifai predicts with an input never seen before, Flow
lifecycles (create + provision, status, a deprovision that a one-off fault refuses once and the
retry completes, delete), control-plane fault rules whose injected answer is checked, and tenant
resets. Meanwhile a hostile client replays the inputs of the issue's table (filter_path stars,
YAML alias bombs and deep nesting, absurd clock/fault/journal numbers, thousands of one-off
tenants, oversized headers and chunked bodies, big journaled bodies, malformed resets, cross-site
and rebinding control-plane calls, long parameter names, typos in fault rules, idle sockets).
Both kinds of client are in soak_traffic.py; this module runs them, samples RSS and reports.

Every 10 s the server's RSS is sampled. At the end it prints: failures (ordinary requests not
answered as expected; hostile requests answered 5xx or not at all), p99 of ordinary requests, and
RSS growth from minute 2 (or the first fifth of a short run) to the end. Targets (reported, not
asserted): 0 failures, RSS growth <= 20 MB, p99 <= 50 ms. Exit status 1 when anything failed.

    python loadtests/soak.py --duration 600        # make soak
    python loadtests/soak.py --duration 20 --tenants 50
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import time
from collections import Counter
from typing import Any

import httpx
from servers import ServerProcess, start_emulator
from soak_traffic import Ordinary, Stats, hostile

TARGETS = {"failures": 0, "rss_growth_mb": 20.0, "p99_ms": 50.0}
SAMPLE_EVERY_S = 10.0


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def sampler(pid: int, stats: Stats, stop: asyncio.Event, started: float) -> None:
    while not stop.is_set():
        stats.rss.append((time.monotonic() - started, rss_mb(pid)))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), SAMPLE_EVERY_S)


async def soak(server: ServerProcess, duration: float, tenants: int, workers: int, seed: int) -> Stats:
    stats = Stats()
    stop = asyncio.Event()
    started = time.monotonic()
    names = [f"soak-{i}" for i in range(tenants)]
    locks = {n: asyncio.Lock() for n in names}
    limits = httpx.Limits(max_connections=workers * 2, max_keepalive_connections=workers * 2)
    async with httpx.AsyncClient(base_url=server.url, timeout=30, limits=limits) as client:
        ordinary = Ordinary(client, stats)

        async def worker(i: int) -> None:
            rng = random.Random(f"{seed}:{i}")
            while time.monotonic() - started < duration:
                tenant = rng.choice(names)
                async with locks[tenant]:
                    with contextlib.suppress(httpx.HTTPError):  # counted as a failure by `call`
                        await ordinary.turn(tenant, rng)

        tasks = [asyncio.create_task(sampler(server.proc.pid, stats, stop, started)),
                 asyncio.create_task(hostile(server.url, server.port, stats, stop))]
        await asyncio.gather(*(worker(i) for i in range(workers)))
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
    stats.rss.append((time.monotonic() - started, rss_mb(server.proc.pid)))
    return stats


def report(stats: Stats, duration: float) -> dict[str, Any]:
    lat = sorted(stats.latencies_ms)
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else float("nan")
    p50 = lat[len(lat) // 2] if lat else float("nan")
    from_s = 120.0 if duration >= 180 else duration / 5
    base = next((rss for t, rss in stats.rss if t >= from_s), stats.rss[0][1])
    growth = stats.rss[-1][1] - base
    out = {"duration_s": duration, "ordinary_requests": len(lat), "hostile_requests": sum(
        v for k, v in stats.hostile.items() if "->" in k), "failures": len(stats.failures),
        "p50_ms": round(p50, 2), "p99_ms": round(p99, 2), "rss_mb": [round(r, 1) for _, r in stats.rss],
        "rss_growth_mb": round(growth, 1), "rss_growth_from_s": round(from_s, 1),
        "targets": TARGETS, "first_failures": stats.failures[:10], "ordinary": dict(stats.ordinary),
        "hostile": dict(sorted(stats.hostile.items()))}
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--duration", type=float, default=600.0, help="seconds of load (default 600)")
    p.add_argument("--tenants", type=int, default=200)
    p.add_argument("--workers", type=int, default=16, help="concurrent ordinary clients")
    p.add_argument("--seed", type=int, default=12)
    p.add_argument("--json", default=None, help="also write the figures to this file")
    args = p.parse_args(argv)
    env = {"EMULATOR_STEP_LATENCY_SCALE": "0", "EMULATOR_MAX_BODY_BYTES": str(1024 * 1024),
           "EMULATOR_CLARIFAI_MAX_REQUEST_BYTES": str(1024 * 1024),
           "EMULATOR_HEADER_TIMEOUT_S": "5"}
    server = start_emulator(env, grpc=False)
    try:
        stats = asyncio.run(soak(server, args.duration, args.tenants, args.workers, args.seed))
    finally:
        server.stop()
    out = report(stats, args.duration)
    print(f"soak: {args.duration:.0f} s, {args.tenants} tenants, {out['ordinary_requests']} ordinary and "
          f"{out['hostile_requests']} hostile requests")
    print(f"  failures: {out['failures']} (target {TARGETS['failures']})")
    print(f"  p99: {out['p99_ms']} ms, p50: {out['p50_ms']} ms (target p99 <= {TARGETS['p99_ms']} ms)")
    print(f"  RSS: {out['rss_mb'][0]} -> {out['rss_mb'][-1]} MB; growth from {out['rss_growth_from_s']} s to the "
          f"end: {out['rss_growth_mb']} MB (target <= {TARGETS['rss_growth_mb']} MB)")
    print(f"  RSS samples (every {SAMPLE_EVERY_S:.0f} s): {out['rss_mb']}")
    for kind, n in Counter(f.split(":")[0] for f in stats.failures).most_common():
        print(f"  failures of {kind}: {n}")
    for f in out["first_failures"]:
        print(f"  FAILURE {f}")
    unexpected = {k: v for k, v in out["hostile"].items() if "unexpected" in k}
    if unexpected:
        print(f"  hostile inputs answered with an unexpected 4xx: {unexpected}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=2)
    return 1 if out["failures"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
