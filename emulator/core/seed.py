"""Seeding a tenant: fixture state is posted through the APIs themselves, in process.

Replaying real API requests (rather than writing into stores) means seeded workflows pass the
same validation, get the same ids and timestamps, and stay valid whatever the backends' internal
layout is. Seed requests are neither journaled nor faulted: they are not the client's doing.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, urlencode

import orjson
from starlette.types import ASGIApp, Message

from emulator.core import faults, journal
from emulator.core.api import ApiDescriptor, SeedRequest
from emulator.core.emulator import TENANT_HEADER
from emulator.settings import Settings


class SeedError(ValueError):
    """A seed document the control plane refuses (reported as 400), also raised by the APIs' planners."""


async def asgi_request(app: ASGIApp, tenant: str, method: str, path: str, body: Any = None,
                       query: dict[str, Any] | None = None,
                       headers: dict[str, str] | None = None) -> tuple[int, Any]:
    """One request through the full app stack without a socket; returns (status, parsed body)."""
    raw = b"" if body is None else orjson.dumps(body)
    hdrs = {"content-type": "application/json", "host": "emulator", **(headers or {}), TENANT_HEADER: tenant}
    scope: dict[str, Any] = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method.upper(),
        "scheme": "http", "path": path, "raw_path": quote(path).encode(), "root_path": "",
        "query_string": urlencode(query or {}, doseq=True).encode(),
        "headers": [(k.lower().encode(), str(v).encode()) for k, v in hdrs.items()],
        "client": ("127.0.0.1", 0), "server": ("emulator", 80), "state": {},
    }
    sent = False
    status = 500
    chunks: list[bytes] = []

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": raw, "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    jtoken = journal.suppressed.set(True)
    ftoken = faults.suspended.set(True)
    try:
        await app(scope, receive, send)
    finally:
        journal.suppressed.reset(jtoken)
        faults.suspended.reset(ftoken)
    data = b"".join(chunks)
    try:
        return status, orjson.loads(data) if data else None
    except orjson.JSONDecodeError:
        return status, data.decode("utf-8", "replace")


def plan(doc: Any, apis: Iterable[ApiDescriptor], settings: Settings) -> list[SeedRequest]:
    """Turn a seed document into the API requests that build it, in order: each API's section
    (its descriptor's `seed`, e.g. {"flow": {...}, "clarifai": {...}}) then the raw requests

    {"requests": [{"method", "path", "body"?, "query"?, "headers"?}...]}
    """
    sections = {d.seed.key: d.seed for d in apis if d.seed is not None}
    keys = {*sections, "requests"}
    if not isinstance(doc, dict) or set(doc) - keys:
        raise SeedError(f"a seed document is an object with keys among {sorted(keys)}")
    out: list[SeedRequest] = []
    for key, section in sections.items():
        planned = section.plan(doc.get(key) or {}, settings)
        out.extend(dataclasses.replace(r, section=key) for r in planned)
    reqs = doc.get("requests") or []
    if not isinstance(reqs, list):
        raise SeedError("`requests` must be a list of {method, path, body?, query?, headers?}")
    for r in reqs:
        if not isinstance(r, dict) or not isinstance(r.get("path"), str) or not r["path"].startswith("/") \
                or r["path"].startswith("/_emulator"):
            raise SeedError("each seed request needs `path` (an API path, not /_emulator/...) and `method`")
        out.append(SeedRequest(str(r.get("method", "POST")), r["path"], r.get("body"), r.get("query"),
                               r.get("headers")))
    return out
