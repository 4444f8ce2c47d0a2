"""The soak's traffic (soak.py): the ordinary clients and the hostile client, and the Stats both count into.

An ordinary client runs one tenant's scenario at a time: a Clarifai workflow set up once, then
predicts with an input never seen before, Flow lifecycles (create + provision, status, a deprovision
that a one-off fault refuses once and the retry completes, delete), a control-plane fault rule whose
injected answer is checked, journal reads and tenant resets. The hostile client replays the inputs of
issue #12's table, each with the statuses that count as a clear refusal; a 5xx or no answer is a
failure, another 4xx is counted as unexpected.
"""
from __future__ import annotations

import asyncio
import itertools
import random
import socket
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

FLOW = "/_plugins/_flow_framework/workflow"
APP = "/v2/users/me/apps/main"
KEY = {"authorization": "Key soak-pat"}
JSON = {"content-type": "application/json"}
GENERAL = {"id": "aaa03c23b3724a16a56b629203edc62c", "model_version": {"id": "aa9ca48295b37401f8af92ad1af0d91d"}}
CONNECTOR = {"name": "soak", "workflows": {"provision": {"nodes": [{
    "id": "create_connector", "type": "create_connector",
    "user_inputs": {"name": "c", "description": "d", "version": "1", "protocol": "http",
                    "parameters": {"endpoint": "api.example.com"}, "credential": {"key": "sk-soak"},
                    "actions": [{"action_type": "predict", "method": "POST", "url": "https://x/v1"}]}}]}}}


@dataclass
class Stats:
    latencies_ms: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    ordinary: Counter[str] = field(default_factory=Counter)
    hostile: Counter[str] = field(default_factory=Counter)
    rss: list[tuple[float, float]] = field(default_factory=list)

    def fail(self, what: str) -> None:
        if len(self.failures) < 10_000:
            self.failures.append(what)


class Ordinary:
    """One client of one tenant at a time (a tenant's scenario runs under its lock)."""

    def __init__(self, client: httpx.AsyncClient, stats: Stats) -> None:
        self.c = client
        self.stats = stats
        self.ready: set[str] = set()

    async def call(self, name: str, expect: set[int], method: str, path: str, tenant: str, **kw: Any) -> httpx.Response:
        headers = {"x-emulator-tenant": tenant, **kw.pop("headers", {})}
        t0 = time.perf_counter()
        try:
            r = await self.c.request(method, path, headers=headers, **kw)
        except httpx.HTTPError as exc:
            self.stats.fail(f"{name}: {type(exc).__name__}")
            raise
        self.stats.latencies_ms.append((time.perf_counter() - t0) * 1000)
        self.stats.ordinary[name] += 1
        if r.status_code not in expect:
            self.stats.fail(f"{name}: {r.status_code} {r.text[:200]}")
        return r

    async def setup(self, tenant: str) -> None:
        body = {"workflows": [{"id": "soak", "nodes": [{"id": "g", "model": GENERAL}]}]}
        await self.call("post_workflows", {200}, "POST", f"{APP}/workflows", tenant, json=body, headers=KEY)
        self.ready.add(tenant)

    async def predict(self, tenant: str, expect: set[int] | None = None) -> None:
        body = {"inputs": [{"data": {"image": {"url": f"https://samples.example/{uuid.uuid4().hex}.jpg"}}}]}
        await self.call("predict", expect or {200}, "POST", f"{APP}/workflows/soak/results", tenant, json=body,
                        headers=KEY)

    async def flow_lifecycle(self, tenant: str) -> None:
        # create + provision answers 201, or 202 while provisioning runs (wait_for_completion_timeout unset)
        r = await self.call("create_workflow", {201, 202}, "POST", FLOW, tenant, json=CONNECTOR,
                            params={"provision": "true"})
        wid = r.json().get("workflow_id")
        for _ in range(200):
            r = await self.call("get_workflow_status", {200}, "GET", f"{FLOW}/{wid}/_status", tenant)
            if r.json().get("state") == "COMPLETED":
                break
            await asyncio.sleep(0.02)  # a client polling for provisioning, as users do
        else:
            self.stats.fail("flow: provisioning did not complete")
            return
        await self.call("add_faults", {201}, "POST", "/_emulator/faults", tenant, headers=JSON,
                        json={"match": {"phase": "deprovision", "workflow_id": wid},
                              "effect": {"type": "step_error", "status": 500}, "count": 1})
        await self.call("deprovision_refused", {202}, "POST", f"{FLOW}/{wid}/_deprovision", tenant)
        await self.call("deprovision_retry", {200}, "POST", f"{FLOW}/{wid}/_deprovision", tenant)
        await self.call("delete_workflow", {200}, "DELETE", f"{FLOW}/{wid}", tenant)

    async def injected(self, tenant: str) -> None:
        await self.call("add_faults", {201}, "POST", "/_emulator/faults", tenant, headers=JSON,
                        json={"match": {"api": "clarifai", "operation": "post_workflow_results"},
                              "effect": {"type": "error", "status": 503}, "count": 1})
        await self.predict(tenant, {503})
        await self.predict(tenant)

    async def reset(self, tenant: str) -> None:
        await self.call("reset", {200}, "POST", "/_emulator/reset", tenant, headers=JSON, json={})
        self.ready.discard(tenant)

    async def journal(self, tenant: str) -> None:
        await self.call("get_journal", {200}, "GET", "/_emulator/journal", tenant, params={"limit": 20})

    async def turn(self, tenant: str, rng: random.Random) -> None:
        if tenant not in self.ready:
            await self.setup(tenant)
        roll = rng.random()
        if roll < 0.70:
            await self.predict(tenant)
        elif roll < 0.82:
            await self.flow_lifecycle(tenant)
        elif roll < 0.90:
            await self.injected(tenant)
        elif roll < 0.95:
            await self.journal(tenant)
        else:
            await self.reset(tenant)


def _yaml_bomb() -> bytes:
    return (b"name: lol\nworkflows:\n  provision:\n    nodes:\n"
            + b"".join(b"      - &l%d [" % i + b", ".join([b"*l%d" % (i - 1) if i else b'"lol"'] * 9) + b"]\n"
                       for i in range(9)))


def hostile_inputs() -> list[tuple[str, set[int], dict[str, Any]]]:
    """(name, acceptable statuses, request) for the issue's table, each small enough to repeat."""
    predict = f"{APP}/workflows/soak/results"
    return [
        ("1 filter_path stars", {200}, {"method": "GET", "url": "/", "params": {"filter_path": "*" * 30 + "b"}}),
        ("2 yaml aliases", {201, 400}, {"method": "POST", "url": FLOW, "content": _yaml_bomb(),
                                        "headers": {"content-type": "application/yaml"}}),
        ("3 yaml depth", {400}, {"method": "POST", "url": FLOW, "content": b"[" * 100_000 + b"]" * 100_000,
                                 "headers": {"content-type": "application/yaml"}}),
        ("4 clock 1e308", {400}, {"method": "POST", "url": "/_emulator/clock/advance", "json": {"seconds": 1e308},
                                  "headers": JSON}),
        ("4 now_ms 1e300", {400}, {"method": "PUT", "url": "/_emulator/clock",
                                   "json": {"mode": "manual", "now_ms": 1e300}, "headers": JSON}),
        ("4 journal limit inf", {400}, {"method": "GET", "url": "/_emulator/journal", "params": {"limit": "inf"}}),
        ("4 sigma 1e6", {400}, {"method": "POST", "url": "/_emulator/faults", "headers": JSON, "json": {
            "effect": {"type": "latency", "distribution": "lognormal", "median_ms": 1, "sigma": 1e6}}}),
        ("7 64 KB header", {431}, {"method": "GET", "url": "/", "headers": {"x-junk": uuid.uuid4().hex * 2048}}),
        ("8 chunked 3 MB", {413}, {"method": "POST", "url": predict, "headers": {**KEY, **JSON},
                                   "content": "chunks"}),
        ("8 2 MB fault rule", {413}, {"method": "POST", "url": "/_emulator/faults", "headers": JSON,
                                      "content": b'{"id": "' + b"x" * 2_000_000 + b'"}'}),
        ("9 512 KB body", {200, 400, 404}, {"method": "POST", "url": predict, "headers": {**KEY, **JSON},
                                            "content": b'{"inputs": [{"data": {"text": {"raw": "'
                                                       + b"y" * 512_000 + b'"}}}]}'}),
        ("10 reset [1]", {400}, {"method": "POST", "url": "/_emulator/reset", "json": [1], "headers": JSON}),
        ("10 reset typo", {400}, {"method": "POST", "url": "/_emulator/reset", "json": {"tenat": "x"},
                                  "headers": JSON}),
        ("10 reset empty tenant", {400}, {"method": "POST", "url": "/_emulator/reset", "json": {},
                                          "headers": {**JSON, "x-emulator-tenant": ""}}),
        ("11 foreign origin", {403}, {"method": "POST", "url": "/_emulator/reset", "json": {"all": True},
                                      "headers": {**JSON, "origin": "https://evil.example"}}),
        ("11 text/plain", {415}, {"method": "POST", "url": "/_emulator/reset", "content": b'{"all": true}',
                                  "headers": {"content-type": "text/plain"}}),
        ("11 rebinding host", {421}, {"method": "POST", "url": "/_emulator/reset", "json": {"all": True},
                                      "headers": {**JSON, "host": "evil.example"}}),
        ("16 60 KB parameter", {431}, {"method": "GET", "url": f"{FLOW}/_search", "params": {"p" * 60_000: "1"}}),
        ("17 effect typo", {400}, {"method": "POST", "url": "/_emulator/faults", "headers": JSON,
                                   "json": {"effect": {"type": "error", "statsu": 503}}}),
        ("17 min > max", {400}, {"method": "POST", "url": "/_emulator/faults", "headers": JSON, "json": {
            "effect": {"type": "latency", "distribution": "uniform", "min_ms": 9, "max_ms": 1}}}),
    ]


async def _chunks() -> Any:
    for _ in range(3):
        yield b"z" * (1024 * 1024)


async def hostile(url: str, port: int, stats: Stats, stop: asyncio.Event) -> None:
    inputs = hostile_inputs()
    strangers = itertools.count()
    async with httpx.AsyncClient(base_url=url, timeout=30) as c:
        while not stop.is_set():
            for name, expect, req in inputs:
                if stop.is_set():
                    return
                req = dict(req)
                if req.get("content") == "chunks":
                    req["content"] = _chunks()
                req["headers"] = {"x-emulator-tenant": "hostile", **req.get("headers", {})}
                try:
                    r = await c.request(**req)
                    ok = r.status_code in expect
                    stats.hostile[f"{name} -> {r.status_code}"] += 1
                    if r.status_code >= 500:
                        stats.fail(f"hostile {name}: {r.status_code} {r.text[:200]}")
                    elif not ok:
                        stats.hostile[f"{name}: unexpected"] += 1
                except httpx.HTTPError as exc:
                    stats.fail(f"hostile {name}: {type(exc).__name__}")
                await asyncio.sleep(0.05)  # the hostile client paces itself; it must not be the whole load
            # row 6: one-off tenants; row 15: a socket that never sends anything (the server closes it)
            for _ in range(10):
                r = await c.get("/", headers={"x-emulator-tenant": f"stranger-{next(strangers)}"})
                stats.hostile[f"6 one-off tenant -> {r.status_code}"] += 1
            idle = socket.create_connection(("127.0.0.1", port))
            asyncio.get_running_loop().call_later(30, idle.close)
            stats.hostile["15 idle socket opened"] += 1
