"""The Flow Framework plugin's state in one tenant (reference §1.1, §6): its two system indices, the
fake ML cluster, the credential master key, the provisioning runs in flight and the dashboard trace.

Data only, plus the `Ledger` writes (ledger.py) that provisioning and deprovisioning go through; the
transport actions that apply the plugin's rules to it are the functions of backend.py.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, cast

from emulator.core.emulator import Tenant
from emulator.core.snapshot import Part
from emulator.opensearch_flow import snapshot
from emulator.opensearch_flow.cluster import Cluster
from emulator.opensearch_flow.credentials import CredentialCipher
from emulator.opensearch_flow.domain import Node, Template, Workflow
from emulator.opensearch_flow.errors import STATE_INDEX, TEMPLATES_INDEX
from emulator.opensearch_flow.models import DocIndex, ResourceEntry, StateDoc, initial_state
from emulator.opensearch_flow.provisioning import ProvisionRun
from emulator.opensearch_flow.releases import Release, release_for
from emulator.opensearch_flow.trace import FlowTrace


@dataclass
class FlowState:
    tenant: Tenant  # the scope runs are spawned on and timed by (clock, ids, faults, settings)
    release: Release
    templates: DocIndex
    state: DocIndex
    cluster: Cluster
    cipher: CredentialCipher
    trace: FlowTrace
    runs: dict[str, ProvisionRun] = field(default_factory=dict)
    run_tenants: dict[str, str | None] = field(default_factory=dict)  # workflow id -> x-tenant-id of its run
    deprovisions: dict[str | None, int] = field(default_factory=dict)  # x-tenant-id -> deprovisions running

    snapshot_parts: ClassVar[tuple[Part, ...]] = snapshot.PARTS

    @classmethod
    def for_tenant(cls, tenant: Tenant) -> FlowState:
        release = release_for(tenant.settings.opensearch_version)
        return cls(tenant=tenant, release=release, templates=DocIndex(TEMPLATES_INDEX), state=DocIndex(STATE_INDEX),
                   cluster=Cluster(mapping_types=not release.typeless_mappings),
                   cipher=CredentialCipher(tenant.settings.seed),
                   trace=FlowTrace(lambda: tenant.clock.now_ms()))

    @property
    def legacy_2x(self) -> bool:
        """§2: before 3.0 provision answered 200 and create/update with provision 201."""
        return not self.release.accepted_202

    # --- Ledger (ledger.py) -------------------------------------------------------------------
    def template_of(self, workflow_id: str) -> Template | None:
        # the templates index holds only what parse_template made (or a state file saved of it)
        return cast(Template | None, self.templates.get(workflow_id))

    def state_of(self, workflow_id: str) -> StateDoc | None:
        # the state index holds only StateDocs: every write goes through initial_state or set_state
        return cast(StateDoc | None, self.state.get(workflow_id))

    def set_state(self, workflow_id: str, fields: StateDoc, remove: tuple[str, ...] = ()) -> None:
        self.state.update(workflow_id, fields, remove=remove)

    def reset_state(self, workflow_id: str) -> None:
        if self.template_of(workflow_id) is not None:
            self.state.index(workflow_id, initial_state(workflow_id))  # full overwrite (§6.2)
        else:
            self.state.delete(workflow_id)

    def record_resource(self, workflow_id: str, entry: ResourceEntry) -> None:
        doc = self.state_of(workflow_id)
        if doc is not None:
            self.set_state(workflow_id, {"resources_created": [*(doc.get("resources_created") or []), entry]})

    def drop_resource(self, workflow_id: str, entry: ResourceEntry) -> None:
        doc = self.state_of(workflow_id)
        if doc is None:
            return
        current = list(doc.get("resources_created") or [])
        if entry in current:
            current.remove(entry)
            self.set_state(workflow_id, {"resources_created": current})

    # --- runs in flight -----------------------------------------------------------------------
    def start_run(self, run: ProvisionRun) -> None:
        self.runs[run.workflow_id] = run
        task = self.tenant.spawn(run.run())
        task.add_done_callback(lambda _t: self.runs.pop(run.workflow_id, None) if self.runs.get(
            run.workflow_id) is run else None)

    def snapshot_extra(self) -> dict[str, Any]:
        """Runs in flight, with the outputs of the nodes they finished (opensearch_flow/snapshot.py)."""
        runs: list[snapshot.SavedRun] = [
            {"workflow_id": wid, "workflow": run.workflow.doc(), "order": [n.doc() for n in run.order],
             "params": run.params, "finished": dict(run.outputs), "step_override": run.step_override,
             "reprovision": run.reprovision, "tenant_id": self.run_tenants.get(wid)}
            for wid, run in self.runs.items()]
        return {"runs": runs}

    def restore_extra(self, extra: dict[str, Any]) -> None:
        """Resume saved runs: finished nodes replay their outputs, the others run again."""
        r: snapshot.SavedRun
        for r in extra.get("runs", []):
            run = ProvisionRun(self, self.tenant, r["workflow_id"], Workflow.of(r["workflow"]),
                               [Node.of(n) for n in r["order"]], r["params"],
                               replay=r["finished"], step_override=r["step_override"], reprovision=r["reprovision"])
            self.run_tenants[run.workflow_id] = r.get("tenant_id")
            self.start_run(run)

    def dump(self) -> dict[str, Any]:
        return {"templates": self.templates.dump(), "state": self.state.dump(), "cluster": self.cluster.dump(),
                "provisioning": sorted(self.runs)}
