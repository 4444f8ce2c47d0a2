"""Deprovisioning rules (reference §8) by calling the backend directly on a manual clock."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from emulator.core.api import register
from emulator.core.emulator import Emulator, Tenant
from emulator.opensearch_flow import backend as actions
from emulator.opensearch_flow.api import DESCRIPTOR as FLOW
from emulator.opensearch_flow.cluster import Cluster, ClusterError
from emulator.opensearch_flow.errors import FlowError
from emulator.opensearch_flow.state import FlowState
from emulator.opensearch_flow.write_request import WriteRequest
from emulator.settings import Settings
from tests.opensearch_flow.flow_builders import connector, deploy, model, template


def run(test: Callable[[Tenant, FlowState], Awaitable[None]], **settings: Any) -> None:
    async def main() -> None:
        emu = Emulator(Settings(**{"clock": "manual", "grpc_enabled": False, "seed": 3, "step_latency_scale": 0,
                                   **settings}))
        register(emu, FLOW)
        tenant = emu.tenant("unit")
        try:
            await test(tenant, tenant.backend(FlowState))
        finally:
            tenant.close()
    asyncio.run(main())


async def provisioned(tenant: Tenant, backend: FlowState, body: dict[str, Any]) -> tuple[str, list[dict[str, str]]]:
    out, _ = await actions.create_workflow(backend, WriteRequest(body=body, provision=True))
    await tenant.clock.advance(60)  # type: ignore[attr-defined]
    state = actions.get_workflow_status(backend, out["workflow_id"], all_fields=False)
    assert state["state"] == "COMPLETED", state
    return out["workflow_id"], state["resources_created"]


def test_deprovision_workflow_progress_based_passes_timeline() -> None:
    async def scenario(tenant: Tenant, backend: FlowState) -> None:
        body = template(connector("c1"), connector("c2", name="Other connector"), model("m", after="c1"))
        wid, resources = await provisioned(tenant, backend, body)
        assert [r["workflow_step_id"] for r in resources] == ["c1", "c2", "m"]
        rule = tenant.faults.add({"match": {"phase": "deprovision", "step_type": "register_remote_model"},
                                  "effect": {"type": "step_error", "status": 500}, "count": 1})
        clock: Any = tenant.clock
        start = clock.now()
        task = asyncio.ensure_future(actions.deprovision_workflow(backend, wid, set()))
        # pass 1: m fails, c2 succeeds (+100 ms), c1 refused (m still uses it); progress -> 1 s pause
        # pass 2: m succeeds (+100 ms), c1 succeeds (+100 ms)
        await clock.advance(1.15)
        assert [r["workflow_step_id"] for r in backend.state.get(wid)["resources_created"]] == ["c1"]
        await clock.advance(0.149)
        assert not task.done()
        await clock.advance(0.001)
        assert task.done() and task.result() == {"workflow_id": wid}
        assert round(clock.now() - start, 3) == 1.3
        assert rule.fired == 1
        assert backend.state.get(wid) == {"workflow_id": wid, "state": "NOT_STARTED",
                                          "provisioning_progress": "NOT_STARTED"}
        assert backend.cluster.connectors == {} and backend.cluster.models == {}
    run(scenario)


def test_deprovision_workflow_stops_after_pass_without_success() -> None:
    async def scenario(tenant: Tenant, backend: FlowState) -> None:
        wid, resources = await provisioned(tenant, backend, template(connector(), model(deploy=True)))
        tenant.faults.add({"match": {"phase": "deprovision", "step_type": "deploy_model"},
                           "effect": {"type": "step_error", "status": 500}})
        model_id = resources[1]["resource_id"]
        connector_id = resources[0]["resource_id"]
        clock: Any = tenant.clock
        start = clock.now()
        with pytest.raises(FlowError) as exc:
            await actions.deprovision_workflow(backend, wid, set())
        assert clock.now() == start  # one pass, nothing succeeded, no pauses at all
        assert exc.value.status == 202
        assert exc.value.message == (f"Failed to deprovision some resources: [model_id {model_id}, "
                                     f"connector_id {connector_id}].")
        state = backend.state.get(wid)
        assert state["state"] == "COMPLETED" and state["provisioning_progress"] == "DONE"
        assert [r["workflow_step_name"] for r in state["resources_created"]] == [
            "deploy_model", "register_remote_model", "create_connector"]  # reversed attempt order
        assert backend.cluster.models[model_id].state == "DEPLOYED"  # a deployed model cannot be deleted
    run(scenario)


def test_deprovision_workflow_missing_resources_model_ok_index_fails() -> None:
    async def scenario(tenant: Tenant, backend: FlowState) -> None:
        idx = {"id": "i", "type": "create_index", "user_inputs": {"index_name": "gone", "configurations": "{}"}}
        wid, _resources = await provisioned(tenant, backend, template(connector(), model(), deploy(), idx))
        backend.cluster.models.clear()
        backend.cluster.connectors.clear()
        backend.cluster.indices.clear()
        task = asyncio.ensure_future(actions.deprovision_workflow(backend, wid, {"gone"}))
        await tenant.clock.advance(10)  # type: ignore[attr-defined]
        with pytest.raises(FlowError) as exc:
            task.result()
        assert (exc.value.status, exc.value.message) == (202, "Failed to deprovision some resources: [index_name gone].")
        assert [r["resource_id"] for r in backend.state.get(wid)["resources_created"]] == ["gone"]
    run(scenario)


def test_deprovision_workflow_template_deleted_removes_state() -> None:
    async def scenario(tenant: Tenant, backend: FlowState) -> None:
        wid, _ = await provisioned(tenant, backend, template(connector()))
        assert actions.delete_workflow(backend, wid, clear_status=False)["result"] == "deleted"
        assert actions.get_workflow_status(backend, wid, all_fields=False)["state"] == "COMPLETED"  # state survives delete
        task = asyncio.ensure_future(actions.deprovision_workflow(backend, wid, set()))
        await tenant.clock.advance(1)  # type: ignore[attr-defined]
        assert task.result() == {"workflow_id": wid}
        with pytest.raises(FlowError) as exc:
            actions.get_workflow_status(backend, wid, all_fields=False)
        assert exc.value.message == f"Fail to find workflow status of {wid}"
    run(scenario)


def test_deprovision_workflow_during_provisioning_races() -> None:
    async def scenario(tenant: Tenant, backend: FlowState) -> None:
        out, _ = await actions.create_workflow(backend, WriteRequest(body=template(connector(), model(), deploy()),
                                                            provision=True))
        wid = out["workflow_id"]
        clock: Any = tenant.clock
        await clock.advance(0.08)
        task = asyncio.ensure_future(actions.deprovision_workflow(backend, wid, set()))
        await clock.advance(0.5)
        assert task.done()
        assert task.result() == {"workflow_id": wid}
    run(scenario, step_latency_scale=1.0)


def test_delete_connector_in_use_409_and_missing_ok() -> None:
    c = Cluster()
    c.create_connector("c1", {})
    c.register_model("m1", "m", "remote", "c1", None)
    with pytest.raises(ClusterError) as exc:
        c.delete_connector("c1")
    assert (exc.value.status, exc.value.message) == (
        409, "1 models are still using this connector, please delete or update the models first: [m1]")
    c.deploy_model("m1")
    with pytest.raises(ClusterError) as exc:
        c.delete_model("m1")
    assert exc.value.status == 400
    c.undeploy_model("m1")
    c.delete_model("m1")
    c.delete_connector("c1")
    c.delete_connector("never-existed")
    c.delete_model("never-existed")
    c.delete_agent("never-existed")
    for fail in (lambda: c.delete_index("x"), lambda: c.delete_pipeline("ingest", "p"),
                 lambda: c.delete_pipeline("search", "p")):
        with pytest.raises(ClusterError):
            fail()
