"""What each Flow step does to the emulated cluster when it runs (reference §7, §9): the ML Commons
resources it registers, deploys or deletes, the index and pipeline calls, and the `WorkflowData` it
hands its successors (tools and agents read their predecessors' outputs, §9 notes). The catalogue
that says which step runs which behaviour is steps.py.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from emulator.opensearch_flow.cluster import Cluster, ClusterError

# a step's inputs and outputs: the content of the plugin's `WorkflowData` (a Map<String, Object>, §7)
WorkflowData = dict[str, Any]


@dataclass
class StepContext:
    cluster: Cluster
    new_id: Callable[[], str]
    inputs: WorkflowData
    node_id: str
    workflow_id: str
    predecessors: dict[str, WorkflowData] = field(default_factory=dict)  # node id -> its outputs
    previous_node_inputs: Mapping[str, str] = field(default_factory=dict)


Run = Callable[[StepContext], WorkflowData]


def _truthy(v: Any) -> bool:
    return v is True or (isinstance(v, str) and v.strip().lower() == "true")


def _json_map(v: Any) -> dict[str, Any]:
    if isinstance(v, dict):
        return v
    if isinstance(v, str):
        try:
            parsed = orjson.loads(v)
        except orjson.JSONDecodeError:
            raise ClusterError(400, "Failed to parse configurations") from None
        if isinstance(parsed, dict):
            return parsed
    raise ClusterError(400, "Failed to parse configurations")


def noop(ctx: StepContext) -> WorkflowData:
    return {}


def create_connector(ctx: StepContext) -> WorkflowData:
    body = {k: v for k, v in ctx.inputs.items() if k != "credential"}
    return {"connector_id": ctx.cluster.create_connector(ctx.new_id(), body)}


def delete_connector(ctx: StepContext) -> WorkflowData:
    ctx.cluster.delete_connector(str(ctx.inputs["connector_id"]))
    return {"connector_id": ctx.inputs["connector_id"]}


def register_model_group(ctx: StepContext) -> WorkflowData:
    gid = ctx.cluster.register_model_group(ctx.new_id(), str(ctx.inputs["name"]),
                                           {k: v for k, v in ctx.inputs.items() if k != "name"})
    return {"model_group_id": gid, "model_group_status": "CREATED"}


def register(kind: str) -> Run:
    def run(ctx: StepContext) -> WorkflowData:
        connector = ctx.inputs.get("connector_id") if kind == "remote" else None
        group = ctx.inputs.get("model_group_id")
        mid = ctx.cluster.register_model(ctx.new_id(), str(ctx.inputs["name"]), kind,
                                         None if connector is None else str(connector),
                                         None if group is None else str(group),
                                         has_interface=ctx.inputs.get("interface") is not None)
        if _truthy(ctx.inputs.get("deploy")):
            ctx.cluster.deploy_model(mid)
        status = "CREATED" if kind == "remote" else "COMPLETED"
        return {"model_id": mid, "register_model_status": status}
    return run


def register_sparse(ctx: StepContext) -> WorkflowData:
    out = register("local")(ctx)
    return {**out, "function_name": ctx.inputs.get("function_name", "SPARSE_ENCODING"),
            "model_content_hash_value": ctx.inputs.get("model_content_hash_value", ""),
            "url": ctx.inputs.get("url", "")}


def deploy_model(ctx: StepContext) -> WorkflowData:
    ctx.cluster.deploy_model(str(ctx.inputs["model_id"]))
    return {"model_id": ctx.inputs["model_id"], "register_model_status": "COMPLETED"}


def undeploy_model(ctx: StepContext) -> WorkflowData:
    ctx.cluster.undeploy_model(str(ctx.inputs["model_id"]))
    return {"success": True}


def delete_model(ctx: StepContext) -> WorkflowData:
    ctx.cluster.delete_model(str(ctx.inputs["model_id"]))
    return {"model_id": ctx.inputs["model_id"]}


def register_agent(ctx: StepContext) -> WorkflowData:
    # tools come from predecessors mapped as `tools`, ordered by tools_order (§9 notes)
    tools = [ctx.predecessors[n].get("tools") for n, key in ctx.previous_node_inputs.items()
             if key == "tools" and n in ctx.predecessors]
    order = ctx.inputs.get("tools_order")
    if isinstance(order, list):
        tools.sort(key=lambda t: order.index(t.get("name"))
                   if isinstance(t, dict) and t.get("name") in order else len(order))
    llm = ctx.inputs.get("llm")
    llm_model = _json_map(llm).get("model_id") if llm else None
    for n, key in ctx.previous_node_inputs.items():
        if key == "model_id" and n in ctx.predecessors:
            llm_model = ctx.predecessors[n].get("model_id", llm_model)
    body = {"name": ctx.inputs["name"], "type": ctx.inputs["type"], "tools": tools, "llm_model_id": llm_model}
    return {"agent_id": ctx.cluster.register_agent(ctx.new_id(), body)}


def delete_agent(ctx: StepContext) -> WorkflowData:
    ctx.cluster.delete_agent(str(ctx.inputs["agent_id"]))
    return {"agent_id": ctx.inputs["agent_id"]}


def create_tool(ctx: StepContext) -> WorkflowData:
    params = dict(ctx.inputs.get("parameters") or {})
    # ids of mapped predecessors become tool parameters (§9 notes)
    for n, key in ctx.previous_node_inputs.items():
        if key in ("connector_id", "model_id", "agent_id") and n in ctx.predecessors:
            params[key] = ctx.predecessors[n].get(key)
    tool: dict[str, Any] = {k: ctx.inputs[k] for k in ("type", "name", "description", "attributes", "config")
                            if k in ctx.inputs}
    tool["parameters"] = params
    return {"tools": tool}


def create_index(ctx: StepContext) -> WorkflowData:
    name = str(ctx.inputs["index_name"])
    return {"index_name": ctx.cluster.create_index(name, _json_map(ctx.inputs["configurations"]))}


def update_index(ctx: StepContext) -> WorkflowData:
    name = str(ctx.inputs["index_name"])
    config = _json_map(ctx.inputs["configurations"])
    if not ctx.cluster.update_index_settings(name, config.get("settings") or {}):
        raise ClusterError(400, f"Failed to update index settings for index {name}, no settings have been updated")
    return {"index_name": name}


def delete_index(ctx: StepContext) -> WorkflowData:
    ctx.cluster.delete_index(str(ctx.inputs["index_name"]))
    return {"index_name": ctx.inputs["index_name"]}


def reindex(ctx: StepContext) -> WorkflowData:
    src, dest = str(ctx.inputs["source_index"]), str(ctx.inputs["destination_index"])
    ctx.cluster.reindex(src, dest)
    return {"reindex": {"source_index": src, "destination_index": dest}}


def pipeline(kind: str, action: str) -> Run:
    def run(ctx: StepContext) -> WorkflowData:
        pid = str(ctx.inputs["pipeline_id"])
        if action == "create":
            ctx.cluster.put_pipeline(kind, pid, _json_map(ctx.inputs["configurations"]))
        elif action == "update":
            ctx.cluster.update_pipeline(kind, pid, _json_map(ctx.inputs["configurations"]))
        else:
            ctx.cluster.delete_pipeline(kind, pid)
        return {"pipeline_id": pid}
    return run
