"""Which request bodies share a shape (emulator/clarifai/predict_shape.py), and which may make one.

The lane's differential tests (test_predict_lane.py, test_predict_lane_protocol.py) show that
answers from shapes are the full path's; these pin the cut itself, including the guards no
valid request reaches (a backslash could move where a string ends).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import pytest
from starlette.testclient import TestClient

from emulator.clarifai.predict_shape import recipe, request, segments
from tests.clarifai.clarifai_rest_support import GENERAL, METRO, advance, backend, image, node, workflow
from tests.clarifai.lane_steps import W, call


def test_a_body_is_cut_at_its_media_strings() -> None:
    body = b'{"inputs":[{"data":{"image":{"url":"https://a"}}},{"data":{"text":{"raw":"hi"}}},' \
           b'{"data":{"image":{"base64":"AAAA"}}}]}'
    cut = segments(body)
    assert cut is not None
    assert cut[0] == (b'{"inputs":[{"data":{"image":{"url":"', b'"}}},{"data":{"text":{"raw":"',
                      b'"}}},{"data":{"image":{"base64":"', b'"}}}]}')
    assert [body[a:b] for a, b in cut[1]] == [b"https://a", b"hi", b"AAAA"]
    other = body.replace(b"https://a", b"https://b/c?d=1").replace(b"AAAA", b"QUJD" * 500)
    again = segments(other)
    assert again is not None and again[0] == cut[0]  # the same shape, whatever the strings' lengths


@pytest.mark.parametrize("body", [
    b'{"inputs":[{"data":{"image":{"url":"https:\\/\\/a"}}}]}',  # an escape anywhere
    b'{"inputs":[{"data":{"image":{"url":"a\\"}}}]}',
    b'{"inputs":[{"data":{"concepts":[{"id":"x"}]}}]}',  # no media string
    b'{"inputs":[{"data":{"image":{"url":"unterminated',
    b"",
])
def test_bodies_without_a_sound_cut_have_no_shape(body: bytes) -> None:
    assert segments(body) is None


def _image(**part: str) -> dict[str, Any]:
    return {"data": {"image": part}}


@pytest.mark.parametrize(("request_body", "ok"), [
    ({"inputs": [_image(url="https://a")]}, True),
    ({"inputs": [_image(url="https://a"), {"id": "mine", **_image(base64="AAAA")}]}, True),
    ({"inputs": [{"data": {"text": {"raw": "hello"}}}], "user_app_id": {"user_id": "me", "app_id": "main"}}, True),
    ({"inputs": [_image(url="https://a")], "output_config": {"max_concepts": 3}}, False),  # not a shape field
    ({"inputs": [_image(url="https://a")], "workflow_state": {"id": "init"}}, False),
    ({"inputs": [_image(url="https://a", base64="AAAA")]}, False),  # two media strings in one input
    ({"inputs": [{"data": {"image": {"url": "https://a"}, "text": {"raw": "x"}}}]}, False),
    ({"inputs": [{"data": {"image": {"url": "https://a"}}, "metadata": {"url": "x"}}]}, False),
    ({"inputs": [_image(url="https://a")], "version_id": ""}, False),  # not canonical: the protobuf route
    ({"inputs": [_image(base64="not base64!")]}, False),
    ({"inputs": [{"data": {"image": {"raw": "x"}}}]}, False),  # `raw` is text's, not an image's
    ([1, 2], False),
])
def test_only_requests_whose_every_cut_is_an_inputs_media_make_a_shape(request_body: Any, ok: bool) -> None:
    body = orjson.dumps(request_body)
    cut = segments(body)
    r = recipe(request_body, len(cut[1]) if cut else 0)
    assert (r is not None) is ok
    if r is not None and cut is not None:
        assert request(r, body, cut[1]) == request_body  # made back from its strings, fields in order
        assert list(request(r, body, cut[1]) or ()) == list(request_body)


def test_the_number_of_cuts_must_be_the_number_of_inputs() -> None:
    assert recipe({"inputs": [_image(url="https://a")]}, 2) is None


@pytest.mark.parametrize(("text", "ok"), [
    (b"https://x.io/caf\xc3\xa9", True), (b"https://x.io/\xff", False),  # UTF-8, or not
    (b"https://x.io/\x01", False), (b"https://x.io/\x7f", True),  # a control character; DEL is not one
    (b"", False),  # empty: the protobuf route
])
def test_a_string_is_taken_as_a_json_parse_and_the_canonical_check_take_it(text: bytes, ok: bool) -> None:
    template = {"inputs": [_image(url="https://a")]}
    r = recipe(template, 1)
    assert r is not None
    body = b'{"inputs":[{"data":{"image":{"url":"' + text + b'"}}}]}'
    cut = segments(body)
    assert cut is not None
    assert (request(r, body, cut[1]) is not None) is ok


@pytest.mark.parametrize(("b64", "ok"), [(b"QUJD", True), (b"QUI=", True), (b"QUJ", False), (b"QUI", False),
                                        (b"QUJ=", False), (b"QU=D", False), (b"QU\xc3\xa9D", False)])
def test_a_base64_string_must_be_standard_and_padded(b64: bytes, ok: bool) -> None:
    r = recipe({"inputs": [_image(base64="QUJD")]}, 1)
    assert r is not None
    body = b'{"inputs":[{"data":{"image":{"base64":"' + b64 + b'"}}}]}'
    cut = segments(body)
    assert cut is not None and (request(r, body, cut[1]) is not None) is ok


def test_requests_seen_once_build_no_template_of_their_own_but_one_of_their_shape(
        client_factory: Callable[..., TestClient]) -> None:
    c = client_factory()
    call("POST", W, {"workflows": [workflow("w", node("g", GENERAL))]})(c)
    for i in range(20):
        call("POST", f"{W}/w/results", {"inputs": [image(METRO + f"?unique-{i}")]})(c)
    b = backend(c)
    # the first notes the shape, the second builds its template, the other 18 are answered from it
    assert [t.extra for t in b.predict_templates.values()] == [2] and b.predict_shape_hits == b.predict_lane_hits == 18
    assert all(type(k) is int for k in b.predict_seen)  # noted by hash: no request bodies kept
    # every request's own key is noted (a request that comes again gets a template of its own), but the
    # second's and the shape's, taken off when the template was built
    assert len(b.predict_seen) == 19


def test_a_request_that_repeats_gets_a_template_of_its_own_baked_from_its_shapes(
        client_factory: Callable[..., TestClient]) -> None:
    c = client_factory()
    call("POST", W, {"workflows": [workflow("w", node("g", GENERAL))]})(c)
    for i in range(2):
        call("POST", f"{W}/w/results", {"inputs": [image(METRO + f"?first-{i}")]})(c)  # noted, then built
    b = backend(c)
    answers = []
    for _ in range(5):
        answers.append(orjson.loads(call("POST", f"{W}/w/results", {"inputs": [image(METRO + "?again")]})(c)[2]))
        advance(c, 0.5)
    # the shape answers the first two (the second bakes the request's own template), which answers the rest
    assert (b.predict_shape_hits, b.predict_lane_hits) == (2, 5)
    assert sorted(t.extra for t in b.predict_templates.values()) == [0, 2]
    outputs = {orjson.dumps([o["data"] for o in a["results"][0]["outputs"]]) for a in answers}
    assert len(outputs) == 1 and len({a["results"][0]["created_at"] for a in answers}) == 5
