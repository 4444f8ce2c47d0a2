"""gRPC answers built by proto_render equal json_format.ParseDict's, field for field."""
from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
from clarifai_grpc.grpc.api import resources_pb2, service_pb2
from clarifai_rest_support import (
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
from google.protobuf import json_format
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from emulator.clarifai import proto_render
from emulator.clarifai.backend import CallContext, call

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


@pytest.mark.parametrize("wf_id,extra", REQUESTS)
def test_to_message_equals_parse_dict(client_factory: Callable[..., TestClient], wf_id: str,
                                      extra: dict[str, Any]) -> None:
    c = client_factory()
    c.post("/v2/users/me/apps/main/workflows", json={"workflows": WORKFLOWS}, headers={"Authorization": "Key k"})
    b = backend(c)
    req = {"user_app_id": {"user_id": "me", "app_id": "main"}, "workflow_id": wf_id, **extra}
    for _ in range(2):  # the second time, the shared parts come from the cache
        body, _ = c.portal.call(call, b, "PostWorkflowResults", req, CallContext(b.tenant, "Key k", None, "grpc"))
        want = json_format.ParseDict(body, service_pb2.PostWorkflowResultsResponse(), ignore_unknown_fields=True)
        got = proto_render.to_message("PostWorkflowResults", body, service_pb2.PostWorkflowResultsResponse())
        assert got == want
        assert got.SerializeToString(deterministic=True) == want.SerializeToString(deterministic=True)
        # answers with results do take the fast route (not the ParseDict fallback)
        assert proto_render._predict(body, service_pb2.PostWorkflowResultsResponse()) == ("results" in body)


def test_shared_message_is_per_object_not_per_value() -> None:
    a, b = {"id": "x"}, {"id": "x"}
    ma = proto_render.shared_message(a, resources_pb2.Model)
    assert proto_render.shared_message(a, resources_pb2.Model) is ma
    assert proto_render.shared_message(b, resources_pb2.Model) is not ma

_concepts = st.lists(st.fixed_dictionaries({
    "id": st.text(max_size=12), "name": st.text(max_size=140), "app_id": st.text(max_size=8),
    "value": st.floats(0, 1) | st.floats(width=32, allow_nan=False, allow_infinity=False)}), max_size=25)


@settings(max_examples=300, deadline=None)
@given(concepts=_concepts)
def test_concepts_encoded_on_the_wire_equal_parse_dict(concepts: list[dict[str, Any]]) -> None:
    """A classifier's concepts go to the message as encoded bytes (proto_render._data)."""
    built, parsed = resources_pb2.Data(), resources_pb2.Data()
    proto_render._data({"concepts": concepts}, built)
    json_format.ParseDict({"concepts": concepts}, parsed)
    assert built == parsed and built.SerializeToString() == parsed.SerializeToString()
    output = resources_pb2.Output()
    proto_render._data({"concepts": []}, output.data)
    assert output.HasField("data")
