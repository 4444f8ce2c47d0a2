"""Clarifai apps (service.proto PostApps, GetApp, ListApps, PatchApps, PatchApp, DeleteApp) and the
ownership rules every app-scoped RPC passes first (reference §8: a PAT reaches its own user's apps
and other users' public resources, read-only; an app key reaches its one app).

Unverified answers are chosen as the most plausible and named in errors.py, so
`settings.clarifai_status_overrides` can change them: `app_not_found` (11101), `not_app_owner`
(11007), `app_duplicate` (40010), `invalid_app_id` (11100).
"""
from __future__ import annotations

from typing import Any

from emulator.clarifai import errors
from emulator.clarifai.app_store import App, gettable, valid_app_id
from emulator.clarifai.listing import Reply, Request, ok, paginate, patch_request
from emulator.clarifai.model_defs import PRIVATE, PUBLIC
from emulator.clarifai.state import CallScope, ClarifaiState

READ, WRITE, USER = "read", "write", "user"


def owns(scope: CallScope) -> bool:
    return scope.user_id == scope.principal.user_id


def check_access(state: ClarifaiState, scope: CallScope, kind: str) -> None:
    """The addressed app exists (or, for the caller's own apps with `clarifai_implicit_apps`, is made on
    first write) and the caller may do `kind` there."""
    if kind == USER:
        return
    app = state.apps.get(scope.user_id, scope.app_id)
    if not owns(scope):
        if app is None or (kind == READ and not _readable(state, app, scope)):
            raise errors.app_not_found(scope.user_id, scope.app_id)
        if kind == WRITE:
            raise errors.not_app_owner(scope.user_id, scope.app_id)
        return
    if app is None:
        if not (state.settings.clarifai_implicit_apps and valid_app_id(scope.app_id)):
            raise errors.app_not_found(scope.user_id, scope.app_id)
        if kind == WRITE:
            state.apps.add(App(scope.app_id, scope.user_id, scope.now, scope.now, implicit=True))


def _readable(state: ClarifaiState, app: App, scope: CallScope) -> bool:
    # another user's app is reachable when it is public or holds something public (a public workflow)
    return app.public or any(wf.visibility == PUBLIC
                             for wf in state.store.app(app.user_id, app.id).values())


def _app_request(item: dict[str, Any], scope: CallScope, state: ClarifaiState) -> App:
    app_id = str(item.get("id") or "")
    if not valid_app_id(app_id):
        raise errors.invalid_app_id(app_id)
    base = item.get("default_workflow") or {}
    wf_id = str(item.get("default_workflow_id") or base.get("id") or "")
    default: tuple[str, str, str] | None = None
    if wf_id:
        owner = (str(base.get("user_id") or state.public.user_id), str(base.get("app_id") or state.public.app_id))
        if wf_id not in state.store.app(*owner):
            # a base workflow must be one of Clarifai's (or the named app's) workflows
            raise errors.workflow_not_found(wf_id)
        default = (owner[0], owner[1], wf_id)
    vis = gettable(item, PRIVATE)
    return App(app_id, scope.user_id, scope.now, scope.now, name=str(item.get("name") or ""),
               description=str(item.get("description") or ""), notes=str(item.get("notes") or ""),
               default_language=str(item.get("default_language") or "en"), default_workflow_id=wf_id,
               default_workflow=default, visibility=vis, metadata=dict(item.get("metadata") or {}),
               sample_ms=int(item.get("sample_ms") or 500), image=item.get("image"))


async def post_apps(state: ClarifaiState, req: Request, scope: CallScope) -> Reply:
    if not owns(scope):
        raise errors.not_app_owner(scope.user_id, "")
    items = req.get("apps") or []
    if not items:
        raise errors.invalid_request("At least one app must be provided")
    created: list[App] = []
    for item in items:  # all-or-nothing
        app = _app_request(item, scope, state)
        existing = state.apps.get(scope.user_id, app.id)
        if (existing is not None and not existing.implicit) or any(a.id == app.id for a in created):
            raise errors.app_duplicate(app.id)
        created.append(app)
    for app in created:
        state.apps.add(app)
    return ok({"apps": [a.to_json() for a in created]})


def _the_app(state: ClarifaiState, scope: CallScope) -> App:
    app = state.apps.get(scope.user_id, scope.app_id)
    if app is None:
        if owns(scope) and state.settings.clarifai_implicit_apps and valid_app_id(scope.app_id):
            return state.apps.add(App(scope.app_id, scope.user_id, scope.now, scope.now, implicit=True))
        raise errors.app_not_found(scope.user_id, scope.app_id)
    return app


async def get_app(state: ClarifaiState, req: Request, scope: CallScope) -> Reply:
    return ok({"app": _the_app(state, scope).to_json()})


async def list_apps(state: ClarifaiState, req: Request, scope: CallScope) -> Reply:
    apps = state.apps.of_user(scope.user_id)
    if not owns(scope):
        apps = [a for a in apps if a.public]
    for key in ("id", "name"):
        if req.get(key):
            apps = [a for a in apps if str(req[key]).lower() in getattr(a, key).lower()]
    search = str(req.get("search") or req.get("query") or "").lower()
    if search:
        apps = [a for a in apps if search in a.id.lower() or search in a.name.lower()
                or search in a.description.lower()]
    gettable = (req.get("visibility") or {}).get("gettable")
    if gettable:
        apps = [a for a in apps if a.visibility == gettable]
    descending = not req.get("sort_ascending", False)
    if req.get("sort_by_id"):
        apps.sort(key=lambda a: (a.id, a.seq), reverse=descending)
    elif req.get("sort_by_name"):
        apps.sort(key=lambda a: (a.name or a.id, a.seq), reverse=descending)
    elif req.get("sort_by_created_at"):
        apps.sort(key=lambda a: (a.created_at, a.seq), reverse=descending)
    else:
        apps.sort(key=lambda a: (a.modified_at, a.seq), reverse=descending)
    return ok({"apps": [a.to_json() for a in paginate(apps, req)]})


def _patch(state: ClarifaiState, app: App, item: dict[str, Any], action: str, scope: CallScope) -> None:
    for k in ("name", "description", "notes", "default_language"):
        if k in item:
            setattr(app, k, "" if action == "remove" else str(item[k]))
    if "sample_ms" in item:
        app.sample_ms = int(item["sample_ms"] or 500)
    app.visibility = gettable(item, app.visibility)
    if "metadata" in item:
        meta = item["metadata"] or {}
        app.metadata = ({**app.metadata, **meta} if action == "merge"
                        else dict(meta) if action == "overwrite"
                        else {k: v for k, v in app.metadata.items() if k not in meta})
    if "image" in item:
        app.image = None if action == "remove" else item["image"]
    wf_id = item.get("default_workflow_id") or (item.get("default_workflow") or {}).get("id")
    if wf_id:
        probe = _app_request({"id": app.id, "default_workflow_id": wf_id,
                              "default_workflow": item.get("default_workflow")}, scope, state)
        app.default_workflow_id, app.default_workflow = probe.default_workflow_id, probe.default_workflow
    app.modified_at = scope.now


async def patch_apps(state: ClarifaiState, req: Request, scope: CallScope) -> Reply:
    if not owns(scope):
        raise errors.not_app_owner(scope.user_id, "")
    action, items = patch_request(req, "apps", "app")
    targets = []
    for item in items:
        app = state.apps.get(scope.user_id, str(item.get("id") or ""))
        if app is None:
            raise errors.app_not_found(scope.user_id, str(item.get("id") or ""))
        targets.append((app, item))
    for app, item in targets:
        _patch(state, app, item, action, scope)
    return ok({"apps": [a.to_json() for a, _ in targets]})


async def patch_app(state: ClarifaiState, req: Request, scope: CallScope) -> Reply:
    action = req.get("action") or "overwrite"
    if action not in ("merge", "overwrite", "remove"):
        raise errors.invalid_request(f"Invalid action '{action}'; supported actions are merge, overwrite, remove")
    if not req.get("app"):
        raise errors.invalid_request("An app must be provided")
    app = _the_app(state, scope)
    _patch(state, app, req["app"], action, scope)
    return ok({"app": app.to_json()})


async def delete_app(state: ClarifaiState, req: Request, scope: CallScope) -> Reply:
    app = state.apps.get(scope.user_id, scope.app_id)
    if app is None or (not owns(scope) and not _readable(state, app, scope)):
        raise errors.app_not_found(scope.user_id, scope.app_id)
    if not owns(scope):
        raise errors.not_app_owner(scope.user_id, scope.app_id)
    state.delete_app(scope.user_id, scope.app_id)
    return ok({})
