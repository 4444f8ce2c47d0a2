"""Deprovisioning as `DeprovisionWorkflowTransportAction` does it (reference §8, seed docs 000/001).

Undo steps run in reverse creation order in progress-based passes: 100 ms after each success,
1 s between passes, and the loop stops after a pass in which nothing succeeded. All waits are on
the tenant clock, so a manual clock makes the retry timeline deterministic.
"""
from __future__ import annotations

from typing import Any

from emulator.core.emulator import Tenant
from emulator.opensearch_flow import errors
from emulator.opensearch_flow.cluster import ClusterError
from emulator.opensearch_flow.errors import FlowError
from emulator.opensearch_flow.hooks import FLOW_STEP
from emulator.opensearch_flow.ledger import Ledger
from emulator.opensearch_flow.models import Progress, ResourceEntry, State, StateDoc
from emulator.opensearch_flow.step_runs import StepContext
from emulator.opensearch_flow.steps import STEPS, deprovision_step_for

SUCCESS_PAUSE_S = 0.1
PASS_PAUSE_S = 1.0


def _label(entry: ResourceEntry) -> str:
    return f"{entry['resource_type']} {entry['resource_id']}"


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


async def undo_resources(ledger: Ledger, scope: Tenant, workflow_id: str, allow_delete: set[str],
                         *, allow_delete_supported: bool) -> StateDoc:
    """The transport action's work once its checks passed (backend.deprovision_workflow); traced."""
    state = ledger.state_of(workflow_id)
    if state is None:
        raise errors.deprovision_state_not_found(workflow_id)
    call = ledger.trace.deprovision_started(workflow_id, allow_delete)
    try:
        result = await _deprovision(ledger, scope, workflow_id, state, allow_delete, call, allow_delete_supported)
    except FlowError as exc:
        ledger.trace.deprovision_ended(call, exc.status, exc.message)
        raise
    ledger.trace.deprovision_ended(call, 200)
    return result


async def _deprovision(ledger: Ledger, scope: Tenant, workflow_id: str, state: StateDoc,
                       allow_delete: set[str], call: dict[str, Any], allow_delete_supported: bool) -> StateDoc:
    trace = ledger.trace
    to_delete: list[ResourceEntry] = []
    skipped: list[ResourceEntry] = []
    for entry in state.get("resources_created") or []:
        undo = deprovision_step_for(entry["workflow_step_name"])
        if undo is None:
            raise errors.deprovision_step_unknown(entry["workflow_step_name"])
        if undo.needs_allow_delete and not allow_delete_supported:
            # before 2.16 indices undo as a noop and pipelines have no undo step (WorkflowResources.java
            # 2.15.0.0:57-61): the resource stays in the cluster and leaves the state
            ledger.drop_resource(workflow_id, entry)
            continue
        if undo.needs_allow_delete and entry["resource_id"] not in allow_delete:
            skipped.append(entry)
        else:
            to_delete.append(entry)
    if skipped:
        trace.event(call, "skipped", resources=[_label(e) for e in skipped], reason="requires allow_delete")
    remaining = list(reversed(to_delete))
    passes = 0
    while remaining:
        passes += 1
        trace.event(call, "pass", n=passes, resources=[_label(e) for e in remaining])
        progressed = False
        failed: list[ResourceEntry] = []
        for entry in remaining:
            error, fault = await _undo(ledger, scope, workflow_id, entry)
            trace.event(call, "attempt", n=passes, resource=_label(entry), node_id=entry["workflow_step_id"],
                        outcome="refused" if error else "deleted", error=error, fault=fault)
            if error is None:
                ledger.drop_resource(workflow_id, entry)
                progressed = True
                trace.event(call, "pause", seconds=SUCCESS_PAUSE_S, reason="after a deletion")
                await scope.clock.sleep(SUCCESS_PAUSE_S)
            else:
                failed.append(entry)
        remaining = failed
        if not remaining or not progressed:
            break
        trace.event(call, "pause", seconds=PASS_PAUSE_S, reason="between passes")
        await scope.clock.sleep(PASS_PAUSE_S)
    if not remaining and not skipped:
        ledger.reset_state(workflow_id)
        return {"workflow_id": workflow_id}
    ledger.set_state(workflow_id, {"state": State.COMPLETED.value, "provisioning_progress": Progress.DONE.value,
                                   "provision_end_time": scope.clock.now_ms(),
                                   "resources_created": remaining + skipped})
    raise errors.deprovision_failed(_dedupe([_label(e) for e in remaining]), _dedupe([_label(e) for e in skipped]))


async def _undo(ledger: Ledger, scope: Tenant, workflow_id: str, entry: ResourceEntry) -> tuple[str | None, str | None]:
    """One deletion attempt: (None, None) when deleted, else (why, the fault rule if one fired); a
    refused entry is kept for the next pass (§8 step 4)."""
    spec = deprovision_step_for(entry["workflow_step_name"])
    assert spec is not None
    effect = scope.faults.fire(FLOW_STEP, phase="deprovision", step_type=entry["workflow_step_name"],
                               node_id=entry["workflow_step_id"], resource_type=entry["resource_type"],
                               resource_id=entry["resource_id"], workflow_id=workflow_id)
    delay = min(spec.latency_s * scope.settings.step_latency_scale, scope.settings.request_timeout_s)
    if delay > 0:
        await scope.clock.sleep(delay)
    if effect is not None:
        return str(effect.get("message") or f"step_error injected by fault rule {effect.get('rule')}"), \
            effect.get("rule")
    ctx = StepContext(cluster=ledger.cluster, new_id=scope.ids.opensearch_id,
                      inputs={entry["resource_type"]: entry["resource_id"]}, node_id=entry["workflow_step_id"],
                      workflow_id=workflow_id)
    try:
        STEPS[spec.name].run(ctx)
    except (ClusterError, FlowError) as exc:
        return exc.message, None
    return None, None
