"""Built-in use cases as `RestCreateWorkflowAction` renders them (#13 item 1): lookup, required params, body
overrides, substitution, the 3.7 name check, credentials, per-release catalogues, provisioning."""
from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from emulator.opensearch_flow.releases import parse_version
from emulator.opensearch_flow.use_cases import use_case_names
from tests.opensearch_flow.flow_builders import BASE, FlowApi

BEDROCK = {f"create_connector.credential.{k}": "v" for k in ("access_key", "secret_key", "session_token")}
ALL_PARAMS = {"create_connector.credential.key": "k", "create_ingest_pipeline.model_id": "mid",
              "reindex.source_index": "source-docs", **BEDROCK}
SAFE = "can only contain letters, numbers, spaces, and basic punctuation (.,!?():@-_'/\\\")"


def _get(flow: FlowApi, r: object) -> dict[str, object]:
    wid = r.json()["workflow_id"]  # type: ignore[attr-defined]
    got: dict[str, object] = flow.request("GET", f"{BASE}/{wid}").json()
    return got


def test_create_workflow_use_case_names_as_the_plugin(flow: FlowApi) -> None:
    r = flow.request("POST", BASE, params={"use_case": "semantic_search"},
                     json={"create_ingest_pipeline.model_id": "m-1"})
    assert r.status_code == 201, r.text
    got = _get(flow, r)
    assert (got["name"], got["description"], got["use_case"]) == (
        "semantic_search", "Setting up semantic search, ingest pipeline and index", "SEMANTIC_SEARCH")
    nodes = got["workflows"]["provision"]["nodes"]  # type: ignore[index]
    config = json.loads(nodes[1]["user_inputs"]["configurations"])
    assert config["settings"] == {"index.knn": True, "default_pipeline": "nlp-ingest-pipeline", "number_of_shards": "2"}
    assert config["mappings"]["properties"] == {
        "passage_embedding": {"type": "knn_vector", "dimension": "1024", "method": {
            "engine": "lucene", "space_type": "l2", "name": "hnsw", "parameters": {}}},
        "passage_text": {"type": "text"}}


def test_create_workflow_use_case_nodes_and_models(flow: FlowApi) -> None:
    got = _get(flow, flow.request("POST", BASE, params={"use_case": "local_neural_sparse_search_bi_encoder"}))
    node = got["workflows"]["provision"]["nodes"][0]  # type: ignore[index]
    assert (node["id"], node["type"]) == ("register_local_sparse_encoding_model", "register_local_sparse_encoding_model")
    assert node["user_inputs"]["version"] == "1.0.1"
    assert node["user_inputs"]["deploy"] is True  # a JSON boolean in the template stays a boolean
    got = _get(flow, flow.request("POST", BASE, params={"use_case": "semantic_search_with_local_model"}))
    node = got["workflows"]["provision"]["nodes"][0]  # type: ignore[index]
    assert (node["id"], node["user_inputs"]["name"], node["user_inputs"]["version"]) == (
        "register_local_pretrained_model", "huggingface/sentence-transformers/paraphrase-MiniLM-L3-v2", "1.0.2")
    r = flow.request("POST", BASE, params={"use_case": "conversational_search_with_llm_deploy"},
                     json={"create_connector.credential.key": "k"})
    connector = _get(flow, r)["workflows"]["provision"]["nodes"][0]["user_inputs"]  # type: ignore[index]
    # the plugin deploys Cohere here (DefaultUseCases.CONVERSATIONAL_SEARCH_WITH_COHERE_DEPLOY), not OpenAI
    assert connector["actions"][0]["url"] == "https://api.cohere.ai/v1/chat"


def test_create_workflow_use_case_credential_never_leaks(flow: FlowApi) -> None:
    secret = "sk-live-123"
    r = flow.request("POST", BASE, params={"use_case": "open_ai_embedding_model_deploy", "validation": "none"},
                     json={"create_connector.credential.key": secret})
    assert r.status_code == 201, r.text
    got = _get(flow, r)
    action = got["workflows"]["provision"]["nodes"][0]["user_inputs"]["actions"][0]  # type: ignore[index]
    # ML Commons' own placeholder stays; the key lives only in `credential`, which GET drops
    assert action["headers"] == {"Authorization": "Bearer ${credential.key}"}
    assert "credential" not in got["workflows"]["provision"]["nodes"][0]["user_inputs"]  # type: ignore[index]
    hits = flow.request("POST", f"{BASE}/_search", json={"query": {"match_all": {}}})
    journal = flow.request("GET", "/_emulator/journal")
    state = flow.request("GET", "/_emulator/state")
    for answer in (json.dumps(got), hits.text, journal.text, state.text):
        assert secret not in answer


def test_search_workflow_redacts_only_the_provision_credentials(flow: FlowApi) -> None:
    """RestHandlerUtils.getSourceContext excludes workflows.provision...credential only; GET drops all."""
    node = {"id": "c", "type": "noop", "user_inputs": {"credential": {"key": "plain-secret"}}}
    body = {"name": "two", "workflows": {"provision": {"nodes": [node]}, "other": {"nodes": [node]}}}
    wid = flow.create_id(body)
    got = flow.request("GET", f"{BASE}/{wid}").json()
    assert all("credential" not in wf["nodes"][0]["user_inputs"] for wf in got["workflows"].values())
    hit = flow.request("POST", f"{BASE}/_search", json={"query": {"match_all": {}}}).json()["hits"]["hits"][0]
    workflows = hit["_source"]["workflows"]
    assert "credential" not in workflows["provision"]["nodes"][0]["user_inputs"]
    stored = workflows["other"]["nodes"][0]["user_inputs"]["credential"]["key"]
    assert stored.startswith("AgV4") and "plain-secret" not in hit.__repr__()  # its ciphertext, as at rest


def test_create_workflow_openai_use_cases_fail_the_3_7_name_check(make_flow: Callable[..., FlowApi]) -> None:
    # `${{register_remote_model.name}}` is not a defaults key (the file has register_remote_model_1.name),
    # so it stays and fails ml-commons' safe-text check; messages in Java HashMap order (checked with jshell)
    expected = ("Validation Failed: 1: Model description [node register_model] " + SAFE + ";2: Model name "
                "[node register_model] " + SAFE + ";")
    flow = make_flow()
    for name in ("open_ai_embedding_model_deploy", "openai_chat_model_deploy"):
        r = flow.request("POST", BASE, params={"use_case": name}, json={"create_connector.credential.key": "k"})
        assert (r.status_code, r.json()) == (400, {"error": expected})
        # a body key the defaults file does not define is not substitutable
        r = flow.request("POST", BASE, params={"use_case": name},
                         json={"create_connector.credential.key": "k", "register_remote_model.name": "My model"})
        assert (r.status_code, r.json()) == (400, {"error": expected})
    r = make_flow(opensearch_version="3.6.0").request(
        "POST", BASE, params={"use_case": "open_ai_embedding_model_deploy"}, json={"create_connector.credential.key": "k"})
    assert r.status_code == 201, r.text


def test_create_workflow_use_case_missing_required_params(flow: FlowApi) -> None:
    r = flow.request("POST", BASE, params={"use_case": "semantic_search_with_reindex"})
    assert (r.status_code, r.json()) == (400, {"error": "Missing the following required parameters for use case "
                                                        "[semantic_search_with_reindex] : [create_connector.credential.key, "
                                                        "reindex.source_index]"})
    r = flow.request("POST", BASE, params={"use_case": "bedrock_titan_embedding_model_deploy"},
                     json={"create_connector.credential.access_key": "a"})
    assert (r.status_code, r.json()) == (400, {"error": "Missing the following required parameters for use case "
                                                        "[bedrock_titan_embedding_model_deploy] : [create_connector."
                                                        "credential.secret_key, create_connector.credential.session_token]"})
    for content in (b"[1]", b"{\"a\": null}", b"{\"a\": 1, \"a\": 2}", b"{\"a\": {\"b\": {}}}", b" "):
        r = flow.request("POST", BASE, params={"use_case": "semantic_search"}, content=content,
                         headers={"content-type": "application/json"})
        assert (r.status_code, r.json()) == (400, {
            "error": "failure parsing request body when a use case is given, make sure to provide a map with values "
                     "that are either Strings, Arrays, or Map of Strings to Strings"}), content


def test_create_workflow_use_case_values_as_the_plugin_prints_them(flow: FlowApi) -> None:
    """Body values are `toString()`-ed (arrays as `["a", 1.0]`, maps as `{k=v}`) and JSON-escaped on substitution."""
    body = {"create_ingest_pipeline.model_id": "m", "create_index.name": 'a"b\\c',
            "create_ingest_pipeline.description": ["x", 1.50, 2], "text_embedding.field_map.output.dimension": 768,
            "create_index.settings.number_of_shards": {"k": "v"}}
    got = _get(flow, flow.request("POST", BASE, params={"use_case": "semantic_search"}, json=body))
    nodes = got["workflows"]["provision"]["nodes"]  # type: ignore[index]
    assert nodes[1]["user_inputs"]["index_name"] == 'a"b\\c'
    assert json.loads(nodes[0]["user_inputs"]["configurations"])["description"] == '["x", 1.5, 2]'
    config = json.loads(nodes[1]["user_inputs"]["configurations"])
    assert config["mappings"]["properties"]["passage_embedding"]["dimension"] == "768"
    assert config["settings"]["number_of_shards"] == "{k=v}"


def test_create_workflow_unknown_use_case(flow: FlowApi) -> None:
    for name in ("no_such_case", ""):
        # no body: with one, BaseRestHandler rejects the content the action never read (test_core_rest_conventions)
        r = flow.request("POST", BASE, params={"use_case": name})
        assert (r.status_code, r.json()) == (400, {"error": f"Unable to find substitution ready file for use case: {name}"})


@pytest.mark.parametrize(("version", "present", "absent"), [
    ("2.13.0", ["semantic_search", "conversational_search_with_llm_deploy"], ["semantic_search_with_local_model"]),
    ("2.15.0", ["semantic_search_with_local_model", "conversational-search-with-bedrock-rag-tool"],
     ["agentic_search_with_flow_agent"]),
    ("3.6.0", ["semantic_search_with_reindex"], ["agentic_search_with_flow_agent",
                                                   "agentic_search_with_conversational_agent"]),
    ("3.7.0", ["agentic_search_with_flow_agent", "agentic_search_with_conversational_agent"], []),
])
def test_create_workflow_use_cases_per_release(version: str, present: list[str], absent: list[str],
                                               make_flow: Callable[..., FlowApi]) -> None:
    flow = make_flow(opensearch_version=version)
    for name in present:
        r = flow.request("POST", BASE, params={"use_case": name, "validation": "none"}, json=ALL_PARAMS)
        assert r.status_code == 201, (name, r.text)
    for name in absent:
        r = flow.request("POST", BASE, params={"use_case": name})
        assert (r.status_code, r.json()) == (400, {"error": f"Unable to find substitution ready file for use case: {name}"})


def test_create_workflow_use_case_files_of_the_release(make_flow: Callable[..., FlowApi]) -> None:
    """2.19.0 shipped the local model at 1.0.1 with 768 dimensions and a connector name placeholder bug."""
    flow = make_flow(opensearch_version="2.19.0")
    nodes = _get(flow, flow.request("POST", BASE, params={"use_case": "semantic_search_with_local_model"}))[
        "workflows"]["provision"]["nodes"]  # type: ignore[index]
    assert nodes[0]["user_inputs"]["version"] == "1.0.1"
    assert json.loads(nodes[2]["user_inputs"]["configurations"])["mappings"]["properties"]["passage_embedding"][
        "dimension"] == "768"
    r = flow.request("POST", BASE, params={"use_case": "open_ai_embedding_model_deploy"},
                     json={"create_connector.credential.key": "k"})
    assert _get(flow, r)["workflows"]["provision"]["nodes"][0]["user_inputs"]["name"] == "${{create_connector}}"  # type: ignore[index]


@pytest.mark.parametrize("name", use_case_names(parse_version("3.7.0")))
def test_provision_workflow_every_use_case(name: str, make_flow: Callable[..., FlowApi]) -> None:
    flow = make_flow(step_latency_scale=0)
    if name == "semantic_search_with_reindex":
        flow.backend.cluster.create_index("source-docs", {})
    r = flow.request("POST", BASE, params={"use_case": name, "provision": "true"}, json=ALL_PARAMS)
    if name in ("open_ai_embedding_model_deploy", "openai_chat_model_deploy"):
        assert r.status_code == 400 and r.json()["error"].startswith("Validation Failed: 1: Model description")
        return
    assert r.status_code == 202, r.text
    flow.advance(30)
    status = flow.status(r.json()["workflow_id"])
    assert status["state"] == "COMPLETED", status


def test_get_workflow_configurations_string_in_java_map_order(flow: FlowApi) -> None:
    """`configurations` is `parser.map()` (HashMaps) written by Jsonb: keys in Java HashMap order (jshell-checked)."""
    got = _get(flow, flow.request("POST", BASE, params={"use_case": "semantic_search"},
                                  json={"create_ingest_pipeline.model_id": "m-1"}))
    nodes = got["workflows"]["provision"]["nodes"]  # type: ignore[index]
    assert nodes[0]["user_inputs"]["configurations"] == (
        '{"description":"A text embedding pipeline","processors":[{"text_embedding":{"field_map":'
        '{"passage_text":"passage_embedding"},"model_id":"m-1"}}]}')
    assert nodes[1]["user_inputs"]["configurations"] == (
        '{"settings":{"index.knn":true,"number_of_shards":"2","default_pipeline":"nlp-ingest-pipeline"},'
        '"mappings":{"properties":{"passage_text":{"type":"text"},"passage_embedding":{"method":{"engine":"lucene",'
        '"space_type":"l2","name":"hnsw","parameters":{}},"type":"knn_vector","dimension":"1024"}}}}')
