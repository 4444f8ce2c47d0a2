"""Clarifai's control-plane routes: register a model, read and set its serving state (DEPLOYING /
LOADING / BUSY / READY, reference/clarifai-workflows.md §5 "Retryable dependency states"), and the
seed document's `clarifai.models`; mounted under /_emulator by core through the descriptor.

The tenant's ClarifaiState owns the model catalogue; this module validates admin input and reports
its `ClarifaiError`s as control-plane errors (404 for an unknown model, else 400).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from emulator.clarifai import errors
from emulator.clarifai.state import ClarifaiState
from emulator.core.api import AdminKit
from emulator.core.emulator import Tenant

MODEL_STATES = ("DEPLOYING", "LOADING", "BUSY", "NOT_DEPLOYED", "READY")
# what clarifai/catalog.py:model_def_from_json reads; anything else is a typo silently ignored
MODEL_KEYS = frozenset({"id", "model_type_id", "concepts", "name", "version_ids", "model_version", "embedding_dims",
                        "user_id", "app_id", "description"})
MAX_EMBEDDING_DIMS = 8192
MAX_MODEL_LIST = 10_000
ErrorFactory = Callable[[int, str], Exception]
_NOT_FOUND_CODES = (errors.BY_NAME["MODEL_DOES_NOT_EXIST"].code, errors.BY_NAME["CONN_DOES_NOT_EXIST"].code)


def _state(tenant: Tenant) -> ClarifaiState:
    return tenant.backend(ClarifaiState)


def _admin_error(exc: errors.ClarifaiError, error: ErrorFactory) -> Exception:
    status = 404 if exc.code in _NOT_FOUND_CODES else 400
    return error(status, f"{exc.code} {exc.description}: {exc}")


async def register_model(tenant: Tenant, spec: Any, error: ErrorFactory) -> dict[str, Any]:
    if not isinstance(spec, dict) or not isinstance(spec.get("id"), str) or not spec["id"]:
        raise error(400, "a model needs a non-empty string `id`")
    unknown = sorted(str(k) for k in spec if k not in MODEL_KEYS)
    if unknown:
        raise error(400, f"unknown model field(s) {unknown}; expected among {sorted(MODEL_KEYS)}")
    dims = spec.get("embedding_dims")
    if dims is not None and (isinstance(dims, bool) or not isinstance(dims, int)
                             or not 0 <= dims <= MAX_EMBEDDING_DIMS):
        raise error(400, f"`embedding_dims` must be an integer between 0 and {MAX_EMBEDDING_DIMS}")
    for key in ("concepts", "version_ids"):
        if spec.get(key) is not None and (not isinstance(spec[key], list) or len(spec[key]) > MAX_MODEL_LIST):
            raise error(400, f"`{key}` must be a list of at most {MAX_MODEL_LIST} items")
    try:
        return _state(tenant).register_model(spec)
    except errors.ClarifaiError as exc:
        raise _admin_error(exc, error) from None
    except (KeyError, ValueError, TypeError) as exc:
        raise error(400, f"invalid model: {exc}") from None


KEY_TYPES = ("pat", "app", "session")


async def register_key(tenant: Tenant, spec: Any, error: ErrorFactory) -> dict[str, Any]:
    """Register a PAT, app key or session token with a user (and app) in this tenant; with `bind_tenant`
    the credential also selects this tenant when a request carries no tenant header, so a client that
    cannot add headers (the clarifai SDK) gets an isolated world per test. The key never comes back."""
    if not isinstance(spec, dict) or not isinstance(spec.get("key"), str) or not spec["key"].strip():
        raise error(400, "a key needs a non-empty string `key`")
    kind = str(spec.get("type") or ("app" if spec.get("app_id") else "pat")).lower()
    if kind not in KEY_TYPES:
        raise error(400, f"`type` must be one of {list(KEY_TYPES)}")
    if not isinstance(spec.get("user_id"), str) or not spec["user_id"]:
        raise error(400, "a key needs the `user_id` it belongs to")
    scopes = spec.get("scopes")
    if scopes is not None and (not isinstance(scopes, list) or not all(isinstance(x, str) for x in scopes)):
        raise error(400, "`scopes` must be a list of scope names or null (all)")
    try:
        _state(tenant).register_key({**spec, "type": kind})
    except errors.ClarifaiError as exc:
        raise _admin_error(exc, error) from None
    bound = bool(spec.get("bind_tenant"))
    if bound:
        header, value = (("x-clarifai-session-token", spec["key"]) if kind == "session"
                         else ("authorization", "Key " + spec["key"]))
        tenant.emulator.bind_credential(header, value, tenant.name)
    return {"type": kind, "user_id": spec["user_id"], "app_id": spec.get("app_id") if kind == "app" else None,
            "tenant": tenant.name, "bound": bound}


def model_state(tenant: Tenant, model_id: str, error: ErrorFactory) -> dict[str, Any]:
    """The serving state a model answers with now: a forced state until its deadline, else READY."""
    catalog = _state(tenant).catalog
    if catalog.get(model_id) is None:
        raise error(404, f"unknown model {model_id!r}")
    forced = catalog.dump().get("forced_states", {}).get(model_id)
    now = tenant.clock.now()
    if forced and (forced.get("until") is None or now < forced["until"]):
        until = forced.get("until")
        return {"model_id": model_id, "state": forced["state"],
                "until_ms": None if until is None else int(until * 1000), "now_ms": tenant.clock.now_ms()}
    return {"model_id": model_id, "state": "READY", "until_ms": None, "now_ms": tenant.clock.now_ms()}


async def seed_models(tenant: Tenant, section: Any, error: ErrorFactory) -> dict[str, Any]:
    """The seed document's `clarifai.models`, registered before its workflows are posted."""
    models = (section.get("models") or []) if isinstance(section, dict) else []
    return {"clarifai_models": [await register_model(tenant, m, error) for m in models]}


def clarifai_routes(kit: AdminKit) -> list[Route]:
    admin_route, tenant_of, json_body, error = kit.route, kit.tenant_of, kit.json_body, kit.error

    async def list_clarifai_models(request: Request) -> Any:
        tenant = tenant_of(request)
        return {"models": [model_state(tenant, m.id, error) for m in _state(tenant).catalog.all()]}

    async def register_clarifai_model(request: Request) -> Any:
        return await register_model(tenant_of(request), await json_body(request), error)

    async def get_clarifai_model_state(request: Request) -> Any:
        return model_state(tenant_of(request), request.path_params["model_id"], error)

    async def set_clarifai_model_state(request: Request) -> Any:
        body = await json_body(request, {})
        if not isinstance(body, dict) or body.get("state") not in MODEL_STATES:
            raise error(400, f"`state` must be one of {list(MODEL_STATES)}")
        seconds = body.get("seconds")
        if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, (int, float))
                                    or seconds < 0):
            raise error(400, "`seconds` must be a non-negative number or null (until changed)")
        tenant, model_id = tenant_of(request), request.path_params["model_id"]
        try:
            _state(tenant).set_model_state(model_id, body["state"], seconds)
        except errors.ClarifaiError as exc:
            raise _admin_error(exc, error) from None
        return model_state(tenant, model_id, error)

    async def register_clarifai_key(request: Request) -> Any:
        return await register_key(tenant_of(request), await json_body(request), error)

    return [
        admin_route("/clarifai/keys", "POST", "register_clarifai_key", register_clarifai_key, 201),
        admin_route("/clarifai/models", "GET", "list_clarifai_models", list_clarifai_models),
        admin_route("/clarifai/models", "POST", "register_clarifai_model", register_clarifai_model, 201),
        admin_route("/clarifai/models/{model_id}/state", "GET", "get_clarifai_model_state",
                    get_clarifai_model_state),
        admin_route("/clarifai/models/{model_id}/state", "PUT", "set_clarifai_model_state",
                    set_clarifai_model_state),
    ]
