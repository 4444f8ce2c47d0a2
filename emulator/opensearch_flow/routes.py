"""HTTP surface of the Flow Framework plugin (placeholder: GET / only, replaced by the Flow work)."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from emulator.core.emulator import Emulator
from emulator.core.http import ApiMount, JsonResponse


def install(emulator: Emulator) -> ApiMount:
    version = emulator.settings.opensearch_version

    async def get_cluster_info(request: Request) -> Response:
        return JsonResponse({"name": "emulator", "cluster_name": "workflow-emulator",
                             "version": {"distribution": "opensearch", "number": version}})

    return ApiMount(None, [Route("/", get_cluster_info, methods=["GET"], name="get_cluster_info")])
