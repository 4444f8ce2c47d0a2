"""Bad input never breaks the Clarifai API: every route answers a Clarifai envelope, never a 500."""
from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator.clarifai.routes import BINDINGS
from tests.clarifai.clarifai_rest_support import GENERAL, Api, node, workflow

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8)
FIELDS = ["workflows", "inputs", "ids", "delete_all", "action", "workflow_versions", "workflow_version_ids",
          "publications", "output_config", "workflow_state", "user_app_id", "page", "per_page", "nodes", "id"]
bodies = st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=4)


def _path(path: str) -> str:
    return (path.replace("{user_id}", "me").replace("{app_id}", "a").replace("{workflow_id}", "w")
            .replace("{version_id}", "v").replace("{workflow_version_id}", "v").replace("{model_id}", "m")
            .replace("{model_type_id}", "t"))


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(binding=st.sampled_from(BINDINGS), body=bodies)
def test_every_route_answers_an_envelope_for_arbitrary_bodies(api: Api, binding: Any, body: dict[str, Any]) -> None:
    api.client.validate_contracts = False  # type: ignore[attr-defined]
    api("POST", "/v2/users/me/apps/a/workflows", {"workflows": [workflow("w", node("g", GENERAL))]})
    _, method, path, _ = binding
    if method == "GET":
        params = {k: str(v) for k, v in body.items()}
        r = api.client.request(method, _path(path), params=params, headers=api.headers)
    else:
        r = api.client.request(method, _path(path), json=body, headers=api.headers)
    assert r.status_code < 500, r.text
    assert isinstance(r.json()["status"]["code"], int)


MODELS = [GENERAL, ("general-image-detection", "1580bb1932594c93b7e2e04456af7c6f"), ("nope", "0" * 32)]
graph_nodes = st.lists(st.tuples(st.sampled_from("abcde"), st.sampled_from(MODELS),
                                 st.lists(st.sampled_from("abcdef"), max_size=2), st.booleans()), max_size=6)


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(spec=graph_nodes, action=st.sampled_from(["merge", "overwrite", "remove"]))
def test_post_and_patch_random_graphs_keep_the_dag_invariants(api: Api, spec: list[Any], action: str) -> None:
    api.client.validate_contracts = False  # type: ignore[attr-defined]
    nodes = [node(nid, model, tuple(ins), suppress_output=sup) for nid, model, ins, sup in spec]
    api("DELETE", "/v2/users/me/apps/g/workflows", {"delete_all": True})
    status, body = api("POST", "/v2/users/me/apps/g/workflows", {"workflows": [{"id": "r", "nodes": nodes}]})
    assert status < 500
    if status != 200:
        return
    check_dag(api, body["workflows"][0])
    _, patched = api("PATCH", "/v2/users/me/apps/g/workflows",
                     {"action": action, "workflows": [{"id": "r", "nodes": nodes[:2]}]})
    if patched["status"]["code"] == 10000:
        check_dag(api, patched["workflows"][0])


def check_dag(api: Api, wf: dict[str, Any]) -> None:
    seen: set[str] = set()
    for n in wf["nodes"]:  # stored order is an execution order
        assert all(i["node_id"] in seen for i in n.get("node_inputs", []))
        seen.add(n["id"])
    status, pred = api("POST", "/v2/users/me/apps/g/workflows/r/results",
                       {"inputs": [{"data": {"image": {"url": "https://x.test/a.jpg"}}}]})
    assert status in (200, 207, 400)
    assert len(pred["results"][0]["outputs"]) == sum(1 for n in wf["nodes"] if not n.get("suppress_output"))
