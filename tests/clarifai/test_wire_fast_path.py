"""The predict request fast path (wire.request_from_json) returns exactly what the protobuf round
trip returns, or errors exactly as it does; it may only decline, never differ."""
from __future__ import annotations

import base64
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator.clarifai import errors, wire

RPC = "PostWorkflowResults"

texts = st.one_of(st.just(""), st.text(max_size=12),
                  st.sampled_from(["https://samples.clarifai.com/metro-north.jpg", "x", "é"]))
raw_bytes = st.binary(max_size=12)
b64 = st.one_of(
    raw_bytes.map(lambda b: base64.b64encode(b).decode()),  # canonical
    raw_bytes.map(lambda b: base64.urlsafe_b64encode(b).decode()),  # url-safe alphabet
    raw_bytes.map(lambda b: base64.b64encode(b).decode().rstrip("=")),  # unpadded
    st.sampled_from(["", "====", "a", "abc$", "YQ==\n"]),
)
scalars = st.one_of(texts, st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False, width=32))


def maybe(strategy: st.SearchStrategy[Any], other: st.SearchStrategy[Any] = scalars) -> st.SearchStrategy[Any]:
    # mostly well-typed values, sometimes a wrong type
    return st.one_of(strategy, strategy, strategy, other)


def obj(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    extra = st.dictionaries(st.sampled_from(["allowDuplicateUrl", "allow_duplicate_url", "bogus", "imageUrl"]),
                            scalars, max_size=1)
    return st.tuples(st.fixed_dictionaries({}, optional=fields), st.one_of(st.just({}), extra)).map(
        lambda t: {**t[0], **t[1]})


image = obj({"url": maybe(texts), "base64": maybe(b64)})
text = obj({"raw": maybe(texts), "url": maybe(texts)})
data = obj({"image": maybe(image), "text": maybe(text)})
inp = obj({"id": maybe(texts), "data": maybe(data)})
user_app = obj({"user_id": maybe(texts), "app_id": maybe(texts)})
body = obj({"inputs": maybe(st.lists(maybe(inp), max_size=3)), "workflow_id": maybe(texts),
            "version_id": maybe(texts), "user_app_id": maybe(user_app),
            "output_config": maybe(obj({"min_value": st.floats(0, 1, width=32), "max_concepts": st.integers(0, 5)})),
            "workflowState": maybe(obj({"id": texts}))})

# well-typed bodies, so about half of the examples do take the fast path (the rest check it declines)
ne_texts = st.one_of(texts, st.text(min_size=1, max_size=12))
plain_b64 = st.one_of(raw_bytes.map(lambda b: base64.b64encode(b).decode()), b64)
plain_data = st.fixed_dictionaries({}, optional={
    "image": st.fixed_dictionaries({}, optional={"url": ne_texts, "base64": plain_b64}),
    "text": st.fixed_dictionaries({}, optional={"raw": ne_texts, "url": ne_texts})})
plain_body = st.fixed_dictionaries(
    {"inputs": st.lists(st.fixed_dictionaries({"data": plain_data}, optional={"id": ne_texts}), min_size=1,
                        max_size=3)},
    optional={"workflow_id": ne_texts, "version_id": ne_texts,
              "user_app_id": st.fixed_dictionaries({}, optional={"user_id": ne_texts, "app_id": ne_texts})})


def outcome(fn: Any, rpc: str, value: dict[str, Any]) -> Any:
    try:
        return ("ok", fn(rpc, value))
    except errors.ClarifaiError as exc:
        return ("error", exc.code)


@settings(max_examples=600, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(body, plain_body))
def test_fast_path_equals_protobuf_round_trip(value: dict[str, Any]) -> None:
    assert outcome(wire.request_from_json, RPC, value) == outcome(wire.request_via_proto, RPC, value)


def test_fast_path_is_taken_for_plain_bodies_and_declines_the_rest() -> None:
    d = wire.request_class(RPC).DESCRIPTOR
    plain = {"inputs": [{"id": "a", "data": {"image": {"url": "https://x/y.jpg"}}},
                        {"data": {"image": {"base64": base64.b64encode(b"\x89PNG\r\n\x1a\n").decode()}}},
                        {"data": {"text": {"raw": "hello"}}}],
             "user_app_id": {"user_id": "me", "app_id": "main"}, "workflow_id": "w"}
    assert wire.canonical(plain, d)
    for not_plain in ({"inputs": []}, {"inputs": [{"data": {"image": {"url": ""}}}]},
                      {"userAppId": {"user_id": "me"}}, {"inputs": [{"data": {"image": {"base64": "YQ"}}}]},
                      {"output_config": {"max_concepts": 3}}, {"inputs": [{"data": {"image": None}}]}):
        assert not wire.canonical(not_plain, d), not_plain


def test_fast_path_result_does_not_share_the_dicts_path_parameters_are_written_into() -> None:
    raw = {"inputs": [{"data": {"text": {"raw": "hi"}}}], "user_app_id": {"user_id": "u", "app_id": "a"}}
    req = wire.merge_path(wire.request_from_json(RPC, raw), {"user_id": "me", "app_id": "main", "workflow_id": "w"})
    assert req["user_app_id"] == {"user_id": "me", "app_id": "main"} and req["workflow_id"] == "w"
    assert raw == {"inputs": [{"data": {"text": {"raw": "hi"}}}], "user_app_id": {"user_id": "u", "app_id": "a"}}


@pytest.mark.parametrize("rpc", ["PostWorkflows", "PatchWorkflows"])
def test_other_rpcs_always_take_the_protobuf_route(rpc: str) -> None:
    assert rpc not in wire.FAST_RPCS
