"""Directed-graph rules shared by both APIs: topological order and cycle detection."""
from __future__ import annotations

from collections.abc import Iterable, Sequence


class CycleError(ValueError):
    def __init__(self, remaining_edges: list[tuple[str, str]]) -> None:
        super().__init__("cycle")
        self.remaining_edges = remaining_edges


def topological_order(nodes: Sequence[str], edges: Iterable[tuple[str, str]]) -> list[str]:
    """Kahn's algorithm seeded with roots in node-list order (Flow reference §5).

    Keeps the given order whenever it is already valid. Raises CycleError with the edges
    that could not be consumed.
    """
    edge_list = list(edges)
    indeg = {n: 0 for n in nodes}
    succ: dict[str, list[str]] = {n: [] for n in nodes}
    for s, d in edge_list:
        succ[s].append(d)
        indeg[d] += 1
    ready = [n for n in nodes if indeg[n] == 0]
    order: list[str] = []
    i = 0
    while i < len(ready):
        n = ready[i]
        i += 1
        order.append(n)
        for d in succ[n]:
            indeg[d] -= 1
            if indeg[d] == 0:
                ready.append(d)
    if len(order) != len(indeg):
        done = set(order)
        raise CycleError([(s, d) for s, d in edge_list if s not in done and d not in done])
    return order


def stable_topological_order(nodes: Sequence[str], edges: Iterable[tuple[str, str]]) -> list[str]:
    """Topological order that keeps the input order when it is already valid (Clarifai §5)."""
    edge_list = list(edges)
    pos = {n: i for i, n in enumerate(nodes)}
    if all(pos[s] < pos[d] for s, d in edge_list):
        return list(nodes)
    return topological_order(nodes, edge_list)


def layers(nodes: Sequence[str], edges: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Column of each node for a left-to-right drawing: 0 for roots, else one more than its
    deepest predecessor (longest path), walked in topological order. Edges naming unknown nodes
    are ignored; a graph with a cycle (which neither API stores) falls back to list order."""
    known = set(nodes)
    pairs = [(s, d) for s, d in edges if s in known and d in known and s != d]
    try:
        order = topological_order(list(dict.fromkeys(nodes)), pairs)
    except CycleError:
        return {n: i for i, n in enumerate(dict.fromkeys(nodes))}
    preds: dict[str, list[str]] = {n: [] for n in order}
    for s, d in pairs:
        preds[d].append(s)
    out: dict[str, int] = {}
    for n in order:
        out[n] = max((out[p] + 1 for p in preds[n]), default=0)
    return out
