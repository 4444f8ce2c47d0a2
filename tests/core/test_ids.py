"""Seeded id factories (emulator/core/ids.py)."""
from __future__ import annotations

import uuid

from emulator.core.ids import IdFactory


def test_hex32_is_a_uuid4_hex_and_seeded() -> None:
    a, b = IdFactory(3), IdFactory(3)
    ids = [a.hex32() for _ in range(200)]
    assert ids == [b.hex32() for _ in range(200)] and len(set(ids)) == 200
    for i in ids:
        assert uuid.UUID(hex=i).version == 4 and uuid.UUID(hex=i).hex == i


def test_hex32_many_draws_the_same_ids_in_the_same_order_and_records_them() -> None:
    one, many = IdFactory("s"), IdFactory("s")
    many.recording = []
    drawn = [i.decode() for i in many.hex32_many(7)] + [many.hex32()]
    assert drawn == [one.hex32() for _ in range(8)]
    assert many.recording == drawn and many.hex32_many(0) == []


def test_hex32_many_matches_hex32_for_large_batches() -> None:
    for n in (1, 2, 33, 300):
        one, many = IdFactory(n), IdFactory(n)
        assert [i.decode() for i in many.hex32_many(n)] == [one.hex32() for _ in range(n)]
        assert many.hex32() == one.hex32()  # and the generator is left in the same state
