"""backend.call, the transport contract shared by REST and gRPC, called directly."""
from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from emulator.clarifai.backend import CallContext, call
from emulator.clarifai.errors import ClarifaiError
from emulator.clarifai.state import ClarifaiState
from emulator.core.emulator import BackendSlot, Emulator
from emulator.settings import Settings
from tests.clarifai.clarifai_rest_support import GENERAL, node, workflow


def run(rpc: str, request: dict[str, Any], authorization: str | None = "Key k",
        prefix: str | None = None, emu: Emulator | None = None) -> tuple[dict[str, Any], int]:
    emu = emu or Emulator(Settings(clock="manual", seed=1))
    emu.register_backend(BackendSlot("clarifai", ClarifaiState))
    tenant = emu.tenant("t")
    ctx = CallContext(authorization, prefix, "grpc")
    result: tuple[dict[str, Any], int] = asyncio.run(call(tenant.backend(ClarifaiState), rpc, request, ctx))
    return result


def test_call_post_workflows_returns_proto_json_and_http_status() -> None:
    body, http = run("PostWorkflows", {"user_app_id": {"app_id": "a"}, "workflows": [workflow("w", node("g", GENERAL))]},
                     prefix="grpc-client")
    assert http == 200 and body["status"]["code"] == 10000
    assert re.fullmatch(r"grpc-client-[0-9a-f]{32}", body["status"]["req_id"])
    assert body["workflows"][0]["app_id"] == "a"


def test_call_unknown_rpc_is_not_implemented_in_band() -> None:
    body, http = run("PostInputs", {})
    assert (http, body["status"]["code"]) == (501, 10040)


def test_call_errors_keep_always_emitted_lists_and_req_id() -> None:
    body, http = run("ListWorkflows", {}, authorization=None)
    assert http == 401 and body["workflows"] == [] and len(body["status"]["req_id"]) == 32
    body, http = run("ListWorkflowVersions", {"workflow_id": "nope"})
    assert http == 404 and body["workflow_versions"] == []


def test_call_state_is_shared_per_tenant_across_transports() -> None:
    emu = Emulator(Settings(clock="manual", seed=1))
    run("PostWorkflows", {"workflows": [workflow("w")]}, emu=emu)
    body, _ = run("GetWorkflow", {"workflow_id": "w"}, emu=emu)
    assert body["workflow"]["id"] == "w"


def test_set_model_state_unknown_model_and_state_are_errors() -> None:
    emu = Emulator(Settings(clock="manual", seed=1))
    emu.register_backend(BackendSlot("clarifai", ClarifaiState))
    b = emu.tenant("t").backend(ClarifaiState)
    with pytest.raises(ClarifaiError) as not_found:
        b.set_model_state("nope", "BUSY")
    assert not_found.value.code == 21200
    with pytest.raises(ClarifaiError) as bad_state:
        b.set_model_state(GENERAL[0], "SLEEPY")
    assert bad_state.value.code == 22104
