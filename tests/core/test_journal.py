"""Journal: bounded ring buffer, redaction, queries, outcome tally."""
from __future__ import annotations

from typing import Any

from emulator.core.journal import REDACTED, Journal, redact, redact_headers, suppressed


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
    assert node == {"name": "x", "credential": REDACTED, "parameters": {"k": 1}}
    assert out["Authorization"] == REDACTED
    assert "sk-123" not in repr(out) and template["Authorization"] == "Key abc"  # input untouched


def test_redact_headers_keeps_useful_headers_only() -> None:
    out = redact_headers({"Authorization": "Key secret", "Content-Type": "application/json",
                          "Accept-Encoding": "gzip", "x-emulator-tenant": "t1"})
    assert out == {"authorization": REDACTED, "content-type": "application/json"}


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
