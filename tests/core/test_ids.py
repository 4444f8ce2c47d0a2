"""Seeded id factories (emulator/core/ids.py)."""
from __future__ import annotations

import asyncio
import uuid

from emulator.core.ids import IdFactory, recording


def test_hex32_is_a_uuid4_hex_and_seeded() -> None:
    a, b = IdFactory(3), IdFactory(3)
    ids = [a.hex32() for _ in range(200)]
    assert ids == [b.hex32() for _ in range(200)] and len(set(ids)) == 200
    for i in ids:
        assert uuid.UUID(hex=i).version == 4 and uuid.UUID(hex=i).hex == i


def test_hex32_many_draws_the_same_ids_in_the_same_order_and_records_them() -> None:
    one, many = IdFactory("s"), IdFactory("s")
    with recording() as recorded:
        drawn = [i.decode() for i in many.hex32_many(7)] + [many.hex32()]
    assert drawn == [one.hex32() for _ in range(8)]
    assert recorded == drawn and many.hex32_many(0) == [] and many.hex32() not in recorded


def test_hex32_many_matches_hex32_for_large_batches() -> None:
    for n in (1, 2, 33, 300):
        one, many = IdFactory(n), IdFactory(n)
        assert [i.decode() for i in many.hex32_many(n)] == [one.hex32() for _ in range(n)]
        assert many.hex32() == one.hex32()  # and the generator is left in the same state


def test_recording_is_per_task_even_when_requests_interleave() -> None:
    """Two requests of one tenant recording at once, finishing out of order, each see only their own ids."""
    ids = IdFactory(1)

    async def request(first: asyncio.Event, second: asyncio.Event) -> list[str]:
        with recording() as drawn:
            ids.hex32()
            first.set()
            await second.wait()
            ids.hex32_many(2)
        return drawn

    async def main() -> tuple[list[str], list[str], list[str]]:
        a_go, b_go = asyncio.Event(), asyncio.Event()
        a = asyncio.create_task(request(a_go, b_go))
        await a_go.wait()
        with recording() as outside:
            b = asyncio.create_task(request(asyncio.Event(), asyncio.Event()))
            await asyncio.sleep(0)
            b_go.set()  # a finishes while b still waits forever
            got_a = await a
            b.cancel()
        return got_a, outside, [ids.hex32()]

    got_a, outside, _ = asyncio.run(main())
    assert len(got_a) == 3 and outside == []  # created tasks copy the context: b records into its own list
