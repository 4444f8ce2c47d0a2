"""Search and state search (reference §3.8): the query subset, paging, sorting, _source filtering, response shape."""
from __future__ import annotations

from typing import Any

from tests.opensearch_flow.flow_builders import BASE, FlowApi, connector, noop, template

SEARCH = f"{BASE}/_search"
STATE_SEARCH = f"{BASE}/state/_search"


def search(flow: FlowApi, body: Any, path: str = SEARCH, method: str = "POST") -> dict[str, Any]:
    r = flow.request(method, path, json=body)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def names(result: dict[str, Any]) -> list[str]:
    return [h["_source"]["name"] for h in result["hits"]["hits"]]


def seed(flow: FlowApi) -> dict[str, str]:
    ids = {}
    for i, (name, desc, use_case) in enumerate([("alpha flow", "first one", "SEMANTIC"), ("beta flow", "second", "RAG"),
                                                ("gamma", "third one", "SEMANTIC")]):
        ids[name] = flow.create_id({**template(noop("a"), name=name), "description": desc, "use_case": use_case})
        flow.advance(1 + i)
    return ids


def test_search_workflows_index_not_found_before_any_workflow(flow: FlowApi) -> None:
    for path in (SEARCH, STATE_SEARCH):
        r = flow.request("POST", path, json={"query": {"match_all": {}}})
        index = ".plugins-flow-framework-templates" if path == SEARCH else ".plugins-flow-framework-state"
        assert r.status_code == 404
        err = r.json()
        assert err["status"] == 404 and err["error"]["type"] == "index_not_found_exception"
        assert err["error"]["reason"] == f"no such index [{index}]"
        assert err["error"]["root_cause"][0]["index"] == index


def test_search_workflows_response_shape(flow: FlowApi) -> None:
    ids = seed(flow)
    out = search(flow, {"query": {"match_all": {}}})
    assert out["timed_out"] is False and out["_shards"] == {"total": 1, "successful": 1, "skipped": 0, "failed": 0}
    assert out["hits"]["total"] == {"value": 3, "relation": "eq"} and out["hits"]["max_score"] == 1.0
    hit = out["hits"]["hits"][0]
    assert list(hit) == ["_index", "_id", "_version", "_seq_no", "_primary_term", "_score", "_source"]
    assert hit["_index"] == ".plugins-flow-framework-templates" and hit["_id"] == ids["alpha flow"]
    assert "workflow_id" not in hit["_source"]
    assert names(search(flow, {"query": {"match_all": {}}}, method="GET")) == ["alpha flow", "beta flow", "gamma"]


def test_search_workflows_query_subset(flow: FlowApi) -> None:
    ids = seed(flow)
    assert names(search(flow, {"query": {"match": {"name": "flow"}}})) == ["alpha flow", "beta flow"]
    assert names(search(flow, {"query": {"match": {"name": {"query": "alpha flow", "operator": "and"}}}})) == ["alpha flow"]
    assert names(search(flow, {"query": {"term": {"use_case": {"value": "RAG"}}}})) == ["beta flow"]
    assert names(search(flow, {"query": {"term": {"name.keyword": "gamma"}}})) == ["gamma"]
    assert names(search(flow, {"query": {"terms": {"use_case": ["RAG", "SEMANTIC"]}}})) == [
        "alpha flow", "beta flow", "gamma"]
    assert names(search(flow, {"query": {"ids": {"values": [ids["gamma"], "nope"]}}})) == ["gamma"]
    assert names(search(flow, {"query": {"bool": {"must": [{"match": {"description": "one"}}],
                                                   "must_not": [{"term": {"name.keyword": "gamma"}}]}}})) == ["alpha flow"]
    # by relevance: the rarer-in-its-field, shorter `name` match outscores the keyword term
    assert names(search(flow, {"query": {"bool": {"should": [{"term": {"use_case": "RAG"}},
                                                             {"match": {"name": "gamma"}}]}}})) == ["gamma", "beta flow"]
    assert names(search(flow, {"query": {"bool": {"filter": {"term": {"use_case": "SEMANTIC"}}}}})) == [
        "alpha flow", "gamma"]
    created = search(flow, {"query": {"ids": {"values": [ids["beta flow"]]}}})["hits"]["hits"][0]["_source"]["created_time"]
    assert names(search(flow, {"query": {"range": {"created_time": {"gte": created}}}})) == ["beta flow", "gamma"]
    assert names(search(flow, {"query": {"range": {"created_time": {"gt": created, "lte": created + 10_000}}}})) == [
        "gamma"]


def test_search_workflows_paging_sort_and_source(flow: FlowApi) -> None:
    seed(flow)
    desc = search(flow, {"query": {"match_all": {}}, "sort": [{"created_time": {"order": "desc"}}], "size": 2})
    assert names(desc) == ["gamma", "beta flow"]
    assert desc["hits"]["total"]["value"] == 3 and desc["hits"]["hits"][0]["_score"] is None
    assert desc["hits"]["hits"][0]["sort"] == [desc["hits"]["hits"][0]["_source"]["created_time"]]
    assert names(search(flow, {"sort": "name.keyword", "from": 1, "size": 5})) == ["beta flow", "gamma"]
    only = search(flow, {"query": {"match_all": {}}, "_source": ["name", "use_case"], "size": 1})
    assert only["hits"]["hits"][0]["_source"] == {"name": "alpha flow", "use_case": "SEMANTIC"}
    without = search(flow, {"query": {"match_all": {}}, "_source": {"excludes": ["workflows"]}, "size": 1})
    assert "workflows" not in without["hits"]["hits"][0]["_source"]
    # RestHandlerUtils.getSourceContext forces fetching: `_source: false` still returns the source
    assert search(flow, {"_source": False, "size": 1})["hits"]["hits"][0]["_source"]["name"] == "alpha flow"


def test_search_workflows_parse_errors_are_core_errors(flow: FlowApi) -> None:
    seed(flow)
    r = flow.request("POST", SEARCH, json={"query": {"fuzzy_magic": {}}})
    assert r.status_code == 400
    assert r.json()["error"] == {"root_cause": [{"type": "parsing_exception", "reason": "unknown query [fuzzy_magic]"}],
                                 "type": "parsing_exception", "reason": "unknown query [fuzzy_magic]"}
    r = flow.request("POST", SEARCH, json={"query": {"match_all": {}}, "aggz": {}})
    assert r.json()["error"]["reason"] == "Unknown key for a START_OBJECT in [aggz]."
    r = flow.request("POST", SEARCH, json={"sort": "name"})
    assert r.json()["error"]["type"] == "illegal_argument_exception"
    assert r.json()["error"]["reason"].startswith("Text fields are not optimised for operations")
    r = flow.request("POST", SEARCH, params={"q": "x"}, json={"query": {"match_all": {}}})
    assert r.json()["error"]["reason"] == f"request [{SEARCH}] contains unrecognized parameter: [q]"


def test_search_workflows_source_parameter(flow: FlowApi) -> None:
    seed(flow)
    r = flow.request("GET", SEARCH, params={"source": '{"query":{"match":{"name":"gamma"}}}',
                                            "source_content_type": "application/json"})
    assert names(r.json()) == ["gamma"]


def test_search_workflow_state_by_state_and_resources(flow: FlowApi) -> None:
    done, status = flow.provisioned(template(connector()))
    idle = flow.create_id(template(noop("a")))
    out = search(flow, {"query": {"term": {"state": "COMPLETED"}}}, STATE_SEARCH)
    assert [h["_id"] for h in out["hits"]["hits"]] == [done]
    assert out["hits"]["hits"][0]["_index"] == ".plugins-flow-framework-state"
    src = out["hits"]["hits"][0]["_source"]
    assert src["workflow_id"] == done and src["resources_created"] == status["resources_created"]
    cid = status["resources_created"][0]["resource_id"]
    # resources_created is nested (workflow-state.json): only a nested query reaches its fields
    nested = {"nested": {"path": "resources_created", "query": {"term": {"resources_created.resource_id": cid}}}}
    hits = search(flow, {"query": nested}, STATE_SEARCH)["hits"]["hits"]
    assert [h["_id"] for h in hits] == [done]
    hits = search(flow, {"query": {"match": {"state": "NOT_STARTED"}}}, STATE_SEARCH)["hits"]["hits"]
    assert [h["_source"] for h in hits] == [{"workflow_id": idle, "state": "NOT_STARTED",
                                             "provisioning_progress": "NOT_STARTED"}]


def test_search_workflows_scores_like_bm25_and_orders_by_relevance(flow: FlowApi) -> None:
    import math

    for name in ("flow", "flow flow rag", "rag pipeline for docs", "other"):
        flow.create_id(template(noop("a"), name=name))
    out = search(flow, {"query": {"match": {"name": "rag flow"}}})
    got = [(h["_source"]["name"], h["_score"]) for h in out["hits"]["hits"]]
    # Lucene BM25 (k1 1.2, b 0.75) over the four names: lengths 1, 3, 4, 1 (average 2.25)
    idf_flow, idf_rag = (math.log(1 + (4 - n + 0.5) / (n + 0.5)) for n in (2, 2))

    def bm25(idf: float, tf: int, dl: int) -> float:
        return idf * tf / (tf + 1.2 * (0.25 + 0.75 * dl / 2.25))

    want = {"flow flow rag": bm25(idf_flow, 2, 3) + bm25(idf_rag, 1, 3), "flow": bm25(idf_flow, 1, 1),
            "rag pipeline for docs": bm25(idf_rag, 1, 4)}
    assert [n for n, _ in got] == sorted(want, key=lambda n: -want[n])
    assert all(abs(s - want[n]) < 1e-5 for n, s in got)
    assert out["hits"]["max_score"] == got[0][1]
    # constant-score queries and explicit sorts
    assert {h["_score"] for h in search(flow, {"query": {"range": {"created_time": {"gte": 0}}}})["hits"]["hits"]} == {1.0}
    by_score = search(flow, {"query": {"match": {"name": "rag flow"}}, "sort": ["_score"]})["hits"]["hits"]
    assert [h["sort"][0] for h in by_score] == [s for _, s in got]
    filtered = search(flow, {"query": {"bool": {"filter": {"match": {"name": "flow"}}}}})["hits"]
    assert filtered["max_score"] == 0.0 and len(filtered["hits"]) == 2
