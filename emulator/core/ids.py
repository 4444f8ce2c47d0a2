"""Seeded id factories: OpenSearch auto-ids (20 URL-safe chars) and Clarifai 32-hex ids."""
from __future__ import annotations

import base64
import random


class IdFactory:
    def __init__(self, seed: int | str | None = None) -> None:
        self._rng = random.Random(seed)
        # while a list, every hex32 handed out is appended to it (clarifai/predict_lane.py)
        self.recording: list[str] | None = None

    def opensearch_id(self) -> str:
        # OpenSearch's auto-generated ids are 15 time/mac-derived bytes, base64url without padding
        return base64.urlsafe_b64encode(self._rng.randbytes(15)).decode("ascii")

    def hex32(self) -> str:
        # exactly uuid.UUID(int=n, version=4).hex (version and variant bits set), without the
        # UUID object: predict asks for several ids per input (loadtests/profile_predict.py)
        n = self._rng.getrandbits(128)
        n = (n & ~(0xC000 << 48)) | (0x8000 << 48)
        n = (n & ~(0xF000 << 64)) | (4 << 76)
        out = f"{n:032x}"
        if self.recording is not None:
            self.recording.append(out)
        return out

    def hex32_many(self, n: int) -> list[str]:
        """`[self.hex32() for _ in range(n)]`, the same ids in the same order, in one call."""
        bits = self._rng.getrandbits
        clear, version = ~((0xC000 << 48) | (0xF000 << 64)), (0x8000 << 48) | (4 << 76)
        out = [f"{(bits(128) & clear) | version:032x}" for _ in range(n)]
        if self.recording is not None:
            self.recording.extend(out)
        return out

    def random(self) -> random.Random:
        return self._rng
