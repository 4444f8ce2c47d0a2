"""Outputs by model type and chains through clarifai-grpc, over both channels (issue #15 items 2-3):
detector -> cropper -> classifier, embedder -> clusterer, speech and text models, refused chains."""
from __future__ import annotations

import httpx
import pytest
from clarifai_grpc.grpc.api import resources_pb2, service_pb2
from clarifai_grpc.grpc.api.status import status_code_pb2

from emulator.core.emulator import TENANT_HEADER
from emulator.testing import LiveServer
from tests.clients.clarifai_grpc_support import GENERAL, make_stub, workflow_node

OK = status_code_pb2.SUCCESS
CHANNELS = ["grpc", "json"]
FACES = ("face-detection", "fe995da8cb73490f8556416ecf25cea3")
CROPPER = ("margin-110-image-crop", "b9987421b40a46649566826ef9325303")
EMBED = ("general-image-embedding", "bb186755eda04f9cbb6fe32e816be104")
CLUSTER = ("general-clusterering", "cc2074cff6dc4c02b6f4e1b8606dcb54")
SENTIMENT = ("sentiment-analysis-twitter-roberta-base", "2c9bbd5e5f2a4a7ab4d8dbbb4e0e0a1d")
PHOTO = "https://samples.clarifai.com/featured-models/face-three-people.jpg"


def _node(node_id: str, model: tuple[str, str], *inputs: str) -> resources_pb2.WorkflowNode:
    return workflow_node(node_id, model, node_inputs=[resources_pb2.NodeInput(node_id=i) for i in inputs])


def _image(url: str = PHOTO) -> resources_pb2.Input:
    return resources_pb2.Input(data=resources_pb2.Data(image=resources_pb2.Image(url=url)))


@pytest.mark.parametrize("channel", CHANNELS)
def test_post_workflow_results_detector_cropper_classifier_chain(live_emulator: LiveServer, tenant_id: str,
                                                                 channel: str) -> None:
    stub = make_stub(channel, live_emulator, tenant_id)
    created = stub.call("PostWorkflows", service_pb2.PostWorkflowsRequest(workflows=[resources_pb2.Workflow(
        id="crops", nodes=[_node("detect", FACES), _node("crop", CROPPER, "detect"),
                           _node("classify", GENERAL, "crop")])]))
    assert created.status.code == OK, created.status
    response = stub.call("PostWorkflowResults", service_pb2.PostWorkflowResultsRequest(
        workflow_id="crops", inputs=[_image()]))
    assert response.status.code == OK, response.status
    detect, crop, classify = response.results[0].outputs
    regions = detect.data.regions
    assert regions and all(r.data.concepts[0].name == "face" for r in regions)
    assert [r.id for r in crop.data.regions] == [r.id for r in regions]
    for found, cropped in zip(regions, crop.data.regions, strict=True):
        box, grown = found.region_info.bounding_box, cropped.region_info.bounding_box
        # margin 1.1: the crop is the region grown by 10% (clipped to the image)
        assert grown.top_row <= box.top_row and grown.bottom_row >= box.bottom_row
        assert grown.left_col <= box.left_col and grown.right_col >= box.right_col
        assert cropped.data.image.base64.startswith(b"\xff\xd8\xff")
    assert [r.id for r in classify.data.regions] == [r.id for r in regions]
    per_crop = [[c.name for c in r.data.concepts] for r in classify.data.regions]
    assert all(per_crop) and (len(per_crop) == 1 or per_crop[0] != per_crop[1])


@pytest.mark.parametrize("channel", CHANNELS)
def test_post_workflow_results_embedder_clusterer_chain(live_emulator: LiveServer, tenant_id: str,
                                                        channel: str) -> None:
    stub = make_stub(channel, live_emulator, tenant_id)
    created = stub.call("PostWorkflows", service_pb2.PostWorkflowsRequest(workflows=[resources_pb2.Workflow(
        id="index", nodes=[_node("embed", EMBED), _node("cluster", CLUSTER, "embed")])]))
    assert created.status.code == OK, created.status
    response = stub.call("PostWorkflowResults", service_pb2.PostWorkflowResultsRequest(
        workflow_id="index", inputs=[_image(), _image(PHOTO + "?other")]))
    assert response.status.code == OK
    for result in response.results:
        embed, cluster = result.outputs
        [vector] = embed.data.embeddings
        assert vector.num_dimensions == 1024 and len(vector.vector) == 1024
        assert abs(sum(x * x for x in vector.vector) - 1.0) < 1e-3
        assert cluster.data.clusters and all("_" in c.id for c in cluster.data.clusters)


@pytest.mark.parametrize("channel", CHANNELS)
def test_post_workflows_image_classifier_feeding_a_text_model_is_refused(live_emulator: LiveServer,
                                                                         tenant_id: str, channel: str) -> None:
    stub = make_stub(channel, live_emulator, tenant_id)
    refused = stub.call("PostWorkflows", service_pb2.PostWorkflowsRequest(workflows=[resources_pb2.Workflow(
        id="nonsense", nodes=[_node("general", GENERAL), _node("sentiment", SENTIMENT, "general")])]))
    assert refused.status.code == status_code_pb2.WORKFLOW_INVALID_GRAPH
    assert refused.status.details == (
        "Node 'sentiment' (text-classifier) takes text but its input node 'general' (visual-classifier) "
        "gives concepts")
    assert stub.call("GetWorkflow", service_pb2.GetWorkflowRequest(workflow_id="nonsense")).status.code != OK
    # a root that needs another model's output, and the same rules at patch
    lonely = stub.call("PostWorkflows", service_pb2.PostWorkflowsRequest(workflows=[resources_pb2.Workflow(
        id="lonely", nodes=[_node("cluster", CLUSTER)])]))
    assert lonely.status.code == status_code_pb2.WORKFLOW_INVALID_GRAPH
    assert stub.call("PostWorkflows", service_pb2.PostWorkflowsRequest(workflows=[resources_pb2.Workflow(
        id="ok", nodes=[_node("general", GENERAL)])])).status.code == OK
    patched = stub.call("PatchWorkflows", service_pb2.PatchWorkflowsRequest(action="merge", workflows=[
        resources_pb2.Workflow(id="ok", nodes=[_node("sentiment", SENTIMENT, "general")])]))
    assert patched.status.code == status_code_pb2.WORKFLOW_INVALID_GRAPH


@pytest.mark.parametrize("channel", CHANNELS)
def test_post_model_outputs_speech_and_text_models(live_emulator: LiveServer, tenant_id: str, channel: str) -> None:
    for model_id, kind in (("asr-english", "audio-to-text"), ("summarizer", "text-to-text"),
                           ("voice", "text-to-audio")):
        r = httpx.post(f"{live_emulator.url}/_emulator/clarifai/models", headers={TENANT_HEADER: tenant_id},
                       json={"id": model_id, "model_type_id": kind})
        assert r.status_code in (200, 201), r.text
    stub = make_stub(channel, live_emulator, tenant_id)
    audio = resources_pb2.Input(data=resources_pb2.Data(audio=resources_pb2.Audio(
        url="https://samples.clarifai.com/english_audio_sample.mp3")))
    text = resources_pb2.Input(data=resources_pb2.Data(text=resources_pb2.Text(raw="Clarifai makes AI easy")))
    heard = stub.call("PostModelOutputs", service_pb2.PostModelOutputsRequest(model_id="asr-english", inputs=[audio]))
    assert heard.status.code == OK, heard.status
    assert heard.outputs[0].data.text.raw.endswith(".") and heard.outputs[0].input.data.audio.url
    summary = stub.call("PostModelOutputs", service_pb2.PostModelOutputsRequest(model_id="summarizer", inputs=[text]))
    assert summary.outputs[0].data.text.raw.startswith("Clarifai makes ai easy")
    spoken = stub.call("PostModelOutputs", service_pb2.PostModelOutputsRequest(model_id="voice", inputs=[text]))
    assert spoken.outputs[0].data.audio.base64.startswith(b"RIFF")
    wrong = stub.call("PostModelOutputs", service_pb2.PostModelOutputsRequest(model_id="asr-english", inputs=[text]))
    assert wrong.outputs[0].status.code == status_code_pb2.INPUT_INVALID_ARGUMENT
    again = stub.call("PostModelOutputs", service_pb2.PostModelOutputsRequest(model_id="asr-english", inputs=[audio]))
    assert again.outputs[0].data.text.raw == heard.outputs[0].data.text.raw  # deterministic
