"""The Flow Framework step catalogue as ONE table (reference §9): validator inputs/outputs, the keys a step
really reads, required plugins, default timeout, resource recorded, undo and update steps, latency, behaviour.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulator.opensearch_flow.core_errors import time_value_string
from emulator.opensearch_flow.step_runs import (
    Run,
    create_connector,
    create_index,
    create_tool,
    delete_agent,
    delete_connector,
    delete_index,
    delete_model,
    deploy_model,
    noop,
    pipeline,
    register,
    register_agent,
    register_model_group,
    register_sparse,
    reindex,
    undeploy_model,
    update_index,
)

ML = ("opensearch-ml",)
# §9: these delete steps are hidden from `_steps` and rejected in templates with 403 (§5 check 2)
DENY_LISTED = frozenset({"delete_index", "delete_ingest_pipeline", "delete_search_pipeline"})


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


_MODEL_OPT = ("description", "model_group_id", "deploy", "interface", "is_enabled", "rate_limiter",
              "deploy_setting", "guardrails", "backend_roles", "add_all_backend_roles", "access_mode", "model_node_ids")
_LOCAL_OUT = ("model_id", "register_model_status")


def _s(name: str, inputs: tuple[str, ...], outputs: tuple[str, ...], run: Run, **kw: Any) -> StepSpec:
    reads = kw.pop("reads", inputs)
    return StepSpec(name=name, inputs=inputs, outputs=outputs, reads=reads, run=run, **kw)


STEPS: dict[str, StepSpec] = {s.name: s for s in (
    _s("noop", (), (), noop, optional=("delay",), latency_s=0.0),
    _s("create_connector", ("name", "description", "version", "protocol", "parameters", "credential", "actions"),
       ("connector_id",), create_connector, plugins=ML, timeout_s=60.0, resource_type="connector_id",
       undo="delete_connector", latency_s=0.08, failure="Failed to create connector",
       optional=("backend_roles", "add_all_backend_roles", "access_mode", "client_config", "url", "headers")),
    _s("delete_connector", ("connector_id",), ("connector_id",), delete_connector, plugins=ML, optional=(),
       latency_s=0.04, failure="Failed to delete connector"),
    _s("register_model_group", ("name",), ("model_group_id", "model_group_status"), register_model_group,
       plugins=ML, resource_type="model_group_id", undo="noop", latency_s=0.06,
       optional=("description", "backend_roles", "access_mode", "add_all_backend_roles"),
       failure="Failed to register model group"),
    _s("register_remote_model", ("name", "connector_id"), ("model_id", "register_model_status"),
       register("remote"), plugins=ML, resource_type="model_id", undo="delete_model", latency_s=0.15,
       optional=_MODEL_OPT, failure="Failed to register remote model"),
    _s("register_local_pretrained_model", ("name", "version", "model_format"), _LOCAL_OUT, register("local"),
       plugins=ML, timeout_s=60.0, resource_type="model_id", undo="delete_model", latency_s=0.9,
       optional=_MODEL_OPT, failure="Failed to register local model"),
    _s("register_local_sparse_encoding_model", ("name", "version", "model_format"),
       _LOCAL_OUT + ("function_name", "model_content_hash_value", "url"), register_sparse, plugins=ML,
       timeout_s=60.0, resource_type="model_id", undo="delete_model", latency_s=0.9,
       optional=_MODEL_OPT + ("model_content_hash_value", "url", "function_name"),
       failure="Failed to register local model"),
    _s("register_local_custom_model", ("name", "version", "model_format", "function_name",
                                       "model_content_hash_value", "url", "model_type", "embedding_dimension",
                                       "framework_type"), _LOCAL_OUT, register("local"), plugins=ML,
       reads=("name", "version", "model_format", "function_name", "model_content_hash_value", "url",
              "model_config"),
       timeout_s=60.0, resource_type="model_id", undo="delete_model", latency_s=1.0,
       optional=_MODEL_OPT + ("all_config",), failure="Failed to register local model"),
    _s("deploy_model", ("model_id",), ("model_id",), deploy_model, plugins=ML, timeout_s=15.0,
       resource_type="model_id", undo="undeploy_model", latency_s=0.6, optional=(), failure="Failed to deploy model"),
    _s("undeploy_model", ("model_id",), ("success",), undeploy_model, plugins=ML, optional=(), latency_s=0.1,
       failure="Failed to undeploy model"),
    _s("delete_model", ("model_id",), ("model_id",), delete_model, plugins=ML, optional=(), latency_s=0.05,
       failure="Failed to delete model"),
    _s("register_agent", ("name", "type"), ("agent_id",), register_agent, plugins=ML, resource_type="agent_id",
       undo="delete_agent", latency_s=0.07, failure="Failed to register the agent",
       optional=("description", "llm", "model", "tools", "tools_order", "parameters", "memory", "created_time",
                 "last_updated_time", "app_type", "context_management_name", "context_management")),
    _s("delete_agent", ("agent_id",), ("agent_id",), delete_agent, plugins=ML, optional=(), latency_s=0.04,
       failure="Failed to delete agent"),
    _s("create_tool", ("type",), ("tools",), create_tool, plugins=ML, latency_s=0.01,
       optional=("name", "description", "parameters", "attributes", "config", "include_output_in_agent_response",
                 "runtime_resources"), failure="Failed to create tool"),
    _s("create_index", ("index_name", "configurations"), ("index_name",), create_index, resource_type="index_name",
       undo="delete_index", update="update_index", latency_s=0.12, optional=(), failure="Failed to create the index"),
    _s("update_index", ("index_name", "configurations"), ("index_name",), update_index, latency_s=0.08,
       optional=(), failure="Failed to update the index"),
    _s("delete_index", ("index_name",), ("index_name",), delete_index, latency_s=0.06, optional=(),
       failure="Failed to delete the index"),
    _s("reindex", ("source_index", "destination_index"), ("reindex",), reindex, latency_s=0.3, undo="noop",
       optional=("refresh", "requests_per_second", "require_alias", "slices", "max_docs"),
       failure="Failed to reindex"),
    _s("create_ingest_pipeline", ("pipeline_id", "configurations"), ("pipeline_id",), pipeline("ingest", "create"),
       resource_type="pipeline_id", undo="delete_ingest_pipeline", update="update_ingest_pipeline",
       latency_s=0.04, optional=("model_id",), failure="Failed to create ingest pipeline"),
    _s("update_ingest_pipeline", ("pipeline_id", "configurations"), ("pipeline_id",), pipeline("ingest", "update"),
       latency_s=0.04, optional=(), failure="Failed to update ingest pipeline"),
    _s("delete_ingest_pipeline", ("pipeline_id",), ("pipeline_id",), pipeline("ingest", "delete"),
       latency_s=0.03, optional=(), failure="Failed to delete ingest pipeline"),
    _s("create_search_pipeline", ("pipeline_id", "configurations"), ("pipeline_id",), pipeline("search", "create"),
       resource_type="pipeline_id", undo="delete_search_pipeline", update="update_search_pipeline",
       latency_s=0.04, optional=("model_id",), failure="Failed to create search pipeline"),
    _s("update_search_pipeline", ("pipeline_id", "configurations"), ("pipeline_id",), pipeline("search", "update"),
       latency_s=0.04, optional=(), failure="Failed to update search pipeline"),
    _s("delete_search_pipeline", ("pipeline_id",), ("pipeline_id",), pipeline("search", "delete"),
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
