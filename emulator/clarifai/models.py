"""Stored Clarifai workflows, workflow versions and workflow nodes (reference §4), per user and app,
and their JSON.

A workflow's `nodes` are those of its latest version (§4); each version keeps its own node tuple
and, lazily, its predict execution plan (predict is the hot path). Nodes are typed (`WorkflowNode`,
`NodeModel`): the wire form is read once, by `NodeSpec.from_json`, and written once, by `to_json`.
Stored values are replaced, never mutated in place, so `to_json` shares them with the response.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, TypedDict

from emulator.clarifai import wire

PRIVATE = 10  # Visibility.Gettable.PRIVATE, the default for new workflows (§5)


@dataclass(frozen=True)
class ModelRef:
    """A node's model as a request names it (resources.proto WorkflowNode.model): `model.id`, and
    optionally `model.model_version.id`, `model.user_id`, `model.app_id` (the app that owns it)."""
    id: str
    version_id: str | None = None
    user_id: str | None = None
    app_id: str | None = None


@dataclass(frozen=True)
class NodeSpec:
    """A workflow node as a request gives it (PostWorkflows, PatchWorkflows, the public catalogue),
    before validation.py resolves its model and checks the graph."""
    id: str
    model: ModelRef | None  # None: the request named no model id
    node_inputs: tuple[str, ...] = ()  # the `node_id` of each NodeInput, as given
    suppress_output: bool = False
    output_info_override: dict[str, Any] | None = None

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> NodeSpec:
        m = d.get("model") or {}
        ref = (ModelRef(str(m["id"]), (m.get("model_version") or {}).get("id") or None, m.get("user_id") or None,
                        m.get("app_id") or None) if m.get("id") else None)
        return cls(str(d.get("id") or ""), ref, tuple(str(i.get("node_id") or "") for i in d.get("node_inputs") or ()),
                   bool(d.get("suppress_output")), d.get("output_info_override") or None)


@dataclass(frozen=True)
class WorkflowSpec:
    """A workflow as PostWorkflows gives it (resources.proto Workflow), before validation."""
    id: str
    nodes: tuple[NodeSpec, ...]
    visibility: int  # Visibility.Gettable; 0 = not given
    description: str = ""
    notes: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)  # a google.protobuf.Struct: free-form
    use_cases: tuple[str, ...] = ()
    check_consents: tuple[str, ...] = ()
    image: dict[str, Any] | None = None  # an Image message, stored and shown as given

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> WorkflowSpec:
        return cls(str(d.get("id") or ""), tuple(NodeSpec.from_json(n) for n in d.get("nodes") or ()),
                   int((d.get("visibility") or {}).get("gettable") or 0), str(d.get("description") or ""),
                   str(d.get("notes") or ""), dict(d.get("metadata") or {}), tuple(d.get("use_cases") or ()),
                   tuple(d.get("check_consents") or ()), d.get("image"))


@dataclass(frozen=True)
class NodeModel:
    """The model a stored node runs, resolved in the catalogue when the node was made: custom models
    resolve in the app that owns them (`user_id`, `app_id`)."""
    id: str
    version_id: str
    user_id: str
    app_id: str
    model_type_id: str
    # the Model message the node shows (catalog.shared_model_json): shared, never mutated
    shown: dict[str, Any] = field(hash=False)


@dataclass(frozen=True)
class WorkflowNode:
    id: str
    model: NodeModel
    node_inputs: tuple[str, ...] = ()  # upstream node ids, without repeats
    suppress_output: bool = False
    output_info_override: dict[str, Any] | None = field(default=None, hash=False)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "model": self.model.shown}
        if self.node_inputs:
            out["node_inputs"] = [{"node_id": i} for i in self.node_inputs]
        if self.suppress_output:
            out["suppress_output"] = True
        if self.output_info_override:
            out["output_info_override"] = self.output_info_override
        return out

    def to_patch(self) -> dict[str, Any]:
        """The node as a PATCH request would give it: only model.id and model_version.id matter (§4)."""
        out = self.to_json()
        out["model"] = {"id": self.model.id, "model_version": {"id": self.model.version_id}}
        if "node_inputs" in out:  # a fresh list: merging may extend it
            out["node_inputs"] = [dict(i) for i in out["node_inputs"]]
        return out


@dataclass
class WorkflowVersion:
    id: str
    workflow_id: str
    user_id: str
    app_id: str
    created_at: float
    modified_at: float
    nodes: tuple[WorkflowNode, ...]
    visibility: int = PRIVATE
    metadata: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    license: str = ""
    is_deprecated: bool = False
    plan: Any = field(default=None, metadata={"transient": True})  # predict.Plan, built on first predict

    def to_json(self, with_nodes: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "workflow_id": self.workflow_id,
                               "created_at": wire.timestamp(self.created_at),
                               "modified_at": wire.timestamp(self.modified_at),
                               "visibility": {"gettable": self.visibility}, "metadata": self.metadata,
                               "app_id": self.app_id, "user_id": self.user_id}
        if with_nodes:
            out["nodes"] = [n.to_json() for n in self.nodes]
        if self.description:
            out["description"] = self.description
        if self.license:
            out["license"] = self.license
        if self.is_deprecated:
            out["is_deprecated"] = True
        return out


_seq = itertools.count()


class WorkflowEdit(TypedDict, total=False):
    """The workflow fields one PatchWorkflows item changes (a key that is absent stays as it is)."""
    description: str
    notes: str
    metadata: dict[str, Any]
    visibility: int
    image: dict[str, Any] | None
    use_cases: list[str]
    check_consents: list[str]


@dataclass
class Workflow:
    id: str
    user_id: str
    app_id: str
    created_at: float
    modified_at: float
    versions: dict[str, WorkflowVersion]  # creation order; the last one is the latest
    description: str = ""
    notes: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    visibility: int = PRIVATE
    use_cases: list[str] = field(default_factory=list)
    check_consents: list[str] = field(default_factory=list)
    image: dict[str, Any] | None = None
    seq: int = field(default_factory=lambda: next(_seq))

    @property
    def latest(self) -> WorkflowVersion:
        return next(reversed(self.versions.values()))

    @property
    def nodes(self) -> tuple[WorkflowNode, ...]:
        return self.latest.nodes

    def edit(self, e: WorkflowEdit) -> None:
        if "description" in e:
            self.description = e["description"]
        if "notes" in e:
            self.notes = e["notes"]
        if "metadata" in e:
            self.metadata = e["metadata"]
        if "visibility" in e:
            self.visibility = e["visibility"]
        if "image" in e:
            self.image = e["image"]
        if "use_cases" in e:
            self.use_cases = e["use_cases"]
        if "check_consents" in e:
            self.check_consents = e["check_consents"]

    def to_json(self, stars: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "app_id": self.app_id, "user_id": self.user_id,
                               "created_at": wire.timestamp(self.created_at),
                               "modified_at": wire.timestamp(self.modified_at),
                               "nodes": [n.to_json() for n in self.nodes], "metadata": self.metadata,
                               "visibility": {"gettable": self.visibility},
                               "version": self.latest.to_json(with_nodes=False),
                               # cl_show_if_empty (§1)
                               "use_cases": list(self.use_cases), "check_consents": list(self.check_consents)}
        if self.description:
            out["description"] = self.description
        if self.notes:
            out["notes"] = self.notes
        if self.image:
            out["image"] = self.image
        if stars:
            out["is_starred"] = False
            out["star_count"] = 0
        return out


class WorkflowStore:
    """All workflows of one tenant, by (user_id, app_id) then workflow id (insertion order)."""

    def __init__(self) -> None:
        self.apps: dict[tuple[str, str], dict[str, Workflow]] = {}

    def app(self, user_id: str, app_id: str) -> dict[str, Workflow]:
        return self.apps.setdefault((user_id, app_id), {})

    def user_workflows(self, user_id: str) -> list[Workflow]:
        return [wf for (u, _), wfs in self.apps.items() if u == user_id for wf in wfs.values()]

    def count(self) -> int:
        return sum(len(w) for w in self.apps.values())

    def dump(self) -> dict[str, Any]:
        return {f"{u}/{a}": [wf.to_json() for wf in wfs.values()] for (u, a), wfs in self.apps.items()}
