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


def test_advance_settles_work_longer_than_any_fixed_number_of_loop_turns() -> None:
    # woken work that needs 200 loop turns (and a gather, whose result comes from a plain callback)
    # before its next wait has all happened "at" the instant advance() returns
    from emulator.core.clock import ManualClock

    async def scenario() -> None:
        clock = ManualClock(start=0.0)
        done: list[float] = []

        async def child() -> None:
            for _ in range(100):
                await asyncio.sleep(0)

        async def worker() -> None:
            await clock.sleep(5)
            for _ in range(100):
                await asyncio.sleep(0)
            await asyncio.gather(child(), child())
            done.append(clock.now())
            await clock.sleep(5)
            done.append(clock.now())

        task = asyncio.get_running_loop().create_task(worker())
        await clock.advance(5)
        assert done == [5.0]
        await clock.advance(5)
        assert done == [5.0, 10.0] and task.done()

    asyncio.run(scenario())
