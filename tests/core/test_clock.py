"""The manual clock wakes sleepers in deadline order, including sleeps scheduled by woken tasks."""
from __future__ import annotations

import asyncio

import pytest

from emulator.core.clock import ManualClock, ScaledClock, make_clock


def test_manual_clock_advance_wakes_due_sleepers_in_order() -> None:
    async def main() -> list[tuple[str, float]]:
        clock = ManualClock(start=1000.0)
        seen: list[tuple[str, float]] = []

        async def worker(name: str, waits: list[float]) -> None:
            for w in waits:
                await clock.sleep(w)
                seen.append((name, clock.now()))

        tasks = [asyncio.ensure_future(worker("a", [0.1, 1.0])), asyncio.ensure_future(worker("b", [0.5]))]
        await clock.advance(0.3)
        assert seen == [("a", 1000.1)]
        await clock.advance(2)
        await asyncio.gather(*tasks)
        assert clock.now() == 1002.3
        return seen

    assert asyncio.run(main()) == [("a", 1000.1), ("b", 1000.5), ("a", 1001.1)]


def test_manual_clock_refuses_going_backwards() -> None:
    with pytest.raises(ValueError):
        asyncio.run(ManualClock().advance(-1))


def test_scaled_clock_runs_faster_than_real_time() -> None:
    clock = ScaledClock(1000.0, start=0.0)

    async def main() -> float:
        await clock.sleep(5.0)  # 5 virtual seconds = 5 ms real
        return clock.now()

    assert asyncio.run(main()) >= 5.0


def test_make_clock_rejects_unknown_mode() -> None:
    with pytest.raises(ValueError):
        make_clock("sundial")
