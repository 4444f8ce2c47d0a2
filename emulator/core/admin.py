"""The control plane under /_emulator/ (placeholder: health only, grown by the control-plane work)."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from emulator.core.emulator import Emulator
from emulator.core.http import ApiMount, JsonResponse


def install(emulator: Emulator) -> ApiMount:
    async def get_health(request: Request) -> Response:
        return JsonResponse({"status": "ok"})

    return ApiMount(None, [Route("/_emulator/health", get_health, methods=["GET"], name="get_health")])
