"""OpenSearch `filter_path` on Flow Framework responses (emulator/opensearch_flow/filter_path.py)."""
from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emulator.admin_client import EmulatorTenant
from emulator.opensearch_flow.filter_path import apply
from tests.opensearch_flow.flow_builders import connector, template

SEARCH = {"took": 3, "timed_out": False,
          "hits": {"total": {"value": 2, "relation": "eq"}, "max_score": 1.0,
                   "hits": [{"_index": "i", "_id": "a", "_score": 1.0, "_source": {"name": "x", "use_case": "u"}},
                            {"_index": "i", "_id": "b", "_score": 1.0, "_source": {"name": "y"}}]}}


@pytest.mark.parametrize("spec,want", [
    ("hits.hits._id", {"hits": {"hits": [{"_id": "a"}, {"_id": "b"}]}}),
    ("took,hits.total.value", {"took": 3, "hits": {"total": {"value": 2}}}),
    ("hits.hits._source.use_case", {"hits": {"hits": [{"_source": {"use_case": "u"}}]}}),
    ("hits.*.value", {"hits": {"total": {"value": 2}}}),
    ("**._id", {"hits": {"hits": [{"_id": "a"}, {"_id": "b"}]}}),
    ("**.name", {"hits": {"hits": [{"_source": {"name": "x"}}, {"_source": {"name": "y"}}]}}),
    ("t*", {"took": 3, "timed_out": False}),
    ("nothing.here", {}),
    ("took.deeper", {}),
    ("-hits", {"took": 3, "timed_out": False}),
    ("-hits.hits._source,-took", {"timed_out": False, "hits": {
        "total": {"value": 2, "relation": "eq"}, "max_score": 1.0,
        "hits": [{"_index": "i", "_id": "a", "_score": 1.0}, {"_index": "i", "_id": "b", "_score": 1.0}]}}),
    ("hits.hits,-**._source", {"hits": {"hits": [{"_index": "i", "_id": "a", "_score": 1.0},
                                                  {"_index": "i", "_id": "b", "_score": 1.0}]}}),
    (" took , ", {"took": 3}),
])
def test_filter_path_expressions(spec: str, want: Any) -> None:
    assert apply(SEARCH, spec) == want


def test_filter_path_over_opensearch_py(emulator_tenant: EmulatorTenant) -> None:
    client = emulator_tenant.opensearch()
    ff = client.plugins.flow_framework
    wid = ff.create(body=template(connector()))["workflow_id"]
    assert ff.get_status(workflow_id=wid, params={"filter_path": "state"}) == {"state": "NOT_STARTED"}
    found = ff.search(body={"query": {"match_all": {}}}, params={"filter_path": "hits.hits._id"})
    assert found == {"hits": {"hits": [{"_id": wid}]}}
    assert ff.get(workflow_id=wid, params={"filter_path": "-workflows,-version,-user_inputs"})["name"] == \
        "test-template"
    # errors are never filtered (OpenSearch builds them without the filter)
    missing = emulator_tenant.opensearch(max_retries=0)
    with pytest.raises(Exception) as err:
        missing.plugins.flow_framework.get_status(workflow_id="nope12345678901234567",
                                                  params={"filter_path": "state"})
    assert getattr(err.value, "status_code", None) == 404 and getattr(err.value, "info", {}).get("error")


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=4)),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.sampled_from(["a", "b", "ab", "_id", "x.y", "*"]), inner, max_size=3)),
    max_leaves=15)
specs = st.lists(st.text(alphabet="ab*.-_,x ", max_size=8), max_size=3).map(",".join)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(json_values, specs)
def test_filter_path_never_fails_and_only_removes(body: Any, spec: str) -> None:
    out = apply(body, spec)
    assert out is body or out == {} or isinstance(out, type(body))
