"""Clarifai workflow predict, PostWorkflowResults (reference §5): DAG execution with deterministic outputs.

Every output is a pure function of (model, model version, input content), so the same input
always gets the same concepts, regions and embeddings. URLs are never fetched: the URL text is
the content. Each workflow version gets an execution plan once (predict is the hot path).
"""
from __future__ import annotations

import contextvars
from dataclasses import dataclass, field
from typing import Any

import orjson

from emulator.clarifai import concept_select, errors, outputs_video, wire
from emulator.clarifai.catalog import MODEL_TYPES, ModelDef
from emulator.clarifai.hooks import CLARIFAI_NODE
from emulator.clarifai.inputs import InputContent, echo_data, read_input
from emulator.clarifai.models import Workflow, WorkflowVersion
from emulator.clarifai.outputs import OutputConfig, Scorer
from emulator.clarifai.state import CallScope, ClarifaiState
from emulator.clarifai.workflows import find_for_predict

# set by the predict lane (predict_lane.py) around a full-path request: what the request resolved to
trace: contextvars.ContextVar[list[Resolved] | None] = contextvars.ContextVar("predict_trace", default=None)

MAX_INPUTS = 32  # §5 / §6
STATE_TTL_S = 300.0  # §3: a workflow_state expires after 5 minutes between calls
OK = wire.ok_status()  # shared by every successful output and result: never mutated


@dataclass(frozen=True)
class PlanNode:
    id: str
    model: ModelDef
    version_id: str
    model_json: dict[str, Any]  # shared, never mutated: rendered as each output's `model`
    model_fragment: bytes  # the same, serialised once for REST responses
    input_field: str  # "image" | "text"
    upstream: int  # index of the first node_input in the plan, -1 for roots
    suppress: bool
    scorer: Scorer  # this node's outputs (outputs.py)


@dataclass(frozen=True)
class Plan:
    nodes: tuple[PlanNode, ...]
    model_ids: tuple[str, ...]
    generation: int  # of the model catalogue it was made from: a re-registered model makes a new plan
    shown: int  # nodes whose output shows (not suppressed)
    # the `workflow` summary every response carries, per the workflow fields it shows
    summary: dict[tuple[Any, ...], tuple[dict[str, Any], orjson.Fragment]] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Run:
    """The outcome of one input through the plan, without the ids and times each response gets."""
    outcome: int  # 0 = every output succeeded, 1 = some failed, 2 = all failed
    status: dict[str, Any]  # the result's status
    # per shown (not suppressed) node: (node, status, data as a dict, data rendered); REST gets the
    # JSON (the dict only where another node read it), gRPC the dict or, for a classifier's concepts,
    # the serialised `Data` message
    outputs: tuple[tuple[PlanNode, dict[str, Any], dict[str, Any] | None, bytes | None], ...]


@dataclass(frozen=True)
class Resolved:
    """What a predict answer was made from, as of the moment it was made (predict_lane.py)."""
    workflow: Workflow
    version: WorkflowVersion
    pinned: bool  # the request named its version
    plan: Plan
    scope: CallScope
    created: str  # the answer's `created_at`
    created_count: int  # how often it shows: once per result and per output
    shown: tuple[Any, ...]  # summary_key(workflow)
    api_key: Any  # the registered key the caller authenticated with (None: none registered)


def plan_for(backend: ClarifaiState, v: WorkflowVersion) -> Plan:
    catalog = backend.catalog
    plan: Plan | None = v.plan
    if plan is None or plan.generation != catalog.generation:
        index = {n.id: i for i, n in enumerate(v.nodes)}
        nodes = []
        for n in v.nodes:
            m = n.model  # custom models resolve in the app that owns them
            mdef, version = catalog.resolve(m.id, m.version_id, (m.user_id, m.app_id))
            nodes.append(PlanNode(n.id, mdef, version, m.shown, orjson.dumps(m.shown),
                                  MODEL_TYPES[mdef.model_type_id].input_fields[0],
                                  index[n.node_inputs[0]] if n.node_inputs else -1, n.suppress_output,
                                  Scorer(mdef, version)))
        plan = v.plan = Plan(tuple(nodes), tuple(dict.fromkeys(p.model.id for p in nodes)), catalog.generation,
                             sum(1 for p in nodes if not p.suppress))
    return plan


def summary_key(wf: Workflow) -> tuple[Any, ...]:
    """The workflow fields an answer's `workflow` summary shows."""
    return wf.id, wf.app_id, wf.user_id, wf.created_at, wf.modified_at, wf.visibility


def _workflow_summary(plan: Plan, wf: Workflow, v: WorkflowVersion,
                      fragments: bool) -> dict[str, Any] | orjson.Fragment:
    key = summary_key(wf)
    hit = plan.summary.get(key)
    if hit is None:
        summary = {"id": wf.id, "app_id": wf.app_id, "user_id": wf.user_id,
                   "created_at": wire.timestamp(wf.created_at), "modified_at": wire.timestamp(wf.modified_at),
                   "version": {"id": v.id, "workflow_id": wf.id}, "metadata": {},
                   "visibility": {"gettable": wf.visibility}, "use_cases": [], "check_consents": []}
        plan.summary.clear()  # a workflow shows one state at a time
        hit = plan.summary[key] = (summary, orjson.Fragment(orjson.dumps(summary)))
    return hit[1] if fragments else hit[0]  # shared: never mutated


def _workflow_state(backend: ClarifaiState, req: dict[str, Any], now: float) -> dict[str, Any] | None:
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


async def post_workflow_results(backend: ClarifaiState, req: dict[str, Any],
                                scope: CallScope) -> tuple[dict[str, Any], int]:
    wf = find_for_predict(backend, scope, req.get("workflow_id", ""))
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
    config = OutputConfig.of(req)
    created = wire.timestamp(scope.now, nanos=True)
    as_json = scope.fragments
    max_image = s.clarifai_max_image_bytes
    runs = [execute(backend, wf, plan, config, i, read_input(inp, max_image), as_json)
            for i, inp in enumerate(inputs)]
    # every id of the answer in one draw, in the order the inputs use them: the input's own (when it
    # has none), one per shown output, the result's
    fresh = backend.tenant.ids.hex32_many(sum(1 for inp in inputs if not inp.get("id"))
                                          + len(inputs) * (plan.shown + 1))
    body, http = _aggregate(runs)
    body["workflow"] = _workflow_summary(plan, wf, v, as_json)
    if as_json:
        body["results"] = orjson.Fragment(_results_json(inputs, runs, fresh, created))
    else:
        body["results"] = _results(inputs, runs, [i.decode() for i in fresh], created)
    if state is not None:
        body["workflow_state"] = state
    seen = trace.get()
    if seen is not None and state is None:
        keys = backend.keys.keys
        seen.append(Resolved(wf, v, bool(vid), plan, scope, created, sum(1 + len(r.outputs) for r in runs),
                             summary_key(wf), keys.get(scope.principal.key) if keys else None))
    return body, http


_OK_JSON = orjson.dumps(OK)


def _status_json(st: dict[str, Any]) -> bytes:
    return _OK_JSON if st is OK else orjson.dumps(st)


def _results_json(inputs: list[dict[str, Any]], runs: list[Run], fresh: list[bytes], created: str) -> bytes:
    """`orjson.dumps(_results(...))`, joined from parts serialised once (the node's model, OK)."""
    at = b'","status":'
    when = b',"created_at":' + orjson.dumps(created)
    out: list[bytes] = []
    k = 0
    for inp, run in zip(inputs, runs, strict=True):
        given = inp.get("id")
        if given:
            echo_id = orjson.dumps(given)
        else:
            echo_id = b'"' + fresh[k] + b'"'
            k += 1
        outputs = []
        for node, st, _, shown in run.outputs:
            piece = b'{"id":"' + fresh[k] + at + _status_json(st) + when + b',"model":' + node.model_fragment
            outputs.append(piece + b',"data":' + shown + b"}" if shown is not None else piece + b"}")
            k += 1
        out.append(b'{"id":"' + fresh[k] + at + _status_json(run.status) + when + b',"input":{"id":' + echo_id
                   + b',"data":' + orjson.dumps(echo_data(inp.get("data") or {})) + b'},"outputs":['
                   + b",".join(outputs)
                   + b"]}")
        k += 1
    return b"[" + b",".join(out) + b"]"


def _results(inputs: list[dict[str, Any]], runs: list[Run], fresh: list[str], created: str) -> list[dict[str, Any]]:
    out = []
    k = 0
    for inp, run in zip(inputs, runs, strict=True):
        given = inp.get("id")
        if not given:
            given = fresh[k]
            k += 1
        outputs = []
        for node, st, data, shown in run.outputs:
            o: dict[str, Any] = {"id": fresh[k], "status": st, "created_at": created, "model": node.model_json}
            if shown is not None:  # a classifier's concepts, already serialised (outputs.Scorer.concepts_proto)
                o["data"] = shown
            elif data is not None:
                o["data"] = data
            outputs.append(o)
            k += 1
        out.append({"id": fresh[k], "status": run.status, "created_at": created,
                    "input": {"id": given, "data": echo_data(inp.get("data") or {})}, "outputs": outputs})
        k += 1
    return out


def execute(backend: ClarifaiState, wf: Workflow, plan: Plan, config: OutputConfig, index: int,
             content: InputContent | errors.ClarifaiError, as_json: bool) -> Run:
    """Run one input through the plan's nodes in order (§5): statuses, data, the result status."""
    faults = backend.tenant.faults
    active = faults.active
    statuses: list[dict[str, Any] | None] = []  # None = success
    datas: list[dict[str, Any] | None] = []
    rendered: list[bytes | None] = []
    partial: list[str] = []  # select_concepts partly matched (mixed success, concept_select.py)
    for node in plan.nodes:
        st: dict[str, Any] | None = None
        data: dict[str, Any] | None = None
        shown: bytes | None = None
        if isinstance(content, errors.ClarifaiError):
            st = backend.status_of(content)[0]
        elif node.upstream >= 0 and statuses[node.upstream] is not None:
            st = statuses[node.upstream]  # a failed upstream fails its consumers with its reason
        elif node.upstream < 0 and node.input_field != content.kind and not outputs_video.takes(
                node.model, node.input_field, content.kind):
            st = backend.status_of(errors.ClarifaiError(
                30104, f"Model '{node.model.id}' takes {node.input_field} inputs, got {content.kind}",
                "input_type_mismatch"))[0]
        else:
            note = None
            if config.select:
                try:
                    note = concept_select.check(node.model, config.select)
                except errors.ClarifaiError as exc:
                    st = backend.status_of(exc)[0]
            if note:
                partial.append(note)
            effect = faults.fire(CLARIFAI_NODE, model_id=node.model.id, node_id=node.id, input_index=index,
                                 workflow_id=wf.id) if active and st is None else None
            if effect is not None and effect.get("type") == "node_error":
                code = int(effect.get("code", errors.BY_NAME["MODEL_PREDICTION_FAILED"].code))
                st = wire.status(code, str(effect.get("description") or errors.spec(code).description),
                                 str(effect.get("details") or ""))
            elif st is None:
                data, shown = node.scorer.data(content, datas[node.upstream] if node.upstream >= 0 else None,
                                               config, as_json, not as_json)
        statuses.append(st)
        datas.append(data)
        rendered.append(shown)
    outputs = tuple((node, st or OK, data, shown)
                    for node, st, data, shown in zip(plan.nodes, statuses, datas, rendered, strict=True)
                    if not node.suppress)
    if isinstance(content, errors.ClarifaiError):
        return Run(2, backend.status_of(content)[0], outputs)
    failed = [s for s in statuses if s is not None]
    if not failed and not partial:
        return Run(0, OK, outputs)
    if len(failed) == len(statuses):
        return Run(2, failed[0], outputs)
    return Run(1, wire.status(errors.MIXED_STATUS.code, errors.MIXED_STATUS.description, "; ".join(partial)),
               outputs)


def _aggregate(runs: list[Run]) -> tuple[dict[str, Any], int]:
    """§5: all succeed 10000/200, all fail FAILURE 10020/400, otherwise MIXED_STATUS 10010/207."""
    outcomes = {r.outcome for r in runs}
    if outcomes == {0}:
        spec = errors.SUCCESS
    elif outcomes == {2}:
        spec = errors.FAILURE
    else:
        spec = errors.MIXED_STATUS
    return {"status": wire.status(spec.code, spec.description)}, spec.http_status
