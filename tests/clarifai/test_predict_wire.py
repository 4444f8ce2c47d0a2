"""Predict answers encoded straight to the wire (proto_render.predict_wire) equal the long way,
ParseDict's message serialised, byte for byte, on generated answers of every shape the backend
gives and some it does not (None fields, odd statuses, unknown keys: those go the long way)."""
from __future__ import annotations

import base64
from typing import Any

import pytest
from clarifai_grpc.grpc.api import resources_pb2, service_pb2
from google.protobuf import json_format
from hypothesis import given, settings
from hypothesis import strategies as st

from emulator.clarifai import predict, proto_render, proto_wire, wire
from emulator.clarifai.inputs import BASE64_ECHO
from tests.clarifai.test_proto_render import as_dicts

texts = st.text(max_size=20)
ids = st.sampled_from(["", "9f0c6a1e2b3d4c5e6f708192a3b4c5d6", "mine"]) | texts
statuses = st.sampled_from([predict.OK, wire.status(10010, "Mixed Success"), wire.status(30104, "bad", "why", "r1")]) \
    | st.fixed_dictionaries({}, optional={"code": st.integers(-5, 2**31 - 1), "description": texts,
                                          "details": texts, "req_id": texts}) \
    | st.just({"code": 21200, "stack_trace": ["x"]})
times = st.builds(wire.timestamp, st.floats(0, 4_000_000_000), st.booleans()) | st.just("1970-01-01T00:00:00Z")
medium = st.sampled_from(list(proto_wire.MEDIA_FIELDS))
echo_data = st.one_of(
    st.builds(lambda k, u: {k: {"url": u}}, medium, texts),
    st.builds(lambda k: {k: {"base64": BASE64_ECHO}}, st.sampled_from(["image", "video", "audio"])),
    st.builds(lambda r: {"text": {"raw": r}}, texts),
    st.builds(lambda b: {"image": {"base64": base64.b64encode(b).decode()}}, st.binary(max_size=8)),
    st.just({}), st.just({"image": {"url": "u", "allow_duplicate_url": True}}))
echoes = st.fixed_dictionaries({}, optional={"id": ids, "data": echo_data})
concept = st.fixed_dictionaries({"id": texts, "name": texts, "app_id": texts,
                                 "value": st.floats(0, 1) | st.sampled_from([0.0, -0.0, 1e-40])})
MODELS = [{"id": "general", "model_version": {"id": "v1"}, "app_id": "main"}, {"id": "food"}]
datas = st.one_of(
    st.lists(concept, max_size=4).map(lambda cs: proto_wire.ProtoData(resources_pb2.Data(
        concepts=[resources_pb2.Concept(**c) for c in cs]).SerializeToString())),
    st.lists(concept, max_size=4).map(lambda cs: {"concepts": cs}),
    st.just({"regions": [{"id": "r", "region_info": {"bounding_box": {"top_row": 0.1}}, "value": 0.5,
                          "data": {"concepts": [{"id": "c", "name": "c", "value": 0.5, "app_id": "a"}]}}]}),
    st.just({"embeddings": [{"vector": [0.5, -0.25], "num_dimensions": 2}]}), st.just({}))
outputs = st.fixed_dictionaries({"id": ids, "status": statuses, "created_at": times,
                                 "model": st.sampled_from(MODELS)}, optional={"data": datas | st.none()})
results = st.fixed_dictionaries({"id": ids, "status": statuses, "created_at": times, "input": echoes,
                                 "outputs": st.lists(outputs, max_size=3)})
WORKFLOW = {"id": "two", "app_id": "main", "user_id": "me", "created_at": "2026-01-01T00:00:00.000000Z",
            "version": {"id": "v"}, "metadata": {}, "visibility": {"gettable": 10}, "use_cases": [],
            "check_consents": []}
bodies = st.fixed_dictionaries({"status": statuses, "results": st.lists(results, max_size=3)},
                               optional={"workflow": st.just(WORKFLOW), "workflow_state": st.builds(
                                   lambda i: {"id": i}, ids)})


@settings(max_examples=400, deadline=None, derandomize=True)
@given(body=bodies)
def test_predict_wire_equals_parse_dict_serialised(body: dict[str, Any]) -> None:
    got = proto_render.predict_wire(body)
    want = json_format.ParseDict(as_dicts(body), service_pb2.PostWorkflowResultsResponse(), ignore_unknown_fields=True)
    assert got is not None
    assert got == want.SerializeToString(deterministic=True)


def test_predict_wire_leaves_other_shapes_to_parse_dict() -> None:
    ok = {"status": wire.ok_status("r"), "results": []}
    assert proto_render.predict_wire(ok) == service_pb2.PostWorkflowResultsResponse(
        status={"code": 10000, "description": "Ok", "req_id": "r"}).SerializeToString()
    assert proto_render.predict_wire({"status": wire.ok_status("r")}) is None  # no results: an error answer
    assert proto_render.predict_wire({**ok, "extra": 1}) is None
    assert proto_render.predict_wire({**ok, "results": [{"id": "x", "what": 1}]}) is None
    assert proto_render.predict_wire({**ok, "results": [{"id": 5}]}) is None  # ParseDict reports the type
    too_big = {**ok, "results": [{"outputs": [{"id": "o", "data": {
        "concepts": [{"id": "c", "name": "c", "app_id": "a", "value": 1e39}]}}]}]}
    assert proto_render.predict_wire(too_big) is None
    with pytest.raises(json_format.ParseError):  # the servicer answers it in-band (grpc_api._call_backend)
        proto_render.to_message("PostWorkflowResults", too_big, service_pb2.PostWorkflowResultsResponse())
