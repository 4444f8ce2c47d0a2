"""Workflow validation and ordering as `WorkflowProcessSorter` does it (reference §5), plus OpenSearch time values."""
from __future__ import annotations

import re
from collections.abc import Sequence

from emulator.core.graph import CycleError, topological_order
from emulator.opensearch_flow import errors
from emulator.opensearch_flow.domain import Edge, Node, Workflow
from emulator.opensearch_flow.errors import FlowError
from emulator.opensearch_flow.field_validation import validate_field_values
from emulator.opensearch_flow.releases import Release
from emulator.opensearch_flow.steps import DENY_LISTED, STEPS

_TIME = re.compile(r"^(-?\d+(?:\.\d+)?)(nanos|micros|ms|s|m|h|d)$")
_UNITS = {"nanos": 1e-9, "micros": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_time_value(value: str) -> float:
    """`TimeValue.parseTimeValue`: `-1` and `0` need no unit; anything else needs one. Seconds out."""
    v = value.strip().lower()
    if v in ("-1", "0"):
        return float(v)
    m = _TIME.match(v)
    if not m:
        raise ValueError(value)
    n = float(m.group(1))
    if n < 0:
        raise ValueError(value)  # only -1 may be negative in OpenSearch time values
    return n * _UNITS[m.group(2)]


def validate_workflow(workflow: Workflow, *, workflow_id: str | None, max_steps: int,
                      release: Release, generic: FlowError,
                      installed_plugins: tuple[str, ...] = ("opensearch-ml",)) -> list[Node]:
    """Run the §5 checks in order; return the nodes in topological order.

    `generic` is the wrapper for non-plugin failures (an unparsable `node_timeout`): it differs
    between create (`Workflow validation failed for template <name>`) and provision.
    """
    nodes, edges = workflow.nodes, workflow.edges
    if len(nodes) > max_steps:
        raise errors.too_many_nodes(workflow_id or "null", len(nodes), max_steps)
    for n in nodes:
        if n.type in DENY_LISTED and release.has_step(n.type):
            raise errors.denied_step(n.type, n.id)
    ids = _check_graph(nodes, edges)
    pairs = [(e.source, e.dest) for e in edges]
    try:
        order = topological_order([n.id for n in nodes], pairs)
    except CycleError as exc:
        raise errors.cycle_detected(exc.remaining_edges) from None
    by_id = {n.id: n for n in nodes}
    sorted_nodes = [by_id[i] for i in order]
    _check_steps(sorted_nodes, release, generic, installed_plugins)
    preds: dict[str, list[str]] = {i: [] for i in ids}
    for s, d in pairs:
        preds[d].append(s)
    for n in sorted_nodes:
        have = set(n.user_inputs)
        for p in preds[n.id]:
            have.update(STEPS[by_id[p].type].outputs)
        missing = [k for k in STEPS[n.type].inputs if k not in have]
        if missing:
            raise errors.missing_required_inputs(n.id, missing)
    if release.field_validation:
        validate_field_values(sorted_nodes)
    return sorted_nodes


def _check_graph(nodes: Sequence[Node], edges: Sequence[Edge]) -> set[str]:
    """§5's graph checks before sorting (unique node ids, edges between known distinct nodes, a start
    node); returns the node ids."""
    ids: set[str] = set()
    for n in nodes:
        if n.id in ids:
            raise errors.duplicate_node(n.id)
        ids.add(n.id)
    for e in edges:
        if e.source not in ids:
            raise errors.edge_source_missing(e.source)
        if e.dest not in ids:
            raise errors.edge_dest_missing(e.dest)
        if e.source == e.dest:
            raise errors.edge_self_loop(e.source)
    dests = {e.dest for e in edges}
    if all(n.id in dests for n in nodes):
        raise errors.no_start_node()
    return ids


def _check_steps(sorted_nodes: list[Node], release: Release, generic: FlowError,
                 installed_plugins: tuple[str, ...]) -> None:
    """§5's per-step checks, each over every node in topological order before the next: the step
    exists in this release, its `node_timeout` parses and is not negative, its plugins are installed."""
    for n in sorted_nodes:
        if n.type not in STEPS or not release.has_step(n.type):
            raise errors.step_not_implemented(n.type)
    for n in sorted_nodes:
        raw = n.user_inputs.get("node_timeout")
        if raw is not None:
            try:
                seconds = parse_time_value(str(raw))
            except ValueError:
                raise generic from None
            if seconds < 0:
                raise errors.negative_node_timeout(str(raw), n.id)
    for n in sorted_nodes:  # §5 check 9: only fails when the ML plugin is switched off in Settings
        absent = [p for p in STEPS[n.type].plugins if p not in installed_plugins]
        if absent:
            raise errors.missing_plugins(n.type, absent)

