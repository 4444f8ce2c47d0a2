"""The requests the load tests send, as real clients send them (Clarifai §2/§5, Flow Framework §2/§3.4/§8).

Shared by the locustfile, the benchmark and the smoke test, so every tool drives the same wire
traffic. Only built-in catalogue models are used, with the ids the Clarifai docs use (seed 002).
"""
from __future__ import annotations

from typing import Any

USER_ID = "me"
APP_ID = "main"
AUTH_HEADER = {"Authorization": "Key load-test-key", "Content-Type": "application/json"}
TENANT_HEADER = "x-emulator-tenant"

# (model id, model version id) of catalogue models: food, general (seed 002 "create"), travel,
# NSFW and wedding (seed 002 "patch overwrite")
FOOD = ("bd367be194cf45149e75f01d59f77ba7", "dfebc169854e429086aceb8368662641")
GENERAL = ("aaa03c23b3724a16a56b629203edc62c", "aa9ca48295b37401f8af92ad1af0d91d")
TRAVEL = ("ccc28c313d69466f836ab83287a54ed9", "cce28c313d69466f836ab83287a54ed9")
NSFW = ("ccc76d86d2004ed1a38ba0cf39ecb4b1", "cc76a92beaeb4d8495a58ba197998158")
WEDDING = ("c386b7a870114f4a87477c0824499348", "787cc9a002164250800598d36b072384")
NODE_MODELS = {"food-concepts": FOOD, "general-concepts": GENERAL, "travel-concepts": TRAVEL,
               "nsfw-concepts": NSFW, "wedding-concepts": WEDDING}

# workflow id -> node ids; the benchmark's headline number is the 2-node predict
WORKFLOWS: dict[str, list[str]] = {
    "load-1-node": ["general-concepts"],
    "load-2-node": ["food-concepts", "general-concepts"],
    "load-5-node": ["food-concepts", "general-concepts", "travel-concepts", "nsfw-concepts", "wedding-concepts"],
}
INPUT_COUNTS = (1, 32)  # 32 = the documented per-call maximum (§5 PostWorkflowResults)
SAMPLE_IMAGE = "https://samples.clarifai.com/metro-north.jpg"


def clarifai_base(user_id: str = USER_ID, app_id: str = APP_ID) -> str:
    return f"/v2/users/{user_id}/apps/{app_id}"


def workflow_json(workflow_id: str, node_ids: list[str]) -> dict[str, Any]:
    return {"id": workflow_id, "nodes": [
        {"id": nid, "model": {"id": NODE_MODELS[nid][0], "model_version": {"id": NODE_MODELS[nid][1]}}}
        for nid in node_ids]}


def post_workflows_body(workflow_ids: list[str] | None = None) -> dict[str, Any]:
    ids = workflow_ids or list(WORKFLOWS)
    return {"workflows": [workflow_json(w, WORKFLOWS[w]) for w in ids]}


def predict_path(workflow_id: str) -> str:
    return f"{clarifai_base()}/workflows/{workflow_id}/results"


def predict_body(n_inputs: int, salt: int = 0) -> dict[str, Any]:
    """`n_inputs` image-url inputs; URLs are never fetched, distinct URLs give distinct outputs."""
    urls = [SAMPLE_IMAGE if i == 0 and salt == 0 else f"{SAMPLE_IMAGE}?i={salt}-{i}" for i in range(n_inputs)]
    return {"inputs": [{"data": {"image": {"url": u}}} for u in urls]}


def bulk_workflows(prefix: str, start: int, count: int) -> dict[str, Any]:
    """`count` 2-node workflows named `<prefix>-<n>` for the memory and reset measurements."""
    return {"workflows": [workflow_json(f"{prefix}-{n}", WORKFLOWS["load-2-node"])
                          for n in range(start, start + count)]}


# ---- OpenSearch Flow Framework ----

FLOW_BASE = "/_plugins/_flow_framework/workflow"
FLOW_HEADERS = {"Content-Type": "application/json"}


def flow_template(name: str, connector: bool = True) -> dict[str, Any]:
    """A provisionable template: a `noop` root and (by default) a `create_connector` after it,
    so provisioning records one resource and deprovisioning has one to delete (§8)."""
    nodes: list[dict[str, Any]] = [{"id": "start", "type": "noop"}]
    edges: list[dict[str, str]] = []
    if connector:
        nodes.append({"id": "create_connector_1", "type": "create_connector", "user_inputs": {
            "name": f"{name}-connector", "description": "load test connector", "version": "1",
            "protocol": "http", "parameters": {"endpoint": "api.openai.com", "model": "gpt-4o"},
            "credential": {"openAI_key": "sk-load"},
            "actions": [{"action_type": "predict", "method": "POST",
                         "url": "https://${parameters.endpoint}/v1/chat/completions",
                         "request_body": "{ \"model\": \"${parameters.model}\" }"}]}})
        edges.append({"source": "start", "dest": "create_connector_1"})
    return {"name": name, "description": "load test", "use_case": "LOAD_TEST",
            "version": {"template": "1.0.0", "compatibility": ["2.12.0", "3.0.0"]},
            "workflows": {"provision": {"nodes": nodes, "edges": edges}}}
