"""The plugin's `Template`, `Workflow`, `WorkflowNode` and `WorkflowEdge` (reference §4.1): their stored JSON
shapes, typed, and the frozen values validation, provisioning and reprovision work on.

Templates stay JSON in the templates index (search and `_source` filtering read them as documents),
typed by `Template`; a workflow is turned into values once, where a transport action takes it out of
its template, and back into its stored shape only for a state file (a run in flight, state.py).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypedDict


class NodeDoc(TypedDict):
    id: str
    type: str
    previous_node_inputs: dict[str, str]
    user_inputs: dict[str, Any]


class EdgeDoc(TypedDict):
    source: str
    dest: str


class WorkflowDoc(TypedDict):
    user_params: dict[str, str]
    nodes: list[NodeDoc]
    edges: list[EdgeDoc]


class VersionDoc(TypedDict, total=False):
    template: str
    compatibility: list[str]


class Template(TypedDict, total=False):
    """A template as parse_template stores it and render_template answers it (§4.2, §4.4), in field order."""

    name: str
    description: str
    use_case: str
    version: VersionDoc
    workflows: dict[str, WorkflowDoc]
    ui_metadata: dict[str, Any]
    created_time: int | None  # copied from the stored template on update (None only if it had none)
    last_updated_time: int
    last_provisioned_time: int | None


@dataclass(frozen=True)
class Node:
    id: str
    type: str
    previous_node_inputs: Mapping[str, str]  # predecessor node id -> the output key it feeds in
    user_inputs: Mapping[str, Any]

    @classmethod
    def of(cls, doc: NodeDoc) -> Node:
        return cls(doc["id"], doc["type"], doc["previous_node_inputs"], doc["user_inputs"])

    def doc(self) -> NodeDoc:
        return {"id": self.id, "type": self.type, "previous_node_inputs": dict(self.previous_node_inputs),
                "user_inputs": dict(self.user_inputs)}


@dataclass(frozen=True)
class Edge:
    source: str
    dest: str


@dataclass(frozen=True)
class Workflow:
    user_params: Mapping[str, str]
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]  # explicit ones first, then those inferred from previous_node_inputs (§4.2)

    @classmethod
    def of(cls, doc: WorkflowDoc) -> Workflow:
        return cls(doc["user_params"], tuple(Node.of(n) for n in doc["nodes"]),
                   tuple(Edge(e["source"], e["dest"]) for e in doc["edges"]))

    def doc(self) -> WorkflowDoc:
        return {"user_params": dict(self.user_params), "nodes": [n.doc() for n in self.nodes],
                "edges": [{"source": e.source, "dest": e.dest} for e in self.edges]}

    def predecessors(self) -> dict[str, list[str]]:
        """Each node's direct predecessors, in edge order, without duplicates."""
        preds: dict[str, list[str]] = {n.id: [] for n in self.nodes}
        for e in self.edges:
            if e.source not in preds[e.dest]:
                preds[e.dest].append(e.source)
        return preds
