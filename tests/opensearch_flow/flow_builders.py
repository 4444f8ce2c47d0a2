"""Tiny Flow template builders and an in-process API helper that drives the manual clock."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from starlette.testclient import TestClient

from emulator.core.emulator import Emulator
from emulator.opensearch_flow.state import FlowState
from emulator.testing import while_advancing

BASE = "/_plugins/_flow_framework/workflow"


def connector(node_id: str = "create_connector_1", name: str = "Test connector", **extra: Any) -> dict[str, Any]:
    return {"id": node_id, "type": "create_connector", "user_inputs": {
        "name": name, "description": "a connector", "version": "1", "protocol": "http",
        "parameters": {"endpoint": "api.openai.com", "max_tokens": 100}, "credential": {"key": "sk-secret"},
        "actions": [{"action_type": "predict", "method": "POST", "url": "https://api.openai.com/v1/chat"}], **extra}}


def model(node_id: str = "register_model_1", after: str | None = "create_connector_1", **inputs: Any) -> dict[str, Any]:
    node: dict[str, Any] = {"id": node_id, "type": "register_remote_model",
                            "user_inputs": {"name": "Test model", "function_name": "remote", **inputs}}
    if after:
        node["previous_node_inputs"] = {after: "connector_id"}
    return node


def deploy(node_id: str = "deploy_model_1", after: str = "register_model_1") -> dict[str, Any]:
    return {"id": node_id, "type": "deploy_model", "previous_node_inputs": {after: "model_id"}}


def noop(node_id: str, **inputs: Any) -> dict[str, Any]:
    return {"id": node_id, "type": "noop", "user_inputs": inputs}


def index(node_id: str = "create_index", name: str = "my-index", after: str | None = None) -> dict[str, Any]:
    node: dict[str, Any] = {"id": node_id, "type": "create_index", "user_inputs": {
        "index_name": name, "configurations": {"settings": {"number_of_shards": 1}, "mappings": {}}}}
    if after:
        node["previous_node_inputs"] = {after: "pipeline_id"}
    return node


def pipeline(node_id: str = "create_ingest_pipeline", pid: str = "my-pipeline", kind: str = "ingest") -> dict[str, Any]:
    return {"id": node_id, "type": f"create_{kind}_pipeline", "user_inputs": {
        "pipeline_id": pid, "configurations": {"description": "p", "processors": []}}}


def template(*nodes: dict[str, Any], name: str = "test-template", **extra: Any) -> dict[str, Any]:
    return {"name": name, "description": "a test", "use_case": "TEST",
            "workflows": {"provision": {"nodes": list(nodes)}}, **extra}


class FlowApi:
    """Thin helper over the in-process client: requests, clock advancing, clock-driven calls."""

    def __init__(self, client: TestClient, tenant: str | None = None) -> None:
        self.client = client
        self.tenant = tenant
        self.headers = {"x-emulator-tenant": tenant} if tenant else {}

    @property
    def clock(self) -> Any:
        return self.client.app.state.emulator.tenant(self.tenant).clock  # type: ignore[attr-defined]

    @property
    def backend(self) -> FlowState:
        emulator: Emulator = self.client.app.state.emulator  # type: ignore[attr-defined]
        return emulator.tenant(self.tenant).backend(FlowState)

    def advance(self, seconds: float) -> None:
        self.client.portal.call(self.clock.advance, seconds)  # type: ignore[union-attr]

    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = {**self.headers, **kw.pop("headers", {})}
        return self.client.request(method, path, headers=headers, **kw)

    def advancing(self, call: Callable[[], httpx.Response], step_s: float = 0.05, limit_s: float = 300) -> httpx.Response:
        return while_advancing(call, lambda: bool(self.clock.pending), self.advance, step_s, limit_s)

    def create(self, body: Any, **params: str) -> httpx.Response:
        return self.request("POST", BASE, json=body, params=params)

    def create_id(self, body: Any, **params: str) -> str:
        r = self.create(body, **params)
        assert r.status_code in (201, 202), r.text
        return str(r.json()["workflow_id"])

    def provision(self, wid: str, **kw: Any) -> httpx.Response:
        return self.request("POST", f"{BASE}/{wid}/_provision", **kw)

    def status(self, wid: str, **params: str) -> dict[str, Any]:
        r = self.request("GET", f"{BASE}/{wid}/_status", params=params)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    def provisioned(self, body: Any, settle_s: float = 120) -> tuple[str, dict[str, Any]]:
        wid = self.create_id(body, provision="true")
        self.advance(settle_s)
        return wid, self.status(wid)

    def deprovision(self, wid: str, **params: str) -> httpx.Response:
        return self.advancing(lambda: self.request("POST", f"{BASE}/{wid}/_deprovision", params=params))
