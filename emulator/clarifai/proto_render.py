"""Backend answers (proto-JSON dicts) as protobuf for the gRPC transport.

Predict answers are encoded straight to the wire format (`predict_wire`): the bytes grpc sends,
so no message is built and grpc does not serialise one again. `json_format.ParseDict` is pure
Python and walks every field (a 2-node answer took 1.3 ms); building a message from parts and
letting grpc serialise it still cost more than computing the answer. The parts every answer shares
(a node's Model, the workflow summary: the same objects from one answer to the next, predict.py)
are converted once and kept encoded; a classifier's concepts come encoded from the scorer
(proto_wire.ProtoData); ids, statuses, times and input echoes are encoded here. Any part of
another shape is converted by `ParseDict` on its own, and an answer of another shape, or any other
RPC's, by `to_message`. `tests/clarifai/test_proto_render.py` checks the bytes equal ParseDict's
message serialised, on generated answers.
"""
from __future__ import annotations

import base64
import datetime as dt
import struct
from typing import Any

from clarifai_grpc.grpc.api import resources_pb2
from clarifai_grpc.grpc.api.status import status_pb2
from google.protobuf import json_format
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from emulator.clarifai import proto_wire
from emulator.clarifai.inputs import BASE64_ECHO
from emulator.clarifai.predict import OK
from emulator.clarifai.proto_wire import message, tagged, text, varint

_ECHOED = base64.b64decode(BASE64_ECHO)
SHARED_CAP = 4096
# id(dict) -> (the dict, kept alive so its id is not reused while cached; its class; its encoding)
_shared: dict[int, tuple[dict[str, Any], type[Message], bytes]] = {}


def to_message(rpc: str, body: dict[str, Any], into: Message) -> Message:
    """Any answer as its response message (answers `predict_wire` does not encode)."""
    into.Clear()
    json_format.ParseDict(body, into, ignore_unknown_fields=True)
    return into


def encoded(d: dict[str, Any], cls: type[Message]) -> bytes:
    """`d` as a serialised `cls`, ParseDict's reading of it."""
    msg = cls()
    json_format.ParseDict(d, msg, ignore_unknown_fields=True)
    raw: bytes = msg.SerializeToString(deterministic=True)
    return raw


def shared(d: dict[str, Any], cls: type[Message]) -> bytes:
    """`encoded(d, cls)` once per object: only for dicts that are never mutated (predict.py's shared parts)."""
    hit = _shared.get(id(d))
    if hit is not None and hit[0] is d and hit[1] is cls:
        return hit[2]
    raw = encoded(d, cls)
    if len(_shared) >= SHARED_CAP:
        _shared.clear()
    _shared[id(d)] = (d, cls, raw)
    return raw


# PostWorkflowResultsResponse: status 1, workflow 2, results 3, workflow_state 4
_BODY = frozenset({"status", "workflow", "workflow_state", "results"})
# WorkflowResult: id 1, status 2, created_at 3, input 5, outputs 6
_RESULT = frozenset({"id", "status", "created_at", "input", "outputs"})
# Output: id 1, status 2, created_at 3, model 4, data 6
_OUTPUT = frozenset({"id", "status", "created_at", "model", "data"})


def predict_wire(body: dict[str, Any]) -> bytes | None:
    """A PostWorkflowResultsResponse's bytes; None for an answer of another shape (see to_message).
    A field whose value is None is left out, as ParseDict leaves it."""
    if "results" not in body or not body.keys() <= _BODY:
        return None
    try:
        st = body.get("status")
        parts = [] if st is None else [tagged(b"\n", _status(st))]
        if body.get("workflow") is not None:
            parts.append(tagged(b"\x12", shared(body["workflow"], resources_pb2.Workflow)))
        for r in body["results"]:
            if not r.keys() <= _RESULT:
                return None
            item = _head(r)
            if r.get("input") is not None:
                item += tagged(b"*", _input(r["input"]))
            for o in r.get("outputs") or ():
                if not o.keys() <= _OUTPUT:
                    return None
                out = _head(o)
                if o.get("model") is not None:
                    out += tagged(b'"', shared(o["model"], resources_pb2.Model))
                if o.get("data") is not None:
                    out += tagged(b"2", _data(o["data"]))
                item += tagged(b"2", out)
            parts.append(tagged(b"\x1a", item))
        if body.get("workflow_state") is not None:
            parts.append(tagged(b'"', encoded(body["workflow_state"], resources_pb2.WorkflowState)))
    except (AttributeError, TypeError, ValueError, KeyError, OverflowError, struct.error):
        return None  # a value of another type: ParseDict says what is wrong with it (to_message)
    return b"".join(parts)


def _head(d: dict[str, Any]) -> bytes:
    """`id`, `status` and `created_at` (fields 1, 2, 3), which results and outputs both lead with."""
    i, st, at = d.get("id"), d.get("status"), d.get("created_at")
    out = tagged(b"\n", i.encode()) if i else b""
    if st is not None:
        out += _OK if st is OK else tagged(b"\x12", _status(st))
    if at is not None:
        out += _created_at(at)
    return out


_STATUS = frozenset({"code", "description", "details", "req_id"})


def _status(st: dict[str, Any]) -> bytes:
    """Status: code 1 (an enum), description 2, details 3, req_id 7."""
    if not st.keys() <= _STATUS:
        return encoded(st, status_pb2.Status)
    code, description, details, req_id = st.get("code"), st.get("description"), st.get("details"), st.get("req_id")
    if code is not None and type(code) is not int:
        raise TypeError("a status code that is not a number")
    return ((b"\x08" + varint(code) if code else b"")
            + (tagged(b"\x12", description.encode()) if description else b"")
            + (tagged(b"\x1a", details.encode()) if details else b"")
            + (tagged(b":", req_id.encode()) if req_id else b""))


# an output's or result's status when it is predict's shared success status (never mutated)
_OK = tagged(b"\x12", _status(OK))


_EPOCH = dt.datetime(1970, 1, 1)
_last_stamp: list[tuple[str, bytes]] = []
_last_second: list[tuple[str, int]] = []


def _created_at(value: str) -> bytes:
    """Field 3, a Timestamp, encoded once per answer time (one answer shows one)."""
    if not _last_stamp or _last_stamp[0][0] != value:
        stamp = timestamp(value)
        raw = tagged(b"\x1a", proto_wire.number(1, stamp.seconds) + proto_wire.number(2, stamp.nanos))
        _last_stamp[:] = [(value, raw)]
    return _last_stamp[0][1]


def timestamp(value: str) -> Timestamp:
    """`Timestamp().FromJsonString(value)`. The times predict writes (`2026-11-30T19:04:23.123456789Z`,
    wire.timestamp) are read by `fromisoformat` (once per second) and their digits; `FromJsonString`
    (strptime) reads any other form."""
    stamp = Timestamp()
    if len(value) == 30 and value[19] == "." and value[29] == "Z" and value[20:29].isdigit():
        second = value[:19]
        if not _last_second or _last_second[0][0] != second:
            delta = dt.datetime.fromisoformat(second) - _EPOCH
            _last_second[:] = [(second, delta.days * 86400 + delta.seconds)]
        stamp.seconds = _last_second[0][1]
        stamp.nanos = int(value[20:29])
    else:
        stamp.FromJsonString(value)
    return stamp


# the `Data` field of each medium and the field of each medium's url / base64 / raw
_MEDIA = {kind: (resources_pb2.Data.DESCRIPTOR.fields_by_name[kind].number,
                 {name: resources_pb2.Data.DESCRIPTOR.fields_by_name[kind].message_type.fields_by_name[name].number
                  for name in names})
          for kind, names in proto_wire.MEDIA_FIELDS.items()}


def _input(d: dict[str, Any]) -> bytes:
    """An answer's echo of an input (Input: id 1, data 2): the common one (an id and one URL, text or
    media marker) encoded here, anything else by `ParseDict`."""
    data = d.get("data")
    if d.keys() <= {"id", "data"} and type(d.get("id", "")) is str and type(data) is dict and len(data) == 1:
        kind, part = next(iter(data.items()))
        media = _MEDIA.get(kind)
        if media is not None and type(part) is dict and len(part) == 1:
            name, value = next(iter(part.items()))
            if name in media[1] and type(value) is str and (name != "base64" or value == BASE64_ECHO):
                raw = (_ECHOED if name == "base64" else value.encode()) if value else b""
                inner = message(media[0], message(media[1][name], raw) if raw else b"")
                return text(1, d.get("id", "")) + message(2, inner)
    return encoded(d, resources_pb2.Input)


_CONCEPT = frozenset({"id", "name", "value", "app_id"})
_NO_VALUE = proto_wire.FLOAT32.pack(0.0)
# a concept's fields other than its value, encoded (proto_wire.concept_parts), per concept
_concept_fields: dict[tuple[str, str, str], tuple[bytes, bytes]] = {}
CONCEPT_FIELDS_CAP = 65536


def _concept(c: dict[str, Any]) -> bytes:
    key = (c["id"], c["name"], c["app_id"])
    value = proto_wire.FLOAT32.pack(c["value"])
    if value == _NO_VALUE:  # proto3 leaves a zero float out
        return message(3, text(1, key[0]) + text(2, key[1]) + text(6, key[2]))
    parts = _concept_fields.get(key)
    if parts is None:
        if len(_concept_fields) >= CONCEPT_FIELDS_CAP:
            _concept_fields.clear()
        parts = _concept_fields[key] = proto_wire.concept_parts(*key)
    return parts[0] + value + parts[1]


def _data(d: dict[str, Any] | proto_wire.ProtoData) -> bytes:
    """An output's `data`: already encoded by the scorer (outputs.Scorer.concepts_proto), a
    classifier's concepts encoded here, anything else by `ParseDict`."""
    if isinstance(d, proto_wire.ProtoData):
        return d
    concepts = d.get("concepts")
    if concepts is None or len(d) != 1 or not all(type(c) is dict and c.keys() == _CONCEPT for c in concepts):
        return encoded(d, resources_pb2.Data)
    return b"".join([_concept(c) for c in concepts])
