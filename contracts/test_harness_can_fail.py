"""The harness can fail: `contract-test` pointed at a deliberately wrong double exits non-zero and
names the operation that broke the contract."""
from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from emulator.__main__ import main

FLOW = "/_plugins/_flow_framework/workflow"


def _wrong_flow_double() -> Starlette:
    """Answers 200 for unknown workflows (the contract says 404) with a body missing required fields."""

    async def get_workflow(request: Request) -> JSONResponse:
        return JSONResponse({"name": request.path_params["workflow_id"]})

    async def create_workflow(request: Request) -> JSONResponse:
        return JSONResponse({"id": "abc"}, status_code=201)  # `workflow_id` is required

    async def info(request: Request) -> JSONResponse:
        return JSONResponse({"name": "double", "cluster_name": "double", "version": {"number": "3.7.0"}})

    return Starlette(routes=[
        Route("/", info, methods=["GET"]),
        Route(FLOW, create_workflow, methods=["POST"]),
        Route(FLOW + "/{workflow_id}", get_workflow, methods=["GET"]),
    ])


def _wrong_clarifai_double() -> Starlette:
    """Lists workflows without the always-emitted `workflows` field and answers 200 for a missing one."""

    async def list_workflows(request: Request) -> JSONResponse:
        return JSONResponse({"status": {"code": 10000, "description": "Ok", "req_id": "0" * 32}})

    async def get_workflow(request: Request) -> JSONResponse:
        return JSONResponse({"status": {"code": 10000, "description": "Ok", "req_id": "0" * 32},
                             "workflow": {"id": request.path_params["workflow_id"]}})  # no use_cases etc.

    return Starlette(routes=[
        Route("/v2/workflows", list_workflows, methods=["GET"]),
        Route("/v2/workflows/{workflow_id}", get_workflow, methods=["GET"]),
    ])


@pytest.fixture(scope="module")
def wrong_double_url() -> Iterator[str]:
    yield from _serve(_wrong_flow_double())


@pytest.fixture(scope="module")
def wrong_clarifai_double_url() -> Iterator[str]:
    yield from _serve(_wrong_clarifai_double())


def _serve(app: Starlette) -> Iterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    # listening before the server thread starts: a client connecting early waits in the backlog until
    # uvicorn accepts, so nothing needs to wait for the thread
    sock.listen(128)
    server = uvicorn.Server(uvicorn.Config(app, log_level="error", access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(5)


def test_contract_test_against_a_wrong_double_exits_non_zero_and_names_the_operation(
        wrong_double_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["contract-test", "--base-url", wrong_double_url, "--api", "flow", "--max-examples", "3"])
    out = capsys.readouterr().out
    assert rc == 1
    report = f"contract-test flow against {wrong_double_url}: FAIL"
    assert any(line.startswith(report) for line in out.splitlines())
    failing = {line.split()[1] for line in out.splitlines() if line.startswith("  FAIL ")}
    assert {"get_workflow", "create_workflow"} <= failing
    assert '[response_schema_conformance] Response violates schema: "workflow_id" is a required property' in out
    assert '"description" is a required property' in out  # get_workflow's body misses required fields


def test_contract_test_against_a_wrong_clarifai_double_exits_non_zero_and_names_the_operation(
        wrong_clarifai_double_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["contract-test", "--base-url", wrong_clarifai_double_url, "--api", "clarifai", "--max-examples", "2",
               "--header", "Authorization: Key test-pat"])
    out = capsys.readouterr().out
    assert rc == 1
    failing = {line.split()[1] for line in out.splitlines() if line.startswith("  FAIL ")}
    assert {"list_workflows_short", "get_workflow_short"} <= failing
    assert '"workflows" is a required property' in out
    assert '"use_cases" is a required property' in out
