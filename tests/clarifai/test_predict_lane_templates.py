"""The predict lane's templates (emulator/clarifai/predict_lane.py, predict_template.py) over their life.

A template is dropped with its tenant's reset and bounded in count and bytes; it is retired by a
change to the version it was made from, even one no workflow field shows, and by a change landing
while the full path answers; it takes its journal fields from its own request, not from another
journaled meanwhile. A failure inside the lane is a 500 in Clarifai's shape, and an injected fault's
req_id is the tenant's next id with the request's prefix. That the lane answers byte for byte what
the full path answers is test_predict_lane.py.
"""
from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from typing import Any

import orjson
import pytest
from starlette.testclient import TestClient

from emulator.clarifai.state import ClarifaiState
from tests.clarifai.clarifai_rest_support import GENERAL, METRO, backend, image, node, workflow
from tests.clarifai.lane_steps import USER, W, call, predict


def test_lane_templates_are_dropped_with_the_tenant(client_factory: Callable[..., TestClient]) -> None:
    c = client_factory()
    for step in [call("POST", W, {"workflows": [workflow("w", node("g", GENERAL))]}), *predict("w", image())]:
        step(c)
    # of the four: the first is noted, the second builds the template (and its shape's), the last two are
    # answered from it
    assert backend(c).predict_lane_hits == 2 and len(backend(c).predict_templates) == 2
    lane = c.get("/_emulator/state").json()["clarifai"]["predict_lane"]
    assert lane["enabled"] and lane["hits"] == 2 and lane["shape_hits"] == 0 and lane["templates"] == 2
    assert lane["template_bytes"] > 0
    assert c.post("/_emulator/reset", json={"all": True}).status_code == 200
    assert backend(c).predict_templates == {} and backend(c).predict_lane_hits == 0


def test_lane_checks_the_version_itself_not_only_the_workflow_fields(client_factory: Callable[..., TestClient]) -> None:
    """A version change that leaves every shown workflow field alone still retires the template."""
    import dataclasses

    c = client_factory()
    for step in [call("POST", W, {"workflows": [workflow("w", node("g", GENERAL))]}), *predict("w", image())]:
        step(c)
    wf = backend(c).store.app(USER, "main")["w"]
    newer = dataclasses.replace(wf.latest, id="v-newer", plan=None)
    wf.versions[newer.id] = newer  # behind the API's back: modified_at unchanged
    status, _, body = call("POST", f"{W}/w/results", {"inputs": [image()]})(c)
    assert status == 200 and orjson.loads(body)["workflow"]["version"]["id"] == "v-newer"


def test_a_failure_inside_the_lane_is_a_500_in_clarifai_shape(client_factory: Callable[..., TestClient],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from emulator.clarifai import predict_lane

    c = client_factory(validate=False)
    for step in [call("POST", W, {"workflows": [workflow("w", node("g", GENERAL))]}), *predict("w", image(), times=3)]:
        step(c)

    def broken(*args: Any) -> bytes:
        raise KeyError("bug")

    monkeypatch.setattr(predict_lane, "_answer", broken)
    c.raise_server_exceptions = False  # type: ignore[attr-defined]
    status, _, body = call("POST", f"{W}/w/results", {"inputs": [image()]})(c)
    doc = orjson.loads(body)
    assert status == 500 and doc["status"]["code"] == 99009 and "KeyError" in doc["status"]["description"]


def test_lane_templates_are_bounded_in_count_and_bytes(client_factory: Callable[..., TestClient],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from emulator.clarifai import predict_template

    c = client_factory()
    call("POST", W, {"workflows": [workflow("w", node("g", GENERAL))]})(c)
    one = call("POST", f"{W}/w/results", {"inputs": [image(METRO + "?0")]})(c)
    size = len(one[2])
    monkeypatch.setattr(predict_template, "TEMPLATE_BYTES_CAP", size * 3 + 10)
    for i in range(1, 7):
        for _ in range(2):  # seen, then templated
            call("POST", f"{W}/w/results", {"inputs": [image(METRO + f"?{i}")]})(c)
        b = backend(c)
        assert b.predict_templates
        assert len(b.predict_templates) <= 3
        assert b.predict_template_bytes == sum(t.length for t in b.predict_templates.values()) <= size * 3 + 10
    monkeypatch.setattr(predict_template, "TEMPLATE_CAP", 2)
    for i in range(7, 12):
        for _ in range(2):
            call("POST", f"{W}/w/results", {"inputs": [image(METRO + f"?{i}")]})(c)
        assert 1 <= len(backend(c).predict_templates) <= 2


def test_injected_fault_req_id_is_the_tenants_next_id_with_the_request_prefix(
        client_factory: Callable[..., TestClient]) -> None:
    c = client_factory()
    fault = '{"type": "error", "status": 503}'
    status, _, body = call("GET", f"{W}/nope", **{"x-emulator-fault": fault, "X-Clarifai-Request-ID-Prefix": "ci"})(c)
    req_id = orjson.loads(body)["status"]["req_id"]
    assert status == 503 and req_id.startswith("ci-") and len(req_id) == 3 + 32
    status, _, body = call("GET", f"{W}/nope", **{"x-emulator-fault": fault})(c)
    assert len(orjson.loads(body)["status"]["req_id"]) == 32


def test_a_template_takes_its_journal_fields_from_its_own_request(client_factory: Callable[..., TestClient],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Another request journaled while a full-path predict is still answering (its send can wait on
    a slow client) must not become that predict's template entry."""
    from emulator.clarifai import predict_lane
    from emulator.core.journal import Entry

    c = client_factory()
    call("POST", W, {"workflows": [workflow("w", node("g", GENERAL))]})(c)
    real_full = predict_lane.PredictLane._full

    async def full_then_someone_else(self: Any, key: Any, shape: Any, body: bytes, tenant: Any, *args: Any) -> None:
        async def general_and_other(scope: Any, receive: Any, send: Any) -> None:
            await general(scope, receive, send)

            async def other_request() -> None:  # another request's task, journaling right now
                tenant.journal.add(Entry(0, 0, "clarifai", "get_workflow", "GET", "/other", 404, 0.1,
                                         request={"other": True}))

            # a request uvicorn runs is a task of its own context, not a child of this one
            await asyncio.create_task(other_request(), context=contextvars.Context())
        *head, general = args
        await real_full(self, key, shape, body, tenant, *head, general_and_other)

    monkeypatch.setattr(predict_lane.PredictLane, "_full", full_then_someone_else)
    body = {"inputs": [image()]}
    for _ in range(3):
        call("POST", f"{W}/w/results", body)(c)
    entries = c.app.state.emulator.tenant().journal.entries()  # type: ignore[attr-defined]
    predicts = [e for e in entries if e.path == f"{W}/w/results"]
    assert backend(c).predict_lane_hits == 1
    assert [e.request for e in predicts] == [body] * 3 and {e.status for e in predicts} == {200}


def test_a_change_while_the_full_path_answers_retires_the_template(client_factory: Callable[..., TestClient],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The template records the state the answer was made from, not the state when it is filed."""
    from emulator.clarifai import predict_lane

    c = client_factory()
    call("POST", W, {"workflows": [workflow("w", node("g", GENERAL))]})(c)
    real_full = predict_lane.PredictLane._full

    async def full_then_patch(self: Any, key: Any, shape: Any, body: bytes, tenant: Any, *args: Any) -> None:
        async def general_then_patch(scope: Any, receive: Any, send: Any) -> None:
            await general(scope, receive, send)
            wf = tenant.backend(ClarifaiState).store.app(USER, "main")["w"]
            wf.modified_at += 60  # a concurrent PatchWorkflows landing before the template is filed
        *head, general = args
        await real_full(self, key, shape, body, tenant, *head, general_then_patch)

    monkeypatch.setattr(predict_lane.PredictLane, "_full", full_then_patch)
    body = {"inputs": [image()]}
    call("POST", f"{W}/w/results", body)(c)  # seen
    call("POST", f"{W}/w/results", body)(c)  # full path, template filed after the patch
    monkeypatch.setattr(predict_lane.PredictLane, "_full", real_full)
    status, _, raw = call("POST", f"{W}/w/results", body)(c)
    shown = orjson.loads(raw)["workflow"]["modified_at"]
    current = orjson.loads(call("GET", f"{W}/w")(c)[2])["workflow"]["modified_at"]
    assert status == 200 and shown == current
