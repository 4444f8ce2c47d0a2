"""`workflow-emulator contract-test` against a live server: the emulator itself conforms over HTTP."""
from __future__ import annotations

import pytest

from emulator.__main__ import main
from emulator.settings import Settings
from emulator.testing import LiveServer


@pytest.mark.parametrize("api", ["flow", "clarifai"])
def test_contract_test_against_a_live_emulator_passes(api: str, capsys: pytest.CaptureFixture[str]) -> None:
    server = LiveServer(Settings(grpc_enabled=False, clock="real", seed=7, step_latency_scale=0.0)).start()
    try:
        rc = main(["contract-test", "--base-url", server.url, "--api", api, "--max-examples", "3",
                   "--header", "Authorization: Key contract-test-pat"])
    finally:
        server.stop()
    out = capsys.readouterr().out
    report = f"contract-test {api} against {server.url}: PASS"
    assert any(line.startswith(report) for line in out.splitlines()), out
    assert rc == 0
    assert " FAIL " not in out
