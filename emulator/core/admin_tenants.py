"""The control plane's tenant-wide calls: health, info, the tenant list, reset, seed (requests or a
saved state document), the state view and consumer coverage (openapi/emulator-admin.yaml)."""
from __future__ import annotations

import asyncio
import dataclasses
import time
from typing import Any

from starlette.requests import Request

from emulator.core import coverage as coverage_report
from emulator.core import ranges, snapshot
from emulator.core import seed as seeding
from emulator.core.admin_kit import AdminError, emulator_of, json_body, tenant_name, tenant_of, version
from emulator.core.api import ApiDescriptor
from emulator.core.clock import ManualClock, make_clock
from emulator.core.emulator import Tenant
from emulator.core.redaction import redact

RESET_KEYS = frozenset({"tenant", "all"})
RESET_GRACE_S = 1.0  # how long reset waits for cancelled work to unwind
HEALTH_TENANT = "_emulator-health"


def reset_target(named: str | None, body: Any) -> str | None:
    """The tenant a reset is for, or None for every tenant, which must be asked for explicitly:
    a reset without a tenant, or with a misspelt body, used to wipe every tenant of a shared
    emulator."""
    if not isinstance(body, dict):
        raise AdminError(400, 'the reset body must be a JSON object: {"tenant": "<name>"} or {"all": true}')
    ranges.known_keys(body, RESET_KEYS, "reset")
    wants_all = body.get("all", False)
    if not isinstance(wants_all, bool):
        raise AdminError(400, "`all` must be true or false")
    tenant = body.get("tenant")
    if tenant is not None and not isinstance(tenant, str):
        raise AdminError(400, "`tenant` must be a string")
    if wants_all:  # explicit in the body: wins over a tenant header a client sends on every call
        if tenant:
            raise AdminError(400, f"reset names tenant {tenant!r} and asks for all tenants: send one of them")
        return None
    name = tenant or named
    if not name:
        raise AdminError(400, "reset needs a tenant (the x-emulator-tenant header, ?tenant= or "
                              '{"tenant": "<name>"}); to reset every tenant send {"all": true}')
    return name


async def get_health(request: Request) -> Any:
    emulator = emulator_of(request)
    apis: tuple[ApiDescriptor, ...] = getattr(request.app.state, "apis", ())
    # "ready" = each API answers its descriptor's probe in its own shape (any status below 500;
    # a probe without credentials answers the API's auth error) and its other doors are bound
    names = {b.name for b in request.app.state.bindings}
    up: dict[str, str] = {}
    for api in apis:
        ok = False
        if api.name in names and emulator.started_at:
            status, body = await seeding.asgi_request(request.app, HEALTH_TENANT, "GET", api.health_probe)
            ok = status < 500 and isinstance(body, dict)
        up[api.name] = "up" if ok else "down"
    emulator.reset(HEALTH_TENANT)
    for api in apis:
        if api.doors is not None:
            up.update(api.doors(emulator))
    if not all(v == "up" for v in up.values()):
        raise AdminError(503, f"not ready: {', '.join(k for k, v in up.items() if v != 'up')}")
    return {"status": "ready", "apis": up}


async def get_info(request: Request) -> Any:
    emulator = emulator_of(request)
    apis: tuple[ApiDescriptor, ...] = getattr(request.app.state, "apis", ())
    s = emulator.settings
    return {"emulator": {"name": "workflow-emulator", "version": version("workflow-emulator")},
            "emulates": {k: v for api in apis if api.emulates is not None for k, v in api.emulates(s).items()},
            "settings": redact(dataclasses.asdict(s)),
            "ports": {"http": request.url.port, **emulator.ports},
            "tenants": sorted(emulator.tenants), "started_at_ms": int(emulator.started_at * 1000)}


async def list_tenants(request: Request) -> Any:
    emulator = emulator_of(request)
    return {"tenants": [{"name": t.name, "clock": t.clock.describe(), "faults": len(t.faults.list()),
                         "journal": len(t.journal), "in_flight": t.in_flight}
                        for t in emulator.tenants.values()]}


async def reset(request: Request) -> Any:
    emulator = emulator_of(request)
    t0 = time.perf_counter()
    name = reset_target(tenant_name(request), await json_body(request, {}))
    victims = [emulator.tenants[n] for n in ([name] if name else list(emulator.tenants))
               if n in emulator.tenants]
    tasks = [task for t in victims for task in t.tasks()]
    names = emulator.reset(name)
    for t in victims:
        _release_requests(t)
    if tasks:
        # cancelled provisioning unwinds before we answer: nothing of the old world still runs
        await asyncio.wait(tasks, timeout=RESET_GRACE_S)
    return {"reset": names, "all": name is None, "cancelled": len(tasks),
            "took_ms": round((time.perf_counter() - t0) * 1000, 3)}


def _release_requests(tenant: Tenant) -> None:
    """Requests of a reset tenant that are still waiting on its manual clock (a deprovision
    between passes, injected latency) would hang forever: let them finish against the discarded
    state, with time running instantly from now on."""
    old = tenant.clock
    tenant.set_clock(make_clock("scaled", 1e9, old.now()))
    if isinstance(old, ManualClock):
        old.release_all()


async def seed(request: Request) -> Any:
    emulator = emulator_of(request)
    apis: tuple[ApiDescriptor, ...] = getattr(request.app.state, "apis", ())
    doc = await json_body(request, {})
    if isinstance(doc, dict) and "format" in doc:
        return await _load_state(request, doc)
    tenant = tenant_of(request)
    steps = seeding.plan(doc, apis, emulator.settings)
    results: list[dict[str, Any]] = []
    sections = {d.seed.key: d.seed for d in apis if d.seed is not None}
    ids: dict[str, list[str]] = {s.created: [] for s in sections.values()}
    prepared: dict[str, Any] = {}
    for key, section in sections.items():
        if section.prepare is not None:
            prepared.update(await section.prepare(tenant, doc.get(key) or {}, AdminError))
    for st in steps:
        status, body = await seeding.asgi_request(request.app, tenant.name, st.method, st.path,
                                                  st.body, st.query, st.headers)
        results.append({"method": st.method, "path": st.path, "status": status, "body": body})
        done = sections.get(st.section or "")
        cid = done.created_id(body) if done is not None and status < 300 else None
        if done is not None and cid:
            ids[done.created].append(cid)
    failed = [r for r in results if r["status"] >= 300]
    if failed:
        raise AdminError(422, f"{len(failed)} of {len(results)} seed requests failed: "
                              + "; ".join(f"{r['method']} {r['path']} -> {r['status']} {r['body']}"
                                          for r in failed))
    return {"tenant": tenant.name, **ids, **prepared, "results": results}


async def get_state(request: Request) -> Any:
    emulator = emulator_of(request)
    if request.query_params.get("all", "").lower() == "true":
        return snapshot.document(list(emulator.tenants.values()), emulator.vault)
    t = tenant_of(request)
    # the view (what a test author reads) and, under `format` + `tenants`, the document that
    # POST /_emulator/seed loads back (secrets as fingerprints)
    view = redact({**t.dump(), "faults": [r.to_json() for r in t.faults.list()],
                   "journal_entries": len(t.journal), "in_flight": t.in_flight})  # secrets as fingerprints
    return {**view, **snapshot.document([t], emulator.vault)}


async def _load_state(request: Request, doc: dict[str, Any]) -> Any:
    emulator = emulator_of(request)
    named = tenant_name(request)
    tenants = doc.get("tenants")
    if named and isinstance(tenants, list) and len(tenants) == 1 and isinstance(tenants[0], dict):
        # one tenant's state loads into the tenant the request addresses (e.g. a test's own)
        doc = {**doc, "tenants": [{**tenants[0], "tenant": named}]}
    try:
        loaded = snapshot.load_document(emulator, doc, emulator.vault)
    except snapshot.SnapshotError as exc:
        raise AdminError(400, str(exc)) from None
    return {"loaded": loaded}


async def get_coverage(request: Request) -> Any:
    return coverage_report.coverage(request.app, tenant_of(request))
