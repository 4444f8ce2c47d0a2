"""The Flow Framework plugin's transport actions (reference §2-§10): one function per REST operation, each
taking the tenant's `FlowState` (state.py) and the request the REST layer parsed."""
from __future__ import annotations

import asyncio
from typing import Any, cast

from emulator.opensearch_flow import errors, search
from emulator.opensearch_flow.deprovision import undo_resources
from emulator.opensearch_flow.domain import Node, Template, Workflow
from emulator.opensearch_flow.errors import FlowError
from emulator.opensearch_flow.models import Progress, State, StateDoc, initial_state, render_state
from emulator.opensearch_flow.provisioning import ProvisionRun
from emulator.opensearch_flow.reprovision import plan_reprovision
from emulator.opensearch_flow.sorter import validate_workflow
from emulator.opensearch_flow.state import FlowState
from emulator.opensearch_flow.steps import DENY_LISTED, STEPS, step_json
from emulator.opensearch_flow.template import render_template
from emulator.opensearch_flow.write_request import WriteRequest, checked_template, merged_fields


# --- shared -----------------------------------------------------------------------------
def _check_enabled(flow: FlowState) -> None:
    if not flow.tenant.settings.flow_enabled:
        raise errors.disabled()


def _throttle(flow: FlowState, tenant_id: str | None, deprovision: bool) -> None:
    """Multi-tenancy only (§1.4, §12): a tenant id is required and concurrent runs are capped."""
    if not flow.tenant.settings.flow_multi_tenancy:
        return
    if not tenant_id:
        raise errors.no_tenant_permission()
    if deprovision:
        limit = flow.tenant.settings.flow_max_active_deprovisions_per_tenant
        if flow.deprovisions.get(tenant_id, 0) >= limit:
            raise errors.tenant_deprovision_throttled(limit)
        return
    limit = flow.tenant.settings.flow_max_active_provisions_per_tenant
    if sum(1 for wid in flow.runs if flow.run_tenants.get(wid) == tenant_id) >= limit:
        raise errors.tenant_provision_throttled(limit)


def _template(flow: FlowState, workflow_id: str, missing_index: FlowError) -> Template:
    if not flow.templates.exists:
        raise missing_index
    t = flow.template_of(workflow_id)
    if t is None:
        raise errors.template_not_in_global_context(workflow_id)
    return t


def _validate_all(flow: FlowState, template: Template) -> None:
    for wf in (template.get("workflows") or {}).values():
        validate_workflow(Workflow.of(wf), workflow_id=None, max_steps=flow.tenant.settings.max_workflow_steps,
                          release=flow.release,
                          generic=errors.validation_failed_template(template.get("name", "")),
                          installed_plugins=_plugins(flow))


# --- create / update (§3.1, §10) ---------------------------------------------------------
async def create_workflow(flow: FlowState, req: WriteRequest) -> tuple[StateDoc, int]:
    template = checked_template(flow, req, "POST")
    if req.validation_all:
        _validate_all(flow, template)
    if len(flow.templates) >= flow.tenant.settings.max_workflows:
        raise errors.max_workflows(flow.tenant.settings.max_workflows)
    now = flow.tenant.clock.now_ms()
    workflow_id = flow.tenant.ids.opensearch_id()
    template["created_time"] = now
    template["last_updated_time"] = now
    flow.templates.index(workflow_id, template)
    flow.state.index(workflow_id, initial_state(workflow_id))
    if not req.provision:
        return {"workflow_id": workflow_id}, 201
    # §3.1 quirk: with wait_for_completion_timeout the substitution params are dropped
    params = {} if req.wait_timeout_s is not None else req.params
    body, _ = await provision_workflow(flow, workflow_id, params, req.wait_timeout_s, req.tenant_id)
    return body, 201 if flow.legacy_2x else 202


async def update_workflow(flow: FlowState, req: WriteRequest) -> tuple[StateDoc, int]:
    workflow_id = str(req.workflow_id)
    template = checked_template(flow, req, "PUT")
    existing = _template(flow, workflow_id, errors.template_not_retrieved(workflow_id))
    if req.validation_all:
        _validate_all(flow, template)
    now = flow.tenant.clock.now_ms()
    if req.update_fields:
        # CreateWorkflowTransportAction.handleWorkflowExists (:444-455): the fields are merged into the
        # stored template first; with reprovision the merged template is what gets reprovisioned
        template = merged_fields(existing, template, now)
    if req.reprovision:
        return await _reprovision(flow, workflow_id, existing, template, req)
    if req.update_fields:
        flow.templates.index(workflow_id, template)
        return {"workflow_id": workflow_id}, 201
    state: StateDoc = flow.state_of(workflow_id) or {}
    if state.get("provisioning_progress") != Progress.NOT_STARTED.value:
        raise errors.update_requires_not_started(workflow_id)
    template["created_time"] = existing.get("created_time")
    template["last_updated_time"] = now
    if existing.get("last_provisioned_time") is not None:
        template["last_provisioned_time"] = existing["last_provisioned_time"]
    flow.templates.index(workflow_id, template)
    flow.set_state(workflow_id, {"state": State.NOT_STARTED.value,
                                 "provisioning_progress": Progress.NOT_STARTED.value})
    # §16.1: PUT ?provision=true answers 202 but never provisions
    return {"workflow_id": workflow_id}, 202 if req.provision and not flow.legacy_2x else 201


async def _reprovision(flow: FlowState, workflow_id: str, existing: Template, template: Template,
                       req: WriteRequest) -> tuple[StateDoc, int]:
    state: StateDoc = flow.state_of(workflow_id) or {}
    if state.get("state") not in (State.COMPLETED.value, State.FAILED.value):
        raise errors.reprovision_requires_done(workflow_id)
    workflow = _provision_of(template)
    if workflow is None:
        raise errors.reprovision_validation_failed(workflow_id)
    try:
        order = _validate(flow, workflow, workflow_id)
    except FlowError:
        raise errors.reprovision_validation_failed(workflow_id) from None
    replay, overrides = plan_reprovision(_provision_of(existing), workflow, state.get("resources_created") or [])
    now = flow.tenant.clock.now_ms()
    flow.set_state(workflow_id, {"state": State.PROVISIONING.value,
                                 "provisioning_progress": Progress.IN_PROGRESS.value,
                                 "provision_start_time": now}, remove=("error",))
    template["created_time"] = existing.get("created_time")
    template["last_updated_time"] = now
    template["last_provisioned_time"] = now
    flow.templates.index(workflow_id, template)
    run = ProvisionRun(flow, flow.tenant, workflow_id, workflow, order, {}, replay=replay, step_override=overrides,
                      reprovision=True)
    body = await _start(flow, run, req.wait_timeout_s)
    return body, 201 if flow.legacy_2x else 202


# --- provision (§3.4) -------------------------------------------------------------------
def _provision_of(template: Template) -> Workflow | None:
    """The template's `provision` workflow as values (a stored template holds what parse_workflow made)."""
    doc = template.get("workflows", {}).get("provision")
    return None if doc is None else Workflow.of(doc)


def _validate(flow: FlowState, workflow: Workflow, workflow_id: str) -> list[Node]:
    return validate_workflow(workflow, workflow_id=workflow_id, max_steps=flow.tenant.settings.max_workflow_steps,
                             release=flow.release,
                             generic=errors.provision_validation_failed(workflow_id),
                             installed_plugins=_plugins(flow))


def _plugins(flow: FlowState) -> tuple[str, ...]:
    return ("opensearch-ml",) if flow.tenant.settings.flow_ml_plugin_installed else ()


async def provision_workflow(flow: FlowState, workflow_id: str, params: dict[str, str], wait_timeout_s: float | None,
                             tenant_id: str | None = None) -> tuple[StateDoc, int]:
    _check_enabled(flow)
    _throttle(flow, tenant_id, deprovision=False)
    template = _template(flow, workflow_id, errors.failed_to_get_template(workflow_id))
    workflow = _provision_of(template)
    if workflow is None:
        raise errors.no_provision_workflow(workflow_id)
    order = _validate(flow, workflow, workflow_id)
    state = flow.state_of(workflow_id)
    progress = (state or {}).get("provisioning_progress", "unknown")
    if progress != Progress.NOT_STARTED.value:
        raise errors.provision_state_not_started(progress, workflow_id)
    now = flow.tenant.clock.now_ms()
    flow.set_state(workflow_id, {"state": State.PROVISIONING.value,
                                 "provisioning_progress": Progress.IN_PROGRESS.value,
                                 "provision_start_time": now, "resources_created": []})
    flow.templates.update(workflow_id, {"last_provisioned_time": now})
    run = ProvisionRun(flow, flow.tenant, workflow_id, workflow, order, params)
    flow.run_tenants[workflow_id] = tenant_id
    body = await _start(flow, run, wait_timeout_s)
    return body, 200 if flow.legacy_2x else 202


async def _start(flow: FlowState, run: ProvisionRun, wait_timeout_s: float | None) -> StateDoc:
    flow.start_run(run)
    if wait_timeout_s is None or wait_timeout_s < 0:
        return {"workflow_id": run.workflow_id}
    # synchronous mode (§3.4): the outcome if it arrives in time, else the current snapshot
    timer: asyncio.Future[Any] = asyncio.ensure_future(flow.tenant.clock.sleep(wait_timeout_s))
    done: asyncio.Future[Any] = run.done
    await asyncio.wait({done, timer}, return_when=asyncio.FIRST_COMPLETED)
    timer.cancel()
    if run.done.done():
        outcome = run.done.result()
        if not outcome.ok:
            raise FlowError(outcome.status, str(outcome.error), exception="WorkflowStepException")
    state = flow.state_of(run.workflow_id)
    if state is None:
        return {"workflow_id": run.workflow_id, "error": errors.workflow_timed_out_state(), "state": "UNKNOWN"}
    return render_state(state, all_fields=False)


# --- deprovision, status, get, delete, steps ---------------------------------------------
async def deprovision_workflow(flow: FlowState, workflow_id: str, allow_delete: set[str],
                               tenant_id: str | None = None) -> StateDoc:
    _check_enabled(flow)
    _throttle(flow, tenant_id, deprovision=True)
    flow.deprovisions[tenant_id] = flow.deprovisions.get(tenant_id, 0) + 1
    try:
        return await undo_resources(flow, flow.tenant, workflow_id, allow_delete,
                                    allow_delete_supported=flow.release.allow_delete)
    finally:
        flow.deprovisions[tenant_id] -= 1


def get_workflow_status(flow: FlowState, workflow_id: str, all_fields: bool) -> StateDoc:
    _check_enabled(flow)
    doc = flow.state_of(workflow_id)
    if doc is None:
        raise errors.status_not_found(workflow_id)
    return render_state(doc, all_fields=all_fields)


def get_workflow(flow: FlowState, workflow_id: str) -> Template:
    _check_enabled(flow)
    return render_template(_template(flow, workflow_id, errors.no_templates_get()))


def delete_workflow(flow: FlowState, workflow_id: str, clear_status: bool | None) -> dict[str, Any]:
    _check_enabled(flow)
    if not flow.templates.exists:
        raise errors.no_templates_delete()
    if clear_status is None:
        # Booleans.parseBoolean throws in the transport action (DeleteWorkflowTransportAction.java:105);
        # the REST listener wraps any non-plugin exception (RestDeleteWorkflowAction.java:95-97)
        raise errors.plugin(400, "Failed to get workflow.")
    response = flow.templates.delete(workflow_id)
    state = flow.state_of(workflow_id)
    # §3.3: the state survives unless cleared or empty, and never while provisioning
    if state is not None and (clear_status or not state.get("resources_created")) \
            and state.get("provisioning_progress") != Progress.IN_PROGRESS.value:
        flow.state.delete(workflow_id)
    return response


def get_workflow_steps(flow: FlowState, names: list[str] | None) -> dict[str, Any]:
    _check_enabled(flow)
    if names is None:
        return {n: step_json(s) for n, s in STEPS.items() if n not in DENY_LISTED and flow.release.has_step(n)}
    out: dict[str, Any] = {}
    for n in names:
        if n not in STEPS or n in DENY_LISTED or not flow.release.has_step(n):
            raise errors.steps_json_failed()  # the inner `Invalid step name` is swallowed (§3.7)
        out[n] = step_json(STEPS[n])
    return out


# --- search (§3.8) ----------------------------------------------------------------------
def search_workflows(flow: FlowState, body: dict[str, Any]) -> dict[str, Any]:
    _check_enabled(flow)
    # only the provision workflow's credentials are excluded (credentials.py); others show their ciphertext
    return search.search(flow.templates, body, lambda t: render_template(cast(Template, t), strip_credentials=False),
                        flow.tenant.settings.request_timeout_s, flow.tenant.clock.now_ms(),
                        aggs_answered=not flow.release.search_response_reparsed)


def search_workflow_state(flow: FlowState, body: dict[str, Any]) -> dict[str, Any]:
    _check_enabled(flow)
    return search.search(flow.state, body, lambda s: dict(s), flow.tenant.settings.request_timeout_s,
                        flow.tenant.clock.now_ms(), aggs_answered=not flow.release.search_response_reparsed)

