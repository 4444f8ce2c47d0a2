"""Backend answers (proto-JSON dicts) as protobuf messages for the gRPC transport.

`json_format.ParseDict` is pure Python and walks every field: a 2-node predict answer took 1.3 ms
to convert, twenty times what computing it took. Predict answers are mostly parts that are the
same object from one answer to the next (a node's Model, the workflow summary: see predict.py),
so those are converted once and copied in (`CopyFrom` runs in C); the per-answer fields, a
classifier's concepts included, are set directly. Every other answer goes through `ParseDict`.
`tests/clarifai/test_proto_render.py` checks the result equals `ParseDict`'s on varied answers.
"""
from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from clarifai_grpc.grpc.api import resources_pb2
from google.protobuf import json_format
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from emulator.clarifai import proto_wire
from emulator.clarifai.inputs import BASE64_ECHO

_ECHOED = base64.b64decode(BASE64_ECHO)

SHARED_CAP = 4096
# id(dict) -> (the dict, kept alive so its id is not reused while cached; its message)
_shared: dict[int, tuple[dict[str, Any], Message]] = {}


def to_message(rpc: str, body: dict[str, Any], message: Message) -> Message:
    if rpc != "PostWorkflowResults" or not _predict(body, message):
        message.Clear()
        json_format.ParseDict(body, message, ignore_unknown_fields=True)
    return message


def shared_message(d: dict[str, Any], cls: type[Message]) -> Message:
    """`d` converted once per object: only for dicts that are never mutated (predict.py's shared parts)."""
    hit = _shared.get(id(d))
    if hit is not None and hit[0] is d and type(hit[1]) is cls:
        return hit[1]
    msg = cls()
    json_format.ParseDict(d, msg, ignore_unknown_fields=True)
    if len(_shared) >= SHARED_CAP:
        _shared.clear()
    _shared[id(d)] = (d, msg)
    return msg


def _status(st: dict[str, Any], into: Any) -> None:
    into.code = st["code"]
    if st.get("description"):
        into.description = st["description"]
    if st.get("details"):
        into.details = st["details"]
    if st.get("req_id"):
        into.req_id = st["req_id"]


_BODY = frozenset({"status", "workflow", "workflow_state", "results"})
_RESULT = frozenset({"id", "status", "created_at", "input", "outputs"})
_OUTPUT = frozenset({"id", "status", "created_at", "model", "data"})


def _head(d: dict[str, Any], into: Any) -> None:
    """`id` and `status`, which results and outputs both lead with."""
    into.id = d["id"]
    _status(d["status"], into.status)


def _predict(body: dict[str, Any], message: Any) -> bool:
    """Fill a PostWorkflowResultsResponse; False (half-filled) on a shape this module does not know."""
    if "results" not in body or not body.keys() <= _BODY:
        return False
    _status(body["status"], message.status)
    if "workflow" in body:
        message.workflow.CopyFrom(shared_message(body["workflow"], resources_pb2.Workflow))
    if "workflow_state" in body:
        message.workflow_state.id = body["workflow_state"]["id"]
    for r in body["results"]:
        if not r.keys() <= _RESULT:
            return False
        rm = message.results.add()
        _head(r, rm)
        rm.created_at.CopyFrom(_timestamp(r["created_at"]))
        _input(r["input"], rm.input)
        for o in r["outputs"]:
            if not o.keys() <= _OUTPUT:
                return False
            om = rm.outputs.add()
            _head(o, om)
            om.created_at.CopyFrom(rm.created_at if o["created_at"] == r["created_at"]
                                   else _timestamp(o["created_at"]))
            om.model.CopyFrom(shared_message(o["model"], resources_pb2.Model))
            if "data" in o:
                _data(o["data"], om.data)
    return True


_last_stamp: list[tuple[str, Timestamp]] = []


_EPOCH = dt.datetime(1970, 1, 1)


def _timestamp(text: str) -> Timestamp:
    """`Timestamp().FromJsonString(text)`, parsed once per answer time (one answer shows one).
    The times predict writes (`2026-11-30T19:04:23.123456789Z`, wire.timestamp) are read by
    `fromisoformat` and their digits; `FromJsonString` (strptime) reads any other form."""
    if not _last_stamp or _last_stamp[0][0] != text:
        stamp = Timestamp()
        if len(text) == 30 and text[19] == "." and text[29] == "Z" and text[20:29].isdigit():
            delta = dt.datetime.fromisoformat(text[:19]) - _EPOCH
            stamp.seconds = delta.days * 86400 + delta.seconds
            stamp.nanos = int(text[20:29])
        else:
            stamp.FromJsonString(text)
        _last_stamp[:] = [(text, stamp)]
    return _last_stamp[0][1]




def _input(d: dict[str, Any], into: Any) -> None:
    """An answer's echo of an input: the common one (an id and one URL, text or media marker) set
    directly, anything else through `ParseDict` (tests/clarifai/test_proto_render.py compares them)."""
    data = d.get("data")
    if d.keys() <= {"id", "data"} and type(d.get("id", "")) is str and type(data) is dict and len(data) == 1:
        kind, part = next(iter(data.items()))
        fields = proto_wire.MEDIA_FIELDS.get(kind)
        if fields is not None and type(part) is dict and len(part) == 1:
            name, value = next(iter(part.items()))
            if name in fields and type(value) is str and (name != "base64" or value == BASE64_ECHO):
                if d.get("id"):
                    into.id = d["id"]
                media = getattr(into.data, kind)
                media.SetInParent()
                setattr(media, name, _ECHOED if name == "base64" else value)
                return
    json_format.ParseDict(d, into, ignore_unknown_fields=True)


_CONCEPT = frozenset({"id", "name", "value", "app_id"})
# a concept's fields other than its value, encoded (proto_wire.concept_parts), per concept
_concept_fields: dict[tuple[str, str, str], tuple[bytes, bytes]] = {}
CONCEPT_FIELDS_CAP = 65536


def _concept(c: dict[str, Any]) -> bytes:
    key = (c["id"], c["name"], c["app_id"])
    parts = _concept_fields.get(key)
    if parts is None:
        if len(_concept_fields) >= CONCEPT_FIELDS_CAP:
            _concept_fields.clear()
        parts = _concept_fields[key] = proto_wire.concept_parts(*key)
    return parts[0] + proto_wire.FLOAT32.pack(c["value"]) + parts[1]


def _data(d: dict[str, Any] | proto_wire.ProtoData, into: Any) -> None:
    """An output's `data`: a classifier's concepts (new for every input) encoded straight to the wire
    format and parsed in C, which is what setting them field by field would give, a tenth of the time;
    already encoded by the scorer when predict ran for the gRPC door (outputs.Scorer.concepts_proto)."""
    if isinstance(d, proto_wire.ProtoData):
        into.SetInParent()
        into.MergeFromString(d)
        return
    concepts = d.get("concepts")
    if concepts is None or len(d) != 1 or not all(c.keys() == _CONCEPT for c in concepts):
        json_format.ParseDict(d, into, ignore_unknown_fields=True)
        return
    into.SetInParent()
    into.MergeFromString(b"".join([_concept(c) for c in concepts]))
