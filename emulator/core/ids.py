"""Seeded id factories: OpenSearch auto-ids (20 URL-safe chars) and Clarifai 32-hex ids."""
from __future__ import annotations

import base64
import random
import uuid


class IdFactory:
    def __init__(self, seed: int | str | None = None) -> None:
        self._rng = random.Random(seed)

    def opensearch_id(self) -> str:
        # OpenSearch's auto-generated ids are 15 time/mac-derived bytes, base64url without padding
        return base64.urlsafe_b64encode(self._rng.randbytes(15)).decode("ascii")

    def hex32(self) -> str:
        return uuid.UUID(int=self._rng.getrandbits(128), version=4).hex

    def random(self) -> random.Random:
        return self._rng
