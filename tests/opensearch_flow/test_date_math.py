"""Date bounds of `range` queries on the plugin's date fields: formats, date math, rounding."""
from __future__ import annotations

import datetime as dt

import pytest

from emulator.opensearch_flow.date_math import DateError, resolve
from tests.opensearch_flow.flow_builders import FlowApi
from tests.opensearch_flow.test_search import names, search, seed


def ms(text: str) -> float:
    return dt.datetime.fromisoformat(text).timestamp() * 1000  # 3.11 reads a trailing Z


NOW = int(ms("2026-11-25T15:30:45.123Z"))  # a Wednesday


@pytest.mark.parametrize("value,round_up,want", [
    ("now", False, NOW),
    ("now-1d", False, NOW - 86_400_000),
    ("now+90m", True, NOW + 90 * 60_000),
    ("now/d", False, ms("2026-11-25T00:00:00Z")),
    ("now/d", True, ms("2026-11-25T23:59:59.999Z")),
    ("now-1M/M", False, ms("2026-10-01T00:00:00Z")),
    ("now-1M/M", True, ms("2026-10-31T23:59:59.999Z")),
    ("now/w", False, ms("2026-11-23T00:00:00Z")),
    ("now-1y/y", True, ms("2025-12-31T23:59:59.999Z")),
    ("now/H", False, ms("2026-11-25T15:00:00Z")),
    ("2026-11-01", False, ms("2026-11-01T00:00:00Z")),
    ("2026-11-01", True, ms("2026-11-01T23:59:59.999Z")),
    ("2026-11", True, ms("2026-11-30T23:59:59.999Z")),
    ("2026", False, ms("2026-01-01T00:00:00Z")),
    ("2026-11-01T10:00:00Z", True, ms("2026-11-01T10:00:00Z") + 999),
    ("2026-11-01T10:00:00.250Z", True, ms("2026-11-01T10:00:00.250Z")),
    ("2026-11-01T10:00:00+02:00", False, ms("2026-11-01T08:00:00Z")),
    ("2026-11-01T10:00", False, ms("2026-11-01T10:00:00Z")),
    ("2026-01-31||+1M", False, ms("2026-02-28T00:00:00Z")),
    ("2026-11-01||/M", True, ms("2026-11-30T23:59:59.999Z")),
    ("1795000000000", False, 1795000000000),
    (1795000000000, True, 1795000000000),
])
def test_resolve(value: object, round_up: bool, want: float) -> None:
    assert resolve(value, NOW, round_up) == want


@pytest.mark.parametrize("value", ["yesterday", "now-1x", "now-", "2026-13-01", "", True, None,
                                   "2026-11-01T25:00:00Z", "now/q", "9999-12-31||+1y", "now+99999999999d"])
def test_resolve_rejects(value: object) -> None:
    with pytest.raises(DateError):
        resolve(value, NOW, False)


def test_search_range_with_date_math_uses_the_tenant_clock(flow: FlowApi) -> None:
    seed(flow)  # alpha, then 1 s later beta, then 2 s later gamma; the clock ends 3 s after gamma
    assert names(search(flow, {"query": {"range": {"created_time": {"gte": "now-4s"}}}})) == ["gamma"]
    assert names(search(flow, {"query": {"range": {"created_time": {"gte": "now-6s", "lt": "now-4s"}}}})) == [
        "alpha flow", "beta flow"]
    beta = search(flow, {"query": {"match": {"name": "beta"}}})["hits"]["hits"][0]["_source"]["created_time"]
    iso = dt.datetime.fromtimestamp(beta / 1000, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    assert names(search(flow, {"query": {"range": {"created_time": {"gte": iso}}}})) == ["beta flow", "gamma"]
    assert names(search(flow, {"query": {"range": {"created_time": {"lte": iso}}}})) == ["alpha flow", "beta flow"]
    r = flow.request("POST", "/_plugins/_flow_framework/workflow/_search",
                     json={"query": {"range": {"created_time": {"gte": "last tuesday"}}}})
    assert r.status_code == 400
    assert "failed to parse date field [last tuesday]" in r.json()["error"]["root_cause"][0]["reason"]
