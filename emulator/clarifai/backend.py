"""The Clarifai V2 service shared by the REST routes and the gRPC servicer (reference §5, §7, §8, §9):
authenticate, scope and dispatch a call to its handler over the tenant's `ClarifaiState` (state.py).

Transport contract: `await backend.call(state, rpc, request, ctx) -> (response_dict, http_status)` where
`rpc` is the proto RPC name, `request` the proto-JSON dict with proto field names (path parameters
merged in; normalise with `wire.request_from_message` / `wire.request_from_json`), and the response
is proto-JSON (snake_case, enums as ints, always-emitted fields present) with the HTTP status the
REST gateway answers. Application errors never raise: they come back in `status`, as the real
service does over both transports (§7).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from emulator.clarifai import apps, auth, errors, model_predict, models_api, predict, versions, wire, workflows
from emulator.clarifai.listing import Reply
from emulator.clarifai.state import CallScope, ClarifaiState


@dataclass(frozen=True)
class CallContext:
    """What a door read from the request besides its body (the tenant is the state's: `state.tenant`)."""

    authorization: str | None
    request_id_prefix: str | None = None
    transport: str = "rest"  # "rest" | "grpc"
    session_token: str | None = None  # X-Clarifai-Session-Token / x-clarifai-session-token (§8)


# handlers read the request through `listing.Request` (read-only); predict still takes the dict it is given
Handler = Callable[[ClarifaiState, dict[str, Any], CallScope], Awaitable[Reply]]


@dataclass(frozen=True)
class Rpc:
    handler: Handler
    scopes: tuple[str, ...]  # cl_depending_scopes (§8)
    empty: tuple[str, ...] = ()  # cl_show_if_empty list fields, emitted on errors too (§1)
    access: str = apps.READ  # what the call does to the addressed app (apps.check_access)


_READ = ("Apps_Get", "Models_Get", "Workflows_Get")
_WRITE = ("Apps_Get", "Models_Get", "Workflows_Add", "Workflows_Get")
_DELETE = ("Apps_Get", "Workflows_Add", "Workflows_Delete", "Workflows_Get")
_W, _V = ("workflows",), ("workflow_versions",)

_RW, _UA = apps.WRITE, apps.USER
_MR, _MW = ("Apps_Get", "Models_Get"), ("Apps_Get", "Models_Get", "Models_Add")
_MD = ("Apps_Get", "Models_Get", "Models_Add", "Models_Delete")

RPCS: dict[str, Rpc] = {
    "PostWorkflows": Rpc(workflows.post_workflows, _WRITE, _W, _RW),
    "ListWorkflows": Rpc(workflows.list_workflows, _READ, _W),
    "GetWorkflow": Rpc(workflows.get_workflow, _READ),
    "PatchWorkflows": Rpc(workflows.patch_workflows, _WRITE, _W, _RW),
    "PatchWorkflowIds": Rpc(workflows.patch_workflow_ids, ("Apps_Get", "Workflows_Add", "Workflows_Get"), _W, _RW),
    "DeleteWorkflow": Rpc(workflows.delete_workflow, _DELETE, (), _RW),
    "DeleteWorkflows": Rpc(workflows.delete_workflows, _DELETE, (), _RW),
    "PostWorkflowResults": Rpc(predict.post_workflow_results,
                               ("Apps_Get", "Models_Get", "Concepts_Get", "Predict", "Workflows_Get")),
    "ListWorkflowVersions": Rpc(versions.list_workflow_versions, _READ, _V),
    "GetWorkflowVersion": Rpc(versions.get_workflow_version, _READ),
    "PatchWorkflowVersions": Rpc(versions.patch_workflow_versions, _WRITE, _V, _RW),
    "DeleteWorkflowVersions": Rpc(versions.delete_workflow_versions, _DELETE, (), _RW),
    "PostWorkflowVersionsPublish": Rpc(versions.publish, _WRITE, (), _RW),
    "PostWorkflowVersionsUnPublish": Rpc(versions.unpublish, _WRITE, (), _RW),
    "PostModelOutputs": Rpc(model_predict.post_model_outputs, ("Apps_Get", "Concepts_Get", "Models_Get", "Predict")),
    "GetModel": Rpc(models_api.get_model, _MR),
    "ListModels": Rpc(models_api.list_models, _MR, ("models",)),
    "PostModels": Rpc(models_api.post_models, _MW, (), _RW),
    "PatchModels": Rpc(models_api.patch_models, _MW, ("models",), _RW),
    "DeleteModel": Rpc(models_api.delete_model, _MD, (), _RW),
    "DeleteModels": Rpc(models_api.delete_models, _MD, (), _RW),
    "GetModelVersion": Rpc(models_api.get_model_version, _MR),
    "ListModelVersions": Rpc(models_api.list_model_versions, _MR, ("model_versions",)),
    "PostModelVersions": Rpc(models_api.post_model_versions, _MW, (), _RW),
    "DeleteModelVersion": Rpc(models_api.delete_model_version, _MD, (), _RW),
    "GetModelType": Rpc(versions.get_model_type, _MR, (), _UA),
    "ListModelTypes": Rpc(models_api.list_model_types, _MR, ("model_types",), _UA),
    "PostApps": Rpc(apps.post_apps, ("Apps_Add",), ("apps",), _UA),
    "GetApp": Rpc(apps.get_app, ("Apps_Get",), (), _UA),
    "ListApps": Rpc(apps.list_apps, ("Apps_Get",), ("apps",), _UA),
    "PatchApps": Rpc(apps.patch_apps, ("Apps_Add", "Apps_Get"), ("apps",), _UA),
    "PatchApp": Rpc(apps.patch_app, ("Apps_Add", "Apps_Get"), (), _RW),
    "DeleteApp": Rpc(apps.delete_app, ("Apps_Delete", "Apps_Get"), (), _UA),
}


# RPCs with a user-level route (/v2/users/{user_id}/workflows, .../models): no app needed
_USER_LEVEL = frozenset({"ListWorkflows", "ListModels"})


async def call(state: ClarifaiState, rpc: str, request: dict[str, Any],
               ctx: CallContext) -> Reply:
    """The transport contract (module docstring): application errors come back in `status`."""
    req_id = wire.request_id(state.tenant.ids.hex32(), ctx.request_id_prefix)
    spec = RPCS.get(rpc)
    try:
        if spec is None:
            raise errors.not_implemented(rpc)
        principal = state.keys.authenticate(ctx.authorization, ctx.session_token)
        auth.check_scopes(principal, spec.scopes)
        now = state.tenant.clock.now()
        state.limiter.check(principal.key, now, float(state.settings.clarifai_rate_limit_rps))
        scope = _scope(state, rpc, principal, request, now, ctx.transport == "rest")
        apps.check_access(state, scope, apps.USER if not scope.app_given and spec.access == apps.READ
                          and rpc in _USER_LEVEL else spec.access)
        body, http = await spec.handler(state, request, scope)
    except errors.ClarifaiError as exc:
        return error_body(state, exc, req_id, spec.empty if spec else ())
    body["status"]["req_id"] = req_id
    return body, http


def error_body(state: ClarifaiState, exc: errors.ClarifaiError, req_id: str,
               empty: tuple[str, ...] = ()) -> Reply:
    code, description, details, http = exc.resolved(state.overrides)
    body: dict[str, Any] = {"status": wire.status(code, description, details, req_id)}
    for f in empty:
        body[f] = []
    return body, http


def _scope(state: ClarifaiState, rpc: str, principal: auth.Principal, request: dict[str, Any], now: float,
           fragments: bool = False) -> CallScope:
    ua = request.get("user_app_id") or {}
    user_id = ua.get("user_id") or "me"
    app_id = ua.get("app_id") or ""
    if user_id == "me":
        user_id = principal.user_id
    elif principal.key not in state.keys.keys and principal.app_id is None and user_id != state.public.user_id:
        # open mode (an unregistered key): the emulator cannot know whose PAT it is, so it is the PAT
        # of the user the request names (the docs' USER_ID); ownership needs registered keys. Clarifai's
        # own user is never the caller.
        principal = dataclasses.replace(principal, user_id=user_id)
    if principal.app_id is not None:
        # §8: an app-specific key implies user and app, and only reaches that app
        if (app_id and app_id != principal.app_id) or user_id != principal.user_id:
            raise errors.key_invalid("API key is not valid for this user and application")
        return CallScope(principal, principal.user_id, principal.app_id, True, now, fragments)
    if not app_id:
        # §8: a PAT needs an app; the default app serves short routes only in the open mode (any key
        # is a PAT of the default user); a registered PAT or session token follows §8
        default_app = state.settings.clarifai_default_app_id if principal.key not in state.keys.keys else ""
        if not default_app and not ((rpc in _USER_LEVEL and ua.get("user_id")) or RPCS[rpc].access == apps.USER):
            # §8: a PAT without an app, when no default app is configured
            raise errors.key_invalid("Must provide app external ID in API authorizer")
        return CallScope(principal, user_id, default_app, False, now, fragments)
    return CallScope(principal, user_id, app_id, True, now, fragments)
