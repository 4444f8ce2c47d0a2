"""Issue #12's table, in process: each hostile input gets a clear 4xx in the right shape, in bounded
time, and leaves the emulator working for everyone. These are the rows about what a request carries:
filter_path globs, YAML aliases and nesting, absurd numbers for the clock, faults and journal, long
parameter names, unknown keys and inconsistent ranges (the control plane's guards are in
test_hostile_control_plane.py, the caps in test_hostile_caps.py, rows about memory and the process
itself in test_hostile_memory.py and test_server_lifecycle.py)."""
from __future__ import annotations

import fnmatch
import time
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from emulator.opensearch_flow.filter_path import glob_match
from tests.hardening.hostile_requests import FLOW, T1, Factory, admin_error


def timed(call: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = call()
    return out, time.perf_counter() - t0


# --- row 1: filter_path --------------------------------------------------------------------

def test_filter_path_with_thirty_stars_answers_at_once(client_factory: Factory) -> None:
    c = client_factory(validate=False)
    for spec in ("*" * 30 + "b", "a" + "*a" * 200 + "b", ",".join(["*" * 50 + "x"] * 20)):
        r, took = timed(lambda spec=spec: c.get("/", params={"filter_path": spec}))
        assert r.status_code == 200 and r.json() == {} and took < 1.0, (spec[:40], took)
    assert c.get("/", params={"filter_path": "*er*.numb*"}).json() == {"version": {"number": "3.7.0"}}


@settings(max_examples=300, deadline=None)
@given(pattern=st.text("ab*", min_size=1, max_size=12), key=st.text("ab", max_size=12))
def test_filter_path_glob_agrees_with_fnmatch(pattern: str, key: str) -> None:
    if "*" in pattern:
        assert glob_match(tuple(pattern.split("*")), key) == fnmatch.fnmatchcase(key, pattern)


# --- rows 2 and 3: YAML --------------------------------------------------------------------

LAUGHS = (b"name: lol\nworkflows:\n  provision:\n    nodes:\n"
          + b"".join(b"      - &l%d [" % i + b", ".join([b"*l%d" % (i - 1) if i else b'"lol"'] * 9) + b"]\n"
                     for i in range(9)))


def test_yaml_aliases_are_not_expanded(client_factory: Factory) -> None:
    c = client_factory(validate=False)
    r, took = timed(lambda: c.post(FLOW, content=LAUGHS, headers={"content-type": "application/yaml", **T1}))
    assert r.status_code in (201, 400) and took < 2.0, (r.status_code, took)
    journal = c.get("/_emulator/journal", headers=T1)
    assert journal.status_code == 200 and len(journal.content) < 20_000  # was 147 MB


@pytest.mark.parametrize("body", [b"[" * 100_000 + b"]" * 100_000,
                                  b"a:\n" + b"".join(b" " * i + b"b:\n" for i in range(1, 3_000)),
                                  b"v: [" + b", ".join([b"1"] * 25_000) + b"]"])
def test_yaml_too_deep_or_too_big_is_a_clean_400(client_factory: Factory, body: bytes) -> None:
    c = client_factory(validate=False)
    r, took = timed(lambda: c.post(FLOW, content=body, headers={"content-type": "application/yaml",
                                                                "accept": "application/json"}))
    assert r.status_code == 400 and "template content invalid" in r.json()["error"] and took < 5.0, (r.text, took)
    assert c.get("/").status_code == 200


# --- row 4: numbers of the clock, faults and journal ---------------------------------------

@pytest.mark.parametrize("method, path, body, message", [
    ("POST", "/_emulator/clock/advance", {"seconds": 1e308}, "`seconds` must be at most"),
    ("POST", "/_emulator/clock/advance", {"seconds": "inf"}, "`seconds` must be a finite number"),
    ("PUT", "/_emulator/clock", {"mode": "manual", "now_ms": 1e300}, "`now_ms` must be at most"),
    ("PUT", "/_emulator/clock", {"mode": "scaled", "scale": 1e308}, "`scale` must be at most"),
    ("POST", "/_emulator/faults", {"effect": {"type": "latency", "distribution": "lognormal", "median_ms": 5,
                                              "sigma": 1e6}}, "`sigma` must be a number between 0 and 10"),
    ("POST", "/_emulator/faults", {"effect": {"type": "latency", "ms": 1e300}}, "`ms` must be a number between"),
    ("POST", "/_emulator/faults", {"effect": {"type": "error", "status": 503, "retry_after": 1e300}},
     "`retry_after` must be an integer between 0 and"),
])
def test_out_of_range_numbers_are_400_and_the_tenant_keeps_working(client: TestClient, method: str, path: str,
                                                                     body: dict[str, Any], message: str) -> None:
    client.put("/_emulator/clock", json={"mode": "manual"}, headers=T1)
    r, took = timed(lambda: client.request(method, path, json=body, headers=T1))
    assert message in admin_error(r, 400) and took < 1.0
    assert client.get("/_emulator/clock", headers=T1).status_code == 200
    assert client.get("/_emulator/tenants").status_code == 200
    assert client.post(FLOW, json={"name": "after"}, headers=T1).status_code == 201


def test_clock_at_the_edge_of_time_keeps_every_call_working(client: TestClient) -> None:
    r = client.put("/_emulator/clock", json={"mode": "manual", "now_ms": 253_402_300_799_000}, headers=T1)
    assert r.status_code == 200
    assert "`seconds` must be at most" in admin_error(
        client.post("/_emulator/clock/advance", json={"seconds": 3600}, headers=T1), 400)
    assert client.post(FLOW, json={"name": "edge"}, headers=T1).status_code == 201
    assert client.get("/_emulator/tenants").status_code == 200
    assert client.get("/_emulator/journal", headers=T1).status_code == 200


@pytest.mark.parametrize("query", ["limit=inf", "limit=1e300", "since_ms=nan", "after_seq=-1", "limit=1.5"])
def test_journal_query_numbers_are_range_checked(client: TestClient, query: str) -> None:
    admin_error(client.get(f"/_emulator/journal?{query}"), 400)


# --- row 16: suggestions -------------------------------------------------------------------

def test_long_unknown_parameter_gets_no_suggestion_and_no_stall(client_factory: Factory) -> None:
    r, took = timed(lambda: client_factory(validate=False).get(FLOW + "/_search", params={"x" * 60_000: "1"}))
    assert r.status_code == 431 and took < 1.0  # the request line alone is over the head limit
    c = client_factory(validate=False, max_header_bytes=1_000_000)
    r, took = timed(lambda: c.get(FLOW + "/_search", params={"x" * 60_000: "1"}))
    assert r.status_code == 400 and took < 1.0 and "did you mean" not in r.text, took
    r = c.get(FLOW + "/_search", params={"prety": "true"})
    assert r.status_code == 400 and "did you mean [pretty]?" in r.text


# --- row 17: unknown keys and inconsistent ranges ------------------------------------------

@pytest.mark.parametrize("method, path, body, message", [
    ("POST", "/_emulator/faults", {"effect": {"type": "error", "statsu": 503}}, "unknown field(s) ['statsu']"),
    ("POST", "/_emulator/faults", {"effect": {"type": "latency", "distribution": "uniform", "min_ms": 50,
                                              "max_ms": 5}}, "`min_ms` <= `max_ms`"),
    ("POST", "/_emulator/faults", {"effect": {"type": "error", "headers": {"x": "a\r\nb"}}}, "no line breaks"),
    ("PUT", "/_emulator/clock", {"mode": "manual", "now": 5}, "unknown clock field(s) ['now']"),
    ("POST", "/_emulator/clarifai/models", {"id": "m", "model_type": "x"}, "unknown model field(s) ['model_type']"),
    ("POST", "/_emulator/clarifai/models", {"id": "m", "embedding_dims": 10**12}, "`embedding_dims` must be"),
])
def test_unknown_fields_and_inconsistent_ranges_are_refused(client: TestClient, method: str, path: str,
                                                            body: dict[str, Any], message: str) -> None:
    assert message in admin_error(client.request(method, path, json=body), 400)


def test_retry_after_goes_out_in_whole_seconds(client_factory: Factory) -> None:
    c = client_factory(validate=False)
    c.post("/_emulator/faults", json={"effect": {"type": "error", "status": 503, "retry_after": 2.0}})
    assert c.get("/").headers["retry-after"] == "2"
