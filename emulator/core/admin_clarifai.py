"""Control-plane routes for Clarifai models: register a model, read and set its serving state
(DEPLOYING / LOADING / BUSY / READY, reference/clarifai-workflows.md §5 "Retryable dependency
states"), delegated to the tenant's Clarifai backend.

The backend owns the model catalogue; this module only validates admin input and translates
"backend cannot do that" into a clear 501 instead of a traceback.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from emulator.core.emulator import Tenant

MODEL_STATES = ("DEPLOYING", "LOADING", "BUSY", "NOT_DEPLOYED", "READY")
BACKEND_KEY = "clarifai"
ErrorFactory = Callable[[int, str], Exception]


def _backend(tenant: Tenant, method: str, error: ErrorFactory) -> Callable[..., Any]:
    if BACKEND_KEY not in tenant.emulator.backend_factories:
        raise error(501, "the Clarifai API is not installed in this emulator")
    fn = getattr(tenant.backend(BACKEND_KEY), method, None)
    if fn is None:
        raise error(501, f"the Clarifai backend does not support `{method}` yet")
    return fn  # type: ignore[no-any-return]


async def _maybe_await(value: Any) -> Any:
    if isinstance(value, Awaitable):
        return await value
    return value


async def _call(tenant: Tenant, method: str, error: ErrorFactory, *args: Any, **kw: Any) -> Any:
    fn = _backend(tenant, method, error)
    try:
        return await _maybe_await(fn(*args, **kw))
    except KeyError as exc:
        raise error(404, f"unknown model {exc.args[0] if exc.args else ''!s}") from None
    except (ValueError, TypeError) as exc:
        raise error(400, f"invalid model: {exc}") from None
    except Exception as exc:
        code = getattr(exc, "code", None)
        if code is not None:  # a ClarifaiError: report it as the API would name it
            status = 404 if code in (21200, 11101) else 400
            raise error(status, f"{code} {getattr(exc, 'description', '')}: {exc}") from None
        raise


async def register_model(tenant: Tenant, spec: Any, error: ErrorFactory) -> Any:
    if not isinstance(spec, dict) or not isinstance(spec.get("id"), str) or not spec["id"]:
        raise error(400, "a model needs a non-empty string `id`")
    return await _call(tenant, "register_model", error, spec)


def model_state(tenant: Tenant, model_id: str, error: ErrorFactory) -> dict[str, Any]:
    """The serving state a model answers with now: a forced state until its deadline, else READY."""
    _backend(tenant, "set_model_state", error)
    catalog = tenant.backend(BACKEND_KEY).catalog
    if catalog.get(model_id) is None:
        raise error(404, f"unknown model {model_id!r}")
    forced = catalog.dump().get("forced_states", {}).get(model_id)
    now = tenant.clock.now()
    if forced and (forced.get("until") is None or now < forced["until"]):
        until = forced.get("until")
        return {"model_id": model_id, "state": forced["state"],
                "until_ms": None if until is None else int(until * 1000), "now_ms": tenant.clock.now_ms()}
    return {"model_id": model_id, "state": "READY", "until_ms": None, "now_ms": tenant.clock.now_ms()}


def clarifai_routes(admin_route: Callable[..., Route], tenant_of: Callable[[Request], Tenant],
                    json_body: Callable[..., Awaitable[Any]], error: ErrorFactory) -> list[Route]:
    async def list_clarifai_models(request: Request) -> Any:
        tenant = tenant_of(request)
        _backend(tenant, "set_model_state", error)
        models = tenant.backend(BACKEND_KEY).catalog.all()
        return {"models": [model_state(tenant, m.id, error) for m in models]}

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
        await _call(tenant, "set_model_state", error, model_id, body["state"], seconds)
        return model_state(tenant, model_id, error)

    return [
        admin_route("/clarifai/models", "GET", "list_clarifai_models", list_clarifai_models),
        admin_route("/clarifai/models", "POST", "register_clarifai_model", register_clarifai_model, 201),
        admin_route("/clarifai/models/{model_id}/state", "GET", "get_clarifai_model_state",
                    get_clarifai_model_state),
        admin_route("/clarifai/models/{model_id}/state", "PUT", "set_clarifai_model_state",
                    set_clarifai_model_state),
    ]
