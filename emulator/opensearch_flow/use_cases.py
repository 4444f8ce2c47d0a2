"""The plugin's built-in `?use_case=` templates (reference §11): defaults maps, required parameters, node lists.

Written from the reference's facts: each use case is a substitution-ready template whose
`${{key}}` placeholders are text-substituted (JSON-escaped) with its defaults map after the
request body's overrides are applied; the result is then parsed like any other template.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson

from emulator.opensearch_flow import errors
from emulator.opensearch_flow.use_case_nodes import (
    BEDROCK_KEYS,
    agent,
    agentic_search_pipeline,
    connector,
    deploy,
    hybrid_search_pipeline,
    index,
    ingest_pipeline,
    local_model,
    query_enricher_pipeline,
    rag_search_pipeline,
    reindex,
    remote_model,
    tool,
)

_PLACEHOLDER = re.compile(r"\$\{\{([^}]+)\}\}")


@dataclass(frozen=True)
class UseCase:
    name: str
    description: str
    required: tuple[str, ...]
    defaults: dict[str, str]
    nodes: tuple[dict[str, Any], ...]

    def template(self) -> dict[str, Any]:
        return {"name": "${{template.name}}", "description": "${{template.description}}", "use_case": "",
                "version": {"template": "1.0.0", "compatibility": ["2.12.0", "3.0.0"]},
                "workflows": {"provision": {"nodes": list(self.nodes)}}}


def _uc(name: str, description: str, required: tuple[str, ...], parts: list[tuple[dict[str, str], list[dict[str, Any]]]]) -> UseCase:
    defaults = {"template.name": name.replace("_", "-"), "template.description": description}
    nodes: list[dict[str, Any]] = []
    for d, ns in parts:
        defaults.update(d)
        nodes.extend(ns)
    return UseCase(name, description, required, defaults, tuple(nodes))


KEY = ("create_connector.credential.key",)
MODEL_ID = ("create_ingest_pipeline.model_id",)
_EMBED = "embedding"

USE_CASES: dict[str, UseCase] = {u.name: u for u in (
    _uc("open_ai_embedding_model_deploy", "Deploying an OpenAI embedding model", KEY,
        [connector("openai_embedding"), remote_model(False), deploy()]),
    _uc("cohere_embedding_model_deploy", "Deploying a Cohere embedding model", KEY,
        [connector("cohere_embedding"), remote_model(False), deploy()]),
    _uc("bedrock_titan_embedding_model_deploy", "Deploying an Amazon Bedrock Titan embedding model", BEDROCK_KEYS,
        [connector("bedrock_titan_embedding"), remote_model(False), deploy()]),
    _uc("bedrock_titan_multimodal_model_deploy", "Deploying an Amazon Bedrock Titan multimodal model", BEDROCK_KEYS,
        [connector("bedrock_titan_multimodal"), remote_model(False), deploy()]),
    _uc("cohere_chat_model_deploy", "Deploying a Cohere chat model", KEY,
        [connector("cohere_chat"), remote_model(False), deploy()]),
    _uc("openai_chat_model_deploy", "Deploying an OpenAI chat model", KEY,
        [connector("openai_chat"), remote_model(False), deploy()]),
    _uc("local_neural_sparse_search_bi_encoder", "Setting up neural sparse search with a local bi-encoder model", (),
        [local_model(sparse=True), ingest_pipeline("sparse_encoding", from_model=True), index(sparse=True)]),
    _uc("semantic_search", "Setting up semantic search, assuming a model is already deployed", MODEL_ID,
        [ingest_pipeline("text_embedding", from_model=False), index()]),
    _uc("multimodal_search", "Setting up multimodal search, assuming a model is already deployed", MODEL_ID,
        [ingest_pipeline("text_image_embedding", from_model=False), index(multimodal=True)]),
    _uc("multimodal_search_with_bedrock_titan", "Setting up multimodal search with Amazon Bedrock Titan",
        BEDROCK_KEYS, [connector("bedrock_titan_multimodal"), remote_model(True),
                       ingest_pipeline("text_image_embedding", from_model=True), index(multimodal=True)]),
    _uc("semantic_search_with_query_enricher", "Setting up semantic search with a default query model", MODEL_ID,
        [ingest_pipeline("text_embedding", from_model=False), query_enricher_pipeline(from_model=False), index()]),
    _uc("semantic_search_with_cohere_embedding", "Setting up semantic search with a Cohere embedding model", KEY,
        [connector("cohere_embedding"), remote_model(True), ingest_pipeline("text_embedding", from_model=True),
         index()]),
    _uc("semantic_search_with_cohere_embedding_query_enricher",
        "Setting up semantic search with a Cohere embedding model and a query enricher", KEY,
        [connector("cohere_embedding"), remote_model(True), ingest_pipeline("text_embedding", from_model=True),
         index(), query_enricher_pipeline(from_model=True)]),
    _uc("hybrid_search", "Setting up hybrid search, assuming a model is already deployed", MODEL_ID,
        [ingest_pipeline("text_embedding", from_model=False), index(), hybrid_search_pipeline()]),
    _uc("conversational_search_with_llm_deploy", "Setting up conversational search with a deployed LLM", KEY,
        [connector("openai_chat"), remote_model(True), rag_search_pipeline()]),
    _uc("semantic_search_with_local_model", "Setting up semantic search with a local pretrained model", (),
        [local_model(sparse=False), ingest_pipeline("text_embedding", True, "register_local_model"), index()]),
    _uc("hybrid_search_with_local_model", "Setting up hybrid search with a local pretrained model", (),
        [local_model(sparse=False), ingest_pipeline("text_embedding", True, "register_local_model"), index(),
         hybrid_search_pipeline()]),
    _uc("semantic_search_with_reindex", "Setting up semantic search with a Cohere model and reindexing",
        KEY + ("reindex.source_index",),
        [connector("cohere_embedding"), remote_model(True), ingest_pipeline("text_embedding", from_model=True),
         index(), reindex()]),
    _uc("conversational-search-with-bedrock-rag-tool", "Setting up a conversational agent with a RAG tool",
        BEDROCK_KEYS,
        [connector("bedrock_titan_embedding"), remote_model(True),
         connector("bedrock_claude", node="create_claude_connector", prefix="create_claude_connector"),
         remote_model(True, node="register_claude_model", connector_node="create_claude_connector",
                      prefix="register_claude_model"),
         ingest_pipeline("text_embedding", from_model=True), index(),
         tool("MLModelTool", node="ml_model_tool", model_node="register_claude_model"),
         agent("conversational", tools=["ml_model_tool"], model_node="register_claude_model")]),
    _uc("agentic_search_with_flow_agent", "Setting up agentic search with a flow agent", BEDROCK_KEYS,
        [connector("bedrock_claude"), remote_model(True),
         tool("QueryPlanningTool", node="query_planning_tool", model_node="register_model"),
         agent("flow", tools=["query_planning_tool"], model_node=None), agentic_search_pipeline()]),
    _uc("agentic_search_with_conversational_agent", "Setting up agentic search with a conversational agent",
        BEDROCK_KEYS,
        [connector("bedrock_claude"), remote_model(True),
         tool("ListIndexTool", node="list_index_tool", model_node=None),
         tool("IndexMappingTool", node="index_mapping_tool", model_node=None),
         tool("QueryPlanningTool", node="query_planning_tool", model_node="register_model"),
         agent("conversational", tools=["list_index_tool", "index_mapping_tool", "query_planning_tool"],
               model_node="register_model"), agentic_search_pipeline()]),
)}


def _json_escape(value: str) -> str:
    return orjson.dumps(value).decode()[1:-1]


def build_use_case(name: str, body: Any) -> dict[str, Any]:
    """The raw template for `?use_case=<name>` with the request body's overrides (§11 mechanics)."""
    use_case = USE_CASES.get(name)
    if use_case is None:
        raise errors.use_case_not_found(name)
    if body is not None and not isinstance(body, dict):
        raise errors.use_case_bad_body()
    overrides = body or {}
    for v in overrides.values():
        if isinstance(v, dict) and not all(isinstance(x, str) for x in v.values()):
            raise errors.use_case_bad_body()
    missing = [k for k in use_case.required if k not in overrides]
    if missing:
        raise errors.use_case_missing_params(name, missing)
    values = dict(use_case.defaults)
    for k, v in overrides.items():
        if k in values:  # keys that are not in the defaults file are silently ignored
            values[k] = v if isinstance(v, str) else orjson.dumps(v).decode()
    text = orjson.dumps(use_case.template()).decode()

    def sub(m: re.Match[str]) -> str:
        key = m.group(1).strip()
        return _json_escape(values[key]) if key in values else m.group(0)
    result: dict[str, Any] = orjson.loads(_PLACEHOLDER.sub(sub, text))
    return result
