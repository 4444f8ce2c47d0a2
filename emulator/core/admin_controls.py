"""The control plane's per-tenant controls: the clock (read, switch, advance), fault rules and the
journal (openapi/emulator-admin.yaml)."""
from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request

from emulator.core import ranges
from emulator.core.admin_kit import AdminError, emulator_of, json_body, tenant_of
from emulator.core.clock import Clock, ManualClock, make_clock
from emulator.core.emulator import Tenant
from emulator.core.fault_effects import FaultRuleError

CLOCK_MODES = ("real", "manual", "scaled")
CLOCK_KEYS = frozenset({"mode", "now_ms", "scale"})


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
