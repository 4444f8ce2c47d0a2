"""Clarifai workflow validation rules (reference §6): ids, nodes, node_inputs, cycles, node limit.

A valid node list comes back normalised for storage: each node's `model` is resolved in the catalogue
(its Model message, with `model_version`, is what the node shows), and the nodes are in the execution
order the server stores (§5: a topological order that keeps the given order when it is already valid).
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from emulator.clarifai import chaining, errors
from emulator.clarifai.catalog import ModelCatalog, shared_model_json
from emulator.clarifai.model_defs import PUBLIC
from emulator.clarifai.models import NodeModel, NodeSpec, WorkflowNode
from emulator.core.graph import CycleError, stable_topological_order

# §6: the SDK's validator; the live API accepts at least 36 chars, the SDK allows 48
WORKFLOW_ID = re.compile(r"^[0-9A-Za-z]+([-_][0-9A-Za-z]+)*$")
MAX_ID_LENGTH = 48
MAX_NODES = 20  # §6: up to 20 models per workflow (current docs)


def check_workflow_id(wf_id: str) -> None:
    if not wf_id:
        raise errors.invalid_argument("Workflow ID is required")
    if len(wf_id) > MAX_ID_LENGTH:
        raise errors.invalid_argument(f"Workflow ID '{wf_id}' is too long: at most {MAX_ID_LENGTH} characters")
    if not WORKFLOW_ID.match(wf_id):
        raise errors.invalid_argument(
            f"Invalid workflow ID '{wf_id}': use letters, digits and single '-' or '_' separators, "
            "not at the start or end")


def build_nodes(catalog: ModelCatalog, nodes: Sequence[NodeSpec], owner: tuple[str, str] | None = None,
                caller: str | None = None) -> tuple[WorkflowNode, ...]:
    """`owner` is the app the workflow lives in: a node's model without user_id/app_id is looked up there
    first, then among the public ones; `caller` may use its own models and anyone's public ones."""
    if not nodes:
        raise errors.invalid_argument("A workflow must have at least one node")
    if len(nodes) > MAX_NODES:
        raise errors.invalid_argument(f"A workflow can have at most {MAX_NODES} nodes, got {len(nodes)}")
    ids: list[str] = []
    for n in nodes:
        if not n.id:
            raise errors.invalid_argument("Every workflow node needs an id")
        if n.id in ids:
            raise errors.invalid_graph(f"Duplicate node id '{n.id}' in workflow")
        ids.append(n.id)
    by_id: dict[str, WorkflowNode] = {}
    edges: list[tuple[str, str]] = []
    types: dict[str, str] = {}
    for n in nodes:
        model = _node_model(catalog, n, owner, caller)
        inputs: list[str] = []
        for src in n.node_inputs:
            if src not in ids:
                raise errors.invalid_graph(f"Node '{n.id}' has node_inputs node_id '{src}' "
                                           "which is not a node of this workflow")
            if src == n.id:
                raise errors.invalid_graph(f"Node '{n.id}' cannot be its own input")
            if src in inputs:
                continue
            inputs.append(src)
            edges.append((src, n.id))
        types[n.id] = model.model_type_id
        by_id[n.id] = WorkflowNode(n.id, model, tuple(inputs), n.suppress_output, n.output_info_override)
    try:
        order = stable_topological_order(ids, edges)
    except CycleError as exc:
        cyc = ", ".join(f"{s}->{d}" for s, d in exc.remaining_edges)
        raise errors.invalid_graph(f"Workflow graph has a cycle: {cyc}") from None
    chaining.check(order, edges, types)  # after the cycle check: a cycle is the graph's first fault
    return tuple(by_id[i] for i in order)


def _node_model(catalog: ModelCatalog, n: NodeSpec, owner: tuple[str, str] | None,
                caller: str | None) -> NodeModel:
    ref = n.model
    if ref is None:
        raise errors.invalid_argument(f"Node '{n.id}' must name a model (model.id)")
    where = (ref.user_id or owner[0], ref.app_id or owner[1]) if owner is not None else None
    found = catalog.get(ref.id, where)
    if found is not None and caller is not None and found.user_id != caller and found.visibility != PUBLIC:
        raise errors.model_not_found(ref.id)  # another user's private model
    if found is not None and not found.version_ids:
        raise errors.model_untrained(ref.id)
    mdef, version = catalog.resolve(ref.id, ref.version_id.lower() if ref.version_id else None, where)
    return NodeModel(mdef.id, version, mdef.user_id, mdef.app_id, mdef.model_type_id,
                     shared_model_json(mdef, version))
