"""The predict lane (emulator/clarifai/predict_lane.py) answers exactly what the full path answers.

Two seeded emulators on a manual clock, one with the lane and one without, go through the same
scenario: repeated predicts (which the lane answers from templates) mixed with everything that
must make a template stale (a new version, a pinned version, a model state, faults, a new key,
a deleted workflow, other prefixes and tenants). Every response must be byte-identical, headers
included, and so must the journals (bar the measured duration). Seeded ids make this strict: the
lane must draw the same ids, in the same order, as the full path.

The templates' own life (reset, bounds, retirement, journal fields) is in test_predict_lane_templates.py.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import pytest
from starlette.testclient import TestClient

from emulator.clarifai import rest_predict
from tests.clarifai.clarifai_rest_support import (
    DETECTOR,
    FOOD,
    GENERAL,
    METRO,
    SENTIMENT,
    advance,
    backend,
    image,
    node,
    text,
    workflow,
)
from tests.clarifai.lane_steps import (
    AUTH,
    START_MS,
    USER,
    Observed,
    Step,
    W,
    act,
    admin,
    call,
    plain_requests,
    predict,
    unique_requests,
)


def scenario() -> list[Step]:
    two = workflow("two", node("food", FOOD), node("general", GENERAL))
    regions = workflow("regions", node("detect", DETECTOR), node("classify", GENERAL, ("detect",)))
    words = workflow("words", node("sentiment", SENTIMENT))
    # both emulators' manual clocks start at the same instant
    steps: list[Step] = [admin("PUT", "/clock", {"mode": "manual", "now_ms": START_MS}, tenant)
                         for tenant in ("default", "other")]
    steps.append(call("POST", W, {"workflows": [two, regions, words]}))
    steps.append(call("POST", W, {"workflows": [two]}, **{"x-emulator-tenant": "other"}))
    steps += predict("two", image())
    steps += predict("two", image(), image(METRO + "?2"), {"id": "mine", **image(METRO + "?3")})
    steps += predict("regions", image())
    steps += predict("words", text("a lovely day"), text("awful"))
    steps += predict("two", image("not a url"), times=3)  # every input fails: 400 FAILURE
    steps += predict("two", image(), image("ftp://nope"), times=3)  # 207 MIXED_STATUS
    steps += predict("two", image(), output_config={"max_concepts": 3, "min_value": 0.2}, times=3)
    steps += predict("two", image(), times=3, user_app_id={"user_id": "me", "app_id": "main"})
    steps += predict("words", image(), times=3)  # an image into a text model
    steps += plain_requests()
    steps += unique_requests("u")
    # a model registered again: the shape made from its old definition is retired
    for n, concepts in enumerate((["cat", "dog"], ["cat", "dog"], ["train", "station", "platform"])):
        steps.append(admin("POST", "/clarifai/models", {"id": "my-tagger", "model_type_id": "visual-classifier",
                                                         "model_version": {"id": "v1"}, "concepts": concepts}))
        if n == 0:
            steps.append(call("POST", W, {"workflows": [workflow("tagger", node("tag", ("my-tagger", "v1")))]}))
        steps += [call("POST", f"{W}/tagger/results", {"inputs": [image(METRO + f"?t{n}-{i}")]}) for i in range(4)]
    # a one-off fault header and a tenant fault: those requests take the full path
    steps.append(call("POST", f"{W}/two/results", {"inputs": [image()]},
                      **{"x-emulator-fault": '{"type": "error", "status": 503}'}))
    steps.append(admin("POST", "/faults", {"match": {"node_id": "general"}, "count": 2,
                                            "effect": {"type": "node_error", "code": 21313, "details": "injected"}}))
    steps += predict("two", image(), times=3)
    # a new version: the same request now runs it; the old version stays reachable by id
    old_version: dict[str, str] = {}
    steps.append(act(lambda c: old_version.update(id=backend(c).store.app(USER, "main")["two"].latest.id)))
    steps.append(call("PATCH", W, {"action": "overwrite", "workflows": [
        workflow("two", node("general", GENERAL), node("food", FOOD))]}))
    steps += predict("two", image())
    steps.append(act(lambda c: advance(c, 0.6)))  # the rate-limited profile's window clears, no model idles
    steps.append(act(lambda c: steps_pinned(c, old_version["id"])))
    # metadata-only patch: same version, different summary
    steps.append(call("PATCH", W, {"action": "merge", "workflows": [{"id": "two", "metadata": {"k": "v"}}]}))
    steps += predict("two", image(), times=3)
    steps += unique_requests("after-patch")
    # model states: deploying until the clock passes, then ready again
    steps.append(admin("PUT", f"/clarifai/models/{FOOD[0]}/state", {"state": "DEPLOYING", "seconds": 1}))
    steps += predict("two", image(), times=3)
    steps.append(act(lambda c: advance(c, 2)))
    steps += predict("two", image(), times=3)
    # request-id prefix and another tenant
    steps += [call("POST", f"{W}/two/results", {"inputs": [image()]}, **{"X-Clarifai-Request-ID-Prefix": "lane"})
              for _ in range(2)]
    steps += [call("POST", f"{W}/two/results", {"inputs": [image()]}, **{"x-emulator-tenant": "other"})
              for _ in range(2)]
    # a registered key makes the old one unknown; then the new key works
    steps.append(act(lambda c: backend(c).register_key({"key": "registered-pat", "user_id": "me"})))
    steps += predict("two", image(), times=3)
    steps += [call("POST", f"{W}/two/results", {"inputs": [image()]}, Authorization="Key registered-pat")
              for _ in range(2)]
    steps += [call("POST", f"{W}/two/results", {"inputs": [image(METRO + f"?k={i}")]},
                   Authorization="Key registered-pat") for i in range(4)]
    # gone
    steps.append(call("DELETE", f"{W}/two", Authorization="Key registered-pat"))
    steps += [call("POST", f"{W}/two/results", {"inputs": [image()]}, Authorization="Key registered-pat")
              for _ in range(2)]
    return steps


_pinned: list[Observed] = []


def steps_pinned(c: TestClient, version_id: str) -> None:
    for _ in range(2):
        r = c.post(f"{W}/two/versions/{version_id}/results", content=orjson.dumps({"inputs": [image()]}),
                   headers=AUTH)
        _pinned.append((r.status_code, sorted(r.headers.items()), r.content))


def run(client: TestClient) -> tuple[list[Observed], list[Observed], list[dict[str, Any]]]:
    _pinned.clear()
    seen = [o for step in scenario() if (o := step(client)) is not None]
    pinned = list(_pinned)
    emu = client.app.state.emulator  # type: ignore[attr-defined]
    journal = [{k: v for k, v in e.to_json().items() if k != "duration_ms"}
               for name in ("default", "other") for e in emu.tenant(name).journal.entries()]
    return seen, pinned, journal


PROFILES = {"default": {}, "rate-limited": {"clarifai_rate_limit_rps": 3}, "small-limit": {"clarifai_max_request_bytes": 2000},
            "cold-start": {"clarifai_cold_start_s": 0.3, "clarifai_cold_start_idle_s": 1.0}}


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_lane_answers_byte_for_byte_what_the_full_path_answers(client_factory: Callable[..., TestClient],
                                                               profile: str, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = PROFILES[profile]
    plain: list[bool] = []  # what the plain door (rest_predict.py) answered itself, and what it handed over
    answer = rest_predict.answer

    async def counted(*args: Any) -> bool:
        plain.append(await answer(*args))
        return plain[-1]

    monkeypatch.setattr(rest_predict, "answer", counted)
    with_lane = client_factory(clarifai_predict_lane=True, **settings)
    without = client_factory(clarifai_predict_lane=False, **settings)
    seen, pinned, journal = run(with_lane)
    want_seen, want_pinned, want_journal = run(without)
    assert len(seen) == len(want_seen) > 45
    for i, (got, want) in enumerate(zip(seen, want_seen, strict=False)):
        assert got == want, f"response {i} differs"
    assert pinned == want_pinned and len(pinned) == 2 and pinned[0][0] == 200
    assert journal == want_journal
    # and the lane did answer a good share of them (a template per distinct request), except where
    # answers depend on time or counts (a rate limit, cold starts)
    hits = backend(with_lane).predict_lane_hits + backend(with_lane, "other").predict_lane_hits
    assert hits >= 20 if profile in ("default", "small-limit") else hits == 0, hits
    # and requests all different from their shape's template (predict_shape.py)
    shaped = backend(with_lane).predict_shape_hits
    assert shaped >= 60 if profile in ("default", "small-limit") else shaped == 0, shaped
    assert backend(without).predict_lane_hits == 0
    # the plain door answered most first-seen requests and handed the unparseable ones over
    assert plain.count(True) >= 30 and plain.count(False) >= 4, (plain.count(True), plain.count(False))
