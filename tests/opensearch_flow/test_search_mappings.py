"""Issue #13 item 2: search over the plugin's real index mappings, the `nested` query and aggregations."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from tests.opensearch_flow.flow_builders import BASE, FlowApi, connector, model, noop, template

SEARCH = f"{BASE}/_search"
STATE_SEARCH = f"{BASE}/state/_search"


def ids(flow: FlowApi, body: dict[str, Any], path: str = SEARCH) -> list[str]:
    r = flow.request("POST", path, json=body)
    assert r.status_code == 200, r.text
    return [h["_id"] for h in r.json()["hits"]["hits"]]


def test_search_workflow_state_resources_created_is_nested(flow: FlowApi) -> None:
    wid, status = flow.provisioned(template(connector()))
    flow.create_id(template(noop("a")))
    # a plain term on a nested field finds nothing: the values live in hidden child documents
    assert ids(flow, {"query": {"term": {"resources_created.resource_type": "connector_id"}}}, STATE_SEARCH) == []
    nested = {"nested": {"path": "resources_created",
                         "query": {"term": {"resources_created.resource_type": "connector_id"}}}}
    assert ids(flow, {"query": nested}, STATE_SEARCH) == [wid]
    # both conditions must hold within one child document
    rid = status["resources_created"][0]["resource_id"]
    both = {"nested": {"path": "resources_created", "query": {"bool": {"must": [
        {"term": {"resources_created.resource_id": rid}},
        {"term": {"resources_created.workflow_step_name": "register_remote_model"}}]}}}}
    assert ids(flow, {"query": both}, STATE_SEARCH) == []
    # nested on a non-nested or unmapped path is a shard failure
    r = flow.request("POST", STATE_SEARCH, json={"query": {"nested": {"path": "state", "query": {"match_all": {}}}}})
    assert (r.status_code, r.json()["error"]["reason"]) == (
        400, "[nested] nested object under path [state] is not of nested type")
    r = flow.request("POST", STATE_SEARCH, json={"query": {"nested": {"path": "nope", "query": {"match_all": {}}}}})
    assert r.json()["error"]["reason"] == "[nested] failed to find nested object under path [nope]"


def test_search_workflows_dynamic_false_fields_are_not_searchable(flow: FlowApi) -> None:
    flow.create_id({**template(connector(), name="with ui"), "ui_metadata": {"type": "unknown", "x": "y"}})
    for query in ({"term": {"workflows.provision.nodes.type": "create_connector"}},
                  {"match": {"ui_metadata.type": "unknown"}},
                  {"exists": {"field": "workflows"}},
                  {"term": {"description.keyword": "a test"}},  # only `name` has a .keyword subfield
                  {"term": {"use_case.keyword": "TEST"}},
                  {"term": {"version.template": "1.0.0"}}):  # `version` is nested
        assert ids(flow, {"query": query}) == [], query
    assert len(ids(flow, {"query": {"term": {"use_case": "TEST"}}})) == 1
    assert len(ids(flow, {"query": {"term": {"name.keyword": "with ui"}}})) == 1
    assert len(ids(flow, {"query": {"exists": {"field": "name"}}})) == 1


def test_search_workflows_nested_version(flow: FlowApi) -> None:
    wid = flow.create_id({**template(noop("a")), "version": {"template": "1.0.0", "compatibility": ["2.12.0"]}})
    q = {"nested": {"path": "version", "query": {"match": {"version.compatibility": "2.12.0"}}}}
    assert ids(flow, {"query": q}) == [wid]


def test_search_workflows_source_false_still_returns_source(flow: FlowApi) -> None:
    flow.create_id({**template(noop("a"), name="n"), "ui_metadata": {"k": "v"}})
    r = flow.request("POST", SEARCH, json={"query": {"match_all": {}}, "_source": False})
    src = r.json()["hits"]["hits"][0]["_source"]
    # getSourceContext turns any _source into fetch=true with the dashboard excludes (ui_metadata too)
    assert src["name"] == "n" and "ui_metadata" not in src and "workflows" in src
    r = flow.request("POST", SEARCH, json={"query": {"match_all": {}}})
    assert r.json()["hits"]["hits"][0]["_source"]["ui_metadata"] == {"k": "v"}


def iso(ms: int) -> str:
    """strict_date_time, the date fields' first format."""
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def _seed_states(flow: FlowApi) -> tuple[str, str, str]:
    done, _ = flow.provisioned(template(connector(), model()))
    failed, _ = flow.provisioned(template(model("bad", after=None, connector_id="nope")))
    idle = flow.create_id(template(noop("a")))
    return done, failed, idle


def test_search_workflow_state_aggregations_before_2_19(make_flow: Callable[..., FlowApi]) -> None:
    flow = make_flow(opensearch_version="2.18.0")
    done, failed, _ = _seed_states(flow)
    body = {"size": 0, "aggs": {
        "states": {"terms": {"field": "state"}},
        "workflows": {"cardinality": {"field": "workflow_id"}},
        "started": {"value_count": {"field": "provision_start_time"}},
        "first": {"min": {"field": "provision_start_time"}},
        "last": {"max": {"field": "provision_end_time"}},
        "failed": {"filter": {"term": {"state": "FAILED"}}},
        "resources": {"nested": {"path": "resources_created"},
                      "aggs": {"types": {"terms": {"field": "resources_created.resource_type"}}}},
        "flat": {"terms": {"field": "resources_created.resource_type"}},
    }}
    r = flow.request("POST", STATE_SEARCH, json=body)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["hits"] == {"total": {"value": 3, "relation": "eq"}, "max_score": None, "hits": []}
    start = min(flow.status(w, all="true")["provision_start_time"] for w in (done, failed))
    end = max(flow.status(w, all="true")["provision_end_time"] for w in (done, failed))
    assert out["aggregations"] == {
        "states": {"doc_count_error_upper_bound": 0, "sum_other_doc_count": 0, "buckets": [
            {"key": "COMPLETED", "doc_count": 1}, {"key": "FAILED", "doc_count": 1},
            {"key": "NOT_STARTED", "doc_count": 1}]},
        "workflows": {"value": 3},
        "started": {"value": 2},
        "first": {"value": float(start), "value_as_string": iso(start)},
        "last": {"value": float(end), "value_as_string": iso(end)},
        "failed": {"doc_count": 1},
        # two child documents; equal counts order by key
        "resources": {"doc_count": 2, "types": {"doc_count_error_upper_bound": 0, "sum_other_doc_count": 0,
                                                "buckets": [{"key": "connector_id", "doc_count": 1},
                                                            {"key": "model_id", "doc_count": 1}]}},
        "flat": {"doc_count_error_upper_bound": 0, "sum_other_doc_count": 0, "buckets": []},
    }


def test_search_workflows_aggregation_request_errors(make_flow: Callable[..., FlowApi]) -> None:
    flow = make_flow(opensearch_version="2.18.0")
    flow.create_id(template(noop("a")))
    r = flow.request("POST", SEARCH, json={"aggs": {"n": {"terms": {"field": "name"}}}})
    assert r.status_code == 400 and r.json()["error"]["reason"].startswith("Text fields are not optimised")
    r = flow.request("POST", SEARCH, json={"aggs": {"n": {"min": {"field": "use_case"}}}})
    assert r.json()["error"]["reason"] == "Field [use_case] of type [keyword] is not supported for aggregation [min]"
    r = flow.request("POST", SEARCH, json={"aggs": {"n": {"histogramz": {"field": "x"}}}})
    assert r.json()["error"] == {"root_cause": [{"type": "parsing_exception",
                                                 "reason": "Unknown aggregation type [histogramz]"}],
                                 "type": "parsing_exception", "reason": "Unknown aggregation type [histogramz]"}
    r = flow.request("POST", SEARCH, json={"aggregations": None})
    assert r.json()["error"]["reason"] == "Unknown key for a VALUE_NULL in [aggregations]."
    r = flow.request("POST", SEARCH, json={"aggs": {"uc": {"terms": {"field": "use_case"}}}})
    assert r.json()["aggregations"]["uc"]["buckets"] == [{"key": "TEST", "doc_count": 1}]


def test_search_workflows_aggregations_since_2_19_fail_to_parse(flow: FlowApi) -> None:
    flow.create_id(template(noop("a")))
    r = flow.request("POST", SEARCH, json={"size": 0, "aggs": {"uc": {"terms": {"field": "use_case"}}}})
    assert (r.status_code, r.json()) == (500, {"error": "Failed to parse search response"})
    # request errors still come first, and an empty `aggs` parses back fine
    r = flow.request("POST", SEARCH, json={"aggs": {"n": {"terms": {"field": "name"}}}})
    assert r.status_code == 400
    r = flow.request("POST", SEARCH, json={"aggs": {}})
    assert (r.status_code, r.json()["aggregations"]) == (200, {})


def test_search_workflows_sort_on_unmapped_or_nested_field(flow: FlowApi) -> None:
    flow.create_id(template(noop("a")))
    r = flow.request("POST", SEARCH, json={"sort": "workflows.provision.nodes.id"})
    assert (r.status_code, r.json()["error"]["reason"]) == (
        400, "No mapping found for [workflows.provision.nodes.id] in order to sort on")
    r = flow.request("POST", STATE_SEARCH, json={"sort": "resources_created.resource_id"})
    assert r.json()["error"]["reason"] == ("it is mandatory to set the [nested] context on the nested sort field: "
                                           "[resources_created.resource_id].")


def test_search_workflows_date_bounds_use_the_mapping_format(flow: FlowApi) -> None:
    wid = flow.create_id(template(noop("a")))
    created = flow.request("GET", f"{BASE}/{wid}").json()["created_time"]
    iso = dt.datetime.fromtimestamp(created / 1000, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(flow, {"query": {"range": {"created_time": {"gte": iso}}}}) == [wid]
    assert ids(flow, {"query": {"range": {"created_time": {"gte": f"{iso}||-1d", "lte": str(created)}}}}) == [wid]
    # strict_date_time||epoch_millis: a date without a time is not a date to these fields
    r = flow.request("POST", SEARCH, json={"query": {"range": {"created_time": {"gte": "1970-01-01"}}}})
    inner = "failed to parse date field [1970-01-01] with format [strict_date_time||epoch_millis]"
    assert (r.status_code, r.json()["error"]["root_cause"]) == (400, [{"type": "parse_exception",
                                                                       "reason": f"{inner}: [{inner}]"}])
