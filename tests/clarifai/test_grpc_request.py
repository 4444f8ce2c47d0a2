"""The gRPC door's predict requests read field by field (clarifai/grpc_request.py) equal
`json_format.MessageToDict`'s canonical dict, on generated messages."""
from __future__ import annotations

from typing import Any

from clarifai_grpc.grpc.api import resources_pb2, service_pb2
from hypothesis import given, settings
from hypothesis import strategies as st

from emulator.clarifai import grpc_request, wire

texts = st.text(max_size=12)
media = st.one_of(
    st.builds(lambda u: resources_pb2.Data(image=resources_pb2.Image(url=u)), texts),
    st.builds(lambda b: resources_pb2.Data(image=resources_pb2.Image(base64=b)), st.binary(max_size=40)),
    st.builds(lambda u, d: resources_pb2.Data(image=resources_pb2.Image(url=u, allow_duplicate_url=d)), texts,
              st.booleans()),
    st.builds(lambda r, u: resources_pb2.Data(text=resources_pb2.Text(raw=r, url=u)), texts, texts),
    st.builds(lambda u: resources_pb2.Data(video=resources_pb2.Video(url=u)), texts),
    st.builds(lambda b: resources_pb2.Data(audio=resources_pb2.Audio(base64=b)), st.binary(max_size=20)),
    st.builds(lambda u: resources_pb2.Data(image=resources_pb2.Image(url=u), text=resources_pb2.Text(raw=u)), texts),
    st.just(resources_pb2.Data()),
)


def _input(i: str, data: resources_pb2.Data | None) -> resources_pb2.Input:
    inp = resources_pb2.Input(id=i)
    if data is not None:
        inp.data.CopyFrom(data)
    return inp


inputs = st.lists(st.builds(_input, texts, st.none() | media), max_size=4)


@settings(max_examples=600, deadline=None, derandomize=True)
@given(user=texts, app=texts, wf=texts, version=texts, items=inputs, config=st.booleans(), state=st.booleans())
def test_predict_request_dict_equals_message_to_dict(user: str, app: str, wf: str, version: str,
                                                      items: list[resources_pb2.Input], config: bool,
                                                      state: bool) -> None:
    msg = service_pb2.PostWorkflowResultsRequest(workflow_id=wf, version_id=version, inputs=items)
    if user or app:
        msg.user_app_id.CopyFrom(resources_pb2.UserAppIDSet(user_id=user, app_id=app))
    if config:
        msg.output_config.max_concepts = 3
    if state:
        msg.workflow_state.id = "init"
    got: dict[str, Any] = grpc_request.request_dict("PostWorkflowResults", msg)
    want = wire.request_from_message(msg)
    assert got == want
    assert list(got) == list(want)  # the same field order: the journal shows it


def test_the_common_request_is_read_field_by_field() -> None:
    msg = service_pb2.PostWorkflowResultsRequest(
        user_app_id=resources_pb2.UserAppIDSet(user_id="me", app_id="main"), workflow_id="w",
        inputs=[resources_pb2.Input(data=resources_pb2.Data(image=resources_pb2.Image(url="https://x/1.jpg")))])
    assert grpc_request._predict(msg) == wire.request_from_message(msg)
    msg.output_config.max_concepts = 2
    assert grpc_request._predict(msg) is None
