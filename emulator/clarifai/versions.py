"""Clarifai workflow-version RPCs (reference §5 "Workflow versions") and GetModelType, which the
`clarifai` SDK calls before predicting (§10)."""
from __future__ import annotations

from emulator.clarifai import catalog, errors
from emulator.clarifai.listing import Reply, Request, ok, paginate, patch_request
from emulator.clarifai.models import PRIVATE, WorkflowVersion
from emulator.clarifai.patching import deep_merge
from emulator.clarifai.state import CallScope, ClarifaiState
from emulator.clarifai.workflows import find

PUBLIC = catalog.PUBLIC


def _version(state: ClarifaiState, scope: CallScope, workflow_id: str, version_id: str) -> WorkflowVersion:
    wf = find(state, scope, workflow_id)
    v = wf.versions.get(version_id)
    if v is None:
        raise errors.workflow_version_not_found(workflow_id, version_id)
    return v


async def list_workflow_versions(state: ClarifaiState, req: Request,
                                 scope: CallScope) -> Reply:
    wf = find(state, scope, req.get("workflow_id", ""))
    newest_first = list(reversed(wf.versions.values()))
    return ok({"workflow_versions": [v.to_json() for v in paginate(newest_first, req)]})


async def get_workflow_version(state: ClarifaiState, req: Request,
                               scope: CallScope) -> Reply:
    v = _version(state, scope, req.get("workflow_id", ""), req.get("workflow_version_id", ""))
    return ok({"workflow_version": v.to_json()})


async def patch_workflow_versions(state: ClarifaiState, req: Request,
                                  scope: CallScope) -> Reply:
    action, items = patch_request(req, "workflow_versions", "workflow version")
    targets = [(_version(state, scope, req.get("workflow_id", ""), it.get("id", "")), it) for it in items]
    for v, it in targets:
        # §5: only description, metadata, visibility and license are patchable
        if "description" in it:
            v.description = it["description"]
        if "license" in it:
            v.license = it["license"]
        if "visibility" in it and it["visibility"].get("gettable"):
            v.visibility = it["visibility"]["gettable"]
        if "metadata" in it:
            if action == "merge":
                v.metadata = deep_merge(v.metadata, it["metadata"])
            elif action == "overwrite":
                v.metadata = dict(it["metadata"])
            else:
                v.metadata = {k: x for k, x in v.metadata.items() if it["metadata"].get(k) is not True}
        v.modified_at = scope.now
    return ok({"workflow_versions": [v.to_json() for v, _ in targets]})


async def delete_workflow_versions(state: ClarifaiState, req: Request,
                                   scope: CallScope) -> Reply:
    wf = find(state, scope, req.get("workflow_id", ""))
    ids = req.get("workflow_version_ids") or []
    if not ids:
        raise errors.invalid_argument("workflow_version_ids must not be empty")
    for vid in ids:
        _version(state, scope, wf.id, vid)
    if set(ids) >= set(wf.versions):
        raise errors.invalid_argument("Cannot delete every version of a workflow; delete the workflow instead")
    for vid in ids:
        wf.versions.pop(vid, None)
    wf.modified_at = scope.now
    return ok({})


async def _set_visibility(state: ClarifaiState, req: Request, scope: CallScope,
                          gettable: int) -> Reply:
    pubs = req.get("publications") or []
    if not pubs:
        raise errors.invalid_argument("publications must not be empty")
    targets = [_version(state, scope, req.get("workflow_id", ""), p.get("version_id", "")) for p in pubs]
    for v in targets:
        v.visibility = gettable
        v.modified_at = scope.now
    return ok({})


async def publish(state: ClarifaiState, req: Request, scope: CallScope) -> Reply:
    return await _set_visibility(state, req, scope, PUBLIC)


async def unpublish(state: ClarifaiState, req: Request,
                    scope: CallScope) -> Reply:
    return await _set_visibility(state, req, scope, PRIVATE)


async def get_model_type(state: ClarifaiState, req: Request,
                         scope: CallScope) -> Reply:
    mt = catalog.MODEL_TYPES.get(req.get("model_type_id", ""))
    if mt is None:
        raise errors.ClarifaiError(11101, f"Model type '{req.get('model_type_id', '')}' does not exist",
                                   "model_type_not_found")
    return ok({"model_type": mt.to_json()})
