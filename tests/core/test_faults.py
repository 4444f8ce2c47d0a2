"""Fault rules: parsing, matching, counts, ordered effects, seeded probability, header rules."""
from __future__ import annotations

import random

import pytest

from emulator.apis import descriptors
from emulator.clarifai.hooks import CLARIFAI_NODE
from emulator.core.fault_effects import FaultRuleError
from emulator.core.faults import (
    FaultSchema,
    latency_seconds,
    parse_header_rules,
    parse_rule,
    request_rules,
)
from emulator.core.faults import FaultSet as _FaultSet
from emulator.opensearch_flow.hooks import FLOW_STEP

# the hooks and API names of the built-in APIs, as a tenant of the app sees them
SCHEMA = FaultSchema([h for d in descriptors() for h in d.fault_hooks], [d.name for d in descriptors()])


def FaultSet(seed: int | str | None = None) -> _FaultSet:
    return _FaultSet(seed, SCHEMA)


def test_add_fault_infers_hook_from_effect_type() -> None:
    fs = FaultSet()
    assert fs.add({"effect": {"type": "error", "status": 503}}).on == "http"
    assert fs.add({"effect": {"type": "step_error", "status": 500, "message": "x"}}).on == "flow_step"
    assert fs.add({"effect": {"type": "node_error", "code": 21313}}).on == "clarifai_node"


@pytest.mark.parametrize("spec, message", [
    ({"effect": {"type": "explode"}}, "effect type 'explode' is not valid for hook 'http'"),
    ({"effect": {"type": "error", "status": 42}}, "effect field `status` must be an HTTP status code"),
    ({"effect": {"type": "node_error"}}, "a node_error effect needs an integer Clarifai status `code`"),
    ({"effect": {"type": "latency", "distribution": "pareto"}}, "latency distribution must be one of"),
    ({"effect": {"type": "latency", "ms": -5}}, "effect field `ms` must be a number between 0 and"),
    ({"effect": {"type": "error"}, "match": {"colour": "red"}}, "`match` must be an object with keys"),
    ({"effect": {"type": "error"}, "match": {"api": "admin"}}, "the admin API is never faulted"),
    ({"effect": {"type": "error"}, "count": -1}, "`count` must be a non-negative integer"),
    ({"effect": {"type": "error"}, "probability": 1.5}, "`probability` must be a number in [0, 1]"),
    ({"effect": {"type": "error"}, "when": "now"}, "unknown fault rule field(s): ['when']"),
    ({}, "a fault rule needs `effect`"),
])
def test_add_fault_rejects_invalid_rule(spec: dict[str, object], message: str) -> None:
    with pytest.raises(FaultRuleError) as exc:
        FaultSet().add(spec)
    assert message in str(exc.value)


def test_add_fault_refuses_duplicate_id() -> None:
    fs = FaultSet()
    fs.add({"id": "r1", "effect": {"type": "drop"}})
    with pytest.raises(FaultRuleError, match="already exists"):
        fs.add({"id": "r1", "effect": {"type": "drop"}})


def test_http_fault_count_fires_n_times_and_counts_matches() -> None:
    fs = FaultSet()
    rule = fs.add({"match": {"api": "flow", "operation": "deprovision_workflow"},
                   "effect": {"type": "error", "status": 503}, "count": 2})
    assert fs.http(api="clarifai", operation="deprovision_workflow") is None
    fired = [fs.http(api="flow", operation="deprovision_workflow") for _ in range(3)]
    assert [f and f["status"] for f in fired] == [503, 503, None]
    assert fired[0] == {"type": "error", "status": 503, "rule": rule.id}
    assert (rule.matched, rule.fired, rule.exhausted, rule.remaining) == (2, 2, True, 0)


def test_http_fault_ordered_effects_fail_twice_then_succeed() -> None:
    fs = FaultSet()
    rule = fs.add({"effects": [{"type": "error", "status": 500}, {"type": "error", "status": 502},
                               {"type": "pass"}]})
    seen = [fs.http(api="flow", operation="get_workflow") for _ in range(4)]
    assert [s and s["status"] for s in seen] == [500, 502, None, None]
    assert rule.to_json()["fired"] == 3 and rule.exhausted


def test_http_fault_path_glob_and_method_match() -> None:
    fs = FaultSet()
    fs.add({"match": {"path": "/_plugins/_flow_framework/workflow/*/_provision", "method": "post"},
            "effect": {"type": "drop"}})
    assert fs.http(path="/_plugins/_flow_framework/workflow/abc/_provision", method="POST") is not None
    assert fs.http(path="/_plugins/_flow_framework/workflow/abc/_provision", method="GET") is None
    assert fs.http(path="/_plugins/_flow_framework/workflow/abc", method="POST") is None


def test_http_fault_probability_is_reproducible_with_seed() -> None:
    def run() -> list[bool]:
        fs = FaultSet()
        fs.add({"effect": {"type": "error", "status": 503}, "probability": 0.3, "seed": 42})
        return [fs.http(api="flow") is not None for _ in range(200)]

    a, b = run(), run()
    assert a == b
    assert 40 <= sum(a) <= 80  # ~30 % of 200


def test_flow_step_fault_matches_phase_and_resource_type() -> None:
    fs = FaultSet()
    fs.add({"match": {"phase": "deprovision", "resource_type": "connector_id"},
            "effect": {"type": "step_error", "status": 500, "message": "busy"}, "count": 2})
    assert fs.fire(FLOW_STEP, phase="provision", step_type="create_connector", resource_type="connector_id") is None
    hits = [fs.fire(FLOW_STEP, phase="deprovision", step_type="delete_connector", resource_type="connector_id")
            for _ in range(3)]
    assert [h and h["message"] for h in hits] == ["busy", "busy", None]


def test_clarifai_node_fault_matches_node_and_input_index() -> None:
    fs = FaultSet()
    fs.add({"match": {"node_id": "2", "input_index": 2}, "effect": {"type": "node_error", "code": 21313}})
    assert fs.fire(CLARIFAI_NODE, model_id="m", node_id="2", input_index=1) is None
    assert fs.fire(CLARIFAI_NODE, model_id="m", node_id="1", input_index=2) is None
    hit = fs.fire(CLARIFAI_NODE, model_id="m", node_id="2", input_index=2)
    assert hit is not None and hit["code"] == 21313 and hit["type"] == "node_error"


def test_faults_inactive_without_rules_and_clear_deletes_all() -> None:
    fs = FaultSet()
    assert not fs.active
    r = fs.add({"effect": {"type": "drop"}})
    assert fs.active and fs.get(r.id) is r
    assert fs.clear() == 1 and not fs.active and fs.list() == []
    assert fs.delete("nope") is False


def test_header_rules_fire_once_and_accept_bare_effect() -> None:
    rules = parse_header_rules('{"type": "error", "status": 429, "retry_after": 3}')
    assert len(rules) == 1 and rules[0].count == 1 and rules[0].on == "http"
    fs = FaultSet()
    token = request_rules.set(rules)
    try:
        assert fs.active
        first = fs.http(api="clarifai")
        assert first is not None and first["retry_after"] == 3 and first["rule"] == "header-1"
        assert fs.http(api="clarifai") is None
    finally:
        request_rules.reset(token)
    assert not fs.active


def test_header_rules_reject_garbage() -> None:
    with pytest.raises(FaultRuleError, match="not JSON"):
        parse_header_rules("{nope")
    with pytest.raises(FaultRuleError, match="each rule must be a JSON object"):
        parse_header_rules("[1]")


def test_latency_seconds_distributions() -> None:
    rng = random.Random(1)
    assert latency_seconds({"type": "latency", "ms": 250}, rng) == 0.25
    u = [latency_seconds({"type": "latency", "distribution": "uniform", "min_ms": 100, "max_ms": 200}, rng)
         for _ in range(100)]
    assert all(0.1 <= x <= 0.2 for x in u)
    ln = sorted(latency_seconds({"type": "latency", "distribution": "lognormal", "median_ms": 100,
                                 "sigma": 0.5}, rng) for _ in range(301))
    assert 0.08 < ln[150] < 0.125 and ln[-1] > 0.2  # median about 100 ms, long right tail


def test_parse_rule_keeps_counts_in_json() -> None:
    rule = parse_rule({"id": "x", "effect": {"type": "empty_body"}, "times": 3}, "fallback")
    assert rule.to_json() == {"id": "x", "on": "http", "match": {}, "effects": [{"type": "empty_body"}],
                              "count": 3, "probability": 1.0, "seed": None, "matched": 0, "fired": 0,
                              "remaining": 3, "exhausted": False}
