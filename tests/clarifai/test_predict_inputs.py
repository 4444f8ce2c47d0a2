"""Workflow predict inputs as the real API takes them (issue #15): media kinds, the base64 echo marker,
per-input validation, video frames and sample_ms, select_concepts exact matching, the image limit."""
from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from emulator.clarifai import inputs
from tests.clarifai.clarifai_rest_support import FOOD, GENERAL, SENTIMENT, Api, image, node, text, workflow

W = "/v2/users/me/apps/a1/workflows"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
MP4 = b"\0\0\0\x18ftypmp42" + b"\0" * 64
MP3 = b"ID3\x03\0\0\0" + b"\0" * 64
BEER = "https://samples.clarifai.com/beer.mp4"


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def make(api: Api, *nodes: dict[str, Any], wf_id: str = "w") -> None:
    status, body = api("POST", W, {"workflows": [workflow(wf_id, *nodes)]})
    assert status == 200, body


def predict(api: Api, *items: dict[str, Any], wf_id: str = "w", **extra: Any) -> tuple[int, dict[str, Any]]:
    return api("POST", f"{W}/{wf_id}/results", {"inputs": list(items), **extra})


def media(kind: str, **part: Any) -> dict[str, Any]:
    return {"data": {kind: part}}


def test_post_workflow_results_base64_echo_is_the_marker(api: Api) -> None:
    make(api, node("g", GENERAL))
    status, body = predict(api, media("image", base64=b64(PNG)), media("video", base64=b64(MP4), url=""))
    assert status == 200, body
    echoed = [r["input"]["data"] for r in body["results"]]
    assert echoed[0] == {"image": {"base64": "dHJ1ZQ=="}}
    assert echoed[1]["video"]["base64"] == "dHJ1ZQ==" and base64.b64decode("dHJ1ZQ==") == b"true"
    # URL inputs are echoed as sent
    _, by_url = predict(api, media("image", url=BEER.replace("mp4", "jpg"), allow_duplicate_url=True))
    assert by_url["results"][0]["input"]["data"]["image"] == {"url": BEER.replace("mp4", "jpg"),
                                                             "allow_duplicate_url": True}


def test_post_workflow_results_per_input_validation(api: Api) -> None:
    make(api, node("g", GENERAL))
    status, body = predict(api, media("image", base64=b64(b"not an image")), media("video", base64=b64(PNG[:4])),
                           media("audio", url="ftp://x/a.mp3"), {"data": {}}, media("image", url=BEER))
    assert status == 207 and body["status"]["code"] == 10010
    got = [(r["status"]["code"], r["status"].get("details", "")) for r in body["results"]]
    assert got[0] == (30101, "Failed to decode image: the bytes are not a supported image format")
    assert got[1] == (30101, "Failed to decode video: the bytes are not a supported video format")
    assert got[2] == (30106, "Invalid URL: 'ftp://x/a.mp3'")
    assert got[3][0] == 30104 and "no image, video, audio or text data" in got[3][1]
    assert got[4][0] == 10000


def test_post_workflow_results_unsupported_kind_for_the_model(api: Api) -> None:
    make(api, node("s", SENTIMENT))
    status, body = predict(api, media("audio", base64=b64(MP3)), media("video", url=BEER), text("great stuff"))
    assert status == 207
    [audio, video, ok] = body["results"]
    assert audio["outputs"][0]["status"] == {"code": 30104, "description": "Input invalid argument",
                                             "details": f"Model '{SENTIMENT[0]}' takes text inputs, got audio"}
    assert video["outputs"][0]["status"]["code"] == 30104
    assert ok["status"]["code"] == 10000


def test_post_workflow_results_video_one_frame_per_second_and_sample_ms(api: Api) -> None:
    make(api, node("g", GENERAL), node("f", FOOD))
    length = inputs.read_input(media("video", url=BEER))
    assert isinstance(length, inputs.InputContent) and 3000 <= length.duration_ms <= 30000
    status, body = predict(api, media("video", url=BEER))
    assert status == 200, body
    for output in body["results"][0]["outputs"]:
        frames = output["data"]["frames"]
        assert [f["frame_info"] for f in frames] == [
            {"index": i, "time": t} for i, t in enumerate(range(0, length.duration_ms, 1000))]
        assert all(f["data"]["concepts"] for f in frames)
    _, fast = predict(api, media("video", url=BEER), output_config={"sample_ms": 500})
    frames = fast["results"][0]["outputs"][0]["data"]["frames"]
    assert [f["frame_info"]["time"] for f in frames] == list(range(0, length.duration_ms, 500))
    # the same instant of the clip predicts the same whatever the sampling rate
    assert frames[2]["data"] == body["results"][0]["outputs"][0]["data"]["frames"][1]["data"]
    status, bad = predict(api, media("video", url=BEER), output_config={"sample_ms": 50})
    assert status == 400 and bad["status"]["code"] == 21202
    assert "sample_ms must be between 100 and 60000" in bad["status"]["details"]


def test_post_workflow_results_video_refused_by_a_model_without_video(api: Api) -> None:
    api_nodes = [node("d", ("general-image-detection", "1580bb1932594c93b7e2e04456af7c6f"))]
    make(api, *api_nodes)
    status, body = predict(api, media("video", base64=b64(MP4)))
    assert status == 400 and body["results"][0]["outputs"][0]["status"]["code"] == 30104


def test_post_workflow_results_select_concepts_exact_partial_and_none(api: Api) -> None:
    make(api, node("g", GENERAL))
    _, plain = predict(api, image())
    vocab = {c["name"]: c["id"] for c in plain["results"][0]["outputs"][0]["data"]["concepts"]}
    name, other = sorted(vocab)[:2]
    status, exact = predict(api, image(), output_config={"select_concepts": [{"name": name}, {"id": vocab[other]}]})
    assert status == 200 and exact["status"]["code"] == 10000
    assert {c["name"] for c in exact["results"][0]["outputs"][0]["data"]["concepts"]} == {name, other}
    # case matters: "Train" is not "train"
    status, partial = predict(api, image(), output_config={"select_concepts": [{"name": name},
                                                                             {"name": name.upper()}]})
    assert status == 207 and partial["status"]["code"] == 10010
    result = partial["results"][0]
    assert result["status"]["code"] == 10010 and f"name '{name.upper()}'" in result["status"]["details"]
    assert [c["name"] for c in result["outputs"][0]["data"]["concepts"]] == [name]
    status, none = predict(api, image(), output_config={"select_concepts": [{"id": "ai_nope"}, {"name": "Nope"}]})
    assert status == 400 and none["status"]["code"] == 10020
    out = none["results"][0]["outputs"][0]
    assert out["status"]["code"] == 21202 and "data" not in out
    assert out["status"]["details"] == (f"None of the select_concepts is a concept of model '{GENERAL[0]}': "
                                        "id 'ai_nope', name 'Nope'")


def test_post_workflow_results_image_over_the_limit_fails_alone(api_factory: Callable[..., Api]) -> None:
    api = api_factory(clarifai_max_image_bytes=1000, clarifai_max_request_bytes=100_000)
    make(api, node("g", GENERAL))
    status, body = predict(api, media("image", base64=b64(PNG + b"\0" * 2000)), media("image", base64=b64(PNG)))
    assert status == 207
    assert body["results"][0]["status"] == {
        "code": 30105, "description": "Input image is larger than the allowed limit",
        "details": f"The image is {len(PNG) + 2000} bytes, larger than the limit of 1000 bytes"}
    assert body["results"][1]["status"]["code"] == 10000
    status, too_big = predict(api, *[media("image", base64=b64(PNG + b"\0" * 900))] * 100)
    assert status == 413 and too_big["status"]["code"] == 40033
    assert "exceeds the limit of 100000 bytes" in too_big["status"]["details"]
