"""The Flow Framework step catalogue as ONE table (reference §9): validator inputs/outputs, the keys a step
really reads, required plugins, default timeout, resource recorded, undo and update steps, latency, behaviour.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from emulator.opensearch_flow.cluster import Cluster, ClusterError
from emulator.opensearch_flow.core_errors import time_value_string

ML = ("opensearch-ml",)
# §9: these delete steps are hidden from `_steps` and rejected in templates with 403 (§5 check 2)
DENY_LISTED = frozenset({"delete_index", "delete_ingest_pipeline", "delete_search_pipeline"})


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


@dataclass(frozen=True)
class StepSpec:
    name: str
    inputs: tuple[str, ...]  # validator inputs (what `_steps` shows and §5 check 10 uses)
    outputs: tuple[str, ...]
    reads: tuple[str, ...]  # keys the step requires at provision time (§7 input resolution)
    run: Run
    optional: tuple[str, ...] = ()
    plugins: tuple[str, ...] = ()
    timeout_s: float | None = None  # declared default timeout (shown by `_steps`); else 10s
    resource_type: str | None = None
    undo: str | None = None  # deprovision step (§8)
    update: str | None = None  # reprovision update step (§10.2)
    latency_s: float = 0.05  # simulated duration on a real cluster, scaled by settings.step_latency_scale
    failure: str = "Failed to run step"  # generic message when the cause is not safe to expose (§7)

    @property
    def effective_timeout_s(self) -> float:
        return self.timeout_s if self.timeout_s is not None else 10.0

    @property
    def needs_allow_delete(self) -> bool:
        return self.name in DENY_LISTED


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


# --- behaviours ------------------------------------------------------------------------------

def _noop(ctx: StepContext) -> WorkflowData:
    return {}


def _create_connector(ctx: StepContext) -> WorkflowData:
    body = {k: v for k, v in ctx.inputs.items() if k != "credential"}
    return {"connector_id": ctx.cluster.create_connector(ctx.new_id(), body)}


def _delete_connector(ctx: StepContext) -> WorkflowData:
    ctx.cluster.delete_connector(str(ctx.inputs["connector_id"]))
    return {"connector_id": ctx.inputs["connector_id"]}


def _register_model_group(ctx: StepContext) -> WorkflowData:
    gid = ctx.cluster.register_model_group(ctx.new_id(), str(ctx.inputs["name"]),
                                           {k: v for k, v in ctx.inputs.items() if k != "name"})
    return {"model_group_id": gid, "model_group_status": "CREATED"}


def _register(kind: str) -> Run:
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


def _register_sparse(ctx: StepContext) -> WorkflowData:
    out = _register("local")(ctx)
    return {**out, "function_name": ctx.inputs.get("function_name", "SPARSE_ENCODING"),
            "model_content_hash_value": ctx.inputs.get("model_content_hash_value", ""),
            "url": ctx.inputs.get("url", "")}


def _deploy_model(ctx: StepContext) -> WorkflowData:
    ctx.cluster.deploy_model(str(ctx.inputs["model_id"]))
    return {"model_id": ctx.inputs["model_id"], "register_model_status": "COMPLETED"}


def _undeploy_model(ctx: StepContext) -> WorkflowData:
    ctx.cluster.undeploy_model(str(ctx.inputs["model_id"]))
    return {"success": True}


def _delete_model(ctx: StepContext) -> WorkflowData:
    ctx.cluster.delete_model(str(ctx.inputs["model_id"]))
    return {"model_id": ctx.inputs["model_id"]}


def _register_agent(ctx: StepContext) -> WorkflowData:
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


def _delete_agent(ctx: StepContext) -> WorkflowData:
    ctx.cluster.delete_agent(str(ctx.inputs["agent_id"]))
    return {"agent_id": ctx.inputs["agent_id"]}


def _create_tool(ctx: StepContext) -> WorkflowData:
    params = dict(ctx.inputs.get("parameters") or {})
    # ids of mapped predecessors become tool parameters (§9 notes)
    for n, key in ctx.previous_node_inputs.items():
        if key in ("connector_id", "model_id", "agent_id") and n in ctx.predecessors:
            params[key] = ctx.predecessors[n].get(key)
    tool: dict[str, Any] = {k: ctx.inputs[k] for k in ("type", "name", "description", "attributes", "config")
                            if k in ctx.inputs}
    tool["parameters"] = params
    return {"tools": tool}


def _create_index(ctx: StepContext) -> WorkflowData:
    name = str(ctx.inputs["index_name"])
    return {"index_name": ctx.cluster.create_index(name, _json_map(ctx.inputs["configurations"]))}


def _update_index(ctx: StepContext) -> WorkflowData:
    name = str(ctx.inputs["index_name"])
    config = _json_map(ctx.inputs["configurations"])
    if not ctx.cluster.update_index_settings(name, config.get("settings") or {}):
        raise ClusterError(400, f"Failed to update index settings for index {name}, no settings have been updated")
    return {"index_name": name}


def _delete_index(ctx: StepContext) -> WorkflowData:
    ctx.cluster.delete_index(str(ctx.inputs["index_name"]))
    return {"index_name": ctx.inputs["index_name"]}


def _reindex(ctx: StepContext) -> WorkflowData:
    src, dest = str(ctx.inputs["source_index"]), str(ctx.inputs["destination_index"])
    ctx.cluster.reindex(src, dest)
    return {"reindex": {"source_index": src, "destination_index": dest}}


def _pipeline(kind: str, action: str) -> Run:
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


_MODEL_OPT = ("description", "model_group_id", "deploy", "interface", "is_enabled", "rate_limiter",
              "deploy_setting", "guardrails", "backend_roles", "add_all_backend_roles", "access_mode", "model_node_ids")
_LOCAL_OUT = ("model_id", "register_model_status")


def _s(name: str, inputs: tuple[str, ...], outputs: tuple[str, ...], run: Run, **kw: Any) -> StepSpec:
    reads = kw.pop("reads", inputs)
    return StepSpec(name=name, inputs=inputs, outputs=outputs, reads=reads, run=run, **kw)


STEPS: dict[str, StepSpec] = {s.name: s for s in (
    _s("noop", (), (), _noop, optional=("delay",), latency_s=0.0),
    _s("create_connector", ("name", "description", "version", "protocol", "parameters", "credential", "actions"),
       ("connector_id",), _create_connector, plugins=ML, timeout_s=60.0, resource_type="connector_id",
       undo="delete_connector", latency_s=0.08, failure="Failed to create connector",
       optional=("backend_roles", "add_all_backend_roles", "access_mode", "client_config", "url", "headers")),
    _s("delete_connector", ("connector_id",), ("connector_id",), _delete_connector, plugins=ML, optional=(),
       latency_s=0.04, failure="Failed to delete connector"),
    _s("register_model_group", ("name",), ("model_group_id", "model_group_status"), _register_model_group,
       plugins=ML, resource_type="model_group_id", undo="noop", latency_s=0.06,
       optional=("description", "backend_roles", "access_mode", "add_all_backend_roles"),
       failure="Failed to register model group"),
    _s("register_remote_model", ("name", "connector_id"), ("model_id", "register_model_status"),
       _register("remote"), plugins=ML, resource_type="model_id", undo="delete_model", latency_s=0.15,
       optional=_MODEL_OPT, failure="Failed to register remote model"),
    _s("register_local_pretrained_model", ("name", "version", "model_format"), _LOCAL_OUT, _register("local"),
       plugins=ML, timeout_s=60.0, resource_type="model_id", undo="delete_model", latency_s=0.9,
       optional=_MODEL_OPT, failure="Failed to register local model"),
    _s("register_local_sparse_encoding_model", ("name", "version", "model_format"),
       _LOCAL_OUT + ("function_name", "model_content_hash_value", "url"), _register_sparse, plugins=ML,
       timeout_s=60.0, resource_type="model_id", undo="delete_model", latency_s=0.9,
       optional=_MODEL_OPT + ("model_content_hash_value", "url", "function_name"),
       failure="Failed to register local model"),
    _s("register_local_custom_model", ("name", "version", "model_format", "function_name",
                                       "model_content_hash_value", "url", "model_type", "embedding_dimension",
                                       "framework_type"), _LOCAL_OUT, _register("local"), plugins=ML,
       reads=("name", "version", "model_format", "function_name", "model_content_hash_value", "url",
              "model_config"),
       timeout_s=60.0, resource_type="model_id", undo="delete_model", latency_s=1.0,
       optional=_MODEL_OPT + ("all_config",), failure="Failed to register local model"),
    _s("deploy_model", ("model_id",), ("model_id",), _deploy_model, plugins=ML, timeout_s=15.0,
       resource_type="model_id", undo="undeploy_model", latency_s=0.6, optional=(), failure="Failed to deploy model"),
    _s("undeploy_model", ("model_id",), ("success",), _undeploy_model, plugins=ML, optional=(), latency_s=0.1,
       failure="Failed to undeploy model"),
    _s("delete_model", ("model_id",), ("model_id",), _delete_model, plugins=ML, optional=(), latency_s=0.05,
       failure="Failed to delete model"),
    _s("register_agent", ("name", "type"), ("agent_id",), _register_agent, plugins=ML, resource_type="agent_id",
       undo="delete_agent", latency_s=0.07, failure="Failed to register the agent",
       optional=("description", "llm", "model", "tools", "tools_order", "parameters", "memory", "created_time",
                 "last_updated_time", "app_type", "context_management_name", "context_management")),
    _s("delete_agent", ("agent_id",), ("agent_id",), _delete_agent, plugins=ML, optional=(), latency_s=0.04,
       failure="Failed to delete agent"),
    _s("create_tool", ("type",), ("tools",), _create_tool, plugins=ML, latency_s=0.01,
       optional=("name", "description", "parameters", "attributes", "config", "include_output_in_agent_response",
                 "runtime_resources"), failure="Failed to create tool"),
    _s("create_index", ("index_name", "configurations"), ("index_name",), _create_index, resource_type="index_name",
       undo="delete_index", update="update_index", latency_s=0.12, optional=(), failure="Failed to create the index"),
    _s("update_index", ("index_name", "configurations"), ("index_name",), _update_index, latency_s=0.08,
       optional=(), failure="Failed to update the index"),
    _s("delete_index", ("index_name",), ("index_name",), _delete_index, latency_s=0.06, optional=(),
       failure="Failed to delete the index"),
    _s("reindex", ("source_index", "destination_index"), ("reindex",), _reindex, latency_s=0.3, undo="noop",
       optional=("refresh", "requests_per_second", "require_alias", "slices", "max_docs"),
       failure="Failed to reindex"),
    _s("create_ingest_pipeline", ("pipeline_id", "configurations"), ("pipeline_id",), _pipeline("ingest", "create"),
       resource_type="pipeline_id", undo="delete_ingest_pipeline", update="update_ingest_pipeline",
       latency_s=0.04, optional=("model_id",), failure="Failed to create ingest pipeline"),
    _s("update_ingest_pipeline", ("pipeline_id", "configurations"), ("pipeline_id",), _pipeline("ingest", "update"),
       latency_s=0.04, optional=(), failure="Failed to update ingest pipeline"),
    _s("delete_ingest_pipeline", ("pipeline_id",), ("pipeline_id",), _pipeline("ingest", "delete"),
       latency_s=0.03, optional=(), failure="Failed to delete ingest pipeline"),
    _s("create_search_pipeline", ("pipeline_id", "configurations"), ("pipeline_id",), _pipeline("search", "create"),
       resource_type="pipeline_id", undo="delete_search_pipeline", update="update_search_pipeline",
       latency_s=0.04, optional=("model_id",), failure="Failed to create search pipeline"),
    _s("update_search_pipeline", ("pipeline_id", "configurations"), ("pipeline_id",), _pipeline("search", "update"),
       latency_s=0.04, optional=(), failure="Failed to update search pipeline"),
    _s("delete_search_pipeline", ("pipeline_id",), ("pipeline_id",), _pipeline("search", "delete"),
       latency_s=0.03, optional=(), failure="Failed to delete search pipeline"),
)}

# register_* steps that also record a `deploy_model` entry when `deploy: true` (§9)
REGISTERS_MODEL = frozenset({"register_remote_model", "register_local_pretrained_model",
                             "register_local_sparse_encoding_model", "register_local_custom_model"})
# §5 check 11 (3.7+): name/description safety labels
SAFE_NAME_LABELS = {"create_connector": "Model connector", "register_model_group": "Model group",
                    **{s: "Model" for s in REGISTERS_MODEL}}


def step_json(spec: StepSpec) -> dict[str, Any]:
    """One `_steps` entry (§3.7): timeout only for steps that declare a default."""
    out: dict[str, Any] = {"inputs": list(spec.inputs), "outputs": list(spec.outputs),
                           "required_plugins": list(spec.plugins)}
    if spec.timeout_s is not None:
        # WorkflowStepValidator prints TimeValue.toString(): 60s reads "1m" (core_errors.time_value_string)
        out["timeout"] = time_value_string(spec.timeout_s)
    return out


def deprovision_step_for(step_name: str) -> StepSpec | None:
    """Map a `resources_created.workflow_step_name` to its undo step (§8 step 2)."""
    spec = STEPS.get(step_name)
    if spec is None or spec.undo is None:
        return None
    return STEPS[spec.undo]
