"""What of the Flow Framework survives a restart: both system indices, the fake cluster, the tenant's
credential master key (the plugin keeps it in its config index, so encrypted credentials stay readable),
and provisioning runs still in flight, which resume where they were.

A run in flight is saved with the outputs of the nodes it finished (`FlowState.snapshot_extra`); on
load those nodes are replayed (their resources are already in `resources_created`) and the rest run
again, as if the step that was running when the server stopped had just started.
"""
from __future__ import annotations

from typing import Any, TypedDict

from emulator.core.snapshot import Part
from emulator.opensearch_flow.cluster import Cluster
from emulator.opensearch_flow.domain import NodeDoc, WorkflowDoc
from emulator.opensearch_flow.models import DocIndex


def _set(attr: str) -> Any:
    def setter(backend: Any, value: Any) -> None:
        setattr(backend, attr, value)
    return setter


def _master_key(backend: Any) -> dict[str, str]:
    return {"master_key": backend.cipher.key.hex()}


def _set_master_key(backend: Any, value: dict[str, str]) -> None:
    backend.cipher.key = bytes.fromhex(value["master_key"])


class SavedRun(TypedDict):
    """One run in flight as the state file keeps it (under `$extra.runs`)."""

    workflow_id: str
    workflow: WorkflowDoc
    order: list[NodeDoc]  # topological order, as validation gave it
    params: dict[str, str]
    finished: dict[str, dict[str, Any]]  # node id -> outputs of the nodes done
    step_override: dict[str, str]
    reprovision: bool
    tenant_id: str | None


PARTS = (
    Part("templates", DocIndex, lambda b: b.templates, _set("templates")),
    Part("state", DocIndex, lambda b: b.state, _set("state")),
    Part("cluster", Cluster, lambda b: b.cluster, _set("cluster")),
    Part("credentials", dict[str, str], _master_key, _set_master_key, secret_paths=("master_key",)),
)
