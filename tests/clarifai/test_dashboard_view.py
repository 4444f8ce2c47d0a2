"""GET /_emulator/clarifai/workflows: graph, versions, model states and the per-node statuses of the
last predictions (the dashboard's Clarifai view)."""
from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.clarifai.clarifai_rest_support import DETECTOR, GENERAL, Api, advance, image, node, workflow


def view(client: TestClient) -> dict[str, Any]:
    r = client.get("/_emulator/clarifai/workflows")
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_list_clarifai_workflows_graph_versions_and_states(client: TestClient) -> None:
    api = Api(client)
    wf = workflow("chain", node("general", GENERAL), node("detect", DETECTOR),
                  node("again", GENERAL, ("detect",), suppress_output=True))
    assert api("POST", "/v2/workflows", {"workflows": [wf]})[0] == 200
    client.put(f"/_emulator/clarifai/models/{DETECTOR[0]}/state", json={"state": "DEPLOYING", "seconds": 30})
    (w,) = view(client)["workflows"]
    cols = {n["id"]: (n["layer"], n["row"], n["suppress_output"]) for n in w["graph"]["nodes"]}
    assert cols == {"general": (0, 0, False), "detect": (0, 1, False), "again": (1, 0, True)}
    assert w["graph"]["edges"] == [{"source": "detect", "dest": "again"}]
    assert w["models"][DETECTOR[0]]["state"] == "DEPLOYING" and w["models"][DETECTOR[0]]["until_ms"] is not None
    assert w["models"][GENERAL[0]] == {"state": "READY", "until_ms": None}
    assert [v["id"] for v in w["versions"]] == [w["latest_version"]]
    advance(client, 31)
    assert view(client)["workflows"][0]["models"][DETECTOR[0]]["state"] == "READY"


def test_list_clarifai_workflows_last_predictions_per_node(client: TestClient) -> None:
    api = Api(client)
    wf = workflow("two", node("general", GENERAL), node("detect", DETECTOR),
                  node("hidden", GENERAL, ("detect",), suppress_output=True))
    api("POST", "/v2/workflows", {"workflows": [wf]})
    assert api("POST", "/v2/workflows/two/results", {"inputs": [image()]})[0] == 200
    client.post("/_emulator/faults", json={"id": "det", "match": {"node_id": "detect", "input_index": 1},
                                           "effect": {"type": "node_error", "code": 21313}})
    assert api("POST", "/v2/workflows/two/results", {"inputs": [image(), image()]})[0] == 207
    newest, older = view(client)["workflows"][0]["predictions"]
    assert newest["status"] == 207 and newest["fault"] == "det" and newest["kept"]
    first, second = newest["inputs"]
    # outputs are the non-suppressed nodes in order: general, detect
    assert [(n["node_id"], n["code"]) for n in first["nodes"]] == [("general", 10000), ("detect", 10000)]
    assert [(n["node_id"], n["code"]) for n in second["nodes"]] == [("general", 10000), ("detect", 21313)]
    assert older["status"] == 200 and older["fault"] is None
