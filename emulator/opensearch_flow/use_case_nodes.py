"""Node builders for the built-in use-case templates (reference §11): each returns (defaults, nodes)."""
from __future__ import annotations

from typing import Any

Part = tuple[dict[str, str], list[dict[str, Any]]]

BEDROCK_KEYS = ("create_connector.credential.access_key", "create_connector.credential.secret_key",
                "create_connector.credential.session_token")

_CONNECTORS: dict[str, dict[str, str]] = {
    "openai_embedding": {"name": "OpenAI-embedding-connector", "description": "Connector to public OpenAI model",
                         "model": "text-embedding-ada-002", "endpoint": "api.openai.com",
                         "url": "https://api.openai.com/v1/embeddings",
                         "request_body": '{ "input": ${parameters.input}, "model": "${parameters.model}" }',
                         "pre": "connector.pre_process.openai.embedding",
                         "post": "connector.post_process.openai.embedding"},
    "cohere_embedding": {"name": "cohere-embedding-connector", "description": "The connector to Cohere's public embed API",
                         "model": "embed-english-v3.0", "endpoint": "api.cohere.ai",
                         "url": "https://api.cohere.ai/v1/embed",
                         "request_body": '{ "texts": ${parameters.texts}, "truncate": "END", "model": "${parameters.model}", '
                                         '"input_type": "${parameters.input_type}" }',
                         "pre": "connector.pre_process.cohere.embedding",
                         "post": "connector.post_process.cohere.embedding"},
    "cohere_chat": {"name": "Cohere Chat Model", "description": "The connector to Cohere's public chat API",
                    "model": "command", "endpoint": "api.cohere.ai", "url": "https://api.cohere.ai/v1/chat",
                    "request_body": '{ "message": "${parameters.message}", "model": "${parameters.model}" }',
                    "pre": "", "post": ""},
    "openai_chat": {"name": "OpenAI Chat Connector", "description": "Connector to public OpenAI model",
                    "model": "gpt-3.5-turbo", "endpoint": "api.openai.com",
                    "url": "https://api.openai.com/v1/chat/completions",
                    "request_body": '{ "model": "${parameters.model}", "messages": ${parameters.messages} }',
                    "pre": "", "post": ""},
    "bedrock_titan_embedding": {"name": "Amazon Bedrock Connector: embedding",
                                "description": "The connector to bedrock Titan embedding model",
                                "model": "amazon.titan-embed-text-v1", "endpoint": "bedrock-runtime.us-east-1.amazonaws.com",
                                "url": "https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.titan-embed-text-v1/invoke",
                                "request_body": '{ "inputText": "${parameters.inputText}" }',
                                "pre": "connector.pre_process.bedrock.embedding",
                                "post": "connector.post_process.bedrock.embedding"},
    "bedrock_titan_multimodal": {"name": "Amazon Bedrock Connector: multi-modal embedding",
                                 "description": "The connector to bedrock Titan multi-modal embedding model",
                                 "model": "amazon.titan-embed-image-v1",
                                 "endpoint": "bedrock-runtime.us-east-1.amazonaws.com",
                                 "url": "https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.titan-embed-image-v1/invoke",
                                 "request_body": '{"inputText": "${parameters.inputText:-null}", '
                                                 '"inputImage": "${parameters.inputImage:-null}"}',
                                 "pre": "", "post": ""},
    "bedrock_claude": {"name": "Amazon Bedrock Connector: Claude", "description": "The connector to Bedrock Claude",
                       "model": "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
                       "endpoint": "bedrock-runtime.us-east-1.amazonaws.com",
                       "url": "https://bedrock-runtime.us-east-1.amazonaws.com/model/${parameters.model}/converse",
                       "request_body": '{ "messages": ${parameters.messages} }', "pre": "", "post": ""},
}


def connector(kind: str, node: str = "create_connector", prefix: str = "create_connector") -> Part:
    c = _CONNECTORS[kind]
    bedrock = kind.startswith("bedrock")
    d = {f"{prefix}.name": c["name"], f"{prefix}.description": c["description"], f"{prefix}.protocol":
         "aws_sigv4" if bedrock else "http", f"{prefix}.model": c["model"], f"{prefix}.actions.url": c["url"],
         f"{prefix}.actions.request_body": c["request_body"]}
    if bedrock:
        # the three credential keys are always the create_connector.* ones (§11 required params)
        d.update({"create_connector.credential.access_key": "123", "create_connector.credential.secret_key": "123",
                  "create_connector.credential.session_token": "123", f"{prefix}.region": "us-east-1"})
        credential = {k: "${{create_connector.credential." + k + "}}" for k in ("access_key", "secret_key", "session_token")}
        params = {"region": f"${{{{{prefix}.region}}}}", "service_name": "bedrock", "model": f"${{{{{prefix}.model}}}}"}
        headers = {"content-type": "application/json"}
    else:
        d["create_connector.credential.key"] = "123"
        credential = {"key": "${{create_connector.credential.key}}"}
        # `endpoint` is deliberately not in the defaults: its placeholder stays in the template (§11)
        params = {"endpoint": f"${{{{{prefix}.endpoint}}}}", "model": f"${{{{{prefix}.model}}}}"}
        headers = {"Authorization": "Bearer ${{create_connector.credential.key}}"}
    action = {"action_type": "predict", "method": "POST", "url": f"${{{{{prefix}.actions.url}}}}",
              "headers": headers, "request_body": f"${{{{{prefix}.actions.request_body}}}}"}
    if c["pre"]:
        action["pre_process_function"] = c["pre"]
        action["post_process_function"] = c["post"]
    return d, [{"id": node, "type": "create_connector",
                "user_inputs": {"name": f"${{{{{prefix}.name}}}}", "description": f"${{{{{prefix}.description}}}}",
                                "version": "1", "protocol": f"${{{{{prefix}.protocol}}}}", "parameters": params,
                                "credential": credential, "actions": [action]}}]


def remote_model(deploy_now: bool, node: str = "register_model", connector_node: str = "create_connector",
                 prefix: str = "register_remote_model") -> Part:
    d = {f"{prefix}.name": "Remote model", f"{prefix}.description": "A remote model registered by a use case"}
    inputs: dict[str, Any] = {"name": f"${{{{{prefix}.name}}}}", "function_name": "remote",
                              "description": f"${{{{{prefix}.description}}}}"}
    if deploy_now:
        # no separate deploy_model node: the register step deploys (§11)
        inputs["deploy"] = True
    return d, [{"id": node, "type": "register_remote_model", "previous_node_inputs": {connector_node: "connector_id"},
                "user_inputs": inputs}]


def deploy() -> Part:
    return {}, [{"id": "deploy_model", "type": "deploy_model", "previous_node_inputs": {"register_model": "model_id"}}]


def local_model(sparse: bool) -> Part:
    prefix = "register_local_sparse_encoding_model" if sparse else "register_local_pretrained_model"
    name = ("amazon/neural-sparse/opensearch-neural-sparse-encoding-v1" if sparse
            else "huggingface/sentence-transformers/paraphrase-MiniLM-L3-v2")
    d = {f"{prefix}.name": name, f"{prefix}.description": "A local model registered by a use case",
         f"{prefix}.model_format": "TORCH_SCRIPT", f"{prefix}.version": "1.0.1",
         f"{prefix}.deploy": "true"}
    return d, [{"id": "register_local_model", "type": prefix,
                "user_inputs": {"name": f"${{{{{prefix}.name}}}}", "description": f"${{{{{prefix}.description}}}}",
                                "model_format": f"${{{{{prefix}.model_format}}}}",
                                "version": f"${{{{{prefix}.version}}}}", "deploy": f"${{{{{prefix}.deploy}}}}"}}]


_MODEL_NODE = {"text_embedding": "register_model", "text_image_embedding": "register_model",
               "sparse_encoding": "register_local_model"}


def ingest_pipeline(processor: str, from_model: bool, model_node: str | None = None) -> Part:
    d = {"create_ingest_pipeline.pipeline_id": "nlp-ingest-pipeline",
         "create_ingest_pipeline.description": "A text embedding pipeline",
         "text_embedding.field_map.input": "passage_text", "text_embedding.field_map.output": "passage_embedding"}
    node: dict[str, Any] = {"id": "create_ingest_pipeline", "type": "create_ingest_pipeline"}
    if from_model:
        source = model_node or _MODEL_NODE[processor]
        model_ref = f"${{{{{source}.model_id}}}}"
        node["previous_node_inputs"] = {source: "model_id"}
    else:
        d["create_ingest_pipeline.model_id"] = "123"
        model_ref = "${{create_ingest_pipeline.model_id}}"
    if processor == "text_image_embedding":
        proc = {"model_id": model_ref, "embedding": "vector_embedding",
                "field_map": {"text": "image_description", "image": "image_binary"}}
    else:
        proc = {"model_id": model_ref, "field_map": {"${{text_embedding.field_map.input}}":
                                                     "${{text_embedding.field_map.output}}"}}
    node["user_inputs"] = {"pipeline_id": "${{create_ingest_pipeline.pipeline_id}}",
                           "configurations": {"description": "${{create_ingest_pipeline.description}}",
                                              "processors": [{processor: proc}]}}
    if not from_model:
        node["user_inputs"]["model_id"] = model_ref
    return d, [node]


def index(sparse: bool = False, multimodal: bool = False) -> Part:
    d = {"create_index.name": "my-nlp-index", "create_index.settings.number_of_shards": "2",
         "text_embedding.field_map.output.dimension": "1024"}
    if sparse:
        props: dict[str, Any] = {"passage_text": {"type": "text"}, "passage_embedding": {"type": "rank_features"}}
        settings: dict[str, Any] = {"default_pipeline": "${{create_ingest_pipeline.pipeline_id}}"}
    else:
        field = "vector_embedding" if multimodal else "${{text_embedding.field_map.output}}"
        props = {"id": {"type": "text"}, field: {"type": "knn_vector",
                                                 "dimension": "${{text_embedding.field_map.output.dimension}}",
                                                 "method": {"engine": "lucene", "space_type": "l2", "name": "hnsw"}}}
        settings = {"index.knn": True, "default_pipeline": "${{create_ingest_pipeline.pipeline_id}}",
                    "number_of_shards": "${{create_index.settings.number_of_shards}}"}
    return d, [{"id": "create_index", "type": "create_index",
                "previous_node_inputs": {"create_ingest_pipeline": "pipeline_id"},
                "user_inputs": {"index_name": "${{create_index.name}}",
                                "configurations": {"settings": settings, "mappings": {"properties": props}}}}]


def _search_pipeline(pipeline_id: str, config: dict[str, Any], prev: dict[str, str] | None = None) -> Part:
    node: dict[str, Any] = {"id": "create_search_pipeline", "type": "create_search_pipeline",
                            "user_inputs": {"pipeline_id": "${{create_search_pipeline.pipeline_id}}",
                                            "configurations": config}}
    if prev:
        node["previous_node_inputs"] = prev
    return {"create_search_pipeline.pipeline_id": pipeline_id}, [node]


def query_enricher_pipeline(from_model: bool) -> Part:
    model = "${{register_model.model_id}}" if from_model else "${{create_ingest_pipeline.model_id}}"
    return _search_pipeline("default_model_pipeline", {"request_processors": [
        {"neural_query_enricher": {"default_model_id": model}}]}, {"register_model": "model_id"} if from_model else None)


def hybrid_search_pipeline() -> Part:
    return _search_pipeline("nlp-search-pipeline", {"description": "Post processor for hybrid search",
                                                    "phase_results_processors": [{"normalization-processor": {
                                                        "normalization": {"technique": "min_max"},
                                                        "combination": {"technique": "arithmetic_mean",
                                                                        "parameters": {"weights": [0.3, 0.7]}}}}]})


def rag_search_pipeline() -> Part:
    return _search_pipeline("rag-pipeline", {"response_processors": [{"retrieval_augmented_generation": {
        "tag": "openai_pipeline_demo", "description": "Demo pipeline Using OpenAI Connector",
        "model_id": "${{register_model.model_id}}", "context_field_list": ["text"],
        "system_prompt": "You are a helpful assistant", "user_instructions": "Generate a concise and informative answer"}}]},
        {"register_model": "model_id"})


def agentic_search_pipeline() -> Part:
    return _search_pipeline("agentic-pipeline", {"request_processors": [
        {"agentic_query_translator": {"agent_id": "${{register_agent.agent_id}}"}}]}, {"register_agent": "agent_id"})


def reindex() -> Part:
    d = {"reindex.source_index": "", "reindex.requests_per_second": "-1", "reindex.slices": "1"}
    return d, [{"id": "reindex", "type": "reindex", "previous_node_inputs": {"create_index": "index_name"},
                "user_inputs": {"source_index": "${{reindex.source_index}}",
                                "destination_index": "${{create_index.name}}",
                                "requests_per_second": "${{reindex.requests_per_second}}",
                                "slices": "${{reindex.slices}}"}}]


def tool(tool_type: str, node: str, model_node: str | None) -> Part:
    n: dict[str, Any] = {"id": node, "type": "create_tool",
                         "user_inputs": {"type": tool_type, "name": tool_type, "parameters": {}}}
    if model_node:
        n["previous_node_inputs"] = {model_node: "model_id"}
    return {}, [n]


def agent(agent_type: str, tools: list[str], model_node: str | None) -> Part:
    prev = {t: "tools" for t in tools}
    inputs: dict[str, Any] = {"name": "${{register_agent.name}}", "type": agent_type,
                              "description": "${{register_agent.description}}", "tools_order": tools}
    if model_node:
        prev[model_node] = "model_id"
        inputs["llm"] = {"model_id": f"${{{{{model_node}.model_id}}}}", "parameters": {"max_iteration": "5"}}
        inputs["memory"] = {"type": "conversation_index"}
    d = {"register_agent.name": "Use case agent", "register_agent.description": "An agent created by a use case"}
    return d, [{"id": "register_agent", "type": "register_agent", "previous_node_inputs": prev, "user_inputs": inputs}]
