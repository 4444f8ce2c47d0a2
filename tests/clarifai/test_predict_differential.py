"""Predict's answer, byte for byte, against the straightforward implementation (predict_reference.py).

Generated workflows (classifiers, a detector feeding a classifier, text models, an embedder,
suppressed nodes, registered models), inputs (unique image URLs, valid and broken, base64 images
and non-images, texts, empty data, own ids) and output configs go through the live app over REST
and through the backend as the gRPC door calls it. The expected answer is rendered by one
`orjson.dumps` of the reference's dicts, with the ids the tenant's seeded factory draws next and
the manual clock's time: every byte, ids and times included, must be the same (issue 17).
"""
from __future__ import annotations

import base64
import random
from typing import Any

import orjson
from clarifai_grpc.grpc.api import service_pb2
from google.protobuf import json_format
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from emulator.clarifai import errors, proto_render, wire
from emulator.clarifai.backend import CallContext, call
from emulator.core.ids import IdFactory
from tests.clarifai import predict_reference as ref
from tests.clarifai.clarifai_rest_support import DETECTOR, EMBEDDER, FOOD, GENERAL, SENTIMENT, backend, node, workflow

W = "/v2/users/me/apps/main/workflows"
AUTH = {"Authorization": "Key differential-pat", "Content-Type": "application/json"}
MINE = ("my-tagger", "v1")
WORKFLOWS = [
    workflow("two", node("food", FOOD), node("general", GENERAL)),
    workflow("regions", node("detect", DETECTOR), node("classify", GENERAL, ("detect",))),
    workflow("words", node("sentiment", SENTIMENT)),
    workflow("embed", node("e", EMBEDDER), node("s", SENTIMENT)),
    workflow("hidden", node("detect", DETECTOR, suppress_output=True), node("general", GENERAL, ("detect",))),
    workflow("mixed", node("general", GENERAL), node("sentiment", SENTIMENT)),
    workflow("mine", node("m", MINE)),
]
WORDS = ["train", "pasta", "City", "people", "beach", "cake", "positive", "awful", "lovely", "cat", "x"]
JPEG, PNG = b"\xff\xd8\xff\xe0", b"\x89PNG\r\n\x1a\n"

urls = st.tuples(st.sampled_from(["https://", "http://", "HTTPS://", "ftp://", "", "https:///", "http://["]),
                 st.sampled_from(["samples.clarifai.com/", "a.io/", "x/", "[::1]/", "h\u00e9.fr/"]),
                 st.lists(st.sampled_from(WORDS), max_size=3), st.integers(0, 10**12)).map(
    lambda t: f"{t[0]}{t[1]}{'-'.join(t[2])}?u={t[3]}")
images = st.tuples(st.sampled_from([JPEG, PNG, b"GIF89a", b"", b"not an image"]), st.binary(max_size=300)).map(
    lambda t: base64.b64encode(t[0] + t[1]).decode())
datas = st.one_of(
    urls.map(lambda u: {"image": {"url": u}}),
    images.map(lambda b: {"image": {"base64": b}}),
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=5).map(lambda w: {"text": {"raw": " ".join(w)}}),
    urls.map(lambda u: {"text": {"url": u}}),
    st.just({}),
)
inputs = st.lists(st.tuples(datas, st.none() | st.from_regex(r"[a-z0-9-]{1,12}", fullmatch=True)).map(
    lambda t: {"data": t[0], **({"id": t[1]} if t[1] else {})}), min_size=1, max_size=4)
configs = st.none() | st.fixed_dictionaries({}, optional={
    "max_concepts": st.integers(0, 25), "min_value": st.floats(0, 1, width=32),
    "select_concepts": st.lists(st.sampled_from([{"name": "train"}, {"name": "pasta"}, {"id": "ai_x"}, {"name": "cat"},
                                                 {"id": "c-dog"}]), max_size=3)})


def _expected(b: Any, wf_id: str, request: dict[str, Any], ids: IdFactory, now: float) -> bytes:
    """The whole answer as the reference makes it (request: as the gateway transcodes it)."""
    wf = b.store.app(ref_user(b), "main")[wf_id]
    v = wf.latest
    req_id = ids.hex32()
    nodes = [n.to_json() for n in v.nodes]  # the reference reads nodes in their wire form
    results, outcomes = ref.results(b, nodes, request["inputs"], request.get("output_config") or {}, ids.hex32,
                                    wire.timestamp(now, nanos=True))
    spec = (errors.SUCCESS if set(outcomes) == {0} else errors.FAILURE if set(outcomes) == {2}
            else errors.MIXED_STATUS)
    body = {"status": wire.status(spec.code, spec.description, "", req_id),
            "workflow": {"id": wf.id, "app_id": wf.app_id, "user_id": wf.user_id,
                         "created_at": wire.timestamp(wf.created_at), "modified_at": wire.timestamp(wf.modified_at),
                         "version": {"id": v.id, "workflow_id": wf.id}, "metadata": {},
                         "visibility": {"gettable": wf.visibility}, "use_cases": [], "check_consents": []},
            "results": results}
    return orjson.dumps(body)


def ref_user(b: Any) -> str:
    return str(b.settings.clarifai_default_user_id)


def _replay(ids: IdFactory) -> IdFactory:
    """A factory that draws what `ids` will draw next."""
    twin = IdFactory()
    twin._rng = random.Random()
    twin._rng.setstate(ids._rng.getstate())
    return twin


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(wf=st.sampled_from([w["id"] for w in WORKFLOWS]), inputs=inputs, config=configs)
def test_post_workflow_results_answers_what_the_reference_implementation_answers(
        client: TestClient, wf: str, inputs: list[dict[str, Any]], config: dict[str, Any] | None) -> None:
    b = backend(client)
    if "two" not in b.store.app(ref_user(b), "main"):
        r = client.post("/_emulator/clarifai/models", json={
            "id": MINE[0], "model_type_id": "visual-classifier", "model_version": {"id": MINE[1]},
            "concepts": ["cat", {"id": "c-dog", "name": "dog"}, "Train", "caf\u00e9 \"quoted\""]})
        assert r.status_code == 201, r.text
        assert client.post(W, json={"workflows": WORKFLOWS}, headers=AUTH).status_code == 200
    body: dict[str, Any] = {"inputs": inputs}
    if config is not None:
        body["output_config"] = config
    request = wire.request_via_proto("PostWorkflowResults", body)  # what the gateway hands the service
    tenant = client.app.state.emulator.tenant(None)  # type: ignore[attr-defined]
    now = tenant.clock.now()

    expected = _expected(b, wf, request, _replay(tenant.ids), now)
    r = client.post(f"{W}/{wf}/results", content=orjson.dumps(body), headers=AUTH)
    assert r.content == expected
    assert r.status_code == {10000: 200, 10010: 207, 10020: 400}[orjson.loads(expected)["status"]["code"]]

    # the gRPC door: the same backend call with plain dicts instead of pre-serialised parts
    expected = _expected(b, wf, request, _replay(tenant.ids), now)
    ctx = CallContext(AUTH["Authorization"], None, "grpc")
    answer, _ = client.portal.call(call, b, "PostWorkflowResults",  # type: ignore[union-attr]
                                   {**request, "workflow_id": wf, "user_app_id": {"user_id": "me", "app_id": "main"}},
                                   ctx)
    # what the gRPC client receives: the bytes proto_render encodes, the expected answer's ParseDict serialised
    want = json_format.ParseDict(orjson.loads(expected), service_pb2.PostWorkflowResultsResponse())
    assert proto_render.predict_wire(answer) == want.SerializeToString(deterministic=True)


# requests all of one shape (predict_shape.py): after the first two, the lane answers from the shape's template
shapes = st.sampled_from([
    lambda u, b: {"inputs": [{"data": {"image": {"url": u}}}]},
    lambda u, b: {"inputs": [{"data": {"image": {"base64": b}}}, {"data": {"image": {"url": u}}}]},
    lambda u, b: {"inputs": [{"id": "mine", "data": {"text": {"raw": u[8:]}}}]},
])
valid_urls = st.tuples(st.sampled_from(WORDS), st.text(st.characters(min_codepoint=33, max_codepoint=0x2FF,
                                                                     blacklist_characters='"\\'), max_size=20)).map(
    lambda t: f"https://samples.clarifai.com/{t[0]}/{t[1]}")
valid_images = st.binary(max_size=200).map(lambda b: base64.b64encode(JPEG + b).decode())


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(wf=st.sampled_from(["two", "regions", "words", "hidden", "mixed"]), shape=shapes,
       media=st.lists(st.tuples(valid_urls, valid_images), min_size=3, max_size=6, unique=True))
def test_requests_of_one_shape_answer_what_the_reference_implementation_answers(
        client: TestClient, wf: str, shape: Any, media: list[tuple[str, str]]) -> None:
    """The lane's answers from a shape's template (unique URLs, base64 images, texts), byte for byte."""
    b = backend(client)
    if "two" not in b.store.app(ref_user(b), "main"):
        assert client.post(W, json={"workflows": [w for w in WORKFLOWS if w["id"] != "mine"]},
                           headers=AUTH).status_code == 200
    tenant = client.app.state.emulator.tenant(None)  # type: ignore[attr-defined]
    before = b.predict_shape_hits
    answered = []
    for u, image in media:
        body = shape(u, image)
        expected = _expected(b, wf, wire.request_via_proto("PostWorkflowResults", body), _replay(tenant.ids),
                             tenant.clock.now())
        r = client.post(f"{W}/{wf}/results", content=orjson.dumps(body), headers=AUTH)
        assert r.content == expected
        answered.append(orjson.loads(expected)["status"]["code"] == 10000)
    if all(answered):  # a text into an image model fails, and failures take the full path
        assert b.predict_shape_hits - before >= len(media) - 2
