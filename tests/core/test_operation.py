"""The transport-neutral operation (core/operation.py): one fault decision and one journal entry per call,
whatever the door; REST and gRPC only render it."""
from __future__ import annotations

import asyncio

import pytest

from emulator.core.emulator import Emulator
from emulator.core.operation import BadFaultHeader, Operation
from emulator.settings import Settings


def _call(emu: Emulator, op: str = "get_toy") -> Operation:
    return Operation(emu.tenant("t"), "", op, "GET", "/toy", "a=1", {"user-agent": "x"}, "door")


def test_operation_decides_an_error_fault_and_journals_it_as_the_outcome() -> None:
    emu = Emulator(Settings(clock="manual", seed=1))
    emu.tenant("t").faults.add({"id": "e", "effect": {"type": "error", "status": 429, "message": "slow down",
                                                      "code": 11005, "retry_after": 3, "headers": {"X-A": "b"}}})
    call = _call(emu)
    fault = call.begin(None)
    call.end()
    assert fault is not None and (fault.kind, fault.status, fault.message, fault.code) == ("error", 429, "slow down",
                                                                                            11005)
    assert dict(fault.headers) == {"x-a": "b", "retry-after": "3"}
    entry = call.record(429)
    assert entry is not None
    assert (entry.status, entry.error, entry.code, entry.fault, entry.transport, entry.query) == (
        429, "slow down", 11005, "e", "door", "a=1")
    assert entry.extra == {"faults": ["e"]}


def test_operation_latency_waits_on_the_tenant_clock_and_splits_the_duration() -> None:
    emu = Emulator(Settings(clock="manual", seed=1))
    tenant = emu.tenant("t")
    tenant.faults.add({"id": "slow", "effect": {"type": "latency", "ms": 2000}})

    async def scenario() -> None:
        call = _call(emu)
        assert call.begin(None) is not None
        waiting = asyncio.create_task(call.delay())
        await asyncio.sleep(0)
        assert not waiting.done()
        await tenant.clock.advance(2)  # type: ignore[attr-defined]
        await waiting
        call.end()
        entry = call.record(200)
        assert entry is not None and entry.extra["injected_ms"] == 2000.0 and entry.fault == "slow"
        assert entry.error is None

    asyncio.run(scenario())


def test_operation_one_off_header_rule_fires_once_and_bad_header_is_refused() -> None:
    emu = Emulator(Settings(clock="manual", seed=1))
    call = _call(emu)
    fault = call.begin('{"type": "truncate", "bytes": 3}')
    assert fault is not None and fault.cut(b"abcdef") == b"abc"
    call.end()
    assert _call(emu).begin(None) is None  # the header's rule applied to its own call only
    with pytest.raises(BadFaultHeader, match="invalid x-emulator-fault header"):
        _call(emu).begin("{nope")
