"""gRPC answers built by proto_render equal json_format.ParseDict's, field for field."""
from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
from clarifai_grpc.grpc.api import resources_pb2, service_pb2
from google.protobuf import json_format
from google.protobuf.timestamp_pb2 import Timestamp
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from emulator.clarifai import outputs, proto_render, proto_wire, wire
from emulator.clarifai.backend import CallContext, call
from emulator.clarifai.catalog import ModelCatalog
from tests.clarifai.clarifai_rest_support import (
    DETECTOR,
    EMBEDDER,
    FOOD,
    GENERAL,
    SENTIMENT,
    backend,
    image,
    node,
    text,
    workflow,
)

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 16).decode()
WORKFLOWS = [workflow("two", node("food", FOOD), node("general", GENERAL)),
             workflow("regions", node("detect", DETECTOR), node("classify", GENERAL, ("detect",))),
             workflow("words", node("sentiment", SENTIMENT), node("embed", EMBEDDER)),
             workflow("hidden", node("g", DETECTOR, suppress_output=True), node("f", FOOD, ("g",)))]
REQUESTS: list[tuple[str, dict[str, Any]]] = [
    ("two", {"inputs": [image()]}),
    ("two", {"inputs": [image(), {"id": "mine", "data": {"image": {"base64": PNG}}}, image("nope")]}),
    ("two", {"inputs": [image("nope")]}),
    ("two", {"inputs": [image()], "output_config": {"max_concepts": 2, "min_value": 0.1}}),
    ("two", {"inputs": [image()], "workflow_state": {"id": "init"}}),
    ("regions", {"inputs": [image(), image("https://x.test/2.jpg")]}),
    ("words", {"inputs": [text("a lovely day"), image()]}),
    ("hidden", {"inputs": [image()]}),
    ("missing", {"inputs": [image()]}),
    ("two", {"inputs": []}),
]


def as_dicts(value: Any) -> Any:
    """The answer with every pre-serialised `Data` (outputs.Scorer.concepts_proto) as proto-JSON."""
    if isinstance(value, proto_wire.ProtoData):
        return json_format.MessageToDict(resources_pb2.Data.FromString(value), preserving_proto_field_name=True)
    if isinstance(value, dict):
        return {k: as_dicts(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_dicts(v) for v in value]
    return value


def reference(body: dict[str, Any]) -> bytes:
    """What the gRPC client receives, the long way: ParseDict's message, serialised."""
    msg = json_format.ParseDict(as_dicts(body), service_pb2.PostWorkflowResultsResponse(), ignore_unknown_fields=True)
    raw: bytes = msg.SerializeToString(deterministic=True)
    return raw


@pytest.mark.parametrize("wf_id,extra", REQUESTS)
def test_predict_wire_equals_parse_dict(client_factory: Callable[..., TestClient], wf_id: str,
                                        extra: dict[str, Any]) -> None:
    c = client_factory()
    c.post("/v2/users/me/apps/main/workflows", json={"workflows": WORKFLOWS}, headers={"Authorization": "Key k"})
    b = backend(c)
    req = {"user_app_id": {"user_id": "me", "app_id": "main"}, "workflow_id": wf_id, **extra}
    for _ in range(2):  # the second time, the shared parts come from the cache
        body, _ = c.portal.call(call, b, "PostWorkflowResults", req, CallContext("Key k", None, "grpc"))
        got = proto_render.predict_wire(body)
        # answers with results are encoded (not left to the ParseDict fallback), errors are not
        assert (got is not None) == ("results" in body)
        if got is not None:
            assert got == reference(body)
        else:
            assert proto_render.to_message("PostWorkflowResults", body, service_pb2.PostWorkflowResultsResponse()) \
                == json_format.ParseDict(body, service_pb2.PostWorkflowResultsResponse())


def test_shared_parts_are_per_object_not_per_value() -> None:
    a, b = {"id": "x"}, {"id": "x"}
    ma = proto_render.shared(a, resources_pb2.Model)
    assert proto_render.shared(a, resources_pb2.Model) is ma
    assert proto_render.shared(b, resources_pb2.Model) is not ma
    assert ma == resources_pb2.Model(id="x").SerializeToString()


_concepts = st.lists(st.fixed_dictionaries({
    "id": st.text(max_size=12), "name": st.text(max_size=140), "app_id": st.text(max_size=8),
    "value": st.floats(0, 1) | st.floats(width=32, allow_nan=False, allow_infinity=False)}), max_size=25)


@settings(max_examples=300, deadline=None)
@given(concepts=_concepts)
def test_concepts_encoded_on_the_wire_equal_parse_dict(concepts: list[dict[str, Any]]) -> None:
    """A classifier's concepts as dicts are encoded here (proto_render._data), zero values left out."""
    parsed = json_format.ParseDict({"concepts": concepts}, resources_pb2.Data())
    assert proto_render._data({"concepts": concepts}) == parsed.SerializeToString()
    assert proto_render._data(proto_wire.ProtoData(b"")) == b""


WORDS = ["", "https://samples.clarifai.com/metro-north.jpg?u=1", "a train to the city", "pasta cake"]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(model=st.sampled_from([GENERAL, FOOD, SENTIMENT]), seed=st.binary(min_size=16, max_size=16),
       words=st.sampled_from(WORDS), limit=st.integers(0, 30), min_value=st.sampled_from([0.0, 0.05, 0.5]))
def test_scorer_concepts_proto_is_the_concepts_encoded(model: tuple[str, str], seed: bytes, words: str, limit: int,
                                                        min_value: float) -> None:
    """The gRPC door's concepts, serialised by the scorer, are what ParseDict makes of its dicts."""
    mdef, version = ModelCatalog().resolve(*model)
    scorer = outputs.Scorer(mdef, version)
    config = outputs.OutputConfig(min_value, limit or outputs.DEFAULT_MAX_CONCEPTS)
    wire_form = scorer.concepts_proto(seed, words, config)
    want = json_format.ParseDict({"concepts": scorer.concepts(seed, words, config)}, resources_pb2.Data())
    assert resources_pb2.Data.FromString(wire_form) == want
    assert bytes(wire_form) == want.SerializeToString()


INPUT_ECHOES = [{"id": "a", "data": {"image": {"url": "https://x/1.jpg"}}}, {"data": {"text": {"raw": "hi"}}},
                {"id": "", "data": {"video": {"url": ""}}}, {"data": {"image": {"base64": "dHJ1ZQ=="}}},
                {"data": {"audio": {"base64": "dHJ1ZQ=="}}}, {"data": {"text": {"url": "https://x/t.txt"}}},
                {"id": "b", "data": {"image": {"url": "u", "allow_duplicate_url": True}}},
                {"data": {"image": {"base64": "aGVsbG8="}}}, {"data": {}}, {"id": "c"},
                {"data": {"image": {"url": "u"}, "metadata": {"k": 1}}}, {"id": "\u00e9", "data": {"text": {"raw": ""}}},
                {"data": {"image": {"url": "x" * 300}}}]


@pytest.mark.parametrize("echo", INPUT_ECHOES)
def test_input_echo_equals_parse_dict(echo: dict[str, Any]) -> None:
    assert proto_render._input(echo) == json_format.ParseDict(echo, resources_pb2.Input()).SerializeToString()


@settings(max_examples=500, deadline=None, derandomize=True)
@given(t=st.floats(0, 250_000_000_000), nanos=st.booleans())
def test_answer_times_equal_from_json_string(t: float, nanos: bool) -> None:
    text = wire.timestamp(t, nanos=nanos)
    want = Timestamp()
    want.FromJsonString(text)
    assert proto_render.timestamp(text) == want
    proto_render._last_stamp.clear()
    assert proto_render._created_at(text) == resources_pb2.Output(created_at=want).SerializeToString()
    assert proto_render._created_at(text) == resources_pb2.Output(created_at=want).SerializeToString()  # remembered
