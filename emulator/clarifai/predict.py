"""Clarifai workflow predict, PostWorkflowResults (reference §5): DAG execution with deterministic outputs.

Every output is a pure function of (model, model version, input content), so the same input
always gets the same concepts, regions and embeddings. URLs are never fetched: the URL text is
the content. Each workflow version gets an execution plan once (predict is the hot path).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from emulator.clarifai import errors, wire
from emulator.clarifai.catalog import MODEL_TYPES, ModelDef
from emulator.clarifai.inputs import InputContent, read_input
from emulator.clarifai.models import Workflow, WorkflowVersion
from emulator.clarifai.outputs import OutputConfig, node_data
from emulator.clarifai.workflows import find

if TYPE_CHECKING:
    from emulator.clarifai.backend import ClarifaiBackend, Scope

MAX_INPUTS = 32  # §5 / §6
STATE_TTL_S = 300.0
MEMO_CAP = 4096  # memoised node outputs per plan node
DEFAULT_CONFIG = OutputConfig()  # §3: a workflow_state expires after 5 minutes between calls


@dataclass(frozen=True)
class PlanNode:
    id: str
    model: ModelDef
    version_id: str
    model_json: dict[str, Any]  # shared, never mutated: rendered as each output's `model`
    input_field: str  # "image" | "text"
    upstream: int  # index of the first node_input in the plan, -1 for roots
    suppress: bool
    # this node's `data` per (input content, output config): outputs are a pure function of
    # them (outputs.py), so a repeated input is not scored again; bounded, shared read-only
    memo: dict[tuple[InputContent, OutputConfig], dict[str, Any]] = field(default_factory=dict, compare=False)

    def data(self, content: InputContent, upstream: dict[str, Any] | None, config: OutputConfig) -> dict[str, Any]:
        if upstream is not None and upstream.get("regions") and self.classifies_regions:
            return node_data(self.model, self.version_id, content, upstream, config)  # depends on upstream
        key = (content, config)
        data = self.memo.get(key)
        if data is None:
            if len(self.memo) >= MEMO_CAP:
                self.memo.clear()
            data = self.memo[key] = node_data(self.model, self.version_id, content, None, config)
        return data

    @property
    def classifies_regions(self) -> bool:
        return self.model.model_type_id.endswith("classifier")


@dataclass(frozen=True)
class Plan:
    nodes: tuple[PlanNode, ...]
    model_ids: tuple[str, ...]


def plan_for(backend: ClarifaiBackend, v: WorkflowVersion) -> Plan:
    if v.plan is None:
        index = {n["id"]: i for i, n in enumerate(v.nodes)}
        nodes = []
        for n in v.nodes:
            mdef, version = backend.catalog.resolve(n["model"]["id"], n["model"]["model_version"]["id"])
            inputs = n.get("node_inputs") or []
            nodes.append(PlanNode(n["id"], mdef, version, n["model"],
                                  MODEL_TYPES[mdef.model_type_id].input_fields[0],
                                  index[inputs[0]["node_id"]] if inputs else -1, bool(n.get("suppress_output"))))
        v.plan = Plan(tuple(nodes), tuple(dict.fromkeys(p.model.id for p in nodes)))
    plan: Plan = v.plan
    return plan


def _workflow_summary(wf: Workflow, v: WorkflowVersion) -> dict[str, Any]:
    return {"id": wf.id, "app_id": wf.app_id, "user_id": wf.user_id,
            "created_at": wire.timestamp(wf.created_at), "modified_at": wire.timestamp(wf.modified_at),
            "version": {"id": v.id, "workflow_id": wf.id}, "metadata": {}, "visibility": {"gettable": wf.visibility},
            "use_cases": [], "check_consents": []}


def _workflow_state(backend: ClarifaiBackend, req: dict[str, Any], now: float) -> dict[str, Any] | None:
    sid = (req.get("workflow_state") or {}).get("id")
    if not sid:
        return None
    states = backend.workflow_states
    if sid == "init":
        sid = backend.tenant.ids.hex32()
    elif sid not in states or now - states[sid] > STATE_TTL_S:
        states.pop(sid, None)
        raise errors.invalid_argument(f"Workflow state '{sid}' does not exist or has expired")
    states[sid] = now
    return {"id": sid}


async def post_workflow_results(backend: ClarifaiBackend, req: dict[str, Any],
                                scope: Scope) -> tuple[dict[str, Any], int]:
    wf = find(backend, scope, req.get("workflow_id", ""))
    vid = req.get("version_id")
    v = wf.versions.get(vid) if vid else wf.latest
    if v is None:
        raise errors.workflow_version_not_found(wf.id, vid or "")
    inputs = req.get("inputs") or []
    if not inputs:
        raise errors.invalid_argument("At least one input is required")
    if len(inputs) > MAX_INPUTS:
        raise errors.too_many_inputs(len(inputs), MAX_INPUTS)
    plan = plan_for(backend, v)
    s = backend.settings
    # §5/§7: a model that is not ready answers a retryable top-level status the SDK retries; every
    # model is asked, so all cold models of the workflow start deploying on the same request
    not_ready = [(code, model_id) for model_id in plan.model_ids
                 if (code := backend.catalog.readiness(model_id, scope.now, s.clarifai_cold_start_s,
                                                       s.clarifai_cold_start_idle_s)) is not None]
    if not_ready:
        raise errors.model_not_ready(*not_ready[0])
    state = _workflow_state(backend, req, scope.now)
    for model_id in plan.model_ids:
        backend.catalog.touch(model_id, scope.now)
    oc = req.get("output_config")
    config = OutputConfig.from_request(oc) if oc else DEFAULT_CONFIG
    results = [_run_input(backend, wf, plan, config, i, inp, scope.now) for i, inp in enumerate(inputs)]
    body, http = _aggregate(results)
    body["workflow"] = _workflow_summary(wf, v)
    body["results"] = [r for r, _ in results]
    if state is not None:
        body["workflow_state"] = state
    return body, http


# result outcome: 0 = every output succeeded, 1 = some failed, 2 = all failed
def _run_input(backend: ClarifaiBackend, wf: Workflow, plan: Plan, config: OutputConfig, index: int,
               inp: dict[str, Any], now: float) -> tuple[dict[str, Any], int]:
    ids = backend.tenant.ids
    created = wire.timestamp(now, nanos=True)
    echo = {"id": inp.get("id") or ids.hex32(), "data": inp.get("data") or {}}
    content: InputContent | errors.ClarifaiError = read_input(inp)
    faults = backend.tenant.faults
    statuses: list[dict[str, Any] | None] = []  # None = success
    datas: list[dict[str, Any] | None] = []
    for node in plan.nodes:
        st: dict[str, Any] | None = None
        data: dict[str, Any] | None = None
        if isinstance(content, errors.ClarifaiError):
            st = backend.status_of(content)[0]
        elif node.upstream >= 0 and statuses[node.upstream] is not None:
            st = statuses[node.upstream]  # a failed upstream fails its consumers with its reason
        elif node.upstream < 0 and node.input_field != content.kind:
            st = backend.status_of(errors.ClarifaiError(
                30104, f"Model '{node.model.id}' takes {node.input_field} inputs, got {content.kind}",
                "input_type_mismatch"))[0]
        else:
            effect = faults.clarifai_node(model_id=node.model.id, node_id=node.id, input_index=index,
                                          workflow_id=wf.id) if faults.active else None
            if effect is not None and effect.get("type") == "node_error":
                code = int(effect.get("code", errors.BY_NAME["MODEL_PREDICTION_FAILED"].code))
                st = wire.status(code, str(effect.get("description") or errors.spec(code).description),
                                 str(effect.get("details") or ""))
            else:
                data = node.data(content, datas[node.upstream] if node.upstream >= 0 else None, config)
        statuses.append(st)
        datas.append(data)
    outputs = []
    for node, st, data in zip(plan.nodes, statuses, datas):
        if node.suppress:
            continue
        out: dict[str, Any] = {"id": ids.hex32(), "status": st or wire.ok_status(), "created_at": created,
                               "model": node.model_json}
        if data is not None:
            out["data"] = data
        outputs.append(out)
    failed = [s for s in statuses if s is not None]
    if isinstance(content, errors.ClarifaiError):
        rstatus, outcome = backend.status_of(content)[0], 2
    elif not failed:
        rstatus, outcome = wire.ok_status(), 0
    elif len(failed) == len(statuses):
        rstatus, outcome = failed[0], 2
    else:
        rstatus, outcome = wire.status(errors.MIXED_STATUS.code, errors.MIXED_STATUS.description), 1
    result = {"id": ids.hex32(), "status": rstatus, "created_at": created, "input": echo, "outputs": outputs}
    return result, outcome


def _aggregate(results: list[tuple[dict[str, Any], int]]) -> tuple[dict[str, Any], int]:
    """§5: all succeed 10000/200, all fail FAILURE 10020/400, otherwise MIXED_STATUS 10010/207."""
    outcomes = {o for _, o in results}
    if outcomes == {0}:
        spec = errors.SUCCESS
    elif outcomes == {2}:
        spec = errors.FAILURE
    else:
        spec = errors.MIXED_STATUS
    return {"status": wire.status(spec.code, spec.description)}, spec.http_status
