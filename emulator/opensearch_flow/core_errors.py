"""OpenSearch core's REST-layer answers as the Flow API meets them: RestController, BaseRestHandler, TimeValue, parsers.

These come from OpenSearch itself, not the plugin, so they keep core's shapes: the "simple" shape
`{"error": msg, "status": N}` of `BytesRestResponse.createSimpleErrorResponse`, or the nested shape
of an exception rendered by `BytesRestResponse(channel, e)`.
"""
from __future__ import annotations

import re
from typing import Any

from emulator.opensearch_flow.errors import FlowError


class SimpleError(FlowError):
    """`BytesRestResponse.createSimpleErrorResponse`: a flat message and the status number."""

    def body(self) -> dict[str, Any]:
        return {"error": self.message, "status": self.status}


def content_type_not_supported(header: str | None) -> FlowError:
    # RestController.dispatchRequest / sendContentTypeErrorMessage (OpenSearch server/.../rest/
    # RestController.java): checked before any handler code runs, for every request with content
    if header is None:
        return SimpleError(406, "Content-Type header is missing")
    return SimpleError(406, f"Content-Type header [{header}] is not supported")


def body_not_supported(method: str, path: str) -> FlowError:
    # BaseRestHandler.handleRequest: a handler that returned without consuming the content it got
    return FlowError(400, f"request [{method} {path}] does not support having a body",
                     core_type="illegal_argument_exception")


def _number_format(text: str) -> dict[str, Any]:
    return {"type": "number_format_exception", "reason": f'For input string: "{text}"'}


_SUFFIXES = (("nanos", 1e-9), ("micros", 1e-6), ("ms", 1e-3), ("s", 1.0), ("m", 60.0), ("h", 3600.0), ("d", 86400.0))
_LONG = re.compile(r"^[+-]?\d+$")
_DOUBLE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFdD]?$")
MINUS_ONE = None  # TimeValue.MINUS_ONE (-1 ms): "not set" for the REST actions


def parse_time_value(value: str, setting: str) -> float | None:
    """`TimeValue.parseTimeValue(value, setting)` (OpenSearch libs/common/.../unit/TimeValue.java): seconds,
    or None for MINUS_ONE; failures are core's IllegalArgumentExceptions with their exact messages."""
    normalized = value.lower().strip()
    for suffix, scale in _SUFFIXES:
        # minutes are matched case-sensitively: `M` would be months
        matched = value.endswith("m") if suffix == "m" else normalized.endswith(suffix)
        if suffix == "m" and not matched:
            continue
        if matched:
            number = normalized[: len(normalized) - len(suffix)].strip()
            amount = _parse_long(value, number, setting)
            if suffix == "ms" and amount == -1:
                return MINUS_ONE
            return amount * scale
    if re.fullmatch(r"-0*1", normalized):
        return MINUS_ONE
    if re.fullmatch(r"0+", normalized):
        return 0.0
    raise FlowError(400, f"failed to parse setting [{setting}] with value [{value}] as a time value: "
                         "unit is missing or unrecognized", core_type="illegal_argument_exception")


def _parse_long(initial: str, number: str, setting: str) -> int:
    if _LONG.match(number) and abs(int(number)) < 2 ** 63:
        amount = int(number)
        if amount < -1:  # -1 is magic, any other negative is rejected
            raise FlowError(400, f"failed to parse setting [{setting}] with value [{initial}] as a time value: "
                                 "negative durations are not supported", core_type="illegal_argument_exception")
        return amount
    if _DOUBLE.match(number) or number.lower() in ("nan", "infinity", "-infinity", "+infinity"):
        raise FlowError(400, f"failed to parse [{initial}], fractional time values are not supported",
                        core_type="illegal_argument_exception", caused_by=_number_format(number))
    raise FlowError(400, f"failed to parse [{initial}]", core_type="illegal_argument_exception",
                    caused_by=_number_format(number))


def time_value_string(seconds: float) -> str:
    """`TimeValue.toString()` = toHumanReadableString(1): the largest whole unit, one fraction digit."""
    nanos = round(seconds * 1e9)
    if nanos == 0:
        return "0s"
    units = (("d", 86400e9), ("h", 3600e9), ("m", 60e9), ("s", 1e9), ("ms", 1e6), ("micros", 1e3))
    for suffix, scale in units:  # noqa: B007 - `suffix` is read after the loop
        if nanos >= scale:
            value = nanos / scale
            break
    else:
        value, suffix = float(nanos), "nanos"
    whole, frac = int(value), int((value - int(value)) * 10 + 1e-9)
    return f"{whole}.{frac}{suffix}" if frac else f"{whole}{suffix}"


# --- XContentParserUtils.ensureExpectedToken on the first token of a JSON body ------------------

_JSON_NUMBER = re.compile(rb"-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?")
_LITERALS = {b"true": "VALUE_BOOLEAN", b"false": "VALUE_BOOLEAN", b"null": "VALUE_NULL"}


def first_token(raw: bytes) -> tuple[str, int, int] | None:
    """Jackson's first token of a JSON document with its 1-based line and column; None when the first
    `nextToken()` itself fails (an IOException for the caller)."""
    i, line, line_start = 0, 1, 0
    while i < len(raw) and raw[i:i + 1] in (b" ", b"\t", b"\r", b"\n"):
        if raw[i:i + 1] == b"\n":
            line, line_start = line + 1, i + 1
        i += 1
    col = i - line_start + 1
    rest = raw[i:]
    if not rest:
        return None
    head = rest[:1]
    if head == b"{":
        return "START_OBJECT", line, col
    if head == b"[":
        return "START_ARRAY", line, col
    if head == b'"':
        return "VALUE_STRING", line, col  # Jackson reads the string's text lazily
    for literal, token in _LITERALS.items():
        after = rest[len(literal):len(literal) + 1]
        if rest.startswith(literal) and (len(rest) == len(literal) or not after.isalnum()):
            return token, line, col
    m = _JSON_NUMBER.match(rest)
    if m and (m.end() == len(rest) or rest[m.end():m.end() + 1] in (b" ", b"\t", b"\r", b"\n")):
        return "VALUE_NUMBER", line, col  # a root-level number must be followed by white space
    return None


def unexpected_token(expected: str, found: str, line: int, col: int) -> FlowError:
    # XContentParserUtils.ensureExpectedToken -> ParsingException, which carries line and col
    return FlowError(400, f"Failed to parse object: expecting token of type [{expected}] but found [{found}]",
                     core_type="parsing_exception", extra={"line": line, "col": col})


# --- the nested shape (`BytesRestResponse(channel, e)`) ----------------------------------------

def bad_boolean(value: str) -> FlowError:
    return FlowError(400, f"Failed to parse value [{value}] as only [true] or [false] are allowed.",
                     core_type="illegal_argument_exception")


def unrecognized_parameters(path: str, invalid: list[str], suggestions: dict[str, list[str]]) -> FlowError:
    """`BaseRestHandler.unrecognized`, including its "did you mean" suggestions."""
    parts = []
    for name in invalid:
        text = f"[{name}]"
        keys = suggestions.get(name) or []
        if keys:
            text += " -> did you mean " + (f"[{keys[0]}]" if len(keys) == 1 else f"any of [{', '.join(keys)}]") + "?"
        parts.append(text)
    plural = "s" if len(invalid) > 1 else ""
    return FlowError(400, f"request [{path}] contains unrecognized parameter{plural}: {', '.join(parts)}",
                     core_type="illegal_argument_exception")


def bad_time_value(setting: str, value: str) -> FlowError:
    return FlowError(400, f"failed to parse setting [{setting}] with value [{value}] as a time value: "
                          "unit is missing or unrecognized", core_type="parse_exception")


def search_body_required() -> FlowError:
    return FlowError(400, "request body or source parameter is required", core_type="parse_exception")


def search_parse(message: str) -> FlowError:
    return FlowError(400, message, core_type="parsing_exception")


def search_illegal(message: str) -> FlowError:
    return FlowError(400, message, core_type="illegal_argument_exception")


def query_shard(message: str) -> FlowError:
    """A query that parses but cannot run against the index's mapping (a shard-level failure)."""
    return FlowError(400, message, core_type="query_shard_exception")


def index_not_found(index: str) -> FlowError:
    return FlowError(404, f"no such index [{index}]", core_type="index_not_found_exception",
                     extra={"index": index, "resource.id": index, "resource.type": "index_or_alias",
                            "index_uuid": "_na_"})


def body_too_large(size: int, limit: int) -> FlowError:
    return FlowError(413, f"Request content length [{size}] exceeds the limit [{limit}]",
                     core_type="content_too_long_exception")
