"""Java HashMap iteration order, checked against orders a JVM printed (jshell, OpenJDK 21) for the same keys.

java_hashmap_orders.json: each case is the keys put one by one into `new HashMap<>()`, the order
`keySet()` gave, and the order of `new HashMap<>(thatMap)` (a copy sizes its table differently).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from emulator.opensearch_flow.java_collections import hash_order, string_hash

CASES = json.loads((Path(__file__).parent / "java_hashmap_orders.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[f"{len(set(c['inserted']))}-keys" for c in CASES])
def test_hash_order_matches_the_jvm(case: dict[str, list[str]]) -> None:
    assert hash_order(case["inserted"]) == case["iteration"]
    assert hash_order(case["iteration"], copied=True) == case["copy_iteration"]


def test_string_hash_is_java_string_hash_code() -> None:
    # "Aa" and "BB" collide in Java (2112); a non-BMP character counts as two UTF-16 units
    assert string_hash("Aa") == string_hash("BB") == 2112
    assert string_hash("") == 0
    assert string_hash("\U0001F600") == (0xD83D * 31 + 0xDE00)
