"""Asynchronous provisioning as the plugin's `ProcessNode` executor runs it (reference §3.4, §6.2, §7).

Every node starts at once and waits for its direct predecessors, so independent branches run in
parallel; the controller then awaits the nodes in topological order and the first failure it meets
decides the state's `error`. Step latency and node timeouts are awaited on the tenant clock.
"""
from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from emulator.core.emulator import Tenant
from emulator.opensearch_flow import errors
from emulator.opensearch_flow.cluster import ClusterError
from emulator.opensearch_flow.domain import Node, Workflow
from emulator.opensearch_flow.errors import FlowError, rest_status_name
from emulator.opensearch_flow.hooks import FLOW_STEP
from emulator.opensearch_flow.ledger import Ledger
from emulator.opensearch_flow.models import Progress, State, resource_entry
from emulator.opensearch_flow.sorter import parse_time_value
from emulator.opensearch_flow.step_runs import StepContext, WorkflowData
from emulator.opensearch_flow.steps import REGISTERS_MODEL, STEPS, StepSpec
from emulator.opensearch_flow.trace import CANCELLED, COMPLETED, FAILED, NOT_RUN, REUSED, RUNNING

_NODE_REF = re.compile(r"\$\{\{\s*(\w+)\.(\w+)\s*\}\}")
_PARAM_REF = re.compile(r"\$\{\{\s*([^\s{}]+)\s*\}\}")
_MISSING = object()


class NodeTimeout(Exception):
    """A node exceeded its `node_timeout` (Java `TimeoutException`, §7)."""


@dataclass
class Outcome:
    """How a provisioning run ended: `error` is the state's error text, `status` the failing step's status."""

    ok: bool
    error: str | None = None
    status: int = 200


def state_error_text(node_id: str, exc: BaseException, reprovision: bool = False) -> tuple[str, int]:
    """§7 "Failure -> state error text"; reprovision words it differently."""
    if reprovision:
        status = exc.status if isinstance(exc, FlowError) else 500
        what = exc.message if isinstance(exc, FlowError) else "java.util.concurrent.TimeoutException"
        return f"{what} during step {node_id}, restStatus: {rest_status_name(status)}", status
    if isinstance(exc, FlowError):
        text = f"{exc.exception} during step {node_id}, {exc.message}, restStatus: {rest_status_name(exc.status)}"
        return text, exc.status
    name = "TimeoutException" if isinstance(exc, NodeTimeout) else type(exc).__name__
    return f"{name} during step {node_id}, restStatus: INTERNAL_SERVER_ERROR", 500


def _json_escape(value: str) -> str:
    return orjson.dumps(value).decode()[1:-1]


def substitute(value: Any, outputs: dict[str, WorkflowData], params: dict[str, str]) -> Any:
    """`${{node.key}}` from direct predecessors, then `${{ param }}` (JSON-escaped); §7."""
    def text(s: str) -> str:
        def node_ref(m: re.Match[str]) -> str:
            out = outputs.get(m.group(1), {}).get(m.group(2))
            return out if isinstance(out, str) else m.group(0)

        def param_ref(m: re.Match[str]) -> str:
            p = params.get(m.group(1))
            return _json_escape(p) if p is not None else m.group(0)
        return _PARAM_REF.sub(param_ref, _NODE_REF.sub(node_ref, s))

    if isinstance(value, str):
        return text(value)
    if isinstance(value, dict):
        return {k: text(v) if isinstance(v, str) else v for k, v in value.items()}
    if isinstance(value, list):
        return [text(v) if isinstance(v, str) else v for v in value]
    return value


def resolve_inputs(spec: StepSpec, node: Node, user_params: Mapping[str, str],
                   outputs: dict[str, WorkflowData], preds: list[str], workflow_id: str) -> WorkflowData:
    """§7 input resolution order; raises the plugin's missing-inputs error."""
    resolved: WorkflowData = {}
    prev = node.previous_node_inputs
    for key in spec.reads + spec.optional:
        value: Any = _MISSING
        for source, out_key in prev.items():
            if out_key == key and key in outputs.get(source, {}):
                value = outputs[source][key]
                break
        if value is _MISSING and key in user_params:
            value = user_params[key]
        if value is _MISSING and key in node.user_inputs:
            value = node.user_inputs[key]
        if value is _MISSING:
            for p in preds:
                if key in outputs.get(p, {}):
                    value = outputs[p][key]
                    break
        if value is not _MISSING:
            resolved[key] = value
    missing = [k for k in spec.reads if k not in resolved]
    if missing:
        raise errors.missing_step_inputs(missing, workflow_id, node.id)
    return resolved


class ProvisionRun:
    """One execution of a template's `provision` workflow."""

    def __init__(self, ledger: Ledger, scope: Tenant, workflow_id: str, workflow: Workflow,
                 order: Sequence[Node], params: dict[str, str],
                 replay: dict[str, WorkflowData] | None = None,
                 step_override: dict[str, str] | None = None, reprovision: bool = False) -> None:
        self.ledger = ledger
        self.tenant = scope
        self.workflow_id = workflow_id
        self.workflow = workflow
        self.order = order
        self.params = params
        self.replay = replay or {}  # node id -> recorded outputs (unchanged nodes on reprovision)
        self.step_override = step_override or {}  # node id -> update step (reprovision)
        self.reprovision = reprovision
        self.preds = workflow.predecessors()
        self.outputs: dict[str, WorkflowData] = {}
        self.done: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()

    async def run(self) -> Outcome:
        futures: dict[str, asyncio.Future[WorkflowData]] = {}
        loop = asyncio.get_running_loop()
        for node in self.order:
            fut: asyncio.Future[WorkflowData] = loop.create_future()
            fut.add_done_callback(lambda f: None if f.cancelled() else f.exception())
            futures[node.id] = fut
        trace = self.ledger.trace
        trace.provision_started(self.workflow_id, [n.id for n in self.order], self.reprovision)
        for node in self.order:
            self.tenant.spawn(self._node(node, futures))
        outcome = Outcome(True)
        for node in self.order:
            try:
                await asyncio.shield(futures[node.id])
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - every failure becomes the state error (§7)
                text, status = state_error_text(node.id, exc, self.reprovision)
                outcome = Outcome(False, text, status)
                break
        now = self.tenant.clock.now_ms()
        if outcome.ok:
            self.ledger.set_state(self.workflow_id, {"state": State.COMPLETED.value,
                                                         "provisioning_progress": Progress.DONE.value,
                                                         "provision_end_time": now})
        else:
            self.ledger.set_state(self.workflow_id, {"state": State.FAILED.value,
                                                         "provisioning_progress": Progress.FAILED.value,
                                                         "error": outcome.error, "provision_end_time": now})
        trace.provision_ended(self.workflow_id)
        if not self.done.done():
            self.done.set_result(outcome)
        return outcome

    async def _node(self, node: Node, futures: dict[str, asyncio.Future[WorkflowData]]) -> None:
        fut = futures[node.id]
        trace, nid = self.ledger.trace, node.id
        started = False
        try:
            for p in self.preds[nid]:
                # a node whose predecessor failed fails with the same exception (§7)
                self.outputs[p] = await asyncio.shield(futures[p])
            started = True
            trace.node(self.workflow_id, nid, REUSED if nid in self.replay else RUNNING)
            result = await self._execute(node)
        except asyncio.CancelledError:
            trace.node(self.workflow_id, nid, CANCELLED)
            if not fut.done():
                fut.cancel()
            raise
        except Exception as exc:  # noqa: BLE001
            text = state_error_text(nid, exc, self.reprovision)[0]
            trace.node(self.workflow_id, nid, FAILED if started else NOT_RUN,
                       error=text if started else f"a predecessor failed: {text}")
            if not fut.done():
                fut.set_exception(exc)
            return
        if nid not in self.replay:
            trace.node(self.workflow_id, nid, COMPLETED)
        self.outputs[node.id] = result
        if not fut.done():
            fut.set_result(result)

    async def _execute(self, node: Node) -> WorkflowData:
        if node.id in self.replay:
            return self.replay[node.id]
        spec = STEPS[self.step_override.get(node.id, node.type)]
        preds = self.preds[node.id]
        inputs = resolve_inputs(spec, node, self.workflow.user_params, self.outputs, preds, self.workflow_id)
        inputs = {k: substitute(v, {p: self.outputs.get(p, {}) for p in preds}, self.params)
                  for k, v in inputs.items()}
        raw_timeout = node.user_inputs.get("node_timeout")
        timeout = parse_time_value(str(raw_timeout)) if raw_timeout is not None else spec.effective_timeout_s
        body = asyncio.ensure_future(self._step(spec, node, inputs))
        if timeout <= 0:
            return await body
        timer = asyncio.ensure_future(self.tenant.clock.sleep(timeout))
        try:
            finished, _ = await asyncio.wait({body, timer}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            body.cancel()
            timer.cancel()
            raise
        if body in finished:
            timer.cancel()
            return body.result()
        body.cancel()
        raise NodeTimeout()

    async def _step(self, spec: StepSpec, node: Node, inputs: WorkflowData) -> WorkflowData:
        effect = self.tenant.faults.fire(FLOW_STEP, phase="provision", step_type=spec.name, node_id=node.id,
                                         resource_type=spec.resource_type, resource_id=None,
                                         workflow_id=self.workflow_id)
        delay = spec.latency_s * self.tenant.settings.step_latency_scale
        if spec.name == "noop" and inputs.get("delay") is not None:
            delay += parse_time_value(str(inputs["delay"]))
        if delay > 0:
            await self.tenant.clock.sleep(delay)
        if effect is not None:
            self.ledger.trace.node(self.workflow_id, node.id, None, fault=effect.get("rule"))
            raise errors.step_exception(int(effect.get("status", 500)), str(effect.get("message") or spec.failure))
        ctx = StepContext(cluster=self.ledger.cluster, new_id=self.tenant.ids.opensearch_id, inputs=inputs,
                          node_id=node.id, workflow_id=self.workflow_id,
                          predecessors={p: self.outputs.get(p, {}) for p in self.preds[node.id]},
                          previous_node_inputs=node.previous_node_inputs)
        try:
            outputs = spec.run(ctx)
        except ClusterError as exc:
            # getSafeException (flow-framework exception/WorkflowStepException.java:75-83): a safe exception's
            # message reaches the state error; any other becomes the step's own failure text with a 500
            if not exc.safe:
                raise errors.step_exception(500, spec.failure) from None
            raise errors.step_exception(exc.status, exc.message) from None
        if spec.resource_type and spec.name == node.type:
            rid, record = str(outputs[spec.resource_type]), self.ledger.record_resource
            record(self.workflow_id, resource_entry(spec.name, node.id, spec.resource_type, rid))
            if spec.name in REGISTERS_MODEL and str(inputs.get("deploy", "")).lower() == "true":
                record(self.workflow_id, resource_entry("deploy_model", node.id, "model_id", rid))
        return outputs
