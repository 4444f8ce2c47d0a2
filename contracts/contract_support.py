"""Shared set-up of the contract tests: the app under test (in-process by default) and knobs.

CONTRACT_MAX_EXAMPLES bounds the examples per operation and phase (CI default keeps the whole
directory to about a minute on 2 cores; `make fuzz` raises it). CONTRACT_SEED fixes generation.
Never import locust here: its gevent monkey-patching breaks schemathesis' ssl/requests.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, ClassVar

from emulator.app import create_app
from emulator.settings import Settings

MAX_EXAMPLES = int(os.environ.get("CONTRACT_MAX_EXAMPLES", "20"))
STATEFUL_EXAMPLES = int(os.environ.get("CONTRACT_STATEFUL_EXAMPLES", "25"))
SEED = int(os.environ.get("CONTRACT_SEED", "20261123"))
AUTH = {"Authorization": "Key contract-test-pat"}


def contract_app() -> Any:
    # real clock with instant steps: provisioning started by a scenario finishes in the background
    return create_app(Settings(grpc_enabled=False, clock="real", seed=SEED, step_latency_scale=0.0))



def state_machine(schema: Any) -> Any:
    """schemathesis' state machine over the contract's OpenAPI links only.

    Its root heuristics consult a dependency analysis that reads e.g. Flow's `tenant_id` as a foreign
    key and then refuses creates as scenario roots; the tests choose their roots themselves, so the
    analysis is replaced by an empty graph.
    """
    from schemathesis.specs.openapi.stateful.dependencies.models import DependencyGraph

    schema.analysis._dependency_graph = DependencyGraph(operations={}, resources={})
    return schema.as_state_machine()


def scenario_machine(schema: Any, create_label: str, steer: Callable[[Any], None],
                     headers: dict[str, str] | None = None) -> Any:
    """A state machine whose scenarios start with `create_label` and go on through the links only,
    each in a fresh tenant; `steer(case)` fixes what random data would almost never get right (a
    valid template, existing models); `trace` keeps each scenario's (operationId, status) steps."""
    import uuid

    base = state_machine(schema)

    class Scenario(base):  # type: ignore[misc, valid-type]
        trace: ClassVar[list[list[tuple[str, int]]]] = []

        def setup(self) -> None:
            # a fresh tenant per scenario: no state leaks between scenarios
            self.tenant = "contract-" + uuid.uuid4().hex[:12]
            self.steps: list[tuple[str, int]] = []
            type(self).trace.append(self.steps)

        def before_call(self, case: Any) -> None:
            steer(case)

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": {**(headers or {}), "x-emulator-tenant": self.tenant}}

        def after_call(self, response: Any, case: Any) -> None:
            self.steps.append((case.operation.definition.raw["operationId"], response.status_code))

    root = _root_rule(create_label)
    assert root in vars(base), sorted(n for n in vars(base) if n.startswith("RANDOM"))
    for name in list(vars(base)):
        if name.startswith("RANDOM") and name != root:
            setattr(Scenario, name, None)
    return Scenario


def run_scenarios(machine: Any) -> list[list[tuple[str, int]]]:
    """Run the scenarios (generate phase only: shrinking a stateful failure took minutes)."""
    import hypothesis

    machine.trace.clear()
    machine.run(settings=hypothesis.settings(
        max_examples=STATEFUL_EXAMPLES, phases=[hypothesis.Phase.generate], database=None, deadline=None,
        derandomize=True, stateful_step_count=10, suppress_health_check=list(hypothesis.HealthCheck)))
    trace: list[list[tuple[str, int]]] = machine.trace
    return trace


def is_subsequence(needle: list[Any], hay: list[Any]) -> bool:
    it = iter(hay)
    return all(any(x == y for y in it) for x in needle)


def _root_rule(label: str) -> str:
    from schemathesis.generation.stateful.state_machine import normalize_name

    return str(normalize_name(f"RANDOM -> {label}"))
