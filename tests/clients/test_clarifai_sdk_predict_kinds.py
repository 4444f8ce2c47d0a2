"""The `clarifai` SDK, unmodified, against the emulator (issue #15): video by URL and by bytes with the
default 1 fps and with `sample_ms`, model predict (PostModelOutputs) on image, video, text and audio,
and the detector -> cropper -> classifier and embedder -> clusterer chains. The SDK reads
CLARIFAI_API_BASE at import time, so it runs in a subprocess; it sends no tenant header, so the
test works in the default tenant, in apps and models of its own."""
from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import httpx
from clarifai_grpc.grpc.api import resources_pb2, service_pb2
from clarifai_grpc.grpc.api.status import status_code_pb2

from emulator.clarifai import inputs
from emulator.testing import LiveServer
from tests.clients.clarifai_grpc_support import GENERAL, PAT, make_stub, workflow_node

USER_ID = "sdk-kinds-user"
BEER = "https://samples.clarifai.com/beer.mp4"
DOG2 = "https://samples.clarifai.com/dog2.jpeg"
MP4 = b"\0\0\0\x18ftypisom" + b"\1" * 96
WAV = b"RIFF\x24\0\0\0WAVEfmt " + b"\2" * 64

_SCRIPT = textwrap.dedent("""
    import json, sys
    from clarifai.client.model import Model
    from clarifai.client.workflow import Workflow

    user_id, app_id, asr, mp4_path, wav_path = sys.argv[1:6]
    beer, dog2 = "https://samples.clarifai.com/beer.mp4", "https://samples.clarifai.com/dog2.jpeg"
    mp4, wav = open(mp4_path, "rb").read(), open(wav_path, "rb").read()
    out = {}

    def frames(response):
        return [f.frame_info.time for f in response.outputs[0].data.frames] if hasattr(response, "outputs") else [
            [f.frame_info.time for f in o.data.frames] for o in response.results[0].outputs]

    wf = Workflow(workflow_id="video", user_id=user_id, app_id=app_id)
    out["wf_url"] = frames(wf.predict_by_url(beer, input_type="video"))
    out["wf_bytes"] = frames(wf.predict_by_bytes(mp4, input_type="video"))
    half = Workflow(workflow_id="video", user_id=user_id, app_id=app_id, output_config={"sample_ms": 500})
    out["wf_half"] = frames(half.predict_by_url(beer, input_type="video"))

    general = Model(model_id="general-image-recognition", user_id="clarifai", app_id="main")
    dog = general.predict_by_url(dog2, input_type="image")
    out["dog"] = [(c.id, c.name) for c in dog.outputs[0].data.concepts[:2]]
    out["model_video"] = frames(general.predict_by_url(beer, input_type="video", output_config={"sample_ms": 2000}))
    out["model_bytes"] = frames(general.predict_by_bytes(mp4, input_type="video"))
    sentiment = Model(model_id="sentiment-analysis-twitter-roberta-base", user_id="clarifai", app_id="main")
    text = sentiment.predict_by_bytes(b"I love this emulator", input_type="text")
    out["text"] = sorted(c.name for c in text.outputs[0].data.concepts)
    speech = Model(model_id=asr, user_id="clarifai", app_id="main").predict_by_bytes(wav, input_type="audio")
    out["audio"] = speech.outputs[0].data.text.raw

    crops = Workflow(workflow_id="crops", user_id=user_id, app_id=app_id).predict_by_url(dog2, input_type="image")
    detect, crop, classify = crops.results[0].outputs
    out["crops"] = [len(detect.data.regions), [r.data.image.base64[:3].hex() for r in crop.data.regions],
                    [len(r.data.concepts) for r in classify.data.regions]]
    index = Workflow(workflow_id="index", user_id=user_id, app_id=app_id).predict_by_url(dog2, input_type="image")
    embed, cluster = index.results[0].outputs
    out["index"] = [embed.data.embeddings[0].num_dimensions, [c.id for c in cluster.data.clusters]]
    print(json.dumps(out))
""")


def _workflows(server: LiveServer, app_id: str) -> None:
    stub = make_stub("grpc", server, "default")

    def node(node_id: str, model: tuple[str, str], *ups: str) -> resources_pb2.WorkflowNode:
        return workflow_node(node_id, model, node_inputs=[resources_pb2.NodeInput(node_id=u) for u in ups])

    created = stub.call("PostWorkflows", service_pb2.PostWorkflowsRequest(
        user_app_id=resources_pb2.UserAppIDSet(user_id=USER_ID, app_id=app_id), workflows=[
            resources_pb2.Workflow(id="video", nodes=[node("general", GENERAL)]),
            resources_pb2.Workflow(id="crops", nodes=[
                node("detect", ("face-detection", "fe995da8cb73490f8556416ecf25cea3")),
                node("crop", ("margin-110-image-crop", "b9987421b40a46649566826ef9325303"), "detect"),
                node("classify", GENERAL, "crop")]),
            resources_pb2.Workflow(id="index", nodes=[
                node("embed", ("general-image-embedding", "bb186755eda04f9cbb6fe32e816be104")),
                node("cluster", ("general-clusterering", "cc2074cff6dc4c02b6f4e1b8606dcb54"), "embed")])]))
    assert created.status.code == status_code_pb2.SUCCESS, created.status


def _length(data: dict[str, object]) -> int:
    content = inputs.read_input({"data": data})
    assert isinstance(content, inputs.InputContent)
    return content.duration_ms


def test_sdk_predicts_video_audio_text_and_chains(live_emulator: LiveServer, tmp_path: Path) -> None:
    app_id = "kinds-" + uuid.uuid4().hex[:8]
    _workflows(live_emulator, app_id)
    asr = "sdk-asr-" + uuid.uuid4().hex[:8]
    r = httpx.post(f"{live_emulator.url}/_emulator/clarifai/models", json={"id": asr, "model_type_id": "audio-to-text"})
    assert r.status_code in (200, 201), r.text
    (tmp_path / "v.mp4").write_bytes(MP4)
    (tmp_path / "a.wav").write_bytes(WAV)
    env = {**os.environ, "CLARIFAI_API_BASE": f"http://127.0.0.1:{live_emulator.grpc_port}", "CLARIFAI_PAT": PAT,
           "HOME": str(tmp_path), "CLARIFAI_USER_ID": USER_ID}
    done = subprocess.run([sys.executable, "-c", _SCRIPT, USER_ID, app_id, asr, str(tmp_path / "v.mp4"),
                           str(tmp_path / "a.wav")], check=False, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    beer = _length({"video": {"url": BEER}})
    clip = _length({"video": {"base64": base64.b64encode(MP4).decode()}})
    assert seen["wf_url"] == [list(range(0, beer, 1000))]
    assert seen["wf_bytes"] == [list(range(0, clip, 1000))]
    assert seen["wf_half"] == [list(range(0, beer, 500))]
    assert seen["model_video"] == list(range(0, beer, 2000))
    assert seen["model_bytes"] == list(range(0, clip, 1000))
    assert seen["dog"] == [["ai_8S2Vq3cR", "dog"], ["ai_gPNNX7LT", "pet"]]  # the documented-examples table
    assert seen["text"] == ["negative", "neutral", "positive"]
    assert seen["audio"].endswith(".") and len(seen["audio"].split()) >= 6
    regions, heads, per_crop = seen["crops"]
    assert regions >= 1 and heads == ["ffd8ff"] * regions and len(per_crop) == regions and all(per_crop)
    assert seen["index"][0] == 1024 and len(seen["index"][1]) == 2


_REFUSED_YAML = textwrap.dedent("""
    workflow:
      id: classifier-into-text
      nodes:
        - id: general
          model:
              model_id: general-image-recognition
              user_id: clarifai
              app_id: main
              model_version_id: aa7f35c01e0642fda5cf400f543e7c40
        - id: sentiment
          model:
              model_id: sentiment-analysis-twitter-roberta-base
              user_id: clarifai
              app_id: main
              model_version_id: 2c9bbd5e5f2a4a7ab4d8dbbb4e0e0a1d
          node_inputs:
            - node_id: general
""")

_CREATE_SCRIPT = textwrap.dedent("""
    import sys
    from clarifai.client.app import App
    try:
        App(app_id=sys.argv[2], user_id=sys.argv[1]).create_workflow(config_filepath=sys.argv[3])
        print("CREATED")
    except Exception as exc:
        print("RAISED " + str(exc).replace(chr(10), " "))
""")


def test_sdk_create_workflow_image_classifier_into_text_model_is_refused(live_emulator: LiveServer,
                                                                        tmp_path: Path) -> None:
    config = tmp_path / "workflow.yml"
    config.write_text(_REFUSED_YAML)
    app_id = "refuse-" + uuid.uuid4().hex[:8]
    env = {**os.environ, "CLARIFAI_API_BASE": f"http://127.0.0.1:{live_emulator.grpc_port}", "CLARIFAI_PAT": PAT,
           "HOME": str(tmp_path), "CLARIFAI_USER_ID": USER_ID}
    done = subprocess.run([sys.executable, "-c", _CREATE_SCRIPT, USER_ID, app_id, str(config)], check=False,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout.strip().splitlines()[-1]
    assert out.startswith("RAISED") and "WORKFLOW_INVALID_GRAPH" in out, out
    assert "takes text but its input node 'general' (visual-classifier) gives concepts" in out.replace("\\'", "'")
