"""The control plane under /_emulator/: health, info, reset, seed, clock, faults, journal, state,
consumer coverage, and the routes each API adds (its descriptor's `admin_routes`), described in
openapi/emulator-admin.yaml.

Every call is scoped to the tenant named by `x-emulator-tenant` (or `?tenant=`); no tenant means
the default tenant, except for reset, where no tenant means every tenant. Route names are the
operationIds of openapi/emulator-admin.yaml. Admin calls are never journaled or faulted.
"""
from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Awaitable, Callable
from importlib import metadata
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from emulator.core import coverage as coverage_report
from emulator.core import ranges, snapshot
from emulator.core import seed as seeding
from emulator.core.api import AdminKit, ApiDescriptor
from emulator.core.clock import Clock, ManualClock, make_clock
from emulator.core.emulator import TENANT_HEADER, Emulator, Tenant
from emulator.core.faults import FaultRuleError
from emulator.core.http import ApiMount
from emulator.core.journal import redact

PREFIX = "/_emulator"
CLOCK_MODES = ("real", "manual", "scaled")
CLOCK_KEYS = frozenset({"mode", "now_ms", "scale"})
RESET_KEYS = frozenset({"tenant", "all"})
RESET_GRACE_S = 1.0  # how long reset waits for cancelled work to unwind
HEALTH_TENANT = "_emulator-health"


class AdminError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class AdminResponse(Response):
    media_type = "application/json"

    def __init__(self, content: Any, status_code: int = 200) -> None:
        # backends' dumps may hold values orjson does not know natively: fall back to str()
        super().__init__(orjson.dumps(content, default=str, option=orjson.OPT_NON_STR_KEYS), status_code)


AdminHandler = Callable[[Request], Awaitable[Any]]


def admin_route(path: str, method: str, name: str, handler: AdminHandler, status: int = 200) -> Route:
    async def endpoint(request: Request) -> Response:
        try:
            return AdminResponse(await handler(request), status)
        except AdminError as exc:
            return AdminResponse({"error": exc.message, "status": exc.status}, exc.status)
        except (FaultRuleError, seeding.SeedError, ranges.RangeError) as exc:
            return AdminResponse({"error": str(exc), "status": 400}, 400)

    endpoint.__name__ = name
    return Route(PREFIX + path, endpoint, methods=[method], name=name)


def tenant_name(request: Request) -> str | None:
    return request.query_params.get("tenant") or request.headers.get(TENANT_HEADER) or None


def emulator_of(request: Request) -> Emulator:
    emu: Emulator = request.app.state.emulator
    return emu


def tenant_of(request: Request) -> Tenant:
    return emulator_of(request).tenant(tenant_name(request))


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


async def json_body(request: Request, default: Any = None) -> Any:
    raw = await request.body()
    limit = request.app.state.emulator.settings.admin_max_body_bytes
    if len(raw) > limit:  # the door stops reading at limit + 1 (core/limits.py)
        raise AdminError(413, f"control-plane request bodies are limited to {limit} bytes")
    if not raw.strip():
        return default
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise AdminError(400, f"request body is not valid JSON: {exc}") from None


def version(dist: str) -> str | None:
    """The installed version of a distribution (None when it is not installed)."""
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


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


async def get_clock(request: Request) -> Any:
    return tenant_of(request).clock.describe()


async def set_clock(request: Request) -> Any:
    emulator = emulator_of(request)
    tenant = tenant_of(request)
    body = await json_body(request, {})
    if not isinstance(body, dict) or body.get("mode") not in CLOCK_MODES:
        raise AdminError(400, f"`mode` must be one of {list(CLOCK_MODES)}")
    old = tenant.clock
    ranges.known_keys(body, CLOCK_KEYS, "clock")
    start = old.now() if body.get("now_ms") is None else ranges.instant_ms(body["now_ms"], "now_ms")
    scale = ranges.number(body.get("scale", emulator.settings.time_scale), "scale",
                          maximum=ranges.MAX_SCALE, exclusive_minimum=body["mode"] == "scaled")
    new = make_clock(body["mode"], scale, start if body["mode"] != "real" else None)
    tenant.set_clock(new)
    _migrate_sleepers(tenant, old, new)
    return new.describe()


async def advance_clock(request: Request) -> Any:
    tenant = tenant_of(request)
    body = await json_body(request, {})
    raw = body.get("seconds") if isinstance(body, dict) else None
    clock = tenant.clock
    seconds = ranges.advance_seconds(request.query_params.get("seconds", raw), clock.now())
    if not isinstance(clock, ManualClock):
        raise AdminError(409, f"the clock of tenant {tenant.name!r} is {clock.mode!r}; "
                              "switch it to manual (PUT /_emulator/clock) before advancing it")
    before = clock.pending
    await clock.advance(seconds)
    return {**clock.describe(), "advanced_s": seconds, "woken": max(0, before - clock.pending)}


async def list_faults(request: Request) -> Any:
    return {"faults": [r.to_json() for r in tenant_of(request).faults.list()]}


async def add_faults(request: Request) -> Any:
    faults = tenant_of(request).faults
    body = await json_body(request)
    specs = body.get("rules") if isinstance(body, dict) and "rules" in body else body
    specs = specs if isinstance(specs, list) else [specs]
    added = []
    try:
        for spec in specs:
            added.append(faults.add(spec))
    except FaultRuleError:
        for r in added:  # all or nothing
            faults.delete(r.id)
        raise
    return {"faults": [r.to_json() for r in added]}


async def get_fault(request: Request) -> Any:
    rule = tenant_of(request).faults.get(request.path_params["fault_id"])
    if rule is None:
        raise AdminError(404, f"no fault rule {request.path_params['fault_id']!r}")
    return rule.to_json()


async def delete_fault(request: Request) -> Any:
    fid = request.path_params["fault_id"]
    if not tenant_of(request).faults.delete(fid):
        raise AdminError(404, f"no fault rule {fid!r}")
    return {"deleted": fid}


async def clear_faults(request: Request) -> Any:
    return {"deleted": tenant_of(request).faults.clear()}


async def get_journal(request: Request) -> Any:
    j = tenant_of(request).journal
    q = request.query_params
    ints = {}
    for key in ("since_ms", "until_ms", "limit", "after_seq"):
        if q.get(key) is not None:
            ints[key] = ranges.integer(q[key], key)
    entries = j.query(operation=q.getlist("operation") or None, status=q.getlist("status") or None,
                      api=q.get("api"), method=q.get("method"), path=q.get("path"),
                      error=q.get("error"), fault=q.get("fault"), **ints)
    return {"entries": [e.to_json() for e in entries], "total": len(j), "cap": j.cap,
            "dropped": j.dropped}


async def get_journal_entry(request: Request) -> Any:
    j = tenant_of(request).journal
    raw = request.path_params["seq"]
    entry = j.entry(int(raw)) if raw.isdigit() and len(raw) < 19 else None
    if entry is None:
        raise AdminError(404, f"no journal entry {raw!r} (the journal keeps the newest {j.cap})")
    kept = j.response(entry.seq)
    response = None if kept is None else {"headers": kept[0], "body": kept[1], "truncated": kept[2]}
    return {**entry.to_json(), "response": response}


async def clear_journal(request: Request) -> Any:
    return {"deleted": tenant_of(request).journal.clear()}


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


def install(emulator: Emulator, apis: tuple[ApiDescriptor, ...] = ()) -> ApiMount:
    """The control plane's route table (handlers above), plus each API's own admin routes."""

    async def mark_started() -> None:
        emulator.started_at = time.time()

    routes = [
        admin_route("/health", "GET", "get_health", get_health),
        admin_route("/info", "GET", "get_info", get_info),
        admin_route("/tenants", "GET", "list_tenants", list_tenants),
        admin_route("/reset", "POST", "reset", reset),
        admin_route("/seed", "POST", "seed", seed),
        admin_route("/clock", "GET", "get_clock", get_clock),
        admin_route("/clock", "PUT", "set_clock", set_clock),
        admin_route("/clock/advance", "POST", "advance_clock", advance_clock),
        admin_route("/faults", "GET", "list_faults", list_faults),
        admin_route("/faults", "POST", "add_faults", add_faults, 201),
        admin_route("/faults", "DELETE", "clear_faults", clear_faults),
        admin_route("/faults/{fault_id}", "GET", "get_fault", get_fault),
        admin_route("/faults/{fault_id}", "DELETE", "delete_fault", delete_fault),
        admin_route("/journal", "GET", "get_journal", get_journal),
        admin_route("/journal", "DELETE", "clear_journal", clear_journal),
        admin_route("/journal/{seq}", "GET", "get_journal_entry", get_journal_entry),
        admin_route("/state", "GET", "get_state", get_state),
        admin_route("/coverage", "GET", "get_coverage", get_coverage),
    ]
    kit = AdminKit(admin_route, tenant_of, json_body, AdminError)
    for api in apis:
        if api.admin_routes is not None:
            routes += api.admin_routes(kit)
    return ApiMount(None, routes, on_startup=[mark_started])


def _release_requests(tenant: Tenant) -> None:
    """Requests of a reset tenant that are still waiting on its manual clock (a deprovision
    between passes, injected latency) would hang forever: let them finish against the discarded
    state, with time running instantly from now on."""
    old = tenant.clock
    tenant.set_clock(make_clock("scaled", 1e9, old.now()))
    if isinstance(old, ManualClock):
        old.release_all()


def _migrate_sleepers(tenant: Tenant, old: Clock, new: Clock) -> None:
    """Work waiting on a manual clock would never wake after a switch: re-arm it on the new clock
    for the virtual time it still had to wait."""
    if not isinstance(old, ManualClock) or old is new:
        return
    for wait, fut in old.hand_over():

        async def rearm(wait: float = wait, fut: asyncio.Future[None] = fut) -> None:
            await new.sleep(wait)
            if not fut.done():
                fut.set_result(None)

        tenant.spawn(rearm())
