"""Protobuf wire-format pieces the gRPC door builds answers from (clarifai.api messages, proto3).

The gRPC door answers predict as encoded bytes (proto_render.py): a message is its fields in
field-number order, each a tag and, for strings and messages, a length and the bytes, which is
what `SerializeToString` writes. A classifier's concepts are new for every input and are encoded
here by the scorer (outputs.Scorer.concepts_proto); `ProtoData` marks an output's `Data` message
already in that form.
"""
from __future__ import annotations

import struct

FLOAT32 = struct.Struct("<f")
# the `Data` media an input carries one of, and the fields of each that predict reads (inputs.py)
MEDIA_FIELDS = {"image": ("url", "base64"), "video": ("url", "base64"), "audio": ("url", "base64"),
                "text": ("url", "raw")}
_BYTE = tuple(bytes((i,)) for i in range(0x80))
_UINT64 = (1 << 64) - 1


class ProtoData(bytes):
    """An output's `Data` message, serialised (the gRPC door embeds it as is)."""


def varint(n: int) -> bytes:
    """A base-128 varint; a negative int32/int64/enum is its 64-bit two's complement (10 bytes)."""
    if 0 <= n < 0x80:
        return _BYTE[n]
    if 0 < n < 0x4000:  # a message's length: most are this short
        return bytes((n & 0x7F | 0x80, n >> 7))
    n &= _UINT64
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def message(field: int, payload: bytes) -> bytes:
    """A length-delimited field (a message, string or bytes), present even when empty."""
    return varint(field << 3 | 2) + varint(len(payload)) + payload


def tagged(tag: bytes, payload: bytes) -> bytes:
    """`message` for a field whose tag is already encoded (a field below 16: one byte)."""
    n = len(payload)
    return tag + (_BYTE[n] if n < 0x80 else varint(n)) + payload


def text(field: int, value: str) -> bytes:
    """A string field; proto3 leaves the empty string out."""
    return message(field, value.encode()) if value else b""


def number(field: int, value: int) -> bytes:
    """A varint field (int32, int64, enum); proto3 leaves zero out."""
    return varint(field << 3) + varint(value) if value else b""


def concept_parts(cid: str, name: str, app_id: str) -> tuple[bytes, bytes]:
    """A concept as a `Data.concepts` entry (field 3), split around its value: (head, tail).
    Concept: id = 1, name = 2, value = 3 (a fixed32 float), app_id = 6."""
    fields, tail = text(1, cid) + text(2, name), text(6, app_id)
    return b"\x1a" + varint(len(fields) + 5 + len(tail)) + fields + b"\x1d", tail
