"""opensearch-py against a live emulator: built-in use cases as the plugin renders them (#13 item 1)."""
from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest
from opensearchpy import OpenSearch, RequestError

from emulator.settings import Settings
from emulator.testing import LiveServer

SAFE = "can only contain letters, numbers, spaces, and basic punctuation (.,!?():@-_'/\\\")"


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with LiveServer(Settings(clock="manual", grpc_enabled=False, seed=5, step_latency_scale=0)) as s:
        yield s


@pytest.fixture
def client(server: LiveServer) -> OpenSearch:
    tenant = "uc-" + uuid.uuid4().hex[:10]
    c = OpenSearch(hosts=[server.url], max_retries=0, timeout=30, headers={"x-emulator-tenant": tenant})
    c.emulator_tenant = tenant  # type: ignore[attr-defined]
    return c


def test_create_workflow_use_case_semantic_search_with_opensearch_py(server: LiveServer, client: OpenSearch) -> None:
    ff = client.plugins.flow_framework
    wid = ff.create(body={"create_ingest_pipeline.model_id": "my-model"},
                    params={"use_case": "semantic_search", "provision": "true"})["workflow_id"]
    # provisioning runs on the tenant's manual clock: let it finish
    server.call(server.emulator.tenant(client.emulator_tenant).clock.advance(30))  # type: ignore[attr-defined]
    got = ff.get(workflow_id=wid)
    assert (got["name"], got["use_case"]) == ("semantic_search", "SEMANTIC_SEARCH")
    assert [n["id"] for n in got["workflows"]["provision"]["nodes"]] == ["create_ingest_pipeline", "create_index"]
    status = ff.get_status(workflow_id=wid)
    assert status["state"] == "COMPLETED", status
    assert [(r["workflow_step_name"], r["resource_id"]) for r in status["resources_created"]] == [
        ("create_ingest_pipeline", "nlp-ingest-pipeline"), ("create_index", "my-nlp-index")]


def test_create_workflow_use_case_key_never_leaves_with_opensearch_py(client: OpenSearch) -> None:
    ff = client.plugins.flow_framework
    secret = "sk-live-123"
    with pytest.raises(RequestError) as exc:
        ff.create(body={"create_connector.credential.key": secret}, params={"use_case": "open_ai_embedding_model_deploy"})
    assert (exc.value.status_code, exc.value.info) == (400, {
        "error": f"Validation Failed: 1: Model description [node register_model] {SAFE};"
                 f"2: Model name [node register_model] {SAFE};"})
    wid = ff.create(body={"create_connector.credential.key": secret},
                    params={"use_case": "open_ai_embedding_model_deploy", "validation": "none"})["workflow_id"]
    got = ff.get(workflow_id=wid)
    headers = got["workflows"]["provision"]["nodes"][0]["user_inputs"]["actions"][0]["headers"]
    assert headers == {"Authorization": "Bearer ${credential.key}"}
    hits = ff.search(body={"query": {"match_all": {}}})
    assert hits["hits"]["total"]["value"] == 1
    assert secret not in json.dumps(got) + json.dumps(hits)
