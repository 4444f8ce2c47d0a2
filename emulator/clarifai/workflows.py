"""Clarifai workflow CRUD RPCs (reference §5, §6): create, list, get, patch, rename, delete.

Handlers take the canonical request dict (proto field names, enums as ints, defaults omitted)
and the resolved `CallScope`; they raise `ClarifaiError` and return (response dict, HTTP status).
"""
from __future__ import annotations

import fnmatch
import re
from typing import Any

from emulator.clarifai import errors
from emulator.clarifai.listing import Reply, Request, ok, paginate, patch_request
from emulator.clarifai.model_defs import PUBLIC
from emulator.clarifai.models import (
    PRIVATE,
    NodeSpec,
    Workflow,
    WorkflowEdit,
    WorkflowNode,
    WorkflowSpec,
    WorkflowVersion,
)
from emulator.clarifai.patching import given, merge_workflow, remove_from_workflow
from emulator.clarifai.state import CallScope, ClarifaiState
from emulator.clarifai.validation import build_nodes, check_workflow_id


def find(state: ClarifaiState, scope: CallScope, workflow_id: str, public_fallback: bool = False) -> Workflow:
    """The workflow in the addressed app; another user's only when public (§8). With `public_fallback`
    (GetWorkflow, PostWorkflowResults) an id missing from the app is looked up among Clarifai's
    workflows, as service.proto's GetWorkflowRequest comment says."""
    wf = state.store.app(scope.user_id, scope.app_id).get(workflow_id) if workflow_id else None
    if wf is not None and wf.visibility != PUBLIC and scope.user_id != scope.principal.user_id:
        wf = None
    if wf is None and public_fallback and workflow_id:
        pub = state.public
        wf = state.store.apps.get((pub.user_id, pub.app_id), {}).get(workflow_id)
        if wf is not None and wf.visibility != PUBLIC:
            wf = None
    if wf is None:
        raise errors.workflow_not_found(workflow_id)
    return wf


def find_for_predict(state: ClarifaiState, scope: CallScope, workflow_id: str) -> Workflow:
    """PostWorkflowResults: without an id, the app's default workflow (its base workflow)."""
    if not workflow_id:
        app = state.apps.get(scope.user_id, scope.app_id)
        if app is None or not app.default_workflow_id:
            raise errors.workflow_not_found("")
        if app.default_workflow is not None:
            u, a, w = app.default_workflow
            wf = state.store.apps.get((u, a), {}).get(w)
            if wf is not None and (wf.visibility == PUBLIC or u == scope.principal.user_id):
                return wf
        workflow_id = app.default_workflow_id
    return find(state, scope, workflow_id, public_fallback=True)


def new_version(state: ClarifaiState, wf_id: str, scope: CallScope,
                nodes: tuple[WorkflowNode, ...]) -> WorkflowVersion:
    return WorkflowVersion(state.tenant.ids.hex32(), wf_id, scope.user_id, scope.app_id, scope.now,
                           scope.now, nodes)


async def post_workflows(state: ClarifaiState, req: Request,
                         scope: CallScope) -> Reply:
    items = req.get("workflows") or []
    if not items:
        raise errors.invalid_request("At least one workflow must be provided")
    app = state.store.app(scope.user_id, scope.app_id)
    created: list[Workflow] = []
    seen: set[str] = set()
    for spec in map(WorkflowSpec.from_json, items):  # validate everything before storing anything
        check_workflow_id(spec.id)
        if spec.id in app or spec.id in seen:
            raise errors.workflow_duplicate(spec.id)
        seen.add(spec.id)
        nodes = build_nodes(state.catalog, spec.nodes, (scope.user_id, scope.app_id), scope.principal.user_id)
        version = new_version(state, spec.id, scope, nodes)
        version.visibility = vis = spec.visibility or PRIVATE
        created.append(Workflow(spec.id, scope.user_id, scope.app_id, scope.now, scope.now, {version.id: version},
                                description=spec.description, notes=spec.notes, metadata=spec.metadata,
                                visibility=vis, use_cases=list(spec.use_cases),
                                check_consents=list(spec.check_consents), image=spec.image))
    for wf in created:
        app[wf.id] = wf
    return ok({"workflows": [wf.to_json() for wf in created]})


def _matches_search(wf: Workflow, search: str, include_user: bool) -> bool:
    # §3: keyword search over id, description, notes (and user_id), normalised + prefix matching
    hay = [wf.id, wf.description, wf.notes] + ([wf.user_id] if include_user else [])
    words = [w for text in hay for w in re.split(r"[^0-9a-z]+", text.lower()) if w]
    return all(any(w.startswith(tok) for w in words) for tok in re.split(r"[^0-9a-z]+", search.lower()) if tok)


async def list_workflows(state: ClarifaiState, req: Request,
                         scope: CallScope) -> Reply:
    ua = req.get("user_app_id") or {}
    if "app_id" not in ua and "user_id" in ua and scope.principal.app_id is None:
        # /v2/users/{user_id}/workflows: across that user's apps (§5)
        items = state.store.user_workflows(scope.user_id)
    else:
        items = list(state.store.app(scope.user_id, scope.app_id).values())
    if scope.user_id != scope.principal.user_id:
        items = [wf for wf in items if wf.visibility == PUBLIC]  # other users' private workflows are invisible
    search = req.get("search") or req.get("search_term") or ""
    if search:
        items = [wf for wf in items if _matches_search(wf, search, "user_id" not in ua)]
    if req.get("query"):
        q = str(req["query"]).lower()
        items = [wf for wf in items if q in wf.id.lower() or q in wf.description.lower() or q in wf.notes.lower()]
    if req.get("id"):
        items = [wf for wf in items if fnmatch.fnmatchcase(wf.id, str(req["id"]))]
    gettable = (req.get("visibility") or {}).get("gettable")
    if gettable:
        items = [wf for wf in items if wf.visibility == gettable]
    if req.get("featured_only") or req.get("starred_only") or req.get("bookmark"):
        items = []  # the emulator has no featured, starred or bookmarked workflows
    descending = not req.get("sort_ascending", False)
    if req.get("sort_by_id"):
        items.sort(key=lambda w: (w.id, w.seq), reverse=descending)
    elif req.get("sort_by_created_at"):
        items.sort(key=lambda w: (w.created_at, w.seq), reverse=descending)
    elif req.get("sort_by_relevance") and search:
        items.sort(key=lambda w: (w.id.lower().startswith(search.lower()), w.modified_at, w.seq),
                   reverse=descending)
    else:  # default and sort_by_modified_at / sort_by_star_count (all zero): modified_at
        items.sort(key=lambda w: (w.modified_at, w.seq), reverse=descending)
    page_items = paginate(items, req)
    stars = bool({"stars", "all"} & set(req.get("additional_fields") or []))
    return ok({"workflows": [wf.to_json(stars) for wf in page_items]})


async def get_workflow(state: ClarifaiState, req: Request,
                       scope: CallScope) -> Reply:
    wf = find(state, scope, req.get("workflow_id", ""), public_fallback=True)
    stars = bool({"stars", "all"} & set(req.get("additional_fields") or []))
    return ok({"workflow": wf.to_json(stars)})


async def patch_workflows(state: ClarifaiState, req: Request,
                          scope: CallScope) -> Reply:
    action, items = patch_request(req, "workflows", "workflow")
    staged: list[tuple[Workflow, WorkflowEdit, tuple[WorkflowNode, ...] | None]] = []
    for item in items:  # all-or-nothing: compute every result before applying any
        wf = find(state, scope, item.get("id", ""))
        if action == "overwrite":
            fields, nodes = _overwrite(wf, item)
        elif action == "merge":
            fields, nodes = merge_workflow(wf, item)
        else:
            fields, nodes = remove_from_workflow(wf, item)
        built = (build_nodes(state.catalog, nodes, (scope.user_id, scope.app_id), scope.principal.user_id)
                 if nodes is not None else None)
        staged.append((wf, fields, built))
    for wf, fields, built in staged:
        wf.edit(fields)
        if built is not None and built != wf.nodes:
            # §5: changing nodes creates a new WorkflowVersion that becomes the latest
            v = new_version(state, wf.id, scope, built)
            v.visibility, v.metadata = wf.visibility, dict(wf.metadata)
            wf.versions[v.id] = v
        wf.modified_at = scope.now
    return ok({"workflows": [wf.to_json() for wf, _, _ in staged]})


def _overwrite(wf: Workflow, item: dict[str, Any]) -> tuple[WorkflowEdit, list[NodeSpec] | None]:
    fields = given(item, ("description", "notes", "use_cases", "check_consents", "image", "metadata"))
    if "visibility" in item:
        fields["visibility"] = item["visibility"].get("gettable") or wf.visibility
    return fields, [NodeSpec.from_json(n) for n in item["nodes"] or []] if "nodes" in item else None


async def patch_workflow_ids(state: ClarifaiState, req: Request,
                             scope: CallScope) -> Reply:
    if req.get("action", "") != "overwrite":
        raise errors.invalid_request("Only the 'overwrite' action is supported for PatchWorkflowIds")
    pairs = req.get("ids") or []
    if not pairs:
        raise errors.invalid_request("ids must contain one entry")
    app = state.store.app(scope.user_id, scope.app_id)
    renames: list[tuple[Workflow, str]] = []
    taken = set(app)
    for p in pairs:
        wf = find(state, scope, p.get("id", ""))
        new_id = p.get("new_id", "")
        check_workflow_id(new_id)
        if new_id in taken:
            raise errors.workflow_duplicate(new_id)
        taken.add(new_id)
        renames.append((wf, new_id))
    for wf, new_id in renames:
        del app[wf.id]
        wf.id = new_id
        for v in wf.versions.values():
            v.workflow_id = new_id
        wf.modified_at = scope.now
        app[new_id] = wf
    return ok({"workflows": [wf.to_json() for wf, _ in renames]})


async def delete_workflow(state: ClarifaiState, req: Request,
                          scope: CallScope) -> Reply:
    wf = find(state, scope, req.get("workflow_id", ""))
    del state.store.app(scope.user_id, scope.app_id)[wf.id]
    return ok({})


async def delete_workflows(state: ClarifaiState, req: Request,
                           scope: CallScope) -> Reply:
    app = state.store.app(scope.user_id, scope.app_id)
    if req.get("delete_all"):
        app.clear()
        return ok({})
    ids = req.get("ids") or []
    if not ids:
        raise errors.invalid_argument("Either ids or delete_all must be provided")
    for wf_id in ids:  # all-or-nothing (§5)
        find(state, scope, wf_id)
    for wf_id in ids:
        app.pop(wf_id, None)
    return ok({})
