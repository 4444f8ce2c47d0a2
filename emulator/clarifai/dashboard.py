"""The dashboard's read-only view of a tenant's Clarifai workflows: each workflow's graph (models,
node inputs, suppressed outputs), its versions, its models' serving states and the per-node
statuses of its last predictions (reference/clarifai-workflows.md §4, §5).

The last predictions are read from the answers the journal still keeps (core/journal.py), so they
show what the client was sent, over REST and gRPC alike. A workflow result's outputs carry no node
id: they are the version's non-suppressed nodes in order (§5), which is how they are matched here.
"""
from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from emulator.clarifai.models import Workflow, WorkflowNode
from emulator.clarifai.state import ClarifaiState
from emulator.core.api import AdminKit
from emulator.core.emulator import Tenant
from emulator.core.graph import layers
from emulator.core.journal import Entry, Journal

SHOWN_CAP = 200  # newest workflows shown
PREDICTIONS_SHOWN = 5
VERSIONS_SHOWN = 20  # newest versions, each with its graph
_PREDICT_OPERATION = "post_workflow_results"
# REST `/v2[/users/u/apps/a]/workflows/{id}[/versions/{v}]/results`; gRPC entries are named by the RPC
_RESULTS_PATH = re.compile(r"/workflows/([^/]+)(?:/versions/([^/]+))?/results$")


def graph(nodes: tuple[WorkflowNode, ...]) -> dict[str, Any]:
    ids = [n.id for n in nodes]
    edges = [(i, n.id) for n in nodes for i in n.node_inputs]
    cols = layers(ids, edges)
    rows: dict[int, int] = {}
    out = []
    for n in nodes:
        col = cols.get(n.id, 0)
        out.append({"id": n.id, "model_id": n.model.id, "model_version_id": n.model.version_id,
                    "model_type_id": n.model.model_type_id, "suppress_output": n.suppress_output,
                    "node_inputs": list(n.node_inputs), "layer": col, "row": rows.get(col, 0)})
        rows[col] = rows.get(col, 0) + 1
    return {"nodes": out, "edges": [{"source": s, "dest": d} for s, d in edges]}


def model_states(state: ClarifaiState, tenant: Tenant, model_ids: list[str]) -> dict[str, Any]:
    """Serving state now, read without side effects (catalog.readiness would start a cold start)."""
    dump = state.catalog.dump()
    forced, deploying = dump["forced_states"], dump["deploying_until"]
    now = tenant.clock.now()
    out: dict[str, Any] = {}
    for mid in dict.fromkeys(model_ids):
        f = forced.get(mid)
        if state.catalog.get(mid) is None:
            out[mid] = {"state": "UNKNOWN", "until_ms": None}
        elif f and (f["until"] is None or now < f["until"]):
            out[mid] = {"state": f["state"], "until_ms": None if f["until"] is None else int(f["until"] * 1000)}
        elif mid in deploying and now < deploying[mid]:
            out[mid] = {"state": "DEPLOYING", "until_ms": int(deploying[mid] * 1000), "cold_start": True}
        else:
            out[mid] = {"state": "READY", "until_ms": None}
    return out


def _workflow_of(entry: Any) -> str | None:
    if entry.transport == "grpc":
        wid = ((entry.request or {}).get("workflow_id")) if isinstance(entry.request, dict) else None
        return str(wid) if wid else None
    m = _RESULTS_PATH.search(entry.path)
    return m.group(1) if m else None


def predict_entries(journal: Journal) -> dict[str, list[Entry]]:
    """The newest PREDICTIONS_SHOWN predict entries per workflow id, in one pass over the journal."""
    out: dict[str, list[Entry]] = {}
    for e in reversed(journal.entries()):
        if e.operation != _PREDICT_OPERATION:
            continue
        wid = _workflow_of(e)
        if wid is not None and len(got := out.setdefault(wid, [])) < PREDICTIONS_SHOWN:
            got.append(e)
    return out


def last_predictions(journal: Journal, wf: Workflow, entries: list[Entry]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for e in entries:
        kept = journal.response(e.seq)
        body = kept[1] if kept else None
        pred: dict[str, Any] = {"seq": e.seq, "time_ms": e.time_ms, "status": e.status, "code": e.code,
                                "fault": e.fault, "transport": e.transport, "kept": isinstance(body, dict)}
        if isinstance(body, dict):
            version_id = ((body.get("workflow") or {}).get("version") or {}).get("id")
            version = wf.versions.get(version_id) if version_id else None
            shown = [n for n in (version.nodes if version else wf.nodes) if not n.suppress_output]
            pred["version_id"] = version_id
            pred["inputs"] = []
            for index, result in enumerate(body.get("results") or []):
                nodes = []
                for i, output in enumerate(result.get("outputs") or []):
                    st = output.get("status") or {}
                    nodes.append({"node_id": shown[i].id if i < len(shown) else None,
                                  "model_id": (output.get("model") or {}).get("id"),
                                  "code": st.get("code"), "description": st.get("description")})
                rst = result.get("status") or {}
                pred["inputs"].append({"index": index, "code": rst.get("code"),
                                       "description": rst.get("description"), "nodes": nodes})
        out.append(pred)
    return out


def workflow_view(state: ClarifaiState, tenant: Tenant, wf: Workflow, entries: list[Entry]) -> dict[str, Any]:
    g = graph(wf.nodes)
    return {"id": wf.id, "user_id": wf.user_id, "app_id": wf.app_id, "description": wf.description,
            "latest_version": wf.latest.id, "graph": g,
            "versions": [{"id": v.id, "created_at_ms": int(v.created_at * 1000), "nodes": len(v.nodes),
                          "description": v.description, "graph": graph(v.nodes)}
                         for v in list(reversed(wf.versions.values()))[:VERSIONS_SHOWN]],
            "models": model_states(state, tenant, [n["model_id"] for n in g["nodes"]]),
            "predictions": last_predictions(tenant.journal, wf, entries)}


def routes(kit: AdminKit) -> list[Route]:
    tenant_of = kit.tenant_of

    async def list_clarifai_workflows(request: Request) -> Any:
        tenant = tenant_of(request)
        state = tenant.backend(ClarifaiState)
        public = (state.public.user_id, state.public.app_id)  # Clarifai's own workflows are not the tenant's
        workflows = [wf for key, wfs in state.store.apps.items() if key != public
                     for wf in wfs.values()][-SHOWN_CAP:]
        predicts = predict_entries(tenant.journal)
        return {"tenant": tenant.name, "now_ms": tenant.clock.now_ms(),
                "workflows": [workflow_view(state, tenant, wf, predicts.get(wf.id, []))
                              for wf in reversed(workflows)]}

    return [kit.route("/clarifai/workflows", "GET", "list_clarifai_workflows", list_clarifai_workflows)]
