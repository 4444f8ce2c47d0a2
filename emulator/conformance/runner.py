"""Runs the OpenAPI contracts against a server with schemathesis and reports per operation.

One engine for both targets: in-process against the ASGI app (CI, `contracts/`) or against any
live base URL (`workflow-emulator contract-test`). Stateless phases only (examples, coverage,
fuzzing) with every check schemathesis has; the stateful link scenarios live in `contracts/`.
schemathesis is a test-extra dependency, imported lazily.
"""
from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from emulator import apis
from emulator.core.api import ApiDescriptor

# Semantic validation (graph checks, unknown ids, state rules) makes schema-valid requests 400/404/409.
# Each API's own adjustments (statuses that are real service behaviour, per-operation checks) live
# in its descriptor's `contract_rules` (e.g. opensearch_flow/api.py).
POSITIVE_DATA_ACCEPTANCE = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "501", "503"]


@dataclass
class OperationReport:
    label: str
    operation_id: str
    cases: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    checks_passed: int = 0
    failures: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set, repr=False)

    def add_failure(self, key: str, detail: str = "") -> None:
        if key not in self.seen and len(self.failures) < 20:
            self.seen.add(key)
            self.failures.append(key + (f"\n  {detail}" if detail else ""))

    @property
    def ok(self) -> bool:
        return not self.failures


@dataclass
class ContractReport:
    api: str
    target: str
    operations: dict[str, OperationReport]
    errors: list[str]
    elapsed_s: float

    @property
    def ok(self) -> bool:
        return not self.errors and all(op.ok for op in self.operations.values())

    def render(self) -> str:
        lines = [(f"contract-test {self.api} against {self.target}: "
                 f"{'PASS' if self.ok else 'FAIL'} in {self.elapsed_s:.1f}s")]
        width = max((len(o.operation_id) for o in self.operations.values()), default=10)
        for op in sorted(self.operations.values(), key=lambda o: o.operation_id):
            statuses = ",".join(f"{s}x{n}" for s, n in sorted(op.statuses.items()))
            verdict = "ok  " if op.ok else "FAIL"
            lines.append(f"  {verdict} {op.operation_id:<{width}}  {op.cases:>5} cases  statuses [{statuses}]")
            for f in op.failures[:10]:
                lines.append("         - " + f.replace("\n", "\n           "))
        for e in self.errors:
            lines.append(f"  ERROR {e}")
        return "\n".join(lines)


def descriptor(api: str) -> ApiDescriptor:
    """The API called `api` or whose contract document is `api` (ValueError when there is none)."""
    d = apis.by_contract(api)
    if d is None:
        raise ValueError(f"no API or contract named {api!r}; known: {[x.name for x in apis.descriptors()]}")
    return d


def document_name(api: str) -> str:
    return descriptor(api).contract.document


def make_config(api: str, *, base_url: str | None = None, headers: dict[str, str] | None = None,
                max_examples: int = 20, seed: int = 20261123, workers: int = 1, mode: str = "all",
                stateful: bool = False) -> Any:
    from schemathesis import Config

    rules = descriptor(api).contract_rules
    checks: dict[str, Any] = {
        "not_a_server_error": {"expected-statuses": list(rules.not_a_server_error)},
        "positive_data_acceptance": {"expected-statuses": POSITIVE_DATA_ACCEPTANCE},
        **{name: {"enabled": False} for name in rules.disabled_checks},
        # generous: only a hung request (e.g. a synchronous provision that never finishes) trips it
        "max_response_time": 10.0,
    }
    data: dict[str, Any] = {
        "seed": seed,
        "workers": workers,
        "headers": dict(headers or {}),
        "generation": {"max-examples": max_examples, "database": "none", "mode": mode},
        "phases": {"examples": {"enabled": True}, "coverage": {"enabled": True},
                   "fuzzing": {"enabled": True},
                   # only the contract's own OpenAPI links: inferred ones misread dotted query names
                   "stateful": {"enabled": stateful, "inference": {"algorithms": []}}},
        "checks": checks,
        # an operation's `checks` replace the global ones, so each override starts from `checks`
        "operations": [{"include-operation-id": list(ops), "checks": {**checks, **override}}
                       for ops, override in rules.operation_checks],
    }
    if base_url:
        data["base-url"] = base_url
    return Config.from_dict(data)


def load_schema(api: str, config: Any, app: Any = None) -> Any:
    import schemathesis

    from emulator.conformance import checks  # noqa: F401  (registers no_emulator_crash)

    raw = apis.load_document(document_name(api))
    schema = schemathesis.openapi.from_dict(raw, config=config)
    if app is not None:
        schema.app = app
    return schema


Progress = Callable[[str, OperationReport, int, int], None]


def run_contract(api: str, *, app: Any = None, base_url: str | None = None,
                 headers: dict[str, str] | None = None, max_examples: int = 20,
                 seed: int = 20261123, workers: int = 1, progress: Progress | None = None) -> ContractReport:
    """Run every stateless phase over every operation of one API's contract and collect the verdicts.

    `progress(phase, operation, done, total)` is called as each operation finishes a phase."""
    import schemathesis.engine
    from schemathesis.engine import events

    config = make_config(api, base_url=base_url, headers=headers, max_examples=max_examples, seed=seed,
                         workers=workers)
    schema = load_schema(api, config, app)
    ops: dict[str, OperationReport] = {}
    for result in schema.get_all_operations():
        op = result.ok()
        oid = op.definition.raw.get("operationId", op.label)
        ops[op.label] = OperationReport(op.label, oid)
    errors: list[str] = []
    started = time.perf_counter()
    phase, done = "", 0
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.PhaseStarted):
            phase, done = event.phase.name.value, 0
        elif isinstance(event, (events.ScenarioFinished, events.FuzzScenarioFinished)):
            touched = _collect(ops, event.recorder)
            if progress is not None and touched is not None:
                done += 1
                progress(phase, touched, done, len(ops))
        elif isinstance(event, events.NonFatalError):
            errors.append(f"{event.label}: {event.info.title}: {event.info.message}")
        elif isinstance(event, events.FatalError):
            errors.append(f"fatal: {event.exception!r}")
    target = base_url or "in-process app"
    return ContractReport(descriptor(api).name, target, ops, errors, time.perf_counter() - started)


_CURL_CHARS = int(os.environ.get("CONTRACT_CURL_CHARS", "300"))


def _collect(ops: dict[str, OperationReport], recorder: Any) -> OperationReport | None:
    """Fold one scenario's cases into the per-operation reports; the operation it was about."""
    last: OperationReport | None = None
    for case_id, node in recorder.cases.items():
        label = node.value.operation.label
        rep = ops.get(label)
        if rep is None:
            continue
        rep.cases += 1
        last = rep
        interaction = recorder.interactions.get(case_id)
        if interaction is not None and interaction.response is not None:
            rep.statuses[interaction.response.status_code] += 1
        elif interaction is not None:
            rep.add_failure(f"[network] no response to {interaction.request.method} {interaction.request.uri}")
        for check in recorder.checks.get(case_id, []):
            if check.failure_info is None:
                rep.checks_passed += 1
                continue
            failure = check.failure_info.failure
            target = ops.get(failure.operation or label, rep)
            first = (failure.message or "").strip().splitlines()
            curl = check.failure_info.code_sample.strip().splitlines()
            target.add_failure(f"[{check.name}] {failure.title}: {first[0] if first else ''}".strip(),
                               curl[-1][:_CURL_CHARS] if curl else "")
    return last
