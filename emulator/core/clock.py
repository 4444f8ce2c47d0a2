"""Injected time: the real clock, a manual clock tests advance, and a scaled clock.

Everything that waits (step latency, injected latency, deprovision back-off) awaits
`clock.sleep()`, so a manual clock makes asynchronous behaviour fully deterministic.
"""
from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from typing import Any, Protocol


class Clock(Protocol):
    mode: str

    def now(self) -> float: ...
    def now_ms(self) -> int: ...
    async def sleep(self, seconds: float) -> None: ...
    def describe(self) -> dict[str, object]: ...


class RealClock:
    mode = "real"

    def now(self) -> float:
        return time.time()

    def now_ms(self) -> int:
        return int(time.time() * 1000)

    async def sleep(self, seconds: float) -> None:
        if seconds > 0:
            await asyncio.sleep(seconds)
        else:
            await asyncio.sleep(0)

    def describe(self) -> dict[str, object]:
        return {"mode": self.mode, "now_ms": self.now_ms()}


class ScaledClock:
    """Virtual time runs `scale` times faster than real time (scale 10: a 1 s wait takes 0.1 s)."""

    mode = "scaled"

    def __init__(self, scale: float, start: float | None = None) -> None:
        if scale <= 0:
            raise ValueError("time scale must be positive")
        self.scale = scale
        self._v0 = time.time() if start is None else start
        self._r0 = time.monotonic()

    def now(self) -> float:
        return self._v0 + (time.monotonic() - self._r0) * self.scale

    def now_ms(self) -> int:
        return int(self.now() * 1000)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds / self.scale))

    def describe(self) -> dict[str, object]:
        return {"mode": self.mode, "now_ms": self.now_ms(), "scale": self.scale}


class ManualClock:
    """Time stands still until `advance()`; sleepers wake in deadline order as time passes them."""

    mode = "manual"
    # a safety net only: settling stops as soon as a loop turn runs no task (see `settle`)
    MAX_SETTLE_TURNS = 10_000

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else start
        self._heap: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def now(self) -> float:
        return self._now

    def now_ms(self) -> int:
        return int(self._now * 1000)

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._heap, (self._now + seconds, next(self._seq), fut))
        await fut

    @property
    def pending(self) -> int:
        return sum(1 for _, _, f in self._heap if not f.done())

    async def settle(self) -> None:
        """Give woken work the loop until none of it can run any more, so that what it does before
        its next wait (joining node tasks, appending resources) happens "at" this instant.

        A loop turn runs every task that was runnable when it began, and a task that ran has moved
        the await point of its innermost coroutine; a task that yielded bare (asyncio.sleep(0)) or
        has not started is runnable. A resolved future wakes its task one turn later, and futures
        resolved by plain callbacks (gather, wait) one more turn later: so the loop is settled
        after two turns in a row in which no other task moved or was runnable."""
        me = asyncio.current_task()
        before, quiet = _await_points(me), 0
        for _ in range(self.MAX_SETTLE_TURNS):
            await asyncio.sleep(0)
            after = _await_points(me)
            quiet = quiet + 1 if after == before and not any(runnable for *_, runnable in after.values()) else 0
            if quiet == 2:
                return
            before = after

    async def advance(self, seconds: float) -> float:
        """Move time forward by `seconds`, waking every sleeper whose deadline is reached."""
        if seconds < 0:
            raise ValueError("cannot move the clock backwards")
        target = self._now + seconds
        await self.settle()
        while self._heap and self._heap[0][0] <= target:
            deadline, _, fut = heapq.heappop(self._heap)
            if fut.done():
                continue
            self._now = max(self._now, deadline)
            fut.set_result(None)
            await self.settle()
        self._now = target
        await self.settle()
        return self._now

    def release_all(self) -> int:
        """Wake every sleeper now, without moving time (a reset tenant's clock: its waiting requests
        finish against the discarded state instead of hanging); returns how many were woken."""
        woken = 0
        for _, _, fut in self._heap:
            if not fut.done():
                fut.set_result(None)
                woken += 1
        self._heap.clear()
        return woken

    def hand_over(self) -> list[tuple[float, asyncio.Future[None]]]:
        """Take the pending sleepers away, as (seconds still to wait, their future), soonest first:
        a clock that replaces this one wakes them (admin set_clock)."""
        out = [(deadline - self._now, fut) for deadline, _, fut in sorted(self._heap) if not fut.done()]
        self._heap.clear()
        return out

    def timers(self, limit: int = 20) -> list[int]:
        """Deadlines (epoch ms) of the earliest pending sleepers, soonest first."""
        return [int(d * 1000) for d, _, f in heapq.nsmallest(limit, self._heap) if not f.done()]

    def describe(self) -> dict[str, object]:
        return {"mode": self.mode, "now_ms": self.now_ms(), "pending_sleepers": self.pending,
                "next_timers_ms": self.timers()}


def make_clock(mode: str, scale: float = 1.0, start: float | None = None) -> Clock:
    if mode == "real":
        return RealClock()
    if mode == "manual":
        return ManualClock(start)
    if mode == "scaled":
        return ScaledClock(scale, start)
    raise ValueError(f"unknown clock mode {mode!r}; expected real, manual or scaled")


def _await_points(me: asyncio.Task[Any] | None) -> dict[int, tuple[int, int, int, bool]]:
    """Where every other task of the loop waits: its innermost coroutine frame's position, the
    awaited object and whether that is already done (finished tasks drop out)."""
    out: dict[int, tuple[int, int, int, bool]] = {}
    for task in asyncio.all_tasks():
        if task is me or task.done():
            continue
        leaf: Any = task.get_coro()
        while True:
            inner = getattr(leaf, "cr_await", None) or getattr(leaf, "gi_yieldfrom", None)
            if inner is None or not (hasattr(inner, "cr_frame") or hasattr(inner, "gi_frame")):
                break
            leaf = inner
        frame = getattr(leaf, "cr_frame", None) or getattr(leaf, "gi_frame", None)
        waited = getattr(leaf, "cr_await", None) or getattr(leaf, "gi_yieldfrom", None)
        # nothing awaited: a bare yield (asyncio.sleep(0)) or a task not started yet, both runnable
        runnable = waited is None
        out[id(task)] = (id(leaf), frame.f_lasti if frame is not None else -1, id(waited), runnable)
    return out

