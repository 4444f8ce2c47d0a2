"""PostModelOutputs (model predict) and the new input kinds through clarifai-grpc, over both channels
(issue #15): the seed's C# example, every REST binding, video frames, audio and text, select_concepts,
the base64 echo marker and the request limits."""
from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from clarifai_grpc.grpc.api import resources_pb2, service_pb2
from clarifai_grpc.grpc.api.status import status_code_pb2

from emulator.clarifai import inputs
from emulator.settings import Settings
from emulator.testing import LiveServer
from tests.clients.clarifai_grpc_support import GENERAL, make_stub

OK = status_code_pb2.SUCCESS
DOG2 = "https://samples.clarifai.com/dog2.jpeg"
BEER = "https://samples.clarifai.com/beer.mp4"
MP4 = b"\0\0\0\x18ftypmp42" + b"\0" * 64
WAV = b"RIFF\x24\0\0\0WAVEfmt " + b"\0" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 64
SENTIMENT = ("sentiment-analysis-twitter-roberta-base", "2c9bbd5e5f2a4a7ab4d8dbbb4e0e0a1d")
CHANNELS = ["grpc", "json"]


def _image(url: str = "", raw: bytes = b"") -> resources_pb2.Input:
    return resources_pb2.Input(data=resources_pb2.Data(image=resources_pb2.Image(url=url, base64=raw)))


def _video(url: str = "", raw: bytes = b"") -> resources_pb2.Input:
    return resources_pb2.Input(data=resources_pb2.Data(video=resources_pb2.Video(url=url, base64=raw)))


def _config(**kw: object) -> resources_pb2.Model:
    return resources_pb2.Model(output_info=resources_pb2.OutputInfo(output_config=resources_pb2.OutputConfig(**kw)))


@pytest.mark.parametrize("channel", CHANNELS)
def test_post_model_outputs_seed_csharp_example(live_emulator: LiveServer, tenant_id: str, channel: str) -> None:
    # seeds/002, the C# tab: PostModelOutputs on the General model with the user's own user_app_id
    stub = make_stub(channel, live_emulator, tenant_id)
    response = stub.call("PostModelOutputs", service_pb2.PostModelOutputsRequest(
        user_app_id=resources_pb2.UserAppIDSet(user_id="excaliburne", app_id="moderation-test"),
        model_id="aaa03c23b3724a16a56b629203edc62c", inputs=[_image(DOG2)]))
    assert response.status.code == OK, response.status
    [output] = response.outputs
    assert output.model.id == GENERAL[0] and output.model.model_version.id
    assert output.input.data.image.url == DOG2 and len(output.input.id) == 32
    concepts = output.data.concepts
    assert len(concepts) == 20 and all(c.id.startswith("ai_") and c.name for c in concepts)
    assert [c.value for c in concepts] == sorted((c.value for c in concepts), reverse=True)


@pytest.mark.parametrize("channel", CHANNELS)
def test_post_model_outputs_version_bytes_and_echo_marker(live_emulator: LiveServer, tenant_id: str,
                                                         channel: str) -> None:
    stub = make_stub(channel, live_emulator, tenant_id)
    response = stub.call("PostModelOutputs", service_pb2.PostModelOutputsRequest(
        model_id=GENERAL[0], version_id=GENERAL[1], inputs=[_image(raw=JPEG), _image(raw=b"junk")]))
    assert response.status.code == status_code_pb2.MIXED_STATUS
    ok, bad = response.outputs
    assert ok.model.model_version.id == GENERAL[1] and ok.data.concepts
    assert ok.input.data.image.base64 == b"true"  # the real API's marker, not the bytes sent
    assert bad.status.code == status_code_pb2.INPUT_UNSUPPORTED_FORMAT and not bad.data.concepts
    missing = stub.call("PostModelOutputs", service_pb2.PostModelOutputsRequest(
        model_id=GENERAL[0], version_id="f" * 32, inputs=[_image(DOG2)]))
    assert missing.status.code == status_code_pb2.MODEL_DOES_NOT_EXIST


@pytest.mark.parametrize("channel", CHANNELS)
def test_post_model_outputs_video_frames_by_url_and_bytes(live_emulator: LiveServer, tenant_id: str,
                                                          channel: str) -> None:
    stub = make_stub(channel, live_emulator, tenant_id)
    for item, raw in ((_video(BEER), {"data": {"video": {"url": BEER}}}),
                      (_video(raw=MP4), {"data": {"video": {"base64": base64.b64encode(MP4).decode()}}})):
        content = inputs.read_input(raw)
        assert isinstance(content, inputs.InputContent)
        seconds = list(range(0, content.duration_ms, 1000))
        response = stub.call("PostModelOutputs", service_pb2.PostModelOutputsRequest(
            model_id=GENERAL[0], inputs=[item]))
        assert response.status.code == OK, response.status
        frames = response.outputs[0].data.frames
        assert [(f.frame_info.index, f.frame_info.time) for f in frames] == list(enumerate(seconds))
        assert all(f.data.concepts for f in frames)
        half = stub.call("PostModelOutputs", service_pb2.PostModelOutputsRequest(
            model_id=GENERAL[0], inputs=[item], model=_config(sample_ms=500)))
        assert [f.frame_info.time for f in half.outputs[0].data.frames] == list(range(0, content.duration_ms, 500))


@pytest.mark.parametrize("channel", CHANNELS)
def test_post_model_outputs_text_and_audio_kinds(live_emulator: LiveServer, tenant_id: str, channel: str) -> None:
    stub = make_stub(channel, live_emulator, tenant_id)
    response = stub.call("PostModelOutputs", service_pb2.PostModelOutputsRequest(
        model_id=SENTIMENT[0], inputs=[
            resources_pb2.Input(data=resources_pb2.Data(text=resources_pb2.Text(raw="I love this product"))),
            resources_pb2.Input(data=resources_pb2.Data(audio=resources_pb2.Audio(base64=WAV)))]))
    assert response.status.code == status_code_pb2.MIXED_STATUS
    text, audio = response.outputs
    assert {c.name for c in text.data.concepts} == {"positive", "neutral", "negative"}
    assert audio.status.code == status_code_pb2.INPUT_INVALID_ARGUMENT
    assert audio.status.details.endswith("takes text inputs, got audio")
    assert audio.input.data.audio.base64 == b"true"


@pytest.mark.parametrize("channel", CHANNELS)
def test_post_model_outputs_select_concepts(live_emulator: LiveServer, tenant_id: str, channel: str) -> None:
    stub = make_stub(channel, live_emulator, tenant_id)

    def predict(*selectors: resources_pb2.Concept) -> service_pb2.MultiOutputResponse:
        return stub.call("PostModelOutputs", service_pb2.PostModelOutputsRequest(
            model_id=GENERAL[0], inputs=[_image(DOG2)], model=_config(select_concepts=list(selectors))))

    plain = stub.call("PostModelOutputs", service_pb2.PostModelOutputsRequest(model_id=GENERAL[0],
                                                                              inputs=[_image(DOG2)]))
    first, second = plain.outputs[0].data.concepts[:2]
    exact = predict(resources_pb2.Concept(name=first.name), resources_pb2.Concept(id=second.id))
    assert exact.status.code == OK
    assert {c.name for c in exact.outputs[0].data.concepts} == {first.name, second.name}
    partial = predict(resources_pb2.Concept(name=first.name), resources_pb2.Concept(name=first.name.upper()))
    assert partial.status.code == status_code_pb2.MIXED_STATUS
    assert f"name '{first.name.upper()}'" in partial.status.details
    assert [c.name for c in partial.outputs[0].data.concepts] == [first.name]
    none = predict(resources_pb2.Concept(id="ai_notathing"))
    assert none.status.code == status_code_pb2.MODEL_INVALID_ARGUMENT and not none.outputs


@pytest.fixture(scope="module")
def limited_server() -> Iterator[LiveServer]:
    with LiveServer(Settings(clarifai_max_request_bytes=3 * 1024 * 1024)) as server:
        yield server


@pytest.mark.parametrize("channel", CHANNELS)
def test_post_model_outputs_15_mb_image_accepted(live_emulator: LiveServer, tenant_id: str, channel: str) -> None:
    stub = make_stub(channel, live_emulator, tenant_id)
    big = JPEG + b"\0" * (15 * 1024 * 1024)
    response = stub.call("PostModelOutputs", service_pb2.PostModelOutputsRequest(
        model_id=GENERAL[0], inputs=[_image(raw=big)]))
    assert response.status.code == OK, response.status
    assert response.outputs[0].data.concepts
    too_big = stub.call("PostModelOutputs", service_pb2.PostModelOutputsRequest(
        model_id=GENERAL[0], inputs=[_image(raw=big + b"\0" * (6 * 1024 * 1024))]))
    assert too_big.status.code == status_code_pb2.FAILURE
    assert too_big.outputs[0].status.code == status_code_pb2.INPUT_OVER_LIMIT


@pytest.mark.parametrize("channel", CHANNELS)
def test_post_model_outputs_batch_over_the_limit_refused(limited_server: LiveServer, tenant_id: str,
                                                         channel: str) -> None:
    stub = make_stub(channel, limited_server, tenant_id)
    image = _image(raw=JPEG + b"\0" * (1024 * 1024))
    response = stub.call("PostModelOutputs", service_pb2.PostModelOutputsRequest(
        model_id=GENERAL[0], inputs=[image] * 4))
    assert response.status.code == status_code_pb2.RPC_MAX_MESSAGE_SIZE_EXCEEDED
    assert response.status.details.endswith(f"exceeds the limit of {3 * 1024 * 1024} bytes")
    assert not response.outputs
    assert stub.call("PostModelOutputs", service_pb2.PostModelOutputsRequest(
        model_id=GENERAL[0], inputs=[image] * 2)).status.code == OK


@pytest.mark.parametrize("channel", CHANNELS)
def test_post_workflow_results_seed_metro_north_shows_train_on_top(live_emulator: LiveServer, tenant_id: str,
                                                                   channel: str) -> None:
    # seeds/002 "Create" then "Workflow Predict": the General output answers what the docs show
    from tests.clients import clarifai_examples as ex

    stub = make_stub(channel, live_emulator, tenant_id)
    assert stub.call("PostWorkflows", ex.create_workflow()).status.code == OK
    response = stub.call("PostWorkflowResults", ex.predict_url())
    assert response.status.code == OK, response.status
    general = response.results[0].outputs[1]
    assert general.model.id == GENERAL[0]
    top = general.data.concepts[0]
    assert (top.id, top.name, round(top.value, 7)) == ("ai_HLmqFqBf", "train", 0.9989112)
    assert [c.name for c in general.data.concepts[:4]] == ["train", "railway", "transportation system", "station"]
