"""Stored Clarifai workflows and workflow versions (reference §4), per user and app, and their JSON.

A workflow's `nodes` are those of its latest version (§4); each version keeps its own node list
and, lazily, its predict execution plan (predict is the hot path). Stored values are replaced,
never mutated in place, so `to_json` shares them with the response instead of copying.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from emulator.clarifai import wire

PRIVATE = 10  # Visibility.Gettable.PRIVATE, the default for new workflows (§5)


@dataclass
class WorkflowVersion:
    id: str
    workflow_id: str
    user_id: str
    app_id: str
    created_at: float
    modified_at: float
    nodes: list[dict[str, Any]]
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
            out["nodes"] = self.nodes
        if self.description:
            out["description"] = self.description
        if self.license:
            out["license"] = self.license
        if self.is_deprecated:
            out["is_deprecated"] = True
        return out


_seq = itertools.count()


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
    def nodes(self) -> list[dict[str, Any]]:
        return self.latest.nodes

    def to_json(self, stars: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "app_id": self.app_id, "user_id": self.user_id,
                               "created_at": wire.timestamp(self.created_at),
                               "modified_at": wire.timestamp(self.modified_at),
                               "nodes": self.nodes, "metadata": self.metadata,
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
