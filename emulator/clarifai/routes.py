"""HTTP/JSON surface of the Clarifai V2 API (reference §2): every google.api.http binding of the
workflow, app, model, model-version and model-type RPCs the backend models, transcoded into
`backend.call`.

GETs take every non-path field from the query string (as the official JSON client writes it);
the other methods take the whole request message as the JSON body, DELETE included.
"""
from __future__ import annotations

import re
import uuid
from typing import Any

from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from emulator.clarifai import backend, errors, wire
from emulator.clarifai.backend import RPCS, CallContext
from emulator.clarifai.predict_lane import PredictLane
from emulator.clarifai.state import ClarifaiState
from emulator.core.emulator import Emulator, Tenant
from emulator.core.http import (
    ApiBinding,
    ApiMount,
    JsonResponse,
    header,
    operation_route,
    read_body,
    remember_body,
    set_outcome,
    tenant_of,
)

U = "/v2/users/{user_id}/apps/{app_id}"
WF = "/workflows/{workflow_id}"
M = "/models/{model_id:model_id}"


class _ModelId(Convertor[str]):
    """A model id segment; `types` is the literal of the model-type routes (GET .../models/types), so a
    DELETE there is not DeleteModel and the paths' Allow header stays what the contract documents."""
    regex = "(?!types(?:/|$))[^/]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("model_id", _ModelId())

Binding = tuple[str, str, str, str]  # (RPC, method, path, operationId suffix)


def _app(rpc: str, method: str, path: str, suffix: str = "") -> tuple[Binding, ...]:
    """An app-scoped binding and its short form without /users/{user_id}/apps/{app_id} (the caller's
    default app, §8), which service.proto declares as an additional_binding of nearly every RPC."""
    return (rpc, method, U + path, suffix), (rpc, method, "/v2" + path, suffix + "_short")


# in match order: literal segments before parameters
BINDINGS: tuple[Binding, ...] = (
    *_app("PostWorkflows", "POST", "/workflows"),
    ("ListWorkflows", "GET", U + "/workflows", ""),
    ("ListWorkflows", "GET", "/v2/users/{user_id}/workflows", "_user"),
    ("ListWorkflows", "GET", "/v2/workflows", "_short"),
    *_app("PatchWorkflows", "PATCH", "/workflows"),
    *_app("DeleteWorkflows", "DELETE", "/workflows"),
    ("PatchWorkflowIds", "PATCH", U + "/workflows/ids", ""),
    *_app("GetWorkflow", "GET", WF),
    *_app("DeleteWorkflow", "DELETE", WF),
    ("PostWorkflowResults", "POST", U + WF + "/versions/{version_id}/results", "_version"),
    *_app("PostWorkflowResults", "POST", WF + "/results"),
    *_app("ListWorkflowVersions", "GET", WF + "/versions"),
    *_app("PatchWorkflowVersions", "PATCH", WF + "/versions"),
    *_app("DeleteWorkflowVersions", "DELETE", WF + "/versions"),
    *_app("GetWorkflowVersion", "GET", WF + "/versions/{workflow_version_id}"),
    *_app("PostWorkflowVersionsPublish", "POST", WF + "/publish"),
    *_app("PostWorkflowVersionsUnPublish", "POST", WF + "/unpublish"),
    *_app("GetModelType", "GET", "/models/types/{model_type_id}"),
    *_app("PostModelOutputs", "POST", "/models/{model_id}/versions/{version_id}/outputs", "_version"),
    *_app("PostModelOutputs", "POST", "/models/{model_id}/outputs"),
    *_app("ListModelTypes", "GET", "/models/types"),
    *_app("GetModelVersion", "GET", M + "/versions/{version_id}"),
    *_app("DeleteModelVersion", "DELETE", M + "/versions/{version_id}"),
    *_app("ListModelVersions", "GET", M + "/versions"),
    *_app("PostModelVersions", "POST", M + "/versions"),
    *_app("GetModel", "GET", M),
    *_app("DeleteModel", "DELETE", M),
    ("ListModels", "GET", U + "/models", ""),
    ("ListModels", "GET", "/v2/users/{user_id}/models", "_user"),
    ("ListModels", "GET", "/v2/models", "_short"),
    *_app("PostModels", "POST", "/models"),
    *_app("PatchModels", "PATCH", "/models"),
    *_app("DeleteModels", "DELETE", "/models"),
    ("PostApps", "POST", "/v2/users/{user_id}/apps", ""),
    ("ListApps", "GET", "/v2/users/{user_id}/apps", ""),
    ("ListApps", "GET", "/v2/apps", "_short"),
    ("PatchApps", "PATCH", "/v2/users/{user_id}/apps", ""),
    ("GetApp", "GET", U, ""),
    ("GetApp", "GET", "/v2/app", "_short"),
    ("PatchApp", "PATCH", U, ""),
    ("DeleteApp", "DELETE", U, ""),
)


def snake(rpc: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", rpc).lower()


def _fallback_body(exc: errors.ClarifaiError, http_override: int | None = None,
                   request: Request | None = None) -> Response:
    code, description, details, http = exc.resolved({})
    # §1: every response's req_id honours X-Clarifai-Request-ID-Prefix, unknown paths and methods included
    prefix = header(request, "x-clarifai-request-id-prefix") if request is not None else None
    req_id = wire.request_id(uuid.uuid4().hex, prefix)
    return JsonResponse({"status": wire.status(code, description, details, req_id)}, http_override or http)


def _render_status(status: int, message: str, code: int | None, headers: dict[str, str] | None,
                   request: Request | None = None) -> Response:
    # injected HTTP faults (control plane) in Clarifai's envelope; a code-less fault maps by status.
    # §1: the req_id is the tenant's next id and honours X-Clarifai-Request-ID-Prefix
    if code is None:
        code = errors.code_for_http_status(status)
    if request is not None:
        req_id = wire.request_id(tenant_of(request).ids.hex32(), header(request, "x-clarifai-request-id-prefix"))
    else:
        req_id = uuid.uuid4().hex
    body = {"status": wire.status(code, message or errors.spec(code).description, "", req_id)}
    return JsonResponse(body, status, headers=headers)


def _not_found(request: Request) -> Response:
    return _fallback_body(errors.path_not_found(request.url.path), request=request)


def _method_not_allowed(request: Request, allowed: list[str]) -> Response:
    resp = _fallback_body(errors.method_not_allowed(), request=request)
    resp.headers["Allow"] = ", ".join(allowed)
    return resp


def _clarifai_error(exc: Exception) -> errors.ClarifaiError:
    # core hands these hooks only exceptions of the binding's `error_type`
    if not isinstance(exc, errors.ClarifaiError):
        raise TypeError(f"not a ClarifaiError: {exc!r}")
    return exc


def _render_error(exc: Exception, request: Request | None) -> Response:
    return _fallback_body(_clarifai_error(exc), request=request)


def _outcome(exc: Exception) -> tuple[str | None, int | None]:
    err = _clarifai_error(exc)
    return err.description, err.code


BINDING = ApiBinding(
    name="clarifai", prefixes=("/v2",), error_type=errors.ClarifaiError, render_error=_render_error,
    render_status=_render_status, outcome=_outcome, not_found=_not_found, method_not_allowed=_method_not_allowed)


def _handler(rpc: str, method: str) -> Any:
    async def handle(request: Request, tenant: Tenant) -> Response:
        state = tenant.backend(ClarifaiState)
        ctx = CallContext(header(request, "authorization"), header(request, "x-clarifai-request-id-prefix"),
                          "rest", header(request, "x-clarifai-session-token"))
        raw: bytes | None = None
        try:
            if method == "GET":
                raw_req: dict[str, Any] = wire.query_to_json(rpc, request.query_params.multi_items())
            else:
                limit = tenant.settings.clarifai_max_request_bytes
                declared = header(request, "content-length")
                if declared and declared.isdigit() and int(declared) > limit:
                    raise errors.request_too_large(int(declared), limit)  # refused before reading it
                raw = await read_body(request)
                if len(raw) > limit:
                    raise errors.request_too_large(len(raw), limit)
                raw_req = wire.parse_body(raw)
            remember_body(request, raw_req, raw)
            req = wire.merge_path(wire.request_from_json(rpc, raw_req), dict(request.path_params))
        except errors.ClarifaiError as exc:
            req_id = wire.request_id(tenant.ids.hex32(), ctx.request_id_prefix)
            body, http = backend.error_body(state, exc, req_id, RPCS[rpc].empty)
        else:
            body, http = await backend.call(state, rpc, req, ctx)
        st = body["status"]
        if st["code"] != errors.SUCCESS.code:
            set_outcome(request, st.get("description"), st["code"])
        return JsonResponse(body, http)

    return handle


def install(emulator: Emulator) -> ApiMount:
    # the hot path people load-test: repeated predicts answered from a template (predict_lane.py)
    lane = PredictLane(emulator, snake("PostWorkflowResults"))
    routes: list[Route] = [
        operation_route(BINDING, path, method, _handler(rpc, method), snake(rpc) + suffix, snake(rpc),
                        lane=lane if rpc == "PostWorkflowResults" else None)
        for rpc, method, path, suffix in BINDINGS
    ]
    return ApiMount(BINDING, routes)
