"""Protobuf wire-format pieces the gRPC door builds answers from (clarifai.api messages, proto3).

A classifier's concepts are new for every input; encoding them straight to the wire format and
letting the C parser merge them is what setting them field by field gives, at a tenth of the
time (proto_render.py). `ProtoData` marks an output's `Data` message already in that form.
"""
from __future__ import annotations

import struct

FLOAT32 = struct.Struct("<f")
# the `Data` media an input carries one of, and the fields of each that predict reads (inputs.py)
MEDIA_FIELDS = {"image": ("url", "base64"), "video": ("url", "base64"), "audio": ("url", "base64"),
                "text": ("url", "raw")}


class ProtoData(bytes):
    """An output's `Data` message, serialised (the gRPC door merges it as is)."""


def varint(n: int) -> bytes:
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def text(field: int, value: str) -> bytes:
    raw = value.encode()
    return varint(field << 3 | 2) + varint(len(raw)) + raw


def concept_parts(cid: str, name: str, app_id: str) -> tuple[bytes, bytes]:
    """A concept as a `Data.concepts` entry (field 3), split around its value: (head, tail).
    Concept: id = 1, name = 2, value = 3 (a fixed32 float), app_id = 6."""
    fields, tail = text(1, cid) + text(2, name), text(6, app_id)
    return b"\x1a" + varint(len(fields) + 5 + len(tail)) + fields + b"\x1d", tail
