"""The admin API under /_emulator/, through an in-process client (manual clock, no gRPC)."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from emulator.conformance.validator import default_contracts
from emulator.core import contracts as contracts_mod

T1 = {"x-emulator-tenant": "t1"}
T2 = {"x-emulator-tenant": "t2"}


JSON = {"content-type": "application/json"}  # state-changing control-plane calls need it (front door)


def _emu(client: TestClient) -> Any:
    return client.app.state.emulator  # type: ignore[attr-defined]


def _mounted(client: TestClient, api: str) -> bool:
    return api in {b.name for b in client.app.state.bindings}  # type: ignore[attr-defined]


def test_get_health_reports_each_api(client: TestClient) -> None:
    r = client.get("/_emulator/health")
    apis_up = _mounted(client, "flow") and _mounted(client, "clarifai")
    assert r.status_code == (200 if apis_up else 503)
    if apis_up:
        assert r.json() == {"status": "ready", "apis": {"flow": "up", "clarifai": "up"}}
    else:
        assert r.json()["error"].startswith("not ready: ")


def test_get_info_reports_versions_settings_and_ports(client: TestClient) -> None:
    body = client.get("/_emulator/info").json()
    assert body["emulates"]["opensearch"] == "3.7.0"
    assert body["emulates"]["clarifai_api"] == "v2"
    assert body["settings"]["journal_cap"] == 10_000 and body["settings"]["clock"] == "manual"
    assert body["emulator"]["name"] == "workflow-emulator"


def test_reset_one_tenant_leaves_the_other(client: TestClient) -> None:
    client.post("/_emulator/faults", json={"effect": {"type": "drop"}}, headers=T1)
    client.post("/_emulator/faults", json={"effect": {"type": "drop"}}, headers=T2)
    r = client.post("/_emulator/reset", headers=T1, json={})
    assert r.status_code == 200 and r.json()["reset"] == ["t1"] and r.json()["all"] is False
    assert client.get("/_emulator/faults", headers=T1).json() == {"faults": []}
    assert len(client.get("/_emulator/faults", headers=T2).json()["faults"]) == 1


def test_reset_all_needs_all_true(client: TestClient) -> None:
    client.post("/_emulator/faults", json={"effect": {"type": "drop"}}, headers=T1)
    client.post("/_emulator/faults", json={"effect": {"type": "drop"}}, headers=T2)
    assert client.post("/_emulator/reset", json={}).status_code == 400
    assert len(client.get("/_emulator/tenants").json()["tenants"]) == 2
    r = client.post("/_emulator/reset", json={"all": True})
    assert r.json()["all"] is True and sorted(r.json()["reset"]) == ["t1", "t2"]
    assert client.get("/_emulator/tenants").json() == {"tenants": []}


def test_reset_empty_tenant_is_sub_millisecond(client: TestClient) -> None:
    client.get("/_emulator/clock", headers=T1)  # creates the tenant
    took = [client.post("/_emulator/reset", headers=T1, json={}).json()["took_ms"] for _ in range(20)]
    assert min(took) < 1.0, took


def test_reset_cancels_in_flight_work_cleanly(client: TestClient) -> None:
    emu = _emu(client)
    finished: list[str] = []

    async def start() -> asyncio.Task[Any]:
        tenant = emu.tenant("t1")

        async def provisioning() -> None:
            try:
                await tenant.clock.sleep(60)
                finished.append("completed")
            except asyncio.CancelledError:
                finished.append("cancelled")
                raise

        return tenant.spawn(provisioning())

    task = client.portal.call(start)  # type: ignore[union-attr]
    r = client.post("/_emulator/reset", headers=T1, json={})
    assert r.json()["cancelled"] == 1
    assert task.done() and finished == ["cancelled"]
    assert "t1" not in emu.tenants


def test_set_clock_switches_modes_and_advance_is_manual_only(client: TestClient) -> None:
    assert client.get("/_emulator/clock", headers=T1).json()["mode"] == "manual"
    before = client.get("/_emulator/clock", headers=T1).json()["now_ms"]
    adv = client.post("/_emulator/clock/advance", json={"seconds": 90}, headers=T1).json()
    assert adv["now_ms"] == before + 90_000 and adv["advanced_s"] == 90
    scaled = client.put("/_emulator/clock", json={"mode": "scaled", "scale": 10}, headers=T1).json()
    assert scaled["mode"] == "scaled" and scaled["scale"] == 10 and scaled["now_ms"] >= before + 90_000
    r = client.post("/_emulator/clock/advance", json={"seconds": 1}, headers=T1)
    assert r.status_code == 409 and "switch it to manual" in r.json()["error"]
    assert client.put("/_emulator/clock", json={"mode": "real"}, headers=T1).json()["mode"] == "real"
    manual = client.put("/_emulator/clock", json={"mode": "manual", "now_ms": 1_000_000}, headers=T1).json()
    assert manual == {"mode": "manual", "now_ms": 1_000_000, "pending_sleepers": 0, "next_timers_ms": []}


@pytest.mark.parametrize("body, status, message", [
    ({"mode": "sundial"}, 400, "`mode` must be one of"),
    ({"mode": "scaled", "scale": 0}, 400, "`scale` must be greater than 0"),
    ({"mode": "manual", "now_ms": "soon"}, 400, "`now_ms` must be a number"),
])
def test_set_clock_rejects_bad_input(client: TestClient, body: dict[str, Any], status: int, message: str) -> None:
    r = client.put("/_emulator/clock", json=body, headers=T1)
    assert r.status_code == status and message in r.json()["error"]


def test_advance_clock_rejects_negative_and_garbage(client: TestClient) -> None:
    assert client.post("/_emulator/clock/advance", json={"seconds": -1}).status_code == 400
    r = client.post("/_emulator/clock/advance", content=b"{not json", headers=JSON)
    assert r.status_code == 400 and "not valid JSON" in r.json()["error"]


def test_set_clock_rearms_manual_sleepers_on_the_new_clock(client: TestClient) -> None:
    emu = _emu(client)

    async def start() -> asyncio.Task[Any]:
        tenant = emu.tenant("t1")
        return tenant.spawn(tenant.clock.sleep(0.001))

    task = client.portal.call(start)  # type: ignore[union-attr]
    client.put("/_emulator/clock", json={"mode": "real"}, headers=T1)
    client.portal.call(asyncio.wait_for, task, 2.0)  # type: ignore[union-attr]
    assert task.done() and not task.cancelled()


def test_add_faults_list_get_delete_clear(client: TestClient) -> None:
    r = client.post("/_emulator/faults", json={"id": "slow", "effect": {"type": "latency", "ms": 5}}, headers=T1)
    assert r.status_code == 201 and r.json()["faults"][0]["id"] == "slow"
    r = client.post("/_emulator/faults", json={"rules": [{"effect": {"type": "drop"}},
                                                         {"effect": {"type": "empty_body"}, "count": 2}]},
                    headers=T1)
    assert [f["id"] for f in r.json()["faults"]] == ["fault-2", "fault-3"]
    listed = client.get("/_emulator/faults", headers=T1).json()["faults"]
    assert [(f["id"], f["matched"], f["fired"]) for f in listed] == [("slow", 0, 0), ("fault-2", 0, 0),
                                                                    ("fault-3", 0, 0)]
    assert client.get("/_emulator/faults/fault-3", headers=T1).json()["count"] == 2
    assert client.delete("/_emulator/faults/slow", headers={**T1, **JSON}).json() == {"deleted": "slow"}
    r = client.delete("/_emulator/faults/slow", headers={**T1, **JSON})
    assert r.status_code == 404 and r.json() == {"error": "no fault rule 'slow'", "status": 404}
    assert client.delete("/_emulator/faults", headers={**T1, **JSON}).json() == {"deleted": 2}
    assert client.get("/_emulator/faults", headers=T2).json() == {"faults": []}


def test_add_faults_is_all_or_nothing(client: TestClient) -> None:
    r = client.post("/_emulator/faults", json=[{"effect": {"type": "drop"}}, {"effect": {"type": "nope"}}])
    assert r.status_code == 400 and "effect type 'nope'" in r.json()["error"]
    assert client.get("/_emulator/faults").json() == {"faults": []}


def test_get_journal_queries_and_clear(client: TestClient) -> None:
    j = _emu(client).tenant("t1").journal
    for i, (op, st) in enumerate([("create_workflow", 201), ("get_workflow", 404), ("get_workflow", 200)]):
        j.record(time_ms=1000 * i, api="flow", operation=op, method="GET", path="/x", status=st, duration_ms=1.0)
    body = client.get("/_emulator/journal?operation=get_workflow", headers=T1).json()
    assert [e["status"] for e in body["entries"]] == [404, 200] and body["total"] == 3 and body["cap"] == 10_000
    assert [e["seq"] for e in client.get("/_emulator/journal?status=4xx", headers=T1).json()["entries"]] == [2]
    assert [e["seq"] for e in client.get("/_emulator/journal?since_ms=1000&until_ms=1000",
                                         headers=T1).json()["entries"]] == [2]
    assert client.get("/_emulator/journal", headers=T2).json()["entries"] == []
    assert client.get("/_emulator/journal?limit=x", headers=T1).status_code == 400
    assert client.delete("/_emulator/journal", headers={**T1, **JSON}).json() == {"deleted": 3}


def test_get_state_dumps_tenant(client: TestClient) -> None:
    client.post("/_emulator/faults", json={"effect": {"type": "drop"}}, headers=T1)
    body = client.get("/_emulator/state", headers=T1).json()
    assert body["tenant"] == "t1" and body["clock"]["mode"] == "manual"
    assert [f["id"] for f in body["faults"]] == ["fault-1"] and body["in_flight"] == 0


@pytest.mark.parametrize("doc, message", [
    ({"flows": []}, "a seed document is an object with keys among"),
    ({"flow": {"workflows": "x"}}, "`flow` must be an object with a `workflows` list"),
    ({"requests": [{"method": "POST", "path": "/_emulator/reset"}]}, "not /_emulator/"),
])
def test_seed_rejects_bad_documents(client: TestClient, doc: dict[str, Any], message: str) -> None:
    r = client.post("/_emulator/seed", json=doc, headers=T1)
    assert r.status_code == 400 and message in r.json()["error"]


def test_seed_replays_requests_without_journal_or_faults(client: TestClient) -> None:
    client.post("/_emulator/faults", json={"effect": {"type": "error", "status": 503}}, headers=T1)
    r = client.post("/_emulator/seed", json={"requests": [{"method": "GET", "path": "/"}]}, headers=T1)
    assert r.status_code == 200, r.text
    assert r.json()["results"][0]["status"] == 200
    assert client.get("/_emulator/journal", headers=T1).json()["entries"] == []
    assert client.get("/_emulator/faults", headers=T1).json()["faults"][0]["matched"] == 0


def test_get_coverage_degrades_without_contract_files(client: TestClient,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(contracts_mod, "openapi_dirs", list)
    body = client.get("/_emulator/coverage", headers=T1).json()
    assert body["tenant"] == "t1"
    assert body["sources"]["flow"]["openapi"] is None and body["sources"]["clarifai"]["openapi"] is None
    assert set(body["apis"]) == {"flow", "clarifai"}


def test_contract_validation_follows_the_contract_files_not_the_first_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    # the test client's contracts were once cached for the process on first use: a run whose first
    # response came while the files were hidden validated nothing from then on (or failed, alone)
    monkeypatch.setattr(contracts_mod, "openapi_dirs", list)
    with pytest.raises(FileNotFoundError):
        contracts_mod.contract_path(contracts_mod.ADMIN)
    assert default_contracts().operations == {}
    monkeypatch.undo()
    assert ("emulator-admin", "get_coverage") in default_contracts().operations
    assert default_contracts() is default_contracts()  # still compiled once while the files stay


def test_get_coverage_counts_exercised_outcomes(client: TestClient) -> None:
    j = _emu(client).tenant("t1").journal
    j.record(time_ms=0, api="flow", operation="get_workflow", method="GET", path="/x", status=404,
             duration_ms=1.0, error="Failed to retrieve template (abc) from global context.")
    flow = client.get("/_emulator/coverage", headers=T1).json()["apis"]["flow"]
    ops = {o["operation"]: o for o in flow["operations"]}
    assert ops["get_workflow"]["exercised"] and ops["get_workflow"]["statuses_seen"] == [404]
    assert flow["errors_seen"] == [{"status": 404, "code": None, "count": 1,
                                    "message": "Failed to retrieve template (abc) from global context."}]
    if client.get("/_emulator/coverage").json()["sources"]["flow"]["openapi"]:
        assert 200 in ops["get_workflow"]["statuses_never_seen"]
        assert not ops["create_workflow"]["exercised"]


def _clarifai(client: TestClient) -> None:
    if "clarifai" not in _emu(client).backend_slots:
        pytest.skip("the Clarifai API is not installed yet")


def test_set_clarifai_model_state_deploying_until_deadline(client: TestClient) -> None:
    _clarifai(client)
    r = client.post("/_emulator/clarifai/models", json={"id": "my-model"}, headers=T1)
    assert r.status_code == 201, r.text
    r = client.put("/_emulator/clarifai/models/my-model/state", json={"state": "DEPLOYING", "seconds": 30},
                   headers=T1)
    assert r.status_code == 200 and r.json()["state"] == "DEPLOYING"
    client.post("/_emulator/clock/advance", json={"seconds": 29}, headers=T1)
    assert client.get("/_emulator/clarifai/models/my-model/state", headers=T1).json()["state"] == "DEPLOYING"
    client.post("/_emulator/clock/advance", json={"seconds": 1}, headers=T1)
    assert client.get("/_emulator/clarifai/models/my-model/state", headers=T1).json()["state"] == "READY"
    assert client.get("/_emulator/clarifai/models/my-model/state", headers=T2).status_code == 404


def test_set_clarifai_model_state_rejects_unknown_state_and_model(client: TestClient) -> None:
    _clarifai(client)
    r = client.put("/_emulator/clarifai/models/nope/state", json={"state": "DEPLOYING"}, headers=T1)
    assert r.status_code == 404
    r = client.put("/_emulator/clarifai/models/nope/state", json={"state": "SLEEPY"}, headers=T1)
    assert r.status_code == 400 and "`state` must be one of" in r.json()["error"]
    assert client.post("/_emulator/clarifai/models", json={"name": "no id"}).status_code == 400


def test_admin_unknown_route_is_404_json(client_factory: Callable[..., TestClient]) -> None:
    r = client_factory().get("/_emulator/nope")
    assert r.status_code == 404 and r.json()["status"] == 404


def test_get_journal_ring_buffer_cap_comes_from_settings(client_factory: Callable[..., TestClient]) -> None:
    c = client_factory(journal_cap=2)
    for _ in range(3):
        assert c.get("/_plugins/_flow_framework/workflow/_steps", headers=T1).status_code == 200
    body = c.get("/_emulator/journal", headers=T1).json()
    assert (body["cap"], body["total"], body["dropped"]) == (2, 2, 1)
    assert [e["seq"] for e in body["entries"]] == [2, 3]
