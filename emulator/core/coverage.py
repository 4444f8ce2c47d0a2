"""Consumer coverage: what a tenant's client exercised vs what the emulator can produce.

"Can produce" comes from each API's descriptor (core/api.py), both parts optional (missing
sources are reported, not fatal):
- its OpenAPI contract (operationIds and their documented response statuses);
- its explicit list of error constructors: each is called once with placeholder arguments,
  which yields its status, API code and message template; plus its status-code table rows.
"Exercised" comes from the tenant journal's outcome tally (which outlives the ring buffer).
"""
from __future__ import annotations

import functools
import inspect
import re
import typing
from collections.abc import Callable
from typing import Any

from emulator.core.api import ApiDescriptor
from emulator.core.contracts import contract_file

# binding suffixes of operationIds that share one logical operation (team naming convention)
_SUFFIXES = ("_short", "_user", "_version", "_get")
_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}
# numbers stand for themselves in a message: sentinels the template recognises and names
_SENTINEL = 900_000_001


def logical_operation(operation_id: str, known: dict[str, str]) -> str:
    if operation_id in known:
        return known[operation_id]
    for suffix in _SUFFIXES:
        if operation_id.endswith(suffix) and operation_id[: -len(suffix)]:
            return operation_id[: -len(suffix)]
    return operation_id


@functools.lru_cache(maxsize=8)
def _load_openapi(path: str, mtime: float) -> dict[str, set[int]]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: ~10x faster
    with open(path, encoding="utf-8") as fh:
        doc = yaml.load(fh, Loader=loader) or {}
    out: dict[str, set[int]] = {}
    for item in (doc.get("paths") or {}).values():
        for method, op in (item or {}).items():
            if method not in _METHODS or not isinstance(op, dict) or "operationId" not in op:
                continue
            codes = {int(c) for c in (op.get("responses") or {}) if str(c).isdigit()}
            out.setdefault(op["operationId"], set()).update(codes)
    return out


def contract_operations(api: ApiDescriptor) -> tuple[dict[str, set[int]], str | None]:
    """operationId -> documented statuses for one API, and the file used (None if absent)."""
    p = contract_file(api.contract)
    if p is None:
        return {}, None
    try:
        return _load_openapi(str(p), p.stat().st_mtime), str(p)
    except Exception:  # noqa: BLE001 - a half-written spec must not break coverage
        return {}, None


def _message_of(exc: BaseException) -> str:
    for attr in ("message", "details", "reason"):
        v = getattr(exc, attr, None)
        if isinstance(v, str) and v:
            return v
    return str(exc)


def _placeholder(name: str, annotation: Any, numbers: dict[str, str]) -> Any:
    """An argument standing for parameter `name`: text carries `\x00name\x00`, numbers a sentinel."""
    text = f"\x00{name}\x00"
    origin = typing.get_origin(annotation) or annotation
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if origin in (int, float) or (args and all(a in (int, float) for a in args)):
        n = _SENTINEL + len(numbers)
        numbers[str(n)] = text
        return n
    if origin is list:
        item = typing.get_args(annotation)[0] if typing.get_args(annotation) else str
        if typing.get_origin(item) is tuple:
            return [tuple(f"\x00{name}{i}\x00" for i in range(len(typing.get_args(item))))]
        return [text]
    if origin is dict:
        return {}
    if origin is bool:
        return False
    return text


def describe_error(fn: Callable[..., Exception]) -> dict[str, Any]:
    """{constructor, status, code, message, pattern} of one error constructor (raises if it cannot be
    called with placeholders: an explicitly listed error must describe itself)."""
    hints = typing.get_type_hints(fn)
    numbers: dict[str, str] = {}
    params = [p for p in inspect.signature(fn).parameters.values()
              if p.default is inspect.Parameter.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    exc = fn(*[_placeholder(p.name, hints.get(p.name, str), numbers) for p in params])
    message = _message_of(exc)
    for n, text in numbers.items():
        message = message.replace(n, text)
    status = next((v for a in ("status", "status_code", "http_status")
                   if isinstance(v := getattr(exc, a, None), int) and v < _SENTINEL), None)
    code = getattr(exc, "code", None)
    code = code if isinstance(code, int) and not isinstance(code, bool) and code < _SENTINEL else None
    pattern = "^" + ".*".join(re.escape(part) for part in re.split(r"\x00\w+\x00", message)) + "$"
    return {"constructor": fn.__name__, "status": status, "code": code,
            "message": re.sub(r"\x00(\w+)\x00", r"<\1>", message), "pattern": pattern}


@functools.lru_cache(maxsize=16)
def error_catalogue(api: ApiDescriptor) -> tuple[dict[str, Any], ...]:
    """Every error the API can build: its listed constructors, then status-code rows none builds."""
    out = [describe_error(fn) for fn in api.errors]
    built = {e["code"] for e in out}
    for row in api.status_codes:
        if row.code not in built and row.http_status >= 300:
            out.append({"constructor": row.name, "status": row.http_status, "code": row.code,
                        "message": row.description, "pattern": "^$"})
    return tuple(out)


def _route_operations(app: Any) -> dict[str, tuple[str, str]]:
    """operationId -> (api, logical operation) for every route built with operation_route."""
    out: dict[str, tuple[str, str]] = {}
    for r in getattr(app, "routes", []):
        ep = getattr(r, "endpoint", None)
        op, api = getattr(ep, "operation", None), getattr(ep, "api", None)
        if op and api:
            out[r.name] = (api, op)
    return out


def coverage(app: Any, tenant: Any) -> dict[str, Any]:
    routes = _route_operations(app)
    outcomes: dict[tuple[str, str, int, str | None, int | None], int] = tenant.journal.outcomes
    report: dict[str, Any] = {"tenant": tenant.name, "apis": {}, "sources": {}}
    for descriptor in getattr(app.state, "apis", ()):
        api = descriptor.name
        spec_ops, spec_file = contract_operations(descriptor)
        known = {oid: op for oid, (a, op) in routes.items() if a == api}
        producible: dict[str, set[int]] = {}
        for oid, codes in spec_ops.items():
            producible.setdefault(logical_operation(oid, known), set()).update(codes)
        for op in known.values():
            producible.setdefault(op, set())
        seen_ops: dict[str, dict[int, int]] = {}
        seen_errors: dict[tuple[int, str | None, int | None], int] = {}
        for (a, op, status, error, code), n in outcomes.items():
            if a != api:
                continue
            per = seen_ops.setdefault(op, {})
            per[status] = per.get(status, 0) + n
            if status >= 300 or error is not None or code not in (None, 10000):
                k = (status, error, code)
                seen_errors[k] = seen_errors.get(k, 0) + n
        operations = []
        for op in sorted(set(producible) | set(seen_ops)):
            seen = seen_ops.get(op, {})
            operations.append({"operation": op, "exercised": bool(seen), "calls": sum(seen.values()),
                               "statuses_seen": sorted(seen),
                               "calls_by_status": {str(k): seen[k] for k in sorted(seen)},
                               "statuses_never_seen": sorted(producible.get(op, set()) - set(seen))})
        catalogue = error_catalogue(descriptor)
        errors_seen = [{"status": s, "message": e, "code": c, "count": n} for (s, e, c), n in seen_errors.items()]
        never = []
        for entry in catalogue:
            hit = any((descriptor.match_errors_by_code and entry["code"] is not None and entry["code"] == c)
                      or (e is not None and entry["status"] in (None, st) and re.match(entry["pattern"], e) is not None)
                      for (st, e, c) in seen_errors)
            if not hit:
                never.append({k: entry[k] for k in ("constructor", "status", "code", "message")})
        report["apis"][api] = {
            "operations": operations,
            "summary": {"operations_total": len(operations),
                        "operations_exercised": sum(1 for o in operations if o["exercised"]),
                        "errors_known": len(catalogue), "errors_never_seen": len(never)},
            "errors_seen": sorted(errors_seen, key=lambda x: (x["status"], str(x["message"]))),
            "errors_never_seen": never,
        }
        report["sources"][api] = {"openapi": spec_file, "errors_catalogue": len(catalogue) > 0}
    return report
