"""The gRPC door's requests as the canonical dicts the service reads (proto field names, defaults
omitted): `json_format.MessageToDict`'s answer.

MessageToDict is pure Python and walks every field through descriptors; a predict request with one
image URL took about as long as ranking a classifier's concepts. The common predict request (an
app, a workflow, optionally a version, inputs that each carry an id and one URL, raw text or
bytes) is read field by field from `ListFields` (C) instead, in the same field order; any other
field, or any other shape, goes through MessageToDict. `tests/clarifai/test_grpc_request.py`
compares the two on generated messages.
"""
from __future__ import annotations

import base64
from typing import Any

from google.protobuf.message import Message

from emulator.clarifai import proto_wire, wire


def request_dict(rpc: str, msg: Message) -> dict[str, Any]:
    if rpc == "PostWorkflowResults":
        plain = _predict(msg)
        if plain is not None:
            return plain
    return wire.request_from_message(msg)


def _predict(msg: Message) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    for field, value in msg.ListFields():
        name = field.name
        if name in ("workflow_id", "version_id"):
            out[name] = value
        elif name == "user_app_id":
            ids = _strings(value, ("user_id", "app_id"))
            if ids is None:
                return None
            out[name] = ids
        elif name == "inputs":
            inputs = []
            for item in value:
                one = _input(item)
                if one is None:
                    return None
                inputs.append(one)
            out[name] = inputs
        else:
            return None
    return out


def _strings(msg: Message, names: tuple[str, ...]) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    for field, value in msg.ListFields():
        if field.name not in names:
            return None
        out[field.name] = value
    return out


def _input(msg: Message) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    for field, value in msg.ListFields():
        if field.name == "id":
            out["id"] = value
        elif field.name == "data":
            data = _data(value)
            if data is None:
                return None
            out["data"] = data
        else:
            return None
    return out


def _data(msg: Message) -> dict[str, Any] | None:
    fields = msg.ListFields()
    known = proto_wire.MEDIA_FIELDS.get(fields[0][0].name) if len(fields) == 1 else None
    if known is None:
        return None
    kind, media = fields[0]
    part: dict[str, Any] = {}
    for field, value in media.ListFields():
        if field.name not in known:
            return None
        # proto-JSON writes bytes as standard base64
        part[field.name] = base64.b64encode(value).decode() if isinstance(value, bytes) else value
    return {kind.name: part}
