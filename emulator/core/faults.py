"""Fault rules = match + effect(s) + count, checked at the HTTP level and at domain hooks.

Hooks (the only places rules are consulted):
- `http`                 before a request reaches its handler (api, operation, method, path, tenant);
                         the one hook core owns, applied by the operation wrapper (core/operation.py)
- the APIs' own hooks    declared by each API descriptor (core/api.py) as a `FaultHook`
                         (core/fault_effects.py) with their effect types and match keys, fired by
                         that API's domain code with `FaultSet.fire` (Flow: `flow_step`, Clarifai:
                         `clarifai_node`)
A rule targets exactly one hook (`on`), inferred from its effect types when omitted.

Effects of the http hook (the API renders HTTP errors in its own error shape): error {status,
message?, code?, retry_after?, headers?} | latency {distribution fixed|uniform|lognormal, ms |
min_ms,max_ms | median_ms,sigma} | drop | empty_body | truncate {bytes?} | pass.
`pass` consumes one turn of an ordered effect list without doing anything ("fail twice, then
succeed" = effects [error, error, pass]); hooks never return a `pass` effect.
"""
from __future__ import annotations

import contextvars
import fnmatch
import itertools
import math
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypedDict

import orjson

from emulator.core.fault_effects import (
    HTTP,
    MAX_LATENCY_MS,
    MAX_RULES,
    RULE_KEYS,
    FaultHook,
    FaultRuleError,
    check_effect,
)

FIRED_LOG_CAP = 64  # rule ids a request's journal entry names at most


class FaultRuleDocument(TypedDict):
    """A rule as the control plane answers it (GET/POST /_emulator/faults) and state files keep it."""

    id: str
    on: str
    match: dict[str, Any]
    effects: list[dict[str, Any]]
    count: int | None
    probability: float
    seed: int | str | None
    matched: int
    fired: int
    remaining: int | None
    exhausted: bool


@dataclass
class FaultRule:
    id: str
    on: str
    match: dict[str, Any]
    effects: list[dict[str, Any]]
    count: int | None = None  # None = forever (or until the effect list is used up)
    probability: float = 1.0
    seed: int | str | None = None
    matched: int = 0
    fired: int = 0
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    @property
    def exhausted(self) -> bool:
        if self.count is not None and self.fired >= self.count:
            return True
        return len(self.effects) > 1 and self.fired >= len(self.effects)

    @property
    def remaining(self) -> int | None:
        limits = [n for n in (self.count, len(self.effects) if len(self.effects) > 1 else None) if n is not None]
        return None if not limits else max(0, min(limits) - self.fired)

    def matches(self, attrs: dict[str, Any]) -> bool:
        for key, want in self.match.items():
            have = attrs.get(key)
            if key == "path":
                if have is None or not fnmatch.fnmatchcase(str(have), str(want)):
                    return False
            elif key == "method":
                wanted = want if isinstance(want, list) else [want]
                if str(have).upper() not in {str(w).upper() for w in wanted}:
                    return False
            elif isinstance(want, list):
                if have not in want:
                    return False
            elif have != want:
                return False
        return True

    def try_fire(self, attrs: dict[str, Any]) -> dict[str, Any] | None:
        if self.exhausted or not self.matches(attrs):
            return None
        self.matched += 1
        if self.probability < 1.0 and self._rng.random() >= self.probability:
            return None
        effect = self.effects[min(self.fired, len(self.effects) - 1)]
        self.fired += 1
        return effect

    def to_json(self) -> FaultRuleDocument:
        return {"id": self.id, "on": self.on, "match": self.match, "effects": self.effects,
                "count": self.count, "probability": self.probability, "seed": self.seed,
                "matched": self.matched, "fired": self.fired, "remaining": self.remaining,
                "exhausted": self.exhausted}


class FaultSchema:
    """The hooks rules may target and the API names `match.api` may take: the http hook plus what
    the registered API descriptors declare (one per emulator, shared by its tenants' rule sets)."""

    def __init__(self, hooks: Iterable[FaultHook] = (), apis: Iterable[str] = ()) -> None:
        self.hooks: dict[str, FaultHook] = {HTTP.name: HTTP}
        self.apis: set[str] = set(apis)
        for h in hooks:
            self.add_hook(h)

    def add_hook(self, hook: FaultHook) -> None:
        if hook.name in self.hooks and self.hooks[hook.name] != hook:
            raise ValueError(f"fault hook {hook.name!r} is declared twice")
        self.hooks[hook.name] = hook
        if hook.api:
            self.apis.add(hook.api)

    @property
    def match_keys(self) -> frozenset[str]:
        return frozenset({"api"}).union(*(h.match_keys for h in self.hooks.values()))

    def infer_hook(self, effects: list[dict[str, Any]]) -> str:
        kinds = {e.get("type") for e in effects} - {"pass"}
        for name, hook in self.hooks.items():
            if kinds and kinds <= hook.effects:
                return name
        return HTTP.name


HTTP_ONLY = FaultSchema()


def parse_rule(spec: dict[str, Any], rule_id: str, default_seed: int | str | None = None,
               schema: FaultSchema = HTTP_ONLY) -> FaultRule:
    if not isinstance(spec, dict):
        raise FaultRuleError("a fault rule must be a JSON object")
    unknown = set(spec) - RULE_KEYS
    if unknown:
        raise FaultRuleError(f"unknown fault rule field(s): {sorted(unknown)}")
    effects = spec.get("effects") or ([spec["effect"]] if "effect" in spec else None)
    if not effects or not isinstance(effects, list) or not all(isinstance(e, dict) for e in effects):
        raise FaultRuleError("a fault rule needs `effect` (object) or `effects` (non-empty list of objects)")
    on = spec.get("on") or schema.infer_hook(effects)
    hook = schema.hooks.get(on) if isinstance(on, str) else None
    if hook is None:
        raise FaultRuleError(f"`on` must be one of {sorted(schema.hooks)}")
    for e in effects:
        check_effect(hook, e)
    match = spec.get("match") or {}
    keys = schema.match_keys
    if not isinstance(match, dict) or set(match) - keys:
        raise FaultRuleError(f"`match` must be an object with keys among {sorted(keys)}")
    if "api" in match and match["api"] not in schema.apis and not isinstance(match["api"], list):
        raise FaultRuleError(f"`match.api` must be one of {sorted(schema.apis)} (the admin API is never faulted)")
    count = spec.get("count", spec.get("times"))
    if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 0):
        raise FaultRuleError("`count` must be a non-negative integer or null (forever)")
    prob = spec.get("probability", 1.0)
    if not isinstance(prob, (int, float)) or isinstance(prob, bool) or not 0.0 <= float(prob) <= 1.0:
        raise FaultRuleError("`probability` must be a number in [0, 1]")
    rule_id = str(spec.get("id") or rule_id)
    seed = spec.get("seed", default_seed)
    rule = FaultRule(id=rule_id, on=on, match=dict(match), effects=[dict(e) for e in effects],
                     count=count, probability=float(prob), seed=spec.get("seed"))
    rule._rng = random.Random(f"{seed}:{rule.id}")
    return rule


def parse_header_rules(text: str, schema: FaultSchema = HTTP_ONLY) -> tuple[FaultRule, ...]:
    """Rules sent in `x-emulator-fault`: a rule, a list of rules, or a bare effect; each fires once
    unless it says otherwise, and only for the request carrying the header (and work it spawns)."""
    try:
        specs = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise FaultRuleError(f"not JSON: {exc}") from None
    specs = specs if isinstance(specs, list) else [specs]
    rules = []
    for i, s in enumerate(specs):
        if isinstance(s, dict) and "type" in s and "effect" not in s and "effects" not in s:
            s = {"effect": s}
        if not isinstance(s, dict):
            raise FaultRuleError("each rule must be a JSON object")
        rules.append(parse_rule({"count": 1, **s}, f"header-{i + 1}", schema=schema))
    return tuple(rules)


# Rules sent with one request (x-emulator-fault); contextvars follow the request into the
# background tasks it spawns, so a one-off step fault also reaches asynchronous provisioning.
request_rules: contextvars.ContextVar[tuple[FaultRule, ...]] = contextvars.ContextVar("request_rules", default=())
# While a list: the ids of the rules that fire for the current request at any hook (set by the
# operation wrapper only while the tenant has rules), so the journal names a node or step fault too.
fired_log: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("faults_fired_log", default=None)
# Set while the control plane replays seed requests: seeding must not trip the tenant's faults.
suspended: contextvars.ContextVar[bool] = contextvars.ContextVar("faults_suspended", default=False)


class FaultSet:
    def __init__(self, seed: int | str | None = None, schema: FaultSchema = HTTP_ONLY) -> None:
        self._rules: dict[str, FaultRule] = {}
        self._ids = itertools.count(1)
        self._seed = seed
        self.schema = schema
        self._by_hook: dict[str, list[FaultRule]] = {}

    def add(self, spec: dict[str, Any]) -> FaultRule:
        if len(self._rules) >= MAX_RULES:
            raise FaultRuleError(f"a tenant holds at most {MAX_RULES} fault rules; delete some first")
        rule = parse_rule(spec, f"fault-{next(self._ids)}", self._seed, self.schema)
        if rule.id in self._rules:
            raise FaultRuleError(f"a fault rule with id {rule.id!r} already exists")
        self._rules[rule.id] = rule
        self._by_hook.setdefault(rule.on, []).append(rule)
        return rule

    def delete(self, rule_id: str) -> bool:
        rule = self._rules.pop(rule_id, None)
        if rule is None:
            return False
        self._by_hook[rule.on].remove(rule)
        return True

    def clear(self) -> int:
        n = len(self._rules)
        self._rules.clear()
        for v in self._by_hook.values():
            v.clear()
        return n

    def list(self) -> list[FaultRule]:
        return list(self._rules.values())

    def get(self, rule_id: str) -> FaultRule | None:
        return self._rules.get(rule_id)

    def _fire(self, hook: str, attrs: dict[str, Any]) -> dict[str, Any] | None:
        if suspended.get():
            return None
        # first rule that fires wins: one-off header rules, then the tenant's rules in creation order
        for rule in itertools.chain(request_rules.get(), self._by_hook.get(hook, ())):
            if rule.on != hook:
                continue
            eff = rule.try_fire(attrs)
            if eff is not None:
                if eff.get("type") == "pass":
                    return None
                log = fired_log.get()
                if log is not None and len(log) < FIRED_LOG_CAP:
                    log.append(rule.id)
                return {**eff, "rule": rule.id}
        return None

    @property
    def active(self) -> bool:
        return bool(self._rules) or bool(request_rules.get())

    @property
    def armed(self) -> bool:
        """Whether some rule can still fire (an exhausted rule neither fires nor counts matches)."""
        one_off = request_rules.get()
        if not self._rules and not one_off:
            return False
        return any(not r.exhausted for r in itertools.chain(self._rules.values(), one_off))

    def http(self, **attrs: Any) -> dict[str, Any] | None:
        return self._fire("http", attrs) if self.active else None

    def fire(self, hook: FaultHook, **attrs: Any) -> dict[str, Any] | None:
        """The effect of the first rule on `hook` that fires for these attributes (an API's domain hook)."""
        return self._fire(hook.name, {"api": hook.api, **attrs}) if self.active else None


def latency_seconds(effect: dict[str, Any], rng: random.Random) -> float:
    """Seconds to wait for a latency effect: fixed `ms`, uniform `min_ms..max_ms`, or log-normal
    around `median_ms` with shape `sigma` (long tails, the usual shape of service latency)."""
    dist = effect.get("distribution", "fixed")
    if dist == "uniform":
        lo = float(effect.get("min_ms", 0))
        ms = rng.uniform(lo, float(effect.get("max_ms", lo)))
    elif dist == "lognormal":
        median = float(effect.get("median_ms", effect.get("ms", 100)))
        ms = rng.lognormvariate(math.log(max(median, 1e-3)), float(effect.get("sigma", 0.5)))
    else:
        ms = float(effect.get("ms", 0))
    return min(ms, MAX_LATENCY_MS) / 1000.0
