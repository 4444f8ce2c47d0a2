"""The narrow interface provisioning and deprovisioning write through (reference §6.2, §7, §8): the
state document's lifecycle fields and its `resources_created` list, the fake cluster the steps act on,
and the trace the dashboard reads.

`FlowState` (state.py) implements it; `ProvisionRun` and `deprovision.undo_resources` see only this,
so they never reach the templates index, the runs table or the transport actions.
"""
from __future__ import annotations

from typing import Protocol

from emulator.opensearch_flow.cluster import Cluster
from emulator.opensearch_flow.models import ResourceEntry, StateDoc
from emulator.opensearch_flow.trace import FlowTrace


class Ledger(Protocol):
    @property
    def cluster(self) -> Cluster: ...

    @property
    def trace(self) -> FlowTrace: ...

    def state_of(self, workflow_id: str) -> StateDoc | None:
        """The workflow's state document, None when it has none."""

    def set_state(self, workflow_id: str, fields: StateDoc, remove: tuple[str, ...] = ()) -> None:
        """Partial update of the state document (a missing one stays missing, as the plugin's writes)."""

    def reset_state(self, workflow_id: str) -> None:
        """After a full deprovision: back to the create-time document, or gone with its template (§6.2)."""

    def record_resource(self, workflow_id: str, entry: ResourceEntry) -> None:
        """Append to `resources_created` as a step creates its resource (§7)."""

    def drop_resource(self, workflow_id: str, entry: ResourceEntry) -> None:
        """Remove from `resources_created` as its undo step deletes it (§8)."""
