"""Seeding a tenant: fixture state is posted through the APIs themselves, in process.

Replaying real API requests (rather than writing into stores) means seeded workflows pass the
same validation, get the same ids and timestamps, and stay valid whatever the backends' internal
layout is. Seed requests are neither journaled nor faulted: they are not the client's doing.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

import orjson
from starlette.types import ASGIApp, Message

from emulator.core import faults, journal
from emulator.core.emulator import TENANT_HEADER

FLOW_WORKFLOW_PATH = "/_plugins/_flow_framework/workflow"
SEED_KEYS = {"flow", "clarifai", "requests"}


class SeedError(ValueError):
    """A seed document the control plane refuses (reported as 400)."""


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


def plan(doc: Any, default_user: str, default_app: str) -> list[dict[str, Any]]:
    """Turn a seed document into the API requests that build it, in order.

    {"flow": {"workflows": [<template>...], "provision": false},
     "clarifai": {"user_id": "me", "app_id": "main", "authorization": "Key seed",
                  "workflows": [<Workflow>...]},
     "requests": [{"method", "path", "body"?, "query"?, "headers"?}...]}
    """
    if not isinstance(doc, dict) or set(doc) - SEED_KEYS:
        raise SeedError(f"a seed document is an object with keys among {sorted(SEED_KEYS)}")
    out: list[dict[str, Any]] = []
    flow = doc.get("flow") or {}
    if not isinstance(flow, dict) or not isinstance(flow.get("workflows", []), list):
        raise SeedError("`flow` must be an object with a `workflows` list of templates")
    for template in flow.get("workflows", []):
        query = {"provision": "true"} if flow.get("provision") else None
        out.append({"method": "POST", "path": FLOW_WORKFLOW_PATH, "body": template, "query": query,
                    "kind": "flow_workflow"})
    cl = doc.get("clarifai") or {}
    if not isinstance(cl, dict) or not isinstance(cl.get("workflows", []), list):
        raise SeedError("`clarifai` must be an object with a `workflows` list")
    user, app = cl.get("user_id", default_user), cl.get("app_id", default_app)
    auth = {"authorization": str(cl.get("authorization", "Key emulator-seed"))}
    for wf in cl.get("workflows", []):
        out.append({"method": "POST", "path": f"/v2/users/{user}/apps/{app}/workflows",
                    "body": {"user_app_id": {"user_id": user, "app_id": app}, "workflows": [wf]},
                    "headers": auth, "kind": "clarifai_workflow"})
    reqs = doc.get("requests") or []
    if not isinstance(reqs, list):
        raise SeedError("`requests` must be a list of {method, path, body?, query?, headers?}")
    for r in reqs:
        if not isinstance(r, dict) or not isinstance(r.get("path"), str) or not r["path"].startswith("/") \
                or r["path"].startswith("/_emulator"):
            raise SeedError("each seed request needs `path` (an API path, not /_emulator/...) and `method`")
        out.append({"method": str(r.get("method", "POST")), "path": r["path"], "body": r.get("body"),
                    "query": r.get("query"), "headers": r.get("headers"), "kind": "request"})
    return out


def created_id(kind: str, body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    if kind == "flow_workflow":
        wid = body.get("workflow_id")
        return str(wid) if wid else None
    if kind == "clarifai_workflow":
        wfs = body.get("workflows") or []
        return str(wfs[0].get("id")) if wfs and isinstance(wfs[0], dict) else None
    return None
