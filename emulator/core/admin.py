"""The control plane under /_emulator/: health, info, reset, seed, clock, faults, journal, state,
consumer coverage, and the routes each API adds (its descriptor's `admin_routes`), described in
openapi/emulator-admin.yaml.

Every call is scoped to the tenant named by `x-emulator-tenant` (or `?tenant=`); no tenant means
the default tenant, except for reset, where no tenant means every tenant. Route names are the
operationIds of openapi/emulator-admin.yaml. Admin calls are never journaled or faulted.

The handlers live by concern: admin_kit.py (what every route shares, lent to APIs as `AdminKit`),
admin_tenants.py (health, info, reset, seed, state, coverage) and admin_controls.py (clock, faults,
journal); this module is the route table.
"""
from __future__ import annotations

import time

from emulator.core import admin_controls as controls
from emulator.core import admin_tenants as tenants
from emulator.core.admin_kit import AdminError, admin_route, json_body, tenant_of
from emulator.core.api import AdminKit, ApiDescriptor
from emulator.core.emulator import Emulator
from emulator.core.http import ApiMount


def install(emulator: Emulator, apis: tuple[ApiDescriptor, ...] = ()) -> ApiMount:
    """The control plane's route table (admin_tenants.py, admin_controls.py), plus each API's own admin routes."""

    async def mark_started() -> None:
        emulator.started_at = time.time()

    routes = [
        admin_route("/health", "GET", "get_health", tenants.get_health),
        admin_route("/info", "GET", "get_info", tenants.get_info),
        admin_route("/tenants", "GET", "list_tenants", tenants.list_tenants),
        admin_route("/reset", "POST", "reset", tenants.reset),
        admin_route("/seed", "POST", "seed", tenants.seed),
        admin_route("/clock", "GET", "get_clock", controls.get_clock),
        admin_route("/clock", "PUT", "set_clock", controls.set_clock),
        admin_route("/clock/advance", "POST", "advance_clock", controls.advance_clock),
        admin_route("/faults", "GET", "list_faults", controls.list_faults),
        admin_route("/faults", "POST", "add_faults", controls.add_faults, 201),
        admin_route("/faults", "DELETE", "clear_faults", controls.clear_faults),
        admin_route("/faults/{fault_id}", "GET", "get_fault", controls.get_fault),
        admin_route("/faults/{fault_id}", "DELETE", "delete_fault", controls.delete_fault),
        admin_route("/journal", "GET", "get_journal", controls.get_journal),
        admin_route("/journal", "DELETE", "clear_journal", controls.clear_journal),
        admin_route("/journal/{seq}", "GET", "get_journal_entry", controls.get_journal_entry),
        admin_route("/state", "GET", "get_state", tenants.get_state),
        admin_route("/coverage", "GET", "get_coverage", tenants.get_coverage),
    ]
    kit = AdminKit(admin_route, tenant_of, json_body, AdminError)
    for api in apis:
        if api.admin_routes is not None:
            routes += api.admin_routes(kit)
    return ApiMount(None, routes, on_startup=[mark_started])
