"""What a fault rule may ask for: the hooks that consult rules, the effects each takes and the fields
each effect reads, checked when a rule is added (a rule the control plane refuses answers 400 with
`FaultRuleError`'s message). The rules themselves, and where they fire, are in core/faults.py.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FaultHook:
    """A domain place where fault rules are consulted (`FaultSet.fire(hook, **attrs)`).

    `match_keys` are the attributes the hook passes (besides `api`); `check_effect` refuses an
    effect the API cannot honour (raises `FaultRuleError`)."""

    name: str
    api: str
    effects: frozenset[str]
    match_keys: frozenset[str]
    check_effect: Callable[[dict[str, Any]], None] | None = None


HTTP_EFFECTS = frozenset({"error", "latency", "drop", "empty_body", "truncate", "pass"})
HTTP = FaultHook("http", "", HTTP_EFFECTS, frozenset({"api", "operation", "method", "path", "tenant"}))
RULE_KEYS = {"id", "on", "match", "effect", "effects", "count", "times", "probability", "seed"}
LATENCY_DISTRIBUTIONS = {"fixed", "uniform", "lognormal"}
# the fields each HTTP effect type reads (an API hook's check_effect names its own): anything else is
# a typo the rule would silently ignore
EFFECT_KEYS = {"error": {"type", "status", "message", "code", "retry_after", "headers"},
               "latency": {"type", "distribution", "ms", "min_ms", "max_ms", "median_ms", "sigma"},
               "drop": {"type"}, "empty_body": {"type"}, "pass": {"type"}, "truncate": {"type", "bytes"}}
MAX_LATENCY_MS = 3_600_000.0  # an injected wait of at most an hour (a lognormal draw is clamped to it)
MAX_SIGMA = 10.0
MAX_RETRY_AFTER_S = 86_400 * 365
MAX_BYTES = 1 << 30
MAX_RULES = 1000  # per tenant
MAX_HEADER_VALUE = 8192


class FaultRuleError(ValueError):
    """A rule the control plane refuses (reported as 400)."""


def _number(effect: dict[str, Any], key: str, *, maximum: float, integer: bool = False) -> None:
    v = effect.get(key)
    if v is None:
        return
    if (isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not 0 <= v <= maximum
            or (integer and v != int(v))):
        kind = "an integer" if integer else "a number"
        raise FaultRuleError(f"effect field `{key}` must be {kind} between 0 and {maximum:g}")


def check_status(effect: dict[str, Any]) -> None:
    """An effect's `status` (default 500) must be an HTTP status code (also for API hooks' effects)."""
    status = effect.get("status", 500)
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise FaultRuleError("effect field `status` must be an HTTP status code (100-599)")


def check_effect(hook: FaultHook, e: dict[str, Any]) -> None:
    t = e.get("type")
    if t not in hook.effects:
        raise FaultRuleError(f"effect type {t!r} is not valid for hook {hook.name!r}; "
                             f"expected one of {sorted(hook.effects)}")
    if t == "pass":
        check_fields(e, {"type"})
        return
    if hook.check_effect is not None:
        hook.check_effect(e)
        return
    known = EFFECT_KEYS.get(str(t))
    if known is not None:  # an API hook without its own check_effect: its fields are its business
        check_fields(e, known, strings=("message",))
    headers = e.get("headers")
    if headers is not None and (not isinstance(headers, dict) or not all(
            isinstance(k, str) and isinstance(v, (str, int)) and not isinstance(v, bool)
            and _header_safe(k) and _header_safe(str(v)) for k, v in headers.items())):
        raise FaultRuleError("effect field `headers` must map header names to strings (no line breaks, "
                             f"at most {MAX_HEADER_VALUE} characters)")
    if t == "error":
        check_status(e)
        if e.get("code") is not None and not isinstance(e["code"], int):
            raise FaultRuleError("effect field `code` must be an integer API status code")
    if t == "latency":
        if e.get("distribution", "fixed") not in LATENCY_DISTRIBUTIONS:
            raise FaultRuleError(f"latency distribution must be one of {sorted(LATENCY_DISTRIBUTIONS)}")
        for key in ("ms", "min_ms", "max_ms", "median_ms"):
            _number(e, key, maximum=MAX_LATENCY_MS)
        _number(e, "sigma", maximum=MAX_SIGMA)
        if e.get("min_ms", 0) > e.get("max_ms", e.get("min_ms", 0)):
            raise FaultRuleError("a uniform latency needs `min_ms` <= `max_ms`")
    _number(e, "retry_after", maximum=MAX_RETRY_AFTER_S, integer=True)
    if e.get("retry_after") is not None:
        e["retry_after"] = int(e["retry_after"])  # Retry-After takes whole seconds: 2.0 goes out as "2"
    _number(e, "bytes", maximum=MAX_BYTES, integer=True)


def check_fields(effect: dict[str, Any], allowed: set[str] | frozenset[str], strings: tuple[str, ...] = ()) -> None:
    """An effect names only fields its type reads (`statsu` is refused, not ignored); `strings` must be strings."""
    unknown = sorted(str(k) for k in effect if k not in allowed)
    if unknown:
        raise FaultRuleError(f"unknown field(s) {unknown} in a {effect.get('type')} effect; "
                             f"expected among {sorted(allowed)}")
    for key in strings:
        if effect.get(key) is not None and not isinstance(effect[key], str):
            raise FaultRuleError(f"effect field `{key}` must be a string")


def _header_safe(text: str) -> bool:
    return len(text) <= MAX_HEADER_VALUE and "\r" not in text and "\n" not in text and "\0" not in text
