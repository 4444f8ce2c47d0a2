"""Built-in use cases (reference §11): required parameters, node lists, overrides, provisioning."""
from __future__ import annotations

from collections.abc import Callable

import pytest
from flow_builders import BASE, FlowApi

from emulator.opensearch_flow.use_cases import USE_CASES, build_use_case

BEDROCK = {f"create_connector.credential.{k}": "v" for k in ("access_key", "secret_key", "session_token")}
ALL_PARAMS = {"create_connector.credential.key": "k", "create_ingest_pipeline.model_id": "mid",
              "reindex.source_index": "source-docs", **BEDROCK}

# §11 table: node types per use case (in node order)
EXPECTED = {
    "open_ai_embedding_model_deploy": ["create_connector", "register_remote_model", "deploy_model"],
    "cohere_embedding_model_deploy": ["create_connector", "register_remote_model", "deploy_model"],
    "bedrock_titan_embedding_model_deploy": ["create_connector", "register_remote_model", "deploy_model"],
    "bedrock_titan_multimodal_model_deploy": ["create_connector", "register_remote_model", "deploy_model"],
    "cohere_chat_model_deploy": ["create_connector", "register_remote_model", "deploy_model"],
    "openai_chat_model_deploy": ["create_connector", "register_remote_model", "deploy_model"],
    "local_neural_sparse_search_bi_encoder": ["register_local_sparse_encoding_model", "create_ingest_pipeline",
                                              "create_index"],
    "semantic_search": ["create_ingest_pipeline", "create_index"],
    "multimodal_search": ["create_ingest_pipeline", "create_index"],
    "multimodal_search_with_bedrock_titan": ["create_connector", "register_remote_model", "create_ingest_pipeline",
                                             "create_index"],
    "semantic_search_with_query_enricher": ["create_ingest_pipeline", "create_search_pipeline", "create_index"],
    "semantic_search_with_cohere_embedding": ["create_connector", "register_remote_model", "create_ingest_pipeline",
                                              "create_index"],
    "semantic_search_with_cohere_embedding_query_enricher": ["create_connector", "register_remote_model",
                                                             "create_ingest_pipeline", "create_index",
                                                             "create_search_pipeline"],
    "hybrid_search": ["create_ingest_pipeline", "create_index", "create_search_pipeline"],
    "conversational_search_with_llm_deploy": ["create_connector", "register_remote_model", "create_search_pipeline"],
    "semantic_search_with_local_model": ["register_local_pretrained_model", "create_ingest_pipeline", "create_index"],
    "hybrid_search_with_local_model": ["register_local_pretrained_model", "create_ingest_pipeline", "create_index",
                                       "create_search_pipeline"],
    "semantic_search_with_reindex": ["create_connector", "register_remote_model", "create_ingest_pipeline",
                                     "create_index", "reindex"],
    "conversational-search-with-bedrock-rag-tool": ["create_connector", "register_remote_model", "create_connector",
                                                    "register_remote_model", "create_ingest_pipeline", "create_index",
                                                    "create_tool", "register_agent"],
    "agentic_search_with_flow_agent": ["create_connector", "register_remote_model", "create_tool", "register_agent",
                                       "create_search_pipeline"],
    "agentic_search_with_conversational_agent": ["create_connector", "register_remote_model", "create_tool",
                                                 "create_tool", "create_tool", "register_agent",
                                                 "create_search_pipeline"],
}
REQUIRED = {
    "open_ai_embedding_model_deploy": ["create_connector.credential.key"],
    "bedrock_titan_embedding_model_deploy": sorted(BEDROCK),
    "local_neural_sparse_search_bi_encoder": [],
    "semantic_search": ["create_ingest_pipeline.model_id"],
    "semantic_search_with_reindex": ["create_connector.credential.key", "reindex.source_index"],
    "conversational-search-with-bedrock-rag-tool": sorted(BEDROCK),
    "semantic_search_with_local_model": [],
}


def test_create_workflow_use_case_catalogue_is_complete() -> None:
    assert set(USE_CASES) == set(EXPECTED)
    for name, types in EXPECTED.items():
        nodes = build_use_case(name, ALL_PARAMS)["workflows"]["provision"]["nodes"]
        assert [n["type"] for n in nodes] == types, name
    for name, required in REQUIRED.items():
        assert sorted(USE_CASES[name].required) == required, name


def test_create_workflow_use_case_missing_required_params(flow: FlowApi) -> None:
    r = flow.request("POST", BASE, params={"use_case": "semantic_search_with_reindex"})
    assert (r.status_code, r.json()) == (400, {"error": "Missing the following required parameters for use case "
                                                        "[semantic_search_with_reindex] : [create_connector.credential.key, "
                                                        "reindex.source_index]"})
    r = flow.request("POST", BASE, params={"use_case": "bedrock_titan_embedding_model_deploy"},
                     json={"create_connector.credential.access_key": "a"})
    assert r.json()["error"].endswith(": [create_connector.credential.secret_key, "
                                      "create_connector.credential.session_token]")
    r = flow.request("POST", BASE, params={"use_case": "semantic_search"}, content=b"[1]",
                     headers={"content-type": "application/json"})
    assert r.json() == {"error": "failure parsing request body when a use case is given, make sure to provide a map "
                                 "with values that are either Strings, Arrays, or Map of Strings to Strings"}


def test_create_workflow_use_case_overrides_and_placeholders(flow: FlowApi) -> None:
    body = {"create_connector.credential.key": "sk-x", "register_remote_model.name": "My model",
            "not_a_default": "ignored", "create_connector.model": 'text-"quoted"'}
    r = flow.request("POST", BASE, params={"use_case": "open_ai_embedding_model_deploy"}, json=body)
    assert r.status_code == 201, r.text
    wid = r.json()["workflow_id"]
    got = flow.request("GET", f"{BASE}/{wid}").json()
    assert got["name"] == "open-ai-embedding-model-deploy"
    nodes = got["workflows"]["provision"]["nodes"]
    assert nodes[1]["user_inputs"]["name"] == "My model"
    params = nodes[0]["user_inputs"]["parameters"]
    assert params["model"] == 'text-"quoted"'
    assert params["endpoint"] == "${{create_connector.endpoint}}"  # not in the defaults: left as-is
    assert "credential" not in nodes[0]["user_inputs"]
    assert got["workflows"]["provision"]["edges"] == [{"source": "create_connector", "dest": "register_model"},
                                                      {"source": "register_model", "dest": "deploy_model"}]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_provision_workflow_every_use_case_completes(name: str, make_flow: Callable[..., FlowApi]) -> None:
    flow = make_flow(step_latency_scale=0)
    params = {"create_connector.credential.key": "k", "create_ingest_pipeline.model_id": "mid",
              "reindex.source_index": "source-docs", **BEDROCK}
    if name == "semantic_search_with_reindex":
        flow.backend.cluster.create_index("source-docs", {})
    r = flow.request("POST", BASE, params={"use_case": name, "provision": "true"}, json=params)
    assert r.status_code == 202, r.text
    flow.advance(5)
    status = flow.status(r.json()["workflow_id"])
    assert status["state"] == "COMPLETED", status
    kinds = {e["workflow_step_name"] for e in status["resources_created"]}
    registers_with_deploy = any(n["type"].startswith("register_") and n["type"] != "register_agent"
                                and n["user_inputs"].get("deploy") for n in
                                build_use_case(name, params)["workflows"]["provision"]["nodes"])
    if registers_with_deploy or "deploy_model" in EXPECTED[name]:
        assert "deploy_model" in kinds
