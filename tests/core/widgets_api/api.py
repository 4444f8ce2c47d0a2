"""The widgets API: a test-only package proving that an API is one package plus one descriptor.

It has a store per tenant, two operations, one named error, a domain fault hook (polishing a
widget), a seed section, a control-plane route and its own contract document beside it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from emulator.core.api import AdminKit, ApiDescriptor, Contract, SeedRequest, SeedSection
from emulator.core.emulator import BackendSlot, Emulator, Tenant
from emulator.core.fault_effects import FaultHook
from emulator.core.http import ApiBinding, ApiMount, operation_route, read_body
from emulator.core.seed import SeedError
from emulator.settings import Settings

PREFIX = "/widgets"


class WidgetError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def widget_not_found(widget_id: str) -> WidgetError:
    return WidgetError(404, f"no widget [{widget_id}]")


def polish_failed(widget_id: str) -> WidgetError:
    return WidgetError(500, f"polishing widget [{widget_id}] failed")


WIDGET_POLISH = FaultHook("widget_polish", "widgets", frozenset({"polish_error", "pass"}), frozenset({"widget_id"}))


class WidgetStore:
    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        self.widgets: dict[str, dict[str, Any]] = {}

    def polish(self, widget_id: str) -> dict[str, Any]:
        widget = self.widgets.get(widget_id)
        if widget is None:
            raise widget_not_found(widget_id)
        if self.tenant.faults.fire(WIDGET_POLISH, widget_id=widget_id) is not None:
            raise polish_failed(widget_id)
        widget["shine"] += 1
        return widget

    def dump(self) -> dict[str, Any]:
        return {"widgets": sorted(self.widgets)}


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status, headers, media_type="application/json")


def _render_error(exc: Exception, request: Request | None) -> Response:
    assert isinstance(exc, WidgetError)
    return _json({"widget_error": exc.message}, exc.status)


BINDING = ApiBinding(
    name="widgets", prefixes=(PREFIX,), error_type=WidgetError, render_error=_render_error,
    render_status=lambda status, message, code, headers, request: _json({"widget_error": message}, status, headers),
    outcome=lambda exc: (str(exc), None),
    not_found=lambda request: _json({"widget_error": "no such path"}, 404))


def _store(tenant: Tenant) -> WidgetStore:
    store = tenant.backend(WidgetStore)
    return store


async def list_widgets(request: Request, tenant: Tenant) -> Response:
    return _json({"widgets": sorted(_store(tenant).widgets)})


async def create_widget(request: Request, tenant: Tenant) -> Response:
    body = orjson.loads(await read_body(request) or b"{}")
    widget_id = str(body.get("name") or tenant.ids.hex32())
    _store(tenant).widgets[widget_id] = {"id": widget_id, "shine": 0}
    return _json({"id": widget_id}, 201)


async def polish_widget(request: Request, tenant: Tenant) -> Response:
    return _json(_store(tenant).polish(request.path_params["widget_id"]))


def install(emulator: Emulator) -> ApiMount:
    return ApiMount(BINDING, [
        operation_route(BINDING, PREFIX, "GET", list_widgets, "list_widgets"),
        operation_route(BINDING, PREFIX, "POST", create_widget, "create_widget"),
        operation_route(BINDING, PREFIX + "/{widget_id}/polish", "POST", polish_widget, "polish_widget"),
    ])


def _seed_plan(section: Any, settings: Settings) -> list[SeedRequest]:
    if not isinstance(section, dict) or not isinstance(section.get("names", []), list):
        raise SeedError("`widgets` must be an object with a `names` list")
    return [SeedRequest("POST", PREFIX, {"name": n}) for n in section.get("names", [])]


def _admin_routes(kit: AdminKit) -> list[Any]:
    async def count_widgets(request: Request) -> Any:
        return {"count": len(_store(kit.tenant_of(request)).widgets)}

    return [kit.route("/widgets/count", "GET", "count_widgets", count_widgets)]


DESCRIPTOR = ApiDescriptor(
    name="widgets",
    prefixes=(PREFIX,),
    contract=Contract("widgets-api", "widgets-api.yaml", Path(__file__).resolve().parent),
    errors=(widget_not_found, polish_failed),
    health_probe=PREFIX,
    install=install,
    backends=(BackendSlot("widgets", WidgetStore),),
    fault_hooks=(WIDGET_POLISH,),
    seed=SeedSection("widgets", _seed_plan, "widgets_created",
                     lambda body: body.get("id") if isinstance(body, dict) else None),
    admin_routes=_admin_routes,
)
