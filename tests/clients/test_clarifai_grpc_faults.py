"""HTTP-level fault rules at the Clarifai gRPC door (reference clarifai-workflows.md §7; README "Fault
injection"): error rules answer in-band as over REST, `drop` and `truncate` are gRPC errors that
clarifai-grpc's channel retries or reports, each call journaled before its answer leaves, metadata
rules apply to one call, latency waits on the tenant clock."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import grpc
import orjson
import pytest
from clarifai_grpc.grpc.api import resources_pb2, service_pb2, service_pb2_grpc
from clarifai_grpc.grpc.api.status import status_code_pb2

from emulator.core.emulator import TENANT_HEADER
from emulator.settings import Settings
from emulator.testing import LiveServer
from tests.clients.clarifai_grpc_support import (
    METRO_NORTH,
    PAT,
    add_fault,
    create_shared,
    journal_of,
    make_stub,
    predict_shared,
)

OK = status_code_pb2.SUCCESS


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Polls by round trips to the server loop (no sleeping); fails the test after `timeout`."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"


def test_post_workflows_grpc_error_fault_answers_in_band(live_emulator: LiveServer, tenant_id: str) -> None:
    stub = make_stub("grpc", live_emulator, tenant_id)
    add_fault(live_emulator, tenant_id, {"id": "throttle", "match": {"operation": "post_workflows"},
                                          "effect": {"type": "error", "status": 429, "message": "slow down"},
                                          "count": 1})
    throttled = create_shared(stub)
    # no explicit code: a 429 becomes CONN_THROTTLED, the code the SDK's RetryStub retries (§7)
    assert (throttled.status.code, throttled.status.description) == (status_code_pb2.CONN_THROTTLED, "slow down")
    assert list(throttled.workflows) == []
    assert create_shared(stub).status.code == OK  # count 1: the next call goes through
    entries = journal_of(live_emulator, tenant_id)
    assert [(e.status, e.fault, e.code) for e in entries[-2:]] == [(429, "throttle", None), (200, None, None)]


@pytest.mark.parametrize("effect", [
    {"type": "error", "status": 429},
    {"type": "error", "status": 503, "message": "down for maintenance"},
    {"type": "error", "status": 400, "code": 22104, "message": "bad"},
    {"type": "error", "status": 500},
])
def test_post_workflows_error_fault_same_status_over_both_channels(live_emulator: LiveServer, tenant_id: str,
                                                                   effect: dict[str, Any]) -> None:
    seen = []
    for kind in ("grpc", "json"):
        tenant = f"{tenant_id}-{kind}"
        add_fault(live_emulator, tenant, {"match": {"operation": "post_workflows"}, "effect": effect})
        status = create_shared(make_stub(kind, live_emulator, tenant)).status
        seen.append((status.code, status.description, status.details))
    assert seen[0] == seen[1]


def test_post_workflow_results_grpc_fault_metadata_with_explicit_code(live_emulator: LiveServer,
                                                                      tenant_id: str) -> None:
    stub = make_stub("grpc", live_emulator, tenant_id)
    create_shared(stub)
    fault = '{"type": "error", "status": 503, "code": 21351, "message": "warming up"}'
    response = stub.call("PostWorkflowResults", service_pb2.PostWorkflowResultsRequest(
        workflow_id="wf-shared", inputs=[resources_pb2.Input(data=resources_pb2.Data(
            image=resources_pb2.Image(url=METRO_NORTH)))]),
        metadata=stub.metadata + (("x-emulator-fault", fault),))
    assert (response.status.code, response.status.description) == (status_code_pb2.MODEL_DEPLOYING, "warming up")
    assert predict_shared(stub).status.code == OK  # a fault sent in metadata applies to that call only


def test_get_workflow_grpc_drop_fault_aborts_unavailable(live_emulator: LiveServer, tenant_id: str) -> None:
    stub = make_stub("grpc", live_emulator, tenant_id)
    add_fault(live_emulator, tenant_id, {"match": {"operation": "list_workflows"}, "effect": {"type": "drop"}})
    with pytest.raises(grpc.RpcError) as info:
        stub.call("ListWorkflows", service_pb2.ListWorkflowsRequest())
    assert info.value.code() == grpc.StatusCode.UNAVAILABLE
    # clarifai-grpc's service config retries UNAVAILABLE: 5 attempts, each journaled with status 0
    drops = [e for e in journal_of(live_emulator, tenant_id) if e.operation == "list_workflows"]
    assert [e.status for e in drops] == [0] * 5


def test_post_workflow_results_grpc_truncate_fault_aborts_internal_after_running(live_emulator: LiveServer,
                                                                                  tenant_id: str) -> None:
    stub = make_stub("grpc", live_emulator, tenant_id)
    create_shared(stub)
    add_fault(live_emulator, tenant_id, {"id": "cut", "match": {"operation": "post_workflow_results"},
                                         "effect": {"type": "truncate"}, "count": 1})
    with pytest.raises(grpc.RpcError) as info:
        predict_shared(stub)
    # INTERNAL is not in clarifai-grpc's retryable codes: one attempt, reported as it came
    assert (info.value.code(), info.value.details()) == (grpc.StatusCode.INTERNAL,
                                                         "Response truncated (emulator fault)")
    entry = journal_of(live_emulator, tenant_id)[-1]
    assert (entry.operation, entry.status, entry.fault) == ("post_workflow_results", 0, "cut")
    assert predict_shared(stub).status.code == OK  # count 1


@pytest.mark.parametrize("effect", [{"type": "drop"}, {"type": "truncate"}])
def test_grpc_aborting_fault_is_journaled_before_the_client_sees_it(live_emulator: LiveServer, tenant_id: str,
                                                                     effect: dict[str, Any]) -> None:
    """The journal is read the moment the error arrives, with no wait: the call is already in it (it
    used to be written after the status left, so a test reading the journal at once could miss it)."""
    # a plain channel without clarifai-grpc's retry policy: one attempt per call
    channel = grpc.insecure_channel(f"127.0.0.1:{live_emulator.grpc_port}", options=[("grpc.enable_retries", 0)])
    stub = service_pb2_grpc.V2Stub(channel)
    metadata = (("authorization", "Key " + PAT), (TENANT_HEADER, tenant_id),
                ("x-emulator-fault", orjson.dumps(effect).decode()))
    try:
        for n in range(1, 21):
            with pytest.raises(grpc.RpcError) as info:
                stub.GetWorkflow(service_pb2.GetWorkflowRequest(workflow_id="wf-shared"), metadata=metadata,
                                 wait_for_ready=True)
            assert info.value.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.INTERNAL)
            assert [e.status for e in journal_of(live_emulator, tenant_id)] == [0] * n
    finally:
        channel.close()


def test_get_workflow_grpc_single_drop_is_retried_by_the_channel(live_emulator: LiveServer,
                                                                  tenant_id: str) -> None:
    stub = make_stub("grpc", live_emulator, tenant_id)
    add_fault(live_emulator, tenant_id, {"match": {"operation": "list_workflows"}, "effect": {"type": "drop"},
                                          "count": 1})
    assert stub.call("ListWorkflows", service_pb2.ListWorkflowsRequest()).status.code == OK
    statuses = [e.status for e in journal_of(live_emulator, tenant_id) if e.operation == "list_workflows"]
    assert statuses == [0, 200]


def test_get_workflow_grpc_empty_body_fault_gives_default_message(live_emulator: LiveServer,
                                                                  tenant_id: str) -> None:
    stub = make_stub("grpc", live_emulator, tenant_id)
    create_shared(stub)
    response = stub.call("GetWorkflow", service_pb2.GetWorkflowRequest(workflow_id="wf-shared"),
                         metadata=stub.metadata + (("x-emulator-fault", '{"type": "empty_body"}'),))
    # a body of zero bytes decodes to the all-defaults message: no status, no workflow
    assert not response.HasField("status") and not response.HasField("workflow")


def test_get_workflow_grpc_invalid_fault_metadata_answers_in_band(live_emulator: LiveServer,
                                                                  tenant_id: str) -> None:
    stub = make_stub("grpc", live_emulator, tenant_id)
    response = stub.call("GetWorkflow", service_pb2.GetWorkflowRequest(workflow_id="wf-shared"),
                         metadata=stub.metadata + (("x-emulator-fault", "{not json"),))
    assert response.status.code == status_code_pb2.CONN_INVALID_REQUEST
    assert response.status.details.startswith("invalid x-emulator-fault header: ")


@pytest.fixture(scope="module")
def manual_server() -> Iterator[LiveServer]:
    with LiveServer(Settings(clock="manual", seed=11)) as server:
        yield server


def test_list_workflows_grpc_latency_fault_waits_on_the_tenant_clock(manual_server: LiveServer,
                                                                     tenant_id: str) -> None:
    stub = make_stub("grpc", manual_server, tenant_id)
    add_fault(manual_server, tenant_id, {"match": {"operation": "list_workflows"},
                                          "effect": {"type": "latency", "ms": 5000}, "count": 1})
    future = stub.stub.ListWorkflows.future(service_pb2.ListWorkflowsRequest(), metadata=stub.metadata)
    clock = manual_server.emulator.tenant(tenant_id).clock

    async def pending() -> int:
        n: int = clock.pending
        return n
    wait_until(lambda: manual_server.call(pending()) == 1)
    assert not future.done()
    manual_server.call(clock.advance(5))
    assert future.result(timeout=10).status.code == OK
    assert journal_of(manual_server, tenant_id)[-1].fault is not None
