"""Consumer coverage: what a tenant's client exercised vs what the emulator can produce.

"Can produce" comes from two places, both optional (missing sources are reported, not fatal):
- the OpenAPI contracts in `openapi/` (operationIds and their documented response statuses);
- each API's `errors.py` catalogue: every public named constructor is called once with
  placeholder arguments, which yields its status, API code and message template.
"Exercised" comes from the tenant journal's outcome tally (which outlives the ring buffer).
"""
from __future__ import annotations

import functools
import importlib
import inspect
import os
import re
from pathlib import Path
from typing import Any

OPENAPI_FILES = {"flow": "opensearch-flow-framework.yaml", "clarifai": "clarifai-workflows.yaml"}
ERROR_MODULES = {"flow": "emulator.opensearch_flow.errors", "clarifai": "emulator.clarifai.errors"}
# binding suffixes of operationIds that share one logical operation (team naming convention)
_SUFFIXES = ("_short", "_user", "_version", "_get")
_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def openapi_dirs() -> list[Path]:
    here = Path(__file__).resolve().parent.parent
    dirs = [Path(os.environ["EMULATOR_OPENAPI_DIR"])] if os.environ.get("EMULATOR_OPENAPI_DIR") else []
    return dirs + [here.parent / "openapi", here / "openapi"]


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


def contract_operations(api: str) -> tuple[dict[str, set[int]], str | None]:
    """operationId -> documented statuses for one API, and the file used (None if absent)."""
    for d in openapi_dirs():
        p = d / OPENAPI_FILES[api]
        if p.is_file():
            try:
                return _load_openapi(str(p), p.stat().st_mtime), str(p)
            except Exception:  # noqa: BLE001 - a half-written spec must not break coverage
                return {}, None
    return {}, None


def _message_of(exc: BaseException) -> str:
    for attr in ("message", "details", "reason"):
        v = getattr(exc, attr, None)
        if isinstance(v, str) and v:
            return v
    return str(exc)


@functools.lru_cache(maxsize=4)
def error_catalogue(api: str) -> tuple[dict[str, Any], ...]:
    """Every error the API's errors.py can build: {constructor, status, code, message, pattern}."""
    try:
        module = importlib.import_module(ERROR_MODULES[api])
    except Exception:  # noqa: BLE001 - an API that is not installed has no catalogue
        return ()
    out: list[dict[str, Any]] = []
    for name, fn in vars(module).items():
        if name.startswith("_") or not inspect.isfunction(fn) or fn.__module__ != module.__name__:
            continue
        try:
            params = [p for p in inspect.signature(fn).parameters.values()
                      if p.default is inspect.Parameter.empty
                      and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
            exc = fn(*[f"\x00{p.name}\x00" for p in params])
        except Exception:  # noqa: BLE001, S112 - not a constructor we can call blind
            continue
        if not isinstance(exc, BaseException):
            continue
        message = _message_of(exc)
        status = next((v for a in ("status", "status_code", "http_status")
                       if isinstance(v := getattr(exc, a, None), int)), None)
        code = getattr(exc, "code", None)
        pattern = "^" + ".*".join(re.escape(part) for part in re.split(r"\x00\w+\x00", message)) + "$"
        out.append({"constructor": name, "status": status, "code": code if isinstance(code, int) else None,
                    "message": re.sub(r"\x00(\w+)\x00", r"<\1>", message), "pattern": pattern})
    # a status-code table (Clarifai's BY_CODE) names codes no constructor builds with a fixed code
    table = getattr(module, "BY_CODE", None)
    built = {e["code"] for e in out}
    if isinstance(table, dict):
        for code, spec in table.items():
            status = getattr(spec, "http_status", None)
            if isinstance(code, int) and code not in built and isinstance(status, int) and status >= 300:
                out.append({"constructor": str(getattr(spec, "name", code)), "status": status, "code": code,
                            "message": str(getattr(spec, "description", "")), "pattern": "^$"})
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
    for api in OPENAPI_FILES:
        spec_ops, spec_file = contract_operations(api)
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
                               "statuses_seen": sorted(seen), "calls_by_status": {str(k): seen[k] for k in sorted(seen)},
                               "statuses_never_seen": sorted(producible.get(op, set()) - set(seen))})
        catalogue = error_catalogue(api)
        errors_seen = [{"status": s, "message": e, "code": c, "count": n} for (s, e, c), n in seen_errors.items()]
        never = []
        for entry in catalogue:
            hit = any((entry["code"] is not None and entry["code"] == c and api == "clarifai")
                      or (e is not None and re.match(entry["pattern"], e) is not None)
                      for (_, e, c) in seen_errors)
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
