"""The dashboard's read-only view of a tenant's Flow workflows: each template's provision graph laid
out left to right, its state document, the node states of its latest run and its deprovision timelines.

Served under the control plane (`GET /_emulator/flow/workflows`), so it follows its rules (tenant
by header or `?tenant=`, never journaled or faulted). Templates are shown as the plugin renders
them, with `credential` maps redacted.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from emulator.core.api import AdminKit
from emulator.core.graph import layers
from emulator.core.redaction import redact
from emulator.opensearch_flow.domain import Template
from emulator.opensearch_flow.state import FlowState
from emulator.opensearch_flow.template import render_template

SHOWN_CAP = 200  # newest workflows shown


def graph(workflow: Mapping[str, Any]) -> dict[str, Any]:
    """Nodes with their column (`layer`, by topological order) and row, and the edges."""
    nodes = [n for n in workflow.get("nodes") or [] if isinstance(n, dict) and isinstance(n.get("id"), str)]
    edges = [(str(e.get("source")), str(e.get("dest"))) for e in workflow.get("edges") or [] if isinstance(e, dict)]
    cols = layers([n["id"] for n in nodes], edges)
    rows: dict[int, int] = {}
    out = []
    for n in nodes:
        col = cols.get(n["id"], 0)
        out.append({"id": n["id"], "type": n.get("type"), "layer": col, "row": rows.get(col, 0),
                    "user_inputs": redact(n.get("user_inputs") or {}),
                    "previous_node_inputs": n.get("previous_node_inputs") or {}})
        rows[col] = rows.get(col, 0) + 1
    return {"nodes": out, "edges": [{"source": s, "dest": d} for s, d in edges]}


def workflow_view(flow: FlowState, workflow_id: str) -> dict[str, Any]:
    template = flow.template_of(workflow_id)
    state: Mapping[str, Any] = flow.state_of(workflow_id) or {}
    rendered: Template = render_template(template) if template is not None else {}
    provision: Mapping[str, Any] = rendered.get("workflows", {}).get("provision") or {}
    resources = state.get("resources_created") or []
    return {"workflow_id": workflow_id, "name": rendered.get("name"), "use_case": rendered.get("use_case"),
            "template_exists": template is not None,
            "state": {k: state.get(k) for k in ("state", "provisioning_progress", "error", "provision_start_time",
                                                 "provision_end_time")},
            "resources_created": resources, "graph": graph(provision),
            "workflows": sorted(rendered.get("workflows", {})), **flow.trace.dump(workflow_id)}


def routes(kit: AdminKit) -> list[Route]:
    tenant_of = kit.tenant_of

    async def list_flow_workflows(request: Request) -> Any:
        tenant = tenant_of(request)
        flow = tenant.backend(FlowState)
        ids = list(dict.fromkeys([*flow.templates.docs, *flow.state.docs]))[-SHOWN_CAP:]
        return {"tenant": tenant.name, "now_ms": tenant.clock.now_ms(),
                "workflows": [workflow_view(flow, wid) for wid in reversed(ids)]}

    return [kit.route("/flow/workflows", "GET", "list_flow_workflows", list_flow_workflows)]
