"""Clarifai's gRPC front end (`clarifai.api.V2` over grpc.aio): a second door into the shared Clarifai backend.

Reference: clarifai-workflows.md §1 (the service and its method paths), §7 (application errors travel
in-band in `status` with gRPC OK; only transport problems are gRPC errors), §8 (auth comes from the
`authorization` metadata entry) and §10 (clients reach an emulator through
`ClarifaiChannel.get_insecure_grpc_channel` and the `clarifai` SDK over `http://host:port`).

Every served RPC converts its request message to the same canonical proto-JSON dict the REST routes
build, hands it to `call(tenant.backend(ClarifaiState), ...)` and turns the answer into the response
message (a predict answer straight into its encoded bytes, which grpc sends as they are: proto_render.py),
so a workflow created over REST is predicted over gRPC and vice versa. HTTP-level fault rules
and the journal apply as for REST (api "clarifai", method "POST", path "/clarifai.api.V2/<Rpc>").
The server around this servicer (tolerant decoding, binding, TLS) is grpc_server.py.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from functools import cache, partial
from typing import Any, NamedTuple, cast

import grpc
from clarifai_grpc.grpc.api import service_pb2, service_pb2_grpc
from google.protobuf import json_format, message_factory
from google.protobuf.message import Message

from emulator.clarifai import errors, grpc_request, proto_render, wire
from emulator.clarifai.backend import RPCS, CallContext, call
from emulator.clarifai.state import ClarifaiState
from emulator.core.emulator import Emulator, Tenant
from emulator.core.operation import FAULT_HEADER, BadFaultHeader, Operation
from emulator.core.redaction import redact, redact_headers, secret_free

log = logging.getLogger(__name__)

SERVICE = "clarifai.api.V2"
API = "clarifai"
REQUEST_ID_PREFIX_HEADER = "x-clarifai-request-id-prefix"

# The RPCs the emulator serves over gRPC: every RPC the backend models (the workflow RPCs of §2, apps,
# models, model versions and model types), the same set REST serves.
SERVED_RPCS: tuple[str, ...] = tuple(RPCS)

# a backend bug still answers in-band (§7), never as a gRPC error
_INTERNAL_ERROR = 98004  # INTERNAL_SERVER_ISSUE

_V2 = service_pb2.DESCRIPTOR.services_by_name["V2"]


def operation_name(rpc: str) -> str:
    """`PostWorkflowVersionsUnPublish` -> `post_workflow_versions_un_publish` (the journal/fault name)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", rpc).lower()


@cache
def response_class(rpc: str) -> type[Message]:
    """The generated response class; delete/publish RPCs answer `status_pb2.BaseResponse`, which lives
    outside service_pb2, so the class comes from the descriptor rather than a module lookup."""
    cls: type[Message] = message_factory.GetMessageClass(_V2.methods_by_name[rpc].output_type)
    return cls


def rpc_path(rpc: str) -> str:
    return f"/{SERVICE}/{rpc}"


_OPERATIONS = {m.name: operation_name(m.name) for m in _V2.methods}
_PATHS = {m.name: rpc_path(m.name) for m in _V2.methods}


class _Aborted(Exception):
    """A fault's answer that is a gRPC error (drop, truncate): `serve` journals the call, then aborts."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


class Answer(NamedTuple):
    """What the door answers: the response (a message, or a predict answer's encoded bytes,
    proto_render.predict_wire), the HTTP status REST would give, and its status for the journal."""

    payload: Message | bytes
    http: int
    code: int
    description: str


class ClarifaiServicer(service_pb2_grpc.V2Servicer):  # type: ignore[misc]
    """clarifai-grpc's generated servicer; the served RPCs are attached below, one per SERVED_RPCS."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    async def serve(self, rpc: str, request: Message | Undecodable,
                    context: grpc.aio.ServicerContext) -> Message | bytes:
        metadata = _metadata(context)
        call = Operation(self.emulator.tenant(self.emulator.tenant_name(metadata)), API, _OPERATIONS[rpc], "POST",
                         _PATHS[rpc], "", redact_headers(metadata), "grpc")
        tenant = call.tenant
        if isinstance(request, Undecodable):
            call.record(0, error="undecodable request")
            await context.abort(grpc.StatusCode.INTERNAL, f"grpc: error unmarshalling request: {request.error}")
            raise TypeError("unreachable: context.abort() raises")
        response_cls = response_class(rpc)
        request_dict: dict[str, Any] | None = None
        answer: Answer | None = None  # None: the call never answers (drop, abort); the journal shows 0
        try:
            try:
                call.arm(metadata.get(FAULT_HEADER))
            except BadFaultHeader as exc:
                # the REST door answers a bad fault header with 400; over gRPC that is in-band (§7)
                answer = self._status_only(response_cls, tenant, metadata, 400, 11102, str(exc))
                return answer.payload
            size = request.ByteSize()
            if size > tenant.settings.clarifai_max_request_bytes:
                # the same in-band 40033 REST answers for an oversized body (errors.request_too_large)
                too_large = errors.request_too_large(size, tenant.settings.clarifai_max_request_bytes)
                code, description, details, http = too_large.resolved(tenant.settings.clarifai_status_overrides)
                answer = self._status_only(response_cls, tenant, metadata, http, code, details, description)
                return answer.payload
            request_dict = grpc_request.request_dict(rpc, request)
            call.decide()
            answer = await self._run(rpc, request_dict, response_cls, call, metadata, context)
            return answer.payload
        except _Aborted as exc:
            aborted = exc
        finally:
            call.end()
            self._journal(call, request_dict, answer, response_cls)
        # a drop or truncate: the status leaves once the journal has the call, so a client that has
        # seen it finds the call there
        await context.abort(aborted.code, aborted.message)
        raise TypeError("unreachable: context.abort() raises")

    async def _run(self, rpc: str, request_dict: dict[str, Any], response_cls: type[Message], call: Operation,
                   metadata: dict[str, str], context: grpc.aio.ServicerContext) -> Answer:
        """The gRPC door's rendering of the call's fault decision (core/operation.py)."""
        fault, tenant = call.fault, call.tenant
        if fault is not None:
            if fault.kind == "error":
                code = fault.code if fault.code is not None else errors.code_for_http_status(fault.status)
                context.set_trailing_metadata(fault.headers)
                # as over REST: the rule's message is the description
                return self._status_only(response_cls, tenant, metadata, fault.status, code, "",
                                         fault.message or errors.spec(code).description)
            if fault.kind == "drop":
                raise _Aborted(grpc.StatusCode.UNAVAILABLE, "Connection dropped (emulator fault)")
            await call.delay()
            if fault.kind == "empty_body":
                # an empty body decodes to the all-defaults message: no status at all
                answer = await self._call_backend(rpc, request_dict, response_cls, tenant, metadata)
                return Answer(response_cls(), answer.http, 0, "")
            if fault.kind == "truncate":
                await self._call_backend(rpc, request_dict, response_cls, tenant, metadata)
                raise _Aborted(grpc.StatusCode.INTERNAL, "Response truncated (emulator fault)")
        return await self._call_backend(rpc, request_dict, response_cls, tenant, metadata)

    async def _call_backend(self, rpc: str, request_dict: dict[str, Any], response_cls: type[Message],
                            tenant: Tenant, metadata: dict[str, str]) -> Answer:
        ctx = CallContext(metadata.get("authorization"), metadata.get(REQUEST_ID_PREFIX_HEADER), "grpc",
                          metadata.get("x-clarifai-session-token"))
        try:
            body, http = await call(tenant.backend(ClarifaiState), rpc, request_dict, ctx)
        except errors.ClarifaiError as exc:
            code, description, details, http = exc.resolved(tenant.settings.clarifai_status_overrides)
            return self._status_only(response_cls, tenant, metadata, http, code, details, description)
        except Exception as exc:  # a backend bug must still answer in-band, never hang or crash the server
            log.exception("Clarifai backend failed on %s", rpc)
            return self._status_only(response_cls, tenant, metadata, 500, _INTERNAL_ERROR,
                                     f"{type(exc).__name__}: {exc}", "Internal emulator error")
        st = body.get("status") or {}
        code, description = st.get("code", 0), st.get("description", "")
        payload = proto_render.predict_wire(body) if rpc == "PostWorkflowResults" else None
        if payload is not None:
            return Answer(payload, http, code, description)
        try:
            return Answer(proto_render.to_message(rpc, body, response_cls()), http, code, description)
        except json_format.ParseError as exc:
            log.exception("Clarifai backend answered %s with a body that is not a %s", rpc, response_cls.__name__)
            return self._status_only(response_cls, tenant, metadata, 500, _INTERNAL_ERROR,
                                     f"Unserialisable response: {exc}", "Internal emulator error")

    def _status_only(self, response_cls: type[Message], tenant: Tenant, metadata: dict[str, str], http: int,
                     code: int, details: str, description: str | None = None) -> Answer:
        # the tenant's next id, as over REST (routes._render_status): seeded runs answer the same ids
        req_id = wire.request_id(tenant.ids.hex32(), metadata.get(REQUEST_ID_PREFIX_HEADER))
        desc = description if description is not None else (errors.spec(code).description or details)
        body = {"status": wire.status(code, desc, details if details != desc else "", req_id)}
        message = response_cls()
        json_format.ParseDict(body, message, ignore_unknown_fields=True)
        return Answer(message, http, code, desc)

    def _journal(self, call: Operation, request_dict: dict[str, Any] | None, answer: Answer | None,
                 response_cls: type[Message]) -> None:
        if answer is None:
            call.record(0, request=self._shown(request_dict))
            return
        error: str | None = None
        code: int | None = None
        if (call.fault is None or call.fault.kind != "error") and answer.code != errors.SUCCESS.code:
            error, code = answer.description or None, answer.code or None
        payload = answer.payload
        size = len(payload) if isinstance(payload, bytes) else payload.ByteSize()
        entry = call.record(answer.http, error, code, self._shown(request_dict), size)
        # rendered as JSON only if someone opens it in the dashboard (core/journal.py), in REST's
        # conventions (proto field names, enums as numbers: status codes compare across doors)
        call.tenant.journal.keep_response(entry, (), partial(_as_json, response_cls, payload), size)

    @staticmethod
    def _shown(request_dict: dict[str, Any] | None) -> dict[str, Any] | None:
        if request_dict is None:
            return None
        return request_dict if secret_free(request_dict) else cast("dict[str, Any]", redact(request_dict))


def _as_json(response_cls: type[Message], payload: Message | bytes) -> dict[str, Any]:
    message = response_cls.FromString(payload) if isinstance(payload, bytes) else payload
    out: dict[str, Any] = json_format.MessageToDict(message, preserving_proto_field_name=True,
                                                    use_integers_for_enums=True)
    return out


def _metadata(context: grpc.aio.ServicerContext) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in context.invocation_metadata() or ():
        if isinstance(value, str):
            out[key.lower()] = value
    return out


def _served_method(rpc: str) -> Callable[[ClarifaiServicer, Message, Any], Awaitable[Message | bytes]]:
    async def method(self: ClarifaiServicer, request: Message, context: grpc.aio.ServicerContext) -> Message | bytes:
        return await self.serve(rpc, request, context)

    method.__name__ = rpc
    return method


def _unimplemented_method(rpc: str) -> Callable[[ClarifaiServicer, Any, Any], Awaitable[None]]:
    async def method(self: ClarifaiServicer, request: Any, context: grpc.aio.ServicerContext) -> None:
        metadata = _metadata(context)
        # journaled so a consumer-coverage report shows the client needs an RPC the emulator lacks
        Operation(self.emulator.tenant(self.emulator.tenant_name(metadata)), API, operation_name(rpc), "POST",
                  rpc_path(rpc), "", redact_headers(metadata), "grpc").record(501, error="UNIMPLEMENTED")
        # the generated base servicer answers UNIMPLEMENTED too, but raises and logs a traceback per call;
        # the message names the RPC so a test author sees which call the emulator lacks
        await context.abort(grpc.StatusCode.UNIMPLEMENTED,
                            f"{rpc} (/{SERVICE}/{rpc}) is not modelled by the emulator")

    method.__name__ = rpc
    return method


for _method in _V2.methods:
    setattr(ClarifaiServicer, _method.name,
            _served_method(_method.name) if _method.name in SERVED_RPCS else _unimplemented_method(_method.name))


class Undecodable:
    """Stands for a request whose bytes are not a valid protobuf message."""

    def __init__(self, error: str) -> None:
        self.error = error
