"""The Flow Framework plugin's REST handlers and the cluster root (reference §1-§3): one per operationId,
each reading its parameters and body through the REST channel (rest_channel.py) and calling the
transport action of the same name (backend.py).
"""
from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from emulator.core.emulator import Emulator, Tenant
from emulator.core.http import ApiMount, operation_route
from emulator.opensearch_flow import backend as actions
from emulator.opensearch_flow import core_errors, errors
from emulator.opensearch_flow.errors import FlowError
from emulator.opensearch_flow.rest_channel import (
    BINDING,
    RESPONSE_PARAMS,
    TENANT_ID_HEADER,
    WORKFLOW,
    decode_body,
    no_head,
    param_bool,
    param_time,
    path_workflow_id,
    read_content,
    reject_unconsumed,
    respond,
)
from emulator.opensearch_flow.state import FlowState
from emulator.opensearch_flow.write_request import MALFORMED, WriteRequest


def _unread_body(exc: FlowError, request: Request, raw: bytes) -> FlowError:
    """BaseRestHandler.handleRequest: content a handler returned without reading is itself the error."""
    if exc.before_body and raw:
        return core_errors.body_not_supported(request.method, request.url.path)
    return exc


def _flow(tenant: Tenant) -> FlowState:
    return tenant.backend(FlowState)


# --- handlers (one per operationId) ----------------------------------------------------------

async def _write_request(request: Request, tenant: Tenant, raw: bytes, workflow_id: str | None) -> WriteRequest:
    # a parameter this release's handler does not read is a substitution parameter (releases.FEATURES)
    release = _flow(tenant).release
    consumed = release.create_params()
    provision = param_bool(request, "provision")
    reprovision = release.reprovision and param_bool(request, "reprovision")
    update_fields = release.update_fields and param_bool(request, "update_fields")
    wait = param_time(request, "wait_for_completion_timeout") if release.wait_for_completion_timeout else None
    validation = request.query_params.get("validation", "all")
    params = {k: v for k, v in request.query_params.items() if k not in consumed and k not in RESPONSE_PARAMS}
    body = decode_body(raw, request)
    return WriteRequest(body=body, raw_body=raw, body_is_yaml="yaml" in request.headers.get("content-type", "").lower(),
                        workflow_id=workflow_id, provision=provision, reprovision=reprovision,
                        update_fields=update_fields,
                        use_case=request.query_params.get("use_case") if release.use_cases else None,
                        validation_all=[v.strip() for v in validation.split(",")] == ["all"],
                        wait_timeout_s=wait, params=params, tenant_id=request.headers.get(TENANT_ID_HEADER))


async def create_workflow(request: Request, tenant: Tenant) -> Response:
    raw = await read_content(request, tenant)
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
    return respond(request, body, status)


async def update_workflow(request: Request, tenant: Tenant) -> Response:
    raw = await read_content(request, tenant)
    workflow_id = path_workflow_id(request)
    req = await _write_request(request, tenant, raw, workflow_id)
    try:
        body, status = await actions.update_workflow(_flow(tenant), req)
    except FlowError as exc:
        raise _unread_body(exc, request, raw) from None
    return respond(request, body, status)


async def get_workflow(request: Request, tenant: Tenant) -> Response:
    raw = await read_content(request, tenant)
    workflow_id = path_workflow_id(request)
    no_head(request, ["GET", "PUT", "DELETE"])
    reject_unconsumed(request, ("workflow_id",))
    try:
        return respond(request, actions.get_workflow(_flow(tenant), workflow_id))
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
    raw = await read_content(request, tenant)
    workflow_id = path_workflow_id(request)
    clear_status = _clear_status(request)
    reject_unconsumed(request, ("workflow_id", "clear_status"))
    try:
        return respond(request, actions.delete_workflow(_flow(tenant), workflow_id, clear_status))
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
    body = decode_body(raw, request)
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
    raw = await read_content(request, tenant)
    workflow_id = str(request.path_params["workflow_id"])
    timed = _flow(tenant).release.wait_for_completion_timeout  # before 2.19 it is one more substitution param
    wait = param_time(request, "wait_for_completion_timeout") if timed else None
    params = _provision_params(request, raw)
    for key in (("wait_for_completion_timeout",) if timed else ()) + RESPONSE_PARAMS:
        if key in request.query_params:
            params.pop(key, None)
    result, status = await actions.provision_workflow(_flow(tenant), workflow_id, params, wait,
                                                               request.headers.get(TENANT_ID_HEADER))
    return respond(request, result, status)


async def deprovision_workflow(request: Request, tenant: Tenant) -> Response:
    body = await read_content(request, tenant)
    workflow_id = str(request.path_params["workflow_id"])
    has_allow_delete = _flow(tenant).release.allow_delete  # 2.16+ (releases.FEATURES)
    raw = request.query_params.get("allow_delete") if has_allow_delete else None
    reject_unconsumed(request, ("workflow_id", "allow_delete") if has_allow_delete else ("workflow_id",))
    allow = {p.strip() for p in raw.split(",") if p.strip()} if raw else set()
    try:
        result = await actions.deprovision_workflow(_flow(tenant), workflow_id, allow,
                                                             request.headers.get(TENANT_ID_HEADER))
    except FlowError as exc:
        raise _unread_body(exc, request, body) from None
    return respond(request, result)


async def get_workflow_status(request: Request, tenant: Tenant) -> Response:
    raw = await read_content(request, tenant)
    workflow_id = str(request.path_params["workflow_id"])
    no_head(request, ["GET"])
    all_fields = param_bool(request, "all")
    reject_unconsumed(request, ("workflow_id", "all"))
    try:
        return respond(request, actions.get_workflow_status(_flow(tenant), workflow_id, all_fields))
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
    raw_body = await read_content(request, tenant)
    no_head(request, ["GET"])
    raw = request.query_params.get("workflow_step")
    reject_unconsumed(request, ("workflow_step",))
    try:
        return respond(request, actions.get_workflow_steps(_flow(tenant), _step_names(raw)))
    except FlowError as exc:
        raise _unread_body(exc, request, raw_body) from None


async def _search_body(request: Request, tenant: Tenant) -> dict[str, Any]:
    raw = await read_content(request, tenant)
    no_head(request, ["GET", "POST"])
    reject_unconsumed(request, ("source", "source_content_type"))
    if not tenant.settings.flow_enabled:
        # AbstractSearchWorkflowAction.java:78-86 answers before it reads the content
        raise _unread_body(errors.disabled(), request, raw)
    if not raw.strip():
        source = request.query_params.get("source")
        if source is None:
            raise core_errors.search_body_required()
        raw = source.encode()
    body = decode_body(raw, request)
    if body is MALFORMED or not isinstance(body, dict):
        raise FlowError(400, "Failed to parse content to map", core_type="parse_exception")
    return body


async def search_workflows(request: Request, tenant: Tenant) -> Response:
    body = await _search_body(request, tenant)
    return respond(request, actions.search_workflows(_flow(tenant), body))


async def search_workflow_state(request: Request, tenant: Tenant) -> Response:
    body = await _search_body(request, tenant)
    return respond(request, actions.search_workflow_state(_flow(tenant), body))


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
        return respond(request, info)

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
