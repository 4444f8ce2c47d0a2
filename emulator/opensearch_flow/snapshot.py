"""What of the Flow Framework survives a restart: both system indices, the fake cluster, the tenant's
credential master key (the plugin keeps it in its config index, so encrypted credentials stay readable),
and provisioning runs still in flight, which resume where they were.

A run in flight is saved with the outputs of the nodes it finished; on load those nodes are replayed
(their resources are already in `resources_created`) and the rest run again, as if the step that was
running when the server stopped had just started.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from emulator.core.snapshot import Part
from emulator.opensearch_flow.cluster import Cluster
from emulator.opensearch_flow.models import DocIndex
from emulator.opensearch_flow.provisioning import ProvisionRun

if TYPE_CHECKING:
    from emulator.opensearch_flow.backend import FlowBackend


def _set(attr: str) -> Any:
    def setter(backend: Any, value: Any) -> None:
        setattr(backend, attr, value)
    return setter


def _master_key(backend: FlowBackend) -> dict[str, str]:
    return {"master_key": backend.cipher.key.hex()}


def _set_master_key(backend: FlowBackend, value: dict[str, str]) -> None:
    backend.cipher.key = bytes.fromhex(value["master_key"])


PARTS = (
    Part("templates", DocIndex, lambda b: b.templates, _set("templates")),
    Part("state", DocIndex, lambda b: b.state, _set("state")),
    Part("cluster", Cluster, lambda b: b.cluster, _set("cluster")),
    Part("credentials", dict[str, str], _master_key, _set_master_key, secret_paths=("master_key",)),
)


def runs_in_flight(backend: FlowBackend) -> dict[str, Any]:
    return {"runs": [{"workflow_id": wid, "workflow": run.workflow, "order": run.order, "params": run.params,
                      "finished": {n: out for n, out in run.outputs.items()},
                      "step_override": run.step_override, "reprovision": run.reprovision,
                      "tenant_id": backend.run_tenants.get(wid)}
                     for wid, run in backend.runs.items()]}


def resume_runs(backend: FlowBackend, extra: dict[str, Any]) -> None:
    for r in extra.get("runs", []):
        run = ProvisionRun(backend, r["workflow_id"], r["workflow"], r["order"], r["params"],
                           replay=r["finished"], step_override=r["step_override"], reprovision=r["reprovision"])
        backend.run_tenants[run.workflow_id] = r.get("tenant_id")
        backend.start_run(run)
