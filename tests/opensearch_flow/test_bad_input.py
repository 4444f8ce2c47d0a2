"""Bad input never yields a 500 (brief rule): garbage bodies and parameters get a 4xx in the API's own shapes."""
from __future__ import annotations

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.opensearch_flow.flow_builders import BASE, FlowApi, noop, template

JSON = st.recursive(st.none() | st.booleans() | st.integers(-(2**62), 2**62) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                    max_leaves=12)
KEYS = st.sampled_from(["name", "description", "use_case", "version", "workflows", "ui_metadata", "bogus"])
TEMPLATES = st.dictionaries(KEYS, JSON, max_size=4) | st.fixed_dictionaries(
    {"name": st.text(max_size=5), "workflows": st.dictionaries(st.just("provision"), st.fixed_dictionaries(
        {"nodes": st.lists(st.dictionaries(st.sampled_from(["id", "type", "user_inputs", "previous_node_inputs"]),
                                           JSON, max_size=4), max_size=3)}))})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=TEMPLATES)
def test_create_workflow_random_templates_never_500(flow: FlowApi, body: object) -> None:
    r = flow.request("POST", BASE, content=orjson.dumps(body), headers={"content-type": "application/json"})
    assert r.status_code in (201, 400, 403, 501), r.text
    assert isinstance(r.json()["error"], str) if r.status_code != 201 else True


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=JSON)
def test_search_workflows_random_bodies_never_500(flow: FlowApi, body: object) -> None:
    if not flow.backend.templates.exists:
        flow.create_id(template(noop("a")))
    r = flow.request("POST", f"{BASE}/_search", content=orjson.dumps(body), headers={"content-type": "application/json"})
    assert r.status_code in (200, 400), r.text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.dictionaries(st.sampled_from(["match", "term", "terms", "bool", "range", "ids", "x"]), JSON, max_size=2))
def test_search_workflows_random_queries_never_500(flow: FlowApi, query: object) -> None:
    if not flow.backend.templates.exists:
        flow.create_id(template(noop("a")))
    r = flow.request("POST", f"{BASE}/_search", json={"query": query})
    assert r.status_code in (200, 400), r.text


def test_provision_workflow_garbage_never_500(flow: FlowApi) -> None:
    wid = flow.create_id(template(noop("a")))
    for content in (b"null", b"[]", b'"x"', b"\xff\xfe", b'{"a": {"b": 1}}', b'{"a": null}'):
        r = flow.provision(wid, content=content, headers={"content-type": "application/json"})
        assert r.status_code == 400, (content, r.text)
    for params in ({"all": "maybe"}, {"all": ""}):
        assert flow.request("GET", f"{BASE}/{wid}/_status", params=params).status_code in (200, 400)
