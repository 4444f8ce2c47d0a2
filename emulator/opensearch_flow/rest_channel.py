"""OpenSearch's REST channel around the Flow Framework handlers (reference §1.2, §1.3, §2): response
rendering (`filter_path`, `pretty`, YAML/CBOR/SMILE), error shapes, unknown paths and 405s, and how a
handler reads its query parameters and body before any plugin code runs.
"""
from __future__ import annotations

from typing import Any

import orjson
import yaml
from starlette.requests import Request
from starlette.responses import Response

from emulator.core import safe_yaml
from emulator.core.emulator import Tenant
from emulator.core.http import ApiBinding, read_body, remember_body
from emulator.opensearch_flow import core_errors, filter_path, media
from emulator.opensearch_flow.errors import FlowError
from emulator.opensearch_flow.write_request import MALFORMED

PREFIX = "/_plugins/_flow_framework"
WORKFLOW = f"{PREFIX}/workflow"
MEDIA = media.JSON_MEDIA
TENANT_ID_HEADER = "x-tenant-id"  # the plugin's multi-tenancy header (§1.4), not the emulator's tenant
# consumed by the REST channel on every request (§1.3)
RESPONSE_PARAMS = ("pretty", "human", "format", "filter_path", "error_trace")
SUGGEST_MAX_LEN = 64  # "did you mean" only for names this short
# RestRequest.Method declaration order, used by the 405 "allowed" list
METHOD_ORDER = ("GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE", "CONNECT")
# explicit path segments win over {workflow_id} (§2): their methods decide a 405
RESERVED_IDS = {"_steps": ["GET"], "_search": ["GET", "POST"]}
BODY_TYPES = ("application/json", "application/yaml", "application/x-yaml", "text/yaml", "application/x-ndjson",
              "application/smile", "application/cbor", "application/vnd.opensearch+json")


def respond(request: Request, body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    params = request.query_params
    spec = params.get("filter_path")
    if spec:
        body = filter_path.apply(body, spec)
    content, media_type = media.render(body, media.response_format(request), "pretty" in params)
    return Response(content, status, headers, media_type=media_type)


def render_error(exc: Exception, request: Request | None = None) -> Response:
    assert isinstance(exc, FlowError)
    headers = {"Allow": exc.headers["allow"]} if isinstance(exc, WrongMethod) else None
    # errors take the answer's media type too (never filter_path: OpenSearch builds them unfiltered)
    fmt = media.response_format(request) if request is not None else "json"
    content, media_type = media.render(exc.body(), fmt)
    return Response(content, exc.status, headers, media_type=media_type)


def render_status(status: int, message: str, code: int | None, headers: dict[str, str] | None,
                  request: Request | None = None) -> Response:
    return Response(orjson.dumps({"error": message}), status, headers, media_type=MEDIA)


def _outcome(exc: Exception) -> tuple[str | None, int | None]:
    return (exc.message if isinstance(exc, FlowError) else str(exc)), None


def _uri(request: Request) -> str:
    q = request.url.query
    return request.url.path + (f"?{q}" if q else "")


def not_found(request: Request) -> Response:
    # OpenSearch's RestController.handleBadRequest: 400 and a flat `error`, no `status` key
    return Response(orjson.dumps({"error": f"no handler found for uri [{_uri(request)}] and method "
                                           f"[{request.method}]"}), 400, media_type=MEDIA)


def method_not_allowed(request: Request, allowed: list[str]) -> Response:
    segment = request.url.path[len(WORKFLOW) + 1:] if request.url.path.startswith(WORKFLOW + "/") else ""
    allowed = RESERVED_IDS.get(segment.rstrip("/"), allowed)
    ordered = [m for m in METHOD_ORDER if m in allowed and m != "HEAD"]
    msg = (f"Incorrect HTTP method for uri [{_uri(request)}] and method [{request.method}], "
           f"allowed: [{', '.join(ordered)}]")
    return Response(orjson.dumps({"error": msg, "status": 405}), 405, {"Allow": ",".join(ordered)}, media_type=MEDIA)


BINDING = ApiBinding(name="flow", prefixes=(PREFIX,), error_type=FlowError, render_error=render_error,
                     render_status=render_status, outcome=_outcome, not_found=not_found,
                     method_not_allowed=method_not_allowed)


class WrongMethod(FlowError):
    """A method the explicit `_steps`/`_search` paths do not take, though `{workflow_id}` would (§2)."""

    def __init__(self, request: Request, allowed: list[str]) -> None:
        response = method_not_allowed(request, allowed)
        super().__init__(405, orjson.loads(response.body)["error"])
        self.headers = dict(response.headers)

    def body(self) -> dict[str, Any]:
        return {"error": self.message, "status": 405}


# --- parameters ------------------------------------------------------------------------------

def param_bool(request: Request, key: str, default: bool = False) -> bool:
    raw = request.query_params.get(key)
    if raw is None:
        return default
    if raw == "":  # presence alone turns a flag on (RestRequest.paramAsBoolean)
        return True
    if raw not in ("true", "false"):
        raise core_errors.bad_boolean(raw)
    return raw == "true"


def param_time(request: Request, key: str) -> float | None:
    """`RestRequest.paramAsTime(key, TimeValue.MINUS_ONE)`: None when absent or MINUS_ONE."""
    raw = request.query_params.get(key)
    if raw is None:
        return None
    seconds = core_errors.parse_time_value(raw, key)
    return None if seconds is None or seconds < 0 else seconds


def no_head(request: Request, allowed: list[str]) -> None:
    # OpenSearch registers no HEAD route for these paths (only `HEAD /`): RestController answers 405
    if request.method == "HEAD":
        raise WrongMethod(request, allowed)


def _similarity(a: str, b: str) -> float:
    """Lucene LevenshteinDistance similarity, used for "did you mean" suggestions."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return 1.0 - prev[-1] / max(len(a), len(b), 1)


def reject_unconsumed(request: Request, consumed: tuple[str, ...]) -> None:
    known = set(consumed) | set(RESPONSE_PARAMS)
    invalid = sorted(k for k in request.query_params if k not in known)
    if not invalid:
        return
    suggestions = {}
    for name in invalid:
        if len(name) > SUGGEST_MAX_LEN:  # Levenshtein is quadratic: a 60 KB name took 0.8 s of CPU
            continue
        scored = sorted(((_similarity(name, k), k) for k in known), key=lambda t: (-t[0], t[1]))
        suggestions[name] = [k for s, k in scored if s > 0.5]
    raise core_errors.unrecognized_parameters(request.url.path, invalid, suggestions)


# --- bodies ----------------------------------------------------------------------------------

async def read_content(request: Request, tenant: Tenant) -> bytes:
    """The request content, after RestController's content-type check (done before any handler code)."""
    raw = await read_body(request)
    limit = tenant.settings.max_body_bytes
    if len(raw) > limit:
        raise core_errors.body_too_large(len(raw), limit)
    header = request.headers.get("content-type")
    ctype = (header or "").split(";")[0].strip().lower()
    if raw and ctype not in BODY_TYPES:
        raise core_errors.content_type_not_supported(header)
    return raw


def decode_body(raw: bytes, request: Request) -> Any:
    """JSON or YAML (by Content-Type); MALFORMED when it cannot be decoded, None when empty."""
    if not raw.strip():
        return None
    ctype = request.headers.get("content-type", "").lower()
    try:
        parsed = safe_yaml.load(raw) if "yaml" in ctype else orjson.loads(raw)
    except (orjson.JSONDecodeError, yaml.YAMLError, UnicodeDecodeError):
        return MALFORMED
    remember_body(request, parsed)
    return parsed


def path_workflow_id(request: Request) -> str:
    workflow_id = str(request.path_params["workflow_id"])
    allowed = RESERVED_IDS.get(workflow_id)
    if allowed is not None and request.method not in allowed:
        raise WrongMethod(request, allowed)
    return workflow_id
