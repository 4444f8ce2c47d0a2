"""HTTP surface of the Flow Framework plugin and the cluster root (reference §1-§3): parameters, bodies, shapes.

Only HTTP concerns live here (query-parameter consumption §1.3, JSON/YAML bodies, error shapes
§1.2, 405/unknown-path answers); every rule is in `backend.py`.
"""
from __future__ import annotations

from typing import Any

import orjson
import yaml
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from emulator.core import safe_yaml
from emulator.core.emulator import Emulator, Tenant
from emulator.core.http import ApiBinding, ApiMount, operation_route, read_body, remember_body
from emulator.opensearch_flow import backend as actions
from emulator.opensearch_flow import core_errors, errors, filter_path, media
from emulator.opensearch_flow.backend import MALFORMED, WriteRequest
from emulator.opensearch_flow.errors import FlowError
from emulator.opensearch_flow.state import FlowState

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


def _respond(request: Request, body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    params = request.query_params
    spec = params.get("filter_path")
    if spec:
        body = filter_path.apply(body, spec)
    content, media_type = media.render(body, media.response_format(request), "pretty" in params)
    return Response(content, status, headers, media_type=media_type)


def render_error(exc: Exception, request: Request | None = None) -> Response:
    assert isinstance(exc, FlowError)
    headers = {"Allow": exc.headers["allow"]} if isinstance(exc, _WrongMethod) else None
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


class _WrongMethod(FlowError):
    """A method the explicit `_steps`/`_search` paths do not take, though `{workflow_id}` would (§2)."""

    def __init__(self, request: Request, allowed: list[str]) -> None:
        response = method_not_allowed(request, allowed)
        super().__init__(405, orjson.loads(response.body)["error"])
        self.headers = dict(response.headers)

    def body(self) -> dict[str, Any]:
        return {"error": self.message, "status": 405}


# --- parameters ------------------------------------------------------------------------------

def _bool(request: Request, key: str, default: bool = False) -> bool:
    raw = request.query_params.get(key)
    if raw is None:
        return default
    if raw == "":  # presence alone turns a flag on (RestRequest.paramAsBoolean)
        return True
    if raw not in ("true", "false"):
        raise errors.bad_boolean(raw)
    return raw == "true"


def _time(request: Request, key: str) -> float | None:
    """`RestRequest.paramAsTime(key, TimeValue.MINUS_ONE)`: None when absent or MINUS_ONE."""
    raw = request.query_params.get(key)
    if raw is None:
        return None
    seconds = core_errors.parse_time_value(raw, key)
    return None if seconds is None or seconds < 0 else seconds


def _no_head(request: Request, allowed: list[str]) -> None:
    # OpenSearch registers no HEAD route for these paths (only `HEAD /`): RestController answers 405
    if request.method == "HEAD":
        raise _WrongMethod(request, allowed)


def _similarity(a: str, b: str) -> float:
    """Lucene LevenshteinDistance similarity, used for "did you mean" suggestions."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return 1.0 - prev[-1] / max(len(a), len(b), 1)


def _reject_unconsumed(request: Request, consumed: tuple[str, ...]) -> None:
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
    raise errors.unrecognized_parameters(request.url.path, invalid, suggestions)


# --- bodies ----------------------------------------------------------------------------------

async def _raw_body(request: Request, tenant: Tenant) -> bytes:
    """The request content, after RestController's content-type check (done before any handler code)."""
    raw = await read_body(request)
    limit = tenant.settings.max_body_bytes
    if len(raw) > limit:
        raise errors.body_too_large(len(raw), limit)
    header = request.headers.get("content-type")
    ctype = (header or "").split(";")[0].strip().lower()
    if raw and ctype not in BODY_TYPES:
        raise core_errors.content_type_not_supported(header)
    return raw


def _unread_body(exc: FlowError, request: Request, raw: bytes) -> FlowError:
    """BaseRestHandler.handleRequest: content a handler returned without reading is itself the error."""
    if exc.before_body and raw:
        return core_errors.body_not_supported(request.method, request.url.path)
    return exc


def _decode(raw: bytes, request: Request) -> Any:
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


def _flow(tenant: Tenant) -> FlowState:
    return tenant.backend(FlowState)


def _workflow_id(request: Request) -> str:
    workflow_id = str(request.path_params["workflow_id"])
    allowed = RESERVED_IDS.get(workflow_id)
    if allowed is not None and request.method not in allowed:
        raise _WrongMethod(request, allowed)
    return workflow_id


# --- handlers (one per operationId) ----------------------------------------------------------

async def _write_request(request: Request, tenant: Tenant, raw: bytes, workflow_id: str | None) -> WriteRequest:
    # a parameter this release's handler does not read is a substitution parameter (releases.FEATURES)
    release = _flow(tenant).release
    consumed = release.create_params()
    provision = _bool(request, "provision")
    reprovision = release.reprovision and _bool(request, "reprovision")
    update_fields = release.update_fields and _bool(request, "update_fields")
    wait = _time(request, "wait_for_completion_timeout") if release.wait_for_completion_timeout else None
    validation = request.query_params.get("validation", "all")
    params = {k: v for k, v in request.query_params.items() if k not in consumed and k not in RESPONSE_PARAMS}
    body = _decode(raw, request)
    return WriteRequest(body=body, raw_body=raw, body_is_yaml="yaml" in request.headers.get("content-type", "").lower(),
                        workflow_id=workflow_id, provision=provision, reprovision=reprovision,
                        update_fields=update_fields,
                        use_case=request.query_params.get("use_case") if release.use_cases else None,
                        validation_all=[v.strip() for v in validation.split(",")] == ["all"],
                        wait_timeout_s=wait, params=params, tenant_id=request.headers.get(TENANT_ID_HEADER))


async def create_workflow(request: Request, tenant: Tenant) -> Response:
    raw = await _raw_body(request, tenant)
    # RestCreateWorkflowAction.java:88 reads `workflow_id` with request.param(): the query string counts
    # too, so POST ?workflow_id=X is an update of X (the transport action branches on it alone, :273)
    workflow_id = request.query_params.get("workflow_id")
    req = await _write_request(request, tenant, raw, workflow_id)
    flow = _flow(tenant)
    try:
        if workflow_id is not None:
            body, status = await actions.update_workflow(flow, req)
        else:
            body, status = await actions.create_workflow(flow, req)
    except FlowError as exc:
        raise _unread_body(exc, request, raw) from None
    return _respond(request, body, status)


async def update_workflow(request: Request, tenant: Tenant) -> Response:
    raw = await _raw_body(request, tenant)
    workflow_id = _workflow_id(request)
    req = await _write_request(request, tenant, raw, workflow_id)
    try:
        body, status = await actions.update_workflow(_flow(tenant), req)
    except FlowError as exc:
        raise _unread_body(exc, request, raw) from None
    return _respond(request, body, status)


async def get_workflow(request: Request, tenant: Tenant) -> Response:
    raw = await _raw_body(request, tenant)
    workflow_id = _workflow_id(request)
    _no_head(request, ["GET", "PUT", "DELETE"])
    _reject_unconsumed(request, ("workflow_id",))
    try:
        return _respond(request, actions.get_workflow(_flow(tenant), workflow_id))
    except FlowError as exc:
        raise _unread_body(exc, request, raw) from None


def _clear_status(request: Request) -> bool | None:
    """DeleteWorkflowTransportAction.java:105 `Booleans.parseBoolean(value, false)`: empty is false; None
    for anything but true/false, which the transport action fails on (after its index check)."""
    raw = request.query_params.get("clear_status")
    if not raw:
        return False
    return {"true": True, "false": False}.get(raw)


async def delete_workflow(request: Request, tenant: Tenant) -> Response:
    raw = await _raw_body(request, tenant)
    workflow_id = _workflow_id(request)
    clear_status = _clear_status(request)
    _reject_unconsumed(request, ("workflow_id", "clear_status"))
    try:
        return _respond(request, actions.delete_workflow(_flow(tenant), workflow_id, clear_status))
    except FlowError as exc:
        raise _unread_body(exc, request, raw) from None


def _provision_params(request: Request, raw: bytes) -> dict[str, str]:
    """RestProvisionWorkflowAction.parseParamsAndContent (:124-150): every query parameter but the path's
    workflow_id, then the body's string fields; a key in both is a duplicate."""
    params = {k: v for k, v in request.query_params.items() if k != "workflow_id"}
    if not raw:
        return params
    if "json" in request.headers.get("content-type", "").lower():
        token = core_errors.first_token(raw)
        if token is None:
            raise errors.body_parsing_failed()  # the first nextToken() throws an IOException
        if token[0] != "START_OBJECT":
            # ensureExpectedToken throws a ParsingException, which escapes the IOException catch
            raise core_errors.unexpected_token("START_OBJECT", *token)
    body = _decode(raw, request)
    if body is MALFORMED or not isinstance(body, dict):
        raise errors.body_parsing_failed()
    for key, value in body.items():
        if key in params:  # checked before the value's type (:137-142)
            raise errors.duplicate_key(key)
        if not isinstance(value, str):
            raise errors.body_fields_must_be_strings()
        params[key] = value
    return params


async def provision_workflow(request: Request, tenant: Tenant) -> Response:
    raw = await _raw_body(request, tenant)
    workflow_id = str(request.path_params["workflow_id"])
    timed = _flow(tenant).release.wait_for_completion_timeout  # before 2.19 it is one more substitution param
    wait = _time(request, "wait_for_completion_timeout") if timed else None
    params = _provision_params(request, raw)
    for key in (("wait_for_completion_timeout",) if timed else ()) + RESPONSE_PARAMS:
        if key in request.query_params:
            params.pop(key, None)
    result, status = await actions.provision_workflow(_flow(tenant), workflow_id, params, wait,
                                                               request.headers.get(TENANT_ID_HEADER))
    return _respond(request, result, status)


async def deprovision_workflow(request: Request, tenant: Tenant) -> Response:
    body = await _raw_body(request, tenant)
    workflow_id = str(request.path_params["workflow_id"])
    has_allow_delete = _flow(tenant).release.allow_delete  # 2.16+ (releases.FEATURES)
    raw = request.query_params.get("allow_delete") if has_allow_delete else None
    _reject_unconsumed(request, ("workflow_id", "allow_delete") if has_allow_delete else ("workflow_id",))
    allow = {p.strip() for p in raw.split(",") if p.strip()} if raw else set()
    try:
        result = await actions.deprovision_workflow(_flow(tenant), workflow_id, allow,
                                                             request.headers.get(TENANT_ID_HEADER))
    except FlowError as exc:
        raise _unread_body(exc, request, body) from None
    return _respond(request, result)


async def get_workflow_status(request: Request, tenant: Tenant) -> Response:
    raw = await _raw_body(request, tenant)
    workflow_id = str(request.path_params["workflow_id"])
    _no_head(request, ["GET"])
    all_fields = _bool(request, "all")
    _reject_unconsumed(request, ("workflow_id", "all"))
    try:
        return _respond(request, actions.get_workflow_status(_flow(tenant), workflow_id, all_fields))
    except FlowError as exc:
        raise _unread_body(exc, request, raw) from None


def _step_names(raw: str | None) -> list[str] | None:
    """GetWorkflowStepTransportAction.java:59-61: `Strings.splitStringByCommaToArray`, i.e. Java's
    String.split(","): no trimming, inner and leading empties kept, trailing empties dropped."""
    if not raw:
        return None  # absent or empty: every step
    names = raw.split(",")
    while names and names[-1] == "":
        names.pop()
    return names or None


async def get_workflow_steps(request: Request, tenant: Tenant) -> Response:
    raw_body = await _raw_body(request, tenant)
    _no_head(request, ["GET"])
    raw = request.query_params.get("workflow_step")
    _reject_unconsumed(request, ("workflow_step",))
    try:
        return _respond(request, actions.get_workflow_steps(_flow(tenant), _step_names(raw)))
    except FlowError as exc:
        raise _unread_body(exc, request, raw_body) from None


async def _search_body(request: Request, tenant: Tenant) -> dict[str, Any]:
    raw = await _raw_body(request, tenant)
    _no_head(request, ["GET", "POST"])
    _reject_unconsumed(request, ("source", "source_content_type"))
    if not tenant.settings.flow_enabled:
        # AbstractSearchWorkflowAction.java:78-86 answers before it reads the content
        raise _unread_body(errors.disabled(), request, raw)
    if not raw.strip():
        source = request.query_params.get("source")
        if source is None:
            raise errors.search_body_required()
        raw = source.encode()
    body = _decode(raw, request)
    if body is MALFORMED or not isinstance(body, dict):
        raise FlowError(400, "Failed to parse content to map", core_type="parse_exception")
    return body


async def search_workflows(request: Request, tenant: Tenant) -> Response:
    body = await _search_body(request, tenant)
    return _respond(request, actions.search_workflows(_flow(tenant), body))


async def search_workflow_state(request: Request, tenant: Tenant) -> Response:
    body = await _search_body(request, tenant)
    return _respond(request, actions.search_workflow_state(_flow(tenant), body))


def cluster_info(version: str) -> dict[str, Any]:
    """`GET /` as an OpenSearch node answers it; clients read `version.number` to pick behaviour."""
    major = int(version.split(".")[0]) if version.split(".")[0].isdigit() else 3
    return {"name": "emulator-node-1", "cluster_name": "workflow-emulator", "cluster_uuid": "Xr5P7jJMQwWl2F8bS0c3ug",
            "version": {"distribution": "opensearch", "number": version, "build_type": "tar",
                        "build_hash": "0000000000000000000000000000000000000000",
                        "build_date": "2026-01-01T00:00:00.000000Z", "build_snapshot": False,
                        "lucene_version": "10.2.2" if major >= 3 else "9.12.1",
                        "minimum_wire_compatibility_version": "2.19.0" if major >= 3 else "7.10.0",
                        "minimum_index_compatibility_version": "2.0.0" if major >= 3 else "7.0.0"},
            "tagline": "The OpenSearch Project: https://opensearch.org/"}


def install(emulator: Emulator) -> ApiMount:
    info = cluster_info(emulator.settings.opensearch_version)

    async def get_cluster_info(request: Request, tenant: Tenant) -> Response:
        return _respond(request, info)

    b = BINDING
    routes: list[Route] = [
        operation_route(b, "/", "GET", get_cluster_info, "get_cluster_info"),
        operation_route(b, WORKFLOW, "POST", create_workflow, "create_workflow"),
        operation_route(b, f"{WORKFLOW}/_steps", "GET", get_workflow_steps, "get_workflow_steps"),
        operation_route(b, f"{WORKFLOW}/_search", "POST", search_workflows, "search_workflows"),
        operation_route(b, f"{WORKFLOW}/_search", "GET", search_workflows, "search_workflows_get",
                        operation="search_workflows"),
        operation_route(b, f"{WORKFLOW}/state/_search", "POST", search_workflow_state, "search_workflow_state"),
        operation_route(b, f"{WORKFLOW}/state/_search", "GET", search_workflow_state, "search_workflow_state_get",
                        operation="search_workflow_state"),
        operation_route(b, f"{WORKFLOW}/{{workflow_id}}", "GET", get_workflow, "get_workflow"),
        operation_route(b, f"{WORKFLOW}/{{workflow_id}}", "PUT", update_workflow, "update_workflow"),
        operation_route(b, f"{WORKFLOW}/{{workflow_id}}", "DELETE", delete_workflow, "delete_workflow"),
        operation_route(b, f"{WORKFLOW}/{{workflow_id}}/_provision", "POST", provision_workflow, "provision_workflow"),
        operation_route(b, f"{WORKFLOW}/{{workflow_id}}/_deprovision", "POST", deprovision_workflow,
                        "deprovision_workflow"),
        operation_route(b, f"{WORKFLOW}/{{workflow_id}}/_status", "GET", get_workflow_status, "get_workflow_status"),
    ]
    return ApiMount(BINDING, routes)
