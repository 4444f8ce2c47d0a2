"""Stateless contract runs (examples, coverage and fuzzing phases, every schemathesis check) of both
APIs against the in-process app; the same engine as `workflow-emulator contract-test`."""
from __future__ import annotations

import pytest
from contract_support import AUTH, MAX_EXAMPLES, SEED, contract_app

from emulator.conformance.runner import run_contract


@pytest.mark.parametrize("api", ["flow", "clarifai"])
def test_contract_stateless_finds_no_violation(api: str) -> None:
    report = run_contract(api, app=contract_app(), headers=AUTH if api == "clarifai" else None,
                          max_examples=MAX_EXAMPLES, seed=SEED)
    print(report.render())
    assert report.operations, "the contract has no operations"
    assert report.ok, report.render()
    # every operation was exercised, and the run produced real answers, not only rejections
    assert all(op.cases > 0 for op in report.operations.values()), report.render()
    assert any(s < 300 for op in report.operations.values() for s in op.statuses), report.render()
