"""`workflow-emulator contract-test` against a live emulator works in a tenant of its own: a user's
workflows in the target's default tenant come out byte-identical, and progress is shown as it runs."""
from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import httpx
import orjson
import pytest

from emulator.settings import Settings
from emulator.testing import LiveServer

PAT = {"authorization": "Key user-pat"}
FLOW = "/_plugins/_flow_framework/workflow"


@pytest.fixture(scope="module")
def target() -> Iterator[LiveServer]:
    with LiveServer(Settings(step_latency_scale=0.0)) as server:
        yield server


def _without_req_id(raw: bytes) -> bytes:
    body = orjson.loads(raw)
    body["status"].pop("req_id")
    return orjson.dumps(body)


def _snapshot(c: httpx.Client) -> dict[str, bytes]:
    search = c.post(FLOW + "/_search", json={"query": {"match_all": {}}, "size": 100}).json()
    return {
        "clarifai_list": _without_req_id(c.get("/v2/users/me/apps/main/workflows", headers=PAT).content),
        "clarifai_wf1": _without_req_id(c.get("/v2/users/me/apps/main/workflows/wf1", headers=PAT).content),
        "flow_hits": orjson.dumps(search["hits"]),
        "tenants": orjson.dumps(sorted(t["name"] for t in c.get("/_emulator/tenants").json()["tenants"])),
    }


def _run(url: str, api: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(check=False, args=[sys.executable, "-m", "emulator", "contract-test", "--base-url", url, "--api", api,
                           "--max-examples", "1", *extra], capture_output=True, text=True, timeout=300)


def test_contract_test_leaves_the_users_workflows_byte_identical(target: LiveServer) -> None:
    with httpx.Client(base_url=target.url, timeout=30) as c:
        wf = {"workflows": [{"id": "wf1", "nodes": [{"id": "general", "model": {
            "id": "aaa03c23b3724a16a56b629203edc62c", "model_version": {"id": "aa9ca48295b37401f8af92ad1af0d91d"}}}]}]}
        assert c.post("/v2/users/me/apps/main/workflows", json=wf, headers=PAT).status_code == 200
        assert c.post(FLOW, json={"name": "mine", "description": "kept"}).status_code == 201
        before = _snapshot(c)
        clarifai = _run(target.url, "clarifai", "--header", "Authorization: Key contract-pat")
        flow = _run(target.url, "flow", "--no-progress")
        assert _snapshot(c) == before
    for proc in (clarifai, flow):
        assert "Traceback" not in proc.stderr
        assert proc.returncode in (0, 1), proc.stderr
        assert "working in tenant 'contract-test-" in proc.stdout
    # progress: one line per operation and phase as it runs, unless --no-progress
    assert "[examples" in clarifai.stdout and "post_workflows:" in clarifai.stdout
    assert "[examples" not in flow.stdout and "contract-test flow against" in flow.stdout


def test_contract_test_against_an_unreachable_url_is_a_usage_error() -> None:
    proc = _run("http://127.0.0.1:9", "flow")
    assert proc.returncode == 2 and "cannot reach http://127.0.0.1:9" in proc.stderr
