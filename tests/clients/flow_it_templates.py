"""Templates shaped like the flow-framework plugin's REST IT resources (src/test/resources/template/*.json).

Written here node for node (ids, types, predecessor wiring, the inputs each step needs) so the ported
integration tests exercise the same graphs; the values are this project's own.
"""
from __future__ import annotations

from typing import Any

CONNECTOR_INPUTS: dict[str, Any] = {
    "name": "OpenAI Chat Connector", "description": "The connector to public OpenAI model service for GPT 3.5",
    "version": "1", "protocol": "http", "parameters": {"endpoint": "api.openai.com", "model": "gpt-3.5-turbo"},
    "credential": {"openAI_key": "12345"},
    "actions": [{"action_type": "predict", "method": "POST", "url": "https://${parameters.endpoint}/v1/chat/completions"}]}


def node(node_id: str, step: str, inputs: dict[str, Any] | None = None, **after: str) -> dict[str, Any]:
    out: dict[str, Any] = {"id": node_id, "type": step, "user_inputs": inputs or {}}
    if after:
        out["previous_node_inputs"] = dict(after)
    return out


def template(name: str, nodes: list[dict[str, Any]], edges: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    workflow: dict[str, Any] = {"nodes": nodes}
    if edges is not None:
        workflow["edges"] = [{"source": s, "dest": d} for s, d in edges]
    return {"name": name, "description": "ported from the plugin's REST IT", "use_case": "REST_IT",
            "version": {"template": "1.0.0", "compatibility": ["2.12.0", "3.0.0"]},
            "workflows": {"provision": workflow}}


def connector_model_deploy_agent() -> dict[str, Any]:
    """createconnector-registerremotemodel-deploymodel.json: four steps in a chain."""
    return template("createconnector-registerremotemodel-deploymodel", [
        node("workflow_step_1", "create_connector", CONNECTOR_INPUTS),
        node("workflow_step_2", "register_remote_model", {"name": "openAI-gpt-3.5-turbo", "function_name": "remote",
                                                          "description": "test model"}, workflow_step_1="connector_id"),
        node("workflow_step_3", "deploy_model", workflow_step_2="model_id"),
        node("workflow_step_4", "register_agent", {"name": "Test Agent", "type": "conversational",
                                                   "app_type": "chatbot", "llm.parameters": {"max_iteration": "5"},
                                                   "memory": {"type": "conversation_index"},
                                                   "parameters": {"prompt": "x"}}, workflow_step_3="model_id"),
    ], [("workflow_step_1", "workflow_step_2"), ("workflow_step_2", "workflow_step_3"),
        ("workflow_step_3", "workflow_step_4")])


def agent_framework() -> dict[str, Any]:
    """agent-framework.json: tools and a sub-agent feeding a root agent; the sub-agent's llm.model_id is a
    model id that exists nowhere."""
    def agent(name: str, llm: dict[str, Any]) -> dict[str, Any]:
        return {"name": name, "type": "flow", "description": "agent", "app_type": "chatbot", "llm": llm,
                "memory": {"type": "conversation_index"}, "parameters": {"k": "v"},
                "created_time": 1689793598499, "last_updated_time": 1689793598499}
    return template("agent-framework", [
        node("openAI_connector", "create_connector", CONNECTOR_INPUTS),
        node("gpt-3.5-model", "register_remote_model", {"name": "gpt-3.5-model", "function_name": "remote",
                                                        "description": "test model", "deploy": "true",
                                                        "node_timeout": "60s"}, openAI_connector="connector_id"),
        node("ml_model_tool", "create_tool", {"name": "MLModelTool", "type": "MLModelTool", "alias": "language_model_tool",
                                              "description": "A general tool", "parameters": {"prompt": "p"}},
             **{"gpt-3.5-model": "model_id"}),
        node("math_tool", "create_tool", {"name": "MathTool", "type": "MathTool", "description": "math",
                                          "parameters": {}, "attributes": {"input_schema": "{}"}}),
        node("sub_agent", "register_agent", agent("Sub Agent", {"model_id": "ldzS04kBxRPZ5cnWrqpd",
                                                                "parameters": {"max_iteration": "5"}}),
             math_tool="tools"),
        node("agent_tool", "create_tool", {"name": "AgentTool", "type": "AgentTool", "description": "agent",
                                           "parameters": {"max_iteration": "5"}}, sub_agent="agent_id"),
        node("root_agent", "register_agent", agent("DEMO-Test_Agent_For_CoT", {"parameters": {"max_iteration": "5"}}),
             **{"gpt-3.5-model": "model_id", "ml_model_tool": "tools", "agent_tool": "tools"}),
    ], [("openAI_connector", "gpt-3.5-model"), ("gpt-3.5-model", "root_agent"), ("gpt-3.5-model", "ml_model_tool"),
        ("ml_model_tool", "root_agent"), ("math_tool", "sub_agent"), ("sub_agent", "agent_tool"),
        ("agent_tool", "root_agent")])


def connector_tool_flow_agent() -> dict[str, Any]:
    """createconnector-createconnectortool-createflowagent.json."""
    return template("createconnector-createconnectortool-createflowagent", [
        node("create_connector", "create_connector", CONNECTOR_INPUTS),
        node("create_tool", "create_tool", {"name": "ConnectorTool", "type": "ConnectorTool",
                                            "parameters": {"response_filter": "$.choices[0].message.content"}},
             create_connector="connector_id"),
        node("create_flow_agent", "register_agent", {"name": "OpenAI Chat Agent", "type": "flow",
                                                     "parameters": {}}, create_tool="tools"),
    ], [("create_connector", "create_tool"), ("create_tool", "create_flow_agent")])


def local_sparse_model(inputs: bool = True) -> dict[str, Any]:
    """register-deploylocalsparseencodingmodel.json (one node; the IT also uses it with no inputs)."""
    user = {"node_timeout": "60s", "name": "neural-sparse/opensearch-neural-sparse-tokenizer-v1", "version": "1.0.0",
            "description": "tokenizer", "model_format": "TORCH_SCRIPT", "function_name": "SPARSE_TOKENIZE",
            "model_content_hash_value": "b3487da9c58ac90541b720f3b367084f271d280c7f3bdc3e6d9c9a269fb31950",
            "url": "https://artifacts.example/tokenizer-v1.zip", "deploy": True} if inputs else {}
    return template("register-deploylocalsparseencodingmodel",
                    [node("workflow_step_1", "register_local_sparse_encoding_model", user)])


def _remote(deploy: bool = True) -> list[dict[str, Any]]:
    model = {"name": "openAI-gpt-3.5-turbo", "function_name": "remote", "description": "test model"}
    if deploy:
        model["deploy"] = True
    return [node("create_openai_connector", "create_connector", CONNECTOR_INPUTS),
            node("register_openai_model", "register_remote_model", model, create_openai_connector="connector_id")]


_PIPELINE = node("create_ingest_pipeline", "create_ingest_pipeline", {
    "pipeline_id": "nlp-ingest-pipeline", "configurations": {"description": "A text embedding pipeline", "processors": [
        {"text_embedding": {"model_id": "${{register_openai_model.model_id}}",
                            "field_map": {"passage_text": "passage_embedding"}}}]}},
    register_openai_model="model_id")


def _index(default_pipeline: str | None, after_pipeline: bool) -> dict[str, Any]:
    settings: dict[str, Any] = {"index.knn": True, "index.number_of_shards": "2"}
    if default_pipeline is not None:
        settings["default_pipeline"] = default_pipeline
    inputs = {"index_name": "my-nlp-index", "configurations": {"settings": settings, "mappings": {"properties": {
        "passage_embedding": {"type": "knn_vector", "dimension": "768"}, "passage_text": {"type": "text"}}}}}
    if after_pipeline:
        return node("create_index", "create_index", inputs, create_ingest_pipeline="pipeline_id")
    return node("create_index", "create_index", inputs)


def remote_model() -> dict[str, Any]:
    return template("registerremotemodel", _remote())


def remote_model_pipeline() -> dict[str, Any]:
    return template("registerremotemodel-ingestpipeline", [*_remote(), _PIPELINE])


def remote_model_pipeline_index() -> dict[str, Any]:
    return template("registerremotemodel-ingestpipeline-createindex",
                    [*_remote(), _PIPELINE, _index("${{create_ingest_pipeline.pipeline_id}}", True)])


def remote_model_pipeline_update_index() -> dict[str, Any]:
    return template("registerremotemodel-ingestpipeline-updateindex", [*_remote(), _PIPELINE, _index("_none", True)])


def remote_model_index() -> dict[str, Any]:
    return template("registerremotemodel-createindex", [*_remote(), _index(None, False)])


def ingest_search_pipelines() -> dict[str, Any]:
    """ingest-search-pipeline-template.json."""
    return template("ingest-search-pipeline", [
        *_remote(deploy=False),
        node("deploy_openai_model", "deploy_model", register_openai_model="model_id"),
        node("create_ingest_pipeline", "create_ingest_pipeline", {"pipeline_id": "append-1", "configurations": {
            "description": "Pipeline that appends event type", "processors": [
                {"append": {"field": "event_types", "value": ["${{deploy_openai_model.model_id}}"]}}]}},
             deploy_openai_model="model_id"),
        node("create_search_pipeline", "create_search_pipeline", {"pipeline_id": "rag_pipeline", "configurations": {
            "request_processors": [{"filter_query": {"tag": "tag1", "query": {"term": {"visibility": "public"}}}}]}},
             deploy_openai_model="model_id"),
    ])


def noop() -> dict[str, Any]:
    return template("noop", [node("no-op", "noop")])
