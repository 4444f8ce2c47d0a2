"""The harness of the ported flow-framework REST ITs (test_flow_framework_*_it.py): one emulator tenant
seen through opensearch-py, the status of each call, the manual clock in place of the Java ITs'
assertBusy, and the FlowFrameworkRestTestCase helpers the ported tests share.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import opensearchpy
import pytest
from opensearchpy import OpenSearch
from opensearchpy.connection import Urllib3HttpConnection

from emulator.opensearch_flow.state import FlowState
from emulator.testing import LiveServer, while_advancing


class RecordingConnection(Urllib3HttpConnection):
    """Remembers the last status: opensearch-py returns only the body of a 2xx."""

    last_status = 0

    def perform_request(self, *args: Any, **kwargs: Any) -> Any:
        status, headers, data = super().perform_request(*args, **kwargs)
        self.last_status = status
        return status, headers, data


class Cluster:
    """One emulator tenant seen through opensearch-py, plus the manual clock (the Java ITs' assertBusy)."""

    def __init__(self, server: LiveServer, **headers: str) -> None:
        self.server = server
        self.tenant = "it-" + uuid.uuid4().hex[:10]
        self.client = OpenSearch(hosts=[server.url], max_retries=0, timeout=30,
                                 headers={"x-emulator-tenant": self.tenant, **headers},
                                 connection_class=RecordingConnection)
        self.ff = self.client.plugins.flow_framework
        self.clock = server.emulator.tenant(self.tenant).clock

    @property
    def status(self) -> int:
        return int(self.client.transport.connection_pool.connections[0].last_status)

    @property
    def cluster(self) -> Any:
        return self.server.emulator.tenant(self.tenant).backend(FlowState).cluster

    def advance(self, seconds: float) -> None:
        self.server.call(self.clock.advance(seconds))

    def advancing(self, call: Callable[[], Any]) -> Any:
        return while_advancing(call, lambda: bool(self.clock.pending), self.advance, 0.05, 120)

    def create(self, body: dict[str, Any], **params: str) -> str:
        """FlowFrameworkRestTestCase.createWorkflow posts with ?validation=off; createWorkflowWithProvision
        with ?provision=true (and the default validation)."""
        if "provision" not in params:
            params = {"validation": "off", **params}
        return str(self.ff.create(body=body, params=params)["workflow_id"])

    def create_use_case(self, use_case: str, required: list[str]) -> Any:
        """createWorkflowWithUseCaseWithNoValidation: every required parameter given as an empty string."""
        return self.ff.create(body={p: "" for p in required}, params={"validation": "off", "use_case": use_case})

    def assert_state(self, wid: str, state: str, progress: str) -> dict[str, Any]:
        """FlowFrameworkRestTestCase.getAndAssertWorkflowStatus."""
        body: dict[str, Any] = self.ff.get_status(workflow_id=wid, params={"all": "true"})
        assert (body["state"], body["provisioning_progress"]) == (state, progress), body
        return body

    def resources(self, wid: str, settle_s: float = 60) -> list[dict[str, str]]:
        """FlowFrameworkRestTestCase.getResourcesCreated: wait for COMPLETED/DONE, then the resources."""
        self.advance(settle_s)
        return list(self.assert_state(wid, "COMPLETED", "DONE")["resources_created"])

    def fails(self, call: Callable[[], Any]) -> opensearchpy.TransportError:
        with pytest.raises(opensearchpy.TransportError) as exc:
            call()
        return exc.value


def by_step(resources: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {r["workflow_step_name"]: r for r in resources}


def _deprovision_to_not_started(it: Cluster, wid: str, **params: str) -> None:
    it.advancing(lambda: it.ff.deprovision(workflow_id=wid, params=params))
    assert it.status == 200
    it.assert_state(wid, "NOT_STARTED", "NOT_STARTED")
