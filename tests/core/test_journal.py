"""Journal: bounded ring buffer, redaction, queries, outcome tally."""
from __future__ import annotations

from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from emulator.core.journal import Journal, suppressed
from emulator.core.redaction import (
    SECRET_KEYS,
    _secret_key,
    fingerprint,
    redact,
    redact_headers,
    secret_free,
)


def _rec(j: Journal, op: str, status: int, t: int, **kw: Any) -> None:
    j.record(time_ms=t, api=kw.pop("api", "flow"), operation=op, method=kw.pop("method", "GET"),
             path=kw.pop("path", "/p"), status=status, duration_ms=1.0, **kw)


def test_journal_ring_buffer_keeps_newest_cap_entries() -> None:
    j = Journal(cap=3)
    for i in range(5):
        _rec(j, "get_workflow", 200, i)
    assert [e.seq for e in j.entries()] == [3, 4, 5]
    assert j.dropped == 2
    # the outcome tally outlives the ring buffer (coverage needs it)
    assert j.outcomes[("flow", "get_workflow", 200, None, None)] == 5


def test_journal_query_by_operation_status_time_and_limit() -> None:
    j = Journal(cap=100)
    _rec(j, "create_workflow", 201, 1000)
    _rec(j, "provision_workflow", 202, 2000)
    _rec(j, "get_workflow", 404, 3000, error="Failed to retrieve template (abc) from global context.")
    _rec(j, "get_workflow", 200, 4000)
    _rec(j, "post_workflow_results", 503, 5000, api="clarifai", code=21351)
    assert [e.seq for e in j.query(operation="get_workflow")] == [3, 4]
    assert [e.seq for e in j.query(status=404)] == [3]
    assert [e.seq for e in j.query(status="5xx")] == [5]
    assert [e.seq for e in j.query(status=["2xx", 404])] == [1, 2, 3, 4]
    assert [e.seq for e in j.query(since_ms=2000, until_ms=4000)] == [2, 3, 4]
    assert [e.seq for e in j.query(api="clarifai")] == [5]
    assert [e.seq for e in j.query(error="global context")] == [3]
    assert [e.seq for e in j.query(limit=2)] == [4, 5]
    assert [e.seq for e in j.query(after_seq=3)] == [4, 5]
    assert [e.seq for e in j.query(operation=["create_workflow", "provision_workflow"])] == [1, 2]


def test_redact_hides_credentials_and_keys_at_any_depth() -> None:
    template = {"workflows": {"provision": {"nodes": [
        {"id": "c", "type": "create_connector",
         "user_inputs": {"name": "x", "credential": {"openAI_key": "sk-123"}, "parameters": {"k": 1}}}]}},
        "Authorization": "Key abc"}
    out = redact(template)
    node = out["workflows"]["provision"]["nodes"][0]["user_inputs"]
    assert node == {"name": "x", "credential": {"openAI_key": fingerprint("sk-123")}, "parameters": {"k": 1}}
    assert out["Authorization"] == fingerprint("Key abc") and out["Authorization"].startswith("<redacted sha256:")
    assert "sk-123" not in repr(out) and template["Authorization"] == "Key abc"  # input untouched


def test_redact_headers_keeps_useful_headers_only() -> None:
    out = redact_headers({"Authorization": "Key secret", "Content-Type": "application/json",
                          "Accept-Encoding": "gzip", "x-emulator-tenant": "t1"})
    assert out == {"authorization": fingerprint("Key secret"), "content-type": "application/json"}


def test_journal_clear_and_suppression() -> None:
    j = Journal(cap=10)
    token = suppressed.set(True)
    try:
        assert j.record(time_ms=0, api="flow", operation="x", method="GET", path="/", status=200,
                        duration_ms=0.0) is None
    finally:
        suppressed.reset(token)
    _rec(j, "x", 200, 0)
    assert len(j) == 1 and j.clear() == 1 and len(j) == 0 and j.outcomes == {}


keys = st.one_of(st.text(max_size=8), st.sampled_from(sorted(SECRET_KEYS)),
                 st.sampled_from(["PAT", "Api_Key", "api_\u212aey", "tokens", "xpat", "pattern"]))
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**53), 2**53), st.text(max_size=8), st.sampled_from(["pat", "token"])),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(keys, inner, max_size=3)), max_leaves=12)


def _any_secret_key(value: Any) -> bool:
    """The long way: a recursive look at every key."""
    if isinstance(value, dict):
        return any(_secret_key(k) or _any_secret_key(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_any_secret_key(v) for v in value)
    return False


@settings(max_examples=400, deadline=None, derandomize=True)
@given(json_values)
def test_a_body_without_secret_keys_is_kept_only_when_redacting_would_not_change_it(value: Any) -> None:
    assert secret_free(value) == (not _any_secret_key(value))
    if secret_free(value):
        assert redact(value) == value


def test_secret_free_sees_keys_in_any_case_nested_or_folded() -> None:
    assert secret_free(orjson.loads(b'{"inputs":[{"data":{"image":{"url":"https://x/pattern.jpg","base64":"cGF0"}}}]}'))
    for raw in (b'{"PAT": 1}', b'{"a": {"Authorization": "Key k"}}', '{"api_\u212aey": 1}'.encode(),
                b'{"\\u0070at": 1}', b'{"x": [[{"pat": 1}]]}', b'{"a.Token.b": 1}', b'{"api_Key": 1}'):
        assert not secret_free(orjson.loads(raw)), raw
    assert redact({"api_Key": 1}) == {"api_Key": fingerprint(1)}


def test_journal_record_request_with_an_integer_beyond_64_bits() -> None:
    # a fuzzed `per_page=4537...` parses to an int orjson refuses: the operation must not become a 500
    j = Journal(cap=3)
    _rec(j, "list_models", 400, 1, request={"per_page": 45371880000000000000000000})
    assert j.entries()[0].request == {"per_page": 45371880000000000000000000}
