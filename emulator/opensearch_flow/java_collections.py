"""Java's `HashMap`/`HashSet` iteration order for String keys, which the plugin leaks into messages and maps.

The plugin builds several outputs by iterating a `HashMap` (the 3.7 name/description validation
messages, `WorkflowProcessSorter.validateFieldValues`; the use-case defaults map it substitutes in
order, `RestCreateWorkflowAction.java:221`; the consumed-parameter list of "Only the parameters
[...]"). Iteration visits buckets in index order and, inside a bucket, entries in insertion order
(a resize splits a bucket keeping relative order), so the order is a pure function of the keys,
their insertion order and the table size. Treeified bins (8+ keys in one bucket) are not modelled.
"""
from __future__ import annotations

from collections.abc import Iterable

_MASK = 0xFFFFFFFF


def string_hash(s: str) -> int:
    """`String.hashCode()` over UTF-16 code units, as an unsigned 32-bit value."""
    h = 0
    data = s.encode("utf-16-be", "surrogatepass")
    for i in range(0, len(data), 2):
        h = (31 * h + ((data[i] << 8) | data[i + 1])) & _MASK
    return h


def _spread(h: int) -> int:
    # HashMap.hash(): h ^ (h >>> 16)
    return h ^ (h >> 16)


def table_size(entries: int, *, copied: bool = False) -> int:
    """The table length after inserting `entries` keys one by one (or via `new HashMap<>(map)`)."""
    if copied:
        # putMapEntries: tableSizeFor((int) (s / 0.75f + 1.0f))
        want = int(entries / 0.75 + 1.0)
        cap = 1
        while cap < want:
            cap *= 2
        return max(cap, 1)
    cap = 16
    while entries > cap * 3 // 4:  # resize when ++size > threshold (0.75 * capacity)
        cap *= 2
    return cap


def hash_order(keys: Iterable[str], *, copied: bool = False) -> list[str]:
    """The iteration order of a HashMap whose keys were inserted in the given order."""
    ordered = list(dict.fromkeys(keys))
    mask = table_size(len(ordered), copied=copied) - 1
    position = {k: i for i, k in enumerate(ordered)}
    return sorted(ordered, key=lambda k: (_spread(string_hash(k)) & mask, position[k]))
