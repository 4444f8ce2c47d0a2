"""Clarifai's public app `clarifai/main` and its public workflows (`General`, ...) in a tenant's stores,
built from the catalogue data file (public_catalog.py) when the tenant's Clarifai state is made (state.py).

They are ordinary stored workflows owned by user `clarifai`, public (`visibility.gettable=50`), so
every caller can read and predict them and nobody else can change them (apps.check_access).
"""
from __future__ import annotations

import hashlib
from typing import Any

from emulator.clarifai.app_store import App, AppStore
from emulator.clarifai.catalog import ModelCatalog
from emulator.clarifai.model_defs import PUBLIC
from emulator.clarifai.models import ModelRef, NodeSpec, Workflow, WorkflowStore, WorkflowVersion
from emulator.clarifai.public_catalog import PublicCatalog
from emulator.clarifai.validation import build_nodes


def _node(d: dict[str, Any]) -> NodeSpec:
    """A node of the catalogue data file: {id, model: {id, model_version_id}, node_inputs: [{node_id}]}."""
    model = d.get("model") or {}
    return NodeSpec(str(d["id"]), ModelRef(str(model["id"]), model.get("model_version_id") or None),
                    tuple(str(i["node_id"]) for i in d.get("node_inputs") or ()))


def install(pub: PublicCatalog, apps: AppStore, workflows: WorkflowStore, catalog: ModelCatalog) -> None:
    info = pub.app
    created = float(info.get("created_at") or 0.0)
    default = str(info.get("default_workflow_id") or "")
    apps.add(App(pub.app_id, pub.user_id, created, created, name=str(info.get("name") or pub.app_id),
                         description=str(info.get("description") or ""), default_workflow_id=default,
                         default_workflow=(pub.user_id, pub.app_id, default) if default else None,
                         visibility=int(info.get("visibility") or PUBLIC)))
    store = workflows.app(pub.user_id, pub.app_id)
    for d in pub.workflows:
        wf_id = str(d["id"])
        at = float(d.get("created_at") or created)
        nodes = build_nodes(catalog, [_node(n) for n in d["nodes"]]) if d.get("nodes") else ()
        # a stable version id per public workflow: the same in every tenant and every run
        vid = hashlib.md5(f"{pub.user_id}/{pub.app_id}/{wf_id}".encode()).hexdigest()
        version = WorkflowVersion(vid, wf_id, pub.user_id, pub.app_id, at, at, nodes, visibility=PUBLIC,
                                  description=str(d.get("description") or ""))
        store[wf_id] = Workflow(wf_id, pub.user_id, pub.app_id, at, at, {vid: version},
                                description=str(d.get("description") or ""), visibility=PUBLIC)
