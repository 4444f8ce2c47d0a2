"""Reprovision planning as `ReprovisionWorkflowTransportAction` diffs templates (reference §10.2)."""
from __future__ import annotations

from emulator.opensearch_flow import errors
from emulator.opensearch_flow.domain import Workflow
from emulator.opensearch_flow.models import ResourceEntry
from emulator.opensearch_flow.step_runs import WorkflowData
from emulator.opensearch_flow.steps import STEPS
from emulator.opensearch_flow.template import node_signature


def plan_reprovision(existing: Workflow | None, workflow: Workflow,
                     resources: list[ResourceEntry]) -> tuple[dict[str, WorkflowData], dict[str, str]]:
    """Return (replayed outputs of unchanged resource nodes, node id -> update step for changed nodes);
    `existing` is the stored template's provision workflow."""
    old = {n.id: n for n in existing.nodes} if existing is not None else {}
    new = {n.id: n for n in workflow.nodes}
    if any(node_id not in new for node_id in old):
        raise errors.reprovision_node_deleted()
    replay: dict[str, WorkflowData] = {}
    overrides: dict[str, str] = {}
    added = False
    for node_id, node in new.items():
        before = old.get(node_id)
        if before is None:
            added = True
            continue
        if before.type == node.type and node_signature(before) == node_signature(node):
            recorded = {e["resource_type"]: e["resource_id"] for e in resources if e["workflow_step_id"] == node_id}
            if recorded:
                # unchanged nodes replay their recorded resource as output (§10.2)
                replay[node_id] = recorded
            continue
        spec = STEPS.get(before.type)
        if spec is not None and spec.update is not None:
            overrides[node_id] = spec.update
        elif spec is not None and spec.resource_type is not None:
            raise errors.reprovision_step_not_updatable(node_id)
        else:
            raise errors.update_step_unknown(before.type)
    if not overrides and not added:
        raise errors.no_modifications()
    return replay, overrides
