"""What a Flow workflow did, as data for the dashboard: each node's state in the latest provisioning
run, and each deprovision call as a timeline of passes, attempts and pauses (reference §7, §8).

The plugin keeps none of this (its state document has only `state`, `error` and
`resources_created`); the emulator records it beside the state so a failing test can be looked at.
Times are the tenant clock's, so a manual clock shows the 100 ms / 1 s pauses as they were awaited.
Bounded: WORKFLOWS_KEPT workflows (oldest dropped), CALLS_KEPT deprovision calls per workflow,
EVENTS_KEPT events per call.
"""
from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Any

WORKFLOWS_KEPT = 1000
CALLS_KEPT = 10
EVENTS_KEPT = 500

# node states of a provisioning run (the plugin's ProcessNode futures: waiting, running, done, failed)
PENDING, RUNNING, COMPLETED, FAILED, NOT_RUN, CANCELLED, REUSED = (
    "PENDING", "RUNNING", "COMPLETED", "FAILED", "NOT_RUN", "CANCELLED", "REUSED")


class FlowTrace:
    def __init__(self, now_ms: Callable[[], int]) -> None:
        self._now = now_ms  # the tenant clock's, read at each event (a tenant may switch clocks)
        self.runs: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self.deprovisions: OrderedDict[str, deque[dict[str, Any]]] = OrderedDict()

    @staticmethod
    def _touch(store: OrderedDict[str, Any], key: str, value: Any) -> None:
        store[key] = value
        store.move_to_end(key)
        while len(store) > WORKFLOWS_KEPT:
            store.popitem(last=False)

    # --- provisioning -------------------------------------------------------------------------
    def provision_started(self, workflow_id: str, node_ids: list[str], reprovision: bool) -> None:
        self._touch(self.runs, workflow_id, {
            "started_ms": self._now(), "ended_ms": None, "reprovision": reprovision,
            "nodes": {n: {"state": PENDING, "started_ms": None, "ended_ms": None} for n in node_ids}})

    def node(self, workflow_id: str, node_id: str, state: str | None, **info: Any) -> None:
        """A node's new state (None: only add `info`, e.g. the fault rule that failed it)."""
        run = self.runs.get(workflow_id)
        node = run["nodes"].get(node_id) if run else None
        if node is None:
            return
        if state is not None:
            node["state"] = state
        if state in (RUNNING, REUSED):
            node["started_ms"] = self._now()
        if state not in (None, PENDING, RUNNING):
            node["ended_ms"] = self._now()
        node.update({k: v for k, v in info.items() if v is not None})

    def provision_ended(self, workflow_id: str) -> None:
        run = self.runs.get(workflow_id)
        if run is not None:
            run["ended_ms"] = self._now()

    # --- deprovisioning -----------------------------------------------------------------------
    def deprovision_started(self, workflow_id: str, allow_delete: set[str]) -> dict[str, Any]:
        calls = self.deprovisions.get(workflow_id) or deque(maxlen=CALLS_KEPT)
        self._touch(self.deprovisions, workflow_id, calls)
        call: dict[str, Any] = {"started_ms": self._now(), "ended_ms": None, "allow_delete": sorted(allow_delete),
                                "status": None, "message": None, "events": [], "events_dropped": 0}
        calls.append(call)
        return call

    def event(self, call: dict[str, Any] | None, kind: str, **info: Any) -> None:
        if call is None:
            return
        if len(call["events"]) >= EVENTS_KEPT:
            call["events_dropped"] += 1
            return
        call["events"].append({"type": kind, "at_ms": self._now(), **info})

    def deprovision_ended(self, call: dict[str, Any] | None, status: int, message: str | None = None) -> None:
        if call is not None:
            call.update(status=status, message=message, ended_ms=self._now())

    def dump(self, workflow_id: str) -> dict[str, Any]:
        return {"provisioning": self.runs.get(workflow_id),
                "deprovisions": list(self.deprovisions.get(workflow_id) or ())}
