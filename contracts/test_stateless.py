"""Stateless contract runs (examples, coverage and fuzzing phases, every schemathesis check) of both
APIs against the in-process app; the same engine as `workflow-emulator contract-test`."""
from __future__ import annotations

import pytest

from contracts.contract_support import AUTH, MAX_EXAMPLES, SEED, contract_app
from emulator.app import create_app
from emulator.conformance.runner import run_contract
from emulator.settings import Settings


@pytest.mark.parametrize("api", ["flow", "clarifai"])
def test_contract_stateless_finds_no_violation(api: str) -> None:
    # Clarifai's contract has ~3x Flow's operations (apps, models, versions, types): half the fuzzed
    # examples each keeps `make test` inside its time budget; `make fuzz` raises CONTRACT_MAX_EXAMPLES
    examples = MAX_EXAMPLES if api == "flow" else max(5, MAX_EXAMPLES // 2)
    report = run_contract(api, app=contract_app(), headers=AUTH if api == "clarifai" else None,
                          max_examples=examples, seed=SEED)
    print(report.render())
    assert report.operations, "the contract has no operations"
    assert report.ok, report.render()
    # every operation was exercised, and the run produced real answers, not only rejections
    assert all(op.cases > 0 for op in report.operations.values()), report.render()
    assert any(s < 300 for op in report.operations.values() for s in op.statuses), report.render()


@pytest.mark.parametrize("profile", [{"opensearch_version": "2.19.0"}, {"flow_enabled": False}],
                         ids=["flow-2.x-statuses", "flow-disabled-403"])
def test_contract_stateless_flow_profiles_find_no_violation(profile: dict[str, object]) -> None:
    # the 2.x profile answers provision 200 and create-with-provision 201 (reference §2); disabled, 403s
    app = create_app(Settings(grpc_enabled=False, clock="real", seed=SEED, step_latency_scale=0.0, **profile))
    report = run_contract("flow", app=app, max_examples=max(3, MAX_EXAMPLES // 4), seed=SEED)
    assert report.ok, report.render()
