"""The plugin's two system indices as in-memory document stores (reference §1.1, §6): templates and state."""
from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, TypedDict, cast


class State(str, Enum):  # noqa: UP042 - str(member) stays "State.X"; JSON and f-strings give the value
    NOT_STARTED = "NOT_STARTED"
    PROVISIONING = "PROVISIONING"
    FAILED = "FAILED"
    COMPLETED = "COMPLETED"


class Progress(str, Enum):  # noqa: UP042 - as State
    NOT_STARTED = "NOT_STARTED"
    IN_PROGRESS = "IN_PROGRESS"
    DONE = "DONE"
    FAILED = "FAILED"



@dataclass
class Doc:
    source: dict[str, Any]
    version: int
    seq_no: int


@dataclass
class DocIndex:
    """One OpenSearch index with auto-created existence, `_version` and `_seq_no` counters."""

    name: str
    docs: dict[str, Doc] = field(default_factory=dict)
    exists: bool = False
    next_seq: int = 0
    versions: dict[str, int] = field(default_factory=dict)  # survives deletes, like OpenSearch tombstones

    def _bump(self, doc_id: str) -> tuple[int, int]:
        self.exists = True
        seq = self.next_seq
        self.next_seq += 1
        version = self.versions.get(doc_id, 0) + 1
        self.versions[doc_id] = version
        return version, seq

    def index(self, doc_id: str, source: Mapping[str, Any]) -> Doc:
        version, seq = self._bump(doc_id)
        doc = self.docs[doc_id] = Doc(dict(source), version, seq)
        return doc

    def update(self, doc_id: str, partial: Mapping[str, Any], remove: tuple[str, ...] = ()) -> bool:
        """Partial update (a missing doc is a no-op, as the plugin's best-effort state writes are)."""
        doc = self.docs.get(doc_id)
        if doc is None:
            return False
        source = {**doc.source, **partial}
        for key in remove:
            source.pop(key, None)
        self.index(doc_id, source)
        return True

    def get(self, doc_id: str) -> dict[str, Any] | None:
        doc = self.docs.get(doc_id)
        return None if doc is None else doc.source

    def delete(self, doc_id: str) -> dict[str, Any]:
        """The raw OpenSearch delete response (§3.3), `not_found` for a missing id."""
        found = doc_id in self.docs
        version, seq = self._bump(doc_id)
        if found:
            del self.docs[doc_id]
        return {"_index": self.name, "_id": doc_id, "_version": version,
                "result": "deleted" if found else "not_found", "forced_refresh": True,
                "_shards": {"total": 1, "successful": 1, "failed": 0}, "_seq_no": seq, "_primary_term": 1}

    def __len__(self) -> int:
        return len(self.docs)

    def dump(self) -> dict[str, Any]:
        return {"exists": self.exists, "docs": {k: copy.deepcopy(d.source) for k, d in self.docs.items()}}


class ResourceEntry(TypedDict):
    """One `resources_created` item of the state document (§6.1), kept in the plugin's field order."""

    workflow_step_name: str
    workflow_step_id: str
    resource_type: str
    resource_id: str


class StateDoc(TypedDict, total=False):
    """A state index document (§6.1); every write to one is a partial `StateDoc`, so a field is spelt once."""

    workflow_id: str
    error: str | None
    state: str
    provisioning_progress: str
    provision_start_time: int
    provision_end_time: int
    user: dict[str, Any]
    user_outputs: dict[str, Any]
    resources_created: list[ResourceEntry]
    tenant_id: str
    all_shared_principals: list[str]


# the `_status?all=true` field order (§6.1)
STATE_FIELDS = tuple(StateDoc.__annotations__)


def initial_state(workflow_id: str) -> StateDoc:
    """The create-time state document (§6.2), also what a full deprovision writes back."""
    return {"workflow_id": workflow_id, "state": State.NOT_STARTED.value,
            "provisioning_progress": Progress.NOT_STARTED.value}


def render_state(doc: Mapping[str, Any], *, all_fields: bool) -> StateDoc:
    """`_status` output (§3.6, §6.1): field order, nulls and empties omitted."""
    if all_fields:
        keys: tuple[str, ...] = STATE_FIELDS
    else:
        keys = ("workflow_id", "error", "state", "resources_created")
    out: dict[str, Any] = {}
    for key in keys:
        v = doc.get(key)
        if v is None or (key == "resources_created" and not v):
            continue
        out[key] = copy.deepcopy(v)
    return cast(StateDoc, out)  # keys from STATE_FIELDS, which are StateDoc's


def resource_entry(step_name: str, node_id: str, resource_type: str, resource_id: str) -> ResourceEntry:
    return {"workflow_step_name": step_name, "workflow_step_id": node_id, "resource_type": resource_type,
            "resource_id": resource_id}
