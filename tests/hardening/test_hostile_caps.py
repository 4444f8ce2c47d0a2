"""Issue #12's table, in process: the caps. Tenants are capped with LRU eviction of idle tenants (never a
busy one); request bodies, the header block, the journal and the answers kept for the dashboard are
bounded in bytes, and what goes over a limit is a clear 413 or 431 in each API's shape (the same
rows against a server process, measured by its RSS, are in test_hostile_memory.py)."""
from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.hardening.hostile_requests import CLARIFAI_WF, FLOW, JSON, KEY, T1, Factory, admin_error

# --- rows 6, 8, 9 (in process): caps -------------------------------------------------------

def test_tenants_are_capped_with_lru_eviction_of_idle_tenants(client_factory: Factory,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    c = client_factory(max_tenants=5)
    caplog.set_level(logging.WARNING, logger="emulator")
    for i in range(12):
        assert c.get("/", headers={"x-emulator-tenant": f"tenant-{i}"}).status_code == 200
        c.get("/", headers={"x-emulator-tenant": "tenant-0"})  # recently used: survives
    names = [t["name"] for t in c.get("/_emulator/tenants").json()["tenants"]]
    assert len(names) <= 5 and "tenant-0" in names and "tenant-11" in names and "tenant-1" not in names
    evictions = c.get("/_emulator/journal", params={"operation": "evict_tenant", "tenant": "default"}).json()
    assert "tenant 'tenant-1' evicted" in evictions["entries"][0]["error"]
    assert "tenant 'tenant-1' evicted" in caplog.text


def test_busy_tenants_are_not_evicted(client_factory: Factory) -> None:
    c = client_factory(max_tenants=3)
    c.put("/_emulator/clock", json={"mode": "manual"}, headers=T1)
    c.post("/_emulator/faults", json={"effect": {"type": "latency", "ms": 60_000}}, headers=T1)
    emu = c.app.state.emulator  # type: ignore[attr-defined]

    async def park() -> None:
        emu.tenant("t1").spawn(emu.tenant("t1").clock.sleep(60))

    c.portal.call(park)  # type: ignore[union-attr]
    for i in range(6):
        c.get("/", headers={"x-emulator-tenant": f"other-{i}"})
    assert "t1" in emu.tenants


def test_body_limits_hold_for_apis_and_the_control_plane(client_factory: Factory) -> None:
    c = client_factory(validate=False, max_body_bytes=100_000, admin_max_body_bytes=10_000,
                       clarifai_max_request_bytes=200_000)

    def chunks(n: int) -> Any:
        for _ in range(n):
            yield b"x" * 10_000

    r = c.post(FLOW, content=chunks(50), headers=JSON)  # chunked: no content-length
    assert r.status_code == 413 and r.json()["status"] == 413
    r = c.post(CLARIFAI_WF, content=chunks(50), headers={**JSON, **KEY})  # Clarifai's own limit applies
    assert r.status_code == 413 and r.json()["status"]["code"] == 40033 and "limit of 200000 bytes" in r.text
    # announced by Content-Length: over the limit counted as it streams in, within it read as it is
    r = c.post(FLOW, content=b"x" * 150_000, headers=JSON)
    assert r.status_code == 413 and r.json()["status"] == 413
    r = c.post(CLARIFAI_WF, content=b"x" * 250_000, headers={**JSON, **KEY})
    assert r.status_code == 413 and r.json()["status"]["code"] == 40033
    big_rule = {"id": "x" * 20_000, "effect": {"type": "drop"}}
    assert "limited to 10000 bytes" in admin_error(c.post("/_emulator/faults", json=big_rule), 413)
    assert c.get("/_emulator/faults").json() == {"faults": []}


def test_journal_is_capped_in_bytes_and_keeps_big_bodies_as_sizes(client_factory: Factory) -> None:
    c = client_factory(validate=False, journal_max_bytes=200_000, journal_body_max_bytes=10_000)
    body = {"inputs": [{"data": {"text": {"raw": "x" * 300_000}}}]}
    for _ in range(20):
        c.post(CLARIFAI_WF + "/w/results", json=body, headers={**KEY, **T1})
    journal = c.get("/_emulator/journal", headers=T1).json()
    assert journal["entries"] and len(c.get("/_emulator/journal", headers=T1).content) < 200_000
    assert "a request body of" in journal["entries"][-1]["request"]["omitted"]
    j = c.app.state.emulator.tenant("t1").journal  # type: ignore[attr-defined]
    small = {"inputs": [{"data": {"text": {"raw": "y" * 5_000}}}]}
    for _ in range(100):
        c.post(CLARIFAI_WF + "/w/results", json=small, headers={**KEY, **T1})
    assert j.bytes <= 200_000 and j.dropped > 0 and len(j) < 100


def test_header_block_over_the_limit_is_431_in_each_shape(client_factory: Factory) -> None:
    c = client_factory(validate=False, max_header_bytes=4096)
    big = {"x-junk": "j" * 5000}
    r = c.get("/", headers=big)
    assert r.status_code == 431 and "exceed the limit of 4096 bytes" in r.json()["error"]
    r = c.get(CLARIFAI_WF, headers={**big, **KEY})
    assert r.status_code == 431 and r.json()["status"]["code"]
    admin_error(c.get("/_emulator/clock", headers=big), 431)
    assert c.get("/", headers={"x-junk": "j" * 1000}).status_code == 200


# --- the answers kept for the dashboard, across tenants ------------------------------------

def test_answers_kept_for_the_dashboard_are_bounded_across_tenants(client_factory: Factory) -> None:
    c = client_factory(validate=False, journal_responses_max_bytes=50_000)
    emu = c.app.state.emulator  # type: ignore[attr-defined]
    for i in range(60):
        c.get("/", headers={"x-emulator-tenant": f"viewer-{i}"})  # ~400-byte answers, one tenant each
    kept = emu.kept_responses
    assert 0 < kept.bytes <= 50_000
    assert sum(t.journal._response_bytes for t in emu.tenants.values()) == kept.bytes
    c.post("/_emulator/reset", json={"all": True})
    assert kept.bytes == 0
