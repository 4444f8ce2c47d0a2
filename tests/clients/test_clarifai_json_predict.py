"""Workflow predict edge cases over the real clarifai-grpc JSON channel (§5, §7): mixed inputs,
the 32-input limit, cold models on the manual clock, and the 300-workflow pagination walk."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from clarifai_grpc.grpc.api import resources_pb2, service_pb2
from clarifai_grpc.grpc.api.status import status_code_pb2
from google.protobuf.json_format import MessageToDict

from emulator.clarifai.state import ClarifaiState
from emulator.core.emulator import TENANT_HEADER
from emulator.settings import Settings
from emulator.testing import LiveServer
from tests.clients import clarifai_examples as ex
from tests.clients.test_clarifai_json_docs import json_stub

COLD_START_S = 30.0


@pytest.fixture
def stub(live_emulator: LiveServer, tenant_id: str) -> Any:
    s = json_stub(live_emulator, tenant_id)
    assert s.PostWorkflows(ex.create_workflow(), metadata=ex.AUTH).status.code == status_code_pb2.SUCCESS
    return s


@pytest.fixture(scope="module")
def cold_server() -> Iterator[LiveServer]:
    with LiveServer(Settings(clock="manual", grpc_enabled=False, seed=3,
                             clarifai_cold_start_s=COLD_START_S)) as server:
        yield server


def test_post_workflow_results_mixed_good_and_undecodable_inputs_is_mixed_status(
        stub: Any, live_emulator: LiveServer, tenant_id: str) -> None:
    req = ex.predict_inputs([ex.image_bytes_input(ex.PNG_1PX), ex.image_bytes_input(ex.NOT_AN_IMAGE),
                             ex.image_url_input(ex.METRO_NORTH)])
    resp = stub.PostWorkflowResults(req, metadata=ex.AUTH)
    assert resp.status.code == status_code_pb2.MIXED_STATUS
    assert resp.status.description == "Mixed Success"
    assert [r.status.code for r in resp.results] == [status_code_pb2.SUCCESS, status_code_pb2.INPUT_UNSUPPORTED_FORMAT,
                                                     status_code_pb2.SUCCESS]
    bad = resp.results[1]
    assert bad.status.description == "Input image format unsupported"
    assert [o.status.code for o in bad.outputs] == [status_code_pb2.INPUT_UNSUPPORTED_FORMAT] * 2
    assert all(len(o.data.concepts) == 0 for o in bad.outputs)
    assert all(len(o.data.concepts) > 0 for o in resp.results[0].outputs)
    # raw HTTP users see 207 (§5)
    body = MessageToDict(req, preserving_proto_field_name=True)
    raw = httpx.post(f"{live_emulator.url}/v2/workflows/{ex.WORKFLOW_ID}/results", json=body,
                     headers={"Authorization": "Key test-pat", TENANT_HEADER: tenant_id})
    assert raw.status_code == 207 and raw.json()["status"]["code"] == 10010


def test_post_workflow_results_all_inputs_undecodable_is_failure(stub: Any) -> None:
    req = ex.predict_inputs([ex.image_bytes_input(ex.NOT_AN_IMAGE), ex.image_url_input("not a url")])
    resp = stub.PostWorkflowResults(req, metadata=ex.AUTH)
    assert resp.status.code == status_code_pb2.FAILURE and resp.status.description == "Failure"
    assert [r.status.code for r in resp.results] == [status_code_pb2.INPUT_UNSUPPORTED_FORMAT,
                                                     status_code_pb2.INPUT_INVALID_URL]


def test_post_workflow_results_33_inputs_is_an_error(stub: Any, live_emulator: LiveServer, tenant_id: str) -> None:
    req = ex.predict_inputs([ex.image_url_input(f"https://example.com/{i}.jpg") for i in range(33)])
    resp = stub.PostWorkflowResults(req, metadata=ex.AUTH)
    assert resp.status.code == status_code_pb2.WORKFLOW_INVALID_ARGUMENT
    assert resp.status.details == ("Too many inputs: 33 inputs were sent, the limit is 32 inputs per workflow "
                                   "predict request")
    assert len(resp.results) == 0
    ok = stub.PostWorkflowResults(ex.predict_inputs(list(req.inputs)[:32]), metadata=ex.AUTH)
    assert ok.status.code == status_code_pb2.SUCCESS and len(ok.results) == 32
    raw = httpx.post(f"{live_emulator.url}/v2/workflows/{ex.WORKFLOW_ID}/results",
                     json=MessageToDict(req, preserving_proto_field_name=True),
                     headers={"Authorization": "Key test-pat", TENANT_HEADER: tenant_id})
    assert raw.status_code == 400


def test_post_workflow_results_cold_model_answers_deploying_then_succeeds(cold_server: LiveServer,
                                                                         tenant_id: str) -> None:
    stub = json_stub(cold_server, tenant_id)
    assert stub.PostWorkflows(ex.create_workflow(), metadata=ex.AUTH).status.code == status_code_pb2.SUCCESS
    first = stub.PostWorkflowResults(ex.predict_url(), metadata=ex.AUTH)
    assert first.status.code == status_code_pb2.MODEL_DEPLOYING  # top level: what the SDK retries (§7)
    assert first.status.description == "Model is deploying"
    clock = cold_server.emulator.tenant(tenant_id).clock
    cold_server.call(clock.advance(COLD_START_S - 1))
    assert stub.PostWorkflowResults(ex.predict_url(), metadata=ex.AUTH).status.code == status_code_pb2.MODEL_DEPLOYING
    cold_server.call(clock.advance(1))
    warm = stub.PostWorkflowResults(ex.predict_url(), metadata=ex.AUTH)
    assert warm.status.code == status_code_pb2.SUCCESS
    assert [o.model.id for o in warm.results[0].outputs] == [ex.FOOD[1], ex.GENERAL[1]]
    # warm while used; idle past the threshold makes it cold again
    cold_server.call(clock.advance(10))
    assert stub.PostWorkflowResults(ex.predict_url(), metadata=ex.AUTH).status.code == status_code_pb2.SUCCESS
    cold_server.call(clock.advance(Settings().clarifai_cold_start_idle_s + 1))
    assert stub.PostWorkflowResults(ex.predict_url(), metadata=ex.AUTH).status.code == status_code_pb2.MODEL_DEPLOYING


def _create_many(stub: Any, n: int, batch: int = 100) -> list[str]:
    ids = [f"wf-{i:04d}" for i in range(n)]
    for start in range(0, n, batch):
        req = service_pb2.PostWorkflowsRequest(workflows=[
            resources_pb2.Workflow(id=wid, nodes=[ex.node(*ex.GENERAL)]) for wid in ids[start:start + batch]])
        assert stub.PostWorkflows(req, metadata=ex.AUTH).status.code == status_code_pb2.SUCCESS
    return ids


def test_list_workflows_walks_300_pages_like_the_sdk_lister(live_emulator: LiveServer, tenant_id: str) -> None:
    stub = json_stub(live_emulator, tenant_id)
    ids = _create_many(stub, 300)
    seen: list[str] = []
    page_sizes = []
    page = 1
    while True:  # clarifai.client.lister: page=1,2,... per_page unset, until a page has no items
        resp = stub.ListWorkflows(service_pb2.ListWorkflowsRequest(page=page), metadata=ex.AUTH)
        assert resp.status.code == status_code_pb2.SUCCESS
        if len(MessageToDict(resp, preserving_proto_field_name=True)) == 1:
            break
        page_sizes.append(len(resp.workflows))
        seen.extend(w.id for w in resp.workflows)
        page += 1
    assert page_sizes == [128, 128, 44]
    assert len(seen) == len(set(seen)) == 300 and set(seen) == set(ids)
    # default order: modified_at descending (ties: newest first)
    assert seen == list(reversed(ids))


def test_list_workflows_small_pages_sorted_by_id_have_no_gaps(live_emulator: LiveServer, tenant_id: str) -> None:
    stub = json_stub(live_emulator, tenant_id)
    ids = _create_many(stub, 300, batch=150)
    app = resources_pb2.UserAppIDSet(user_id="me", app_id="main")
    seen: list[str] = []
    for page in range(1, 100):
        resp = stub.ListWorkflows(service_pb2.ListWorkflowsRequest(
            user_app_id=app, page=page, per_page=7, sort_ascending=True, sort_by_id=True), metadata=ex.AUTH)
        if not resp.workflows:
            break
        seen.extend(w.id for w in resp.workflows)
    assert seen == sorted(ids)


def test_list_workflows_the_sdk_lister_itself_walks_300_over_json(live_emulator: LiveServer, tenant_id: str) -> None:
    from clarifai.client.lister import Lister

    stub = json_stub(live_emulator, tenant_id)
    ids = _create_many(stub, 300)
    lister = Lister()
    lister.auth_helper = type("Auth", (), {"metadata": ex.AUTH})()  # the SDK's own paging loop, our channel
    items = list(lister.list_pages_generator(
        stub.ListWorkflows, service_pb2.ListWorkflowsRequest,
        {"user_app_id": resources_pb2.UserAppIDSet(user_id="me", app_id="main")}))
    got = [item["workflow_id"] for item in items]
    assert len(got) == len(set(got)) == 300 and set(got) == set(ids)


def test_post_workflow_results_repeated_over_a_live_server_is_the_same_prediction_with_fresh_ids(
        stub: Any, live_emulator: LiveServer, tenant_id: str) -> None:
    """The official client repeating one predict (what a load test does) gets the full path's first
    answer, then the predict lane's: the same predictions, new ids and times, a valid message."""
    req = ex.predict_inputs([ex.image_url_input(ex.METRO_NORTH), ex.image_bytes_input(ex.PNG_1PX)])
    answers = [stub.PostWorkflowResults(req, metadata=ex.AUTH) for _ in range(5)]
    assert all(a.status.code == status_code_pb2.SUCCESS for a in answers)

    def without_fresh(a: Any) -> dict[str, Any]:
        d = MessageToDict(a, preserving_proto_field_name=True)
        d["status"].pop("req_id")
        for r in d["results"]:
            r.pop("id"), r.pop("created_at"), r["input"].pop("id")
            for o in r["outputs"]:
                o.pop("id"), o.pop("created_at")
        return d

    assert all(without_fresh(a) == without_fresh(answers[0]) for a in answers[1:])
    ids = {a.status.req_id for a in answers} | {r.id for a in answers for r in a.results}
    assert len(ids) == 5 * 3  # every req_id and result id is new
    hits = live_emulator.app.state.emulator.tenant(tenant_id).backend(ClarifaiState).predict_lane_hits
    assert hits == 3  # the first two took the full path (the second built the template)
