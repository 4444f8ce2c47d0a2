"""Clarifai JSON wire conventions (reference §1, §2): request normalisation, timestamps, status, ids.

Requests are normalised through clarifai-grpc's own message descriptors, exactly as the real
gateway transcodes JSON into protobuf: snake_case and lowerCamel names, enum names or integers,
unknown fields and wrong types rejected. The backend then sees one canonical dict shape (proto
field names, enums as ints, defaults omitted) whichever transport the request came from.
"""
from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import math
from functools import cache
from typing import Any

import orjson
import pybase64
from clarifai_grpc.grpc.api import service_pb2
from google.protobuf import json_format, message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from emulator.clarifai import errors

_V2 = service_pb2.DESCRIPTOR.services_by_name["V2"]
_TRUE = {"true", "True", "TRUE", "1"}
_FALSE = {"false", "False", "FALSE", "0"}
_INTS = {FieldDescriptor.TYPE_INT32, FieldDescriptor.TYPE_INT64, FieldDescriptor.TYPE_UINT32,
         FieldDescriptor.TYPE_UINT64, FieldDescriptor.TYPE_SINT32, FieldDescriptor.TYPE_SINT64,
         FieldDescriptor.TYPE_FIXED32, FieldDescriptor.TYPE_FIXED64, FieldDescriptor.TYPE_SFIXED32,
         FieldDescriptor.TYPE_SFIXED64}
_FLOATS = {FieldDescriptor.TYPE_FLOAT, FieldDescriptor.TYPE_DOUBLE}


@cache
def request_class(rpc: str) -> type[Message]:
    cls: type[Message] = message_factory.GetMessageClass(_V2.methods_by_name[rpc].input_type)
    return cls


@cache
def response_class(rpc: str) -> type[Message]:
    # e.g. BaseResponse lives in status_pb2, not service_pb2
    cls: type[Message] = message_factory.GetMessageClass(_V2.methods_by_name[rpc].output_type)
    return cls


def request_from_message(msg: Message) -> dict[str, Any]:
    """The canonical request dict: proto field names, enums as ints, defaults omitted."""
    out: dict[str, Any] = json_format.MessageToDict(
        msg, preserving_proto_field_name=True, use_integers_for_enums=True)
    return out


def request_from_json(rpc: str, body: Any) -> dict[str, Any]:
    """Normalise a JSON request object (snake_case or lowerCamel, enum names or ints)."""
    if not isinstance(body, dict):
        raise errors.bad_request_format("The request body must be a JSON object")
    if rpc in FAST_RPCS and canonical(body, request_class(rpc).DESCRIPTOR):
        # already what the protobuf round trip below would return (tests/clarifai/test_wire_fast_path.py);
        # fresh top-level dicts, because merge_path writes path parameters into them
        out = dict(body)
        if "user_app_id" in out:
            out["user_app_id"] = dict(out["user_app_id"])
        return out
    return request_via_proto(rpc, body)


def request_via_proto(rpc: str, body: dict[str, Any]) -> dict[str, Any]:
    """The protobuf round trip, the gateway's own transcoding: every request that is not plain."""
    msg = request_class(rpc)()
    _reject_bools_in_numbers(body, msg.DESCRIPTOR, "")
    try:
        json_format.ParseDict(body, msg, ignore_unknown_fields=False)
    except (json_format.ParseError, TypeError, ValueError) as exc:
        raise errors.bad_request_format(f"Failed to parse request: {exc}") from None
    return request_from_message(msg)


# RPCs whose handlers only read the request, so a canonical body may be passed on as it is
# (predict is the hot path: the protobuf round trip was a third of its time)
FAST_RPCS = frozenset({"PostWorkflowResults", "PostModelOutputs"})
_STR, _BYTES, _MSG, _MSGS = range(4)


@cache
def _plain_fields(d: Descriptor) -> dict[str, tuple[int, Descriptor | None]]:
    """The fields of `d` whose canonical JSON is trivially the parsed JSON: non-oneof strings,
    bytes, and (repeated) messages other than the google.protobuf well-known types."""
    out: dict[str, tuple[int, Descriptor | None]] = {}
    for f in d.fields:
        if f.containing_oneof is not None:
            continue
        msg = (f.type == FieldDescriptor.TYPE_MESSAGE and not f.message_type.GetOptions().map_entry
               and not f.message_type.full_name.startswith("google.protobuf."))
        if f.is_repeated:
            if msg:
                out[f.name] = (_MSGS, f.message_type)
        elif f.type == FieldDescriptor.TYPE_STRING:
            out[f.name] = (_STR, None)
        elif f.type == FieldDescriptor.TYPE_BYTES:
            out[f.name] = (_BYTES, None)
        elif msg:
            out[f.name] = (_MSG, f.message_type)
    return out


def canonical(value: dict[str, Any], d: Descriptor) -> bool:
    """True when `request_from_message(ParseDict(value))` would equal `value`: proto field names
    only, non-empty strings, standard padded base64, non-empty lists of such messages. Anything
    else (camelCase, enums, numbers, booleans, empty values, nulls) takes the protobuf route."""
    fields = _plain_fields(d)
    for k, v in value.items():
        spec = fields.get(k)
        if spec is None:
            return False
        kind, sub = spec
        if kind == _STR:
            if type(v) is not str or not v:
                return False
        elif kind == _MSG:
            if type(v) is not dict or not canonical(v, sub):
                return False
        elif kind == _MSGS:
            if type(v) is not list or not v:
                return False
            for item in v:
                if type(item) is not dict or not canonical(item, sub):
                    return False
        elif type(v) is not str or not v or not canonical_base64(v):
            return False
    return True


def canonical_base64(value: str) -> bool:
    """`b64encode(b64decode(value, validate=True)) == value`, literally, with SIMD base64 (a 24 KB
    image is 5 µs; the translate-based scan it replaces took 12 µs and predict then decoded again)."""
    if len(value) % 4 or not value.isascii():
        return False
    try:
        return pybase64.b64encode(pybase64.b64decode(value, validate=True)) == value.encode()
    except (binascii.Error, ValueError):
        return False


def _reject_bools_in_numbers(value: Any, d: Descriptor, where: str) -> None:
    """Python's json_format takes `true`/`false` for float fields (bool is an int there); the real
    gateway's protojson rejects them, so bad input answers 11100 like any other type error."""
    if not isinstance(value, dict):
        return
    for key, v in value.items():
        f = d.fields_by_name.get(key) or d.fields_by_camelcase_name.get(key)
        if f is None or v is None:
            continue
        items = v if isinstance(v, list) and f.is_repeated else [v]
        for item in items:
            if isinstance(item, bool) and (f.type in _FLOATS or f.type in _INTS or f.type == FieldDescriptor.TYPE_ENUM):
                raise errors.bad_request_format(
                    f"Failed to parse request: Failed to parse {key} field: invalid value for number field "
                    f"{where}{f.name}: {str(item).lower()}")
            if isinstance(item, float) and f.type == FieldDescriptor.TYPE_ENUM and not item.is_integer():
                # protojson takes an enum number only as an integer (json_format truncates 2.5 to 2)
                raise errors.bad_request_format(
                    f"Failed to parse request: Failed to parse {key} field: invalid value for enum field "
                    f"{where}{f.name}: {item}")
            nested = f.type == FieldDescriptor.TYPE_MESSAGE and not f.message_type.GetOptions().map_entry
            if nested and not f.message_type.full_name.startswith("google.protobuf."):
                _reject_bools_in_numbers(item, f.message_type, f"{where}{f.name}.")


def parse_body(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise errors.bad_request_format(f"Malformed JSON body: {exc}") from None
    if not isinstance(body, dict):
        raise errors.bad_request_format("The request body must be a JSON object")
    return body


def query_to_json(rpc: str, items: list[tuple[str, str]]) -> dict[str, Any]:
    """§2: the JSON client writes nested fields dotted, repeated fields as repeated keys,
    booleans Python-style (`True`/`False`) and enums by name; typed via the request descriptor."""
    out: dict[str, Any] = {}
    desc: Descriptor = request_class(rpc).DESCRIPTOR
    for key, raw in items:
        node, d = out, desc
        parts = key.split(".")
        for i, part in enumerate(parts):
            f = d.fields_by_name.get(part) or d.fields_by_camelcase_name.get(part)
            if f is None:
                raise errors.bad_request_format(f"Unknown query parameter '{key}'")
            last = i == len(parts) - 1
            if f.type == FieldDescriptor.TYPE_MESSAGE and not last:
                if f.is_repeated:
                    raise errors.bad_request_format(f"Unsupported query parameter '{key}'")
                node = node.setdefault(f.name, {})
                d = f.message_type
                continue
            if not last or f.type == FieldDescriptor.TYPE_MESSAGE:
                raise errors.bad_request_format(f"Unsupported query parameter '{key}'")
            value = _scalar(f, raw, key)
            if f.is_repeated:
                node.setdefault(f.name, []).append(value)
            else:
                node[f.name] = value
    return out


def _scalar(f: FieldDescriptor, raw: str, key: str) -> Any:
    if f.type == FieldDescriptor.TYPE_BOOL:
        if raw in _TRUE:
            return True
        if raw in _FALSE:
            return False
        raise errors.bad_request_format(f"Invalid boolean value '{raw}' for '{key}'")
    if f.type in _INTS:
        try:
            return int(raw)
        except ValueError:
            raise errors.bad_request_format(f"Invalid integer value '{raw}' for '{key}'") from None
    if f.type in _FLOATS:
        try:
            return float(raw)
        except ValueError:
            raise errors.bad_request_format(f"Invalid number value '{raw}' for '{key}'") from None
    if f.type == FieldDescriptor.TYPE_ENUM:
        return int(raw) if raw.lstrip("-").isdigit() else raw
    return raw


def merge_path(request: dict[str, Any], path_params: dict[str, str]) -> dict[str, Any]:
    """§2: path parameters win over body fields; user_id/app_id belong to `user_app_id`."""
    for k, v in path_params.items():
        if k in ("user_id", "app_id"):
            request.setdefault("user_app_id", {})[k] = v
        else:
            request[k] = v
    return request


def timestamp(t: float, nanos: bool = False) -> str:
    """§1: RFC 3339 UTC; stored objects show microseconds, predict outputs nanoseconds.

    Seconds and fraction come from one rounding, so a fraction that rounds up to a whole
    second carries into the seconds instead of printing a time up to a second off.
    """
    scale = 1_000_000_000 if nanos else 1_000_000
    sec = math.floor(t)
    frac = round((t - sec) * scale)
    if frac >= scale:
        sec, frac = sec + 1, frac - scale
    base = _second_prefix(sec)
    return f"{base}.{frac:09d}Z" if nanos else f"{base}.{frac:06d}Z"


@functools.lru_cache(maxsize=64)
def _second_prefix(sec: int) -> str:
    return dt.datetime.fromtimestamp(sec, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")


def status(code: int, description: str, details: str = "", req_id: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"code": code, "description": description}
    if details:
        out["details"] = details
    if req_id:
        out["req_id"] = req_id
    return out


def ok_status(req_id: str | None = None) -> dict[str, Any]:
    return status(errors.SUCCESS.code, errors.SUCCESS.description, "", req_id)


def request_id(hex32: str, prefix: str | None) -> str:
    """§1: `X-Clarifai-Request-ID-Prefix: P` makes the req_id `P-<32hex>`."""
    return f"{prefix}-{hex32}" if prefix else hex32


def decode_bytes(value: str) -> bytes | None:
    """Proto-JSON `bytes` are standard base64 (url-safe accepted, like protobuf's parser)."""
    try:
        return base64.b64decode(value + "=" * (-len(value) % 4), altchars=b"-_" if ("-" in value or "_" in value)
                                else None, validate=False)
    except (ValueError, TypeError):
        return None
