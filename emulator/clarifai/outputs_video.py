"""Video predictions as Clarifai gives them: one `data.frames[]` entry per sampled frame (reference §4 Data).

Clarifai/old-docs video.md: "Video is processed at 1 frame per second", each frame carrying
`frame_info.index` and `frame_info.time` (milliseconds) and the model's usual `data` for that frame;
`output_config.sample_ms` (resources.proto OutputConfig: "Sample delay for video predicting (1 frame
per N milliseconds)") changes the rate. The docs list General, Food, NSFW, Travel and Wedding (and
Apparel, retired) as the public models that take video; other models refuse a video input.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from emulator.clarifai import errors
from emulator.clarifai.catalog import ModelDef
from emulator.clarifai.inputs import InputContent

DEFAULT_SAMPLE_MS = 1000  # 1 frame per second
MIN_SAMPLE_MS, MAX_SAMPLE_MS = 100, 60_000

# by slug id (clarifai/main's catalogue; a legacy hex id resolves to the same model, `ModelDef.real_id`)
VIDEO_MODELS = frozenset({
    "general-image-recognition", "food-item-recognition", "nsfw-recognition", "travel-image-recognition",
    "wedding-image-recognition", "apparel-recognition", "moderation-recognition",
})


def takes_video(model: ModelDef) -> bool:
    return model.real_id in VIDEO_MODELS and model.user_id == "clarifai"


def check_sample_ms(value: int) -> int:
    if value and not MIN_SAMPLE_MS <= value <= MAX_SAMPLE_MS:
        # range from the docs (issue #15); the real code for a value outside it is unverified
        raise errors.model_invalid_argument(
            f"sample_ms must be between {MIN_SAMPLE_MS} and {MAX_SAMPLE_MS} milliseconds, got {value}")
    return value


def frame_times(content: InputContent, sample_ms: int) -> range:
    """The `frame_info.time` of every sampled frame: 0, sample_ms, ... up to the clip's length."""
    return range(0, content.duration_ms, sample_ms or DEFAULT_SAMPLE_MS)


def frames(content: InputContent, sample_ms: int,
           per_frame: Callable[[InputContent], dict[str, Any]]) -> dict[str, Any]:
    """`{"frames": [...]}`: the model's data for each sampled frame, each frame its own content."""
    out = []
    for index, time in enumerate(frame_times(content, sample_ms)):
        # a frame is identified by its time in the clip, so a different sample_ms sees the same
        # frame at the same instant (and predicts the same for it)
        digest = hashlib.blake2b(content.digest + time.to_bytes(8, "big"), digest_size=16).digest()
        frame = InputContent("image", digest, content.words)
        out.append({"frame_info": {"index": index, "time": time}, "data": per_frame(frame)})
    return {"frames": out}


def takes(model: ModelDef, input_field: str, kind: str) -> bool:
    """A model takes inputs of its type's input field; a video-capable image model also takes video."""
    return input_field == kind or (kind == "video" and input_field == "image" and takes_video(model))
