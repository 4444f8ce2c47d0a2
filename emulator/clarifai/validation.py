"""Clarifai workflow validation rules (reference §6): ids, nodes, node_inputs, cycles, node limit.

A valid node list comes back normalised for storage: each node's `model` is the catalogue's full
Model (with `model_version`), and the list is in the execution order the server stores (§5: a
topological order that keeps the given order when it is already valid).
"""
from __future__ import annotations

import re
from typing import Any

from emulator.clarifai import chaining, errors
from emulator.clarifai.catalog import ModelCatalog, shared_model_json
from emulator.clarifai.model_defs import PUBLIC
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


def build_nodes(catalog: ModelCatalog, nodes: list[dict[str, Any]], owner: tuple[str, str] | None = None,
                caller: str | None = None) -> list[dict[str, Any]]:
    """`owner` is the app the workflow lives in: a node's model without user_id/app_id is looked up there
    first, then among the public ones; `caller` may use its own models and anyone's public ones."""
    if not nodes:
        raise errors.invalid_argument("A workflow must have at least one node")
    if len(nodes) > MAX_NODES:
        raise errors.invalid_argument(f"A workflow can have at most {MAX_NODES} nodes, got {len(nodes)}")
    ids: list[str] = []
    for n in nodes:
        nid = n.get("id", "")
        if not nid:
            raise errors.invalid_argument("Every workflow node needs an id")
        if nid in ids:
            raise errors.invalid_graph(f"Duplicate node id '{nid}' in workflow")
        ids.append(nid)
    by_id: dict[str, dict[str, Any]] = {}
    edges: list[tuple[str, str]] = []
    types: dict[str, str] = {}
    for n in nodes:
        model = n.get("model") or {}
        if not model.get("id"):
            raise errors.invalid_argument(f"Node '{n['id']}' must name a model (model.id)")
        version_id = (model.get("model_version") or {}).get("id")
        where = ((str(model.get("user_id") or owner[0]), str(model.get("app_id") or owner[1]))
                 if owner is not None else None)
        found = catalog.get(model["id"], where)
        if found is not None and caller is not None and found.user_id != caller and found.visibility != PUBLIC:
            raise errors.model_not_found(model["id"])  # another user's private model
        if found is not None and not found.version_ids:
            raise errors.model_untrained(model["id"])
        mdef, version = catalog.resolve(model["id"], version_id.lower() if version_id else None, where)
        inputs: list[dict[str, str]] = []
        for ni in n.get("node_inputs") or []:
            src = ni.get("node_id", "")
            if src not in ids:
                raise errors.invalid_graph(f"Node '{n['id']}' has node_inputs node_id '{src}' "
                                           "which is not a node of this workflow")
            if src == n["id"]:
                raise errors.invalid_graph(f"Node '{n['id']}' cannot be its own input")
            if any(i["node_id"] == src for i in inputs):
                continue
            inputs.append({"node_id": src})
            edges.append((src, n["id"]))
        types[n["id"]] = mdef.model_type_id
        stored: dict[str, Any] = {"id": n["id"], "model": shared_model_json(mdef, version)}
        if inputs:
            stored["node_inputs"] = inputs
        if n.get("suppress_output"):
            stored["suppress_output"] = True
        if n.get("output_info_override"):
            stored["output_info_override"] = n["output_info_override"]
        by_id[n["id"]] = stored
    try:
        order = stable_topological_order(ids, edges)
    except CycleError as exc:
        cyc = ", ".join(f"{s}->{d}" for s, d in exc.remaining_edges)
        raise errors.invalid_graph(f"Workflow graph has a cycle: {cyc}") from None
    chaining.check(order, edges, types)  # after the cycle check: a cycle is the graph's first fault
    return [by_id[i] for i in order]
